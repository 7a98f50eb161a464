"""The package's layers: no import cycles, and each module imports only from the
layers below its own (docs/development.md draws them)."""

import ast
import os

import pytest

PACKAGE_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'midime')

# Bottom to top. A module may import modules of its own layer or of lower ones.
LAYERS = [
    ('leaves', [
        'midime.errors', 'midime.lean_imports', 'midime.tf_setup',
        'midime.progress', 'midime.output_files', 'midime.piano_roll',
        'midime.audio', 'midime.music_metrics', 'midime.tracks',
        'midime.families', 'midime.checks', 'midime.latents',
        'midime.note_sequence_io', 'midime.windows', 'midime.noise',
        'midime.checkpoints', 'midime.song_form', 'midime.chords',
        'midime.controls'
    ]),
    ('models', [
        'midime.base_model', 'midime.ae_model', 'midime.lc_model',
        'midime.frozen_music_vae'
    ]),
    ('registry', ['midime.configs']),
    ('steps', [
        'midime.latent_cache', 'midime.training', 'midime.sampling',
        'midime.random_music_vae', 'midime.songs', 'midime.evaluation',
        'midime.evaluation.measures', 'midime.evaluation.report',
        'midime.evaluation.plots', 'midime.evaluation.songs'
    ]),
    ('loader', ['midime.trained_model']),
    ('jobs', [
        'midime.jobs', 'midime.jobs.train', 'midime.jobs.generate',
        'midime.jobs.evaluate', 'midime.api'
    ]),
    ('studio', [
        'midime.studio', 'midime.studio.runs', 'midime.studio.uploads',
        'midime.studio.base_models', 'midime.studio.song_reports',
        'midime.studio.worker', 'midime.studio.trainer',
        'midime.studio.listening', 'midime.studio.app'
    ]),
    ('cli', [
        'midime.cli', 'midime.cli.common', 'midime.cli.train',
        'midime.cli.generate', 'midime.cli.evaluate', 'midime.cli.studio',
        'midime.cli.studio_worker', 'midime'
    ]),
]


def _modules():
  """Module name -> its file, for every module of the package."""
  modules = {}
  for folder, _, names in os.walk(PACKAGE_DIR):
    for name in names:
      if name.endswith('.py'):
        path = os.path.join(folder, name)
        relative = os.path.relpath(path, os.path.dirname(PACKAGE_DIR))[:-3]
        module = relative.replace(os.sep, '.')
        if module.endswith('.__init__'):
          module = module[:-len('.__init__')]
        modules[module] = path
  return modules


def _imports(path, modules):
  """The package's modules that the file at `path` imports, wherever the import
  stands (a deferred import inside a function is an edge too)."""
  with open(path, encoding='utf-8') as source:
    tree = ast.parse(source.read())
  found = set()
  for node in ast.walk(tree):
    if isinstance(node,
                  ast.ImportFrom) and node.module and (node.module.split('.')[0]
                                                       == 'midime'):
      for alias in node.names:
        name = node.module + '.' + alias.name
        found.add(name if name in modules else node.module)
    elif isinstance(node, ast.Import):
      found.update(alias.name
                   for alias in node.names
                   if alias.name.split('.')[0] == 'midime')
  return {name for name in found if name in modules}


def _graph():
  modules = _modules()
  return {
      module: _imports(path, modules) - {module}
      for module, path in modules.items()
  }


def _cycles(graph):
  """Every cycle found by a depth-first walk, each as a list of modules."""
  state, path, cycles = {}, [], []

  def visit(module):
    state[module] = 'open'
    path.append(module)
    for imported in sorted(graph[module]):
      if state.get(imported) == 'open':
        cycles.append(path[path.index(imported):] + [imported])
      elif imported not in state:
        visit(imported)
    path.pop()
    state[module] = 'done'

  for module in sorted(graph):
    if module not in state:
      visit(module)
  return cycles


def test_the_package_has_no_import_cycles():
  assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
  graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
  assert _cycles(graph) == [['a', 'b', 'c', 'a']]


def test_every_module_has_a_layer():
  layered = {module for _, modules in LAYERS for module in modules}
  assert set(_graph()) - layered == set()


@pytest.mark.parametrize('layer_index', range(len(LAYERS)))
def test_modules_import_only_from_their_layer_or_below(layer_index):
  graph = _graph()
  allowed = {
      module for _, modules in LAYERS[:layer_index + 1] for module in modules
  }
  name, modules = LAYERS[layer_index]
  upward = {
      module: sorted(graph[module] - allowed)
      for module in modules
      if module in graph and graph[module] - allowed
  }
  assert upward == {}, 'the %s layer imports from above it' % name


def test_models_import_neither_the_registry_nor_the_sampler():
  graph = _graph()
  for model in ('midime.base_model', 'midime.ae_model', 'midime.lc_model'):
    assert not graph[model] & {'midime.configs', 'midime.sampling'}, model

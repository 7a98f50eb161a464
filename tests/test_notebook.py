"""notebooks/personalize.ipynb: executed headless, as a user's Run All would,
with a short training; and committed without outputs."""

import json
import os
import sys

from jupyter_client import kernelspec
from jupyter_client import manager
import nbclient
import nbformat
import note_seq

from tests import testing_lib

NOTEBOOK = os.path.join(testing_lib.REPO, 'notebooks', 'personalize.ipynb')
KERNEL = 'midime-test-python'
# Enough to train and sample; the notebook's few hundred would take longer.
TEST_STEPS = 20
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def _kernel_manager(tmp_path):
  """A kernel manager whose kernel is this interpreter: a kernelspec of our own,
  so neither a user's `python3` kernelspec nor the installed ones decide."""
  spec_dir = tmp_path / 'kernels' / KERNEL
  spec_dir.mkdir(parents=True)
  (spec_dir / 'kernel.json').write_text(
      json.dumps({
          'argv': [
              sys.executable, '-m', 'ipykernel_launcher', '-f',
              '{connection_file}'
          ],
          'display_name': 'SmallMusicVAE tests',
          'language': 'python',
      }))
  specs = kernelspec.KernelSpecManager(
      kernel_dirs=[str(tmp_path / 'kernels')])
  return manager.AsyncKernelManager(kernel_name=KERNEL,
                                    kernel_spec_manager=specs)


def _execute(notebook, cwd, tmp_path, monkeypatch):
  """Runs every cell of `notebook` in a fresh kernel started in `cwd`; raises
  nbclient's CellExecutionError on the first cell that fails."""
  # The kernel inherits the environment: this checkout's midime, whatever the
  # venv's editable install points at, and the short run in a temporary folder.
  monkeypatch.setenv(
      'PYTHONPATH',
      os.pathsep.join([testing_lib.REPO] +
                      [p for p in [os.environ.get('PYTHONPATH')] if p]))
  monkeypatch.setenv('MIDIME_NOTEBOOK_STEPS', str(TEST_STEPS))
  monkeypatch.setenv('MIDIME_NOTEBOOK_RUN_DIR', str(tmp_path / 'run'))
  client = nbclient.NotebookClient(notebook, km=_kernel_manager(tmp_path),
                                   timeout=300,
                                   resources={'metadata': {
                                       'path': cwd
                                   }})
  client.execute()
  return notebook


def _cell(notebook, tag):
  (cell,) = [c for c in notebook.cells if tag in c.metadata.get('tags', [])]
  return cell


def _mime_types(cell):
  return [mime for output in cell.outputs for mime in output.get('data', {})]


def _has_audio(cell):
  return any('<audio' in output.get('data', {}).get('text/html', '')
             for output in cell.outputs)


def test_committed_notebook_has_no_outputs():
  notebook = nbformat.read(NOTEBOOK, as_version=4)
  nbformat.validate(notebook)
  code = [cell for cell in notebook.cells if cell.cell_type == 'code']
  assert code
  for cell in code:
    assert cell.outputs == [] and cell.execution_count is None, cell.source
  assert 'widgets' not in notebook.metadata


def test_notebook_runs_from_notebooks_folder_with_audio_pictures_and_sliders(
    tmp_path, monkeypatch):
  notebook = _execute(nbformat.read(NOTEBOOK, as_version=4),
                      os.path.dirname(NOTEBOOK), tmp_path, monkeypatch)

  setup = _cell(notebook, 'setup').outputs[0].text
  assert 'Training %d steps' % TEST_STEPS in setup
  run_dir = tmp_path / 'run'
  assert (run_dir / 'ae-cat-mel_2bar_big.tar').is_file()
  for tag in ('sample', 'song'):
    assert 'image/png' in _mime_types(_cell(notebook, tag)), tag
    assert _has_audio(_cell(notebook, tag)), tag
  # The sliders are shown (they decode only when one moves).
  assert WIDGET_VIEW in _mime_types(_cell(notebook, 'sliders'))
  # Called directly, the sliders' function decodes the moved point and shows
  # it.
  called = _cell(notebook, 'slider-call')
  assert _mime_types(called).count('image/png') == 1
  assert _has_audio(called)
  # A 32-bar song of 2-bar windows at 120 qpm: 64 seconds.
  song = note_seq.midi_file_to_note_sequence(str(run_dir / 'song.mid'))
  assert 56.0 < max(note.end_time for note in song.notes) <= 64.0 + 1e-6


def test_notebook_finds_the_repository_from_its_root(tmp_path, monkeypatch):
  notebook = nbformat.read(NOTEBOOK, as_version=4)
  notebook.cells = [_cell(notebook, 'setup')]
  _execute(notebook, testing_lib.REPO, tmp_path, monkeypatch)
  songs = os.path.join(testing_lib.REPO, 'data', 'folk_examples')
  assert 'on %s into' % songs in notebook.cells[0].outputs[0].text

"""The MusicVAE checkpoints the studio offers: those under its models folder
(the checkout's bundled `model/` by default), each with the MusicVAE config it
is of, read from its sidecar or known from the name Magenta publishes it
under, and the small-model configs that sit on that config."""

import json
import os
import tarfile

from midime import configs
from midime import families
from midime.errors import UserError

# Deep enough for a folder per checkpoint, shallow enough to stay quick in a
# home folder given by mistake.
MAX_DEPTH = 3
MUSIC_VAE_SIDECAR = 'music_vae_hparams.json'


def _published_names():
  """Magenta's file name of each published checkpoint -> its MusicVAE
  config."""
  names = {}
  for vae_config, url in families.CHECKPOINT_URLS.items():
    if url:
      names[url.rsplit('/', 1)[-1]] = vae_config
  return names


def _sidecar_config(path):
  """The MusicVAE config the checkpoint's sidecar names, or None."""
  try:
    if path.endswith('.tar'):
      with tarfile.open(path) as bundle:
        for member in bundle.getmembers():
          if os.path.basename(member.name) == MUSIC_VAE_SIDECAR:
            return json.load(bundle.extractfile(member)).get('vae_config')
      return None
    sidecar = os.path.join(os.path.dirname(path), MUSIC_VAE_SIDECAR)
    if os.path.isfile(sidecar):
      with open(sidecar, encoding='utf-8') as values:
        return json.load(values).get('vae_config')
  except (OSError, ValueError, tarfile.TarError):
    return None
  return None


def vae_config_of(path):
  """The MusicVAE config of the checkpoint at `path` (a `.tar` or a prefix), or
  None when neither its sidecar nor its name says."""
  found = _sidecar_config(path)
  if found in families.FAMILIES:
    return found
  name = os.path.basename(path)
  published = _published_names()
  if name in published:
    return published[name]
  for suffix in ('.tar', '.ckpt'):
    if name.endswith(suffix) and name[:-len(suffix)] in families.FAMILIES:
      return name[:-len(suffix)]
  return None


def configs_over(vae_config):
  """The configs that sit on MusicVAE config `vae_config` (every config when it
  is None: the user says)."""
  return [name for name in configs.CONFIG_NAMES
          if vae_config is None or configs.family_of(name) == vae_config]


def _checkpoints_under(models_dir):
  for folder, subfolders, names in os.walk(models_dir):
    depth = os.path.relpath(folder, models_dir).count(os.sep)
    if depth >= MAX_DEPTH:
      subfolders[:] = []
    subfolders[:] = sorted(s for s in subfolders if not s.startswith('.'))
    for name in sorted(names):
      if name.endswith('.tar'):
        yield os.path.join(folder, name)
      elif name.endswith('.index'):
        yield os.path.join(folder, name[:-len('.index')])


def list_base_models(models_dir):
  """The checkpoints under `models_dir`, as the page lists them: dicts of `id`
  (the path relative to `models_dir`), `vae_config` (None: unknown) and
  `configs`."""
  if not models_dir or not os.path.isdir(models_dir):
    return []
  found = []
  for path in _checkpoints_under(models_dir):
    vae_config = vae_config_of(path)
    found.append(dict(id=os.path.relpath(path, models_dir),
                      vae_config=vae_config,
                      configs=configs_over(vae_config)))
  # The families' order (the quick 2-bar melodies first), then by name: the
  # page offers the first.
  order = list(families.FAMILIES)
  return sorted(found, key=lambda model: (
      order.index(model['vae_config']) if model['vae_config'] in order
      else len(order), model['id']))


def base_model_path(models_dir, model_id):
  """The path of base model `model_id` (as list_base_models names it). Raises
  UserError for one not under `models_dir`: the browser names models, it never
  gives paths."""
  known = {model['id'] for model in list_base_models(models_dir)}
  if model_id not in known:
    raise UserError('no base model %r in %s' % (model_id, models_dir))
  return os.path.join(models_dir, model_id)


def check_config_for(model_id, vae_config, config_name):
  """Raises UserError unless `config_name` is a config that sits on
  `vae_config` (any config when that is unknown)."""
  configs.check_config_name(config_name)
  if config_name not in configs_over(vae_config):
    raise UserError('%s sits on %s, but %s is a %s checkpoint; choose one of '
                    '%s' % (config_name, configs.family_of(config_name),
                            model_id, vae_config,
                            ', '.join(configs_over(vae_config))))


MAX_NUM_STEPS = 100000


def check_num_steps(num_steps):
  """Raises UserError unless `num_steps` is a whole number of steps, 1 to
  MAX_NUM_STEPS."""
  if (isinstance(num_steps, bool) or not isinstance(num_steps, int) or
      not 1 <= num_steps <= MAX_NUM_STEPS):
    raise UserError('{num_steps} must be a whole number from 1 to %d, got %r'
                    % (MAX_NUM_STEPS, num_steps))

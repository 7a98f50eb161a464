"""The toolkit's two jobs end to end, as the scripts expose them: train (or evaluate)
a small model on a folder of songs, and generate MIDI from it. The scripts only parse
flags and call these; tests and other programs call them directly."""

import collections
import contextlib
import os

from absl import logging

from midime import tf_setup  # noqa: F401
from midime import checkpoints
from midime import checks
from midime import configs
from midime.errors import UserError
from midime import frozen_music_vae
from midime import generation
from midime import latent_cache
from midime import training

LATENTS_FILE = 'latents.npz'
EVAL_LATENTS_FILE = 'eval_latents.npz'


def train_or_evaluate(config_name, run_dir, mode, examples_path, pretrained_path,
                      vae_config_name=None, num_steps=1000, hparams_string='', seed=None,
                      checkpoints_to_keep=10):
  """Trains (returns the bundle's path) or evaluates (returns (step, means)); each
  argument as midime_train.py's flag of the same name."""
  if not run_dir:
    raise UserError('--run_dir is required')
  if not config_name:
    raise UserError('--config is required; one of: %s' % ', '.join(
        sorted(configs.CONFIG_MAP)))
  if mode == 'train' and (num_steps is None or num_steps < 1):
    raise UserError('--num_steps must be at least 1, got %s' % num_steps)
  if not examples_path:
    raise UserError('--examples_path is required')
  run_dir = os.path.expanduser(run_dir)
  train_dir = training.train_dir_of(run_dir)
  training.check_run_record(train_dir, config_name)
  record = checkpoints.read_sidecars(train_dir).get(checkpoints.MODEL_SIDECAR, {})

  if mode == 'eval':
    # Evaluate the model as it was trained, unless --hparams says otherwise.
    config = configs.get_config(config_name, hparams_string, record.get('hparams'))
    pretrained_path = pretrained_path or record.get('pretrained_path')
    vae_config_name = vae_config_name or record.get('vae_config')
  else:
    config = configs.get_config(config_name, hparams_string)
  if not pretrained_path:
    raise UserError('--pretrained_path (the MusicVAE checkpoint) is required')
  vae_config_name = vae_config_name or config.vae_config_name

  with checkpoints.open_checkpoint(pretrained_path, 'MusicVAE checkpoint') as vae_ckpt:
    vae_config = frozen_music_vae.load_music_vae_config(vae_config_name, vae_ckpt)
    z_size = vae_config.hparams.z_size
    if config.hparams.z_size != z_size:
      logging.info('This MusicVAE has z_size %d; the %s model reads that.',
                   z_size, config_name)
      config.hparams.z_size = z_size
    cache_path = os.path.join(
        run_dir, LATENTS_FILE if mode == 'train' else EVAL_LATENTS_FILE)
    cache = latent_cache.build_or_load(cache_path, examples_path, config, vae_config,
                                       vae_ckpt, vae_config_name)
    record = {
        'config': config_name,
        'hparams': config.hparams.values(),
        'vae_config': vae_config_name,
        'music_vae_hparams': vae_ckpt.sidecars.get(
            checkpoints.MUSIC_VAE_SIDECAR, {}).get('hparams', {}),
        'music_vae_fingerprint': vae_ckpt.fingerprint(),
        'pretrained_path': os.path.abspath(os.path.expanduser(pretrained_path)),
    }

  if mode == 'eval':
    return training.evaluate(config, run_dir, cache, config_name, seed)
  return training.train(config, run_dir, cache, num_steps, record, seed=seed,
                        checkpoints_to_keep=checkpoints_to_keep)



def _model_record(checkpoint):
  record = checkpoint.sidecars.get(checkpoints.MODEL_SIDECAR)
  if record is None and checkpoints.MUSIC_VAE_SIDECAR in checkpoint.sidecars:
    raise UserError('%s is a MusicVAE checkpoint; --checkpoint_file takes the trained '
                    'SmallMusicVAE/LCMusicVAE (run_dir/<config>.tar)' % checkpoint.source)
  return record or {}


class LoadedModel(collections.namedtuple(
    'LoadedModel', ['model', 'config', 'config_name', 'source', 'vae_config',
                    'vae_checkpoint', 'vae_config_name', 'record'])):
  """A trained small model ready to sample (generation.TrainedMidiMe), its config,
  where it was read from, the MusicVAE config and open checkpoint (None when neither
  is needed nor asked for), and the record saved with the model."""


def open_trained_model(stack, run_dir, checkpoint_file, vae_checkpoint_file,
                       config_name, vae_config_name, batch_size, seed,
                       require_music_vae=False):
  """Restores a trained SmallMusicVAE/LCMusicVAE for sampling; each argument as
  midime_generate.py's flag of the same name. The checkpoints are opened in
  `stack` (a contextlib.ExitStack); the MusicVAE one is opened when the model
  decodes with it, or when `require_music_vae`. Returns a LoadedModel."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  model_path = (training.train_dir_of(os.path.expanduser(run_dir)) if run_dir
                else checkpoint_file)
  checkpoint = stack.enter_context(checkpoints.open_checkpoint(
      model_path, 'SmallMusicVAE/LCMusicVAE checkpoint'))
  record = _model_record(checkpoint)
  recorded_name = record.get('config')
  if config_name and recorded_name and config_name != recorded_name:
    raise UserError('%s was trained with --config=%s, not %s' % (
        checkpoint.source, recorded_name, config_name))
  config_name = config_name or recorded_name
  if not config_name:
    raise UserError('--config is required: %s records no config' % checkpoint.source)
  config = configs.get_config(config_name, hparams_values=record.get('hparams'))

  vae_config = vae_checkpoint = None
  vae_config_name = vae_config_name or record.get('vae_config') or config.vae_config_name
  if config.model.needs_music_vae_decoder or require_music_vae:
    vae_path = vae_checkpoint_file or record.get('pretrained_path')
    if not vae_path:
      raise UserError('--vae_checkpoint_file (the MusicVAE checkpoint) is required')
    vae_checkpoint = stack.enter_context(
        checkpoints.open_checkpoint(vae_path, 'MusicVAE checkpoint'))
    vae_config = frozen_music_vae.load_music_vae_config(vae_config_name,
                                                        vae_checkpoint)
    trained_over = record.get('music_vae_fingerprint')
    if trained_over and trained_over != vae_checkpoint.fingerprint():
      logging.warning('warning: %s was trained over another MusicVAE checkpoint (%s);'
                      ' its samples will not sound like the training songs.',
                      checkpoint.source, record.get('pretrained_path'))
  elif vae_checkpoint_file:
    logging.info('%s samples with its own decoder; --vae_checkpoint_file is not read.',
                 config_name)

  logging.info('Loading %s from %s...', config_name, checkpoint.source)
  model = generation.TrainedMidiMe(
      config, config_name, checkpoint, batch_size=batch_size,
      vae_config=vae_config if config.model.needs_music_vae_decoder else None,
      vae_checkpoint=vae_checkpoint if config.model.needs_music_vae_decoder else None,
      vae_name=vae_config_name, seed=seed)
  return LoadedModel(model, config, config_name, checkpoint.source, vae_config,
                     vae_checkpoint, vae_config_name, record)


def generate(run_dir=None, checkpoint_file=None, vae_checkpoint_file=None,
             config_name=None, vae_config_name=None, output_dir='tmp/generated',
             num_outputs=5, max_batch_size=8, temperature=0.5, seed=None, plot=False):
  """Samples and writes MIDI files, returning their paths; each argument as
  midime_generate.py's flag of the same name."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  generation.check_num_outputs(num_outputs)
  checks.check_sampling_flags(max_batch_size, temperature, output_dir)
  with contextlib.ExitStack() as stack:
    loaded = open_trained_model(stack, run_dir, checkpoint_file, vae_checkpoint_file,
                                config_name, vae_config_name,
                                min(max_batch_size, num_outputs), seed)
  model, config_name = loaded.model, loaded.config_name

  logging.info('Sampling %d melodies (temperature %g)...', num_outputs, temperature)
  sequences = model.sample(num_outputs, temperature=temperature)
  model.close()
  prefix = generation.timestamped_prefix(config_name)
  paths = generation.write_midi_files(sequences, output_dir, prefix)
  logging.info('Wrote %d MIDI files to %s: %s.', len(paths), output_dir,
               generation.describe(sequences))
  if plot:
    # Imported only here: matplotlib adds about 7% to every script's start-up.
    from midime import piano_roll  # pylint: disable=g-import-not-at-top
    picture = piano_roll.draw_piano_rolls(
        [(config_name, sequences)], os.path.join(output_dir, prefix + '.png'),
        columns=min(len(sequences), 8))
    logging.info('Drew the first %d as piano rolls in %s.', min(len(sequences), 8),
                 picture)
  return paths

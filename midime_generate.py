r"""Sample MIDI from a trained SmallMusicVAE / LCMusicVAE.

  python midime_generate.py --vae_config=cat-mel_2bar_big --config=ae-cat-mel_2bar_big \
      --checkpoint_file=tmp/ae-cat-mel_2bar_big.tar \
      --vae_checkpoint_file=model/cat-mel_2bar_big.tar \
      --num_outputs=5 --output_dir=/tmp/ae_music_vae/generated

SmallMusicVAE draws its small latent from N(0, I), decodes it to MusicVAE's z, and lets
the MusicVAE decoder (--vae_checkpoint_file) write the melody. LCMusicVAE decodes its
latent with its own trained decoder, so it needs no MusicVAE: --vae_checkpoint_file is
accepted, as in the original commands, and not read.
"""

import contextlib
import os

from absl import app
from absl import flags
from absl import logging

import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import checkpoints
import configs
from errors import UserError, report_user_errors, use_plain_logging
import frozen_music_vae
import generation
import training

FLAGS = flags.FLAGS

flags.DEFINE_string(
    'run_dir', None,
    'A training run directory: its latest checkpoint in run_dir/train is used. '
    'Give this or --checkpoint_file.')
flags.DEFINE_string(
    'checkpoint_file', None,
    'The trained model: the run_dir/<config>.tar bundle that midime_train.py writes, '
    'a checkpoint prefix, or a folder. Give this or --run_dir.')
flags.DEFINE_string(
    'vae_checkpoint_file', None,
    'The MusicVAE checkpoint the model was trained over (a .tar as Magenta '
    'distributes it, a prefix or a folder). Defaults to the --pretrained_path used '
    'in training. Not read for lc-* configs, whose own decoder writes the melody.')
flags.DEFINE_string(
    'config', None,
    'The config the model was trained with (%s); defaults to the one recorded in '
    'the checkpoint.' % ', '.join(sorted(configs.CONFIG_MAP)))
flags.DEFINE_string(
    'vae_config', None,
    'The MusicVAE config, e.g. cat-mel_2bar_big; defaults to the one used in training.')
flags.DEFINE_string('output_dir', 'tmp/generated',
                    'The directory where MIDI files will be saved to.')
flags.DEFINE_integer('num_outputs', 5, 'The number of samples to write, at least 1.')
flags.DEFINE_integer('max_batch_size', 8,
                     'The most samples decoded at once. Decrease if memory runs out.')
flags.DEFINE_float('temperature', 0.5,
                   'The randomness of the decoding process: lower is more conservative.')
flags.DEFINE_integer('seed', None,
                     'Random seed: the same seed and model give the same samples.')
flags.DEFINE_string('log', 'INFO',
                    'Logging threshold: DEBUG, INFO, WARNING, ERROR or FATAL.')


def _model_record(checkpoint):
  record = checkpoint.sidecars.get(checkpoints.MODEL_SIDECAR)
  if record is None and checkpoints.MUSIC_VAE_SIDECAR in checkpoint.sidecars:
    raise UserError('%s is a MusicVAE checkpoint; --checkpoint_file takes the trained '
                    'SmallMusicVAE/LCMusicVAE (run_dir/<config>.tar)' % checkpoint.source)
  return record or {}


def run(run_dir, checkpoint_file, vae_checkpoint_file, config_name, vae_config_name,
        output_dir, num_outputs, max_batch_size, temperature, seed):
  """Samples and writes MIDI files; every argument as the flag of the same name.
  Returns the paths written."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  generation.check_num_outputs(num_outputs)
  if max_batch_size is None or max_batch_size < 1:
    raise UserError('--max_batch_size must be at least 1, got %s' % max_batch_size)
  if temperature is None or temperature <= 0:
    raise UserError('--temperature must be above 0, got %s' % temperature)
  if not output_dir:
    raise UserError('--output_dir is required')
  if os.path.exists(output_dir) and not os.path.isdir(output_dir):
    raise UserError('--output_dir %s is a file, not a folder' % output_dir)
  model_path = (training.train_dir_of(os.path.expanduser(run_dir)) if run_dir
                else checkpoint_file)

  with contextlib.ExitStack() as stack:
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
    if config.model.needs_music_vae_decoder:
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
        config, config_name, checkpoint, batch_size=min(max_batch_size, num_outputs),
        vae_config=vae_config, vae_checkpoint=vae_checkpoint, vae_name=vae_config_name,
        seed=seed)

  logging.info('Sampling %d melodies (temperature %g)...', num_outputs, temperature)
  sequences = model.sample(num_outputs, temperature=temperature)
  model.close()
  paths = generation.write_midi_files(
      sequences, output_dir, generation.timestamped_prefix(config_name))
  logging.info('Wrote %d MIDI files to %s: %s.', len(paths), output_dir,
               generation.describe(sequences))
  return paths


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging(FLAGS.log.lower())
  run(FLAGS.run_dir, FLAGS.checkpoint_file, FLAGS.vae_checkpoint_file, FLAGS.config,
      FLAGS.vae_config, FLAGS.output_dir, FLAGS.num_outputs, FLAGS.max_batch_size,
      FLAGS.temperature, FLAGS.seed)


def console_entry_point():
  app.run(main)


if __name__ == '__main__':
  console_entry_point()

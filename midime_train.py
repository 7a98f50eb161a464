r"""Train (or evaluate) a SmallMusicVAE / LCMusicVAE on your songs, over a frozen MusicVAE.

  python midime_train.py --config=ae-cat-mel_2bar_big --run_dir=tmp/ --mode=train \
      --examples_path=data/notesequences.tfrecord \
      --pretrained_path=model/cat-mel_2bar_big.ckpt --num_steps=100

The songs (a NoteSequence TFRecord, a MIDI file or a folder of MIDI files) are cut into
two-bar slices at every transposition, encoded once by the pretrained MusicVAE into
run_dir/latents.npz, and the small model trains on those latents. Checkpoints and
TensorBoard summaries go to run_dir/train; training resumes from the latest one; at the
end run_dir/<config>.tar bundles the model for midime_generate.py --checkpoint_file.
"""

import os

from absl import app
from absl import flags
from absl import logging

import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import checkpoints
import configs
from errors import UserError, report_user_errors, use_plain_logging
import frozen_music_vae
import latent_cache
import training

FLAGS = flags.FLAGS

flags.DEFINE_string(
    'config', None,
    'The name of the config to use: %s.' % ', '.join(sorted(configs.CONFIG_MAP)))
flags.DEFINE_string(
    'run_dir', None,
    'Directory for this run: the latent cache (latents.npz), checkpoints and '
    'summaries in run_dir/train (resumed when present), evaluation summaries in '
    'run_dir/eval, and the bundle run_dir/<config>.tar.')
flags.DEFINE_enum('mode', 'train', ['train', 'eval'],
                  '`train`, or `eval`: evaluate the latest checkpoint on '
                  '--examples_path once and exit.')
flags.DEFINE_string(
    'examples_path', None,
    'Your songs: a TFRecord of NoteSequences (magenta\'s '
    'convert_dir_to_note_sequences), a MIDI file, or a folder of MIDI files.')
flags.DEFINE_string(
    'pretrained_path', None,
    'The pretrained MusicVAE checkpoint: a prefix (model/cat-mel_2bar_big.ckpt), a '
    'folder, or a .tar as Magenta distributes them. In eval mode defaults to the '
    'one the run was trained with.')
flags.DEFINE_string(
    'vae_config', None,
    'The MusicVAE config of --pretrained_path; defaults to the one the config sits '
    'on (cat-mel_2bar_big for *-cat-mel_2bar_big).')
flags.DEFINE_integer(
    'num_steps', 1000,
    'Train until the global step reaches this (a resumed run continues to it).')
flags.DEFINE_string(
    'hparams', '',
    'Comma-separated name=value hyperparameters to merge into the config, e.g. '
    '"batch_size=32,beta_rate=0.999".')
flags.DEFINE_integer('seed', None, 'Random seed, for reproducible runs.')
flags.DEFINE_integer(
    'checkpoints_to_keep', 10,
    'Maximum number of checkpoints to keep in run_dir/train, 0 for all.')
flags.DEFINE_string('log', 'INFO',
                    'Logging threshold: DEBUG, INFO, WARNING, ERROR or FATAL.')

LATENTS_FILE = 'latents.npz'
EVAL_LATENTS_FILE = 'eval_latents.npz'


def run(config_name, run_dir, mode, examples_path, pretrained_path, vae_config_name,
        num_steps, hparams_string, seed, checkpoints_to_keep):
  """Trains or evaluates; every argument as the flag of the same name."""
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


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging(FLAGS.log.lower())
  run(FLAGS.config, FLAGS.run_dir, FLAGS.mode, FLAGS.examples_path,
      FLAGS.pretrained_path, FLAGS.vae_config, FLAGS.num_steps, FLAGS.hparams,
      FLAGS.seed, FLAGS.checkpoints_to_keep)


def console_entry_point():
  app.run(main)


if __name__ == '__main__':
  console_entry_point()

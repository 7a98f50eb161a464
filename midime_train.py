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


from absl import app
from absl import flags

import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import configs
from errors import UserError, report_user_errors, use_plain_logging
import workflows

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


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging(FLAGS.log.lower())
  workflows.train_or_evaluate(
      FLAGS.config, FLAGS.run_dir, FLAGS.mode, FLAGS.examples_path,
      FLAGS.pretrained_path, FLAGS.vae_config, FLAGS.num_steps, FLAGS.hparams,
      FLAGS.seed, FLAGS.checkpoints_to_keep)


def console_entry_point():
  app.run(main)


if __name__ == '__main__':
  console_entry_point()

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


from absl import app
from absl import flags

import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import configs
from errors import UserError, report_user_errors, use_plain_logging
import workflows

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
flags.DEFINE_bool('plot', False,
                  'Also draw the first 8 samples as piano rolls in a PNG beside them.')
flags.DEFINE_string('log', 'INFO',
                    'Logging threshold: DEBUG, INFO, WARNING, ERROR or FATAL.')


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging(FLAGS.log.lower())
  workflows.generate(
      FLAGS.run_dir, FLAGS.checkpoint_file, FLAGS.vae_checkpoint_file, FLAGS.config,
      FLAGS.vae_config, FLAGS.output_dir, FLAGS.num_outputs, FLAGS.max_batch_size,
      FLAGS.temperature, FLAGS.seed, FLAGS.plot)


def console_entry_point():
  app.run(main)


if __name__ == '__main__':
  console_entry_point()

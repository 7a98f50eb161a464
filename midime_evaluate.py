r"""Measure whether personalisation worked: a trained SmallMusicVAE / LCMusicVAE against
the plain MusicVAE it sits on, both compared with your songs.

  python midime_evaluate.py --checkpoint_file=tmp/ae-cat-mel_2bar_big.tar \
      --vae_checkpoint_file=model/cat-mel_2bar_big.tar \
      --examples_path=data/notesequences.tfrecord --output_dir=tmp/evaluation

Draws --num_samples melodies from the trained model and as many from the MusicVAE
prior (same temperature), and compares each set with the two-bar slices of your songs:
MusicVAE latents (Fréchet distance, MMD), music features (Yang & Lerch 2018:
overlapping areas of pitch-class histogram, pitch range, number of notes, mean
interval, mean inter-onset interval, rest ratio) and copying (share of samples
identical to a training slice, distance to the nearest one). Writes evaluation.md,
evaluation.json, features.png and latents.png to --output_dir.
"""


from absl import app
from absl import flags

import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import configs
from errors import UserError, report_user_errors, use_plain_logging
import evaluation

FLAGS = flags.FLAGS

flags.DEFINE_string(
    'run_dir', None,
    'A training run directory: its latest checkpoint in run_dir/train is evaluated. '
    'Give this or --checkpoint_file.')
flags.DEFINE_string(
    'checkpoint_file', None,
    'The trained model: the run_dir/<config>.tar bundle that midime_train.py writes, '
    'a checkpoint prefix, or a folder. Give this or --run_dir.')
flags.DEFINE_string(
    'vae_checkpoint_file', None,
    'The MusicVAE checkpoint the model was trained over (a .tar as Magenta '
    'distributes it, a prefix or a folder): it samples the prior and encodes the '
    'melodies, so it is read for lc-* configs too. Defaults to the --pretrained_path '
    'used in training.')
flags.DEFINE_string(
    'config', None,
    'The config the model was trained with (%s); defaults to the one recorded in '
    'the checkpoint.' % ', '.join(sorted(configs.CONFIG_MAP)))
flags.DEFINE_string(
    'vae_config', None,
    'The MusicVAE config, e.g. cat-mel_2bar_big; defaults to the one used in training.')
flags.DEFINE_string(
    'examples_path', None,
    'Your songs, as given to midime_train.py: a TFRecord of NoteSequences, a MIDI '
    'file, or a folder of MIDI files. Their two-bar slices are what both models are '
    'compared with (at least 2 slices).')
flags.DEFINE_integer(
    'num_samples', 256,
    'Melodies drawn from each model, at least 2. More give steadier numbers '
    '(the Fréchet distance and MMD shrink with more samples).')
flags.DEFINE_float('temperature', 0.5,
                   'Decoder sampling temperature, the same for both models: lower is '
                   'more conservative.')
flags.DEFINE_integer('seed', None,
                     'Random seed: the same seed, models and songs give the same '
                     'samples and numbers.')
flags.DEFINE_string('output_dir', 'tmp/evaluation',
                    'Where evaluation.md, evaluation.json, features.png and '
                    'latents.png are written (created; existing files of those names '
                    'are replaced).')
flags.DEFINE_integer('max_batch_size', 32,
                     'The most samples decoded at once. Decrease if memory runs out.')
flags.DEFINE_string('log', 'INFO',
                    'Logging threshold: DEBUG, INFO, WARNING, ERROR or FATAL.')


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging(FLAGS.log.lower())
  evaluation.evaluate(
      FLAGS.run_dir, FLAGS.checkpoint_file, FLAGS.vae_checkpoint_file, FLAGS.config,
      FLAGS.vae_config, FLAGS.examples_path, FLAGS.output_dir, FLAGS.num_samples,
      FLAGS.max_batch_size, FLAGS.temperature, FLAGS.seed)


def console_entry_point():
  app.run(main)


if __name__ == '__main__':
  console_entry_point()

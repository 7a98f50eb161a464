r"""Held-out reconstruction accuracy of a bundled base model (or any MusicVAE of
its config).

  .venv/bin/python -m tools.evaluate_base_model                       #
  folk-mel_2bar .venv/bin/python -m tools.evaluate_base_model
  --base_model=folk-mel_16bar .venv/bin/python -m tools.evaluate_base_model
  --model=PATH   # another checkpoint

Loads the bundle the way midime_train.py does (checkpoints.open_checkpoint,
frozen_music_vae.load_music_vae_config) and, for every window of the tunes that
train_base_model.py held out (same --seed and --eval_fraction), encodes it (z =
mu) and decodes it again; accuracy is the share of the window's sixteenth-note
steps (32 or 256) whose event (a pitch, a rest or a held note) comes back the
same:

  greedy: the decoder runs free, each step taking its most likely event
  (temperature
    --temperature, near 0), as when the model generates;
  teacher-forced: each step is predicted from the true previous steps (the
  training
    objective's view; an upper bound on greedy).

Also reports the demo's example songs (data/folk_examples.tfrecord, also never
trained on) and, for comparison, a sample of the training slices.
"""

import os

from absl import app
from absl import flags
from absl import logging
import numpy as np

from tools import folk_model_data  # (first: it imports tf_setup)

from midime import checkpoints
from midime import frozen_music_vae
from midime import note_sequence_io
from midime.cli.common import report_user_errors, use_plain_logging
from midime.errors import UserError
from tools import folk_corpus

FLAGS = flags.FLAGS
flags.DEFINE_enum('base_model', folk_model_data.DEFAULT_MODEL,
                  list(folk_model_data.BASE_MODELS),
                  'Which base model\'s config, tunes and windows to evaluate.')
flags.DEFINE_string(
    'model', None, 'The MusicVAE bundle (or checkpoint) to evaluate; '
    'default model/<base_model>.tar.')
flags.DEFINE_integer('seed', 0,
                     'The held-out split, as train_base_model.py --seed.')
flags.DEFINE_float('eval_fraction', 0.1,
                   'As train_base_model.py --eval_fraction.')
flags.DEFINE_float('temperature', 1e-4,
                   'Decoder temperature for the greedy decoding.')
flags.DEFINE_bool(
    'transposed', False,
    'Also score the held-out slices at every transposition -5..+5.')
flags.DEFINE_integer(
    'train_sample', 2000,
    'Training windows (untransposed) to score for comparison; 0: none.')
flags.DEFINE_string(
    'examples_path',
    os.path.join(folk_model_data.REPO_ROOT, 'data', 'folk_examples.tfrecord'),
    'The example songs to score too; empty: none.')


def _report(name, vae_config, checkpoint, labels):
  greedy = folk_model_data.greedy_accuracy(vae_config, checkpoint, labels,
                                           FLAGS.temperature)
  forced = folk_model_data.teacher_forced_accuracy(vae_config, checkpoint,
                                                   labels)
  logging.info('%-34s %6d slices  greedy %.1f%%  teacher-forced %.1f%%', name,
               len(labels), 100 * greedy, 100 * forced)
  return greedy, forced


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging()
  spec = folk_model_data.base_model_spec(FLAGS.base_model)
  model_path = FLAGS.model or spec.default_output
  hop_bars = spec.eval_hop_bars
  with checkpoints.open_checkpoint(model_path,
                                   'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(spec.vae_config,
                                                        checkpoint)
    logging.info('%s: %s, z_size %d, encoder %s, decoder %s.', model_path,
                 spec.vae_config, vae_config.hparams.z_size,
                 vae_config.hparams.enc_rnn_size,
                 vae_config.hparams.dec_rnn_size)
    sequences, _ = folk_corpus.load_corpus()
    sequences = folk_model_data.corpus_tunes(spec, sequences)
    train_tunes, held_out = folk_model_data.split_tunes(sequences,
                                                        FLAGS.eval_fraction,
                                                        FLAGS.seed)
    held_out_slices = folk_model_data.slice_labels(held_out, vae_config,
                                                   transpose=False,
                                                   hop_bars=hop_bars)
    results = [
        _report('held-out tunes (%d)' % len(held_out), vae_config, checkpoint,
                held_out_slices.labels)
    ]
    if FLAGS.transposed and vae_config.note_sequence_augmenter is None:
      # As the 16-bar model trained: one random transposition of each window.
      _report(
          'held-out tunes, each transposed at random -5..+5', vae_config,
          checkpoint,
          folk_model_data.random_transpositions(
              held_out_slices.labels, vae_config.data_converter.output_depth,
              np.random.RandomState(FLAGS.seed)))
    elif FLAGS.transposed:
      transposed = folk_model_data.slice_labels(held_out, vae_config,
                                                hop_bars=hop_bars)
      _report('held-out tunes, transposed -5..+5', vae_config, checkpoint,
              transposed.labels)
    if FLAGS.examples_path:
      examples = [
          sequence for _, sequence in note_sequence_io.read_note_sequences(
              FLAGS.examples_path)
      ]
      example_slices = folk_model_data.slice_labels(examples, vae_config,
                                                    transpose=False,
                                                    hop_bars=hop_bars)
      _report('example songs (%d, held out)' % len(examples), vae_config,
              checkpoint, example_slices.labels)
    if FLAGS.train_sample:
      train_slices = folk_model_data.slice_labels(train_tunes, vae_config,
                                                  transpose=False,
                                                  hop_bars=hop_bars)
      pick = np.sort(
          np.random.RandomState(FLAGS.seed).permutation(len(
              train_slices.labels))[:FLAGS.train_sample])
      _report('training tunes (sample)', vae_config, checkpoint,
              train_slices.labels[pick])
  greedy, forced = results[0]
  print(
      'held-out greedy reconstruction accuracy %.1f%%, teacher-forced %.1f%%' %
      (100 * greedy, 100 * forced))


if __name__ == '__main__':
  app.run(main)

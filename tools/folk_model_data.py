"""What train_base_model.py and evaluate_base_model.py share: the bundled base
models' sizes (folk-mel_2bar, folk-mel_16bar), the held-out split of the folk
corpus, its windows as class labels, and the reconstruction accuracies."""

import collections
import copy
import os

from absl import logging
import numpy as np

# Before TensorFlow, note_seq and magenta.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import frozen_music_vae
from midime import windows as windows_lib
from midime.errors import UserError
from tools import folk_corpus

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BaseModelSpec(
    collections.namedtuple('BaseModelSpec', [
        'name', 'vae_config', 'size_hparams', 'training_hparams', 'num_steps',
        'common_time_only', 'transpose', 'hop_bars', 'eval_hop_bars'
    ])):
  """One bundled base model: magenta's config, the sizes that shrink it (what
  music_vae_hparams.json records), how it trains, and which windows it trains
  on.

  common_time_only: train on the 4/4 and 2/2 tunes alone (else every meter,
  re-barred
    into 16-step bars as midime reads songs);
  transpose: train at every transposition -5..+5 (precomputed slices for 2 bars;
  a
    random one per window and batch for 16 bars, whose windows are 8x larger);
  hop_bars: bars between the training windows of one tune (None: magenta's 1);
  eval_hop_bars: the same for evaluate_base_model.py's windows.
  """

  @property
  def default_work_dir(self):
    return os.path.join(REPO_ROOT, '.cache', self.name)

  @property
  def default_output(self):
    return os.path.join(REPO_ROOT, 'model', self.name + '.tar')


BASE_MODELS = collections.OrderedDict()

# cat-mel_2bar_big's graph (a bidirectional LSTM encoder, a categorical LSTM
# decoder fed z at every step) at a size that trains in about 40 minutes on two
# CPU cores and ships in under 10 MB.
# Training (the graph does not depend on it): cat-mel_2bar_big trains for
# hundreds of thousands of steps at batch 512 with beta warmed up to 0.5 at rate
# 0.99999; this run has 10,000 steps of 128, so beta warms up faster (0.9995) to
# a lower ceiling (0.2), and 48 free bits keep the KL term from squeezing the
# latent while the decoder is still learning: reconstruction is what the demo
# needs of z. The scheduled-sampling schedule is cat-mel_2bar_big's own (see
# model/README.md).
BASE_MODELS['folk-mel_2bar'] = BaseModelSpec(
    name='folk-mel_2bar', vae_config='cat-mel_2bar_big',
    size_hparams=collections.OrderedDict([
        ('z_size', 128),
        ('enc_rnn_size', [256]),
        ('dec_rnn_size', [256, 256]),
    ]), training_hparams=collections.OrderedDict([
        ('batch_size', 128),
        ('free_bits', 48),
        ('max_beta', 0.2),
        ('beta_rate', 0.9995),
        ('sampling_schedule', 'inverse_sigmoid'),
        ('sampling_rate', 1000),
    ]), num_steps=10000, common_time_only=True, transpose=True, hop_bars=None,
    eval_hop_bars=None)

# hierdec-mel_16bar's graph (a bidirectional LSTM encoder; a conductor LSTM
# giving each of the 16 bars an embedding, from which a categorical LSTM decodes
# the bar's 16 steps) at a size that ships in under 10 MB and trains on two CPU
# cores in hours (8,000 steps: about 2 h 40 min at 0.85 steps/s).
# hierdec-mel_16bar itself: z 512, encoder 2048 x 2, decoders 1024 x 2, 176 M
# parameters. Training as folk-mel_2bar's, but batches of 64 windows (each 8
# times longer), beta warmed up faster (0.999: the run is a few thousand steps,
# not 10,000) and hierdec-mel_16bar's own 256 free bits. (The bundled model's
# run started with 128: its KL settled at about 120 bits, under that allowance,
# while its accuracy crept up, so it went on from step 1,700 or so with 256; see
# model/README.md.)
BASE_MODELS['folk-mel_16bar'] = BaseModelSpec(
    name='folk-mel_16bar',
    vae_config='hierdec-mel_16bar',
    size_hparams=collections.OrderedDict([
        ('z_size', 256),
        ('enc_rnn_size', [256]),
        ('dec_rnn_size', [256]),
    ]),
    training_hparams=collections.OrderedDict([
        ('batch_size', 64),
        ('free_bits', 256),
        ('max_beta', 0.2),
        ('beta_rate', 0.999),
        ('sampling_schedule', 'inverse_sigmoid'),
        ('sampling_rate', 1000),
    ]),
    num_steps=8000,
    common_time_only=False,
    transpose=True,
    hop_bars=1,
    # As midime reads songs for 16-bar configs
    # (midime.families.SIXTEEN_BAR_HOP_BARS): every bar in up to four windows, a
    # quarter of the decoding.
    eval_hop_bars=4)

DEFAULT_MODEL = 'folk-mel_2bar'


def base_model_spec(name):
  try:
    return BASE_MODELS[name]
  except KeyError:
    raise UserError('unknown base model %r; one of %s' %
                    (name, ', '.join(BASE_MODELS))) from None


def vae_config(spec, training=True, overrides=None):
  """magenta's config of `spec` at its size (and its training hparams)."""
  values = dict(spec.size_hparams)
  if training:
    values.update(spec.training_hparams)
  values.update(overrides or {})
  return frozen_music_vae.music_vae_config(spec.vae_config, values)


def corpus_tunes(spec, sequences):
  """The corpus tunes `spec` trains and is evaluated on."""
  if spec.common_time_only:
    return [s for s in sequences if folk_corpus.is_common_time_sequence(s)]
  return list(sequences)


def split_tunes(sequences, eval_fraction=0.1, seed=0):
  """(train, held_out) lists of NoteSequences. The example songs (and any tune
  of the same title) are in neither. The split is by title, so two
  transcriptions of one tune fall on the same side; `seed` draws which titles
  are held out."""
  tunes = folk_corpus.training_tunes(sequences)
  groups = collections.OrderedDict()
  for sequence in tunes:
    key = folk_corpus.title_key(sequence.sequence_metadata.title) or sequence.id
    groups.setdefault(key, []).append(sequence)
  keys = sorted(groups)
  order = np.random.RandomState(seed).permutation(len(keys))
  held_out_keys, count = set(), 0
  for index in order:
    if count >= eval_fraction * len(tunes):
      break
    held_out_keys.add(keys[index])
    count += len(groups[keys[index]])
  train = [
      s for s in tunes
      if ((folk_corpus.title_key(s.sequence_metadata.title) or s.id) not in
          held_out_keys)
  ]
  held_out = [
      s for s in tunes
      if ((folk_corpus.title_key(s.sequence_metadata.title) or s.id) in
          held_out_keys)
  ]
  return train, held_out


SliceLabels = collections.namedtuple(
    'SliceLabels', ['labels', 'source_index', 'transpose', 'names'])


def slice_labels(sequences, config, transpose=True, hop_bars=None):
  """Every window of `sequences` for the config's converter, `hop_bars` apart
  (at every transposition of the config's augmenter when `transpose`), as class
  labels `[n, steps]` (int8): the one-hot melodies are their inputs and outputs
  alike, so only the labels are kept."""
  named = [
      (sequence.filename or sequence.id, sequence) for sequence in sequences
  ]
  last = [0]

  def progress(done, total):
    if done - last[0] >= 250 or done == total:
      last[0] = done
      logging.info('  sliced %d/%d tunes', done, total)

  windows, report = windows_lib.extract_windows(
      named, config.data_converter,
      config.note_sequence_augmenter if transpose else None, progress,
      hop_bars=hop_bars)
  logging.info('%s', report.summary())
  if not np.array_equal(windows.inputs, windows.outputs):
    raise ValueError(
        'expected the melody converter to give equal inputs and outputs')
  if not np.all(windows.lengths == windows.outputs.shape[1]):
    raise ValueError('expected full-length windows')
  labels = np.argmax(windows.outputs, axis=-1).astype(np.int8)
  return SliceLabels(labels, windows.source_index, windows.transpose,
                     report.names)


def random_transpositions(labels, depth, random, max_shift=5):
  """`labels` (`[n, steps]` melody classes of `depth`: 0 and 1 are note-off and
  no event, 2 and up the pitches) each shifted by a random number of semitones
  within +-max_shift that keeps its pitches in the encoding's range; `random` a
  RandomState."""
  pitches = labels >= 2
  lowest = np.where(pitches, labels, depth).min(axis=1)
  highest = np.where(pitches, labels, 0).max(axis=1)
  low = np.maximum(-max_shift, np.minimum(0, 2 - lowest))
  high = np.minimum(max_shift, np.maximum(0, depth - 1 - highest))
  shifts = np.floor(low + random.random_sample(len(labels)) *
                    (high - low + 1)).astype(np.int64)
  return np.where(pitches, labels + shifts[:, None],
                  labels).astype(labels.dtype)


def one_hot(labels, depth):
  """`[n, steps]` labels -> `[n, steps, depth]` float32."""
  return np.eye(depth, dtype=np.float32)[labels.astype(np.int64)]


BATCH_SIZE = 256
TEACHER_FORCING = {'sampling_schedule': 'constant', 'sampling_rate': 0}


def _batches(labels, batch_size):
  """(start, padded batch of labels, real rows) over `labels`."""
  for begin in range(0, len(labels), batch_size):
    batch = labels[begin:begin + batch_size]
    rows = len(batch)
    if rows < batch_size:
      batch = np.concatenate([
          batch,
          np.zeros([batch_size - rows] + list(batch.shape[1:]), batch.dtype)
      ])
    yield begin, batch, rows


def _accuracy(session, predicted_labels, sequences, labels, batch_size, depth):
  """The share of `labels` steps that `predicted_labels` (a `[batch_size,
  steps]` tensor of the one-hot `sequences` placeholder) gets right, batch by
  batch."""
  correct = total = 0
  for _, batch, rows in _batches(labels, batch_size):
    predicted = session.run(predicted_labels,
                            {sequences: one_hot(batch, depth)})
    correct += np.sum(predicted[:rows] == batch[:rows])
    total += batch[:rows].size
  return correct / max(total, 1)


def _with_teacher_forcing(vae_config):
  config = copy.deepcopy(vae_config)
  config.hparams.override_from_dict(TEACHER_FORCING)
  return config


def teacher_forced_accuracy(vae_config, checkpoint, labels,
                            batch_size=BATCH_SIZE):
  """Mean per-step accuracy of predicting each step from the true ones before
  it, given z = mu of the slice. `checkpoint` is a checkpoints.Checkpoint (of a
  training checkpoint too: only the encoder and decoder are read)."""
  config = _with_teacher_forcing(vae_config)
  hparams = config.hparams
  hparams.batch_size = batch_size
  depth = config.data_converter.output_depth
  steps = labels.shape[1]
  with tf.Graph().as_default():
    model = config.model
    model.build(hparams, depth, is_training=False)
    sequences = tf.placeholder(tf.float32, [batch_size, steps, depth])
    lengths = tf.fill([batch_size], steps)
    mu = model.encode(sequences, lengths).loc
    x_input = tf.pad(sequences[:, :-1], [(0, 0), (1, 0), (0, 0)])
    _, _, results = model.decoder.reconstruction_loss(x_input, sequences,
                                                      lengths, z=mu)
    predictions = tf.argmax(results.rnn_output, axis=-1)
    variables = frozen_music_vae.variables_under(frozen_music_vae.WEIGHT_SCOPES)
    with tf.Session() as session:
      checkpoints.restore(session, checkpoint, variables, 'the MusicVAE')
      return _accuracy(session, predictions, sequences, labels, batch_size,
                       depth)


def greedy_accuracy(vae_config, checkpoint, labels, temperature=1e-4,
                    batch_size=BATCH_SIZE):
  """Mean per-step accuracy of encoding each slice (z = mu) and decoding it free
  running, as generation does (frozen_music_vae.FrozenMusicVAE)."""
  depth = vae_config.data_converter.output_depth
  steps = labels.shape[1]
  with tf.Graph().as_default():
    vae = frozen_music_vae.FrozenMusicVAE(vae_config, batch_size)
    sequences = tf.placeholder(tf.float32, [batch_size, steps, depth])
    mu, _ = vae.encode(sequences, tf.fill([batch_size], steps))
    samples = tf.argmax(vae.sample(mu, steps, temperature), axis=-1)
    with tf.Session() as session:
      vae.restore(session, checkpoint)
      return _accuracy(session, samples, sequences, labels, batch_size, depth)

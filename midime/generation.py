"""Sampling a trained SmallMusicVAE or LCMusicVAE, in magenta's `TrainedModel` style.

SmallMusicVAE: latent ~ the posterior q(latent | z) of a random window of the songs in
their own keys (4-d; N(0, I) with sample_song_posteriors=false) -> latent decoder -> z
-> MusicVAE decoder.
LCMusicVAE: latent ~ the same songs' posteriors (8-d; N(0, I) with
sample_song_posteriors=false) -> its own decoder, conditioned as in training.
"""

import collections
import contextlib
import re
import time

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq's import warnings)
import note_seq
import numpy as np
import tensorflow.compat.v1 as tf
import tensorflow_probability as tfp
from magenta.contrib import seq2seq as contrib_seq2seq

from midime import checkpoints
from midime.errors import UserError
from midime.frozen_music_vae import FrozenMusicVAE, reproducible_decoding
from midime import melody_slices
from midime import output_files


class _SampleNoise(object):
  """Where the decoding graph being built takes its sampling noise from: each
  sample's own seed (a `[batch]` placeholder), the decoding step, and a salt that
  tells apart the decoding loops (a hierarchical decoder runs one per bar) and the
  draws within one step (a trio draws one per instrument)."""

  def __init__(self, row_seeds):
    self.row_seeds = row_seeds
    self.loops = 0
    self.step = None  # (loop salt, step tensor, draws so far in this step)

  def uniform(self, shape_like):
    """Uniform (0, 1) noise shaped like `shape_like` `[batch, depth]`, each row a
    function of its sample's seed only, never of the batch it is decoded in."""
    loop, step, draws = self.step
    self.step = (loop, step, draws + 1)
    offset = (tf.cast(step, tf.int64) + (loop * 64 + draws) * (1 << 20))
    seeds = tf.stack([self.row_seeds, tf.fill(tf.shape(self.row_seeds), offset)], 1)
    depth = tf.shape(shape_like)[1:]
    return tf.map_fn(
        lambda seed: tf.random.stateless_uniform(
            depth, seed=seed, minval=np.finfo(np.float32).tiny, maxval=1.0),
        seeds, fn_output_signature=tf.float32)


# The _SampleNoise of the sampling graph being built, while per_sample_noise is on.
_active_noise = []
# Tells the z noise of normal_per_sample apart from every decoding draw (those use
# offsets of 0 and up).
_NORMAL_SALT = -1


def normal_per_sample(shape_like):
  """Standard normal noise shaped like `shape_like` `[batch, n]`: inside
  per_sample_noise each row from its sample's own seed (the same sample whatever the
  batch), elsewhere tf.random.normal. For models that add noise to z (SmallMusicVAE's
  sampled spread)."""
  if not _active_noise:
    return tf.random.normal(tf.shape(shape_like))
  row_seeds = _active_noise[-1].row_seeds
  seeds = tf.stack([row_seeds, tf.fill(tf.shape(row_seeds),
                                       tf.cast(_NORMAL_SALT, row_seeds.dtype))], 1)
  depth = tf.shape(shape_like)[1:]
  return tf.map_fn(lambda seed: tf.random.stateless_normal(depth, seed=seed), seeds,
                   fn_output_signature=tf.float32)


@contextlib.contextmanager
def per_sample_noise(row_seeds):
  """While building a sampling graph, makes magenta's decoders draw each sample's
  categorical choices from noise seeded by that sample's entry of `row_seeds`, so
  a sample is the same whatever the batch it is decoded in.

  magenta samples each step with tfp's OneHotCategorical, from a stateful random op
  over the whole batch: sample i's draws depend on the rows beside it, so a seed
  gave other samples at another --max_batch_size. Here the draw is the Gumbel-max
  form of the same categorical (argmax of logits + Gumbel noise), with per-row
  stateless noise. Decoders that sample otherwise (Bernoulli, NADE) keep magenta's.
  """
  noise = _SampleNoise(row_seeds)
  helper_class = contrib_seq2seq.CustomHelper
  categorical_class = tfp.distributions.OneHotCategorical

  class SeededHelper(helper_class):
    """magenta's decoding helper, telling the noise which loop and step it is in."""

    def __init__(self, *args, **kwargs):
      super().__init__(*args, **kwargs)
      self._loop = noise.loops
      noise.loops += 1

    def sample(self, time, outputs, state, name=None):
      noise.step = (self._loop, time, 0)
      try:
        return super().sample(time, outputs, state, name)
      finally:
        noise.step = None

  class SeededOneHotCategorical(categorical_class):
    """OneHotCategorical whose one draw per row, inside a decoding step, comes
    from the sample's own noise."""

    def sample(self, sample_shape=(), seed=None, name='sample', **kwargs):
      logits = self.logits
      if (noise.step is None or tuple(sample_shape) or logits is None or
          logits.shape.rank != 2 or logits.shape[0] != row_seeds.shape[0]):
        return super().sample(sample_shape, seed=seed, name=name, **kwargs)
      gumbel = -tf.math.log(-tf.math.log(noise.uniform(logits)))
      return tf.one_hot(tf.argmax(logits + gumbel, axis=-1), tf.shape(logits)[-1],
                        dtype=self.dtype)

  contrib_seq2seq.CustomHelper = SeededHelper
  tfp.distributions.OneHotCategorical = SeededOneHotCategorical
  _active_noise.append(noise)
  try:
    yield
  finally:
    _active_noise.pop()
    contrib_seq2seq.CustomHelper = helper_class
    tfp.distributions.OneHotCategorical = categorical_class


# Silent samples are redrawn with fresh latents this many times before we give up
# and say so (issue 10): an undertrained model can decode most of its prior to rests.
MAX_SILENT_REDRAWS = 10


class _LatentDecoder(object):
  """Decodes latent vectors in a graph built by a subclass and turns the one-hot
  results into NoteSequences; samples draw every latent up front from the seed."""

  def _start(self, data_converter, latent_size, batch_size, max_seq_len, seed):
    self._data_converter = data_converter
    self._latent_size = latent_size
    self._batch_size = batch_size
    self._max_seq_len = max_seq_len
    self._rng = np.random.default_rng(seed)
    self._graph = tf.Graph()
    self._latent = None
    return self._graph

  def _placeholders(self):
    self._latent = tf.placeholder(tf.float32, [self._batch_size, self._latent_size])
    self._row_seeds = tf.placeholder(tf.int64, [self._batch_size])
    self._temperature = tf.placeholder(tf.float32, [])
    self._max_length = tf.placeholder(tf.int32, [])
    return self._latent, self._max_length, self._temperature

  @property
  def latent_size(self):
    """Dimensions of the latent this model decodes."""
    return self._latent_size

  @property
  def data_converter(self):
    return self._data_converter

  def draw_latents(self, n):
    """`n` latents from the prior N(0, I), `[n, latent_size]`. All are drawn at once,
    so a seed gives the same latents whatever the batch size."""
    return self._rng.standard_normal([n, self._latent_size]).astype(np.float32)

  def decode_tensors(self, latents, length=None, temperature=0.5, progress=None):
    """Decodes `latents` `[n, latent_size]` to the converter's one-hot output
    tensors `[n, steps, depth]`, a batch at a time."""
    latents = np.asarray(latents, np.float32)
    # Each sample's noise seed, all drawn before decoding: with the latents, they
    # make sample i the same whatever the batch size (see per_sample_noise).
    row_seeds = self._rng.integers(0, 2 ** 62, size=len(latents), dtype=np.int64)
    outputs = []
    for begin in range(0, len(latents), self._batch_size):
      batch = latents[begin:begin + self._batch_size]
      # The graph's batch size is fixed (hierarchical decoders size their state by
      # it): pad the last batch and drop the padding's output.
      padded = np.zeros([self._batch_size, self._latent_size], np.float32)
      padded[:len(batch)] = batch
      seeds = np.zeros([self._batch_size], np.int64)
      seeds[:len(batch)] = row_seeds[begin:begin + self._batch_size]
      outputs.append(self._session.run(self._samples, {
          self._latent: padded, self._row_seeds: seeds, self._temperature: temperature,
          self._max_length: length or self._max_seq_len})[:len(batch)])
      if progress:
        progress(begin + len(batch), len(latents))
    return np.concatenate(outputs)

  def decode(self, latents, length=None, temperature=0.5, progress=None):
    """Decodes `latents` `[n, latent_size]` to n NoteSequences."""
    return self._data_converter.from_tensors(
        self.decode_tensors(latents, length, temperature, progress))

  def sample(self, n, length=None, temperature=0.5, progress=None):
    """`n` NoteSequences sampled (draw_latents: the prior, or the songs' posteriors)."""
    return self.decode(self.draw_latents(n), length, temperature, progress)

  def sample_tensors(self, n, length=None, temperature=0.5, progress=None):
    """`n` melodies sampled (draw_latents) as the converter's one-hot output tensors,
    `[n, steps, depth]`."""
    return self.decode_tensors(self.draw_latents(n), length, temperature, progress)

  def sample_audible(self, n, temperature=0.5, max_redraws=MAX_SILENT_REDRAWS):
    """`n` NoteSequences sampled (draw_latents), each silent one (no notes) redrawn
    from a fresh latent up to `max_redraws` times. Returns (sequences, latents,
    redrawn: how many draws were silent and replaced)."""
    latents = self.draw_latents(n)
    sequences = self.decode(latents, temperature=temperature)
    redrawn = 0
    for _ in range(max_redraws):
      silent = [i for i, sequence in enumerate(sequences) if not sequence.notes]
      if not silent:
        break
      redrawn += len(silent)
      latents[silent] = self.draw_latents(len(silent))
      for index, sequence in zip(silent, self.decode(latents[silent],
                                                     temperature=temperature)):
        sequences[index] = sequence
    return sequences, latents, redrawn

  def close(self):
    self._session.close()


class TrainedMidiMe(_LatentDecoder):
  """A trained small model, restored with its MusicVAE decoder when it needs one: it
  decodes small latents to music and encodes MusicVAE's z to small latents."""

  def __init__(self, config, config_name, checkpoint, batch_size, vae_config=None,
               vae_checkpoint=None, vae_name='MusicVAE', seed=None,
               song_posteriors=None):
    """
    Args:
      config: the small model's Config (configs.get_config), hparams as trained.
      config_name: its name, for messages.
      checkpoint: checkpoints.Checkpoint of the small model.
      batch_size: samples decoded per session run.
      vae_config, vae_checkpoint: the MusicVAE, when config.model needs its decoder.
      seed: makes the samples a deterministic function of it.
      song_posteriors: None to sample the small latent's prior N(0, I), or the
        training windows' posteriors (the sidecar training writes: 'mean' and
        'stddev', one row per window) to sample those instead (draw_latents).
    """
    self._song_posteriors = None
    if song_posteriors is not None:
      self._song_posteriors = (np.asarray(song_posteriors['mean'], np.float32),
                               np.asarray(song_posteriors['stddev'], np.float32))
    hparams = config.hparams
    model = config.model
    with self._start(config.data_converter, hparams.encoded_z_size, batch_size,
                     hparams.max_seq_len, seed).as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      model.build(hparams, config.data_converter.output_depth, is_training=False)
      latent, max_length, temperature = self._placeholders()
      music_vae = None
      if model.needs_music_vae_decoder:
        music_vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      with reproducible_decoding(), per_sample_noise(self._row_seeds):
        self._samples = model.sample(latent, max_length, temperature, music_vae)
      # z -> the small latent: the mean of q(latent | z), the point the model
      # assigns to a song (as MidiMe's web demo places the user's melodies).
      self._z = tf.placeholder(tf.float32, [None, hparams.z_size])
      self._latent_mean = model.encode_latent(self._z).mean()
      self._session = tf.Session()
      checkpoints.restore(self._session, checkpoint, model.variables(),
                          'config %s' % config_name)
      if music_vae is not None:
        music_vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()

  def draw_latents(self, n):
    """`n` small latents: from the prior N(0, I), or, with the songs' posteriors,
    each from q(latent | z) of a training window drawn uniformly (the aggregate
    posterior: the region of the latent the songs occupy, which N(0, I) only
    approximates; the decoder and the spread of z then add what the window's
    latent does not hold). All are drawn at once, as the prior's."""
    if self._song_posteriors is None:
      return super().draw_latents(n)
    means, stddevs = self._song_posteriors
    windows = self._rng.integers(0, len(means), size=n)
    noise = self._rng.standard_normal([n, self._latent_size]).astype(np.float32)
    return means[windows] + stddevs[windows] * noise

  def encode_z(self, z):
    """The small latents `[n, latent_size]` of MusicVAE latents `z` `[n, z_size]`."""
    return self._session.run(self._latent_mean, {self._z: np.asarray(z, np.float32)})


class MusicVAEPrior(_LatentDecoder):
  """Plain MusicVAE sampling, z ~ N(0, I) through its decoder, as magenta's
  TrainedModel.sample does: what the samples would be without personalisation."""

  def __init__(self, vae_config, vae_checkpoint, batch_size, vae_name='MusicVAE',
               seed=None):
    hparams = vae_config.hparams
    with self._start(vae_config.data_converter, hparams.z_size, batch_size,
                     hparams.max_seq_len, seed).as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      music_vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      z, max_length, temperature = self._placeholders()
      with reproducible_decoding(), per_sample_noise(self._row_seeds):
        self._samples = music_vae.sample(z, max_length, temperature)
      self._session = tf.Session()
      music_vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()


class SongWindows(collections.namedtuple(
    'SongWindows', ['names', 'inputs', 'lengths', 'sequences'])):
  """One chosen window of each song: the song names, the one-hot encoder inputs
  `[n, steps, depth]`, their lengths, and the windows as NoteSequences."""


def song_windows(named_sequences, data_converter, window=0):
  """Window number `window` (0 is the first) of each (name, NoteSequence), as the
  config's converter cuts it, untransposed.

  Raises:
    UserError: a song with no usable window (saying why), or `window` past a song's
      last window.
  """
  if window is None or window < 0:
    raise UserError('--input_window must be 0 or more, got %s' % window)
  names, inputs, lengths, windows = [], [], [], []
  for name, sequence in named_sequences:
    try:
      # One song at a time, so that the error names the song and its reason.
      slices, _ = melody_slices.extract_slices([(name, sequence)], data_converter,
                                               augmenter=None)
    except UserError as error:
      # extract_slices says "...: dropped 1 (<reason>): <name>"; keep the reason.
      reason = re.search(r'dropped \d+ \((.*)\): ', str(error))
      raise UserError('song %s has no usable window: %s' % (
          name, reason.group(1) if reason else error)) from None
    if window >= len(slices):
      raise UserError('--input_window=%d is past the windows of song %s: it has %d '
                      '(0..%d)' % (window, name, len(slices), len(slices) - 1))
    names.append(name)
    inputs.append(slices.inputs[window])
    lengths.append(slices.lengths[window])
    windows.extend(data_converter.from_tensors(slices.outputs[window:window + 1]))
  steps = max(len(one) for one in inputs)
  stacked = np.zeros([len(inputs), steps, inputs[0].shape[-1]], np.float32)
  for index, one in enumerate(inputs):
    stacked[index, :len(one)] = one
  return SongWindows(names, stacked, np.asarray(lengths, np.int32), windows)


INTERPOLATIONS = ('linear', 'spherical')


def check_interpolation(method):
  """Raises UserError unless `method` is one of INTERPOLATIONS."""
  if method not in INTERPOLATIONS:
    raise UserError('--interpolation must be one of %s, got %r' % (
        ', '.join(INTERPOLATIONS), method))


def interpolate_latents(start, end, num_steps, method='linear'):
  """`num_steps` latents from `start` to `end`, both ends included.

  'linear' (the default) walks the straight line. magenta's TrainedModel.interpolate
  uses 'spherical' (slerp) in MusicVAE's 512-d z, where N(0, I) puts nearly all its
  mass on a thin shell of radius sqrt(512) and straight-line midpoints fall inside it,
  where the decoder has seen no codes. The small latent has 4 or 8 dimensions: there
  the prior has no such shell (its density is highest at the origin), so the straight
  line stays where the model was trained and its steps are evenly spaced.
  """
  check_interpolation(method)
  start = np.asarray(start, np.float64)
  end = np.asarray(end, np.float64)
  fractions = np.linspace(0.0, 1.0, num_steps)
  if method == 'linear':
    return np.stack([(1 - t) * start + t * end for t in fractions]).astype(np.float32)
  cos_angle = np.dot(start / np.linalg.norm(start), end / np.linalg.norm(end))
  angle = np.arccos(np.clip(cos_angle, -1.0, 1.0))
  if np.sin(angle) < 1e-6:  # (anti)parallel: slerp is undefined, the line is not
    return interpolate_latents(start, end, num_steps, 'linear')
  # magenta's music_vae/trained_model.py _slerp.
  return np.stack([np.sin((1 - t) * angle) / np.sin(angle) * start +
                   np.sin(t * angle) / np.sin(angle) * end
                   for t in fractions]).astype(np.float32)


def traverse_latents(center, num_values, extent=2.0, max_dims=None):
  """MidiMe's sliders: for each dimension (up to `max_dims`), `num_values` values
  from -extent to +extent prior standard deviations, the others held at `center`.
  Returns `[dims * num_values, latent_size]`, dimension-major."""
  center = np.asarray(center, np.float32)
  dims = len(center) if max_dims is None else min(len(center), max_dims)
  values = np.linspace(-extent, extent, num_values).astype(np.float32)
  latents = np.repeat(center[None, :], dims * num_values, axis=0)
  for dim in range(dims):
    latents[dim * num_values:(dim + 1) * num_values, dim] = values
  return latents


def parse_latent(text, latent_size):
  """The latent vector `a,b,c,...` of --latent, checked against `latent_size`."""
  try:
    values = [float(value) for value in text.split(',')]
  except ValueError:
    raise UserError('--latent must be %d numbers separated by commas, got %r' % (
        latent_size, text)) from None
  if len(values) != latent_size:
    raise UserError('--latent has %d numbers; this model\'s latent has %d dimensions'
                    % (len(values), latent_size))
  if not all(np.isfinite(values)):
    raise UserError('--latent must be finite numbers, got %r' % text)
  return np.asarray(values, np.float32)


def silent_count(sequences):
  """How many of `sequences` have no notes."""
  return sum(1 for sequence in sequences if not sequence.notes)


def midi_file_writers(sequences, name_prefix):
  """(file name, write(path)) of each NoteSequence as `<name_prefix>-<i>-of-<n>.mid`,
  for output_files.write_all_or_none."""
  count = len(sequences)

  def writer(sequence):
    def write(path):
      # Not note_seq.sequence_proto_to_midi_file: it leaves its file unclosed, so
      # a full disk goes unnoticed (0-byte files, exit 0). Closing our own file
      # object raises the error.
      midi = note_seq.note_sequence_to_pretty_midi(sequence)
      with open(path, 'wb') as midi_file:
        midi.write(midi_file)
    return write

  return [('%s-%03d-of-%03d.mid' % (name_prefix, index, count), writer(sequence))
          for index, sequence in enumerate(sequences)]


def write_midi_files(sequences, output_dir, name_prefix):
  """Writes each NoteSequence as `<name_prefix>-<i>-of-<n>.mid` in `output_dir`, all
  or none (output_files.write_all_or_none). Returns the paths written."""
  return output_files.write_all_or_none(
      output_dir, midi_file_writers(sequences, name_prefix))


def timestamped_prefix(config_name):
  """The original's file names: `<config>_<YYYY-mm-dd_HHMMSS>`."""
  return '%s_%s' % (config_name, time.strftime('%Y-%m-%d_%H%M%S'))


def check_num_outputs(num_outputs):
  if num_outputs is None or num_outputs < 1:
    raise UserError('--num_outputs must be at least 1, got %s' % num_outputs)


def describe(sequences):
  """A one-line summary of samples: notes per sample and MIDI pitch range."""
  notes = [len(s.notes) for s in sequences]
  pitches = [n.pitch for s in sequences for n in s.notes]
  if not pitches:
    return '%d samples, all silent' % len(sequences)
  return '%d samples, %.1f notes each on average, MIDI pitches %d..%d' % (
      len(sequences), float(np.mean(notes)), min(pitches), max(pitches))

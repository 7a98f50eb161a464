"""The frozen MusicVAE encoder, run once: windows -> (mu, sigma), kept in
`latents.npz`.

The original trained by running MusicVAE's 2048-unit encoder on every step. Its
output for an example never changes (the encoder is frozen), so we compute
q(z|x) = N(mu, sigma) once per window and transposition and let training draw z
~ N(mu, sigma) afresh each step: the same objective, without the encoder in the
loop. The cache is reused while the examples, the MusicVAE checkpoint and the
data settings stay the same.
"""

import collections
import contextlib
import functools
import glob
import hashlib
import os
import zipfile
import zlib

from absl import logging
import numpy as np
# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf
# magenta's LSTM layers (lstm_utils.rnn_cell) are built from this module's
# LSTMBlockCell.
from magenta.contrib import rnn as contrib_rnn

from midime.frozen_music_vae import FrozenMusicVAE
from midime import windows as windows_lib
from midime import note_sequence_io
from midime import output_files
from midime.progress import Progress

# 2: whole songs, re-barred meters, tune/track choice, window hop. 3: grooves
# encoded with their velocities and timing (they were read as hits alone).
CACHE_FORMAT = 3
# Windows per encoder run: a CPU multiplies the LSTM's [batch, 2138] x [2138,
# 8192] faster with 256 rows than with 64, and memory stays small
# (BENCHMARKS.md).
ENCODE_BATCH_SIZE = 256


class LatentCache(
    collections.namedtuple('LatentCache', [
        'mu', 'sigma', 'sequences', 'lengths', 'source_index', 'transpose',
        'source_names', 'fingerprint', 'controls'
    ], defaults=(None,))):
  """MusicVAE posteriors of every window: `mu`, `sigma` `[n, z_size]`; the
  one-hot windows `[n, steps, depth]` when the model trains on them (else None);
  `lengths`; for each window the index into `source_names` and its
  transposition; the fingerprint of what it was computed from; and for a
  chord-conditioned config each window's chords, one-hot per step `[n, steps,
  control_depth]` (what its decoders are conditioned on; else None)."""

  def __len__(self):
    return len(self.mu)

  def in_song_keys(self):
    """Which windows are the songs' windows in their own keys (untransposed), as
    a boolean mask."""
    return np.asarray(self.transpose) == 0


def _hash_file(digest, path):
  with open(path, 'rb') as source:
    for block in iter(lambda: source.read(1 << 20), b''):
      digest.update(block)


def fingerprint(examples_path, vae_checkpoint, config, keep_sequences,
                meter=windows_lib.METER_REBAR, tracks='tune'):
  """A hash of everything the cache depends on: the examples' bytes, the
  MusicVAE checkpoint, the converter and transpositions, how songs become
  windows (meter, tracks, hop), and whether melodies are kept."""
  digest = hashlib.sha256()
  digest.update(
      repr((
          CACHE_FORMAT,
          vae_checkpoint.fingerprint(),
          keep_sequences,
          meter,
          tracks,
          getattr(config, 'window_hop_bars', None),
          type(config.data_converter).__name__,
          sorted((k, repr(v))
                 for k, v in vars(config.data_converter).items()
                 if isinstance(v, (int, float, str, bool, type(None)))),
          windows_lib.transpositions_of(config.note_sequence_augmenter),
      )).encode())
  path = os.path.expanduser(examples_path)
  if os.path.isdir(path):
    for folder, _, names in sorted(os.walk(path)):
      for name in sorted(names):
        if name.lower().endswith(note_sequence_io.MIDI_SUFFIXES):
          digest.update(
              os.path.relpath(os.path.join(folder, name), path).encode())
          _hash_file(digest, os.path.join(folder, name))
  elif os.path.isfile(path):
    _hash_file(digest, path)
  return digest.hexdigest()[:32]


@contextlib.contextmanager
def lstm_cells_multiplying_with_onednn():
  """While building, magenta's LSTM layers are `tf.nn.rnn_cell.LSTMCell`s
  instead of `LSTMBlockCell`s: the same LSTM (gates i, j, f, o from one [input +
  units, 4 units] kernel, forget bias 1, the same variable names), whose matrix
  multiply TensorFlow runs through oneDNN; LSTMBlockCell's fused kernel
  multiplies through Eigen, slower on a CPU (BENCHMARKS.md). Latents agree to
  float32 rounding."""
  block_cell = contrib_rnn.LSTMBlockCell
  contrib_rnn.LSTMBlockCell = functools.partial(tf.nn.rnn_cell.LSTMCell,
                                                forget_bias=1.0)
  try:
    yield
  finally:
    contrib_rnn.LSTMBlockCell = block_cell


# The plain cells win on short windows and lose on long ones (BENCHMARKS.md, the
# 2-bar, 16-bar and trio families against magenta's cells).
ONEDNN_CELLS_MAX_STEPS = 64


class MusicVAEEncoder(object):
  """The frozen MusicVAE encoder in a graph and session of its own."""

  def __init__(self, vae_config, vae_checkpoint, vae_name='MusicVAE',
               batch_size=ENCODE_BATCH_SIZE, input_depth=None):
    self._batch_size = batch_size
    self._graph = tf.Graph()
    cells = (lstm_cells_multiplying_with_onednn()
             if vae_config.hparams.max_seq_len <= ONEDNN_CELLS_MAX_STEPS else
             contextlib.nullcontext())
    # A hierarchical encoder (the multitrack family's) splits its input into
    # segments, each with its own length, and needs the batch, the steps and
    # the segments fixed in the graph: batches are padded to them.
    encoder = vae_config.model.encoder
    segments = getattr(encoder, '_level_lengths', None)
    self._fixed_shape = None
    with self._graph.as_default(), cells:
      vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      depth = input_depth or vae.data_converter.input_depth
      if segments:
        self._fixed_shape = (batch_size, vae_config.hparams.max_seq_len,
                             int(np.prod(segments[1:])))
        self._inputs = tf.placeholder(tf.float32,
                                      [batch_size, self._fixed_shape[1], depth])
        self._lengths = tf.placeholder(tf.int32,
                                       [batch_size, self._fixed_shape[2]])
      else:
        self._inputs = tf.placeholder(tf.float32, [None, None, depth])
        self._lengths = tf.placeholder(tf.int32, [None])
      self._mu, self._sigma = vae.encode(self._inputs, self._lengths)
      self._session = tf.Session()
      vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()

  def encode(self, inputs, lengths, report_progress=True):
    """mu and sigma, float32 `[n, z_size]`, of one-hot `inputs` `[n, steps,
    depth]`."""
    mus, sigmas = [], []
    progress = Progress(len(inputs))
    for begin in range(0, len(inputs), self._batch_size):
      end = min(begin + self._batch_size, len(inputs))
      batch_inputs, batch_lengths = self._padded(inputs[begin:end],
                                                 lengths[begin:end])
      mu, sigma = self._session.run([self._mu, self._sigma], {
          self._inputs: batch_inputs,
          self._lengths: batch_lengths
      })
      mus.append(mu[:end - begin])
      sigmas.append(sigma[:end - begin])
      progress.update(end)
      if report_progress and progress.due():
        logging.info('  %s', progress.line('encoded', 'windows'))
    return (np.concatenate(mus).astype(np.float32),
            np.concatenate(sigmas).astype(np.float32))

  def _padded(self, inputs, lengths):
    """`inputs` and `lengths` padded to a fixed-shape graph's batch, steps and
    segments (as they are otherwise)."""
    if not self._fixed_shape:
      return inputs, lengths
    batch, steps, segments = self._fixed_shape
    padded_inputs = np.zeros((batch, steps) + inputs.shape[2:], inputs.dtype)
    padded_inputs[:len(inputs), :inputs.shape[1]] = inputs[:, :steps]
    padded_lengths = np.zeros((batch, segments), np.int32)
    lengths = np.asarray(lengths, np.int32)
    if lengths.ndim == 1:
      # Whole windows' lengths (decoded samples'): each segment's is its
      # steps up to its padding, which is all zeros.
      lengths = np.any(padded_inputs[:len(inputs)], axis=-1).reshape(
          len(inputs), segments, -1).sum(axis=-1)
    padded_lengths[:len(inputs)] = lengths
    return padded_inputs, padded_lengths

  def close(self):
    self._session.close()


def distinct_windows(inputs, lengths):
  """Indices of the first of each distinct window, and for every window the
  position of its copy among those: `inputs[first][copy_of] == inputs`.

  Only exact copies count (the same events at the same pitch and length): a
  strain repeated in another song, a song given twice. magenta's converters
  already drop a song's repeats of its own windows; transpositions of a window
  are different windows.
  """
  first, copy_of, seen = [], np.empty(len(inputs), np.int64), {}
  for index in range(len(inputs)):
    key = inputs[index].tobytes() + np.int64(lengths[index]).tobytes()
    if key not in seen:
      seen[key] = len(first)
      first.append(index)
    copy_of[index] = seen[key]
  return np.asarray(first, np.int64), copy_of


def encode_windows(vae_config, vae_checkpoint, inputs, lengths,
                   vae_name='MusicVAE', batch_size=ENCODE_BATCH_SIZE):
  """Runs the MusicVAE encoder over one-hot `inputs` `[n, steps, depth]`, each
  distinct window once (the encoder is deterministic: q(z|x) of a copy is the
  same).

  Returns:
    (mu, sigma), float32 arrays `[n, z_size]`.
  """
  first, copy_of = distinct_windows(inputs, lengths)
  if len(first) < len(inputs):
    logging.info('  %d of the %d windows are distinct; each is encoded once.',
                 len(first), len(inputs))
  # A fixed-shape graph pads every batch to batch_size: no bigger than needed.
  batch_size = max(1, min(batch_size, len(first)))
  encoder = MusicVAEEncoder(vae_config, vae_checkpoint, vae_name, batch_size,
                            inputs.shape[-1])
  try:
    mu, sigma = encoder.encode(inputs[first], lengths[first])
  finally:
    encoder.close()
  return mu[copy_of], sigma[copy_of]


def save(path, cache):
  """Writes `cache` to `path` (.npz), atomically."""
  arrays = {
      key: value for key, value in cache._asdict().items() if value is not None
  }
  arrays['source_names'] = np.asarray(cache.source_names, dtype=str)
  arrays['fingerprint'] = np.asarray(cache.fingerprint)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  # Named by process: one killed while writing leaves a file the next save
  # removes.
  for stale in glob.glob(glob.escape(path) + '.*.tmp.npz'):
    pid = stale[len(path) + 1:-len('.tmp.npz')]
    if pid.isdigit() and not output_files.pid_alive(int(pid)):
      os.remove(stale)
  temp_path = '%s.%d.tmp.npz' % (path, os.getpid())
  try:
    # Closed here, so a full disk is noticed.
    with open(temp_path, 'wb') as npz_file:
      np.savez(npz_file, **arrays)
    os.replace(temp_path, path)
  except BaseException:
    if os.path.exists(temp_path):
      os.remove(temp_path)
    raise


def load(path, expected_fingerprint=None):
  """The LatentCache at `path`, or None if there is none, it is unreadable, or
  (with `expected_fingerprint`) it was computed from other inputs."""
  if not os.path.exists(path):
    return None
  try:
    with np.load(path, allow_pickle=False) as stored:
      values = {
          key: stored[key] if key in stored else None
          for key in LatentCache._fields
      }
  except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
          zlib.error) as error:
    # A truncated or damaged cache: it is only a cache, so encode the songs
    # again.
    logging.warning('ignoring unreadable latent cache %s (%s); encoding again',
                    path, error)
    return None
  if any(values[key] is None for key in ('mu', 'sigma', 'fingerprint')):
    return None
  values['fingerprint'] = str(values['fingerprint'])
  if expected_fingerprint is not None and values[
      'fingerprint'] != expected_fingerprint:
    return None
  values['source_names'] = [str(name) for name in values['source_names']]
  return LatentCache(**values)


def encode(windows, vae_config, vae_checkpoint, fingerprint_value,
           keep_sequences, vae_name='MusicVAE'):
  """The LatentCache of `windows` (windows.Windows): each distinct window
  (with its chords, for a chord-conditioned config) through the frozen encoder
  (encode_windows), with the one-hot windows kept when `keep_sequences` (models
  that train on them)."""
  logging.info('Encoding %d windows with the frozen MusicVAE encoder (once)...',
               len(windows))
  mu, sigma = encode_windows(vae_config, vae_checkpoint,
                             windows.encoder_inputs(), windows.lengths,
                             vae_name)
  return LatentCache(mu=mu, sigma=sigma,
                     sequences=windows.outputs if keep_sequences else None,
                     lengths=windows.lengths, source_index=windows.source_index,
                     transpose=windows.transpose, source_names=windows.names,
                     fingerprint=fingerprint_value, controls=windows.controls)

"""The frozen MusicVAE encoder, run once: slices -> (mu, sigma), kept in `latents.npz`.

The original trained by running MusicVAE's 2048-unit encoder on every step. Its output
for an example never changes (the encoder is frozen), so we compute q(z|x) = N(mu,
sigma) once per slice and transposition and let training draw z ~ N(mu, sigma) afresh
each step: the same objective, without the encoder in the loop. The cache is reused
while the examples, the MusicVAE checkpoint and the data settings stay the same.
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
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf
# magenta's LSTM layers (lstm_utils.rnn_cell) are built from this module's LSTMBlockCell.
from magenta.contrib import rnn as contrib_rnn

from midime.frozen_music_vae import FrozenMusicVAE
from midime import melody_slices
from midime import note_sequence_io
from midime import output_files
from midime.progress import Progress

CACHE_FORMAT = 2  # 2: whole songs, re-barred meters, tune/track choice, window hop
# Windows per encoder run. This CPU multiplies the LSTM's [batch, 2138] x [2138, 8192]
# at 162 GFLOP/s with 256 rows against 121 with 64 (BENCHMARKS.md); magenta's
# TrainedModel gains likewise (81 windows/s against 70). Memory stays small.
ENCODE_BATCH_SIZE = 256


class LatentCache(collections.namedtuple(
    'LatentCache', ['mu', 'sigma', 'sequences', 'lengths', 'source_index',
                    'transpose', 'source_names', 'fingerprint'])):
  """MusicVAE posteriors of every slice: `mu`, `sigma` `[n, z_size]`; the one-hot
  slices `[n, steps, depth]` when the model trains on melodies (else None); `lengths`;
  for each slice the index into `source_names` and its transposition; and the
  fingerprint of what it was computed from."""

  def __len__(self):
    return len(self.mu)

  def in_song_keys(self):
    """Which slices are the songs' windows in their own keys (untransposed), as a
    boolean mask."""
    return np.asarray(self.transpose) == 0


def _hash_file(digest, path):
  with open(path, 'rb') as source:
    for block in iter(lambda: source.read(1 << 20), b''):
      digest.update(block)


def window_hop_bars(config):
  """The config's distance between windows in bars (None: magenta's one bar)."""
  return getattr(config, 'window_hop_bars', None)


def song_slices(named_sequences, config, meter=melody_slices.METER_REBAR,
                tracks='tune', transposed=True):
  """The songs' windows as training reads them: the config's converter and window hop,
  `meter` and `tracks` as melody_slices.extract_slices takes them, and, when
  `transposed`, the config's transpositions. Returns extract_slices' (slices, report).
  Training, evaluation and the demo's pictures all read songs through this, so that
  what is measured and shown is what the model learned from."""
  return melody_slices.extract_slices(
      named_sequences, config.data_converter,
      config.note_sequence_augmenter if transposed else None,
      meter=meter, tracks=tracks, hop_bars=window_hop_bars(config))


def fingerprint(examples_path, vae_checkpoint, config, keep_sequences,
                meter=melody_slices.METER_REBAR, tracks='tune'):
  """A hash of everything the cache depends on: the examples' bytes, the MusicVAE
  checkpoint, the converter and transpositions, how songs become windows (meter,
  tracks, hop), and whether melodies are kept."""
  digest = hashlib.sha256()
  digest.update(repr((CACHE_FORMAT, vae_checkpoint.fingerprint(), keep_sequences,
                      meter, tracks, window_hop_bars(config),
                      type(config.data_converter).__name__,
                      sorted((k, repr(v)) for k, v in vars(config.data_converter).items()
                             if isinstance(v, (int, float, str, bool, type(None)))),
                      melody_slices.transpositions_of(config.note_sequence_augmenter),
                      )).encode())
  path = os.path.expanduser(examples_path)
  if os.path.isdir(path):
    for folder, _, names in sorted(os.walk(path)):
      for name in sorted(names):
        if name.lower().endswith(note_sequence_io.MIDI_SUFFIXES):
          digest.update(os.path.relpath(os.path.join(folder, name), path).encode())
          _hash_file(digest, os.path.join(folder, name))
  elif os.path.isfile(path):
    _hash_file(digest, path)
  return digest.hexdigest()[:32]


@contextlib.contextmanager
def lstm_cells_multiplying_with_onednn():
  """While building, magenta's LSTM layers are `tf.nn.rnn_cell.LSTMCell`s instead of
  `LSTMBlockCell`s: the same LSTM (gates i, j, f, o from one [input + units, 4 units]
  kernel, forget bias 1, the same variable names), whose matrix multiply TensorFlow
  runs through oneDNN; LSTMBlockCell's fused kernel multiplies through Eigen, about
  1.7x slower on this CPU (BENCHMARKS.md). Latents agree to float32 rounding."""
  block_cell = contrib_rnn.LSTMBlockCell
  contrib_rnn.LSTMBlockCell = functools.partial(tf.nn.rnn_cell.LSTMCell,
                                                forget_bias=1.0)
  try:
    yield
  finally:
    contrib_rnn.LSTMBlockCell = block_cell


# The plain cells win on short windows and lose on long ones. Measured here (windows/s,
# plain cells against magenta's LSTMBlockCell, full-size random checkpoints):
# cat-mel_2bar_big (32 steps) 128 vs 92 at batch 256; hierdec-mel_16bar (256 steps)
# 2.63 vs 3.08 at batch 96; hierdec-trio_16bar 1.54 vs 1.75 at batch 32.
ONEDNN_CELLS_MAX_STEPS = 64


class MusicVAEEncoder(object):
  """The frozen MusicVAE encoder in a graph and session of its own."""

  def __init__(self, vae_config, vae_checkpoint, vae_name='MusicVAE',
               batch_size=ENCODE_BATCH_SIZE, input_depth=None):
    self._batch_size = batch_size
    self._graph = tf.Graph()
    cells = (lstm_cells_multiplying_with_onednn()
             if vae_config.hparams.max_seq_len <= ONEDNN_CELLS_MAX_STEPS
             else contextlib.nullcontext())
    with self._graph.as_default(), cells:
      vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      depth = input_depth or vae.data_converter.input_depth
      self._inputs = tf.placeholder(tf.float32, [None, None, depth])
      self._lengths = tf.placeholder(tf.int32, [None])
      self._mu, self._sigma = vae.encode(self._inputs, self._lengths)
      self._session = tf.Session()
      vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()

  def encode(self, inputs, lengths, report_progress=True):
    """mu and sigma, float32 `[n, z_size]`, of one-hot `inputs` `[n, steps, depth]`."""
    mus, sigmas = [], []
    progress = Progress(len(inputs))
    for begin in range(0, len(inputs), self._batch_size):
      end = min(begin + self._batch_size, len(inputs))
      mu, sigma = self._session.run([self._mu, self._sigma], {
          self._inputs: inputs[begin:end], self._lengths: lengths[begin:end]})
      mus.append(mu)
      sigmas.append(sigma)
      progress.update(end)
      if report_progress and progress.due():
        logging.info('  %s', progress.line('encoded', 'windows'))
    return (np.concatenate(mus).astype(np.float32),
            np.concatenate(sigmas).astype(np.float32))

  def close(self):
    self._session.close()


def distinct_windows(inputs, lengths):
  """Indices of the first of each distinct window, and for every window the position
  of its copy among those: `inputs[first][copy_of] == inputs`.

  Only exact copies count (the same events at the same pitch and length): a strain
  repeated in another song, a song given twice. magenta's converters already drop a
  song's repeats of its own windows; transpositions of a window are different windows.
  """
  first, copy_of, seen = [], np.empty(len(inputs), np.int64), {}
  for index in range(len(inputs)):
    key = inputs[index].tobytes() + np.int64(lengths[index]).tobytes()
    if key not in seen:
      seen[key] = len(first)
      first.append(index)
    copy_of[index] = seen[key]
  return np.asarray(first, np.int64), copy_of


def encode_slices(vae_config, vae_checkpoint, inputs, lengths, vae_name='MusicVAE',
                  batch_size=ENCODE_BATCH_SIZE):
  """Runs the MusicVAE encoder over one-hot `inputs` `[n, steps, depth]`, each
  distinct window once (the encoder is deterministic: q(z|x) of a copy is the same).

  Returns:
    (mu, sigma), float32 arrays `[n, z_size]`.
  """
  first, copy_of = distinct_windows(inputs, lengths)
  if len(first) < len(inputs):
    logging.info('  %d of the %d windows are distinct; each is encoded once.',
                 len(first), len(inputs))
  encoder = MusicVAEEncoder(vae_config, vae_checkpoint, vae_name, batch_size,
                            inputs.shape[-1])
  try:
    mu, sigma = encoder.encode(inputs[first], lengths[first])
  finally:
    encoder.close()
  return mu[copy_of], sigma[copy_of]


def save(path, cache):
  """Writes `cache` to `path` (.npz), atomically."""
  arrays = {key: value for key, value in cache._asdict().items() if value is not None}
  arrays['source_names'] = np.asarray(cache.source_names, dtype=str)
  arrays['fingerprint'] = np.asarray(cache.fingerprint)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  # Named by process: one killed while writing leaves a file the next save removes.
  for stale in glob.glob(glob.escape(path) + '.*.tmp.npz'):
    pid = stale[len(path) + 1:-len('.tmp.npz')]
    if pid.isdigit() and not output_files.pid_alive(int(pid)):
      os.remove(stale)
  temp_path = '%s.%d.tmp.npz' % (path, os.getpid())
  try:
    with open(temp_path, 'wb') as npz_file:  # closed here, so a full disk is noticed
      np.savez(npz_file, **arrays)
    os.replace(temp_path, path)
  except BaseException:
    if os.path.exists(temp_path):
      os.remove(temp_path)
    raise


def load(path):
  """The LatentCache at `path`, or None if there is none or it is unreadable."""
  if not os.path.exists(path):
    return None
  try:
    with np.load(path, allow_pickle=False) as stored:
      values = {key: stored[key] if key in stored else None
                for key in LatentCache._fields}
  except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
          zlib.error) as error:
    # A truncated or damaged cache: it is only a cache, so encode the songs again.
    logging.warning('ignoring unreadable latent cache %s (%s); encoding again',
                    path, error)
    return None
  if any(values[key] is None for key in ('mu', 'sigma', 'fingerprint')):
    return None
  values['fingerprint'] = str(values['fingerprint'])
  values['source_names'] = [str(name) for name in values['source_names']]
  return LatentCache(**values)


def build_or_load(cache_path, examples_path, config, vae_config, vae_checkpoint,
                  vae_name='MusicVAE', meter=melody_slices.METER_REBAR, tracks='tune',
                  songs_report_path=None, expected_fingerprint=None):
  """The latent cache for these examples: loaded from `cache_path` when it was
  computed from the same inputs, else extracted, encoded and written there, with
  the per-song report (melody_slices.SONGS_REPORT_COLUMNS) at `songs_report_path`.
  `meter` and `tracks` as melody_slices.extract_slices takes them;
  `expected_fingerprint`, when the caller has hashed the inputs already (fingerprint)."""
  keep_sequences = config.model.needs_sequences
  expected = expected_fingerprint or fingerprint(
      examples_path, vae_checkpoint, config, keep_sequences, meter, tracks)
  cached = load(cache_path)
  if cached is not None and cached.fingerprint == expected:
    logging.info('Reusing the latent cache %s (%d slices).', cache_path, len(cached))
    return cached

  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  logging.info('Read %d NoteSequences from %s.', len(named_sequences), examples_path)
  slices, report = song_slices(named_sequences, config, meter, tracks)
  logging.info(report.summary())
  logging.info('Encoding %d slices with the frozen MusicVAE encoder (once)...',
               len(slices))
  mu, sigma = encode_slices(vae_config, vae_checkpoint, slices.inputs, slices.lengths,
                            vae_name)
  cache = LatentCache(
      mu=mu, sigma=sigma,
      sequences=slices.outputs if keep_sequences else None,
      lengths=slices.lengths, source_index=slices.source_index,
      transpose=slices.transpose, source_names=report.names, fingerprint=expected)
  save(cache_path, cache)
  logging.info('Wrote %s.', cache_path)
  if songs_report_path:
    report.write_tsv(songs_report_path)
    logging.info('What each song gave: %s.', songs_report_path)
  return cache

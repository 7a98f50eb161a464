"""Decoding small latents to music: a trained SmallMusicVAE or LCMusicVAE, or
the plain MusicVAE prior, each in a graph and session of its own, in magenta's
`TrainedModel` style.

SmallMusicVAE: latent ~ the posterior q(latent | z) of a random window of the
songs in their own keys (4-d; N(0, I) with sample_song_posteriors=false) ->
latent decoder -> z -> MusicVAE decoder.
LCMusicVAE: latent ~ the same songs' posteriors (8-d; N(0, I) with
sample_song_posteriors=false) -> its own decoder, conditioned as in training.
"""

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import numpy as np
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime.frozen_music_vae import FrozenMusicVAE
from midime.noise import per_sample_noise
from midime.noise import reproducible_decoding

# Silent samples are redrawn with fresh latents this many times before we give
# up and say so: an undertrained model can decode most of its prior to rests.
MAX_SILENT_REDRAWS = 10


class _LatentDecoder(object):
  """Decodes latent vectors in a graph built by a subclass and turns the one-hot
  results into NoteSequences; samples draw every latent up front from the
  seed."""

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
    self._latent = tf.placeholder(tf.float32,
                                  [self._batch_size, self._latent_size])
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

  @property
  def rng(self):
    """The numpy Generator its latents and noise seeds are drawn from (seeded
    by its seed)."""
    return self._rng

  def draw_latents(self, n):
    """`n` latents from the prior N(0, I), `[n, latent_size]`. All are drawn at
    once, so a seed gives the same latents whatever the batch size."""
    return self._rng.standard_normal([n, self._latent_size]).astype(np.float32)

  def decode_tensors(self, latents, length=None, temperature=0.5,
                     progress=None):
    """Decodes `latents` `[n, latent_size]` to the converter's one-hot output
    tensors `[n, steps, depth]`, a batch at a time."""
    latents = np.asarray(latents, np.float32)
    # Each sample's noise seed, all drawn before decoding: with the latents,
    # they make sample i the same whatever the batch size (see
    # per_sample_noise).
    row_seeds = self._rng.integers(0, 2**62, size=len(latents), dtype=np.int64)
    outputs = []
    for begin in range(0, len(latents), self._batch_size):
      batch = latents[begin:begin + self._batch_size]
      # The graph's batch size is fixed (hierarchical decoders size their state
      # by it): pad the last batch and drop the padding's output.
      padded = np.zeros([self._batch_size, self._latent_size], np.float32)
      padded[:len(batch)] = batch
      seeds = np.zeros([self._batch_size], np.int64)
      seeds[:len(batch)] = row_seeds[begin:begin + self._batch_size]
      outputs.append(
          self._session.run(
              self._samples, {
                  self._latent: padded,
                  self._row_seeds: seeds,
                  self._temperature: temperature,
                  self._max_length: length or self._max_seq_len
              })[:len(batch)])
      if progress:
        progress(begin + len(batch), len(latents))
    return np.concatenate(outputs)

  def decode(self, latents, length=None, temperature=0.5, progress=None):
    """Decodes `latents` `[n, latent_size]` to n NoteSequences."""
    return self._data_converter.from_tensors(
        self.decode_tensors(latents, length, temperature, progress))

  def sample(self, n, length=None, temperature=0.5, progress=None):
    """`n` NoteSequences sampled (draw_latents: the prior, or the songs'
    posteriors)."""
    return self.decode(self.draw_latents(n), length, temperature, progress)

  def sample_tensors(self, n, length=None, temperature=0.5, progress=None):
    """`n` melodies sampled (draw_latents) as the converter's one-hot output
    tensors, `[n, steps, depth]`."""
    return self.decode_tensors(self.draw_latents(n), length, temperature,
                               progress)

  def sample_audible(self, n, temperature=0.5, max_redraws=MAX_SILENT_REDRAWS):
    """`n` NoteSequences sampled (draw_latents), each silent one (no notes)
    redrawn from a fresh latent up to `max_redraws` times. Returns (sequences,
    latents,
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
      for index, sequence in zip(
          silent, self.decode(latents[silent], temperature=temperature)):
        sequences[index] = sequence
    return sequences, latents, redrawn

  def close(self):
    self._session.close()


class LatentSampler(_LatentDecoder):
  """A trained small model, restored with its MusicVAE decoder when it needs
  one: it decodes small latents to music and encodes MusicVAE's z to small
  latents."""

  def __init__(self, config, config_name, checkpoint, batch_size,
               vae_config=None, vae_checkpoint=None, vae_name='MusicVAE',
               seed=None, song_posteriors=None):
    """
    Args:
      config: the small model's Config (configs.get_config), hparams as trained.
      config_name: its name, for messages.
      checkpoint: checkpoints.Checkpoint of the small model.
      batch_size: samples decoded per session run.
      vae_config, vae_checkpoint: the MusicVAE, when config.model needs its
      decoder.
      seed: makes the samples a deterministic function of it.
      song_posteriors: None to sample the small latent's prior N(0, I), or the
        training windows' posteriors (the sidecar training writes: 'mean' and
        'stddev', one row per window) to sample those instead (draw_latents).
    """
    self._song_posteriors = None
    if song_posteriors is not None:
      self._song_posteriors = (np.asarray(song_posteriors['mean'], np.float32),
                               np.asarray(song_posteriors['stddev'],
                                          np.float32))
    hparams = config.hparams
    model = config.model
    with self._start(config.data_converter, hparams.encoded_z_size, batch_size,
                     hparams.max_seq_len, seed).as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      model.build(hparams, config.data_converter.output_depth,
                  is_training=False)
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
    """`n` small latents: from the prior N(0, I), or, with the songs'
    posteriors, each from q(latent | z) of a training window drawn uniformly
    (the aggregate
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
    """The small latents `[n, latent_size]` of MusicVAE latents `z` `[n,
    z_size]`."""
    return self._session.run(self._latent_mean,
                             {self._z: np.asarray(z, np.float32)})


class MusicVAEPrior(_LatentDecoder):
  """Plain MusicVAE sampling, z ~ N(0, I) through its decoder, as magenta's
  TrainedModel.sample does: what the samples would be without
  personalization."""

  def __init__(self, vae_config, vae_checkpoint, batch_size,
               vae_name='MusicVAE', seed=None):
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


def silent_count(sequences):
  """How many of `sequences` have no notes."""
  return sum(1 for sequence in sequences if not sequence.notes)


def describe(sequences):
  """A one-line summary of samples: notes per sample and MIDI pitch range."""
  notes = [len(s.notes) for s in sequences]
  pitches = [n.pitch for s in sequences for n in s.notes]
  if not pitches:
    return '%d samples, all silent' % len(sequences)
  return '%d samples, %.1f notes each on average, MIDI pitches %d..%d' % (
      len(sequences), float(np.mean(notes)), min(pitches), max(pitches))

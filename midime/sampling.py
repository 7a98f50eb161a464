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
import note_seq
import numpy as np
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import chords as chords_lib
from midime import controls as controls_lib
from midime import windows as windows_lib
from midime.errors import UserError
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
    self._control_depth = getattr(data_converter, 'control_depth', 0)
    self._control_kind = controls_lib.kind_of(data_converter)
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
    # A decoder's controls (chords, or a groove's hits): one window's for the
    # whole batch, as magenta's decoders take them (decode_tensors groups the
    # rows by their controls).
    self._controls = (tf.placeholder(tf.float32, [None, self._control_depth])
                      if self._control_depth else None)
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

  @property
  def control_kind(self):
    """What its decoder plays over beside the latent (controls.kind_of:
    'chords', 'hits'), or None."""
    return self._control_kind

  @property
  def chord_conditioned(self):
    """Whether its decoder plays over chords."""
    return self._control_kind == controls_lib.CHORDS

  def _check_controls(self, controls, n):
    if not self._control_depth:
      if controls is not None:
        raise UserError('{chords}: this model is not chord-conditioned')
      return None
    if controls is None:
      raise UserError('{chords} are needed: this chord-conditioned model has '
                      'no training progressions to play over'
                      if self.chord_conditioned else
                      'this model plays over %s, and none were given' %
                      self._control_kind)
    controls = np.asarray(controls, np.float32)
    if controls.ndim != 3 or len(controls) != n:
      raise ValueError('controls must be [%d, steps, %d], got shape %s' %
                       (n, self._control_depth, controls.shape))
    return controls

  def decode_tensors(self, latents, length=None, temperature=0.5,
                     progress=None, controls=None):
    """Decodes `latents` `[n, latent_size]` to the converter's one-hot output
    tensors `[n, steps, depth]`, a batch at a time; a model with controls
    over `controls` `[n, steps, control_depth]`, each row's (its chords or
    hits; its output is as long as they are)."""
    latents = np.asarray(latents, np.float32)
    controls = self._check_controls(controls, len(latents))
    # Each sample's noise seed, all drawn before decoding: with the latents,
    # they make sample i the same whatever the batch size (see
    # per_sample_noise).
    row_seeds = self._rng.integers(0, 2**62, size=len(latents), dtype=np.int64)
    if controls is None:
      groups = [(np.arange(len(latents)), None)]
    else:
      # magenta's decoders take one control sequence per batch: the rows over
      # the same controls are decoded together.
      by_chords = {}
      for row in range(len(latents)):
        by_chords.setdefault(controls[row].tobytes(), []).append(row)
      groups = [(np.asarray(rows), controls[rows[0]])
                for rows in by_chords.values()]
    outputs, done = [None] * len(latents), 0
    for rows, group_controls in groups:
      for begin in range(0, len(rows), self._batch_size):
        batch_rows = rows[begin:begin + self._batch_size]
        # The graph's batch size is fixed (hierarchical decoders size their
        # state by it): pad the last batch and drop the padding's output.
        padded = np.zeros([self._batch_size, self._latent_size], np.float32)
        padded[:len(batch_rows)] = latents[batch_rows]
        seeds = np.zeros([self._batch_size], np.int64)
        seeds[:len(batch_rows)] = row_seeds[batch_rows]
        feed = {
            self._latent: padded,
            self._row_seeds: seeds,
            self._temperature: temperature,
            self._max_length: length or self._max_seq_len
        }
        if group_controls is not None:
          feed[self._controls] = group_controls
          feed[self._max_length] = len(group_controls)
        decoded = self._session.run(self._samples, feed)
        for index, row in enumerate(batch_rows):
          outputs[row] = decoded[index]
        done += len(batch_rows)
        if progress:
          progress(done, len(latents))
    steps = max(len(output) for output in outputs)
    stacked = np.zeros([len(outputs), steps, outputs[0].shape[-1]],
                       outputs[0].dtype)
    for row, output in enumerate(outputs):
      stacked[row, :len(output)] = output
    return stacked

  def decode(self, latents, length=None, temperature=0.5, progress=None,
             controls=None):
    """Decodes `latents` `[n, latent_size]` to n NoteSequences; a
    model with controls over `controls` (decode_tensors); a chord-conditioned
    model's NoteSequences carry their chords as chord symbols."""
    latents = np.asarray(latents, np.float32)
    controls = self._check_controls(controls, len(latents))
    sequences = chords_lib.from_tensors(
        self._data_converter,
        self.decode_tensors(latents, length, temperature, progress, controls))
    if self.chord_conditioned:
      # magenta's converters write their outputs at its default tempo.
      _, _, steps_per_quarter = windows_lib.window_grid(self._data_converter)
      seconds_per_step = 60.0 / (note_seq.DEFAULT_QUARTERS_PER_MINUTE *
                                 steps_per_quarter)
      for sequence, row in zip(sequences, controls):
        chords_lib.add_chord_symbols(sequence, row, self._data_converter,
                                     seconds_per_step)
    return sequences

  def draw_latents_with_controls(self, n):
    """`n` latents (draw_latents) and, for a model with controls that knows
    its training windows', the controls (chords, hits) of the windows they
    were drawn from `[n, steps, control_depth]` (else None)."""
    return self.draw_latents(n), None

  def sample(self, n, length=None, temperature=0.5, progress=None,
             controls=None):
    """`n` NoteSequences sampled (draw_latents: the prior, or the songs'
    posteriors); a model with controls over `controls`, or, when None, the
    controls of the training windows the latents came from."""
    latents, own = self.draw_latents_with_controls(n)
    return self.decode(latents, length, temperature, progress,
                       own if controls is None else controls)

  def sample_tensors(self, n, length=None, temperature=0.5, progress=None,
                     controls=None):
    """`n` melodies sampled (draw_latents) as the converter's one-hot output
    tensors, `[n, steps, depth]`; controls as `sample` takes them."""
    latents, own = self.draw_latents_with_controls(n)
    return self.decode_tensors(latents, length, temperature, progress,
                               own if controls is None else controls)

  def sample_audible(self, n, temperature=0.5, max_redraws=MAX_SILENT_REDRAWS,
                     controls=None):
    """`n` NoteSequences sampled (draw_latents), each silent one (no notes)
    redrawn from a fresh latent up to `max_redraws` times; controls as `sample`
    takes them. Returns (sequences, latents, redrawn: how many draws were
    silent and replaced)."""
    latents, own = self.draw_latents_with_controls(n)
    rows_controls = own if controls is None else np.asarray(
        controls, np.float32)
    sequences = self.decode(latents, temperature=temperature,
                            controls=rows_controls)
    redrawn = 0
    for _ in range(max_redraws):
      silent = [i for i, sequence in enumerate(sequences) if not sequence.notes]
      if not silent:
        break
      redrawn += len(silent)
      latents[silent], own = self.draw_latents_with_controls(len(silent))
      if controls is None and own is not None:
        rows_controls[silent] = own
      for index, sequence in zip(
          silent,
          self.decode(latents[silent], temperature=temperature,
                      controls=None if rows_controls is None else
                      rows_controls[silent])):
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
        'stddev', one row per window, and for a config with controls, under
        its kind ('chords', 'hits'), each window's controls as
        controls.compact keeps them) to sample those instead (draw_latents).
    """
    self._song_posteriors = self._song_controls = None
    kind = controls_lib.kind_of(config.data_converter)
    if song_posteriors is not None:
      self._song_posteriors = (np.asarray(song_posteriors['mean'], np.float32),
                               np.asarray(song_posteriors['stddev'],
                                          np.float32))
      if kind and song_posteriors.get(kind):
        self._song_controls = np.asarray(song_posteriors[kind], np.int64)
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
        self._samples = model.sample(latent, max_length, temperature, music_vae,
                                     controls=self._controls)
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
    return self.draw_latents_with_controls(n)[0]

  def draw_latents_with_controls(self, n):
    if self._song_posteriors is None:
      return super().draw_latents(n), None
    means, stddevs = self._song_posteriors
    windows = self._rng.integers(0, len(means), size=n)
    noise = self._rng.standard_normal([n, self._latent_size]).astype(np.float32)
    latents = means[windows] + stddevs[windows] * noise
    if self._song_controls is None:
      return latents, None
    return latents, controls_lib.expand(self._song_controls[windows],
                                        self._data_converter)

  def training_controls(self):
    """The controls of the training windows its latents are drawn from, as
    controls.compact keeps them `[windows, steps]`, or None."""
    return self._song_controls

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
        self._samples = music_vae.sample(z, max_length, temperature,
                                         c_input=self._controls)
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

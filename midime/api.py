"""The Python API, in the style of magenta's `TrainedModel`:

    import midime
    with midime.load('run/ae-cat-mel_2bar_big.tar') as model:
      melodies = model.sample(4)
      latents = model.encode(my_note_sequences)
      steps = model.interpolate(song_a, song_b, num_steps=5)

`midime-generate` calls the same methods.
"""

import contextlib

import numpy as np

from midime import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
from midime import checks
from midime import generation
from midime import latent_cache
from midime import workflows


def _named(note_sequences):
  """(name, NoteSequence) pairs of a NoteSequence, a list of them, or of pairs."""
  if hasattr(note_sequences, 'notes'):
    note_sequences = [note_sequences]
  named = []
  for index, item in enumerate(note_sequences):
    if isinstance(item, tuple):
      named.append(item)
    else:
      named.append((item.filename or item.id or 'song %d' % index, item))
  return named


class Model(object):
  """A trained SmallMusicVAE or LCMusicVAE: samples, encodes songs to its small
  latent, decodes latents, interpolates and reconstructs. Close it (or use it as a
  context manager) to free its TensorFlow sessions and temporary files."""

  def __init__(self, checkpoint_file=None, vae_checkpoint_file=None, run_dir=None,
               config=None, vae_config=None, batch_size=8, seed=None):
    """Arguments as midime-generate's flags of the same names; `batch_size` is its
    --max_batch_size."""
    checks.check_seed(seed)
    checks.check_sampling_flags(batch_size, 1.0)
    self._stack = contextlib.ExitStack()
    self._vae_checkpoint_file = vae_checkpoint_file
    self._encoder = None
    try:
      self._loaded = workflows.open_trained_model(
          self._stack, run_dir, checkpoint_file, vae_checkpoint_file, config,
          vae_config, batch_size, seed)
    except BaseException:
      self._stack.close()
      raise
    self._model = self._loaded.model
    self._batch_size = batch_size

  @property
  def config_name(self):
    """The config it was trained with, e.g. 'ae-cat-mel_2bar_big'."""
    return self._loaded.config_name

  @property
  def latent_size(self):
    """The small latent's dimensions (4 for ae-, 8 for lc- configs)."""
    return self._model.latent_size

  @property
  def temperature(self):
    """The temperature it samples at when none is given: its hparam
    sampling_temperature (0.5 for ae- configs, 1.0 for lc- configs)."""
    return self._loaded.config.hparams.sampling_temperature

  def _temperature(self, temperature):
    return self.temperature if temperature is None else temperature

  def sample(self, n, temperature=None):
    """`n` NoteSequences decoded from latents drawn as the model samples them (the
    songs' posteriors, or N(0, I) with sample_song_posteriors=false), at its own
    temperature unless given; a silent one is redrawn (up to
    generation.MAX_SILENT_REDRAWS times)."""
    sequences, _, _ = self.sample_with_latents(n, temperature)
    return sequences

  def sample_with_latents(self, n, temperature=None):
    """(`n` NoteSequences, their latents `[n, latent_size]`, how many silent draws
    were redrawn), as `sample`."""
    return self._model.sample_audible(n, self._temperature(temperature))

  def decode(self, latents, temperature=None):
    """NoteSequences of small latents `[n, latent_size]` (or one latent)."""
    latents = np.asarray(latents, np.float32)
    if latents.ndim == 1:
      latents = latents[None, :]
    if latents.ndim != 2 or latents.shape[1] != self.latent_size:
      raise ValueError('latents must be [n, %d], got shape %s' % (
          self.latent_size, latents.shape))
    return self._model.decode(latents, temperature=self._temperature(temperature))

  def windows(self, note_sequences, window=0):
    """generation.SongWindows: window `window` of each song as the config cuts it."""
    return generation.song_windows(_named(note_sequences),
                                   self._loaded.config.data_converter, window)

  def encode(self, note_sequences, window=0):
    """The small latent `[n, latent_size]` of window `window` of each song: the
    MusicVAE encoder's mean z, then the small encoder's mean."""
    return self.encode_windows(self.windows(note_sequences, window))

  def encode_windows(self, windows):
    """The small latents of a generation.SongWindows."""
    if self._encoder is None:
      vae_config, vae_checkpoint = workflows.open_music_vae(
          self._stack, self._loaded, self._vae_checkpoint_file)
      self._encoder = latent_cache.MusicVAEEncoder(
          vae_config, vae_checkpoint, self._loaded.vae_config_name,
          batch_size=self._batch_size,
          input_depth=self._loaded.config.data_converter.input_depth)
    z, _ = self._encoder.encode(windows.inputs, windows.lengths, report_progress=False)
    return self._model.encode_z(z)

  def reconstruct(self, note_sequences, temperature=None, window=0):
    """Each song's window through the small model and back: what it keeps of it."""
    return self.decode(self.encode(note_sequences, window), temperature)

  def interpolate(self, start, end, num_steps=5, temperature=None, method='linear',
                  window=0):
    """`num_steps` NoteSequences from `start` to `end` (NoteSequences or small
    latents), both ends included, in the small latent; `method` 'linear' or
    'spherical' (generation.interpolate_latents says why linear is the default)."""
    ends = [np.asarray(self.encode(one, window)[0]) if hasattr(one, 'notes') else
            np.asarray(one, np.float32) for one in (start, end)]
    return self.decode(generation.interpolate_latents(ends[0], ends[1], num_steps,
                                                      method), temperature)

  def traverse(self, center=None, num_values=5, extent=2.0, temperature=None,
               max_dims=None):
    """MidiMe's sliders: (latents, NoteSequences) for each dimension at `num_values`
    values across -extent..+extent prior standard deviations, the others at `center`
    (a latent or a NoteSequence; zero by default). Dimension-major."""
    if center is None:
      center = np.zeros([self.latent_size], np.float32)
    elif hasattr(center, 'notes'):
      center = self.encode(center)[0]
    latents = generation.traverse_latents(center, num_values, extent, max_dims)
    return latents, self.decode(latents, temperature)

  def close(self):
    """Frees the sessions and any unpacked checkpoint files."""
    if self._encoder is not None:
      self._encoder.close()
      self._encoder = None
    if self._model is not None:
      self._model.close()
      self._model = None
    self._stack.close()

  def __enter__(self):
    return self

  def __exit__(self, *unused_exc_info):
    self.close()


def load(checkpoint_file, vae_checkpoint_file=None, **kwargs):
  """A trained model (a Model, usable as a context manager) from the `<config>.tar`
  that training writes (or a checkpoint prefix or folder). `vae_checkpoint_file`
  defaults to the MusicVAE it was trained over. kwargs: config, vae_config,
  batch_size, seed, as Model takes them."""
  return Model(checkpoint_file, vae_checkpoint_file, **kwargs)


def train(config, run_dir, examples_path, pretrained_path, num_steps=None,
          hparams='', seed=None, vae_config=None):
  """Trains `config` (e.g. 'ae-cat-mel_2bar_big') on the songs at `examples_path`
  over the MusicVAE at `pretrained_path`, resuming in `run_dir`; returns the path of
  the trained bundle for `load`. Arguments as midime-train's flags (`num_steps`
  None: the config's default)."""
  return workflows.train_or_evaluate(config, run_dir, 'train', examples_path,
                                     pretrained_path, vae_config, num_steps, hparams,
                                     seed)

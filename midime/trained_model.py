"""A trained SmallMusicVAE or LCMusicVAE, ready to use, in the style of
magenta's `TrainedModel`: the one place that opens a trained model's bundle (or
run folder), with the MusicVAE it was trained over when it needs one.

    with TrainedModel('run/ae-cat-mel_2bar_big.tar') as model:
      melodies = model.sample(4)
      latents = model.encode(my_note_sequences)
      steps = model.interpolate(song_a, song_b, num_steps=5)
"""

import collections
import contextlib
import dataclasses
import os
from typing import Optional

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import checkpoints
from midime import checks
from midime import chords as chords_lib
from midime import configs
from midime import controls as controls_lib
from midime import frozen_music_vae
from midime import latent_cache
from midime import latents as latents_lib
from midime import sampling
from midime import song_form as song_form_lib
from midime import songs as songs_lib
from midime import training
from midime import windows as windows_lib
from midime.errors import UserError


@dataclasses.dataclass
class ModelOptions:
  """The options that name a trained model and the MusicVAE under it, shared by
  the jobs that load one; each is the scripts' flag of the same name.

  Attributes:
    run_dir: a training run's folder (its latest checkpoint); or
    checkpoint_file: a trained model's bundle, checkpoint prefix or folder.
    vae_checkpoint_file: the MusicVAE; None: the one it was trained over.
    config: the config's name; None: the one the model records.
    vae_config: the MusicVAE config; None: the one the model records.
  """
  run_dir: Optional[str] = None
  checkpoint_file: Optional[str] = None
  vae_checkpoint_file: Optional[str] = None
  config: Optional[str] = None
  vae_config: Optional[str] = None


def _model_record(checkpoint):
  record = checkpoint.sidecars.get(checkpoints.MODEL_SIDECAR)
  if record is None and checkpoints.MUSIC_VAE_SIDECAR in checkpoint.sidecars:
    raise UserError(
        '%s is a MusicVAE checkpoint; {checkpoint_file} takes the trained '
        'SmallMusicVAE/LCMusicVAE (run_dir/<config>.tar)' % checkpoint.source)
  return record or {}


def _song_posteriors(config, checkpoint):
  """The training windows' posteriors to sample from, when the model samples
  them (hparam sample_song_posteriors) and they belong to this checkpoint; else
  None (the prior N(0, I)), saying why."""
  if not config.hparams.get('sample_song_posteriors'):
    return None
  posteriors = checkpoint.sidecars.get(checkpoints.SONG_POSTERIORS_SIDECAR)
  step = checkpoints.step_of(checkpoint.prefix)
  if posteriors is None or (step >= 0 and posteriors.get('step') != step):
    # A run stopped before its end, or an earlier checkpoint of it.
    logging.warning(
        '%s has no song posteriors of its own (written when training '
        'ends); sampling the prior N(0, I) instead', checkpoint.source)
    return None
  logging.info(
      'Sampling the small latent from the posteriors of the %d training '
      'windows.', len(posteriors['mean']))
  return posteriors


def _song_form(checkpoint):
  """The song form learned with this checkpoint (song_form.SongForm), or None
  when it has none of its own (a model trained before song mode, or an earlier
  checkpoint of a run)."""
  values = checkpoint.sidecars.get(checkpoints.SONG_FORM_SIDECAR)
  step = checkpoints.step_of(checkpoint.prefix)
  if values is None or (step >= 0 and values.get('step') != step):
    return None
  return song_form_lib.SongForm.from_json(values)


class LoadedModel(
    collections.namedtuple('LoadedModel', [
        'model', 'config', 'config_name', 'source', 'vae_config',
        'vae_checkpoint', 'vae_config_name', 'record', 'song_form'
    ])):
  """A trained small model ready to sample (sampling.LatentSampler), its config,
  where it was read from, the MusicVAE config and open checkpoint (None when
  neither is needed nor asked for), the record saved with the model, and the
  song form learned with it (song_form.SongForm; None when it has none)."""


def open_music_vae(stack, loaded, vae_checkpoint_file=None):
  """(MusicVAE config, open checkpoint) under `loaded` (a LoadedModel):
  `vae_checkpoint_file`, else the one it was trained over; opened in `stack`, or
  the ones `loaded` already holds."""
  if loaded.vae_checkpoint is not None:
    return loaded.vae_config, loaded.vae_checkpoint
  return _open_music_vae(stack, loaded.record, loaded.source,
                         vae_checkpoint_file, loaded.vae_config_name)


def _open_music_vae(stack, record, source, vae_checkpoint_file,
                    vae_config_name):
  vae_path = vae_checkpoint_file or record.get('pretrained_path')
  if not vae_path:
    raise UserError(
        '{vae_checkpoint_file} (the MusicVAE checkpoint) is required')
  vae_checkpoint = stack.enter_context(
      checkpoints.open_checkpoint(vae_path, 'MusicVAE checkpoint'))
  vae_config = frozen_music_vae.load_music_vae_config(vae_config_name,
                                                      vae_checkpoint)
  trained_over = record.get('music_vae_fingerprint')
  if trained_over and trained_over != vae_checkpoint.fingerprint():
    logging.warning(
        'warning: %s was trained over another MusicVAE checkpoint (%s);'
        ' its samples will not sound like the training songs.', source,
        record.get('pretrained_path'))
  return vae_config, vae_checkpoint


def open_trained_model(stack, run_dir, checkpoint_file, vae_checkpoint_file,
                       config_name, vae_config_name, batch_size, seed,
                       require_music_vae=False):
  """Restores a trained SmallMusicVAE/LCMusicVAE for sampling; each argument as
  midime_generate.py's flag of the same name. The checkpoints are opened in
  `stack` (a contextlib.ExitStack); the MusicVAE one is opened when the model
  decodes with it, or when `require_music_vae`. Returns a LoadedModel."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of {run_dir} or {checkpoint_file}')
  model_path = (training.train_dir_of(os.path.expanduser(run_dir))
                if run_dir else checkpoint_file)
  checkpoint = stack.enter_context(
      checkpoints.open_checkpoint(model_path,
                                  'SmallMusicVAE/LCMusicVAE checkpoint'))
  record = _model_record(checkpoint)
  recorded_name = record.get('config')
  if config_name and recorded_name and config_name != recorded_name:
    raise UserError('%s was trained with {config}=%s, not %s' %
                    (checkpoint.source, recorded_name, config_name))
  config_name = config_name or recorded_name
  if not config_name:
    raise UserError('{config} is required: %s records no config' %
                    checkpoint.source)
  config = configs.get_config(config_name, hparams_values=record.get('hparams'))

  vae_config = vae_checkpoint = None
  vae_config_name = vae_config_name or record.get(
      'vae_config') or config.vae_config_name
  configs.check_vae_config(config_name, config, vae_config_name,
                           record.get('vae_config'))
  if config.model.needs_music_vae_decoder or require_music_vae:
    vae_config, vae_checkpoint = _open_music_vae(stack, record,
                                                 checkpoint.source,
                                                 vae_checkpoint_file,
                                                 vae_config_name)
  elif vae_checkpoint_file:
    logging.info(
        '%s samples with its own decoder; --vae_checkpoint_file is not read.',
        config_name)

  logging.info('Loading %s from %s...', config_name, checkpoint.source)
  model = sampling.LatentSampler(
      config, config_name, checkpoint, batch_size=batch_size,
      vae_config=vae_config if config.model.needs_music_vae_decoder else None,
      vae_checkpoint=vae_checkpoint if config.model.needs_music_vae_decoder else
      None, vae_name=vae_config_name, seed=seed,
      song_posteriors=_song_posteriors(config, checkpoint))
  return LoadedModel(model, config, config_name, checkpoint.source, vae_config,
                     vae_checkpoint, vae_config_name, record,
                     _song_form(checkpoint))


def _named(note_sequences):
  """(name, NoteSequence) pairs of a NoteSequence, a list of them, or of
  pairs."""
  if hasattr(note_sequences, 'notes'):
    note_sequences = [note_sequences]
  named = []
  for index, item in enumerate(note_sequences):
    if isinstance(item, tuple):
      named.append(item)
    else:
      named.append((item.filename or item.id or 'song %d' % index, item))
  return named


class TrainedModel(object):
  """A trained SmallMusicVAE or LCMusicVAE: samples, encodes songs to its small
  latent, decodes latents, interpolates and reconstructs. Close it (or use it as
  a context manager) to free its TensorFlow sessions and temporary files."""

  def __init__(self, checkpoint_file=None, vae_checkpoint_file=None,
               run_dir=None, config=None, vae_config=None, batch_size=8,
               seed=None, chords=None):
    """Restores a trained model; arguments as midime-generate's flags of the
    same names.

    Args:
      checkpoint_file: the bundle `run_dir/<config>.tar` training wrote, a
        checkpoint prefix or a folder; or None with `run_dir`.
      vae_checkpoint_file: the MusicVAE; None: the one it was trained over.
      run_dir: a training run's folder (its latest checkpoint).
      config: the config's name; None: the one the model records.
      vae_config: the MusicVAE config; None: the one the model records.
      batch_size: the most latents decoded at once (--max_batch_size).
      seed: makes its samples a deterministic function of it.
      chords: for a chord-conditioned config, the progression to play over
        ('C G Am F', one chord per bar, repeated; see `set_chords`); None:
        the training songs' own.

    Raises:
      UserError: a missing or unreadable checkpoint, one of another config or
        family, or arguments that cannot work.
    """
    checks.check_seed(seed)
    checks.check_sampling_flags(batch_size, 1.0)
    self._stack = contextlib.ExitStack()
    self._vae_checkpoint_file = vae_checkpoint_file
    self._encoder = None
    self._prior = None
    try:
      self._loaded = open_trained_model(self._stack, run_dir, checkpoint_file,
                                        vae_checkpoint_file, config, vae_config,
                                        batch_size, seed)
    except BaseException:
      self._stack.close()
      raise
    self._model = self._loaded.model
    self._batch_size = batch_size
    self._seed = seed
    self._chords = None
    try:
      self.set_chords(chords)
    except BaseException:
      self.close()
      raise

  @property
  def chord_conditioned(self):
    """Whether it plays over chords (a `...chords` config)."""
    return chords_lib.is_chord_conditioned(self.data_converter)

  @property
  def control_kind(self):
    """What its decoder plays over beside the latent (controls.kind_of:
    'chords'; 'hits', a groove's drum hits), or None."""
    return controls_lib.kind_of(self.data_converter)

  @property
  def chords(self):
    """The progression it plays over (chord figures, one per bar), or None:
    the training songs' own."""
    return self._chords

  def set_chords(self, chords):
    """Sets the progression a chord-conditioned model plays over.

    Args:
      chords: chord figures note-seq reads, one per bar, repeated to fill
        each output: a string ('C G Am F') or a list; None: the training
        songs' own progressions (each sample over the chords of the window
        its latent is drawn from).

    Raises:
      UserError: a chord note-seq cannot read (named, with its position), or
        chords for a model that is not chord-conditioned.
    """
    if chords is None:
      self._chords = None
      return
    self._chords = chords_lib.progression_for(chords, self.data_converter,
                                              self.config_name)

  def _window_grid(self):
    window_steps, steps_per_bar, _ = windows_lib.window_grid(
        self.data_converter)
    return window_steps, steps_per_bar

  def progression_controls(self, start_bars, chords=None):
    """The controls `[len(start_bars), window steps, control_depth]` of
    progression `chords` (figures; None: the model's `chords`) for windows
    starting at bars `start_bars` of it."""
    window_steps, steps_per_bar = self._window_grid()
    return np.stack([
        chords_lib.progression_controls(chords or self._chords,
                                        self.data_converter, window_steps,
                                        steps_per_bar, start)
        for start in start_bars
    ])

  def _decode_controls(self, n, controls=None):
    """The controls to decode `n` latents over: `controls`, else the model's
    progression from its start, else one training window's controls (chords,
    hits) for all; None for a model without controls."""
    if not self.control_kind:
      return None
    if controls is not None:
      return controls
    if self._chords:
      return self.progression_controls([0] * n)
    training = self._model.training_controls()
    if training is None:
      raise UserError(
          '{chords} are needed: %s has no training progressions to play over'
          % self._loaded.source if self.chord_conditioned else
          '%s keeps no training %s to play over: train it again' %
          (self._loaded.source, self.control_kind))
    row = training[self._model.rng.integers(len(training))]
    return np.repeat(
        controls_lib.expand(row, self.data_converter)[None], n, axis=0)

  @property
  def config_name(self):
    """The config it was trained with, e.g. 'ae-cat-mel_2bar_big'."""
    return self._loaded.config_name

  @property
  def data_converter(self):
    """The converter of its MusicVAE family: windows and NoteSequences."""
    return self._loaded.config.data_converter

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
    """Samples music from latents drawn as the model draws them (the songs'
    posteriors, or N(0, I) with sample_song_posteriors=false); a silent one is
    redrawn (up to sampling.MAX_SILENT_REDRAWS times).

    Args:
      n: how many.
      temperature: the decoder's; None: the model's own (`temperature`).

    Returns:
      A list of `n` NoteSequences.
    """
    sequences, _, _ = self.sample_with_latents(n, temperature)
    return sequences

  def sample_with_latents(self, n, temperature=None):
    """Samples as `sample` does, and says from where.

    Returns:
      (`n` NoteSequences, their latents `[n, latent_size]`, how many silent
      draws were redrawn).
    """
    controls = None
    if self._chords:
      # The samples lay the progression out: sample i plays its bars from
      # i windows on.
      window_steps, steps_per_bar = self._window_grid()
      controls = self.progression_controls(
          [i * window_steps // steps_per_bar for i in range(n)])
    return self._model.sample_audible(n, self._temperature(temperature),
                                      controls=controls)

  def sample_prior(self, n, temperature=None):
    """Samples the plain MusicVAE this model sits on, z ~ N(0, I) through its
    decoder: what sampling gives without personalization, to compare.

    Args:
      n: how many.
      temperature: the decoder's; None: this model's own.

    Returns:
      A list of `n` NoteSequences (over the model's chords when it is
      chord-conditioned).
    """
    if self._prior is None:
      vae_config, vae_checkpoint = open_music_vae(self._stack, self._loaded,
                                                  self._vae_checkpoint_file)
      self._prior = sampling.MusicVAEPrior(vae_config, vae_checkpoint,
                                           self._batch_size,
                                           self._loaded.vae_config_name,
                                           self._seed)
    return self._prior.decode(self._prior.draw_latents(n),
                              temperature=self._temperature(temperature),
                              controls=self._decode_controls(n))

  def decode(self, latents, temperature=None, controls=None):
    """Decodes small latents to music.

    Args:
      latents: `[n, latent_size]`, or one latent `[latent_size]`.
      temperature: the decoder's; None: the model's own.
      controls: for a chord-conditioned model, each output's chords `[n,
        window steps, control_depth]` (progression_controls); None: its
        progression from the start, or one training window's chords for all.

    Returns:
      A list of n NoteSequences.

    Raises:
      ValueError: latents of another shape.
    """
    latents = np.asarray(latents, np.float32)
    if latents.ndim == 1:
      latents = latents[None, :]
    if latents.ndim != 2 or latents.shape[1] != self.latent_size:
      raise ValueError('latents must be [n, %d], got shape %s' %
                       (self.latent_size, latents.shape))
    return self._model.decode(latents,
                              temperature=self._temperature(temperature),
                              controls=self._decode_controls(
                                  len(latents), controls))

  @property
  def song_form(self):
    """How its training songs are built (song_form.SongForm), or None for a
    model trained before song mode."""
    return self._loaded.song_form

  def song(self, num_bars=None, form=None, n=1, section_bars=None,
           variation=0.0, temperature=None):
    """Whole songs: windows laid end to end in a form, the repeated sections
    returning, each new window following the training songs' paths through the
    small latent and chosen for how it joins the one before.

    Args:
      num_bars: each song's length, a multiple of the window's bars; None: the
        training songs' typical length (or the form's, when `form` is given).
      form: section letters, e.g. 'AABA'; None: the training songs' most
        common form, repeated to fill `num_bars`.
      n: how many songs.
      section_bars: a section's length, a multiple of the window's bars; None:
        the songs' (or `num_bars` shared among the form's sections).
      variation: 0 repeats a section note for note; more lets a repeat stray
        that many posterior standard deviations.
      temperature: the decoder's; None: the model's own.

    Returns:
      A list of `n` NoteSequences.

    Raises:
      UserError: a model without a learned song form, or lengths or a form
        that cannot work (the message says the nearest that works).
    """
    return [
        song.sequence for song in self.songs_with_plans(
            n, num_bars, form, section_bars, variation, temperature)
    ]

  def songs_with_plans(self, n=1, num_bars=None, form=None, section_bars=None,
                       variation=0.0, temperature=None):
    """Songs as `song` writes them, with their plans and windows: a list of
    songs.Song."""
    if self.song_form is None:
      raise UserError(
          '%s has no learned song form (it was trained before song mode): '
          'run its midime-train command again to learn it; it trains no '
          'further' % self._loaded.source)
    checks.check_num_outputs(n)
    window_steps, steps_per_bar, steps_per_quarter = windows_lib.window_grid(
        self.data_converter)
    return [
        songs_lib.compose(self._model, self.song_form, self._model.rng,
                          num_bars=num_bars, form=form,
                          section_bars=section_bars, variation=variation,
                          temperature=self._temperature(temperature),
                          steps_per_quarter=steps_per_quarter,
                          steps_per_bar=steps_per_bar,
                          controls_at=self._song_controls(
                              window_steps // steps_per_bar))
        for _ in range(n)
    ]

  def _song_controls(self, window_bars):
    """compose's `controls_at` for song mode: the model's progression laid
    along the song, else the controls (chords, hits) of the training window
    each new window's latent is drawn from; None for a model without
    controls."""
    kind = self.control_kind
    if not kind:
      return None
    if self._chords:
      return lambda place, state: self.progression_controls(
          [place * window_bars])[0]
    learned = self.song_form.controls(kind)
    if learned is None:
      raise UserError(
          '{chords} are needed: %s learned no progressions with its song form'
          % self._loaded.source if self.chord_conditioned else
          '%s learned no %s with its song form: train it again' %
          (self._loaded.source, kind))
    return lambda place, state: controls_lib.expand(learned[state],
                                                    self.data_converter)

  def windows(self, note_sequences, window=0):
    """Window number `window` of each song, as the config cuts songs.

    Args:
      note_sequences: a NoteSequence, a list of them, or (name, NoteSequence)
        pairs.
      window: which window of each song; 0 is the first.

    Returns:
      windows.Windows, one window per song.

    Raises:
      UserError: a song with no usable window (saying why), or `window` past
        a song's last.
    """
    return windows_lib.song_windows(_named(note_sequences),
                                    self._loaded.config.data_converter, window)

  def encode(self, note_sequences, window=0):
    """Encodes songs to the small latent: the MusicVAE encoder's mean z of
    window `window` of each song, then the small encoder's mean.

    Args:
      note_sequences: as `windows` takes them.
      window: which window of each song; 0 is the first.

    Returns:
      `[n, latent_size]` float32.
    """
    return self.encode_windows(self.windows(note_sequences, window))

  def encode_windows(self, windows):
    """The small latents `[n, latent_size]` of windows.Windows `windows`."""
    if self._encoder is None:
      vae_config, vae_checkpoint = open_music_vae(self._stack, self._loaded,
                                                  self._vae_checkpoint_file)
      converter = self._loaded.config.data_converter
      self._encoder = latent_cache.MusicVAEEncoder(
          vae_config, vae_checkpoint, self._loaded.vae_config_name,
          batch_size=self._batch_size,
          input_depth=converter.input_depth + converter.control_depth)
    z, _ = self._encoder.encode(windows.encoder_inputs(), windows.lengths,
                                report_progress=False)
    return self._model.encode_z(z)

  def reconstruct(self, note_sequences, temperature=None, window=0):
    """Each song's window through the small latent and back: what the model
    keeps of it (over the window's own chords, or the model's `chords`).

    Returns:
      A list of NoteSequences, one per song.
    """
    return self.reconstruct_windows(self.windows(note_sequences, window),
                                    temperature)

  def reconstruct_windows(self, windows, temperature=None):
    """`reconstruct` of windows.Windows `windows`."""
    controls = None
    if self.control_kind and not self._chords:
      # Over the window's own controls: its chords, or the hits a groove
      # plays on.
      controls = windows.controls
    return self.decode(self.encode_windows(windows), temperature, controls)

  def interpolate(self, start, end, num_steps=5, temperature=None,
                  method='linear', window=0):
    """Walks the small latent from one song (or latent) to another.

    Args:
      start, end: NoteSequences (their window `window` is encoded) or small
        latents.
      num_steps: outputs, both ends included.
      temperature: the decoder's; None: the model's own.
      method: 'linear' or 'spherical' (latents.interpolate_latents says why
        linear is the default).
      window: which window of a song to start or end at.

    Returns:
      A list of `num_steps` NoteSequences.
    """
    ends = [
        np.asarray(self.encode(one, window)[0])
        if hasattr(one, 'notes') else np.asarray(one, np.float32)
        for one in (start, end)
    ]
    return self.decode(
        latents_lib.interpolate_latents(ends[0], ends[1], num_steps, method),
        temperature)

  def traverse(self, center=None, num_values=5, extent=2.0, temperature=None,
               max_dims=None):
    """MidiMe's sliders: each dimension moved alone across its range.

    Args:
      center: where the other dimensions stay: a latent, a NoteSequence (its
        latent), or None (zero).
      num_values: values per dimension, from -extent to +extent prior
        standard deviations.
      extent: how far each dimension goes.
      temperature: the decoder's; None: the model's own.
      max_dims: move only the first this many dimensions.

    Returns:
      (latents `[dims * num_values, latent_size]`, their NoteSequences),
      dimension-major.
    """
    if center is None:
      center = np.zeros([self.latent_size], np.float32)
    elif hasattr(center, 'notes'):
      center = self.encode(center)[0]
    latents = latents_lib.traverse_latents(center, num_values, extent, max_dims)
    return latents, self.decode(latents, temperature)

  def close(self):
    """Frees the sessions and any unpacked checkpoint files."""
    if self._encoder is not None:
      self._encoder.close()
      self._encoder = None
    if self._prior is not None:
      self._prior.close()
      self._prior = None
    if self._model is not None:
      self._model.close()
      self._model = None
    self._stack.close()

  def __enter__(self):
    return self

  def __exit__(self, *unused_exc_info):
    self.close()

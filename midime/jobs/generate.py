"""`midime-generate`: music from a trained SmallMusicVAE / LCMusicVAE.

  small latent (drawn, a song's, a path between two songs, or a slider's) -> z
  -> decoder -> MIDI (+ WAV, PNG)

Modes: sample (draws of the model, or decodings of one latent), reconstruct
(each song through the small latent and back), interpolate (between two songs),
traverse (MidiMe's sliders: each dimension across its range), song (whole
pieces: windows laid end to end in the form the model learned from its songs).
"""

import dataclasses
from typing import Optional

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import audio as audio_lib
from midime import checks
from midime import latents as latents_lib
from midime import note_sequence_io
from midime import output_files
from midime import sampling
from midime import song_form
from midime import trained_model
from midime.errors import UserError

GENERATE_MODES = ('sample', 'reconstruct', 'interpolate', 'traverse', 'song')
# The most rows and columns the traverse picture draws: past that the panels are
# too small to read.
MAX_PICTURE_ROWS = 16
MAX_PICTURE_COLUMNS = 16
# Traversal runs from -2 to +2 standard deviations of the prior: 95% of its
# mass.
TRAVERSE_EXTENT = 2.0


@dataclasses.dataclass
class GenerateOptions(trained_model.ModelOptions):
  """What a generation run makes; each field is midime-generate's flag of the
  same name (the model's: trained_model.ModelOptions).

  Attributes:
    output_dir: where the files go (created).
    num_outputs: samples, steps or values per dimension, by mode.
    max_batch_size: the most latents decoded at once.
    temperature: the decoder's; None: the model's own (sampling_temperature).
    seed: the same seed and model give the same files.
    plot: also draw the outputs as piano rolls (always in traverse mode).
    mode: one of GENERATE_MODES.
    inputs: songs for reconstruct, interpolate and traverse: comma-separated
      MIDI files, NoteSequence TFRecords or folders.
    input_window: which window of each song the modes read; 0 is the first.
    latent: a point of the small latent, 'a,b,c,d', for sample and traverse.
    interpolation: 'linear' or 'spherical'.
    audio: also write a WAV beside each MIDI file.
    soundfont: the .sf2 SoundFont for `audio`; None: the default one.
    num_bars: song mode: each song's length; None: the training songs'.
    form: song mode: section letters, 'AABA'; None: the training songs'.
    section_bars: song mode: a section's length; None: the songs'.
    variation: song mode: 0 repeats sections note for note; more lets a
      repeat stray that many posterior standard deviations.
    chords: a chord-conditioned config's progression, 'C G Am F' (one chord
      per bar, repeated to fill the outputs); None: the training songs' own.
  """
  output_dir: str = 'tmp/generated'
  num_outputs: int = 5
  max_batch_size: int = 8
  temperature: Optional[float] = None
  seed: Optional[int] = None
  plot: bool = False
  mode: str = 'sample'
  inputs: Optional[str] = None
  input_window: int = 0
  latent: Optional[str] = None
  interpolation: str = 'linear'
  audio: bool = False
  soundfont: Optional[str] = None
  num_bars: Optional[int] = None
  form: Optional[str] = None
  section_bars: Optional[int] = None
  variation: float = 0.0
  chords: Optional[str] = None


def run(options):
  """Generates and writes MIDI files (and WAVs with `audio`, a PNG with `plot`
  or in traverse mode) as `options` (a GenerateOptions) says; returns the MIDI
  files' paths. Modes:
    sample: `num_outputs` draws of the model (or decodings of `latent`);
    reconstruct: each song of `inputs` through the small latent and back;
    interpolate: `num_outputs` steps between the two songs of `inputs`;
    traverse: each latent dimension at `num_outputs` values, the others at zero
      (or at the latent of the first song of `inputs`, or at `latent`);
    song: `num_outputs` whole songs of `num_bars` in `form`.

  Raises:
    UserError: for options that cannot work, checked before anything is written.
  """
  _check_options(options)
  mode, num_outputs = options.mode, options.num_outputs
  renderer = audio_lib.Renderer(options.soundfont) if options.audio else None
  songs = note_sequence_io.read_songs(options.inputs) if options.inputs else []
  if mode == 'interpolate' and len(songs) != 2:
    raise UserError(
        '{mode}=interpolate takes two songs, got %d from {inputs}=%s' %
        (len(songs), options.inputs))
  if mode == 'traverse' and len(songs) > 1:
    raise UserError('{mode}=traverse walks around one song, got %d from '
                    '{inputs}=%s' % (len(songs), options.inputs))
  if mode == 'song':
    return _write_songs(options, renderer)
  # The most latents decoded at once that this run needs (traverse: per
  # dimension).
  batch_size = min(options.max_batch_size,
                   len(songs) if mode == 'reconstruct' else num_outputs)

  with trained_model.TrainedModel(
      options.checkpoint_file, options.vae_checkpoint_file,
      run_dir=options.run_dir, config=options.config,
      vae_config=options.vae_config, batch_size=batch_size,
      seed=options.seed, chords=options.chords) as model:
    center = (latents_lib.parse_latent(options.latent, model.latent_size)
              if options.latent else None)
    windows = model.windows(songs, options.input_window) if songs else None
    config_name = model.config_name
    temperature = (model.temperature
                   if options.temperature is None else options.temperature)
    sequences, picture_rows, columns, title = _run_mode(model, mode, windows,
                                                        center, num_outputs,
                                                        temperature,
                                                        options.interpolation)
  plot = options.plot or mode == 'traverse'
  output_dir = options.output_dir

  silent = sampling.silent_count(sequences)
  if silent:
    logging.warning(
        'warning: %d of the %d outputs are silent (no notes): the decoder '
        'wrote rests for their latents. An undertrained model, or a latent '
        'far from the songs, does this.', silent, len(sequences))
  prefix = output_files.timestamped_prefix(
      config_name if mode == 'sample' else '%s_%s' % (config_name, mode))
  paths = write_outputs(output_dir, prefix, sequences, renderer,
                        picture_rows if plot else None, columns, title)
  midi_paths = paths[:len(sequences)]
  logging.info('Wrote %d MIDI files%s to %s: %s.', len(midi_paths),
               ' and as many WAV files' if renderer else '', output_dir,
               sampling.describe(sequences))
  if plot:
    logging.info('Drew them as piano rolls in %s.', paths[-1])
  if mode == 'traverse':
    logging.info(
        'File i holds dimension i // %d at value -%g + (i %% %d) * %g.',
        num_outputs, TRAVERSE_EXTENT, num_outputs,
        2 * TRAVERSE_EXTENT / max(num_outputs - 1, 1))
  return midi_paths


def _write_songs(options, renderer):
  """Song mode: writes `num_outputs` songs, one MIDI file each (and WAVs, and
  with `plot` a picture of the songs with their sections); returns the MIDI
  files' paths."""
  with trained_model.TrainedModel(
      options.checkpoint_file, options.vae_checkpoint_file,
      run_dir=options.run_dir, config=options.config,
      vae_config=options.vae_config, batch_size=options.max_batch_size,
      seed=options.seed, chords=options.chords) as model:
    temperature = (model.temperature
                   if options.temperature is None else options.temperature)
    logging.info('Writing %d songs (temperature %g)...', options.num_outputs,
                 temperature)
    songs = model.songs_with_plans(options.num_outputs, options.num_bars,
                                   options.form, options.section_bars,
                                   options.variation, temperature)
    config_name = model.config_name
  for index, song in enumerate(songs):
    logging.info('song %d: %s', index + 1, song.describe())
  sequences = [song.sequence for song in songs]
  prefix = output_files.timestamped_prefix('%s_song' % config_name)

  def draw(path):
    return _draw_songs(songs, path, config_name)

  paths = write_outputs(options.output_dir, prefix, sequences, renderer,
                        None, None, draw=draw if options.plot else None)
  logging.info('Wrote %d songs as MIDI%s to %s: %s.', len(sequences),
               ' and WAV files' if renderer else '', options.output_dir,
               sampling.describe(sequences))
  if options.plot:
    logging.info('Drew them with their sections in %s.', paths[-1])
  return paths[:len(sequences)]


def _draw_songs(songs, path, config_name):
  # Only now: matplotlib takes a second to import.
  from midime import piano_roll  # pylint: disable=g-import-not-at-top
  rows = []
  for index, song in enumerate(songs):
    # compose marks each section's start in the song.
    sections = [(annotation.time, letter) for annotation, letter in zip(
        song.sequence.section_annotations, song.plan.section_letters())]
    rows.append(('song %d' % (index + 1), song.sequence, sections))
  return piano_roll.draw_songs(
      rows, path, title='%s: %s' % (config_name, songs[0].describe()))


def _check_options(options):
  """Raises UserError for options that cannot work, before anything is read."""
  if (options.run_dir is None) == (options.checkpoint_file is None):
    raise UserError('give exactly one of {run_dir} or {checkpoint_file}')
  checks.check_seed(options.seed)
  checks.check_num_outputs(options.num_outputs)
  checks.check_sampling_flags(options.max_batch_size, options.temperature,
                              options.output_dir)
  mode, inputs, latent = options.mode, options.inputs, options.latent
  if mode not in GENERATE_MODES:
    raise UserError('{mode} must be one of %s, got %r' %
                    (', '.join(GENERATE_MODES), mode))
  if mode in ('reconstruct', 'interpolate') and not inputs:
    raise UserError('{mode}=%s needs songs: pass {inputs}=PATH[,PATH...]' %
                    mode)
  if latent and mode in ('reconstruct', 'interpolate'):
    raise UserError('{latent} goes with {mode}=sample or traverse, not %s' %
                    mode)
  if latent and inputs:
    raise UserError('give {latent} or {inputs}, not both')
  if mode == 'sample' and inputs:
    raise UserError(
        '{mode}=sample draws from the model and reads no {inputs}; use '
        '{mode}=reconstruct, interpolate or traverse')
  song_options = [
      name for name in ('num_bars', 'form', 'section_bars')
      if getattr(options, name) is not None
  ] + (['variation'] if options.variation else [])
  if mode != 'song' and song_options:
    raise UserError('{%s} goes with {mode}=song, not %s' %
                    (song_options[0], mode))
  if mode == 'song':
    if inputs or latent:
      raise UserError('{mode}=song writes songs from the model and reads no '
                      '{%s}' % ('inputs' if inputs else 'latent'))
    for name in ('num_bars', 'section_bars'):
      value = getattr(options, name)
      if value is not None and value < 1:
        raise UserError('{%s} must be a positive number of bars, got %d' %
                        (name, value))
    if options.form is not None:
      song_form.check_form(options.form)
    if options.variation is None or options.variation < 0:
      raise UserError('{variation} must be 0 or more, got %s' %
                      options.variation)
  if mode == 'interpolate':
    latents_lib.check_interpolation(options.interpolation)
    if options.num_outputs < 2:
      raise UserError(
          '{mode}=interpolate needs {num_outputs} of 2 or more (the ends '
          'are included), got %d' % options.num_outputs)


def _write_bytes(path, data):
  # Closed here, not by the garbage collector, whose close would swallow the
  # error of a full disk.
  with open(path, 'wb') as output:
    output.write(data)


def write_outputs(output_dir, prefix, sequences, renderer, picture_rows,
                  columns, title=None, draw=None):
  """Writes the MIDI files, a WAV beside each when `renderer` is given, and the
  piano-roll picture of `picture_rows` when given (or the one `draw(path)`
  draws); all or none. Returns the paths."""
  # Audio is rendered before anything is written: it is the step that can fail.
  wavs = [renderer.render_wav_bytes(s) for s in sequences] if renderer else []
  writers = output_files.midi_file_writers(sequences, prefix)
  for (midi_name, _), wav in zip(list(writers), wavs):
    writers.append((midi_name[:-len('.mid')] + '.wav',
                    lambda path, wav=wav: _write_bytes(path, wav)))
  if picture_rows:
    # Only now: matplotlib takes a second to import.
    from midime import piano_roll  # pylint: disable=g-import-not-at-top
    writers.append((prefix + '.png', lambda path: piano_roll.draw_piano_rolls(
        picture_rows, path, title=title, columns=columns)))
  elif draw:
    writers.append((prefix + '.png', draw))
  return output_files.write_all_or_none(output_dir, writers)


def _run_mode(model, mode, windows, center, num_outputs, temperature,
              interpolation):
  """The outputs of one generate mode (see generate) from a
  trained_model.TrainedModel: (NoteSequences, the picture's rows, its columns,
  its title)."""
  picture_rows, columns, title = None, min(num_outputs, 8), None
  if mode == 'sample' and center is not None:
    logging.info('Decoding the latent %s %d times (temperature %g)...',
                 center.tolist(), num_outputs, temperature)
    sequences = model.decode(np.repeat(center[None], num_outputs, 0),
                             temperature)
    picture_rows = [('latent\n%s' % ','.join('%g' % v for v in center),
                     sequences)]
  elif mode == 'sample':
    logging.info('Sampling %d windows (temperature %g)...', num_outputs,
                 temperature)
    sequences, _, redrawn = model.sample_with_latents(num_outputs, temperature)
    if redrawn:
      logging.info(
          '%d silent draws (no notes) were redrawn from fresh latents.',
          redrawn)
    picture_rows = [(model.config_name, sequences)]
  elif mode == 'reconstruct':
    logging.info('Reconstructing %d songs through the %d-d latent...',
                 len(windows.names), model.latent_size)
    sequences = model.reconstruct_windows(windows, temperature)
    columns = min(len(sequences), 8)
    picture_rows = [('songs', windows.note_sequences(model.data_converter)),
                    ('reconstructed', sequences)]
  elif mode == 'interpolate':
    ends = model.encode_windows(windows)
    logging.info('Interpolating %s in %d steps from %s to %s...', interpolation,
                 num_outputs, windows.names[0], windows.names[1])
    sequences = model.decode(
        latents_lib.interpolate_latents(ends[0], ends[1], num_outputs,
                                        interpolation), temperature)
    columns = min(num_outputs, MAX_PICTURE_COLUMNS)
    picture_rows = [('%s\ninterpolation' % interpolation, sequences)]
    title = 'From %s to %s in %d steps, both ends included' % (
        windows.names[0], windows.names[1], num_outputs)
  else:
    around = ', the others at 0'
    if windows is not None:
      center = model.encode_windows(windows)[0]
      around = ', around %s' % windows.names[0]
      logging.info('Traversing around the latent of %s: %s', windows.names[0],
                   np.round(center, 2).tolist())
    elif center is not None:
      around = ', around --latent'
    _, sequences = model.traverse(center, num_outputs, TRAVERSE_EXTENT,
                                  temperature)
    columns = min(num_outputs, MAX_PICTURE_COLUMNS)
    picture_rows = [('dim %d' % dim,
                     sequences[dim * num_outputs:(dim + 1) * num_outputs])
                    for dim in range(min(model.latent_size, MAX_PICTURE_ROWS))]
    if (model.latent_size > MAX_PICTURE_ROWS or
        num_outputs > MAX_PICTURE_COLUMNS):
      logging.warning(
          'The latent has %d dimensions and %d values each: the picture draws '
          'dimensions 0..%d at the first %d values; the MIDI files hold them '
          'all.', model.latent_size, num_outputs,
          len(picture_rows) - 1, columns)
    title = ('Each row one dimension from -%g to +%g prior standard '
             'deviations%s' % (TRAVERSE_EXTENT, TRAVERSE_EXTENT, around))
  return sequences, picture_rows, columns, title

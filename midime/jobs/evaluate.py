"""`midime-evaluate`: samples of a trained SmallMusicVAE/LCMusicVAE and of the
plain MusicVAE prior, both at one temperature, compared with the user's songs as
given and as trained (midime.evaluation.measures), and written as a report
(midime.evaluation.report). With `songs`, also whole songs: song mode's, the
user's and a baseline of windows drawn one by one, laid end to end
(midime.evaluation.songs).
"""

import contextlib
import dataclasses
import os
from typing import Optional

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import checks
from midime import chords as chords_lib
from midime import latent_cache
from midime import music_metrics
from midime import note_sequence_io
from midime import sampling
from midime import tracks as tracks_lib
from midime import trained_model
from midime import windows as windows_lib
from midime.errors import UserError
from midime.evaluation import measures as measures_lib
from midime.evaluation import report as report_lib
from midime.evaluation import songs as songs_lib


@dataclasses.dataclass
class EvaluateOptions(trained_model.ModelOptions):
  """What an evaluation measures; each field is midime-evaluate's flag of the
  same name (the model's: trained_model.ModelOptions).

  Attributes:
    examples_path: the songs both models are compared with.
    output_dir: where the report is written (created).
    num_samples: windows drawn from each model, at least 2.
    max_batch_size: the most windows decoded at once.
    temperature: both models'; None: the model's own (sampling_temperature).
    seed: the same seed and model give the same report.
    songs: also measure whole songs (midime.evaluation.songs): song mode's,
      the songs', and windows drawn one by one laid end to end.
    num_songs: songs song mode writes, and baseline songs drawn, at least 1.
    num_bars: the generated songs' length; None: song mode's default.
    chords: a chord-conditioned config's progression the samples play over,
      'C G Am F' (one chord per bar, repeated); None: the training windows'
      own, each sample over the chords of the window its latent is drawn
      from.
  """
  examples_path: Optional[str] = None
  output_dir: str = 'tmp/evaluation'
  num_samples: int = 256
  max_batch_size: int = 32
  temperature: Optional[float] = None
  seed: Optional[int] = None
  songs: bool = False
  num_songs: int = 8
  num_bars: Optional[int] = None
  chords: Optional[str] = None


# How far the mismatched progression is moved: a tritone shares the fewest
# tones with the chords it moves (none of a major or minor triad's).
MISMATCH_SEMITONES = 6


def run(options):
  """Samples the personalized model and the MusicVAE prior (both at one
  temperature: `options.temperature`, or the model's own), compares both with
  the songs at `options.examples_path`, and writes the report into
  `options.output_dir`. Returns (the results, as in evaluation.json; the paths
  written).

  Raises:
    UserError: for options that cannot work, checked before anything is written.
  """
  check_options(options)
  drawn = draw_samples(options)
  song_sets = draw_songs(options, drawn) if options.songs else None
  logging.info('Computing the measures...')
  sets = drawn['sets']
  measures, copying, details = measures_lib.compute_metrics(
      {
          name: window_set.notes for name, window_set in sets.items()
      }, drawn['latents'], sets['examples'].steps,
      sets['examples'].steps_per_bar, options.seed)
  results = measures_lib.plain({
      'config': drawn['config_name'],
      'vae_config': drawn['vae_config_name'],
      'checkpoint': drawn['sources']['checkpoint'],
      'music_vae': drawn['sources']['music_vae'],
      'examples_path': options.examples_path,
      'num_samples': options.num_samples,
      'temperature': drawn['temperature'],
      'seed': options.seed,
      'num_example_windows': len(sets['examples']),
      'num_training_windows': len(sets['training']),
      'transpositions': list(drawn['transpositions']),
      **measures_lib.measured(measures, copying, details),
  })
  if song_sets is not None:
    results['songs'] = measures_lib.plain(
        measure_songs(song_sets, sets['training']))
  if 'mismatched' in drawn:
    results['chord_tones'] = measures_lib.plain(
        chord_tone_shares(drawn, options.chords))
  paths = report_lib.write_outputs(options.output_dir, results, details,
                                   drawn['latents'])
  logging.info('%s', report_lib.summary(results))
  if song_sets is not None:
    logging.info('%s', songs_lib.summary(results['songs']))
  if 'chord_tones' in results:
    logging.info('%s', report_lib.chord_tones_summary(results['chord_tones']))
  logging.info('Wrote %s.', ', '.join(paths))
  return results, paths


def check_options(options):
  """Raises UserError for options evaluation cannot run with, before anything is
  read."""
  checks.check_seed(options.seed)
  if (options.run_dir is None) == (options.checkpoint_file is None):
    raise UserError('give exactly one of {run_dir} or {checkpoint_file}')
  num_samples, output_dir = options.num_samples, options.output_dir
  if num_samples is None or num_samples < 2:
    raise UserError('{num_samples} must be at least 2, got %s' % num_samples)
  checks.check_sampling_flags(options.max_batch_size, options.temperature,
                              output_dir)
  if not options.examples_path:
    raise UserError('{examples_path} (your songs) is required')
  if options.num_songs is None or options.num_songs < 1:
    raise UserError('{num_songs} must be at least 1, got %s' %
                    options.num_songs)
  if options.num_bars is not None and options.num_bars < 1:
    raise UserError('{num_bars} must be at least 1, got %s' % options.num_bars)
  ancestor = os.path.dirname(os.path.abspath(output_dir))
  while not os.path.exists(ancestor):
    ancestor = os.path.dirname(ancestor)
  if not os.path.isdir(ancestor):
    raise UserError('{output_dir} %s cannot be created: %s is a file' %
                    (output_dir, ancestor))


def read_examples(examples_path, config, meter=windows_lib.METER_REBAR,
                  tracks=tracks_lib.TUNE):
  """The songs' windows, read as training read them (windows.training_windows):
  (untransposed WindowSet, WindowSet of every training window at every
  transposition, the transpositions)."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  windows, report = windows_lib.training_windows(named_sequences, config, meter,
                                                 tracks)
  untransposed = windows.transpose == 0
  if np.sum(untransposed) < 2:
    raise UserError(
        '%s gave %d window(s) without transposition; the comparison needs at '
        'least 2 (%s)' %
        (examples_path, np.sum(untransposed), report.dropped_summary() or
         'add songs or longer songs'))
  controls = windows.controls
  examples = measures_lib.WindowSet(
      windows.outputs[untransposed], config.data_converter,
      None if controls is None else controls[untransposed])
  training = measures_lib.WindowSet(windows.outputs, config.data_converter,
                                    controls)
  logging.info(
      'Your songs: %d windows (%d with the %d transpositions the model '
      'trained on).', len(examples), len(training), len(report.transpositions))
  return examples, training, report.transpositions


def _progress(what):

  def log_progress(done, total):
    logging.info('  %s: %d/%d', what, done, total)

  return log_progress


def draw_samples(options):
  """Samples both models and encodes everything. Returns a dict with the config,
  the WindowSets ('examples', 'training', 'personalized', 'prior'), their
  latents, what was read and the temperature both were sampled at
  (`options.temperature`, or the model's)."""
  num_samples, seed = options.num_samples, options.seed
  batch_size = min(options.max_batch_size, num_samples)
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, options.run_dir,
                                              options.checkpoint_file,
                                              options.vae_checkpoint_file,
                                              options.config,
                                              options.vae_config, batch_size,
                                              seed, require_music_vae=True)
    model = stack.enter_context(contextlib.closing(loaded.model))
    if options.songs:
      # Said now, not after every window is sampled and encoded.
      if loaded.song_form is None:
        raise UserError(
            '{songs} needs a learned song form, and %s has none (it was '
            'trained before song mode): run its midime-train command again to '
            'learn it; it trains no further' % loaded.source)
      loaded.song_form.plan(options.num_bars)  # raises for a bad num_bars
    config, converter = loaded.config, loaded.config.data_converter
    # The songs as the model was trained on them: the meter and tracks its run
    # recorded (the defaults for runs recorded before they were).
    meter = loaded.record.get('meter', windows_lib.METER_REBAR)
    tracks = loaded.record.get('tracks', tracks_lib.TUNE)
    examples, training, transpositions = read_examples(
        options.examples_path, config, meter=meter, tracks=tracks)

    temperature = options.temperature
    if temperature is None:
      temperature = config.hparams.sampling_temperature
    logging.info('Sampling %d windows from %s (temperature %g)...', num_samples,
                 loaded.config_name, temperature)
    # A model with controls plays over those of the windows its latents are
    # drawn from (chords, or a groove's hits), or a progression given.
    latents, controls = model.draw_latents_with_controls(num_samples)
    if model.chord_conditioned:
      controls = _progression(options.chords, loaded, num_samples, controls)
    elif options.chords:
      chords_lib.progression_for(options.chords, converter, loaded.config_name)
    elif model.control_kind and controls is None:
      raise UserError('%s keeps no training %s to play over: train it again' %
                      (loaded.source, model.control_kind))
    personalized = measures_lib.WindowSet(
        model.decode_tensors(latents, temperature=temperature,
                             progress=_progress(loaded.config_name),
                             controls=controls), converter, controls)
    mismatched = None
    if model.chord_conditioned:
      logging.info(
          'Sampling the same latents over the progression moved by %d '
          'semitones...', MISMATCH_SEMITONES)
      mismatched = measures_lib.WindowSet(
          model.decode_tensors(
              latents, temperature=temperature,
              controls=chords_lib.transposed_controls(controls,
                                                      MISMATCH_SEMITONES,
                                                      converter)), converter)
    model.close()

    logging.info('Sampling %d windows from the plain MusicVAE prior...',
                 num_samples)
    prior_model = sampling.MusicVAEPrior(loaded.vae_config,
                                         loaded.vae_checkpoint, batch_size,
                                         loaded.vae_config_name, seed)
    with contextlib.closing(prior_model):
      prior = measures_lib.WindowSet(
          prior_model.sample_tensors(num_samples, temperature=temperature,
                                     progress=_progress('MusicVAE'),
                                     controls=controls),
          loaded.vae_config.data_converter, controls)

    logging.info('Encoding songs and samples with the MusicVAE encoder...')
    depth = examples.one_hot.shape[-1]
    for name, melodies in (('personalized', personalized), ('prior', prior)):
      if melodies.one_hot.shape[-1] != depth:
        raise UserError(
            '%s samples have %d classes per step, the songs %d: the '
            'model and the MusicVAE do not share a melody encoding' %
            (name, melodies.one_hot.shape[-1], depth))
    encoder = latent_cache.MusicVAEEncoder(
        loaded.vae_config, loaded.vae_checkpoint, loaded.vae_config_name,
        input_depth=converter.input_depth + converter.control_depth)
    with contextlib.closing(encoder):
      latents = {
          name:
              encoder.encode(*measures_lib.encoder_inputs(melodies, converter),
                             report_progress=False)[0]
          for name, melodies in (('examples', examples), ('training', training),
                                 ('personalized', personalized), ('prior',
                                                                  prior))
      }
    sources = {
        'checkpoint': loaded.source,
        'music_vae': loaded.vae_checkpoint.source
    }
  drawn = {
      'config': config,
      'meter': meter,
      'tracks': tracks,
      'config_name': loaded.config_name,
      'vae_config_name': loaded.vae_config_name,
      'sets': {
          'examples': examples,
          'training': training,
          'personalized': personalized,
          'prior': prior
      },
      'latents': latents,
      'transpositions': transpositions,
      'sources': sources,
      'temperature': temperature,
  }
  if mismatched is not None:
    drawn['mismatched'] = mismatched
  return drawn


def _progression(chords, loaded, num_samples, own):
  """The chords the samples of a chord-conditioned model play over `[n,
  steps, control_depth]`: progression `chords` laid out across them (sample
  i from window i on), else `own`, the chords of the windows their latents
  were drawn from."""
  converter = loaded.config.data_converter
  if chords:
    figures = chords_lib.progression_for(chords, converter, loaded.config_name)
    window_steps, steps_per_bar, _ = windows_lib.window_grid(converter)
    return np.stack([
        chords_lib.progression_controls(figures, converter, window_steps,
                                        steps_per_bar,
                                        i * window_steps // steps_per_bar)
        for i in range(num_samples)
    ])
  if own is None:
    raise UserError('{chords} are needed: %s has no training progressions to '
                    'play over' % loaded.source)
  return own


def chord_tone_shares(drawn, chords):
  """evaluation.json's `chord_tones`: the share of notes on the beats that
  are tones of the chord sounding then (chords.chord_tone_share), for the
  samples over their progression, the same latents decoded over the
  progression moved by a tritone (measured against the progression: what a
  melody that ignored its chords would score), and the songs' windows over
  their own chords."""
  sets, converter = drawn['sets'], drawn['config'].data_converter
  _, steps_per_bar, steps_per_quarter = windows_lib.window_grid(converter)
  # magenta's converters write their windows at its default tempo.
  seconds_per_step = 60.0 / (120.0 * steps_per_quarter)
  beat = steps_per_quarter * seconds_per_step

  def share(window_set, controls):
    return chords_lib.chord_tone_share(
        window_set.sequences, beat, lambda i: chords_lib.chords_of_controls(
            controls[i], converter, seconds_per_step))

  progression = sets['personalized'].controls
  return {
      'progression': chords or 'the training windows\' own',
      'mismatch_semitones': MISMATCH_SEMITONES,
      'over_progression': share(sets['personalized'], progression),
      'over_mismatched': share(drawn['mismatched'], progression),
      'songs': share(sets['examples'], sets['examples'].controls),
  }


def draw_songs(options, drawn):
  """The three sets of songs evaluation.songs measures (name -> SongSet): the
  songs song mode writes, the songs at `options.examples_path` cut as song
  form reads them, and baseline songs of windows sampled one by one, each as
  long as a generated song; all at `drawn`'s temperature (draw_samples)."""
  temperature = drawn['temperature']
  with trained_model.TrainedModel(
      options.checkpoint_file, options.vae_checkpoint_file,
      run_dir=options.run_dir, config=options.config,
      vae_config=options.vae_config, batch_size=options.max_batch_size,
      seed=options.seed) as model:
    _, _, steps_per_quarter = windows_lib.window_grid(model.data_converter)

    def notes_of(sequences):
      return [
          music_metrics.window_notes(sequence, steps_per_quarter)
          for sequence in sequences
      ]

    logging.info('Writing %d songs in song mode (temperature %g)...',
                 options.num_songs, temperature)
    songs = model.songs_with_plans(options.num_songs, options.num_bars,
                                   temperature=temperature)
    generated = songs_lib.SongSet(
        notes=[notes_of(song.windows) for song in songs],
        latents=[list(song.latents) for song in songs],
        labels=[list(zip(song.plan.letters, song.plan.within))
                for song in songs])

    lengths = [len(song.windows) for song in songs]
    logging.info('Sampling %d windows one by one for %d baseline songs...',
                 sum(lengths), len(lengths))
    sequences, latents, _ = model.sample_with_latents(sum(lengths),
                                                      temperature)
    notes, ends = notes_of(sequences), np.cumsum(lengths)
    baseline = songs_lib.SongSet(
        notes=[notes[end - length:end] for end, length in zip(ends, lengths)],
        latents=[
            list(latents[end - length:end])
            for end, length in zip(ends, lengths)
        ], labels=None)

    logging.info('Encoding your songs\' windows in song order...')
    training = _songs_in_order(model, options.examples_path, drawn, notes_of)
    song_form = model.song_form
  return {
      'generated': generated,
      'training': training,
      'baseline': baseline,
      'plan': songs[0].describe(),
      'temperature': temperature,
      'window_bars': song_form.window_bars,
      'window_steps': song_form.window_steps,
  }


def _songs_in_order(model, examples_path, drawn, notes_of):
  """The songs at `examples_path` cut into windows one window length apart, as
  training read them for song form: a SongSet whose holes are None."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  windows, places = windows_lib.windows_in_song_order(
      named_sequences, drawn['config'], drawn['meter'], drawn['tracks'])
  songs_notes = [[None] * count for count in places]
  songs_latents = [[None] * count for count in places]
  if windows is not None:
    songs_latents = windows.by_song_place(model.encode_windows(windows), places)
    songs_notes = windows.by_song_place(
        notes_of(windows.note_sequences(model.data_converter)), places)
  return songs_lib.SongSet(notes=songs_notes, latents=songs_latents,
                           labels=None)


def measure_songs(song_sets, training):
  """evaluation.json's `songs`: evaluation.songs' measures of `song_sets`
  (draw_songs), copies counted against `training` (the WindowSet of every
  window the model trained on)."""
  return {
      'window_bars': song_sets['window_bars'],
      'plan': song_sets['plan'],
      'temperature': song_sets['temperature'],
      'copy_reference': 'the %d windows the model trained on' % len(training),
      'sets': songs_lib.measure_sets(song_sets, song_sets['window_bars'],
                                     song_sets['window_steps'],
                                     training.notes),
  }

"""Did personalization work? The measures that compare samples of a trained
SmallMusicVAE/LCMusicVAE and of the plain MusicVAE prior with the user's songs.

Both models draw `num_samples` windows at the same temperature. Each set is
compared with two references: the songs' windows *as given* (untransposed) and
*as trained* (every transposition of the config's augmenter that the model
learned from, -5..+5 semitones for the MusicVAE's 2-bar melodies, so this one
measures style apart from key; the same windows for a model trained on the
songs' own keys, SmallMusicVAE's default). Distribution measures, each counted
once:

  * latent space: the MusicVAE encoder's mu of every window; the unbiased
    squared MMD (RBF kernel, one median-heuristic bandwidth for every
    comparison) and the Fréchet distance in the reference's top 8 principal axes
    (a covariance of 512 dimensions from a hundred windows is singular; one of 8
    is not). Lower is closer.
  * music features, per track (music_metrics): for pitched tracks (melody;
    melody and bass of a trio) Yang & Lerch's pitch-class histogram, pitch
    range, number of notes, mean absolute interval, mean inter-onset interval
    and rest ratio; for drums which drums are used, hits per bar and
    syncopation. Per feature the overlapping area (OA) of the samples' and the
    reference's distributions. Higher is closer.

Copying is not a distribution measure and never counts as closeness: the copy
rate, the share of samples whose notes equal a training window's (any
transposition), is a pass/fail line (at most music_metrics.COPY_RATE_LIMIT),
reported with the mean distance from each sample to its nearest training window.

midime.evaluation.report writes them out; midime.jobs.evaluate draws the
samples.
"""

import copy

import numpy as np

from midime import chords as chords_lib
from midime import music_metrics
from midime.errors import UserError

SETS = ('personalized', 'prior')
# The two references: the songs' windows as given, and as trained (at the
# transpositions the model learned, if any).
REFERENCES = ('given', 'trained')
REFERENCE_SETS = {'given': 'examples', 'trained': 'training'}
PCA_DIMS = 8
LATENT_METRICS = [
    ('latent_mmd',
     'MMD² of MusicVAE latents (unbiased; RBF, median heuristic)'),
    ('latent_frechet_pca',
     'Fréchet distance of MusicVAE latents in the songs\' '
     'top %d principal axes' % PCA_DIMS),
]
RELATIVE_TIE_TOLERANCE = 1e-3
ABSOLUTE_TIE_TOLERANCE = 5e-4


def feature_metrics(tracks):
  """(key, description, feature track, feature name) of the feature measures for
  windows with these tracks."""
  measures = []
  for track in tracks:
    names = (music_metrics.DRUM_FEATURE_DESCRIPTIONS
             if track == music_metrics.DRUM_TRACK else
             music_metrics.FEATURE_DESCRIPTIONS)
    for name, description in names.items():
      measures.append(('oa_%s_%s' % (track, name),
                       'OA, %s: %s' % (track, description), track, name))
  return measures


class WindowSet(object):
  """Windows as the converter's one-hot tensors `[n, steps, depth]`, as
  NoteSequences and as sets of notes (music_metrics.window_notes)."""

  def __init__(self, one_hot, data_converter, controls=None):
    self.one_hot = np.asarray(one_hot)
    # A chord-conditioned config's windows: each window's chords `[n, steps,
    # control_depth]`, which the encoder reads beside the notes.
    self.controls = controls
    self.lengths = np.full([len(self.one_hot)], self.one_hot.shape[1], np.int32)
    self.sequences = chords_lib.from_tensors(data_converter, self.one_hot)
    steps_per_quarter = getattr(data_converter, '_steps_per_quarter', 4)
    # A multitrack window's instruments are measured by group (drums, the
    # programs' families), a trio's by its three tracks.
    by_family = hasattr(data_converter, '_max_num_instruments')
    self.notes = [
        music_metrics.window_notes(sequence, steps_per_quarter, by_family)
        for sequence in self.sequences
    ]
    self.steps = self.one_hot.shape[1]
    self.steps_per_bar = steps_per_quarter * 4

  def __len__(self):
    return len(self.one_hot)


# The GrooveConverter settings that hide part of the groove from the encoder:
# velocities and timing (humanize), all but one tapped drum, the velocities, the
# drums to add.
_GROOVE_INPUT_CHANGES = ('_humanize', '_tapify', '_fixed_velocities',
                         '_add_instruments')


def encoder_inputs(windows, data_converter):
  """What the MusicVAE encoder reads for `windows` (a WindowSet of the
  converter's outputs): (inputs `[n, steps, depth]` float32, lengths). The same
  tensors where the converter's inputs and outputs are one encoding (melodies,
  trios, whole grooves); otherwise each window goes back through the converter
  as a NoteSequence (a drum converter reads binary drum classes but writes one
  of 512 combinations; a tap GrooVAE reads the groove tapped on one drum). A
  window that gives no input (a silent drum sample) is left out of the latent
  measures."""
  one_hot = windows.one_hot.astype(np.float32)
  if windows.controls is not None:
    return np.concatenate(
        [one_hot, np.asarray(windows.controls, np.float32)[:, :windows.steps]],
        axis=-1), windows.lengths
  if (data_converter.input_depth == data_converter.output_depth and
      not any(getattr(data_converter, name, None)
              for name in _GROOVE_INPUT_CHANGES)):
    return one_hot, windows.lengths
  converter = copy.deepcopy(data_converter)
  converter.max_tensors_per_notesequence = None
  inputs = []
  for sequence in windows.sequences:
    tensors = converter.to_tensors(sequence)
    if tensors.inputs:
      inputs.append(np.asarray(tensors.inputs[0], np.float32)[:windows.steps])
  if not inputs:
    raise UserError(
        'none of the windows could be read back by the %s converter to '
        'encode it' % type(converter).__name__)
  steps = max(len(window) for window in inputs)
  stacked = np.zeros([len(inputs), steps, converter.input_depth], np.float32)
  for index, window in enumerate(inputs):
    stacked[index, :len(window)] = window
  return stacked, np.asarray([len(window) for window in inputs], np.int32)


def closer(key, values):
  """Which of `values` ({'personalized', 'prior'}: measure `key`'s values) is
  closer to the songs: 'personalized', 'prior', or 'tie' when the two differ by
  less than the report
  shows: 0.1% for the latent distances, 0.0005 for the OAs (all in 0..1). Lower
  is closer for latent distances, higher for OAs."""
  personalized, prior = values['personalized'], values['prior']
  if key.startswith('latent_'):
    tolerance = RELATIVE_TIE_TOLERANCE * max(abs(personalized), abs(prior))
  else:
    tolerance = ABSOLUTE_TIE_TOLERANCE
  if abs(personalized - prior) <= tolerance:
    return 'tie'
  if (personalized < prior) == key.startswith('latent_'):
    return 'personalized'
  return 'prior'


def feature_overlap(samples, reference, name, seed):
  """The overlapping area of one feature's values in `samples` and `reference`
  (music_metrics.window_set_features' values for feature `name`)."""
  if name.endswith('_histogram'):
    return music_metrics.distance_overlapping_area(samples, reference,
                                                   seed=seed)
  return music_metrics.overlapping_area(samples, reference)


def compute_metrics(windows, latents, steps, steps_per_bar=16, seed=None):
  """Every distribution measure for the 'personalized' and 'prior' windows
  against the 'examples' (as given) and 'training' (as trained) windows, and
  copying.

  Args:
    windows: set name -> list of sets of notes (music_metrics.window_notes).
    latents: set name -> MusicVAE latents (mu) `[n, z_size]`, the same set
      names.
    steps: the windows' length in steps.
  Returns:
    (measures: key -> {'description', 'closer_is', and per reference ('given',
      'trained') {'personalized', 'prior', 'closer'}}; copying: {'copy_rate',
      'nearest_neighbour_distance': {'personalized', 'prior'}, 'limit',
      'passed'};
      details: the features and what the plots need).
  """
  seed = 0 if seed is None else seed
  bandwidth = music_metrics.median_heuristic(latents['examples'],
                                             latents['training'],
                                             latents['personalized'],
                                             latents['prior'], seed=seed)
  tracks = music_metrics.tracks_of(windows['examples'])
  features = {
      name:
          music_metrics.window_set_features(notes, steps, tracks, steps_per_bar)
      for name, notes in windows.items()
  }
  measures = {}
  for key, description in LATENT_METRICS:
    measures[key] = {'description': description, 'closer_is': 'lower'}
  for key, description, _, _ in feature_metrics(tracks):
    measures[key] = {'description': description, 'closer_is': 'higher'}
  for reference in REFERENCES:
    reference_set = REFERENCE_SETS[reference]
    for key in measures:
      measures[key][reference] = {}
    for name in SETS:
      measures['latent_mmd'][reference][name] = music_metrics.mmd_unbiased(
          latents[name], latents[reference_set], bandwidth)
      measures['latent_frechet_pca'][reference][name] = (
          music_metrics.projected_frechet_distance(latents[name],
                                                   latents[reference_set],
                                                   PCA_DIMS))
      for key, _, track, feature in feature_metrics(tracks):
        measures[key][reference][name] = feature_overlap(
            features[name][track][feature],
            features[reference_set][track][feature], feature, seed)
    for key in measures:
      measures[key][reference]['closer'] = closer(key, measures[key][reference])
  nearest = {
      name:
          music_metrics.window_nearest_distances(windows[name],
                                                 windows['training'])
      for name in SETS
  }
  copy_rates = {
      name: music_metrics.window_copy_rate(windows[name], windows['training'])
      for name in SETS
  }
  copying = {
      'copy_rate': copy_rates,
      'nearest_neighbour_distance': {
          name: float(np.mean(nearest[name])) for name in SETS
      },
      'limit': music_metrics.COPY_RATE_LIMIT,
      'passed': copy_rates['personalized'] <= music_metrics.COPY_RATE_LIMIT,
  }
  details = {
      'features': features,
      'tracks': tracks,
      'nearest': nearest,
      'mmd_bandwidth': bandwidth,
      'seed': seed
  }
  return measures, copying, details


def closer_counts(measures, reference):
  """(measures on which the personalized samples are closer, measures) against
  `reference` ('given' or 'trained')."""
  wins = sum(entry[reference]['closer'] == 'personalized'
             for entry in measures.values())
  return wins, len(measures)


def feature_means(features):
  means = {}
  for name, per_track in features.items():
    means[name] = {
        track: {
            feature: (float(np.mean(values)) if values.ndim == 1 else
                      [round(float(v), 4)
                       for v in values.mean(0)])
            for feature, values in per_feature.items()
        } for track, per_feature in per_track.items()
    }
  return means


def measured(measures, copying, details):
  """The part of evaluation.json that compute_metrics' answer fills: the tracks,
  the MMD bandwidth, every measure, the closer counts per reference, copying and
  the features' means."""
  return {
      'tracks': details['tracks'],
      'mmd_bandwidth': details['mmd_bandwidth'],
      'metrics': measures,
      'closer_counts': {
          reference: list(closer_counts(measures, reference))
          for reference in REFERENCES
      },
      'copying': copying,
      'feature_means': feature_means(details['features']),
  }


def plain(value):
  if isinstance(value, dict):
    return {key: plain(v) for key, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [plain(v) for v in value]
  if isinstance(value, np.generic):
    return value.item()
  return value

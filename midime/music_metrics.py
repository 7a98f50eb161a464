"""How close two sets of windows of music are: latent-space distances, music
features and their overlapping areas, and copying. Pure numpy, no TensorFlow.

Windows of any MusicVAE family are read as notes `(track, pitch, start step, end
step)` from NoteSequences (`window_notes`; any object with note_seq's fields
will do): a note's track is 'drums' when it is a drum, 'bass' for General MIDI's
basses (programs 32-39, as magenta's trio converter picks and writes them), else
'melody'. Pitched tracks get Yang & Lerch's features, the drum track drum
features (`drum_features`).

Pitched features follow Yang & Lerch 2018, "On the evaluation of generative
models in music" (Neural Computing and Applications), per window and track:
pitch-class histogram, pitch range, number of notes, mean absolute interval,
mean inter-onset interval, rest ratio. Drum features: which drums (a histogram
over magenta's 9 drum classes), hits per bar, syncopation. How a set's features
are compared with another's:
  * a scalar feature: the overlapping area (OA) of the two sets' distributions
    of its values, each a Gaussian kernel density estimate (`overlapping_area`);
    1 when the distributions coincide, 0 when they do not overlap;
  * a histogram (pitch classes, drum classes): Yang & Lerch's formulation, the
    OA of the distribution of Euclidean distances within the reference set
    (intra-set, pairs of different melodies) and of distances between the two
    sets (inter-set) (`distance_overlapping_area`): near 1 when a sample is as
    far from the reference melodies as they are from each other.
"""

import numpy as np

SCALAR_FEATURES = ('pitch_range', 'num_notes', 'mean_abs_interval', 'mean_ioi',
                   'rest_ratio')
FEATURE_DESCRIPTIONS = {
    'pitch_class_histogram':
        'pitch-class histogram (12 bins, per note)',
    'pitch_range':
        'pitch range (semitones, highest - lowest note)',
    'num_notes':
        'number of notes',
    'mean_abs_interval':
        'mean absolute interval (semitones between consecutive notes)',
    'mean_ioi':
        'mean inter-onset interval (16th-note steps)',
    'rest_ratio':
        'rest ratio (share of steps with no note sounding)',
}

KDE_GRID_POINTS_MAX = 20000
MAX_DISTANCES = 4000  # distances sampled for a KDE of pairwise distances

# ---------------------------------------------------------------- features


def pitched_features(notes, steps):
  """Yang & Lerch's features of one pitched track's (pitch, start, end) notes in
  a window of `steps` steps, as a dict. Notes are taken in order of onset (then
  pitch) for intervals and inter-onset intervals; the rest ratio is the share of
  steps no note sounds in.

  A track without notes has an all-zero histogram, range, count, interval and
  inter-onset interval, and a rest ratio of 1; a track of one note has mean
  interval and mean inter-onset interval 0.
  """
  notes = sorted(notes, key=lambda note: (note[1], note[0]))
  histogram = np.zeros(12)
  for pitch, _, _ in notes:
    histogram[pitch % 12] += 1
  if notes:
    histogram /= len(notes)
  pitches = np.array([pitch for pitch, _, _ in notes])
  onsets = np.array([start for _, start, _ in notes])
  covered = np.zeros(max(steps, 1), bool)
  for _, start, end in notes:
    covered[start:end] = True
  sounding = int(covered[:steps].sum())
  return {
      'pitch_class_histogram': histogram,
      'pitch_range': float(pitches.max() - pitches.min()) if notes else 0.0,
      'num_notes': float(len(notes)),
      'mean_abs_interval':
          (float(np.mean(np.abs(np.diff(pitches)))) if len(notes) > 1 else 0.0),
      'mean_ioi': float(np.mean(np.diff(onsets))) if len(notes) > 1 else 0.0,
      'rest_ratio': 1.0 - sounding / steps if steps else 1.0,
  }


# ---------------------------------------------------------------- windows as
# notes

MELODY_TRACK, BASS_TRACK, DRUM_TRACK = 'melody', 'bass', 'drums'
# General MIDI's basses, as magenta's trio converter.
BASS_PROGRAMS = range(32, 40)
DRUM_FEATURE_DESCRIPTIONS = {
    'drum_class_histogram':
        'drums used (share of hits per drum class, 9 classes)',
    'hits_per_bar':
        'drum hits per bar',
    'syncopation':
        'syncopation (share of hits off the eighth-note grid)',
}
SCALAR_DRUM_FEATURES = ('hits_per_bar', 'syncopation')
# note_seq.drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES, magenta's 9 drum
# classes (kick, snare, closed hi-hat, open hi-hat, low, mid, high tom, crash,
# ride), copied so this module needs no note_seq.
DRUM_CLASS_PITCHES = ((36, 35), (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65,
                                 66, 75, 85), (42, 44, 54, 68, 69, 70, 71, 73,
                                               78, 80, 22), (46, 67, 72, 74, 79,
                                                             81, 26),
                      (45, 29, 41, 43, 61, 64, 84), (48, 47, 60, 63, 77, 86,
                                                     87), (50, 30, 62, 76, 83),
                      (49, 52, 55, 57, 58), (51, 53, 59, 82))
DRUM_CLASS_OF_PITCH = {
    pitch: index for index, pitches in enumerate(DRUM_CLASS_PITCHES)
    for pitch in pitches
}


# General MIDI's sixteen instrument families, eight programs each: the
# multitrack family's instruments are measured by family, as the trio's by
# track, since a band's programs vary from song to song.
PROGRAM_FAMILIES = ('piano', 'chromatic_percussion', 'organ', 'guitar',
                    BASS_TRACK, 'strings', 'ensemble', 'brass', 'reed', 'pipe',
                    'synth_lead', 'synth_pad', 'synth_effects', 'ethnic',
                    'percussive', 'sound_effects')
# The order tracks and instrument groups are listed and measured in.
TRACK_ORDER = (MELODY_TRACK,) + PROGRAM_FAMILIES + (DRUM_TRACK,)


def instrument_group(note):
  """The instrument group of a note_seq note: 'drums', or the General MIDI
  family of its program ('piano', 'bass', 'strings', ...)."""
  if note.is_drum:
    return DRUM_TRACK
  return PROGRAM_FAMILIES[min(max(int(note.program), 0), 127) // 8]


def track_of(note, by_family=False):
  """The track a note_seq note belongs to: 'drums', 'bass' or 'melody'; with
  `by_family`, its instrument_group."""
  if by_family:
    return instrument_group(note)
  if note.is_drum:
    return DRUM_TRACK
  return BASS_TRACK if note.program in BASS_PROGRAMS else MELODY_TRACK


def window_notes(sequence, steps_per_quarter=4, by_family=False):
  """The notes of a NoteSequence window as a set of (track, pitch, start step,
  end step), steps at `steps_per_quarter` and the sequence's first tempo (120
  qpm when it has none), as magenta's converters write windows; the track is
  the note's instrument group with `by_family` (track_of)."""
  qpm = sequence.tempos[0].qpm if len(sequence.tempos) else 120.0
  steps_per_second = qpm / 60.0 * steps_per_quarter
  return frozenset((track_of(note, by_family), note.pitch,
                    int(round(note.start_time * steps_per_second)),
                    int(round(note.end_time * steps_per_second)))
                   for note in sequence.notes)


# ---------------------------------------------------------------- keys

# Krumhansl & Kessler's (1982) probe-tone ratings of the 12 pitch classes
# above the tonic of a major and of a minor key.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66,
                 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69,
                 3.34, 3.17)
# The 24 keys: row `tonic` is the major key, row 12 + `tonic` the minor.
KEY_PROFILES = np.array([
    np.roll(profile, tonic)
    for profile in (MAJOR_PROFILE, MINOR_PROFILE)
    for tonic in range(12)
])


def pitch_class_histogram(notes):
  """The pitch classes of a window's pitched notes (drums left out), each
  weighted by its length in steps: `[12]`."""
  histogram = np.zeros([12])
  for track, pitch, start, end in notes or ():
    if track != DRUM_TRACK:
      histogram[pitch % 12] += max(end - start, 1)
  return histogram


def best_key(histogram):
  """The key (0-11 major on that tonic, 12-23 minor) whose Krumhansl-Kessler
  profile correlates best with a pitch-class `histogram`; None for a histogram
  without pitches or with every pitch class alike."""
  histogram = np.asarray(histogram, np.float64)
  if histogram.sum() <= 0 or np.ptp(histogram) == 0:
    return None
  centered = histogram - histogram.mean()
  profiles = KEY_PROFILES - KEY_PROFILES.mean(axis=1, keepdims=True)
  correlations = profiles @ centered / (
      np.linalg.norm(profiles, axis=1) * np.linalg.norm(centered))
  return int(np.argmax(correlations))


def drum_features(hits, steps, steps_per_bar=16):
  """Drum features of one window's drum hits, (pitch, start, end) notes in a
  window of `steps` steps, as a dict: the share of hits per drum class
  (DRUM_CLASS_PITCHES; all zero without hits), hits per bar, and syncopation,
  the share of hits on a sixteenth between eighth notes (odd steps; 0 without
  hits)."""
  histogram = np.zeros(len(DRUM_CLASS_PITCHES))
  for pitch, _, _ in hits:
    if pitch in DRUM_CLASS_OF_PITCH:
      histogram[DRUM_CLASS_OF_PITCH[pitch]] += 1
  if histogram.sum():
    histogram /= histogram.sum()
  offbeat = sum(start % 2 == 1 for _, start, _ in hits)
  return {
      'drum_class_histogram': histogram,
      'hits_per_bar': len(hits) * steps_per_bar / float(steps),
      'syncopation': offbeat / float(len(hits)) if hits else 0.0,
  }


def tracks_of(windows):
  """The tracks (or instrument groups) that notes of `windows` (sets of
  window_notes) are on, in the order melody, the General MIDI families (bass
  among them), drums."""
  present = {note[0] for notes in windows for note in notes}
  return [track for track in TRACK_ORDER if track in present]


def window_set_features(windows, steps, tracks, steps_per_bar=16):
  """Features of each window of `windows` (sets of window_notes) on each of
  `tracks`: {track: {feature: array with one row per window}}; pitched tracks
  have FEATURE_DESCRIPTIONS' features, the drum track
  DRUM_FEATURE_DESCRIPTIONS'."""
  features = {}
  for track in tracks:
    per_window = []
    for notes in windows:
      track_notes = [(pitch, start, end)
                     for name, pitch, start, end in notes
                     if name == track]
      if track == DRUM_TRACK:
        per_window.append(drum_features(track_notes, steps, steps_per_bar))
      else:
        per_window.append(pitched_features(track_notes, steps))
    names = (DRUM_FEATURE_DESCRIPTIONS
             if track == DRUM_TRACK else FEATURE_DESCRIPTIONS)
    features[track] = {
        name: np.array([f[name] for f in per_window], np.float64)
        for name in names
    }
  return features


# ---------------------------------------------------------------- distributions


def frechet_distance_from_moments(mu1, cov1, mu2, cov2):
  """The Fréchet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2):
  |mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2)), as in FID."""
  mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
  cov1, cov2 = np.atleast_2d(cov1), np.atleast_2d(cov2)
  # tr((cov1 cov2)^(1/2)) = sum of the square roots of the eigenvalues of the
  # symmetric PSD matrix cov1^(1/2) cov2 cov1^(1/2), which has the same
  # spectrum.
  values, vectors = np.linalg.eigh(cov1)
  root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
  middle = root1 @ cov2 @ root1
  trace_root = np.sum(
      np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
  distance = (np.sum(
      (mu1 - mu2)**2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)
  return float(max(distance, 0.0))


def frechet_distance(x, y):
  """The Fréchet distance between Gaussians fitted to the rows of `x` and of `y`
  ([n, d], [m, d], each with at least 2 rows). Biased upwards for small sets, so
  compare values computed from sets of the same sizes."""
  x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
  if len(x) < 2 or len(y) < 2:
    raise ValueError('the Fréchet distance needs at least 2 points in each set')
  return frechet_distance_from_moments(x.mean(0), np.cov(x, rowvar=False),
                                       y.mean(0), np.cov(y, rowvar=False))


def _squared_distances(x, y):
  squared = (np.sum(x**2, 1)[:, None] + np.sum(y**2, 1)[None, :] - 2 * x @ y.T)
  return np.clip(squared, 0, None)


def median_heuristic(*sets, max_points=1000, seed=0):
  """The median heuristic's RBF bandwidth: the median Euclidean distance between
  distinct points of the pooled sets (at most `max_points` of them, drawn at
  random). Returns 1.0 when all points coincide."""
  pooled = np.concatenate([np.asarray(s, np.float64) for s in sets])
  if len(pooled) > max_points:
    pooled = pooled[np.random.default_rng(seed).choice(len(pooled), max_points,
                                                       replace=False)]
  distances = np.sqrt(
      _squared_distances(pooled, pooled)[np.triu_indices(len(pooled), 1)])
  positive = distances[distances > 0]
  return float(np.median(positive)) if len(positive) else 1.0


def _mean_kernel(x, y, gamma, chunk=1024):
  total = 0.0
  for begin in range(0, len(x), chunk):
    total += np.exp(-gamma *
                    _squared_distances(x[begin:begin + chunk], y)).sum()
  return total / (len(x) * len(y))


def mmd_unbiased(x, y, bandwidth=None):
  """The unbiased (U-statistic) estimate of the squared MMD between the rows of
  `x` and `y` (at least 2 each) under the RBF kernel exp(-|a - b|^2 / (2
  bandwidth^2)): the biased estimate's self terms without their diagonals, so
  its expectation is the true MMD² for any set sizes (it can be slightly
  negative when the sets come from one distribution). `bandwidth` defaults to
  the median heuristic on both sets; pass one bandwidth to make values for
  several pairs of sets comparable."""
  x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
  n, m = len(x), len(y)
  if n < 2 or m < 2:
    raise ValueError('the unbiased MMD needs at least 2 points in each set')
  if bandwidth is None:
    bandwidth = median_heuristic(x, y)
  gamma = 1.0 / (2.0 * bandwidth**2)
  # Each self-kernel's diagonal is exp(0) = 1: take it out of the means.
  within_x = (_mean_kernel(x, x, gamma) * n * n - n) / (n * (n - 1))
  within_y = (_mean_kernel(y, y, gamma) * m * m - m) / (m * (m - 1))
  return float(within_x + within_y - 2 * _mean_kernel(x, y, gamma))


def principal_axes(reference, dims):
  """(center, axes [k, d]): the mean and the top k = min(dims, d, n - 1)
  principal axes of the rows of `reference` [n, d]."""
  reference = np.asarray(reference, np.float64)
  center = reference.mean(0)
  _, _, axes = np.linalg.svd(reference - center, full_matrices=False)
  return center, axes[:max(1, min(dims, reference.shape[1],
                                  len(reference) - 1))]


def projected_frechet_distance(x, reference, dims=8):
  """The Fréchet distance between `x` and `reference` projected on the top
  `dims` principal axes of `reference` (`principal_axes`): a covariance of 8
  dimensions is estimated well from a hundred windows, where one of MusicVAE's
  512 is singular."""
  center, axes = principal_axes(reference, dims)

  def project(points):
    return (np.asarray(points, np.float64) - center) @ axes.T

  return frechet_distance(project(x), project(reference))


def scott_bandwidth(values, floor):
  """Scott's rule bandwidth of 1-D `values`, at least `floor`."""
  std = np.std(values, ddof=1) if len(values) > 1 else 0.0
  return max(std * len(values)**(-0.2), floor)


def kde(values, grid, bandwidth):
  """A Gaussian kernel density estimate of 1-D `values`, evaluated on `grid`."""
  values = np.asarray(values, np.float64)
  density = np.zeros(len(grid))
  for begin in range(0, len(values), 512):
    chunk = values[begin:begin + 512]
    density += np.exp(-0.5 *
                      ((grid[:, None] - chunk[None, :]) / bandwidth)**2).sum(1)
  return density / (len(values) * bandwidth * np.sqrt(2 * np.pi))


def kde_pair(a, b):
  """Kernel density estimates of 1-D sets `a` and `b` on one grid: (grid, pa,
  pb).

  Each set has Scott's rule bandwidth, floored at 5% of the pooled standard
  deviation (1.0 when that is 0) so a set of equal values (a count every melody
  shares) is a narrow bump rather than a spike no grid resolves.
  """
  a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
  if not len(a) or not len(b):
    raise ValueError('a density needs at least one value in each set')
  pooled_std = np.std(np.concatenate([a, b]))
  floor = 0.05 * pooled_std if pooled_std > 0 else 1.0
  bandwidth_a, bandwidth_b = scott_bandwidth(a,
                                             floor), scott_bandwidth(b, floor)
  low = min(a.min() - 5 * bandwidth_a, b.min() - 5 * bandwidth_b)
  high = max(a.max() + 5 * bandwidth_a, b.max() + 5 * bandwidth_b)
  step = min(bandwidth_a, bandwidth_b) / 8
  points = int(min(max((high - low) / step, 200), KDE_GRID_POINTS_MAX)) + 1
  grid = np.linspace(low, high, points)
  return grid, kde(a, grid, bandwidth_a), kde(b, grid, bandwidth_b)


def overlapping_area(a, b):
  """The overlapping area of the distributions of 1-D sets `a` and `b`: the
  integral of min(pa, pb) of their kernel density estimates (`kde_pair`). 1 for
  identical sets, near 0 for sets far apart."""
  grid, density_a, density_b = kde_pair(a, b)
  return float(min(np.trapezoid(np.minimum(density_a, density_b), grid), 1.0))


def _distances(x, y):
  x = np.asarray(x, np.float64).reshape(len(x), -1)
  y = np.asarray(y, np.float64).reshape(len(y), -1)
  return np.sqrt(_squared_distances(x, y))


def _at_most(values, count, rng):
  if len(values) <= count:
    return values
  return values[rng.choice(len(values), count, replace=False)]


def intra_set_distances(x, max_distances=MAX_DISTANCES, seed=0):
  """Euclidean distances between the distinct pairs of rows of `x` (at most
  `max_distances` of them, drawn at random)."""
  upper = np.triu_indices(len(x), 1)
  return _at_most(
      _distances(x, x)[upper], max_distances, np.random.default_rng(seed))


def inter_set_distances(x, y, max_distances=MAX_DISTANCES, seed=0):
  """Euclidean distances between every row of `x` and every row of `y` (at most
  `max_distances` of them, drawn at random)."""
  return _at_most(
      _distances(x, y).ravel(), max_distances, np.random.default_rng(seed))


def distance_overlapping_area(samples, reference, max_distances=MAX_DISTANCES,
                              seed=0):
  """Yang & Lerch's OA for one feature (rows are melodies, any number of
  columns): the overlapping area of the reference set's intra-set distances and
  the sample-to-reference inter-set distances. Needs at least 2 reference
  melodies."""
  if len(reference) < 2:
    raise ValueError('intra-set distances need at least 2 reference melodies')
  return overlapping_area(
      intra_set_distances(reference, max_distances, seed),
      inter_set_distances(samples, reference, max_distances, seed))


# ---------------------------------------------------------------- copying

# Evaluation's pass/fail line: at most 5% of samples copies.
COPY_RATE_LIMIT = 0.05


def window_copy_rate(samples, training):
  """The share of `samples` (sets of window_notes) that equal a window of
  `training`: the same notes on the same tracks at the same steps."""
  if not len(samples):
    return 0.0
  known = set(training)
  return float(np.mean([notes in known for notes in samples]))


def window_nearest_distances(samples, training):
  """For each window of `samples` (sets of window_notes), 1 - the Jaccard
  similarity of its notes and those of its nearest `training` window: the share
  of the two windows' notes that only one of them has; 0 for a copy (two silent
  windows are copies), 1 when no training window shares a note with it."""
  distances = []
  for notes in samples:
    best = 0.0
    for other in training:
      union = len(notes | other)
      similarity = len(notes & other) / union if union else 1.0
      if similarity > best:
        best = similarity
        if best == 1.0:
          break
    distances.append(1.0 - best)
  return np.array(distances, np.float64)

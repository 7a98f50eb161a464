"""How close two sets of melodies are: latent-space distances, Yang & Lerch's music
features and their overlapping areas, and copying. Pure numpy, no TensorFlow.

Melodies are melody event arrays as in `note_seq.Melody`, one event per 16th-note step:
  -2 (NO_EVENT) = nothing new (the current note, or the rest, goes on),
  -1 (NOTE_OFF) = the sounding note ends,
  0..127 = a note of that MIDI pitch starts (ending the previous one).

Music features follow Yang & Lerch 2018, "On the evaluation of generative models in
music" (Neural Computing and Applications), per melody: pitch-class histogram, pitch
range, number of notes, mean absolute interval, mean inter-onset interval, rest ratio.
How a set's features are compared with another's:
  * a scalar feature: the overlapping area (OA) of the two sets' distributions of its
    values, each a Gaussian kernel density estimate (`overlapping_area`); 1 when the
    distributions coincide, 0 when they do not overlap;
  * the pitch-class histogram, a 12-d vector: Yang & Lerch's formulation, the OA of the
    distribution of Euclidean distances within the reference set (intra-set, pairs of
    different melodies) and of distances between the two sets (inter-set)
    (`distance_overlapping_area`): near 1 when a sample is as far from the reference
    melodies as they are from each other.
"""

import numpy as np

NO_EVENT = -2  # note_seq.MELODY_NO_EVENT
NOTE_OFF = -1  # note_seq.MELODY_NOTE_OFF

SCALAR_FEATURES = ('pitch_range', 'num_notes', 'mean_abs_interval', 'mean_ioi',
                   'rest_ratio')
FEATURE_DESCRIPTIONS = {
    'pitch_class_histogram': 'pitch-class histogram (12 bins, per note)',
    'pitch_range': 'pitch range (semitones, highest - lowest note)',
    'num_notes': 'number of notes',
    'mean_abs_interval': 'mean absolute interval (semitones between consecutive notes)',
    'mean_ioi': 'mean inter-onset interval (16th-note steps)',
    'rest_ratio': 'rest ratio (share of steps with no note sounding)',
}

KDE_GRID_POINTS_MAX = 20000
MAX_DISTANCES = 4000  # distances sampled for a KDE of pairwise distances


# ---------------------------------------------------------------- melody events


def notes_of(events):
  """The notes of one melody event array, as (pitch, start step, end step) tuples."""
  notes = []
  pitch = start = None
  for step, event in enumerate(np.asarray(events).tolist()):
    if event == NO_EVENT:
      continue
    if pitch is not None:
      notes.append((pitch, start, step))
      pitch = None
    if event >= 0:
      pitch, start = event, step
  if pitch is not None:
    notes.append((pitch, start, len(events)))
  return notes


def canonical_events(events):
  """`events` [n, steps] with every NOTE_OFF that ends no note (one during a rest)
  turned into NO_EVENT: two arrays are then equal exactly when their notes (pitch,
  start, end) are."""
  events = np.array(events, dtype=np.int64, copy=True, ndmin=2)
  for row in events:
    sounding = False
    for step, event in enumerate(row):
      if event >= 0:
        sounding = True
      elif event == NOTE_OFF:
        if not sounding:
          row[step] = NO_EVENT
        sounding = False
  return events


def melody_features(events):
  """Yang & Lerch's features of one melody event array, as a dict.

  A melody without notes has an all-zero histogram, range, count, interval and
  inter-onset interval, and a rest ratio of 1; a melody of one note has mean interval
  and mean inter-onset interval 0.
  """
  notes = notes_of(events)
  steps = len(events)
  histogram = np.zeros(12)
  for pitch, _, _ in notes:
    histogram[pitch % 12] += 1
  if notes:
    histogram /= len(notes)
  pitches = np.array([pitch for pitch, _, _ in notes])
  onsets = np.array([start for _, start, _ in notes])
  sounding = sum(end - start for _, start, end in notes)
  return {
      'pitch_class_histogram': histogram,
      'pitch_range': float(pitches.max() - pitches.min()) if notes else 0.0,
      'num_notes': float(len(notes)),
      'mean_abs_interval': (float(np.mean(np.abs(np.diff(pitches))))
                            if len(notes) > 1 else 0.0),
      'mean_ioi': float(np.mean(np.diff(onsets))) if len(notes) > 1 else 0.0,
      'rest_ratio': 1.0 - sounding / steps if steps else 1.0,
  }


def set_features(events):
  """The features of each melody in `events` [n, steps]: a dict feature name ->
  array, `[n, 12]` for the pitch-class histogram and `[n]` for the others."""
  per_melody = [melody_features(row) for row in np.asarray(events)]
  return {name: np.array([features[name] for features in per_melody], np.float64)
          for name in FEATURE_DESCRIPTIONS}


# ---------------------------------------------------------------- distributions


def frechet_distance_from_moments(mu1, cov1, mu2, cov2):
  """The Fréchet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2):
  |mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2)), as in FID."""
  mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
  cov1, cov2 = np.atleast_2d(cov1), np.atleast_2d(cov2)
  # tr((cov1 cov2)^(1/2)) = sum of the square roots of the eigenvalues of the
  # symmetric PSD matrix cov1^(1/2) cov2 cov1^(1/2), which has the same spectrum.
  values, vectors = np.linalg.eigh(cov1)
  root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
  middle = root1 @ cov2 @ root1
  trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2),
                                      0, None)))
  distance = (np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2)
              - 2 * trace_root)
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
  squared = (np.sum(x ** 2, 1)[:, None] + np.sum(y ** 2, 1)[None, :]
             - 2 * x @ y.T)
  return np.clip(squared, 0, None)


def median_heuristic(*sets, max_points=1000, seed=0):
  """The median heuristic's RBF bandwidth: the median Euclidean distance between
  distinct points of the pooled sets (at most `max_points` of them, drawn at random).
  Returns 1.0 when all points coincide."""
  pooled = np.concatenate([np.asarray(s, np.float64) for s in sets])
  if len(pooled) > max_points:
    pooled = pooled[np.random.default_rng(seed).choice(len(pooled), max_points,
                                                       replace=False)]
  distances = np.sqrt(_squared_distances(pooled, pooled)[
      np.triu_indices(len(pooled), 1)])
  positive = distances[distances > 0]
  return float(np.median(positive)) if len(positive) else 1.0


def _mean_kernel(x, y, gamma, chunk=1024):
  total = 0.0
  for begin in range(0, len(x), chunk):
    total += np.exp(-gamma * _squared_distances(x[begin:begin + chunk], y)).sum()
  return total / (len(x) * len(y))


def mmd_rbf(x, y, bandwidth=None):
  """The squared maximum mean discrepancy between the rows of `x` and `y` under the
  RBF kernel exp(-|a - b|^2 / (2 bandwidth^2)): the biased (V-statistic) estimate,
  0 for identical sets. `bandwidth` defaults to the median heuristic on both sets;
  pass one bandwidth to make values for several pairs of sets comparable."""
  x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
  if bandwidth is None:
    bandwidth = median_heuristic(x, y)
  gamma = 1.0 / (2.0 * bandwidth ** 2)
  value = (_mean_kernel(x, x, gamma) + _mean_kernel(y, y, gamma)
           - 2 * _mean_kernel(x, y, gamma))
  return float(max(value, 0.0))


def scott_bandwidth(values, floor):
  """Scott's rule bandwidth of 1-D `values`, at least `floor`."""
  std = np.std(values, ddof=1) if len(values) > 1 else 0.0
  return max(std * len(values) ** (-0.2), floor)


def kde(values, grid, bandwidth):
  """A Gaussian kernel density estimate of 1-D `values`, evaluated on `grid`."""
  values = np.asarray(values, np.float64)
  density = np.zeros(len(grid))
  for begin in range(0, len(values), 512):
    chunk = values[begin:begin + 512]
    density += np.exp(-0.5 * ((grid[:, None] - chunk[None, :]) / bandwidth) ** 2
                      ).sum(1)
  return density / (len(values) * bandwidth * np.sqrt(2 * np.pi))


def kde_pair(a, b):
  """Kernel density estimates of 1-D sets `a` and `b` on one grid: (grid, pa, pb).

  Each set has Scott's rule bandwidth, floored at 5% of the pooled standard deviation
  (1.0 when that is 0) so a set of equal values (a count every melody shares) is a
  narrow bump rather than a spike no grid resolves.
  """
  a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
  if not len(a) or not len(b):
    raise ValueError('a density needs at least one value in each set')
  pooled_std = np.std(np.concatenate([a, b]))
  floor = 0.05 * pooled_std if pooled_std > 0 else 1.0
  bandwidth_a, bandwidth_b = scott_bandwidth(a, floor), scott_bandwidth(b, floor)
  low = min(a.min() - 5 * bandwidth_a, b.min() - 5 * bandwidth_b)
  high = max(a.max() + 5 * bandwidth_a, b.max() + 5 * bandwidth_b)
  step = min(bandwidth_a, bandwidth_b) / 8
  points = int(min(max((high - low) / step, 200), KDE_GRID_POINTS_MAX)) + 1
  grid = np.linspace(low, high, points)
  return grid, kde(a, grid, bandwidth_a), kde(b, grid, bandwidth_b)


def overlapping_area(a, b):
  """The overlapping area of the distributions of 1-D sets `a` and `b`: the integral
  of min(pa, pb) of their kernel density estimates (`kde_pair`). 1 for identical
  sets, near 0 for sets far apart."""
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
  return _at_most(_distances(x, x)[upper], max_distances,
                  np.random.default_rng(seed))


def inter_set_distances(x, y, max_distances=MAX_DISTANCES, seed=0):
  """Euclidean distances between every row of `x` and every row of `y` (at most
  `max_distances` of them, drawn at random)."""
  return _at_most(_distances(x, y).ravel(), max_distances, np.random.default_rng(seed))


def distance_overlapping_area(samples, reference, max_distances=MAX_DISTANCES, seed=0):
  """Yang & Lerch's OA for one feature (rows are melodies, any number of columns):
  the overlapping area of the reference set's intra-set distances and the
  sample-to-reference inter-set distances. Needs at least 2 reference melodies."""
  if len(reference) < 2:
    raise ValueError('intra-set distances need at least 2 reference melodies')
  return overlapping_area(
      intra_set_distances(reference, max_distances, seed),
      inter_set_distances(samples, reference, max_distances, seed))


# ---------------------------------------------------------------- copying


def _comparable(samples, training):
  samples, training = canonical_events(samples), canonical_events(training)
  steps = max(samples.shape[1], training.shape[1])
  pad = NO_EVENT - 1  # steps past a shorter melody's end match nothing

  def padded(events):
    return np.pad(events, [(0, 0), (0, steps - events.shape[1])],
                  constant_values=pad)

  return padded(samples), padded(training)


def nearest_neighbour_distances(samples, training, chunk=64):
  """For each melody in `samples` [n, steps], the normalized Hamming distance (the
  share of steps whose events differ, after `canonical_events`) to its nearest
  melody in `training` [m, steps]: 0 for a copy."""
  samples, training = _comparable(samples, training)
  nearest = []
  for begin in range(0, len(samples), chunk):
    block = samples[begin:begin + chunk]
    nearest.append((block[:, None, :] != training[None, :, :]).mean(-1).min(1))
  return np.concatenate(nearest) if nearest else np.zeros(0)


def copy_rate(samples, training):
  """The share of melodies in `samples` [n, steps] that are identical to a melody of
  `training` [m, steps]: the same notes at the same steps (same canonical events)."""
  samples, training = _comparable(samples, training)
  known = {row.tobytes() for row in training}
  if not len(samples):
    return 0.0
  return float(np.mean([row.tobytes() in known for row in samples]))

"""music_metrics against values worked out by hand on tiny inputs."""

import sys

import numpy as np
import pytest

from midime import music_metrics as mm

N, O = mm.NO_EVENT, mm.NOTE_OFF

# C4 for 4 steps, rest 4, E4 2 steps, G4 (ends at the end). 12 steps.
MELODY = [60, N, N, N, O, N, N, N, 64, N, 67, N]


def test_the_module_does_not_import_tensorflow():
  assert 'tensorflow' not in mm.__dict__
  source = open(mm.__file__).read()
  assert 'import tensorflow' not in source and 'import tf_setup' not in source


def test_notes_of_a_hand_written_melody():
  assert mm.notes_of(MELODY) == [(60, 0, 4), (64, 8, 10), (67, 10, 12)]
  assert mm.notes_of([N] * 4) == []


def test_features_of_a_hand_written_melody():
  features = mm.melody_features(MELODY)
  assert features['num_notes'] == 3
  assert features['pitch_range'] == 7
  assert features['mean_abs_interval'] == pytest.approx((4 + 3) / 2)
  assert features['mean_ioi'] == pytest.approx((8 + 2) / 2)
  assert features['rest_ratio'] == pytest.approx(4 / 12)
  expected = np.zeros(12)
  expected[[0, 4, 7]] = 1 / 3
  np.testing.assert_allclose(features['pitch_class_histogram'], expected)


def test_features_of_silence_and_of_one_note():
  silent = mm.melody_features([N, O, N, N])
  assert silent['num_notes'] == 0 and silent['rest_ratio'] == 1.0
  assert silent['pitch_range'] == 0 and not silent['pitch_class_histogram'].any()
  single = mm.melody_features([N, 62, N, N])
  assert single['num_notes'] == 1 and single['rest_ratio'] == pytest.approx(0.25)
  assert single['mean_ioi'] == 0 and single['mean_abs_interval'] == 0


def test_set_features_shapes():
  features = mm.set_features([MELODY, [N] * 12, [72] * 12])
  assert features['pitch_class_histogram'].shape == (3, 12)
  np.testing.assert_array_equal(features['num_notes'], [3, 0, 12])


def test_canonical_events_drop_note_offs_during_rests():
  np.testing.assert_array_equal(
      mm.canonical_events([[O, 60, O, O, N, 62]]), [[N, 60, O, N, N, 62]])


def test_frechet_distance_of_gaussians():
  identity = np.eye(3)
  m = np.array([1.0, -2.0, 0.5])
  assert mm.frechet_distance_from_moments(np.zeros(3), identity, np.zeros(3),
                                          identity) == pytest.approx(0, abs=1e-9)
  assert mm.frechet_distance_from_moments(np.zeros(3), identity, m,
                                          identity) == pytest.approx(np.sum(m ** 2))
  # 1-d: (mu1 - mu2)^2 + (s1 - s2)^2.
  assert mm.frechet_distance_from_moments([0.0], [[4.0]], [1.0], [[1.0]]
                                          ) == pytest.approx(1 + (2 - 1) ** 2)


def test_frechet_distance_from_samples():
  rng = np.random.default_rng(0)
  x = rng.standard_normal([20000, 2])
  assert mm.frechet_distance(x, x) == pytest.approx(0, abs=1e-6)
  shifted = rng.standard_normal([20000, 2]) + [3.0, 0.0]
  assert mm.frechet_distance(x, shifted) == pytest.approx(9.0, rel=0.02)
  with pytest.raises(ValueError):
    mm.frechet_distance(x[:1], x)


def test_mmd_of_identical_and_of_distant_sets():
  rng = np.random.default_rng(1)
  x = rng.standard_normal([50, 4])
  assert mm.mmd_rbf(x, x) == pytest.approx(0, abs=1e-12)
  # Far apart with a small bandwidth: the cross term vanishes and each self term is
  # near 1/n (the diagonal), so MMD^2 -> 2/n.
  far = x + 1000.0
  assert mm.mmd_rbf(x, far, bandwidth=1e-3) == pytest.approx(2 / 50, rel=1e-3)
  near = rng.standard_normal([50, 4])
  assert mm.mmd_rbf(x, near) < mm.mmd_rbf(x, near + 2.0)


def test_median_heuristic_is_the_median_distance():
  points = np.array([[0.0], [1.0], [3.0]])  # distances 1, 2, 3
  assert mm.median_heuristic(points) == pytest.approx(2.0)
  assert mm.median_heuristic(np.zeros([3, 2])) == 1.0


def test_overlapping_area_of_identical_and_disjoint_sets():
  rng = np.random.default_rng(2)
  a = rng.standard_normal(200)
  assert mm.overlapping_area(a, a) == pytest.approx(1.0, abs=1e-3)
  assert mm.overlapping_area(a, a + 100.0) == pytest.approx(0.0, abs=1e-6)
  # Constant sets: equal values overlap fully, different ones not at all.
  assert mm.overlapping_area([3.0] * 5, [3.0] * 7) == pytest.approx(1.0, abs=1e-3)
  assert mm.overlapping_area([0.0] * 5, [8.0] * 5) == pytest.approx(0.0, abs=1e-6)


def test_overlapping_area_of_two_unit_gaussians_one_apart():
  # Two N(0, 1) densities 1 apart overlap by 2 * Phi(-1/2) = 0.617.
  rng = np.random.default_rng(3)
  a, b = rng.standard_normal(4000), rng.standard_normal(4000) + 1.0
  assert mm.overlapping_area(a, b) == pytest.approx(0.617, abs=0.04)


def test_distance_overlapping_area_follows_yang_and_lerch():
  rng = np.random.default_rng(4)
  reference = rng.dirichlet(np.ones(12), 60)
  alike = rng.dirichlet(np.ones(12), 60)
  unlike = np.zeros([60, 12])
  unlike[:, 0] = 1.0  # every note a C
  assert mm.distance_overlapping_area(alike, reference) > 0.8
  assert mm.distance_overlapping_area(unlike, reference) < (
      mm.distance_overlapping_area(alike, reference) - 0.3)
  with pytest.raises(ValueError):
    mm.distance_overlapping_area(alike, reference[:1])


def test_copy_rate_and_nearest_neighbour_distance():
  training = np.array([MELODY, [62] * 12])
  copied = np.array([MELODY])
  assert mm.copy_rate(copied, training) == 1.0
  assert mm.nearest_neighbour_distances(copied, training)[0] == 0.0
  # The same notes with an extra note-off during the rest are still a copy.
  spelled_differently = list(MELODY)
  spelled_differently[5] = O
  assert mm.copy_rate([spelled_differently], training) == 1.0
  one_step_off = list(MELODY)
  one_step_off[11] = 69
  samples = np.array([MELODY, one_step_off])
  assert mm.copy_rate(samples, training) == 0.5
  np.testing.assert_allclose(mm.nearest_neighbour_distances(samples, training),
                             [0.0, 1 / 12])


if __name__ == '__main__':
  sys.exit(pytest.main([__file__]))

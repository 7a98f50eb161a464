"""music_metrics against values worked out by hand on tiny inputs."""

import sys

import types

import note_seq
import numpy as np
import pytest

from midime import music_metrics as mm

# C4 for 4 steps, rest 4, E4 2 steps, G4 to the end: 12 steps.
NOTES = [(60, 0, 4), (64, 8, 10), (67, 10, 12)]


def test_the_module_does_not_import_tensorflow():
  assert 'tensorflow' not in mm.__dict__
  source = open(mm.__file__).read()
  assert 'import tensorflow' not in source and 'import tf_setup' not in source


def test_features_of_a_hand_written_melody():
  features = mm.pitched_features(list(reversed(NOTES)), 12)  # any order
  assert features['num_notes'] == 3
  assert features['pitch_range'] == 7
  assert features['mean_abs_interval'] == pytest.approx((4 + 3) / 2)
  assert features['mean_ioi'] == pytest.approx((8 + 2) / 2)
  assert features['rest_ratio'] == pytest.approx(4 / 12)
  expected = np.zeros(12)
  expected[[0, 4, 7]] = 1 / 3
  np.testing.assert_allclose(features['pitch_class_histogram'], expected)


def test_features_of_silence_of_one_note_and_of_chords():
  silent = mm.pitched_features([], 4)
  assert silent['num_notes'] == 0 and silent['rest_ratio'] == 1.0
  assert silent['pitch_range'] == 0 and not silent['pitch_class_histogram'].any(
  )
  single = mm.pitched_features([(62, 1, 4)], 4)
  assert single['num_notes'] == 1 and single['rest_ratio'] == pytest.approx(
      0.25)
  assert single['mean_ioi'] == 0 and single['mean_abs_interval'] == 0
  # Overlapping notes sound in steps 0..5 of 8: the rest ratio counts steps
  # once.
  chord = mm.pitched_features([(60, 0, 4), (64, 0, 4), (67, 2, 6)], 8)
  assert chord['rest_ratio'] == pytest.approx(2 / 8)
  assert chord['mean_abs_interval'] == pytest.approx((4 + 3) / 2)
  assert chord['mean_ioi'] == pytest.approx((0 + 2) / 2)


def _note(pitch, start, end, program=0, is_drum=False):
  return types.SimpleNamespace(pitch=pitch, start_time=start, end_time=end,
                               program=program, is_drum=is_drum)


def test_tracks_of_notes():
  assert mm.track_of(_note(60, 0, 1)) == 'melody'
  assert mm.track_of(_note(60, 0, 1, program=40)) == 'melody'  # a violin
  assert mm.track_of(_note(40, 0, 1, program=33)) == 'bass'
  assert mm.track_of(_note(36, 0, 1, program=33, is_drum=True)) == 'drums'


@pytest.mark.parametrize('program, is_drum, group',
                         [(0, False, 'piano'), (7, False, 'piano'),
                          (8, False, 'chromatic_percussion'),
                          (33, False, 'bass'), (48, False, 'ensemble'),
                          (56, False, 'brass'), (127, False, 'sound_effects'),
                          (0, True, 'drums'), (48, True, 'drums')])
def test_instrument_groups_are_general_midi_families_and_drums(
    program, is_drum, group):
  note = _note(60, 0, 1, program=program, is_drum=is_drum)
  assert mm.instrument_group(note) == group
  assert mm.track_of(note, by_family=True) == group


def test_band_windows_are_measured_per_instrument_group():
  sequence = note_seq.NoteSequence()
  sequence.tempos.add(qpm=120)
  for pitch, program, is_drum in ((72, 0, False), (40, 33, False),
                                  (64, 48, False), (36, 0, True)):
    sequence.notes.add(pitch=pitch, program=program, is_drum=is_drum,
                       start_time=0.0, end_time=0.5)
  windows = [mm.window_notes(sequence, by_family=True)]
  assert mm.tracks_of(windows) == ['piano', 'bass', 'ensemble', 'drums']
  features = mm.window_set_features(windows, 16, mm.tracks_of(windows))
  assert set(features['ensemble']) == set(mm.FEATURE_DESCRIPTIONS)
  assert set(features['drums']) == set(mm.DRUM_FEATURE_DESCRIPTIONS)
  # Without by_family, the same notes read as a trio's tracks.
  assert mm.tracks_of([mm.window_notes(sequence)]) == [
      'melody', 'bass', 'drums'
  ]


def test_window_notes_reads_steps_at_the_tempo():
  sequence = note_seq.NoteSequence()
  sequence.tempos.add(qpm=60.0)  # 4 steps a second at 4 steps per quarter
  sequence.notes.add(pitch=60, start_time=0.0, end_time=1.0, velocity=80)
  sequence.notes.add(pitch=36, start_time=0.25, end_time=0.5, is_drum=True,
                     velocity=80)
  sequence.notes.add(pitch=40, start_time=1.0, end_time=2.0, program=33,
                     velocity=80)
  assert mm.window_notes(sequence) == {('melody', 60, 0, 4),
                                       ('drums', 36, 1, 2), ('bass', 40, 4, 8)}
  del sequence.tempos[:]  # no tempo: 120 qpm, 8 steps a second
  assert ('melody', 60, 0, 8) in mm.window_notes(sequence)


def test_drum_features_of_a_hand_written_bar():
  # Kick on 1, closed hi-hat on the second eighth, snare and hi-hat on
  # sixteenths between eighths (steps 3 and 5): one bar of 16 steps.
  hits = [(36, 0, 1), (42, 2, 3), (38, 3, 4), (42, 5, 6)]
  features = mm.drum_features(hits, 16)
  assert features['hits_per_bar'] == 4
  assert features['syncopation'] == pytest.approx(2 / 4)
  expected = np.zeros(9)
  expected[[0, 1, 2]] = [0.25, 0.25, 0.5]  # kick, snare, closed hi-hat
  np.testing.assert_allclose(features['drum_class_histogram'], expected)
  assert mm.drum_features(hits, 32)['hits_per_bar'] == 2  # over two bars
  empty = mm.drum_features([], 16)
  assert empty['hits_per_bar'] == 0 and empty['syncopation'] == 0
  assert not empty['drum_class_histogram'].any()


def test_features_per_track_of_trio_windows():
  windows = [
      frozenset({('melody', 72, 0, 8), ('bass', 40, 0, 16), ('drums', 36, 0, 1),
                 ('drums', 38, 4, 5)}),
      frozenset({('melody', 74, 0, 16), ('drums', 42, 1, 2)})
  ]
  tracks = mm.tracks_of(windows)
  assert tracks == ['melody', 'bass', 'drums']
  features = mm.window_set_features(windows, 16, tracks)
  assert set(features['melody']) == set(mm.FEATURE_DESCRIPTIONS)
  assert set(features['drums']) == set(mm.DRUM_FEATURE_DESCRIPTIONS)
  np.testing.assert_array_equal(features['bass']['num_notes'], [1, 0])
  np.testing.assert_array_equal(features['drums']['hits_per_bar'], [2, 1])
  np.testing.assert_array_equal(features['drums']['syncopation'], [0, 1])
  assert features['melody']['pitch_class_histogram'].shape == (2, 12)


def test_frechet_distance_of_gaussians():
  identity = np.eye(3)
  m = np.array([1.0, -2.0, 0.5])
  assert mm.frechet_distance_from_moments(np.zeros(3), identity, np.zeros(3),
                                          identity) == pytest.approx(
                                              0, abs=1e-9)
  assert mm.frechet_distance_from_moments(np.zeros(3), identity, m,
                                          identity) == pytest.approx(
                                              np.sum(m**2))
  # 1-d: (mu1 - mu2)^2 + (s1 - s2)^2.
  assert mm.frechet_distance_from_moments(
      [0.0], [[4.0]], [1.0], [[1.0]]) == pytest.approx(1 + (2 - 1)**2)


def test_frechet_distance_from_samples():
  rng = np.random.default_rng(0)
  x = rng.standard_normal([20000, 2])
  assert mm.frechet_distance(x, x) == pytest.approx(0, abs=1e-6)
  shifted = rng.standard_normal([20000, 2]) + [3.0, 0.0]
  assert mm.frechet_distance(x, shifted) == pytest.approx(9.0, rel=0.02)
  with pytest.raises(ValueError):
    mm.frechet_distance(x[:1], x)


def test_unbiased_mmd_against_its_closed_form():
  # Two points at 0 and two at d: the self terms (off the diagonal) are 1 and
  # the cross term exp(-d^2 / (2 b^2)), so MMD^2 = 2 - 2 exp(-d^2 / (2 b^2)).
  x, y = np.zeros([2, 1]), np.full([2, 1], 2.0)
  assert mm.mmd_unbiased(x, y,
                         bandwidth=1.0) == pytest.approx(2 - 2 * np.exp(-2))
  assert mm.mmd_unbiased(x, x, bandwidth=1.0) == pytest.approx(0, abs=1e-12)
  with pytest.raises(ValueError):
    mm.mmd_unbiased(x[:1], y)


def test_unbiased_mmd_of_small_sets_from_one_distribution_averages_zero():
  # The biased estimate of two 5-point sets from one distribution is about 2/5
  # of (1 - the mean off-diagonal kernel); the unbiased one averages 0.
  rng = np.random.default_rng(1)
  values = [
      mm.mmd_unbiased(rng.standard_normal([5, 2]), rng.standard_normal([5, 2]),
                      bandwidth=1.0) for _ in range(400)
  ]
  assert abs(np.mean(values)) < 0.01
  assert mm.mmd_unbiased(rng.standard_normal([50, 2]),
                         rng.standard_normal([50, 2]) + 2.0,
                         bandwidth=1.0) > 0.3


def test_projected_frechet_distance_of_a_hand_written_case():
  # The reference varies along x only: its top axis is x, and a shift along y,
  # off that axis, is not seen; one along x is, as its square.
  reference = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
  assert mm.projected_frechet_distance(reference + [3.0, 5.0], reference,
                                       dims=1) == pytest.approx(9.0)
  center, axes = mm.principal_axes(
      np.random.default_rng(0).standard_normal([3, 5]), 8)
  assert axes.shape == (2, 5) and center.shape == (5,)  # at most n - 1 axes


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
  assert mm.overlapping_area([3.0] * 5,
                             [3.0] * 7) == pytest.approx(1.0, abs=1e-3)
  assert mm.overlapping_area([0.0] * 5,
                             [8.0] * 5) == pytest.approx(0.0, abs=1e-6)


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
  assert mm.distance_overlapping_area(
      unlike,
      reference) < (mm.distance_overlapping_area(alike, reference) - 0.3)
  with pytest.raises(ValueError):
    mm.distance_overlapping_area(alike, reference[:1])


def test_copy_rate_and_nearest_window_distance():
  song = frozenset(('melody',) + note for note in NOTES)
  other = frozenset({('melody', 62, 0, 12)})
  training = [song, other]
  assert mm.window_copy_rate([song], training) == 1.0
  assert mm.window_nearest_distances([song], training)[0] == 0.0
  # One note of three changed: 2 shared of 4 distinct notes, Jaccard 1/2.
  changed = frozenset(
      set(song) - {('melody', 67, 10, 12)} | {('melody', 69, 10, 12)})
  assert mm.window_copy_rate([song, changed], training) == 0.5
  np.testing.assert_allclose(
      mm.window_nearest_distances([song, changed], training), [0.0, 0.5])
  unrelated = frozenset({('melody', 90, 0, 1)})
  assert mm.window_nearest_distances([unrelated], training)[0] == 1.0
  assert mm.window_nearest_distances([frozenset()], [frozenset()])[0] == 0.0
  assert mm.window_copy_rate([], training) == 0.0


if __name__ == '__main__':
  sys.exit(pytest.main([__file__]))


def test_a_major_scale_is_in_its_own_key_wherever_it_is_transposed():
  for tonic in range(12):
    notes = [('melody', 60 + tonic + step, 4 * index, 4 * index + 4)
             for index, step in enumerate((0, 2, 4, 5, 7, 9, 11, 12))]
    histogram = mm.pitch_class_histogram(notes)
    assert mm.best_key(histogram) == tonic


def test_drums_and_silence_have_no_key():
  assert mm.best_key(
      mm.pitch_class_histogram([('drums', 36, 0, 1)])) is None
  assert mm.best_key(np.ones(12)) is None

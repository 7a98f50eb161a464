"""evaluation/songs.py: the song measures on hand-made windows: near-repeats and
the section length found, joins, key consistency, copies, the structure in the
latent, and the report's table."""

import numpy as np
import pytest

from midime import song_form
from midime.evaluation import songs

WINDOW_BARS, WINDOW_STEPS = 2, 32
C_MAJOR = (0, 2, 4, 5, 7, 9, 11)


def window(*notes, track='melody'):
  """A window's notes from (pitch, start step, end step) triples."""
  return frozenset((track, pitch, start, end) for pitch, start, end in notes)


def scale_window(tonic, seed):
  """A window of the major scale on `tonic` in a random order, its tonic
  triad held longer: one key, however it is shuffled."""
  rng = np.random.default_rng(seed)
  pitches = [60 + tonic + degree for degree in rng.permutation(C_MAJOR)]
  notes, step = [], 0
  for pitch in pitches:
    length = 6 if (pitch - 60 - tonic) % 12 in (0, 4, 7) else 2
    notes.append((pitch, step, step + length))
    step += length
  return window(*notes)


def melody_window(seed):
  """A window of eight random notes, two steps apart."""
  rng = np.random.default_rng(seed)
  return window(*((int(pitch), 4 * i, 4 * i + 2)
                  for i, pitch in enumerate(rng.integers(55, 80, 8))))


def measured(songs_notes, latents=None, labels=None, training_windows=None):
  if latents is None:
    latents = [[None] * len(song) for song in songs_notes]
  return songs.measure(songs.SongSet(songs_notes, latents, labels),
                       WINDOW_BARS, WINDOW_STEPS, training_windows)


# --- Near-repeats and sections ------------------------------------------------


def test_a_song_played_twice_has_half_its_windows_repeated_in_form_aa():
  first, second = melody_window(1), melody_window(2)
  assert song_form.similarity(first, second) < (
      song_form.NEAR_REPEAT_SIMILARITY)
  values = measured([[first, second, first, second]])
  assert values['near_repeat_share'] == 0.5
  assert values['form'] == 'AA'
  assert values['section_bars'] == 2 * WINDOW_BARS


def test_songs_that_never_return_show_no_section():
  values = measured([[melody_window(seed) for seed in range(6)]])
  assert values['near_repeat_share'] == 0.0
  assert values['section_bars'] is None and values['form'] is None
  assert values['structure'] is None


def test_the_analysis_labels_each_place_with_its_section_and_place_in_it():
  labels = songs.analysed_labels('ABA', 2, 7)
  assert labels == [('A', 0), ('A', 1), ('B', 0), ('B', 1), ('A', 0),
                    ('A', 1), None]
  assert songs.analysed_labels('', None, 3) == [None] * 3


# --- Joins --------------------------------------------------------------------


def test_a_join_measures_the_leap_and_the_rest_between_windows():
  last_pitch, last_end, next_pitch, next_start = 60, 28, 67, 2
  before = window((64, 0, 8), (last_pitch, 20, last_end))
  after = window((next_pitch, next_start, 10), (62, 12, 16))
  values = measured([[before, after]])
  assert values['jump_mean'] == abs(next_pitch - last_pitch)
  assert values['gap_mean'] == WINDOW_STEPS - last_end + next_start
  assert values['jump_p90'] == values['jump_mean']


def test_joins_skip_holes_and_take_the_90th_percentile():
  song = [melody_window(seed) for seed in range(12)]
  song[5] = None
  jumps, gaps = songs.joins([song], WINDOW_STEPS)
  assert len(jumps) == len(gaps) == len(song) - 1 - 2
  values = measured([song])
  assert values['jump_p90'] == pytest.approx(np.percentile(jumps, 90))
  assert values['gap_mean'] == pytest.approx(np.mean(gaps))


# --- Keys ---------------------------------------------------------------------


def test_a_song_in_one_scale_is_fully_key_consistent():
  song = [scale_window(7, seed) for seed in range(6)]
  assert measured([song])['key_consistency'] == 1.0
  assert measured([song])['off_key_share'] == 0.0


def test_notes_off_the_songs_scale_are_off_key():
  song = [scale_window(0, seed) for seed in range(6)]
  song.append(frozenset([('melody', 61, 0, 32)]))  # a long C sharp in C major
  share = measured([song])['off_key_share']
  assert 0 < share < 0.5


def test_a_window_in_a_far_key_lowers_key_consistency_by_its_share():
  home = [scale_window(0, seed) for seed in range(3)]
  song = home + [scale_window(6, 9)]
  assert measured([song])['key_consistency'] == len(home) / len(song)


def test_drums_have_no_key():
  drums = window((36, 0, 1), (38, 4, 5), track='drums')
  assert measured([[drums, drums]])['key_consistency'] is None


# --- Copies and silence -------------------------------------------------------


def test_a_returning_section_that_copies_counts_as_one_copy():
  copied, new = melody_window(1), melody_window(2)
  values = measured([[copied, new, copied, new]], training_windows=[copied])
  assert values['copy_rate'] == 0.5
  assert measured([[copied, new]])['copy_rate'] is None


def test_silent_windows_are_counted():
  values = measured([[melody_window(1), frozenset(), melody_window(2)]])
  assert values['silent_windows'] == 1 and values['num_windows'] == 3


# --- Structure in the latent --------------------------------------------------


def aabb_labels(section_windows):
  return [(letter, place) for letter in 'AABB'
          for place in range(section_windows)]


def test_returning_sections_with_their_latents_show_the_form():
  rng = np.random.default_rng(0)
  a, b = rng.standard_normal([2, 2, 4])
  latents = [a[0], a[1], a[0], a[1], b[0], b[1], b[0], b[1]]
  contrast, same, other = songs.structure([latents], [aabb_labels(2)])
  cosines = [
      np.dot(a[i], b[i]) / np.linalg.norm(a[i]) / np.linalg.norm(b[i])
      for i in range(2)
  ]
  assert same == pytest.approx(1.0)
  assert other == pytest.approx(np.mean(cosines))
  assert contrast == pytest.approx(same - other) and contrast > 0


def test_random_latents_show_no_form():
  rng = np.random.default_rng(1)
  labels = aabb_labels(4)
  songs_latents = [list(rng.standard_normal([len(labels), 4]))
                   for _ in range(200)]
  contrast, _, _ = songs.structure(songs_latents, [labels] * 200)
  assert abs(contrast) < 0.1


def test_structure_compares_only_windows_at_the_same_place_of_a_section():
  rng = np.random.default_rng(2)
  a = rng.standard_normal([2, 4])
  # The same latent everywhere but at the first place of each B section.
  latents = [a[0], a[1], a[0], a[1], -a[0], a[1], -a[0], a[1]]
  contrast, same, other = songs.structure([latents], [aabb_labels(2)])
  assert same == pytest.approx(1.0)
  # Other-letter pairs: at place 0 opposite (-1), at place 1 identical (+1).
  assert other == pytest.approx(0.0, abs=1e-9)
  assert contrast == pytest.approx(1.0)


# --- The report ---------------------------------------------------------------


def test_the_songs_table_has_a_column_per_set_and_dashes_for_undefined():
  song_set = songs.SongSet([[melody_window(1), melody_window(2)]],
                           [[None, None]], None)
  sets = songs.measure_sets({name: song_set for name in songs.SETS},
                            WINDOW_BARS, WINDOW_STEPS, [melody_window(1)])
  lines = songs.markdown({
      'sets': sets,
      'plan': '4 bars, form A (sections of 4 bars)',
      'temperature': 0.5,
      'window_bars': WINDOW_BARS,
      'copy_reference': 'one window'
  })
  titles = [songs.SET_TITLES[name] for name in songs.SETS]
  header = '| measure | %s |' % ' | '.join(titles)
  assert lines[0] == '## Songs' and header in lines
  rows = [
      line for line in lines
      if line.startswith('| ') and not line.startswith('| ---')
  ]
  assert all(row.count(' | ') == len(songs.SETS) for row in rows)
  assert any(row.startswith('| copy rate | 0.500 | – | 0.500 |')
             for row in rows)
  assert len(songs.summary({'sets': sets}).splitlines()) == len(rows)

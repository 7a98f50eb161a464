"""midime.song_form: near-repeats, sections and forms learned from songs'
windows, the plans of new songs and their latent paths, and joins between
windows."""

import numpy as np
import pytest

from midime import song_form
from midime.errors import UserError

WINDOW_STEPS = 32  # two 16-step bars


def _window(seed, notes=8):
  """A window's notes (window_notes tuples): `notes` melody notes drawn from
  `seed`."""
  rng = np.random.default_rng(seed)
  onsets = sorted(rng.choice(WINDOW_STEPS, notes, replace=False))
  return frozenset(('melody', int(rng.integers(60, 80)), int(onset),
                    int(onset) + 1) for onset in onsets)


def _song(form, section_windows=4, seed=0):
  """A song of two-bar windows whose sections follow `form` exactly: a letter's
  sections are the same windows."""
  return [
      _window(seed * 1000 + ord(letter) * 10 + place)
      for letter in form
      for place in range(section_windows)
  ]


def _learned(songs, latent_size=4):
  count = sum(1 for song in songs for notes in song if notes is not None)
  rng = np.random.default_rng(0)
  return song_form.learn(songs, rng.standard_normal([count, latent_size]),
                         np.full([count, latent_size], 0.1), 2, WINDOW_STEPS,
                         step=7)


def test_a_window_sharing_half_its_notes_nearly_repeats_an_earlier_one():
  first = _window(1)
  half = frozenset(list(sorted(first))[:6]) | _window(2, notes=2)
  assert song_form.similarity(first, half) >= 0.5
  assert song_form.window_labels([first, _window(3), half]) == [0, 1, 0]


def test_silent_windows_and_holes_repeat_nothing():
  assert song_form.similarity(frozenset(), frozenset()) == 0.0
  assert song_form.window_labels([_window(1), None, frozenset()]) == [
      0, None, None
  ]


def test_near_repeat_share_counts_windows_that_return():
  songs = [_song('AB', section_windows=2), _song('AA', section_windows=2)]
  assert song_form.near_repeat_share(songs) == pytest.approx(2 / 8)


def test_sections_of_a_returning_strain_form_aabb():
  assert song_form.section_letters([0, 1, 0, 1, 2, 3, 2, 3], 2) == 'AABB'
  assert song_form.section_letters([0, 1, 2, 3, 0, 1, 2, 3], 4) == 'AA'
  # Half of a section's windows returning make it return (a second ending).
  assert song_form.section_letters([0, 1, 0, 5], 2) == 'AA'
  assert song_form.section_letters([0, 1, 5, 6], 2) == 'AB'


def test_learning_finds_the_strain_length_and_the_commonest_form():
  songs = [_song('AABB', seed=seed) for seed in range(3)]
  songs.append(_song('ABAC', 4, 9))
  form = _learned(songs)
  assert form.section_windows == 4
  assert form.section_bars == 8
  assert form.form == 'AABB'
  assert form.song_forms == ['AABB', 'AABB', 'AABB', 'ABAC']
  assert form.typical_bars == 32
  assert form.near_repeat_share == pytest.approx((3 * 8 + 4) / 64)


def test_songs_without_repeats_show_no_form_and_plan_the_default_one():
  form = _learned([[_window(seed), _window(seed + 50)] for seed in range(3)])
  assert form.form is None and form.section_windows is None
  plan = form.plan()
  assert plan.form == song_form.DEFAULT_FORM
  assert plan.section_letters() == list(song_form.DEFAULT_FORM)
  assert plan.num_bars == (len(song_form.DEFAULT_FORM) *
                           song_form.DEFAULT_SECTION_BARS)


def test_a_plan_fills_the_bars_with_the_learned_form():
  form = _learned([_song('AABB', seed=seed) for seed in range(2)])
  plan = form.plan(num_bars=64)
  assert plan.describe() == '64 bars, form A A B B A A B B (sections of 8 bars)'
  assert len(plan.letters) == 32
  assert plan.within[:5] == [0, 1, 2, 3, 0]


def test_a_given_form_shares_the_bars_among_its_sections():
  form = _learned([_song('AABB')])
  assert form.plan(num_bars=24, form='ABA').describe() == (
      '24 bars, form A B A (sections of 8 bars)')
  assert form.plan(form='ABAC', section_bars=4).num_bars == 16


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_bars=7), '{num_bars} must be a positive multiple of the '
     'model\'s 2-bar window, got 7; the nearest that works is 8'),
    (dict(num_bars=0), '{num_bars} must be a positive multiple'),
    (dict(section_bars=3), '{section_bars} must be a positive multiple of the '
     'model\'s 2-bar window, got 3; the nearest that works is 4'),
    (dict(form=''), '{form} must be section letters A-Z'),
    (dict(form='AaB'), "{form} must be section letters A-Z, such as AABA or "
     "ABAC; got 'AaB'"),
    (dict(form='A B'), '{form} must be section letters'),
    (dict(num_bars=12, form='AABB'), '{num_bars}=12 does not share into 4 '
     'sections of whole 2-bar windows for {form}=AABB; give {section_bars}, '
     'or {num_bars}=8'),
])
def test_plans_that_cannot_work_say_what_would(kwargs, message):
  form = _learned([_song('AABB')])
  with pytest.raises(UserError) as raised:
    form.plan(**kwargs)
  assert raised.value.args[0].startswith(message)


def test_a_path_repeats_a_returning_section_and_draws_new_ones():
  form = _learned([_song('AABB', seed=seed) for seed in range(3)])
  plan = form.plan()
  path = form.draw_path(plan, np.random.default_rng(1), num_candidates=3)
  assert len(path) == 16
  for place, step in enumerate(path):
    if place < 4 or 8 <= place < 12:
      assert step.repeats is None
      assert step.latents.shape == (3, 4)
    else:
      assert step.repeats == place - 4
      assert step.latents is None


def test_a_path_is_a_function_of_the_generator_state():
  form = _learned([_song('AABB', seed=seed) for seed in range(3)])
  plan = form.plan()
  first, second = (form.draw_path(plan, np.random.default_rng(5), 2)
                   for _ in range(2))
  for a, b in zip(first, second):
    assert a.state == b.state
    assert (a.latents is None) == (b.latents is None)
    if a.latents is not None:
      np.testing.assert_array_equal(a.latents, b.latents)


def test_a_path_follows_the_songs_from_one_window_to_the_next():
  # Two pairs of twin songs (the same latents, place for place), the windows
  # of a song far apart: the kernel may swap twins, never the order.
  songs = [[_window(seed * 10 + place) for place in range(4)]
           for seed in range(4)]
  chain = np.arange(4, dtype=np.float32)[:, None] * 100 * np.ones([1, 4])
  means = np.concatenate([chain, chain, chain + 1000, chain + 1000])
  form = song_form.learn(songs, means, np.full([16, 4], 0.01), 2, WINDOW_STEPS)
  for seed in range(5):
    path = form.draw_path(form.plan(num_bars=8, form='ABCD', section_bars=2),
                          np.random.default_rng(seed), 1)
    assert [form.position[step.state] for step in path] == [0, 1, 2, 3]


def test_the_form_survives_its_json_sidecar():
  form = _learned([_song('AABB', seed=seed) for seed in range(2)])
  again = song_form.SongForm.from_json(form.to_json())
  assert again.form == form.form and again.step == 7
  assert again.section_windows == form.section_windows
  np.testing.assert_allclose(again.mean, form.mean, atol=1e-5)
  assert again.plan().describe() == form.plan().describe()


def test_a_join_measures_the_leap_and_the_gap_across_the_boundary():
  before = frozenset([('melody', 60, 0, 4), ('melody', 67, 20, 28)])
  after = frozenset([('melody', 72, 2, 6), ('melody', 62, 10, 12)])
  assert song_form.join(before, after, WINDOW_STEPS) == (5, 6)
  assert song_form.join(before, frozenset(), WINDOW_STEPS) == (None, None)
  drums = frozenset([('drums', 36, 0, 1)])
  assert song_form.join(drums, drums, WINDOW_STEPS) == (None, 31)


def test_a_silent_window_never_joins_and_a_smooth_one_costs_least():
  before = frozenset([('melody', 60, 28, 32)])
  smooth = frozenset([('melody', 62, 0, 4)])
  leap = frozenset([('melody', 84, 8, 12)])
  assert song_form.join_cost(before, frozenset(), WINDOW_STEPS) == np.inf
  assert (song_form.join_cost(before, smooth, WINDOW_STEPS) <
          song_form.join_cost(before, leap, WINDOW_STEPS))


def _scale_window(tonic, seed):
  rng = np.random.default_rng(seed)
  degrees = rng.permutation([0, 2, 4, 5, 7, 9, 11])
  return frozenset(('melody', 60 + tonic + int(degree), 4 * index,
                    4 * index + (8 if degree in (0, 4, 7) else 2))
                   for index, degree in enumerate(degrees))


def test_a_path_keeps_to_the_key_of_the_song_it_starts_in():
  # Songs in C and in F sharp whose latents mix: the path keeps its key.
  songs = [[_scale_window(tonic, seed * 10 + place) for place in range(8)]
           for seed, tonic in enumerate((0, 6, 0, 6))]
  rng = np.random.default_rng(0)
  form = song_form.learn(songs, rng.standard_normal([32, 4]),
                         np.full([32, 4], 0.1), 2, WINDOW_STEPS)
  assert form.song_keys == [0, 6, 0, 6]
  kept = []
  for seed in range(10):
    path = form.draw_path(form.plan(num_bars=32, form='ABCD'),
                          np.random.default_rng(seed), 1)
    key = form.key_of(path)
    assert key in (0, 6)
    kept.extend(form.song_keys[form.song[step.state]] == key for step in path)
  assert np.mean(kept) > 0.8


def test_notes_off_a_keys_scale_are_counted_by_their_time():
  c_major = _scale_window(0, 1)
  assert song_form.out_of_key(c_major, 0) == 0.0
  assert song_form.out_of_key(c_major, 9 + 12) == 0.0  # A minor: its relative
  off = c_major | {('melody', 61, 0, 10)}
  assert 0 < song_form.out_of_key(off, 0) < 1
  assert song_form.out_of_key(frozenset([('drums', 36, 0, 1)]), 0) == 0.0

"""midime.songs: a song written from a plan and a decoder: windows laid end to
end on the bar grid, returning sections repeated (or varied), no silent window,
the candidate that joins best kept, and the sections marked."""

import note_seq
import numpy as np
import pytest

from midime import song_form
from midime import songs
from midime.errors import UserError

WINDOW_STEPS = 32
WINDOW_SECONDS = 4.0  # two 4/4 bars at 120 qpm


def _window_notes(seed):
  rng = np.random.default_rng(seed)
  return [('melody', int(rng.integers(60, 80)), int(onset), int(onset) + 2)
          for onset in sorted(rng.choice(WINDOW_STEPS - 2, 6, replace=False))]


class FakeDecoder(object):
  """Decodes a latent to a two-bar melody whose notes follow from the latent's
  first value; latents whose first value is below `silent_below` decode to
  silence."""

  def __init__(self, silent_below=-np.inf):
    self.silent_below = silent_below
    self.calls = 0

  def decode(self, latents, temperature=0.5):
    del temperature
    self.calls += 1
    decoded = []
    for latent in latents:
      sequence = note_seq.NoteSequence()
      sequence.tempos.add(qpm=120)
      if latent[0] >= self.silent_below:
        seed = int(abs(latent[0]) * 1000) % 100000
        base = int(60 + (latent[0] * 7) % 20)
        for _, pitch, start, end in _window_notes(seed):
          sequence.notes.add(pitch=(pitch + base) // 2, velocity=80,
                             start_time=start * 0.125, end_time=end * 0.125)
      sequence.total_time = WINDOW_SECONDS
      decoded.append(sequence)
    return decoded


def _form(section_form='AABB', songs_count=3):
  """A SongForm learned from songs in `section_form` with 4-window sections."""
  songs_notes = []
  for seed in range(songs_count):
    songs_notes.append([
        frozenset(_window_notes(seed * 1000 + ord(letter) * 10 + place))
        for letter in section_form
        for place in range(4)
    ])
  count = sum(len(song) for song in songs_notes)
  rng = np.random.default_rng(0)
  return song_form.learn(songs_notes, rng.standard_normal([count, 4]),
                         np.full([count, 4], 0.3), 2, WINDOW_STEPS)


def _notes(sequence):
  return [(n.pitch, round(n.start_time, 3), round(n.end_time, 3))
          for n in sequence.notes]


def test_a_song_lays_its_windows_end_to_end_in_the_learned_form():
  song = songs.compose(FakeDecoder(), _form(), np.random.default_rng(1))
  assert song.describe() == '32 bars, form A A B B (sections of 8 bars)'
  assert len(song.windows) == 16
  assert song.sequence.total_time == pytest.approx(16 * WINDOW_SECONDS)
  assert song.latents.shape == (16, 4)
  for place, window in enumerate(song.windows):
    shifted = [(p, round(s - place * WINDOW_SECONDS, 3),
                round(e - place * WINDOW_SECONDS, 3))
               for p, s, e in _notes(song.sequence)
               if place * WINDOW_SECONDS <= s < (place + 1) * WINDOW_SECONDS]
    assert sorted(shifted) == sorted(_notes(window))


def test_a_returning_section_repeats_the_first_note_for_note():
  song = songs.compose(FakeDecoder(), _form(), np.random.default_rng(2))
  for place in range(4):
    assert _notes(song.windows[place]) == _notes(song.windows[place + 4])
    assert _notes(song.windows[place + 8]) == _notes(song.windows[place + 12])
  assert _notes(song.windows[0]) != _notes(song.windows[8])


def test_variation_redraws_a_returning_section_near_the_first():
  form = _form()
  exact = songs.compose(FakeDecoder(), form, np.random.default_rng(3))
  varied = songs.compose(FakeDecoder(), form, np.random.default_rng(3),
                         variation=0.5)
  changed = sum(
      _notes(varied.windows[place]) != _notes(varied.windows[place - 4])
      for place in (4, 5, 6, 7, 12, 13, 14, 15))
  assert changed > 0
  np.testing.assert_allclose(varied.latents[:4], exact.latents[:4])
  assert np.abs(varied.latents[4:8] - varied.latents[:4]).max() < 3


def test_sections_are_marked_where_they_start():
  song = songs.compose(FakeDecoder(), _form(), np.random.default_rng(1),
                       form='ABA', num_bars=24)
  starts = [(a.time, a.section_id) for a in song.sequence.section_annotations]
  assert starts == [(0.0, 0), (8 * 2.0, 1), (16 * 2.0, 0)]


def test_no_window_of_a_song_is_silent_while_a_candidate_sounds():
  decoder = FakeDecoder(silent_below=0.0)
  song = songs.compose(decoder, _form(), np.random.default_rng(4))
  assert all(window.notes for window in song.windows)


def test_silent_candidates_are_drawn_again():
  # Almost every latent decodes to silence: places are redrawn until a
  # candidate sounds.
  decoder = FakeDecoder(silent_below=1.2)
  song = songs.compose(decoder, _form(), np.random.default_rng(5))
  assert decoder.calls > 1
  assert sum(1 for window in song.windows if window.notes) > 0


def test_the_candidate_that_joins_best_is_kept():
  rng = np.random.default_rng(6)
  song = songs.compose(FakeDecoder(), _form(), rng, num_candidates=6)
  one = songs.compose(FakeDecoder(), _form(), np.random.default_rng(6),
                      num_candidates=1)

  def mean_cost(song):
    notes = [
        frozenset(('melody', n.pitch, int(round(n.start_time * 8)),
                   int(round(n.end_time * 8))) for n in window.notes)
        for window in song.windows
    ]
    return np.mean([
        song_form.join_cost(a, b, WINDOW_STEPS)
        for a, b in zip(notes, notes[1:])
    ])

  assert mean_cost(song) <= mean_cost(one)


def test_a_negative_variation_is_refused():
  with pytest.raises(UserError) as raised:
    songs.compose(FakeDecoder(), _form(), np.random.default_rng(0),
                  variation=-1)
  assert str(raised.value) == 'variation must be 0 or more, got -1'

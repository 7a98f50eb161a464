"""windows.py: every slice at every transposition, and why songs were dropped."""

import numpy as np
import pytest

from midime import configs
import melodies
from midime.errors import UserError
from midime import windows


def _config():
  # Transposing, as the MusicVAE's augmenter (SmallMusicVAE's default is the songs'
  # own keys): these tests cover every transposition.
  return configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')


def test_takes_every_two_bar_slice_at_every_transposition():
  config = _config()
  songs = [('a', melodies.random_melody(1, bars=8)), ('b', melodies.random_melody(2))]
  slices, report = windows.extract_windows(
      songs, config.data_converter, config.note_sequence_augmenter)
  # A melody of B bars has B - 1 overlapping two-bar windows (one-bar hop); magenta's
  # training mode would keep at most 5 random ones of the 7.
  assert report.windows_per_sequence == [7, 3]
  assert report.transpositions == list(range(-5, 6))
  assert len(slices) == (7 + 3) * 11
  assert slices.inputs.shape == (110, 32, 90)
  assert set(slices.transpose) == set(range(-5, 6))
  assert np.all(slices.lengths == 32)
  assert np.array_equal(slices.inputs, slices.outputs)
  # Transposing shifts note-on events (index pitch - 21 + 2; 0 and 1 are no-event and
  # note-off). The converter dedupes slices through a set, so compare as sets.
  def events(selected):
    return {tuple(np.argmax(one, -1)) for one in slices.inputs[selected]}
  untransposed = events((slices.source_index == 1) & (slices.transpose == 0))
  up_two = events((slices.source_index == 1) & (slices.transpose == 2))
  assert up_two == {tuple(e + 2 if e >= 2 else e for e in one) for one in untransposed}
  assert config.data_converter.max_tensors_per_notesequence == 5  # config untouched


def test_reports_why_songs_give_no_slices():
  config = _config()
  empty = melodies.random_melody(3)
  del empty.notes[:]
  songs = [
      ('good', melodies.random_melody(1)),
      ('waltz', melodies.random_melody(2, numerator=3, denominator=4)),
      ('drums', melodies.random_melody(3, is_drum=True)),
      ('silence', empty),
      ('organ', melodies.random_melody(4, program=40)),
      ('short', melodies.random_melody(5, bars=1)),
  ]
  _, report = windows.extract_windows(
      songs, config.data_converter, config.note_sequence_augmenter, meter='strict')
  assert report.dropped == {
      'waltz': '3/4 time: bars of 12 steps, the config needs 16-step bars (4/4, 2/2); '
               '--meter=rebar reads it as 16-step bars',
      'drums': 'drums only',
      'silence': 'no notes',
      'organ': 'no melody instrument (General MIDI programs 0-31; name a track with '
               '--tracks to read it anyway)',
      'short': 'shorter than one window: 16 steps, the model reads 2-bar windows '
               '(32 steps)',
  }
  summary = report.summary()
  assert '1 of 6 NoteSequences gave 3 two-bar windows' in summary
  assert 'dropped 1 (drums only): drums' in summary


def test_no_slice_at_all_is_a_user_error_with_the_reasons():
  config = _config()
  with pytest.raises(UserError, match=r'no two-bar melodies .*: dropped 1 \(drums only\): drums$'):
    windows.extract_windows(
        [('drums', melodies.random_melody(3, is_drum=True))],
        config.data_converter, config.note_sequence_augmenter)

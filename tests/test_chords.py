"""midime.chords: progressions read into the chord encoding, chord symbols
written, chord tones counted."""

import note_seq
import numpy as np
import pytest

from midime import chords
from midime import configs
from midime.errors import UserError
from tests import testing_lib


def _converter():
  return configs.get_config('ae-cat-mel_2bar_med_chords').data_converter


def test_a_progression_is_one_chord_per_bar_repeated_from_any_bar():
  converter = _converter()
  figures = chords.parse_progression('C, G  Am F', converter)
  assert figures == ['C', 'G', 'Am', 'F']
  controls = chords.progression_controls(figures, converter, 32, 16,
                                         start_bar=3)
  assert controls.shape == (32, converter.control_depth)
  steps = chords.figures_of(controls, converter)
  assert steps == ['F'] * 16 + ['C'] * 16


@pytest.mark.parametrize('text, message', [
    ('C G Xm F', "chords: cannot read chord 'Xm' (chord 3 of 4 in "
     "'C G Xm F')"),
    ('', 'chords names no chord'),
])
def test_an_unreadable_progression_names_the_chord_and_its_place(
    text, message):
  with pytest.raises(UserError) as raised:
    chords.parse_progression(text, _converter())
  assert str(raised.value).startswith(message)


def test_chords_for_a_config_without_them_are_refused():
  converter = configs.get_config('ae-cat-mel_2bar_big').data_converter
  assert not chords.is_chord_conditioned(converter)
  with pytest.raises(UserError, match='is not one'):
    chords.progression_for('C G', converter, 'ae-cat-mel_2bar_big')


def test_chord_symbols_are_written_where_the_chord_changes():
  converter = _converter()
  controls = chords.progression_controls(['C', 'C', 'G7'], converter, 48, 16)
  sequence = note_seq.NoteSequence()
  chords.add_chord_symbols(sequence, controls, converter, 0.125)
  # The triad encoding keeps a seventh chord's triad.
  assert chords.chords_at(sequence) == [(0.0, 'C'), (4.0, 'G')]
  assert sequence.total_time == 6.0


def test_chord_tones_on_the_beats_are_counted_against_the_chords_sounding():
  melody = testing_lib.melody_over_chords(0, ('C', 'G', 'Am', 'F'), bars=4)
  tones, counted = chords.chord_tone_counts(melody, beat_seconds=0.5)
  assert counted > 8 and tones == counted
  moved = list(zip([0.0, 2.0, 4.0, 6.0], chords.transposed(
      ['C', 'G', 'Am', 'F'], 6)))
  assert chords.chord_tone_share([melody], 0.5, lambda i: moved) == 0.0
  assert np.isnan(chords.chord_tone_share([note_seq.NoteSequence()], 0.5))


def test_transposed_controls_move_every_chord():
  converter = _converter()
  controls = chords.progression_controls(['C', 'Am', 'N.C.'], converter, 48,
                                         16)
  moved = chords.transposed_controls(controls[None], 6, converter)
  assert moved.shape == (1, 48, converter.control_depth)
  assert [chords.figures_of(moved[0], converter)[step]
          for step in (0, 16, 32)] == ['F#', 'Ebm', 'N.C.']

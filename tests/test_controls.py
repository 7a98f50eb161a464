"""midime.controls: where a converter's controls come from, and their compact
form in a trained model's files."""

import numpy as np
import pytest

from midime import chords
from midime import configs
from midime import controls
from midime import windows
from tests import testing_lib

HITS_CONFIG = 'ae-groovae_2bar_hits_control_tfds'
BAND_CHORDS_CONFIG = 'ae-hier-multiperf_vel_1bar_med_chords'


def _converter(name):
  return configs.get_config(name).data_converter


@pytest.mark.parametrize('name, kind', [
    ('ae-cat-mel_2bar_big', None),
    ('ae-groovae_2bar_humanize', None),
    ('ae-cat-mel_2bar_med_chords', controls.CHORDS),
    (BAND_CHORDS_CONFIG, controls.CHORDS),
    (HITS_CONFIG, controls.HITS),
])
def test_each_converter_says_where_its_controls_come_from(name, kind):
  assert controls.kind_of(_converter(name)) == kind


def test_a_groove_windows_controls_are_its_own_hits():
  converter = _converter(HITS_CONFIG)
  found, _ = windows.extract_windows(
      [('beat', testing_lib.drum_pattern(0, bars=2))], converter, None)
  depth = converter.control_depth
  # The hits are the first of the window's hits, velocities and offsets.
  np.testing.assert_array_equal(found.controls, found.outputs[..., :depth])
  assert found.controls.any()


def test_hits_keep_every_drum_of_a_step_in_compact_form():
  converter = _converter(HITS_CONFIG)
  rng = np.random.default_rng(0)
  hits = (rng.random([3, 32, converter.control_depth]) < 0.3)
  compacted = controls.compact(hits, converter)
  assert compacted.shape == (3, 32)
  np.testing.assert_array_equal(controls.expand(compacted, converter), hits)


def test_a_bands_chords_are_kept_one_a_bar_and_given_on_every_event():
  converter = _converter(BAND_CHORDS_CONFIG)
  window = chords.progression_controls(['Am'], converter, 96, 96)
  # magenta's Multitrack colab: no chord on the first event, the bar's chord
  # on all the others (every instrument's).
  encoding = chords.chord_encoding_of(converter)
  figures = [
      encoding.decode_event(int(i)) for i in np.argmax(window, axis=-1)
  ]
  assert len(figures) == 8 * 64
  assert figures[0] == 'N.C.' and set(figures[1:]) == {'Am'}
  compacted = controls.compact(window[None], converter)
  assert compacted.shape == (1, 1)
  np.testing.assert_array_equal(controls.expand(compacted, converter)[0],
                                window)
  assert chords.figures_of(window, converter) == ['Am']


def test_a_bands_chord_symbol_is_written_once_at_the_bar():
  converter = _converter(BAND_CHORDS_CONFIG)
  window = chords.progression_controls(['C', 'G'], converter, 96, 96,
                                       start_bar=1)
  sequence = testing_lib.band(0, bars=1)
  chords.add_chord_symbols(sequence, window, converter, 60.0 / 120 / 24)
  assert chords.chords_at(sequence) == [(0.0, 'G')]
  assert sequence.total_time == pytest.approx(2.0)


def test_a_bands_windows_carry_the_songs_chords():
  converter = _converter(BAND_CHORDS_CONFIG)
  song = testing_lib.band_over_chords(0, ('C', 'F'), bars=2)
  found, _ = windows.extract_windows([('band', song)], converter, None)
  assert [chords.figures_of(row, converter) for row in found.controls] == [
      ['C'], ['F']
  ]


@pytest.mark.parametrize('played, share', [
    ([[1, 0], [0, 1]], 1.0),
    ([[1, 1], [0, 0]], 1 / 3),
    ([[0, 0], [0, 0]], 0.0),
])
def test_the_hits_share_counts_the_cells_hit_in_both(played, share):
  assert controls.hits_share([[1, 0], [0, 1]], played) == pytest.approx(share)

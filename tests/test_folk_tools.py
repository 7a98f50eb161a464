"""tools/folk_corpus.py and tools/folk_model_data.py: the parts that need no
music21."""

import types

import numpy as np
import pytest

from tests import testing_lib
from tools import folk_corpus
from tools import folk_model_data


def _measure(quarters, padding_left=0.0):
  return types.SimpleNamespace(
      duration=types.SimpleNamespace(quarterLength=quarters),
      paddingLeft=padding_left)


def test_title_key_finds_one_tune_under_two_spellings():
  assert folk_corpus.title_key(
      'BOYS OF BLUE HILL -- HORNPIPE') == 'boysofbluehill'
  assert folk_corpus.title_key('The Boys of Bluehill') == 'boysofbluehill'
  assert folk_corpus.title_key("Lincoln's Hornpipe") == 'lincolns'
  # Numbered variants count as the same tune: they stay on one side of the
  # split.
  assert folk_corpus.title_key('Lincolns Hornpipe No. 2') == 'lincolns'


def test_ascii_title_tidies_the_books_spellings():
  assert folk_corpus._ascii_title('Amat:eur Hornpipe') == 'Amateur Hornpipe'
  assert folk_corpus._ascii_title('BOYS OF BLUE HILL -- HORNPIPE') == (
      'Boys Of Blue Hill Hornpipe')


def test_only_common_time_tunes_are_kept():
  def tune(*meters):
    return folk_corpus.Tune('x', 'c', 't', '', tuple(meters), '')

  assert folk_corpus.is_common_time(tune('C|'))
  assert folk_corpus.is_common_time(tune('C', '4/4'))
  assert not folk_corpus.is_common_time(tune('6/8'))
  # An inline meter change.
  assert not folk_corpus.is_common_time(tune('C', '3/4'))
  assert not folk_corpus.is_common_time(tune())


def test_every_single_meter_is_read():
  def tune(*meters):
    return folk_corpus.Tune('x', 'c', 't', '', tuple(meters), '')

  assert folk_corpus.tune_meter(tune('C|')) == (2, 2)
  assert folk_corpus.tune_meter(tune('6/8', '6/8')) == (6, 8)
  assert folk_corpus.tune_meter(tune('3/4')) == (3, 4)
  assert folk_corpus.tune_meter(tune('C', '4/4')) == (4, 4)
  assert folk_corpus.tune_meter(tune('6/8', '9/8')) is None  # changes meter
  assert folk_corpus.tune_meter(tune('none')) is None
  assert folk_corpus.tune_meter(tune('3/0')) is None
  assert folk_corpus.tune_meter(tune()) is None


def test_measures_land_on_the_bar_grid_of_six_eight():
  # 6/8: bars of 3 quarters; a one-quaver pickup ends where bar 1 starts.
  starts, moved = folk_corpus._measure_starts(
      [_measure(0.5, padding_left=2.5),
       _measure(3.0),
       _measure(3.0)], 3.0)
  assert starts == [2.5, 3.0, 6.0] and moved == 0


def test_measures_land_on_the_bar_grid():
  # A one-beat pickup, two full bars, a half-bar first ending, then a full bar.
  starts, moved = folk_corpus._measure_starts([
      _measure(1.0, padding_left=3.0),
      _measure(4.0),
      _measure(4.0),
      _measure(2.0),
      _measure(4.0)
  ], 4.0)
  assert starts == [3.0, 4.0, 8.0, 12.0, 16.0]
  assert moved == 1  # the bar after the short ending moves to the next bar line
  # A pickup after a full bar ends where the next strain's first bar starts.
  starts, moved = folk_corpus._measure_starts(
      [_measure(4.0), _measure(1.0),
       _measure(4.0)], 4.0)
  assert starts == [0.0, 7.0, 8.0] and moved == 0


def _named(title, sequence_id):
  sequence = testing_lib.random_melody(len(title), bars=2, name=sequence_id)
  sequence.id = sequence_id
  sequence.sequence_metadata.title = title
  return sequence


def test_held_out_split_is_by_title_and_leaves_the_examples_out():
  example_id = folk_corpus.EXAMPLE_IDS[0]
  sequences = [
      _named("Almack's Hornpipe", example_id),
      # Same tune, other book.
      _named('Almacks Hornpipe', 'oneills1850/0001')
  ]
  for index in range(40):
    title = 'Tune %s' % chr(ord('a') + index % 26) * (1 + index // 26)
    sequences.append(_named(title, 'oneills1850/%04d' % (index + 2)))
    sequences.append(_named(title + ' reel', 'ryansMammoth/t%d' % index))
  train, held_out = folk_model_data.split_tunes(sequences, eval_fraction=0.2,
                                                seed=3)
  train_keys = {folk_corpus.title_key(s.sequence_metadata.title) for s in train}
  held_keys = {
      folk_corpus.title_key(s.sequence_metadata.title) for s in held_out
  }
  assert not train_keys & held_keys  # both transcriptions on one side
  assert 'almacks' not in train_keys | held_keys
  assert len(train) + len(held_out) == 80
  assert 16 <= len(held_out) <= 18
  again = folk_model_data.split_tunes(sequences, eval_fraction=0.2, seed=3)
  assert [s.id for s in again[1]] == [s.id for s in held_out]


def test_slice_labels_round_trip_to_one_hot():
  config = folk_model_data.vae_config(
      folk_model_data.BASE_MODELS['folk-mel_2bar'], training=False)
  sequences = [
      testing_lib.random_melody(seed, bars=4, name='m%d' % seed)
      for seed in range(3)
  ]
  data = folk_model_data.slice_labels(sequences, config, transpose=False)
  assert data.labels.shape == (9, 32)  # three slices of each four-bar melody
  depth = config.data_converter.output_depth
  one_hot = folk_model_data.one_hot(data.labels, depth)
  assert one_hot.shape == (9, 32, depth)
  np.testing.assert_array_equal(np.argmax(one_hot, -1), data.labels)
  transposed = folk_model_data.slice_labels(sequences, config, transpose=True)
  assert len(transposed.labels) > len(data.labels)


def test_random_transpositions_stay_in_range_and_keep_rests():
  depth = 10  # note-off, no event, pitches 2..9
  labels = np.array(
      [
          [2, 1, 3, 0, 1],  # lowest pitch: can only go up
          [9, 1, 8, 1, 0],  # highest pitch: can only go down
          [5, 1, 6, 0, 1],  # room both ways
          [1, 1, 0, 1, 1]
      ],  # no pitches: rests stay rests
      np.int8)
  seen = set()
  for seed in range(50):
    shifted = folk_model_data.random_transpositions(labels, depth,
                                                    np.random.RandomState(seed),
                                                    3)
    assert shifted.dtype == labels.dtype
    # Rests where they were.
    np.testing.assert_array_equal(shifted < 2, labels < 2)
    np.testing.assert_array_equal(shifted[labels < 2], labels[labels < 2])
    assert shifted.min() >= 0 and shifted.max() <= depth - 1
    shifts = (shifted - labels)[:, 0]
    assert 0 <= shifts[0] <= 3 and -3 <= shifts[1] <= 0 and -3 <= shifts[2] <= 3
    # One shift per window, whole: its intervals are kept.
    np.testing.assert_array_equal(np.diff(shifted[labels >= 2].reshape(3, 2)),
                                  np.diff(labels[labels >= 2].reshape(3, 2)))
    seen.add(int(shifts[2]))
  assert seen == set(range(-3, 4))  # every allowed shift is drawn


def test_the_16_bar_model_reads_every_meter_the_2_bar_model_common_time():
  common = testing_lib.random_melody(1, bars=4, name='reel')
  jig = testing_lib.random_melody(2, bars=4, name='jig', numerator=6,
                                  denominator=8)
  two_bar = folk_model_data.BASE_MODELS['folk-mel_2bar']
  sixteen_bar = folk_model_data.BASE_MODELS['folk-mel_16bar']
  assert folk_model_data.corpus_tunes(two_bar, [common, jig]) == [common]
  assert folk_model_data.corpus_tunes(sixteen_bar,
                                      [common, jig]) == [common, jig]
  with pytest.raises(folk_model_data.UserError, match='unknown base model'):
    folk_model_data.base_model_spec('folk-mel_3bar')

"""evaluation/measures.py: how close the personalized samples are to the songs,
against the prior's, and whether they copy them."""

import numpy as np
import pytest

from midime import configs
from midime import windows as windows_lib
from midime.evaluation import measures as measures_lib
from tests import testing_lib


def _random_windows(rng, count, low, high, notes=8, legato=True):
  windows = []
  for _ in range(count):
    starts = np.sort(rng.choice(32, notes, replace=False))
    ends = list(starts[1:]) + [32] if legato else starts + 1
    windows.append(
        frozenset(('melody', int(rng.integers(low, high)), int(a), int(b))
                  for a, b in zip(starts, ends)))
  return windows


def test_replayed_songs_are_closer_on_every_measure_but_fail_copying():
  rng = np.random.default_rng(0)
  songs = _random_windows(rng, 20, 60, 72)
  windows = {
      'examples': songs,
      'training': songs,
      'personalized': list(songs),
      'prior': _random_windows(rng, 20, 30, 100, notes=3, legato=False)
  }
  latents = {'examples': rng.standard_normal([20, 6])}
  latents['training'] = latents['personalized'] = latents['examples'].copy()
  latents['prior'] = rng.standard_normal([20, 6]) + 2.0
  measures, copying, _ = measures_lib.compute_metrics(windows, latents, 32,
                                                      seed=0)
  for reference in ('given', 'trained'):
    assert measures_lib.closer_counts(measures, reference) == (8, 8), measures
  # Replaying the songs is closeness no one wants: the copy line fails.
  assert copying['copy_rate'] == {'personalized': 1.0, 'prior': 0.0}
  assert not copying['passed']
  assert copying['nearest_neighbour_distance']['personalized'] == 0.0
  given = {
      key: entry['given']['personalized'] for key, entry in measures.items()
  }
  assert given['latent_frechet_pca'] == pytest.approx(0, abs=1e-9)
  # The unbiased MMD of a set with itself is below 0: its cross term keeps the
  # diagonal its self terms leave out.
  assert given['latent_mmd'] < 0
  assert given['oa_melody_num_notes'] == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize('vae_config_name, tapped', [
    ('groovae_4bar', False),
    ('groovae_2bar_tap_fixed_velocity', True),
])
def test_the_encoder_reads_a_groove_as_its_converter_gives_it(
    vae_config_name, tapped):
  converter = configs.get_config('ae-' + vae_config_name).data_converter
  song = testing_lib.drum_pattern(2, bars=4, name='beat')
  found = windows_lib.song_windows([('beat', song)], converter)
  grooves = measures_lib.WindowSet(found.outputs, converter)
  inputs, lengths = measures_lib.encoder_inputs(grooves, converter)
  assert lengths.tolist() == found.lengths.tolist()
  # A tap GrooVAE's encoder reads the groove tapped on one drum, as training
  # encoded the songs; a whole-groove one reads the groove itself. (Through a
  # NoteSequence, offsets move by float rounding of note times.)
  np.testing.assert_allclose(inputs, found.inputs, atol=1e-4)
  assert np.array_equal(inputs, grooves.one_hot) != tapped

"""midime.families: every MusicVAE family has what it makes, its window hop, its
LCMusicVAE decoder kind and Magenta's checkpoint address, each agreeing with
magenta's own config of it; and the table loads no TensorFlow."""

import os
import subprocess
import sys

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from magenta.models.music_vae import lstm_models
import pytest

from midime import families
from midime import frozen_music_vae

_FAMILIES_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# magenta's converters for these families take 4 steps per quarter, 4/4.
_FAMILIES_STEPS_PER_BAR = 16


def _families_window_bars(name):
  config = frozen_music_vae.music_vae_config(name)
  if name in families.MULTITRACK_FAMILIES:
    # Its steps are the tokens of 8 instruments' performances of one bar.
    # pylint: disable=protected-access
    return config.data_converter._hop_size_bars
  return config.hparams.max_seq_len // _FAMILIES_STEPS_PER_BAR


def test_importing_the_families_table_loads_no_tensorflow():
  result = subprocess.run([
      sys.executable, '-c',
      'import sys, midime.families; print(sorted(m for m in sys.modules if '
      'm.split(".")[0] in ("tensorflow", "magenta", "note_seq")))'
  ], cwd=_FAMILIES_REPO, capture_output=True, text=True, timeout=60)
  assert result.returncode == 0, result.stderr
  assert result.stdout.strip() == '[]'


@pytest.mark.parametrize('name', list(families.FAMILIES))
def test_each_family_says_what_it_makes_in_bars_of_its_windows(name):
  description, _, _ = families.FAMILIES[name]
  assert description.startswith('%d-bar ' % _families_window_bars(name))


@pytest.mark.parametrize('name', list(families.FAMILIES))
def test_sixteen_bar_families_hop_and_shorter_ones_slide(name):
  _, hop_bars, _ = families.FAMILIES[name]
  if _families_window_bars(name) == 16:
    assert hop_bars == families.SIXTEEN_BAR_HOP_BARS
  else:
    assert hop_bars is None


def test_the_sixteen_bar_hop_keeps_every_bar_in_whole_windows():
  assert 0 < families.SIXTEEN_BAR_HOP_BARS < 16
  assert 16 % families.SIXTEEN_BAR_HOP_BARS == 0


@pytest.mark.parametrize('name', list(families.FAMILIES))
def test_each_lc_decoder_kind_matches_magentas_decoder(name):
  _, _, kind = families.FAMILIES[name]
  decoder = frozen_music_vae.music_vae_config(name).model.decoder
  if isinstance(decoder, lstm_models.HierarchicalLstmDecoder):
    assert kind is not None and kind.startswith('hierarchical')
  elif isinstance(decoder, lstm_models.MultiOutCategoricalLstmDecoder):
    assert kind == 'categorical-trio'
  elif isinstance(decoder, lstm_models.CategoricalLstmDecoder):
    assert kind == 'categorical'
  else:  # NADE and GrooVAE decoders: no LCMusicVAE for them
    assert kind is None


def test_only_trios_have_a_trio_decoder_kind():
  trio_kinds = {
      name for name, (_, _, kind) in families.FAMILIES.items()
      if kind and kind.endswith('-trio')
  }
  assert trio_kinds == {name for name in families.FAMILIES if 'trio' in name}


@pytest.mark.parametrize('name', [
    name for name in families.FAMILIES
    if name not in families.COLAB_ONLY_FAMILIES + families.MULTITRACK_FAMILIES +
    ('groovae_2bar_hits_control_tfds',)
])
def test_each_family_has_a_checkpoint_url_named_for_it(name):
  url = families.CHECKPOINT_URLS[name]
  assert url.startswith(families.CHECKPOINT_BASE_URL)
  assert url.startswith('https://')
  file_name = url[len(families.CHECKPOINT_BASE_URL):]
  assert file_name.startswith(name + '.') and file_name.endswith('.tar')
  assert '/' not in file_name


@pytest.mark.parametrize('name, file_name',
                         [('flat-mel_16bar', 'mel_16bar_flat.ckpt'),
                          ('flat-trio_16bar', 'trio_16bar_flat.ckpt')])
def test_flat_sixteen_bar_checkpoints_are_the_colabs_prefixes(name, file_name):
  assert families.CHECKPOINT_URLS[name] == (
      families.COLAB_CHECKPOINT_BASE_URL + file_name)
  assert families.COLAB_CHECKPOINT_BASE_URL.startswith('https://')


def test_only_families_of_the_colabs_bucket_use_it():
  assert set(families.COLAB_ONLY_FAMILIES) <= set(families.FAMILIES)
  for name, url in families.CHECKPOINT_URLS.items():
    assert (url or '').startswith(families.COLAB_CHECKPOINT_BASE_URL) == (
        name in families.COLAB_ONLY_FAMILIES), name


def test_the_multitrack_checkpoint_is_the_multitrack_colabs():
  assert families.CHECKPOINT_URLS['hier-multiperf_vel_1bar_med'] == (
      families.MULTITRACK_CHECKPOINT_BASE_URL + 'model_fb256.ckpt')
  assert families.MULTITRACK_CHECKPOINT_BASE_URL.startswith('https://')
  assert families.CHECKPOINT_URLS['hier-multiperf_vel_1bar_med_chords'] == (
      families.MULTITRACK_CHECKPOINT_BASE_URL + 'model_chords_fb64.ckpt')
  # Magenta published no checkpoint of the big twins.
  assert families.CHECKPOINT_URLS['hier-multiperf_vel_1bar_big'] is None
  assert families.CHECKPOINT_URLS['hier-multiperf_vel_1bar_big_chords'] is None


def test_the_hits_groove_checkpoint_is_named_for_what_it_does():
  assert families.CHECKPOINT_URLS['groovae_2bar_hits_control_tfds'] == (
      families.CHECKPOINT_BASE_URL + 'groovae_2bar_hits_control.tar')


def test_there_is_a_url_for_each_family_and_no_other():
  assert set(families.CHECKPOINT_URLS) == set(families.FAMILIES)


def test_drums_use_the_strong_prior_checkpoint_for_sampling():
  assert families.CHECKPOINT_URLS['cat-drums_2bar_small'].endswith('.lokl.tar')

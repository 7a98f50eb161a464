"""configs.py: the registry keeps the original hyperparameters and rejects bad ones."""

import pytest

from midime import configs
from midime.ae_model import SmallMusicVAE
from midime.errors import UserError
from midime.lc_model import LCMusicVAE


def test_ae_config_keeps_the_original_hyperparameters():
  config = configs.get_config('ae-cat-mel_2bar_big')
  hparams = config.hparams
  assert isinstance(config.model, SmallMusicVAE)
  assert config.vae_config_name == 'cat-mel_2bar_big'
  assert hparams.z_size == 512
  assert hparams.encoded_z_size == 4
  assert hparams.latent_encoder_layers == [1024, 256, 64]
  assert hparams.latent_decoder_layers == [64, 256, 1024]
  assert hparams.max_beta == 0.5
  # 0: beta's rate is chosen for the run's --num_steps (base_model.set_beta_warmup).
  assert (hparams.beta_rate, hparams.beta_warmup_fraction) == (0, 0.5)
  assert hparams.enc_rnn_size == [2048]
  assert hparams.dec_rnn_size == [2048, 2048, 2048]
  assert config.note_sequence_augmenter._transpose_range == (-5, 5)
  assert config.data_converter.input_depth == 90


def test_lc_config_keeps_the_original_hyperparameters():
  config = configs.get_config('lc-cat-mel_2bar_big')
  hparams = config.hparams
  assert isinstance(config.model, LCMusicVAE)
  assert hparams.encoded_z_size == 8
  assert hparams.dec_rnn_size == [128, 128]
  assert hparams.enc_rnn_size == [2048]
  assert (hparams.free_bits, hparams.max_beta, hparams.beta_rate) == (0, 0.5, 0)
  assert (hparams.sampling_schedule, hparams.sampling_rate) == ('inverse_sigmoid', 1000)


def test_hparams_string_and_saved_values_apply_to_a_private_copy():
  config = configs.get_config('ae-cat-mel_2bar_big', 'batch_size=3,beta_rate=0.9',
                              {'encoded_z_size': 6})
  assert (config.hparams.batch_size, config.hparams.beta_rate) == (3, 0.9)
  assert config.hparams.encoded_z_size == 6
  assert configs.CONFIG_MAP['ae-cat-mel_2bar_big'].hparams.batch_size != 3


def test_unknown_config_lists_the_known_ones():
  with pytest.raises(UserError, match="unknown config 'ae-nope'.*ae-cat-mel_2bar_big"):
    configs.get_config('ae-nope')


@pytest.mark.parametrize('hparams, message', [
    ('no_such_hparam=1', 'bad --hparams'),
    ('batch_size=lots', 'bad --hparams'),
    ('batch_size=0', 'batch_size must be at least 1'),
    ('clip_mode=sideways', 'clip_mode'),
])
def test_bad_hparams_are_user_errors(hparams, message):
  with pytest.raises(UserError, match=message):
    configs.get_config('ae-cat-mel_2bar_big', hparams)


def test_music_vae_config_applies_stored_sizes():
  config = configs.music_vae_config('cat-mel_2bar_big', {'z_size': 16})
  assert config.hparams.z_size == 16
  with pytest.raises(UserError, match='unknown MusicVAE config'):
    configs.music_vae_config('cat-mel_3bar_huge')


def test_config_names_for_help_match_the_registry():
  from midime import config_names
  assert sorted(config_names.CONFIG_NAMES) == sorted(configs.CONFIG_MAP)

"""configs.py: the registry keeps the original hyperparameters and rejects bad
ones; each kind of config's default steps and sampling temperature."""

import os
import subprocess
import sys

import pytest

import demo
from midime import configs
from midime.ae_model import SmallMusicVAE
from midime.errors import UserError
from midime.lc_model import LCMusicVAE
from midime import families
from midime.cli import evaluate as evaluate_cli
from midime.cli import generate as generate_cli
from midime.cli import train as train_cli


def test_ae_config_keeps_the_original_hyperparameters():
  config = configs.get_config('ae-cat-mel_2bar_big')
  hparams = config.hparams
  assert isinstance(config.model, SmallMusicVAE)
  assert config.vae_config_name == 'cat-mel_2bar_big'
  assert hparams.z_size == 512
  assert hparams.encoded_z_size == 4
  assert hparams.latent_encoder_layers == [1024, 256, 64]
  assert hparams.latent_decoder_layers == [64, 256, 1024]
  # MidiMe's 0.5 made N(0, I) a sampler; from the songs' posteriors 0.1 measured
  # better.
  assert hparams.max_beta == 0.1 and hparams.sample_song_posteriors is True
  # 0: beta's rate is chosen for the run's --num_steps
  # (base_model.set_beta_warmup).
  assert (hparams.beta_rate, hparams.beta_warmup_fraction) == (0, 0.5)
  assert hparams.batch_size == 64 and hparams.max_seq_len == 32
  # Declared by SmallMusicVAE, not inherited from the MusicVAE config: none of
  # the MusicVAE's own sizes or losses, which it never reads.
  assert sorted(hparams.values()) == sorted(SmallMusicVAE.default_hparams())
  for unread in ('enc_rnn_size', 'dec_rnn_size', 'free_bits', 'conditional'):
    assert unread not in hparams.values()
  # The songs' own keys, as magenta.js MidiMe; transpose_songs=true: the
  # MusicVAE's.
  assert (hparams.transpose_songs is False and
          config.note_sequence_augmenter is None)
  transposing = configs.get_config('ae-cat-mel_2bar_big',
                                   'transpose_songs=true')
  assert transposing.note_sequence_augmenter._transpose_range == (-5, 5)
  # A run saved before the hparam existed was trained on the transpositions.
  saved = configs.get_config('ae-cat-mel_2bar_big',
                             hparams_values={'batch_size': 8})
  assert saved.note_sequence_augmenter._transpose_range == (-5, 5)
  saved = configs.get_config(
      'ae-cat-mel_2bar_big', hparams_values={
          'batch_size': 8,
          'transpose_songs': False
      })
  assert saved.note_sequence_augmenter is None
  assert config.data_converter.input_depth == 90


def test_lc_config_keeps_the_original_hyperparameters():
  config = configs.get_config('lc-cat-mel_2bar_big')
  hparams = config.hparams
  assert isinstance(config.model, LCMusicVAE)
  assert hparams.encoded_z_size == 8
  assert hparams.dec_rnn_size == [128, 128]
  assert hparams.batch_size == 32 and hparams.z_size == 512
  assert 'enc_rnn_size' not in hparams.values()
  assert sorted(hparams.values()) == sorted(LCMusicVAE.default_hparams())
  assert (hparams.free_bits, hparams.max_beta, hparams.beta_rate) == (0, 0.5, 0)
  assert (hparams.sampling_schedule,
          hparams.sampling_rate) == ('inverse_sigmoid', 1000)
  # The new decoder learns from every transposition, as magenta's MusicVAE did.
  assert hparams.transpose_songs is True
  assert config.note_sequence_augmenter._transpose_range == (-5, 5)


def test_hparams_string_and_saved_values_apply_to_a_private_copy():
  config = configs.get_config('ae-cat-mel_2bar_big',
                              'batch_size=3,beta_rate=0.9',
                              {'encoded_z_size': 6})
  assert (config.hparams.batch_size, config.hparams.beta_rate) == (3, 0.9)
  assert config.hparams.encoded_z_size == 6
  assert configs.CONFIG_MAP['ae-cat-mel_2bar_big'].hparams.batch_size != 3


def test_unknown_config_lists_the_known_ones():
  with pytest.raises(UserError,
                     match="unknown config 'ae-nope'.*ae-cat-mel_2bar_big"):
    configs.get_config('ae-nope')


@pytest.mark.parametrize('hparams, message', [
    ('no_such_hparam=1', 'SmallMusicVAE does not read no_such_hparam'),
    ('enc_rnn_size=[8]', 'SmallMusicVAE does not read enc_rnn_size'),
    ('batch_size=lots', '^bad hparams'),
    ('batch_size=0', 'batch_size must be at least 1'),
    ('clip_mode=sideways', 'clip_mode'),
])
def test_bad_hparams_are_user_errors(hparams, message):
  with pytest.raises(UserError, match=message):
    configs.get_config('ae-cat-mel_2bar_big', hparams)


def test_saved_hparams_the_model_does_not_read_are_an_error():
  with pytest.raises(UserError, match='does not read: no_such_hparam'):
    configs.get_config('ae-cat-mel_2bar_big',
                       hparams_values={'no_such_hparam': 8})


def test_records_of_runs_that_saved_the_music_vae_hparams_still_load():
  config = configs.get_config(
      'ae-cat-mel_2bar_big', hparams_values={
          'dec_rnn_size': [2048, 2048, 2048],
          'enc_rnn_size': [2048],
          'free_bits': 0,
          'batch_size': 5
      })
  assert config.hparams.batch_size == 5
  assert 'dec_rnn_size' not in config.hparams.values()


def test_config_names_for_help_match_the_registry():
  assert list(configs.CONFIG_NAMES) == sorted(configs.CONFIG_MAP)
  assert len(configs.CONFIG_NAMES) == 28
  for name in configs.CONFIG_NAMES:
    assert configs.family_of(name) in families.FAMILIES
    assert configs.family_of(name) in families.CHECKPOINT_URLS


def test_configs_import_without_tensorflow():
  # --help lists the configs; loading TensorFlow and magenta would take seconds.
  result = subprocess.run([
      sys.executable, '-c', 'import sys; from midime import configs; '
      'print(len(configs.CONFIG_NAMES), "tensorflow" in sys.modules, '
      '"magenta" in sys.modules)'
  ], cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          capture_output=True, text=True, check=True)
  assert result.stdout.split() == ['28', 'False', 'False']


@pytest.mark.parametrize('name, z_size, max_seq_len, hop_bars', [
    ('ae-hierdec-mel_16bar', 512, 256, 4),
    ('lc-hierdec-trio_16bar', 512, 256, 4),
    ('lc-cat-drums_2bar_small', 256, 32, None),
    ('ae-nade-drums_2bar_full', 256, 32, None),
    ('ae-groovae_4bar', 256, 64, None),
    ('lc-flat-mel_16bar', 512, 256, 4),
    ('ae-flat-trio_16bar', 512, 256, 4),
    ('ae-groovae_2bar_tap_fixed_velocity', 256, 32, None),
])
def test_family_configs_take_the_music_vae_sizes_and_hop(
    name, z_size, max_seq_len, hop_bars):
  config = configs.get_config(name)
  assert (config.hparams.z_size, config.hparams.max_seq_len) == (z_size,
                                                                 max_seq_len)
  assert config.window_hop_bars == hop_bars
  assert config.vae_config_name == configs.family_of(name)


def test_lc_decoders_are_of_the_family_kind():
  from magenta.models.music_vae import lstm_models
  mel = configs.get_config('lc-hierdec-mel_16bar').model.decoder
  assert isinstance(mel, lstm_models.HierarchicalLstmDecoder)
  trio = configs.get_config('lc-hierdec-trio_16bar').model.decoder
  assert isinstance(trio._core_decoder, lstm_models.SplitMultiOutLstmDecoder)
  assert trio._core_decoder._output_depths == [90, 90, 512]
  flat_mel = configs.get_config('lc-flat-mel_16bar').model.decoder
  assert type(flat_mel) is lstm_models.CategoricalLstmDecoder
  flat_trio = configs.get_config('lc-flat-trio_16bar').model
  assert isinstance(flat_trio.decoder,
                    lstm_models.MultiOutCategoricalLstmDecoder)
  assert flat_trio.decoder._output_depths == [90, 90, 512]
  # Its accuracy is the mean of the three tracks'.
  assert flat_trio._output_depths == [90, 90, 512]
  drums = configs.get_config('lc-cat-drums_2bar_small')
  assert isinstance(drums.model.decoder, lstm_models.CategoricalLstmDecoder)
  assert drums.data_converter.output_depth == 512


def test_vae_config_of_another_family_or_run_is_an_error():
  config = configs.get_config('ae-hierdec-mel_16bar')
  configs.check_vae_config('ae-hierdec-mel_16bar', config, 'hierdec-mel_16bar')
  with pytest.raises(UserError, match='not of the hierdec-mel_16bar family'):
    configs.check_vae_config('ae-hierdec-mel_16bar', config,
                             'cat-drums_2bar_small')
  with pytest.raises(
      UserError, match='disagrees with the trained model: it was '
      'trained over hierdec-mel_16bar'):
    configs.check_vae_config('ae-hierdec-mel_16bar', config, 'hier-mel_16bar',
                             'hierdec-mel_16bar')


def test_each_kind_of_config_has_its_own_default_steps():
  assert train_cli.FLAGS['num_steps'].default is None
  assert configs.default_num_steps('ae-cat-mel_2bar_big') == 1000
  assert configs.default_num_steps('ae-hierdec-mel_16bar') == 1000
  assert configs.default_num_steps('lc-cat-mel_2bar_big') == (
      configs.DEFAULT_NUM_STEPS['lc'])
  assert configs.DEFAULT_NUM_STEPS['lc'] > configs.DEFAULT_NUM_STEPS['ae']
  help_text = train_cli.FLAGS['num_steps'].help
  assert '1,000 for ae- configs' in help_text
  assert '{:,} for lc- configs'.format(
      configs.DEFAULT_NUM_STEPS['lc']) in help_text


def test_lc_configs_sample_their_own_decoder_at_temperature_one():
  assert configs.get_config(
      'ae-cat-mel_2bar_big').hparams.sampling_temperature == 0.5
  for name in ('lc-cat-mel_2bar_big', 'lc-hierdec-mel_16bar'):
    assert configs.get_config(name).hparams.sampling_temperature == 1.0
  assert demo.FLAGS['temperature'].default is None
  for program in (generate_cli, evaluate_cli):
    assert program.FLAGS['temperature'].default is None
    assert '1.0 for lc- configs' in program.FLAGS['temperature'].help

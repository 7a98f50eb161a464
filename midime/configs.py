"""Configurations for SmallMusicVAE and LCMusicVAE, by name, in the style of magenta's
`music_vae/configs.py`.

Each config sits on a pretrained MusicVAE config (`vae_config_name`): its hparams start
from that config's (z_size, encoder and decoder sizes) and add the small model's own,
and it converts NoteSequences with the same data converter, since the MusicVAE encoder
only understands that representation.
"""

import collections
import copy

from midime import tf_setup  # noqa: F401
from magenta.common import merge_hparams
from magenta.contrib import training as contrib_training
from magenta.models.music_vae import configs as vae_configs
from magenta.models.music_vae import data
from magenta.models.music_vae import lstm_models

from midime.ae_model import SmallMusicVAE
from midime import checks
from midime.errors import UserError
from midime.lc_model import LCMusicVAE

HParams = contrib_training.HParams


class Config(collections.namedtuple(
    'Config',
    ['model', 'hparams', 'note_sequence_augmenter', 'data_converter',
     'vae_config_name', 'train_examples_path', 'eval_examples_path'])):
  """A small model, its hyperparameters, its data pipeline, and its MusicVAE."""

  def values(self):
    return self._asdict()


Config.__new__.__defaults__ = (None,) * len(Config._fields)


def update_config(config, update_dict):
  """A copy of `config` with the given fields replaced."""
  config_dict = config.values()
  config_dict.update(update_dict)
  return Config(**config_dict)


def _two_bar_melody_converter():
  # The same converter as magenta's cat-mel_2bar_* configs: the MusicVAE encoder
  # reads exactly this one-hot melody representation.
  return data.OneHotMelodyConverter(
      valid_programs=data.MEL_PROGRAMS,
      skip_polyphony=False,
      max_bars=100,  # Truncate long melodies before slicing.
      slice_bars=2,
      steps_per_quarter=4)


CONFIG_MAP = {}

# SmallMusicVAE (MidiMe): the original's hyperparameters, except batch_size. The
# original used 2 because every step ran the 2048-unit MusicVAE encoder; here steps
# read cached latents, so a batch of 64 costs about the same and is far less noisy.
CONFIG_MAP['ae-cat-mel_2bar_big'] = Config(
    model=SmallMusicVAE(),
    hparams=merge_hparams(
        vae_configs.CONFIG_MAP['cat-mel_2bar_big'].hparams,
        HParams(
            batch_size=64,
            max_seq_len=32,  # 2 bars w/ 16 steps per bar
            z_size=512,
            encoded_z_size=4,
            latent_encoder_layers=[1024, 256, 64],
            latent_decoder_layers=[64, 256, 1024],
            enc_rnn_size=[2048],
            dec_rnn_size=[2048, 2048, 2048],
            max_beta=0.5,
            beta_rate=0.0,  # 0: warm up within the run (base_model.set_beta_warmup)
            beta_warmup_fraction=0.5,
            z_sample_scale=1.0,  # sample z's learned spread (ae_model); 0: the mean
        )),
    note_sequence_augmenter=data.NoteSequenceAugmenter(transpose_range=(-5, 5)),
    data_converter=_two_bar_melody_converter(),
    vae_config_name='cat-mel_2bar_big',
)

# LCMusicVAE: the original's hyperparameters; dec_rnn_size is the new decoder's.
CONFIG_MAP['lc-cat-mel_2bar_big'] = Config(
    model=LCMusicVAE(lstm_models.CategoricalLstmDecoder()),
    hparams=merge_hparams(
        vae_configs.CONFIG_MAP['cat-mel_2bar_big'].hparams,
        HParams(
            batch_size=32,
            max_seq_len=32,  # 2 bars w/ 16 steps per bar
            z_size=512,
            encoded_z_size=8,
            enc_rnn_size=[2048],
            dec_rnn_size=[128, 128],
            free_bits=0,
            max_beta=0.5,
            beta_rate=0.0,  # 0: warm up within the run (base_model.set_beta_warmup)
            beta_warmup_fraction=0.5,
            sampling_schedule='inverse_sigmoid',
            sampling_rate=1000,
        )),
    note_sequence_augmenter=data.NoteSequenceAugmenter(transpose_range=(-5, 5)),
    data_converter=_two_bar_melody_converter(),
    vae_config_name='cat-mel_2bar_big',
)


def get_config(name, hparams_string='', hparams_values=None):
  """A private copy of config `name`, with `hparams_values` (a dict, e.g. saved with a
  checkpoint) and then `hparams_string` ('a=1,b=[2,3]', the --hparams flag) applied.

  Raises:
    UserError: for an unknown name or hyperparameter, or an unparsable value.
  """
  if name not in CONFIG_MAP:
    raise UserError('unknown config %r; known configs: %s' % (
        name, ', '.join(sorted(CONFIG_MAP))))
  config = copy.deepcopy(CONFIG_MAP[name])
  try:
    if hparams_values:
      config.hparams.override_from_dict(hparams_values)
    if hparams_string:
      config.hparams.parse(hparams_string)
  except (ValueError, KeyError) as error:
    raise UserError('bad --hparams %r for %s: %s' % (
        hparams_string, name, error)) from None
  check_hparams(config.hparams)
  return config


def music_vae_config(name, hparams_values=None):
  """A private copy of magenta's MusicVAE config `name`, with `hparams_values` (e.g. the
  sizes stored beside a compact checkpoint) applied."""
  if name not in vae_configs.CONFIG_MAP:
    raise UserError('unknown MusicVAE config %r (see magenta.models.music_vae.configs)'
                    % name)
  config = copy.deepcopy(vae_configs.CONFIG_MAP[name])
  if hparams_values:
    try:
      config.hparams.override_from_dict(hparams_values)
    except (ValueError, KeyError) as error:
      raise UserError('bad MusicVAE hparams for %s: %s' % (name, error)) from None
  return config


def check_hparams(hparams):
  """Raises UserError for values no model can be built with."""
  for key in ('batch_size', 'encoded_z_size', 'z_size', 'max_seq_len'):
    if hparams.get(key) is not None and hparams.get(key) < 1:
      raise UserError('hparam %s must be at least 1, got %r' % (key, hparams.get(key)))
  if hparams.get('clip_mode') not in ('global_norm', 'value'):
    raise UserError("hparam clip_mode must be 'global_norm' or 'value', got %r"
                    % hparams.get('clip_mode'))
  checks.check_training_hparams(hparams)

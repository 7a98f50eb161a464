"""Configurations for SmallMusicVAE and LCMusicVAE, by name, in the style of
magenta's `music_vae/configs.py`.

Each config `<ae|lc>-<MusicVAE config>` sits on a pretrained MusicVAE config
(`vae_config_name`) and converts NoteSequences with that config's data
converter, since the MusicVAE encoder only understands that representation. Its
hparams are the ones its model declares (`default_hparams()`, as magenta's
`get_default_hparams`) with the config's values; the MusicVAE's sizes the model
needs (z_size, max_seq_len) are copied from magenta's config here and from the
frozen MusicVAE at run time, nothing else of the MusicVAE's hparams. An hparam
the model does not read is an error.

This module imports neither TensorFlow nor magenta: `CONFIG_MAP` builds a config
(its model object and converter) on first access, so `--help` can list
`CONFIG_NAMES` without loading them.
"""

import collections
import collections.abc
import copy

from midime import checks
from midime import families
from midime.errors import UserError


class Config(
    collections.namedtuple('Config', [
        'model', 'hparams', 'note_sequence_augmenter', 'data_converter',
        'vae_config_name', 'train_examples_path', 'eval_examples_path',
        'window_hop_bars'
    ])):
  """A small model, its hyperparameters, its data pipeline, and its MusicVAE.

  `window_hop_bars`: how far apart consecutive training windows start, in bars;
  None slides them one bar at a time, as magenta's converters do.
  """

  def values(self):
    return self._asdict()


Config.__new__.__defaults__ = (None,) * len(Config._fields)


def update_config(config, update_dict):
  """A copy of `config` with the given fields replaced."""
  config_dict = config.values()
  config_dict.update(update_dict)
  return Config(**config_dict)


# The small models' own values (MidiMe's and the latent-constraint model's),
# shared by every family. SmallMusicVAE keeps the original's hyperparameters
# except batch_size and max_beta (below): the original used batches of 2 because
# every step ran the 2048-unit MusicVAE encoder; here steps read cached latents,
# so a batch of 64 costs about the same and is far less noisy.
_AE_VALUES = dict(
    batch_size=64,
    encoded_z_size=4,
    latent_encoder_layers=[1024, 256, 64],
    latent_decoder_layers=[64, 256, 1024],
    # The original's 0.5 shaped the latent for sampling N(0, I); sampling the
    # songs' posteriors needs less of that and keeps more of each window
    # (QUALITY.md).
    max_beta=0.1,
    beta_rate=0.0,  # 0: warm up within the run (base_model.set_beta_warmup)
    beta_warmup_fraction=0.5,
    # Sample z's learned spread (ae_model); 0: MidiMe's mean.
    z_sample_scale=1.0,
    transpose_songs=False,  # the songs' own keys, as magenta.js MidiMe
    # The latent from the songs' posteriors (sampling.py)
    sample_song_posteriors=True,
    sampling_temperature=0.5,  # magenta's, for the frozen MusicVAE decoder
)
# LCMusicVAE: the original's hyperparameters; dec_rnn_size is the new decoder's.
_LC_VALUES = dict(
    batch_size=32,
    encoded_z_size=8,
    dec_rnn_size=[128, 128],
    free_bits=0.0,
    max_beta=0.5,
    beta_rate=0.0,  # 0: warm up within the run (base_model.set_beta_warmup)
    beta_warmup_fraction=0.5,
    sampling_schedule='inverse_sigmoid',
    sampling_rate=1000.0,
    # Trained on every transposition (which keeps the new decoder from
    # memorizing the songs) and sampled from the posteriors of the songs'
    # windows in their own keys (QUALITY.md).
    sample_song_posteriors=True,
    # Its decoder learned your songs' own distribution: sampled as learned (1.0)
    # its samples have the songs' range and intervals; magenta's 0.5, meant for
    # a general MusicVAE, made them tamer (QUALITY.md).
    sampling_temperature=1.0,
)


def _decoder_for(kind, vae_config):
  """A new, untrained decoder of the family's kind: magenta's classes, which the
  small hparams (dec_rnn_size) keep small."""
  # pylint: disable=g-import-not-at-top
  from magenta.models.music_vae import lstm_models
  # pylint: enable=g-import-not-at-top
  if kind == 'categorical':
    return lstm_models.CategoricalLstmDecoder()
  vae_decoder = vae_config.model.decoder
  if kind == 'categorical-trio':
    # One flat LSTM writing the trio's three one-hots side by side, as the flat
    # trio MusicVAE's decoder does.
    # pylint: disable=protected-access
    depths = list(vae_decoder._output_depths)
    # pylint: enable=protected-access
    return lstm_models.MultiOutCategoricalLstmDecoder(output_depths=depths)
  # The MusicVAE's own hierarchy (16 bars of 16 steps, the conductor fed zeros)
  # and, for the trio, its three categorical outputs.
  if kind == 'hierarchical':
    core = lstm_models.CategoricalLstmDecoder()
  elif kind == 'hierarchical-trio':
    # pylint: disable=protected-access
    depths = list(vae_decoder._core_decoder._output_depths)
    # pylint: enable=protected-access
    core = lstm_models.SplitMultiOutLstmDecoder(
        core_decoders=[lstm_models.CategoricalLstmDecoder() for _ in depths],
        output_depths=depths)
  else:
    raise ValueError('no lc- decoder of kind %r' % kind)
  return lstm_models.HierarchicalLstmDecoder(
      # pylint: disable=protected-access
      core,
      level_lengths=list(vae_decoder._level_lengths),
      # pylint: enable=protected-access
      disable_autoregression=True)


def _build_config(kind, vae_config_name):
  """The `ae-` (kind 'ae') or `lc-` config over MusicVAE config
  `vae_config_name`."""
  # pylint: disable=g-import-not-at-top
  from midime import tf_setup  # noqa: F401
  from magenta.contrib import training as contrib_training
  from magenta.models.music_vae import configs as vae_configs
  from midime.ae_model import SmallMusicVAE
  from midime.lc_model import LCMusicVAE
  # pylint: enable=g-import-not-at-top
  vae_config = vae_configs.CONFIG_MAP[vae_config_name]
  _, hop_bars, decoder_kind = families.FAMILIES[vae_config_name]
  if kind == 'ae':
    model, values = SmallMusicVAE(), _AE_VALUES
  else:
    decoder = _decoder_for(decoder_kind, vae_config)
    # A trio decoder's outputs: a flat one's own, a hierarchical one's core's.
    depths = getattr(getattr(decoder, '_core_decoder', decoder),
                     '_output_depths', None)
    model, values = LCMusicVAE(decoder, output_depths=depths), _LC_VALUES
  hparams = model.default_hparams()
  # The MusicVAE's sizes the model reads; z_size is replaced at run time by the
  # frozen MusicVAE's own.
  hparams.update(z_size=vae_config.hparams.z_size,
                 max_seq_len=vae_config.hparams.max_seq_len)
  hparams.update(values)
  augmenter = vae_config.note_sequence_augmenter
  return Config(model=model, hparams=contrib_training.HParams(**hparams),
                note_sequence_augmenter=copy.deepcopy(augmenter),
                data_converter=copy.deepcopy(vae_config.data_converter),
                vae_config_name=vae_config_name, window_hop_bars=hop_bars)


def _config_builders():
  builders = collections.OrderedDict()
  for vae_config_name, (_, _, decoder_kind) in families.FAMILIES.items():
    builders['ae-' + vae_config_name] = ('ae', vae_config_name)
    if decoder_kind:
      builders['lc-' + vae_config_name] = ('lc', vae_config_name)
  return builders


_BUILDERS = _config_builders()
# Readable without TensorFlow (for --help).
CONFIG_NAMES = tuple(sorted(_BUILDERS))


class _LazyConfigMap(collections.abc.Mapping):
  """Config name -> Config, each built (with TensorFlow and magenta) on first
  access."""

  def __init__(self, builders):
    self._builders = builders
    self._built = {}

  def __getitem__(self, name):
    if name not in self._built:
      self._built[name] = _build_config(*self._builders[name])
    return self._built[name]

  def __iter__(self):
    return iter(self._builders)

  def __len__(self):
    return len(self._builders)


CONFIG_MAP = _LazyConfigMap(_BUILDERS)

# magenta's lstm_models.get_default_hparams() names the small models do not all
# read.
_MUSIC_VAE_ONLY_HPARAMS = frozenset([
    'conditional', 'dec_rnn_size', 'enc_rnn_size', 'dropout_keep_prob',
    'sampling_schedule', 'sampling_rate', 'use_cudnn', 'residual_encoder',
    'residual_decoder', 'control_preprocessing_rnn_size', 'free_bits'
])

# Training steps when --num_steps is not given, by the config's kind.
# SmallMusicVAE reads cached latents through two small MLPs and personalizes in
# few steps; LCMusicVAE's decoder is new, learns the music itself from nothing,
# and needs more (docs/hyperparameters.md, QUALITY.md).
DEFAULT_NUM_STEPS = {'ae': 1000, 'lc': 5000}


def default_num_steps(config_name):
  """The training steps of config `config_name` when none are asked for
  (readable without TensorFlow)."""
  check_config_name(config_name)
  kind, _ = _BUILDERS[config_name]
  return DEFAULT_NUM_STEPS[kind]


def check_config_name(name):
  """Raises UserError unless `name` is a registered config (readable without
  TensorFlow)."""
  if name not in _BUILDERS:
    raise UserError('unknown config %r; known configs: %s' %
                    (name, ', '.join(CONFIG_NAMES)))


def family_of(config_name):
  """The MusicVAE config that `config_name` (`ae-...`/`lc-...`) sits on."""
  return config_name.split('-', 1)[1]


def get_config(name, hparams_string='', hparams_values=None):
  """A private copy of config `name`, with `hparams_values` (a dict, e.g. saved
  with a checkpoint) and then `hparams_string` ('a=1,b=[2,3]', the --hparams
  flag) applied.

  Raises:
    UserError: for an unknown name or hyperparameter, or an unparsable value.
  """
  check_config_name(name)
  config = copy.deepcopy(CONFIG_MAP[name])
  declared = set(config.hparams.values())
  if hparams_values:
    # Runs trained before configs declared their hparams saved the MusicVAE's
    # too.
    hparams_values = {
        key: value
        for key, value in hparams_values.items()
        if key in declared or key not in _MUSIC_VAE_ONLY_HPARAMS
    }
    unknown = sorted(set(hparams_values) - declared)
    if unknown:
      raise UserError(
          'the saved hparams of this %s model name ones %s does not read: '
          '%s' % (name, type(config.model).__name__, ', '.join(unknown)))
    # Runs saved before these existed trained on every transposition and sampled
    # the prior N(0, I).
    hparams_values.setdefault('transpose_songs', True)
    hparams_values.setdefault('sample_song_posteriors', False)
    config.hparams.override_from_dict(hparams_values)
  if hparams_string:
    given = [
        part.split('=')[0].strip()
        for part in hparams_string.split(',')
        if '=' in part
    ]
    unknown = [key for key in given if key not in declared]
    if unknown:
      raise UserError(
          'bad {hparams} %r for %s: %s does not read %s (it reads: %s)' %
          (hparams_string, name, type(config.model).__name__,
           ', '.join(unknown), ', '.join(sorted(declared))))
    try:
      config.hparams.parse(hparams_string)
    except (ValueError, KeyError) as error:
      raise UserError('bad {hparams} %r for %s: %s' %
                      (hparams_string, name, error)) from None
  check_hparams(config.hparams)
  if not config.hparams.get('transpose_songs', True):
    # Training windows, the latent cache and the evaluation's songs "as trained"
    # all read the config's augmenter: without it, the songs in their own keys.
    config = update_config(config, {'note_sequence_augmenter': None})
  return config


def check_vae_config(config_name, config, vae_config_name,
                     trained_vae_config=None):
  """Raises UserError when MusicVAE config `vae_config_name` cannot serve
  `config_name`: another MusicVAE than the model was trained over
  (`trained_vae_config`, from its record), or one of another family (its data
  converter writes other tensors than the config's)."""
  if trained_vae_config and vae_config_name != trained_vae_config:
    raise UserError(
        '{vae_config}=%s disagrees with the trained model: it was trained '
        'over %s' % (vae_config_name, trained_vae_config))
  # pylint: disable=g-import-not-at-top
  from midime import frozen_music_vae  # TensorFlow: only once a model is named
  # pylint: enable=g-import-not-at-top
  vae_converter = frozen_music_vae.music_vae_config(
      vae_config_name).data_converter
  ours = config.data_converter
  if (type(vae_converter) is not type(ours) or
      vae_converter.input_depth != ours.input_depth or
      vae_converter.output_depth != ours.output_depth or
      getattr(vae_converter, '_slice_steps', None) != getattr(
          ours, '_slice_steps', None)):
    raise UserError(
        '{vae_config}=%s is not of the %s family that %s personalizes '
        '(its data converter is %s, depth %d)' %
        (vae_config_name, config.vae_config_name, config_name,
         type(vae_converter).__name__, vae_converter.output_depth))


def check_hparams(hparams):
  """Raises UserError for values no model can be built with."""
  for key in ('batch_size', 'encoded_z_size', 'z_size', 'max_seq_len'):
    if hparams.get(key) is not None and hparams.get(key) < 1:
      raise UserError('hparam %s must be at least 1, got %r' %
                      (key, hparams.get(key)))
  if hparams.get('clip_mode') not in ('global_norm', 'value'):
    raise UserError(
        "hparam clip_mode must be 'global_norm' or 'value', got %r" %
        hparams.get('clip_mode'))
  checks.check_training_hparams(hparams)

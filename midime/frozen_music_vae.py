"""The pretrained MusicVAE, frozen: magenta's own graph code, restored
read-only.

Only the half that is needed is built: the encoder to compute the latent cache
once, or the decoder to turn sampled z into melodies. Variables keep magenta's
names (`encoder/...`, `decoder/...`), so real Magenta checkpoints load as they
are.
"""

import copy

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from magenta.models.music_vae import configs as vae_configs

from midime import checkpoints
from midime import families
from midime.errors import UserError

ENCODER_SCOPE = 'encoder'
DECODER_SCOPE = 'decoder'
# magenta's HierarchicalLstmDecoder builds its bars' decoder under a top-level
# scope of its own: `decoder/hierarchical_level_0/...` holds only the conductor.
CORE_DECODER_SCOPE = 'core_decoder'
# Where a MusicVAE's weights live; a Magenta checkpoint holds these and the
# global step (no optimizer slots).
WEIGHT_SCOPES = (ENCODER_SCOPE, DECODER_SCOPE, CORE_DECODER_SCOPE)
CHECKPOINT_SCOPES = WEIGHT_SCOPES + ('global_step',)


def variables_under(scopes):
  """The current graph's variables under the top-level scopes `scopes`."""
  return [v for v in tf.global_variables() if v.op.name.split('/')[0] in scopes]


def build_checkpoint_graph(config):
  """Builds in the current graph what midime restores of a MusicVAE of `config`
  (its encoder and sampling decoder, batch 1; config.hparams.batch_size is set
  to 1, as hierarchical decoders size their state by it) and returns the
  variables a Magenta checkpoint of it holds."""
  hparams = config.hparams
  hparams.batch_size = 1
  model = config.model
  model.build(hparams, config.data_converter.output_depth, is_training=False)
  converter = config.data_converter
  # A chord-conditioned MusicVAE reads its controls beside the notes: magenta
  # concatenates them to the encoder's input and to each decoder step's.
  depth = converter.input_depth + converter.control_depth
  model.encode(tf.placeholder(tf.float32, [1, None, depth]),
               tf.placeholder(tf.int32, [1]))
  c_input = (tf.zeros([hparams.max_seq_len, converter.control_depth])
             if converter.control_depth else None)
  model.decoder.sample(1, max_length=hparams.max_seq_len,
                       z=tf.zeros([1, hparams.z_size]), c_input=c_input,
                       temperature=1.0)
  return variables_under(CHECKPOINT_SCOPES)


def music_vae_config(name, hparams_values=None):
  """A private copy of magenta's MusicVAE config `name`, with `hparams_values`
  (e.g. the sizes stored beside a compact checkpoint) applied."""
  if name not in vae_configs.CONFIG_MAP:
    raise UserError(
        'unknown MusicVAE config %r (see magenta.models.music_vae.configs)' %
        name)
  config = copy.deepcopy(vae_configs.CONFIG_MAP[name])
  if hparams_values:
    try:
      config.hparams.override_from_dict(hparams_values)
    except (ValueError, KeyError) as error:
      raise UserError('bad MusicVAE hparams for %s: %s' %
                      (name, error)) from None
  return config


def load_music_vae_config(vae_config_name, checkpoint):
  """magenta's config `vae_config_name`, with the sizes stored beside
  `checkpoint` (its `music_vae_hparams.json`, if any) applied."""
  sidecar = checkpoint.sidecars.get(checkpoints.MUSIC_VAE_SIDECAR, {})
  if checkpoints.MODEL_SIDECAR in checkpoint.sidecars:
    raise UserError(
        '%s is a SmallMusicVAE/LCMusicVAE checkpoint, not a MusicVAE one' %
        checkpoint.source)
  return music_vae_config(vae_config_name, sidecar.get('hparams'))


# The first layer of magenta's BidirectionalLstmEncoder, which every released
# config uses: its kernel is [input depth + units, 4 * units].
_ENCODER_INPUT_KERNEL = ('encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/'
                         'cell_0/lstm_cell')
# The multitrack family's HierarchicalLstmEncoder: the same first layer under
# its lowest level.
_HIERARCHICAL_ENCODER_INPUT_KERNEL = (
    'encoder/hierarchical_level_0/cell_0/bidirectional_rnn/fw/multi_rnn_cell/'
    'cell_0/lstm_cell')
_HIERARCHICAL_PREFIX = DECODER_SCOPE + '/hierarchical_level_0/'


def checkpoint_signature(variable_shapes):
  """What a MusicVAE checkpoint's variables say of its family, whatever its
  sizes: (the encoder's input depth, whether the decoder is hierarchical), or
  None when it is no MusicVAE of the usual encoder."""
  for first_layer in (_ENCODER_INPUT_KERNEL,
                      _HIERARCHICAL_ENCODER_INPUT_KERNEL):
    kernel = variable_shapes.get(first_layer + '/kernel')
    bias = variable_shapes.get(first_layer + '/bias')
    if kernel and bias:
      break
  if not kernel or not bias:
    return None
  return (
      kernel[0] - bias[0] // 4,
      any(name.startswith(_HIERARCHICAL_PREFIX) for name in variable_shapes))


def config_signature(vae_config):
  """checkpoint_signature's answer for a checkpoint of magenta config
  `vae_config`."""
  # pylint: disable=g-import-not-at-top
  from magenta.models.music_vae import lstm_models
  # pylint: enable=g-import-not-at-top
  converter = vae_config.data_converter
  return (converter.input_depth + converter.control_depth,
          isinstance(vae_config.model.decoder,
                     lstm_models.HierarchicalLstmDecoder))


def families_like(signature):
  """The supported MusicVAE configs whose checkpoints have `signature`."""
  return [
      name for name in families.FAMILIES
      if config_signature(music_vae_config(name)) == signature
  ]


class FrozenMusicVAE(object):
  """Builds parts of a pretrained MusicVAE into the current graph and restores
  them."""

  def __init__(self, vae_config, batch_size, name='MusicVAE'):
    """`vae_config` is a magenta MusicVAE Config (see load_music_vae_config),
    `name` its name for messages; graphs are built for batches of
    `batch_size`."""
    self._name = name
    self._config = copy.deepcopy(vae_config)
    self._config.hparams.batch_size = batch_size
    self._model = self._config.model
    self._model.build(self._config.hparams,
                      self._config.data_converter.output_depth,
                      is_training=False)
    self._scopes = set()

  @property
  def hparams(self):
    return self._config.hparams

  @property
  def data_converter(self):
    return self._config.data_converter

  def encode(self, inputs, lengths):
    """mu and sigma of q(z | x) for one-hot `inputs` `[batch, steps, depth]`
    (for a chord-conditioned MusicVAE, the notes and their controls side by
    side, as magenta's MusicVAE.encode concatenates them)."""
    self._scopes.add(ENCODER_SCOPE)
    posterior = self._model.encode(inputs, lengths)
    return posterior.loc, posterior.stddev()

  def sample(self, z, max_length, temperature, c_input=None):
    """Melodies `[batch, max_length, depth]` sampled from the decoder given
    z; a chord-conditioned decoder also reads `c_input`, one control sequence
    `[max_length, control_depth]` for the whole batch (magenta's decoders tile
    it across the batch)."""
    self._scopes.update((DECODER_SCOPE, CORE_DECODER_SCOPE))
    samples, _ = self._model.decoder.sample(int(z.shape[0]),
                                            max_length=max_length, z=z,
                                            c_input=c_input,
                                            temperature=temperature)
    return samples

  def variables(self):
    """The MusicVAE variables built so far (encoder and/or decoder)."""
    return variables_under(self._scopes)

  def check_family(self, checkpoint):
    """Raises UserError when `checkpoint` holds a MusicVAE of another family
    (another representation or decoder structure), naming the config it looks
    like and the variables that differ."""
    stored = checkpoint.variable_shapes()
    signature = checkpoint_signature(stored)
    if signature is None or signature == config_signature(self._config):
      return
    like = families_like(signature)
    built = {v.op.name: v.shape.as_list() for v in self.variables()}
    in_scopes = {name for name in stored if name.split('/')[0] in self._scopes}
    differing = [
        '%s (checkpoint %s, expected %s)' % (name, stored[name], built[name])
        for name in sorted(set(built) & in_scopes)
        if list(stored[name]) != built[name] and 'kernel' in name
    ][:2]
    differing += [
        'missing %s' % name for name in sorted(set(built) - in_scopes)
    ][:2]
    differing += [
        'unexpected %s' % name for name in sorted(in_scopes - set(built))
    ][:2]
    raise UserError(
        '%s is not a %s checkpoint: it looks like %s (encoder input depth %d, '
        '%s decoder); use {config}=ae-%s or lc-%s with {vae_config}=%s. '
        'Variables that differ: %s' %
        (checkpoint.source, self._name, ' or '.join(like) if like else
         'an unsupported MusicVAE', signature[0], 'hierarchical' if signature[1]
         else 'flat', like[0] if like else '...', like[0] if like else '...',
         like[0] if like else '...', '; '.join(differing)))

  def restore(self, session, checkpoint):
    """Loads the built variables from `checkpoint`, naming what does not fit."""
    self.check_family(checkpoint)
    checkpoints.restore(
        session, checkpoint, self.variables(),
        'MusicVAE %s (z_size %d, encoder %s, decoder %s)' %
        (self._name, self.hparams.z_size, self.hparams.enc_rnn_size,
         self.hparams.dec_rnn_size),
        '. If it is another MusicVAE, pass its config ({vae_config}) '
        'or write its sizes in %s beside it.' % checkpoints.MUSIC_VAE_SIDECAR)

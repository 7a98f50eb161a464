"""The pretrained MusicVAE, frozen: magenta's own graph code, restored read-only.

Only the half that is needed is built: the encoder to compute the latent cache once,
or the decoder to turn sampled z into melodies. Variables keep magenta's names
(`encoder/...`, `decoder/...`), so real Magenta checkpoints load as they are.
"""

import contextlib
import copy
import functools

from midime import tf_setup  # noqa: F401
from magenta.contrib import seq2seq as contrib_seq2seq
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import configs
from midime.errors import UserError

ENCODER_SCOPE = 'encoder'
DECODER_SCOPE = 'decoder'
# magenta's HierarchicalLstmDecoder builds its bars' decoder under a top-level scope
# of its own: `decoder/hierarchical_level_0/...` holds only the conductor.
CORE_DECODER_SCOPE = 'core_decoder'


def load_music_vae_config(vae_config_name, checkpoint):
  """magenta's config `vae_config_name`, with the sizes stored beside `checkpoint` (its
  `music_vae_hparams.json`, if any) applied."""
  sidecar = checkpoint.sidecars.get(checkpoints.MUSIC_VAE_SIDECAR, {})
  if checkpoints.MODEL_SIDECAR in checkpoint.sidecars:
    raise UserError(
        '%s is a SmallMusicVAE/LCMusicVAE checkpoint, not a MusicVAE one'
        % checkpoint.source)
  return configs.music_vae_config(vae_config_name, sidecar.get('hparams'))


@contextlib.contextmanager
def reproducible_decoding():
  """While building sampling graphs, makes magenta's decoders decode one step at a
  time, so that a graph-level seed fixes the samples.

  magenta's decoders sample each step from a stateful random op inside
  `dynamic_decode`'s while loop, which runs up to 32 iterations in parallel; that op
  does not depend on the previous step, so the order in which the iterations draw
  from it (and so the samples) varies from run to run. Decoding is sequential
  anyway (each step reads the last sample), so this costs next to nothing.
  """
  parallel_decode = contrib_seq2seq.dynamic_decode
  contrib_seq2seq.dynamic_decode = functools.partial(parallel_decode,
                                                     parallel_iterations=1)
  try:
    yield
  finally:
    contrib_seq2seq.dynamic_decode = parallel_decode


class FrozenMusicVAE(object):
  """Builds parts of a pretrained MusicVAE into the current graph and restores them."""

  def __init__(self, vae_config, batch_size, name='MusicVAE'):
    """`vae_config` is a magenta MusicVAE Config (see load_music_vae_config), `name`
    its name for messages; graphs are built for batches of `batch_size`."""
    self._name = name
    self._config = copy.deepcopy(vae_config)
    self._config.hparams.batch_size = batch_size
    self._model = self._config.model
    self._model.build(self._config.hparams, self._config.data_converter.output_depth,
                      is_training=False)
    self._scopes = set()

  @property
  def hparams(self):
    return self._config.hparams

  @property
  def data_converter(self):
    return self._config.data_converter

  def encode(self, inputs, lengths):
    """mu and sigma of q(z | x) for one-hot `inputs` `[batch, steps, depth]`."""
    self._scopes.add(ENCODER_SCOPE)
    posterior = self._model.encode(inputs, lengths)
    return posterior.loc, posterior.stddev()

  def sample(self, z, max_length, temperature):
    """Melodies `[batch, max_length, depth]` sampled from the decoder given z."""
    self._scopes.update((DECODER_SCOPE, CORE_DECODER_SCOPE))
    samples, _ = self._model.decoder.sample(
        int(z.shape[0]), max_length=max_length, z=z, temperature=temperature)
    return samples

  def variables(self):
    """The MusicVAE variables built so far (encoder and/or decoder)."""
    return [v for v in tf.global_variables()
            if v.op.name.split('/')[0] in self._scopes]

  def restore(self, session, checkpoint):
    """Loads the built variables from `checkpoint`, naming what does not fit."""
    checkpoints.restore(session, checkpoint, self.variables(),
                        'MusicVAE %s (z_size %d, encoder %s, decoder %s)' % (
                            self._name, self.hparams.z_size,
                            self.hparams.enc_rnn_size, self.hparams.dec_rnn_size),
                        '. If it is another MusicVAE, pass its config (--vae_config) '
                        'or write its sizes in %s beside it.'
                        % checkpoints.MUSIC_VAE_SIDECAR)

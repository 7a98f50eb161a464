"""LCMusicVAE: a latent-constraint MusicVAE with a new, small melody decoder.

As in github.com/Elvenson/midiMe, after the latent-translation paper it cites
(arXiv:1902.08261), on one domain only: a linear
Gaussian encoder maps z, sampled from the frozen MusicVAE encoder, to an 8-d
latent; a linear Gaussian decoder maps the latent back to z; and a new LSTM
decoder, trained from scratch with teacher forcing and magenta's scheduled
sampling, reconstructs the two-bar melody conditioned on the 8-d latent.

Loss = melody cross-entropy + beta * max(KL - free nats, 0) + ||latent decoder
sample - z||.

The original's generation restored only the `latent*` variables and fed the
decoder the 512-d z; here sampling restores every trained variable and
conditions the decoder on the 8-d latent, exactly as in training. Sampling
therefore needs no MusicVAE.
"""

import copy

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import base_model
from midime import frozen_music_vae

ds = base_model.ds


def _per_sequence_accuracy(logits, targets, lengths, output_depths=None):
  """Share of steps whose most likely event is the target's, per sequence
  `[batch]` (magenta reports the same as a streaming `metrics/accuracy` over all
  steps). With `output_depths` (a trio's melody, bass and drums one-hots side by
  side), the mean of each track's accuracy."""
  depths = output_depths or [int(targets.shape[-1])]
  if lengths.shape.ndims == 2:
    # A length per segment (a multitrack window's instruments), the segments
    # laid end to end.
    segments = int(lengths.shape[1])
    mask = tf.reshape(
        tf.sequence_mask(lengths,
                         tf.shape(targets)[1] // segments, dtype=tf.float32),
        [tf.shape(targets)[0], -1])
  else:
    mask = tf.sequence_mask(lengths, tf.shape(targets)[1], dtype=tf.float32)
  accuracies = []
  for track_logits, track_targets in zip(tf.split(logits, depths, axis=-1),
                                         tf.split(targets, depths, axis=-1)):
    hits = tf.to_float(
        tf.equal(tf.argmax(track_logits, -1), tf.argmax(track_targets, -1)))
    accuracies.append(
        tf.reduce_sum(hits * mask, -1) /
        tf.maximum(tf.reduce_sum(mask, -1), 1.0))
  return tf.add_n(accuracies) / len(accuracies)


def _segments_laid_out(rnn_output, segment_lengths, segment_steps):
  """A hierarchical decoder's `rnn_output` (each segment's outputs as long as
  that segment's longest in the batch, end to end) with each segment padded to
  `segment_steps`: `[batch, segments x segment_steps, depth]`, aligned with
  the targets."""
  segments = int(segment_lengths.shape[1])
  widths = tf.reduce_max(segment_lengths, axis=0)
  pieces = tf.split(rnn_output, widths, axis=1, num=segments)
  return tf.concat([
      tf.pad(piece, [(0, 0), (0, segment_steps - tf.shape(piece)[1]), (0, 0)])
      for piece in pieces
  ], axis=1)


class LCMusicVAE(base_model.BaseLatentVAE):
  """z -> linear -> 8-d latent -> new LSTM decoder -> melody."""

  needs_sequences = True
  needs_music_vae_decoder = False

  def __init__(self, decoder, output_depths=None):
    """`decoder` is a magenta BaseDecoder of the family's kind, e.g.
    lstm_models.CategoricalLstmDecoder(), or a HierarchicalLstmDecoder for 16
    bars; `output_depths` the depths of its outputs when it writes several (a
    trio)."""
    self._decoder = decoder
    self._output_depths = output_depths

  @classmethod
  def default_hparams(cls):
    hparams = super().default_hparams()
    hparams.update(
        encoded_z_size=8,
        free_bits=0.0,  # Bits of KL per example not penalised.
        # What magenta's LSTM decoders read (lstm_models.get_default_hparams):
        dec_rnn_size=[128, 128],  # The new decoder's LSTM layers.
        dropout_keep_prob=1.0,
        residual_decoder=False,
        # Scheduled sampling: constant, exponential,.
        sampling_schedule='constant',
        sampling_rate=0.0,  # inverse_sigmoid, and its rate.
        use_cudnn=False,  # Read (to warn that it is deprecated); keep False.
    )
    return hparams

  @property
  def decoder(self):
    return self._decoder

  def build(self, hparams, output_depth, is_training):
    super().build(hparams, output_depth, is_training)
    # magenta's eval convention: outside training a scheduled-sampling decoder
    # is switched to always sampling, and it writes that into the hparams it is
    # given.
    self._decoder.build(hparams, output_depth, is_training)
    core = getattr(self._decoder, '_core_decoder', None)
    if self._output_depths and hasattr(core, 'hparams'):
      # magenta's SplitMultiOutLstmDecoder asserts that each output is
      # hparams.max_seq_len long; under a HierarchicalLstmDecoder each is one
      # bar. magenta's own training never fetches the asserted outputs; our
      # accuracy does.
      core.hparams = copy.deepcopy(hparams)
      # pylint: disable=protected-access
      core.hparams.max_seq_len = self._decoder._level_lengths[-1]
      # pylint: enable=protected-access

  def trainable_scopes(self):
    # The new decoder's variables are named as magenta's decoders name theirs:
    # the decoder scope, and a hierarchical decoder's bars under the core
    # decoder's.
    return super().trainable_scopes() + [
        frozen_music_vae.DECODER_SCOPE, frozen_music_vae.CORE_DECODER_SCOPE
    ]

  def decode_latent(self, latent):
    """p(z | latent): a linear Gaussian back to MusicVAE's z."""
    z_size = self.hparams.z_size
    mu = tf.layers.dense(
        latent, z_size, name=base_model.LATENT_DECODER_SCOPE + '/mu',
        kernel_initializer=tf.random_normal_initializer(stddev=0.001))
    sigma = tf.layers.dense(
        latent, z_size, activation=tf.nn.softplus,
        name=base_model.LATENT_DECODER_SCOPE + '/sigma',
        kernel_initializer=tf.random_normal_initializer(stddev=0.001))
    return ds.MultivariateNormalDiag(loc=mu, scale_diag=sigma)

  def compute_losses(self, batch):
    hparams = self.hparams
    z = self.sample_z(batch.z_mu, batch.z_sigma)
    q_latent = self.encode_latent(z)
    latent = q_latent.sample()

    kl_div = self.kl_to_prior(q_latent)
    free_nats = hparams.free_bits * tf.math.log(2.0)
    kl_cost = tf.maximum(kl_div - free_nats, 0)
    l2_loss = tf.norm(self.decode_latent(latent).sample() - z, axis=1)

    sequences = tf.to_float(batch.sequences)
    max_seq_len = tf.minimum(tf.shape(sequences)[1], hparams.max_seq_len)
    x_target = sequences[:, :max_seq_len]
    # Teacher-forcing inputs: the target shifted right by one zero step.
    x_input = tf.pad(sequences[:, :max_seq_len - 1], [(0, 0), (1, 0), (0, 0)])
    x_length = tf.minimum(batch.lengths, max_seq_len)
    # A chord-conditioned decoder reads each step's chord beside its input, as
    # magenta's decoders read their control sequence.
    c_input = (None if batch.controls is None else tf.to_float(
        batch.controls[:, :max_seq_len]))
    r_loss, _, decode_results = self._decoder.reconstruction_loss(
        x_input, x_target, x_length, latent, c_input)
    logits = decode_results.rnn_output
    if x_length.shape.ndims == 2:
      logits = _segments_laid_out(
          logits, x_length,
          int(sequences.shape[1]) // int(x_length.shape[1]))
    accuracy = _per_sequence_accuracy(logits, x_target, x_length,
                                      self._output_depths)

    beta = self.beta()
    loss = (tf.reduce_mean(r_loss) + beta * tf.reduce_mean(kl_cost) +
            tf.reduce_mean(l2_loss))
    scalars = {
        'loss': loss,
        'losses/r_loss': r_loss,
        'losses/kl_loss': kl_cost,
        'losses/kl_bits': kl_div / tf.math.log(2.0),
        'losses/kl_beta': beta,
        'losses/l2_loss': l2_loss,
        'metrics/accuracy': accuracy,
    }
    return loss, scalars

  def sample(self, latent, max_length, temperature, music_vae=None,
             controls=None):
    del music_vae  # The new decoder reads the latent directly.
    n = int(latent.shape[0])
    # magenta's HierarchicalLstmDecoder sizes its state by hparams.batch_size
    # (the training batch), not by n: build the sampling graph for n, then put
    # it back.
    trained_batch_size = self.hparams.batch_size
    self.hparams.batch_size = n
    try:
      samples, _ = self._decoder.sample(n, max_length=max_length, z=latent,
                                        c_input=controls,
                                        temperature=temperature)
    finally:
      self.hparams.batch_size = trained_batch_size
    return samples

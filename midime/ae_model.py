"""SmallMusicVAE (MidiMe): a 4-d VAE trained on MusicVAE's 512-d latent z.

Dinculescu, Engel and Roberts, "MidiMe: Personalizing a MusicVAE model with user data"
(2019), as in magenta.js `midi_me.ts` and github.com/Elvenson/midiMe: an MLP encodes
z into a small Gaussian latent, an MLP decodes the latent back to z, and the loss is
the squared error / 2 (a unit-variance Gaussian likelihood of z) plus beta * KL to
N(0, I). Sampling draws the small latent from N(0, I), decodes it to z, and lets the
pretrained MusicVAE decoder turn z into music.
"""

from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import base_model


class SmallMusicVAE(base_model.BaseLatentVAE):
  """MidiMe: z -> MLP -> small latent -> MLP -> z, sampled through MusicVAE."""

  @classmethod
  def default_hparams(cls):
    hparams = super().default_hparams()
    hparams.update(
        latent_encoder_layers=[1024, 256, 64],  # The MLP from z to the small latent.
        latent_decoder_layers=[64, 256, 1024],  # The MLP back to z.
    )
    return hparams

  def decode_latent(self, latent):
    """The latent decoder's reconstruction of z (a mean; the likelihood is unit
    variance, as in MidiMe)."""
    hparams = self.hparams
    x = latent
    for i, units in enumerate(hparams.latent_decoder_layers):
      x = base_model.hidden_layer(
          x, units, '%s/layer%d' % (base_model.LATENT_DECODER_SCOPE, i))
    return tf.layers.dense(
        x, hparams.z_size, name=base_model.LATENT_DECODER_SCOPE + '/mu',
        kernel_initializer=tf.random_normal_initializer(stddev=0.001))

  def compute_losses(self, batch):
    z = self.sample_z(batch.z_mu, batch.z_sigma)
    q_latent = self.encode_latent(z)
    reconstructed_z = self.decode_latent(q_latent.sample())
    # -log N(z; reconstructed_z, I) up to a constant: squared error / (2 * 1^2).
    r_loss = tf.reduce_sum(tf.square(reconstructed_z - z), axis=-1) / 2.0
    kl_div = self.kl_to_prior(q_latent)
    beta = self.beta()
    loss = tf.reduce_mean(r_loss) + beta * tf.reduce_mean(kl_div)
    scalars = {
        'loss': loss,
        'losses/r_loss': r_loss,
        'losses/kl_loss': kl_div,
        'losses/kl_bits': kl_div / tf.math.log(2.0),
        'losses/kl_beta': beta,
    }
    return loss, scalars

  def sample(self, latent, max_length, temperature, music_vae=None):
    z = self.decode_latent(latent)
    return music_vae.sample(z, max_length, temperature)

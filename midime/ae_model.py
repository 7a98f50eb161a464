"""SmallMusicVAE (MidiMe): a 4-d VAE trained on MusicVAE's 512-d latent z.

Dinculescu, Engel and Roberts, "MidiMe: Personalizing a MusicVAE model with user
data" (2019), as in magenta.js `midi_me.ts` and github.com/Elvenson/midiMe: an
MLP encodes z into a small Gaussian latent, an MLP decodes the latent back to z,
and the loss is the squared error / 2 (a unit-variance Gaussian likelihood of z)
plus beta * KL to N(0, I). MidiMe's sampling draws the small latent from N(0,
I), decodes it to z, and lets the pretrained MusicVAE decoder turn z into music;
here it is drawn from the songs' posteriors by default (below).

One addition (hparam `z_sample_scale`): MidiMe decodes the *mean* of z, and the
mean of the several melodies a region of the small latent stands for decodes to
a tamer line than any of them (a smaller range, smaller leaps). Here the latent
decoder also learns a per-dimension standard deviation of z around that mean
(the maximum-likelihood spread of the residual, with the mean's gradient stopped
so MidiMe's mean and latent train exactly as before), and sampling draws z ~
N(mean, (z_sample_scale * sigma)^2): the spread of the songs' codes that four
dimensions cannot hold. z_sample_scale=0 gives MidiMe's mean.

Two more defaults depart from MidiMe's sampling and data where measured better
(QUALITY.md): the small latent is drawn from a random training
window's posterior q(latent | z) rather than N(0, I) (`sample_song_posteriors`;
the draw is sampling.LatentSampler.draw_latents), and the songs are learned in
their own keys (`transpose_songs=False`), as magenta.js's MidiMe does.
"""

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import base_model
from midime import noise

Z_SIGMA_STEP_SCALE = 20.0


class SmallMusicVAE(base_model.BaseLatentVAE):
  """MidiMe: z -> MLP -> small latent -> MLP -> z, sampled through MusicVAE."""

  @classmethod
  def default_hparams(cls):
    hparams = super().default_hparams()
    hparams.update(
        # The MLP from z to the small latent.
        latent_encoder_layers=[1024, 256, 64],
        latent_decoder_layers=[64, 256, 1024],  # The MLP back to z.
        # Samples z ~ N(mean, (scale * learned sigma)^2); 0: mean.
        z_sample_scale=1.0,
        # The songs' own keys, as magenta.js MidiMe: a user's key is part of the
        # style to personalize (measured: QUALITY.md).
        transpose_songs=False,
        # The small latent from the songs' own posteriors, not N(0, I): the
        # region the songs occupy (measured: QUALITY.md).
        sample_song_posteriors=True,
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

  def z_sigma(self):
    """The learned per-dimension standard deviation of z around the decoded
    mean."""
    with tf.variable_scope(base_model.LATENT_DECODER_SCOPE,
                           reuse=tf.AUTO_REUSE):
      scaled_log_sigma = tf.get_variable('log_sigma', [self.hparams.z_size],
                                         initializer=tf.zeros_initializer())
    # Adam moves a variable by about the learning rate per step (1e-3), too slow
    # for log sigma to travel its ~1 nat within a 1,000-step run; scaling the
    # variable scales its steps alike.
    return tf.exp(Z_SIGMA_STEP_SCALE * scaled_log_sigma)

  def compute_losses(self, batch):
    z = self.sample_z(batch.z_mu, batch.z_sigma)
    q_latent = self.encode_latent(z)
    reconstructed_z = self.decode_latent(q_latent.sample())
    # -log N(z; reconstructed_z, I) up to a constant: squared error / (2 * 1^2).
    r_loss = tf.reduce_sum(tf.square(reconstructed_z - z), axis=-1) / 2.0
    kl_div = self.kl_to_prior(q_latent)
    beta = self.beta()
    # The spread for sampling: -log N(z_mu; mean, sigma^2) in sigma alone (the
    # mean's gradient stopped), so it does not change what MidiMe's loss trains.
    # Fitted to the encoder's mean z_mu, not to the drawn z: the songs' codes
    # differ from each other by less than MusicVAE's posterior noise (sigma near
    # 1 in most dimensions), and that noise would drown the songs' own spread.
    z_sigma = self.z_sigma()
    residual = tf.stop_gradient(reconstructed_z - batch.z_mu)
    sigma_loss = tf.reduce_sum(
        tf.square(residual) / (2.0 * tf.square(z_sigma)) + tf.log(z_sigma),
        axis=-1)
    loss = (tf.reduce_mean(r_loss) + beta * tf.reduce_mean(kl_div) +
            tf.reduce_mean(sigma_loss))
    scalars = {
        'loss': loss,
        'losses/r_loss': r_loss,
        'losses/kl_loss': kl_div,
        'losses/kl_bits': kl_div / tf.math.log(2.0),
        'losses/kl_beta': beta,
        'losses/z_sigma': tf.reduce_mean(z_sigma),
    }
    return loss, scalars

  def sample(self, latent, max_length, temperature, music_vae=None,
             controls=None):
    z_mean = self.decode_latent(latent)
    scale = self.hparams.get('z_sample_scale') or 0.0
    z = z_mean + scale * self.z_sigma() * noise.normal_per_sample(z_mean)
    return music_vae.sample(z, max_length, temperature, c_input=controls)

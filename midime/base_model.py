"""The base that SmallMusicVAE and LCMusicVAE share: a small VAE on MusicVAE's
latent z.

Both models read z, a sample of the frozen MusicVAE encoder's posterior q(z|x),
encode it into a much smaller Gaussian latent, and learn to map that latent
back. They differ in what the latent decodes to and which losses train it (see
ae_model.py, lc_model.py).

Nothing here runs the MusicVAE encoder: its mu and sigma are computed once per
example (latent_cache.py) and fed to these graphs, so a training step costs a
few small matrix products instead of a pass of the 2048-unit bidirectional LSTM.
"""

import abc
import collections

# Sets TF_USE_LEGACY_KERAS before TensorFlow loads.
from midime import tf_setup  # noqa: F401
from midime.errors import UserError
import tensorflow.compat.v1 as tf
import tensorflow_probability as tfp

ds = tfp.distributions

# Variable scopes of the small model; generation restores exactly these.
LATENT_ENCODER_SCOPE = 'latent_encoder'
LATENT_DECODER_SCOPE = 'latent_decoder'


def hidden_layer(x, units, name):
  """A ReLU layer of the latent MLPs, Glorot-uniform initialised as
  tf.layers.dense does by default. Named explicitly: the default (tf_keras's
  initializer) draws its own seed and ignores tf.set_random_seed, so seeded
  training would not repeat."""
  return tf.layers.dense(x, units, activation=tf.nn.relu, name=name,
                         kernel_initializer=tf.glorot_uniform_initializer())


def clip_gradients(grads, hparams):
  """MusicVAE's gradient clipping: (clipped gradients, their global norm).

  clip_mode 'value' clips each value to +-grad_clip; 'global_norm' is magenta's
  rule, tf.clip_by_global_norm to grad_clip while the norm is below
  grad_norm_clip_to_zero, zeros otherwise. Written as clip_by_global_norm's own
  scalar factor rather than magenta's tf.cond over every gradient: the same
  numbers without a Switch and Merge per gradient in every step.
  """
  global_norm = tf.global_norm(grads)
  if hparams.clip_mode == 'value':
    return [
        tf.clip_by_value(g, -hparams.grad_clip, hparams.grad_clip)
        for g in grads
    ], global_norm
  if hparams.clip_mode != 'global_norm':
    raise UserError("unknown clip_mode %r: use 'global_norm' or 'value'" %
                    hparams.clip_mode)
  clip = tf.constant(hparams.grad_clip, global_norm.dtype)
  scale = clip * tf.minimum(1.0 / global_norm, 1.0 / clip)
  scale = tf.where(global_norm < hparams.grad_norm_clip_to_zero, scale,
                   tf.zeros_like(scale))
  # multiply_no_nan: a zero factor zeroes even infinite or NaN gradients.
  return [tf.math.multiply_no_nan(g, scale) for g in grads], global_norm


# beta_rate=0 (the default) means: warm beta up within the run, reaching this
# share of max_beta after beta_warmup_fraction of --num_steps. magenta's fixed
# 0.99999 per step suits its 50,000-step runs; a personalization run is
# 1,000-5,000 steps, where it left beta near 0 (0.005 at 1,000 steps) and the
# small latent unregularised, so its N(0, I) prior missed the region the songs
# occupy.
BETA_WARMUP_REACHED = 0.99


def beta_rate_for_run(num_steps, warmup_fraction):
  """The per-step rate at which beta reaches BETA_WARMUP_REACHED of max_beta
  after `warmup_fraction` of `num_steps` steps."""
  warmup_steps = max(1.0, warmup_fraction * num_steps)
  return float((1.0 - BETA_WARMUP_REACHED)**(1.0 / warmup_steps))


def set_beta_warmup(hparams, num_steps):
  """Replaces beta_rate=0 ('tie the warm-up to the run') in `hparams` by the
  rate for a run of `num_steps` (beta_rate_for_run); a rate given by the user
  stays."""
  if hparams.get('beta_rate') == 0:
    hparams.beta_rate = beta_rate_for_run(num_steps,
                                          hparams.beta_warmup_fraction)


class LatentBatch(
    collections.namedtuple('LatentBatch',
                           ['z_mu', 'z_sigma', 'sequences', 'lengths',
                            'controls'], defaults=(None,))):
  """One training batch: MusicVAE posteriors and, for models that need them, the
  one-hot melodies they came from (`[batch, steps, depth]`), their lengths and,
  for a chord-conditioned config, their chords (`[batch, steps,
  control_depth]`)."""


class BaseLatentVAE(abc.ABC):
  """A VAE whose data is MusicVAE's latent space.

  Subclasses define `decode_latent`, `compute_losses` and `sample`, and say
  whether the training cache must keep the melodies (`needs_sequences`) and
  whether sampling needs the MusicVAE decoder (`needs_music_vae_decoder`).
  """

  needs_sequences = False
  needs_music_vae_decoder = True

  @classmethod
  def default_hparams(cls):
    """The hyperparameters this model reads, with defaults (magenta's
    `get_default_hparams` style): a dict; configs set the values."""
    return dict(
        batch_size=64,  # Latents per training step.
        max_seq_len=32,  # Steps of music sampled: the MusicVAE's.
        # MusicVAE's latent size: the frozen MusicVAE's at run time.
        z_size=512,
        encoded_z_size=4,  # The small latent.
        max_beta=1.0,  # Maximum KL cost weight.
        # Exponential rate at which to anneal the KL weight; 0: chosen for the
        # run, so that beta reaches 99% of max_beta after beta_warmup_fraction
        # of its steps.
        beta_rate=0.0,
        beta_warmup_fraction=0.5,
        learning_rate=0.001,
        decay_rate=0.9999,  # Learning rate decay per step.
        min_learning_rate=0.00001,
        grad_clip=1.0,
        clip_mode='global_norm',  # 'value' or 'global_norm'.
        grad_norm_clip_to_zero=10000,  # Global norms above this zero the step.
        # Train on every transposition of the MusicVAE config's augmenter
        # (-5..+5 semitones for 2-bar melodies; other families have none);
        # False: the songs' own keys only (configs.get_config drops the
        # augmenter).
        transpose_songs=True,
        # Sample the small latent from the songs' posteriors (q(latent | z) of a
        # random window of the songs in their own keys) instead of the prior
        # N(0, I); see sampling.py.
        sample_song_posteriors=False,
        # The decoder's sampling temperature when none is asked for
        # (--temperature): magenta's 0.5 for the MusicVAE decoder; LCMusicVAE's
        # own decoder is 1.0.
        sampling_temperature=0.5,
    )

  def build(self, hparams, output_depth, is_training):
    """Records the hyperparameters; must be called inside the graph being
    built."""
    self._hparams = hparams
    self._output_depth = output_depth
    self._is_training = is_training
    self.global_step = tf.train.get_or_create_global_step()

  @property
  def hparams(self):
    return self._hparams

  def trainable_scopes(self):
    """Variable scopes this model trains, saves and restores."""
    return [LATENT_ENCODER_SCOPE, LATENT_DECODER_SCOPE]

  def variables(self):
    """This model's weights: not the optimizer's slots, not the global step."""
    return [
        v for v in tf.trainable_variables()
        if v.op.name.split('/')[0] in self.trainable_scopes()
    ]

  def sample_z(self, z_mu, z_sigma):
    """A fresh draw z ~ N(mu, sigma) from MusicVAE's posterior, as the original
    took `q_z.sample()` on every step."""
    return z_mu + z_sigma * tf.random.normal(tf.shape(z_mu))

  def encode_latent(self, z):
    """q(latent | z): an MLP (`latent_encoder_layers`, none for a linear map) to
    the mean and softplus scale of an `encoded_z_size` Gaussian."""
    hparams = self.hparams
    x = z
    for i, units in enumerate(hparams.get('latent_encoder_layers') or []):
      x = hidden_layer(x, units, '%s/layer%d' % (LATENT_ENCODER_SCOPE, i))
    mu = tf.layers.dense(
        x, hparams.encoded_z_size, name=LATENT_ENCODER_SCOPE + '/mu',
        kernel_initializer=tf.random_normal_initializer(stddev=0.001))
    sigma = tf.layers.dense(
        x, hparams.encoded_z_size, activation=tf.nn.softplus,
        name=LATENT_ENCODER_SCOPE + '/sigma',
        kernel_initializer=tf.random_normal_initializer(stddev=0.001))
    return ds.MultivariateNormalDiag(loc=mu, scale_diag=sigma)

  def song_posteriors_op(self):
    """(z placeholder `[None, z_size]`, (mean, stddev) of q(latent | z)),
    sharing the encoder's variables: what training records of every window for
    sampling."""
    z = tf.placeholder(tf.float32, [None, self.hparams.z_size], name='song_z')
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
      q_latent = self.encode_latent(z)
    return z, (q_latent.mean(), q_latent.stddev())

  def kl_to_prior(self, q_latent):
    """KL(q(latent | z) || N(0, I)) in nats, one value per example."""
    size = self.hparams.encoded_z_size
    prior = ds.MultivariateNormalDiag(loc=[0.] * size, scale_diag=[1.] * size)
    return ds.kl_divergence(q_latent, prior)

  def beta(self):
    """KL weight, warmed up from 0 towards `max_beta` at `beta_rate` per step
    (`set_beta_warmup` derives the rate from the run's length)."""
    hparams = self.hparams
    step = tf.to_float(self.global_step)
    return (1.0 - tf.pow(hparams.beta_rate, step)) * hparams.max_beta

  def learning_rate(self):
    """MusicVAE's schedule: exponential decay towards `min_learning_rate`."""
    hparams = self.hparams
    step = tf.to_float(self.global_step)
    return ((hparams.learning_rate - hparams.min_learning_rate) *
            tf.pow(hparams.decay_rate, step) + hparams.min_learning_rate)

  @abc.abstractmethod
  def compute_losses(self, batch):
    """Builds the loss for a `LatentBatch`.

    Returns:
      loss: the scalar that training minimises.
      scalars: name -> tensor, a scalar or one value per example, to report,
        summarise and average in evaluation.
    """

  @abc.abstractmethod
  def sample(self, latent, max_length, temperature, music_vae=None,
             controls=None):
    """Decodes a batch of latent vectors `[n, encoded_z_size]` to one-hot
    melodies `[n, max_length, depth]`; `music_vae` is the frozen MusicVAE graph,
    for models whose `needs_music_vae_decoder` is True; `controls`, for a
    chord-conditioned config, the chords of the whole batch, one-hot per step
    `[max_length, control_depth]` (magenta's decoders take one control
    sequence per batch)."""

  def build_train_op(self, loss):
    """Adam on this model's variables with MusicVAE's gradient clipping and the
    learning-rate schedule; adds the learning rate and gradient norm
    summaries."""
    hparams = self.hparams
    learning_rate = self.learning_rate()
    tf.summary.scalar('learning_rate', learning_rate)
    optimizer = tf.train.AdamOptimizer(learning_rate)
    grads, var_list = zip(
        *optimizer.compute_gradients(loss, var_list=self.variables()))
    clipped, global_norm = clip_gradients(grads, hparams)
    tf.summary.scalar('global_norm', global_norm)
    return optimizer.apply_gradients(zip(clipped, var_list),
                                     global_step=self.global_step,
                                     name='train_step')

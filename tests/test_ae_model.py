"""ae_model.py: SmallMusicVAE's loss terms against their closed forms, and z
sampled with its learned spread."""

import numpy as np

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import ae_model
from midime import base_model
from midime import configs
from tests import testing_lib

Z_SIZE = 12


def _deterministic_latent(session):
  # softplus(-30) ~ 1e-13: the latent sample equals its mean, so the loss is
  # exact.
  for variable in tf.trainable_variables():
    if variable.op.name == 'latent_encoder/sigma/bias':
      session.run(variable.assign(tf.fill(variable.shape, -30.0)))


def test_loss_is_half_squared_error_plus_beta_kl():
  config = configs.get_config(
      'ae-cat-mel_2bar_big',
      'z_size=%d,latent_encoder_layers=[8],latent_decoder_layers=[8],'
      'beta_rate=0.99999' % Z_SIZE)
  hparams = config.hparams
  rng = np.random.default_rng(0)
  z = rng.standard_normal([5, Z_SIZE]).astype(np.float32)
  with tf.Graph().as_default():
    model = config.model
    model.build(hparams, 90, is_training=True)
    batch = base_model.LatentBatch(tf.constant(z), tf.zeros([5, Z_SIZE]), None,
                                   None)
    loss, scalars = model.compute_losses(batch)
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
      q_latent = model.encode_latent(tf.constant(z))
      reconstructed = model.decode_latent(q_latent.loc)
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      _deterministic_latent(session)
      session.run(model.global_step.assign(1000))
      values, mu, sigma, z_hat = session.run(
          [scalars, q_latent.loc,
           q_latent.stddev(), reconstructed])

  expected_r = 0.5 * np.sum((z_hat - z)**2, axis=-1)
  expected_kl = 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - np.log(sigma**2), axis=-1)
  # float32, as in the graph: 0.99999 rounds to 0.9999899864.
  expected_beta = (1 - np.float32(0.99999)**1000) * hparams.max_beta
  assert hparams.max_beta == 0.1
  np.testing.assert_allclose(values['losses/r_loss'], expected_r, rtol=1e-4)
  np.testing.assert_allclose(values['losses/kl_loss'], expected_kl, rtol=1e-4)
  np.testing.assert_allclose(values['losses/kl_bits'], expected_kl / np.log(2),
                             rtol=1e-4)
  np.testing.assert_allclose(values['losses/kl_beta'], expected_beta, rtol=1e-4)
  # Plus the fit of z's spread, -log N(z_mu; z_hat, sigma^2) + const: at its
  # initial sigma = 1 (and z = z_mu here) it equals the squared-error term.
  expected_sigma_fit = expected_r
  np.testing.assert_allclose(
      values['loss'],
      expected_r.mean() + expected_beta * expected_kl.mean() +
      expected_sigma_fit.mean(), rtol=1e-4)


def test_variables_are_the_original_names_and_sizes():
  config = configs.get_config('ae-cat-mel_2bar_big')
  with tf.Graph().as_default():
    model = config.model
    model.build(config.hparams, 90, is_training=True)
    batch = base_model.LatentBatch(tf.zeros([2, 512]), tf.ones([2, 512]), None,
                                   None)
    loss, _ = model.compute_losses(batch)
    model.build_train_op(loss)
    shapes = {v.op.name: v.shape.as_list() for v in model.variables()}
  assert shapes['latent_encoder/layer0/kernel'] == [512, 1024]
  assert shapes['latent_encoder/layer2/kernel'] == [256, 64]
  assert shapes['latent_encoder/mu/kernel'] == [64, 4]
  assert shapes['latent_encoder/sigma/kernel'] == [64, 4]
  assert shapes['latent_decoder/layer0/kernel'] == [4, 64]
  assert shapes['latent_decoder/mu/kernel'] == [1024, 512]
  # Only the small model trains: nothing of MusicVAE, no optimizer slots.
  assert all(
      name.split('/')[0] in ('latent_encoder', 'latent_decoder')
      for name in shapes)
  assert not any('Adam' in name for name in shapes)


class _DecoderStandIn(object):
  """A MusicVAE decoder that returns the z it is given."""

  def sample(self, z, max_length, temperature, c_input=None):
    del c_input  # no chords here
    return z


def _sampled_z(scale, log_sigma, draws=2000):
  config = configs.get_config(
      'ae-cat-mel_2bar_big',
      testing_lib.TINY_AE_HPARAMS + ',z_size=3,z_sample_scale=%g' % scale)
  with tf.Graph().as_default():
    tf.set_random_seed(0)
    model = config.model
    model.build(config.hparams, output_depth=90, is_training=False)
    latent = tf.zeros([draws, config.hparams.encoded_z_size])
    # Every row decodes the same latent, so the rows' spread is the sampled one.
    z = model.sample(latent, 32, 0.5, _DecoderStandIn())
    with tf.variable_scope(base_model.LATENT_DECODER_SCOPE, reuse=True):
      variable = tf.get_variable('log_sigma')
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      session.run(
          variable.assign(
              np.array(log_sigma, np.float32) / ae_model.Z_SIGMA_STEP_SCALE))
      return session.run(z)


def test_sampling_draws_z_around_the_mean_with_the_learned_spread():
  sigma = np.array([0.5, 1.0, 2.0])
  np.testing.assert_allclose(
      _sampled_z(1.0, np.log(sigma)).std(0), sigma, rtol=0.07)
  np.testing.assert_allclose(
      _sampled_z(0.5, np.log(sigma)).std(0), sigma / 2, rtol=0.07)
  # z_sample_scale=0: MidiMe's mean, the same z for the same latent.
  assert not _sampled_z(0.0, np.log(sigma)).std(0).any()

"""lc_model.py: LCMusicVAE's loss terms against their closed forms."""

import numpy as np
import pytest

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import base_model
from midime import configs

Z_SIZE, STEPS, DEPTH, BATCH = 12, 32, 90, 4


def _build(hparams_string, seed=0):
  config = configs.get_config(
      'lc-cat-mel_2bar_big', 'z_size=%d,batch_size=%d,dec_rnn_size=[16],%s' %
      (Z_SIZE, BATCH, hparams_string))
  rng = np.random.default_rng(seed)
  z = rng.standard_normal([BATCH, Z_SIZE]).astype(np.float32)
  events = rng.integers(0, DEPTH, size=[BATCH, STEPS])
  sequences = np.eye(DEPTH, dtype=bool)[events]
  lengths = np.full([BATCH], STEPS, np.int32)
  return config, z, sequences, lengths


def _run(config, z, sequences, lengths, step):
  with tf.Graph().as_default():
    model = config.model
    model.build(config.hparams, DEPTH, is_training=True)
    batch = base_model.LatentBatch(tf.constant(z), tf.zeros_like(z),
                                   tf.constant(sequences), tf.constant(lengths))
    loss, scalars = model.compute_losses(batch)
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
      q_latent = model.encode_latent(tf.constant(z))
      p_z = model.decode_latent(q_latent.loc)
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      for variable in tf.trainable_variables():  # make both samples their means
        if variable.op.name in ('latent_encoder/sigma/bias',
                                'latent_decoder/sigma/bias'):
          session.run(variable.assign(tf.fill(variable.shape, -30.0)))
      session.run(model.global_step.assign(step))
      return session.run([scalars, q_latent.loc, q_latent.stddev(), p_z.loc])


def test_loss_is_cross_entropy_plus_beta_free_bits_kl_plus_l2():
  config, z, sequences, lengths = _build('free_bits=0,beta_rate=0.99999')
  values, mu, sigma, z_hat = _run(config, z, sequences, lengths, step=2000)
  expected_kl = 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - np.log(sigma**2), axis=-1)
  expected_l2 = np.linalg.norm(z_hat - z, axis=-1)
  expected_beta = (1 - np.float32(0.99999)**2000) * 0.5
  np.testing.assert_allclose(values['losses/kl_loss'], expected_kl, rtol=1e-4)
  np.testing.assert_allclose(values['losses/l2_loss'], expected_l2, rtol=1e-4)
  np.testing.assert_allclose(values['losses/kl_beta'], expected_beta, rtol=1e-4)
  # An untrained decoder is close to uniform over the 90 events at each step.
  assert np.all(
      np.abs(values['losses/r_loss'] - STEPS * np.log(DEPTH)) < 0.1 * STEPS)
  assert np.all((values['metrics/accuracy'] >= 0) &
                (values['metrics/accuracy'] <= 1))
  np.testing.assert_allclose(
      values['loss'], values['losses/r_loss'].mean() +
      expected_beta * expected_kl.mean() + expected_l2.mean(), rtol=1e-4)


def test_free_bits_are_subtracted_and_clipped_at_zero():
  config, z, sequences, lengths = _build('free_bits=1000')
  values, _, _, _ = _run(config, z, sequences, lengths, step=10)
  assert np.all(values['losses/kl_loss'] == 0)  # 1000 bits cover any KL here
  assert np.all(values['losses/kl_bits'] > 0)


def test_trains_the_latent_maps_and_a_new_decoder_only():
  config, z, sequences, lengths = _build('free_bits=0')
  with tf.Graph().as_default():
    model = config.model
    model.build(config.hparams, DEPTH, is_training=True)
    batch = base_model.LatentBatch(tf.constant(z), tf.ones_like(z),
                                   tf.constant(sequences), tf.constant(lengths))
    model.build_train_op(model.compute_losses(batch)[0])
    shapes = {v.op.name: v.shape.as_list() for v in model.variables()}
  # Linear: no hidden layers.
  assert shapes['latent_encoder/mu/kernel'] == [Z_SIZE, 8]
  assert shapes['latent_decoder/sigma/kernel'] == [8, Z_SIZE]
  # Conditioned on the latent.
  assert shapes['decoder/z_to_initial_state/kernel'][0] == 8
  assert shapes['decoder/output_projection/kernel'] == [16, DEPTH]


def test_accuracy_of_a_trio_is_the_mean_of_its_tracks():
  from midime import lc_model
  # Two tracks of depths 2 and 3 side by side; one step, one sequence.
  targets = np.array([[[1, 0, 0, 0, 1]]], np.float32)
  # Track 1 right, track 2 wrong.
  logits = np.array([[[5, 0, 0, 9, 1]]], np.float32)
  with tf.Graph().as_default(), tf.Session() as session:
    joint, per_track = session.run([
        lc_model._per_sequence_accuracy(tf.constant(logits),
                                        tf.constant(targets), tf.constant([1])),
        lc_model._per_sequence_accuracy(tf.constant(logits),
                                        tf.constant(targets), tf.constant([1]),
                                        output_depths=[2, 3])
    ])
  assert joint.tolist() == [0.0]  # one argmax over all five would miss
  assert per_track.tolist() == [0.5]


def test_accuracy_of_a_multitrack_window_counts_each_instruments_steps():
  from midime import lc_model
  # One window of two instrument segments of 3 steps, depth 2: the first
  # instrument plays 2 steps, the second 1; the rest is padding.
  targets = np.zeros([1, 6, 2], np.float32)
  targets[0, [0, 1, 3], 0] = 1
  lengths = np.array([[2, 1]], np.int32)
  # The decoder writes each segment as long as its longest in the batch, end
  # to end: right, wrong, then right.
  rnn_output = np.array([[[9, 0], [0, 9], [9, 0]]], np.float32)
  with tf.Graph().as_default(), tf.Session() as session:
    laid_out = lc_model._segments_laid_out(tf.constant(rnn_output),
                                           tf.constant(lengths), 3)
    accuracy = lc_model._per_sequence_accuracy(laid_out, tf.constant(targets),
                                               tf.constant(lengths))
    laid_out, accuracy = session.run([laid_out, accuracy])
  assert laid_out.shape == (1, 6, 2)
  np.testing.assert_array_equal(laid_out[0, 3], [9, 0])
  np.testing.assert_array_equal(laid_out[0, 4:], 0)
  assert accuracy.tolist() == [pytest.approx(2 / 3)]

"""base_model.py: what SmallMusicVAE and LCMusicVAE share: gradient clipping,
beta warmed up within the run."""

import numpy as np
import pytest

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import base_model
from midime import configs


def _magentas_clipping(grads, hparams):
  # magenta's music_vae_train.py, as it is written there.
  global_norm = tf.global_norm(grads)
  return tf.cond(
      global_norm
      < hparams.grad_norm_clip_to_zero, lambda: tf.clip_by_global_norm(
          grads, hparams.grad_clip, use_norm=global_norm)[0],
      lambda: [tf.zeros(tf.shape(g)) for g in grads])


@pytest.mark.parametrize('scale', [0.01, 3.0, 50.0, float('inf')])
def test_global_norm_clipping_gives_magentas_numbers(scale):
  # grad_clip 1.0, grad_norm_clip_to_zero 10000: below, at and above both.
  hparams = configs.get_config('ae-cat-mel_2bar_big',
                               'grad_norm_clip_to_zero=100').hparams
  rng = np.random.default_rng(0)
  values = [
      rng.standard_normal([3, 4]) * scale,
      rng.standard_normal([4]) * scale
  ]
  with tf.Graph().as_default(), tf.Session() as session:
    grads = [tf.constant(v, tf.float32) for v in values]
    ours, norm = session.run(base_model.clip_gradients(grads, hparams))
    theirs = session.run(_magentas_clipping(grads, hparams))
  for mine, reference in zip(ours, theirs):
    np.testing.assert_array_equal(mine, reference)
  assert np.isfinite(ours[0]).all()
  if scale >= 50:
    assert not np.any(ours[0])  # the norm passed grad_norm_clip_to_zero
  else:
    assert np.any(ours[0])
  assert norm == pytest.approx(np.sqrt(sum(np.sum(v**2) for v in values)),
                               rel=1e-5)


def test_value_clipping():
  hparams = configs.get_config('ae-cat-mel_2bar_big', 'clip_mode=value').hparams
  with tf.Graph().as_default(), tf.Session() as session:
    clipped, _ = session.run(
        base_model.clip_gradients([tf.constant([-5.0, 0.5, 5.0])], hparams))
  np.testing.assert_array_equal(clipped[0], [-1.0, 0.5, 1.0])


def test_beta_reaches_99_percent_of_max_beta_at_the_warmup_fraction():
  rate = base_model.beta_rate_for_run(1000, 0.5)
  assert 1 - rate**500 == pytest.approx(0.99)
  assert 1 - base_model.beta_rate_for_run(100, 0.25)**25 == pytest.approx(0.99)
  # The demo's former --hparams=beta_rate=0.999 reached 99% only after 4,603
  # steps.
  assert rate < 0.999


def test_a_rate_given_by_the_user_is_kept():
  hparams = configs.get_config('ae-cat-mel_2bar_big').hparams
  assert hparams.beta_rate == 0 and hparams.beta_warmup_fraction == 0.5
  base_model.set_beta_warmup(hparams, 2000)
  assert hparams.beta_rate == base_model.beta_rate_for_run(2000, 0.5)
  given = configs.get_config('ae-cat-mel_2bar_big', 'beta_rate=0.99999').hparams
  base_model.set_beta_warmup(given, 2000)
  assert given.beta_rate == 0.99999

"""midime.noise: inside per_sample_noise each sample's noise (its z noise and
its decoding draws) is a function of its own seed, whatever the batch it is in;
the patched classes are restored afterwards; reproducible_decoding decodes one
step at a time."""

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from magenta.contrib import seq2seq as contrib_seq2seq
import numpy as np
import pytest
import tensorflow.compat.v1 as tf
import tensorflow_probability as tfp

from midime import noise


def _noise_normal_rows(seeds, depth=6):
  """normal_per_sample's rows for a batch of samples with `seeds`."""
  with tf.Graph().as_default():
    row_seeds = tf.placeholder(tf.int64, [len(seeds)])
    with noise.per_sample_noise(row_seeds):
      rows = noise.normal_per_sample(tf.zeros([len(seeds), depth]))
    with tf.Session() as session:
      return session.run(rows, {row_seeds: seeds})


def _noise_sample_fn(time, outputs, state):
  """How magenta's decoders draw a step: a OneHotCategorical of the logits."""
  del time, state
  return tfp.distributions.OneHotCategorical(logits=outputs,
                                             dtype=tf.float32).sample()


def _noise_helper():
  return contrib_seq2seq.CustomHelper(initialize_fn=None,
                                      sample_fn=_noise_sample_fn,
                                      next_inputs_fn=None)


def _noise_draws(seeds, logits, steps=(0,), loops=1):
  """The one-hot draws `[loops, steps, batch, depth]` of decoding helpers built
  inside per_sample_noise, for samples with `seeds` and `logits`."""
  logits = np.asarray(logits, np.float32)
  with tf.Graph().as_default():
    row_seeds = tf.placeholder(tf.int64, [len(seeds)])
    with noise.per_sample_noise(row_seeds):
      helpers = [_noise_helper() for _ in range(loops)]
      draws = [[
          helper.sample(tf.constant(step), tf.constant(logits), None)
          for step in steps
      ]
               for helper in helpers]
    with tf.Session() as session:
      return np.asarray(session.run(draws, {row_seeds: seeds}))


def test_normal_per_sample_gives_a_sample_its_row_whatever_the_batch():
  alone = _noise_normal_rows([7])
  in_batch = _noise_normal_rows([5, 7, 9])
  other_batch = _noise_normal_rows([11, 12, 13, 7])
  np.testing.assert_array_equal(in_batch[1], alone[0])
  np.testing.assert_array_equal(other_batch[3], alone[0])
  # Other seeds, other rows.
  assert not np.allclose(in_batch[0], in_batch[2])
  assert not np.allclose(in_batch[0], alone[0])


def test_normal_per_sample_is_standard_normal_noise():
  rows = _noise_normal_rows(list(range(400)), depth=8)
  assert rows.shape == (400, 8) and rows.dtype == np.float32
  assert abs(rows.mean()) < 0.1 and abs(rows.std() - 1.0) < 0.1


def test_normal_per_sample_outside_per_sample_noise_is_plain_normal_noise():
  with tf.Graph().as_default():
    rows = noise.normal_per_sample(tf.zeros([3, 5]))
    with tf.Session() as session:
      values = session.run(rows)
  assert values.shape == (3, 5) and np.isfinite(values).all()


def test_a_decoding_draw_is_the_same_whatever_the_batch():
  rng = np.random.default_rng(0)
  logits = rng.standard_normal([4, 10])
  seeds = [3, 14, 15, 92]
  together = _noise_draws(seeds, logits, steps=(0, 1, 2))
  for row, seed in enumerate(seeds):
    alone = _noise_draws([seed], logits[row:row + 1], steps=(0, 1, 2))
    np.testing.assert_array_equal(alone[:, :, 0], together[:, :, row])


def test_decoding_draws_are_one_hot_and_follow_the_logits():
  probabilities = np.array([0.7, 0.2, 0.1])
  seeds = list(range(600))
  draws = _noise_draws(seeds, np.tile(np.log(probabilities), (600, 1)))[0, 0]
  np.testing.assert_array_equal(draws.sum(axis=1), 1)
  np.testing.assert_allclose(draws.mean(axis=0), probabilities, atol=0.05)
  certain = np.full([len(seeds), 3], -50.0)
  certain[:, 2] = 50.0
  assert (_noise_draws(seeds, certain)[0, 0].argmax(axis=1) == 2).all()


def test_each_step_and_each_decoding_loop_draws_afresh():
  seeds = list(range(32))
  draws = _noise_draws(seeds, np.zeros([32, 8]), steps=(0, 1), loops=2)
  choices = draws.argmax(axis=-1)  # [loops, steps, batch]
  assert (choices[0, 0] != choices[0, 1]).any()  # another step
  assert (choices[0, 0] != choices[1, 0]).any()  # another loop
  assert len(set(choices[0, 0])) > 4  # uniform logits: many classes drawn


def test_a_draw_outside_a_decoding_step_is_tfps_own():
  with tf.Graph().as_default():
    row_seeds = tf.placeholder(tf.int64, [2])
    with noise.per_sample_noise(row_seeds):
      draw = tfp.distributions.OneHotCategorical(logits=tf.zeros([2, 5]),
                                                 dtype=tf.float32).sample()
    with tf.Session() as session:
      values = session.run(draw)  # needs no seeds: not the patched draw
  np.testing.assert_array_equal(values.sum(axis=1), [1, 1])


def test_per_sample_noise_restores_magentas_classes_even_after_an_error():
  helper_class = contrib_seq2seq.CustomHelper
  categorical_class = tfp.distributions.OneHotCategorical
  with tf.Graph().as_default():
    row_seeds = tf.placeholder(tf.int64, [1])
    with pytest.raises(RuntimeError):
      with noise.per_sample_noise(row_seeds):
        assert contrib_seq2seq.CustomHelper is not helper_class
        assert tfp.distributions.OneHotCategorical is not categorical_class
        raise RuntimeError('graph building failed')
  assert contrib_seq2seq.CustomHelper is helper_class
  assert tfp.distributions.OneHotCategorical is categorical_class


def test_reproducible_decoding_decodes_one_step_at_a_time_while_on():
  dynamic_decode = contrib_seq2seq.dynamic_decode
  with noise.reproducible_decoding():
    patched = contrib_seq2seq.dynamic_decode
    assert patched.func is dynamic_decode
    assert patched.keywords == {'parallel_iterations': 1}
  assert contrib_seq2seq.dynamic_decode is dynamic_decode

"""Where the sampling graphs take their randomness from: the same sample for a seed,
whatever the batch it is decoded in, and whatever order TensorFlow runs a decoding
loop's iterations in.

Both are patches of magenta's (and tfp's) classes while a sampling graph is built;
magenta offers no hook for either.
"""

import contextlib
import functools

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from magenta.contrib import seq2seq as contrib_seq2seq
import numpy as np
import tensorflow.compat.v1 as tf
import tensorflow_probability as tfp

class _SampleNoise(object):
  """Where the decoding graph being built takes its sampling noise from: each
  sample's own seed (a `[batch]` placeholder), the decoding step, and a salt that
  tells apart the decoding loops (a hierarchical decoder runs one per bar) and the
  draws within one step (a trio draws one per instrument)."""

  def __init__(self, row_seeds):
    self.row_seeds = row_seeds
    self.loops = 0
    self.step = None  # (loop salt, step tensor, draws so far in this step)

  def uniform(self, shape_like):
    """Uniform (0, 1) noise shaped like `shape_like` `[batch, depth]`, each row a
    function of its sample's seed only, never of the batch it is decoded in."""
    loop, step, draws = self.step
    self.step = (loop, step, draws + 1)
    offset = (tf.cast(step, tf.int64) + (loop * 64 + draws) * (1 << 20))
    seeds = tf.stack([self.row_seeds, tf.fill(tf.shape(self.row_seeds), offset)], 1)
    depth = tf.shape(shape_like)[1:]
    return tf.map_fn(
        lambda seed: tf.random.stateless_uniform(
            depth, seed=seed, minval=np.finfo(np.float32).tiny, maxval=1.0),
        seeds, fn_output_signature=tf.float32)


# The _SampleNoise of the sampling graph being built, while per_sample_noise is on.
_active_noise = []
# Tells the z noise of normal_per_sample apart from every decoding draw (those use
# offsets of 0 and up).
_NORMAL_SALT = -1


def normal_per_sample(shape_like):
  """Standard normal noise shaped like `shape_like` `[batch, n]`: inside
  per_sample_noise each row from its sample's own seed (the same sample whatever the
  batch), elsewhere tf.random.normal. For models that add noise to z (SmallMusicVAE's
  sampled spread)."""
  if not _active_noise:
    return tf.random.normal(tf.shape(shape_like))
  row_seeds = _active_noise[-1].row_seeds
  seeds = tf.stack([row_seeds, tf.fill(tf.shape(row_seeds),
                                       tf.cast(_NORMAL_SALT, row_seeds.dtype))], 1)
  depth = tf.shape(shape_like)[1:]
  return tf.map_fn(lambda seed: tf.random.stateless_normal(depth, seed=seed), seeds,
                   fn_output_signature=tf.float32)


@contextlib.contextmanager
def per_sample_noise(row_seeds):
  """While building a sampling graph, makes magenta's decoders draw each sample's
  categorical choices from noise seeded by that sample's entry of `row_seeds`, so
  a sample is the same whatever the batch it is decoded in.

  magenta samples each step with tfp's OneHotCategorical, from a stateful random op
  over the whole batch: sample i's draws depend on the rows beside it, so a seed
  gave other samples at another --max_batch_size. Here the draw is the Gumbel-max
  form of the same categorical (argmax of logits + Gumbel noise), with per-row
  stateless noise. Decoders that sample otherwise (Bernoulli, NADE) keep magenta's.
  """
  noise = _SampleNoise(row_seeds)
  helper_class = contrib_seq2seq.CustomHelper
  categorical_class = tfp.distributions.OneHotCategorical

  class SeededHelper(helper_class):
    """magenta's decoding helper, telling the noise which loop and step it is in."""

    def __init__(self, *args, **kwargs):
      super().__init__(*args, **kwargs)
      self._loop = noise.loops
      noise.loops += 1

    def sample(self, time, outputs, state, name=None):
      noise.step = (self._loop, time, 0)
      try:
        return super().sample(time, outputs, state, name)
      finally:
        noise.step = None

  class SeededOneHotCategorical(categorical_class):
    """OneHotCategorical whose one draw per row, inside a decoding step, comes
    from the sample's own noise."""

    def sample(self, sample_shape=(), seed=None, name='sample', **kwargs):
      logits = self.logits
      if (noise.step is None or tuple(sample_shape) or logits is None or
          logits.shape.rank != 2 or logits.shape[0] != row_seeds.shape[0]):
        return super().sample(sample_shape, seed=seed, name=name, **kwargs)
      gumbel = -tf.math.log(-tf.math.log(noise.uniform(logits)))
      return tf.one_hot(tf.argmax(logits + gumbel, axis=-1), tf.shape(logits)[-1],
                        dtype=self.dtype)

  contrib_seq2seq.CustomHelper = SeededHelper
  tfp.distributions.OneHotCategorical = SeededOneHotCategorical
  _active_noise.append(noise)
  try:
    yield
  finally:
    _active_noise.pop()
    contrib_seq2seq.CustomHelper = helper_class
    tfp.distributions.OneHotCategorical = categorical_class



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

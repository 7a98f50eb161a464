"""The encoder's arithmetic against this CPU's matrix-multiply rate: how much
of what the CPU can multiply the encoder uses."""

import re

import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import tensorflow.compat.v1 as tf

from benchmarks import common

# The reference matrix multiply has at least this many rows, so that it
# measures what the CPU can do rather than what a small batch lets it do.
MIN_ROWS = 1024


def _encoder_kernels(prefix):
  """(name, shape) of the encoder's LSTM kernels in the checkpoint."""
  return [(name, shape)
          for name, shape in tf.train.list_variables(prefix)
          if name.startswith('encoder/') and name.endswith('kernel') and
          'rnn' in name and len(shape) == 2]


def encoder_gflop_per_window(prefix, vae_config):
  """GFLOP of the encoder's LSTM kernels for one window.

  Each kernel [input + units, 4 units] runs once per step of its level (a
  hierarchical encoder's level i runs max_seq_len / prod(level_lengths[:i])
  steps); a multiply-add counts as 2.

  Args:
    prefix: the MusicVAE checkpoint.
    vae_config: its magenta config.

  Returns:
    GFLOP per window.
  """
  level_lengths = getattr(vae_config.model.encoder, 'level_lengths', [])
  total = 0
  for name, shape in _encoder_kernels(prefix):
    level = re.search(r'hierarchical_level_(\d+)', name)
    below = level_lengths[:int(level.group(1))] if level else []
    steps = vae_config.hparams.max_seq_len // int(np.prod(
        below, dtype=np.int64))
    total += 2 * shape[0] * shape[1] * steps
  return total / 1e9


def bottom_level_splits(vae_config):
  """How many segments of a window the encoder's bottom level runs at once.

  A hierarchical encoder's matrix multiplies have batch x that many rows.

  Args:
    vae_config: the MusicVAE's magenta config.

  Returns:
    The count; 1 for a flat encoder.
  """
  level_lengths = getattr(vae_config.model.encoder, 'level_lengths', None)
  if not level_lengths:
    return 1
  return vae_config.hparams.max_seq_len // level_lengths[0]


def gflops(rows, inner, cols, repeats=10):
  """This CPU's float32 matrix-multiply rate at the encoder's shape.

  Args:
    rows: the batch's rows.
    inner: the LSTM kernel's rows.
    cols: the LSTM kernel's columns.
    repeats: the rate is the fastest of this many multiplies.

  Returns:
    (TensorFlow's GFLOP/s, numpy's GFLOP/s).
  """
  a = np.random.default_rng(0).random((rows, inner), np.float32)
  b = np.random.default_rng(1).random((inner, cols), np.float32)
  flop = 2.0 * rows * inner * cols
  with tf.Graph().as_default():
    product = tf.matmul(tf.constant(a), tf.constant(b))
    with tf.Session() as session:
      session.run(product.op)
      tf_rate = common.best_rate(flop, lambda: session.run(product.op),
                                 repeats) / 1e9
  np_rate = common.best_rate(flop, lambda: a @ b, repeats) / 1e9
  return tf_rate, np_rate


def largest_encoder_kernel(prefix):
  """The shape [inner, cols] of the encoder's largest LSTM kernel."""
  return max((shape for _, shape in _encoder_kernels(prefix)),
             key=lambda shape: shape[0] * shape[1])

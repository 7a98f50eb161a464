"""Checks of argument values, shared by the command-line flags and the Python API:
each raises UserError with one line naming the flag."""

import math
import os

from midime.errors import UserError


def check_seed(seed):
  """Raises UserError for a seed numpy and TensorFlow cannot take."""
  if seed is not None and not 0 <= seed < 2 ** 32:
    raise UserError('--seed must be between 0 and 2**32 - 1, got %d' % seed)


def check_sampling_flags(max_batch_size, temperature, output_dir=None):
  """Raises UserError for the sampling flags' values that cannot work."""
  if max_batch_size is None or max_batch_size < 1:
    raise UserError('--max_batch_size must be at least 1, got %s' % max_batch_size)
  if temperature is None or not math.isfinite(temperature) or temperature <= 0:
    raise UserError('--temperature must be a number above 0, got %s' % temperature)
  if output_dir is not None:
    if not output_dir:
      raise UserError('--output_dir is required')
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
      raise UserError('--output_dir %s is a file, not a folder' % output_dir)

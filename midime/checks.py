"""Checks of argument values, shared by the command-line flags and the Python
API: each raises UserError with one line naming the flag."""

import math
import os

from midime.errors import UserError


def check_seed(seed):
  """Raises UserError for a seed numpy and TensorFlow cannot take."""
  if seed is not None and not 0 <= seed < 2**32:
    raise UserError('{seed} must be between 0 and 2**32 - 1, got %d' % seed)


def check_num_outputs(num_outputs):
  """Raises UserError unless at least one output is asked for."""
  if num_outputs is None or num_outputs < 1:
    raise UserError('{num_outputs} must be at least 1, got %s' % num_outputs)


def check_sampling_flags(max_batch_size, temperature, output_dir=None):
  """Raises UserError for the sampling flags' values that cannot work (a
  temperature of None: the model's own)."""
  if max_batch_size is None or max_batch_size < 1:
    raise UserError('{max_batch_size} must be at least 1, got %s' %
                    max_batch_size)
  if temperature is not None and (not math.isfinite(temperature) or
                                  temperature <= 0):
    raise UserError('{temperature} must be a number above 0, got %s' %
                    temperature)
  if output_dir is not None:
    if not output_dir:
      raise UserError('{output_dir} is required')
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
      raise UserError('{output_dir} %s is a file, not a folder' % output_dir)


def _is_number(value):
  return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_training_hparams(hparams):
  """Raises UserError for hyperparameters that would train a NaN model or abort
  the
  process: NaN, infinite or negative rates, `beta_rate` or `decay_rate` outside
  [0, 1], a `grad_clip` not above 0, a layer of fewer than 1 unit."""
  for key in ('learning_rate', 'min_learning_rate', 'max_beta', 'grad_clip',
              'grad_norm_clip_to_zero', 'free_bits', 'sampling_rate'):
    value = hparams.get(key)
    if value is None:
      continue
    if not _is_number(value) or not math.isfinite(value) or value < 0:
      raise UserError(
          'hparam %s must be a finite number of at least 0, got %r' %
          (key, value))
  for key in ('beta_rate', 'decay_rate'):
    value = hparams.get(key)
    if value is not None and (not _is_number(value) or not 0 <= value <= 1):
      raise UserError('hparam %s must be between 0 and 1, got %r' %
                      (key, value))
  for key in ('grad_clip', 'learning_rate'):
    if hparams.get(key) == 0:
      raise UserError('hparam %s must be above 0, got 0' % key)
  for key in ('latent_encoder_layers', 'latent_decoder_layers', 'dec_rnn_size',
              'enc_rnn_size'):
    layers = hparams.get(key)
    if layers and any(
        not isinstance(units, int) or units < 1 for units in layers):
      raise UserError('hparam %s must list layer sizes of at least 1, got %r' %
                      (key, layers))


def check_checkpoint_intervals(save_checkpoint_steps, save_checkpoint_secs,
                               checkpoints_to_keep):
  """Raises UserError for checkpoint flags that cannot work."""
  if save_checkpoint_steps is not None and save_checkpoint_steps < 0:
    raise UserError('{save_checkpoint_steps} must be 0 (off) or more, got %d' %
                    save_checkpoint_steps)
  if save_checkpoint_secs is not None and (
      not math.isfinite(save_checkpoint_secs) or save_checkpoint_secs < 0):
    raise UserError('{save_checkpoint_secs} must be 0 (off) or more, got %s' %
                    save_checkpoint_secs)
  if checkpoints_to_keep is not None and checkpoints_to_keep < 0:
    raise UserError('{checkpoints_to_keep} must be 0 (all) or more, got %d' %
                    checkpoints_to_keep)

"""midime.checks: each argument check at its boundary values, and the one line
it raises (a UserError naming the flag and the value given)."""

import math

import pytest

from midime import checks
from midime.errors import UserError


@pytest.mark.parametrize('seed', [None, 0, 1, 2**32 - 1])
def test_check_seed_accepts_no_seed_and_every_32_bit_seed(seed):
  checks.check_seed(seed)


@pytest.mark.parametrize('seed', [-1, 2**32, -2**40])
def test_check_seed_rejects_seeds_outside_32_bits_naming_the_value(seed):
  with pytest.raises(UserError) as raised:
    checks.check_seed(seed)
  assert raised.value.for_command_line() == (
      '--seed must be between 0 and 2**32 - 1, got %d' % seed)


@pytest.mark.parametrize('num_outputs', [1, 2, 1000])
def test_check_num_outputs_accepts_one_or_more(num_outputs):
  checks.check_num_outputs(num_outputs)


@pytest.mark.parametrize('num_outputs', [0, -3, None])
def test_check_num_outputs_rejects_fewer_than_one(num_outputs):
  with pytest.raises(UserError) as raised:
    checks.check_num_outputs(num_outputs)
  assert raised.value.for_command_line() == (
      '--num_outputs must be at least 1, got %s' % num_outputs)


@pytest.mark.parametrize('max_batch_size, temperature', [(1, None), (1, 1e-6),
                                                         (64, 1.0), (3, 100.0)])
def test_check_sampling_flags_accepts_a_batch_and_a_positive_temperature(
    max_batch_size, temperature):
  checks.check_sampling_flags(max_batch_size, temperature)


@pytest.mark.parametrize('max_batch_size', [0, -1, None])
def test_check_sampling_flags_rejects_an_empty_batch(max_batch_size):
  with pytest.raises(UserError) as raised:
    checks.check_sampling_flags(max_batch_size, 0.5)
  assert raised.value.for_command_line() == (
      '--max_batch_size must be at least 1, got %s' % max_batch_size)


@pytest.mark.parametrize('temperature',
                         [0.0, -0.5, math.nan, math.inf, -math.inf])
def test_check_sampling_flags_rejects_a_temperature_not_above_0(temperature):
  with pytest.raises(UserError) as raised:
    checks.check_sampling_flags(4, temperature)
  assert raised.value.for_command_line() == (
      '--temperature must be a number above 0, got %s' % temperature)


def test_check_sampling_flags_takes_a_missing_or_existing_output_folder(
    tmp_path):
  checks.check_sampling_flags(4, 0.5, str(tmp_path))
  checks.check_sampling_flags(4, 0.5, str(tmp_path / 'new' / 'folder'))
  assert not (tmp_path / 'new').exists()  # a check writes nothing


def test_check_sampling_flags_requires_a_non_empty_output_dir():
  with pytest.raises(UserError) as raised:
    checks.check_sampling_flags(4, 0.5, '')
  assert raised.value.for_command_line() == '--output_dir is required'


def test_check_sampling_flags_rejects_an_output_dir_that_is_a_file(tmp_path):
  path = tmp_path / 'samples'
  path.write_text('not a folder')
  with pytest.raises(UserError) as raised:
    checks.check_sampling_flags(4, 0.5, str(path))
  assert raised.value.for_command_line(
  ) == '--output_dir %s is a file, not a folder' % path
  assert path.read_text() == 'not a folder'


def test_check_training_hparams_accepts_boundary_values():
  checks.check_training_hparams({
      'learning_rate': 1e-3,
      'min_learning_rate': 0,
      'max_beta': 0.0,
      'grad_clip': 1.0,
      'free_bits': 0,
      'beta_rate': 0.0,
      'decay_rate': 1.0,
      'latent_encoder_layers': [1],
      'latent_decoder_layers': [],
      'dec_rnn_size': None,
      'unrelated': 'anything'
  })


@pytest.mark.parametrize('key', [
    'learning_rate', 'min_learning_rate', 'max_beta', 'grad_clip',
    'grad_norm_clip_to_zero', 'free_bits', 'sampling_rate'
])
@pytest.mark.parametrize('value', [-1e-9, math.nan, math.inf, True, '0.1'])
def test_check_training_hparams_rejects_rates_not_finite_and_at_least_0(
    key, value):
  with pytest.raises(UserError) as raised:
    checks.check_training_hparams({key: value})
  assert raised.value.for_command_line() == (
      'hparam %s must be a finite number of at least 0, got %r' % (key, value))


@pytest.mark.parametrize('key', ['beta_rate', 'decay_rate'])
@pytest.mark.parametrize('value', [-0.01, 1.01, False, math.nan])
def test_check_training_hparams_rejects_decay_rates_outside_0_to_1(key, value):
  with pytest.raises(UserError) as raised:
    checks.check_training_hparams({key: value})
  assert raised.value.for_command_line() == (
      'hparam %s must be between 0 and 1, got %r' % (key, value))


@pytest.mark.parametrize('key', ['grad_clip', 'learning_rate'])
def test_check_training_hparams_rejects_a_zero_clip_or_learning_rate(key):
  with pytest.raises(UserError) as raised:
    checks.check_training_hparams({key: 0})
  assert raised.value.for_command_line(
  ) == 'hparam %s must be above 0, got 0' % key


@pytest.mark.parametrize('key', [
    'latent_encoder_layers', 'latent_decoder_layers', 'dec_rnn_size',
    'enc_rnn_size'
])
@pytest.mark.parametrize('layers', [[0], [16, -1], [8, 2.5], ['32']])
def test_check_training_hparams_rejects_layers_of_fewer_than_1_unit(
    key, layers):
  with pytest.raises(UserError) as raised:
    checks.check_training_hparams({key: layers})
  assert raised.value.for_command_line() == (
      'hparam %s must list layer sizes of at least 1, got %r' % (key, layers))


@pytest.mark.parametrize('steps, secs, keep', [(0, 0, 0), (None, None, None),
                                               (1, 0.5, 1), (100, 30, 10)])
def test_check_checkpoint_intervals_accepts_0_for_off_and_more(
    steps, secs, keep):
  checks.check_checkpoint_intervals(steps, secs, keep)


@pytest.mark.parametrize('arguments, message', [
    ((-1, 30, 10), '--save_checkpoint_steps must be 0 (off) or more, got -1'),
    ((0, -0.5, 10), '--save_checkpoint_secs must be 0 (off) or more, got -0.5'),
    ((0, math.inf, 10),
     '--save_checkpoint_secs must be 0 (off) or more, got inf'),
    ((0, math.nan, 10),
     '--save_checkpoint_secs must be 0 (off) or more, got nan'),
    ((0, 30, -2), '--checkpoints_to_keep must be 0 (all) or more, got -2'),
])
def test_check_checkpoint_intervals_rejects_negative_or_infinite_values(
    arguments, message):
  with pytest.raises(UserError) as raised:
    checks.check_checkpoint_intervals(*arguments)
  assert raised.value.for_command_line() == message

"""midime.latents: interpolation (linear and spherical), MidiMe's sliders, and
the latent a user types with --latent, each bad value a one-line UserError."""

import numpy as np
import pytest
from midime import latents
from midime.errors import UserError
from midime import latents as latents_lib


@pytest.mark.parametrize('method', latents.INTERPOLATIONS)
def test_interpolate_latents_starts_and_ends_at_the_ends(method):
  rng = np.random.default_rng(3)
  start, end = rng.standard_normal(4), rng.standard_normal(4)
  steps = latents.interpolate_latents(start, end, 7, method)
  assert steps.shape == (7, 4) and steps.dtype == np.float32
  np.testing.assert_allclose(steps[0], start, atol=1e-6)
  np.testing.assert_allclose(steps[-1], end, atol=1e-6)


def test_linear_interpolation_takes_even_steps_along_the_line():
  start, end = np.array([1.0, -2.0, 0.5]), np.array([3.0, 2.0, 0.5])
  steps = latents.interpolate_latents(start, end, 5)
  np.testing.assert_allclose(steps[2], (start + end) / 2, atol=1e-6)
  np.testing.assert_allclose(np.diff(steps, axis=0),
                             np.tile((end - start) / 4, (4, 1)), atol=1e-6)


def test_spherical_interpolation_keeps_to_the_sphere_of_equal_ends():
  start = np.array([3.0, 0.0, 0.0, 0.0])
  end = np.array([0.0, 0.0, 3.0, 0.0])
  steps = latents.interpolate_latents(start, end, 9, 'spherical')
  np.testing.assert_allclose(np.linalg.norm(steps, axis=1), 3.0, rtol=1e-5)
  # Equal angles between neighbours: a quarter turn in 8 steps.
  cosines = [np.dot(a, b) / 9.0 for a, b in zip(steps[:-1], steps[1:])]
  np.testing.assert_allclose(cosines, np.cos(np.pi / 2 / 8), rtol=1e-5)


@pytest.mark.parametrize('end', [[2.0, 4.0], [-1.0, -2.0]])
def test_spherical_interpolation_of_parallel_ends_walks_the_line(end):
  start = np.array([1.0, 2.0])
  spherical = latents.interpolate_latents(start, end, 5, 'spherical')
  linear = latents.interpolate_latents(start, end, 5, 'linear')
  np.testing.assert_allclose(spherical, linear, atol=1e-6)
  assert np.isfinite(spherical).all()


@pytest.mark.parametrize('method', ['slerp', 'Linear', '', None])
def test_an_unknown_interpolation_is_a_user_error(method):
  with pytest.raises(UserError) as raised:
    latents.interpolate_latents([0.0, 1.0], [1.0, 0.0], 3, method)
  assert raised.value.for_command_line(
  ) == '--interpolation must be one of %s, got %r' % (', '.join(
      latents.INTERPOLATIONS), method)


@pytest.mark.parametrize('method', latents.INTERPOLATIONS)
def test_check_interpolation_accepts_each_method(method):
  latents.check_interpolation(method)


def test_traverse_latents_moves_one_dimension_at_a_time():
  center = np.array([0.5, -1.0, 2.0, 0.0])
  num_values, extent = 5, 1.5
  sliders = latents.traverse_latents(center, num_values, extent)
  assert sliders.shape == (len(center) * num_values, len(center))
  values = np.linspace(-extent, extent, num_values)
  for dim in range(len(center)):
    block = sliders[dim * num_values:(dim + 1) * num_values]
    np.testing.assert_allclose(block[:, dim], values, atol=1e-6)
    others = np.delete(block, dim, axis=1)
    np.testing.assert_allclose(others,
                               np.tile(np.delete(center, dim), (num_values, 1)))


@pytest.mark.parametrize('max_dims, dims', [(2, 2), (4, 4), (10, 4), (0, 0)])
def test_traverse_latents_stops_at_max_dims(max_dims, dims):
  sliders = latents.traverse_latents(np.zeros(4), 3, max_dims=max_dims)
  assert sliders.shape == (dims * 3, 4)


def test_parse_latent_reads_comma_separated_numbers():
  parsed = latents.parse_latent('0.5, -1,2e-1,  3', 4)
  assert parsed.dtype == np.float32
  np.testing.assert_allclose(parsed, [0.5, -1.0, 0.2, 3.0])


@pytest.mark.parametrize('text', ['1,2,x,4', '1;2;3;4', '', '1,,3,4'])
def test_parse_latent_rejects_what_is_not_numbers(text):
  with pytest.raises(UserError) as raised:
    latents.parse_latent(text, 4)
  assert raised.value.for_command_line() == (
      '--latent must be 4 numbers separated by commas, got %r' % text)


@pytest.mark.parametrize('text', ['1,2,3', '1,2,3,4,5', '7'])
def test_parse_latent_rejects_another_number_of_dimensions(text):
  with pytest.raises(UserError) as raised:
    latents.parse_latent(text, 4)
  assert raised.value.for_command_line() == (
      "--latent has %d numbers; this model's latent has 4 dimensions" %
      len(text.split(',')))


@pytest.mark.parametrize('text', ['1,nan,3,4', 'inf,0,0,0', '0,0,0,-inf'])
def test_parse_latent_rejects_numbers_that_are_not_finite(text):
  with pytest.raises(UserError) as raised:
    latents.parse_latent(text, 4)
  assert raised.value.for_command_line(
  ) == '--latent must be finite numbers, got %r' % text


def test_interpolation_includes_both_ends():
  start, end = np.array([1.0, 0, 0, 0]), np.array([0, 2.0, 0, 0])
  linear = latents_lib.interpolate_latents(start, end, 5, 'linear')
  np.testing.assert_allclose(linear[[0, -1]], [start, end], atol=1e-6)
  np.testing.assert_allclose(linear[2], [0.5, 1, 0, 0], atol=1e-6)
  spherical = latents_lib.interpolate_latents(start, end, 5, 'spherical')
  np.testing.assert_allclose(spherical[[0, -1]], [start, end], atol=1e-6)
  # slerp bows outwards: its midpoint is farther from the origin than the
  # line's.
  assert np.linalg.norm(spherical[2]) > np.linalg.norm(linear[2]) + 0.1


def test_traverse_latents_move_one_dimension_at_a_time():
  latents = latents_lib.traverse_latents(np.array([0.5, -0.5, 0]), 3)
  assert latents.shape == (9, 3)
  np.testing.assert_allclose(latents[3:6],
                             [[0.5, -2, 0], [0.5, 0, 0], [0.5, 2, 0]])

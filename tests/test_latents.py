"""latents.py: latent arithmetic: interpolation and traversal."""

import numpy as np

from midime import latents as latents_lib


def test_interpolation_includes_both_ends():
  start, end = np.array([1.0, 0, 0, 0]), np.array([0, 2.0, 0, 0])
  linear = latents_lib.interpolate_latents(start, end, 5, 'linear')
  np.testing.assert_allclose(linear[[0, -1]], [start, end], atol=1e-6)
  np.testing.assert_allclose(linear[2], [0.5, 1, 0, 0], atol=1e-6)
  spherical = latents_lib.interpolate_latents(start, end, 5, 'spherical')
  np.testing.assert_allclose(spherical[[0, -1]], [start, end], atol=1e-6)
  # slerp bows outwards: its midpoint is farther from the origin than the line's.
  assert np.linalg.norm(spherical[2]) > np.linalg.norm(linear[2]) + 0.1


def test_traverse_latents_move_one_dimension_at_a_time():
  latents = latents_lib.traverse_latents(np.array([0.5, -0.5, 0]), 3)
  assert latents.shape == (9, 3)
  np.testing.assert_allclose(latents[3:6], [[0.5, -2, 0], [0.5, 0, 0], [0.5, 2, 0]])

"""Arithmetic in the small latent: interpolation, MidiMe's sliders, and the
points a user types. numpy only."""

import numpy as np

from midime.errors import UserError

INTERPOLATIONS = ('linear', 'spherical')


def check_interpolation(method):
  """Raises UserError unless `method` is one of INTERPOLATIONS."""
  if method not in INTERPOLATIONS:
    raise UserError('{interpolation} must be one of %s, got %r' %
                    (', '.join(INTERPOLATIONS), method))


def interpolate_latents(start, end, num_steps, method='linear'):
  """`num_steps` latents from `start` to `end`, both ends included.

  'linear' (the default) walks the straight line. magenta's
  TrainedModel.interpolate uses 'spherical' (slerp) in MusicVAE's 512-d z, where
  N(0, I) puts nearly all its mass on a thin shell of radius sqrt(512) and
  straight-line midpoints fall inside it, where the decoder has seen no codes.
  The small latent has 4 or 8 dimensions: there the prior has no such shell (its
  density is highest at the origin), so the straight line stays where the model
  was trained and its steps are evenly spaced.
  """
  check_interpolation(method)
  start = np.asarray(start, np.float64)
  end = np.asarray(end, np.float64)
  fractions = np.linspace(0.0, 1.0, num_steps)
  if method == 'linear':
    steps = [(1 - t) * start + t * end for t in fractions]
    return np.stack(steps).astype(np.float32)
  cos_angle = np.dot(start / np.linalg.norm(start), end / np.linalg.norm(end))
  angle = np.arccos(np.clip(cos_angle, -1.0, 1.0))
  # (anti)parallel: slerp is undefined, the line is not.
  if np.sin(angle) < 1e-6:
    return interpolate_latents(start, end, num_steps, 'linear')
  # magenta's music_vae/trained_model.py _slerp.
  return np.stack([
      np.sin((1 - t) * angle) / np.sin(angle) * start +
      np.sin(t * angle) / np.sin(angle) * end for t in fractions
  ]).astype(np.float32)


def traverse_latents(center, num_values, extent=2.0, max_dims=None):
  """MidiMe's sliders: for each dimension (up to `max_dims`), `num_values`
  values from -extent to +extent prior standard deviations, the others held at
  `center`. Returns `[dims * num_values, latent_size]`, dimension-major."""
  center = np.asarray(center, np.float32)
  dims = len(center) if max_dims is None else min(len(center), max_dims)
  values = np.linspace(-extent, extent, num_values).astype(np.float32)
  latents = np.repeat(center[None, :], dims * num_values, axis=0)
  for dim in range(dims):
    latents[dim * num_values:(dim + 1) * num_values, dim] = values
  return latents


def parse_latent(text, latent_size):
  """The latent vector `a,b,c,...` of --latent, checked against
  `latent_size`."""
  try:
    values = [float(value) for value in text.split(',')]
  except ValueError:
    raise UserError('{latent} must be %d numbers separated by commas, got %r' %
                    (latent_size, text)) from None
  if len(values) != latent_size:
    raise UserError(
        '{latent} has %d numbers; this model\'s latent has %d dimensions' %
        (len(values), latent_size))
  if not all(np.isfinite(values)):
    raise UserError('{latent} must be finite numbers, got %r' % text)
  return np.asarray(values, np.float32)

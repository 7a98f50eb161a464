"""sampling.py: the samplers: a trained model's latents drawn from the songs'
posteriors, the plain MusicVAE's prior, silent samples redrawn; none depends
on the batch size."""

import numpy as np

from midime import checkpoints
from midime import frozen_music_vae
from midime import sampling
from tests import testing_lib


def test_plain_music_vae_samples_do_not_depend_on_the_batch_size(tiny_vae):
  samples = []
  with checkpoints.open_checkpoint(tiny_vae.tar, 'MusicVAE') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)
    for batch in (1, 3):
      prior = sampling.MusicVAEPrior(vae_config, checkpoint, batch, seed=4)
      samples.append(prior.sample_tensors(3))
      prior.close()
  np.testing.assert_array_equal(samples[0], samples[1])


class _SilentWhenNegative(sampling._LatentDecoder):  # pylint: disable=protected-access
  """A decoder stub: a latent whose first value is negative decodes to no notes."""

  def __init__(self, seed):
    self._start(None, 2, 4, 32, seed)

  def decode(self, latents, length=None, temperature=0.5, progress=None):
    sequences = []
    for latent in latents:
      sequence = testing_lib.random_melody(0, bars=2)
      if latent[0] < 0:
        del sequence.notes[:]
      sequences.append(sequence)
    return sequences


def test_silent_samples_are_redrawn():
  sequences, latents, redrawn = _SilentWhenNegative(seed=0).sample_audible(8)
  assert redrawn > 0  # about half of N(0, 1) draws are negative
  assert sampling.silent_count(sequences) == 0 and (latents[:, 0] >= 0).all()


def test_redrawing_gives_up_after_a_bound():
  decoder = _SilentWhenNegative(seed=0)
  decoder.draw_latents = lambda n: -np.ones([n, 2], np.float32)
  sequences, _, redrawn = decoder.sample_audible(3, max_redraws=4)
  assert sampling.silent_count(sequences) == 3 and redrawn == 12


def _posterior_sampler(means, stddevs, seed=0):
  """A LatentSampler holding only what draw_latents reads (no graph, no checkpoint)."""
  model = object.__new__(sampling.LatentSampler)
  model._rng = np.random.default_rng(seed)
  model._latent_size = len(means[0])
  model._song_posteriors = (np.asarray(means, np.float32),
                            np.asarray(stddevs, np.float32))
  return model


def test_latents_are_drawn_from_a_uniformly_chosen_windows_posterior():
  # Two windows: one at 0 with a negligible spread, one at 10 with spread 2.
  latents = _posterior_sampler([[0.0] * 4, [10.0] * 4],
                               [[1e-4] * 4, [2.0] * 4]).draw_latents(4000)
  assert latents.shape == (4000, 4)
  at_zero = np.all(np.abs(latents) < 0.01, axis=1)
  assert abs(at_zero.mean() - 0.5) < 0.03  # each window with probability 1/2
  around_ten = latents[~at_zero]
  np.testing.assert_allclose(around_ten.mean(0), 10.0, atol=0.15)
  np.testing.assert_allclose(around_ten.std(0), 2.0, rtol=0.06)

"""latent_cache.py: the cached posteriors are magenta's, computed once, reused."""

import os

import numpy as np
import pytest

from midime import tf_setup  # noqa: F401
from magenta.models.music_vae import TrainedModel

from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import latent_cache
import melodies


def _vae_config(checkpoint):
  return frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)


def test_cached_mu_and_sigma_equal_magentas_trained_model_encode(tiny_vae, tmp_path):
  # Two-bar melodies: magenta's TrainedModel.encode takes exactly one slice from each.
  songs = [melodies.random_melody(seed, bars=2, name='two%d' % seed) for seed in range(6)]
  path = str(tmp_path / 'two_bar.tfrecord')
  melodies.write_tfrecord(path, songs)
  config = configs.get_config('ae-cat-mel_2bar_big')
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    vae_config = _vae_config(checkpoint)
    cache = latent_cache.build_or_load(str(tmp_path / 'latents.npz'), path, config,
                                       vae_config, checkpoint)
    magenta_model = TrainedModel(vae_config, batch_size=4,
                                 checkpoint_dir_or_path=checkpoint.prefix)
    _, magenta_mu, magenta_sigma = magenta_model.encode(songs)
  untransposed = cache.transpose == 0
  assert list(cache.source_index[untransposed]) == list(range(6))
  np.testing.assert_allclose(cache.mu[untransposed], magenta_mu, rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(cache.sigma[untransposed], magenta_sigma,
                             rtol=1e-4, atol=1e-5)
  assert cache.mu.shape == (6 * 11, 16) and cache.sequences is None


def test_the_cache_is_reused_until_the_examples_change(tiny_vae, tmp_path, monkeypatch):
  songs_path = str(tmp_path / 'songs.tfrecord')
  melodies.write_tfrecord(songs_path, [melodies.random_melody(1)])
  cache_path = str(tmp_path / 'run' / 'latents.npz')
  config = configs.get_config('lc-cat-mel_2bar_big')  # keeps the melodies too
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    vae_config = _vae_config(checkpoint)
    first = latent_cache.build_or_load(cache_path, songs_path, config, vae_config,
                                       checkpoint)
    assert first.sequences.shape == (3 * 11, 32, 90)
    assert os.path.exists(cache_path)

    def must_not_encode(*args, **kwargs):
      raise AssertionError('encoded again')
    monkeypatch.setattr(latent_cache, 'encode_slices', must_not_encode)
    again = latent_cache.build_or_load(cache_path, songs_path, config, vae_config,
                                       checkpoint)
    np.testing.assert_array_equal(again.mu, first.mu)
    np.testing.assert_array_equal(again.sequences, first.sequences)
    assert again.source_names == ['melody']

    melodies.write_tfrecord(songs_path, [melodies.random_melody(2)])
    with pytest.raises(AssertionError, match='encoded again'):
      latent_cache.build_or_load(cache_path, songs_path, config, vae_config, checkpoint)


def test_an_unreadable_cache_is_ignored(tmp_path):
  path = tmp_path / 'latents.npz'
  path.write_bytes(b'not a zip')
  assert latent_cache.load(str(path)) is None
  assert latent_cache.load(str(tmp_path / 'absent.npz')) is None

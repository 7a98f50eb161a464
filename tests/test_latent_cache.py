"""latent_cache.py: the cached posteriors are magenta's, computed once, reused,
and computed again when the cache cannot be read."""

import os

import numpy as np
import pytest

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
from magenta.models.music_vae import TrainedModel

from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import latent_cache
from midime import windows as windows_lib
from midime.jobs import train as train_job
from tests import testing_lib

CONFIG = 'ae-cat-mel_2bar_big'


def _vae_config(checkpoint):
  return frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)


def test_cached_mu_and_sigma_equal_magentas_trained_model_encode(
    tiny_vae, tmp_path):
  # Two-bar melodies: magenta's TrainedModel.encode takes exactly one slice from
  # each.
  songs = [
      testing_lib.random_melody(seed, bars=2, name='two%d' % seed)
      for seed in range(6)
  ]
  path = str(tmp_path / 'two_bar.tfrecord')
  testing_lib.write_tfrecord(path, songs)
  config = configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    vae_config = _vae_config(checkpoint)
    cache = train_job.encoded_songs(str(tmp_path / 'latents.npz'), path, config,
                                    vae_config, checkpoint)
    magenta_model = TrainedModel(vae_config, batch_size=4,
                                 checkpoint_dir_or_path=checkpoint.prefix)
    _, magenta_mu, magenta_sigma = magenta_model.encode(songs)
  untransposed = cache.transpose == 0
  assert list(cache.source_index[untransposed]) == list(range(6))
  np.testing.assert_allclose(cache.mu[untransposed], magenta_mu, rtol=1e-4,
                             atol=1e-5)
  np.testing.assert_allclose(cache.sigma[untransposed], magenta_sigma,
                             rtol=1e-4, atol=1e-5)
  assert cache.mu.shape == (6 * 11, 16) and cache.sequences is None


def test_the_cache_is_reused_until_the_examples_change(tiny_vae, tmp_path,
                                                       monkeypatch):
  songs_path = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(songs_path, [testing_lib.random_melody(1)])
  cache_path = str(tmp_path / 'run' / 'latents.npz')
  config = configs.get_config('lc-cat-mel_2bar_big')  # keeps the melodies too
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    vae_config = _vae_config(checkpoint)
    first = train_job.encoded_songs(cache_path, songs_path, config, vae_config,
                                    checkpoint)
    assert first.sequences.shape == (3 * 11, 32, 90)
    assert os.path.exists(cache_path)

    def must_not_encode(*args, **kwargs):
      raise AssertionError('encoded again')

    monkeypatch.setattr(latent_cache, 'encode_windows', must_not_encode)
    again = train_job.encoded_songs(cache_path, songs_path, config, vae_config,
                                    checkpoint)
    np.testing.assert_array_equal(again.mu, first.mu)
    np.testing.assert_array_equal(again.sequences, first.sequences)
    assert again.source_names == ['melody']

    testing_lib.write_tfrecord(songs_path, [testing_lib.random_melody(2)])
    with pytest.raises(AssertionError, match='encoded again'):
      train_job.encoded_songs(cache_path, songs_path, config, vae_config,
                              checkpoint)


def test_an_unreadable_cache_is_ignored(tmp_path):
  path = tmp_path / 'latents.npz'
  path.write_bytes(b'not a zip')
  assert latent_cache.load(str(path)) is None
  assert latent_cache.load(str(tmp_path / 'absent.npz')) is None


def test_distinct_windows_maps_every_window_to_its_first_copy():
  inputs = np.zeros([5, 4, 3], np.bool_)
  inputs[:, 0, 0] = True
  inputs[1, 1, 2] = inputs[3, 1, 2] = True  # windows 1 and 3 are copies
  inputs[4, 2, 1] = True
  lengths = np.array([4, 4, 4, 4, 4], np.int32)
  lengths[2] = 3  # same events as window 0, but shorter: a different window
  first, copy_of = latent_cache.distinct_windows(inputs, lengths)
  assert list(first) == [0, 1, 2, 4]
  assert list(copy_of) == [0, 1, 2, 1, 3]
  np.testing.assert_array_equal(inputs[first][copy_of], inputs)


def test_a_window_shared_by_two_songs_is_encoded_once(tiny_vae, tmp_path,
                                                      monkeypatch):
  # The same tune under two names (a strain two songs share), and another tune.
  tune, other = testing_lib.random_melody(3, bars=2), testing_lib.random_melody(
      4, bars=2)
  copy = testing_lib.random_melody(3, bars=2, name='copy')
  path = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(path, [tune, copy, other])
  encoded_counts = []
  real_encode = latent_cache.MusicVAEEncoder.encode

  def counting_encode(self, inputs, lengths, report_progress=True):
    encoded_counts.append(len(inputs))
    return real_encode(self, inputs, lengths, report_progress)

  monkeypatch.setattr(latent_cache.MusicVAEEncoder, 'encode', counting_encode)
  config = configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    cache = train_job.encoded_songs(str(tmp_path / 'latents.npz'), path, config,
                                    _vae_config(checkpoint), checkpoint)
  # One two-bar window per song and transposition; the copy's 11 are not
  # encoded.
  assert len(cache) == 3 * 11 and encoded_counts == [2 * 11]
  for shift in range(-5, 6):

    def of_song(index):
      return (cache.source_index == index) & (cache.transpose == shift)

    np.testing.assert_array_equal(cache.mu[of_song(1)], cache.mu[of_song(0)])
    assert not np.allclose(cache.mu[of_song(2)], cache.mu[of_song(0)])


def _op_types(graph):
  """Every op type of `graph`, those inside its while loops' bodies (functions
  of its library, under TF2's control flow) included."""
  graph_def = graph.as_graph_def()
  types = {node.op for node in graph_def.node}
  for function in graph_def.library.function:
    types |= {node.op for node in function.node_def}
  return types


def test_the_encoder_multiplies_with_plain_lstm_cells_and_restores_magentas(
    tiny_vae):
  from magenta.contrib import rnn as contrib_rnn
  block_cell = contrib_rnn.LSTMBlockCell
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    encoder = latent_cache.MusicVAEEncoder(_vae_config(checkpoint), checkpoint)
  op_types = _op_types(encoder._graph)
  encoder.close()
  # The same LSTM as magenta's fused op (the cached latents equal
  # TrainedModel's, above), with its matrix multiply as a MatMul op; magenta's
  # own cell is back.
  assert 'LSTMBlockCell' not in op_types and 'MatMul' in op_types
  assert contrib_rnn.LSTMBlockCell is block_cell


def test_long_windows_keep_magentas_fused_cells(tmp_path):
  # 16-bar encoders ran faster with magenta's LSTMBlockCell (latent_cache's
  # figures).
  tar = testing_lib.write_tiny_music_vae(str(tmp_path), 'hierdec-mel_16bar')
  with checkpoints.open_checkpoint(tar) as checkpoint:
    vae_config = frozen_music_vae.music_vae_config(
        'hierdec-mel_16bar',
        checkpoint.sidecars[checkpoints.MUSIC_VAE_SIDECAR]['hparams'])
    assert vae_config.hparams.max_seq_len > latent_cache.ONEDNN_CELLS_MAX_STEPS
    encoder = latent_cache.MusicVAEEncoder(vae_config, checkpoint, batch_size=2)
  op_types = _op_types(encoder._graph)
  encoder.close()
  assert 'LSTMBlockCell' in op_types


def test_a_truncated_latent_cache_is_encoded_again(trained_models, tiny_vae,
                                                   songs_tfrecord, tmp_path,
                                                   capsys):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  cache_path = os.path.join(str(run_dir), 'latents.npz')
  size = os.path.getsize(cache_path)
  with open(cache_path, 'r+b') as cache_file:
    cache_file.truncate(size // 2)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 6) == 0
  err = capsys.readouterr().err
  assert 'ignoring unreadable latent cache' in err and 'Traceback' not in err
  assert latent_cache.load(cache_path) is not None


def test_multitrack_windows_encode_as_magentas_in_padded_fixed_batches(
    family_material):
  vae_config_name = 'hier-multiperf_vel_1bar_med'
  tar, _ = family_material(vae_config_name)
  bands = [
      testing_lib.band(seed, bars=2, pitched=2 + seed, name='band%d' % seed)
      for seed in range(3)
  ]
  config = configs.get_config('ae-' + vae_config_name)
  windows, _ = windows_lib.training_windows([(b.filename, b) for b in bands],
                                            config)
  # A length per instrument segment.
  assert windows.lengths.shape == (len(windows), 8)
  with checkpoints.open_checkpoint(tar) as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(vae_config_name,
                                                        checkpoint)
    magenta_model = TrainedModel(vae_config, batch_size=len(windows),
                                 checkpoint_dir_or_path=checkpoint.prefix)
    _, magenta_mu, _ = magenta_model.encode_tensors(
        windows.inputs.astype(np.float32), windows.lengths)
    # Batches of 4: the last one padded.
    encoder = latent_cache.MusicVAEEncoder(vae_config, checkpoint,
                                           batch_size=4)
    try:
      mu, _ = encoder.encode(windows.inputs, windows.lengths)
      # Whole windows' lengths (decoded samples have no others): each
      # segment's read from its padding.
      whole_mu, _ = encoder.encode(
          windows.inputs, np.full([len(windows)], windows.inputs.shape[1]))
    finally:
      encoder.close()
  np.testing.assert_allclose(mu, magenta_mu, rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(whole_mu, magenta_mu, rtol=1e-4, atol=1e-5)

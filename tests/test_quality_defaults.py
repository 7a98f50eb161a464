"""The defaults that personalize (beta warmed up within the run, the songs in their own
keys, issue 14) and SmallMusicVAE's sampling of z's learned spread."""

import contextlib
import json
import os
import tarfile

import numpy as np
import pytest

from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS
import demo
from midime import ae_model
from midime import base_model
from midime import checkpoints
from midime import configs
from midime import latent_cache
from midime import note_sequence_io
from midime import training
from midime.cli import evaluate as evaluate_cli
from midime.cli import generate as generate_cli
from midime.cli import train as train_cli
from midime import sampling
from midime.jobs import train as train_job
from midime import trained_model
from midime import windows
import tensorflow.compat.v1 as tf


def test_beta_reaches_99_percent_of_max_beta_at_the_warmup_fraction():
  rate = base_model.beta_rate_for_run(1000, 0.5)
  assert 1 - rate ** 500 == pytest.approx(0.99)
  assert 1 - base_model.beta_rate_for_run(100, 0.25) ** 25 == pytest.approx(0.99)
  # The demo's former --hparams=beta_rate=0.999 reached 99% only after 4,603 steps.
  assert rate < 0.999


def test_a_rate_given_by_the_user_is_kept():
  hparams = configs.get_config('ae-cat-mel_2bar_big').hparams
  assert hparams.beta_rate == 0 and hparams.beta_warmup_fraction == 0.5
  base_model.set_beta_warmup(hparams, 2000)
  assert hparams.beta_rate == base_model.beta_rate_for_run(2000, 0.5)
  given = configs.get_config('ae-cat-mel_2bar_big', 'beta_rate=0.99999').hparams
  base_model.set_beta_warmup(given, 2000)
  assert given.beta_rate == 0.99999


def test_training_at_default_settings_records_the_rate_for_its_steps(
    tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=8, hparams=TINY_AE_HPARAMS))
  with tarfile.open(bundle) as tar:
    record = json.load(tar.extractfile('midime_config.json'))
  assert record['hparams']['beta_rate'] == pytest.approx(
      base_model.beta_rate_for_run(8, 0.5))
  # The songs in their own keys, as magenta.js MidiMe: one window per window of the
  # songs, none transposed (the MusicVAE's augmenter would make 11 of each).
  assert record['hparams']['transpose_songs'] is False
  cache = latent_cache.load(os.path.join(run_dir, 'latents.npz'))
  config = configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')
  slices, _ = windows.extract_windows(
      note_sequence_io.read_note_sequences(songs_tfrecord), config.data_converter,
      config.note_sequence_augmenter)
  assert not cache.transpose.any()
  assert len(cache) == np.sum(slices.transpose == 0) == len(slices) // 11
  # Every window's posterior, for sampling, beside the checkpoints and in the bundle:
  # the mean of q(latent | z) at the window's mu, as the trained model computes it.
  with tarfile.open(bundle) as tar:
    posteriors = json.load(tar.extractfile(checkpoints.SONG_POSTERIORS_SIDECAR))
  with open(os.path.join(run_dir, 'train', checkpoints.SONG_POSTERIORS_SIDECAR)) as f:
    assert json.load(f) == posteriors
  assert posteriors['step'] == 8
  assert np.shape(posteriors['mean']) == np.shape(posteriors['stddev']) == (
      len(cache), 4)
  assert np.min(posteriors['stddev']) > 0
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, None, bundle, tiny_vae.prefix, None,
                                          None, 4, seed=1)
    with contextlib.closing(loaded.model) as model:
      np.testing.assert_allclose(model.encode_z(cache.mu), posteriors['mean'],
                                 atol=1e-4)
      assert model._song_posteriors is not None


@pytest.mark.parametrize('config_name, hparams', [
    ('ae-cat-mel_2bar_big', TINY_AE_HPARAMS + ',transpose_songs=true'),
    ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)])  # LCMusicVAE's defaults
def test_a_model_trained_on_transpositions_samples_the_songs_own_keys(
    tiny_vae, songs_tfrecord, tmp_path, config_name, hparams):
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(train_job.TrainOptions(config=config_name, run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=3, hparams=hparams))
  cache = latent_cache.load(os.path.join(run_dir, 'latents.npz'))
  given = cache.transpose == 0
  assert 0 < given.sum() < len(cache)  # 11 keys of every window were trained on
  with tarfile.open(bundle) as tar:
    posteriors = json.load(tar.extractfile(checkpoints.SONG_POSTERIORS_SIDECAR))
  # ... and only the windows in the songs' own keys are sampled from.
  assert len(posteriors['mean']) == given.sum()
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, None, bundle, tiny_vae.prefix, None,
                                          None, 4, seed=1)
    with contextlib.closing(loaded.model) as model:
      np.testing.assert_allclose(model.encode_z(cache.mu[given]), posteriors['mean'],
                                 atol=1e-4)
      assert len(model._song_posteriors[0]) == given.sum()  # what it samples


def test_the_demo_trains_with_the_scripts_defaults():
  assert demo.FLAGS['num_steps'].default == train_cli.FLAGS['num_steps'].default
  assert demo.FLAGS['hparams'].default == ''


def test_each_kind_of_config_has_its_own_default_steps():
  assert train_cli.FLAGS['num_steps'].default is None
  assert configs.default_num_steps('ae-cat-mel_2bar_big') == 1000
  assert configs.default_num_steps('ae-hierdec-mel_16bar') == 1000
  assert configs.default_num_steps('lc-cat-mel_2bar_big') == (
      configs.DEFAULT_NUM_STEPS['lc'])
  assert configs.DEFAULT_NUM_STEPS['lc'] > configs.DEFAULT_NUM_STEPS['ae']
  help_text = train_cli.FLAGS['num_steps'].help
  assert '1,000 for ae- configs' in help_text
  assert '{:,} for lc- configs'.format(configs.DEFAULT_NUM_STEPS['lc']) in help_text


def test_lc_configs_sample_their_own_decoder_at_temperature_one():
  assert configs.get_config('ae-cat-mel_2bar_big').hparams.sampling_temperature == 0.5
  for name in ('lc-cat-mel_2bar_big', 'lc-hierdec-mel_16bar'):
    assert configs.get_config(name).hparams.sampling_temperature == 1.0
  assert demo.FLAGS['temperature'].default is None
  for program in (generate_cli, evaluate_cli):
    assert program.FLAGS['temperature'].default is None
    assert '1.0 for lc- configs' in program.FLAGS['temperature'].help


def test_no_steps_given_trains_to_the_configs_default_and_warms_beta_for_it(
    tiny_vae, songs_tfrecord, tmp_path, monkeypatch):
  monkeypatch.setitem(configs.DEFAULT_NUM_STEPS, 'ae', 7)
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, hparams=TINY_AE_HPARAMS))
  assert os.path.basename(training.latest_checkpoint(run_dir)).endswith('-7')
  with tarfile.open(bundle) as tar:
    record = json.load(tar.extractfile('midime_config.json'))
  assert record['hparams']['beta_rate'] == pytest.approx(
      base_model.beta_rate_for_run(7, 0.5))


class _DecoderStandIn(object):
  """A MusicVAE decoder that returns the z it is given."""

  def sample(self, z, max_length, temperature):
    return z


def _sampled_z(scale, log_sigma, draws=2000):
  config = configs.get_config('ae-cat-mel_2bar_big', TINY_AE_HPARAMS +
                              ',z_size=3,z_sample_scale=%g' % scale)
  with tf.Graph().as_default():
    tf.set_random_seed(0)
    model = config.model
    model.build(config.hparams, output_depth=90, is_training=False)
    latent = tf.zeros([draws, config.hparams.encoded_z_size])
    # Every row decodes the same latent, so the rows' spread is the sampled one.
    z = model.sample(latent, 32, 0.5, _DecoderStandIn())
    with tf.variable_scope(base_model.LATENT_DECODER_SCOPE, reuse=True):
      variable = tf.get_variable('log_sigma')
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      session.run(variable.assign(np.array(log_sigma, np.float32) /
                                  ae_model.Z_SIGMA_STEP_SCALE))
      return session.run(z)


def test_sampling_draws_z_around_the_mean_with_the_learned_spread():
  sigma = np.array([0.5, 1.0, 2.0])
  np.testing.assert_allclose(_sampled_z(1.0, np.log(sigma)).std(0), sigma, rtol=0.07)
  np.testing.assert_allclose(_sampled_z(0.5, np.log(sigma)).std(0), sigma / 2,
                             rtol=0.07)
  # z_sample_scale=0: MidiMe's mean, the same z for the same latent.
  assert not _sampled_z(0.0, np.log(sigma)).std(0).any()


def _posterior_sampler(means, stddevs, seed=0):
  """A TrainedMidiMe holding only what draw_latents reads (no graph, no checkpoint)."""
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


def test_posteriors_are_used_only_when_asked_for_and_of_this_checkpoint():
  posteriors = {'step': 8, 'mean': [[1.0] * 4], 'stddev': [[0.5] * 4]}
  sidecars = {checkpoints.SONG_POSTERIORS_SIDECAR: posteriors}
  config = configs.get_config('ae-cat-mel_2bar_big')
  assert config.hparams.sample_song_posteriors is True
  at = lambda prefix, cars=sidecars: checkpoints.Checkpoint(prefix, prefix, cars)
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-8')) == posteriors
  assert trained_model._song_posteriors(config, at('bundle/ae.ckpt')) == posteriors
  # An earlier checkpoint of the run, a run stopped before its end: the prior.
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-5')) is None
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-8', {})) is None
  prior = configs.get_config('ae-cat-mel_2bar_big', 'sample_song_posteriors=false')
  assert trained_model._song_posteriors(prior, at('run/train/model.ckpt-8')) is None
  # LCMusicVAE samples them too; runs saved before the hparam existed, the prior.
  assert configs.get_config('lc-cat-mel_2bar_big').hparams.sample_song_posteriors
  saved = configs.get_config('ae-cat-mel_2bar_big', hparams_values={'batch_size': 8})
  assert not saved.hparams.sample_song_posteriors

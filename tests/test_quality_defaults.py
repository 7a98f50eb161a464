"""The defaults that personalise (beta warmed up within the run, the songs in their own
keys, issue 14) and SmallMusicVAE's sampling of z's learned spread."""

import json
import os
import tarfile

import numpy as np
import pytest

from conftest import TINY_AE_HPARAMS
import demo
from midime import ae_model
from midime import base_model
from midime import configs
from midime import latent_cache
from midime import melody_slices
from midime import note_sequence_io
from midime import workflows
from midime.cli import train as train_cli
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
  bundle = workflows.train_or_evaluate('ae-cat-mel_2bar_big', run_dir, 'train',
                                       songs_tfrecord, tiny_vae.prefix, num_steps=8,
                                       hparams_string=TINY_AE_HPARAMS)
  with tarfile.open(bundle) as tar:
    record = json.load(tar.extractfile('midime_config.json'))
  assert record['hparams']['beta_rate'] == pytest.approx(
      base_model.beta_rate_for_run(8, 0.5))
  # The songs in their own keys, as magenta.js MidiMe: one window per window of the
  # songs, none transposed (the MusicVAE's augmenter would make 11 of each).
  assert record['hparams']['transpose_songs'] is False
  cache = latent_cache.load(os.path.join(run_dir, 'latents.npz'))
  config = configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')
  slices, _ = melody_slices.extract_slices(
      note_sequence_io.read_note_sequences(songs_tfrecord), config.data_converter,
      config.note_sequence_augmenter)
  assert not cache.transpose.any()
  assert len(cache) == np.sum(slices.transpose == 0) == len(slices) // 11


def test_the_demo_trains_with_the_scripts_defaults():
  assert demo.FLAGS['num_steps'].default == train_cli.FLAGS['num_steps'].default
  assert demo.FLAGS['hparams'].default == ''


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

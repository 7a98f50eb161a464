"""training.py: batches, checkpoints of the small model only, resume, evaluation."""

import os
import tarfile

import numpy as np
import pytest

from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import training
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS
from midime.errors import UserError
from midime.jobs import train as train_job


def test_shuffled_batches_see_every_example_equally_often():
  batches = training._shuffled_batches(5, 4, np.random.default_rng(0))
  seen = np.concatenate([next(batches) for _ in range(10)])  # 40 = 8 epochs of 5
  assert np.array_equal(np.bincount(seen, minlength=5), [8] * 5)


def _train(run_dir, tiny_vae, songs_tfrecord, num_steps, seed=1):
  return train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=num_steps, hparams=TINY_AE_HPARAMS, seed=seed))


def test_train_resume_bundle_and_evaluate(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  bundle = _train(run_dir, tiny_vae, songs_tfrecord, 20)
  train_dir = os.path.join(run_dir, 'train')
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-20')
  assert os.path.exists(os.path.join(run_dir, 'latents.npz'))
  assert any(name.startswith('events.out.tfevents') for name in os.listdir(train_dir))

  # Resuming continues from step 20 to 35, and the bundle follows.
  assert _train(run_dir, tiny_vae, songs_tfrecord, 35) == bundle
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-35')
  with checkpoints.open_checkpoint(bundle) as checkpoint:
    stored = checkpoint.variable_shapes()
    record = checkpoint.sidecars[checkpoints.MODEL_SIDECAR]
  # The bundle is the small model alone: no MusicVAE, no optimizer state.
  assert stored and all(name.split('/')[0] in ('latent_encoder', 'latent_decoder')
                        for name in stored)
  assert record['config'] == 'ae-cat-mel_2bar_big'
  assert record['hparams']['z_size'] == 16 and record['hparams']['batch_size'] == 8
  assert record['music_vae_hparams'] == {'z_size': 16, 'enc_rnn_size': [32],
                                         'dec_rnn_size': [32, 32]}
  with tarfile.open(bundle) as archive:
    assert sorted(archive.getnames()) == [
        'ae-cat-mel_2bar_big.ckpt.data-00000-of-00001', 'ae-cat-mel_2bar_big.ckpt.index',
        checkpoints.MODEL_SIDECAR, checkpoints.SONG_POSTERIORS_SIDECAR]

  # Already there: nothing to train, the bundle is rewritten from the same step.
  _train(run_dir, tiny_vae, songs_tfrecord, 35)
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-35')

  step, means = train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='eval', examples_path=songs_tfrecord, pretrained_path=None, seed=2))
  assert step == 35
  assert set(means) >= {'loss', 'losses/r_loss', 'losses/kl_loss', 'losses/kl_beta'}
  assert means['losses/r_loss'] > 0
  assert os.listdir(os.path.join(run_dir, 'eval'))


def test_a_run_dir_of_another_config_is_refused(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  _train(run_dir, tiny_vae, songs_tfrecord, 2)
  with pytest.raises(UserError, match='holds a ae-cat-mel_2bar_big run'):
    train_job.run(train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=2))


def test_changed_hparams_on_resume_name_the_variables(tiny_vae, songs_tfrecord,
                                                       tmp_path):
  run_dir = str(tmp_path / 'run')
  _train(run_dir, tiny_vae, songs_tfrecord, 2)
  record_path = os.path.join(run_dir, 'train', checkpoints.MODEL_SIDECAR)
  with open(record_path) as record_file:
    record_before = record_file.read()
  with pytest.raises(UserError, match=r'latent_encoder/layer0/kernel \(checkpoint'):
    train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=4, hparams=TINY_AE_HPARAMS.replace('[32,16]', '[24,16]')))
  with open(record_path) as record_file:
    assert record_file.read() == record_before  # the run's record is untouched


def test_evaluate_without_a_checkpoint_says_train_first(tiny_vae, songs_tfrecord,
                                                        tmp_path):
  with pytest.raises(UserError, match='no checkpoint to evaluate'):
    train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=str(tmp_path / 'run'), mode='eval', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix))


def test_lc_resumes_and_evaluates_accuracy(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  for steps in (6, 12):
    train_job.run(train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=steps, hparams='batch_size=4,dec_rnn_size=[16]'))
    assert tf.train.latest_checkpoint(os.path.join(run_dir, 'train')).endswith(
        'model.ckpt-%d' % steps)
  step, means = train_job.run(train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir, mode='eval', examples_path=songs_tfrecord, pretrained_path=None))
  assert step == 12
  assert 0 <= means['metrics/accuracy'] <= 1
  assert means['losses/l2_loss'] > 0 and means['losses/r_loss'] > 0


def _trained_values(run_dir):
  reader = tf.train.load_checkpoint(os.path.join(run_dir, 'train'))
  return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


@pytest.mark.parametrize('config_name, hparams', [
    ('ae-cat-mel_2bar_big', TINY_AE_HPARAMS), ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)])
def test_seeded_training_repeats_exactly(config_name, hparams, tiny_vae,
                                         songs_tfrecord, tmp_path):
  runs = []
  for seed in (7, 7, 8):
    run_dir = str(tmp_path / ('run%d' % len(runs)))
    train_job.run(train_job.TrainOptions(config=config_name, run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=5, hparams=hparams, seed=seed))
    runs.append(_trained_values(run_dir))
  same, other = runs[1], runs[2]
  assert sorted(runs[0]) == sorted(same)
  assert all(np.array_equal(runs[0][name], same[name]) for name in runs[0])
  assert not all(np.array_equal(runs[0][name], other[name]) for name in runs[0]
                 if name != 'global_step')

"""training.py: batches, checkpoints of the small model only, resume,
evaluation; and nothing lost: periodic checkpoints and how many are kept, a
moved or copied run resumed, the divergence guard, the run folder's lock,
leftovers of killed runs cleaned, a full disk, a failed bundle write."""

import os
import shutil
import tarfile

import numpy as np
import pytest

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import training
from midime.errors import UserError
from midime.jobs import train as train_job
from tests import testing_lib

CONFIG = 'ae-cat-mel_2bar_big'


def test_shuffled_batches_see_every_example_equally_often():
  batches = training._shuffled_batches(5, 4, np.random.default_rng(0))
  # 40 = 8 epochs of 5.
  seen = np.concatenate([next(batches) for _ in range(10)])
  assert np.array_equal(np.bincount(seen, minlength=5), [8] * 5)


def _train(run_dir, tiny_vae, songs_tfrecord, num_steps, seed=1):
  return train_job.run(
      train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir,
                             mode='train', examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.prefix,
                             num_steps=num_steps,
                             hparams=testing_lib.TINY_AE_HPARAMS, seed=seed))


def test_train_resume_bundle_and_evaluate(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  bundle = _train(run_dir, tiny_vae, songs_tfrecord, 20)
  train_dir = os.path.join(run_dir, 'train')
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-20')
  assert os.path.exists(os.path.join(run_dir, 'latents.npz'))
  assert any(
      name.startswith('events.out.tfevents') for name in os.listdir(train_dir))

  # Resuming continues from step 20 to 35, and the bundle follows.
  assert _train(run_dir, tiny_vae, songs_tfrecord, 35) == bundle
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-35')
  with checkpoints.open_checkpoint(bundle) as checkpoint:
    stored = checkpoint.variable_shapes()
    record = checkpoint.sidecars[checkpoints.MODEL_SIDECAR]
  # The bundle is the small model alone: no MusicVAE, no optimizer state.
  assert stored and all(
      name.split('/')[0] in ('latent_encoder', 'latent_decoder')
      for name in stored)
  assert record['config'] == 'ae-cat-mel_2bar_big'
  assert record['hparams']['z_size'] == 16 and record['hparams'][
      'batch_size'] == 8
  assert record['music_vae_hparams'] == {
      'z_size': 16,
      'enc_rnn_size': [32],
      'dec_rnn_size': [32, 32]
  }
  with tarfile.open(bundle) as archive:
    assert sorted(archive.getnames()) == [
        'ae-cat-mel_2bar_big.ckpt.data-00000-of-00001',
        'ae-cat-mel_2bar_big.ckpt.index', checkpoints.MODEL_SIDECAR,
        checkpoints.SONG_FORM_SIDECAR, checkpoints.SONG_POSTERIORS_SIDECAR
    ]

  # Already there: nothing to train, the bundle is rewritten from the same step.
  _train(run_dir, tiny_vae, songs_tfrecord, 35)
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-35')

  step, means = train_job.run(
      train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir,
                             mode='eval', examples_path=songs_tfrecord,
                             pretrained_path=None, seed=2))
  assert step == 35
  assert set(means) >= {
      'loss', 'losses/r_loss', 'losses/kl_loss', 'losses/kl_beta'
  }
  assert means['losses/r_loss'] > 0
  assert os.listdir(os.path.join(run_dir, 'eval'))


def test_a_run_dir_of_another_config_is_refused(tiny_vae, songs_tfrecord,
                                                tmp_path):
  run_dir = str(tmp_path / 'run')
  _train(run_dir, tiny_vae, songs_tfrecord, 2)
  with pytest.raises(UserError, match='holds a ae-cat-mel_2bar_big run'):
    train_job.run(
        train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir,
                               mode='train', examples_path=songs_tfrecord,
                               pretrained_path=tiny_vae.prefix, num_steps=2))


def test_changed_hparams_on_resume_name_the_variables(tiny_vae, songs_tfrecord,
                                                      tmp_path):
  run_dir = str(tmp_path / 'run')
  _train(run_dir, tiny_vae, songs_tfrecord, 2)
  record_path = os.path.join(run_dir, 'train', checkpoints.MODEL_SIDECAR)
  with open(record_path) as record_file:
    record_before = record_file.read()
  with pytest.raises(UserError,
                     match=r'latent_encoder/layer0/kernel \(checkpoint'):
    train_job.run(
        train_job.TrainOptions(
            config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train',
            examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix,
            num_steps=4,
            hparams=testing_lib.TINY_AE_HPARAMS.replace('[32,16]', '[24,16]')))
  with open(record_path) as record_file:
    assert record_file.read() == record_before  # the run's record is untouched


def test_evaluate_without_a_checkpoint_says_train_first(tiny_vae,
                                                        songs_tfrecord,
                                                        tmp_path):
  with pytest.raises(UserError, match='no checkpoint to evaluate'):
    train_job.run(
        train_job.TrainOptions(config='ae-cat-mel_2bar_big',
                               run_dir=str(tmp_path / 'run'), mode='eval',
                               examples_path=songs_tfrecord,
                               pretrained_path=tiny_vae.prefix))


def test_lc_resumes_and_evaluates_accuracy(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  for steps in (6, 12):
    train_job.run(
        train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir,
                               mode='train', examples_path=songs_tfrecord,
                               pretrained_path=tiny_vae.prefix, num_steps=steps,
                               hparams='batch_size=4,dec_rnn_size=[16]'))
    assert tf.train.latest_checkpoint(os.path.join(run_dir, 'train')).endswith(
        'model.ckpt-%d' % steps)
  step, means = train_job.run(
      train_job.TrainOptions(config='lc-cat-mel_2bar_big', run_dir=run_dir,
                             mode='eval', examples_path=songs_tfrecord,
                             pretrained_path=None))
  assert step == 12
  assert 0 <= means['metrics/accuracy'] <= 1
  assert means['losses/l2_loss'] > 0 and means['losses/r_loss'] > 0


def _trained_values(run_dir):
  reader = tf.train.load_checkpoint(os.path.join(run_dir, 'train'))
  return {
      name: reader.get_tensor(name)
      for name in reader.get_variable_to_shape_map()
  }


@pytest.mark.parametrize('config_name, hparams',
                         [('ae-cat-mel_2bar_big', testing_lib.TINY_AE_HPARAMS),
                          ('lc-cat-mel_2bar_big', testing_lib.TINY_LC_HPARAMS)])
def test_seeded_training_repeats_exactly(config_name, hparams, tiny_vae,
                                         songs_tfrecord, tmp_path):
  runs = []
  for seed in (7, 7, 8):
    run_dir = str(tmp_path / ('run%d' % len(runs)))
    train_job.run(
        train_job.TrainOptions(config=config_name, run_dir=run_dir,
                               mode='train', examples_path=songs_tfrecord,
                               pretrained_path=tiny_vae.prefix, num_steps=5,
                               hparams=hparams, seed=seed))
    runs.append(_trained_values(run_dir))
  same, other = runs[1], runs[2]
  assert sorted(runs[0]) == sorted(same)
  assert all(np.array_equal(runs[0][name], same[name]) for name in runs[0])
  assert not all(
      np.array_equal(runs[0][name], other[name])
      for name in runs[0]
      if name != 'global_step')


# --- Nothing lost (midime-train in this process) ------------------------------


def test_checkpoints_every_n_steps_and_no_more_than_kept_after_a_resume(
    tiny_vae, songs_tfrecord, tmp_path):
  run_dir = tmp_path / 'run'
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 10,
                                   '--save_checkpoint_steps=3',
                                   '--checkpoints_to_keep=0') == 0
  assert testing_lib.checkpoint_steps(run_dir) == [3, 6, 9, 10]
  # tf.train.Saver deletes only what it saved itself: a resumed run must still
  # keep no more than --checkpoints_to_keep.
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 14,
                                   '--save_checkpoint_steps=1',
                                   '--checkpoints_to_keep=3') == 0
  assert testing_lib.checkpoint_steps(run_dir) == [12, 13, 14]


def test_a_moved_or_copied_run_resumes_from_its_own_checkpoints(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, capsys):
  original = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  state_file = os.path.join(training.train_dir_of(str(original)), 'checkpoint')
  with open(state_file) as state:
    assert str(tmp_path) not in state.read()  # relative paths only
  copy = tmp_path / 'copy'
  shutil.copytree(str(original), str(copy))
  assert testing_lib.train_tiny_ae(original, tiny_vae, songs_tfrecord, 8) == 0
  moved = tmp_path / 'moved'
  shutil.move(str(original), str(moved))
  # The copy resumes at its own step 4, not at the original's 8; the moved one
  # at 8.
  capsys.readouterr()
  assert testing_lib.train_tiny_ae(copy, tiny_vae, songs_tfrecord, 6,
                                   '--log=INFO') == 0
  assert 'step 4)' in capsys.readouterr().err
  assert testing_lib.checkpoint_steps(
      copy)[-1] == 6 and testing_lib.checkpoint_steps(moved)[-1] == 8
  assert testing_lib.train_tiny_ae(moved, tiny_vae, songs_tfrecord, 9) == 0
  assert testing_lib.checkpoint_steps(moved)[-1] == 9


def test_divergence_stops_keeps_the_last_good_checkpoint_and_the_bundle(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, capsys):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  bundle = os.path.join(str(run_dir), CONFIG + '.tar')
  with open(bundle, 'rb') as before:
    bundle_before = before.read()
  assert testing_lib.train_tiny_ae(
      run_dir, tiny_vae, songs_tfrecord, 50, '--save_checkpoint_steps=1',
      '--hparams=%s,learning_rate=1e30' % testing_lib.TINY_AE_HPARAMS) == 1
  line = testing_lib.assert_one_error_line(capsys, 'training diverged')
  assert 'kept the last good checkpoint' in line and 'wrote no bundle' in line
  with open(bundle, 'rb') as after:
    assert after.read() == bundle_before
  last = checkpoints.checkpoints_in(training.train_dir_of(str(run_dir)),
                                    training.CHECKPOINT_NAME)[-1]
  assert last in line
  reader = tf.train.load_checkpoint(last)
  assert all(
      np.all(np.isfinite(reader.get_tensor(name)))
      for name in reader.get_variable_to_shape_map())


def test_a_second_training_in_a_locked_run_dir_is_refused(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, capsys):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  before = testing_lib.snapshot(run_dir)
  # As a running midime-train holds it.
  with training.lock_run_dir(str(run_dir)):
    assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 8) == 1
  testing_lib.assert_one_error_line(capsys, 'is in use by another midime-train')
  assert testing_lib.snapshot(run_dir) == before
  # Once it is free.
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 5) == 0


def test_leftovers_of_killed_runs_are_cleaned(trained_models, tiny_vae,
                                              songs_tfrecord, tmp_path,
                                              monkeypatch):
  # A failed or killed save, a half-written bundle and its staging folder.
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  train_dir = training.train_dir_of(str(run_dir))
  leftovers = [
      os.path.join(train_dir, 'model.ckpt-9_temp'),
      os.path.join(train_dir, 'model.ckpt-9.data-00000-of-00001.tempstate1'),
      os.path.join(train_dir, 'checkpoint.tmp42'),
      os.path.join(str(run_dir), CONFIG + '.tar.tmp'),
      os.path.join(str(run_dir), training.BUNDLE_STAGING + 'x1')
  ]
  for path in leftovers:
    if path.endswith(('_temp', 'x1')):
      os.makedirs(path)
    else:
      with open(path, 'wb') as leftover:
        leftover.write(b'x' * 100)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 5) == 0
  assert not [path for path in leftovers if os.path.exists(path)]

  # A .tar unpacked by a process since killed: removed at the next unpacking;
  # one of a running process (this one) stays.
  monkeypatch.setattr('tempfile.tempdir', str(tmp_path / 'tmp'))
  root = tmp_path / 'tmp' / checkpoints.UNPACK_FOLDER
  dead, alive = root / ('%d-abc' % testing_lib.dead_pid()), root / ('%d-def' %
                                                                    os.getpid())
  dead.mkdir(parents=True), alive.mkdir()
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    assert os.path.dirname(checkpoint.prefix).startswith(str(root))
  assert not dead.exists() and alive.exists()


def test_a_resumed_run_continues_its_random_streams_and_still_repeats(
    trained_models, tiny_vae, songs_tfrecord, tmp_path):
  assert training.resumed_seed(7, 0) == 7 and training.resumed_seed(None,
                                                                    9) is None
  assert len({7, training.resumed_seed(7, 4), training.resumed_seed(7, 8)}) == 3
  # Batches after a resume at step 4 are not the first run's first batches.
  first = training._shuffled_batches(15, 8, np.random.default_rng(7))
  resumed = training._shuffled_batches(
      15, 8, np.random.default_rng(training.resumed_seed(7, 4)))
  assert not np.array_equal(next(first), next(resumed))
  # A seeded run resumed at the same step twice gives the same weights.
  weights = []
  for copy in ('a', 'b'):
    run_dir = tmp_path / copy
    shutil.copytree(str(trained_models[CONFIG].run_dir), str(run_dir))
    assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 7,
                                     '--seed=3') == 0
    reader = tf.train.load_checkpoint(training.train_dir_of(str(run_dir)))
    weights.append({
        name: reader.get_tensor(name)
        for name in reader.get_variable_to_shape_map()
    })
  assert all(
      np.array_equal(weights[0][name], weights[1][name]) for name in weights[0])


def test_a_full_disk_in_training_is_one_line_and_leaves_no_partial_save(
    trained_models, tiny_vae, songs_tfrecord, small_disk, capsys):
  disk, fill = small_disk
  run_dir = disk / 'run'
  shutil.copytree(str(trained_models[CONFIG].run_dir), str(run_dir))
  before = sorted(os.listdir(training.train_dir_of(str(run_dir))))
  fill(4 * 1024)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 8) == 1
  testing_lib.assert_one_error_line(capsys, 'cannot write a checkpoint in')
  after = os.listdir(training.train_dir_of(str(run_dir)))
  assert not [
      name for name in after if 'tempstate' in name or name.endswith('_temp')
  ]
  assert testing_lib.checkpoint_steps(run_dir) == [4]
  # Room again: it resumes from the last checkpoint.
  os.remove(str(disk / 'filler'))
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 8) == 0
  assert testing_lib.checkpoint_steps(run_dir)[-1] == 8
  del before


def test_a_failed_bundle_write_keeps_the_checkpoints_and_the_old_bundle(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, capsys, monkeypatch):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  bundle = os.path.join(str(run_dir), CONFIG + '.tar')
  with open(bundle, 'rb') as before:
    bundle_before = before.read()

  def disk_full(*args, **kwargs):
    raise OSError(28, 'No space left on device')

  monkeypatch.setattr('tarfile.TarFile.addfile', disk_full)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 6) == 1
  testing_lib.assert_one_error_line(capsys, 'No space left on device')
  assert testing_lib.checkpoint_steps(run_dir)[-1] == 6  # the training is saved
  with open(bundle, 'rb') as after:
    assert after.read() == bundle_before
  assert not [
      name for name in os.listdir(str(run_dir))
      if name.endswith('.tmp') or name.startswith(training.BUNDLE_STAGING)
  ]


def test_progress_is_reported_at_the_start_and_every_logged_step(
    tiny_vae, songs_tfrecord, tmp_path):
  reports = []
  train_job.run(
      train_job.TrainOptions(config=CONFIG, run_dir=str(tmp_path / 'run'),
                             examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.prefix, num_steps=6,
                             hparams=testing_lib.TINY_AE_HPARAMS, seed=1,
                             log_every_steps=2, on_progress=reports.append))
  assert [report.step for report in reports] == [0, 2, 4, 6]
  assert reports[0].loss is None and reports[0].seconds_left is None
  assert all(isinstance(report.step, int) for report in reports)
  assert all(np.isfinite(report.loss) and report.num_steps == 6
             for report in reports[1:])
  assert reports[-1].seconds_left == 0 and 'losses/kl_loss' in (
      reports[-1].scalars)

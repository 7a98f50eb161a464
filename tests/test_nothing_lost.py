"""Issue 11, "Nothing lost", in process: bad values refused before anything is written,
periodic checkpoints, resume after a move or copy, the divergence guard, a full disk,
damaged files, leftovers, the run folder's lock. (Signals and kill -9 on a real
process: test_interruptions.py.)"""

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

import melodies
from conftest import TINY_AE_HPARAMS, TINY_VAE_HPARAMS
from midime import checkpoints
from midime import latent_cache
from midime import output_files
from midime import random_music_vae
from midime import training
from midime.cli import generate
from midime.cli import train
import note_seq

CONFIG = 'ae-cat-mel_2bar_big'


def _train_argv(run_dir, tiny_vae, songs, num_steps, *extra):
  return ['midime-train', '--config=' + CONFIG, '--run_dir=' + str(run_dir),
          '--examples_path=' + songs, '--pretrained_path=' + tiny_vae.prefix,
          '--num_steps=%d' % num_steps, '--hparams=' + TINY_AE_HPARAMS,
          '--log=WARNING'] + list(extra)


def _train(run_dir, tiny_vae, songs, num_steps, *extra):
  return train.run(_train_argv(run_dir, tiny_vae, songs, num_steps, *extra))


def _one_error_line(capsys, message):
  """The run printed exactly one error line holding `message`, and no traceback."""
  err = capsys.readouterr().err
  error_lines = [line for line in err.splitlines() if line.startswith('error: ')]
  assert len(error_lines) == 1 and message in error_lines[0], err
  assert err.strip().splitlines()[-1] == error_lines[0]
  assert 'Traceback' not in err
  return error_lines[0]


def _steps(run_dir):
  return [checkpoints.step_of(p) for p in checkpoints.checkpoints_in(
      training.train_dir_of(str(run_dir)), training.CHECKPOINT_NAME)]


def _snapshot(folder):
  """Every file under `folder` with its bytes."""
  files = {}
  for parent, _, names in os.walk(str(folder)):
    for name in names:
      path = os.path.join(parent, name)
      with open(path, 'rb') as stored:
        files[os.path.relpath(path, str(folder))] = stored.read()
  return files


@pytest.fixture(scope='module')
def trained_run(tiny_vae, songs_tfrecord, tmp_path_factory):
  """A run folder trained 4 steps, to copy (never change)."""
  run_dir = tmp_path_factory.mktemp('trained') / 'run'
  assert _train(run_dir, tiny_vae, songs_tfrecord, 4) == 0
  return run_dir


def _copy_of(trained_run, tmp_path):
  copy = tmp_path / 'run'
  shutil.copytree(str(trained_run), str(copy))
  return copy


@pytest.mark.parametrize('hparams, message', [
    ('learning_rate=nan', 'hparam learning_rate must be a finite number'),
    ('learning_rate=-0.001', 'hparam learning_rate must be a finite number of at least 0'),
    ('learning_rate=0', 'hparam learning_rate must be above 0'),
    ('decay_rate=nan', 'hparam decay_rate must be between 0 and 1'),
    ('max_beta=nan', 'hparam max_beta must be a finite number'),
    ('max_beta=inf', 'hparam max_beta must be a finite number'),
    ('beta_rate=1.5', 'hparam beta_rate must be between 0 and 1'),
    ('grad_clip=-1', 'hparam grad_clip must be a finite number of at least 0'),
    ('latent_decoder_layers=[0]', 'hparam latent_decoder_layers must list layer sizes'),
])
def test_hparams_that_would_diverge_or_abort_are_refused(tiny_vae, songs_tfrecord,
                                                         tmp_path, capsys, hparams,
                                                         message):
  run_dir = tmp_path / 'run'
  tiny = ('batch_size=8,latent_encoder_layers=[32,16]'
          if hparams.startswith('latent_decoder_layers') else TINY_AE_HPARAMS)
  assert _train(run_dir, tiny_vae, songs_tfrecord, 3,
                '--hparams=%s,%s' % (tiny, hparams)) == 1
  _one_error_line(capsys, message)
  assert not run_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--seed=-1', '--seed must be between 0 and 2**32 - 1'),
    ('--log=foo', '--log must be one of'),
    ('--save_checkpoint_secs=-1', '--save_checkpoint_secs must be 0 (off) or more'),
    ('--save_checkpoint_secs=nan', '--save_checkpoint_secs must be 0 (off) or more'),
    ('--save_checkpoint_steps=-5', '--save_checkpoint_steps must be 0 (off) or more'),
    ('--checkpoints_to_keep=-1', '--checkpoints_to_keep must be 0 (all) or more'),
])
def test_bad_train_flags_are_one_line(tiny_vae, songs_tfrecord, tmp_path, capsys, flag,
                                      message):
  run_dir = tmp_path / 'run'
  assert _train(run_dir, tiny_vae, songs_tfrecord, 3, flag) == 1
  _one_error_line(capsys, message)
  assert not run_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--temperature=nan', '--temperature must be a number above 0'),
    ('--seed=-1', '--seed must be between'),
    ('--log=foo', '--log must be one of'),
])
def test_bad_generate_flags_are_one_line(trained_run, tmp_path, capsys, flag, message):
  output_dir = tmp_path / 'out'
  assert generate.run(['midime-generate', '--run_dir=%s' % trained_run,
                       '--output_dir=%s' % output_dir, flag]) == 1
  _one_error_line(capsys, message)
  assert not output_dir.exists()


def test_checkpoints_every_n_steps_and_no_more_than_kept_after_a_resume(
    tiny_vae, songs_tfrecord, tmp_path):
  run_dir = tmp_path / 'run'
  assert _train(run_dir, tiny_vae, songs_tfrecord, 10, '--save_checkpoint_steps=3',
                '--checkpoints_to_keep=0') == 0
  assert _steps(run_dir) == [3, 6, 9, 10]
  # tf.train.Saver deletes only what it saved itself: a resumed run must still keep
  # no more than --checkpoints_to_keep.
  assert _train(run_dir, tiny_vae, songs_tfrecord, 14, '--save_checkpoint_steps=1',
                '--checkpoints_to_keep=3') == 0
  assert _steps(run_dir) == [12, 13, 14]


def test_a_moved_or_copied_run_resumes_from_its_own_checkpoints(
    trained_run, tiny_vae, songs_tfrecord, tmp_path, capsys):
  original = _copy_of(trained_run, tmp_path)
  state_file = os.path.join(training.train_dir_of(str(original)), 'checkpoint')
  with open(state_file) as state:
    assert str(tmp_path) not in state.read()  # relative paths only
  copy = tmp_path / 'copy'
  shutil.copytree(str(original), str(copy))
  assert _train(original, tiny_vae, songs_tfrecord, 8) == 0
  moved = tmp_path / 'moved'
  shutil.move(str(original), str(moved))
  # The copy resumes at its own step 4, not at the original's 8; the moved one at 8.
  capsys.readouterr()
  assert _train(copy, tiny_vae, songs_tfrecord, 6, '--log=INFO') == 0
  assert 'step 4)' in capsys.readouterr().err
  assert _steps(copy)[-1] == 6 and _steps(moved)[-1] == 8
  assert _train(moved, tiny_vae, songs_tfrecord, 9) == 0
  assert _steps(moved)[-1] == 9


def test_a_copy_of_a_run_with_absolute_checkpoint_paths_reads_its_own(
    trained_run, tmp_path):
  # Runs written before relative paths name the original folder in train/checkpoint.
  copy = _copy_of(trained_run, tmp_path)
  elsewhere = str(tmp_path / 'elsewhere' / 'train' / 'model.ckpt-4')
  os.makedirs(os.path.dirname(elsewhere))
  for suffix in ('.index', '.data-00000-of-00001'):
    shutil.copy(os.path.join(training.train_dir_of(str(copy)), 'model.ckpt-4' + suffix),
                elsewhere + suffix)
  tf.train.update_checkpoint_state(training.train_dir_of(str(copy)), elsewhere)
  with checkpoints.open_checkpoint(training.train_dir_of(str(copy))) as checkpoint:
    assert os.path.dirname(checkpoint.prefix) == training.train_dir_of(str(copy))


def test_divergence_stops_keeps_the_last_good_checkpoint_and_the_bundle(
    trained_run, tiny_vae, songs_tfrecord, tmp_path, capsys):
  run_dir = _copy_of(trained_run, tmp_path)
  bundle = os.path.join(str(run_dir), CONFIG + '.tar')
  with open(bundle, 'rb') as before:
    bundle_before = before.read()
  assert _train(run_dir, tiny_vae, songs_tfrecord, 50, '--save_checkpoint_steps=1',
                '--hparams=%s,learning_rate=1e30' % TINY_AE_HPARAMS) == 1
  line = _one_error_line(capsys, 'training diverged')
  assert 'kept the last good checkpoint' in line and 'wrote no bundle' in line
  with open(bundle, 'rb') as after:
    assert after.read() == bundle_before
  last = checkpoints.checkpoints_in(training.train_dir_of(str(run_dir)),
                                    training.CHECKPOINT_NAME)[-1]
  assert last in line
  reader = tf.train.load_checkpoint(last)
  assert all(np.all(np.isfinite(reader.get_tensor(name)))
             for name in reader.get_variable_to_shape_map())


def _other_music_vae(folder, hparams, seed):
  return random_music_vae.write_random_music_vae(
      str(folder), hparams=hparams, name='other-mel_2bar', seed=seed)


@pytest.mark.parametrize('hparams', [
    TINY_VAE_HPARAMS,  # same sizes, other weights
    dict(TINY_VAE_HPARAMS, z_size=8),
])
def test_resuming_over_another_music_vae_is_refused_before_any_write(
    trained_run, songs_tfrecord, tmp_path, capsys, hparams):
  run_dir = _copy_of(trained_run, tmp_path)
  other = _other_music_vae(tmp_path / 'other', hparams, seed=5)
  before = _snapshot(run_dir)
  rc = train.run(['midime-train', '--config=' + CONFIG, '--run_dir=%s' % run_dir,
                  '--examples_path=' + songs_tfrecord, '--pretrained_path=' + other,
                  '--num_steps=8', '--hparams=' + TINY_AE_HPARAMS])
  assert rc == 1
  _one_error_line(capsys, 'was trained over another MusicVAE checkpoint')
  after = _snapshot(run_dir)
  after.pop('.lock', None), before.pop('.lock', None)
  assert after == before


def test_new_songs_for_a_trained_run_need_fine_tune(trained_run, tiny_vae, tmp_path,
                                                    capsys):
  run_dir = _copy_of(trained_run, tmp_path)
  new_songs = str(tmp_path / 'new.tfrecord')
  melodies.write_tfrecord(new_songs, [melodies.random_melody(seed, bars=4)
                                      for seed in (40, 41)])
  before = _snapshot(run_dir)
  assert _train(run_dir, tiny_vae, new_songs, 6) == 1
  _one_error_line(capsys, 'was trained on other songs than --examples_path (or other '
                  '--meter or --tracks); pass --fine_tune')
  after = _snapshot(run_dir)
  after.pop('.lock', None), before.pop('.lock', None)
  assert after == before
  assert _train(run_dir, tiny_vae, new_songs, 6, '--fine_tune') == 0
  assert _steps(run_dir)[-1] == 6
  assert _train(run_dir, tiny_vae, new_songs, 7) == 0  # now these are its songs


def test_eval_without_a_checkpoint_writes_nothing(tiny_vae, songs_tfrecord, tmp_path,
                                                  capsys):
  run_dir = tmp_path / 'run'
  assert train.run(['midime-train', '--config=' + CONFIG, '--run_dir=%s' % run_dir,
                    '--mode=eval', '--examples_path=' + songs_tfrecord,
                    '--pretrained_path=' + tiny_vae.prefix]) == 1
  _one_error_line(capsys, 'no checkpoint to evaluate')
  assert not run_dir.exists()


def test_a_truncated_latent_cache_is_encoded_again(trained_run, tiny_vae,
                                                   songs_tfrecord, tmp_path, capsys):
  run_dir = _copy_of(trained_run, tmp_path)
  cache_path = os.path.join(str(run_dir), 'latents.npz')
  size = os.path.getsize(cache_path)
  with open(cache_path, 'r+b') as cache_file:
    cache_file.truncate(size // 2)
  assert _train(run_dir, tiny_vae, songs_tfrecord, 6) == 0
  err = capsys.readouterr().err
  assert 'ignoring unreadable latent cache' in err and 'Traceback' not in err
  assert latent_cache.load(cache_path) is not None


@pytest.mark.parametrize('program', ['train', 'generate'])
def test_a_truncated_checkpoint_is_one_line(trained_run, tiny_vae, songs_tfrecord,
                                            tmp_path, capsys, program):
  run_dir = _copy_of(trained_run, tmp_path)
  data_path = os.path.join(training.train_dir_of(str(run_dir)),
                           'model.ckpt-4.data-00000-of-00001')
  with open(data_path, 'r+b') as data_file:
    data_file.truncate(64)
  if program == 'train':
    rc = _train(run_dir, tiny_vae, songs_tfrecord, 6)
  else:
    rc = generate.run(['midime-generate', '--run_dir=%s' % run_dir,
                       '--output_dir=%s' % (tmp_path / 'out')])
  assert rc == 1
  _one_error_line(capsys, 'cannot read checkpoint')
  assert not (tmp_path / 'out').exists()


def test_a_second_training_in_a_locked_run_dir_is_refused(trained_run, tiny_vae,
                                                          songs_tfrecord, tmp_path,
                                                          capsys):
  run_dir = _copy_of(trained_run, tmp_path)
  before = _snapshot(run_dir)
  with training.lock_run_dir(str(run_dir)):  # as a running midime-train holds it
    assert _train(run_dir, tiny_vae, songs_tfrecord, 8) == 1
  _one_error_line(capsys, 'is in use by another midime-train')
  assert _snapshot(run_dir) == before
  assert _train(run_dir, tiny_vae, songs_tfrecord, 5) == 0  # once it is free


def _dead_pid():
  process = subprocess.Popen([sys.executable, '-c', 'pass'])
  process.wait()
  return process.pid


def test_leftovers_of_killed_runs_are_cleaned(trained_run, tiny_vae, songs_tfrecord,
                                              tmp_path, monkeypatch):
  # A failed or killed save, a half-written bundle and its staging folder.
  run_dir = _copy_of(trained_run, tmp_path)
  train_dir = training.train_dir_of(str(run_dir))
  leftovers = [os.path.join(train_dir, 'model.ckpt-9_temp'),
               os.path.join(train_dir, 'model.ckpt-9.data-00000-of-00001.tempstate1'),
               os.path.join(train_dir, 'checkpoint.tmp42'),
               os.path.join(str(run_dir), CONFIG + '.tar.tmp'),
               os.path.join(str(run_dir), training.BUNDLE_STAGING + 'x1')]
  for path in leftovers:
    if path.endswith(('_temp', 'x1')):
      os.makedirs(path)
    else:
      with open(path, 'wb') as leftover:
        leftover.write(b'x' * 100)
  assert _train(run_dir, tiny_vae, songs_tfrecord, 5) == 0
  assert not [path for path in leftovers if os.path.exists(path)]

  # A .tar unpacked by a process since killed: removed at the next unpacking; one of a
  # running process (this one) stays.
  monkeypatch.setattr('tempfile.tempdir', str(tmp_path / 'tmp'))
  root = tmp_path / 'tmp' / checkpoints.UNPACK_FOLDER
  dead, alive = root / ('%d-abc' % _dead_pid()), root / ('%d-def' % os.getpid())
  dead.mkdir(parents=True), alive.mkdir()
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    assert os.path.dirname(checkpoint.prefix).startswith(str(root))
  assert not dead.exists() and alive.exists()


def test_stale_partial_files_are_removed_and_live_ones_kept(tmp_path):
  folder = tmp_path / 'out'
  folder.mkdir()
  stale = [folder / ('a.mid.%d.partial' % _dead_pid()), folder / 'b.mid.partial']
  live = folder / ('c.mid.%d.partial' % os.getpid())
  for path in stale + [live]:
    path.write_bytes(b'x')
  paths = output_files.write_all_or_none(str(folder), [
      ('d.mid', lambda path: open(path, 'wb').close())])
  assert sorted(os.listdir(str(folder))) == sorted([live.name, 'd.mid'])
  assert paths == [str(folder / 'd.mid')]


def test_a_resumed_run_continues_its_random_streams_and_still_repeats(
    trained_run, tiny_vae, songs_tfrecord, tmp_path):
  assert training.resumed_seed(7, 0) == 7 and training.resumed_seed(None, 9) is None
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
    shutil.copytree(str(trained_run), str(run_dir))
    assert _train(run_dir, tiny_vae, songs_tfrecord, 7, '--seed=3') == 0
    reader = tf.train.load_checkpoint(training.train_dir_of(str(run_dir)))
    weights.append({name: reader.get_tensor(name)
                    for name in reader.get_variable_to_shape_map()})
  assert all(np.array_equal(weights[0][name], weights[1][name]) for name in weights[0])


# ---- A full disk: a small tmpfs (needs root and mount), else skipped. ----

@pytest.fixture
def small_disk(tmp_path):
  """A 2 MB tmpfs; yields (its path, fill(leave_bytes)) and unmounts it after."""
  mount_point = tmp_path / 'disk'
  mount_point.mkdir()
  if os.geteuid() != 0 or subprocess.run(
      ['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', str(mount_point)],
      capture_output=True).returncode != 0:
    pytest.skip('cannot mount a tmpfs here')

  def fill(leave_bytes):
    """Fills the disk but `leave_bytes`."""
    stat = os.statvfs(str(mount_point))
    free = stat.f_bavail * stat.f_frsize
    with open(str(mount_point / 'filler'), 'wb') as filler:
      filler.write(b'\0' * max(free - leave_bytes, 0))

  try:
    yield mount_point, fill
  finally:
    subprocess.run(['umount', '-l', str(mount_point)], check=False)


def test_a_full_disk_in_generation_is_one_line_and_writes_nothing(trained_run,
                                                                  small_disk, capsys):
  disk, fill = small_disk
  fill(8 * 1024)
  output_dir = disk / 'out'
  assert generate.run(['midime-generate', '--run_dir=%s' % trained_run,
                       '--output_dir=%s' % output_dir, '--num_outputs=200']) == 1
  _one_error_line(capsys, 'No space left on device')
  assert not output_dir.exists()


def test_a_full_disk_in_training_is_one_line_and_leaves_no_partial_save(
    trained_run, tiny_vae, songs_tfrecord, small_disk, capsys):
  disk, fill = small_disk
  run_dir = disk / 'run'
  shutil.copytree(str(trained_run), str(run_dir))
  before = sorted(os.listdir(training.train_dir_of(str(run_dir))))
  fill(4 * 1024)
  assert _train(run_dir, tiny_vae, songs_tfrecord, 8) == 1
  _one_error_line(capsys, 'cannot write a checkpoint in')
  after = os.listdir(training.train_dir_of(str(run_dir)))
  assert not [name for name in after if 'tempstate' in name or name.endswith('_temp')]
  assert _steps(run_dir) == [4]
  os.remove(str(disk / 'filler'))  # room again: it resumes from the last checkpoint
  assert _train(run_dir, tiny_vae, songs_tfrecord, 8) == 0
  assert _steps(run_dir)[-1] == 8
  del before


def test_a_full_disk_while_caching_latents_leaves_no_run_folder(tiny_vae,
                                                                songs_tfrecord,
                                                                small_disk, capsys):
  disk, fill = small_disk
  fill(2 * 1024)
  run_dir = disk / 'run'
  assert _train(run_dir, tiny_vae, songs_tfrecord, 3) == 1
  _one_error_line(capsys, 'No space left on device')
  assert not run_dir.exists()


def test_a_failed_bundle_write_keeps_the_checkpoints_and_the_old_bundle(
    trained_run, tiny_vae, songs_tfrecord, tmp_path, capsys, monkeypatch):
  run_dir = _copy_of(trained_run, tmp_path)
  bundle = os.path.join(str(run_dir), CONFIG + '.tar')
  with open(bundle, 'rb') as before:
    bundle_before = before.read()

  def disk_full(*args, **kwargs):
    raise OSError(28, 'No space left on device')
  monkeypatch.setattr('tarfile.TarFile.addfile', disk_full)
  assert _train(run_dir, tiny_vae, songs_tfrecord, 6) == 1
  _one_error_line(capsys, 'No space left on device')
  assert _steps(run_dir)[-1] == 6  # the training is saved
  with open(bundle, 'rb') as after:
    assert after.read() == bundle_before
  assert not [name for name in os.listdir(str(run_dir))
              if name.endswith('.tmp') or name.startswith(training.BUNDLE_STAGING)]


def test_sigterm_while_writing_samples_is_one_line_and_writes_nothing(
    trained_run, tmp_path, capsys, monkeypatch):
  """SIGTERM (a scheduler's stop, `kill`) halfway through the MIDI files: the files
  already written go with the rest, one line says why, and the program exits 143."""
  to_pretty_midi = note_seq.note_sequence_to_pretty_midi
  calls = []

  def terminated_on_the_third(sequence):
    calls.append(sequence)
    if len(calls) == 3:
      os.kill(os.getpid(), signal.SIGTERM)
    return to_pretty_midi(sequence)

  monkeypatch.setattr(note_seq, 'note_sequence_to_pretty_midi',
                      terminated_on_the_third)
  output_dir = tmp_path / 'out'
  handler_before = signal.getsignal(signal.SIGTERM)
  assert generate.run(['midime-generate', '--run_dir=%s' % trained_run,
                       '--output_dir=%s' % output_dir, '--num_outputs=5']) == 143
  assert len(calls) == 3
  err = capsys.readouterr().err
  assert err.strip().splitlines()[-1] == 'stopped by SIGTERM'
  assert 'Traceback' not in err
  assert not output_dir.exists()
  # The handler was the program's only while it ran.
  assert signal.getsignal(signal.SIGTERM) is handler_before

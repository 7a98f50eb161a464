"""Issue 11 on a real midime_train.py process: Ctrl-C (SIGINT) and SIGTERM save a
checkpoint and say where; a second training into the same folder meanwhile is refused;
kill -9 loses no more than the work since the last periodic save."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, TINY_AE_HPARAMS
from midime import checkpoints
from midime import training
from midime.cli import train

CONFIG = 'ae-cat-mel_2bar_big'


def _flags(run_dir, tiny_vae, songs, num_steps):
  return ['--config=' + CONFIG, '--run_dir=%s' % run_dir, '--examples_path=' + songs,
          '--pretrained_path=' + tiny_vae.prefix, '--num_steps=%d' % num_steps,
          '--hparams=' + TINY_AE_HPARAMS]


def _start_training(run_dir, tiny_vae, songs, *extra):
  """Starts a long midime_train.py and returns it once it has logged its first
  progress line (100 steps done), with the lines read so far."""
  process = subprocess.Popen(
      [sys.executable, os.path.join(REPO, 'midime_train.py')]
      + _flags(run_dir, tiny_vae, songs, 10 ** 9) + list(extra),
      cwd=REPO, stderr=subprocess.PIPE, text=True)
  lines = []
  for line in process.stderr:
    lines.append(line)
    if re.search(r'step \d+/\d+ ', line):
      return process, lines
  process.wait()
  pytest.fail('training ended before its first step line:\n' + ''.join(lines))


def _steps(run_dir):
  return [checkpoints.step_of(p) for p in checkpoints.checkpoints_in(
      training.train_dir_of(str(run_dir)), training.CHECKPOINT_NAME)]


@pytest.mark.parametrize('signum, name', [(signal.SIGINT, 'SIGINT'),
                                          (signal.SIGTERM, 'SIGTERM')])
def test_a_signal_saves_a_checkpoint_and_says_where(tiny_vae, songs_tfrecord, tmp_path,
                                                    capsys, signum, name):
  run_dir = tmp_path / 'run'
  # Periodic saves off: the checkpoint can only come from the signal.
  process, lines = _start_training(run_dir, tiny_vae, songs_tfrecord,
                                   '--save_checkpoint_secs=0')
  try:
    # Meanwhile a second training into the same folder exits with one line.
    assert train.run(['midime-train'] + _flags(run_dir, tiny_vae, songs_tfrecord,
                                                5)) == 1
    assert 'is in use by another midime-train' in capsys.readouterr().err
  finally:
    process.send_signal(signum)
    _, rest = process.communicate(timeout=120)
  stderr = ''.join(lines) + rest
  assert process.returncode == 1, stderr
  last_line = stderr.strip().splitlines()[-1]
  assert last_line.startswith('error: stopped by %s at step ' % name), stderr
  assert 'Traceback' not in stderr
  steps = _steps(run_dir)
  assert len(steps) == 1 and steps[0] >= 100
  saved = os.path.join(str(run_dir), 'train', 'model.ckpt-%d' % steps[0])
  assert last_line.endswith('saved %s: run the same command again to resume' % saved)
  # Resumed from there, now that the lock is free.
  assert train.run(['midime-train'] + _flags(run_dir, tiny_vae, songs_tfrecord,
                                              steps[0] + 5)) == 0
  assert _steps(run_dir)[-1] == steps[0] + 5


def test_kill_9_loses_at_most_one_save_interval(tiny_vae, songs_tfrecord, tmp_path):
  run_dir = tmp_path / 'run'
  process, _ = _start_training(run_dir, tiny_vae, songs_tfrecord,
                               '--save_checkpoint_secs=1')
  try:
    deadline = time.time() + 60
    while len(_steps(run_dir)) < 2 and time.time() < deadline:
      time.sleep(0.2)
  finally:
    process.kill()  # SIGKILL: no handler runs
    process.communicate(timeout=60)
  assert process.returncode == -signal.SIGKILL
  saved = _steps(run_dir)
  assert len(saved) >= 2 and saved[-1] > 0  # periodic saves were being made
  # The next run resumes from the last of them, cleans what the kill left, and
  # keeps the checkpoints readable.
  assert train.run(['midime-train'] + _flags(run_dir, tiny_vae, songs_tfrecord,
                                              saved[-1] + 3)) == 0
  assert _steps(run_dir)[-1] == saved[-1] + 3
  train_dir = training.train_dir_of(str(run_dir))
  assert not [name for name in os.listdir(train_dir)
              if 'tempstate' in name or name.endswith(('_temp', '.tmp'))]

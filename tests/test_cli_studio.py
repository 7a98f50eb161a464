"""midime-studio as a user starts it: --help, bad flags in one line, a warning
for an address other than this machine's, and the server killed mid-training:
restarted, it shows the run interrupted and resumes it from its checkpoint;
Ctrl-C stops a training resumably."""

import json
import os
import signal
import subprocess
import sys
import urllib.error

import pytest

from midime.cli import studio as studio_cli
from midime.studio import runs
from tests import testing_lib

TRAINING_TIMEOUT = 240


def test_help_says_how_to_start_and_names_the_flags():
  result = subprocess.run([sys.executable, '-m', 'midime.cli.studio',
                           '--help'], capture_output=True, text=True,
                          timeout=60, cwd=testing_lib.REPO)
  assert result.returncode == 0
  for words in ('make studio', '--data_dir', '--models_dir', '--host',
                '--max_upload_mb', '127.0.0.1'):
    assert words in result.stdout


@pytest.mark.parametrize('flag, message', [
    ('--port=0', 'error: --port must be from 1 to 65535, got 0'),
    ('--max_upload_mb=-1', 'error: --max_upload_mb must be more than 0'),
    ('--models_dir=/no/such/folder',
     'error: --models_dir /no/such/folder is not a folder'),
])
def test_bad_flags_are_one_line_and_start_nothing(flag, message, tmp_path,
                                                  capsys):
  data_dir = str(tmp_path / 'data')
  assert studio_cli.run(['midime-studio', '--data_dir=' + data_dir,
                         flag]) == 1
  testing_lib.assert_one_error_line(capsys, message)
  assert not os.path.exists(data_dir)


@pytest.mark.parametrize('host, loopback', [('127.0.0.1', True),
                                            ('localhost', True),
                                            ('::1', True), ('0.0.0.0', False),
                                            ('192.168.1.5', False)])
def test_loopback_addresses_are_told_apart(host, loopback):
  assert studio_cli.check_host(host) == loopback


def _wait_status(server, run_id, statuses):
  return testing_lib.wait_for(
      lambda: (lambda state: state if state['status'] in statuses else None)(
          server.get('/api/runs/' + run_id)), TRAINING_TIMEOUT,
      'run %s to be %s' % (run_id, ' or '.join(statuses)))


def test_another_address_is_served_with_a_warning(studio_material, tmp_path):
  server = testing_lib.StudioServer(str(tmp_path / 'data'), studio_material,
                                    host='0.0.0.0')
  status, printed = server.stop()
  assert status == 0
  assert 'warning: serving on 0.0.0.0, not this machine alone' in printed
  assert 'open http://0.0.0.0:%d' % server.port in printed


def test_the_default_address_is_served_without_a_warning(studio_material,
                                                         tmp_path):
  server = testing_lib.StudioServer(str(tmp_path / 'data'), studio_material)
  status, printed = server.stop()
  assert status == 0 and 'warning' not in printed
  assert 'open http://127.0.0.1:%d' % server.port in printed


def test_a_server_killed_mid_training_shows_the_run_interrupted_and_resumes(
    studio_material, tmp_path):
  data_dir = str(tmp_path / 'data')
  server = testing_lib.StudioServer(data_dir, studio_material)
  run_id = server.post('/api/runs', form={'name': 'restart',
                                          'examples': '1'})['id']
  server.post('/api/runs/%s/train' % run_id, dict(
      base_model=studio_material.model_id, config=testing_lib.STUDIO_CONFIG,
      num_steps=100000))
  training = testing_lib.wait_for(
      lambda: (lambda state: state if len(state['progress']) > 2 else None)(
          server.get('/api/runs/' + run_id)), TRAINING_TIMEOUT,
      'training to report')
  server.stop(signal.SIGKILL)
  # The training process hears of it, saves and stops.
  testing_lib.wait_for(lambda: not _alive(training['pid']), 60,
                       'the training process to stop')
  run_dir = os.path.join(data_dir, runs.RUNS_FOLDER, run_id)
  saved = testing_lib.checkpoint_steps(run_dir)
  assert saved and saved[-1] >= training['progress'][-1]['step']

  again = testing_lib.StudioServer(data_dir, studio_material)
  state = again.get('/api/runs/' + run_id)
  assert state['status'] == runs.INTERRUPTED
  assert len(state['progress']) >= len(training['progress'])
  reported = len(state['progress'])
  again.post('/api/runs/%s/resume' % run_id)
  resumed = testing_lib.wait_for(
      lambda: (lambda reports: reports if len(reports) > reported else None)(
          again.get('/api/runs/' + run_id)['progress']), TRAINING_TIMEOUT,
      'the resumed training to report')
  assert resumed[reported]['step'] == saved[-1]
  # Ctrl-C stops the studio and, resumably, its training.
  assert again.stop(signal.SIGINT)[0] == 0
  with open(os.path.join(run_dir, runs.STATE_FILE)) as state_file:
    assert json.load(state_file)['status'] == runs.INTERRUPTED
  assert testing_lib.checkpoint_steps(run_dir)[-1] > saved[-1]


def _alive(pid):
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  # A zombie (its parent, the killed server, is gone and init reaps it soon).
  try:
    with open('/proc/%d/stat' % pid) as stat:
      return stat.read().split()[2] != 'Z'
  except OSError:
    return False


def test_unknown_pages_and_errors_never_show_a_traceback(studio_material,
                                                         tmp_path):
  server = testing_lib.StudioServer(str(tmp_path / 'data'), studio_material)
  try:
    for path, status in (('/api/runs/x/../../etc/passwd', 404),
                         ('/api/runs/nope', 404)):
      with pytest.raises(urllib.error.HTTPError) as raised:
        server.get(path)
      assert raised.value.code == status
      body = json.load(raised.value)
      assert 'error' in body and 'Traceback' not in body['error']
  finally:
    assert server.stop()[0] == 0

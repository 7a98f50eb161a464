"""The studio's training queue: one training at a time, each in a worker
process (midime.studio.worker), the rest waiting in the order they were asked
for. The queue is the runs' state files (status `queued`, `queued_at`), so a
restarted server shows it again and goes on with it.

One thread starts the workers: a worker asks for a signal when the thread that
started it ends (prctl), so it must be a thread that lives as long as the
server.
"""

import fcntl
import os
import subprocess
import sys
import threading

from midime import output_files
from midime.errors import UserError
from midime.studio import runs

POLL_SECONDS = 0.5
# midime-train's lock on a run folder (training.LOCK_FILE; not imported: that
# would load TensorFlow into the server before anything needs it).
TRAINING_LOCK_FILE = '.lock'


def training_lock_held(run_dir):
  """Whether a training process holds `run_dir`'s lock."""
  path = os.path.join(run_dir, TRAINING_LOCK_FILE)
  if not os.path.exists(path):
    return False
  with open(path, 'a') as lock:
    try:
      fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
      return True
    fcntl.flock(lock, fcntl.LOCK_UN)
    return False


class Trainer(object):
  """Runs the queued trainings of a runs.RunStore, one at a time."""

  def __init__(self, store, python=sys.executable, poll_seconds=POLL_SECONDS):
    self._store = store
    self._python = python
    self._poll_seconds = poll_seconds
    self._lock = threading.Lock()
    self._process = None
    self._process_run = None
    self._stopping = threading.Event()
    self._wake = threading.Event()
    self._thread = threading.Thread(target=self._loop, name='studio-trainer',
                                    daemon=True)

  def start(self):
    """Marks the trainings a previous server left unfinished as interrupted
    (unless their worker still runs), then starts working the queue."""
    for run_id in self._store.run_ids():
      state = self._store.read(run_id)
      if state['status'] == runs.TRAINING and not self._still_training(
          run_id, state):
        self._store.set_fields(
            run_id, status=runs.INTERRUPTED, pid=None,
            error='the studio stopped while this run trained; resume it to '
            'go on from its last checkpoint')
    self._thread.start()

  def stop(self):
    """Stops the queue and asks a running training to save and stop (its run
    is then interrupted, resumable)."""
    self._stopping.set()
    self._wake.set()
    with self._lock:
      process, run_id = self._process, self._process_run
    if process and process.poll() is None:
      self._store.set_fields(run_id, stop_requested=True)
      process.terminate()
      try:
        process.wait(timeout=60)
      except subprocess.TimeoutExpired:
        process.kill()
    if self._thread.is_alive():
      self._thread.join(timeout=5)

  def _still_training(self, run_id, state):
    pid = state.get('pid')
    return bool(pid and output_files.pid_alive(pid) and
                training_lock_held(self._store.run_dir(run_id)))

  def queue(self):
    """The ids of the runs waiting to train, first first."""
    waiting = []
    for run_id in self._store.run_ids():
      state = self._store.read(run_id)
      if state['status'] == runs.QUEUED:
        waiting.append((state['queued_at'], run_id))
    return [run_id for _, run_id in sorted(waiting)]

  def enqueue(self, run_id, settings):
    """Queues run `run_id` to train with `settings` (config, base_model,
    base_model_path, num_steps, seed). Raises UserError when it is already
    queued or training."""

    def queue_it(state):
      if state['status'] in (runs.QUEUED, runs.TRAINING):
        raise UserError('%s is already %s' % (state['name'], state['status']))
      if state['status'] == runs.DONE and settings.get('config') != state.get(
          'config') and state.get('config'):
        raise UserError(
            '%s was trained as %s; make a new run to train %s' %
            (state['name'], state['config'], settings.get('config')))
      state.update(settings)
      state.update(status=runs.QUEUED, queued_at=runs.now(), error='',
                   cancel_requested=False, stop_requested=False)

    state = self._store.update(run_id, queue_it)
    self._wake.set()
    return state

  def cancel(self, run_id):
    """Takes a queued run off the queue, or stops its training (which saves a
    checkpoint first). Raises UserError when it is neither."""

    def cancel_it(state):
      if state['status'] == runs.QUEUED:
        state.update(status=runs.CANCELLED, error='cancelled before it started')
      elif state['status'] == runs.TRAINING:
        state.update(cancel_requested=True)
      else:
        raise UserError('%s is not training (it is %s)' %
                        (state['name'], state['status']))

    state = self._store.update(run_id, cancel_it)
    with self._lock:
      if self._process_run == run_id and self._process.poll() is None:
        self._process.terminate()
    return state

  def busy_with(self):
    """The id of the run training now, or None."""
    with self._lock:
      if self._process and self._process.poll() is None:
        return self._process_run
    for run_id in self._store.run_ids():
      state = self._store.read(run_id)
      if state['status'] == runs.TRAINING and self._still_training(
          run_id, state):
        return run_id
    return None

  def _loop(self):
    while not self._stopping.is_set():
      try:
        self._step()
      except Exception:  # pylint: disable=broad-except
        # A run deleted from disk under the queue, say: the queue goes on.
        pass
      self._wake.wait(self._poll_seconds)
      self._wake.clear()

  def _step(self):
    with self._lock:
      process, run_id = self._process, self._process_run
    if process is not None:
      if process.poll() is None:
        return
      self._finished(run_id, process.returncode)
      with self._lock:
        self._process = self._process_run = None
    if self.busy_with() or self._stopping.is_set():
      return
    waiting = self.queue()
    if waiting:
      self._launch(waiting[0])

  def _finished(self, run_id, returncode):
    """A worker that died without saying how it ended (killed) leaves its run
    failed, or interrupted when that was asked for."""
    state = self._store.read(run_id)
    if state['status'] == runs.TRAINING:
      status = (runs.CANCELLED if state.get('cancel_requested') else
                runs.INTERRUPTED if state.get('stop_requested') else
                runs.FAILED)
      self._store.set_fields(
          run_id, status=status, pid=None, finished_at=runs.now(),
          error='the training process ended with code %d (see %s)' %
          (returncode, runs.LOG_FILE))

  def _launch(self, run_id):
    # Training before the worker starts: a worker that fails at once then
    # records its error over this, never the other way round.
    self._store.set_fields(run_id, status=runs.TRAINING, pid=None,
                           started_at=runs.now())
    run_dir = self._store.run_dir(run_id)
    try:
      with open(os.path.join(run_dir, runs.LOG_FILE), 'ab') as log:
        process = subprocess.Popen(
            [self._python, '-m', 'midime.cli.studio_worker',
             self._store.data_dir, run_id, str(os.getpid())],
            stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    except OSError as error:
      self._store.set_fields(run_id, status=runs.FAILED,
                             error='cannot start training: %s' % error)
      return
    with self._lock:
      self._process, self._process_run = process, run_id

    def record_pid(state):
      if state['status'] == runs.TRAINING:
        state['pid'] = process.pid

    # A cancel that came while the worker started found no process to stop.
    if self._store.update(run_id, record_pid).get('cancel_requested'):
      process.terminate()

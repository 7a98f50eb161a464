"""One studio training, run by the program midime.cli.studio_worker in a
process of its own, so that cancelling it (SIGTERM: training saves a checkpoint
and stops) or a crash in TensorFlow never takes the server down, and the
server's death stops it too (it goes on when resumed).

It trains the run as its state file says, writes training's progress reports
to progress.jsonl, and leaves the state `done`, `cancelled` (asked to),
`interrupted` (the server went away) or `failed` (with the one-line error).
"""

import ctypes
import os
import signal
import sys
import time
import traceback

from midime.errors import StoppedError
from midime.errors import UserError
from midime.studio import runs

# Linux's prctl option: a signal for this process when its parent dies.
_PR_SET_PDEATHSIG = 1
SAVE_CHECKPOINT_SECS = 15
# Progress reports per training: enough points for a smooth loss chart.
PROGRESS_POINTS = 100


def stop_with_parent(parent_pid):
  """Asks for SIGTERM when the server dies (training then saves and stops);
  exits at once if it is already gone."""
  try:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
  except (OSError, AttributeError):
    pass  # not Linux: the run is marked interrupted when the server restarts
  if os.getppid() != parent_pid:
    sys.exit(1)


def _ended_status(store, run_id, error):
  """Cancelled when the page asked; interrupted when stopped otherwise (the
  server stopped or died: its death signal comes while it is still exiting,
  so whether it is gone cannot be told yet); else failed."""
  if store.read(run_id).get('cancel_requested'):
    return runs.CANCELLED
  if isinstance(error, StoppedError):
    return runs.INTERRUPTED
  return runs.FAILED


def train(store, run_id):
  """Trains run `run_id` of `store` (a runs.RunStore) and records how it
  ended."""
  # pylint: disable=g-import-not-at-top
  from midime.jobs import train as train_job
  # pylint: enable=g-import-not-at-top
  state = store.read(run_id)

  def on_progress(progress):
    store.append_progress(run_id, dict(progress._asdict(), time=time.time()))

  try:
    bundle = train_job.run(train_job.TrainOptions(
        config=state['config'], run_dir=store.run_dir(run_id),
        examples_path=store.examples_path(run_id),
        pretrained_path=state['base_model_path'],
        num_steps=state['num_steps'], seed=state.get('seed'),
        save_checkpoint_secs=SAVE_CHECKPOINT_SECS,
        log_every_steps=max(1, state['num_steps'] // PROGRESS_POINTS),
        on_progress=on_progress))
  except UserError as error:
    store.set_fields(run_id, status=_ended_status(store, run_id, error),
                     error=str(error), finished_at=runs.now(), pid=None)
    return 1
  except Exception as error:  # pylint: disable=broad-except
    traceback.print_exc()
    store.set_fields(
        run_id, status=_ended_status(store, run_id, error),
        error='training failed: %s: %s (see %s)' % (
            type(error).__name__, str(error).splitlines()[0] if str(error)
            else '', runs.LOG_FILE),
        finished_at=runs.now(), pid=None)
    return 1
  store.set_fields(run_id, status=runs.DONE, error='',
                   bundle=os.path.basename(bundle), finished_at=runs.now(),
                   pid=None)
  return 0

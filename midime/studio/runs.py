"""The studio's runs on disk: each a folder under `<data_dir>/runs`, which is
also the run folder midime-train writes (latent cache, songs.tsv, train/, the
bundle), so a studio run can be trained further or sampled from the command
line too.

  <data_dir>/runs/<run id>/
    studio_run.json   what the run is and where it stands (RunState fields)
    songs/            the songs it trains on, as uploaded
    progress.jsonl    training's progress, a JSON line per report
    training.log      the training process's log
    outputs/          what was generated for the page (MIDI, WAV)

The state file is rewritten whole (a temporary file renamed over it) under a
lock shared by the server and the training process, so two browser tabs or a
server and its training never leave a half-written or lost update.
"""

import contextlib
import datetime
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile

from midime.errors import UserError

RUNS_FOLDER = 'runs'
STATE_FILE = 'studio_run.json'
LOCK_FILE = 'studio_run.lock'
SONGS_FOLDER = 'songs'
OUTPUTS_FOLDER = 'outputs'
PROGRESS_FILE = 'progress.jsonl'
# All of a run's songs in one NoteSequence TFRecord, when they are not all
# MIDI files (midime-train reads a folder's MIDI files only).
COMBINED_SONGS = 'songs.tfrecord'
LOG_FILE = 'training.log'

# Where a run stands. `new`: songs, not trained yet; `queued`: waiting for the
# one training slot; `interrupted`: its training process ended without
# finishing (the server was killed, say): resumable, as are `cancelled` and
# `failed` ones.
NEW, QUEUED, TRAINING, DONE, FAILED, CANCELLED, INTERRUPTED = (
    'new', 'queued', 'training', 'done', 'failed', 'cancelled', 'interrupted')
STATUSES = (NEW, QUEUED, TRAINING, DONE, FAILED, CANCELLED, INTERRUPTED)
RESUMABLE = (FAILED, CANCELLED, INTERRUPTED)

_RUN_ID = re.compile(r'^[a-z0-9][a-z0-9-]{0,63}$')
# Output names as the studio makes them: no folders, no leading dot.
_OUTPUT_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$')


def now():
  """The time as the state file records it: ISO 8601, UTC, to the second."""
  return datetime.datetime.now(datetime.timezone.utc).strftime(
      '%Y-%m-%dT%H:%M:%SZ')


def slug(name):
  """A lower-case, hyphenated form of `name` for a run id ('' when nothing is
  left)."""
  return re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')[:40]


def _write_json_atomically(path, values):
  folder = os.path.dirname(path)
  with tempfile.NamedTemporaryFile('w', dir=folder, prefix='.state-',
                                   suffix='.tmp', delete=False,
                                   encoding='utf-8') as temp:
    json.dump(values, temp, indent=2, sort_keys=True)
    temp.write('\n')
  os.replace(temp.name, path)


class RunStore(object):
  """The runs under one data folder."""

  def __init__(self, data_dir):
    self.data_dir = os.path.abspath(os.path.expanduser(data_dir))
    self.runs_dir = os.path.join(self.data_dir, RUNS_FOLDER)
    os.makedirs(self.runs_dir, exist_ok=True)

  def run_dir(self, run_id):
    """The folder of run `run_id`. Raises UserError for an id that is not a
    run's (a path from the browser is never followed)."""
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
      raise UserError('no run %r' % (run_id,))
    path = os.path.join(self.runs_dir, run_id)
    if not os.path.isfile(os.path.join(path, STATE_FILE)):
      raise UserError('no run %r' % run_id)
    return path

  def songs_dir(self, run_id):
    return os.path.join(self.run_dir(run_id), SONGS_FOLDER)

  def outputs_dir(self, run_id):
    path = os.path.join(self.run_dir(run_id), OUTPUTS_FOLDER)
    os.makedirs(path, exist_ok=True)
    return path

  def output_path(self, run_id, name):
    """The path of output `name` of run `run_id`, which must exist. Raises
    UserError for a name that is not a plain file name or not there."""
    if not isinstance(name, str) or not _OUTPUT_NAME.match(name):
      raise UserError('no output %r' % (name,))
    path = os.path.join(self.outputs_dir(run_id), name)
    if not os.path.isfile(path):
      raise UserError('no output %r in run %s' % (name, run_id))
    return path

  def create(self, name, songs, source, prepare=None):
    """A new run holding `songs`.

    Args:
      name: what the user calls it (the id is made from it).
      songs: (file name, bytes) pairs, the names already safe
        (uploads.checked_songs).
      source: where the songs came from, for the page ('upload' or
        'examples').
      prepare: called with the new run's folder before it is listed (its
        songs are in place then), to add files to it.

    Returns:
      The run's id.
    """
    base = slug(name) or 'run'
    # Made in a temporary folder and renamed into place: a run is listed
    # whole or not at all.
    staging = tempfile.mkdtemp(prefix='.new-', dir=self.runs_dir)
    try:
      songs_dir = os.path.join(staging, SONGS_FOLDER)
      os.makedirs(songs_dir)
      for file_name, data in songs:
        with open(os.path.join(songs_dir, file_name), 'wb') as song_file:
          song_file.write(data)
      if prepare:
        prepare(staging)
      state = dict(name=name.strip() or base, created=now(), source=source,
                   songs=sorted(file_name for file_name, _ in songs),
                   status=NEW, error='', config=None, base_model=None,
                   num_steps=None, seed=None, queued_at=None, started_at=None,
                   finished_at=None, cancel_requested=False,
                   stop_requested=False, bundle=None, pid=None)
      while True:
        run_id = '%s-%s' % (base, secrets.token_hex(3))
        state['id'] = run_id
        _write_json_atomically(os.path.join(staging, STATE_FILE), state)
        try:
          os.rename(staging, os.path.join(self.runs_dir, run_id))
          return run_id
        except OSError:
          if not os.path.exists(os.path.join(self.runs_dir, run_id)):
            raise
    except BaseException:
      shutil.rmtree(staging, ignore_errors=True)
      raise

  def run_ids(self):
    """Every run's id, newest first."""
    found = []
    for run_id in os.listdir(self.runs_dir):
      if _RUN_ID.match(run_id) and os.path.isfile(
          os.path.join(self.runs_dir, run_id, STATE_FILE)):
        found.append(run_id)
    return sorted(found, key=lambda run_id: (self.read(run_id)['created'],
                                             run_id), reverse=True)

  @contextlib.contextmanager
  def _locked(self, run_id):
    with open(os.path.join(self.run_dir(run_id), LOCK_FILE), 'a') as lock:
      fcntl.flock(lock, fcntl.LOCK_EX)
      try:
        yield
      finally:
        fcntl.flock(lock, fcntl.LOCK_UN)

  def read(self, run_id):
    """The state of run `run_id` (a dict of RunStore.create's fields)."""
    with open(os.path.join(self.run_dir(run_id), STATE_FILE),
              encoding='utf-8') as state_file:
      return json.load(state_file)

  def update(self, run_id, change):
    """Applies `change` to the state of run `run_id` under its lock.

    Args:
      change: called with the current state (a dict) to change in place; it
        may raise UserError to refuse (nothing is written then).

    Returns:
      The new state.
    """
    with self._locked(run_id):
      state = self.read(run_id)
      change(state)
      _write_json_atomically(os.path.join(self.run_dir(run_id), STATE_FILE),
                             state)
      return state

  def set_fields(self, run_id, **fields):
    """Sets `fields` in the state of run `run_id`; returns the new state."""
    return self.update(run_id, lambda state: state.update(fields))

  def progress(self, run_id, limit=500):
    """Training's progress reports of run `run_id`, oldest first (the last
    `limit`): dicts of training.TrainingProgress's fields and `time`."""
    path = os.path.join(self.run_dir(run_id), PROGRESS_FILE)
    if not os.path.exists(path):
      return []
    reports = []
    with open(path, encoding='utf-8') as lines:
      for line in lines:
        try:
          reports.append(json.loads(line))
        except ValueError:
          continue  # the last line of a process killed while writing it
    return reports[-limit:]

  def examples_path(self, run_id):
    """The run's songs as midime-train's --examples_path takes them: the one
    TFRecord `create`'s `prepare` wrote, else its songs folder."""
    combined = os.path.join(self.run_dir(run_id), COMBINED_SONGS)
    return combined if os.path.exists(combined) else self.songs_dir(run_id)

  def append_progress(self, run_id, report):
    with open(os.path.join(self.run_dir(run_id), PROGRESS_FILE), 'a',
              encoding='utf-8') as lines:
      lines.write(json.dumps(report, sort_keys=True) + '\n')

"""midime.studio.runs: runs listed whole or not at all, ids and output names
that cannot reach outside the data folder, state updates that are never lost
or half-written, progress that survives a torn last line."""

import json
import os
import threading

import pytest

from midime.errors import UserError
from midime.studio import runs


def _store(tmp_path):
  return runs.RunStore(str(tmp_path / 'data'))


def test_a_new_run_holds_its_songs_and_a_state_named_after_it(tmp_path):
  store = _store(tmp_path)
  run_id = store.create('My Reels!', [('a.mid', b'MThd1'), ('b.mid', b'MThd2')],
                        'upload')
  assert run_id.startswith('my-reels-')
  state = store.read(run_id)
  assert state['name'] == 'My Reels!' and state['status'] == runs.NEW
  assert state['songs'] == ['a.mid', 'b.mid'] and state['id'] == run_id
  with open(os.path.join(store.songs_dir(run_id), 'b.mid'), 'rb') as song:
    assert song.read() == b'MThd2'
  assert store.run_ids() == [run_id]
  assert store.examples_path(run_id) == store.songs_dir(run_id)


def test_a_run_whose_preparation_fails_is_not_listed_or_left_behind(tmp_path):
  store = _store(tmp_path)

  def fail(run_dir):
    del run_dir
    raise UserError('cannot read x.tfrecord')

  with pytest.raises(UserError, match='x.tfrecord'):
    store.create('broken', [('x.tfrecord', b'junk')], 'upload', prepare=fail)
  assert store.run_ids() == [] and os.listdir(store.runs_dir) == []


def test_runs_are_listed_newest_first(tmp_path):
  store = _store(tmp_path)
  first = store.create('one', [('a.mid', b'x')], 'upload')
  store.set_fields(first, created='2026-01-01T00:00:00Z')
  second = store.create('two', [('a.mid', b'x')], 'upload')
  assert store.run_ids() == [second, first]


@pytest.mark.parametrize('run_id', ['../data', '..', 'a/b', 'A', '', None,
                                    'no-such-run'])
def test_a_run_id_that_is_not_a_run_is_refused(tmp_path, run_id):
  store = _store(tmp_path)
  with pytest.raises(UserError, match='no run'):
    store.run_dir(run_id)


@pytest.mark.parametrize('name', ['../studio_run.json', '.hidden', 'a/b.mid',
                                  'missing.mid', '', '..'])
def test_an_output_name_outside_the_outputs_is_refused(tmp_path, name):
  store = _store(tmp_path)
  run_id = store.create('run', [('a.mid', b'x')], 'upload')
  with open(os.path.join(store.outputs_dir(run_id), 'real.mid'), 'wb') as out:
    out.write(b'MThd')
  assert store.output_path(run_id, 'real.mid').endswith('outputs/real.mid')
  with pytest.raises(UserError, match='no output'):
    store.output_path(run_id, name)


def test_concurrent_updates_are_all_kept(tmp_path):
  store = _store(tmp_path)
  run_id = store.create('run', [('a.mid', b'x')], 'upload')
  store.set_fields(run_id, counter=0)

  def add_one(state):
    state['counter'] += 1

  threads = [threading.Thread(
      target=lambda: [store.update(run_id, add_one) for _ in range(25)])
             for _ in range(4)]
  for thread in threads:
    thread.start()
  for thread in threads:
    thread.join()
  assert store.read(run_id)['counter'] == 100
  # Nothing but the state and its lock: no temporary file left.
  assert sorted(os.listdir(store.run_dir(run_id))) == sorted(
      [runs.SONGS_FOLDER, runs.LOCK_FILE, runs.STATE_FILE])


def test_a_refused_update_writes_nothing(tmp_path):
  store = _store(tmp_path)
  run_id = store.create('run', [('a.mid', b'x')], 'upload')
  before = store.read(run_id)

  def refuse(state):
    state['status'] = runs.DONE
    raise UserError('run is already training')

  with pytest.raises(UserError, match='already training'):
    store.update(run_id, refuse)
  assert store.read(run_id) == before


def test_progress_keeps_the_whole_lines_of_a_killed_writer(tmp_path):
  store = _store(tmp_path)
  run_id = store.create('run', [('a.mid', b'x')], 'upload')
  assert store.progress(run_id) == []
  store.append_progress(run_id, {'step': 1, 'loss': 2.5})
  store.append_progress(run_id, {'step': 2, 'loss': 2.0})
  with open(os.path.join(store.run_dir(run_id), runs.PROGRESS_FILE),
            'a') as lines:
    lines.write('{"step": 3, "lo')
  assert [report['step'] for report in store.progress(run_id)] == [1, 2]
  assert store.progress(run_id, limit=1) == [{'step': 2, 'loss': 2.0}]
  json.dumps(store.read(run_id))  # the state stays readable

"""midime.output_files: a set of files written all or none (a failure leaves no
file and no folder it created), stale partial files of dead processes cleared,
MIDI file writers and the original's timestamped names."""

import os
import re
import subprocess
import sys
import time
from midime import tf_setup  # noqa: F401  (first: quiets note-seq's warnings)
import note_seq
import pytest
from midime import output_files
from tests import testing_lib


def _output_files_text_writer(text):

  def write(path):
    with open(path, 'w') as output:
      output.write(text)

  return write


def _output_files_failing_writer(error):

  def write(path):
    with open(path, 'w') as output:
      output.write('half')
    raise error

  return write


def _output_files_dead_pid():
  """The id of a process that has just exited."""
  process = subprocess.Popen([sys.executable, '-c', 'pass'])
  process.wait()
  return process.pid


def _output_files_melody(first_pitch, notes=4):
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  for index in range(notes):
    sequence.notes.add(pitch=first_pitch + index, velocity=90,
                       start_time=0.5 * index, end_time=0.5 * index + 0.5)
  sequence.total_time = 0.5 * notes
  return sequence


def test_write_all_or_none_writes_every_file_in_order(tmp_path):
  output_dir = tmp_path / 'out' / 'nested'
  names = ['b.txt', 'a.txt', 'c.txt']
  paths = output_files.write_all_or_none(
      str(output_dir),
      [(name, _output_files_text_writer('text of ' + name)) for name in names])
  assert paths == [str(output_dir / name) for name in names]
  for name in names:
    assert (output_dir / name).read_text() == 'text of ' + name
  assert sorted(os.listdir(output_dir)) == sorted(names)


@pytest.mark.parametrize(
    'error', [OSError('No space left on device'),
              KeyboardInterrupt()])
def test_write_all_or_none_leaves_nothing_when_a_writer_fails(tmp_path, error):
  output_dir = tmp_path / 'samples'
  with pytest.raises(type(error)):
    output_files.write_all_or_none(
        str(output_dir), [('one.txt', _output_files_text_writer('one')),
                          ('two.txt', _output_files_failing_writer(error)),
                          ('three.txt', _output_files_text_writer('three'))])
  # The folder this call created goes too.
  assert not output_dir.exists()
  assert os.listdir(tmp_path) == []


def test_write_all_or_none_keeps_a_folder_it_did_not_create(tmp_path):
  (tmp_path / 'earlier.txt').write_text('earlier')
  (tmp_path / 'one.txt').write_text('the old one')
  with pytest.raises(ValueError):
    output_files.write_all_or_none(
        str(tmp_path),
        [('one.txt', _output_files_text_writer('the new one')),
         ('two.txt', _output_files_failing_writer(ValueError('bad value')))])
  assert sorted(os.listdir(tmp_path)) == ['earlier.txt', 'one.txt']
  # Not even the files written before the failure replace what was there.
  assert (tmp_path / 'one.txt').read_text() == 'the old one'


def test_write_all_or_none_keeps_a_created_folder_that_is_not_empty(tmp_path):
  output_dir = tmp_path / 'samples'

  def write_and_leave_a_file_beside(path):
    (output_dir / 'someone-elses.txt').write_text('kept')
    raise OSError('disk full')

  with pytest.raises(OSError):
    output_files.write_all_or_none(
        str(output_dir), [('mine.txt', write_and_leave_a_file_beside)])
  assert os.listdir(output_dir) == ['someone-elses.txt']


def test_pid_alive_tells_running_from_exited_processes():
  assert output_files.pid_alive(os.getpid())
  assert not output_files.pid_alive(_output_files_dead_pid())


def test_remove_stale_partials_removes_dead_and_unnumbered_ones_only(tmp_path):
  dead, alive = _output_files_dead_pid(), os.getpid()
  suffix = output_files.PARTIAL_SUFFIX
  stale = ['a.mid.%d%s' % (dead, suffix), 'b.mid' + suffix]
  kept = ['c.mid.%d%s' % (alive, suffix), 'd.mid', 'e.partial.mid']
  for name in stale + kept:
    (tmp_path / name).write_text(name)
  assert output_files.remove_stale_partials(str(tmp_path)) == len(stale)
  assert sorted(os.listdir(tmp_path)) == sorted(kept)


def test_write_all_or_none_clears_a_dead_runs_partial_files(tmp_path):
  stale = tmp_path / ('x.mid.%d%s' %
                      (_output_files_dead_pid(), output_files.PARTIAL_SUFFIX))
  stale.write_text('left by kill -9')
  output_files.write_all_or_none(str(tmp_path),
                                 [('x.mid', _output_files_text_writer('new'))])
  assert os.listdir(tmp_path) == ['x.mid']


def test_midi_file_writers_name_each_file_by_its_place_in_the_set():
  sequences = [_output_files_melody(60 + i) for i in range(3)]
  writers = output_files.midi_file_writers(sequences, 'ae-tune')
  assert [name for name, _ in writers] == [
      'ae-tune-%03d-of-%03d.mid' % (i, len(sequences))
      for i in range(len(sequences))
  ]


def test_write_midi_files_round_trips_the_notes(tmp_path):
  sequences = [_output_files_melody(60), _output_files_melody(70, notes=6)]
  paths = output_files.write_midi_files(sequences, str(tmp_path / 'midi'),
                                        'sample')
  assert [os.path.basename(p) for p in paths] == [
      'sample-000-of-002.mid', 'sample-001-of-002.mid'
  ]
  for path, sequence in zip(paths, sequences):
    read = note_seq.midi_file_to_note_sequence(path)
    assert ([(n.pitch, n.velocity) for n in read.notes] ==
            [(n.pitch, n.velocity) for n in sequence.notes])
    assert [n.start_time for n in read.notes] == pytest.approx(
        [n.start_time for n in sequence.notes], abs=1e-3)
    assert [n.end_time for n in read.notes] == pytest.approx(
        [n.end_time for n in sequence.notes], abs=1e-3)


def test_write_midi_files_of_no_sequences_writes_nothing(tmp_path):
  assert output_files.write_midi_files([], str(tmp_path), 'none') == []
  assert os.listdir(tmp_path) == []


def test_timestamped_prefix_is_the_config_and_the_time_it_was_called():
  before = int(time.time())
  prefix = output_files.timestamped_prefix('ae-cat-mel_2bar_big')
  after = time.time()
  match = re.fullmatch(r'ae-cat-mel_2bar_big_(\d{4}-\d{2}-\d{2}_\d{6})', prefix)
  assert match, prefix
  stamp = time.mktime(time.strptime(match.group(1), '%Y-%m-%d_%H%M%S'))
  assert before <= stamp <= after


def test_write_all_or_none_removes_every_folder_it_created(tmp_path):
  output_dir = tmp_path / 'new' / 'nested' / 'samples'
  with pytest.raises(OSError):
    output_files.write_all_or_none(
        str(output_dir),
        [('one.txt', _output_files_failing_writer(OSError('disk full')))])
  assert os.listdir(tmp_path) == []


def test_an_interrupted_write_leaves_no_partial_files(tmp_path):
  good = testing_lib.random_melody(1)

  class Broken(object):
    notes = property(lambda self: 1 / 0)

  with pytest.raises(Exception):
    output_files.write_midi_files([good, Broken()], str(tmp_path), 'x')
  assert os.listdir(str(tmp_path)) == []


def test_stale_partial_files_are_removed_and_live_ones_kept(tmp_path):
  folder = tmp_path / 'out'
  folder.mkdir()
  stale = [
      folder / ('a.mid.%d.partial' % testing_lib.dead_pid()),
      folder / 'b.mid.partial'
  ]
  live = folder / ('c.mid.%d.partial' % os.getpid())
  for path in stale + [live]:
    path.write_bytes(b'x')
  paths = output_files.write_all_or_none(
      str(folder), [('d.mid', lambda path: open(path, 'wb').close())])
  assert sorted(os.listdir(str(folder))) == sorted([live.name, 'd.mid'])
  assert paths == [str(folder / 'd.mid')]

"""output_files.py: all-or-none writes: an interrupted write leaves no partial
files, and partial files of ended processes are cleaned."""

import os

import pytest

from midime import output_files
from tests import testing_lib


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
  stale = [folder / ('a.mid.%d.partial' % testing_lib.dead_pid()), folder / 'b.mid.partial']
  live = folder / ('c.mid.%d.partial' % os.getpid())
  for path in stale + [live]:
    path.write_bytes(b'x')
  paths = output_files.write_all_or_none(str(folder), [
      ('d.mid', lambda path: open(path, 'wb').close())])
  assert sorted(os.listdir(str(folder))) == sorted([live.name, 'd.mid'])
  assert paths == [str(folder / 'd.mid')]

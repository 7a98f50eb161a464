"""note_sequence_io.py: TFRecords, MIDI files and folders in; clear errors
otherwise."""

import os

import note_seq
import pytest

from midime import note_sequence_io
from midime.errors import UserError
from tests import testing_lib


def test_reads_a_tfrecord_with_names(songs_tfrecord):
  named = note_sequence_io.read_note_sequences(songs_tfrecord)
  assert [name for name, _ in named] == ['song%d' % i for i in range(5)]
  assert all(len(sequence.notes) > 10 for _, sequence in named)


def test_reads_a_midi_file_and_a_folder_of_them(tmp_path):
  folder = tmp_path / 'songs'
  (folder / 'sub').mkdir(parents=True)
  testing_lib.write_midi(str(folder / 'b.mid'), testing_lib.random_melody(1))
  testing_lib.write_midi(str(folder / 'sub' / 'a.MIDI'),
                         testing_lib.random_melody(2))
  (folder / 'notes.txt').write_text('not music')
  named = note_sequence_io.read_note_sequences(str(folder))
  assert [name for name, _ in named] == ['b.mid', os.path.join('sub', 'a.MIDI')]
  single = note_sequence_io.read_note_sequences(str(folder / 'b.mid'))
  assert single[0][0] == 'b.mid'
  assert len(single[0][1].notes) == len(named[0][1].notes)


def test_a_folder_skips_unreadable_midi_but_not_all(tmp_path):
  testing_lib.write_midi(str(tmp_path / 'good.mid'),
                         testing_lib.random_melody(1))
  (tmp_path / 'bad.mid').write_bytes(b'MThd\x00\x00garbage')
  named = note_sequence_io.read_note_sequences(str(tmp_path))
  assert [name for name, _ in named] == ['good.mid']
  os.remove(tmp_path / 'good.mid')
  with pytest.raises(UserError, match='none of the 1 MIDI files'):
    note_sequence_io.read_note_sequences(str(tmp_path))


@pytest.mark.parametrize('name, data, message', [
    ('missing.tfrecord', None, 'examples not found'),
    ('empty.tfrecord', b'', 'is empty'),
    ('corrupt.tfrecord', b'\x00\x01 this is not a tfrecord at all, just bytes' *
     3, 'is not a NoteSequence TFRecord or a MIDI file'),
    ('corrupt.mid', b'MThd\x00\x00\x00\x06garbage', 'cannot read MIDI file'),
])
def test_bad_examples_are_user_errors(tmp_path, name, data, message):
  path = tmp_path / name
  if data is not None:
    path.write_bytes(data)
  with pytest.raises(UserError, match=message):
    note_sequence_io.read_note_sequences(str(path))


def test_a_folder_without_midi_is_a_user_error(tmp_path):
  with pytest.raises(UserError, match='no MIDI files'):
    note_sequence_io.read_note_sequences(str(tmp_path))


def test_midi_text_events_that_name_chords_are_read_as_chord_symbols(
    tmp_path):
  import pretty_midi  # pylint: disable=g-import-not-at-top
  midi = pretty_midi.PrettyMIDI()
  piano = pretty_midi.Instrument(0)
  piano.notes.append(pretty_midi.Note(80, 60, 0.0, 1.0))
  midi.instruments.append(piano)
  midi.text_events.extend([
      pretty_midi.Text('Am7', 0.0),
      pretty_midi.Text('verse', 0.5),
      pretty_midi.Text('N.C.', 2.0)
  ])
  midi.write(str(tmp_path / 'song.mid'))
  ((_, sequence),) = note_sequence_io.read_note_sequences(
      str(tmp_path / 'song.mid'))
  assert [(a.time, a.text, a.annotation_type)
          for a in sequence.text_annotations] == [
              (0.0, 'Am7', note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL),
              (2.0, 'N.C.', note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL)
          ]

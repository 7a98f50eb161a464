"""midime.studio.uploads: only readable MIDI files and NoteSequence TFRecords,
within the size limit, under safe and distinct names; each refusal names the
file."""

import io

import note_seq
import pytest

from midime.errors import UserError
from midime.studio import uploads
from tests import testing_lib


def _midi_bytes(seed=0):
  output = io.BytesIO()
  note_seq.note_sequence_to_pretty_midi(
      testing_lib.random_melody(seed)).write(output)
  return output.getvalue()


def _tfrecord_bytes(tmp_path):
  path = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(path, [testing_lib.random_melody(1)])
  with open(path, 'rb') as records:
    return records.read()


@pytest.mark.parametrize('sent, safe', [
    ('../../etc/reel.mid', 'reel.mid'),
    ('C:\\Users\\me\\jig.MID', 'jig.MID'),
    ('folder/sub/.hidden.mid', 'hidden.mid'),
    ('a<b>|c?.mid', 'a_b__c_.mid'),
    ('', ''),
])
def test_file_names_keep_only_their_last_part_and_safe_characters(sent, safe):
  assert uploads.safe_file_name(sent) == safe


def test_midi_and_tfrecords_pass_under_distinct_names(tmp_path):
  midi = _midi_bytes()
  checked = uploads.checked_songs(
      [('songs/reel.mid', midi), ('other/reel.mid', midi),
       ('set.tfrecord', _tfrecord_bytes(tmp_path))], 10**6)
  assert [name for name, _ in checked] == ['reel.mid', 'reel (2).mid',
                                           'set.tfrecord']
  assert checked[0][1] == midi


@pytest.mark.parametrize('files, message', [
    ([], 'no songs uploaded'),
    ([('notes.txt', b'hello')], r'notes.txt: only MIDI files'),
    ([('../../x.sh', b'#!')], r'x.sh: only MIDI files'),
    ([('empty.mid', b'')], 'empty.mid is empty'),
    ([('fake.mid', b'PK\x03\x04zip')], 'fake.mid is not a MIDI file'),
    ([('torn.mid', b'MThd\x00\x00\x00\x06\x00')], 'torn.mid'),
    ([('junk.tfrecord', b'not a record at all')], 'junk.tfrecord'),
])
def test_bad_uploads_are_refused_naming_the_file(files, message):
  with pytest.raises(UserError, match=message) as raised:
    uploads.checked_songs(files, 10**6)
  assert '\n' not in str(raised.value)
  # The temporary copy's path never shows.
  assert 'midime-upload-' not in str(raised.value)


def test_an_upload_over_the_limit_says_its_size_and_the_limit():
  with pytest.raises(UserError,
                     match=r'holds 2\.0 MB; the limit is 1\.0 MB'):
    uploads.checked_songs([('big.mid', b'MThd' + b'\0' * 1999996)], 10**6)


def test_too_many_files_are_refused():
  files = [('%d.mid' % i, b'MThd') for i in range(uploads.MAX_FILES + 1)]
  with pytest.raises(UserError, match='at most %d' % uploads.MAX_FILES):
    uploads.checked_songs(files, 10**9)


def test_a_combined_tfrecord_holds_every_song_of_a_folder(tmp_path):
  folder = tmp_path / 'songs'
  folder.mkdir()
  (folder / 'reel.mid').write_bytes(_midi_bytes(2))
  (folder / 'set.tfrecord').write_bytes(_tfrecord_bytes(tmp_path))
  combined = str(tmp_path / 'all.tfrecord')
  uploads.write_combined_tfrecord(str(folder), combined)
  from midime import note_sequence_io  # pylint: disable=g-import-not-at-top
  names = [name for name, _ in note_sequence_io.read_note_sequences(combined)]
  assert names == ['reel.mid', 'melody']

"""What the browser may upload: MIDI files and NoteSequence TFRecords, within a
size limit, under safe file names, each one readable; anything else is refused
with a message naming the file, before anything is stored."""

import os
import re
import tempfile

from midime.errors import UserError

MIDI_SUFFIXES = ('.mid', '.midi')
TFRECORD_SUFFIX = '.tfrecord'
ALLOWED_SUFFIXES = MIDI_SUFFIXES + (TFRECORD_SUFFIX,)
MIDI_MAGIC = b'MThd'
DEFAULT_MAX_UPLOAD_MB = 20
MAX_FILES = 500


def safe_file_name(name):
  """`name` as a plain file name: its last path part, characters other than
  letters, digits, space, `._-()` replaced by `_`, no leading dot."""
  base = re.split(r'[\\/]', name or '')[-1]
  base = re.sub(r'[^A-Za-z0-9 ._()-]', '_', base).strip().lstrip('.')
  return base[:120]


def _check_readable(name, data):
  """Raises UserError unless `data` (the upload `name`) holds songs note-seq can
  read."""
  # pylint: disable=g-import-not-at-top
  from midime import note_sequence_io
  # pylint: enable=g-import-not-at-top
  if name.lower().endswith(MIDI_SUFFIXES) and not data.startswith(MIDI_MAGIC):
    raise UserError('%s is not a MIDI file (it does not start with MThd)' %
                    name)
  with tempfile.TemporaryDirectory(prefix='midime-upload-') as folder:
    path = os.path.join(folder, name)
    with open(path, 'wb') as upload:
      upload.write(data)
    try:
      note_sequence_io.read_note_sequences(path)
    except UserError as error:
      # The message names the temporary copy; the user knows the file by its
      # own name.
      raise UserError(str(error).replace(path, name)) from None


def checked_songs(files, max_bytes):
  """The uploads that may be stored, under safe, distinct names.

  Args:
    files: (file name as the browser sent it, bytes) pairs.
    max_bytes: the most bytes all of them together may hold.

  Returns:
    (safe file name, bytes) pairs, in the order given.

  Raises:
    UserError: no file, too many or too large, a file that is not MIDI or a
      TFRecord, or one that cannot be read; nothing is stored then.
  """
  if not files:
    raise UserError('no songs uploaded: choose MIDI files (.mid, .midi) or '
                    'a NoteSequence TFRecord')
  if len(files) > MAX_FILES:
    raise UserError('%d files uploaded; at most %d at a time' %
                    (len(files), MAX_FILES))
  total = sum(len(data) for _, data in files)
  if total > max_bytes:
    raise UserError('the upload holds %.1f MB; the limit is %.1f MB' %
                    (total / 1e6, max_bytes / 1e6))
  checked, taken = [], set()
  for sent_name, data in files:
    name = safe_file_name(sent_name)
    if not name.lower().endswith(ALLOWED_SUFFIXES):
      raise UserError(
          '%s: only MIDI files (.mid, .midi) and NoteSequence TFRecords '
          '(.tfrecord) can be uploaded' % (safe_file_name(sent_name) or
                                           repr(sent_name)))
    if not data:
      raise UserError('%s is empty' % name)
    stem, suffix = os.path.splitext(name)
    count = 1
    while name.lower() in taken:
      count += 1
      name = '%s (%d)%s' % (stem, count, suffix)
    _check_readable(name, data)
    taken.add(name.lower())
    checked.append((name, data))
  return checked


def write_combined_tfrecord(songs_dir, path):
  """Writes every song under `songs_dir` (its MIDI files and TFRecords) as one
  NoteSequence TFRecord at `path`."""
  # pylint: disable=g-import-not-at-top
  from midime import tf_setup  # noqa: F401
  import tensorflow as tf
  from midime import note_sequence_io
  # pylint: enable=g-import-not-at-top
  names = sorted(os.listdir(songs_dir))
  paths = [os.path.join(songs_dir, name) for name in names
           if name.lower().endswith(TFRECORD_SUFFIX)]
  if any(name.lower().endswith(MIDI_SUFFIXES) for name in names):
    paths.insert(0, songs_dir)
  with tf.io.TFRecordWriter(path) as writer:
    for songs_path in paths:
      for name, sequence in note_sequence_io.read_note_sequences(songs_path):
        sequence.filename = sequence.filename or name
        writer.write(sequence.SerializeToString())

"""Writing a set of output files all or none: a failed or interrupted run leaves
no partial files (and no folder it created) behind.

Files are written as `<name>.<pid>.partial` and renamed once all are complete. A
kill -9 gives no chance to clean up, so the next write into the folder removes
the partial files of processes that are no longer running."""

import glob
import os
import re
import time

PARTIAL_SUFFIX = '.partial'
_PARTIAL_PATTERN = re.compile(r'\.(\d+)' + re.escape(PARTIAL_SUFFIX) + '$')


def pid_alive(pid):
  """Whether process `pid` is running: whether its temporary files are in
  use."""
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except OSError:
    return True  # someone else's process
  return True


def remove_stale_partials(output_dir):
  """Removes the `.partial` files in `output_dir` left by processes no longer
  running; returns how many."""
  removed = 0
  for path in glob.glob(
      os.path.join(glob.escape(output_dir), '*' + PARTIAL_SUFFIX)):
    match = _PARTIAL_PATTERN.search(path)
    # Unnumbered ones come from before the pid was in the name: nobody owns
    # them.
    if match is None or not pid_alive(int(match.group(1))):
      try:
        os.remove(path)
        removed += 1
      except OSError:
        pass
  return removed


def _missing_folders(path):
  """The folders that creating `path` would create, deepest first."""
  missing = []
  path = os.path.abspath(path)
  while not os.path.exists(path):
    missing.append(path)
    parent = os.path.dirname(path)
    if parent == path:
      break
    path = parent
  return missing


def write_all_or_none(output_dir, writers):
  """Writes each `(file name, write(path))` of `writers` into `output_dir`
  (created when missing) under a temporary name, and renames them all once every
  one is complete. On any failure the temporary files go, and so do the folders
  this call created (`output_dir` and any missing parents) that are left empty.
  Returns the final paths, in order."""
  created = not os.path.isdir(output_dir)
  new_folders = _missing_folders(output_dir)
  os.makedirs(output_dir, exist_ok=True)
  if not created:
    remove_stale_partials(output_dir)
  partial_suffix = '.%d%s' % (os.getpid(), PARTIAL_SUFFIX)
  temp_paths, final_paths = [], []
  try:
    for name, write in writers:
      final_path = os.path.join(output_dir, name)
      temp_paths.append(final_path + partial_suffix)
      write(temp_paths[-1])
      final_paths.append(final_path)
  except BaseException:
    for temp_path in temp_paths:
      if os.path.exists(temp_path):
        os.remove(temp_path)
    for folder in new_folders:
      if os.listdir(folder):
        break
      os.rmdir(folder)
    raise
  for temp_path, final_path in zip(temp_paths, final_paths):
    os.replace(temp_path, final_path)
  return final_paths


def midi_file_writers(sequences, name_prefix):
  """(file name, write(path)) of each NoteSequence as
  `<name_prefix>-<i>-of-<n>.mid`, for write_all_or_none."""
  count = len(sequences)

  def writer(sequence):

    def write(path):
      # Not note_seq.sequence_proto_to_midi_file: it leaves its file unclosed,
      # so a full disk goes unnoticed (0-byte files, exit 0). Closing our own
      # file object raises the error. Imported here: the other writers need no
      # note-seq.
      import note_seq  # pylint: disable=g-import-not-at-top
      import pretty_midi  # pylint: disable=g-import-not-at-top
      midi = note_seq.note_sequence_to_pretty_midi(sequence)
      # note-seq writes no chord symbols to MIDI: they go in as text events,
      # which MIDI editors show and pretty_midi reads back (`text_events`).
      for annotation in sequence.text_annotations:
        if (annotation.annotation_type ==
            note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL):
          midi.text_events.append(
              pretty_midi.Text(annotation.text, annotation.time))
      with open(path, 'wb') as midi_file:
        midi.write(midi_file)

    return write

  return [('%s-%03d-of-%03d.mid' % (name_prefix, index, count),
           writer(sequence)) for index, sequence in enumerate(sequences)]


def write_midi_files(sequences, output_dir, name_prefix):
  """Writes each NoteSequence as `<name_prefix>-<i>-of-<n>.mid` in `output_dir`,
  all or none (write_all_or_none). Returns the paths written."""
  return write_all_or_none(output_dir,
                           midi_file_writers(sequences, name_prefix))


def timestamped_prefix(config_name):
  """The original's file names: `<config>_<YYYY-mm-dd_HHMMSS>`."""
  return '%s_%s' % (config_name, time.strftime('%Y-%m-%d_%H%M%S'))

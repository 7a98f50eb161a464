"""Reading the user's songs: a NoteSequence TFRecord (what magenta's
`convert_dir_to_note_sequences` writes), one MIDI file, or a folder of MIDI
files."""

import os

from absl import logging
# First: it quiets note-seq's import warnings.
from midime import tf_setup  # noqa: F401
import note_seq
import pretty_midi
import tensorflow as tf
from google.protobuf import message

from midime.errors import UserError

MIDI_SUFFIXES = ('.mid', '.midi')
MIDI_MAGIC = b'MThd'


def _is_midi(path):
  if path.lower().endswith(MIDI_SUFFIXES):
    return True
  with open(path, 'rb') as midi_file:
    return midi_file.read(4) == MIDI_MAGIC


def _read_midi(path):
  try:
    midi = pretty_midi.PrettyMIDI(path)
    sequence = note_seq.midi_to_note_sequence(midi)
  # Pretty_midi/mido raise many types for a bad file.
  except Exception as error:
    raise UserError('cannot read MIDI file %s: %s' %
                    (path, str(error).splitlines()[0]
                     if str(error) else type(error).__name__)) from None
  _add_chord_symbols(sequence, midi.text_events)
  return sequence


def _add_chord_symbols(sequence, text_events):
  """The MIDI text events that name chords ('C', 'Am7', 'N.C.'; how midime
  and many editors write chord symbols) as the NoteSequence's CHORD_SYMBOL
  annotations, which note-seq's MIDI reader leaves out."""
  for event in text_events:
    text = event.text.strip()
    if text != note_seq.NO_CHORD:
      try:
        note_seq.chord_symbols_lib.chord_symbol_pitches(text)
      except note_seq.ChordSymbolError:
        continue
    sequence.text_annotations.add(
        time=event.time, text=text,
        annotation_type=note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL)


def _read_tfrecord(path):
  named_sequences = []
  try:
    for index, record in enumerate(tf.data.TFRecordDataset(path)):
      sequence = note_seq.NoteSequence.FromString(record.numpy())
      name = sequence.filename or sequence.id or 'record %d' % index
      named_sequences.append((name, sequence))
  except tf.errors.OpError as error:
    raise UserError('%s is not a NoteSequence TFRecord or a MIDI file (%s)' %
                    (path, error.message.splitlines()[0])) from None
  except message.DecodeError:
    raise UserError('%s holds a record that is not a NoteSequence' %
                    path) from None
  return named_sequences


def read_note_sequences(path):
  """Reads `path` into a list of (name, NoteSequence).

  Raises:
    UserError: if `path` is missing, empty, unreadable, or holds no
      NoteSequence.
  """
  if not path:
    raise UserError('no examples given: pass {examples_path}')
  path = os.path.expanduser(path)
  if os.path.isdir(path):
    midi_paths = sorted(
        os.path.join(folder, name)
        for folder, _, names in os.walk(path)
        for name in names
        if name.lower().endswith(MIDI_SUFFIXES))
    if not midi_paths:
      raise UserError('no MIDI files (%s) in folder %s' %
                      (', '.join(MIDI_SUFFIXES), path))
    named_sequences, unreadable = [], []
    for midi_path in midi_paths:
      try:
        named_sequences.append((os.path.relpath(midi_path,
                                                path), _read_midi(midi_path)))
      except UserError as error:
        unreadable.append(str(error))
    for problem in unreadable:
      logging.warning('skipped: %s', problem)
    if not named_sequences:
      raise UserError('none of the %d MIDI files in %s could be read' %
                      (len(midi_paths), path))
    return named_sequences
  if not os.path.exists(path):
    raise UserError('examples not found: %s' % path)
  if os.path.getsize(path) == 0:
    raise UserError('examples file %s is empty' % path)
  if _is_midi(path):
    return [(os.path.basename(path), _read_midi(path))]
  named_sequences = _read_tfrecord(path)
  if not named_sequences:
    raise UserError('%s holds no NoteSequences' % path)
  return named_sequences


def read_songs(paths):
  """(name, NoteSequence) of every song in `paths`, comma-separated paths of
  MIDI files, NoteSequence TFRecords or folders."""
  songs = []
  for path in [p for p in paths.split(',') if p.strip()]:
    songs.extend(read_note_sequences(path.strip()))
  return songs

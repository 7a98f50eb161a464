"""Which tracks of a song to train on: its tune (default), every track, or the
ones the user names (`midime-train --tracks`).

A "track" is a NoteSequence instrument (note_seq numbers a MIDI file's tracks
from 0 and keeps their names in `instrument_infos`). magenta's melody converter
takes a melody from every track, so a four-part hymn would give four melodies,
three of them inner voices no listener hums. This module only filters notes; the
converter still does the rest (its programs, its top line of a polyphonic
track).
"""

import collections

from midime.errors import UserError

TUNE = 'tune'
ALL = 'all'
PROGRAM_PREFIX = 'program:'
# A track counts as a candidate for the tune when it has at least this share of
# the busiest track's onsets: a few notes of a descant or a stray fill are not
# the tune.
TUNE_MIN_ONSET_SHARE = 0.25


class TrackSelector(collections.namedtuple('TrackSelector', ['kind', 'value'])):
  """One item of --tracks: kind 'index' (int), 'program' (int) or 'name'
  (str)."""

  def __str__(self):
    if self.kind == 'program':
      return PROGRAM_PREFIX + str(self.value)
    return str(self.value)


class Track(
    collections.namedtuple('Track', [
        'instrument', 'name', 'programs', 'is_drum', 'onsets', 'mean_top_pitch'
    ])):
  """One instrument of a NoteSequence: its number, name ('' when none), the
  General MIDI programs of its notes, whether it is drums, its number of
  distinct onsets, and the mean pitch of its top line (the highest note at each
  onset)."""

  @property
  def label(self):
    """How the report names the track: its name, else `track N (program P)`."""
    if self.name:
      return self.name
    if self.is_drum:
      return 'track %d (drums)' % self.instrument
    return 'track %d (program %s)' % (self.instrument, '/'.join(
        str(p) for p in sorted(self.programs)))


def parse_track_choice(value):
  """--tracks as 'tune', 'all' or a list of TrackSelectors.

  Items are comma-separated: a whole number is a track index (from 0, as
  note_seq numbers a MIDI file's tracks), `program:N` a General MIDI program
  (0-127, magenta's numbering), anything else a track name (case-insensitive).

  Raises:
    UserError: with the reason, for an empty item or a program out of range.
  """
  value = (value or TUNE).strip()
  if value.lower() in (TUNE, ALL):
    return value.lower()
  selectors = []
  for item in value.split(','):
    item = item.strip()
    if not item:
      raise UserError('{tracks} has an empty item in %r' % value)
    if item.lower().startswith(PROGRAM_PREFIX):
      number = item[len(PROGRAM_PREFIX):].strip()
      if not number.isdigit() or not 0 <= int(number) <= 127:
        raise UserError(
            '{tracks}: %r is not a General MIDI program (program:0 to '
            'program:127)' % item)
      selectors.append(TrackSelector('program', int(number)))
    elif item.isdigit():
      selectors.append(TrackSelector('index', int(item)))
    else:
      selectors.append(TrackSelector('name', item.lower()))
  return selectors


def tracks_of(sequence):
  """The tracks of `sequence` that have notes, by instrument number."""
  names = {
      info.instrument: info.name.strip() for info in sequence.instrument_infos
  }
  notes_by_track = collections.defaultdict(list)
  for note in sequence.notes:
    notes_by_track[note.instrument].append(note)
  tracks = []
  for instrument in sorted(notes_by_track):
    notes = notes_by_track[instrument]
    top_pitch_at = {}
    for note in notes:
      top_pitch_at[note.start_time] = max(top_pitch_at.get(note.start_time, 0),
                                          note.pitch)
    tracks.append(
        Track(instrument=instrument, name=names.get(instrument, ''),
              programs=frozenset(note.program for note in notes),
              is_drum=all(note.is_drum for note in notes),
              onsets=len(top_pitch_at),
              mean_top_pitch=sum(top_pitch_at.values()) / len(top_pitch_at)))
  return tracks


def matches(track, selector):
  """Whether `track` is the one `selector` names."""
  if selector.kind == 'index':
    return track.instrument == selector.value
  if selector.kind == 'program':
    return not track.is_drum and selector.value in track.programs
  return track.name.lower() == selector.value


def choose_tune(tracks, valid_programs=None):
  """The track a listener hears as the tune, or None when there is no choice to
  make (at most one melodic track).

  The tune is the highest melodic track, by the mean pitch of its top line,
  among the tracks with at least TUNE_MIN_ONSET_SHARE of the busiest one's
  onsets. In hymns, chorales, string quartets and most song arrangements the
  melody is the top voice. We take one whole track rather than the skyline
  across tracks because the skyline jumps into an inner voice whenever the tune
  rests or a voice crosses above it, making a line nobody played. A polyphonic
  piano track still gives its top line (the converter takes it).
  """
  melodic = [
      t for t in tracks if not t.is_drum and
      (valid_programs is None or t.programs & frozenset(valid_programs))
  ]
  if len(melodic) <= 1:
    return None
  busiest = max(t.onsets for t in melodic)
  candidates = [
      t for t in melodic if t.onsets >= TUNE_MIN_ONSET_SHARE * busiest
  ]
  return max(candidates, key=lambda t:
             (t.mean_top_pitch, t.onsets, -t.instrument))


def select(sequence, choice, valid_programs=None):
  """Keeps the chosen tracks' notes of `sequence` (edited in place).

  Args:
    sequence: a NoteSequence (a copy the caller owns).
    choice: 'tune', 'all' or a list of TrackSelectors (parse_track_choice).
    valid_programs: the programs the converter reads; the tune is chosen among
      them.
  Returns:
    The Tracks kept (all the tracks with notes when nothing was filtered).
  """
  tracks = tracks_of(sequence)
  if choice == ALL:
    return tracks
  if choice == TUNE:
    tune = choose_tune(tracks, valid_programs)
    kept = tracks if tune is None else [tune]
  else:
    kept = [t for t in tracks if any(matches(t, s) for s in choice)]
  kept_instruments = {t.instrument for t in kept}
  if len(kept) < len(tracks):
    notes = [n for n in sequence.notes if n.instrument in kept_instruments]
    del sequence.notes[:]
    sequence.notes.extend(notes)
  return kept


def describe_tracks(tracks):
  """The tracks as the report lists them: 'Soprano, Alto, track 3 (program
  0)'."""
  return ', '.join(t.label for t in tracks) if tracks else '-'


def unmatched_selectors(named_sequences, choice):
  """The selectors of `choice` that no song has, and a description of the tracks
  the songs do have (names, indexes, programs), for the error message."""
  if choice in (TUNE, ALL):
    return [], ''
  all_tracks = [
      t for _, sequence in named_sequences for t in tracks_of(sequence)
  ]
  missing = [s for s in choice if not any(matches(t, s) for t in all_tracks)]
  names = sorted({t.name for t in all_tracks if t.name}, key=str.lower)
  indexes = sorted({t.instrument for t in all_tracks})
  programs = sorted(
      {p for t in all_tracks if not t.is_drum for p in t.programs})
  have = 'the songs have track names: %s; indexes: %s; programs: %s' % (
      ', '.join(names) or '(none)', ', '.join(str(i) for i in indexes) or
      '(none)', ', '.join(str(p) for p in programs) or '(none)')
  return missing, have

"""midime.tracks: reading --tracks, listing a song's tracks, and keeping the
tune, every track or the named ones of a multi-track NoteSequence."""

from midime import tf_setup  # noqa: F401  (first: quiets note-seq's warnings)
import note_seq
import pytest
from midime import tracks
from midime.errors import UserError

# instrument -> (name, program, is_drum, [(start step, [pitches sounding])]).
# A four-part arrangement: the soprano carries the tune; the alto plays a chord
# once (one onset, two notes); a one-note descant sits above them all; the bass
# track has no name; the drums are the highest "pitches" but no tune.
_TRACKS_SPEC = {
    0: ('Soprano', 0, False, [(step, [72 + step % 5]) for step in range(8)]),
    1: ('Alto', 0, False,
        [(0, [64, 67])] + [(step, [62 + step % 3]) for step in range(1, 8)]),
    2: ('', 33, False, [(step, [40 + step]) for step in range(0, 8, 2)]),
    4: ('Descant', 0, False, [(3, [96])]),
    9: ('Kit', 0, True, [(step, [98]) for step in range(8)]),
}

_TRACKS_STEP_SECONDS = 0.25


def _tracks_song(spec=None):
  """A NoteSequence holding the tracks of `spec` (default _TRACKS_SPEC)."""
  spec = _TRACKS_SPEC if spec is None else spec
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  for instrument, (name, program, is_drum, onsets) in sorted(spec.items()):
    if name:
      sequence.instrument_infos.add(instrument=instrument, name=name)
    for step, pitches in onsets:
      for pitch in pitches:
        sequence.notes.add(instrument=instrument, program=program,
                           is_drum=is_drum, pitch=pitch, velocity=80,
                           start_time=step * _TRACKS_STEP_SECONDS,
                           end_time=(step + 1) * _TRACKS_STEP_SECONDS)
  sequence.total_time = max(n.end_time for n in sequence.notes)
  return sequence


def _tracks_notes_by_instrument(sequence):
  found = {}
  for note in sequence.notes:
    found.setdefault(note.instrument, []).append((note.pitch, note.start_time))
  return found


@pytest.mark.parametrize('value, expected', [(None, 'tune'), ('', 'tune'),
                                             ('tune', 'tune'),
                                             (' Tune ', 'tune'), ('all', 'all'),
                                             ('ALL', 'all')])
def test_parse_track_choice_reads_tune_and_all_in_any_case(value, expected):
  assert tracks.parse_track_choice(value) == expected


def test_parse_track_choice_reads_indexes_programs_and_names():
  choice = tracks.parse_track_choice(' 0, Program:33 ,Soprano,program:0,12')
  assert choice == [
      tracks.TrackSelector('index', 0),
      tracks.TrackSelector('program', 33),
      tracks.TrackSelector('name', 'soprano'),
      tracks.TrackSelector('program', 0),
      tracks.TrackSelector('index', 12)
  ]


def test_track_selectors_print_as_they_are_typed():
  choice = tracks.parse_track_choice('3,program:127,violin I')
  assert [str(s) for s in choice] == ['3', 'program:127', 'violin i']
  assert tracks.parse_track_choice(','.join(str(s) for s in choice)) == choice


@pytest.mark.parametrize('value', ['0,,1', 'soprano,', ' , '])
def test_parse_track_choice_rejects_an_empty_item(value):
  with pytest.raises(UserError) as raised:
    tracks.parse_track_choice(value)
  assert raised.value.for_command_line(
  ) == '--tracks has an empty item in %r' % value.strip()


@pytest.mark.parametrize(
    'item',
    ['program:128', 'program:-1', 'program:x', 'program:', 'PROGRAM:1.5'])
def test_parse_track_choice_rejects_a_program_outside_general_midi(item):
  with pytest.raises(UserError) as raised:
    tracks.parse_track_choice('alto,' + item)
  message = raised.value.for_command_line()
  assert message == ('--tracks: %r is not a General MIDI program (program:0 to '
                     'program:127)' % item)
  assert '\n' not in message


def test_tracks_of_lists_each_track_with_notes_and_what_it_holds():
  found = tracks.tracks_of(_tracks_song())
  assert [t.instrument for t in found] == sorted(_TRACKS_SPEC)
  for track in found:
    name, program, is_drum, onsets = _TRACKS_SPEC[track.instrument]
    assert track.name == name
    assert track.programs == frozenset([program])
    assert track.is_drum == is_drum
    assert track.onsets == len(onsets)
    assert track.mean_top_pitch == pytest.approx(
        sum(max(pitches) for _, pitches in onsets) / len(onsets))


def test_tracks_of_skips_instruments_without_notes():
  sequence = _tracks_song({1: _TRACKS_SPEC[1]})
  sequence.instrument_infos.add(instrument=7, name='Silent horn')
  assert [t.instrument for t in tracks.tracks_of(sequence)] == [1]


def test_a_track_is_labelled_by_its_name_else_its_number_and_program():
  labels = {t.instrument: t.label for t in tracks.tracks_of(_tracks_song())}
  assert labels[0] == 'Soprano'
  assert labels[2] == 'track 2 (program 33)'
  unnamed_drums = tracks.Track(9, '', frozenset([0]), True, 8, 98.0)
  assert unnamed_drums.label == 'track 9 (drums)'
  two_programs = tracks.Track(3, '', frozenset([41, 40]), False, 4, 60.0)
  assert two_programs.label == 'track 3 (program 40/41)'


def test_select_all_keeps_every_note():
  sequence = _tracks_song()
  kept = tracks.select(sequence, tracks.ALL)
  assert [t.instrument for t in kept] == sorted(_TRACKS_SPEC)
  assert sequence == _tracks_song()


def test_select_tune_keeps_the_highest_busy_melodic_track():
  sequence = _tracks_song()
  kept = tracks.select(sequence, tracks.TUNE)
  # Not the drums (highest pitches), not the one-note descant (too few onsets
  # beside the busiest track): the soprano.
  assert [t.name for t in kept] == ['Soprano']
  assert _tracks_notes_by_instrument(sequence) == {
      0: _tracks_notes_by_instrument(_tracks_song())[0]
  }


def test_select_tune_takes_a_descant_once_it_is_busy_enough():
  spec = dict(_TRACKS_SPEC)
  busiest = max(
      len(onsets) for _, _, is_drum, onsets in spec.values() if not is_drum)
  needed = -(-busiest * tracks.TUNE_MIN_ONSET_SHARE // 1)  # ceiling
  spec[4] = ('Descant', 0, False, [(step, [96]) for step in range(int(needed))])
  kept = tracks.select(_tracks_song(spec), tracks.TUNE)
  assert [t.name for t in kept] == ['Descant']


def test_select_tune_chooses_among_the_programs_the_converter_reads():
  sequence = _tracks_song()
  kept = tracks.select(sequence, tracks.TUNE, valid_programs=range(32, 40))
  # The bass alone reads as melodic: no choice to make, every track is kept.
  assert [t.instrument for t in kept] == sorted(_TRACKS_SPEC)
  assert len(sequence.notes) == len(_tracks_song().notes)


def test_select_tune_of_a_single_melody_keeps_it_and_its_drums():
  sequence = _tracks_song({0: _TRACKS_SPEC[0], 9: _TRACKS_SPEC[9]})
  kept = tracks.select(sequence, tracks.TUNE)
  assert [t.instrument for t in kept] == [0, 9]


def test_select_named_tracks_keeps_only_their_notes():
  sequence = _tracks_song()
  kept = tracks.select(sequence, tracks.parse_track_choice('ALTO,program:33,9'))
  assert [t.instrument for t in kept] == [1, 2, 9]
  everything = _tracks_notes_by_instrument(_tracks_song())
  assert _tracks_notes_by_instrument(sequence) == {
      instrument: everything[instrument] for instrument in (1, 2, 9)
  }


def test_a_program_selector_never_picks_the_drums():
  # The drums play program 0 too, as the soprano, alto and descant do.
  kept = tracks.select(_tracks_song(), tracks.parse_track_choice('program:0'))
  assert [t.instrument for t in kept] == [0, 1, 4]


def test_describe_tracks_lists_labels_or_a_dash():
  found = tracks.tracks_of(_tracks_song())
  assert tracks.describe_tracks(found) == ', '.join(t.label for t in found)
  assert tracks.describe_tracks(found[:2]) == 'Soprano, Alto'
  assert tracks.describe_tracks([]) == '-'


def test_unmatched_selectors_name_the_missing_ones_and_what_the_songs_have():
  songs = [('a', _tracks_song({0: _TRACKS_SPEC[0]})),
           ('b', _tracks_song({
               2: _TRACKS_SPEC[2],
               9: _TRACKS_SPEC[9]
           }))]
  choice = tracks.parse_track_choice('soprano,tenor,program:33,program:5,7')
  missing, have = tracks.unmatched_selectors(songs, choice)
  assert [str(s) for s in missing] == ['tenor', 'program:5', '7']
  assert have == ('the songs have track names: Kit, Soprano; indexes: 0, 2, 9; '
                  'programs: 0, 33')


@pytest.mark.parametrize('choice', [tracks.TUNE, tracks.ALL])
def test_tune_and_all_leave_nothing_unmatched(choice):
  assert tracks.unmatched_selectors([('a', _tracks_song())], choice) == ([], '')


@pytest.mark.parametrize('value, message',
                         [('program:200', 'not a General MIDI program'),
                          ('Soprano,,Alto', 'empty item')])
def test_bad_track_lists_are_refused(value, message):
  with pytest.raises(UserError, match=message):
    tracks.parse_track_choice(value)

"""windows.py: the windows of every family, cut from songs as people have them
(any meter, the tune of a multi-track file, whole songs, windows any number of
bars apart, every transposition), and the per-song report of why songs were
dropped."""

import copy

import numpy as np
import pytest

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from magenta.models.music_vae import configs as vae_configs
from midime import chords
from midime import configs
from midime import windows
from midime.errors import UserError
from tests import testing_lib


def _config():
  # Transposing, as the MusicVAE's augmenter (SmallMusicVAE's default is the
  # songs' own keys): these tests cover every transposition.
  return configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')


def _extract(songs, **kwargs):
  config = _config()
  return windows.extract_windows(songs, config.data_converter,
                                 config.note_sequence_augmenter, **kwargs)


def _events(slices, selected):
  return {tuple(np.argmax(one, -1)) for one in slices.outputs[selected]}


def test_takes_every_two_bar_slice_at_every_transposition():
  config = _config()
  songs = [('a', testing_lib.random_melody(1, bars=8)),
           ('b', testing_lib.random_melody(2))]
  slices, report = windows.extract_windows(songs, config.data_converter,
                                           config.note_sequence_augmenter)
  # A melody of B bars has B - 1 overlapping two-bar windows (one-bar hop);
  # magenta's training mode would keep at most 5 random ones of the 7.
  assert report.windows_per_sequence == [7, 3]
  assert report.transpositions == list(range(-5, 6))
  assert len(slices) == (7 + 3) * 11
  assert slices.inputs.shape == (110, 32, 90)
  assert set(slices.transpose) == set(range(-5, 6))
  assert np.all(slices.lengths == 32)
  assert np.array_equal(slices.inputs, slices.outputs)

  # Transposing shifts note-on events (index pitch - 21 + 2; 0 and 1 are
  # no-event and note-off). The converter dedupes slices through a set, so
  # compare as sets.
  def events(selected):
    return {tuple(np.argmax(one, -1)) for one in slices.inputs[selected]}

  untransposed = events((slices.source_index == 1) & (slices.transpose == 0))
  up_two = events((slices.source_index == 1) & (slices.transpose == 2))
  assert up_two == {
      tuple(e + 2 if e >= 2 else e for e in one) for one in untransposed
  }
  # Config untouched.
  assert config.data_converter.max_tensors_per_notesequence == 5


def test_reports_why_songs_give_no_slices():
  config = _config()
  empty = testing_lib.random_melody(3)
  del empty.notes[:]
  songs = [
      ('good', testing_lib.random_melody(1)),
      ('waltz', testing_lib.random_melody(2, numerator=3, denominator=4)),
      ('drums', testing_lib.random_melody(3, is_drum=True)),
      ('silence', empty),
      ('organ', testing_lib.random_melody(4, program=40)),
      ('short', testing_lib.random_melody(5, bars=1)),
  ]
  _, report = windows.extract_windows(songs, config.data_converter,
                                      config.note_sequence_augmenter,
                                      meter='strict')
  assert report.dropped == {
      'waltz':
          '3/4 time: bars of 12 steps, the config needs 16-step bars (4/4, '
          '2/2); --meter=rebar reads it as 16-step bars',
      'drums': 'drums only',
      'silence': 'no notes',
      'organ':
          'no melody instrument (General MIDI programs 0-31; name a track with '
          '--tracks to read it anyway)',
      'short':
          'shorter than one window: 16 steps, the model reads 2-bar windows '
          '(32 steps)',
  }
  summary = report.summary()
  assert '1 of 6 NoteSequences gave 3 two-bar windows' in summary
  assert 'dropped 1 (drums only): drums' in summary


def test_no_slice_at_all_is_a_user_error_with_the_reasons():
  config = _config()
  with pytest.raises(
      UserError,
      match=r'no two-bar melodies .*: dropped 1 \(drums only\): drums$'):
    windows.extract_windows(
        [('drums', testing_lib.random_melody(3, is_drum=True))],
        config.data_converter, config.note_sequence_augmenter)


@pytest.mark.parametrize(
    'numerator, denominator, windows',
    [
        # 8 bars of the meter, read as 16-step bars: ceil(steps / 16) bars, one
        # window fewer (two-bar windows one bar apart).
        (3, 4, 5),
        (6, 8, 5),
        (3, 8, 2),
        (2, 4, 3),
        (12, 8, 11),
        (5, 4, 9)
    ])
def test_every_meter_gives_windows_read_as_16_step_bars(numerator, denominator,
                                                        windows):
  song = testing_lib.random_melody(7, bars=8, numerator=numerator,
                                   denominator=denominator)
  slices, report = _extract([('tune', song)])
  assert report.windows_per_sequence == [windows]
  assert not report.dropped
  (song_report,) = report.songs
  assert song_report.meters == ['%d/%d' % (numerator, denominator)]
  assert song_report.rebarred
  assert 're-barred 1 (%d/%d) into 16-step bars: tune' % (
      numerator, denominator) in report.summary()
  # The windows are the song's steps as they come, whatever its bar lines: the
  # same notes relabelled 4/4 give the same windows.
  as_four_four = copy.deepcopy(song)
  as_four_four.time_signatures[0].numerator = 4
  as_four_four.time_signatures[0].denominator = 4
  relabelled, _ = _extract([('tune', as_four_four)])
  assert _events(slices,
                 slices.transpose == 0) == _events(relabelled,
                                                   relabelled.transpose == 0)
  # magenta's behaviour on request: the song gives nothing, and the report says
  # why.
  with pytest.raises(
      UserError, match=r'%d/%d time: bars of \d+ steps.*--meter=rebar' %
      (numerator, denominator)):
    _extract([('tune', song)], meter='strict')


def test_a_meter_change_is_read_through_or_split_as_magenta_does():
  song = testing_lib.random_melody(3, bars=8)  # 4/4, 128 steps
  song.time_signatures.add(time=4 * 16 * testing_lib.SECONDS_PER_STEP,
                           numerator=3, denominator=4)
  _, report = _extract([('changes', song)])
  assert report.windows_per_sequence == [7]
  assert report.songs[0].meters == ['4/4', '3/4'] and report.songs[0].rebarred
  # strict: magenta splits at the change and keeps only the 4/4 part (4 bars).
  _, strict = _extract([('changes', song)], meter='strict')
  assert strict.windows_per_sequence == [3]
  assert not strict.songs[0].rebarred


def test_four_four_and_two_two_songs_are_not_rebarred():
  _, report = _extract([('common', testing_lib.random_melody(1)),
                        ('cut',
                         testing_lib.random_melody(2, numerator=2,
                                                   denominator=2))])
  assert report.windows_per_sequence == [3, 3]
  assert not any(song.rebarred for song in report.songs)
  assert 're-barred' not in report.summary()


def test_a_bad_meter_value_is_a_user_error():
  with pytest.raises(UserError,
                     match=r"^meter must be one of rebar, strict, got 'loose'"):
    _extract([('a', testing_lib.random_melody(1))], meter='loose')


def test_a_four_part_piece_gives_its_top_voice_as_the_tune():
  hymn = testing_lib.hymn()
  soprano = testing_lib.voice(10, 67, 79, 0, 0)
  slices, report = _extract([('hymn', hymn)])
  alone, _ = _extract([('soprano', soprano)])
  assert report.windows_per_sequence == [7]
  assert report.songs[0].tracks == 'tune: Soprano'
  assert (_events(slices, slices.transpose == 0) ==
          _events(alone, alone.transpose == 0))
  assert ('took the tune of 1 multi-track songs: hymn (Soprano)' in
          report.summary())


def test_the_tune_needs_enough_notes_to_be_the_tune():
  hymn = testing_lib.hymn()
  # A descant of two high notes is not the tune.
  hymn.notes.add(pitch=96, start_time=0, end_time=1, velocity=80, instrument=4)
  hymn.notes.add(pitch=98, start_time=1, end_time=2, velocity=80, instrument=4)
  _, report = _extract([('hymn', hymn)])
  assert report.songs[0].tracks == 'tune: Soprano'


@pytest.mark.parametrize('choice, windows, used', [
    ('all', 28, 'Soprano, Alto, Tenor, Bass'),
    ('alto', 7, 'Alto'),
    ('3', 7, 'Bass'),
    ('program:19', 7, 'Tenor'),
    ('Soprano,Bass', 14, 'Soprano, Bass'),
])
def test_tracks_can_be_all_or_named_by_name_index_or_program(
    choice, windows, used):
  _, report = _extract([('hymn', testing_lib.hymn())], tracks=choice)
  assert report.windows_per_sequence == [windows]
  assert report.songs[0].tracks == used


def test_a_track_no_song_has_is_a_user_error_listing_what_they_have():
  with pytest.raises(UserError) as error:
    _extract([('hymn', testing_lib.hymn()),
              ('tune', testing_lib.random_melody(1))],
             tracks='Descant,program:40')
  assert str(error.value) == (
      'no song has the track(s) descant, program:40; the songs have track '
      'names: Alto, Bass, Soprano, Tenor; indexes: 0, 1, 2, 3; programs: 0, 6, '
      '19, 24')


def test_a_named_track_missing_from_one_song_drops_that_song_with_the_reason():
  _, report = _extract([('hymn', testing_lib.hymn()),
                        ('tune', testing_lib.random_melody(1))], tracks='Alto')
  assert report.windows_per_sequence == [7, 0]
  assert report.dropped == {
      'tune': 'none of its tracks is alto (it has: track 0 (program 0))'
  }


def test_a_polyphonic_piano_track_gives_its_top_line():
  melody = testing_lib.random_melody(4, low=67, high=79)
  piano = copy.deepcopy(melody)
  # A chord under every melody note, in the same track.
  for note in melody.notes:
    for interval in (5, 9):
      piano.notes.add(pitch=note.pitch - interval, start_time=note.start_time,
                      end_time=note.end_time, velocity=60)
  slices, report = _extract([('piano', piano)])
  alone, _ = _extract([('melody', melody)])
  assert report.songs[0].tracks == 'track 0 (program 0)'
  assert _events(slices,
                 slices.transpose == 0) == _events(alone, alone.transpose == 0)


def test_whole_songs_past_magentas_100_bars():
  config = _config()
  song = testing_lib.random_melody(5, bars=120)
  _, report = _extract([('long', song)])
  assert report.windows_per_sequence == [119]
  converter = copy.deepcopy(config.data_converter)
  converter.max_tensors_per_notesequence = None
  # Magenta stops at bar 100.
  assert len(converter.to_tensors(song).inputs) == 99


@pytest.mark.parametrize('hop_bars, windows', [(None, 7), (1, 7), (2, 4),
                                               (3, 3)])
def test_windows_hop_bars_apart(hop_bars, windows):
  song = testing_lib.random_melody(6, bars=8)
  slices, report = _extract([('song', song)], hop_bars=hop_bars)
  assert report.windows_per_sequence == [windows]
  every, _ = _extract([('song', song)])
  assert _events(slices,
                 slices.transpose == 0) <= _events(every, every.transpose == 0)


def test_a_hop_below_one_bar_is_refused():
  with pytest.raises(UserError, match='at least 1 bar'):
    _extract([('song', testing_lib.random_melody(6))], hop_bars=0)


def _drum_pattern(numerator, denominator, bars=4):
  pattern = testing_lib.random_melody(8, bars=bars, numerator=numerator,
                                      denominator=denominator, is_drum=True,
                                      low=36, high=36)
  return pattern


def test_drum_configs_rebar_too_and_keep_every_drum_track():
  config = vae_configs.CONFIG_MAP['cat-drums_2bar_small']
  pattern = _drum_pattern(6, 8)  # 48 steps: 3 bars of 16
  slices, report = windows.extract_windows([('jig beat', pattern)],
                                           config.data_converter, None)
  assert report.windows_per_sequence == [2] and report.songs[0].rebarred
  assert slices.inputs.shape[1] == 32
  _, strict = windows.extract_windows([('jig beat', pattern),
                                       ('rock beat', _drum_pattern(4, 4))],
                                      config.data_converter, None,
                                      meter='strict')
  assert strict.windows_per_sequence == [0, 3]
  assert strict.dropped['jig beat'].startswith('6/8 time')


def _trio(numerator=4, denominator=4, bars=17):
  trio = testing_lib.random_melody(0, bars=bars, numerator=numerator,
                                   denominator=denominator)
  del trio.notes[:]
  parts = [(0, 72, 84, 0, False), (1, 60, 71, 0, False), (2, 36, 47, 33, False),
           (3, 36, 36, 0, True)]
  for instrument, low, high, program, is_drum in parts:
    part = testing_lib.random_melody(20 + instrument, bars=bars,
                                     numerator=numerator,
                                     denominator=denominator, low=low,
                                     high=high, program=program,
                                     is_drum=is_drum)
    for note in part.notes:
      note.instrument = instrument
    trio.notes.extend(part.notes)
  return trio


def test_trio_configs_keep_choosing_parts_by_program_and_rebar():
  config = vae_configs.CONFIG_MAP['hierdec-trio_16bar']
  # Two melody tracks: magenta pairs each with the bass and drums; the tune
  # choice must not filter them (17 bars: 2 sixteen-bar windows per pairing).
  _, report = windows.extract_windows([('band', _trio())],
                                      config.data_converter, None)
  assert report.windows_per_sequence == [4]
  # 20 bars: 5 windows per pairing, 2 bars apart: bars 0, 2 and 4 of each.
  _, hop = windows.extract_windows([('band', _trio(bars=20))],
                                   config.data_converter, None, hop_bars=2)
  assert hop.windows_per_sequence == [6]
  # 23 bars of 3/4 are 17.25 bars of 16: windows after re-barring.
  _, waltz = windows.extract_windows([('waltz', _trio(3, 4, bars=23))],
                                     config.data_converter, None)
  assert waltz.songs[0].rebarred and waltz.windows_per_sequence[0] > 0


def test_the_report_names_meter_tracks_windows_and_reasons(tmp_path):
  empty = testing_lib.random_melody(3)
  del empty.notes[:]
  high = testing_lib.random_melody(4, low=100, high=106)
  gappy = testing_lib.random_melody(9, bars=5)
  del gappy.notes[:]
  # One note in every other bar: a bar-long gap after each.
  for bar in (0, 2, 4):
    gappy.notes.add(pitch=60, velocity=80, start_time=bar * 2.0,
                    end_time=bar * 2.0 + 0.5)
  songs = [('waltz.mid',
            testing_lib.random_melody(2, numerator=3, denominator=4, bars=8)),
           ('hymn.mid', testing_lib.hymn()), ('high.mid', high),
           ('silence.mid', empty),
           ('short.mid', testing_lib.random_melody(5, bars=1)),
           ('gaps.mid', gappy)]
  _, report = _extract(songs)
  path = tmp_path / 'songs.tsv'
  report.write_tsv(str(path))
  rows = [line.split('\t') for line in path.read_text().splitlines()]
  assert rows[0] == list(windows.SONGS_REPORT_COLUMNS)
  by_name = {row[0]: row for row in rows[1:]}
  assert by_name['waltz.mid'][1:5] == [
      '3/4 (re-barred)', 'track 0 (program 0)', '5', '55'
  ]
  assert by_name['hymn.mid'][1:4] == ['4/4', 'tune: Soprano', '7']
  # 100-106 fit 21-108, but transposing up to +5 pushes some notes past 108.
  assert 'transposing -5..+5 pushes' in by_name['high.mid'][5]
  assert by_name['silence.mid'][3:] == ['0', '0', 'no notes']
  assert by_name['short.mid'][5] == (
      'shorter than one window: 16 steps, the model reads 2-bar windows (32 '
      'steps)'
  )
  assert by_name['gaps.mid'][
      5] == 'no 2-bar stretch of melody without a bar-long gap'


def test_out_of_range_notes_are_said_plainly():
  song = testing_lib.random_melody(2)
  song.notes.add(pitch=12, start_time=0, end_time=0.5, velocity=80)  # below A0
  _, report = _extract([('low', song)])
  assert report.songs[0].notes[0] == (
      "1 of %d notes outside the model's pitch range 21-108 left out" %
      len(song.notes))
  assert "left notes out of 1: low (1 of" in report.summary()
  all_low = testing_lib.random_melody(2, low=5, high=15)
  with pytest.raises(UserError,
                     match="every note is outside the model's pitch range"):
    _extract([('all low', all_low)])


def test_tempo_changes_that_leave_no_window_are_said_plainly():
  song = testing_lib.random_melody(2, bars=4)
  # A new tempo every bar: magenta quantizes each bar alone.
  for bar in range(1, 4):
    song.tempos.add(time=bar * 16 * testing_lib.SECONDS_PER_STEP, qpm=120 + bar)
  with pytest.raises(
      UserError, match='its 3 tempo or meter changes cut it into pieces '
      'shorter than one window: at most 16 steps'):
    _extract([('rubato', song)])


def test_a_named_track_is_read_whatever_its_instrument():
  # Outside magenta's melody programs.
  violin = testing_lib.random_melody(3, program=40)
  with pytest.raises(
      UserError, match=r'no melody instrument \(General MIDI programs '
      r'0-31; name a track with --tracks to read it anyway\)'):
    _extract([('fiddle', violin)])
  _, report = _extract([('fiddle', violin)], tracks='program:40')
  assert report.windows_per_sequence == [3]
  assert report.songs[0].tracks == 'track 0 (program 40)'


def test_our_windows_are_magentas_for_the_songs_magenta_reads():
  config = _config()
  converter = copy.deepcopy(config.data_converter)
  converter.max_tensors_per_notesequence = None
  hymn = testing_lib.hymn(bars=12)
  gappy = testing_lib.random_melody(4, bars=10)
  del gappy.notes[20:30]  # a gap: magenta extracts two melodies
  for song in (hymn, gappy, testing_lib.random_melody(5, bars=6)):
    slices, _ = _extract([('song', song)], tracks='all')
    theirs = {
        tuple(np.argmax(one, -1))
        for one in converter.to_tensors(copy.deepcopy(song)).outputs
    }
    assert _events(slices, slices.transpose == 0) == theirs


# --- Windows in song order ---------------------------------------------------


def _with_repeat(seed=0):
  """An 8-bar melody whose bars 4-5 repeat bars 0-1 note for note."""
  song = testing_lib.random_melody(seed, bars=8, name='repeat')
  seconds_per_bar = 16 * testing_lib.SECONDS_PER_STEP
  for note in list(song.notes):
    if 4 * seconds_per_bar <= note.start_time < 6 * seconds_per_bar:
      song.notes.remove(note)
  for note in list(song.notes):
    if note.start_time < 2 * seconds_per_bar:
      copied = song.notes.add()
      copied.CopyFrom(note)
      copied.start_time += 4 * seconds_per_bar
      copied.end_time += 4 * seconds_per_bar
  return song


def test_song_order_cuts_consecutive_windows_and_keeps_repeats():
  config = configs.get_config('ae-cat-mel_2bar_big')
  found, places = windows.windows_in_song_order([('repeat', _with_repeat())],
                                                config)
  assert places == [4]
  assert found.position.tolist() == [0, 1, 2, 3]
  assert found.transpose.tolist() == [0, 0, 0, 0]
  np.testing.assert_array_equal(found.outputs[0], found.outputs[2])
  assert not np.array_equal(found.outputs[0], found.outputs[1])


def test_song_order_windows_are_the_songs_bars_in_order():
  config = configs.get_config('ae-cat-mel_2bar_big')
  song = testing_lib.random_melody(3, bars=4)
  found, _ = windows.windows_in_song_order([('song', song)], config)
  decoded = found.note_sequences(config.data_converter)
  seconds_per_window = 32 * testing_lib.SECONDS_PER_STEP
  for place, window in enumerate(decoded):
    expected = sorted((n.pitch, round(n.start_time - place * seconds_per_window,
                                      3))
                      for n in song.notes
                      if place * seconds_per_window <= n.start_time <
                      (place + 1) * seconds_per_window)
    assert sorted((n.pitch, round(n.start_time, 3))
                  for n in window.notes) == expected


def test_a_silent_stretch_is_a_hole_in_song_order():
  config = configs.get_config('ae-cat-mel_2bar_big')
  song = testing_lib.random_melody(1, bars=6)
  seconds_per_bar = 16 * testing_lib.SECONDS_PER_STEP
  for note in list(song.notes):
    if 2 * seconds_per_bar <= note.start_time < 4 * seconds_per_bar:
      song.notes.remove(note)
  found, places = windows.windows_in_song_order([('gap', song)], config)
  assert places == [3]
  assert found.position.tolist() == [0, 2]
  assert found.by_song_place(['first', 'third'], places) == [[
      'first', None, 'third'
  ]]


def test_song_order_rebars_other_meters_unless_strict():
  config = configs.get_config('ae-cat-mel_2bar_big')
  waltz = testing_lib.random_melody(2, bars=8, numerator=3, denominator=4)
  found, places = windows.windows_in_song_order([('waltz', waltz)], config)
  # Eight 12-step bars read as six 16-step bars: three windows.
  assert places == [3] and len(found) == 3
  found, places = windows.windows_in_song_order([('waltz', waltz)], config,
                                                meter=windows.METER_STRICT)
  assert found is None and places == [0]


@pytest.mark.parametrize('vae_config_name', [
    'hierdec-mel_16bar', 'hierdec-trio_16bar', 'cat-drums_2bar_small',
    'groovae_2bar_humanize'
])
def test_every_family_cuts_its_songs_in_order(vae_config_name):
  config = configs.get_config('ae-' + vae_config_name)
  songs = testing_lib.songs_of(vae_config_name, count=2)
  found, places = windows.windows_in_song_order(
      [(song.filename, song) for song in songs], config)
  window_steps, steps_per_bar, _ = windows.window_grid(config.data_converter)
  assert found is not None and len(found) >= 1
  assert all(position < places[song]
             for song, position in zip(found.source_index, found.position))
  assert set(found.lengths.tolist()) == {window_steps}
  assert window_steps % steps_per_bar == 0


def test_a_band_is_cut_in_order_a_bar_a_window_with_each_instruments_length():
  config = configs.get_config(_MULTITRACK_CONFIG)
  bands = [testing_lib.band(seed, bars=4, name='band%d' % seed)
           for seed in range(2)]
  found, places = windows.windows_in_song_order(
      [(band.filename, band) for band in bands], config)
  assert places == [4, 4]
  assert found.position.tolist() == [0, 1, 2, 3] * 2
  # Piano, bass, strings and drums play in four of the eight instrument
  # segments; the others hold the converter's end token alone.
  assert found.lengths.shape == (8, 8)
  assert (found.lengths[:, :4] > 1).all() and (found.lengths[:, 4:] == 1).all()


@pytest.mark.parametrize(
    'vae_config_name', ['groovae_4bar', 'groovae_2bar_tap_fixed_velocity'])
def test_groove_windows_keep_their_velocities_and_timing(vae_config_name):
  converter = copy.deepcopy(
      configs.get_config('ae-' + vae_config_name).data_converter)
  converter.max_tensors_per_notesequence = None
  song = testing_lib.drum_pattern(1, bars=4, name='beat')
  found = windows.song_windows([('beat', copy.deepcopy(song))], converter)
  tensors = converter.to_tensors(song)
  np.testing.assert_allclose(found.inputs[0], tensors.inputs[0])
  np.testing.assert_allclose(found.outputs[0], tensors.outputs[0])
  # Hits, velocities (0..1) and offsets (-1..1), not hits alone.
  assert len(np.unique(found.outputs)) > 3


def test_a_tap_configs_windows_are_the_song_tapped_on_one_drum():
  converter = configs.get_config(
      'ae-groovae_2bar_tap_fixed_velocity').data_converter
  song = testing_lib.drum_pattern(1, bars=2, name='beat')
  found = windows.song_windows([('beat', song)], converter)
  drums = len(converter.pitch_classes)
  hits, velocities, offsets = np.split(found.inputs[0], 3, axis=-1)
  assert np.count_nonzero(hits.any(axis=0)) == 1
  assert not velocities.any()
  # The tapping keeps the song's timing.
  assert np.any((offsets != 0) & (np.abs(offsets) < 1))
  assert found.outputs.shape[-1] == 3 * drums
  assert np.count_nonzero(found.outputs[0][:, :drums].any(axis=0)) == 3


# --- Chord-conditioned configs ------------------------------------------------


def _chords_config():
  return configs.get_config('lc-cat-mel_2bar_med_chords')


def test_chord_windows_carry_the_songs_chords_or_inferred_ones():
  config = _chords_config()
  given = testing_lib.melody_over_chords(0, ('C', 'G', 'Am', 'F'), bars=4,
                                         name='given')
  inferred = testing_lib.melody_over_chords(1, ('C', 'G', 'Am', 'F'), bars=4,
                                            name='inferred', annotate=False)
  found, report = windows.extract_windows([('given', given),
                                           ('inferred', inferred)],
                                          config.data_converter, None)
  depth = config.data_converter.control_depth
  assert found.controls.shape == (len(found), 32, depth)
  assert found.encoder_inputs().shape[-1] == (
      config.data_converter.input_depth + depth)
  encoding = chords.chord_encoding_of(config.data_converter)
  first = [encoding.decode_event(i) for i in np.argmax(found.controls[0], -1)]
  assert first == ['C'] * 16 + ['G'] * 16
  assert [song.notes for song in report.songs] == [[windows.CHORDS_GIVEN],
                                                   [windows.CHORDS_INFERRED]]
  assert 'chords: inferred from its notes (1): inferred' in report.summary()


def test_transposed_chord_windows_move_their_chords_too():
  config = _chords_config()
  song = testing_lib.melody_over_chords(0, ('C',), bars=2)
  found, _ = windows.extract_windows([('song', song)], config.data_converter,
                                     config.note_sequence_augmenter)
  encoding = chords.chord_encoding_of(config.data_converter)
  chords_by_shift = {
      int(shift): encoding.decode_event(int(np.argmax(controls[0])))
      for shift, controls in zip(found.transpose, found.controls)
  }
  assert chords_by_shift[0] == 'C' and chords_by_shift[2] == 'D'


def test_chords_are_inferred_across_a_tempo_change():
  config = _chords_config()
  song = testing_lib.melody_over_chords(0, ('C', 'G', 'Am', 'F'), bars=8,
                                        annotate=False)
  song.tempos.add(time=8.0, qpm=100)
  found, report = windows.extract_windows([('song', song)],
                                          config.data_converter, None)
  assert report.songs[0].notes == [windows.CHORDS_INFERRED]
  assert len(found) > 4


def test_songs_with_no_notes_to_infer_chords_from_say_so():
  config = _chords_config()
  with pytest.raises(windows.NoWindowsError) as raised:
    windows.extract_windows([('beat', testing_lib.drum_pattern(0))],
                            config.data_converter, None)
  assert raised.value.report.dropped == {'beat': windows.NO_CHORDS}


def test_chord_windows_in_song_order_keep_each_places_chords():
  config = _chords_config()
  song = testing_lib.melody_over_chords(0, ('C', 'G', 'Am', 'F'), bars=8)
  found, places = windows.windows_in_song_order([('song', song)], config)
  assert places == [4]
  encoding = chords.chord_encoding_of(config.data_converter)
  bars = [[encoding.decode_event(i) for i in np.argmax(controls, -1)[::16]]
          for controls in found.controls]
  assert bars == [['C', 'G'], ['Am', 'F'], ['C', 'G'], ['Am', 'F']]


# --- The multitrack family ----------------------------------------------------

_MULTITRACK_CONFIG = 'ae-hier-multiperf_vel_1bar_med'


def _multitrack_windows(songs):
  config = configs.get_config(_MULTITRACK_CONFIG)
  return windows.training_windows([(s.filename, s) for s in songs], config)


def test_a_band_gives_a_window_a_bar_with_its_instruments_on_their_programs():
  band = testing_lib.band(1, bars=4, pitched=3, name='band')
  found, report = _multitrack_windows([band])
  assert len(found) == 4 and report.window_bars == 1
  (song,) = report.songs
  assert song.tracks == ('track 0 (program 0), track 1 (program 33), '
                         'track 2 (program 48), track 9 (drums)')
  config = configs.get_config(_MULTITRACK_CONFIG)
  for sequence in found.note_sequences(config.data_converter):
    pitched = {n.program for n in sequence.notes if not n.is_drum}
    assert pitched == {0, 33, 48}
    assert any(n.is_drum for n in sequence.notes)
    # Velocities as played, in the converter's 8 bins.
    assert len({n.velocity for n in sequence.notes}) > 1


def test_more_instruments_than_the_family_holds_names_those_left_out():
  # Eight pitched instruments and drums, which play least often.
  band = testing_lib.band(2, bars=2, pitched=8, name='big band')
  found, report = _multitrack_windows([band])
  assert len(found) == 2
  (song,) = report.songs
  assert song.notes[0] == ('9 instruments, the family holds 8: left out '
                           'track 9 (drums)')
  assert 'drums' not in song.tracks and song.tracks.count('program') == 8
  assert 'big band (9 instruments, the family holds 8' in report.summary()


def test_a_single_instrument_gives_no_multitrack_window_and_says_why():
  melody = testing_lib.random_melody(3, bars=4, name='solo')
  with pytest.raises(windows.NoWindowsError) as error:
    _multitrack_windows([melody])
  assert error.value.report.dropped['solo'] == (
      '1 instrument: the multitrack family reads bars where 2 to 8 play '
      'together')


def test_bars_a_band_gives_no_window_are_counted_in_the_report():
  band = testing_lib.band(5, bars=4, pitched=2, drums=False, name='band')
  # The bass rests in the last two bars: the piano plays them alone.
  seconds_per_bar = 16 * testing_lib.SECONDS_PER_STEP
  notes = [
      n for n in band.notes
      if n.program == 0 or n.start_time < 2 * seconds_per_bar - 1e-6
  ]
  del band.notes[:]
  band.notes.extend(notes)
  found, report = _multitrack_windows([band])
  assert len(found) == 2
  assert report.songs[0].notes == [
      '2 of its 4 bars gave no window (silent, fewer than 2 instruments '
      'playing, or more than 62 events on one)'
  ]

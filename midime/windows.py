"""Songs to the windows a MusicVAE encodes, for every family: every window of
whole songs in any meter, from the tracks asked for, with a report of what each
song gave and why.

What magenta's pipeline does and what we do instead (the windows are encoded
once and cached, so we can afford all of them):
- it draws one random transposition per read and, in training mode, keeps at
  most 5 random windows of each song: we take every window at every
  transposition of the config's augmenter;
- its converters drop every song whose bars are not the model's (16 steps for
  4/4), without a word: by default we re-bar such songs, reading the quantized
  song as a stream of 16-step bars as magenta.js's MidiMe does (`meter='strict'`
  keeps magenta's behaviour, and the report says which songs were dropped);
- it truncates songs at `max_bars` (100 for the melody and drum configs): we
  lift it;
- its melody converter takes a melody from every track: by default a multi-track
  song gives its tune (midime.tracks), trio and drum converters keep magenta's
  choice by program;
- it slides windows one bar apart: `hop_bars` sets the distance.
"""

# magenta's converters keep their settings (steps per bar, window, programs,
# pitch range, extractor) private; we read and adjust copies of them here.
# pylint: disable=protected-access

import collections
import contextlib
import copy
import functools
import os
import sys

# First: it quiets note-seq's import warnings.
from midime import tf_setup  # noqa: F401
from magenta.models.music_vae import data
from magenta.models.music_vae import data_hierarchical
import note_seq
from note_seq import sequences_lib
import numpy as np
import tensorflow.compat.v1 as tf

from midime import chords as chords_lib
from midime import controls as controls_lib
from midime import tracks as tracks_lib
from midime.errors import UserError

METER_REBAR = 'rebar'
METER_STRICT = 'strict'
METERS = (METER_REBAR, METER_STRICT)
SONGS_REPORT_COLUMNS = ('song', 'meter', 'tracks', 'windows',
                        'windows_with_transpositions', 'notes')


class Windows(
    collections.namedtuple('Windows', [
        'inputs', 'outputs', 'lengths', 'source_index', 'transpose', 'names',
        'position', 'controls'
    ], defaults=(None, None))):
  """Windows as arrays: the converter's `inputs`/`outputs` `[n, steps, depth]`
  (one-hots as booleans; a groove's hits, velocities and offsets as floats),
  `lengths` `[n]`, for each window the index of the song it came from and its
  transposition, the songs' names (indexed by `source_index`), for windows
  cut in song order (windows_in_song_order) each window's place in its song
  (None otherwise), and for a config with controls each window's (midime.
  controls: its chords, one-hot per step in the converter's chord encoding, or
  a groove's own hits) `[n, steps, control_depth]` (None otherwise)."""

  def __len__(self):
    return len(self.lengths)

  def encoder_inputs(self):
    """What the MusicVAE encoder reads: the notes, and beside them the
    controls of a config with controls (magenta's MusicVAE.encode
    concatenates them so)."""
    if self.controls is None:
      return self.inputs
    return np.concatenate([self.inputs, self.controls], axis=-1)

  def by_song_place(self, values, places):
    """`values`, one per window, laid out per song by the window's place in
    it, None at a song's holes: for windows cut by windows_in_song_order, which
    gives `places`, each song's number of places."""
    laid_out = [[None] * count for count in places]
    for value, song, place in zip(values, self.source_index, self.position):
      laid_out[song][place] = value
    return laid_out

  def song_names(self):
    """The name of each window's song."""
    return [self.names[index] for index in self.source_index]

  def note_sequences(self, data_converter):
    """The windows as NoteSequences, decoded by the converter that cut them."""
    return chords_lib.from_tensors(data_converter, self.outputs)


class NoWindowsError(UserError):
  """No window at all could be cut from the songs; `report` (an
  ExtractionReport) says why each song gave none."""

  def __init__(self, message, report):
    super().__init__(message)
    self.report = report


class SongReport(
    collections.namedtuple('SongReport', [
        'name', 'meters', 'rebarred', 'tracks', 'windows',
        'windows_with_transpositions', 'notes', 'reason'
    ])):
  """What one song gave: its name, its time signatures ('3/4', ...), whether it
  was re-barred, the tracks used, its windows untransposed and at every
  transposition, remarks (notes left out...), and why it gave none ('' when it
  gave some)."""

  def tsv_row(self):
    meter = ', '.join(self.meters)
    if self.rebarred:
      meter += ' (re-barred)'
    remarks = ([self.reason] if self.reason else []) + list(self.notes)
    cells = (self.name, meter, self.tracks, str(self.windows),
             str(self.windows_with_transpositions), '; '.join(remarks) or '-')
    # Tabs or newlines in a file name would break the table.
    return '\t'.join(' '.join(cell.split()) for cell in cells)


class ExtractionReport(
    collections.namedtuple('ExtractionReport', [
        'names', 'windows_per_sequence', 'dropped', 'transpositions', 'songs',
        'window_bars'
    ])):
  """What extraction did: per NoteSequence name its untransposed window count,
  the dropped ones with the reason (name -> reason), the transpositions applied,
  a SongReport per song, and the window length in bars."""

  def summary(self):
    """A few lines for the user."""
    kept = [
        n for n, count in zip(self.names, self.windows_per_sequence) if count
    ]
    lines = [
        '%d of %d NoteSequences gave %d %s windows; with %d transpositions '
        '(%+d..%+d semitones) that is the training set.' %
        (len(kept), len(self.names), sum(self.windows_per_sequence),
         bars_words(self.window_bars), len(self.transpositions),
         min(self.transpositions), max(self.transpositions))
    ]
    rebarred = [song for song in self.songs if song.rebarred]
    if rebarred:
      meters = sorted({m for song in rebarred for m in song.meters})
      lines.append('  re-barred %d (%s) into 16-step bars: %s' %
                   (len(rebarred), ', '.join(meters),
                    _some(song.name for song in rebarred)))
    chosen = [song for song in self.songs if song.tracks.startswith('tune: ')]
    if chosen:
      lines.append(
          '  took the tune of %d multi-track songs: %s' %
          (len(chosen),
           _some('%s (%s)' % (song.name, song.tracks[6:]) for song in chosen)))
    for chords in (CHORDS_GIVEN, CHORDS_INFERRED):
      having = [song.name for song in self.songs if chords in song.notes]
      if having:
        lines.append('  %s (%d): %s' % (chords, len(having), _some(having)))
    with_notes = [(song, [n for n in song.notes if not n.startswith('chords:')])
                  for song in self.songs]
    with_notes = [(song, notes) for song, notes in with_notes if notes]
    if with_notes:
      lines.append('  left notes out of %d: %s' %
                   (len(with_notes),
                    _some('%s (%s)' % (song.name, '; '.join(notes))
                          for song, notes in with_notes)))
    lines.extend('  dropped ' + group for group in self._dropped_groups())
    return '\n'.join(lines)

  def dropped_summary(self):
    """The dropped NoteSequences and why, on one line."""
    return '; '.join('dropped ' + group for group in self._dropped_groups())

  def _dropped_groups(self):
    reasons = collections.Counter(self.dropped.values())
    for reason, count in reasons.most_common():
      names = [n for n, r in self.dropped.items() if r == reason]
      yield '%d (%s): %s' % (count, reason, _some(names))

  def write_tsv(self, path):
    """Writes the per-song table (SONGS_REPORT_COLUMNS) to `path`, whole or not
    at all."""
    temp_path = path + '.partial'
    try:
      with open(temp_path, 'w', encoding='utf-8') as table:
        table.write('\t'.join(SONGS_REPORT_COLUMNS) + '\n')
        for song in self.songs:
          table.write(song.tsv_row() + '\n')
    except BaseException:
      if os.path.exists(temp_path):
        os.remove(temp_path)
      raise
    os.replace(temp_path, path)


def bars_words(bars):
  """'two-bar', '16-bar': how messages name a window length."""
  return {
      1: 'one-bar',
      2: 'two-bar',
      4: 'four-bar'
  }.get(bars, '%s-bar' % (bars or '?'))


def _some(names, limit=5):
  names = list(names)
  return ', '.join(names[:limit]) + (', ...' if len(names) > limit else '')


def transpositions_of(augmenter):
  """The semitone shifts an augmenter draws from, all of them (0 when none)."""
  # NoteSequenceAugmenter keeps its range private; it is the config's declared
  # augmentation, so we enumerate it instead of sampling it.
  transpose_range = getattr(augmenter, '_transpose_range',
                            None) if augmenter else None
  if not transpose_range:
    return [0]
  low, high = transpose_range
  return list(range(int(low), int(high) + 1))


def check_meter(meter):
  """Raises UserError unless `meter` is one of METERS."""
  if meter not in METERS:
    raise UserError('{meter} must be one of %s, got %r' %
                    (', '.join(METERS), meter))


def check_tracks(tracks):
  """Raises UserError unless `tracks` is a track choice
  tracks.parse_track_choice reads ('tune', 'all', or a comma-separated list of
  tracks)."""
  tracks_lib.parse_track_choice(tracks)


def _meters(sequence):
  signatures = sorted(sequence.time_signatures, key=lambda s: s.time)
  meters = []
  for signature in signatures:
    meter = '%d/%d' % (signature.numerator, signature.denominator)
    if not meters or meters[-1] != meter:
      meters.append(meter)
  return meters or ['4/4 (none given)']


def _bar_steps(signature, steps_per_quarter):
  return steps_per_quarter * 4.0 * signature.numerator / max(
      signature.denominator, 1)


def _needs_rebar(sequence, steps_per_quarter, steps_per_bar):
  return any(
      _bar_steps(s, steps_per_quarter) != steps_per_bar
      for s in sequence.time_signatures)


def rebarred(sequence, steps_per_quarter, steps_per_bar):
  """`sequence` (edited in place) with one time signature whose bars are
  `steps_per_bar` steps: its quantized steps then read as a stream of the
  model's bars, as magenta.js's MidiMe slices songs, whatever their meter."""
  del sequence.time_signatures[:]
  sequence.time_signatures.add(time=0,
                               numerator=steps_per_bar // steps_per_quarter,
                               denominator=4)
  return sequence


def _without_truncation(extractor_fn):
  # magenta's extractors are functools.partials with the converter's max_bars
  # baked in as max_steps_truncate; the same partial without it uses every bar.
  if isinstance(extractor_fn, functools.partial) and ('max_steps_truncate'
                                                      in extractor_fn.keywords):
    keywords = dict(extractor_fn.keywords, max_steps_truncate=None)
    return functools.partial(extractor_fn.func, *extractor_fn.args, **keywords)
  return extractor_fn


class _Windower(object):
  """The config's data converter, set to give every window of whole songs,
  `hop_bars` apart."""

  def __init__(self, data_converter, hop_bars=None):
    converter = copy.deepcopy(data_converter)
    # The chord encoding of a chord-conditioned converter (None otherwise).
    self.chord_encoding = getattr(converter, '_chord_encoding', None)
    try:
      # Whether each window comes with its controls (its chords, or a
      # groove's own hits).
      self.has_controls = controls_lib.kind_of(converter) is not None
    except ValueError as error:
      raise UserError('configs whose data converter has controls other than '
                      'chords or hits are not supported: %s' % error) from None
    if hop_bars is not None and hop_bars < 1:
      raise UserError('window hop must be at least 1 bar, got %r' % hop_bars)
    # Every window, not 5 random ones.
    converter.max_tensors_per_notesequence = None
    self.hop_bars = hop_bars or 1
    self.steps_per_quarter = getattr(converter, '_steps_per_quarter', None)
    self.steps_per_bar = getattr(converter, '_steps_per_bar', None)
    self.is_melody = isinstance(converter, data.OneHotMelodyConverter)
    self.is_drums = isinstance(converter, data.DrumsConverter)
    self.is_trio = isinstance(converter, data.TrioConverter)
    self.is_groove = isinstance(converter, data.GrooveConverter)
    self.is_multitrack = isinstance(
        converter, data_hierarchical.MultiInstrumentPerformanceConverter)
    # A groove's tensors hold velocities and timing offsets beside its hits;
    # the other converters' are one-hots, kept as booleans.
    self.dtype = np.float32 if self.is_groove else np.bool_
    # Whole songs: magenta truncates them at max_bars (100 for the 2-bar
    # configs).
    if isinstance(converter, data.LegacyEventListOneHotConverter):
      converter._event_extractor_fn = _without_truncation(
          converter._event_extractor_fn)
    elif self.is_drums:
      converter._drums_extractor_fn = _without_truncation(
          converter._drums_extractor_fn)
    elif self.is_trio:
      converter._max_bars = sys.maxsize
    self.window_steps = getattr(converter, '_slice_steps', None)
    if self.is_trio and converter._slice_bars:
      self.window_steps = converter._slice_bars * self.steps_per_bar
    if self.is_groove and converter._split_bars:
      self.window_steps = converter._split_bars * self.steps_per_bar
    if self.is_multitrack:
      # It cuts songs into bars itself (its hop is its window).
      self.window_steps = converter._hop_size_bars * self.steps_per_bar
    # For the event-list converters we cut the windows ourselves from the whole
    # encoded song, so that they can be any number of bars apart: their
    # encodings are one event per step, so a window of the encoded song is the
    # encoded window, exactly as magenta's slicing of the event list (when
    # hop_bars is 1).
    self._own_slicing = bool(
        isinstance(converter,
                   (data.LegacyEventListOneHotConverter, data.DrumsConverter))
        and self.window_steps and converter.end_token is None)
    if self._own_slicing:
      converter._slice_steps = None
    self.converter = converter

  @property
  def window_bars(self):
    if self.window_steps and self.steps_per_bar:
      return self.window_steps // self.steps_per_bar
    return None

  def windows(self, sequence):
    """(inputs, outputs, lengths, controls: None without them) of every
    distinct window of `sequence` (consumed)."""
    if self.is_multitrack and self.chord_encoding:
      with _ragged_chords_padded():
        tensors = self.converter.to_tensors(sequence)
    else:
      tensors = self.converter.to_tensors(sequence)
    controls = (list(tensors.controls) if self.has_controls else
                [None] * len(tensors.inputs))
    if not self._own_slicing:
      found = list(
          zip(tensors.inputs, tensors.outputs, tensors.lengths, controls))
      return _every_hop(found, self.hop_bars, self.steps_per_bar)
    hop_steps = self.hop_bars * self.steps_per_bar
    seen, found = set(), []
    for whole_input, whole_output, whole_controls in zip(
        tensors.inputs, tensors.outputs, controls):
      for end in range(self.window_steps, len(whole_input) + 1, hop_steps):
        window = slice(end - self.window_steps, end)
        window_controls = (None if whole_controls is None else
                           whole_controls[window])
        key = (whole_input[window].tobytes(), whole_output[window].tobytes(),
               b'' if window_controls is None else window_controls.tobytes())
        # magenta keeps each distinct window once (a window over other chords
        # is another window).
        if key not in seen:
          seen.add(key)
          found.append((whole_input[window], whole_output[window],
                        self.window_steps, window_controls))
    return found

  def readable(self, track):
    """Whether the converter reads anything of `track` (for the report)."""
    if self.is_drums or self.is_groove:
      return track.is_drum
    if self.is_melody:
      valid = self.converter._valid_programs
      return not track.is_drum and (valid is None or
                                    bool(track.programs & set(valid)))
    return True

  @property
  def max_instruments(self):
    """The most instruments a multitrack window holds (None for the other
    converters)."""
    return self.converter._max_num_instruments if self.is_multitrack else None

  def pitch_range(self):
    """The melody converter's (min, max) pitch, or None."""
    if self.is_melody:
      return self.converter._min_pitch, self.converter._max_pitch
    return None


@contextlib.contextmanager
def _ragged_chords_padded():
  """Within it, magenta's multitrack converter pads its chord controls with
  _hierarchical_pad_tensors."""
  magentas = data_hierarchical.hierarchical_pad_tensors
  data_hierarchical.hierarchical_pad_tensors = _hierarchical_pad_tensors
  try:
    yield
  finally:
    data_hierarchical.hierarchical_pad_tensors = magentas


def _hierarchical_pad_tensors(tensors, sample_size, randomize, max_lengths,
                              end_token, input_depth, output_depth,
                              control_depth, control_pad_token):
  """magenta's data_hierarchical.hierarchical_pad_tensors, which asks
  np.size whether a window has controls: numpy refuses the nested lists of a
  window's chord controls (its instruments have different numbers of events),
  so this asks whether the list is empty. The rest is magenta's."""
  sampled = data.maybe_sample_items(list(zip(*tensors)), sample_size,
                                    randomize)
  unpadded = data.ConverterTensors(*zip(*sampled)) if sampled else (
      data.ConverterTensors())
  if not max_lengths:
    return unpadded

  def flat_padded(nested, depth, token):
    flat = tf.nest.flatten(
        data_hierarchical.pad_with_element(nested, max_lengths[:-1],
                                           data.np_onehot([token], depth)))
    return flat, np.concatenate([
        data_hierarchical.pad_with_value(x, max_lengths[-1], 0) for x in flat
    ])

  padded = []
  for window_input, window_output, window_controls, _ in zip(*unpadded):
    try:
      flat_input, window_input = flat_padded(window_input, input_depth,
                                             end_token)
      _, window_output = flat_padded(window_output, output_depth, end_token)
      if len(window_controls):  # pylint: disable=g-explicit-length-test
        _, window_controls = flat_padded(window_controls, control_depth,
                                         control_pad_token)
    except data_hierarchical.TooLongError:
      continue
    length = np.squeeze(np.array([len(x) for x in flat_input], np.int32))
    padded.append((window_input, window_output, window_controls, length))
  return data.ConverterTensors(*zip(*padded)) if padded else (
      data.ConverterTensors())


def _every_hop(windows, hop_bars, steps_per_bar):
  """Every `hop_bars`-th window of each run of windows one bar apart.

  The trio converter lists each instrument group's windows bar after bar, and
  cuts them itself; a window one bar after the one before it starts with that
  one's steps from its second bar on. A run starts again after a gap or at
  another group, as magenta's melody windows start again at each melody it
  extracts.
  """
  if hop_bars == 1 or not steps_per_bar:
    return windows
  kept, previous, position = [], None, 0
  for window in windows:
    steps = window[0]
    follows = (previous is not None and len(previous) == len(steps) and
               np.array_equal(previous[steps_per_bar:], steps[:-steps_per_bar]))
    position = position + 1 if follows else 0
    if position % hop_bars == 0:
      kept.append(window)
    previous = steps
  return kept


def _augmented(sequence, semitones):
  # Always a copy: augment_note_sequence stretches (and so edits) its input in
  # place, and the converters edit theirs.
  sequence = copy.deepcopy(sequence)
  if semitones == 0:
    return sequence
  # magenta's NoteSequenceAugmenter.augment, with the shift fixed instead of
  # drawn.
  return sequences_lib.augment_note_sequence(sequence, 1.0, 1.0, semitones,
                                             semitones,
                                             delete_out_of_range_notes=True)


CHORDS_GIVEN = 'chords: the song\'s own chord symbols'
CHORDS_INFERRED = 'chords: inferred from its notes'
NO_CHORDS = 'no chord symbols, and no notes to infer chords from'


def _has_chords(sequence):
  return any(annotation.annotation_type == note_seq.NoteSequence.TextAnnotation
             .CHORD_SYMBOL for annotation in sequence.text_annotations)


def with_chords(sequence, selected, windower):
  """Gives `selected` (the tracks of `sequence` the converter reads, edited in
  place) the chords of `sequence` for a chord-conditioned converter: the
  song's own chord symbols, or else chords inferred with note-seq's chord
  inference from all the song's pitched notes (accompaniment included), one
  per bar of the model's bars.

  Returns:
    CHORDS_GIVEN, CHORDS_INFERRED, or why no chords could be had (then the
    converter gives no window; see chords_failed); None for a converter
    without chords.
  """
  if not windower.chord_encoding:
    return None
  symbol = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL
  if _has_chords(sequence):
    if not _has_chords(selected):
      selected.text_annotations.extend(
          a for a in sequence.text_annotations if a.annotation_type == symbol)
    return CHORDS_GIVEN
  pitched = copy.deepcopy(sequence)
  del pitched.notes[:]
  pitched.notes.extend(n for n in sequence.notes if not n.is_drum)
  if not pitched.notes:
    return NO_CHORDS
  if _needs_rebar(pitched, windower.steps_per_quarter, windower.steps_per_bar):
    rebarred(pitched, windower.steps_per_quarter, windower.steps_per_bar)
  inferred = []
  try:
    # Each stretch of one tempo is quantized on its own, as the converters
    # read it.
    for part in sequences_lib.split_note_sequence_on_time_changes(pitched):
      if not part.notes:
        continue
      quantized = note_seq.quantize_note_sequence(part,
                                                  windower.steps_per_quarter)
      note_seq.infer_chords_for_sequence(quantized, chords_per_bar=1)
      offset = part.subsequence_info.start_time_offset
      inferred.extend((a.time + offset, a.text)
                      for a in quantized.text_annotations
                      if a.annotation_type == symbol)
  except (note_seq.BadTimeSignatureError, note_seq.NegativeTimeError,
          note_seq.MultipleTimeSignatureError, note_seq.MultipleTempoError,
          note_seq.ChordInferenceError) as error:
    return ('no chord symbols, and note-seq could not infer chords from its '
            'notes (%s)' % type(error).__name__)
  del selected.text_annotations[:]
  for time, text in inferred:
    selected.text_annotations.add(time=time, text=text, annotation_type=symbol)
  return CHORDS_INFERRED


def chords_failed(chords):
  """Whether with_chords' answer `chords` says no chords could be had."""
  return chords not in (None, CHORDS_GIVEN, CHORDS_INFERRED)


def _range_notes(sequence, windower, shifts):
  """Remarks on notes outside the model's pitch range, as is and once
  transposed."""
  pitch_range = windower.pitch_range()
  if not pitch_range:
    return []
  low, high = pitch_range
  valid = windower.converter._valid_programs
  pitches = [
      n.pitch
      for n in sequence.notes
      if not n.is_drum and (valid is None or n.program in valid)
  ]
  outside = sum(1 for p in pitches if not low <= p <= high)
  remarks = []
  if outside:
    remarks.append(
        '%d of %d notes outside the model\'s pitch range %d-%d left out' %
        (outside, len(pitches), low, high))
  pushed = sum(
      1 for p in pitches
      if low <= p <= high and (p + min(shifts) < low or p + max(shifts) > high))
  if pushed:
    remarks.append(
        'transposing %+d..%+d pushes %d notes past %d-%d (left out of '
        'those windows)' % (min(shifts), max(shifts), pushed, low, high))
  return remarks


def _why_no_windows(original, selected, windower, used_tracks, choice, meter,
                    chords=None):
  """The most likely reason why `selected` (the chosen tracks of `original`,
  re-barred where asked) gave no window; `chords` is what with_chords
  found."""
  if not original.notes:
    return NO_CHORDS if windower.chord_encoding else 'no notes'
  if chords_failed(chords):
    return chords
  if not isinstance(choice, str) and not used_tracks:
    return 'none of its tracks is %s (it has: %s)' % (
        ', '.join(str(s) for s in choice),
        tracks_lib.describe_tracks(tracks_lib.tracks_of(original)))
  if windower.is_multitrack:
    return _why_no_multitrack_windows(selected, windower, used_tracks)
  if ((windower.is_drums or windower.is_groove or windower.is_trio) and
      not any(n.is_drum for n in selected.notes)):
    return 'no drums'
  if windower.is_trio and not any(not n.is_drum and 32 <= n.program <= 39
                                  for n in selected.notes):
    return 'no bass (General MIDI programs 32-39)'
  if not windower.is_drums and all(n.is_drum for n in selected.notes):
    return 'drums only'
  if windower.is_melody:
    valid = windower.converter._valid_programs
    if valid is not None and not any(not n.is_drum and n.program in valid
                                     for n in selected.notes):
      return (
          'no melody instrument (General MIDI programs %d-%d; name a track '
          'with --tracks to read it anyway)' % (min(valid), max(valid)))
    low, high = windower.pitch_range()
    if not any(low <= n.pitch <= high for n in selected.notes if not n.is_drum):
      return 'every note is outside the model\'s pitch range %d-%d' % (low,
                                                                       high)
  if meter == METER_STRICT and windower.steps_per_bar:
    for signature in selected.time_signatures:
      bar_steps = _bar_steps(signature, windower.steps_per_quarter)
      if bar_steps != windower.steps_per_bar:
        return (
            '%d/%d time: bars of %g steps, the config needs %d-step bars (4/4, '
            '2/2); --meter=rebar reads it as %d-step bars' %
            (signature.numerator, signature.denominator, bar_steps,
             windower.steps_per_bar, windower.steps_per_bar))
  if windower.steps_per_quarter:
    try:
      parts = sequences_lib.split_note_sequence_on_time_changes(selected)
      steps = max(
          note_seq.quantize_note_sequence(
              part, windower.steps_per_quarter).total_quantized_steps
          for part in parts)
    except (note_seq.BadTimeSignatureError, note_seq.NegativeTimeError,
            note_seq.MultipleTimeSignatureError,
            note_seq.MultipleTempoError) as error:
      return 'cannot be quantized (%s)' % type(error).__name__
    if windower.window_steps and steps < windower.window_steps:
      if len(parts) > 1:
        # magenta quantizes each stretch of one tempo (and meter) on its own.
        return (
            'its %d tempo or meter changes cut it into pieces shorter than one '
            'window: at most %d steps, the model reads %d-bar windows (%d '
            'steps)'
            % (len(parts) - 1, steps, windower.window_bars,
               windower.window_steps))
      return (
          'shorter than one window: %d steps, the model reads %d-bar windows '
          '(%d steps)' % (steps, windower.window_bars, windower.window_steps))
  bars = windower.window_bars or '?'
  if windower.is_trio:
    return (
        'no %s-bar stretch where a melody (programs 0-31), a bass (32-39) and '
        'drums play together' % bars)
  gap_bars = 1
  extractor = getattr(windower.converter, '_event_extractor_fn', None)
  if isinstance(extractor, functools.partial):
    gap_bars = extractor.keywords.get('gap_bars', 1)
  gap = 'a bar-long gap' if gap_bars == 1 else 'a gap of %g bars' % gap_bars
  return 'no %s-bar stretch of %s without %s' % (
      bars, 'drums' if windower.is_drums else 'melody', gap)


def _why_no_multitrack_windows(selected, windower, used_tracks):
  """Why the multitrack converter found no bar in `selected`."""
  converter = windower.converter
  low, high = converter._min_num_instruments, converter._max_num_instruments
  if len(used_tracks) < low:
    return ('%d instrument: the multitrack family reads bars where %d to %d '
            'play together' % (len(used_tracks), low, high))
  return (
      'no bar where %d to %d instruments play together with at most %d '
      'events each' % (low, high, converter._max_events_per_instrument - 2))


def _within_instruments(selected, used, windower):
  """Keeps the `windower.max_instruments` busiest of the tracks `used` in
  `selected` (edited in place): magenta's converter drops every bar with more
  instruments. Returns (the tracks kept, the tracks dropped)."""
  limit = windower.max_instruments
  if limit is None or len(used) <= limit:
    return used, []
  # The busiest carry the music; ties keep the earlier track.
  ranked = sorted(used, key=lambda t: (-t.onsets, t.instrument))
  kept = [t for t in used if t in ranked[:limit]]
  dropped = [t for t in used if t not in ranked[:limit]]
  gone = {t.instrument for t in dropped}
  notes = [n for n in selected.notes if n.instrument not in gone]
  del selected.notes[:]
  selected.notes.extend(notes)
  return kept, dropped


def _bars_without_windows(selected, windower, windows_found):
  """A remark on the bars of `selected` that gave the multitrack converter no
  window (it skips them one by one), or none."""
  qpm = (selected.tempos[0].qpm
         if selected.tempos else note_seq.DEFAULT_QUARTERS_PER_MINUTE)
  window_seconds = (60.0 / qpm * windower.window_steps /
                    windower.steps_per_quarter)
  bars = int(np.ceil(round(selected.total_time / window_seconds, 6)))
  missing = bars - windows_found
  if missing <= 0:
    return []
  converter = windower.converter
  return [
      '%d of its %d bars gave no window (silent, fewer than %d instruments '
      'playing, or more than %d events on one)' %
      (missing, bars, converter._min_num_instruments,
       converter._max_events_per_instrument - 2)
  ]


def _track_choice(windower, tracks):
  """(the tracks to select, the programs the converter reads or None)."""
  # Trio and drum converters pick their parts by program themselves (magenta's
  # choice).
  choice = tracks if (windower.is_melody or
                      not isinstance(tracks, str)) else (tracks_lib.ALL)
  valid_programs = (windower.converter._valid_programs
                    if windower.is_melody else None)
  return choice, valid_programs


def _selected_tracks(sequence, windower, choice, valid_programs):
  """A copy of `sequence` holding the tracks `choice` picks that the converter
  reads, those tracks (tracks.Track), and the tracks left out because a
  multitrack window holds fewer instruments."""
  selected = copy.deepcopy(sequence)
  kept = tracks_lib.select(selected, choice, valid_programs)
  if windower.is_groove:
    # magenta's GrooveConverter reads drum-only songs of the drums it knows
    # (its data set has nothing else) and fails with a KeyError on any other
    # note: give it those drums.
    known_drums = windower.converter._pitch_class_map
    drum_notes = [
        note for note in selected.notes
        if note.is_drum and note.pitch in known_drums
    ]
    del selected.notes[:]
    selected.notes.extend(drum_notes)
  if valid_programs is not None and not isinstance(choice, str):
    # magenta's melody configs read only programs 0-31 (the instruments that
    # carry melodies in its training MIDI); a track the user names is read
    # whatever its instrument: the MusicVAE hears pitches, not sounds.
    for note in selected.notes:
      if not note.is_drum and note.program not in valid_programs:
        note.program = min(valid_programs)
    used = [t for t in kept if not t.is_drum]
  else:
    used = [t for t in kept if windower.readable(t)]
  used, dropped = _within_instruments(selected, used, windower)
  return selected, used, dropped


def extract_windows(named_sequences, data_converter, augmenter, progress=None,
                    meter=METER_REBAR, tracks=tracks_lib.TUNE, hop_bars=None):
  """Converts every (name, NoteSequence) at every transposition of `augmenter`.

  Args:
    named_sequences: (name, NoteSequence) pairs.
    data_converter: the config's converter (not changed).
    augmenter: the config's NoteSequenceAugmenter or None.
    progress: called with (songs done, songs) after each song.
    meter: 'rebar' (songs whose bars are not the model's are read as a stream of
      the model's bars) or 'strict' (magenta's: such songs give nothing).
    tracks: 'tune', 'all', or a list of tracks.TrackSelector (as
      tracks.parse_track_choice makes it from the --tracks string, also
      accepted). 'tune' only filters for melody converters; trio and drum
      converters choose by program, as magenta does.
    hop_bars: distance between consecutive windows in bars; None for magenta's
      1.
  Returns:
    (Windows, ExtractionReport)
  Raises:
    NoWindowsError: when no window at all can be extracted (its report says
      why).
    UserError: a named track is in no song (the error lists the tracks the songs
      have).
  """
  check_meter(meter)
  windower = _Windower(data_converter, hop_bars)
  if isinstance(tracks, str):
    tracks = tracks_lib.parse_track_choice(tracks)
  missing, have = tracks_lib.unmatched_selectors(named_sequences, tracks)
  if missing:
    raise UserError('no song has the track(s) %s; %s' %
                    (', '.join(str(s) for s in missing), have))
  choice, valid_programs = _track_choice(windower, tracks)
  shifts = transpositions_of(augmenter)
  inputs, outputs, lengths, source_index, transpose = [], [], [], [], []
  controls, names, counts, dropped, songs = [], [], [], {}, []
  for index, (name, sequence) in enumerate(named_sequences):
    names.append(name)
    selected, used, over = _selected_tracks(sequence, windower, choice,
                                            valid_programs)
    described = tracks_lib.describe_tracks(used)
    if choice == tracks_lib.TUNE and len(used) == 1 and len([
        t for t in tracks_lib.tracks_of(sequence) if windower.readable(t)
    ]) > 1:
      described = 'tune: ' + described
    is_rebarred = bool(meter == METER_REBAR and windower.steps_per_bar and
                       _needs_rebar(selected, windower.steps_per_quarter,
                                    windower.steps_per_bar))
    if is_rebarred:
      rebarred(selected, windower.steps_per_quarter, windower.steps_per_bar)
    chords = with_chords(sequence, selected, windower)
    untransposed = total = 0
    for shift in shifts:
      found = [] if chords_failed(chords) else windower.windows(
          _augmented(selected, shift))
      for window_input, window_output, length, window_controls in found:
        inputs.append(window_input)
        outputs.append(window_output)
        lengths.append(length)
        controls.append(window_controls)
        source_index.append(index)
        transpose.append(shift)
      total += len(found)
      if shift == 0:
        untransposed = len(found)
    counts.append(untransposed)
    reason = ''
    if not total:
      reason = _why_no_windows(sequence, selected, windower, used, tracks,
                               meter, chords)
      dropped[name] = reason
    remarks = []
    if total:
      remarks = ([chords] if chords else []) + _range_notes(
          selected, windower, shifts)
    if windower.is_multitrack and total:
      remarks.extend(_bars_without_windows(selected, windower, untransposed))
    if over:
      remarks.insert(
          0, '%d instruments, the family holds %d: left out %s' %
          (len(used) + len(over), windower.max_instruments,
           tracks_lib.describe_tracks(over)))
    songs.append(
        SongReport(name=name, meters=_meters(sequence), rebarred=is_rebarred,
                   tracks=described, windows=untransposed,
                   windows_with_transpositions=total, notes=remarks,
                   reason=reason))
    if progress:
      progress(index + 1, len(named_sequences))
  report = ExtractionReport(names, counts, dropped, shifts, songs,
                            windower.window_bars)
  if not inputs:
    kind = ('melodies' if windower.is_melody else 'drum patterns' if
            windower.is_drums else 'trios' if windower.is_trio else 'windows')
    raise NoWindowsError(
        'no %s %s could be extracted from the examples: %s' %
        (bars_words(windower.window_bars), kind, report.dropped_summary()),
        report)
  steps = max(len(s) for s in inputs)

  def stack(windows, depth):
    array = np.zeros([len(windows), steps, depth], windower.dtype)
    for i, window in enumerate(windows):
      array[i, :len(window)] = window
    return array

  windows = Windows(
      inputs=stack(inputs, windower.converter.input_depth),
      outputs=stack(outputs, windower.converter.output_depth),
      lengths=np.asarray(lengths, np.int32),
      source_index=np.asarray(source_index, np.int32),
      transpose=np.asarray(transpose, np.int32), names=names,
      controls=(stack(controls, windower.converter.control_depth)
                if windower.has_controls else None))
  return windows, report


def song_windows(named_sequences, data_converter, window=0):
  """Window number `window` (0 is the first) of each (name, NoteSequence), as
  the config's converter cuts it, untransposed: Windows, one per song, in order.

  Raises:
    UserError: a song with no usable window (saying why), or `window` past a
      song's last window.
  """
  if window is None or window < 0:
    raise UserError('{input_window} must be 0 or more, got %s' % window)
  chosen = []
  for name, sequence in named_sequences:
    try:
      # One song at a time, so that the error names the song and its reason.
      found, _ = extract_windows([(name, sequence)], data_converter,
                                 augmenter=None)
    except NoWindowsError as error:
      raise UserError('song %s has no usable window: %s' %
                      (name, error.report.dropped[name])) from None
    if window >= len(found):
      raise UserError(
          '{input_window}=%d is past the windows of song %s: it has %d '
          '(0..%d)' % (window, name, len(found), len(found) - 1))
    chosen.append((name, found, window))
  steps = max(found.inputs.shape[1] for _, found, _ in chosen)

  def stack(field):
    first = getattr(chosen[0][1], field)
    if first is None:
      return None
    array = np.zeros([len(chosen), steps, first.shape[-1]], first.dtype)
    for index, (_, found, window) in enumerate(chosen):
      one = getattr(found, field)[window]
      array[index, :len(one)] = one
    return array

  return Windows(
      inputs=stack('inputs'), outputs=stack('outputs'),
      lengths=np.asarray([found.lengths[window] for _, found, window in chosen],
                         np.int32),
      source_index=np.arange(len(chosen), dtype=np.int32),
      transpose=np.zeros([len(chosen)], np.int32),
      names=[name for name, _, _ in chosen], controls=stack('controls'))


def training_windows(named_sequences, config, meter=METER_REBAR, tracks='tune',
                     transposed=True):
  """The songs' windows as training reads them: the config's converter and
  window hop, `meter` and `tracks` as extract_windows takes them, and, when
  `transposed`, the config's transpositions. Returns extract_windows' (Windows,
  report). Training, evaluation and the demo's pictures all read songs through
  this, so that what is measured and shown is what the model learned from."""
  return extract_windows(
      named_sequences,
      config.data_converter,
      config.note_sequence_augmenter if transposed else None,
      meter=meter,
      tracks=tracks,
      # magenta's own configs (tools train base models on them) have no hop.
      hop_bars=getattr(config, 'window_hop_bars', None))


def window_grid(data_converter):
  """(steps of a window, steps of a bar, steps of a quarter note) of the
  converter's windows; a None where the converter has no fixed one."""
  windower = _Windower(data_converter)
  return (windower.window_steps, windower.steps_per_bar,
          windower.steps_per_quarter)


def _grid_piece(part, start_step, num_steps):
  """The notes of quantized `part` that start in its steps [start_step,
  start_step + num_steps), as an unquantized NoteSequence that starts at 0 and
  lasts `num_steps` steps at the part's tempo: the converters quantize it back
  to the same steps. Times are shifted, not snapped, so that a groove keeps its
  timing."""
  qpm = (part.tempos[0].qpm
         if part.tempos else note_seq.DEFAULT_QUARTERS_PER_MINUTE)
  steps_per_quarter = part.quantization_info.steps_per_quarter
  seconds_per_step = 60.0 / qpm / steps_per_quarter
  offset = start_step * seconds_per_step
  piece = note_seq.NoteSequence(ticks_per_quarter=part.ticks_per_quarter)
  piece.tempos.add(qpm=qpm)
  piece.time_signatures.extend(part.time_signatures[:1])
  if piece.time_signatures:
    piece.time_signatures[0].time = 0
  piece.instrument_infos.extend(part.instrument_infos)
  end_time = num_steps * seconds_per_step
  for note in part.notes:
    if not start_step <= note.quantized_start_step < start_step + num_steps:
      continue
    copied = piece.notes.add()
    copied.CopyFrom(note)
    copied.ClearField('quantized_start_step')
    copied.ClearField('quantized_end_step')
    copied.start_time = min(max(note.start_time - offset, 0.0), end_time)
    copied.end_time = min(max(note.end_time - offset, copied.start_time),
                          end_time)
  piece.total_time = end_time
  # The chords sounding in the piece: the one at its start, and its changes.
  symbol = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL
  chords = sorted((a for a in part.text_annotations
                   if a.annotation_type == symbol), key=lambda a: a.time)
  start_time = offset - 1e-6
  before = [a for a in chords if a.time <= start_time + 2e-6]
  for chord in before[-1:] + [
      a for a in chords if start_time + 2e-6 < a.time < offset + end_time]:
    piece.text_annotations.add(time=max(chord.time - offset, 0.0),
                               text=chord.text, annotation_type=symbol)
  return piece


def windows_in_song_order(named_sequences, config, meter=METER_REBAR,
                          tracks='tune'):
  """Each song cut into consecutive windows on its bar grid, one window length
  apart, untransposed and with its repeats kept: how the song is built, the
  data song form is learned from (song_form).

  A place whose stretch of the song gives the converter no window (a melody's
  bar-long rest, a trio without its bass...) is a hole: no window has its
  position. A song that cannot be quantized or read gives no places.

  Args:
    named_sequences: (name, NoteSequence) pairs.
    config: the config (its data converter).
    meter, tracks: as extract_windows takes them.

  Returns:
    (Windows, their `position` set: the window's place in its song, which
    starts at bar position x window bars; for each song, its number of places,
    holes included).
  """
  check_meter(meter)
  windower = _Windower(config.data_converter)
  if isinstance(tracks, str):
    tracks = tracks_lib.parse_track_choice(tracks)
  choice, valid_programs = _track_choice(windower, tracks)
  window_steps = windower.window_steps
  steps_per_bar, steps_per_quarter = (windower.steps_per_bar,
                                      windower.steps_per_quarter)
  found, places, names = [], [], []
  for index, (name, sequence) in enumerate(named_sequences):
    names.append(name)
    places.append(0)
    if not (window_steps and steps_per_bar and steps_per_quarter):
      continue
    selected, _, _ = _selected_tracks(sequence, windower, choice,
                                      valid_programs)
    if _needs_rebar(selected, steps_per_quarter, steps_per_bar):
      if meter == METER_STRICT:
        continue
      rebarred(selected, steps_per_quarter, steps_per_bar)
    if chords_failed(with_chords(sequence, selected, windower)):
      continue
    try:
      parts = [
          note_seq.quantize_note_sequence(part, steps_per_quarter)
          for part in sequences_lib.split_note_sequence_on_time_changes(
              selected)
      ]
    except (note_seq.BadTimeSignatureError, note_seq.NegativeTimeError,
            note_seq.MultipleTimeSignatureError, note_seq.MultipleTempoError):
      continue
    for part in parts:
      for place in range(part.total_quantized_steps // window_steps):
        piece = _grid_piece(part, place * window_steps, window_steps)
        windows = windower.windows(piece) if piece.notes else []
        if windows:
          window_input, window_output, length, controls = windows[0]
          found.append((window_input, window_output, length, index,
                        places[-1], controls))
        places[-1] += 1
  if not found:
    return None, places
  steps = max(len(window[0]) for window in found)

  def stack(field, depth):
    array = np.zeros([len(found), steps, depth], windower.dtype)
    for row, window in enumerate(found):
      array[row, :len(window[field])] = window[field]
    return array

  windows = Windows(
      inputs=stack(0, windower.converter.input_depth),
      outputs=stack(1, windower.converter.output_depth),
      lengths=np.asarray([window[2] for window in found], np.int32),
      source_index=np.asarray([window[3] for window in found], np.int32),
      transpose=np.zeros([len(found)], np.int32), names=names,
      position=np.asarray([window[4] for window in found], np.int32),
      controls=(stack(5, windower.converter.control_depth)
                if windower.has_controls else None))
  return windows, places

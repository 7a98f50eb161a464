"""Chord progressions for chord-conditioned configs: `--chords` read into the
converter's chord encoding per step, chord symbols written into the outputs,
and how well a melody keeps to its chords.

A progression is a list of chord figures note-seq parses ('C', 'Am7', 'F#dim',
'N.C.' for no chord), one per bar, repeated to fill whatever it accompanies.
Controls are what magenta's chord-conditioned converters and decoders read: the
chord of each step, one-hot in the converter's chord encoding (`[steps,
control_depth]`). The multitrack converter's follow each instrument's events
instead of the steps (`[instruments x events, control_depth]`): its windows are
one bar, and we read and give them one chord per bar, as magenta's Multitrack
colab does.
"""

import collections
import copy

# First: it quiets note-seq's import warnings.
from midime import tf_setup  # noqa: F401
from magenta.models.music_vae import data_hierarchical
import note_seq
import numpy as np

from midime import families
from midime.errors import UserError

CHORD_SYMBOL = note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL


def chord_encoding_of(data_converter):
  """The converter's chord encoding (note_seq's TriadChordOneHotEncoding for
  cat-mel_2bar_med_chords), or None for a converter without chords."""
  # magenta keeps it private; it is what its converters encode chords with.
  return getattr(data_converter, '_chord_encoding', None)


def is_chord_conditioned(data_converter):
  """Whether the converter's windows carry chords."""
  return chord_encoding_of(data_converter) is not None


def _by_bar(data_converter):
  """Whether the converter's controls follow its events, one chord per bar
  (the multitrack converter), rather than its steps."""
  return isinstance(data_converter,
                    data_hierarchical.MultiInstrumentPerformanceConverter)


def chord_indices(controls, data_converter):
  """The chord encoding's index of each step of `controls` `[..., steps,
  control_depth]`: `[..., steps]`; for a converter whose controls follow its
  events, the chord of each bar `[..., bars]`: the most common chord of its
  events (the pads of program tokens and missing instruments are no chord)."""
  controls = np.asarray(controls)
  if not _by_bar(data_converter):
    return np.argmax(controls, axis=-1)
  rows = controls.reshape([-1] + list(controls.shape[-2:]))
  bars = _bars_of(data_converter)
  no_chord = chord_encoding_of(data_converter).encode_event(note_seq.NO_CHORD)
  per_bar = controls.shape[-2] // bars
  found = []
  for row in rows:
    found.append([
        _most_common([
            np.argmax(step)
            for step in row[bar * per_bar:(bar + 1) * per_bar]
            if step.any() and np.argmax(step) != no_chord
        ], no_chord) for bar in range(bars)
    ])
  return np.asarray(found, np.int64).reshape(controls.shape[:-2] + (bars,))


def _most_common(indices, default):
  if not indices:
    return default
  return collections.Counter(indices).most_common(1)[0][0]


def _bars_of(data_converter):
  # The multitrack converter's chunks: bars of its window.
  return data_converter._max_lengths[0]  # pylint: disable=protected-access


def controls_of_indices(indices, data_converter):
  """The controls `[..., steps, control_depth]` float32 of chord_indices'
  `[..., steps]` (or `[..., bars]`); for a converter whose controls follow its
  events, each bar's chord on all its events and the first no chord, as
  magenta's Multitrack colab conditions its decoder."""
  encoding = chord_encoding_of(data_converter)
  indices = np.asarray(indices, np.int64)
  if not _by_bar(data_converter):
    return one_hot(indices, encoding.num_classes)
  # pylint: disable=protected-access
  per_bar = int(np.prod(data_converter._max_lengths[1:]))
  # pylint: enable=protected-access
  steps = np.repeat(indices, per_bar, axis=-1)
  steps[..., 0] = encoding.encode_event(note_seq.NO_CHORD)
  return one_hot(steps, encoding.num_classes)


def from_tensors(data_converter, tensors):
  """The NoteSequences of the converter's output `tensors` `[n, steps,
  depth]`, without chord symbols (add_chord_symbols writes them)."""
  if _by_bar(data_converter) and is_chord_conditioned(data_converter):
    # magenta's chord-conditioned multitrack converter fails (unpacking an
    # empty list) on an output without controls or without notes: it is read
    # as its twin without chords, whose notes are the same.
    data_converter = copy.copy(data_converter)
    data_converter._chord_encoding = None  # pylint: disable=protected-access
  return data_converter.from_tensors(tensors)


def progression_for(chords, data_converter, config_name):
  """The chord figures of `chords` (a string, as parse_progression reads it,
  or a list of figures) for config `config_name`.

  Raises:
    UserError: as parse_progression, or chords for a config that is not
      chord-conditioned.
  """
  if not is_chord_conditioned(data_converter):
    chord_configs = [
        '%s-%s' % (kind, name)
        for name in families.FAMILIES if name.endswith('chords')
        for kind in ('ae', 'lc')
    ]
    raise UserError('{chords} is for chord-conditioned configs (%s); %s is '
                    'not one' % (', '.join(chord_configs), config_name))
  text = chords if isinstance(chords, str) else ' '.join(chords)
  return parse_progression(text, data_converter)


def parse_progression(text, data_converter):
  """The chord figures of `text` ('C G Am F', commas also separate), each
  checked against the converter's chord encoding.

  Raises:
    UserError: an empty progression, or a chord note-seq cannot read (named,
      with its position).
  """
  encoding = chord_encoding_of(data_converter)
  figures = (text or '').replace(',', ' ').split()
  if not figures:
    raise UserError('{chords} names no chord: give one per bar, e.g. '
                    '"C G Am F"')
  for position, figure in enumerate(figures):
    try:
      encoding.encode_event(figure)
    except (note_seq.ChordSymbolError, note_seq.ChordEncodingError) as error:
      raise UserError(
          '{chords}: cannot read chord %r (chord %d of %d in %r): %s' %
          (figure, position + 1, len(figures), text, error)) from None
  return figures


def progression_controls(figures, data_converter, num_steps, steps_per_bar,
                         start_bar=0):
  """The controls `[num_steps, control_depth]` of progression `figures` (one
  chord per bar, repeated) from bar `start_bar` on (for a converter whose
  controls follow its events, its window's: controls_of_indices)."""
  encoding = chord_encoding_of(data_converter)
  if _by_bar(data_converter):
    bars = range(start_bar, start_bar + num_steps // steps_per_bar)
  else:
    bars = [start_bar + step // steps_per_bar for step in range(num_steps)]
  indices = [encoding.encode_event(figures[bar % len(figures)]) for bar in bars]
  return controls_of_indices(indices, data_converter)


def one_hot(indices, depth):
  """`indices` `[..., steps]` one-hot, float32 `[..., steps, depth]`."""
  return np.eye(depth, dtype=np.float32)[np.asarray(indices, np.int64)]


def figures_of(controls, data_converter):
  """The chord figure of each step of `controls` `[steps, control_depth]` (of
  each bar, for a converter whose controls follow its events)."""
  encoding = chord_encoding_of(data_converter)
  return [
      encoding.decode_event(int(index))
      for index in chord_indices(controls, data_converter)
  ]


def _seconds_per_figure(data_converter, seconds_per_step):
  if _by_bar(data_converter):
    # pylint: disable=protected-access
    return seconds_per_step * data_converter._steps_per_bar
    # pylint: enable=protected-access
  return seconds_per_step


def add_chord_symbols(sequence, controls, data_converter, seconds_per_step):
  """Writes the chords of `controls` into `sequence` as CHORD_SYMBOL text
  annotations, one where the chord changes (what MIDI files and note-seq's
  chord tools read)."""
  del sequence.text_annotations[:]
  figures = figures_of(controls, data_converter)
  seconds = _seconds_per_figure(data_converter, seconds_per_step)
  previous = None
  for index, figure in enumerate(figures):
    if figure != previous:
      sequence.text_annotations.add(time=index * seconds, text=figure,
                                    annotation_type=CHORD_SYMBOL)
      previous = figure
  sequence.total_time = max(sequence.total_time, len(figures) * seconds)
  return sequence


def chords_at(sequence):
  """The sequence's CHORD_SYMBOL annotations as (time, figure), in time
  order."""
  return sorted((a.time, a.text)
                for a in sequence.text_annotations
                if a.annotation_type == CHORD_SYMBOL)


def chord_tone_counts(sequence, beat_seconds, chords=None):
  """(notes on strong beats that are tones of the chord sounding then, notes
  on strong beats under a chord): a strong beat is every `beat_seconds` (the
  quarter note); `chords` are (time, figure) pairs, the sequence's own when
  None. Notes under no chord ('N.C.') are not counted."""
  chords = chords_at(sequence) if chords is None else chords
  times = [time for time, _ in chords]
  tones, counted = 0, 0
  for note in sequence.notes:
    if note.is_drum:
      continue
    beats = note.start_time / beat_seconds
    if abs(beats - round(beats)) > 1e-3:
      continue
    index = int(np.searchsorted(times, note.start_time + 1e-6)) - 1
    if index < 0 or chords[index][1] == note_seq.NO_CHORD:
      continue
    try:
      pitches = note_seq.chord_symbols_lib.chord_symbol_pitches(
          chords[index][1])
    except note_seq.ChordSymbolError:
      continue
    counted += 1
    tones += int(note.pitch % 12 in {p % 12 for p in pitches})
  return tones, counted


def chord_tone_share(sequences, beat_seconds, chords_of=None):
  """The share of the notes on strong beats of `sequences` that are tones of
  the chord sounding then (chord_tone_counts; `chords_of(i)` gives sequence
  i's chords, its own annotations when None); nan when none is counted."""
  tones = counted = 0
  for index, sequence in enumerate(sequences):
    found = chord_tone_counts(sequence, beat_seconds,
                              chords_of(index) if chords_of else None)
    tones += found[0]
    counted += found[1]
  return tones / counted if counted else float('nan')


def chords_of_controls(controls, data_converter, seconds_per_step):
  """The chords of `controls` `[steps, control_depth]` as (time, figure)
  pairs, one where the chord changes (what chord_tone_counts reads)."""
  found = []
  seconds = _seconds_per_figure(data_converter, seconds_per_step)
  for index, figure in enumerate(figures_of(controls, data_converter)):
    if not found or found[-1][1] != figure:
      found.append((index * seconds, figure))
  return found


def transposed_controls(controls, semitones, data_converter):
  """`controls` `[..., steps, control_depth]` with every chord moved by
  `semitones`."""
  controls = np.asarray(controls)
  encoding = chord_encoding_of(data_converter)
  rows = controls.reshape([-1] + list(controls.shape[-2:]))
  moved = [[
      encoding.encode_event(figure) for figure in transposed(
          figures_of(row, data_converter), semitones)
  ] for row in rows]
  return controls_of_indices(moved, data_converter).reshape(controls.shape)


def transposed(figures, semitones):
  """The progression `figures` moved by `semitones` (a tritone: 6): the same
  chords, now a mismatch for a melody written over the original."""
  moved = []
  for figure in figures:
    if figure == note_seq.NO_CHORD:
      moved.append(figure)
      continue
    moved.append(note_seq.chord_symbols_lib.transpose_chord_symbol(
        figure, semitones))
  return moved

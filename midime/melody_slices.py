"""NoteSequences to the one-hot two-bar slices a MusicVAE encodes, every one of them.

magenta's training pipeline draws one random transposition per read and, in training
mode, keeps at most 5 random slices of each NoteSequence. Because the slices here are
encoded once and cached, we take every slice at every transposition of the config's
augmenter, and say which songs gave none and why: the melody converter silently drops
any song whose bars are not 16 steps (3/4, 6/8, 2/4, ...).
"""

import collections
import copy

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq's import warnings)
import note_seq
from note_seq import sequences_lib
import numpy as np

from midime.errors import UserError


class SliceSet(collections.namedtuple(
    'SliceSet', ['inputs', 'outputs', 'lengths', 'source_index', 'transpose'])):
  """Slices as arrays: one-hot `inputs`/`outputs` `[n, steps, depth]`, `lengths` `[n]`,
  and for each slice the index of the NoteSequence it came from and its transposition."""

  def __len__(self):
    return len(self.lengths)


class ExtractionReport(collections.namedtuple(
    'ExtractionReport', ['names', 'slices_per_sequence', 'dropped', 'transpositions'])):
  """What extraction did: per NoteSequence name its untransposed slice count, the
  dropped ones with the reason (name -> reason), and the transpositions applied."""

  def summary(self):
    """A few lines for the user."""
    kept = [n for n, count in zip(self.names, self.slices_per_sequence) if count]
    lines = ['%d of %d NoteSequences gave %d two-bar slices; with %d transpositions '
             '(%+d..%+d semitones) that is the training set.' % (
                 len(kept), len(self.names), sum(self.slices_per_sequence),
                 len(self.transpositions), min(self.transpositions),
                 max(self.transpositions))]
    lines.extend('  dropped ' + group for group in self._dropped_groups())
    return '\n'.join(lines)

  def dropped_summary(self):
    """The dropped NoteSequences and why, on one line."""
    return '; '.join('dropped ' + group for group in self._dropped_groups())

  def _dropped_groups(self):
    reasons = collections.Counter(self.dropped.values())
    for reason, count in reasons.most_common():
      names = [n for n, r in self.dropped.items() if r == reason]
      yield '%d (%s): %s%s' % (
          count, reason, ', '.join(names[:5]), ', ...' if len(names) > 5 else '')


def transpositions_of(augmenter):
  """The semitone shifts an augmenter draws from, all of them (0 when none)."""
  # NoteSequenceAugmenter keeps its range private; it is the config's declared
  # augmentation, so we enumerate it instead of sampling it.
  transpose_range = getattr(augmenter, '_transpose_range', None) if augmenter else None
  if not transpose_range:
    return [0]
  low, high = transpose_range
  return list(range(int(low), int(high) + 1))


def _why_no_slices(sequence, converter):
  """The most likely reason `converter` extracted nothing from `sequence`."""
  if not sequence.notes:
    return 'no notes'
  # Drum families (DrumsConverter, GrooveConverter) read the drums; a trio all three.
  wants_drums = 'Drum' in type(converter).__name__ or 'Groove' in type(converter).__name__
  trio = type(converter).__name__ == 'TrioConverter'
  if (wants_drums or trio) and not any(note.is_drum for note in sequence.notes):
    return 'no drums'
  if trio and not any(32 <= note.program <= 39 and not note.is_drum
                      for note in sequence.notes):
    return 'no bass (General MIDI programs 32-39)'
  if not wants_drums and all(note.is_drum for note in sequence.notes):
    return 'drums only'
  valid_programs = getattr(converter, '_valid_programs', None)
  if valid_programs is not None and not any(
      not note.is_drum and note.program in valid_programs for note in sequence.notes):
    return 'no melody instrument (General MIDI programs %d-%d)' % (
        min(valid_programs), max(valid_programs))
  steps_per_quarter = getattr(converter, '_steps_per_quarter', 4)
  steps_per_bar = getattr(converter, '_steps_per_bar', 16)
  for signature in sequence.time_signatures:
    bar_steps = (steps_per_quarter * 4.0 * signature.numerator /
                 max(signature.denominator, 1))
    if bar_steps != steps_per_bar:
      return '%d/%d time: bars of %g steps, the config needs %d-step bars (4/4, 2/2)' % (
          signature.numerator, signature.denominator, bar_steps, steps_per_bar)
  try:
    note_seq.quantize_note_sequence(sequence, steps_per_quarter)
  except (note_seq.BadTimeSignatureError, note_seq.NegativeTimeError,
          note_seq.MultipleTimeSignatureError, note_seq.MultipleTempoError) as error:
    return 'cannot be quantized (%s)' % type(error).__name__
  window_bars = (getattr(converter, '_slice_bars', None) or
                 getattr(converter, '_split_bars', None) or
                 (getattr(converter, '_slice_steps', None) or 0) // steps_per_bar)
  song_bars = sequence.total_time * (sequence.tempos[0].qpm if sequence.tempos else 120) / (
      60.0 * 4)
  if window_bars and window_bars > 2 and song_bars < window_bars - 0.01:
    return 'shorter than %d bars' % window_bars
  return 'no %d-bar stretch of %s without a bar-long gap' % (
      window_bars or 2, 'drums' if wants_drums else 'trio' if trio else 'melody')


def _augmented(sequence, semitones):
  # Always a copy: augment_note_sequence stretches (and so edits) its input in place.
  sequence = copy.deepcopy(sequence)
  if semitones == 0:
    return sequence
  # magenta's NoteSequenceAugmenter.augment, with the shift fixed instead of drawn.
  return sequences_lib.augment_note_sequence(
      sequence, 1.0, 1.0, semitones, semitones, delete_out_of_range_notes=True)


def extract_slices(named_sequences, data_converter, augmenter, progress=None):
  """Converts every (name, NoteSequence) at every transposition of `augmenter`.

  Returns:
    (SliceSet, ExtractionReport)
  Raises:
    UserError: when no slice at all can be extracted (the report says why).
  """
  converter = copy.deepcopy(data_converter)
  if converter.control_depth:
    raise UserError('configs whose data converter has control inputs (chords) are '
                    'not supported')
  converter.max_tensors_per_notesequence = None  # every slice, not 5 random ones
  shifts = transpositions_of(augmenter)
  inputs, outputs, lengths, source_index, transpose = [], [], [], [], []
  names, counts, dropped = [], [], {}
  for index, (name, sequence) in enumerate(named_sequences):
    names.append(name)
    untransposed = total = 0
    for shift in shifts:
      tensors = converter.to_tensors(_augmented(sequence, shift))
      for slice_in, slice_out, length in zip(
          tensors.inputs, tensors.outputs, tensors.lengths):
        inputs.append(slice_in)
        outputs.append(slice_out)
        lengths.append(length)
        source_index.append(index)
        transpose.append(shift)
      total += len(tensors.inputs)
      if shift == 0:
        untransposed = len(tensors.inputs)
    counts.append(untransposed)
    if not total:
      dropped[name] = _why_no_slices(sequence, converter)
    if progress:
      progress(index + 1, len(named_sequences))
  report = ExtractionReport(names, counts, dropped, shifts)
  if not inputs:
    raise UserError('no two-bar melodies could be extracted from the examples: %s'
                    % report.dropped_summary())
  steps = max(len(s) for s in inputs)

  def stack(slices, depth):
    array = np.zeros([len(slices), steps, depth], np.bool_)
    for i, one_slice in enumerate(slices):
      array[i, :len(one_slice)] = one_slice
    return array

  slices = SliceSet(
      inputs=stack(inputs, converter.input_depth),
      outputs=stack(outputs, converter.output_depth),
      lengths=np.asarray(lengths, np.int32),
      source_index=np.asarray(source_index, np.int32),
      transpose=np.asarray(transpose, np.int32))
  return slices, report

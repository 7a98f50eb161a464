"""Test melodies built as NoteSequences, and helpers to write them."""

import random

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq's import warnings)
import note_seq
import tensorflow as tf

SECONDS_PER_STEP = 0.125  # 16th notes at 120 qpm


def random_melody(seed, bars=4, name='melody', numerator=4, denominator=4,
                  program=0, is_drum=False, low=55, high=79):
  """A monophonic melody of `bars` bars (of numerator/denominator) at 120 qpm."""
  rng = random.Random(seed)
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  sequence.time_signatures.add(numerator=numerator, denominator=denominator)
  steps_per_bar = 16 * numerator // denominator
  total_steps = bars * steps_per_bar
  step = 0
  pitch = rng.randint(low, high)
  while step < total_steps:
    duration = min(rng.choice([1, 2, 2, 4]), total_steps - step)
    pitch = max(low, min(high, pitch + rng.choice([-3, -2, -1, 0, 1, 2, 3])))
    sequence.notes.add(pitch=pitch, velocity=80, program=program, is_drum=is_drum,
                       start_time=step * SECONDS_PER_STEP,
                       end_time=(step + duration) * SECONDS_PER_STEP)
    step += duration
  sequence.total_time = total_steps * SECONDS_PER_STEP
  sequence.filename = name
  return sequence


def write_tfrecord(path, sequences):
  with tf.io.TFRecordWriter(path) as writer:
    for sequence in sequences:
      writer.write(sequence.SerializeToString())


def write_midi(path, sequence):
  note_seq.sequence_proto_to_midi_file(sequence, path)

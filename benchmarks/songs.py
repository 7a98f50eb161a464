"""The songs the cases run on: random two-bar melodies of a given count, and
where the folk corpus lies when `make folk-corpus` built it."""

import os
import random

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq)
import note_seq
import tensorflow as tf

from benchmarks import common
from midime import configs
from midime import windows as windows_lib

FOLK_CORPUS = os.path.join(common.REPO, '.cache', 'folk_corpus',
                           'folk_tunes.tfrecord')
SECONDS_PER_STEP = 0.125  # 16th notes at 120 qpm


def random_melody(seed, bars=4, name='melody', low=55, high=79):
  """A monophonic 4/4 melody of `bars` bars at 120 qpm, a function of `seed`.

  The same melodies as the tests' helper of that name, so that the figures stay
  comparable with earlier runs.

  Args:
    seed: the melody's random seed.
    bars: its length in bars.
    name: its file name (NoteSequence.filename).
    low: its lowest pitch.
    high: its highest pitch.

  Returns:
    A NoteSequence.
  """
  rng = random.Random(seed)
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  sequence.time_signatures.add(numerator=4, denominator=4)
  total_steps = bars * 16
  step = 0
  pitch = rng.randint(low, high)
  while step < total_steps:
    duration = min(rng.choice([1, 2, 2, 4]), total_steps - step)
    pitch = max(low, min(high, pitch + rng.choice([-3, -2, -1, 0, 1, 2, 3])))
    sequence.notes.add(pitch=pitch, velocity=80, program=0, is_drum=False,
                       start_time=step * SECONDS_PER_STEP,
                       end_time=(step + duration) * SECONDS_PER_STEP)
    step += duration
  sequence.total_time = total_steps * SECONDS_PER_STEP
  sequence.filename = name
  return sequence


def write_tfrecord(path, sequences):
  """Writes NoteSequences to a TFRecord at `path` (through a temporary file)."""
  with tf.io.TFRecordWriter(path + '.tmp') as writer:
    for sequence in sequences:
      writer.write(sequence.SerializeToString())
  os.replace(path + '.tmp', path)


def transpositions():
  """How many transpositions of each window the benchmarked config trains on.

  1 when it trains in the songs' own keys.
  """
  config = configs.get_config(common.CONFIG_NAME)
  return len(windows_lib.transpositions_of(config.note_sequence_augmenter))


def keys_note():
  """How the benchmarked config's windows are keyed, for the report."""
  count = transpositions()
  if count == 1:
    return 'in the songs\' own keys'
  return 'at each of %d transpositions' % count


def random_songs(cache_dir, num_examples):
  """A TFRecord of two-bar melodies giving about `num_examples` examples.

  Each song gives one window at each transposition the config trains on.

  Args:
    cache_dir: where the TFRecord is kept between runs.
    num_examples: about how many windows training should encode.

  Returns:
    (its path, the number of examples it gives).
  """
  per_song = transpositions()
  num_songs = max(1, round(num_examples / per_song))
  path = os.path.join(cache_dir, 'songs_%d.tfrecord' % num_songs)
  if not os.path.exists(path):
    write_tfrecord(path, [
        random_melody(seed, bars=2, name='s%d' % seed)
        for seed in range(num_songs)
    ])
  return path, num_songs * per_song

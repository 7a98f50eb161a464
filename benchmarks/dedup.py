"""Duplicate windows: how many windows of real song sets are exact copies,
which training encodes once. Quick: the demo's songs only."""

import os

from benchmarks import common
from benchmarks import report
from benchmarks import songs
from midime import configs
from midime import latent_cache
from midime import note_sequence_io
from midime import windows as windows_lib

SECTION = 'dedup'
DEMO_SONGS = os.path.join(common.REPO, 'data', 'folk_examples.tfrecord')


def song_sets(quick):
  """(description, TFRecord path) of each song set there is to count."""
  sets = [('data/folk_examples.tfrecord (the demo\'s 8 hornpipes)', DEMO_SONGS)]
  if not quick and os.path.exists(songs.FOLK_CORPUS):
    sets.append(('the folk corpus (`make folk-corpus`)', songs.FOLK_CORPUS))
  return sets


def count(path):
  """(songs, windows, distinct windows) of the songs at `path`.

  Untransposed windows are counted: each transposition repeats the same
  pattern.

  Args:
    path: a NoteSequence TFRecord.

  Returns:
    The three counts.
  """
  config = configs.get_config(common.CONFIG_NAME)
  named = note_sequence_io.read_note_sequences(path)
  windows, _ = windows_lib.extract_windows(named, config.data_converter, None)
  first, _ = latent_cache.distinct_windows(windows.inputs, windows.lengths)
  return len(named), len(windows), len(first)


def run(settings):
  """Counts the duplicate windows and rewrites their section of the report.

  Args:
    settings: common.Settings (its quick and output).
  """
  lines = [
      '## Duplicate windows (encoded once)', '',
      '`%s` on %s. Windows identical after windowing (same events, pitch '
      'and length) are encoded once. magenta\'s converter already drops '
      'a song\'s repeats of its own windows, so what is left are windows '
      'shared between songs. Untransposed windows counted (each '
      'transposition repeats the same pattern).' %
      (settings.command, common.time_stamp()), '',
      '| song set | songs | windows | distinct | encoded less |',
      '| --- | ---: | ---: | ---: | ---: |'
  ]
  for name, path in song_sets(settings.quick):
    num_songs, num_windows, distinct = count(path)
    lines.append('| %s | %d | %d | %d | %.1f%% |' %
                 (name, num_songs, num_windows, distinct, 100.0 *
                  (num_windows - distinct) / num_windows))
    print('  dedup %s: %d -> %d' % (name, num_windows, distinct), flush=True)
  report.write_section(settings.output, SECTION, lines + [''])

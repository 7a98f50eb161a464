"""What each of a run's songs gives a config, as the page's songs table shows
it: the windows the config's converter cuts from it, the tracks used (the tune
chosen from a multi-track file), its meter, and what was left out or why it
gave nothing. After training, the table training wrote (songs.tsv); before,
the same extraction, untransposed, kept beside the run per config.
"""

import json
import os

from midime.errors import UserError

SONGS_REPORT_FILE = 'songs.tsv'  # what midime-train writes in its run folder
PREVIEW_FILE = 'studio_songs-%s.json'


def _rows_of_tsv(path):
  with open(path, encoding='utf-8') as table:
    lines = table.read().splitlines()
  header = lines[0].split('\t')
  rows = []
  for line in lines[1:]:
    cells = dict(zip(header, line.split('\t')))
    rows.append(dict(song=cells.get('song', ''), meter=cells.get('meter', ''),
                     tracks=cells.get('tracks', ''),
                     windows=int(cells.get('windows', 0) or 0),
                     remarks=cells.get('notes', '-')))
  return rows


def _rows_of_report(report):
  rows = []
  for song in report.songs:
    meter = ', '.join(song.meters) + (' (re-barred)' if song.rebarred else '')
    remarks = ([song.reason] if song.reason else []) + list(song.notes)
    rows.append(dict(song=song.name, meter=meter, tracks=song.tracks,
                     windows=song.windows, remarks='; '.join(remarks) or '-'))
  return rows


def songs_table(run_dir, examples_path, config_name, trained_config=None):
  """The songs table of a run for `config_name`.

  Args:
    run_dir: the run's folder.
    examples_path: its songs (RunStore.examples_path).
    config_name: the config the table is for.
    trained_config: the config the run was trained with, if it was: its
      songs.tsv is then the table.

  Returns:
    A dict: `rows` (song, meter, tracks, windows, remarks), `summary` (a few
    lines) and `error` ('' when some song gives windows).
  """
  trained_table = os.path.join(run_dir, SONGS_REPORT_FILE)
  if trained_config == config_name and os.path.exists(trained_table):
    rows = _rows_of_tsv(trained_table)
    return dict(rows=rows, summary='', error='')
  preview = os.path.join(run_dir, PREVIEW_FILE % config_name)
  if os.path.exists(preview):
    with open(preview, encoding='utf-8') as values:
      return json.load(values)
  # pylint: disable=g-import-not-at-top
  from midime import configs
  from midime import note_sequence_io
  from midime import windows as windows_lib
  # pylint: enable=g-import-not-at-top
  configs.check_config_name(config_name)
  config = configs.get_config(config_name)
  songs = note_sequence_io.read_note_sequences(examples_path)
  error = ''
  try:
    _, report = windows_lib.training_windows(songs, config, transposed=False)
  except windows_lib.NoWindowsError as failure:
    report, error = failure.report, str(failure)
  # The report's first line counts transpositions, which the preview leaves
  # out; the rest (re-barred songs, tunes taken, notes left out) stays.
  kept = sum(1 for count in report.windows_per_sequence if count)
  summary = '\n'.join(['%d of %d songs gave %d %s windows.' % (
      kept, len(report.names), sum(report.windows_per_sequence),
      windows_lib.bars_words(report.window_bars))] +
                       report.summary().splitlines()[1:])
  table = dict(rows=_rows_of_report(report), summary=summary, error=error)
  temp = preview + '.%d.tmp' % os.getpid()
  with open(temp, 'w', encoding='utf-8') as values:
    json.dump(table, values)
  os.replace(temp, preview)
  return table


def check_has_windows(table):
  """Raises UserError (the table's error) when no song gives a window."""
  if table['error']:
    raise UserError(table['error'])

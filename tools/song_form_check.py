r"""Does song mode keep the songs' form? The figures of
docs/song-form-figures.md: for each case, `midime_train.py` with its default
flags (seed 1), then `midime_evaluate.py --songs --seed=1`, and a Markdown
table of the whole-song measures (midime.evaluation.songs) of the generated
songs, the training songs and the baseline of windows drawn one by one.

  .venv/bin/pip install -q -r requirements-tools.txt -c constraints.txt
  .venv/bin/python -m tools.song_form_check
  .venv/bin/python -m tools.song_form_check --cases=aird-2bar,demo-2bar

The cases:

  * aird-2bar: tunes of Aird's Selection of Scotch, English, Irish and Foreign
    Airs (1778-1803; music21's corpus 'airdsAirs', books 1-6) with
    ae-cat-mel_2bar_big over model/folk-mel_2bar.tar;
  * demo-2bar: the demo's hornpipes (data/folk_examples.tfrecord), the same;
  * demo-16bar, aird-16bar: those songs with ae-hierdec-mel_16bar over
    model/folk-mel_16bar.tar.

The Aird set is built once into --cache_dir (aird_songs.tfrecord, with
aird_songs.json naming its tunes): from each book, the first --per_book tunes
in C, C|, 4/4 or 2/2 (16-step bars, which the 2-bar model reads as they are)
that repeat both strains (at least two `:|`), whose title neither book of the
base models' data has (tools/folk_corpus.title_key; a tune under another title
can slip through), and that are at least --min_bars bars long once
tools/folk_corpus.convert_tune has expanded their repeats. Runs and evaluations
go to --cache_dir/runs/<case>/ and are redone on every call; the table is
printed and written to --cache_dir/figures.md.

Needs music21 (requirements-tools.txt).
"""

import collections
import json
import os
import re
import shutil
import time
from unittest import mock

from absl import app
from absl import flags
from absl import logging

# Before TensorFlow: magenta needs Keras 2.
from midime import tf_setup  # noqa: F401

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_string('cache_dir',
                    os.path.join(REPO_ROOT, '.cache', 'song_form_check'),
                    'The Aird set, the runs and the table go here.')
flags.DEFINE_list('cases', ['aird-2bar', 'demo-2bar', 'demo-16bar',
                            'aird-16bar'], 'Which cases (see CASES).')
flags.DEFINE_integer('per_book', 4, 'Aird tunes taken from each of the six '
                     'books.')
flags.DEFINE_integer('min_bars', 16, 'The shortest Aird tune taken, in bars '
                     'with its repeats expanded.')
flags.DEFINE_integer('seed', 1, 'Seed of training and evaluation.')
flags.DEFINE_bool('rebuild', False, 'Build the Aird set again, even when '
                  'cached.')

AIRD_BOOKS = ['airdsAirs/book%d.abc' % number for number in range(1, 7)]
AIRD_NAME = ("Aird's Selection of Scotch, English, Irish and Foreign Airs "
             '(1778-1803)')
AIRD_SONGS = 'aird_songs.tfrecord'
AIRD_SUMMARY = 'aird_songs.json'
DEMO_SONGS = os.path.join(REPO_ROOT, 'data', 'folk_examples.tfrecord')
BASE_2BAR = os.path.join(REPO_ROOT, 'model', 'folk-mel_2bar.tar')
BASE_16BAR = os.path.join(REPO_ROOT, 'model', 'folk-mel_16bar.tar')
# A title that only points at the tune before it says nothing of the tune.
DITTO_TITLE = re.compile(r'^(a\s+)?(do|ditto)\.?$', re.I)
# "~0" for the baseline's near-repeat share.
BASELINE_NEAR_ZERO = 0.05
MAX_COPY_RATE = 0.10

Case = collections.namedtuple('Case', ['title', 'songs', 'config', 'base'])
CASES = collections.OrderedDict([
    ('aird-2bar', Case('Aird', 'aird', 'ae-cat-mel_2bar_big', BASE_2BAR)),
    ('demo-2bar', Case('demo hornpipes', 'demo', 'ae-cat-mel_2bar_big',
                       BASE_2BAR)),
    ('demo-16bar', Case('demo hornpipes', 'demo', 'ae-hierdec-mel_16bar',
                        BASE_16BAR)),
    ('aird-16bar', Case('Aird', 'aird', 'ae-hierdec-mel_16bar', BASE_16BAR)),
])


# --- The Aird set
# ------------------------------------------------------------------


def _aird_chunks():
  """(book number, header, ABC chunk of one tune) of Aird's six books, in book
  order."""
  from music21 import corpus  # pylint: disable=g-import-not-at-top
  paths = {str(path).replace(os.sep, '/') for path in corpus.getCorePaths()}
  for number, book in enumerate(AIRD_BOOKS, 1):
    (path,) = [path for path in paths if path.endswith(book)]
    with open(path, encoding='latin-1') as abc:
      header, *chunks = re.split(r'(?m)^(?=X:)', abc.read())
    for chunk in chunks:
      yield number, header, chunk


def _repeats_both_strains(abc):
  """Whether the tune's ABC closes at least two repeated strains."""
  return abc.count(':|') + abc.count('::') >= 2


def _bars(sequence):
  from tools import folk_corpus  # pylint: disable=g-import-not-at-top
  quarters = sequence.total_time * folk_corpus.QPM / 60.0
  (signature,) = sequence.time_signatures
  return quarters / (4.0 * signature.numerator / signature.denominator)


def build_aird_set(cache_dir, per_book, min_bars):
  """Chooses and converts the Aird tunes (the module's docstring says which);
  writes them to `cache_dir` and returns the summary."""
  import note_seq  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tools import folk_corpus  # pylint: disable=g-import-not-at-top
  # The base models' tunes, by title: O'Neill's and Ryan's books.
  known = {
      folk_corpus.title_key(tune.title)
      for tune in folk_corpus.read_tunes(collections.Counter())
  }
  taken = collections.Counter()
  chosen, skipped, keys = [], collections.Counter(), set()
  for book, header, chunk in _aird_chunks():
    if taken[book] >= per_book:
      continue
    meters = folk_corpus._meters(chunk)  # pylint: disable=protected-access
    if not meters or not all(meter in folk_corpus.COMMON_METERS
                             for meter in meters):
      continue
    title = folk_corpus._ascii_title(  # pylint: disable=protected-access
        folk_corpus._field(chunk, 'T'))  # pylint: disable=protected-access
    key = folk_corpus.title_key(title)
    if not _repeats_both_strains(chunk):
      skipped['fewer than two repeated strains'] += 1
      continue
    if not key or DITTO_TITLE.match(title) or 'variation' in title.lower():
      skipped['a ditto title or variations'] += 1
      continue
    if key in known:
      skipped['title in the base models\' books'] += 1
      continue
    if key in keys:
      skipped['title already taken'] += 1
      continue
    number = int(re.match(r'X:\s*(\d+)', chunk).group(1))
    tune = folk_corpus.Tune(
        id='airdsAirs/book%d-%04d' % (book, number), collection='airdsAirs',
        title=title,
        rhythm=folk_corpus._field(  # pylint: disable=protected-access
            chunk, 'R').lower().replace(' ', ''),
        meter=tuple(meters), abc=header + chunk)
    # convert_tune names the book from COLLECTIONS.
    with mock.patch.dict(folk_corpus.COLLECTIONS, {'airdsAirs': AIRD_NAME}):
      serialized, notes_on = folk_corpus.convert_tune(tune)
    if serialized is None or 'repeats not expanded' in notes_on:
      skipped['not converted, or repeats not expanded'] += 1
      continue
    sequence = note_seq.NoteSequence.FromString(serialized)
    bars = _bars(sequence)
    if bars < min_bars:
      skipped['shorter than %d bars' % min_bars] += 1
      continue
    keys.add(key)
    taken[book] += 1
    chosen.append((sequence, {
        'id': tune.id,
        'title': title,
        'meter': meters[0],
        'bars': round(bars, 2),
        'notes': notes_on
    }))
  os.makedirs(cache_dir, exist_ok=True)
  path = os.path.join(cache_dir, AIRD_SONGS)
  with tf.io.TFRecordWriter(path + '.partial') as writer:
    for sequence, _ in chosen:
      writer.write(sequence.SerializeToString())
  os.replace(path + '.partial', path)
  summary = {
      'per_book': per_book,
      'min_bars': min_bars,
      'tunes': [entry for _, entry in chosen],
      'skipped': dict(sorted(skipped.items())),
  }
  with open(os.path.join(cache_dir, AIRD_SUMMARY), 'w') as summary_file:
    json.dump(summary, summary_file, indent=2)
    summary_file.write('\n')
  logging.info('Wrote %d Aird tunes to %s.', len(chosen), path)
  return summary


def aird_set(cache_dir, per_book, min_bars, rebuild):
  """(The Aird set's TFRecord path, its summary), building it when needed."""
  summary_path = os.path.join(cache_dir, AIRD_SUMMARY)
  summary = None
  if not rebuild and os.path.exists(os.path.join(cache_dir, AIRD_SONGS)):
    try:
      with open(summary_path) as summary_file:
        summary = json.load(summary_file)
    except (OSError, ValueError):
      summary = None
  if summary is None or (summary.get('per_book'),
                         summary.get('min_bars')) != (per_book, min_bars):
    summary = build_aird_set(cache_dir, per_book, min_bars)
  else:
    logging.info('Reusing the Aird set in %s (%d tunes; --rebuild to redo).',
                 cache_dir, len(summary['tunes']))
  return os.path.join(cache_dir, AIRD_SONGS), summary


# --- The cases
# ---------------------------------------------------------------------


def run_case(name, examples_path, cache_dir, seed):
  """Trains and evaluates one case; returns evaluation.json's results and the
  seconds taken."""
  # pylint: disable=g-import-not-at-top
  from midime.jobs import evaluate as evaluate_job
  from midime.jobs import train as train_job
  # pylint: enable=g-import-not-at-top
  case = CASES[name]
  folder = os.path.join(cache_dir, 'runs', name)
  # A run folder resumes its last checkpoint: start afresh for the defaults.
  shutil.rmtree(folder, ignore_errors=True)
  start = time.time()
  train_job.run(
      train_job.TrainOptions(config=case.config,
                             run_dir=os.path.join(folder, 'run'),
                             examples_path=examples_path,
                             pretrained_path=case.base, seed=seed))
  results, _ = evaluate_job.run(
      evaluate_job.EvaluateOptions(run_dir=os.path.join(folder, 'run'),
                                   examples_path=examples_path,
                                   output_dir=os.path.join(folder, 'eval'),
                                   songs=True, seed=seed))
  return results, time.time() - start


def _three(sets, key, pattern):
  cells = []
  for name in ('generated', 'training', 'baseline'):
    value = sets[name][key]
    cells.append('–' if value is None else pattern % value)
  return ' / '.join(cells)


def song_bars(songs, name):
  """The mean length in bars of a set's songs."""
  values = songs['sets'][name]
  return values['num_windows'] * songs['window_bars'] / values['num_songs']


def verdicts(songs):
  """Song mode's targets for one case: (name, met, figure) rows."""
  sets = songs['sets']
  generated, training = sets['generated'], sets['training']
  baseline = sets['baseline']
  half = training['near_repeat_share'] / 2
  return [
      ('near-repeat ≥ ½ songs\' (gen. vs ½ songs\')',
       training['near_repeat_share'] > 0 and
       generated['near_repeat_share'] >= half,
       '%.3f vs %.3f' % (generated['near_repeat_share'], half)),
      ('baseline ≤ %.2f' % BASELINE_NEAR_ZERO,
       baseline['near_repeat_share'] <= BASELINE_NEAR_ZERO,
       '%.3f' % baseline['near_repeat_share']),
      ('copy ≤ %d%%' % (100 * MAX_COPY_RATE),
       generated['copy_rate'] <= MAX_COPY_RATE,
       '%.1f%%' % (100 * generated['copy_rate'])),
      ('no silent window', generated['silent_windows'] == 0,
       '%d' % generated['silent_windows']),
      ('≥ 16 bars', song_bars(songs, 'generated') >= 16,
       '%g' % song_bars(songs, 'generated')),
  ]


def table(rows):
  """The Markdown tables of (case name, results, seconds) rows."""
  lines = [
      '| case | songs | config | generated songs | near-repeat '
      'share: gen. / songs / baseline | copy rate: gen. / baseline | silent '
      'windows: gen. / baseline | join jump, semitones: gen. / songs / '
      'baseline | join gap, steps: gen. / songs / baseline | off-key share: '
      'gen. / songs / baseline | structure: gen. / songs / baseline |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for name, results, _ in rows:
    songs, case = results['songs'], CASES[name]
    sets = songs['sets']
    lines.append(
        '| %s | %s (%d; %d windows) | %s | %s | %s | %s | %s | %s | %s | %s '
        '| %s |' %
        (name, case.title, sets['training']['num_songs'],
         sets['training']['num_windows'], case.config, songs['plan'],
         _three(sets, 'near_repeat_share', '%.3f'), ' / '.join(
             '%.1f%%' % (100 * sets[s]['copy_rate'])
             for s in ('generated', 'baseline')),
         '%d / %d' % (sets['generated']['silent_windows'],
                      sets['baseline']['silent_windows']),
         _three(sets, 'jump_mean', '%.2f'), _three(sets, 'gap_mean', '%.2f'),
         _three(sets, 'off_key_share', '%.3f'),
         _three(sets, 'structure', '%+.3f')))
  checks = [verdicts(results['songs']) for _, results, _ in rows]
  lines += [
      '', '| case | %s | train + evaluate, s |' %
      ' | '.join(title for title, _, _ in checks[0]),
      '| --- |%s ---: |' % (' --- |' * len(checks[0]))
  ]
  for (name, _, seconds), check in zip(rows, checks):
    lines.append('| %s | %s | %.0f |' %
                 (name, ' | '.join('%s %s' % ('yes' if met else '**no**',
                                              figure)
                                   for _, met, figure in check), seconds))
  return '\n'.join(lines) + '\n'


def main(argv):
  # pylint: disable=g-import-not-at-top
  from midime.cli.common import use_plain_logging
  from midime.errors import UserError
  # pylint: enable=g-import-not-at-top
  if len(argv) > 1:
    raise app.UsageError('unexpected arguments: %s' % ' '.join(argv[1:]))
  unknown = [name for name in FLAGS.cases if name not in CASES]
  if unknown:
    raise app.UsageError('unknown --cases %s; known: %s' %
                         (', '.join(unknown), ', '.join(CASES)))
  use_plain_logging()
  start = time.time()
  songs = {'demo': DEMO_SONGS}
  if any(CASES[name].songs == 'aird' for name in FLAGS.cases):
    songs['aird'], summary = aird_set(FLAGS.cache_dir, FLAGS.per_book,
                                      FLAGS.min_bars, FLAGS.rebuild)
    logging.info('Aird tunes: %s', '; '.join(
        '%s (%s, %g bars)' % (tune['title'], tune['meter'], tune['bars'])
        for tune in summary['tunes']))
  rows = []
  for name in FLAGS.cases:
    try:
      results, seconds = run_case(name, songs[CASES[name].songs],
                                  FLAGS.cache_dir, FLAGS.seed)
    except UserError as error:
      raise app.UsageError('%s: %s' % (name, error))
    rows.append((name, results, seconds))
  text = table(rows)
  path = os.path.join(FLAGS.cache_dir, 'figures.md')
  with open(path, 'w') as figures:
    figures.write(text)
  print(text)
  logging.info('Wrote %s; %.0f s in all.', path, time.time() - start)


if __name__ == '__main__':
  app.run(main)

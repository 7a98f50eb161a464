r"""Public-domain folk tunes as NoteSequences: the data for the base models and
the demo.

  .venv/bin/pip install -r requirements-tools.txt   # music21, for this tool
  only .venv/bin/python -m tools.folk_corpus                    # the corpus
  cache .venv/bin/python -m tools.folk_corpus --write_examples   # +
  data/folk_examples*

music21 ships two 19th-century fiddle-tune books as ABC: O'Neill's Music of
Ireland (1850 tunes, 1903) and Ryan's Mammoth Collection (1883). This tool reads
every tune of both in one meter (any: 4/4, 6/8, 3/4, 9/8, ...; a tune that
changes meter is left out), expands its repeats, places its bars on its meter's
bar grid (a pickup ends where bar 1 starts), and writes the NoteSequences, in a
fixed order, to a TFRecord cache under .cache/folk_corpus/; later runs reuse it.
Each NoteSequence's `id` is `<collection>/<tune>` and its `filename` the tune's
title with that id.

--write_examples also writes the demo's personalization songs, EXAMPLE_IDS
(eight dotted hornpipes from Ryan's collection), to data/folk_examples.tfrecord
and data/folk_examples/*.mid. training_tunes() leaves them (and any tune of the
same title) out, so the base model never sees them.
"""

import collections
import json
import multiprocessing
import os
import re
import string
import time

from absl import app
from absl import flags
from absl import logging

from midime import tf_setup  # noqa: F401  (before TensorFlow and note_seq)
import note_seq
import tensorflow as tf

from midime.cli.common import report_user_errors, use_plain_logging
from midime.errors import UserError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Bump when the conversion changes, so an old cache is rebuilt.
CACHE_FORMAT = 3
DEFAULT_CACHE_DIR = os.path.join(REPO_ROOT, '.cache', 'folk_corpus')
CACHE_FILE = 'folk_tunes.tfrecord'
SUMMARY_FILE = 'folk_tunes.json'

# music21 corpus folder -> the book's name.
COLLECTIONS = collections.OrderedDict([
    ('oneills1850', "O'Neill's Music of Ireland (1903)"),
    ('ryansMammoth', "Ryan's Mammoth Collection (1883)"),
])
# ABC meters whose bars are 16 sixteenth-note steps: C is 4/4, C| is 2/2. The
# two-bar model trains on these alone (its converter drops other bars); the
# 16-bar model trains on every meter, re-barred into 16-step bars as midime
# reads songs.
COMMON_METERS = {'C': (4, 4), '4/4': (4, 4), 'C|': (2, 2), '2/2': (2, 2)}
QPM = 120.0
VELOCITY = 80
PROGRAM = 0  # Acoustic grand piano: inside magenta's melody programs (0-31).

# The demo's example songs: eight hornpipes in A major from Ryan's Mammoth
# Collection, in 2/2 and written in dotted pairs (A>B c>d: three sixteenth
# steps, then one), so they lilt long-short where most of the corpus (reels)
# runs in even quavers, and close each strain on three crotchets. Held out of
# the base model's training set.
EXAMPLE_IDS = (
    'ryansMammoth/AlmacksHornpipe',
    'ryansMammoth/AmateurHornpipe',
    'ryansMammoth/DickSandsHornpipe',
    'ryansMammoth/FlocktonsHornpipe',
    'ryansMammoth/LincolnsHornpipe',
    'ryansMammoth/NationalGuardsHornpipe',
    'ryansMammoth/OliveBranchHornpipe',
    'ryansMammoth/VictoriaHornpipe',
)


def _ascii_title(title):
  title = re.sub(r'\s*--\s*', ' ', title).strip().strip('"')
  # Ryan's 'Amat:eur', 'Wat:son'.
  title = re.sub(r'(?<=[a-z]):(?=[a-z])', '', title)
  if title.isupper():
    title = string.capwords(title.lower())
  return title


def title_key(title):
  """A tune title reduced to letters, for finding the same tune under two
  spellings ("The Boys of Bluehill", "BOYS OF BLUE HILL -- HORNPIPE")."""
  words = re.sub(r'[^a-z ]', '', title.lower().replace('-', ' ')).split()
  drop = {
      'the', 'a', 'an', 'reel', 'hornpipe', 'clog', 'jig', 'strathspey', 'no',
      'or', 'highland', 'fling', 'walkaround'
  }
  return ''.join(word for word in words if word not in drop)


# --- Reading the ABC books
# ---------------------------------------------------------

Tune = collections.namedtuple(
    'Tune', ['id', 'collection', 'title', 'rhythm', 'meter', 'abc'])


def _field(abc, name):
  match = re.search(r'(?m)^%s:[ \t]*(.*?)[ \t]*$' % name, abc)
  return match.group(1) if match else ''


def _meters(abc):
  """Every meter the tune declares: header M: fields and inline [M:...]
  changes."""
  meters = re.findall(r'(?m)^M:[ \t]*(\S+)', abc)
  meters += re.findall(r'\[M:[ \t]*([^\]\s]+)\]', abc)
  return meters


def collection_files(collection):
  from music21 import corpus  # pylint: disable=g-import-not-at-top
  paths = sorted(
      str(path)
      for path in corpus.getComposer(collection)
      if str(path).endswith('.abc'))
  if not paths:
    raise UserError(
        'music21 ships no %s ABC files; is music21 (requirements-tools.txt)'
        ' installed?' % collection)
  return paths


def read_tunes(counts):
  """All tunes of both books, in a fixed order (book, file, X: number), each
  tune once; `counts` (a Counter) gets the totals per book and meter."""
  tunes = []
  for collection in COLLECTIONS:
    seen = set()
    for path in collection_files(collection):
      with open(path, encoding='latin-1') as abc_file:
        text = abc_file.read()
      header, *chunks = re.split(r'(?m)^(?=X:)', text)
      stem = os.path.splitext(os.path.basename(path))[0]
      for chunk in chunks:
        number = int(re.match(r'X:\s*(\d+)', chunk).group(1))
        # O'Neill's files overlap (0626-0635 and 0626-0700, two transcriptions
        # of 0732-0758, ...): the tune number identifies a tune in the book.
        tune_id = ('%s/%04d' % (collection, number)
                   if collection == 'oneills1850' else '%s/%s' %
                   (collection, stem if len(chunks) == 1 else '%s-%d' %
                    (stem, number)))
        if tune_id in seen:
          counts['%s: duplicate transcriptions skipped' % collection] += 1
          continue
        seen.add(tune_id)
        meters = _meters(chunk)
        counts['%s: tunes' % collection] += 1
        counts['%s: meter %s' % (collection, meters[0] if meters else '?')] += 1
        tunes.append(
            Tune(id=tune_id, collection=collection,
                 title=_ascii_title(_field(chunk, 'T') or tune_id),
                 rhythm=_field(chunk, 'R').lower().replace(' ', ''),
                 meter=tuple(meters), abc=header + chunk))
  return tunes


def parse_meter(meter):
  """(numerator, denominator) of an ABC meter ('6/8', 'C', 'C|'), or None."""
  if meter in COMMON_METERS:
    return COMMON_METERS[meter]
  match = re.fullmatch(r'(\d+)/(\d+)', meter)
  if not match or int(match.group(1)) < 1 or int(
      match.group(2)) not in (1, 2, 4, 8, 16):
    return None
  return int(match.group(1)), int(match.group(2))


def is_common_time(tune):
  return bool(tune.meter) and all(
      meter in COMMON_METERS for meter in tune.meter)


def tune_meter(tune):
  """The tune's one meter as (numerator, denominator), or None when it has none
  we read or changes meter (inline [M:...] fields of another value)."""
  parsed = {parse_meter(meter) for meter in tune.meter}
  if len(parsed) != 1 or None in parsed:
    return None
  return parsed.pop()


def is_common_time_sequence(sequence):
  """Whether a converted tune's bars are 16 sixteenth-note steps (4/4 or
  2/2)."""
  return all(
      (signature.numerator, signature.denominator) in COMMON_METERS.values()
      for signature in sequence.time_signatures)


# --- One tune: ABC -> music21 -> NoteSequence
# --------------------------------------


def _measure_starts(measures, bar_quarters):
  """Where each measure goes, in quarter notes, so that every full bar starts on
  the bar grid. The ABC books write pickups and first/second-time endings as
  partial bars; after expanding repeats, an ending followed by a full bar leaves
  a gap, and a pickup that follows a full bar is moved to end on the next bar
  line."""
  starts, pos, moved = [], 0.0, 0
  for index, measure in enumerate(measures):
    length = float(measure.duration.quarterLength)
    remainder = pos % bar_quarters
    following = measures[index + 1] if index + 1 < len(measures) else None
    if index == 0 and measure.paddingLeft:
      start = float(measure.paddingLeft)
    elif length >= bar_quarters:
      start = pos if not remainder else pos - remainder + bar_quarters
      moved += bool(remainder)
    elif (remainder == 0 and length < bar_quarters / 2 and
          following is not None and
          float(following.duration.quarterLength) >= bar_quarters):
      start = pos + bar_quarters - length  # a pickup into the next strain
    elif remainder + length > bar_quarters:
      start = pos - remainder + bar_quarters
      moved += 1
    else:
      start = pos
    starts.append(start)
    pos = start + length
  return starts, moved


def _key_signature(score):
  from music21 import key  # pylint: disable=g-import-not-at-top
  for signature in score.recurse().getElementsByClass('KeySignature'):
    if not isinstance(signature, key.Key):
      signature = signature.asKey('major')
    mode = note_seq.NoteSequence.KeySignature.Mode.Value(
        signature.mode.upper()) if signature.mode.upper() in (
            note_seq.NoteSequence.KeySignature.Mode.keys()) else (
                note_seq.NoteSequence.KeySignature.NOT_SPECIFIED)
    return signature.tonic.pitchClass, mode
  return None


def convert_tune(tune):
  """(serialized NoteSequence or None, list of notes on what happened)."""
  from music21 import converter  # pylint: disable=g-import-not-at-top
  from music21 import repeat  # pylint: disable=g-import-not-at-top
  notes_on = []
  try:
    score = converter.parse(tune.abc, format='abc')
  # Music21 raises many types for a bad transcription.
  except Exception as error:
    return None, ['parse error (%s)' % type(error).__name__]
  if hasattr(score, 'scores'):  # an Opus
    score = score.scores[0]
  try:
    score = score.expandRepeats()
  except (repeat.ExpanderException, Exception):  # pylint: disable=broad-except
    notes_on.append('repeats not expanded')
  if not score.parts:
    return None, ['no parts']
  part = score.parts[0]
  measures = list(part.getElementsByClass('Measure'))
  if not measures:
    return None, ['no measures']
  numerator, denominator = tune_meter(tune)
  starts, moved = _measure_starts(measures, 4.0 * numerator / denominator)
  if moved:
    notes_on.append('bars realigned')

  sequence = note_seq.NoteSequence()
  sequence.id = tune.id
  sequence.filename = '%s (%s)' % (tune.title, tune.id)
  sequence.ticks_per_quarter = note_seq.STANDARD_PPQ
  sequence.source_info.source_type = (
      note_seq.NoteSequence.SourceInfo.SCORE_BASED)
  sequence.source_info.encoding_type = note_seq.NoteSequence.SourceInfo.ABC
  sequence.source_info.parser = note_seq.NoteSequence.SourceInfo.MUSIC21
  sequence.sequence_metadata.title = tune.title
  sequence.sequence_metadata.artist = COLLECTIONS[tune.collection]
  if tune.rhythm:
    sequence.sequence_metadata.genre.append(tune.rhythm)
  sequence.tempos.add(time=0.0, qpm=QPM)
  sequence.time_signatures.add(time=0.0, numerator=numerator,
                               denominator=denominator)
  key_signature = _key_signature(score)
  if key_signature:
    sequence.key_signatures.add(time=0.0, key=key_signature[0],
                                mode=key_signature[1])

  seconds_per_quarter = 60.0 / QPM
  sounding = {}  # midi pitch -> the note a tie may extend
  for measure, start in zip(measures, starts):
    for element in measure.flatten().notes:
      if element.duration.isGrace or element.duration.quarterLength <= 0:
        continue
      begin = (start + float(element.offset)) * seconds_per_quarter
      end = begin + float(element.duration.quarterLength) * seconds_per_quarter
      tie = element.tie.type if element.tie is not None else None
      for pitch in element.pitches:
        previous = sounding.get(pitch.midi)
        if tie in ('stop', 'continue') and previous is not None and abs(
            previous.end_time - begin) < 1e-6:
          previous.end_time = end
          continue
        sounding[pitch.midi] = sequence.notes.add(pitch=pitch.midi,
                                                  velocity=VELOCITY,
                                                  program=PROGRAM,
                                                  start_time=begin,
                                                  end_time=end)
  if not sequence.notes:
    return None, notes_on + ['no notes']
  sequence.total_time = max(note.end_time for note in sequence.notes)
  return sequence.SerializeToString(), notes_on


# --- The cache
# ---------------------------------------------------------------------


def _music21_version():
  import music21  # pylint: disable=g-import-not-at-top
  return music21.__version__


def build_cache(cache_dir, workers=2):
  """Converts both books and writes the cache; returns the summary dict."""
  start = time.time()
  counts = collections.Counter()
  tunes = read_tunes(counts)
  kept = [tune for tune in tunes if tune_meter(tune)]
  logging.info(
      'Read %d tunes (%s); %d keep one meter (%d in 4/4 or 2/2). Converting '
      'them with %d worker(s)...', len(tunes), ', '.join(COLLECTIONS),
      len(kept), sum(map(is_common_time, kept)), workers)
  results = []
  if workers > 1:
    # spawn: the parent has started TensorFlow's runtime, which fork does not
    # copy.
    context = multiprocessing.get_context('spawn')
    with context.Pool(workers) as pool:
      for index, result in enumerate(pool.imap(convert_tune, kept,
                                               chunksize=8)):
        results.append(result)
        if (index + 1) % 100 == 0 or index + 1 == len(kept):
          logging.info('  %d/%d tunes (%.0f s)', index + 1, len(kept),
                       time.time() - start)
  else:
    for index, tune in enumerate(kept):
      results.append(convert_tune(tune))
      if (index + 1) % 100 == 0 or index + 1 == len(kept):
        logging.info('  %d/%d tunes (%.0f s)', index + 1, len(kept),
                     time.time() - start)

  os.makedirs(cache_dir, exist_ok=True)
  path = os.path.join(cache_dir, CACHE_FILE)
  converted = collections.Counter()
  failed = {}
  with tf.io.TFRecordWriter(path + '.tmp') as writer:
    for tune, (serialized, notes_on) in zip(kept, results):
      for note in notes_on:
        converted['%s: %s' % (tune.collection, note)] += 1
      if serialized is None:
        failed[tune.id] = notes_on[-1]
        continue
      converted['%s: converted' % tune.collection] += 1
      writer.write(serialized)
  os.replace(path + '.tmp', path)
  summary = {
      'format': CACHE_FORMAT,
      'music21': _music21_version(),
      'tunes': dict(sorted(counts.items())),
      'in_one_meter': len(kept),
      'in_4/4_or_2/2': sum(map(is_common_time, kept)),
      'conversion': dict(sorted(converted.items())),
      'converted': len(kept) - len(failed),
      'failed': failed,
      'seconds': round(time.time() - start, 1),
  }
  with open(os.path.join(cache_dir, SUMMARY_FILE), 'w') as summary_file:
    json.dump(summary, summary_file, indent=2, sort_keys=True)
    summary_file.write('\n')
  logging.info('Wrote %d NoteSequences to %s in %.0f s.', summary['converted'],
               path, summary['seconds'])
  return summary


def _cached_summary(cache_dir):
  try:
    with open(os.path.join(cache_dir, SUMMARY_FILE)) as summary_file:
      summary = json.load(summary_file)
  except (OSError, ValueError):
    return None
  if summary.get('format') != CACHE_FORMAT or not os.path.exists(
      os.path.join(cache_dir, CACHE_FILE)):
    return None
  return summary


def load_corpus(cache_dir=DEFAULT_CACHE_DIR, rebuild=False, workers=2):
  """The corpus NoteSequences in their fixed order, converting (once) if
  needed."""
  summary = None if rebuild else _cached_summary(cache_dir)
  if summary is None:
    summary = build_cache(cache_dir, workers)
  else:
    logging.info(
        'Reusing the folk corpus cache %s (%d tunes; --rebuild to redo).',
        cache_dir, summary['converted'])
  path = os.path.join(cache_dir, CACHE_FILE)
  sequences = [
      note_seq.NoteSequence.FromString(record.numpy())
      for record in tf.data.TFRecordDataset(path)
  ]
  return sequences, summary


def training_tunes(sequences):
  """`sequences` less the example songs and other transcriptions of them (the
  same title, e.g. in the other book)."""
  example_keys = {
      title_key(sequence.sequence_metadata.title)
      for sequence in sequences
      if sequence.id in EXAMPLE_IDS
  }
  return [
      sequence for sequence in sequences if sequence.id not in EXAMPLE_IDS and
      title_key(sequence.sequence_metadata.title) not in example_keys
  ]


def example_tunes(sequences):
  by_id = {sequence.id: sequence for sequence in sequences}
  missing = [tune_id for tune_id in EXAMPLE_IDS if tune_id not in by_id]
  if missing:
    raise UserError('example tunes not in the corpus: %s' % ', '.join(missing))
  return [by_id[tune_id] for tune_id in EXAMPLE_IDS]


def write_examples(sequences, out_dir):
  """data/folk_examples.tfrecord and data/folk_examples/*.mid."""
  examples = example_tunes(sequences)
  midi_dir = os.path.join(out_dir, 'folk_examples')
  os.makedirs(midi_dir, exist_ok=True)
  for name in os.listdir(midi_dir):
    if name.endswith('.mid'):
      os.remove(os.path.join(midi_dir, name))
  tfrecord_path = os.path.join(out_dir, 'folk_examples.tfrecord')
  with tf.io.TFRecordWriter(tfrecord_path) as writer:
    for sequence in examples:
      writer.write(sequence.SerializeToString())
  for index, sequence in enumerate(examples):
    stem = re.sub(r'[^A-Za-z0-9]+', '_',
                  sequence.sequence_metadata.title).strip('_')
    note_seq.sequence_proto_to_midi_file(
        sequence, os.path.join(midi_dir, '%02d_%s.mid' % (index + 1, stem)))
  logging.info('Wrote %d example tunes to %s and %s/*.mid.', len(examples),
               tfrecord_path, midi_dir)


FLAGS = flags.FLAGS


def _define_flags():
  # Only when run as a script: the training tools import this module beside
  # flags of their own.
  flags.DEFINE_string('cache_dir', DEFAULT_CACHE_DIR,
                      'Where the corpus cache lives.')
  flags.DEFINE_bool('rebuild', False,
                    'Convert the ABC books again, even when cached.')
  flags.DEFINE_integer('workers', 2, 'Processes converting tunes.')
  flags.DEFINE_bool('write_examples', False,
                    'Also write the example songs to --examples_dir.')
  flags.DEFINE_string(
      'examples_dir', os.path.join(REPO_ROOT, 'data'),
      'Where --write_examples writes folk_examples.tfrecord and '
      'folk_examples/*.mid.')


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging()
  sequences, summary = load_corpus(FLAGS.cache_dir, FLAGS.rebuild,
                                   FLAGS.workers)
  logging.info(
      '%s',
      json.dumps({
          k: v for k, v in summary.items() if k != 'failed'
      }, indent=1, sort_keys=True))
  if summary['failed']:
    logging.info(
        'Not converted: %s', ', '.join(
            '%s (%s)' % item for item in sorted(summary['failed'].items())))
  if FLAGS.write_examples:
    write_examples(sequences, FLAGS.examples_dir)


if __name__ == '__main__':
  _define_flags()
  app.run(main)

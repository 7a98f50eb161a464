r"""QUALITY.md's tables: a personalized SmallMusicVAE (or LCMusicVAE) against
the plain MusicVAE prior, at default settings, on the demo songs and on
public-domain song sets of other character from music21's corpus (none of them
in the bundled base model's training data, which is O'Neill's and Ryan's
collections).

  .venv/bin/python -m tools.quality_table --output=QUALITY.md
  .venv/bin/python -m tools.quality_table --config=lc-cat-mel_2bar_big \
      --label=lc --output=QUALITY.md

For each set: the songs as a NoteSequence TFRecord (made once from music21's
corpus, in work_dir/songs/), `midime_train.py`'s job with its defaults (no
--hparams, the default --num_steps) over model/folk-mel_2bar.tar, then
`midime_evaluate.py`'s job (256 samples from each model at midime_generate.py's
temperature, the model's own: 0.5 for ae-, 1.0 for lc- configs; or
--temperature).
Prints a Markdown table and writes it with every set's evaluation.md under
work_dir; with --output, also into that report (QUALITY.md) as a section of its
own, in place of the section an earlier run of the same --config, --label and
--seed wrote, as `make bench` updates BENCHMARKS.md. The table's last column
names the features on which the base MusicVAE's own reconstructions of the songs
lose to the prior too: losses there are the base model's, out of any
personalization's reach.
--hparams / --num_steps / --seed measure other settings the same way. The five
sets take a few minutes on 2 CPU cores for an ae- config, about 15 minutes for
lc-cat-mel_2bar_big (5,000 training steps a set).

Needs music21 (requirements-tools.txt).
"""

import os

from absl import app
from absl import flags
from absl import logging

# Before TensorFlow: magenta needs Keras 2.
from midime import tf_setup  # noqa: F401

FLAGS = flags.FLAGS
flags.DEFINE_string('work_dir', 'tmp/quality',
                    'Songs, runs and evaluations go here.')
flags.DEFINE_list(
    'sets', ['demo', 'essen_children', 'bach_soprano', 'joplin', 'classical'],
    'Which song sets (see SONG_SETS).')
flags.DEFINE_string('base_model', 'model/folk-mel_2bar.tar', 'The MusicVAE.')
flags.DEFINE_string('config', 'ae-cat-mel_2bar_big', 'The small model config.')
flags.DEFINE_integer('num_steps', None,
                     'Training steps; default: midime_train.py\'s.')
flags.DEFINE_string('hparams', '',
                    'Hyperparameters; default: none (the defaults).')
flags.DEFINE_string('label', 'defaults',
                    'Names this setting\'s runs in work_dir.')
flags.DEFINE_integer('num_samples', 256, 'Samples from each model.')
flags.DEFINE_integer('seed', 1, 'Seed of training and sampling.')
flags.DEFINE_string(
    'output', '', 'Also write the table into this Markdown report '
    '(QUALITY.md), in place of the section of an earlier '
    'run of the same --config, --label and --seed, or at '
    'its end. Empty: work_dir only.')
flags.DEFINE_float(
    'temperature', None,
    'Sampling temperature of both models; default: midime_generate.py\'s, '
    'the model\'s own (0.5 for ae-, 1.0 for lc- configs).')

DEMO_SONGS = 'data/folk_examples.tfrecord'
MAX_SONGS = 25


def _four_four(score):
  from music21 import meter
  signatures = score.recurse().getElementsByClass(meter.TimeSignature)
  return bool(signatures) and all(ts.ratioString == '4/4' for ts in signatures)


def _essen_children():
  """Children's songs of the Essen folksong collection (kinder0.abc), those in
  4/4."""
  from music21 import corpus
  opus = corpus.parse('essenFolksong/kinder0.abc')
  return [(score.metadata.title or 'kinder%d' % index, score)
          for index, score in enumerate(opus.scores)
          if _four_four(score)]


def _bach_soprano():
  """Soprano lines of Bach's four-part chorales in 4/4 (bwv*.mxl, the first
  part)."""
  from music21 import corpus
  songs = []
  for path in sorted(corpus.getComposer('bach')):
    name = os.path.basename(str(path)).split('.')[0]
    if not name.startswith('bwv') or not str(path).endswith('.mxl'):
      continue
    score = corpus.parse(path)
    if len(score.parts) == 4 and _four_four(score):
      songs.append((name, score.parts[0]))
    if len(songs) == MAX_SONGS:
      break
  return songs


def _joplin():
  """Maple Leaf Rag's right hand (2/4: re-barred to 4/4 in write_songs, two bars
  into one, since magenta's melody converter takes only 16-step bars)."""
  from music21 import corpus
  return [
      ('maple_leaf_rag', corpus.parse('joplin/maple_leaf_rag.mxl').parts[0])
  ]


def _classical():
  """First violin / right hand of three Classical first movements in 4/4:
  Mozart's Piano Sonata K. 545 (the exposition), his String Quartet K. 155 and
  Haydn's String Quartet Op. 74 No. 1."""
  from music21 import corpus
  return [(name, corpus.parse(path).parts[0])
          for name, path in (('mozart_k545_i',
                              'mozart/k545/movement1_exposition.mxl'),
                             ('mozart_k155_i', 'mozart/k155/movement1.mxl'),
                             ('haydn_op74no1_i',
                              'haydn/opus74no1/movement1.mxl'))]


SONG_SETS = {
    'essen_children':
        ('Essen children\'s songs (kinder0, 4/4)', _essen_children),
    'bach_soprano': ('Bach chorale soprano lines (4/4)', _bach_soprano),
    'joplin': ('Joplin, Maple Leaf Rag, right hand', _joplin),
    'classical':
        ('Mozart K. 545, K. 155, Haydn Op. 74/1: first movements\' top line',
         _classical),
}
SET_TITLES = dict({'demo': 'demo: Ryan\'s dotted hornpipes'}, **{
    name: title for name, (title, _) in SONG_SETS.items()
})


def write_songs(name, path):
  """Writes song set `name` as a NoteSequence TFRecord at `path` (once)."""
  import tempfile
  import note_seq
  import tensorflow.compat.v1 as tf
  if os.path.exists(path):
    return path
  os.makedirs(os.path.dirname(path), exist_ok=True)
  songs = SONG_SETS[name][1]()
  with tempfile.TemporaryDirectory() as folder, \
      tf.io.TFRecordWriter(path + '.partial') as writer:
    for title, stream in songs:
      midi_path = os.path.join(folder, 'song.mid')
      stream.write('midi', fp=midi_path)
      sequence = note_seq.midi_file_to_note_sequence(midi_path)
      sequence.filename = sequence.id = title
      for note in sequence.notes:
        # The part is the tune, whatever its instrument: magenta's melody
        # converter takes only programs 0-31 (a violin is 40).
        note.program = 0
      for signature in sequence.time_signatures:
        if (signature.numerator, signature.denominator) == (2, 4):
          signature.numerator = 4  # two 2/4 bars as one 4/4 bar
      writer.write(sequence.SerializeToString())
  os.replace(path + '.partial', path)
  logging.info('Wrote %d songs of %s to %s.', len(songs), name, path)
  return path


def measure(name, examples_path):
  """Trains on `examples_path` with the chosen settings and evaluates; returns
  the evaluation's results."""
  from midime.jobs import evaluate as evaluate_job
  from midime.jobs import train as train_job
  run_dir = os.path.join(FLAGS.work_dir, FLAGS.label, name, 'run')
  # None: midime_train.py's default, the config's own.
  train_job.run(
      train_job.TrainOptions(config=FLAGS.config, run_dir=run_dir,
                             examples_path=examples_path,
                             pretrained_path=FLAGS.base_model,
                             num_steps=FLAGS.num_steps, hparams=FLAGS.hparams,
                             seed=FLAGS.seed))
  results, _ = evaluate_job.run(
      evaluate_job.EvaluateOptions(
          run_dir=run_dir, vae_checkpoint_file=FLAGS.base_model,
          examples_path=examples_path,
          output_dir=os.path.join(FLAGS.work_dir, FLAGS.label, name,
                                  'evaluation'), num_samples=FLAGS.num_samples,
          temperature=FLAGS.temperature, seed=FLAGS.seed))
  results['reconstructions_lose_on'] = reconstructions_lose_on(
      run_dir, examples_path, results)
  return results


def reconstructions_lose_on(run_dir, examples_path, results):
  """The features on which the base MusicVAE's own reconstructions of the songs'
  windows as given (each window's z = mu, decoded at the sampling temperature)
  are no closer to the songs than the prior's samples: where even a
  personalization that gave back the songs' own codes would lose, because the
  base model cannot render them."""
  import numpy as np
  from midime import checkpoints
  from midime import configs
  from midime import frozen_music_vae
  from midime import latent_cache
  from midime import music_metrics
  from midime import sampling
  from midime.evaluation import measures
  from midime.jobs import evaluate as evaluate_job
  from midime.jobs import train as train_job
  cache = latent_cache.load(os.path.join(run_dir, train_job.LATENTS_FILE))
  # The songs as given: a model trained on transpositions cached those too.
  codes = cache.mu[cache.in_song_keys()]
  config = configs.get_config(FLAGS.config)
  examples, _, _ = evaluate_job.read_examples(examples_path, config)
  with checkpoints.open_checkpoint(FLAGS.base_model,
                                   'MusicVAE checkpoint') as vae:
    vae_config = frozen_music_vae.load_music_vae_config(config.vae_config_name,
                                                        vae)
    decoder = sampling.MusicVAEPrior(vae_config, vae, 64, seed=FLAGS.seed)
    try:
      reconstructions = measures.WindowSet(
          decoder.decode_tensors(np.asarray(codes, np.float32),
                                 temperature=results['temperature']),
          vae_config.data_converter)
    finally:
      decoder.close()
  tracks = music_metrics.tracks_of(examples.notes)
  features = [
      music_metrics.window_set_features(window_set.notes, examples.steps,
                                        tracks, examples.steps_per_bar)
      for window_set in (reconstructions, examples)
  ]
  lost = []
  for key, _, track, feature in measures.feature_metrics(tracks):
    overlap = measures.feature_overlap(features[0][track][feature],
                                       features[1][track][feature], feature,
                                       FLAGS.seed)
    prior_overlap = results['metrics'][key]['given']['prior']
    # The evaluation's own rule, its tie tolerance included.
    if measures.closer(key, {
        'personalized': overlap,
        'prior': prior_overlap
    }) != 'personalized':
      lost.append(feature)
  return lost


def table(rows):
  """The markdown table of (set name, evaluation results) rows."""
  lines = [
      '| songs | windows | closer: as given | closer: as trained | copy rate '
      '| range: songs / pers. / prior | interval: songs / pers. / prior '
      '| the base model\'s reconstructions lose on |',
      '| --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ]
  for name, results in rows:
    counts = results['closer_counts']
    means = results['feature_means']
    spread = {
        feature:
            ' / '.join('%.1f' % means[s]['melody'][feature]
                       for s in ('examples', 'personalized', 'prior'))
        for feature in ('pitch_range', 'mean_abs_interval')
    }
    lines.append('| %s | %d | %d of %d | %d of %d | %.1f%% | %s | %s | %s |' %
                 (SET_TITLES.get(name, name), results['num_example_windows'],
                  counts['given'][0], counts['given'][1], counts['trained'][0],
                  counts['trained'][1],
                  100 * results['copying']['copy_rate']['personalized'],
                  spread['pitch_range'], spread['mean_abs_interval'],
                  ', '.join(results['reconstructions_lose_on']) or 'nothing'))
  return '\n'.join(lines) + '\n'


REPORT_TITLE = '# Quality at default settings\n'
SECTION_BEGIN = '<!-- quality:%s -->'
SECTION_END = '<!-- /quality:%s -->'
# The flags that say what was measured, in the order the command shows them.
_MEASURED_FLAGS = ('config', 'label', 'seed', 'num_steps', 'hparams',
                   'temperature', 'num_samples', 'base_model', 'sets')


def command_line():
  """The command that measures this run again and updates the same section."""
  parts = ['.venv/bin/python -m tools.quality_table']
  for name in _MEASURED_FLAGS:
    if FLAGS[name].value != FLAGS[name].default:
      parts.append(FLAGS[name].serialize())
  parts.append('--output=%s' % FLAGS.output)
  return ' '.join(parts)


def _commit():
  """The repository's commit (with `+` when the tree has changes), or None."""
  import subprocess
  try:
    head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                          capture_output=True, text=True,
                          check=True).stdout.strip()
    dirty = subprocess.run(
        ['git', 'status', '--porcelain', '--untracked-files=no'],
        capture_output=True, text=True, check=True).stdout.strip()
  except (OSError, subprocess.CalledProcessError):
    return None
  return head + ('+' if dirty else '')


def report_section(text, temperature):
  """The lines of this run's section of the report: what was measured, how, and
  the table `text`."""
  import datetime
  commit = _commit()
  title = '## %s, seed %d' % (FLAGS.config, FLAGS.seed)
  if FLAGS.label != FLAGS['label'].default:
    title += ' (%s)' % FLAGS.label
  return [
      title, '',
      'Measured on %s%s by `%s`: --num_steps=%s, --hparams=%r, temperature %s, '
      '%d samples from each model.' %
      (datetime.date.today().isoformat(), ' at commit %s' %
       commit if commit else '', command_line(), FLAGS.num_steps or
       'default', FLAGS.hparams, float(temperature), FLAGS.num_samples), '',
      text.rstrip('\n')
  ]


def write_section(path, name, lines):
  """Puts `lines` into the report at `path` as section `name`, in place of that
  section's previous run, or at the end; the rest of the report stays as it
  is."""
  text = open(path).read() if os.path.exists(path) else REPORT_TITLE
  begin, end = SECTION_BEGIN % name, SECTION_END % name
  block = '\n'.join([begin] + lines + [end])
  if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
  else:
    text = text.rstrip('\n') + '\n\n' + block + '\n'
  with open(path + '.tmp', 'w') as report:
    report.write(text)
  os.replace(path + '.tmp', path)


def main(argv):
  del argv
  rows = []
  for name in FLAGS.sets:
    if name == 'demo':
      examples_path = DEMO_SONGS
    elif name in SONG_SETS:
      examples_path = write_songs(
          name, os.path.join(FLAGS.work_dir, 'songs', name + '.tfrecord'))
    else:
      raise app.UsageError('unknown set %r; known: demo, %s' %
                           (name, ', '.join(SONG_SETS)))
    rows.append((name, measure(name, examples_path)))
  text = table(rows)
  path = os.path.join(FLAGS.work_dir, FLAGS.label, 'quality_table.md')
  with open(path, 'w') as output:
    output.write('settings: --num_steps=%s --hparams=%r\n\n%s' %
                 (FLAGS.num_steps or 'default', FLAGS.hparams, text))
  print(text)
  logging.info('Wrote %s.', path)
  if FLAGS.output:
    name = '%s/%s/seed=%d' % (FLAGS.config, FLAGS.label, FLAGS.seed)
    write_section(FLAGS.output, name,
                  report_section(text, rows[0][1]['temperature']))
    logging.info('Updated section %s of %s.', name, FLAGS.output)


if __name__ == '__main__':
  app.run(main)

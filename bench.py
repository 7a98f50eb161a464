r"""`make bench`: where the time and memory go, against the original method and magenta.

Builds a full-size cat-mel_2bar_big-shaped MusicVAE with random weights (the same
FLOPs and bytes as the real one) once under .cache/bench, then measures, on this
machine, and writes BENCHMARKS.md:

- the whole midime_train.py run (load, encode, train) against the original method
  (the frozen encoder run on every step, batch 2: a mode of this script);
- encoding throughput of the latent cache against magenta's TrainedModel.encode_tensors;
- sampling throughput against magenta's TrainedModel.sample;
- peak RSS of training and generation against the checkpoint's size;
each at 100, 1,000 and 10,000 examples (8, 64, 512 outputs). `--quick` runs the
smallest sizes only.

Cases that also run alone, each rewriting its own section of the report (issue 15 and
issue 9 item 4): `--only=songs25` the whole 2,000-step run on 25 folk songs against
the original method, encoding against magenta on the same windows, the encoder's share
of this CPU's matmul rate, start-up; `--only=dedup` duplicate windows in real song
sets; `--only=families` encoding and sampling of full-size hierdec-mel_16bar,
hierdec-trio_16bar and cat-drums_2bar_small against magenta; `--only=main` the above
tables.

  python bench.py [--quick] [--only=songs25,dedup,families,main] [--output=BENCHMARKS.md]
"""

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from absl import app
from absl import flags

from midime import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import numpy as np
import tensorflow.compat.v1 as tf

FLAGS = flags.FLAGS
flags.DEFINE_bool('quick', False, 'Smallest sizes only (about 3 minutes).')
flags.DEFINE_string('output', 'BENCHMARKS.md', 'The report to write.')
flags.DEFINE_string('cache_dir', '.cache/bench',
                    'Where the full-size checkpoint and songs are kept between runs.')
flags.DEFINE_integer('repeats', 3, 'Repeats of each throughput measurement (median).')
flags.DEFINE_integer('original_method_steps', 0,
                     'Internal: run the original method for this many timed steps '
                     'and print its timings as JSON.')
flags.DEFINE_string('examples_path', None, 'Internal: songs for the original method.')
flags.DEFINE_list('only', [],
                  'Run only these cases, each updating its own section of the report: '
                  'main (training, encoding, sampling, memory at 100/1,000/10,000 '
                  'examples), songs25 (the whole run on 25 songs against the original '
                  'method, encoding against magenta, the matmul share, start-up), dedup '
                  '(duplicate windows in the folk corpus), families (16-bar, trio, '
                  'drums: encoding and sampling against magenta).')
flags.DEFINE_integer('steps', 2000, 'Training steps of the songs25 case.')

REPO = os.path.dirname(os.path.abspath(__file__))
TRANSPOSITIONS = 11  # the config's -5..+5
ORIGINAL_BATCH_SIZE = 2


def _python():
  return sys.executable


def full_size_checkpoint(cache_dir):
  """The random full-size cat-mel_2bar_big: (prefix, tar path), made once."""
  from midime import random_music_vae
  folder = os.path.join(cache_dir, 'cat-mel_2bar_big')
  prefix = os.path.join(folder, 'cat-mel_2bar_big.ckpt')
  tar_path = os.path.join(folder, 'cat-mel_2bar_big.tar')
  if not os.path.exists(tar_path):
    print('Building a full-size random cat-mel_2bar_big in %s...' % folder, flush=True)
    random_music_vae.write_random_music_vae(folder, as_tar=True)
  return prefix, tar_path


def songs_for(cache_dir, num_examples):
  """A TFRecord of two-bar melodies giving about `num_examples` encoded examples
  (each song gives one slice at each of 11 transpositions)."""
  sys.path.insert(0, os.path.join(REPO, 'tests'))
  import melodies
  num_songs = max(1, round(num_examples / TRANSPOSITIONS))
  path = os.path.join(cache_dir, 'songs_%d.tfrecord' % num_songs)
  if not os.path.exists(path):
    melodies.write_tfrecord(path, [melodies.random_melody(seed, bars=2, name='s%d' % seed)
                                   for seed in range(num_songs)])
  return path, num_songs * TRANSPOSITIONS


# Forks the command from a small process and reports its peak RSS. Linux carries a
# process's peak RSS into the program it execs, so a command forked straight from this
# (large) process would report at least this process's size.
_RSS_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
  os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stdout.write('\\nPEAK_RSS_KB=%d\\n' % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(command, cwd=REPO):
  """Runs `command`; returns (wall seconds, peak RSS bytes, stdout+stderr)."""
  start = time.perf_counter()
  result = subprocess.run([_python(), '-c', _RSS_LAUNCHER] + command, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
  wall = time.perf_counter() - start
  output, _, peak = result.stdout.rpartition('PEAK_RSS_KB=')
  if result.returncode != 0 or not peak:
    raise RuntimeError('%s failed:\n%s' % (' '.join(command), result.stdout[-3000:]))
  return wall, int(peak) * 1024, output


def bench_training(cache_dir, prefix, sizes, step_counts, batch_size=None):
  """Whole midime_train.py runs; `batch_size` None: the config's."""
  from midime import configs
  run_batch_size = batch_size or configs.get_config(
      'ae-cat-mel_2bar_big').hparams.batch_size
  rows = []
  for num_examples in sizes:
    songs, examples = songs_for(cache_dir, num_examples)
    for steps in step_counts:
      run_dir = os.path.join(cache_dir, 'run')
      shutil.rmtree(run_dir, ignore_errors=True)
      wall, rss, _ = measured([
          _python(), 'midime_train.py', '--config=ae-cat-mel_2bar_big',
          '--run_dir=' + run_dir, '--examples_path=' + songs,
          '--pretrained_path=' + prefix, '--num_steps=%d' % steps, '--seed=1'] + (
              ['--hparams=batch_size=%d' % batch_size] if batch_size else []))
      rows.append({'examples': examples, 'steps': steps, 'wall_s': wall, 'rss': rss,
                   'batch_size': run_batch_size})
      print('  train: %d examples, %d steps, batch %d: %.1f s, peak RSS %.0f MB' % (
          examples, steps, run_batch_size, wall, rss / 2 ** 20), flush=True)
  return rows


def bench_original_method(cache_dir, prefix, sizes, timed_steps=30):
  """The original's training as a subprocess: the whole process's wall time for
  `timed_steps` steps, and the median step, to extrapolate longer runs."""
  rows = []
  for num_examples in sizes:
    songs, examples = songs_for(cache_dir, num_examples)
    wall, rss, output = measured([
        _python(), 'bench.py', '--original_method_steps=%d' % timed_steps,
        '--examples_path=' + songs])
    timings = json.loads(output.strip().splitlines()[-1])
    rows.append({'examples': examples, 'wall_s': wall, 'rss': rss,
                 'timed_steps': timed_steps, 'step_s': timings['median_step_s']})
    print('  original method: %d examples: %.1f s for %d steps, %.0f ms/step' % (
        examples, wall, timed_steps, 1000 * timings['median_step_s']), flush=True)
  return rows


def run_original_method(examples_path, prefix, timed_steps):
  """The original's training step: MusicVAE's encoder inside the step, batch 2.

  As in github.com/Elvenson/midiMe: every step encodes a batch of 2 one-hot slices
  with the frozen 2048-unit encoder, samples z ~ q(z|x), and trains SmallMusicVAE on it.
  """
  from midime import base_model
  from midime import checkpoints
  from midime import configs
  from midime.frozen_music_vae import FrozenMusicVAE, load_music_vae_config
  from midime import melody_slices
  from midime import note_sequence_io
  config = configs.get_config('ae-cat-mel_2bar_big',
                              'batch_size=%d' % ORIGINAL_BATCH_SIZE)
  # The original's pipeline converted songs as it read them; do the same work here.
  slices, _ = melody_slices.extract_slices(
      note_sequence_io.read_note_sequences(examples_path), config.data_converter,
      config.note_sequence_augmenter)
  rng = np.random.default_rng(0)
  batch_size = ORIGINAL_BATCH_SIZE
  with checkpoints.open_checkpoint(prefix) as checkpoint, tf.Graph().as_default():
    vae = FrozenMusicVAE(load_music_vae_config('cat-mel_2bar_big', checkpoint),
                         batch_size)
    inputs = tf.placeholder(tf.float32, [batch_size, None, slices.inputs.shape[-1]])
    lengths = tf.placeholder(tf.int32, [batch_size])
    mu, sigma = vae.encode(inputs, lengths)
    model = config.model
    model.build(config.hparams, config.data_converter.output_depth, is_training=True)
    loss, _ = model.compute_losses(base_model.LatentBatch(mu, sigma, None, None))
    train_op = model.build_train_op(loss)
    with tf.Session() as session:
      session.run(tf.variables_initializer(
          model.variables() + [v for v in tf.global_variables()
                               if v not in vae.variables()]))
      vae.restore(session, checkpoint)
      durations = []
      for _ in range(timed_steps + 3):
        batch = rng.integers(0, len(slices), batch_size)
        start = time.perf_counter()
        session.run(train_op, {inputs: slices.inputs[batch],
                               lengths: slices.lengths[batch]})
        durations.append(time.perf_counter() - start)
  return {'median_step_s': float(np.median(durations[3:]))}


def _durations(function, repeats):
  durations = []
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    durations.append(time.perf_counter() - start)
  return durations


def _best_rate(count, function, repeats):
  """count / the fastest of `repeats` runs: on a shared machine the least
  disturbed run is the closest to what the code does alone."""
  return count / min(_durations(function, repeats))


def _median_rate(count, function, repeats):
  return count / float(np.median(_durations(function, repeats)))


def bench_encoding(cache_dir, prefix, sizes, repeats):
  """Examples/s of our cache encoder and of magenta's TrainedModel.encode_tensors on
  the same slices, checkpoint and batch size, loading excluded."""
  from magenta.models.music_vae import TrainedModel
  from midime import checkpoints
  from midime import configs
  from midime.frozen_music_vae import load_music_vae_config
  from midime import latent_cache
  from midime import melody_slices
  from midime import note_sequence_io
  config = configs.get_config('ae-cat-mel_2bar_big')
  rows = []
  with checkpoints.open_checkpoint(prefix) as checkpoint:
    vae_config = load_music_vae_config('cat-mel_2bar_big', checkpoint)
    ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint)
    magenta_model = TrainedModel(vae_config, latent_cache.ENCODE_BATCH_SIZE,
                                 checkpoint.prefix)
    for num_examples in sizes:
      songs, _ = songs_for(cache_dir, num_examples)
      slices, _ = melody_slices.extract_slices(
          note_sequence_io.read_note_sequences(songs), config.data_converter,
          config.note_sequence_augmenter)
      times = repeats if len(slices) <= 2000 else 1
      ours_rate = _median_rate(len(slices), lambda: ours.encode(
          slices.inputs, slices.lengths, report_progress=False), times)
      magenta_rate = _median_rate(len(slices), lambda: magenta_model.encode_tensors(
          list(slices.inputs), list(slices.lengths)), times)
      rows.append({'examples': len(slices), 'ours': ours_rate, 'magenta': magenta_rate,
                   'repeats': times})
      print('  encode %d: ours %.0f/s, magenta %.0f/s' % (
          len(slices), ours_rate, magenta_rate), flush=True)
    ours.close()
  return rows


def bench_sampling(cache_dir, prefix, tar_path, counts, repeats):
  """Outputs/s of midime_generate.py's sampler and of magenta's TrainedModel.sample on
  the same MusicVAE (max_batch_size 8 for both), loading excluded."""
  from magenta.models.music_vae import TrainedModel
  from midime import checkpoints
  from midime import configs
  from midime.frozen_music_vae import load_music_vae_config
  from midime import generation
  run_dir = os.path.join(cache_dir, 'sampling_run')
  if not os.path.exists(os.path.join(run_dir, 'ae-cat-mel_2bar_big.tar')):
    songs, _ = songs_for(cache_dir, 100)
    measured([_python(), 'midime_train.py', '--config=ae-cat-mel_2bar_big',
              '--run_dir=' + run_dir, '--examples_path=' + songs,
              '--pretrained_path=' + prefix, '--num_steps=100'])
  rows = []
  with checkpoints.open_checkpoint(os.path.join(run_dir, 'ae-cat-mel_2bar_big.tar')) \
      as small, checkpoints.open_checkpoint(prefix) as checkpoint:
    record = small.sidecars[checkpoints.MODEL_SIDECAR]
    config = configs.get_config('ae-cat-mel_2bar_big', hparams_values=record['hparams'])
    vae_config = load_music_vae_config('cat-mel_2bar_big', checkpoint)
    ours = generation.TrainedMidiMe(config, 'ae-cat-mel_2bar_big', small, 8,
                                    vae_config, checkpoint, seed=1)
    magenta_model = TrainedModel(vae_config, 8, checkpoint.prefix)
    for count in counts:
      times = repeats if count <= 64 else 1
      ours_rate = _median_rate(count, lambda: ours.sample(count, temperature=0.5), times)
      magenta_rate = _median_rate(count, lambda: magenta_model.sample(
          count, length=32, temperature=0.5), times)
      rows.append({'outputs': count, 'ours': ours_rate, 'magenta': magenta_rate,
                   'repeats': times})
      print('  sample %d: ours %.1f/s, magenta %.1f/s' % (count, ours_rate,
                                                          magenta_rate), flush=True)
    ours.close()
  # The whole script, for its peak memory.
  wall, rss, _ = measured([
      _python(), 'midime_generate.py', '--run_dir=' + run_dir,
      '--vae_checkpoint_file=' + tar_path, '--num_outputs=64',
      '--output_dir=' + os.path.join(cache_dir, 'generated'), '--seed=1'])
  shutil.rmtree(os.path.join(cache_dir, 'generated'), ignore_errors=True)
  return rows, {'wall_s': wall, 'rss': rss}


def import_floor_rss():
  """Peak RSS of a process that only imports what the scripts import."""
  _, rss, _ = measured([_python(), '-c', 'import tf_setup, workflows'])
  return rss


def _throughput_table(rows, size_key, rate_format):
  lines = ['| %s | ours | magenta | ratio | goal ≥ 0.9× |' % size_key,
           '| ---: | ---: | ---: | ---: | --- |']
  for row in rows:
    ratio = row['ours'] / row['magenta']
    lines.append(('| %d | ' + rate_format + ' | ' + rate_format +
                  ' | %.2f× | %s (%d repeat%s) |') % (
                      row[size_key], row['ours'], row['magenta'], ratio,
                      'met' if ratio >= 0.9 else 'not met', row['repeats'],
                      '' if row['repeats'] == 1 else 's'))
  return lines


def _original_seconds(row, original):
  """The original method's whole run at `row`'s size and steps."""
  base = [o for o in original if o['examples'] == row['examples']][0]
  return base['wall_s'] + (row['steps'] - base['timed_steps']) * base['step_s']


def _goals_summary(training, original, encoding, sampling, gen_ratio):
  """The issue's goals, each with whether this run met it, in every row measured."""
  def verdict(values, goal):
    met = sum(value >= goal for value in values)
    return '%s (%d of %d measurements; %s)' % (
        'met' if met == len(values) else 'not met' if not met else 'partly met', met,
        len(values), ', '.join('%.1f×' % value for value in values))

  lines = ['## Goals', '']
  for steps, goal in ((1000, 10), (10000, 50)):
    for batch in sorted({row['batch_size'] for row in training}, reverse=True):
      rows = [row for row in training
              if row['steps'] == steps and row['batch_size'] == batch]
      if rows:
        lines.append('- Whole training run at %s steps, batch %d, ≥ %d× the original '
                     'method: **%s**' % ('{:,}'.format(steps), batch, goal, verdict(
                         [_original_seconds(row, original) / row['wall_s']
                          for row in rows], goal)))
  for name, rows in (('Encoding', encoding), ('Sampling', sampling)):
    lines.append('- %s ≥ 0.9× magenta\'s throughput: **%s**' % (name, verdict(
        [row['ours'] / row['magenta'] for row in rows], 0.9)))
  lines += ['- Generation peak RSS ≤ 1.5× the checkpoint: **%s** (%.2f×)' % (
      'met' if gen_ratio <= 1.5 else 'not met', gen_ratio), '']
  return lines


def write_report(path, context, training, original, encoding, sampling, generation_run,
                 floor, checkpoint_bytes):
  from midime import latent_cache
  mb = lambda b: b / 2 ** 20
  lines = ['# Benchmarks', '',
           'Measured by `%s` on %s, %s. Each figure comes from that one run on this '
           'machine; rerun `make bench` to reproduce.' % (
               context['command'], context['date'], context['machine']), '',
           '- Python %s, TensorFlow %s, magenta %s, numpy %s' % (
               context['python'], context['tensorflow'], context['magenta'],
               context['numpy']),
           '- MusicVAE: a full-size cat-mel_2bar_big-shaped checkpoint with random '
           'weights (%s parameters, %.0f MB), built with magenta\'s graph code.' % (
               '{:,}'.format(context['parameters']), mb(checkpoint_bytes)),
           '- Songs: random two-bar melodies; one example = one two-bar slice at one '
           'of the 11 transpositions, as training encodes them.', '']
  header_end = len(lines)

  lines += ['## Training: the whole `midime_train.py` run against the original method',
            '',
            'Ours: wall time of the whole process (imports, load, slicing, encoding '
            'every example once, training, checkpoints, bundle), at the config\'s '
            'batch of 64 and, like for like, at the original\'s batch of %d (the same '
            'work per step). The original method: a process that does the same set-up '
            'and runs the frozen encoder in every training step at batch %d; its wall '
            'time for %d timed steps was measured, and longer runs are that plus the '
            'measured median step times the remaining steps.' % (
                ORIGINAL_BATCH_SIZE, ORIGINAL_BATCH_SIZE, original[0]['timed_steps']),
            '',
            '| examples | steps | batch | ours (s) | original method (s) | speed-up | '
            'goal |', '| ---: | ---: | ---: | ---: | ---: | ---: | --- |']
  for row in training:
    original_s = _original_seconds(row, original)
    goal = 10 if row['steps'] <= 1000 else 50
    speedup = original_s / row['wall_s']
    lines.append('| %d | %d | %d | %.1f | %.0f | %.1f× | ≥ %d×: %s |' % (
        row['examples'], row['steps'], row['batch_size'], row['wall_s'], original_s,
        speedup, goal, 'met' if speedup >= goal else 'not met'))
  lines += ['', 'Original method, median step: %s.' % ', '.join(
      '%.0f ms at %d examples' % (1000 * o['step_s'], o['examples']) for o in original),
      '']

  lines += ['## Encoding throughput (two-bar examples/s)', '',
            'The latent cache\'s encoder against magenta\'s '
            '`TrainedModel.encode_tensors`: same slices, checkpoint and batch size '
            '(%d), model loading excluded; median of the repeats.'
            % latent_cache.ENCODE_BATCH_SIZE, '']
  lines += _throughput_table(encoding, 'examples', '%.0f')
  lines += ['', '## Sampling throughput (MIDI outputs/s)', '',
            'midime_generate.py\'s sampler (small prior -> latent decoder -> MusicVAE '
            'decoder) against magenta\'s `TrainedModel.sample` on the same MusicVAE, '
            'both in batches of 8, model loading excluded.', '']
  lines += _throughput_table(sampling, 'outputs', '%.1f')

  gen_ratio = generation_run['rss'] / checkpoint_bytes
  lines += ['', '## Peak memory (RSS)', '',
            '| process | peak RSS (MB) | × checkpoint (%.0f MB) | above the import '
            'floor (MB) |' % mb(checkpoint_bytes), '| --- | ---: | ---: | ---: |',
            '| importing TensorFlow, magenta and this toolkit only | %.0f | %.2f× | 0 |'
            % (mb(floor), floor / checkpoint_bytes)]
  for row in training:
    lines.append(
        '| midime_train.py, %d examples, %d steps, batch %d | %.0f | %.2f× | %.0f |' % (
            row['examples'], row['steps'], row['batch_size'], mb(row['rss']),
            row['rss'] / checkpoint_bytes, mb(row['rss'] - floor)))
  lines.append('| midime_generate.py, 64 outputs | %.0f | %.2f× | %.0f |' % (
      mb(generation_run['rss']), gen_ratio, mb(generation_run['rss'] - floor)))
  lines += ['', 'Goal: generation peak RSS ≤ 1.5× the checkpoint: **%s** (%.2f×). '
            'Generation loads only the decoder\'s weights (about 70%% of the '
            'checkpoint); the rest is TensorFlow itself: merely importing it with '
            'magenta takes the floor above, shared libraries included.' % (
                'met' if gen_ratio <= 1.5 else 'not met', gen_ratio), '']
  lines[header_end:header_end] = _goals_summary(
      training, original, encoding, sampling, gen_ratio)
  kept = sections_of(path)  # the cases run alone keep their sections
  with open(path + '.tmp', 'w') as report:
    report.write('\n'.join(lines) + ('\n' + kept if kept else ''))
  os.replace(path + '.tmp', path)



# --- Cases that run alone (`--only=...`); each rewrites its own section of the report.

FOLK_CORPUS = os.path.join(REPO, '.cache', 'folk_corpus', 'folk_tunes.tfrecord')
SONG_BARS = 12  # about ten two-bar windows per song, as in the 24-song set
SECTION_BEGIN = '<!-- bench:%s -->'
SECTION_END = '<!-- /bench:%s -->'
# Full-size MusicVAEs of the other families (issue 9): windows encoded and outputs
# sampled per measurement: a 16-bar window costs ~1 s, and fewer than 32 a batch
# would measure small-batch matrix multiplies, not the encoder.
FAMILIES = (('cat-drums_2bar_small', 256, 16), ('hierdec-mel_16bar', 32, 8),
            ('hierdec-trio_16bar', 32, 8))
# Windows of the songs25 set encoded for the throughput comparison (a subset: at
# ~80 windows/s per encoder the whole set would add minutes).
ENCODE_SAMPLE = 512


def load_note():
  """uptime's load averages, for the record: timings here share 2 cores."""
  return '%.1f/%.1f/%.1f' % os.getloadavg()


def write_section(path, name, lines):
  """Puts `lines` into the report at `path` as section `name`, in place of that
  section's previous run, or at the end."""
  text = open(path).read() if os.path.exists(path) else '# Benchmarks\n'
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


def sections_of(path):
  """The marked sections of the report at `path`, to keep when the main part is
  rewritten."""
  if not os.path.exists(path):
    return ''
  text = open(path).read()
  first = text.find('<!-- bench:')
  return '' if first < 0 else text[first:]


def folk_songs(cache_dir, num_songs=25, bars=SONG_BARS):
  """(TFRecord path, description): the first `bars` bars of the first `num_songs`
  tunes of the folk corpus (`make folk-corpus`) that give two-bar windows; random
  melodies of that length when the corpus is not built."""
  from note_seq import sequences_lib
  from midime import configs
  from midime import note_sequence_io
  sys.path.insert(0, os.path.join(REPO, 'tests'))
  import melodies
  real = os.path.exists(FOLK_CORPUS)
  path = os.path.join(cache_dir, '%s_songs_%d.tfrecord' % (
      'folk' if real else 'random', num_songs))
  description = ('the first %d bars of the first %d tunes of the folk corpus '
                 '(`make folk-corpus`)' % (bars, num_songs) if real else
                 '%d random %d-bar melodies (the folk corpus was not built)' % (
                     num_songs, bars))
  if os.path.exists(path):
    return path, description
  if not real:
    melodies.write_tfrecord(path, [melodies.random_melody(seed, bars=bars)
                                   for seed in range(num_songs)])
    return path, description
  converter = configs.get_config('ae-cat-mel_2bar_big').data_converter
  songs = []
  for _, tune in note_sequence_io.read_note_sequences(FOLK_CORPUS):
    seconds_per_bar = 4 * 60.0 / (tune.tempos[0].qpm if tune.tempos else 120.0)
    song = sequences_lib.extract_subsequence(tune, 0.0, bars * seconds_per_bar)
    if converter.to_tensors(song).inputs:
      songs.append(song)
    if len(songs) == num_songs:
      break
  melodies.write_tfrecord(path, songs)
  return path, description


def timed_run(command):
  """Runs `command`; returns (wall seconds, {log marker: seconds after the start when
  it was first logged}, output). Markers: MARKERS."""
  start = time.perf_counter()
  process = subprocess.Popen([_python()] + command, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
  marks, lines = {}, []
  for line in process.stdout:
    lines.append(line)
    for name, marker in MARKERS.items():
      if name not in marks and marker in line:
        marks[name] = time.perf_counter() - start
  process.wait()
  wall = time.perf_counter() - start
  if process.returncode != 0:
    raise RuntimeError('%s failed:\n%s' % (' '.join(command), ''.join(lines)[-3000:]))
  return wall, marks, ''.join(lines)


# midime_train.py's log lines that mark its phases.
MARKERS = {'songs_read': 'NoteSequences from', 'cache_reused': 'Reusing the latent cache',
           'encoding': 'with the frozen MusicVAE encoder',
           'first_step': 'cached latents, steps'}


def encoder_gflop_per_window(prefix, vae_config):
  """Multiply-adds x 2 of the encoder's LSTM kernels for one window: each kernel
  [input + units, 4 units] runs once per step of its level (a hierarchical encoder's
  level i runs max_seq_len / prod(level_lengths[:i]) steps)."""
  import re
  level_lengths = getattr(vae_config.model.encoder, 'level_lengths', [])
  total = 0
  for name, shape in tf.train.list_variables(prefix):
    if (name.startswith('encoder/') and name.endswith('kernel') and len(shape) == 2
        and 'rnn' in name):
      level = re.search(r'hierarchical_level_(\d+)', name)
      steps = vae_config.hparams.max_seq_len // int(np.prod(
          level_lengths[:int(level.group(1))] if level else [], dtype=np.int64))
      total += 2 * shape[0] * shape[1] * steps
  return total / 1e9


# The reference matrix multiply has at least this many rows, so that it measures
# what the CPU can do rather than what a small batch lets it do.
MATMUL_MIN_ROWS = 1024


def _bottom_level_splits(vae_config):
  """How many segments of a window a hierarchical encoder's bottom level encodes
  side by side (its matrix multiplies have batch x that many rows); 1 otherwise."""
  level_lengths = getattr(vae_config.model.encoder, 'level_lengths', None)
  return vae_config.hparams.max_seq_len // level_lengths[0] if level_lengths else 1


def matmul_gflops(rows, inner, cols, repeats=10):
  """This CPU's float32 matrix-multiply rate, GFLOP/s, at the encoder's shape (a
  batch of `rows` by an LSTM kernel [inner, cols]): TensorFlow's and numpy's."""
  a = np.random.default_rng(0).random((rows, inner), np.float32)
  b = np.random.default_rng(1).random((inner, cols), np.float32)
  flop = 2.0 * rows * inner * cols
  with tf.Graph().as_default():
    product = tf.matmul(tf.constant(a), tf.constant(b))
    with tf.Session() as session:
      session.run(product.op)
      tf_rate = _best_rate(flop, lambda: session.run(product.op), repeats) / 1e9
  np_rate = _best_rate(flop, lambda: a @ b, repeats) / 1e9
  return tf_rate, np_rate


def largest_encoder_kernel(prefix):
  shapes = [shape for name, shape in tf.train.list_variables(prefix)
            if name.startswith('encoder/') and name.endswith('kernel') and 'rnn' in name]
  return max(shapes, key=lambda shape: shape[0] * shape[1])


def bench_songs25(cache_dir, prefix, steps, output):
  """The issue's case: the whole 2,000-step run on ~25 songs over a full-size
  cat-mel_2bar_big against the original's method, side by side; encoding against
  magenta's TrainedModel on the same windows; the encoder's share of the CPU's
  matmul rate; start-up."""
  from magenta.models.music_vae import TrainedModel
  from midime import checkpoints
  from midime import configs
  from midime.frozen_music_vae import load_music_vae_config
  from midime import latent_cache
  from midime import melody_slices
  from midime import note_sequence_io
  songs, description = folk_songs(cache_dir)
  config = configs.get_config('ae-cat-mel_2bar_big')
  slices, report = melody_slices.extract_slices(
      note_sequence_io.read_note_sequences(songs), config.data_converter,
      config.note_sequence_augmenter)
  first, _ = latent_cache.distinct_windows(slices.inputs, slices.lengths)
  loads = {'start': load_note()}
  print('songs25: %d songs, %d windows (%d distinct); load %s' % (
      len(report.names), len(slices), len(first), loads['start']), flush=True)

  run_dir = os.path.join(cache_dir, 'songs25_run')
  shutil.rmtree(run_dir, ignore_errors=True)
  train = ['midime_train.py', '--config=ae-cat-mel_2bar_big', '--run_dir=' + run_dir,
           '--examples_path=' + songs, '--pretrained_path=' + prefix, '--seed=1']
  ours_s, marks, _ = timed_run(train + ['--num_steps=%d' % steps])
  print('  ours: %.1f s (%s)' % (ours_s, marks), flush=True)
  # Start-up alone: the same command with its latents cached and a fresh train dir.
  shutil.rmtree(os.path.join(run_dir, 'train'))
  _, warm_marks, _ = timed_run(train + ['--num_steps=1'])
  print('  start-up with cached latents: %s' % warm_marks, flush=True)
  timed_steps = 30
  original_wall, _, output_text = measured([
      _python(), 'bench.py', '--original_method_steps=%d' % timed_steps,
      '--examples_path=' + songs, '--cache_dir=' + cache_dir])
  step_s = json.loads(output_text.strip().splitlines()[-1])['median_step_s']
  original_s = original_wall + (steps - timed_steps) * step_s
  loads['training'] = load_note()
  print('  original: %.0f s (%.0f ms/step); load %s' % (original_s, 1000 * step_s,
                                                  loads['training']), flush=True)

  batch = latent_cache.ENCODE_BATCH_SIZE
  with checkpoints.open_checkpoint(prefix) as checkpoint:
    vae_config = load_music_vae_config('cat-mel_2bar_big', checkpoint)
    ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint, batch_size=batch)
    magenta_model = TrainedModel(vae_config, batch, checkpoint.prefix)
    sample = min(len(slices), ENCODE_SAMPLE)
    ours.encode(slices.inputs[:1], slices.lengths[:1], report_progress=False)
    magenta_model.encode_tensors(list(slices.inputs[:1]), list(slices.lengths[:1]))
    raw_rate = _best_rate(sample, lambda: ours.encode(
        slices.inputs[:sample], slices.lengths[:sample], report_progress=False), 2)
    magenta_rate = _best_rate(sample, lambda: magenta_model.encode_tensors(
        list(slices.inputs[:sample]), list(slices.lengths[:sample])), 2)
    ours.close()
  effective_rate = raw_rate * len(slices) / len(first)
  gflop = encoder_gflop_per_window(prefix, vae_config)
  inner, cols = largest_encoder_kernel(prefix)
  tf_gflops, np_gflops = matmul_gflops(max(batch, MATMUL_MIN_ROWS), inner, cols)
  loads['encoding'] = load_note()
  print('  encoding: ours %.0f/s (%.0f/s counting copies once), magenta %.0f/s; '
        'matmul TF %.0f, numpy %.0f GFLOP/s; load %s' % (
            raw_rate, effective_rate, magenta_rate, tf_gflops, np_gflops,
            loads['encoding']), flush=True)

  speedup = original_s / ours_s
  encode_s = marks['first_step'] - marks['encoding']
  lines = [
      '## The whole run on 25 songs (issue 15)', '',
      '`python bench.py --only=songs25` on %s: %s; %d two-bar windows with the 11 '
      'transpositions (%d distinct), over the full-size cat-mel_2bar_big, %s steps at '
      'the config\'s batch. Timings share the 2 cores with other work: load averages '
      '(1/5/15 min) %s at the start, %s after training, %s after encoding.' % (
          time.strftime('%Y-%m-%d %H:%M'), description, len(slices), len(first),
          '{:,}'.format(steps), loads['start'], loads['training'], loads['encoding']),
      '',
      '| | seconds |', '| --- | ---: |',
      '| ours: the whole `midime_train.py` run (cold: no latent cache) | %.1f |' % ours_s,
      '| of which: command to songs read (imports, checkpoint opened) | %.1f |'
      % marks['songs_read'],
      '| of which: encoding (slicing included) | %.1f |' % encode_s,
      '| of which: first training step to exit (training, checkpoints, bundle) | '
      '%.1f |' % (ours_s - marks['first_step']),
      '| original method, same songs, %s steps at batch %d (%d timed + %.0f ms/step '
      'after) | %.0f |' % ('{:,}'.format(steps), ORIGINAL_BATCH_SIZE, timed_steps,
                           1000 * step_s, original_s),
      '| **speed-up** | **%.1f×** (goal ≥ 10×: %s) |' % (
          speedup, 'met' if speedup >= 10 else 'not met'),
      '| start-up: command to the first training step, latents cached | %.1f |'
      % warm_marks['first_step'],
      '',
      '### Encoding the same windows (the first %d), batch %d, loading excluded' % (
          sample, batch), '', 'The faster of two runs of each.', '',
      '| encoder | windows/s |', '| --- | ---: |',
      '| ours (MusicVAEEncoder.encode, every window) | %.0f |' % raw_rate,
      '| ours, each distinct window once (as `midime_train.py` does) | %.0f |'
      % effective_rate,
      '| magenta `TrainedModel.encode_tensors` | %.0f |' % magenta_rate,
      '| ratio ours / magenta (every window) | %.2f× |' % (raw_rate / magenta_rate),
      '',
      '### The encoder against this CPU\'s matrix-multiply rate', '',
      'The encoder does %.2f GFLOP per window (its LSTM kernels\' multiply-adds, x2, '
      'over the window\'s steps). Float32 matmul [%d, %d] x [%d, %d] (the encoder\'s '
      'kernel, at least %d rows; the fastest of 10) runs at %.0f GFLOP/s in TensorFlow and %.0f GFLOP/s '
      'in numpy here, measured right after the encoder; the '
      'encoder at %.0f windows/s does %.0f GFLOP/s: **%.0f%% of TensorFlow\'s matmul '
      'rate**.' % (gflop, max(batch, MATMUL_MIN_ROWS), inner, inner, cols,
                   MATMUL_MIN_ROWS, tf_gflops, np_gflops, raw_rate, raw_rate * gflop,
                   100 * raw_rate * gflop / tf_gflops), '']
  write_section(output, 'songs25', lines)


def bench_dedup(output):
  """How many windows of real song sets are exact copies (encoded once)."""
  from midime import configs
  from midime import latent_cache
  from midime import melody_slices
  from midime import note_sequence_io
  config = configs.get_config('ae-cat-mel_2bar_big')
  sets = [('data/folk_examples.tfrecord (the demo\'s 8 hornpipes)',
           os.path.join(REPO, 'data', 'folk_examples.tfrecord'))]
  if os.path.exists(FOLK_CORPUS):
    sets.append(('the folk corpus (`make folk-corpus`)', FOLK_CORPUS))
  lines = ['## Duplicate windows (encoded once)', '',
           'Windows identical after slicing (same events, pitch and length) are encoded '
           'once. magenta\'s converter already drops a song\'s repeats of its own '
           'windows, so what is left are windows shared between songs. Untransposed '
           'windows counted (each transposition repeats the same pattern).', '',
           '| song set | songs | windows | distinct | encoded less |',
           '| --- | ---: | ---: | ---: | ---: |']
  for name, path in sets:
    named = note_sequence_io.read_note_sequences(path)
    slices, _ = melody_slices.extract_slices(named, config.data_converter, None)
    first, _ = latent_cache.distinct_windows(slices.inputs, slices.lengths)
    lines.append('| %s | %d | %d | %d | %.1f%% |' % (
        name, len(named), len(slices), len(first),
        100.0 * (len(slices) - len(first)) / len(slices)))
    print('  dedup %s: %d -> %d' % (name, len(slices), len(first)), flush=True)
  write_section(output, 'dedup', lines + [''])


def _complete_checkpoint(prefix, vae_config):
  """Whether the checkpoint at `prefix` exists and holds a hierarchical decoder's
  bar decoder (`core_decoder/...`, a top-level scope that random_music_vae wrote only
  from the families change on)."""
  if not os.path.exists(prefix + '.index'):
    return False
  from magenta.models.music_vae import lstm_models
  if not isinstance(vae_config.model.decoder, lstm_models.HierarchicalLstmDecoder):
    return True
  return any(name.startswith('core_decoder/')
             for name, _ in tf.train.list_variables(prefix))


class FrozenSampler(object):
  """What midime_generate.py runs for a MusicVAE decoder (FrozenMusicVAE.sample,
  decoding one step at a time for reproducible samples), fed z ~ N(0, 1)."""

  def __init__(self, vae_config, checkpoint, batch_size):
    from midime.frozen_music_vae import FrozenMusicVAE, reproducible_decoding
    self._graph = tf.Graph()
    with self._graph.as_default(), reproducible_decoding():
      vae = FrozenMusicVAE(vae_config, batch_size)
      self._z = tf.placeholder(tf.float32, [batch_size, vae.hparams.z_size])
      self._samples = vae.sample(self._z, vae.hparams.max_seq_len, 0.5)
      self._session = tf.Session()
      vae.restore(self._session, checkpoint)
    self._batch_size = batch_size

  def sample(self, count):
    for _ in range(0, count, self._batch_size):
      self._session.run(self._samples, {self._z: np.random.standard_normal(
          self._z.shape.as_list()).astype(np.float32)})


def bench_families(cache_dir, output):
  """Encoding and sampling of each family's full-size MusicVAE against magenta's
  TrainedModel (issue 9 item 4), loading excluded; the encoder's matmul share."""
  from magenta.models.music_vae import TrainedModel
  from midime import checkpoints
  from midime import configs
  from midime import latent_cache
  from midime import frozen_music_vae
  from midime import random_music_vae
  lines = ['## Other families: encoding and sampling against magenta (issue 9)', '',
           '`python bench.py --only=families` on %s. Full-size random checkpoints built '
           'with magenta\'s graph code; random one-hot windows of the full length (the '
           'arithmetic does not depend on the notes), all in one batch of up to %d '
           '(ours and magenta\'s); sampling in batches of 8; loading excluded; the '
           'fastest of 3 runs for two-bar configs, one run for 16-bar ones. '
           'Timings share the 2 cores with other work (load averages with each row); '
           'with one run under that load a ratio is within about ±50%% of its '
           'quiet-machine value. magenta\'s figures and sampling show nan where the '
           'random checkpoint lacks a hierarchical decoder\'s bar decoder '
           '(`core_decoder/`, written by random_music_vae from the families change '
           'on; magenta\'s TrainedModel restores the whole model).'
           % (time.strftime('%Y-%m-%d %H:%M'), latent_cache.ENCODE_BATCH_SIZE), '',
           '| config | parameters | windows | encode ours/s | magenta/s | ratio | '
           'GFLOP/window | share of TF matmul (1) | outputs | sample ours/s | magenta/s | '
           'ratio | load |',
           '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | '
           '---: | --- |']
  notes = ['', '(1) The encoder\'s GFLOP/s (windows/s x GFLOP/window) over TensorFlow\'s '
           'float32 matmul rate at its largest LSTM kernel with as many rows as its '
           'bottom level multiplies at once (batch x the segments a hierarchical '
           'encoder encodes side by side), at least %d; the fastest of 10. Fewer rows '
           'multiply slower, and an encoder\'s two directions run side by side.'
           % MATMUL_MIN_ROWS, '']
  for name, num_windows, num_outputs in FAMILIES:
    folder = os.path.join(cache_dir, name)
    prefix = os.path.join(folder, name + '.ckpt')
    vae_config = configs.music_vae_config(name)
    # Rebuilt when it lacks the bar decoder and this random_music_vae writes it.
    if not os.path.exists(prefix + '.index') or (
        not _complete_checkpoint(prefix, vae_config)
        and hasattr(frozen_music_vae, 'CORE_DECODER_SCOPE')):
      print('Building a full-size random %s...' % name, flush=True)
      random_music_vae.write_random_music_vae(folder, vae_config_name=name)
    converter = vae_config.data_converter
    steps = vae_config.hparams.max_seq_len
    rng = np.random.default_rng(0)
    inputs = np.zeros([num_windows, steps, converter.input_depth], np.float32)
    inputs[np.arange(num_windows)[:, None], np.arange(steps)[None],
           rng.integers(0, converter.input_depth, (num_windows, steps))] = 1
    lengths = np.full(num_windows, steps, np.int32)
    batch = min(latent_cache.ENCODE_BATCH_SIZE, num_windows)
    # Each is run once on a little before it is timed: a session's first run
    # optimises its graph and sets up its kernels.
    repeats = 3 if steps <= 64 else 1  # two-bar windows are cheap to repeat
    with checkpoints.open_checkpoint(prefix) as checkpoint:
      ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint, name, batch)
      ours.encode(inputs[:1], lengths[:1], report_progress=False)
      ours_encode = _best_rate(num_windows, lambda: ours.encode(
          inputs, lengths, report_progress=False), repeats)
      ours.close()
      # magenta's TrainedModel restores the whole model, so it needs it all.
      magenta_encode = ours_sample = magenta_sample = float('nan')
      if _complete_checkpoint(prefix, vae_config):
        magenta_model = TrainedModel(vae_config, batch, checkpoint.prefix)
        magenta_model.encode_tensors(list(inputs[:1]), list(lengths[:1]))
        magenta_encode = _best_rate(
            num_windows, lambda: magenta_model.encode_tensors(list(inputs),
                                                              list(lengths)), repeats)
        del magenta_model
        sampler = FrozenSampler(vae_config, checkpoint, 8)
        sampler.sample(1)
        ours_sample = _best_rate(num_outputs, lambda: sampler.sample(num_outputs),
                                 repeats)
        magenta_model = TrainedModel(vae_config, 8, checkpoint.prefix)
        magenta_model.sample(1, length=steps, temperature=0.5)
        magenta_sample = _best_rate(num_outputs, lambda: magenta_model.sample(
            num_outputs, length=steps, temperature=0.5), repeats)
        del magenta_model
    gflop = encoder_gflop_per_window(prefix, vae_config)
    inner, cols = largest_encoder_kernel(prefix)
    tf_gflops, _ = matmul_gflops(max(batch * _bottom_level_splits(vae_config),
                                     MATMUL_MIN_ROWS), inner, cols)
    lines.append('| %s | %s | %d | %.2f | %.2f | %.2f× | %.1f | %.0f%% | %d | %.2f | '
                 '%.2f | %.2f× | %s |' % (
                     name, '{:,}'.format(random_music_vae.count_parameters(prefix)),
                     num_windows, ours_encode, magenta_encode,
                     ours_encode / magenta_encode, gflop,
                     100 * ours_encode * gflop / tf_gflops, num_outputs, ours_sample,
                     magenta_sample, ours_sample / magenta_sample, load_note()))
    print('  ' + lines[-1], flush=True)
    write_section(output, 'families', lines + notes)


def main(argv):
  del argv
  if FLAGS.original_method_steps:
    prefix, _ = full_size_checkpoint(FLAGS.cache_dir)
    print(json.dumps(run_original_method(FLAGS.examples_path, prefix,
                                         FLAGS.original_method_steps)))
    return
  os.makedirs(FLAGS.cache_dir, exist_ok=True)
  started = time.time()
  prefix, tar_path = full_size_checkpoint(FLAGS.cache_dir)
  cases = FLAGS.only or ['main', 'songs25', 'dedup', 'families']
  unknown = set(cases) - {'main', 'songs25', 'dedup', 'families'}
  if unknown:
    raise app.UsageError('unknown --only case(s): %s' % ', '.join(sorted(unknown)))
  if 'dedup' in cases:
    print('Duplicate windows...', flush=True)
    bench_dedup(FLAGS.output)
  if 'songs25' in cases:
    print('The whole run on 25 songs...', flush=True)
    bench_songs25(FLAGS.cache_dir, prefix, FLAGS.steps, FLAGS.output)
  if 'families' in cases:
    print('Other families...', flush=True)
    bench_families(FLAGS.cache_dir, FLAGS.output)
  if 'main' not in cases:
    print('Updated %s in %.0f s.' % (FLAGS.output, time.time() - started))
    return
  from midime import random_music_vae
  sizes = [100] if FLAGS.quick else [100, 1000, 10000]
  steps = [1000] if FLAGS.quick else [1000, 10000]
  counts = [8, 64] if FLAGS.quick else [8, 64, 512]
  repeats = 1 if FLAGS.quick else FLAGS.repeats
  print('Training runs...', flush=True)
  training = bench_training(FLAGS.cache_dir, prefix, sizes, steps)
  # Like for like: the original's batch of 2, so both do the same work per step.
  training += bench_training(FLAGS.cache_dir, prefix, sizes[:1], steps,
                             batch_size=ORIGINAL_BATCH_SIZE)
  print('The original method...', flush=True)
  original = bench_original_method(FLAGS.cache_dir, prefix, sizes)
  print('Encoding...', flush=True)
  encoding = bench_encoding(FLAGS.cache_dir, prefix, sizes, repeats)
  print('Sampling...', flush=True)
  sampling, generation_run = bench_sampling(FLAGS.cache_dir, prefix, tar_path, counts,
                                            repeats)
  floor = import_floor_rss()
  context = {
      'command': 'make bench' + (' QUICK=1' if FLAGS.quick else ''),
      'date': time.strftime('%Y-%m-%d'),
      'machine': '%s, %d CPU cores, %.0f GB RAM' % (
          platform.processor() or platform.machine(), os.cpu_count(),
          os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2 ** 30),
      'python': platform.python_version(), 'tensorflow': tf.__version__,
      'magenta': importlib.metadata.version('magenta'), 'numpy': np.__version__,
      'parameters': random_music_vae.count_parameters(prefix),
  }
  checkpoint_bytes = sum(os.path.getsize(prefix + suffix)
                         for suffix in ('.index', '.data-00000-of-00001'))
  write_report(FLAGS.output, context, training, original, encoding, sampling,
               generation_run, floor, checkpoint_bytes)
  print('Wrote %s in %.0f s.' % (FLAGS.output, time.time() - started))


if __name__ == '__main__':
  app.run(main)

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

  python bench.py [--quick] [--output=BENCHMARKS.md]
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


def _median_rate(count, function, repeats):
  durations = []
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    durations.append(time.perf_counter() - start)
  return count / float(np.median(durations))


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
            '`TrainedModel.encode_tensors`: same slices, checkpoint and batch size (64), '
            'model loading excluded; median of the repeats.', '']
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
  with open(path + '.tmp', 'w') as report:
    report.write('\n'.join(lines))
  os.replace(path + '.tmp', path)


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

"""Training: the whole `midime_train.py` run against the original method."""

import os
import shutil

from benchmarks import common
from benchmarks import original_method
from benchmarks import songs
from midime import configs

# What each size of the main tables trains: examples, and steps per run.
SIZES = (100, 1000, 10000)
STEP_COUNTS = (1000, 10000)
# Steps the original method is timed for; longer runs are extrapolated.
ORIGINAL_TIMED_STEPS = 30
# The whole-run goals: at most this many steps, at least this speed-up.
GOALS = ((1000, 10), (10000, 50))


def goal_for(steps):
  """The speed-up a run of `steps` steps should reach."""
  for most_steps, goal in GOALS:
    if steps <= most_steps:
      return goal
  return GOALS[-1][1]


def measure(settings, prefix, sizes, step_counts, batch_size=None):
  """Times whole `midime_train.py` runs, cold (no latent cache).

  Args:
    settings: common.Settings.
    prefix: the full-size MusicVAE checkpoint.
    sizes: about how many examples each run trains on.
    step_counts: the steps of each run, at each size.
    batch_size: the small model's batch; None: the config's.

  Returns:
    One dict per run: examples, steps, batch_size, wall_s, rss (bytes).
  """
  run_batch_size = batch_size or configs.get_config(
      common.CONFIG_NAME).hparams.batch_size
  rows = []
  for num_examples in sizes:
    path, examples = songs.random_songs(settings.cache_dir, num_examples)
    for steps in step_counts:
      run_dir = os.path.join(settings.cache_dir, 'run')
      shutil.rmtree(run_dir, ignore_errors=True)
      wall, rss, _ = common.measured([
          common.python(), common.TRAIN_SCRIPT, '--config=' +
          common.CONFIG_NAME, '--run_dir=' + run_dir, '--examples_path=' +
          path, '--pretrained_path=' + prefix,
          '--num_steps=%d' % steps, '--seed=1'
      ] + (['--hparams=batch_size=%d' % batch_size] if batch_size else []))
      rows.append({
          'examples': examples,
          'steps': steps,
          'wall_s': wall,
          'rss': rss,
          'batch_size': run_batch_size
      })
      print(
          '  train: %d examples, %d steps, batch %d: %.1f s, peak RSS '
          '%.0f MB' % (examples, steps, run_batch_size, wall, rss / 2**20),
          flush=True)
  return rows


def measure_original(settings, prefix, sizes):
  """Times the original method on the same songs as `measure`.

  Args:
    settings: common.Settings.
    prefix: the full-size MusicVAE checkpoint.
    sizes: about how many examples, as for `measure`.

  Returns:
    One dict per size: examples and what original_method.measure returns.
  """
  rows = []
  for num_examples in sizes:
    path, examples = songs.random_songs(settings.cache_dir, num_examples)
    row = original_method.measure(path, prefix, ORIGINAL_TIMED_STEPS)
    row['examples'] = examples
    rows.append(row)
    print(
        '  original method: %d examples: %.1f s for %d steps, %.0f ms/step' %
        (examples, row['wall_s'], row['timed_steps'], 1000 * row['step_s']),
        flush=True)
  return rows


def original_seconds(row, original):
  """The original method's whole run at `row`'s size and steps."""
  base = [o for o in original if o['examples'] == row['examples']][0]
  return original_method.seconds_for(base, row['steps'])


def speedups(training, original, steps, batch_size):
  """The speed-ups of the runs of `steps` steps at `batch_size`."""
  return [
      original_seconds(row, original) / row['wall_s']
      for row in training
      if row['steps'] == steps and row['batch_size'] == batch_size
  ]


def section_lines(training, original):
  """The report's training table.

  Args:
    training: what `measure` returned (all batch sizes).
    original: what `measure_original` returned.

  Returns:
    Markdown lines.
  """
  batch = common.ORIGINAL_BATCH_SIZE
  lines = [
      '## Training: the whole `midime_train.py` run against the original '
      'method', '',
      'Ours: wall time of the whole process (imports, load, windowing, '
      'encoding every example once, training, checkpoints, bundle), at the '
      'config\'s batch of 64 and, like for like, at the original\'s batch of '
      '%d (the same work per step). The original method: a process that does '
      'the same set-up and runs the frozen encoder in every training step at '
      'batch %d; its wall time for %d timed steps was measured, and longer '
      'runs are that plus the measured median step times the remaining steps.' %
      (batch, batch, original[0]['timed_steps']), '',
      '| examples | steps | batch | ours (s) | original method (s) | speed-up '
      '| goal |', '| ---: | ---: | ---: | ---: | ---: | ---: | --- |'
  ]
  for row in training:
    original_s = original_seconds(row, original)
    goal = goal_for(row['steps'])
    speedup = original_s / row['wall_s']
    lines.append(
        '| %d | %d | %d | %.1f | %.0f | %.1f× | ≥ %d×: %s |' %
        (row['examples'], row['steps'], row['batch_size'], row['wall_s'],
         original_s, speedup, goal, 'met' if speedup >= goal else 'not met'))
  lines += [
      '',
      'Original method, median step: %s.' %
      ', '.join('%.0f ms at %d examples' % (1000 * o['step_s'], o['examples'])
                for o in original), ''
  ]
  return lines

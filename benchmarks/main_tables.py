"""The main case: the report's head (how it was measured, the goals) and the
tables of training, encoding, sampling and memory at each size. Quick: the
smallest size of each, measured once."""

import importlib.metadata
import os
import platform
import time

import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import tensorflow.compat.v1 as tf

from benchmarks import common
from benchmarks import encoding
from benchmarks import memory
from benchmarks import report
from benchmarks import sampling
from benchmarks import songs
from benchmarks import training
from midime import random_music_vae


def _verdict(values, goal):
  met = sum(value >= goal for value in values)
  return '%s (%d of %d measurements; %s)' % (
      'met' if met == len(values) else 'not met' if not met else 'partly met',
      met, len(values), ', '.join('%.1f×' % value for value in values))


def goals_lines(training_rows, original, encoding_rows, sampling_rows,
                generation_ratio):
  """The goals, each with whether this run met it, in every row measured.

  Args:
    training_rows: what training.measure returned (all batch sizes).
    original: what training.measure_original returned.
    encoding_rows: what encoding.measure returned.
    sampling_rows: the rows sampling.measure returned.
    generation_ratio: generation's peak RSS over the checkpoint's size.

  Returns:
    Markdown lines.
  """
  lines = ['## Goals', '']
  for steps, goal in training.GOALS:
    for batch in sorted({row['batch_size'] for row in training_rows},
                        reverse=True):
      values = training.speedups(training_rows, original, steps, batch)
      if values:
        lines.append(
            '- Whole training run at %s steps, batch %d, ≥ %d× the '
            'original method: **%s**' %
            ('{:,}'.format(steps), batch, goal, _verdict(values, goal)))
  for name, rows in (('Encoding', encoding_rows), ('Sampling', sampling_rows)):
    lines.append(
        '- %s ≥ 0.9× magenta\'s throughput: **%s**' %
        (name, _verdict([row['ours'] / row['magenta'] for row in rows], 0.9)))
  lines += [
      '- Generation peak RSS ≤ %s× the checkpoint: **%s** (%.2f×)' %
      (memory.GENERATION_GOAL, 'met' if generation_ratio
       <= memory.GENERATION_GOAL else 'not met', generation_ratio), ''
  ]
  return lines


def context_lines(settings, prefix):
  """The report's first lines: the command, the machine, the versions."""
  machine = '%s, %d CPU cores, %.0f GB RAM' % (
      platform.processor() or platform.machine(), os.cpu_count(),
      os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)
  return [
      '# Benchmarks', '',
      'Measured by `%s` on %s, %s. Each figure comes from that one run on '
      'this machine; rerun `make bench` to reproduce.' %
      (settings.command, time.strftime('%Y-%m-%d'), machine), '',
      '- Python %s, TensorFlow %s, magenta %s, numpy %s' %
      (platform.python_version(), tf.__version__,
       importlib.metadata.version('magenta'), np.__version__),
      '- MusicVAE: a full-size %s-shaped checkpoint with random weights '
      '(%s parameters, %.0f MB), built with magenta\'s graph code.' %
      (common.VAE_NAME, '{:,}'.format(
          random_music_vae.count_parameters(prefix)),
       common.checkpoint_bytes(prefix) / 2**20),
      '- Songs: random two-bar melodies; one example = one two-bar window '
      '%s, as %s training encodes them.' %
      (songs.keys_note(), common.CONFIG_NAME), ''
  ]


def run(settings):
  """Measures the main tables and rewrites the report's head with them.

  Args:
    settings: common.Settings.
  """
  prefix, tar_path = common.full_size_checkpoint(settings.cache_dir)
  quick = settings.quick
  sizes = training.SIZES[:1] if quick else training.SIZES
  step_counts = training.STEP_COUNTS[:1] if quick else training.STEP_COUNTS
  counts = sampling.COUNTS[:1] if quick else sampling.COUNTS
  print('Training runs...', flush=True)
  training_rows = training.measure(settings, prefix, sizes, step_counts)
  # Like for like: the original's batch, so both do the same work per step.
  training_rows += training.measure(settings, prefix, sizes[:1], step_counts,
                                    batch_size=common.ORIGINAL_BATCH_SIZE)
  print('The original method...', flush=True)
  original = training.measure_original(settings, prefix, sizes)
  print('Encoding...', flush=True)
  encoding_rows = encoding.measure(settings, prefix, sizes)
  print('Sampling...', flush=True)
  sampling_rows, generation_run = sampling.measure(settings, prefix, tar_path,
                                                   counts)
  print('The import floor...', flush=True)
  floor = memory.import_floor_rss()
  size = common.checkpoint_bytes(prefix)
  lines = (context_lines(settings, prefix) +
           goals_lines(training_rows, original, encoding_rows, sampling_rows,
                       memory.generation_ratio(generation_run, size)) +
           training.section_lines(training_rows, original) +
           encoding.section_lines(encoding_rows) +
           sampling.section_lines(sampling_rows) +
           memory.section_lines(training_rows, generation_run, floor, size))
  report.write_head(settings.output, lines)

"""Peak memory (RSS) of training and generation against the checkpoint's size
and against the floor of merely importing what the programs import."""

from benchmarks import common

# What `midime_train.py` and `midime_generate.py` import before they work:
# their command-line modules and the jobs those run (TensorFlow and magenta
# with them).
FLOOR_MODULES = ('midime.cli.train', 'midime.cli.generate', 'midime.jobs.train',
                 'midime.jobs.generate')
# The goal: generation's peak RSS at most this many times the checkpoint.
GENERATION_GOAL = 1.5


def import_floor_rss():
  """Peak RSS in bytes of a process that only imports FLOOR_MODULES."""
  _, rss, _ = common.measured(
      [common.python(), '-c', 'import ' + ', '.join(FLOOR_MODULES)])
  return rss


def _mb(size):
  return size / 2**20


def generation_ratio(generation_run, checkpoint_bytes):
  """Generation's peak RSS over the checkpoint's size."""
  return generation_run['rss'] / checkpoint_bytes


def section_lines(training, generation_run, floor, checkpoint_bytes):
  """The report's memory table.

  Args:
    training: the rows of training.measure, each with its peak RSS.
    generation_run: the whole `midime_generate.py` run of sampling.measure.
    floor: import_floor_rss().
    checkpoint_bytes: the MusicVAE checkpoint's size.

  Returns:
    Markdown lines.
  """
  ratio = generation_ratio(generation_run, checkpoint_bytes)
  lines = [
      '## Peak memory (RSS)', '',
      '| process | peak RSS (MB) | × checkpoint (%.0f MB) | above the '
      'import floor (MB) |' % _mb(checkpoint_bytes),
      '| --- | ---: | ---: | ---: |',
      '| importing TensorFlow, magenta and this toolkit only | %.0f | '
      '%.2f× | 0 |' % (_mb(floor), floor / checkpoint_bytes)
  ]
  for row in training:
    lines.append(
        '| midime_train.py, %d examples, %d steps, batch %d | %.0f | '
        '%.2f× | %.0f |' %
        (row['examples'], row['steps'], row['batch_size'], _mb(row['rss']),
         row['rss'] / checkpoint_bytes, _mb(row['rss'] - floor)))
  lines.append('| midime_generate.py, %d outputs | %.0f | %.2f× | %.0f |' %
               (generation_run['outputs'], _mb(generation_run['rss']), ratio,
                _mb(generation_run['rss'] - floor)))
  lines += [
      '',
      'Goal: generation peak RSS ≤ %s× the checkpoint: **%s** '
      '(%.2f×). Generation loads only the decoder\'s weights (about 70%% '
      'of the checkpoint); the rest is TensorFlow itself: merely '
      'importing it with magenta takes the floor above, shared libraries '
      'included.' % (GENERATION_GOAL,
                     'met' if ratio <= GENERATION_GOAL else 'not met', ratio),
      ''
  ]
  return lines

"""The driver: which cases there are, what a run's settings default to, and
running the cases asked for. `python -m benchmarks` (`__main__`) parses the
flags and calls it."""

import os
import time

from benchmarks import common
from benchmarks import dedup
from benchmarks import families
from benchmarks import main_tables
from benchmarks import song_mode
from benchmarks import songs25
from benchmarks import studio

# The cases in the order they run, each a function of common.Settings.
CASES = {
    'dedup': dedup.run,
    'songs25': songs25.run,
    'families': families.run,
    'song': song_mode.run,
    'studio': studio.run,
    'main': main_tables.run,
}
FULL_OUTPUT = os.path.join(common.REPO, 'BENCHMARKS.md')
QUICK_OUTPUT = os.path.join(common.DEFAULT_CACHE_DIR, 'BENCHMARKS-quick.md')


def unknown_cases(only):
  """The names in `only` that are not cases, sorted."""
  return sorted(set(only) - set(CASES))


def make_settings(quick=False, only=(), output=None,
                  cache_dir=common.DEFAULT_CACHE_DIR, repeats=None, steps=None):
  """The common.Settings of a run, defaults filled in as the flags say.

  Args:
    quick: the quick run.
    only: the cases asked for; empty for all.
    output: the report; None for the default (never BENCHMARKS.md when quick).
    cache_dir: the cache folder.
    repeats: repeats of each throughput measurement; None for the default.
    steps: training steps of the 25-song run; None for the default.

  Returns:
    The Settings.
  """
  command = 'make bench' + (' QUICK=1' if quick else
                            '') + (' ONLY=%s' % ','.join(only) if only else '')
  return common.Settings(
      cache_dir=cache_dir, output=output or
      (QUICK_OUTPUT if quick else FULL_OUTPUT), quick=quick, repeats=repeats or
      (1 if quick else 3), steps=steps or
      (songs25.QUICK_STEPS if quick else songs25.STEPS), command=command)


def run_cases(settings, only=()):
  """Runs the cases in `only` (all when empty), in CASES' order.

  Args:
    settings: common.Settings.
    only: case names.

  Returns:
    The seconds they took.

  Raises:
    ValueError: `only` names a case that does not exist.
  """
  unknown = unknown_cases(only)
  if unknown:
    raise ValueError('unknown case(s): %s (the cases: %s)' %
                     (', '.join(unknown), ', '.join(CASES)))
  os.makedirs(settings.cache_dir, exist_ok=True)
  started = time.time()
  for name, run in CASES.items():
    if not only or name in only:
      print('Case %s...' % name, flush=True)
      run(settings)
  return time.time() - started

"""What every case measures with: processes timed with their peak RSS, rates
over repeats, and the full-size random MusicVAE kept in the cache folder."""

import dataclasses
import os
import subprocess
import sys
import time

import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import random_music_vae

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CACHE_DIR = os.path.join(REPO, '.cache', 'bench')
# The MusicVAE every case but `families` runs on, and the small model's config.
VAE_NAME = 'cat-mel_2bar_big'
CONFIG_NAME = 'ae-cat-mel_2bar_big'
# The original method's batch (github.com/Elvenson/midiMe).
ORIGINAL_BATCH_SIZE = 2
# The repository's programs that the cases time, run as a user runs them.
TRAIN_SCRIPT = 'midime_train.py'
GENERATE_SCRIPT = 'midime_generate.py'


@dataclasses.dataclass(frozen=True)
class Settings:
  """What one run of the benchmarks was asked for.

  Attributes:
    cache_dir: where the full-size checkpoints, songs and runs are kept
      between runs.
    output: the Markdown report to write.
    quick: run the smallest size of each case and shrink the expensive ones.
    repeats: repeats of each throughput measurement (median or best).
    steps: training steps of the 25-song run.
    command: the command the report names as having made it.
  """
  cache_dir: str
  output: str
  quick: bool = False
  repeats: int = 3
  steps: int = 2000
  command: str = 'make bench'


def python():
  """The interpreter running the benchmarks, for the processes they start."""
  return sys.executable


# Forks the command from a small process and reports its peak RSS. Linux
# carries a process's peak RSS into the program it execs, so a command forked
# straight from this (large) process would report at least this process's size.
_RSS_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
  os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stdout.write('\\nPEAK_RSS_KB=%d\\n' % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(command):
  """Runs `command` (an argv list) in the repository and measures it.

  Args:
    command: the program and its arguments, e.g. `[python(), 'x.py']`.

  Returns:
    (wall seconds, peak RSS in bytes, its stdout and stderr together).

  Raises:
    RuntimeError: the command failed; the message ends with its output.
  """
  start = time.perf_counter()
  result = subprocess.run([python(), '-c', _RSS_LAUNCHER] + list(command),
                          cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
  wall = time.perf_counter() - start
  output, _, peak = result.stdout.rpartition('PEAK_RSS_KB=')
  if result.returncode != 0 or not peak:
    raise RuntimeError('%s failed:\n%s' %
                       (' '.join(command), result.stdout[-3000:]))
  return wall, int(peak) * 1024, output


def timed_run(command, markers):
  """Runs `command` and notes when each of its log `markers` first appears.

  Args:
    command: the arguments after the interpreter, e.g. `[TRAIN_SCRIPT, ...]`.
    markers: {name: text of a log line}.

  Returns:
    (wall seconds, {name: seconds after the start when its text was first
    logged}, its stdout and stderr together).

  Raises:
    RuntimeError: the command failed; the message ends with its output.
  """
  start = time.perf_counter()
  with subprocess.Popen([python()] + list(command), cwd=REPO,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True) as process:
    marks, lines = {}, []
    for line in process.stdout:
      lines.append(line)
      for name, marker in markers.items():
        if name not in marks and marker in line:
          marks[name] = time.perf_counter() - start
    process.wait()
  wall = time.perf_counter() - start
  if process.returncode != 0:
    raise RuntimeError('%s failed:\n%s' %
                       (' '.join(command), ''.join(lines)[-3000:]))
  return wall, marks, ''.join(lines)


def require_marks(marks, names, output):
  """Raises RuntimeError naming the log markers among `names` not in `marks`.

  A program whose log no longer says what a case looks for would otherwise
  give a table of wrong figures, or a KeyError far from the cause.

  Args:
    marks: what timed_run found.
    names: the markers the case needs.
    output: the program's output, quoted in the error.
  """
  missing = [name for name in names if name not in marks]
  if missing:
    raise RuntimeError('the log lacks the marker(s) %s:\n%s' %
                       (', '.join(missing), output[-3000:]))


def durations(function, repeats):
  """Seconds of each of `repeats` calls of `function`."""
  seconds = []
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    seconds.append(time.perf_counter() - start)
  return seconds


def best_rate(count, function, repeats):
  """count / the fastest of `repeats` calls of `function`.

  On a shared machine the least disturbed run is the closest to what the code
  does alone.
  """
  return count / min(durations(function, repeats))


def median_rate(count, function, repeats):
  """count / the median of `repeats` calls of `function`."""
  return count / float(np.median(durations(function, repeats)))


def load_note():
  """uptime's load averages, for the record: timings share the machine."""
  return '%.1f/%.1f/%.1f' % os.getloadavg()


def time_stamp():
  """The local date and time, to the minute, for a section of the report."""
  return time.strftime('%Y-%m-%d %H:%M')


def full_size_checkpoint(cache_dir):
  """The random full-size cat-mel_2bar_big, built once in `cache_dir`.

  Args:
    cache_dir: the benchmarks' cache folder.

  Returns:
    (checkpoint prefix, path of the same checkpoint as a Magenta-style .tar).
  """
  folder = os.path.join(cache_dir, VAE_NAME)
  prefix = os.path.join(folder, VAE_NAME + '.ckpt')
  tar_path = os.path.join(folder, VAE_NAME + '.tar')
  if not os.path.exists(tar_path):
    print('Building a full-size random %s in %s...' % (VAE_NAME, folder),
          flush=True)
    random_music_vae.write_random_music_vae(folder, as_tar=True)
  return prefix, tar_path


def checkpoint_bytes(prefix):
  """The size on disk of the checkpoint at `prefix` (index and data)."""
  return sum(
      os.path.getsize(prefix + suffix)
      for suffix in ('.index', '.data-00000-of-00001'))

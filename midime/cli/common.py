"""What the command-line programs share, written once: the flags they have in
common, the checks of flag values, and the `main` wrapper (argument parsing,
`--help`, logging, one-line errors).

Each program keeps its flags in a `flags.FlagValues` of its own rather than
absl's global FLAGS, so that the programs can be run in one process (tests,
`midime.api`) even where two of them define a flag of the same name differently
(`--mode`).
"""

import contextlib
import dataclasses
import functools
import logging as std_logging
import signal
import sys
import textwrap
import threading

from absl import flags
from absl import logging

from midime import checks
from midime.errors import UserError

LOG_LEVELS = ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL')
MAGENTA_INSTALL_HELP = (
    'magenta is not installed; install it with `pip install --no-deps '
    'magenta==2.1.4` (its own pins cannot install on Python 3.11+), or run '
    '`make venv`')


def new_flag_values():
  """An empty flag set with the `--log` flag every program has."""
  flag_values = flags.FlagValues()
  flags.DEFINE_string(
      'log', 'INFO', 'Logging threshold: DEBUG, INFO, WARNING, ERROR or FATAL.',
      flag_values=flag_values)
  return flag_values


def define_model_flags(flag_values, config_help):
  """The flags that name a trained model and the MusicVAE under it."""
  flags.DEFINE_string(
      'run_dir', None,
      'A training run directory: its latest checkpoint in run_dir/train is '
      'used. Give this or --checkpoint_file.', flag_values=flag_values)
  flags.DEFINE_string(
      'checkpoint_file', None,
      'The trained model: the run_dir/<config>.tar bundle that midime_train.py '
      'writes, a checkpoint prefix, or a folder. Give this or --run_dir.',
      flag_values=flag_values)
  flags.DEFINE_string(
      'vae_checkpoint_file', None,
      'The MusicVAE checkpoint the model was trained over (a .tar as Magenta '
      'distributes it, a prefix or a folder). Defaults to the '
      '--pretrained_path used in training. Not read for lc-* configs by '
      'midime-generate, whose own decoder writes the '
      'music.', flag_values=flag_values)
  flags.DEFINE_string(
      'config', None,
      'The config the model was trained with (%s); defaults to the one '
      'recorded in the checkpoint.' % config_help, flag_values=flag_values)
  flags.DEFINE_string(
      'vae_config', None,
      'The MusicVAE config, e.g. cat-mel_2bar_big; defaults to the one used in '
      'training.', flag_values=flag_values)


def define_sampling_flags(flag_values, max_batch_size=8):
  """The flags of drawing samples: temperature, seed, batch size."""
  flags.DEFINE_float(
      'temperature', None,
      'The randomness of the decoding process: lower is more '
      'conservative. Default: the model\'s hparam '
      'sampling_temperature, 0.5 for ae- configs (magenta\'s, for the '
      'MusicVAE decoder), 1.0 for lc- configs (their own decoder, '
      'sampled as it learned your songs).', flag_values=flag_values)
  flags.DEFINE_integer(
      'seed', None,
      'Random seed: the same seed and model give the same samples.',
      flag_values=flag_values)
  flags.DEFINE_integer(
      'max_batch_size', max_batch_size,
      'The most samples decoded at once. Decrease if memory runs '
      'out.', flag_values=flag_values)


def check_sampling_flag_values(flag_values):
  """Checks the values of the model and sampling flags of generate and
  evaluate."""
  checks.check_seed(flag_values.seed)
  checks.check_sampling_flags(flag_values.max_batch_size,
                              flag_values.temperature, flag_values.output_dir)


def options_from_flags(options_class, flag_values):
  """The job's options (a dataclass whose fields are named as the flags) from
  the parsed `flag_values`."""
  # Fields that are no flag (a progress callback) keep their defaults.
  return options_class(
      **{
          field.name: flag_values[field.name].value
          for field in dataclasses.fields(options_class)
          if field.name in flag_values
      })


def config_names_help():
  """The registered config names, for flag help (no TensorFlow needed)."""
  from midime import configs  # pylint: disable=g-import-not-at-top
  return ', '.join(configs.CONFIG_NAMES)


def _usage(program, doc, flag_values):
  return '%s\n\nFlags:\n%s\n' % (textwrap.dedent(
      doc or
      program).strip(), flag_values.get_help(include_special_flags=False))


class Terminated(KeyboardInterrupt):
  """SIGTERM, raised where the program is, so that what it was writing is
  cleaned up (output_files removes its temporary files) as on Ctrl-C."""


def _raise_terminated(signum, frame):
  del signum, frame
  raise Terminated()


@contextlib.contextmanager
def _sigterm_as_exception():
  """While the job runs, SIGTERM unwinds it like Ctrl-C rather than killing the
  process where it stands (midime_train.py's training loop turns both into a
  checkpoint instead, for as long as it runs)."""
  if threading.current_thread() is not threading.main_thread():
    yield  # signals go to the main thread only: nothing to install
    return
  previous = signal.signal(signal.SIGTERM, _raise_terminated)
  try:
    yield
  finally:
    signal.signal(signal.SIGTERM, previous)


def run(program, doc, flag_values, job, argv=None):
  """Parses `argv` (default sys.argv) into `flag_values` and calls
  `job(flag_values)`; returns the exit status: 0, or 1 after one `error: ...`
  line for bad flags, a UserError or an OSError, 130 after Ctrl-C and 143 after
  SIGTERM (one line each, no files half-written). `--help` prints the usage."""
  argv = list(sys.argv if argv is None else argv)
  if any(arg in ('-h', '--help', '-help', '--helpshort', '--helpfull', '-?')
         for arg in argv[1:]):
    sys.stdout.write(_usage(program, doc, flag_values))
    return 0
  try:
    try:
      rest = flag_values(argv)
    except flags.Error as error:
      raise UserError('%s (see %s --help)' % (error, program)) from None
    if len(rest) > 1:
      raise UserError('unexpected arguments: %s' % ' '.join(rest[1:]))
    level = flag_values.log.upper()
    if level not in LOG_LEVELS:
      raise UserError('--log must be one of %s, got %r' %
                      (', '.join(LOG_LEVELS), flag_values.log))
    use_plain_logging(level.lower())
    try:
      with _sigterm_as_exception():
        job(flag_values)
    except ImportError as error:
      if getattr(error, 'name', '') and error.name.split('.')[0] == 'magenta':
        raise UserError(MAGENTA_INSTALL_HELP) from None
      raise
    return 0
  except (UserError, OSError) as error:
    # OSError: a folder that cannot be created, a full disk... its message names
    # the file, which is all the user needs.
    logging.flush()
    sys.stderr.write('error: %s\n' % _for_command_line(error))
    sys.stderr.flush()
    return 1
  except Terminated:
    logging.flush()
    sys.stderr.write('stopped by SIGTERM\n')
    return 128 + signal.SIGTERM
  except KeyboardInterrupt:
    sys.stderr.write('interrupted\n')
    return 130
  finally:
    # Parsed values must not leak into the next in-process run.
    flag_values.unparse_flags()


def entry_point(program, doc, flag_values, job):
  """A console-script entry point: run() and exit with its status."""
  sys.exit(run(program, doc, flag_values, job))


def _for_command_line(error):
  """An error's message as the command line says it: options named as flags."""
  if isinstance(error, UserError):
    return error.for_command_line()
  return str(error)


def report_user_errors(main):
  """Wraps an absl `main` so a UserError (or OSError) prints `error: ...` and
  exits with status 1."""

  @functools.wraps(main)
  def wrapped(argv):
    try:
      return main(argv)
    except (UserError, OSError) as error:
      # OSError: a folder that cannot be created, a full disk... its message
      # names the file, which is all the user needs.
      sys.stderr.write('error: %s\n' % _for_command_line(error))
      sys.stderr.flush()
      sys.exit(1)
    except KeyboardInterrupt:
      sys.stderr.write('interrupted\n')
      sys.exit(130)

  return wrapped


class _PlainFormatter(std_logging.Formatter):
  """Just the message: progress lines are read by people, not parsed."""

  def format(self, record):
    return record.getMessage()


_plain_handler = None


def use_plain_logging(verbosity='info'):
  """Makes absl logging print bare messages to the current stderr at the given
  verbosity, whether or not absl's app.run started the program (ours parse their
  own flag sets, and absl's own handler stays silent until its global flags are
  parsed)."""
  global _plain_handler
  logging.set_verbosity(verbosity)
  logger = logging.get_absl_logger()
  if _plain_handler is not None:
    logger.removeHandler(_plain_handler)
  _plain_handler = std_logging.StreamHandler(sys.stderr)
  _plain_handler.setFormatter(_PlainFormatter())
  logger.addHandler(_plain_handler)
  logger.propagate = False

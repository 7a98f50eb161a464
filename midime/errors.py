"""The one exception type a user sees, and how the scripts report it."""

import functools
import logging as std_logging
import sys

from absl import logging


class UserError(Exception):
  """A problem with the user's input or files, reported as one line, no traceback."""


def report_user_errors(main):
  """Wraps an absl `main` so a UserError (or OSError) prints `error: ...` and exits
  with status 1."""

  @functools.wraps(main)
  def wrapped(argv):
    try:
      return main(argv)
    except (UserError, OSError) as error:
      # OSError: a folder that cannot be created, a full disk... its message names
      # the file, which is all the user needs.
      sys.stderr.write('error: %s\n' % error)
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
  verbosity, whether or not absl's app.run started the program (ours parse their own
  flag sets, and absl's own handler stays silent until its global flags are parsed)."""
  global _plain_handler
  logging.set_verbosity(verbosity)
  logger = logging.get_absl_logger()
  if _plain_handler is not None:
    logger.removeHandler(_plain_handler)
  _plain_handler = std_logging.StreamHandler(sys.stderr)
  _plain_handler.setFormatter(_PlainFormatter())
  logger.addHandler(_plain_handler)
  logger.propagate = False

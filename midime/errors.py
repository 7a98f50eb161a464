"""The one exception type a user sees, and how the scripts report it."""

import functools
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


class _PlainFormatter(logging.logging.Formatter):
  """Just the message: progress lines are read by people, not parsed."""

  def format(self, record):
    return record.getMessage()


def use_plain_logging(verbosity='info'):
  """Makes absl logging print bare messages to stderr at the given verbosity."""
  logging.set_verbosity(verbosity)
  logging.get_absl_handler().setFormatter(_PlainFormatter())

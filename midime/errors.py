"""The one exception type a user sees: a problem with their input or files, reported
as one line, no traceback (midime.cli.common prints it)."""


class UserError(Exception):
  """A problem with the user's input or files, reported as one line, no traceback."""

"""The one exception type a user sees: a problem with their input or files,
reported as one line, no traceback (midime.cli.common prints it).

Library code names the options a message is about in braces,
`'{num_steps} must be at least 1, got 0'`: the Python API reads `num_steps must
be at least 1, got 0`, the command line `--num_steps must be at least 1, got 0`,
as each spells them (the jobs' options are named as the scripts' flags).
"""

import re

# An option named in a message: {name}, a lower-case identifier.
_OPTION = re.compile(r'\{([a-z][a-z0-9_]*)\}')


def name_options(message, prefix=''):
  """`message` with each `{option}` written as `prefix` + option."""
  return _OPTION.sub(lambda match: prefix + match.group(1), message)


class UserError(Exception):
  """A problem with the user's input or files: one line, no traceback.

  Its message names options in braces; str() gives them as the Python API names
  them, `for_command_line()` as flags.
  """

  def __str__(self):
    return name_options(super().__str__())

  def for_command_line(self):
    """The message with its options written as the scripts' flags (--name)."""
    return name_options(super().__str__(), '--')


class StoppedError(UserError):
  """Training stopped when asked to (SIGINT or SIGTERM), its last steps saved
  in a checkpoint: the same run resumes from there."""

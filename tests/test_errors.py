"""midime.errors: UserError is the one exception a user sees, and every message
the package raises with it is one line."""

import ast
import os

import pytest

from midime.errors import UserError

_ERRORS_PACKAGE_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'midime')


def test_user_error_is_an_exception_that_keeps_its_message():
  with pytest.raises(Exception) as raised:
    raise UserError('--seed must be at least 0, got -1')
  assert isinstance(raised.value, UserError)
  assert str(raised.value) == '--seed must be at least 0, got -1'


def test_user_error_names_options_as_the_api_or_as_flags():
  error = UserError('{num_steps} must be at least 1, got %d' % 0)
  assert str(error) == 'num_steps must be at least 1, got 0'
  assert error.for_command_line() == '--num_steps must be at least 1, got 0'


def test_user_error_names_each_option_of_a_message():
  error = UserError('give exactly one of {run_dir} or {checkpoint_file}')
  assert str(error) == 'give exactly one of run_dir or checkpoint_file'
  assert error.for_command_line() == (
      'give exactly one of --run_dir or --checkpoint_file')


def test_user_error_leaves_other_braces_alone():
  error = UserError('bad hparams {1: 2} and {Name}')
  assert str(
      error) == error.for_command_line() == 'bad hparams {1: 2} and {Name}'


def test_user_error_is_not_caught_as_a_value_or_os_error():
  # Library code catches ValueError and OSError for its own reasons; a mistake
  # of the user's must reach the command line's handler untouched.
  assert not issubclass(UserError, (ValueError, OSError, KeyboardInterrupt))


def _errors_message_literals(node):
  """The string literals a UserError(...) call builds its message from."""
  if not node.args:
    return []
  message = node.args[0]
  if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Mod):
    message = message.left
  return [
      part.value
      for part in ast.walk(message)
      if isinstance(part, ast.Constant) and isinstance(part.value, str)
  ]


def test_every_user_error_message_in_the_package_is_one_line():
  raised = []
  for folder, _, names in os.walk(_ERRORS_PACKAGE_DIR):
    for name in sorted(n for n in names if n.endswith('.py')):
      path = os.path.join(folder, name)
      with open(path, encoding='utf-8') as source:
        tree = ast.parse(source.read())
      for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
            node.func.id == 'UserError'):
          for literal in _errors_message_literals(node):
            raised.append((path, node.lineno, literal))
  assert len(raised) > 20  # the walk found the package's raises
  multi_line = [
      (path, line) for path, line, literal in raised if '\n' in literal
  ]
  assert not multi_line

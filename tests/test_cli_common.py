"""midime.cli.common: job options filled from flags, and the programs' `run`
wrapper: usage on --help, exit statuses with one `error: ...` (or
`interrupted`) line, flags unparsed after each run; plain logging and
report_user_errors."""

import dataclasses
import os
import signal
import sys
import time
from typing import Optional
from absl import flags
from absl import logging
import pytest
from midime import configs
from midime.cli import common
from midime.errors import UserError
import note_seq
from midime.cli import generate

_CLI_COMMON_DOC = """midime-toy: a program to test the shared wrapper.

It does what its job says."""


@dataclasses.dataclass
class _CliCommonOptions:
  name: Optional[str] = None
  count: int = 0
  log: str = 'INFO'


def _cli_common_flags():
  """A program's flag set: --log, --name and --count."""
  flag_values = common.new_flag_values()
  flags.DEFINE_string('name', None, 'A name.', flag_values=flag_values)
  flags.DEFINE_integer('count', 3, 'How many.', flag_values=flag_values)
  return flag_values


class _CliCommonJob(object):
  """A job that records the flags it was called with, then does `action`."""

  def __init__(self, action=None):
    self.calls = []
    self.action = action

  def __call__(self, flag_values):
    self.calls.append(common.options_from_flags(_CliCommonOptions, flag_values))
    if self.action:
      self.action()


def _cli_common_run(capsys, argv, action=None):
  """(exit status, stdout, stderr lines, the job's calls) of one run."""
  job = _CliCommonJob(action)
  flag_values = _cli_common_flags()
  status = common.run('midime-toy', _CLI_COMMON_DOC, flag_values, job,
                      ['midime-toy'] + argv)
  out, err = capsys.readouterr()
  assert not flag_values.is_parsed()  # nothing leaks into the next run
  return status, out, err.splitlines(), job.calls


@pytest.fixture
def cli_common_logging():
  """Puts absl logging back as it was after a test that sets it up."""
  logger = logging.get_absl_logger()
  handlers, propagate = list(logger.handlers), logger.propagate
  verbosity = logging.get_verbosity()
  yield
  for handler in list(logger.handlers):
    if handler not in handlers:
      logger.removeHandler(handler)
  logger.propagate = propagate
  logging.set_verbosity(verbosity)


def _cli_common_raise(error):

  def action():
    raise error

  return action


def test_options_from_flags_fills_each_field_from_its_flag():
  flag_values = _cli_common_flags()
  flag_values(['midime-toy', '--name=tune', '--count=7', '--log=ERROR'])
  options = common.options_from_flags(_CliCommonOptions, flag_values)
  assert options == _CliCommonOptions(name='tune', count=7, log='ERROR')


def test_options_from_flags_takes_the_flags_defaults():
  flag_values = _cli_common_flags()
  flag_values(['midime-toy'])
  options = common.options_from_flags(_CliCommonOptions, flag_values)
  assert options == _CliCommonOptions(name=flag_values['name'].default,
                                      count=flag_values['count'].default,
                                      log=flag_values['log'].default)


def test_run_calls_the_job_with_the_parsed_flags_and_returns_0(
    capsys, cli_common_logging):
  status, _, err, calls = _cli_common_run(capsys, ['--name=a', '--count=2'])
  assert status == 0 and err == []
  assert calls == [_CliCommonOptions(name='a', count=2, log='INFO')]


@pytest.mark.parametrize(
    'argv',
    [['--help'], ['-h'], ['--count=1', '--helpfull'], ['--no_such_flag', '-?']])
def test_help_prints_the_usage_and_runs_nothing(capsys, argv):
  status, out, err, calls = _cli_common_run(capsys, argv)
  assert status == 0 and calls == [] and err == []
  assert out.startswith('midime-toy: a program to test the shared wrapper.')
  for flag in ('--name', '--count', '--log'):
    assert flag in out


@pytest.mark.parametrize('argv, message', [
    (['--no_such_flag=1'], 'no_such_flag'),
    (['--count=many'], '--count'),
    (['--name=a', 'extra', 'words'], 'unexpected arguments: extra words'),
    (['--log=LOUD'], "--log must be one of DEBUG, INFO, WARNING, ERROR, FATAL, "
     "got 'LOUD'"),
])
def test_a_bad_flag_is_one_error_line_and_exit_1(capsys, argv, message):
  status, out, err, calls = _cli_common_run(capsys, argv)
  assert status == 1 and calls == [] and out == ''
  assert len(err) == 1 and err[0].startswith('error: ') and message in err[0]


def test_a_flag_parsing_error_points_to_help(capsys):
  _, _, err, _ = _cli_common_run(capsys, ['--count=many'])
  assert err[0].endswith('(see midime-toy --help)')


@pytest.mark.parametrize('error', [
    UserError('--name must not be empty'),
    OSError('[Errno 28] No space left on device: out/a.mid')
])
def test_a_user_or_os_error_in_the_job_is_one_error_line(
    capsys, cli_common_logging, error):
  status, _, err, calls = _cli_common_run(capsys, ['--name=x'],
                                          _cli_common_raise(error))
  assert status == 1 and len(calls) == 1
  assert err == ['error: %s' % error]


def test_a_missing_magenta_says_how_to_install_it(capsys, cli_common_logging):
  error = ImportError('No module named magenta.models', name='magenta.models')
  status, _, err, _ = _cli_common_run(capsys, [], _cli_common_raise(error))
  assert status == 1 and err == ['error: ' + common.MAGENTA_INSTALL_HELP]


def test_another_import_error_is_a_bug_and_propagates(capsys,
                                                      cli_common_logging):
  error = ImportError('No module named fancy', name='fancy')
  with pytest.raises(ImportError):
    _cli_common_run(capsys, [], _cli_common_raise(error))


def test_ctrl_c_exits_130_with_one_line(capsys, cli_common_logging):
  status, _, err, _ = _cli_common_run(capsys, [],
                                      _cli_common_raise(KeyboardInterrupt()))
  assert status == 130 and err == ['interrupted']


def test_sigterm_unwinds_the_job_and_exits_143(capsys, cli_common_logging):
  handler = signal.getsignal(signal.SIGTERM)
  unwound = []

  def terminated_while_writing():
    try:
      os.kill(os.getpid(), signal.SIGTERM)
      time.sleep(30)  # the handler interrupts this at once
    finally:
      unwound.append(True)

  status, _, err, _ = _cli_common_run(capsys, [], terminated_while_writing)
  assert status == 128 + signal.SIGTERM and err == ['stopped by SIGTERM']
  assert unwound == [True]
  assert signal.getsignal(signal.SIGTERM) == handler


def test_runs_one_after_another_see_only_their_own_flags(
    capsys, cli_common_logging):
  job = _CliCommonJob()
  flag_values = _cli_common_flags()
  for argv in (['--name=first', '--count=9'], []):
    assert common.run('midime-toy', _CLI_COMMON_DOC, flag_values, job,
                      ['midime-toy'] + argv) == 0
  assert ([(o.name, o.count) for o in job.calls] ==
          [('first', 9), (None, flag_values['count'].default)])


def test_use_plain_logging_prints_bare_messages_at_its_verbosity(
    capsys, cli_common_logging):
  common.use_plain_logging('info')
  common.use_plain_logging('info')  # set up twice: still one line a message
  logging.info('Encoding %d windows...', 12)
  logging.debug('not shown at info')
  assert capsys.readouterr().err == 'Encoding 12 windows...\n'
  common.use_plain_logging('warning')
  logging.info('not shown at warning')
  logging.warning('careful')
  assert capsys.readouterr().err == 'careful\n'


def test_report_user_errors_passes_on_what_main_returns():

  @common.report_user_errors
  def main(argv):
    """The program."""
    return len(argv)

  assert main(['a', 'b']) == 2
  assert main.__name__ == 'main' and main.__doc__ == 'The program.'


@pytest.mark.parametrize('error, status, line', [
    (UserError('--seed must be between 0 and 2**32 - 1, got -1'), 1,
     'error: --seed must be between 0 and 2**32 - 1, got -1'),
    (PermissionError('[Errno 13] Permission denied: out'), 1,
     'error: [Errno 13] Permission denied: out'),
    (KeyboardInterrupt(), 130, 'interrupted'),
])
def test_report_user_errors_exits_with_one_line(capsys, error, status, line):

  @common.report_user_errors
  def main(unused_argv):
    raise error

  with pytest.raises(SystemExit) as exited:
    main(['program'])
  assert exited.value.code == status
  assert capsys.readouterr().err.splitlines() == [line]


def test_the_shared_flags_are_defined_once_each():
  flag_values = common.new_flag_values()
  common.define_model_flags(flag_values, 'ae-..., lc-...')
  common.define_sampling_flags(flag_values, max_batch_size=5)
  flag_values(['midime-toy', '--run_dir=run', '--seed=4'])
  assert flag_values.run_dir == 'run' and flag_values.seed == 4
  assert flag_values.max_batch_size == 5 and flag_values.temperature is None
  for name in ('checkpoint_file', 'vae_checkpoint_file', 'config',
               'vae_config'):
    assert flag_values[name].value is None
  assert 'ae-..., lc-...' in flag_values['config'].help


@pytest.mark.parametrize('argv, message', [
    (['--seed=-1'], '--seed must be between 0 and 2**32 - 1, got -1'),
    (['--max_batch_size=0'], '--max_batch_size must be at least 1, got 0'),
    (['--temperature=0'], '--temperature must be a number above 0, got 0.0'),
    (['--output_dir='], '--output_dir is required'),
])
def test_check_sampling_flag_values_names_the_bad_flag(argv, message):
  flag_values = common.new_flag_values()
  common.define_sampling_flags(flag_values)
  flags.DEFINE_string('output_dir', 'out', 'Where.', flag_values=flag_values)
  flag_values(['midime-toy'] + argv)
  with pytest.raises(UserError) as raised:
    common.check_sampling_flag_values(flag_values)
  assert raised.value.for_command_line() == message


def test_config_names_help_lists_every_config():
  assert common.config_names_help() == ', '.join(configs.CONFIG_NAMES)


def test_a_console_entry_point_exits_with_runs_status(monkeypatch, capsys):
  monkeypatch.setattr(sys, 'argv', ['midime-toy', '--count=x'])
  with pytest.raises(SystemExit) as exited:
    common.entry_point('midime-toy', _CLI_COMMON_DOC, _cli_common_flags(),
                       _CliCommonJob())
  assert exited.value.code == 1
  assert capsys.readouterr().err.startswith('error: ')


CONFIG = 'ae-cat-mel_2bar_big'


def test_sigterm_while_writing_samples_is_one_line_and_writes_nothing(
    trained_models, tmp_path, capsys, monkeypatch):
  """SIGTERM (a scheduler's stop, `kill`) halfway through the MIDI files: the
  files already written go with the rest, one line says why, and the program
  exits 143."""
  to_pretty_midi = note_seq.note_sequence_to_pretty_midi
  calls = []

  def terminated_on_the_third(sequence):
    calls.append(sequence)
    if len(calls) == 3:
      os.kill(os.getpid(), signal.SIGTERM)
    return to_pretty_midi(sequence)

  monkeypatch.setattr(note_seq, 'note_sequence_to_pretty_midi',
                      terminated_on_the_third)
  output_dir = tmp_path / 'out'
  handler_before = signal.getsignal(signal.SIGTERM)
  assert generate.run([
      'midime-generate',
      '--run_dir=%s' % trained_models[CONFIG].run_dir,
      '--output_dir=%s' % output_dir, '--num_outputs=5'
  ]) == 143
  assert len(calls) == 3
  err = capsys.readouterr().err
  assert err.strip().splitlines()[-1] == 'stopped by SIGTERM'
  assert 'Traceback' not in err
  assert not output_dir.exists()
  # The handler was the program's only while it ran.
  assert signal.getsignal(signal.SIGTERM) is handler_before

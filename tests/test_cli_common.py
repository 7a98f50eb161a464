"""cli/common.py: what every program shares: SIGTERM stops it with one line
and nothing written."""

import os
import signal

import note_seq

from midime.cli import generate

CONFIG = 'ae-cat-mel_2bar_big'


def test_sigterm_while_writing_samples_is_one_line_and_writes_nothing(
    trained_models, tmp_path, capsys, monkeypatch):
  """SIGTERM (a scheduler's stop, `kill`) halfway through the MIDI files: the files
  already written go with the rest, one line says why, and the program exits 143."""
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
  assert generate.run(['midime-generate', '--run_dir=%s' % trained_models[CONFIG].run_dir,
                       '--output_dir=%s' % output_dir, '--num_outputs=5']) == 143
  assert len(calls) == 3
  err = capsys.readouterr().err
  assert err.strip().splitlines()[-1] == 'stopped by SIGTERM'
  assert 'Traceback' not in err
  assert not output_dir.exists()
  # The handler was the program's only while it ran.
  assert signal.getsignal(signal.SIGTERM) is handler_before

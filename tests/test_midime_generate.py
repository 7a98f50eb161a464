"""midime_generate.py from the command line: the original README's commands, and bad
input as one clear line, exit 1, no output folder."""

import os

import note_seq
import pytest

from conftest import assert_failed_cleanly, run_script, run_script_with_defaults
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS
from midime import workflows

GENERATE = 'midime_generate.py'


@pytest.fixture(scope='module')
def bundles(tiny_vae, songs_tfrecord, tmp_path_factory):
  trained = {}
  for name, hparams in (('ae-cat-mel_2bar_big', TINY_AE_HPARAMS),
                        ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)):
    trained[name] = workflows.train_or_evaluate(
        name, str(tmp_path_factory.mktemp(name)), 'train', songs_tfrecord,
        tiny_vae.prefix, num_steps=5, hparams_string=hparams)
  return trained


@pytest.mark.parametrize('config', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_the_original_sampling_command_writes_five_midi_files(bundles, tiny_vae,
                                                              tmp_path, config):
  output_dir = tmp_path / 'generated'
  result = run_script(
      GENERATE, '--vae_config=cat-mel_2bar_big', '--config=%s' % config,
      '--checkpoint_file=%s' % bundles[config],
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--num_outputs=5', '--output_dir=%s' % output_dir)
  assert result.returncode == 0, result.stderr
  files = sorted(os.listdir(output_dir))
  assert len(files) == 5 and all(f.endswith('-of-005.mid') for f in files)
  for name in files:
    sequence = note_seq.midi_file_to_note_sequence(str(output_dir / name))
    assert all(21 <= note.pitch <= 108 for note in sequence.notes)
  assert 'Wrote 5 MIDI files' in result.stderr


def test_help_explains_the_flags():
  result = run_script(GENERATE, '--helpshort')
  for flag in ('--run_dir', '--checkpoint_file', '--vae_checkpoint_file', '--config',
               '--vae_config', '--num_outputs', '--output_dir', '--temperature',
               '--max_batch_size', '--seed'):
    assert flag in result.stdout
  assert 'Not read for lc-* configs' in result.stdout


@pytest.mark.parametrize('args, message', [
    (['--num_outputs=0'], 'error: --num_outputs must be at least 1, got 0'),
    (['--checkpoint_file=%(notes)s'], 'is not a SmallMusicVAE/LCMusicVAE checkpoint'),
    (['--checkpoint_file=%(missing)s'],
     'error: SmallMusicVAE/LCMusicVAE checkpoint not found'),
    (['--checkpoint_file=%(vae)s'], 'is a MusicVAE checkpoint; --checkpoint_file takes'),
    (['--run_dir=%(tmp)s/run'], 'error: give exactly one of --run_dir or'),
    (['--config=lc-cat-mel_2bar_big'],
     'was trained with --config=ae-cat-mel_2bar_big, not lc-cat-mel_2bar_big'),
    (['--vae_checkpoint_file=%(missing)s'], 'error: MusicVAE checkpoint not found'),
    (['--temperature=0'], 'error: --temperature must be a number above 0'),
    (['--output_dir=%(notes)s/generated'], 'Not a directory'),
])
def test_bad_input_is_one_line_and_writes_nothing(bundles, tiny_vae, tmp_path, args,
                                                  message):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not a checkpoint')
  paths = {'notes': notes, 'missing': tmp_path / 'absent.tar', 'vae': tiny_vae.tar,
           'tmp': tmp_path}
  output_dir = tmp_path / 'generated'
  defaults = ['--checkpoint_file=%s' % bundles['ae-cat-mel_2bar_big'],
              '--vae_checkpoint_file=%s' % tiny_vae.tar, '--output_dir=%s' % output_dir]
  result = run_script_with_defaults(GENERATE, defaults, [arg % paths for arg in args])
  assert_failed_cleanly(result, message, output_dir)

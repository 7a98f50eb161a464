"""midime_generate.py from the command line: the original README's commands, and bad
input as one clear line, exit 1, no output folder."""

import os

import note_seq
import numpy as np
import pytest

from conftest import assert_failed_cleanly, run_script, with_defaults
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS

GENERATE = 'midime_generate.py'


@pytest.fixture(scope='module')
def bundles(tiny_vae, songs_tfrecord, tmp_path_factory):
  trained = {}
  for name, hparams in (('ae-cat-mel_2bar_big', TINY_AE_HPARAMS),
                        ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)):
    trained[name] = train_job.run(train_job.TrainOptions(config=name, run_dir=str(tmp_path_factory.mktemp(name)), mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=5, hparams=hparams))
  return trained


@pytest.mark.parametrize('config, in_process', [('ae-cat-mel_2bar_big', False),
                                               ('lc-cat-mel_2bar_big', True)])
def test_the_original_sampling_command_writes_five_midi_files(bundles, tiny_vae,
                                                              tmp_path, run_program,
                                                              config, in_process):
  output_dir = tmp_path / 'generated'
  args = ['--vae_config=cat-mel_2bar_big', '--config=%s' % config,
          '--checkpoint_file=%s' % bundles[config],
          '--vae_checkpoint_file=%s' % tiny_vae.tar,
          '--num_outputs=5', '--output_dir=%s' % output_dir]
  result = (run_program('generate', *args) if in_process
            else run_script(GENERATE, *args))
  assert result.returncode == 0, result.stderr
  files = sorted(os.listdir(output_dir))
  assert len(files) == 5 and all(f.endswith('-of-005.mid') for f in files)
  for name in files:
    sequence = note_seq.midi_file_to_note_sequence(str(output_dir / name))
    assert all(21 <= note.pitch <= 108 for note in sequence.notes)
  assert 'Wrote 5 MIDI files' in result.stderr


def test_help_explains_the_flags(run_program):
  result = run_program('generate', '--help')
  assert result.returncode == 0
  for flag in ('--run_dir', '--checkpoint_file', '--vae_checkpoint_file', '--config',
               '--vae_config', '--num_outputs', '--output_dir', '--temperature',
               '--max_batch_size', '--seed', '--mode', '--inputs', '--input_window',
               '--latent', '--interpolation', '--audio', '--soundfont'):
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
                                                  message, run_program):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not a checkpoint')
  paths = {'notes': notes, 'missing': tmp_path / 'absent.tar', 'vae': tiny_vae.tar,
           'tmp': tmp_path}
  output_dir = tmp_path / 'generated'
  defaults = ['--checkpoint_file=%s' % bundles['ae-cat-mel_2bar_big'],
              '--vae_checkpoint_file=%s' % tiny_vae.tar, '--output_dir=%s' % output_dir]
  result = run_program('generate', *with_defaults(defaults, [arg % paths for arg in args]))
  assert_failed_cleanly(result, message, output_dir)


# --- the modes' bad input, in-process (issue 13) --------------------------------

from midime.cli import generate  # noqa: E402
from midime.jobs import train as train_job
import melodies  # noqa: E402


@pytest.fixture(scope='module')
def song_paths(tmp_path_factory):
  """Three 4-bar 4/4 songs (3 windows each) and a one-bar one (no usable window)."""
  folder = tmp_path_factory.mktemp('inputs')
  paths = {}
  for seed in range(3):
    paths['song%d' % seed] = str(folder / ('song%d.mid' % seed))
    melodies.write_midi(paths['song%d' % seed], melodies.random_melody(seed, bars=4))
  paths['short'] = str(folder / 'short.mid')
  melodies.write_midi(paths['short'], melodies.random_melody(9, bars=1))
  return paths


def _run_in_process(capsys, args):
  rc = generate.run(['midime-generate'] + args)
  return rc, capsys.readouterr().err


@pytest.mark.parametrize('args, message', [
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s,%(song2)s'],
     'error: --mode=interpolate takes two songs, got 3'),
    (['--mode=reconstruct', '--inputs=%(song0)s,%(short)s'],
     'error: song short.mid has no usable window: shorter than one window: 16 steps'),
    (['--mode=reconstruct', '--inputs=%(song0)s', '--input_window=3'],
     'error: --input_window=3 is past the windows of song song0.mid: it has 3 (0..2)'),
    (['--mode=reconstruct'], 'error: --mode=reconstruct needs songs: pass --inputs'),
    (['--mode=traverse', '--inputs=%(song0)s,%(song1)s'],
     'error: --mode=traverse walks around one song, got 2'),
    (['--latent=1,2,3'],
     "error: --latent has 3 numbers; this model's latent has 4 dimensions"),
    (['--latent=1,2,x,4'], 'error: --latent must be 4 numbers separated by commas'),
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s', '--latent=1,2,3,4'],
     'error: --latent goes with --mode=sample or traverse, not interpolate'),
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s', '--num_outputs=1'],
     'error: --mode=interpolate needs --num_outputs of 2 or more'),
    (['--mode=sample', '--inputs=%(song0)s'], 'error: --mode=sample draws from the prior'),
    (['--mode=wander'], 'error: flag --mode=wander'),
    (['--audio', '--soundfont=%(missing)s'], 'error: SoundFont not found'),
])
def test_bad_mode_input_is_one_line_and_writes_nothing(bundles, tiny_vae, song_paths,
                                                       tmp_path, capsys, args,
                                                       message):
  if '--audio' in args:
    pytest.importorskip('tinysoundfont')
  output_dir = tmp_path / 'generated'
  values = dict(song_paths, missing=str(tmp_path / 'none.sf2'))
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundles['ae-cat-mel_2bar_big'],
      '--vae_checkpoint_file=%s' % tiny_vae.tar, '--output_dir=%s' % output_dir,
      '--seed=1'] + [arg % values for arg in args])
  assert rc == 1
  assert err.strip().splitlines()[-1].startswith(message), err
  assert 'Traceback' not in err
  assert not output_dir.exists()


def test_audio_without_a_soundfont_says_how_to_get_one(bundles, tmp_path, capsys,
                                                       monkeypatch):
  pytest.importorskip('tinysoundfont')
  from midime import audio
  monkeypatch.setattr(audio, 'default_soundfont', lambda: None)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundles['lc-cat-mel_2bar_big'], '--audio',
      '--output_dir=%s' % output_dir])
  assert rc == 1 and err.strip().splitlines()[-1] == 'error: ' + audio.SOUNDFONT_HELP
  assert not output_dir.exists()


def test_audio_without_tinysoundfont_says_how_to_install_it(bundles, tmp_path, capsys,
                                                            monkeypatch):
  monkeypatch.setitem(__import__('sys').modules, 'tinysoundfont', None)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundles['lc-cat-mel_2bar_big'], '--audio',
      '--output_dir=%s' % output_dir])
  assert rc == 1 and 'pip install --no-deps tinysoundfont' in err.strip().splitlines()[-1]
  assert not output_dir.exists()


def test_traverse_of_a_wide_latent_says_what_is_drawn(tiny_vae, songs_tfrecord,
                                                      tmp_path, capsys):
  bundle = train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=str(tmp_path / 'run'), mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=1, hparams=TINY_AE_HPARAMS + ',encoded_z_size=17'))
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundle, '--mode=traverse', '--num_outputs=2',
      '--output_dir=%s' % output_dir, '--max_batch_size=16'])
  assert rc == 0, err
  assert ('The latent has 17 dimensions and 2 values each: the picture draws '
          'dimensions 0..15 at the first 2 values; the MIDI files hold them all.'
          ) in err
  assert len([f for f in os.listdir(output_dir) if f.endswith('.mid')]) == 34


@pytest.mark.parametrize('config', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_audio_writes_an_audible_wav_beside_each_midi_file(bundles, tiny_vae, song_paths,
                                                          tmp_path, capsys, config):
  pytest.importorskip('tinysoundfont')
  from midime import audio
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundles[config], '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--mode=interpolate', '--inputs=%(song0)s,%(song1)s' % song_paths,
      '--num_outputs=3', '--audio', '--seed=2', '--output_dir=%s' % output_dir])
  assert rc == 0, err
  midi_files = sorted(str(p) for p in output_dir.glob('*.mid'))
  assert len(midi_files) == 3
  for midi_file in midi_files:
    sequence = note_seq.midi_file_to_note_sequence(midi_file)
    samples, rate = audio.read_wav(midi_file[:-len('.mid')] + '.wav')
    # The MIDI file ends at its last note; the WAV at the two bars' end (4 s at 120
    # qpm) plus the release tail.
    assert sequence.total_time < len(samples) / rate <= 4.0 + audio.RELEASE_SECONDS + 0.01
    assert sequence.notes and np.sqrt(np.mean(np.square(samples))) > 0.005


def test_a_failed_picture_leaves_no_midi_files(bundles, tmp_path, capsys, monkeypatch):
  def full_disk(rows, path, **unused_kwargs):
    raise OSError(28, 'No space left on device', path)
  from midime import piano_roll
  monkeypatch.setattr(piano_roll, 'draw_piano_rolls', full_disk)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundles['lc-cat-mel_2bar_big'], '--mode=traverse',
      '--num_outputs=2', '--output_dir=%s' % output_dir])
  assert rc == 1 and 'No space left on device' in err.strip().splitlines()[-1]
  assert not output_dir.exists()

"""midime-train, the program (midime_train.py from a checkout): the original
README's command as written, its help, and every kind of bad input as one
clear line, exit 1, nothing written; songs as people have them (other meters,
one track per voice, --meter and --tracks); each family's songs and
checkpoints that do not fit; Ctrl-C, SIGTERM and kill -9 on a real process.
One run goes through a fresh interpreter as a user's would; the rest run the
same program in-process."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from midime import training
from midime.cli import train
from tests import testing_lib

TRAIN = 'midime_train.py'
CONFIG = 'ae-cat-mel_2bar_big'


def _original_layout(tiny_vae, songs_tfrecord, folder):
  """The paths the original README assumes, in `folder`."""
  os.makedirs(os.path.join(folder, 'data'))
  os.makedirs(os.path.join(folder, 'model'))
  shutil.copy(songs_tfrecord,
              os.path.join(folder, 'data', 'notesequences.tfrecord'))
  for name in os.listdir(tiny_vae.folder):
    if name.startswith('tiny-mel_2bar.ckpt.'):
      shutil.copy(
          os.path.join(tiny_vae.folder, name),
          os.path.join(folder, 'model',
                       name.replace('tiny-mel_2bar', 'cat-mel_2bar_big')))
  shutil.copy(os.path.join(tiny_vae.folder, 'music_vae_hparams.json'),
              os.path.join(folder, 'model'))


@pytest.mark.parametrize('config, in_process', [('ae-cat-mel_2bar_big', False),
                                                ('lc-cat-mel_2bar_big', True)])
def test_the_original_training_command_runs_as_written(tiny_vae, songs_tfrecord,
                                                       tmp_path, run_program,
                                                       config, in_process):
  _original_layout(tiny_vae, songs_tfrecord, str(tmp_path))
  args = [
      '--config=%s' % config, '--run_dir=tmp/', '--mode=train',
      '--examples_path=data/notesequences.tfrecord',
      '--pretrained_path=model/cat-mel_2bar_big.ckpt', '--num_steps=100'
  ]
  if in_process:
    result = run_program('train', *args, cwd=str(tmp_path))
  else:
    result = testing_lib.run_script(TRAIN, *args, cwd=str(tmp_path))
  assert result.returncode == 0, result.stderr
  assert 'step 100/100' in result.stderr and 'steps/s' in result.stderr
  assert '5 of 5 NoteSequences gave 15 two-bar windows' in result.stderr
  assert os.path.exists(tmp_path / 'tmp' / (config + '.tar'))
  assert os.path.exists(tmp_path / 'tmp' / 'latents.npz')
  assert os.path.exists(tmp_path / 'tmp' / 'train' / 'model.ckpt-100.index')


def test_help_explains_the_flags(run_program):
  result = run_program('train', '--help')
  assert result.returncode == 0
  for flag in ('--config', '--run_dir', '--mode', '--examples_path',
               '--pretrained_path', '--num_steps', '--hparams', '--seed'):
    assert flag in result.stdout
  assert 'a MIDI file, or a folder of MIDI files' in result.stdout


def _drums(path):
  testing_lib.write_tfrecord(
      path, [testing_lib.random_melody(1, is_drum=True, name='beat')])


def _write(content):

  def make(path):
    with open(path, 'wb') as output:
      output.write(content)

  return make


@pytest.mark.parametrize(
    'examples, make_examples, checkpoint, extra, message', [
        ('missing.tfrecord', None, 'prefix', [],
         'error: examples not found: '),
        ('corrupt.tfrecord', _write(b'\x07garbage that is no tfrecord' * 4),
         'prefix', [], 'is not a NoteSequence TFRecord or a MIDI file'),
        ('empty.tfrecord', _write(b''), 'prefix', [], 'is empty'),
        ('drums.tfrecord', _drums, 'prefix', [],
         'error: no two-bar melodies could be extracted from the examples: '
         'dropped 1 (drums only): beat'),
        ('songs', None, 'missing', [], 'error: MusicVAE checkpoint not found'),
        ('songs', None, 'unfitting', [],
         'does not fit MusicVAE cat-mel_2bar_big (z_size 512, encoder [2048], '
         'decoder [2048, 2048, 2048]): 8 variable(s) with other shapes: '
         'encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/'
         'lstm_cell/kernel (checkpoint [122, 128], expected [2138, 8192])'),
        ('songs', None, 'prefix', ['--config=ae-cat-mel_4bar'],
         "error: unknown config 'ae-cat-mel_4bar'"),
        ('songs', None, 'prefix', ['--mode=sample'],
         'flag --mode=sample: value should be one of <train|eval>'),
        ('songs', None, 'prefix', ['--num_steps=0'],
         'error: --num_steps must be at least 1'),
        ('songs', None, 'prefix', ['--hparams=batch_size=big'],
         'error: bad --hparams'),
    ])
def test_bad_input_is_one_line_and_writes_nothing(tiny_vae, songs_tfrecord,
                                                  tmp_path, run_program,
                                                  examples, make_examples,
                                                  checkpoint, extra, message):
  examples_path = songs_tfrecord if examples == 'songs' else str(tmp_path /
                                                                 examples)
  if make_examples:
    make_examples(examples_path)
  # The tiny checkpoint without the sizes beside it.
  if checkpoint == 'unfitting':
    unfitting = tmp_path / 'unfitting'
    unfitting.mkdir()
    for name in os.listdir(tiny_vae.folder):
      if name.startswith('tiny-mel_2bar.ckpt.'):
        shutil.copy(os.path.join(tiny_vae.folder, name), str(unfitting))
    checkpoint_path = str(unfitting / 'tiny-mel_2bar.ckpt')
  else:
    checkpoint_path = {
        'prefix': tiny_vae.prefix,
        'missing': str(tmp_path / 'nowhere.ckpt')
    }[checkpoint]
  run_dir = tmp_path / 'run'
  result = run_program('train', '--config=ae-cat-mel_2bar_big',
                       '--run_dir=%s' % run_dir,
                       '--examples_path=%s' % examples_path,
                       '--pretrained_path=%s' % checkpoint_path,
                       '--num_steps=5', *extra)
  assert result.returncode == 1
  assert message in result.stderr
  assert 'Traceback' not in result.stderr
  if message.startswith('error:'):
    assert result.stderr.strip().splitlines()[-1].startswith(message)
  assert not run_dir.exists()


@pytest.mark.parametrize('hparams, message', [
    ('learning_rate=nan', 'hparam learning_rate must be a finite number'),
    ('learning_rate=-0.001',
     'hparam learning_rate must be a finite number of at least 0'),
    ('learning_rate=0', 'hparam learning_rate must be above 0'),
    ('decay_rate=nan', 'hparam decay_rate must be between 0 and 1'),
    ('max_beta=nan', 'hparam max_beta must be a finite number'),
    ('max_beta=inf', 'hparam max_beta must be a finite number'),
    ('beta_rate=1.5', 'hparam beta_rate must be between 0 and 1'),
    ('grad_clip=-1', 'hparam grad_clip must be a finite number of at least 0'),
    ('latent_decoder_layers=[0]',
     'hparam latent_decoder_layers must list layer sizes'),
])
def test_hparams_that_would_diverge_or_abort_are_refused(
    tiny_vae, songs_tfrecord, tmp_path, capsys, hparams, message):
  run_dir = tmp_path / 'run'
  tiny = ('batch_size=8,latent_encoder_layers=[32,16]'
          if hparams.startswith('latent_decoder_layers') else
          testing_lib.TINY_AE_HPARAMS)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 3,
                                   '--hparams=%s,%s' % (tiny, hparams)) == 1
  testing_lib.assert_one_error_line(capsys, message)
  assert not run_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--seed=-1', '--seed must be between 0 and 2**32 - 1'),
    ('--log=foo', '--log must be one of'),
    ('--save_checkpoint_secs=-1',
     '--save_checkpoint_secs must be 0 (off) or more'),
    ('--save_checkpoint_secs=nan',
     '--save_checkpoint_secs must be 0 (off) or more'),
    ('--save_checkpoint_steps=-5',
     '--save_checkpoint_steps must be 0 (off) or more'),
    ('--checkpoints_to_keep=-1',
     '--checkpoints_to_keep must be 0 (all) or more'),
])
def test_bad_train_flags_are_one_line(tiny_vae, songs_tfrecord, tmp_path,
                                      capsys, flag, message):
  run_dir = tmp_path / 'run'
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 3,
                                   flag) == 1
  testing_lib.assert_one_error_line(capsys, message)
  assert not run_dir.exists()


def test_eval_without_a_checkpoint_writes_nothing(tiny_vae, songs_tfrecord,
                                                  tmp_path, capsys):
  run_dir = tmp_path / 'run'
  assert train.run([
      'midime-train', '--config=' + CONFIG,
      '--run_dir=%s' % run_dir, '--mode=eval',
      '--examples_path=' + songs_tfrecord,
      '--pretrained_path=' + tiny_vae.prefix
  ]) == 1
  testing_lib.assert_one_error_line(capsys, 'no checkpoint to evaluate')
  assert not run_dir.exists()


# --- Songs as people have them ------------------------------------------------


def _song_folder(folder):
  os.makedirs(folder)
  testing_lib.write_midi(
      os.path.join(folder, 'waltz.mid'),
      testing_lib.random_melody(1, bars=8, numerator=3, denominator=4))
  testing_lib.write_midi(
      os.path.join(folder, 'jig.mid'),
      testing_lib.random_melody(2, bars=8, numerator=6, denominator=8))
  testing_lib.write_midi(
      os.path.join(folder, 'slip jig.mid'),
      testing_lib.random_melody(3, bars=8, numerator=3, denominator=8))
  testing_lib.write_midi(os.path.join(folder, 'hymn.mid'), testing_lib.hymn())
  return folder


def _train_songs(tiny_vae, examples, run_dir, *extra):
  return train.run([
      'midime-train', '--config=ae-cat-mel_2bar_big',
      '--run_dir=%s' % run_dir,
      '--examples_path=%s' % examples,
      '--pretrained_path=%s' % tiny_vae.prefix, '--num_steps=2',
      '--hparams=%s' % testing_lib.TINY_AE_HPARAMS
  ] + list(extra))


def test_songs_in_3_4_6_8_3_8_and_a_hymn_train_with_default_flags(
    tiny_vae, tmp_path, capfd):
  songs = _song_folder(str(tmp_path / 'songs'))
  run_dir = tmp_path / 'run'
  assert _train_songs(tiny_vae, songs, run_dir) == 0
  log = capfd.readouterr().err
  assert '4 of 4 NoteSequences gave 19 two-bar windows' in log
  assert 're-barred 3 (3/4, 3/8, 6/8) into 16-step bars' in log
  assert 'took the tune of 1 multi-track songs: hymn.mid (Soprano)' in log
  rows = [
      line.split('\t')
      for line in (run_dir / 'songs.tsv').read_text().splitlines()
  ]
  assert rows[0][:4] == ['song', 'meter', 'tracks', 'windows']
  assert [row[:4] for row in rows[1:]] == [
      ['hymn.mid', '4/4', 'tune: Soprano', '7'],
      ['jig.mid', '6/8 (re-barred)', 'track 0 (program 0)', '5'],
      ['slip jig.mid', '3/8 (re-barred)', 'track 0 (program 0)', '2'],
      ['waltz.mid', '3/4 (re-barred)', 'track 0 (program 0)', '5'],
  ]
  with open(run_dir / 'train' / 'midime_config.json') as record:
    assert json.load(record)['tracks'] == 'tune'
  # --tracks=all takes every voice of the hymn: a new cache, four times its
  # windows (other windows for a trained run: --fine_tune says that is meant).
  assert _train_songs(tiny_vae, songs, run_dir, '--tracks=all', '--num_steps=3',
                      '--fine_tune') == 0
  assert '4 of 4 NoteSequences gave 40 two-bar windows' in capfd.readouterr(
  ).err


def test_strict_meter_drops_the_songs_and_says_why_in_one_line(
    tiny_vae, tmp_path, capfd):
  songs = str(tmp_path / 'songs')
  os.makedirs(songs)
  testing_lib.write_midi(
      os.path.join(songs, 'waltz.mid'),
      testing_lib.random_melody(1, bars=8, numerator=3, denominator=4))
  testing_lib.write_midi(os.path.join(songs, 'short.mid'),
                         testing_lib.random_melody(2, bars=1))
  run_dir = tmp_path / 'run'
  assert _train_songs(tiny_vae, songs, run_dir, '--meter=strict') == 1
  lines = capfd.readouterr().err.strip().splitlines()
  assert lines[-1] == (
      'error: no two-bar melodies could be extracted from the examples: '
      'dropped 1 (shorter than one window: 16 steps, the model reads 2-bar '
      'windows (32 steps)): short.mid; dropped 1 (3/4 time: bars of 12 steps, '
      'the config needs 16-step bars (4/4, 2/2); --meter=rebar reads it as '
      '16-step bars): waltz.mid'
  )
  assert not run_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--tracks=Descant,2',
     'error: no song has the track(s) descant; the songs have track names: '
     'Alto, Bass, Soprano, Tenor; indexes: 0, 1, 2, 3; programs: 0, 6, 19, 24'),
    ('--tracks=program:128',
     "error: --tracks: 'program:128' is not a General MIDI "
     'program (program:0 to program:127)'),
    ('--meter=loose', 'error: flag --meter=loose: value should be one of '
     '<rebar|strict>'),
])
def test_bad_track_and_meter_flags_are_one_line_and_write_nothing(
    tiny_vae, tmp_path, capfd, flag, message):
  songs = _song_folder(str(tmp_path / 'songs'))
  run_dir = tmp_path / 'run'
  assert _train_songs(tiny_vae, songs, run_dir, flag) == 1
  err = capfd.readouterr().err
  assert err.strip().splitlines()[-1].startswith(message)
  assert 'Traceback' not in err
  assert not run_dir.exists()


# --- Signals on a real process ------------------------------------------------


def _flags(run_dir, tiny_vae, songs, num_steps):
  return [
      '--config=' + CONFIG,
      '--run_dir=%s' % run_dir, '--examples_path=' + songs,
      '--pretrained_path=' + tiny_vae.prefix,
      '--num_steps=%d' % num_steps, '--hparams=' + testing_lib.TINY_AE_HPARAMS
  ]


def _start_training(run_dir, tiny_vae, songs, *extra):
  """Starts a long midime_train.py and returns it once it has logged its first
  progress line (100 steps done), with the lines read so far."""
  process = subprocess.Popen(
      [sys.executable,
       os.path.join(testing_lib.REPO, 'midime_train.py')] +
      _flags(run_dir, tiny_vae, songs, 10**9) + list(extra),
      cwd=testing_lib.REPO, stderr=subprocess.PIPE, text=True)
  lines = []
  for line in process.stderr:
    lines.append(line)
    if re.search(r'step \d+/\d+ ', line):
      return process, lines
  process.wait()
  pytest.fail('training ended before its first step line:\n' + ''.join(lines))


@pytest.mark.parametrize('signum, name', [(signal.SIGINT, 'SIGINT'),
                                          (signal.SIGTERM, 'SIGTERM')])
def test_a_signal_saves_a_checkpoint_and_says_where(tiny_vae, songs_tfrecord,
                                                    tmp_path, capsys, signum,
                                                    name):
  run_dir = tmp_path / 'run'
  # Periodic saves off: the checkpoint can only come from the signal.
  process, lines = _start_training(run_dir, tiny_vae, songs_tfrecord,
                                   '--save_checkpoint_secs=0')
  try:
    # Meanwhile a second training into the same folder exits with one line.
    assert train.run(['midime-train'] +
                     _flags(run_dir, tiny_vae, songs_tfrecord, 5)) == 1
    assert 'is in use by another midime-train' in capsys.readouterr().err
  finally:
    process.send_signal(signum)
    _, rest = process.communicate(timeout=120)
  stderr = ''.join(lines) + rest
  assert process.returncode == 1, stderr
  last_line = stderr.strip().splitlines()[-1]
  assert last_line.startswith('error: stopped by %s at step ' % name), stderr
  assert 'Traceback' not in stderr
  steps = testing_lib.checkpoint_steps(run_dir)
  assert len(steps) == 1 and steps[0] >= 100
  saved = os.path.join(str(run_dir), 'train', 'model.ckpt-%d' % steps[0])
  assert last_line.endswith('saved %s: run the same command again to resume' %
                            saved)
  # Resumed from there, now that the lock is free.
  assert train.run(['midime-train'] +
                   _flags(run_dir, tiny_vae, songs_tfrecord, steps[0] + 5)) == 0
  assert testing_lib.checkpoint_steps(run_dir)[-1] == steps[0] + 5


def test_kill_9_loses_at_most_one_save_interval(tiny_vae, songs_tfrecord,
                                                tmp_path):
  run_dir = tmp_path / 'run'
  process, _ = _start_training(run_dir, tiny_vae, songs_tfrecord,
                               '--save_checkpoint_secs=1')
  try:
    deadline = time.time() + 60
    while len(
        testing_lib.checkpoint_steps(run_dir)) < 2 and time.time() < deadline:
      time.sleep(0.2)
  finally:
    process.kill()  # SIGKILL: no handler runs
    process.communicate(timeout=60)
  assert process.returncode == -signal.SIGKILL
  saved = testing_lib.checkpoint_steps(run_dir)
  assert len(saved) >= 2 and saved[-1] > 0  # periodic saves were being made
  # The next run resumes from the last of them, cleans what the kill left, and
  # keeps the checkpoints readable.
  assert train.run(['midime-train'] +
                   _flags(run_dir, tiny_vae, songs_tfrecord, saved[-1] +
                          3)) == 0
  assert testing_lib.checkpoint_steps(run_dir)[-1] == saved[-1] + 3
  train_dir = training.train_dir_of(str(run_dir))
  assert not [
      name for name in os.listdir(train_dir)
      if 'tempstate' in name or name.endswith(('_temp', '.tmp'))
  ]


# --- Each family --------------------------------------------------------------


def test_a_checkpoint_of_another_family_is_named(family_material, tmp_path,
                                                 capsys):
  _, mel_songs = family_material('hierdec-mel_16bar')
  drums_tar, _ = family_material('cat-drums_2bar_small')
  run_dir = tmp_path / 'run'
  assert testing_lib.train_family('ae-hierdec-mel_16bar', drums_tar, mel_songs,
                                  run_dir) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message.startswith('error: ')
  assert ('is not a hierdec-mel_16bar checkpoint: it looks like '
          'cat-drums_2bar_small' in message)
  assert 'use --config=ae-cat-drums_2bar_small' in message
  assert 'Variables that differ: encoder/' in message
  assert not os.path.exists(run_dir / 'train')


def test_a_multitrack_checkpoint_with_a_melody_config_is_named(
    family_material, tmp_path, capsys):
  multitrack_tar, songs = family_material('hier-multiperf_vel_1bar_med')
  run_dir = tmp_path / 'run'
  assert testing_lib.train_family('ae-cat-mel_2bar_big', multitrack_tar, songs,
                                  run_dir) == 1
  message = testing_lib.assert_one_error_line(
      capsys, 'is not a cat-mel_2bar_big checkpoint')
  assert ('it looks like hier-multiperf_vel_1bar_med or '
          'hier-multiperf_vel_1bar_big (encoder input depth 490, '
          'hierarchical decoder); use --config=ae-hier-multiperf_vel_1bar_med '
          'or lc-hier-multiperf_vel_1bar_med with '
          '--vae_config=hier-multiperf_vel_1bar_med.' in message)
  assert not os.path.exists(run_dir)


def test_a_band_of_more_instruments_than_the_family_holds_trains_on_eight(
    family_material, tmp_path, capsys):
  tar, _ = family_material('hier-multiperf_vel_1bar_med')
  songs = tmp_path / 'songs'
  songs.mkdir()
  testing_lib.write_midi(
      str(songs / 'big_band.mid'),
      testing_lib.band(4, bars=2, pitched=8, name='big_band'))
  run_dir = tmp_path / 'run'
  assert testing_lib.train_family('ae-hier-multiperf_vel_1bar_med', tar,
                                  str(songs), run_dir) == 0
  assert ('9 instruments, the family holds 8: left out Drums'
          in capsys.readouterr().err)
  with open(run_dir / 'songs.tsv') as table:
    (row,) = table.read().splitlines()[1:]
  name, _, tracks, windows_found, _, notes = row.split('\t')
  assert name == 'big_band.mid' and windows_found == '2'
  assert len(tracks.split(', ')) == 8 and 'Drums' not in tracks
  assert notes == '9 instruments, the family holds 8: left out Drums'


@pytest.mark.parametrize(
    'config, songs_of, reason',
    [
        ('ae-hierdec-mel_16bar', 'cat-mel_2bar_big',
         'shorter than one window: 64 steps, the model reads 16-bar windows'),
        ('ae-cat-drums_2bar_small', 'cat-mel_2bar_big', 'no drums'),
        # Drums give a chord-conditioned config no notes to infer chords from.
        ('lc-cat-mel_2bar_med_chords', 'cat-drums_2bar_small',
         'no chord symbols, and no notes to infer chords from'),
        ('ae-hierdec-trio_16bar', 'hierdec-mel_16bar', 'no drums'),
        # Magenta's converter raised.
        ('ae-groovae_4bar', 'cat-mel_2bar_big', 'no drums'),
        ('ae-hier-multiperf_vel_1bar_med', 'cat-mel_2bar_big',
         '1 instrument: the multitrack family reads bars where 2 to 8 play '
         'together'),
    ])
def test_songs_without_a_window_say_why(family_material, tmp_path, capsys,
                                        config, songs_of, reason):
  tar, _ = family_material(config.split('-', 1)[1])
  songs = testing_lib.write_songs(str(tmp_path / 'songs'), songs_of, count=2)
  run_dir = tmp_path / 'run'
  assert testing_lib.train_family(config, tar, songs, run_dir) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message.startswith('error: ') and reason in message
  assert not os.path.exists(run_dir / 'train')

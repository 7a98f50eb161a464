"""midime_train.py from the command line: the original README's commands as written,
and every kind of bad input as one clear line, exit 1, nothing written. One run goes
through a fresh interpreter as a user's would; the rest run the same program in-process."""

import os
import shutil

import pytest

import melodies
from conftest import run_script

TRAIN = 'midime_train.py'


def _original_layout(tiny_vae, songs_tfrecord, folder):
  """The paths the original README assumes, in `folder`."""
  os.makedirs(os.path.join(folder, 'data'))
  os.makedirs(os.path.join(folder, 'model'))
  shutil.copy(songs_tfrecord, os.path.join(folder, 'data', 'notesequences.tfrecord'))
  for name in os.listdir(tiny_vae.folder):
    if name.startswith('tiny-mel_2bar.ckpt.'):
      shutil.copy(os.path.join(tiny_vae.folder, name), os.path.join(
          folder, 'model', name.replace('tiny-mel_2bar', 'cat-mel_2bar_big')))
  shutil.copy(os.path.join(tiny_vae.folder, 'music_vae_hparams.json'),
              os.path.join(folder, 'model'))


@pytest.mark.parametrize('config, in_process', [('ae-cat-mel_2bar_big', False),
                                               ('lc-cat-mel_2bar_big', True)])
def test_the_original_training_command_runs_as_written(tiny_vae, songs_tfrecord,
                                                       tmp_path, run_program, config,
                                                       in_process):
  _original_layout(tiny_vae, songs_tfrecord, str(tmp_path))
  args = ['--config=%s' % config, '--run_dir=tmp/', '--mode=train',
          '--examples_path=data/notesequences.tfrecord',
          '--pretrained_path=model/cat-mel_2bar_big.ckpt', '--num_steps=100']
  if in_process:
    result = run_program('train', *args, cwd=str(tmp_path))
  else:
    result = run_script(TRAIN, *args, cwd=str(tmp_path))
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
  melodies.write_tfrecord(path, [melodies.random_melody(1, is_drum=True, name='beat')])


def _write(content):
  def make(path):
    with open(path, 'wb') as output:
      output.write(content)
  return make


@pytest.mark.parametrize('examples, make_examples, checkpoint, extra, message', [
    ('missing.tfrecord', None, 'prefix', [], 'error: examples not found: '),
    ('corrupt.tfrecord', _write(b'\x07garbage that is no tfrecord' * 4), 'prefix', [],
     'is not a NoteSequence TFRecord or a MIDI file'),
    ('empty.tfrecord', _write(b''), 'prefix', [], 'is empty'),
    ('drums.tfrecord', _drums, 'prefix', [],
     'error: no two-bar melodies could be extracted from the examples: dropped 1 '
     '(drums only): beat'),
    ('songs', None, 'missing', [], 'error: MusicVAE checkpoint not found'),
    ('songs', None, 'unfitting', [],
     'does not fit MusicVAE cat-mel_2bar_big (z_size 512, encoder [2048], decoder '
     '[2048, 2048, 2048]): 8 variable(s) with other shapes: encoder/cell_0/'
     'bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel (checkpoint '
     '[122, 128], expected [2138, 8192])'),
    ('songs', None, 'prefix', ['--config=ae-cat-mel_4bar'],
     "error: unknown config 'ae-cat-mel_4bar'"),
    ('songs', None, 'prefix', ['--mode=sample'],
     'flag --mode=sample: value should be one of <train|eval>'),
    ('songs', None, 'prefix', ['--num_steps=0'], 'error: --num_steps must be at least 1'),
    ('songs', None, 'prefix', ['--hparams=batch_size=big'], 'error: bad --hparams'),
])
def test_bad_input_is_one_line_and_writes_nothing(tiny_vae, songs_tfrecord, tmp_path,
                                                  run_program, examples, make_examples, checkpoint,
                                                  extra, message):
  examples_path = songs_tfrecord if examples == 'songs' else str(tmp_path / examples)
  if make_examples:
    make_examples(examples_path)
  if checkpoint == 'unfitting':  # the tiny checkpoint without the sizes beside it
    unfitting = tmp_path / 'unfitting'
    unfitting.mkdir()
    for name in os.listdir(tiny_vae.folder):
      if name.startswith('tiny-mel_2bar.ckpt.'):
        shutil.copy(os.path.join(tiny_vae.folder, name), str(unfitting))
    checkpoint_path = str(unfitting / 'tiny-mel_2bar.ckpt')
  else:
    checkpoint_path = {'prefix': tiny_vae.prefix,
                       'missing': str(tmp_path / 'nowhere.ckpt')}[checkpoint]
  run_dir = tmp_path / 'run'
  result = run_program('train', '--config=ae-cat-mel_2bar_big', '--run_dir=%s' % run_dir,
                       '--examples_path=%s' % examples_path,
                       '--pretrained_path=%s' % checkpoint_path, '--num_steps=5', *extra)
  assert result.returncode == 1
  assert message in result.stderr
  assert 'Traceback' not in result.stderr
  if message.startswith('error:'):
    assert result.stderr.strip().splitlines()[-1].startswith(message)
  assert not run_dir.exists()

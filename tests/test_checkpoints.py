"""checkpoints.py: a prefix, a folder, a .tar, and clear errors for anything
else; a copied run reads its own checkpoints, a truncated one is one line."""

import os
import shutil
import tarfile

import pytest

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import training
from midime.cli import generate
from midime.errors import UserError
from tests import testing_lib

CONFIG = 'ae-cat-mel_2bar_big'


def _shapes(path):
  with checkpoints.open_checkpoint(path) as checkpoint:
    return checkpoint.variable_shapes(
    ), checkpoint.sidecars, checkpoint.fingerprint()


def test_prefix_folder_index_file_and_tar_open_the_same_checkpoint(tiny_vae):
  by_prefix = _shapes(tiny_vae.prefix)
  assert by_prefix[0]['encoder/mu/kernel'] == [64, 16]
  assert by_prefix[1][checkpoints.MUSIC_VAE_SIDECAR]['hparams']['z_size'] == 16
  assert _shapes(tiny_vae.tar) == by_prefix
  assert _shapes(tiny_vae.prefix + '.index') == by_prefix
  folder_only = os.path.join(tiny_vae.folder, 'only')
  os.makedirs(folder_only, exist_ok=True)
  for name in os.listdir(tiny_vae.folder):
    if name.startswith('tiny-mel_2bar.ckpt') or name.endswith('.json'):
      shutil.copy(os.path.join(tiny_vae.folder, name), folder_only)
  assert _shapes(folder_only) == by_prefix


def test_the_tar_is_unpacked_only_while_open(tiny_vae):
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    unpacked = os.path.dirname(checkpoint.prefix)
    assert os.path.exists(checkpoint.prefix + '.index')
  assert not os.path.exists(unpacked)


@pytest.mark.parametrize('make, message', [
    (lambda d: os.path.join(d, 'absent.ckpt'), 'not found'),
    (lambda d: _write(d, 'notes.txt', b'hello'), 'is not a checkpoint'),
    (lambda d: _mkdir(d, 'empty_folder'),
     r'no checkpoint in .* \(no \.index file\)'),
    (lambda d: _empty_tar(d), r'no checkpoint in .*\.tar'),
    (lambda d: _write(d, 'broken.ckpt.index', b'garbage')[:-len('.index')],
     'cannot read checkpoint'),
])
def test_what_is_not_a_checkpoint_says_so(tmp_path, make, message):
  path = make(str(tmp_path))
  with pytest.raises(UserError, match=message):
    with checkpoints.open_checkpoint(path):
      pass


def _write(folder, name, data):
  path = os.path.join(folder, name)
  with open(path, 'wb') as output:
    output.write(data)
  return path


def _mkdir(folder, name):
  path = os.path.join(folder, name)
  os.makedirs(path)
  return path


def _empty_tar(folder):
  path = os.path.join(folder, 'empty.tar')
  with tarfile.open(path, 'w') as archive:
    archive.add(_write(folder, 'readme.txt', b'x'), arcname='readme.txt')
  return path


def test_check_fits_names_missing_and_mismatched_variables(tiny_vae):
  with tf.Graph().as_default():
    fits = tf.get_variable('encoder/mu/kernel', [64, 16])
    wrong = tf.get_variable('encoder/sigma/kernel', [512, 16])
    absent = tf.get_variable('latent_encoder/mu/kernel', [16, 4])
    with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
      checkpoints.check_fits(checkpoint, [fits], 'the test model')
      with pytest.raises(UserError) as error:
        checkpoints.check_fits(checkpoint, [fits, wrong, absent],
                               'the test model')
  message = str(error.value)
  assert 'does not fit the test model' in message
  assert ('encoder/sigma/kernel (checkpoint [64, 16], expected [512, 16])'
          in message)
  assert '1 variable(s) missing: latent_encoder/mu/kernel' in message


def test_write_bundle_holds_the_checkpoint_and_sidecar(tiny_vae, tmp_path):
  tar_path = str(tmp_path / 'bundle.tar')
  checkpoints.write_bundle(tar_path, tiny_vae.prefix, 'renamed.ckpt',
                           {checkpoints.MODEL_SIDECAR: {
                               'config': 'x'
                           }})
  with tarfile.open(tar_path) as archive:
    names = sorted(archive.getnames())
  assert names == [
      checkpoints.MODEL_SIDECAR, 'renamed.ckpt.data-00000-of-00001',
      'renamed.ckpt.index'
  ]
  with checkpoints.open_checkpoint(tar_path) as checkpoint:
    assert checkpoint.sidecars[checkpoints.MODEL_SIDECAR] == {'config': 'x'}
  assert not os.path.exists(tar_path + '.tmp')


def test_a_copy_of_a_run_with_absolute_checkpoint_paths_reads_its_own(
    trained_models, tmp_path):
  # Runs written before relative paths name the original folder in
  # train/checkpoint.
  copy = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  elsewhere = str(tmp_path / 'elsewhere' / 'train' / 'model.ckpt-4')
  os.makedirs(os.path.dirname(elsewhere))
  for suffix in ('.index', '.data-00000-of-00001'):
    shutil.copy(
        os.path.join(training.train_dir_of(str(copy)), 'model.ckpt-4' + suffix),
        elsewhere + suffix)
  tf.train.update_checkpoint_state(training.train_dir_of(str(copy)), elsewhere)
  with checkpoints.open_checkpoint(training.train_dir_of(
      str(copy))) as checkpoint:
    assert os.path.dirname(checkpoint.prefix) == training.train_dir_of(
        str(copy))


@pytest.mark.parametrize('program', ['train', 'generate'])
def test_a_truncated_checkpoint_is_one_line(trained_models, tiny_vae,
                                            songs_tfrecord, tmp_path, capsys,
                                            program):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  data_path = os.path.join(training.train_dir_of(str(run_dir)),
                           'model.ckpt-4.data-00000-of-00001')
  with open(data_path, 'r+b') as data_file:
    data_file.truncate(64)
  if program == 'train':
    rc = testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 6)
  else:
    rc = generate.run([
        'midime-generate',
        '--run_dir=%s' % run_dir,
        '--output_dir=%s' % (tmp_path / 'out')
    ])
  assert rc == 1
  testing_lib.assert_one_error_line(capsys, 'cannot read checkpoint')
  assert not (tmp_path / 'out').exists()

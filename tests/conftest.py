"""Shared fixtures: small MusicVAE checkpoints built with magenta's own graph code, and
example songs. The real checkpoints are downloads this machine cannot reach."""

import collections
import importlib
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from midime import tf_setup  # noqa: E402,F401
import melodies  # noqa: E402
from midime import random_music_vae  # noqa: E402

# cat-mel_2bar_big's graph at toy sizes: same variable names, milliseconds per batch.
TINY_VAE_HPARAMS = {'z_size': 16, 'enc_rnn_size': [32], 'dec_rnn_size': [32, 32]}
# Fast small-model sizes for tests of the pipeline rather than of the model.
TINY_AE_HPARAMS = ('batch_size=8,latent_encoder_layers=[32,16],'
                   'latent_decoder_layers=[16,32]')
TINY_LC_HPARAMS = 'batch_size=4,dec_rnn_size=[16]'


class TinyMusicVAE(object):
  """Paths of one random MusicVAE checkpoint: as a prefix and as a Magenta-style tar."""

  def __init__(self, folder):
    self.folder = folder
    self.prefix = random_music_vae.write_random_music_vae(
        folder, hparams=TINY_VAE_HPARAMS, name='tiny-mel_2bar')
    self.tar = os.path.join(folder, 'tiny-mel_2bar.tar')
    random_music_vae.write_random_music_vae(
        folder, hparams=TINY_VAE_HPARAMS, name='tiny-mel_2bar', as_tar=True)


@pytest.fixture(scope='session')
def tiny_vae(tmp_path_factory):
  return TinyMusicVAE(str(tmp_path_factory.mktemp('tiny_vae')))


@pytest.fixture(scope='session')
def songs_tfrecord(tmp_path_factory):
  """Five 4-bar 4/4 melodies as a NoteSequence TFRecord."""
  path = str(tmp_path_factory.mktemp('songs') / 'songs.tfrecord')
  melodies.write_tfrecord(path, [melodies.random_melody(seed, bars=4, name='song%d' % seed)
                                 for seed in range(5)])
  return path


def run_script(script, *args, cwd=None):
  """Runs one of the repo's scripts in a fresh interpreter; returns CompletedProcess."""
  return subprocess.run(
      [sys.executable, os.path.join(REPO, script)] + list(args),
      cwd=cwd or REPO, capture_output=True, text=True, timeout=600)


def with_defaults(defaults, given):
  """The flags `given`, plus each flag of `defaults` not given."""
  names = {arg.split('=')[0] for arg in given}
  return [arg for arg in defaults if arg.split('=')[0] not in names] + list(given)


def assert_failed_cleanly(result, message, output_dir):
  """A bad-input run: exit 1, its last line `error: ...` naming `message`, no
  traceback, and `output_dir` never created."""
  assert result.returncode == 1
  last_line = result.stderr.strip().splitlines()[-1]
  assert last_line.startswith('error: ') and message in last_line
  assert 'Traceback' not in result.stderr
  assert not os.path.exists(str(output_dir))


class ProgramResult(collections.namedtuple('ProgramResult',
                                           ['returncode', 'stdout', 'stderr'])):
  """What one in-process run of a command-line program returned and printed."""


@pytest.fixture
def run_program(capfd, monkeypatch):
  """Runs a command-line program (`train`, `generate`, `evaluate`) in this process,
  as `midime-<program> ARGS...` would from `cwd`; returns a ProgramResult. Much faster
  than a fresh interpreter (no TensorFlow import per run), and the same code path:
  the console scripts call midime.cli.<program>.run too."""

  def run(program, *args, cwd=None):
    module = importlib.import_module('midime.cli.' + program)
    if cwd:
      monkeypatch.chdir(cwd)
    capfd.readouterr()
    returncode = module.run(['midime-' + program] + list(args))
    out, err = capfd.readouterr()
    return ProgramResult(returncode, out, err)

  return run

"""The Python API, `import midime`:
load/sample/encode/decode/interpolate/reconstruct, train, cheap import, and the
README's example run as written."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import midime
from midime.errors import UserError
from tests import testing_lib


def test_importing_midime_loads_no_tensorflow():
  result = subprocess.run([
      sys.executable, '-c',
      'import sys, midime; print([m for m in sys.modules if '
      'm.split(".")[0] in ("tensorflow", "magenta", "note_seq")])'
  ], cwd=testing_lib.REPO, capture_output=True, text=True, timeout=60)
  assert result.returncode == 0, result.stderr
  assert result.stdout.strip() == '[]'


def test_train_resumes_a_run_and_returns_its_bundle(trained_models, tiny_vae,
                                                    songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  shutil.copytree(trained_models['ae-cat-mel_2bar_big'].run_dir, run_dir)
  bundle = midime.train('ae-cat-mel_2bar_big', run_dir, songs_tfrecord,
                        tiny_vae.prefix,
                        num_steps=testing_lib.TRAINED_STEPS + 1,
                        hparams=testing_lib.TINY_AE_HPARAMS, seed=0)
  assert bundle == os.path.join(run_dir, 'ae-cat-mel_2bar_big.tar')
  assert testing_lib.checkpoint_steps(run_dir)[-1] == (
      testing_lib.TRAINED_STEPS + 1)
  with midime.load(bundle, tiny_vae.tar, seed=1) as model:
    assert model.config_name == 'ae-cat-mel_2bar_big'
    assert len(model.sample(1)) == 1


@pytest.mark.parametrize('config_name, latent_size',
                         [('ae-cat-mel_2bar_big', 4),
                          ('lc-cat-mel_2bar_big', 8)])
def test_the_model_calls(trained_models, tiny_vae, config_name, latent_size):
  songs = [
      testing_lib.random_melody(seed, bars=4, name='s%d' % seed)
      for seed in (1, 2)
  ]
  with midime.load(trained_models[config_name].bundle, tiny_vae.tar, seed=4,
                   batch_size=2) as model:
    assert model.config_name == config_name and model.latent_size == latent_size
    samples = model.sample(3, temperature=0.5)
    assert len(samples) == 3 and all(s.notes for s in samples)
    latents = model.encode(songs)
    assert latents.shape == (2, latent_size)
    np.testing.assert_allclose(model.encode(songs[1]), latents[1:], atol=1e-5)
    assert not np.allclose(latents[0], latents[1])
    assert len(model.decode(latents)) == 2 and len(model.decode(
        latents[0])) == 1
    assert len(model.reconstruct(songs)) == 2
    steps = model.interpolate(songs[0], songs[1], num_steps=4)
    assert len(steps) == 4
    traversed_latents, traversed = model.traverse(num_values=3)
    assert len(traversed) == 3 * latent_size == len(traversed_latents)
    with pytest.raises(ValueError,
                       match=r'latents must be \[n, %d\]' % latent_size):
      model.decode(np.zeros([1, latent_size + 1]))


def test_the_same_seed_gives_the_same_samples(trained_models):

  def draw():
    with midime.load(trained_models['lc-cat-mel_2bar_big'].bundle,
                     seed=11) as model:
      return [
          [(n.pitch, n.start_time) for n in s.notes] for s in model.sample(2)
      ]

  assert draw() == draw()


def test_a_song_with_no_window_is_a_user_error(trained_models, tiny_vae):
  short = testing_lib.random_melody(0, bars=1, name='short')
  with midime.load(trained_models['ae-cat-mel_2bar_big'].bundle,
                   tiny_vae.tar) as model:
    with pytest.raises(
        UserError,
        match='song short has no usable window: shorter than one window'):
      model.encode([short])


def _readme_example():
  readme = open(os.path.join(testing_lib.REPO, 'README.md'),
                encoding='utf-8').read()
  section = readme[readme.index('## Python API'):]
  return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_the_readme_example_runs_in_a_fresh_python(tmp_path):
  # As written, from the repository, except that its tmp/ files go to tmp_path.
  code = _readme_example().replace("'tmp/", "'%s/" % tmp_path)
  result = subprocess.run([sys.executable, '-c', code], cwd=testing_lib.REPO,
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  assert os.path.exists(str(tmp_path / 'halfway.mid'))
  assert os.path.exists(str(tmp_path / 'api_run' / 'ae-cat-mel_2bar_big.tar'))


@pytest.mark.parametrize('config_name, temperature',
                         [('ae-cat-mel_2bar_big', 0.5),
                          ('lc-cat-mel_2bar_big', 1.0)])
def test_each_model_samples_at_its_own_temperature_unless_told(
    trained_models, tiny_vae, config_name, temperature):
  # A fresh model each time: the same seed, the same draws.
  def decode(**kwargs):
    with midime.load(trained_models[config_name].bundle, tiny_vae.tar, seed=3,
                     batch_size=2) as model:
      assert model.temperature == temperature
      latents = np.linspace(-1, 1, 2 * model.latent_size, dtype=np.float32)
      return model.decode(latents.reshape(2, -1), **kwargs)

  by_default = decode()
  assert decode(temperature=temperature) == by_default
  # The decoding does depend on the temperature, so the default is the one
  # named.
  assert decode(temperature=0.05 if temperature > 0.5 else 5.0) != by_default

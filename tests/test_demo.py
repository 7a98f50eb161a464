"""demo.py: the demo's steps on small stand-ins for the bundled model and songs."""

import os

import pytest

import demo
from midime.errors import UserError


def test_demo_writes_midi_and_the_picture(tiny_vae, songs_tfrecord, tmp_path):
  out_dir = str(tmp_path / 'out')
  personalised, prior, picture = demo.run_demo(
      out_dir, songs_tfrecord, tiny_vae.tar, 'ae-cat-mel_2bar_big', num_steps=20,
      hparams='beta_rate=0.999,batch_size=8', num_outputs=5, temperature=0.5, seed=1,
      num_evaluation_samples=6)
  assert len(personalised) == 5 and len(prior) == 5
  assert all(os.path.exists(p) for p in personalised + prior)
  assert os.path.getsize(picture) > 10000
  assert sorted(os.listdir(out_dir)) == ['demo.png', 'evaluation', 'personalized',
                                         'prior', 'run']
  assert sorted(os.listdir(os.path.join(out_dir, 'evaluation'))) == [
      'evaluation.json', 'evaluation.md', 'features.png', 'latents.png']


def test_training_melodies_spread_over_the_songs(songs_tfrecord):
  config = demo.configs.get_config('ae-cat-mel_2bar_big')
  melodies = demo.training_melodies(songs_tfrecord, config, 7)
  assert len(melodies) == 7
  assert all(len(m.notes) > 0 for m in melodies)


def test_missing_demo_files_say_where_to_run_it(tmp_path):
  with pytest.raises(UserError, match='run it from the repository root'):
    demo.run_demo(str(tmp_path / 'out'), 'nowhere.tfrecord', 'nowhere.tar',
                  'ae-cat-mel_2bar_big', 1, '', 1, 0.5, 1)
  assert not (tmp_path / 'out').exists()

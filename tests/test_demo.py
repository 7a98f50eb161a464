"""demo.py: the demo's steps on small stand-ins for the bundled model and songs,
and its defaults (the programs')."""

import os

import pytest

import demo
from midime import audio
from midime.cli import train as train_cli
from midime.errors import UserError
from tests import testing_lib


def test_demo_writes_midi_and_the_picture(tiny_vae, songs_tfrecord, tmp_path):
  out_dir = str(tmp_path / 'out')
  results = demo.run_demo(out_dir, songs_tfrecord, tiny_vae.tar,
                          'ae-cat-mel_2bar_big', num_steps=20,
                          hparams='beta_rate=0.999,batch_size=8', num_outputs=5,
                          temperature=0.5, seed=1, num_evaluation_samples=6)
  assert list(results) == [2]
  personalized, prior, picture = results[2][:3]
  assert len(personalized) == 5 and len(prior) == 5
  assert all(os.path.exists(p) for p in personalized + prior)
  assert os.path.getsize(picture) > 10000
  assert sorted(os.listdir(out_dir)) == [
      'demo.png', 'evaluation', 'personalized', 'prior', 'run', 'songs'
  ]
  assert sorted(os.listdir(os.path.join(
      out_dir, 'evaluation'))) == testing_lib.EVALUATION_FILES
  # Whole songs: the example songs show no form (4 bars each), so the
  # default one, A A B B of 8-bar sections.
  assert len(results[2].songs) == 4
  for path in results[2].songs:
    song = demo.note_seq.midi_file_to_note_sequence(path)
    assert 56.0 < max(note.end_time for note in song.notes) <= 64.0 + 1e-6
  assert results[2].song_form == 'the default form'
  with open(os.path.join(out_dir, 'evaluation', 'evaluation.md')) as report:
    assert '## Songs' in report.read()


def test_demo_personalizes_the_16_bar_model_too_with_audio(tiny_vae, tmp_path):
  pytest.importorskip('tinysoundfont')
  songs = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(songs, [
      testing_lib.random_melody(seed, bars=20, name='tune%d' % seed)
      for seed in range(4)
  ])
  tiny_16bar = testing_lib.write_tiny_music_vae(str(tmp_path / 'vae16'),
                                                'hierdec-mel_16bar')
  out_dir = str(tmp_path / 'out')
  results = demo.run_demo(out_dir, songs, tiny_vae.tar, 'ae-cat-mel_2bar_big',
                          num_steps=10, hparams='batch_size=4', num_outputs=2,
                          temperature=0.5, seed=1, num_evaluation_samples=8,
                          audio=True, base_model_16bar=tiny_16bar,
                          num_outputs_16bar=5)
  assert list(results) == [16, 2]
  long = results[16]
  assert long.personalized[0].startswith(
      os.path.join(out_dir, '16bar', 'personalized'))
  assert len(long.personalized) == 5 and len(long.prior) == 5
  for path in long.personalized + long.prior:
    sequence = demo.note_seq.midi_file_to_note_sequence(path)
    # 16 bars of 16 steps at 120 qpm: 32 s (2 bars would end by 4 s).
    assert 24.0 < max(note.end_time for note in sequence.notes) <= 32.0 + 1e-6
    assert os.path.getsize(path[:-len('.mid')] +
                           '.wav') > 32 * audio.SAMPLE_RATE
  assert sorted(os.listdir(os.path.join(out_dir, '16bar'))) == [
      'demo.png', 'evaluation', 'personalized', 'prior', 'run', 'songs'
  ]
  assert len(long.songs) == 2
  for path in long.songs:
    assert os.path.exists(path[:-len('.mid')] + '.wav')
  assert sorted(os.listdir(long.evaluation_dir)) == testing_lib.EVALUATION_FILES
  # The two-bar demo is where it always was, with a WAV beside each MIDI file
  # too.
  assert all(
      os.path.exists(p[:-len('.mid')] + '.wav')
      for p in results[2].personalized)


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


def test_a_missing_16_bar_model_is_told_before_anything_runs(
    tiny_vae, songs_tfrecord, tmp_path):
  with pytest.raises(UserError,
                     match=r'base model are missing: nowhere16\.tar'):
    demo.run_demo(str(tmp_path / 'out'), songs_tfrecord, tiny_vae.tar,
                  'ae-cat-mel_2bar_big', 1, '', 1, 0.5, 1,
                  base_model_16bar='nowhere16.tar')
  assert not (tmp_path / 'out').exists()


def test_the_demo_trains_with_the_scripts_defaults():
  assert demo.FLAGS['num_steps'].default == train_cli.FLAGS['num_steps'].default
  assert demo.FLAGS['hparams'].default == ''

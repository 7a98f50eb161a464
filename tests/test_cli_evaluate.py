"""midime-evaluate, the program (midime_evaluate.py from a checkout): the
report, its numbers and pictures, its help, and bad input as one clear line,
exit 1, nothing written; each family's tracks measured, the songs read as
training read them."""

import json
import os
import random

import pytest

from midime import latent_cache
from midime.cli import evaluate
from midime.jobs import train as train_job
from tests import testing_lib

EVALUATE = 'midime_evaluate.py'


def test_the_script_writes_the_report(trained_models, tiny_vae, songs_tfrecord,
                                      tmp_path):
  output_dir = tmp_path / 'evaluation'
  result = testing_lib.run_script(
      EVALUATE, '--config=ae-cat-mel_2bar_big',
      '--checkpoint_file=%s' % trained_models['ae-cat-mel_2bar_big'].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--examples_path=%s' % songs_tfrecord, '--num_samples=12',
      '--max_batch_size=8', '--seed=3', '--output_dir=%s' % output_dir)
  assert result.returncode == 0, result.stderr
  with open(output_dir / 'evaluation.json') as json_file:
    results = json.load(json_file)
  testing_lib.check_evaluation_report(str(output_dir), results)
  assert results['num_samples'] == 12 and results['seed'] == 3
  assert results['config'] == 'ae-cat-mel_2bar_big'
  assert 'latent_frechet_pca' in result.stderr and 'copy rate' in result.stderr
  assert 'Wrote %s' % (output_dir / 'evaluation.md') in result.stderr


def test_help_explains_the_flags(run_program):
  result = run_program('evaluate', '--help')
  assert result.returncode == 0
  for flag in ('--run_dir', '--checkpoint_file', '--vae_checkpoint_file',
               '--config', '--vae_config', '--examples_path', '--num_samples',
               '--temperature', '--seed', '--output_dir', '--max_batch_size'):
    assert flag in result.stdout


@pytest.mark.parametrize('args, message', [
    (['--num_samples=0'], 'error: --num_samples must be at least 2, got 0'),
    (['--checkpoint_file=%(missing)s'],
     'error: SmallMusicVAE/LCMusicVAE checkpoint not found'),
    (['--chords=C G'], 'error: --chords is for chord-conditioned configs'),
])
def test_bad_input_is_one_line_and_writes_nothing(trained_models, tiny_vae,
                                                  songs_tfrecord, tmp_path,
                                                  args, message, run_program):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not songs')
  paths = {'notes': notes, 'missing': tmp_path / 'absent.tar'}
  output_dir = tmp_path / 'evaluation'
  defaults = [
      '--checkpoint_file=%s' % trained_models['ae-cat-mel_2bar_big'].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--examples_path=%s' % songs_tfrecord,
      '--output_dir=%s' % output_dir
  ]
  result = run_program(
      'evaluate',
      *testing_lib.with_defaults(defaults, [arg % paths for arg in args]))
  testing_lib.assert_failed_cleanly(result, message, output_dir)


# --- Each family --------------------------------------------------------------


@pytest.mark.parametrize('config, tracks', [
    ('ae-hierdec-trio_16bar', ('melody', 'bass', 'drums')),
    ('ae-cat-drums_2bar_small', ('drums',)),
    ('ae-groovae_2bar_tap_fixed_velocity', ('drums',)),
    # The band's piano, bass, strings (an ensemble's program) and drums.
    ('ae-hier-multiperf_vel_1bar_med', ('piano', 'bass', 'ensemble', 'drums')),
])
def test_evaluation_measures_each_track_of_the_family(family_material, tmp_path,
                                                      config, tracks):
  vae_config_name = config.split('-', 1)[1]
  tar, songs = family_material(vae_config_name)
  assert testing_lib.train_family(config, tar, songs, tmp_path / 'run') == 0
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run([
      'midime_evaluate.py',
      '--run_dir=%s' % (tmp_path / 'run'),
      '--vae_checkpoint_file=%s' % tar,
      '--examples_path=%s' % songs, '--num_samples=4', '--seed=1',
      '--output_dir=%s' % output_dir
  ]) == 0
  with open(output_dir / 'evaluation.json') as report:
    measured = set(json.load(report)['metrics'])
  assert {'latent_mmd', 'latent_frechet_pca'} <= measured
  for track in ('melody', 'piano', 'bass', 'ensemble', 'brass', 'drums'):
    assert any(key.startswith('oa_%s_' % track) for key in measured) == (
        track in tracks), (track, sorted(measured))


def test_evaluation_reads_the_songs_as_training_did(family_material, tmp_path):
  """The songs' windows in the report are the ones the model trained on: 16-bar
  windows four bars apart, and only the songs the recorded --meter kept."""
  tar, _ = family_material('hierdec-mel_16bar')
  songs = tmp_path / 'songs'
  os.makedirs(songs)
  # 24 bars of 4/4: windows at bars 0, 4, 8 (one bar apart there would be 9).
  for seed in (1, 2):
    testing_lib.write_midi(
        str(songs / ('tune%d.mid' % seed)),
        testing_lib.random_melody(seed, bars=24, name='tune%d' % seed))
  # 3/4: --meter=strict drops it in training, so the evaluation must too.
  testing_lib.write_midi(
      str(songs / 'waltz.mid'),
      testing_lib.random_melody(3, bars=24, name='waltz', numerator=3))
  run_dir = tmp_path / 'run'
  assert testing_lib.train_family('ae-hierdec-mel_16bar', tar, str(songs),
                                  run_dir, '--meter=strict') == 0
  trained_on = latent_cache.load(str(run_dir / train_job.LATENTS_FILE))
  assert len(trained_on) == 6
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run([
      'midime_evaluate.py',
      '--run_dir=%s' % run_dir,
      '--vae_checkpoint_file=%s' % tar,
      '--examples_path=%s' % songs, '--num_samples=2', '--seed=1',
      '--output_dir=%s' % output_dir
  ]) == 0
  with open(output_dir / 'evaluation.json') as report:
    stored = json.load(report)
  assert stored['num_example_windows'] == stored['num_training_windows'] == 6


# --- Chord-conditioned configs ------------------------------------------------


@pytest.mark.parametrize('chords', [None, 'C G Am F'])
def test_chord_evaluation_reports_chord_tones_against_a_mismatched_progression(
    chords_runs, chords_material, tmp_path, chords):
  tar, songs = chords_material
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run([
      'midime_evaluate.py',
      '--run_dir=%s' % chords_runs['lc-cat-mel_2bar_med_chords'].run_dir,
      '--vae_checkpoint_file=%s' % tar,
      '--examples_path=%s' % songs, '--num_samples=8', '--seed=1',
      '--output_dir=%s' % output_dir
  ] + (['--chords=%s' % chords] if chords else [])) == 0
  with open(output_dir / 'evaluation.json') as json_file:
    shares = json.load(json_file)['chord_tones']
  assert shares['progression'] == (chords or "the training windows' own")
  assert shares['mismatch_semitones'] == 6
  for key in ('over_progression', 'over_mismatched'):
    assert 0.0 <= shares[key] <= 1.0
  # The test songs' notes on the beats are all tones of their chords.
  assert shares['songs'] == 1.0
  assert '## Chords' in (output_dir / 'evaluation.md').read_text()


@pytest.mark.slow
def test_an_lc_model_trained_on_chords_follows_its_progression(tmp_path):
  # Melodies over random four-chord progressions, notes on the beats all chord
  # tones: a decoder that reads its chords plays their tones on the beats far
  # more often than over the same chords a tritone away.
  tar = testing_lib.write_tiny_music_vae(str(tmp_path / 'vae'),
                                         'cat-mel_2bar_med_chords')
  rng = random.Random(0)
  pool = ['C', 'G', 'Am', 'F', 'Dm', 'Em', 'E', 'A', 'D', 'Bb', 'Eb', 'Gm']
  songs = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(songs, [
      testing_lib.melody_over_chords(i, tuple(rng.sample(pool, 4)), bars=8)
      for i in range(40)
  ])
  run_dir = str(tmp_path / 'run')
  train_job.run(
      train_job.TrainOptions(config='lc-cat-mel_2bar_med_chords',
                             run_dir=run_dir, mode='train',
                             examples_path=songs, pretrained_path=tar,
                             num_steps=1000, hparams='dec_rnn_size=[64]',
                             seed=1))
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run([
      'midime_evaluate.py', '--run_dir=%s' % run_dir,
      '--examples_path=%s' % songs, '--num_samples=64', '--seed=1',
      '--chords=C G Am F', '--output_dir=%s' % output_dir
  ]) == 0
  with open(output_dir / 'evaluation.json') as json_file:
    shares = json.load(json_file)['chord_tones']
  assert shares['over_progression'] > shares['over_mismatched'] + 0.2

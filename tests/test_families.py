"""Every config end to end on tiny magenta-built checkpoints of its family: train a few
steps, sample, and check that the MIDI has the family's shape; and each family's bad
input (a checkpoint of another family, songs it cannot use, a --vae_config that
disagrees)."""

import glob
import json
import os

from midime import tf_setup  # noqa: F401
import note_seq
import pytest

import families
import melodies
from midime import latent_cache
from midime.cli import evaluate
from midime.cli import generate
from midime.cli import train
from midime.jobs import train as train_job

SECONDS_PER_BAR = 2.0  # 120 qpm, 4/4


@pytest.fixture(scope='session')
def family_material(tmp_path_factory):
  """Per MusicVAE config, built on first use: (tiny checkpoint .tar, songs folder)."""
  built = {}

  def material(vae_config_name):
    if vae_config_name not in built:
      folder = tmp_path_factory.mktemp(vae_config_name)
      built[vae_config_name] = (
          families.write_tiny_music_vae(str(folder / 'vae'), vae_config_name),
          families.write_songs(str(folder / 'songs'), vae_config_name))
    return built[vae_config_name]
  return material


def _train(config, tar, songs, run_dir, *extra):
  return train.run(['midime_train.py', '--config=%s' % config, '--run_dir=%s' % run_dir,
                    '--examples_path=%s' % songs, '--pretrained_path=%s' % tar,
                    '--num_steps=2', '--seed=1',
                    '--hparams=%s' % families.TINY_HPARAMS[config[:2]]] + list(extra))


def _generated(output_dir):
  return [note_seq.midi_file_to_note_sequence(path)
          for path in sorted(glob.glob(os.path.join(output_dir, '*.mid')))]


def _end(sequence):
  return max(note.end_time for note in sequence.notes)


def _check_shape(vae_config_name, sequences):
  """The family's shape: what tracks, and how many bars."""
  assert sequences and all(s.notes for s in sequences)
  for sequence in sequences:
    drums = [n for n in sequence.notes if n.is_drum]
    pitched = [n for n in sequence.notes if not n.is_drum]
    if vae_config_name == 'hierdec-mel_16bar':
      assert not drums
      assert 2 * SECONDS_PER_BAR < _end(sequence) <= 16 * SECONDS_PER_BAR + 1e-6
    elif vae_config_name == 'hierdec-trio_16bar':
      # magenta's trio layout: melody, bass on program 33, drums on the drum channel.
      assert drums
      assert {n.program for n in pitched} == {0, families.BASS_PROGRAM}
      assert _end(sequence) <= 16 * SECONDS_PER_BAR + 1e-6
    else:
      assert not pitched
      bars = 4 if vae_config_name == 'groovae_4bar' else 2
      assert _end(sequence) <= bars * SECONDS_PER_BAR + 0.5
  if vae_config_name.startswith('groovae'):
    # Grooves keep their velocities and timing offsets.
    notes = [n for s in sequences for n in s.notes]
    assert len({n.velocity for n in notes}) > 3
    off_grid = [n for n in notes if abs(n.start_time / 0.125 - round(
        n.start_time / 0.125)) > 0.01]
    assert off_grid


CONFIGS = [
    'ae-hierdec-mel_16bar', 'ae-hierdec-trio_16bar', 'ae-cat-drums_2bar_small',
    'lc-cat-drums_2bar_small', 'ae-nade-drums_2bar_full', 'ae-groovae_4bar',
    'ae-groovae_2bar_humanize',
]
# A new hierarchical decoder unrolls 16 bars (48 decoders for a trio) with their
# gradients: about a minute (three for the trio) of graph building on 2 cores, too
# slow for every run of the suite: `make test-slow` (and CI) runs them.
SLOW_CONFIGS = ['lc-hierdec-mel_16bar', 'lc-hierdec-trio_16bar']
SLOW = pytest.mark.slow


@pytest.mark.parametrize('config', CONFIGS + [
    pytest.param(name, marks=SLOW) for name in SLOW_CONFIGS])
def test_each_config_trains_and_samples_its_family(family_material, tmp_path, config):
  vae_config_name = config.split('-', 1)[1]
  tar, songs = family_material(vae_config_name)
  assert _train(config, tar, songs, tmp_path / 'run') == 0
  output_dir = tmp_path / 'generated'
  assert generate.run(['midime_generate.py', '--run_dir=%s' % (tmp_path / 'run'),
                       '--vae_checkpoint_file=%s' % tar, '--num_outputs=2',
                       '--seed=3', '--plot', '--output_dir=%s' % output_dir]) == 0
  assert glob.glob(str(output_dir / '*.png'))
  _check_shape(vae_config_name, _generated(str(output_dir)))


def test_a_checkpoint_of_another_family_is_named(family_material, tmp_path, capsys):
  _, mel_songs = family_material('hierdec-mel_16bar')
  drums_tar, _ = family_material('cat-drums_2bar_small')
  run_dir = tmp_path / 'run'
  assert _train('ae-hierdec-mel_16bar', drums_tar, mel_songs, run_dir) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message.startswith('error: ')
  assert 'is not a hierdec-mel_16bar checkpoint: it looks like cat-drums_2bar_small' in (
      message)
  assert 'use --config=ae-cat-drums_2bar_small' in message
  assert 'Variables that differ: encoder/' in message
  assert not os.path.exists(run_dir / 'train')


@pytest.mark.parametrize('config, songs_of, reason', [
    ('ae-hierdec-mel_16bar', 'cat-mel_2bar_big',
     'shorter than one window: 64 steps, the model reads 16-bar windows'),
    ('ae-cat-drums_2bar_small', 'cat-mel_2bar_big', 'no drums'),
    ('ae-hierdec-trio_16bar', 'hierdec-mel_16bar', 'no drums'),
    ('ae-groovae_4bar', 'cat-mel_2bar_big', 'no drums'),  # magenta's converter raised
])
def test_songs_without_a_window_say_why(family_material, tmp_path, capsys, config,
                                        songs_of, reason):
  tar, _ = family_material(config.split('-', 1)[1])
  songs = families.write_songs(str(tmp_path / 'songs'), songs_of, count=2)
  run_dir = tmp_path / 'run'
  assert _train(config, tar, songs, run_dir) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message.startswith('error: ') and reason in message
  assert not os.path.exists(run_dir / 'train')


def test_vae_config_disagreeing_with_the_trained_model(family_material, tmp_path,
                                                       capsys):
  tar, songs = family_material('cat-drums_2bar_small')
  assert _train('ae-cat-drums_2bar_small', tar, songs, tmp_path / 'run') == 0
  capsys.readouterr()
  output_dir = tmp_path / 'generated'
  assert generate.run(['midime_generate.py', '--run_dir=%s' % (tmp_path / 'run'),
                       '--vae_config=cat-drums_2bar_big', '--num_outputs=1',
                       '--output_dir=%s' % output_dir]) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message == ('error: --vae_config=cat-drums_2bar_big disagrees with the '
                     'trained model: it was trained over cat-drums_2bar_small')
  assert not os.path.exists(output_dir)


@pytest.mark.parametrize('config, tracks', [
    ('ae-hierdec-trio_16bar', ('melody', 'bass', 'drums')),
    ('ae-cat-drums_2bar_small', ('drums',)),
])
def test_evaluation_measures_each_track_of_the_family(family_material, tmp_path, config,
                                                      tracks):
  vae_config_name = config.split('-', 1)[1]
  tar, songs = family_material(vae_config_name)
  assert _train(config, tar, songs, tmp_path / 'run') == 0
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run(['midime_evaluate.py', '--run_dir=%s' % (tmp_path / 'run'),
                       '--vae_checkpoint_file=%s' % tar, '--examples_path=%s' % songs,
                       '--num_samples=4', '--seed=1',
                       '--output_dir=%s' % output_dir]) == 0
  with open(output_dir / 'evaluation.json') as report:
    measured = set(json.load(report)['metrics'])
  assert {'latent_mmd', 'latent_frechet_pca'} <= measured
  for track in ('melody', 'bass', 'drums'):
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
    melodies.write_midi(str(songs / ('tune%d.mid' % seed)),
                        melodies.random_melody(seed, bars=24, name='tune%d' % seed))
  # 3/4: --meter=strict drops it in training, so the evaluation must too.
  melodies.write_midi(str(songs / 'waltz.mid'),
                      melodies.random_melody(3, bars=24, name='waltz', numerator=3))
  run_dir = tmp_path / 'run'
  assert _train('ae-hierdec-mel_16bar', tar, str(songs), run_dir, '--meter=strict') == 0
  trained_on = latent_cache.load(str(run_dir / train_job.LATENTS_FILE))
  assert len(trained_on) == 6
  output_dir = tmp_path / 'evaluation'
  assert evaluate.run(['midime_evaluate.py', '--run_dir=%s' % run_dir,
                       '--vae_checkpoint_file=%s' % tar, '--examples_path=%s' % songs,
                       '--num_samples=2', '--seed=1',
                       '--output_dir=%s' % output_dir]) == 0
  with open(output_dir / 'evaluation.json') as report:
    stored = json.load(report)
  assert stored['num_example_windows'] == stored['num_training_windows'] == 6

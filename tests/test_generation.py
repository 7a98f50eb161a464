"""generation.py via workflows.generate: MIDI out, deterministic by seed, for both
models; MIDI-folder input; partial files never left behind."""

import os

import note_seq
import numpy as np
import pytest

import melodies
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS
from midime.jobs import generate as generate_job
from midime import latents as latents_lib
from midime import output_files
from midime import sampling
from midime.jobs import train as train_job


@pytest.fixture(scope='module')
def trained(tiny_vae, songs_tfrecord, tmp_path_factory):
  """A briefly trained SmallMusicVAE and LCMusicVAE: name -> bundle path."""
  bundles = {}
  for name, hparams in (('ae-cat-mel_2bar_big', TINY_AE_HPARAMS),
                        ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)):
    run_dir = str(tmp_path_factory.mktemp(name))
    bundles[name] = train_job.run(train_job.TrainOptions(config=name, run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=10, hparams=hparams, seed=0))
  return bundles


def _notes(paths):
  return [[(n.pitch, n.start_time, n.end_time) for n in
           note_seq.midi_file_to_note_sequence(path).notes] for path in paths]


@pytest.mark.parametrize('config_name', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_samples_are_midi_and_a_function_of_the_seed(trained, tiny_vae, tmp_path,
                                                     config_name):
  def generate(folder, seed):
    return generate_job.run(generate_job.GenerateOptions(checkpoint_file=trained[config_name], vae_checkpoint_file=tiny_vae.tar, config=config_name, vae_config='cat-mel_2bar_big', output_dir=str(tmp_path / folder), num_outputs=5, max_batch_size=2, seed=seed))
  first = generate('a', seed=7)
  assert len(first) == 5
  assert all(os.path.basename(p).startswith(config_name + '_') and
             p.endswith('-of-005.mid') for p in first)
  notes = _notes(first)
  assert sum(len(n) for n in notes) > 0
  assert all(21 <= pitch <= 108 for sample in notes for pitch, _, _ in sample)
  assert all(end <= 4.0 + 1e-6 for sample in notes for _, _, end in sample)  # 2 bars
  assert _notes(generate('b', seed=7)) == notes
  assert _notes(generate('c', seed=8)) != notes


def test_lc_sampling_does_not_read_the_music_vae(trained, tmp_path):
  paths = generate_job.run(generate_job.GenerateOptions(checkpoint_file=trained['lc-cat-mel_2bar_big'], vae_checkpoint_file=str(tmp_path / 'not-needed.tar'), output_dir=str(tmp_path / 'out'), num_outputs=2, seed=1))
  assert len(paths) == 2


def test_ae_defaults_to_the_music_vae_it_was_trained_over(trained, tmp_path):
  # No --vae_checkpoint_file: the recorded --pretrained_path is used.
  paths = generate_job.run(generate_job.GenerateOptions(checkpoint_file=trained['ae-cat-mel_2bar_big'], output_dir=str(tmp_path / 'out'), num_outputs=1, seed=1))
  assert len(paths) == 1


def test_trains_from_a_folder_of_midi_files(tiny_vae, tmp_path):
  folder = tmp_path / 'midi'
  folder.mkdir()
  for seed in range(3):
    melodies.write_midi(str(folder / ('tune%d.mid' % seed)),
                        melodies.random_melody(seed, bars=3))
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir, mode='train', examples_path=str(folder), pretrained_path=tiny_vae.tar, num_steps=3, hparams=TINY_AE_HPARAMS))
  assert os.path.exists(bundle)
  assert generate_job.run(generate_job.GenerateOptions(run_dir=run_dir, output_dir=str(tmp_path / 'out'), num_outputs=1))


def test_an_interrupted_write_leaves_no_partial_files(tmp_path):
  good = melodies.random_melody(1)

  class Broken(object):
    notes = property(lambda self: 1 / 0)
  with pytest.raises(Exception):
    output_files.write_midi_files([good, Broken()], str(tmp_path), 'x')
  assert os.listdir(str(tmp_path)) == []


# --- the modes (issue 13) ---------------------------------------------------------

@pytest.fixture(scope='module')
def song_files(tmp_path_factory):
  """Three 4-bar songs as MIDI files (three two-bar windows each)."""
  folder = tmp_path_factory.mktemp('song_files')
  paths = []
  for seed in range(3):
    path = str(folder / ('song%d.mid' % seed))
    melodies.write_midi(path, melodies.random_melody(10 + seed, bars=4))
    paths.append(path)
  return paths


def _generate(trained, tiny_vae, config_name, output_dir, **kwargs):
  kwargs.setdefault('seed', 3)
  return generate_job.run(generate_job.GenerateOptions(checkpoint_file=trained[config_name], vae_checkpoint_file=tiny_vae.tar, output_dir=str(output_dir), max_batch_size=4, **kwargs))


@pytest.mark.parametrize('config_name', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_reconstruct_writes_each_songs_reconstruction_and_a_picture(
    trained, tiny_vae, song_files, tmp_path, config_name):
  paths = _generate(trained, tiny_vae, config_name, tmp_path / 'out',
                    mode='reconstruct', inputs=','.join(song_files[:2]), plot=True,
                    input_window=1)
  assert len(paths) == 2
  assert all('_reconstruct_' in os.path.basename(p) for p in paths)
  assert sorted(f[-4:] for f in os.listdir(str(tmp_path / 'out'))) == [
      '.mid', '.mid', '.png']
  # The same seed gives the same reconstructions.
  again = _generate(trained, tiny_vae, config_name, tmp_path / 'again',
                    mode='reconstruct', inputs=','.join(song_files[:2]),
                    input_window=1)
  assert _notes(again) == _notes(paths)


@pytest.mark.parametrize('config_name', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_interpolate_writes_num_outputs_steps(trained, tiny_vae, song_files, tmp_path,
                                              config_name):
  paths = _generate(trained, tiny_vae, config_name, tmp_path / 'out',
                    mode='interpolate', inputs=','.join(song_files[:2]),
                    num_outputs=4, interpolation='spherical')
  assert len(paths) == 4 and paths[0].endswith('-000-of-004.mid')


@pytest.mark.parametrize('config_name, latent_size', [('ae-cat-mel_2bar_big', 4),
                                                      ('lc-cat-mel_2bar_big', 8)])
def test_traverse_writes_every_dimension_and_one_grid(trained, tiny_vae, song_files,
                                                      tmp_path, config_name,
                                                      latent_size):
  paths = _generate(trained, tiny_vae, config_name, tmp_path / 'zero',
                    mode='traverse', num_outputs=3)
  assert len(paths) == 3 * latent_size
  assert len([f for f in os.listdir(str(tmp_path / 'zero')) if f.endswith('.png')]) == 1
  around_song = _generate(trained, tiny_vae, config_name, tmp_path / 'song',
                          mode='traverse', num_outputs=3, inputs=song_files[0])
  assert len(around_song) == 3 * latent_size


def test_a_chosen_latent_is_decoded_num_outputs_times(trained, tiny_vae, tmp_path):
  paths = _generate(trained, tiny_vae, 'ae-cat-mel_2bar_big', tmp_path / 'out',
                    latent='0.5,-1,0,2', num_outputs=2)
  assert len(paths) == 2
  around = _generate(trained, tiny_vae, 'ae-cat-mel_2bar_big', tmp_path / 'around',
                     mode='traverse', latent='0.5,-1,0,2', num_outputs=2)
  assert len(around) == 8


@pytest.mark.parametrize('config_name', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_samples_do_not_depend_on_the_batch_size(trained, tiny_vae, tmp_path,
                                                 config_name):
  notes = [_notes(generate_job.run(generate_job.GenerateOptions(checkpoint_file=trained[config_name], vae_checkpoint_file=tiny_vae.tar, output_dir=str(tmp_path / str(batch)), num_outputs=5, max_batch_size=batch, seed=9))) for batch in (1, 2, 5)]
  assert notes[0] == notes[1] == notes[2]
  assert sum(len(sample) for sample in notes[0]) > 0


def test_plain_music_vae_samples_do_not_depend_on_the_batch_size(tiny_vae):
  from midime import checkpoints, frozen_music_vae  # pylint: disable=g-import-not-at-top
  samples = []
  with checkpoints.open_checkpoint(tiny_vae.tar, 'MusicVAE') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)
    for batch in (1, 3):
      prior = sampling.MusicVAEPrior(vae_config, checkpoint, batch, seed=4)
      samples.append(prior.sample_tensors(3))
      prior.close()
  np.testing.assert_array_equal(samples[0], samples[1])


def test_interpolation_includes_both_ends():
  start, end = np.array([1.0, 0, 0, 0]), np.array([0, 2.0, 0, 0])
  linear = latents_lib.interpolate_latents(start, end, 5, 'linear')
  np.testing.assert_allclose(linear[[0, -1]], [start, end], atol=1e-6)
  np.testing.assert_allclose(linear[2], [0.5, 1, 0, 0], atol=1e-6)
  spherical = latents_lib.interpolate_latents(start, end, 5, 'spherical')
  np.testing.assert_allclose(spherical[[0, -1]], [start, end], atol=1e-6)
  # slerp bows outwards: its midpoint is farther from the origin than the line's.
  assert np.linalg.norm(spherical[2]) > np.linalg.norm(linear[2]) + 0.1


def test_traverse_latents_move_one_dimension_at_a_time():
  latents = latents_lib.traverse_latents(np.array([0.5, -0.5, 0]), 3)
  assert latents.shape == (9, 3)
  np.testing.assert_allclose(latents[3:6], [[0.5, -2, 0], [0.5, 0, 0], [0.5, 2, 0]])


class _SilentWhenNegative(sampling._LatentDecoder):  # pylint: disable=protected-access
  """A decoder stub: a latent whose first value is negative decodes to no notes."""

  def __init__(self, seed):
    self._start(None, 2, 4, 32, seed)

  def decode(self, latents, length=None, temperature=0.5, progress=None):
    sequences = []
    for latent in latents:
      sequence = melodies.random_melody(0, bars=2)
      if latent[0] < 0:
        del sequence.notes[:]
      sequences.append(sequence)
    return sequences


def test_silent_samples_are_redrawn():
  sequences, latents, redrawn = _SilentWhenNegative(seed=0).sample_audible(8)
  assert redrawn > 0  # about half of N(0, 1) draws are negative
  assert sampling.silent_count(sequences) == 0 and (latents[:, 0] >= 0).all()


def test_redrawing_gives_up_after_a_bound():
  decoder = _SilentWhenNegative(seed=0)
  decoder.draw_latents = lambda n: -np.ones([n, 2], np.float32)
  sequences, _, redrawn = decoder.sample_audible(3, max_redraws=4)
  assert sampling.silent_count(sequences) == 3 and redrawn == 12

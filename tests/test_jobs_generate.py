"""jobs/generate.py: midime-generate's job on tiny trained models: MIDI out,
a function of the seed and not of the batch size, for both models; the modes
(sample, reconstruct, interpolate, traverse, a chosen latent) and the files
each writes."""

import os

import note_seq
import pytest

from midime.jobs import generate as generate_job
from tests import testing_lib


def _notes(paths):
  return [[(n.pitch, n.start_time, n.end_time)
           for n in note_seq.midi_file_to_note_sequence(path).notes]
          for path in paths]


@pytest.mark.parametrize('config_name',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_samples_are_midi_and_a_function_of_the_seed(trained_models, tiny_vae,
                                                     tmp_path, config_name):

  def generate(folder, seed):
    return generate_job.run(
        generate_job.GenerateOptions(
            checkpoint_file=trained_models[config_name].bundle,
            vae_checkpoint_file=tiny_vae.tar, config=config_name,
            vae_config='cat-mel_2bar_big', output_dir=str(tmp_path / folder),
            num_outputs=5, max_batch_size=2, seed=seed))

  first = generate('a', seed=7)
  assert len(first) == 5
  assert all(
      os.path.basename(p).startswith(config_name +
                                     '_') and p.endswith('-of-005.mid')
      for p in first)
  notes = _notes(first)
  assert sum(len(n) for n in notes) > 0
  assert all(21 <= pitch <= 108 for sample in notes for pitch, _, _ in sample)
  # 2 bars.
  assert all(end <= 4.0 + 1e-6 for sample in notes for _, _, end in sample)
  assert _notes(generate('b', seed=7)) == notes
  assert _notes(generate('c', seed=8)) != notes


def test_lc_sampling_does_not_read_the_music_vae(trained_models, tmp_path):
  paths = generate_job.run(
      generate_job.GenerateOptions(
          checkpoint_file=trained_models['lc-cat-mel_2bar_big'].bundle,
          vae_checkpoint_file=str(tmp_path / 'not-needed.tar'),
          output_dir=str(tmp_path / 'out'), num_outputs=2, seed=1))
  assert len(paths) == 2


def test_ae_defaults_to_the_music_vae_it_was_trained_over(
    trained_models, tmp_path):
  # No --vae_checkpoint_file: the recorded --pretrained_path is used.
  paths = generate_job.run(
      generate_job.GenerateOptions(
          checkpoint_file=trained_models['ae-cat-mel_2bar_big'].bundle,
          output_dir=str(tmp_path / 'out'), num_outputs=1, seed=1))
  assert len(paths) == 1


# --- The modes ----------------------------------------------------------------


@pytest.fixture(scope='module')
def song_files(tmp_path_factory):
  """Three 4-bar songs as MIDI files (three two-bar windows each)."""
  folder = tmp_path_factory.mktemp('song_files')
  paths = []
  for seed in range(3):
    path = str(folder / ('song%d.mid' % seed))
    testing_lib.write_midi(path, testing_lib.random_melody(10 + seed, bars=4))
    paths.append(path)
  return paths


def _generate(trained_models, tiny_vae, config_name, output_dir, **kwargs):
  kwargs.setdefault('seed', 3)
  return generate_job.run(
      generate_job.GenerateOptions(
          checkpoint_file=trained_models[config_name].bundle,
          vae_checkpoint_file=tiny_vae.tar, output_dir=str(output_dir),
          max_batch_size=4, **kwargs))


@pytest.mark.parametrize('config_name',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_reconstruct_writes_each_songs_reconstruction_and_a_picture(
    trained_models, tiny_vae, song_files, tmp_path, config_name):
  paths = _generate(trained_models, tiny_vae, config_name, tmp_path / 'out',
                    mode='reconstruct', inputs=','.join(song_files[:2]),
                    plot=True, input_window=1)
  assert len(paths) == 2
  assert all('_reconstruct_' in os.path.basename(p) for p in paths)
  assert sorted(f[-4:] for f in os.listdir(str(tmp_path / 'out'))) == [
      '.mid', '.mid', '.png'
  ]
  # The same seed gives the same reconstructions.
  again = _generate(trained_models, tiny_vae, config_name, tmp_path / 'again',
                    mode='reconstruct', inputs=','.join(song_files[:2]),
                    input_window=1)
  assert _notes(again) == _notes(paths)


@pytest.mark.parametrize('config_name',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_interpolate_writes_num_outputs_steps(trained_models, tiny_vae,
                                              song_files, tmp_path,
                                              config_name):
  paths = _generate(trained_models, tiny_vae, config_name, tmp_path / 'out',
                    mode='interpolate', inputs=','.join(song_files[:2]),
                    num_outputs=4, interpolation='spherical')
  assert len(paths) == 4 and paths[0].endswith('-000-of-004.mid')


@pytest.mark.parametrize('config_name, latent_size',
                         [('ae-cat-mel_2bar_big', 4),
                          ('lc-cat-mel_2bar_big', 8)])
def test_traverse_writes_every_dimension_and_one_grid(trained_models, tiny_vae,
                                                      song_files, tmp_path,
                                                      config_name, latent_size):
  paths = _generate(trained_models, tiny_vae, config_name, tmp_path / 'zero',
                    mode='traverse', num_outputs=3)
  assert len(paths) == 3 * latent_size
  assert len([
      f for f in os.listdir(str(tmp_path / 'zero')) if f.endswith('.png')
  ]) == 1
  around_song = _generate(trained_models, tiny_vae, config_name,
                          tmp_path / 'song', mode='traverse', num_outputs=3,
                          inputs=song_files[0])
  assert len(around_song) == 3 * latent_size


def test_a_chosen_latent_is_decoded_num_outputs_times(trained_models, tiny_vae,
                                                      tmp_path):
  paths = _generate(trained_models, tiny_vae, 'ae-cat-mel_2bar_big',
                    tmp_path / 'out', latent='0.5,-1,0,2', num_outputs=2)
  assert len(paths) == 2
  around = _generate(trained_models, tiny_vae, 'ae-cat-mel_2bar_big',
                     tmp_path / 'around', mode='traverse', latent='0.5,-1,0,2',
                     num_outputs=2)
  assert len(around) == 8


@pytest.mark.parametrize('config_name',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_samples_do_not_depend_on_the_batch_size(trained_models, tiny_vae,
                                                 tmp_path, config_name):
  notes = [
      _notes(
          generate_job.run(
              generate_job.GenerateOptions(
                  checkpoint_file=trained_models[config_name].bundle,
                  vae_checkpoint_file=tiny_vae.tar,
                  output_dir=str(tmp_path / str(batch)), num_outputs=5,
                  max_batch_size=batch, seed=9))) for batch in (1, 2, 5)
  ]
  assert notes[0] == notes[1] == notes[2]
  assert sum(len(sample) for sample in notes[0]) > 0

"""generation.py via workflows.generate: MIDI out, deterministic by seed, for both
models; MIDI-folder input; partial files never left behind."""

import os

import note_seq
import pytest

from midime import generation
import melodies
from midime import workflows
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS


@pytest.fixture(scope='module')
def trained(tiny_vae, songs_tfrecord, tmp_path_factory):
  """A briefly trained SmallMusicVAE and LCMusicVAE: name -> bundle path."""
  bundles = {}
  for name, hparams in (('ae-cat-mel_2bar_big', TINY_AE_HPARAMS),
                        ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)):
    run_dir = str(tmp_path_factory.mktemp(name))
    bundles[name] = workflows.train_or_evaluate(
        name, run_dir, 'train', songs_tfrecord, tiny_vae.prefix, num_steps=10,
        hparams_string=hparams, seed=0)
  return bundles


def _notes(paths):
  return [[(n.pitch, n.start_time, n.end_time) for n in
           note_seq.midi_file_to_note_sequence(path).notes] for path in paths]


@pytest.mark.parametrize('config_name', ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_samples_are_midi_and_a_function_of_the_seed(trained, tiny_vae, tmp_path,
                                                     config_name):
  def generate(folder, seed):
    return workflows.generate(
        checkpoint_file=trained[config_name], vae_checkpoint_file=tiny_vae.tar,
        config_name=config_name, vae_config_name='cat-mel_2bar_big',
        output_dir=str(tmp_path / folder), num_outputs=5, max_batch_size=2, seed=seed)
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
  paths = workflows.generate(
      checkpoint_file=trained['lc-cat-mel_2bar_big'],
      vae_checkpoint_file=str(tmp_path / 'not-needed.tar'),
      output_dir=str(tmp_path / 'out'), num_outputs=2, seed=1)
  assert len(paths) == 2


def test_ae_defaults_to_the_music_vae_it_was_trained_over(trained, tmp_path):
  # No --vae_checkpoint_file: the recorded --pretrained_path is used.
  paths = workflows.generate(checkpoint_file=trained['ae-cat-mel_2bar_big'],
                             output_dir=str(tmp_path / 'out'), num_outputs=1, seed=1)
  assert len(paths) == 1


def test_trains_from_a_folder_of_midi_files(tiny_vae, tmp_path):
  folder = tmp_path / 'midi'
  folder.mkdir()
  for seed in range(3):
    melodies.write_midi(str(folder / ('tune%d.mid' % seed)),
                        melodies.random_melody(seed, bars=3))
  run_dir = str(tmp_path / 'run')
  bundle = workflows.train_or_evaluate(
      'ae-cat-mel_2bar_big', run_dir, 'train', str(folder), tiny_vae.tar,
      num_steps=3, hparams_string=TINY_AE_HPARAMS)
  assert os.path.exists(bundle)
  assert workflows.generate(run_dir=run_dir, output_dir=str(tmp_path / 'out'),
                            num_outputs=1)


def test_an_interrupted_write_leaves_no_partial_files(tmp_path):
  good = melodies.random_melody(1)

  class Broken(object):
    notes = property(lambda self: 1 / 0)
  with pytest.raises(Exception):
    generation.write_midi_files([good, Broken()], str(tmp_path), 'x')
  assert os.listdir(str(tmp_path)) == []

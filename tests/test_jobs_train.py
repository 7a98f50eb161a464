"""jobs/train.py: midime-train's job: songs -> windows -> encoded cache ->
training -> bundle. A folder of MIDI files in; the defaults that personalize
(beta warmed up within the run, the songs in their own keys, the songs'
posteriors sampled); a resumed run refused another MusicVAE or, without
--fine_tune, other songs, before anything is written."""

import contextlib
import json
import os
import tarfile

import note_seq
import numpy as np
import pytest

from midime import base_model
from midime import checkpoints
from midime import configs
from midime import latent_cache
from midime import note_sequence_io
from midime import random_music_vae
from midime import song_form
from midime import trained_model
from midime import training
from midime import windows
from midime.cli import train
from midime.jobs import generate as generate_job
from midime.jobs import train as train_job
from tests import testing_lib

CONFIG = 'ae-cat-mel_2bar_big'


def test_trains_from_a_folder_of_midi_files(tiny_vae, tmp_path):
  folder = tmp_path / 'midi'
  folder.mkdir()
  for seed in range(3):
    testing_lib.write_midi(str(folder / ('tune%d.mid' % seed)),
                           testing_lib.random_melody(seed, bars=3))
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(
      train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir,
                             mode='train', examples_path=str(folder),
                             pretrained_path=tiny_vae.tar, num_steps=3,
                             hparams=testing_lib.TINY_AE_HPARAMS))
  assert os.path.exists(bundle)
  assert generate_job.run(
      generate_job.GenerateOptions(run_dir=run_dir,
                                   output_dir=str(tmp_path / 'out'),
                                   num_outputs=1))


def test_training_at_default_settings_records_the_rate_for_its_steps(
    tiny_vae, songs_tfrecord, tmp_path):
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(
      train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir,
                             mode='train', examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.prefix, num_steps=8,
                             hparams=testing_lib.TINY_AE_HPARAMS))
  with tarfile.open(bundle) as tar:
    record = json.load(tar.extractfile('midime_config.json'))
  assert record['hparams']['beta_rate'] == pytest.approx(
      base_model.beta_rate_for_run(8, 0.5))
  # The songs in their own keys, as magenta.js MidiMe: one window per window of
  # the songs, none transposed (the MusicVAE's augmenter would make 11 of each).
  assert record['hparams']['transpose_songs'] is False
  cache = latent_cache.load(os.path.join(run_dir, 'latents.npz'))
  config = configs.get_config('ae-cat-mel_2bar_big', 'transpose_songs=true')
  slices, _ = windows.extract_windows(
      note_sequence_io.read_note_sequences(songs_tfrecord),
      config.data_converter, config.note_sequence_augmenter)
  assert not cache.transpose.any()
  assert len(cache) == np.sum(slices.transpose == 0) == len(slices) // 11
  # Every window's posterior, for sampling, beside the checkpoints and in the
  # bundle: the mean of q(latent | z) at the window's mu, as the trained model
  # computes it.
  with tarfile.open(bundle) as tar:
    posteriors = json.load(tar.extractfile(checkpoints.SONG_POSTERIORS_SIDECAR))
  with open(os.path.join(run_dir, 'train',
                         checkpoints.SONG_POSTERIORS_SIDECAR)) as f:
    assert json.load(f) == posteriors
  assert posteriors['step'] == 8
  assert np.shape(posteriors['mean']) == np.shape(
      posteriors['stddev']) == (len(cache), 4)
  assert np.min(posteriors['stddev']) > 0
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, None, bundle,
                                              tiny_vae.prefix, None, None, 4,
                                              seed=1)
    with contextlib.closing(loaded.model) as model:
      np.testing.assert_allclose(model.encode_z(cache.mu), posteriors['mean'],
                                 atol=1e-4)
      assert model._song_posteriors is not None


@pytest.mark.parametrize(
    'config_name, hparams',
    [
        ('ae-cat-mel_2bar_big',
         testing_lib.TINY_AE_HPARAMS + ',transpose_songs=true'),
        # LCMusicVAE's defaults.
        ('lc-cat-mel_2bar_big', testing_lib.TINY_LC_HPARAMS)
    ])
def test_a_model_trained_on_transpositions_samples_the_songs_own_keys(
    tiny_vae, songs_tfrecord, tmp_path, config_name, hparams):
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(
      train_job.TrainOptions(config=config_name, run_dir=run_dir, mode='train',
                             examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.prefix, num_steps=3,
                             hparams=hparams))
  cache = latent_cache.load(os.path.join(run_dir, 'latents.npz'))
  given = cache.transpose == 0
  assert 0 < given.sum() < len(cache)  # 11 keys of every window were trained on
  with tarfile.open(bundle) as tar:
    posteriors = json.load(tar.extractfile(checkpoints.SONG_POSTERIORS_SIDECAR))
  # ... and only the windows in the songs' own keys are sampled from.
  assert len(posteriors['mean']) == given.sum()
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, None, bundle,
                                              tiny_vae.prefix, None, None, 4,
                                              seed=1)
    with contextlib.closing(loaded.model) as model:
      np.testing.assert_allclose(model.encode_z(cache.mu[given]),
                                 posteriors['mean'], atol=1e-4)
      assert len(model._song_posteriors[0]) == given.sum()  # what it samples


def test_no_steps_given_trains_to_the_configs_default_and_warms_beta_for_it(
    tiny_vae, songs_tfrecord, tmp_path, monkeypatch):
  monkeypatch.setitem(configs.DEFAULT_NUM_STEPS, 'ae', 7)
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(
      train_job.TrainOptions(config='ae-cat-mel_2bar_big', run_dir=run_dir,
                             mode='train', examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.prefix,
                             hparams=testing_lib.TINY_AE_HPARAMS))
  assert os.path.basename(training.latest_checkpoint(run_dir)).endswith('-7')
  with tarfile.open(bundle) as tar:
    record = json.load(tar.extractfile('midime_config.json'))
  assert record['hparams']['beta_rate'] == pytest.approx(
      base_model.beta_rate_for_run(7, 0.5))


# --- Resuming -----------------------------------------------------------------


def _other_music_vae(folder, hparams, seed):
  return random_music_vae.write_random_music_vae(str(folder), hparams=hparams,
                                                 name='other-mel_2bar',
                                                 seed=seed)


@pytest.mark.parametrize(
    'hparams',
    [
        testing_lib.TINY_VAE_HPARAMS,  # same sizes, other weights
        dict(testing_lib.TINY_VAE_HPARAMS, z_size=8),
    ])
def test_resuming_over_another_music_vae_is_refused_before_any_write(
    trained_models, songs_tfrecord, tmp_path, capsys, hparams):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  other = _other_music_vae(tmp_path / 'other', hparams, seed=5)
  before = testing_lib.snapshot(run_dir)
  rc = train.run([
      'midime-train', '--config=' + CONFIG,
      '--run_dir=%s' % run_dir, '--examples_path=' + songs_tfrecord,
      '--pretrained_path=' + other, '--num_steps=8',
      '--hparams=' + testing_lib.TINY_AE_HPARAMS
  ])
  assert rc == 1
  testing_lib.assert_one_error_line(
      capsys, 'was trained over another MusicVAE checkpoint')
  after = testing_lib.snapshot(run_dir)
  after.pop('.lock', None), before.pop('.lock', None)
  assert after == before


def test_new_songs_for_a_trained_run_need_fine_tune(trained_models, tiny_vae,
                                                    tmp_path, capsys):
  run_dir = testing_lib.copy_run(trained_models[CONFIG].run_dir, tmp_path)
  new_songs = str(tmp_path / 'new.tfrecord')
  testing_lib.write_tfrecord(
      new_songs, [testing_lib.random_melody(seed, bars=4) for seed in (40, 41)])
  before = testing_lib.snapshot(run_dir)
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, new_songs, 6) == 1
  testing_lib.assert_one_error_line(
      capsys, 'was trained on other songs than --examples_path (or other '
      '--meter or --tracks); pass --fine_tune')
  after = testing_lib.snapshot(run_dir)
  after.pop('.lock', None), before.pop('.lock', None)
  assert after == before
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, new_songs, 6,
                                   '--fine_tune') == 0
  assert testing_lib.checkpoint_steps(run_dir)[-1] == 6
  # Now these are its songs.
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, new_songs, 7) == 0


def test_a_full_disk_while_caching_latents_leaves_no_run_folder(
    tiny_vae, songs_tfrecord, small_disk, capsys):
  disk, fill = small_disk
  fill(2 * 1024)
  run_dir = disk / 'run'
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord, 3) == 1
  testing_lib.assert_one_error_line(capsys, 'No space left on device')
  assert not run_dir.exists()


def _song_with_strains(seed):
  """A 16-bar melody in A A B B form: 4-bar strains, each played twice."""
  strains = [testing_lib.random_melody(seed * 2 + index, bars=4)
             for index in range(2)]
  song = note_seq.NoteSequence(ticks_per_quarter=220)
  song.tempos.add(qpm=120)
  song.time_signatures.add(numerator=4, denominator=4)
  seconds_per_strain = 4 * 16 * testing_lib.SECONDS_PER_STEP
  for place, strain in enumerate((0, 0, 1, 1)):
    for note in strains[strain].notes:
      copied = song.notes.add()
      copied.CopyFrom(note)
      copied.start_time += place * seconds_per_strain
      copied.end_time += place * seconds_per_strain
  song.total_time = 4 * seconds_per_strain
  song.filename = 'strains%d' % seed
  return song


def test_training_learns_the_songs_form_into_the_run_and_the_bundle(
    tiny_vae, tmp_path):
  songs = str(tmp_path / 'songs.tfrecord')
  testing_lib.write_tfrecord(songs, [_song_with_strains(seed)
                                     for seed in range(3)])
  run_dir = str(tmp_path / 'run')
  bundle = train_job.run(
      train_job.TrainOptions(config=CONFIG, run_dir=run_dir,
                             examples_path=songs,
                             pretrained_path=tiny_vae.prefix, num_steps=2,
                             hparams=testing_lib.TINY_AE_HPARAMS, seed=0))
  with tarfile.open(bundle) as tar:
    form = json.load(tar.extractfile(checkpoints.SONG_FORM_SIDECAR))
  assert form['form'] == 'AABB' and form['step'] == 2
  assert len(form['mean']) == 3 * 8
  assert train_job.describe_song_form(song_form.SongForm.from_json(form)) == (
      'Song form: songs of 16 bars (the median), sections of 4 bars, most '
      'often A A B B; 50% of their windows nearly repeat an earlier one.')
  assert os.path.exists(os.path.join(run_dir, train_job.SONG_LATENTS_FILE))
  with open(os.path.join(run_dir, 'train',
                         checkpoints.SONG_FORM_SIDECAR)) as sidecar:
    assert json.load(sidecar) == form


def test_songs_too_short_for_a_form_train_and_say_what_song_mode_will_use(
    trained_models):
  with trained_model.TrainedModel(
      run_dir=trained_models[CONFIG].run_dir) as model:
    assert model.song_form is not None and model.song_form.form is None
  assert train_job.describe_song_form(model.song_form).startswith(
      'Song form: the songs show no form (0% of their windows nearly repeat '
      'an earlier one; too short, or no section returns): song mode will use '
      '--form, or AABB.')

"""midime.trained_model: TrainedModel over a tiny SmallMusicVAE: what it
reports, decode/encode/reconstruct/interpolate/traverse, samples a function of
the seed, a run folder and its bundle alike, close frees the unpacked files;
bad arguments are one-line UserErrors that leave nothing behind."""

import os
import random
import tempfile
from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import note_seq
import numpy as np
import pytest
from midime import checkpoints
from midime import configs
from midime import latents as latents_lib
from midime import note_sequence_io
from midime.errors import UserError
from midime.jobs import train as train_job
from midime.trained_model import TrainedModel
from midime import trained_model
from tests import testing_lib

_TRAINED_MODEL_CONFIG = 'ae-cat-mel_2bar_big'

_TRAINED_MODEL_HPARAMS = ('batch_size=8,latent_encoder_layers=[32,16],'
                          'latent_decoder_layers=[16,32]')


def _trained_model_melody(seed, bars=4, name='melody'):
  """A monophonic 4/4 melody of `bars` bars at 120 qpm."""
  rng = random.Random(seed)
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  sequence.time_signatures.add(numerator=4, denominator=4)
  step, pitch, total = 0, rng.randint(60, 72), bars * 16
  while step < total:
    duration = min(rng.choice([1, 2, 2, 4]), total - step)
    pitch = max(55, min(79, pitch + rng.choice([-3, -2, -1, 1, 2, 3])))
    sequence.notes.add(pitch=pitch, velocity=80, start_time=step * 0.125,
                       end_time=(step + duration) * 0.125)
    step += duration
  sequence.total_time = total * 0.125
  sequence.filename = name
  return sequence


def _trained_model_unpacked():
  """This process's folders of unpacked .tar checkpoints."""
  root = os.path.join(tempfile.gettempdir(), checkpoints.UNPACK_FOLDER)
  if not os.path.isdir(root):
    return set()
  return {
      name for name in os.listdir(root) if name.startswith('%d-' % os.getpid())
  }


@pytest.fixture(scope='module')
def trained_model_run(tiny_vae, songs_tfrecord, tmp_path_factory):
  """(run folder, bundle) of a SmallMusicVAE trained a few steps."""
  run_dir = str(tmp_path_factory.mktemp('run'))
  bundle = train_job.run(
      train_job.TrainOptions(config=_TRAINED_MODEL_CONFIG, run_dir=run_dir,
                             examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.tar, num_steps=3,
                             hparams=_TRAINED_MODEL_HPARAMS, seed=0))
  return run_dir, bundle


@pytest.fixture(scope='module')
def trained_model_loaded(trained_model_run, tiny_vae):
  """One model for the tests that do not depend on its random state."""
  with TrainedModel(trained_model_run[1], tiny_vae.tar, batch_size=2,
                    seed=0) as model:
    yield model


def test_the_model_reports_its_config_latent_size_and_temperature(
    trained_model_loaded):
  model = trained_model_loaded
  config = configs.get_config(_TRAINED_MODEL_CONFIG)
  assert model.config_name == _TRAINED_MODEL_CONFIG
  assert model.latent_size == config.hparams.encoded_z_size
  assert model.temperature == config.hparams.sampling_temperature
  assert type(model.data_converter) is type(config.data_converter)


def test_decode_takes_one_latent_or_a_batch(trained_model_loaded):
  model = trained_model_loaded
  assert len(model.decode(np.zeros(model.latent_size))) == 1
  assert len(model.decode(np.zeros([3, model.latent_size]),
                          temperature=0.1)) == 3


@pytest.mark.parametrize('shape_of', [
    lambda size: [1, size + 1], lambda size: [size - 1],
    lambda size: [2, 1, size]
])
def test_decode_rejects_latents_of_another_shape(trained_model_loaded,
                                                 shape_of):
  model = trained_model_loaded
  shape = shape_of(model.latent_size)
  with pytest.raises(ValueError) as raised:
    model.decode(np.zeros(shape))
  expected = (1, shape[0]) if len(shape) == 1 else tuple(shape)
  assert str(raised.value) == 'latents must be [n, %d], got shape %s' % (
      model.latent_size, expected)


def test_encode_gives_each_song_its_own_latent_whatever_the_batch(
    trained_model_loaded):
  model = trained_model_loaded
  songs = [
      _trained_model_melody(seed, name='song%d' % seed) for seed in range(3)
  ]
  together = model.encode(songs)
  assert together.shape == (3, model.latent_size)
  np.testing.assert_allclose(model.encode(songs[1]), together[1:2], atol=1e-5)
  np.testing.assert_allclose(model.encode(songs), together, atol=1e-6)
  assert not np.allclose(together[0], together[2])


def test_a_later_window_is_another_latent(trained_model_loaded):
  song = _trained_model_melody(4)
  first, second = (trained_model_loaded.encode(song, window=w) for w in (0, 1))
  assert not np.allclose(first, second)


def test_reconstruct_decodes_each_songs_window(trained_model_loaded):
  songs = [_trained_model_melody(seed) for seed in (5, 6)]
  reconstructed = trained_model_loaded.reconstruct(songs, temperature=0.1)
  assert len(reconstructed) == len(songs)


@pytest.mark.parametrize('method', latents_lib.INTERPOLATIONS)
def test_interpolate_between_latents_or_songs_gives_num_steps(
    trained_model_loaded, method):
  model = trained_model_loaded
  start, end = np.ones(model.latent_size), -np.ones(model.latent_size) * 0.5
  assert len(model.interpolate(start, end, num_steps=4, method=method)) == 4
  songs = [_trained_model_melody(seed) for seed in (7, 8)]
  assert len(model.interpolate(*songs, num_steps=3, method=method)) == 3


def test_traverse_moves_one_dimension_at_a_time(trained_model_loaded):
  model = trained_model_loaded
  latents, sequences = model.traverse(num_values=3, extent=1.0, max_dims=2)
  np.testing.assert_array_equal(
      latents,
      latents_lib.traverse_latents(np.zeros(model.latent_size), 3, 1.0, 2))
  assert len(sequences) == len(latents) == 2 * 3


def test_traverse_around_a_song_holds_the_other_dimensions_at_its_latent(
    trained_model_loaded):
  model = trained_model_loaded
  song = _trained_model_melody(9)
  latents, _ = model.traverse(center=song, num_values=3)
  center = model.encode(song)[0]
  for dim in range(model.latent_size):
    block = latents[dim * 3:(dim + 1) * 3]
    np.testing.assert_allclose(np.delete(block, dim, axis=1),
                               np.tile(np.delete(center, dim), (3, 1)),
                               atol=1e-5)


def test_a_seed_gives_the_same_samples_from_the_bundle_or_its_run_folder(
    trained_model_run, tiny_vae):
  run_dir, bundle = trained_model_run
  songs = [_trained_model_melody(seed) for seed in (1, 2)]
  drawn = []
  for arguments in (dict(checkpoint_file=bundle), dict(run_dir=run_dir)):
    with TrainedModel(vae_checkpoint_file=tiny_vae.tar, seed=5,
                      **arguments) as model:
      assert model.config_name == _TRAINED_MODEL_CONFIG
      sequences, latents, _ = model.sample_with_latents(3)
      drawn.append(
          (latents,
           [[(n.pitch, n.start_time) for n in s.notes] for s in sequences],
           model.encode(songs)))
  np.testing.assert_array_equal(drawn[0][0], drawn[1][0])
  assert drawn[0][1] == drawn[1][1]
  np.testing.assert_allclose(drawn[0][2], drawn[1][2], atol=1e-6)
  latents = drawn[0][0]
  assert latents.shape == (
      3, configs.get_config(_TRAINED_MODEL_CONFIG).hparams.encoded_z_size)
  assert not np.allclose(latents[0], latents[1])


def test_close_frees_the_unpacked_checkpoints_and_is_safe_twice(
    trained_model_run):
  before = _trained_model_unpacked()
  # Unasked, the MusicVAE it was trained over: its decoder writes the notes.
  model = TrainedModel(trained_model_run[1])
  model.encode(_trained_model_melody(3))
  assert len(_trained_model_unpacked() - before) == 2
  model.close()
  assert _trained_model_unpacked() == before
  model.close()
  assert _trained_model_unpacked() == before


def _trained_model_bad_arguments(trained_model_run, tiny_vae):
  """(keyword arguments, the one line they raise), for each mistake."""
  run_dir, bundle = trained_model_run
  missing = os.path.join(run_dir, 'no-such-model.tar')
  return [
      (dict(checkpoint_file=bundle, run_dir=run_dir),
       'give exactly one of --run_dir or --checkpoint_file'),
      (dict(), 'give exactly one of --run_dir or --checkpoint_file'),
      (dict(checkpoint_file=bundle,
            seed=-1), '--seed must be between 0 and 2**32 - 1, got -1'),
      (dict(checkpoint_file=bundle,
            batch_size=0), '--max_batch_size must be at least 1, got 0'),
      (dict(checkpoint_file=bundle, config='lc-cat-mel_2bar_big'),
       '%s was trained with --config=%s, not lc-cat-mel_2bar_big' %
       (bundle, _TRAINED_MODEL_CONFIG)),
      (dict(checkpoint_file=tiny_vae.tar),
       '%s is a MusicVAE checkpoint; --checkpoint_file takes the trained '
       'SmallMusicVAE/LCMusicVAE (run_dir/<config>.tar)' % tiny_vae.tar),
      (dict(checkpoint_file=missing),
       'SmallMusicVAE/LCMusicVAE checkpoint not found: %s' % missing),
  ]


def test_bad_arguments_are_one_line_errors_that_leave_nothing(
    trained_model_run, tiny_vae):
  before = _trained_model_unpacked()
  listing = sorted(os.listdir(trained_model_run[0]))
  for arguments, message in _trained_model_bad_arguments(
      trained_model_run, tiny_vae):
    with pytest.raises(UserError) as raised:
      TrainedModel(**arguments)
    assert raised.value.for_command_line() == message, arguments
    assert _trained_model_unpacked() == before, arguments
  assert sorted(os.listdir(trained_model_run[0])) == listing


def test_a_song_with_no_window_is_a_user_error(trained_model_loaded):
  silent = note_seq.NoteSequence(filename='silence.mid')
  silent.tempos.add(qpm=120)
  with pytest.raises(UserError) as raised:
    trained_model_loaded.encode([_trained_model_melody(1), silent])
  message = raised.value.for_command_line()
  assert message.startswith('song silence.mid has no usable window: ')
  assert '\n' not in message


def test_a_negative_window_is_a_user_error(trained_model_loaded):
  with pytest.raises(UserError) as raised:
    trained_model_loaded.encode(_trained_model_melody(1), window=-1)
  assert raised.value.for_command_line(
  ) == '--input_window must be 0 or more, got -1'


def test_posteriors_are_used_only_when_asked_for_and_of_this_checkpoint():
  posteriors = {'step': 8, 'mean': [[1.0] * 4], 'stddev': [[0.5] * 4]}
  sidecars = {checkpoints.SONG_POSTERIORS_SIDECAR: posteriors}
  config = configs.get_config('ae-cat-mel_2bar_big')
  assert config.hparams.sample_song_posteriors is True

  def at(prefix, cars=sidecars):
    return checkpoints.Checkpoint(prefix, prefix, cars)

  assert trained_model._song_posteriors(
      config, at('run/train/model.ckpt-8')) == posteriors
  assert trained_model._song_posteriors(config,
                                        at('bundle/ae.ckpt')) == posteriors
  # An earlier checkpoint of the run, a run stopped before its end: the prior.
  assert trained_model._song_posteriors(config,
                                        at('run/train/model.ckpt-5')) is None
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-8',
                                                   {})) is None
  prior = configs.get_config('ae-cat-mel_2bar_big',
                             'sample_song_posteriors=false')
  assert trained_model._song_posteriors(prior,
                                        at('run/train/model.ckpt-8')) is None
  # LCMusicVAE samples them too; runs saved before the hparam existed, the
  # prior.
  assert configs.get_config(
      'lc-cat-mel_2bar_big').hparams.sample_song_posteriors
  saved = configs.get_config('ae-cat-mel_2bar_big',
                             hparams_values={'batch_size': 8})
  assert not saved.hparams.sample_song_posteriors


# --- Chord-conditioned configs ------------------------------------------------


def _chord_figures(sequence):
  return [
      (annotation.time, annotation.text)
      for annotation in sequence.text_annotations
  ]


def test_a_chord_model_plays_over_the_progression_it_is_given(
    chords_runs, chords_material):
  tar, songs = chords_material
  with TrainedModel(chords_runs['lc-cat-mel_2bar_med_chords'].bundle,
                    tar, seed=1, chords=['Dm', 'G7']) as model:
    assert model.chord_conditioned and model.chords == ['Dm', 'G7']
    # Every decoded latent starts at the progression's first bar.
    decoded = model.decode(np.zeros([2, model.latent_size]))
    assert [_chord_figures(s) for s in decoded] == [[(0.0, 'Dm'),
                                                     (2.0, 'G')]] * 2
    model.set_chords(None)
    # Reconstructions play over their windows' own chords.
    song = note_sequence_io.read_note_sequences(songs)[0][1]
    reconstructed = model.reconstruct(song)[0]
    assert _chord_figures(reconstructed) == [(0.0, 'C'), (2.0, 'G')]
    with pytest.raises(UserError, match='cannot read chord'):
      model.set_chords('C Qx')


def test_chords_for_a_model_without_them_are_refused(trained_models):
  with pytest.raises(UserError, match='is not one'):
    TrainedModel(trained_models[testing_lib.AE_CONFIG].bundle, chords='C G')


def test_the_plain_music_vae_prior_samples_as_magenta_with_a_seed(
    trained_model_run, tiny_vae):
  drawn = []
  for _ in range(2):
    with TrainedModel(trained_model_run[1], tiny_vae.tar, batch_size=2,
                      seed=3) as model:
      prior = model.sample_prior(3)
      personalized = model.sample(3)
      drawn.append([[(n.pitch, n.start_time) for n in s.notes]
                    for s in prior])
  assert len(prior) == 3 and len(personalized) == 3
  assert drawn[0] == drawn[1]
  # Two bars of the MusicVAE's 16th-note grid at 120 qpm.
  assert all(n.end_time <= 4.0 + 1e-6 for s in prior for n in s.notes)

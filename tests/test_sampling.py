"""midime.sampling: a trained SmallMusicVAE's sampler and the plain MusicVAE
prior, on a tiny random MusicVAE: samples a function of the seed, latents from
the prior or the songs' posteriors, small latents of MusicVAE z, silent samples
redrawn up to a bound; silent_count and describe."""

import contextlib
from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import note_seq
import numpy as np
import pytest
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import sampling
from midime.jobs import train as train_job
from tests import testing_lib

_SAMPLING_CONFIG = 'ae-cat-mel_2bar_big'

_SAMPLING_HPARAMS = ('batch_size=8,latent_encoder_layers=[32,16],'
                     'latent_decoder_layers=[16,32]')


@pytest.fixture(scope='module')
def sampling_bundle(tiny_vae, songs_tfrecord, tmp_path_factory):
  """A SmallMusicVAE trained a few steps over the tiny MusicVAE."""
  return train_job.run(
      train_job.TrainOptions(config=_SAMPLING_CONFIG,
                             run_dir=str(tmp_path_factory.mktemp('run')),
                             examples_path=songs_tfrecord,
                             pretrained_path=tiny_vae.tar, num_steps=3,
                             hparams=_SAMPLING_HPARAMS, seed=0))


@contextlib.contextmanager
def _sampling_latent_sampler(bundle, vae_tar, batch_size=4, seed=None,
                             song_posteriors=None):
  """A LatentSampler of the trained `bundle` over the MusicVAE at `vae_tar`."""
  with checkpoints.open_checkpoint(bundle) as checkpoint, (
      checkpoints.open_checkpoint(vae_tar)) as vae_checkpoint:
    record = checkpoint.sidecars[checkpoints.MODEL_SIDECAR]
    config = configs.get_config(record['config'],
                                hparams_values=record['hparams'])
    vae_config = frozen_music_vae.load_music_vae_config(record['vae_config'],
                                                        vae_checkpoint)
    sampler = sampling.LatentSampler(config, record['config'], checkpoint,
                                     batch_size, vae_config, vae_checkpoint,
                                     record['vae_config'], seed=seed,
                                     song_posteriors=song_posteriors)
    try:
      yield sampler
    finally:
      sampler.close()


@contextlib.contextmanager
def _sampling_prior(vae_tar, batch_size=4, seed=None):
  with checkpoints.open_checkpoint(vae_tar) as vae_checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big',
                                                        vae_checkpoint)
    prior = sampling.MusicVAEPrior(vae_config, vae_checkpoint, batch_size,
                                   seed=seed)
    try:
      yield prior
    finally:
      prior.close()


def _sampling_sequence(pitches):
  sequence = note_seq.NoteSequence()
  for index, pitch in enumerate(pitches):
    sequence.notes.add(pitch=pitch, velocity=80, start_time=0.25 * index,
                       end_time=0.25 * index + 0.25)
  return sequence


@pytest.fixture(scope='module')
def sampling_sampler(sampling_bundle, tiny_vae):
  """One sampler for the tests that do not depend on its random state."""
  with _sampling_latent_sampler(sampling_bundle, tiny_vae.tar, batch_size=3,
                                seed=0) as sampler:
    yield sampler


def test_a_seed_draws_the_same_latents_and_samples_at_any_batch_size(
    sampling_bundle, tiny_vae):
  draws = []
  for batch_size, seed in ((1, 3), (3, 3), (7, 4)):
    with _sampling_latent_sampler(sampling_bundle, tiny_vae.tar, batch_size,
                                  seed=seed) as sampler:
      latents = sampler.draw_latents(7)
      draws.append((latents, sampler.decode_tensors(latents)))
  np.testing.assert_array_equal(draws[0][0], draws[1][0])
  np.testing.assert_array_equal(draws[0][1], draws[1][1])
  # Another seed, other latents.
  assert not np.allclose(draws[0][0], draws[2][0])


def test_the_latent_size_is_the_configs_small_latent(sampling_sampler):
  size = configs.get_config(_SAMPLING_CONFIG).hparams.encoded_z_size
  assert sampling_sampler.latent_size == size
  assert sampling_sampler.draw_latents(6).shape == (6, size)


def test_song_posteriors_put_each_latent_in_a_training_windows_posterior(
    sampling_bundle, tiny_vae):
  # Three windows' posteriors, apart in dimensions 0, 1 and 3 with no spread
  # there, and spread 3 in dimension 2.
  means = np.array([[4.0, 0, 0, 0], [0, -4.0, 0, 0], [0, 0, 0, 9.0]])
  stddevs = np.zeros_like(means)
  stddevs[:, 2] = 3.0
  posteriors = {'mean': means.tolist(), 'stddev': stddevs.tolist()}
  with _sampling_latent_sampler(sampling_bundle, tiny_vae.tar, seed=2,
                                song_posteriors=posteriors) as sampler:
    latents = sampler.draw_latents(600)
  fixed = [0, 1, 3]
  windows = [[np.array_equal(latent[fixed], mean[fixed])
              for mean in means]
             for latent in latents]
  assert all(sum(row) == 1 for row in windows)
  # Each window drawn about as often as the others.
  counts = np.sum(windows, axis=0)
  assert counts.min() > 600 / len(means) * 0.75
  assert abs(latents[:, 2].std() - 3.0) < 0.3


def _sampling_z_size(tiny_vae):
  """The tiny MusicVAE's z_size (its sidecar)."""
  sidecars = checkpoints.read_sidecars(tiny_vae.folder)
  return sidecars[checkpoints.MUSIC_VAE_SIDECAR]['hparams']['z_size']


def test_encode_z_gives_each_z_its_own_small_latent(sampling_sampler, tiny_vae):
  z = np.random.default_rng(0).standard_normal(
      [5, _sampling_z_size(tiny_vae)]).astype(np.float32)
  together = sampling_sampler.encode_z(z)
  alone = sampling_sampler.encode_z(z[2:3])
  assert together.shape == (5, sampling_sampler.latent_size)
  np.testing.assert_allclose(alone[0], together[2], atol=1e-6)
  np.testing.assert_array_equal(sampling_sampler.encode_z(z), together)
  assert not np.allclose(together[0], together[1])


def test_decoding_reports_progress_a_batch_at_a_time(sampling_sampler):
  reported = []
  batch_size, count = 3, 7  # the sampler's batch size, and a part batch
  sequences = sampling_sampler.sample(
      count, progress=lambda *done: reported.append(done))
  assert len(sequences) == count
  assert reported == [
      (min(end, count), count)
      for end in range(batch_size, count + batch_size, batch_size)
  ]


def test_the_prior_samples_z_of_the_music_vaes_size_by_seed(tiny_vae):
  draws = []
  for batch_size in (1, 4):
    with _sampling_prior(tiny_vae.tar, batch_size, seed=6) as prior:
      assert prior.latent_size == _sampling_z_size(tiny_vae)
      draws.append((prior.draw_latents(4), prior.sample_tensors(4)))
      assert len(prior.sample(2)) == 2
  np.testing.assert_array_equal(draws[0][0], draws[1][0])
  np.testing.assert_array_equal(draws[0][1], draws[1][1])
  assert not np.array_equal(draws[0][1][0], draws[0][1][1])


def test_silent_samples_are_redrawn_up_to_the_default_bound(
    sampling_sampler, monkeypatch):
  decoded = []

  def silent(latents, temperature=0.5, controls=None):
    del temperature, controls  # no chords here
    decoded.append(len(latents))
    return [note_seq.NoteSequence() for _ in latents]

  monkeypatch.setattr(sampling_sampler, 'decode', silent)
  sequences, latents, redrawn = sampling_sampler.sample_audible(3)
  assert sampling.silent_count(sequences) == 3 and latents.shape[0] == 3
  assert redrawn == 3 * sampling.MAX_SILENT_REDRAWS
  assert decoded == [3] * (1 + sampling.MAX_SILENT_REDRAWS)


def test_only_the_silent_samples_are_redrawn(sampling_sampler, monkeypatch):
  # A latent whose first value is below -0.5 (about 3 in 10 of N(0, 1)) decodes
  # to silence: of 32 draws some are, and none stays silent 10 redraws long.
  count, threshold = 32, -0.5
  first_draw = []

  def silent_below_threshold(latents, temperature=0.5, controls=None):
    del temperature, controls  # no chords here
    if not first_draw:
      first_draw.append(np.array(latents))
    return [
        _sampling_sequence([60])
        if latent[0] >= threshold else note_seq.NoteSequence()
        for latent in latents
    ]

  monkeypatch.setattr(sampling_sampler, 'decode', silent_below_threshold)
  sequences, latents, redrawn = sampling_sampler.sample_audible(count)
  kept = first_draw[0][:, 0] >= threshold
  np.testing.assert_array_equal(latents[kept], first_draw[0][kept])
  assert redrawn >= (~kept).sum() > 0
  assert sampling.silent_count(sequences) == 0
  assert (latents[:, 0] >= threshold).all()


def test_silent_count_counts_sequences_without_notes():
  sequences = [
      _sampling_sequence([60]),
      note_seq.NoteSequence(),
      _sampling_sequence([]),
      _sampling_sequence([62, 64])
  ]
  assert sampling.silent_count(sequences) == 2
  assert sampling.silent_count([]) == 0


def test_describe_gives_the_notes_per_sample_and_the_pitch_range():
  sequences = [
      _sampling_sequence([60, 72, 65]),
      _sampling_sequence([]),
      _sampling_sequence([58, 61])
  ]
  assert sampling.describe(sequences) == (
      '3 samples, %.1f notes each on average, MIDI pitches 58..72' % (5 / 3))
  assert sampling.describe([note_seq.NoteSequence()] *
                           2) == ('2 samples, all silent')


def test_plain_music_vae_samples_do_not_depend_on_the_batch_size(tiny_vae):
  samples = []
  with checkpoints.open_checkpoint(tiny_vae.tar, 'MusicVAE') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big',
                                                        checkpoint)
    for batch in (1, 3):
      prior = sampling.MusicVAEPrior(vae_config, checkpoint, batch, seed=4)
      samples.append(prior.sample_tensors(3))
      prior.close()
  np.testing.assert_array_equal(samples[0], samples[1])


# pylint: disable=protected-access
class _SilentWhenNegative(sampling._LatentDecoder):
  # pylint: enable=protected-access
  """A decoder stub: a latent whose first value is negative decodes to no
  notes."""

  def __init__(self, seed):
    self._start(None, 2, 4, 32, seed)

  def decode(self, latents, length=None, temperature=0.5, progress=None,
             controls=None):
    sequences = []
    for latent in latents:
      sequence = testing_lib.random_melody(0, bars=2)
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


def _posterior_sampler(means, stddevs, seed=0):
  """A LatentSampler holding only what draw_latents reads (no graph, no
  checkpoint)."""
  model = object.__new__(sampling.LatentSampler)
  model._rng = np.random.default_rng(seed)
  model._latent_size = len(means[0])
  model._song_posteriors = (np.asarray(means, np.float32),
                            np.asarray(stddevs, np.float32))
  model._song_controls = None
  return model


def test_latents_are_drawn_from_a_uniformly_chosen_windows_posterior():
  # Two windows: one at 0 with a negligible spread, one at 10 with spread 2.
  latents = _posterior_sampler([[0.0] * 4, [10.0] * 4],
                               [[1e-4] * 4, [2.0] * 4]).draw_latents(4000)
  assert latents.shape == (4000, 4)
  at_zero = np.all(np.abs(latents) < 0.01, axis=1)
  assert abs(at_zero.mean() - 0.5) < 0.03  # each window with probability 1/2
  around_ten = latents[~at_zero]
  np.testing.assert_allclose(around_ten.mean(0), 10.0, atol=0.15)
  np.testing.assert_allclose(around_ten.std(0), 2.0, rtol=0.06)

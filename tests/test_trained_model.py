"""trained_model.py: the one loader of trained models: the songs' posteriors
it samples from."""

from midime import checkpoints
from midime import configs
from midime import trained_model


def test_posteriors_are_used_only_when_asked_for_and_of_this_checkpoint():
  posteriors = {'step': 8, 'mean': [[1.0] * 4], 'stddev': [[0.5] * 4]}
  sidecars = {checkpoints.SONG_POSTERIORS_SIDECAR: posteriors}
  config = configs.get_config('ae-cat-mel_2bar_big')
  assert config.hparams.sample_song_posteriors is True
  at = lambda prefix, cars=sidecars: checkpoints.Checkpoint(prefix, prefix, cars)
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-8')) == posteriors
  assert trained_model._song_posteriors(config, at('bundle/ae.ckpt')) == posteriors
  # An earlier checkpoint of the run, a run stopped before its end: the prior.
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-5')) is None
  assert trained_model._song_posteriors(config, at('run/train/model.ckpt-8', {})) is None
  prior = configs.get_config('ae-cat-mel_2bar_big', 'sample_song_posteriors=false')
  assert trained_model._song_posteriors(prior, at('run/train/model.ckpt-8')) is None
  # LCMusicVAE samples them too; runs saved before the hparam existed, the prior.
  assert configs.get_config('lc-cat-mel_2bar_big').hparams.sample_song_posteriors
  saved = configs.get_config('ae-cat-mel_2bar_big', hparams_values={'batch_size': 8})
  assert not saved.hparams.sample_song_posteriors

"""The Python API, in the style of magenta's `TrainedModel`:

    import midime
    bundle = midime.train('ae-cat-mel_2bar_big', 'run', 'songs/', 'model/base.tar')
    with midime.load(bundle) as model:
      melodies = model.sample(4)
      latents = model.encode(my_note_sequences)
      steps = model.interpolate(song_a, song_b, num_steps=5)

`midime-train` and `midime-generate` run the same jobs (midime.jobs).
"""

from midime import trained_model
from midime.jobs import train as train_job

Model = trained_model.TrainedModel


def load(checkpoint_file, vae_checkpoint_file=None, **kwargs):
  """A trained model (a Model, usable as a context manager) from the `<config>.tar`
  that training writes (or a checkpoint prefix or folder). `vae_checkpoint_file`
  defaults to the MusicVAE it was trained over. kwargs: config, vae_config,
  batch_size, seed, as Model takes them."""
  return trained_model.TrainedModel(checkpoint_file, vae_checkpoint_file, **kwargs)


def train(config, run_dir, examples_path, pretrained_path, num_steps=None,
          hparams='', seed=None, vae_config=None):
  """Trains `config` (e.g. 'ae-cat-mel_2bar_big') on the songs at `examples_path`
  over the MusicVAE at `pretrained_path`, resuming in `run_dir`; returns the path of
  the trained bundle for `load`. Arguments as midime-train's flags (`num_steps`
  None: the config's default)."""
  return train_job.run(train_job.TrainOptions(
      config=config, run_dir=run_dir, mode='train', examples_path=examples_path,
      pretrained_path=pretrained_path, vae_config=vae_config, num_steps=num_steps,
      hparams=hparams, seed=seed))

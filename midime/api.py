"""The Python API, in the style of magenta's `TrainedModel`:

    import midime
    bundle = midime.train('ae-cat-mel_2bar_big', 'run', 'songs/',
    'model/base.tar') with midime.load(bundle) as model:
      melodies = model.sample(4)
      latents = model.encode(my_note_sequences)
      steps = model.interpolate(song_a, song_b, num_steps=5)

`midime-train` and `midime-generate` run the same jobs (midime.jobs).
"""

from midime import trained_model
from midime.jobs import train as train_job

Model = trained_model.TrainedModel


def load(checkpoint_file, vae_checkpoint_file=None, **kwargs):
  """Loads a trained model.

  Args:
    checkpoint_file: the `<config>.tar` that training writes (or a checkpoint
      prefix or folder).
    vae_checkpoint_file: the MusicVAE; None: the one it was trained over.
    **kwargs: config, vae_config, batch_size, seed, chords, as TrainedModel
      takes them.

  Returns:
    A TrainedModel (`Model`), usable as a context manager.

  Raises:
    UserError: a missing, unreadable or mismatched checkpoint.
  """
  return trained_model.TrainedModel(checkpoint_file, vae_checkpoint_file,
                                    **kwargs)


def train(config, run_dir, examples_path, pretrained_path, num_steps=None,
          hparams='', seed=None, vae_config=None):
  """Trains a small model on songs, resuming the run in `run_dir` if there is
  one; arguments as midime-train's flags of the same names.

  Args:
    config: the config's name, e.g. 'ae-cat-mel_2bar_big'.
    run_dir: the run's folder.
    examples_path: the songs: a NoteSequence TFRecord, a MIDI file or a
      folder of MIDI files.
    pretrained_path: the MusicVAE checkpoint.
    num_steps: the global step to train to; None: the config's default.
    hparams: 'name=value,...' merged into the config's hyperparameters.
    seed: makes the run repeatable.
    vae_config: the MusicVAE config; None: the one `config` sits on.

  Returns:
    The path of the trained bundle, for `load`.

  Raises:
    UserError: bad arguments, songs that give no window, a checkpoint that
      does not fit.
  """
  return train_job.run(
      train_job.TrainOptions(config=config, run_dir=run_dir, mode='train',
                             examples_path=examples_path,
                             pretrained_path=pretrained_path,
                             vae_config=vae_config, num_steps=num_steps,
                             hparams=hparams, seed=seed))

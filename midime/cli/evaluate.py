r"""Measure whether personalization worked: a trained SmallMusicVAE / LCMusicVAE
against the plain MusicVAE it sits on, both compared with your songs.

  midime-evaluate --checkpoint_file=tmp/ae-cat-mel_2bar_big.tar \
      --vae_checkpoint_file=model/cat-mel_2bar_big.tar \
      --examples_path=data/notesequences.tfrecord --output_dir=tmp/evaluation

Draws --num_samples windows from the trained model and as many from the MusicVAE
prior (same temperature), and compares each set with the windows of your songs,
as given and at the transpositions the model trained on: MusicVAE latents
(unbiased MMD², Fréchet distance in the songs' top 8 principal axes), music
features per track (Yang & Lerch 2018 for melody and bass: pitch-class
histogram, pitch range, number of notes, mean interval, mean inter-onset
interval, rest ratio; for drums: drums used, hits per bar, syncopation) and, as
a pass/fail line of its own, the copy rate (share of samples identical to a
training window; pass at 5% or less). Writes evaluation.md, evaluation.json,
features.png and latents.png to --output_dir.

With --songs, the report also compares whole songs: --num_songs songs of song
mode, your songs cut into windows laid end to end, and as many baseline songs
of windows drawn one by one (near-repeats, section length, the pitch jump and
time gap where windows join, key consistency, copy rate, and how the form shows
in the small latent).
"""

from absl import flags

from midime.cli import common

FLAGS = common.new_flag_values()
common.define_model_flags(FLAGS, common.config_names_help())
common.define_sampling_flags(FLAGS, max_batch_size=32)
flags.DEFINE_string(
    'examples_path', None,
    'Your songs, as given to midime_train.py: a TFRecord of NoteSequences, a '
    'MIDI file, or a folder of MIDI files. Their windows are what both models '
    'are compared with (at least 2 windows).', flag_values=FLAGS)
flags.DEFINE_integer(
    'num_samples', 256,
    'Samples drawn from each model, at least 2. More give steadier numbers.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'output_dir', 'tmp/evaluation',
    'Where evaluation.md, evaluation.json, features.png and '
    'latents.png are written (created; existing files of those names '
    'are replaced).', flag_values=FLAGS)
flags.DEFINE_bool(
    'songs', False,
    'Also evaluate whole songs: --num_songs songs written as '
    'midime_generate.py --mode=song writes them, compared with your songs and '
    'with songs of windows drawn one by one (a "Songs" table in evaluation.md, '
    '"songs" in evaluation.json). Needs a model trained with song mode.',
    flag_values=FLAGS)
flags.DEFINE_integer(
    'num_songs', 8,
    'With --songs: songs written, and baseline songs drawn, at least 1.',
    flag_values=FLAGS)
flags.DEFINE_integer(
    'num_bars', None,
    'With --songs: each written song\'s length in bars, a multiple of the '
    'model\'s window. Default: your songs\' typical length.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'chords', None,
    'Chord-conditioned configs (*_chords): the progression the samples play '
    'over, e.g. "C G Am F" (one chord per bar, repeated); the report says how '
    'many notes on the beats are its chord tones, against the same samples '
    'over it moved by a tritone and your songs. Default: the training '
    'windows\' own progressions.', flag_values=FLAGS)


def job(flag_values):
  """Runs the evaluation the flags describe."""
  common.check_sampling_flag_values(flag_values)
  # TensorFlow loads here, after the flags are parsed: --help stays instant.
  from midime.jobs import evaluate  # pylint: disable=g-import-not-at-top
  evaluate.run(common.options_from_flags(evaluate.EvaluateOptions, flag_values))


def run(argv=None):
  """Runs the program on `argv`; returns its exit status."""
  return common.run('midime-evaluate', __doc__, FLAGS, job, argv)


def main():
  """The `midime-evaluate` console script."""
  common.entry_point('midime-evaluate', __doc__, FLAGS, job)

r"""Train (or evaluate) a SmallMusicVAE / LCMusicVAE on your songs, over a frozen MusicVAE.

  midime-train --config=ae-cat-mel_2bar_big --run_dir=tmp/ --mode=train \
      --examples_path=data/notesequences.tfrecord \
      --pretrained_path=model/cat-mel_2bar_big.ckpt --num_steps=100

The songs (a NoteSequence TFRecord, a MIDI file or a folder of MIDI files) are cut into
the config's windows (ae-: in the songs' own keys; lc-: at every transposition of the
MusicVAE's augmenter; hparam transpose_songs), encoded once by the pretrained MusicVAE
into run_dir/latents.npz, and the small model trains on those latents. Checkpoints and
TensorBoard summaries go to run_dir/train; training resumes from the latest one; at the
end run_dir/<config>.tar bundles the model for midime-generate --checkpoint_file.
A checkpoint is saved every --save_checkpoint_secs (30 s) and on Ctrl-C or SIGTERM.
"""

from absl import flags

from midime import configs
from midime.cli import common

FLAGS = common.new_flag_values()

flags.DEFINE_string(
    'config', None,
    'The name of the config to use: %s.' % common.config_names_help(),
    flag_values=FLAGS)
flags.DEFINE_string(
    'run_dir', None,
    'Directory for this run: the latent cache (latents.npz), checkpoints and '
    'summaries in run_dir/train (resumed when present), evaluation summaries in '
    'run_dir/eval, and the bundle run_dir/<config>.tar.', flag_values=FLAGS)
flags.DEFINE_enum('mode', 'train', ['train', 'eval'],
                  '`train`, or `eval`: evaluate the latest checkpoint on '
                  '--examples_path once and exit.', flag_values=FLAGS)
flags.DEFINE_string(
    'examples_path', None,
    'Your songs: a TFRecord of NoteSequences (magenta\'s '
    'convert_dir_to_note_sequences), a MIDI file, or a folder of MIDI files.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'pretrained_path', None,
    'The pretrained MusicVAE checkpoint: a prefix (model/cat-mel_2bar_big.ckpt), a '
    'folder, or a .tar as Magenta distributes them. In eval mode defaults to the '
    'one the run was trained with.', flag_values=FLAGS)
flags.DEFINE_string(
    'vae_config', None,
    'The MusicVAE config of --pretrained_path; defaults to the one the config sits '
    'on (cat-mel_2bar_big for *-cat-mel_2bar_big).', flag_values=FLAGS)
flags.DEFINE_integer(
    'num_steps', None,
    'Train until the global step reaches this (a resumed run continues to it); '
    'default: the config\'s, %s.' % ', '.join(
        '%s for %s- configs' % ('{:,}'.format(steps), kind)
        for kind, steps in sorted(configs.DEFAULT_NUM_STEPS.items())),
    flag_values=FLAGS)
flags.DEFINE_string(
    'hparams', '',
    'Comma-separated name=value hyperparameters to merge into the config, e.g. '
    '"batch_size=32,beta_rate=0.999".', flag_values=FLAGS)
flags.DEFINE_integer('seed', None, 'Random seed, for reproducible runs.',
                     flag_values=FLAGS)
flags.DEFINE_integer(
    'checkpoints_to_keep', 10,
    'Maximum number of checkpoints to keep in run_dir/train, 0 for all.',
    flag_values=FLAGS)
flags.DEFINE_integer(
    'save_checkpoint_steps', 0,
    'Save a checkpoint every this many steps (0: by time only, see '
    '--save_checkpoint_secs).', flag_values=FLAGS)
flags.DEFINE_float(
    'save_checkpoint_secs', 30,
    'Save a checkpoint every this many seconds (0: off), so a killed run loses at '
    'most this much work. Ctrl-C and SIGTERM also save one before stopping.',
    flag_values=FLAGS)
flags.DEFINE_bool(
    'fine_tune', False,
    'Let a run folder whose model was trained on other songs go on training it on '
    '--examples_path (without it such a resume is refused).', flag_values=FLAGS)
flags.DEFINE_enum(
    'meter', 'rebar', ['rebar', 'strict'],
    '`rebar`: songs whose bars are not the model\'s 16 steps (3/4, 6/8, 2/4, meter '
    'changes...) are read as a stream of 16-step bars, as magenta.js\'s MidiMe does, '
    'and run_dir/songs.tsv says which were; `strict`: magenta\'s behaviour, such '
    'songs give nothing.', flag_values=FLAGS)
flags.DEFINE_string(
    'tracks', 'tune',
    'Which tracks of multi-track songs to train on: `tune` (the line a listener '
    'hears as the tune: the highest melodic track with enough notes; one-track songs '
    'and polyphonic piano give their top line), `all` (every track, as magenta), or '
    'a comma-separated list of track names, indexes (from 0) and General MIDI '
    'programs (program:N, 0-127), e.g. "Soprano,program:73"; a named track is read '
    'whatever its instrument (else melody configs read programs 0-31). Trio and drum '
    'configs '
    'choose their parts by program unless tracks are named. run_dir/songs.tsv lists '
    'the tracks each song gave.', flag_values=FLAGS)


def job(flag_values):
  """Runs the training or evaluation the flags describe."""
  # TensorFlow loads here, after the flags are parsed: --help stays instant.
  from midime.jobs import train  # pylint: disable=g-import-not-at-top
  train.run(common.options_from_flags(train.TrainOptions, flag_values))


def run(argv=None):
  """Runs the program on `argv`; returns its exit status."""
  return common.run('midime-train', __doc__, FLAGS, job, argv)


def main():
  """The `midime-train` console script."""
  common.entry_point('midime-train', __doc__, FLAGS, job)

r"""Sample, reconstruct, interpolate and traverse with a trained SmallMusicVAE /
LCMusicVAE, writing MIDI (and WAV with --audio).

  midime-generate --vae_config=cat-mel_2bar_big --config=ae-cat-mel_2bar_big \
      --checkpoint_file=tmp/ae-cat-mel_2bar_big.tar \
      --vae_checkpoint_file=model/cat-mel_2bar_big.tar \
      --num_outputs=5 --output_dir=/tmp/ae_music_vae/generated

Both models draw their small latent from the posteriors of your songs' windows
(hparam sample_song_posteriors; false: the prior N(0, I)). SmallMusicVAE decodes
it to MusicVAE's z and lets the MusicVAE decoder (--vae_checkpoint_file) write
the music. LCMusicVAE decodes its latent with its own trained decoder, so it
needs no MusicVAE: --vae_checkpoint_file is accepted, as in the original
commands, and not read (except by the modes that encode songs).

  midime-generate --run_dir=run --mode=interpolate --inputs=a.mid,b.mid \
      --num_outputs=5 --audio --output_dir=out/interpolation

Song mode writes whole songs in the form the model learned from your songs (the
log says each song's form, e.g. `song 1: 32 bars, form A A B B (sections of 8
bars)`; --plot draws them with their sections):

  midime-generate --run_dir=run --mode=song --num_outputs=3 --audio --plot \
      --output_dir=out/songs
"""

from absl import flags

from midime.cli import common

FLAGS = common.new_flag_values()
common.define_model_flags(FLAGS, common.config_names_help())
common.define_sampling_flags(FLAGS, max_batch_size=8)
flags.DEFINE_string('output_dir', 'tmp/generated',
                    'The directory where MIDI files will be saved to.',
                    flag_values=FLAGS)
flags.DEFINE_integer(
    'num_outputs', 5,
    'The number of samples to write (songs in song mode), at least 1.',
    flag_values=FLAGS)
flags.DEFINE_bool(
    'plot', False,
    'Also draw the outputs as piano rolls in a PNG beside them (always '
    'in traverse mode).', flag_values=FLAGS)
flags.DEFINE_enum(
    'mode', 'sample',
    ['sample', 'reconstruct', 'interpolate', 'traverse', 'song'],
    'sample: --num_outputs draws of the model (from its songs\' posteriors; or '
    'decodings of --latent). reconstruct: each song of --inputs through the '
    'small latent and back. interpolate: --num_outputs steps from the first '
    'song of --inputs to the second, both ends included. traverse: each latent '
    'dimension at --num_outputs values from -2 to +2 standard deviations, the '
    'others at zero (or at the latent of the song in --inputs (one song), or '
    'at --latent), drawn as one piano-roll grid. song: --num_outputs whole '
    'songs, windows laid end to end in the form the model learned from your '
    'songs (sections that return, e.g. A A B B), see --num_bars, --form.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'inputs', None,
    'Songs for reconstruct, interpolate and traverse: comma-separated '
    'MIDI files, NoteSequence TFRecords or folders of MIDI files.',
    flag_values=FLAGS)
flags.DEFINE_integer(
    'input_window', 0,
    'Which window of each song the modes read, as the config cuts '
    'songs for training (two bars for *_2bar configs); 0 is the first.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'latent', None,
    'A point of the small latent, a,b,c,d (as many numbers as it has '
    'dimensions: 4 for ae-, 8 for lc- configs): sample decodes it '
    '--num_outputs times, traverse walks around it.', flag_values=FLAGS)
flags.DEFINE_enum(
    'interpolation', 'linear', ['linear', 'spherical'],
    'How interpolate walks the small latent: linear (straight line; '
    'the 4-8-d latent has no thin shell for slerp to follow) or '
    'spherical (slerp, as magenta interpolates the 512-d z).',
    flag_values=FLAGS)
flags.DEFINE_integer(
    'num_bars', None,
    'song mode: each song\'s length in bars, a multiple of the window\'s '
    '(2 for *_2bar, 16 for *_16bar configs). Default: the typical length of '
    'the training songs (with --form: the form\'s sections).',
    flag_values=FLAGS)
flags.DEFINE_string(
    'form', None,
    'song mode: the sections\' letters, e.g. AABA or ABAC; a letter that '
    'returns repeats its first section. Default: the training songs\' most '
    'common form, repeated to fill --num_bars.', flag_values=FLAGS)
flags.DEFINE_integer(
    'section_bars', None,
    'song mode: a section\'s length in bars, a multiple of the window\'s. '
    'Default: the training songs\' (or --num_bars shared by the --form).',
    flag_values=FLAGS)
flags.DEFINE_float(
    'variation', 0.0,
    'song mode: 0 repeats a returning section note for note; more redraws '
    'it that many posterior standard deviations away (0.5: a variation).',
    flag_values=FLAGS)
flags.DEFINE_string(
    'chords', None,
    'Chord-conditioned configs (*_chords): the progression to play over, '
    'e.g. "C G Am F": one chord per bar, repeated to fill the outputs (sample '
    'i starts where sample i-1 ends; song mode lays it along each song); any '
    'chord note-seq reads, N.C. for none. Default: the training songs\' own '
    'progressions.', flag_values=FLAGS)
flags.DEFINE_bool(
    'audio', False,
    'Also write a WAV beside each MIDI file, rendered offline with a '
    'General MIDI SoundFont (needs the tinysoundfont package).',
    flag_values=FLAGS)
flags.DEFINE_string(
    'soundfont', None,
    'The .sf2 SoundFont for --audio; defaults to TimGM6mb.sf2, which '
    'pretty_midi ships.', flag_values=FLAGS)


def job(flag_values):
  """Samples and writes the MIDI files the flags describe."""
  common.check_sampling_flag_values(flag_values)
  # TensorFlow loads here, after the flags are parsed: --help stays instant.
  from midime.jobs import generate  # pylint: disable=g-import-not-at-top
  generate.run(common.options_from_flags(generate.GenerateOptions, flag_values))


def run(argv=None):
  """Runs the program on `argv`; returns its exit status."""
  return common.run('midime-generate', __doc__, FLAGS, job, argv)


def main():
  """The `midime-generate` console script."""
  common.entry_point('midime-generate', __doc__, FLAGS, job)

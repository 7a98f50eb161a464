r"""Sample MIDI from a trained SmallMusicVAE / LCMusicVAE.

  midime-generate --vae_config=cat-mel_2bar_big --config=ae-cat-mel_2bar_big \
      --checkpoint_file=tmp/ae-cat-mel_2bar_big.tar \
      --vae_checkpoint_file=model/cat-mel_2bar_big.tar \
      --num_outputs=5 --output_dir=/tmp/ae_music_vae/generated

SmallMusicVAE draws its small latent from N(0, I), decodes it to MusicVAE's z, and lets
the MusicVAE decoder (--vae_checkpoint_file) write the music. LCMusicVAE decodes its
latent with its own trained decoder, so it needs no MusicVAE: --vae_checkpoint_file is
accepted, as in the original commands, and not read.
"""

from absl import flags

from midime import checks
from midime.cli import common

FLAGS = common.new_flag_values()
common.define_model_flags(FLAGS, common.config_names_help())
common.define_sampling_flags(FLAGS, max_batch_size=8)
flags.DEFINE_string('output_dir', 'tmp/generated',
                    'The directory where MIDI files will be saved to.',
                    flag_values=FLAGS)
flags.DEFINE_integer('num_outputs', 5, 'The number of samples to write, at least 1.',
                     flag_values=FLAGS)
flags.DEFINE_bool('plot', False,
                  'Also draw the first 8 samples as piano rolls in a PNG beside them.',
                  flag_values=FLAGS)


def job(flag_values):
  """Samples and writes the MIDI files the flags describe."""
  checks.check_seed(flag_values.seed)
  checks.check_sampling_flags(flag_values.max_batch_size, flag_values.temperature,
                              flag_values.output_dir)
  from midime import workflows  # pylint: disable=g-import-not-at-top
  workflows.generate(
      flag_values.run_dir, flag_values.checkpoint_file,
      flag_values.vae_checkpoint_file, flag_values.config, flag_values.vae_config,
      flag_values.output_dir, flag_values.num_outputs, flag_values.max_batch_size,
      flag_values.temperature, flag_values.seed, flag_values.plot)


def run(argv=None):
  """Runs the program on `argv`; returns its exit status."""
  return common.run('midime-generate', __doc__, FLAGS, job, argv)


def main():
  """The `midime-generate` console script."""
  common.entry_point('midime-generate', __doc__, FLAGS, job)

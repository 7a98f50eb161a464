r"""`make demo`: the whole toolkit, offline, on what ships with the repository.

Trains SmallMusicVAE on the example folk tunes in data/ over the bundled compact
MusicVAE (model/folk-mel_2bar.tar), samples personalised melodies and, for contrast,
plain MusicVAE prior samples, and draws them beside the training melodies:

  python demo.py --out_dir=out
"""

import os

from absl import app
from absl import flags
from absl import logging

from midime import tf_setup  # noqa: F401  (before TensorFlow: magenta needs Keras 2)
import note_seq
from midime import audio as audio_lib
from midime import checkpoints
from midime import configs
from midime.errors import UserError, report_user_errors, use_plain_logging
from midime import evaluation
from midime import frozen_music_vae
from midime import generation
from midime import melody_slices
from midime import note_sequence_io
from midime import piano_roll
from midime import workflows
from midime.cli import train as train_cli

FLAGS = flags.FLAGS

flags.DEFINE_string('out_dir', 'out', 'Where the run, MIDI files and picture go.')
flags.DEFINE_string('examples_path', 'data/folk_examples.tfrecord',
                    'The songs to personalise on.')
flags.DEFINE_string('base_model', 'model/folk-mel_2bar.tar',
                    'The MusicVAE to personalise (any cat-mel_2bar checkpoint).')
flags.DEFINE_string('config', 'ae-cat-mel_2bar_big', 'The small model config.')
# The demo trains as midime_train.py does by default: what it shows, a user gets.
flags.DEFINE_integer('num_steps', train_cli.FLAGS['num_steps'].default,
                     'Training steps (default: midime_train.py\'s).')
flags.DEFINE_string('hparams', '',
                    'Hyperparameters for the small model (default: none, as '
                    'midime_train.py).')
flags.DEFINE_integer('num_outputs', 8, 'Samples from each model.')
flags.DEFINE_integer('num_evaluation_samples', 256,
                     'Samples from each model for the numbers in out/evaluation.')
flags.DEFINE_float('temperature', 0.5, 'Decoder sampling temperature.')
flags.DEFINE_integer('seed', 1, 'Random seed: the demo is reproducible.')
flags.DEFINE_bool('audio', True, 'Also write a WAV beside each MIDI file (tinysoundfont, '
                  'General MIDI SoundFont).')


def training_melodies(examples_path, config, count):
  """Up to `count` untransposed two-bar slices of the songs, spread over the songs."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  slices, _ = melody_slices.extract_slices(named_sequences, config.data_converter,
                                           augmenter=None)
  sequences = config.data_converter.from_tensors(slices.outputs)
  # Round-robin over songs, so the picture shows each of them.
  by_song = {}
  for index, sequence in zip(slices.source_index, sequences):
    by_song.setdefault(int(index), []).append(sequence)
  picked = []
  while len(picked) < count and any(by_song.values()):
    for song in sorted(by_song):
      if by_song[song] and len(picked) < count:
        picked.append(by_song[song].pop(0))
  return picked


def run_demo(out_dir, examples_path, base_model, config_name, num_steps, hparams,
             num_outputs, temperature, seed, num_evaluation_samples=256, audio=False):
  """Trains, samples both models, draws the picture; returns the paths it wrote.
  With `audio`, a WAV is written beside each MIDI file."""
  for path, what in ((examples_path, 'example songs'), (base_model, 'base model')):
    if not os.path.exists(path):
      raise UserError('the demo\'s %s are missing: %s (run it from the repository '
                      'root)' % (what, path))
  # Before training, so that a missing renderer is told in a second, not after it.
  renderer = audio_lib.Renderer() if audio else None
  run_dir = os.path.join(out_dir, 'run')
  logging.info('== 1/4 Training %s on %s over %s', config_name, examples_path,
               base_model)
  workflows.train_or_evaluate(config_name, run_dir, 'train', examples_path, base_model,
                              num_steps=num_steps, hparams_string=hparams, seed=seed)

  logging.info('== 2/4 Sampling %d personalised melodies', num_outputs)
  personalised_dir = os.path.join(out_dir, 'personalized')
  personalised_paths = workflows.generate(
      run_dir=run_dir, output_dir=personalised_dir, num_outputs=num_outputs,
      temperature=temperature, seed=seed, audio=audio)

  logging.info('== 3/4 Sampling %d plain MusicVAE melodies for contrast', num_outputs)
  config = configs.get_config(config_name)
  with checkpoints.open_checkpoint(base_model, 'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(config.vae_config_name,
                                                        checkpoint)
    prior = generation.MusicVAEPrior(vae_config, checkpoint, min(num_outputs, 8),
                                     seed=seed)
  prior_sequences = prior.sample(num_outputs, temperature=temperature)
  prior.close()
  prior_paths = workflows.write_outputs(
      os.path.join(out_dir, 'prior'), 'musicvae-prior', prior_sequences, renderer,
      None, None)[:len(prior_sequences)]

  read = [note_seq.midi_file_to_note_sequence(p) for p in personalised_paths]
  picture = piano_roll.draw_piano_rolls(
      [('your songs\n(training slices)',
        training_melodies(examples_path, config, num_outputs)),
       ('personalised\n(SmallMusicVAE)', read),
       ('plain MusicVAE\n(prior samples)', prior_sequences)],
      os.path.join(out_dir, 'demo.png'),
      title='Two-bar melodies: the songs, SmallMusicVAE samples, MusicVAE samples',
      columns=num_outputs)

  logging.info('== 4/4 Measuring it: %d samples of each against your songs',
               num_evaluation_samples)
  evaluation_dir = os.path.join(out_dir, 'evaluation')
  evaluation.evaluate(run_dir=run_dir, vae_checkpoint_file=base_model,
                      examples_path=examples_path, output_dir=evaluation_dir,
                      num_samples=num_evaluation_samples, temperature=temperature,
                      seed=seed)
  wav = ' and WAV' if audio else ''
  logging.info('\nDone. Listen and look:\n  %s/  personalised MIDI%s (%d files)\n'
               '  %s/  plain MusicVAE MIDI%s, for contrast\n  %s  piano rolls of both '
               'beside your songs\n  %s/  the numbers (evaluation.md)\n'
               '  %s  the run (tensorboard --logdir=%s)',
               personalised_dir, wav, len(personalised_paths),
               os.path.dirname(prior_paths[0]), wav, picture, evaluation_dir, run_dir,
               run_dir)
  return personalised_paths, prior_paths, picture


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging()
  run_demo(FLAGS.out_dir, FLAGS.examples_path, FLAGS.base_model, FLAGS.config,
           FLAGS.num_steps, FLAGS.hparams, FLAGS.num_outputs, FLAGS.temperature,
           FLAGS.seed, FLAGS.num_evaluation_samples, FLAGS.audio)


if __name__ == '__main__':
  app.run(main)

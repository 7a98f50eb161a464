r"""`make demo`: the whole toolkit, offline, on what ships with the repository.

Personalizes both bundled MusicVAEs on the example folk tunes in data/:
SmallMusicVAE over model/folk-mel_16bar.tar (whole 16-bar tunes) and over
model/folk-mel_2bar.tar (two-bar phrases). For each it samples personalized
melodies and, for contrast, plain MusicVAE prior samples, writes them as MIDI
and WAV, draws them beside the songs, writes whole songs in the form the
hornpipes have (song mode: strains that return, A A B B), and measures it all
against the songs:

  python demo.py --out_dir=out
"""

import collections
import os
import time

from absl import app
from absl import flags
from absl import logging

# Before TensorFlow: magenta needs Keras 2.
from midime import tf_setup  # noqa: F401
import note_seq
from midime import audio as audio_lib
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import note_sequence_io
from midime import piano_roll
from midime import sampling
from midime import training
from midime import windows as windows_lib
from midime.cli import common
from midime.cli import train as train_cli
from midime.errors import UserError
from midime.jobs import evaluate as evaluate_job
from midime.jobs import generate as generate_job
from midime.jobs import train as train_job

FLAGS = flags.FLAGS

flags.DEFINE_string(
    'out_dir', 'out', 'Where the runs, MIDI and WAV files, pictures '
    'and evaluations go.')
flags.DEFINE_string('examples_path', 'data/folk_examples.tfrecord',
                    'The songs to personalize on.')
flags.DEFINE_string(
    'base_model', 'model/folk-mel_2bar.tar',
    'The two-bar MusicVAE to personalize (any cat-mel_2bar checkpoint).')
flags.DEFINE_string(
    'base_model_16bar', 'model/folk-mel_16bar.tar',
    'The 16-bar MusicVAE to personalize (any hierdec-mel_16bar '
    'checkpoint); empty: the two-bar demo alone.')
flags.DEFINE_string('config', 'ae-cat-mel_2bar_big',
                    'The two-bar small model config.')
flags.DEFINE_string('config_16bar', 'ae-hierdec-mel_16bar',
                    'The 16-bar small model config.')
# The demo trains as midime_train.py does by default: what it shows, a user
# gets.
flags.DEFINE_integer(
    'num_steps', train_cli.FLAGS['num_steps'].default,
    'Training steps (default: midime_train.py\'s, each config\'s '
    'own).')
flags.DEFINE_string(
    'hparams', '', 'Hyperparameters for the small models (default: none, as '
    'midime_train.py).')
flags.DEFINE_integer('num_outputs', 8, 'Two-bar samples from each model.')
flags.DEFINE_integer('num_outputs_16bar', 6, '16-bar samples from each model.')
flags.DEFINE_integer(
    'num_songs', 4, 'Whole songs from each personalized model (song mode, '
    'as long as the example songs, in their form).')
flags.DEFINE_integer(
    'num_evaluation_samples', 256,
    'Samples from each model for the numbers in the evaluation folders '
    '(a quarter of them for 16 bars, which take 8 times longer).')
flags.DEFINE_float(
    'temperature', None, 'Decoder sampling temperature (default: '
    'midime_generate.py\'s, the model\'s own: 0.5 for ae- configs).')
flags.DEFINE_integer('seed', 1, 'Random seed: the demo is reproducible.')
flags.DEFINE_bool(
    'audio', True, 'Also write a WAV beside each MIDI file (tinysoundfont, '
    'General MIDI SoundFont).')

# What one model's part of the demo wrote.
DemoResult = collections.namedtuple('DemoResult', [
    'personalized', 'prior', 'picture', 'evaluation_dir', 'run_dir', 'songs',
    'song_form'
])

# How each length is shown: sequences per row and each panel's width in inches
# (a 16-bar tune needs a wide panel to show its bars).
_LAYOUTS = {2: (8, 1.9), 16: (2, 7.5)}


def training_melodies(examples_path, config, count):
  """Up to `count` untransposed windows of the songs, as the config's converter
  and window hop cut them, spread over the songs."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  windows, _ = windows_lib.training_windows(named_sequences, config,
                                            transposed=False)
  sequences = windows.note_sequences(config.data_converter)
  # Round-robin over songs, so the picture shows each of them.
  by_song = {}
  for index, sequence in zip(windows.source_index, sequences):
    by_song.setdefault(int(index), []).append(sequence)
  picked = []
  while len(picked) < count and any(by_song.values()):
    for song in sorted(by_song):
      if by_song[song] and len(picked) < count:
        picked.append(by_song[song].pop(0))
  return picked


def _check_inputs(examples_path, base_models):
  inputs = [(examples_path, 'example songs')]
  inputs += [(model, 'base model') for model in base_models]
  for path, what in inputs:
    if not os.path.exists(path):
      raise UserError(
          'the demo\'s %s are missing: %s (run it from the repository '
          'root)' % (what, path))


def personalize(out_dir, examples_path, base_model, config_name, num_steps,
                hparams, num_outputs, temperature, seed, num_evaluation_samples,
                renderer, steps_label='', num_songs=4):
  """One model's part of the demo, into `out_dir`: trains SmallMusicVAE (run/),
  samples it (personalized/) and the plain MusicVAE (prior/), draws both beside
  the songs (demo.png), writes `num_songs` whole songs (songs/) and measures
  them (evaluation/). Returns a DemoResult."""
  config = configs.get_config(config_name)
  if temperature is None:  # midime_generate.py's default: the model's own
    temperature = config.hparams.sampling_temperature
  bars = config.hparams.max_seq_len // 16
  run_dir = os.path.join(out_dir, 'run')
  logging.info('== %s1/5 Training %s on %s over %s', steps_label, config_name,
               examples_path, base_model)
  train_job.run(
      train_job.TrainOptions(config=config_name, run_dir=run_dir,
                             examples_path=examples_path,
                             pretrained_path=base_model, num_steps=num_steps,
                             hparams=hparams, seed=seed))

  logging.info('== %s2/5 Sampling %d personalized %d-bar melodies', steps_label,
               num_outputs, bars)
  personalized_dir = os.path.join(out_dir, 'personalized')
  personalized_paths = generate_job.run(
      generate_job.GenerateOptions(run_dir=run_dir, output_dir=personalized_dir,
                                   num_outputs=num_outputs,
                                   temperature=temperature, seed=seed,
                                   audio=renderer is not None))

  logging.info(
      '== %s3/5 Sampling %d plain MusicVAE %d-bar melodies for contrast',
      steps_label, num_outputs, bars)
  with checkpoints.open_checkpoint(base_model,
                                   'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(config.vae_config_name,
                                                        checkpoint)
    prior = sampling.MusicVAEPrior(vae_config, checkpoint, min(num_outputs, 8),
                                   seed=seed)
  prior_sequences = prior.sample(num_outputs, temperature=temperature)
  prior.close()
  prior_paths = generate_job.write_outputs(os.path.join(out_dir, 'prior'),
                                           'musicvae-prior', prior_sequences,
                                           renderer, None,
                                           None)[:len(prior_sequences)]

  columns, panel_width = _LAYOUTS.get(bars, _LAYOUTS[2])
  read = [note_seq.midi_file_to_note_sequence(p) for p in personalized_paths]
  picture = piano_roll.draw_piano_rolls([
      ('your songs\n(training windows)',
       training_melodies(examples_path, config, columns)),
      ('personalized\n(SmallMusicVAE)', read),
      ('plain MusicVAE\n(prior samples)', prior_sequences)
  ], os.path.join(
      out_dir, 'demo.png'
  ), title='%d-bar melodies: the songs, SmallMusicVAE samples, MusicVAE samples'
                                        % bars, columns=columns,
                                        panel_width=panel_width)

  logging.info('== %s4/5 Writing %d whole songs in the form of yours',
               steps_label, num_songs)
  song_paths = generate_job.run(
      generate_job.GenerateOptions(run_dir=run_dir,
                                   output_dir=os.path.join(out_dir, 'songs'),
                                   mode='song', num_outputs=num_songs,
                                   temperature=temperature, seed=seed,
                                   plot=True, audio=renderer is not None))

  logging.info('== %s5/5 Measuring it: %d samples of each against your songs',
               steps_label, num_evaluation_samples)
  evaluation_dir = os.path.join(out_dir, 'evaluation')
  evaluate_job.run(
      evaluate_job.EvaluateOptions(run_dir=run_dir,
                                   vae_checkpoint_file=base_model,
                                   examples_path=examples_path,
                                   output_dir=evaluation_dir,
                                   num_samples=num_evaluation_samples,
                                   temperature=temperature, seed=seed,
                                   songs=True, num_songs=num_songs))
  return DemoResult(personalized_paths, prior_paths, picture, evaluation_dir,
                    run_dir, song_paths, _song_form_words(run_dir))


def _song_form_words(run_dir):
  """'A A B B, sections of 8 bars': the form the run learned, in words."""
  sidecar = checkpoints.read_sidecars(training.train_dir_of(run_dir)).get(
      checkpoints.SONG_FORM_SIDECAR) or {}
  if not sidecar.get('form'):
    return 'the default form'
  return 'form %s, sections of %d bars' % (' '.join(
      sidecar['form']), sidecar['section_windows'] * sidecar['window_bars'])


def run_demo(out_dir, examples_path, base_model, config_name, num_steps,
             hparams, num_outputs, temperature, seed,
             num_evaluation_samples=256, audio=False, base_model_16bar=None,
             config_16bar='ae-hierdec-mel_16bar', num_outputs_16bar=6,
             num_songs=4):
  """The demo: with `base_model_16bar`, the 16-bar model into out_dir/16bar
  first; then the two-bar model into out_dir itself. With `audio`, a WAV beside
  each MIDI file. Returns {bars: DemoResult}."""
  _check_inputs(examples_path,
                [base_model] + ([base_model_16bar] if base_model_16bar else []))
  # Before training, so that a missing renderer is told in a second, not after
  # it.
  renderer = audio_lib.Renderer() if audio else None
  start = time.time()
  results = collections.OrderedDict()
  if base_model_16bar:
    results[16] = personalize(os.path.join(out_dir, '16bar'), examples_path,
                              base_model_16bar, config_16bar, num_steps,
                              hparams, num_outputs_16bar, temperature, seed,
                              max(num_evaluation_samples // 4,
                                  1), renderer, steps_label='16 bars: ',
                              num_songs=max(num_songs // 2, 1))
  results[2] = personalize(out_dir, examples_path, base_model, config_name,
                           num_steps, hparams, num_outputs, temperature, seed,
                           num_evaluation_samples, renderer,
                           steps_label='2 bars: ' if base_model_16bar else '',
                           num_songs=num_songs)
  logging.info('%s', _summary(results, audio, time.time() - start))
  return results


def _summary(results, audio, seconds):
  """Where everything went, and what to listen to first."""
  wav = ' and WAV' if audio else ''
  lines = ['', 'Done in %.0f s. Listen and look:' % seconds]
  for bars, result in results.items():
    lines += [
        '  %d bars:' % bars,
        '    %s/  whole songs%s (%d, %s), and their picture' %
        (os.path.dirname(result.songs[0]), wav, len(result.songs),
         result.song_form),
        '    %s/  personalized MIDI%s (%d tunes)' % (os.path.dirname(
            result.personalized[0]), wav, len(result.personalized)),
        '    %s/  plain MusicVAE MIDI%s, for contrast' %
        (os.path.dirname(result.prior[0]), wav),
        '    %s  piano rolls of both beside your songs' % result.picture,
        '    %s/  the numbers (evaluation.md)' % result.evaluation_dir,
        '    %s  the run (tensorboard --logdir=%s)' %
        (result.run_dir, result.run_dir)
    ]
  extension = '.wav' if audio else '.mid'
  songs = results[min(results)]
  first = results[max(results)]
  listen = (os.path.splitext(songs.songs[0])[0] + extension,
            os.path.splitext(first.personalized[0])[0] + extension,
            os.path.splitext(first.prior[0])[0] + extension)
  lines += [
      'Listen first to %s (a whole personalized song: its strains return as '
      'the hornpipes\' do), then to %s (a personalized tune) and %s (the '
      'plain model\'s)' % listen
  ]
  return '\n'.join(lines)


@common.report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  common.use_plain_logging()
  run_demo(FLAGS.out_dir, FLAGS.examples_path, FLAGS.base_model, FLAGS.config,
           FLAGS.num_steps, FLAGS.hparams, FLAGS.num_outputs, FLAGS.temperature,
           FLAGS.seed, FLAGS.num_evaluation_samples, FLAGS.audio,
           base_model_16bar=FLAGS.base_model_16bar or None,
           config_16bar=FLAGS.config_16bar,
           num_outputs_16bar=FLAGS.num_outputs_16bar, num_songs=FLAGS.num_songs)


if __name__ == '__main__':
  app.run(main)

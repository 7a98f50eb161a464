"""Does a chord-conditioned lc- model follow its chords? Trains
lc-cat-mel_2bar_med_chords over a small random MusicVAE (built by magenta's
graph code) on 40 eight-bar melodies over random four-chord progressions, each
carrying its chord symbols, whose notes on the beats are chord tones; then
midime-evaluate's chord-tone shares: samples over the training windows' own
progressions and over "C G Am F", against the same latents over those moved by
a tritone, and the songs. A minute or two on two cores; run by hand:

  .venv/bin/python -m tools.chords_check --work_dir=/tmp/chords_check
"""

import json
import os
import random
import shutil

from absl import app
from absl import flags

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401

from midime import random_music_vae
from midime.cli import evaluate
from midime.cli import train
from tests import testing_lib  # melodies over chords

flags.DEFINE_string('work_dir', '/tmp/chords_check',
                    'Where the checkpoint, songs and run go (replaced).')
flags.DEFINE_integer('num_steps', 1500, 'Training steps.')
flags.DEFINE_string('hparams', 'dec_rnn_size=[64]', 'The lc- model\'s.')
flags.DEFINE_integer('num_samples', 256, 'Samples per share.')
FLAGS = flags.FLAGS

CHORD_POOL = ('C', 'G', 'Am', 'F', 'Dm', 'Em', 'E', 'A', 'D', 'Bb', 'Eb', 'Cm',
              'Fm', 'Gm', 'B', 'F#m')


def main(unused_argv):
  work_dir = FLAGS.work_dir
  shutil.rmtree(work_dir, ignore_errors=True)
  os.makedirs(work_dir)
  tar = random_music_vae.write_random_music_vae(
      os.path.join(work_dir, 'vae'), 'cat-mel_2bar_med_chords',
      hparams=testing_lib.TINY_SIZES, name='small-chords', as_tar=True)
  rng = random.Random(0)
  songs = os.path.join(work_dir, 'songs.tfrecord')
  testing_lib.write_tfrecord(songs, [
      testing_lib.melody_over_chords(i, tuple(rng.sample(CHORD_POOL, 4)),
                                     bars=8, name='song%d' % i)
      for i in range(40)
  ])
  run_dir = os.path.join(work_dir, 'run')
  assert train.run([
      'midime_train.py', '--config=lc-cat-mel_2bar_med_chords',
      '--run_dir=' + run_dir, '--examples_path=' + songs,
      '--pretrained_path=' + tar, '--num_steps=%d' % FLAGS.num_steps,
      '--seed=1', '--hparams=' + FLAGS.hparams, '--log=WARNING'
  ]) == 0
  print('| progression | over it | over it a tritone away | the songs |')
  print('| --- | ---: | ---: | ---: |')
  for chords in (None, 'C G Am F'):
    output_dir = os.path.join(work_dir, 'evaluation-%s' % bool(chords))
    assert evaluate.run([
        'midime_evaluate.py', '--run_dir=' + run_dir,
        '--examples_path=' + songs, '--num_samples=%d' % FLAGS.num_samples,
        '--seed=1', '--output_dir=' + output_dir, '--log=WARNING'
    ] + (['--chords=' + chords] if chords else [])) == 0
    with open(os.path.join(output_dir, 'evaluation.json')) as results:
      shares = json.load(results)['chord_tones']
    print('| %s | %.3f | %.3f | %.3f |' %
          (shares['progression'], shares['over_progression'],
           shares['over_mismatched'], shares['songs']))


if __name__ == '__main__':
  app.run(main)

"""The original README's two commands over full-size random MusicVAE checkpoints
of the 16-bar, trio and drum families (built by magenta's graph code), on 20
songs of 32 bars each: timings and the shape of what comes out. Slow (about half
an hour on two cores); run by hand:

  .venv/bin/python -m tools.full_size_families --work_dir=/tmp/full_size

The multitrack families (bands of 2 to 7 instruments and drums):

  .venv/bin/python -m tools.full_size_families --work_dir=/tmp/full_size \
      --families=hier-multiperf_vel_1bar_med,hier-multiperf_vel_1bar_big
"""

import os
import subprocess
import sys
import time

from absl import app
from absl import flags

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import note_seq

from midime import random_music_vae
from tests import testing_lib  # songs of each family

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

flags.DEFINE_string('work_dir', '/tmp/full_size',
                    'Where checkpoints and runs go.')
flags.DEFINE_list(
    'families',
    ['hierdec-mel_16bar', 'hierdec-trio_16bar', 'cat-drums_2bar_small'],
    'MusicVAE configs to check.')
flags.DEFINE_list('kinds', ['ae', 'lc'], 'Small models to check.')
FLAGS = flags.FLAGS


def _songs(family, count=20, bars=32):
  if 'multiperf' in family:
    return [
        testing_lib.band(i, bars=bars, pitched=2 + i % 6, name='song%d' % i)
        for i in range(count)
    ]
  if family == 'hierdec-trio_16bar':
    return [
        testing_lib.trio(i, bars=bars, name='song%d' % i) for i in range(count)
    ]
  if 'drums' in family:
    return [
        testing_lib.drum_pattern(i, bars=bars, name='song%d' % i)
        for i in range(count)
    ]
  return [
      testing_lib.random_melody(i, bars=bars, name='song%d' % i)
      for i in range(count)
  ]


def _run(args, cwd):
  started = time.time()
  result = subprocess.run([sys.executable] + args, cwd=cwd, capture_output=True,
                          text=True)
  if result.returncode:
    raise SystemExit('%s failed:\n%s' % (' '.join(args), result.stderr[-3000:]))
  return time.time() - started


def _shape(folder):
  """Per MIDI file: (bars, pitched tracks' programs, drum notes)."""
  shapes = []
  for name in sorted(os.listdir(folder)):
    if name.endswith('.mid'):
      sequence = note_seq.midi_file_to_note_sequence(os.path.join(folder, name))
      programs = sorted({n.program for n in sequence.notes if not n.is_drum})
      drums = sum(n.is_drum for n in sequence.notes)
      shapes.append((round(sequence.total_time / 2.0, 1), programs, drums))
  return shapes


def main(argv):
  del argv
  for family in FLAGS.families:
    folder = os.path.join(FLAGS.work_dir, family)
    model_dir = os.path.join(folder, 'model')
    tar_path = os.path.join(model_dir, family + '.tar')
    if not os.path.exists(tar_path):
      started = time.time()
      random_music_vae.write_random_music_vae(model_dir, family, as_tar=True)
      print(
          '%s: full-size checkpoint, %d parameters, written in %.0f s' %
          (family,
           random_music_vae.count_parameters(
               os.path.join(model_dir,
                            family + '.ckpt')), time.time() - started),
          flush=True)
    data_dir = os.path.join(folder, 'data')
    os.makedirs(data_dir, exist_ok=True)
    for sequence in _songs(family):
      testing_lib.write_midi(os.path.join(data_dir, sequence.filename + '.mid'),
                             sequence)
    for kind in FLAGS.kinds:
      config = '%s-%s' % (kind, family)
      if kind == 'lc' and family not in (
          'hierdec-mel_16bar', 'hierdec-trio_16bar', 'cat-drums_2bar_small',
          'cat-mel_2bar_big', 'hier-multiperf_vel_1bar_med',
          'hier-multiperf_vel_1bar_big'):
        continue
      run_dir = 'tmp-%s/' % kind
      train_s = _run([
          os.path.join(REPO, 'midime_train.py'), '--config=' + config,
          '--run_dir=' + run_dir, '--mode=train', '--examples_path=data/',
          '--pretrained_path=model/%s.ckpt' % family, '--num_steps=100'
      ], folder)
      output_dir = 'generated-%s' % kind
      generate_s = _run([
          os.path.join(REPO, 'midime_generate.py'), '--vae_config=' + family,
          '--config=' + config,
          '--checkpoint_file=%s%s.tar' % (run_dir, config),
          '--vae_checkpoint_file=model/%s.tar' % family, '--num_outputs=5',
          '--output_dir=' + output_dir
      ], folder)
      print(
          '%s: train %.0f s (20 songs x 32 bars, 100 steps), generate 5 in '
          '%.0f s; outputs (bars of 4/4 at 120 qpm, programs, drum notes): %s' %
          (config, train_s, generate_s, _shape(os.path.join(
              folder, output_dir))), flush=True)


if __name__ == '__main__':
  app.run(main)

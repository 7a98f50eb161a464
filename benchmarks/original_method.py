"""The original method's training, to time against ours.

As in github.com/Elvenson/midiMe: every step encodes a batch of 2 one-hot
windows with the frozen 2048-unit encoder, samples z ~ q(z|x), and trains
SmallMusicVAE on it. `measure` runs it in a process of its own:

  python -m benchmarks.original_method --examples_path=SONGS \
      --pretrained_path=PREFIX --timed_steps=30

prints the median step's seconds as JSON on its last line.
"""

import argparse
import json
import time

import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import tensorflow.compat.v1 as tf

from benchmarks import common
from midime import base_model
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import note_sequence_io
from midime import windows as windows_lib

# Untimed steps first: a session's first runs optimise its graph.
WARM_UP_STEPS = 3


def median_step_seconds(examples_path, prefix, timed_steps):
  """Trains the original way and times its steps.

  Args:
    examples_path: the songs (a NoteSequence TFRecord).
    prefix: the full-size MusicVAE checkpoint.
    timed_steps: how many steps to time after the warm-up.

  Returns:
    The median step, in seconds.
  """
  batch_size = common.ORIGINAL_BATCH_SIZE
  config = configs.get_config(common.CONFIG_NAME, 'batch_size=%d' % batch_size)
  # The original's pipeline converted songs as it read them; do the same work.
  windows, _ = windows_lib.extract_windows(
      note_sequence_io.read_note_sequences(examples_path),
      config.data_converter, config.note_sequence_augmenter)
  rng = np.random.default_rng(0)
  with checkpoints.open_checkpoint(prefix) as checkpoint, \
      tf.Graph().as_default():
    vae_config = frozen_music_vae.load_music_vae_config(common.VAE_NAME,
                                                        checkpoint)
    # As training does: the small model reads this MusicVAE's z.
    config.hparams.z_size = vae_config.hparams.z_size
    vae = frozen_music_vae.FrozenMusicVAE(vae_config, batch_size)
    inputs = tf.placeholder(tf.float32,
                            [batch_size, None, windows.inputs.shape[-1]])
    lengths = tf.placeholder(tf.int32, [batch_size])
    mu, sigma = vae.encode(inputs, lengths)
    model = config.model
    model.build(config.hparams, config.data_converter.output_depth,
                is_training=True)
    loss, _ = model.compute_losses(base_model.LatentBatch(
        mu, sigma, None, None))
    train_op = model.build_train_op(loss)
    with tf.Session() as session:
      session.run(
          tf.variables_initializer(
              model.variables() +
              [v for v in tf.global_variables() if v not in vae.variables()]))
      vae.restore(session, checkpoint)
      seconds = []
      for _ in range(timed_steps + WARM_UP_STEPS):
        batch = rng.integers(0, len(windows), batch_size)
        start = time.perf_counter()
        session.run(train_op, {
            inputs: windows.inputs[batch],
            lengths: windows.lengths[batch]
        })
        seconds.append(time.perf_counter() - start)
  return float(np.median(seconds[WARM_UP_STEPS:]))


def measure(examples_path, prefix, timed_steps):
  """Runs the original method in a process of its own.

  Args:
    examples_path: the songs.
    prefix: the full-size MusicVAE checkpoint.
    timed_steps: how many steps it runs (after the warm-up).

  Returns:
    {'wall_s': the whole process's seconds, 'rss': its peak RSS in bytes,
     'timed_steps': timed_steps, 'step_s': its median step's seconds}.
  """
  wall, rss, output = common.measured([
      common.python(), '-m', 'benchmarks.original_method',
      '--examples_path=' + examples_path, '--pretrained_path=' + prefix,
      '--timed_steps=%d' % timed_steps
  ])
  step_s = json.loads(output.strip().splitlines()[-1])['median_step_s']
  return {
      'wall_s': wall,
      'rss': rss,
      'timed_steps': timed_steps,
      'step_s': step_s
  }


def seconds_for(measurement, steps):
  """The original method's whole run of `steps` steps, extrapolated.

  Args:
    measurement: what `measure` returned.
    steps: the run's steps.

  Returns:
    The measured process's seconds plus the median step for each step more.
  """
  return (measurement['wall_s'] +
          (steps - measurement['timed_steps']) * measurement['step_s'])


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--examples_path', required=True)
  parser.add_argument('--pretrained_path', required=True)
  parser.add_argument('--timed_steps', type=int, default=30)
  args = parser.parse_args()
  print(
      json.dumps({
          'median_step_s':
              median_step_seconds(args.examples_path, args.pretrained_path,
                                  args.timed_steps)
      }))


if __name__ == '__main__':
  main()

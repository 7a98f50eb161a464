"""MusicVAE checkpoints with random weights, built by magenta's own graph code.

The real checkpoints are downloads from Magenta's storage; tests and benchmarks build
stand-ins with the same variable names (and, at full size, the same FLOPs and bytes),
small through hparams when speed matters. Random weights make noise, not music.
"""

import os

from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import frozen_music_vae


def write_random_music_vae(out_dir, vae_config_name='cat-mel_2bar_big', hparams=None,
                           name=None, as_tar=False, seed=0):
  """Writes a randomly initialised MusicVAE checkpoint.

  Args:
    out_dir: folder to write into (created).
    vae_config_name: magenta config whose graph to build.
    hparams: dict of hparams overriding the config's (e.g. smaller sizes); written
      beside the checkpoint as music_vae_hparams.json, as for the demo model.
    name: file name stem, default `vae_config_name`.
    as_tar: also bundle the checkpoint (and sidecar) as `<name>.tar`, as Magenta
      distributes them.
  Returns:
    The checkpoint prefix, or the .tar path when `as_tar`.
  """
  name = name or vae_config_name
  config = frozen_music_vae.music_vae_config(vae_config_name, hparams)
  os.makedirs(out_dir, exist_ok=True)
  with tf.Graph().as_default():
    tf.set_random_seed(seed)
    # What magenta's checkpoints hold (and its TrainedModel restores): the weights
    # and the global step, no optimizer slots.
    variables = frozen_music_vae.build_checkpoint_graph(config)
    with tf.Session() as session:
      session.run(tf.variables_initializer(variables))
      prefix = tf.train.Saver(var_list=variables).save(
          session, os.path.join(out_dir, name + '.ckpt'), write_meta_graph=False)
  sidecars = {}
  if hparams:
    sidecars[checkpoints.MUSIC_VAE_SIDECAR] = {
        'vae_config': vae_config_name, 'hparams': hparams}
    checkpoints.write_json(os.path.join(out_dir, checkpoints.MUSIC_VAE_SIDECAR),
                           sidecars[checkpoints.MUSIC_VAE_SIDECAR])
  if not as_tar:
    return prefix
  tar_path = os.path.join(out_dir, name + '.tar')
  checkpoints.write_bundle(tar_path, prefix, name + '.ckpt', sidecars)
  return tar_path


def count_parameters(prefix):
  """Total number of weights stored in the checkpoint at `prefix`."""
  total = 0
  for _, shape in tf.train.list_variables(prefix):
    count = 1
    for dim in shape:
      count *= dim
    total += count
  return total



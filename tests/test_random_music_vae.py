"""random_music_vae.py: stand-ins for Magenta's MusicVAE checkpoints, built by
magenta's own graph code with random weights."""

import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime import frozen_music_vae
from midime import random_music_vae
from tests import testing_lib


def test_the_checkpoint_holds_magentas_weights_and_step_and_its_sizes(tiny_vae):
  shapes = dict(tf.train.list_variables(tiny_vae.prefix))
  scopes = {name.split('/')[0] for name in shapes}
  assert scopes == {'encoder', 'decoder', 'global_step'}
  assert scopes <= set(frozen_music_vae.CHECKPOINT_SCOPES)
  assert not any('Adam' in name for name in shapes)
  assert random_music_vae.count_parameters(tiny_vae.prefix) == sum(
      int(np.prod(shape)) for shape in shapes.values())
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    assert checkpoint.variable_shapes() == {
        name: list(shape) for name, shape in shapes.items()
    }
    assert checkpoint.sidecars[checkpoints.MUSIC_VAE_SIDECAR] == {
        'vae_config': 'cat-mel_2bar_big',
        'hparams': testing_lib.TINY_VAE_HPARAMS
    }

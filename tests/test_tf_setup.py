"""tf_setup.py: Keras 2 for magenta, or a message that says what to do."""

import os
import subprocess
import sys

from midime import tf_setup
from tests import testing_lib


def _python(code):
  env = {k: v for k, v in os.environ.items() if k != 'TF_USE_LEGACY_KERAS'}
  return subprocess.run([sys.executable, '-c', code], cwd=testing_lib.REPO,
                        env=env, capture_output=True, text=True, timeout=300)


def test_scripts_get_keras_2_without_any_setting():
  assert tf_setup.uses_legacy_keras()
  result = _python(
      'from midime import tf_setup; import magenta.models.music_vae; '
      'print(tf_setup.uses_legacy_keras())')
  assert result.returncode == 0, result.stderr
  assert result.stdout.strip() == 'True'


def test_tensorflow_already_on_keras_3_fails_with_what_to_do():
  result = _python(
      'import tensorflow as tf; tf.keras.layers.Layer; import midime.tf_setup')
  assert result.returncode == 1
  assert ('ImportError: TensorFlow is using Keras 3, but magenta needs Keras 2 '
          '(tf-keras). Set TF_USE_LEGACY_KERAS=1') in result.stderr

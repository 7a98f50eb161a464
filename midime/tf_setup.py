"""Prepares the environment for TensorFlow; import it before anything imports
TensorFlow.

magenta's MusicVAE code builds `tf.compat.v1` RNN cells from Keras 2 classes,
which TensorFlow >= 2.16 only provides through tf-keras when
`TF_USE_LEGACY_KERAS=1` is set before TensorFlow is first imported (Keras 3 has
no `RNNCell`).
"""

import contextlib
import os
import random
import sys
import warnings

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
# TensorFlow's C++ log lines (oneDNN notices, CUDA stubs, and an 'E0000 ...
# oneDNN supports DT_INT64 only on platforms with AVX-512' at every sampling
# run) are noise a user cannot act on; real failures still arrive as Python
# exceptions. Set TF_CPP_MIN_LOG_LEVEL=0 to see them.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
# note-seq imports pydub, which warns at import time that ffmpeg is missing; no
# audio is read or written here.
warnings.filterwarnings('ignore', message="Couldn't find ffmpeg",
                        category=RuntimeWarning)
# magenta's TF1-style graph code calls APIs that tf-keras marks deprecated on
# every use.
warnings.filterwarnings('ignore', message='.*is deprecated and will be removed',
                        category=UserWarning)


@contextlib.contextmanager
def _quiet_native_stderr():
  """Hides what native code writes to stderr meanwhile. TensorFlow's C++
  start-up notices (oneDNN, CUDA stubs) print before its log level takes
  effect."""
  try:
    sys.stderr.flush()
    saved_fd = os.dup(2)
  # No real stderr (e.g. captured); nothing to hide.
  except (OSError, ValueError):
    yield
    return
  try:
    with open(os.devnull, 'w') as devnull:
      os.dup2(devnull.fileno(), 2)
      yield
  finally:
    os.dup2(saved_fd, 2)
    os.close(saved_fd)


_SHOW_NATIVE_LOGS = os.environ.get('TF_CPP_MIN_LOG_LEVEL') in ('0', '1')
if 'tensorflow' in sys.modules or _SHOW_NATIVE_LOGS:
  # After the environment is set, as below.
  import tensorflow as tf  # noqa: E402
else:
  with _quiet_native_stderr():
    # Must come after the environment is set.
    import tensorflow as tf  # noqa: E402
    # Device discovery logs a failed cuInit on CPUs.
    tf.config.list_physical_devices()

LEGACY_KERAS_HELP = (
    'TensorFlow is using Keras 3, but magenta needs Keras 2 (tf-keras). Set '
    'TF_USE_LEGACY_KERAS=1 in the environment before TensorFlow is imported '
    '(or import midime.tf_setup first), e.g. `TF_USE_LEGACY_KERAS=1 python '
    '...`.'
)


def uses_legacy_keras():
  """True when `tf.keras` resolves to tf-keras (Keras 2), as magenta needs."""
  return tf.keras.layers.Layer.__module__.startswith('tf_keras')


if not uses_legacy_keras():
  raise ImportError(LEGACY_KERAS_HELP)

tf.get_logger().setLevel('ERROR')


def seed_graph(seed):
  """Seeds the random ops of the default graph, and the weight initialisers that
  ignore the graph's seed: tf_keras's defaults (behind tf.layers.dense and
  magenta's LSTM cells) draw theirs from Python's `random`, so without this a
  seeded training run would not repeat."""
  tf.compat.v1.set_random_seed(seed)
  random.seed(seed)


# Every script imports note-seq and magenta (tf-slim); skip their unused
# notebook and clustering extras (start-up time, see midime/lean_imports.py).
from midime import lean_imports  # noqa: E402

lean_imports.import_without_extras()

"""Imports note-seq and tf-slim without the notebook and clustering extras that
every script would otherwise load and never use (about a fifth of the import
time here).

- note_seq's package imports `notebook_utils` (bokeh, pandas, IPython) for its
  two notebook helpers, `play_sequence` and `plot_sequence`; they stay
  available: the real module is loaded the first time one of them is called.
- tf_slim's `losses.metric_learning` (imported by magenta's base model) imports
  sklearn.metrics for one clustering loss MusicVAE does not use; it supports
  sklearn being absent, which it is told while it is imported (sklearn itself
  stays importable).
"""

import importlib
import sys
import types

NOTEBOOK_UTILS = 'note_seq.notebook_utils'


def _load_real_notebook_utils(helper_name):

  def helper(*args, **kwargs):
    sys.modules.pop(NOTEBOOK_UTILS, None)
    return getattr(importlib.import_module(NOTEBOOK_UTILS),
                   helper_name)(*args, **kwargs)

  helper.__name__ = helper_name
  return helper


def import_without_extras():
  """Imports note_seq and tf_slim (once) without their unused heavy extras."""
  if 'note_seq' not in sys.modules:
    stand_in = types.ModuleType(NOTEBOOK_UTILS)
    stand_in.play_sequence = _load_real_notebook_utils('play_sequence')
    stand_in.plot_sequence = _load_real_notebook_utils('plot_sequence')
    sys.modules[NOTEBOOK_UTILS] = stand_in
    try:
      importlib.import_module('note_seq')
    finally:
      # `import note_seq.notebook_utils` still gives the real module.
      sys.modules.pop(NOTEBOOK_UTILS, None)
  if 'tf_slim' not in sys.modules and 'sklearn.metrics' not in sys.modules:
    sys.modules['sklearn.metrics'] = None  # import_module raises ImportError
    try:
      importlib.import_module('tf_slim')
    finally:
      del sys.modules['sklearn.metrics']

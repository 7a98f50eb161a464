"""lean_imports.py: the scripts' libraries load without their unused extras."""

import subprocess
import sys

CHECK = r'''
import sys
from midime import tf_setup
import magenta.models.music_vae
from midime.jobs import train
print(sorted(m for m in ('bokeh', 'sklearn', 'matplotlib') if m in sys.modules))
import note_seq
print(note_seq.plot_sequence.__name__, note_seq.play_sequence.__name__)
import note_seq.notebook_utils
print(hasattr(note_seq.notebook_utils, 'bokeh'),
      'sklearn.metrics' in sys.modules)
import sklearn.metrics
print(callable(sklearn.metrics.adjusted_rand_score))
'''


def test_training_imports_leave_out_notebook_and_clustering_extras():
  result = subprocess.run([sys.executable, '-c', CHECK], capture_output=True,
                          text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  # Nothing heavy and unused is loaded, yet each stays importable on demand.
  assert result.stdout.split('\n')[:4] == [
      '[]', 'plot_sequence play_sequence', 'True False', 'True'
  ]

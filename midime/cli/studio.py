r"""MidiMe Studio: personalize a MusicVAE in your browser, offline.

  midime-studio            (from a checkout: make studio)

then open the address it prints (http://127.0.0.1:8765). Drop MIDI files (or
use the bundled examples), choose a base model and a config, train with a live
loss chart, listen to your model beside the plain MusicVAE, steer it with
MidiMe's sliders, interpolate between songs, make a whole song, and download
MIDI, WAV or the trained bundle.

Runs live in --data_dir: a restarted studio shows them again, and a training
the studio was stopped in resumes when asked. Each run folder is a midime-train
run folder too. The page is served to this machine only (127.0.0.1) unless
--host says otherwise.
"""

import ipaddress
import os

from absl import flags
from absl import logging

from midime.cli import common
from midime.studio import uploads

FLAGS = common.new_flag_values()

# A checkout's bundled base models and example songs, offered by default.
_CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
_CHECKOUT_MODELS = os.path.join(_CHECKOUT, 'model')
_CHECKOUT_EXAMPLES = os.path.join(_CHECKOUT, 'data', 'folk_examples')

flags.DEFINE_string(
    'host', '127.0.0.1',
    'The address to serve on. The default serves this machine only; any other '
    'lets whoever reaches it upload files and train (the studio has no '
    'login), and is served with a warning.', flag_values=FLAGS)
flags.DEFINE_integer('port', 8765, 'The port to serve on.', flag_values=FLAGS)
flags.DEFINE_string(
    'data_dir', '~/midime-studio',
    'Where the studio keeps its runs (songs, checkpoints, bundles, outputs); '
    'each is a midime-train run folder.', flag_values=FLAGS)
flags.DEFINE_string(
    'models_dir',
    _CHECKOUT_MODELS if os.path.isdir(_CHECKOUT_MODELS) else None,
    'The folder of MusicVAE checkpoints to offer (.tar bundles as Magenta '
    'distributes them, or checkpoint prefixes); the page names them, it never '
    'reads another path. Default: the checkout\'s bundled model/.',
    flag_values=FLAGS)
flags.DEFINE_string(
    'examples_dir',
    _CHECKOUT_EXAMPLES if os.path.isdir(_CHECKOUT_EXAMPLES) else None,
    'A folder of MIDI songs the page offers as "the bundled examples". '
    'Default: the checkout\'s data/folk_examples.', flag_values=FLAGS)
flags.DEFINE_float(
    'max_upload_mb', uploads.DEFAULT_MAX_UPLOAD_MB,
    'The most megabytes one upload of songs may hold.', flag_values=FLAGS)
flags.DEFINE_string(
    'soundfont', None,
    'The .sf2 SoundFont the page\'s audio is rendered with; default '
    'TimGM6mb.sf2, which pretty_midi ships.', flag_values=FLAGS)
flags.DEFINE_integer(
    'seed', None, 'Makes the samples repeatable (for tests and demos).',
    flag_values=FLAGS)


def check_host(host):
  """Whether `host` is a loopback address ('localhost' counts)."""
  if host == 'localhost':
    return True
  try:
    return ipaddress.ip_address(host).is_loopback
  except ValueError:
    return False


def job(flag_values):
  """Serves the studio until Ctrl-C."""
  # pylint: disable=g-import-not-at-top
  from midime.errors import UserError
  from midime.studio import app as app_lib
  import uvicorn
  # pylint: enable=g-import-not-at-top
  if flag_values.max_upload_mb <= 0:
    raise UserError('{max_upload_mb} must be more than 0, got %g' %
                    flag_values.max_upload_mb)
  if not 0 < flag_values.port < 65536:
    raise UserError('{port} must be from 1 to 65535, got %d' %
                    flag_values.port)
  for name in ('models_dir', 'examples_dir'):
    folder = flag_values[name].value
    if folder and not os.path.isdir(os.path.expanduser(folder)):
      raise UserError('{%s} %s is not a folder' % (name, folder))
  if not check_host(flag_values.host):
    logging.warning(
        'warning: serving on %s, not this machine alone: anyone who can reach '
        'it can upload songs, train and read the runs in %s (the studio has '
        'no login).', flag_values.host, flag_values.data_dir)
  studio = app_lib.Studio(
      os.path.expanduser(flag_values.data_dir),
      models_dir=flag_values.models_dir and os.path.expanduser(
          flag_values.models_dir),
      examples_dir=flag_values.examples_dir and os.path.expanduser(
          flag_values.examples_dir),
      max_upload_bytes=int(flag_values.max_upload_mb * 10**6),
      soundfont=flag_values.soundfont, seed=flag_values.seed)
  host = ('[%s]' % flag_values.host if ':' in flag_values.host
          else flag_values.host)
  logging.info('MidiMe Studio: open http://%s:%d in your browser (runs in %s; '
               'Ctrl-C stops it).', host, flag_values.port,
               studio.store.data_dir)
  uvicorn.run(app_lib.make_app(studio), host=flag_values.host,
              port=flag_values.port, log_level='warning')


def run(argv=None):
  """Runs the program on `argv`; returns its exit status."""
  return common.run('midime-studio', __doc__, FLAGS, job, argv)


def main():
  """The `midime-studio` console script."""
  common.entry_point('midime-studio', __doc__, FLAGS, job)


if __name__ == '__main__':
  main()

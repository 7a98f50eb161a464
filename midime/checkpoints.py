"""TF1 checkpoints as users hand them over: a prefix (`model.ckpt`), a folder,
or a `.tar` bundle like the ones Magenta distributes; checking that one fits a
graph; and writing bundles.

Beside a checkpoint may lie a JSON sidecar saying what the graph needs that the
config name alone does not: `music_vae_hparams.json` for a MusicVAE whose sizes
differ from its config (the bundled demo model), `midime_config.json` for a
SmallMusicVAE or LCMusicVAE (its config name, hparams and the MusicVAE it was
trained on).
"""

import collections
import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile

# Sets up TensorFlow for magenta (Keras 2) before it loads.
from midime import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

from midime.errors import UserError
from midime import output_files

MUSIC_VAE_SIDECAR = 'music_vae_hparams.json'
MODEL_SIDECAR = 'midime_config.json'
# The small latent's posterior q(latent | z) of every training window, written
# when training ends; SmallMusicVAE samples from them
# (base_model.song_posteriors).
SONG_POSTERIORS_SIDECAR = 'midime_song_posteriors.json'
# How the songs are built (song_form.SongForm), written when training ends;
# song mode reads it.
SONG_FORM_SIDECAR = 'midime_song_form.json'
# Under the temp folder: unpacked .tar checkpoints, one folder per process.
UNPACK_FOLDER = 'midime-unpacked'


class Checkpoint(
    collections.namedtuple('Checkpoint', ['prefix', 'source', 'sidecars'])):
  """A readable checkpoint: its file prefix, the path the user gave, and the
  parsed JSON sidecars found beside it (file name -> dict)."""

  def variable_shapes(self):
    """Variable name -> shape, as stored."""
    return dict(tf.train.list_variables(self.prefix))

  def fingerprint(self):
    """A short hash of the checkpoint's index, the same whether read from a
    `.tar` or from unpacked files; tells two checkpoints apart without reading
    the weights."""
    with open(self.prefix + '.index', 'rb') as index_file:
      return hashlib.sha256(index_file.read()).hexdigest()[:16]


def step_of(prefix):
  """The step in a checkpoint prefix `name-<step>`, or -1."""
  match = re.search(r'-(\d+)$', prefix)
  return int(match.group(1)) if match else -1


def _prefix_in_folder(folder, source):
  prefix = tf.train.latest_checkpoint(folder)
  # Only a checkpoint inside `folder`: a copied run folder whose `checkpoint`
  # file holds absolute paths would otherwise read the original's checkpoint.
  if (prefix and
      os.path.dirname(os.path.abspath(prefix)) == os.path.abspath(folder) and
      os.path.exists(prefix + '.index')):
    return prefix
  indexes = glob.glob(os.path.join(folder, '**', '*.index'), recursive=True)
  if not indexes:
    raise UserError('no checkpoint in %s (no .index file)' % source)
  prefixes = [index[:-len('.index')] for index in indexes]
  if len(prefixes) > 1 and len({os.path.dirname(p) for p in prefixes}) > 1:
    raise UserError(
        '%s holds several checkpoints in different folders; name one' % source)
  # Several steps of one run: the latest, as tf.train.latest_checkpoint would.
  return max(prefixes, key=step_of)


def checkpoints_in(train_dir, name):
  """The prefixes `train_dir/<name>-<step>` whose index is there, oldest step
  first.

  Read from the files rather than from TensorFlow's `checkpoint` state file:
  that file may name absolute paths of the folder the run was copied from, or
  lag one save behind after a kill."""
  indexes = glob.glob(os.path.join(glob.escape(train_dir), name + '-*.index'))
  prefixes = [index[:-len('.index')] for index in indexes]
  return sorted((p for p in prefixes if step_of(p) >= 0), key=step_of)


def remove_partial_saves(train_dir):
  """Removes what an interrupted or failed tf.train.Saver.save leaves in
  `train_dir` (`*_temp` folders, `*.tempstate*` files, `checkpoint.tmp*`): on a
  full disk these keep it full."""
  patterns = ('*_temp', '*.tempstate*', 'checkpoint.tmp*', '*.tmp')
  for pattern in patterns:
    for path in glob.glob(os.path.join(glob.escape(train_dir), pattern)):
      if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
      else:
        try:
          os.remove(path)
        except OSError:
          pass


def _unpack_root():
  return os.path.join(tempfile.gettempdir(), UNPACK_FOLDER)


def remove_stale_unpacked(root=None):
  """Removes the unpacked `.tar` checkpoints of processes no longer running (a
  kill -9 leaves them: 514 MB each for cat-mel_2bar_big)."""
  root = root or _unpack_root()
  if not os.path.isdir(root):
    return
  for name in os.listdir(root):
    pid = name.split('-')[0]
    if pid.isdigit() and not output_files.pid_alive(int(pid)):
      shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def _unpack_folder():
  """A new folder to unpack a `.tar` into, named by this process's id so that
  the next run can tell a dead process's leftovers from a running one's."""
  remove_stale_unpacked()
  root = _unpack_root()
  os.makedirs(root, exist_ok=True)
  return tempfile.TemporaryDirectory(prefix='%d-' % os.getpid(), dir=root)


def read_sidecars(folder):
  """The JSON sidecars in `folder`: file name -> parsed dict."""
  sidecars = {}
  for name in (MUSIC_VAE_SIDECAR, MODEL_SIDECAR, SONG_POSTERIORS_SIDECAR,
               SONG_FORM_SIDECAR):
    path = os.path.join(folder, name)
    if os.path.exists(path):
      try:
        with open(path) as sidecar_file:
          sidecars[name] = json.load(sidecar_file)
      except (OSError, ValueError) as error:
        raise UserError('cannot read %s: %s' % (path, error)) from None
  return sidecars


def _is_tar(path):
  try:
    return tarfile.is_tarfile(path)
  except OSError:
    return False


@contextlib.contextmanager
def open_checkpoint(path, what='checkpoint'):
  """Yields the Checkpoint at `path`: a prefix, a `.index`/`.data` file, a
  folder (its latest checkpoint) or a `.tar` (unpacked into a temporary folder
  while in use).

  Raises:
    UserError: if there is nothing there, or it is not a readable checkpoint.
  """
  if not path:
    raise UserError('no %s given' % what)
  path = os.path.expanduser(path)
  with contextlib.ExitStack() as stack:
    if os.path.isdir(path):
      prefix = _prefix_in_folder(path, path)
    elif os.path.isfile(path) and _is_tar(path):
      unpacked = stack.enter_context(_unpack_folder())
      try:
        with tarfile.open(path) as archive:
          archive.extractall(unpacked, filter='data')
      except (tarfile.TarError, OSError, EOFError) as error:
        raise UserError('cannot unpack %s %s: %s' %
                        (what, path, error)) from None
      prefix = _prefix_in_folder(unpacked, path)
    elif os.path.exists(path + '.index'):
      prefix = path
    elif os.path.isfile(path) and re.search(r'\.(index|data-\d+-of-\d+)$',
                                            path):
      prefix = re.sub(r'\.(index|data-\d+-of-\d+)$', '', path)
    elif os.path.exists(path):
      raise UserError(
          '%s is not a %s: expected a .tar bundle, a checkpoint prefix (with '
          '%s.index beside it) or a folder holding one' % (path, what, path))
    else:
      raise UserError('%s not found: %s' % (what, path))
    checkpoint = Checkpoint(prefix=prefix, source=path,
                            sidecars=read_sidecars(os.path.dirname(prefix)))
    try:
      checkpoint.variable_shapes()
    except (tf.errors.OpError, ValueError) as error:
      raise UserError('cannot read %s %s: %s' %
                      (what, path, str(error).splitlines()[0])) from None
    yield checkpoint


def check_fits(checkpoint, variables, what, hint=''):
  """Raises UserError naming the variables of the graph (`variables`) that
  `checkpoint` lacks or stores with another shape; `what` names the model in the
  message, `hint` (if any) ends it."""
  stored = checkpoint.variable_shapes()
  missing, mismatched = [], []
  for variable in variables:
    name = variable.op.name
    shape = variable.shape.as_list()
    if name not in stored:
      missing.append(name)
    elif list(stored[name]) != shape:
      mismatched.append('%s (checkpoint %s, expected %s)' %
                        (name, list(stored[name]), shape))
  if not missing and not mismatched:
    return
  problems = []
  if mismatched:
    problems.append('%d variable(s) with other shapes: %s' %
                    (len(mismatched), '; '.join(mismatched[:3]) +
                     ('; ...' if len(mismatched) > 3 else '')))
  if missing:
    problems.append('%d variable(s) missing: %s' %
                    (len(missing), ', '.join(missing[:3]) +
                     (', ...' if len(missing) > 3 else '')))
  raise UserError('%s does not fit %s: %s%s' %
                  (checkpoint.source, what, '; '.join(problems), hint))


def restore(session, checkpoint, variables, what, hint=''):
  """Checks that `checkpoint` fits `variables`, then loads them into
  `session`."""
  check_fits(checkpoint, variables, what, hint)
  saver = tf.train.Saver(var_list={v.op.name: v for v in variables})
  restore_with(saver, session, checkpoint.prefix, checkpoint.source)


def restore_with(saver, session, prefix, source=None):
  """saver.restore, with a damaged checkpoint (a truncated data file) reported
  as one line."""
  try:
    saver.restore(session, prefix)
  except (tf.errors.OpError, ValueError) as error:
    raise UserError(
        'cannot read checkpoint %s (damaged or truncated?): %s' %
        (source or prefix, str(error).strip().splitlines()[0])) from None


def write_json(path, values):
  """Writes `values` as JSON, atomically (a reader never sees half a file)."""
  temp_path = path + '.tmp'
  try:
    with open(temp_path, 'w') as json_file:
      json.dump(values, json_file, indent=2, sort_keys=True)
      json_file.write('\n')
    os.replace(temp_path, path)
  except BaseException:
    _remove_if_there(temp_path)
    raise


def _remove_if_there(path):
  try:
    os.remove(path)
  except OSError:
    pass


def write_bundle(tar_path, prefix, member_name, sidecars):
  """Writes the checkpoint at `prefix` and `sidecars` (file name -> dict) into
  the `.tar` at `tar_path`, naming the checkpoint files `member_name.*`.
  Atomic."""
  temp_path = tar_path + '.tmp'
  try:
    with tempfile.TemporaryDirectory(prefix='midime-') as sidecar_dir:
      with tarfile.open(temp_path, 'w') as archive:
        for file_path in sorted(glob.glob(prefix + '.*')):
          suffix = file_path[len(prefix):]
          if suffix == '.index' or suffix.startswith('.data-'):
            archive.add(file_path, arcname=member_name + suffix)
        for name, values in sorted(sidecars.items()):
          sidecar_path = os.path.join(sidecar_dir, name)
          write_json(sidecar_path, values)
          archive.add(sidecar_path, arcname=name)
    os.replace(temp_path, tar_path)
  except BaseException:
    # A full disk must not stay full of half a bundle.
    _remove_if_there(temp_path)
    raise

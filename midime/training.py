"""Training and evaluating a small model (SmallMusicVAE or LCMusicVAE) on a
latent cache.

A run directory follows magenta's layout: checkpoints and TensorBoard summaries
in `run_dir/train`, evaluation summaries in `run_dir/eval`. Checkpoints hold
only the small model (and its optimizer state, for resuming);
`run_dir/<config>.tar` bundles the latest one without optimizer state, with the
sidecar that generation reads.
"""

import collections
import contextlib
import fcntl
import glob
import os
import shutil
import signal
import tempfile
import time

from absl import logging
import numpy as np
from midime import tf_setup
import tensorflow.compat.v1 as tf

from midime import base_model
from midime import checkpoints
from midime import controls as controls_lib
from midime.errors import StoppedError
from midime.errors import UserError
from midime import progress

TRAIN_SUBDIR = 'train'
EVAL_SUBDIR = 'eval'
CHECKPOINT_NAME = 'model.ckpt'
LOCK_FILE = '.lock'
# run_dir/.bundle-*: the bundle's checkpoint before it goes into the .tar.
BUNDLE_STAGING = '.bundle-'


def train_dir_of(run_dir):
  return os.path.join(run_dir, TRAIN_SUBDIR)


def bundle_path_of(run_dir, config_name):
  return os.path.join(run_dir, config_name + '.tar')


class _ModelGraph(
    collections.namedtuple('ModelGraph',
                           ['model', 'placeholders', 'loss', 'scalars'])):
  """A small model built on placeholders for one LatentBatch."""

  def feed(self, cache, indices):
    batch = {
        self.placeholders.z_mu: cache.mu[indices],
        self.placeholders.z_sigma: cache.sigma[indices]
    }
    if self.placeholders.sequences is not None:
      batch[self.placeholders.sequences] = cache.sequences[indices]
      batch[self.placeholders.lengths] = cache.lengths[indices]
    if self.placeholders.controls is not None:
      batch[self.placeholders.controls] = cache.controls[indices]
    return batch


def _build_model_graph(config, cache, is_training):
  """Builds config.model on placeholders shaped like `cache`, batch_size
  rows."""
  hparams = config.hparams
  model = config.model
  model.build(hparams, config.data_converter.output_depth, is_training)
  batch_size = hparams.batch_size
  sequences = lengths = None
  if model.needs_sequences:
    if cache.sequences is None:
      raise UserError('the latent cache holds no melodies, which %s needs' %
                      type(model).__name__)
    sequences = tf.placeholder(tf.bool,
                               [batch_size] + list(cache.sequences.shape[1:]),
                               name='sequences')
    # A hierarchical window (the multitrack family's) has a length per segment.
    lengths = tf.placeholder(tf.int32,
                             [batch_size] + list(cache.lengths.shape[1:]),
                             name='lengths')
  controls = None
  if model.needs_sequences and config.data_converter.control_depth:
    if cache.controls is None:
      raise UserError('the latent cache holds no chords, which %s over '
                      'chords needs' % type(model).__name__)
    controls = tf.placeholder(tf.bool,
                              [batch_size] + list(cache.controls.shape[1:]),
                              name='controls')
  placeholders = base_model.LatentBatch(
      z_mu=tf.placeholder(tf.float32, [batch_size, hparams.z_size],
                          name='z_mu'),
      z_sigma=tf.placeholder(tf.float32, [batch_size, hparams.z_size],
                             name='z_sigma'), sequences=sequences,
      lengths=lengths, controls=controls)
  loss, scalars = model.compute_losses(placeholders)
  return _ModelGraph(model, placeholders, loss, scalars)


class TrainingProgress(
    collections.namedtuple('TrainingProgress', [
        'step', 'num_steps', 'loss', 'scalars', 'steps_per_second',
        'seconds_left'
    ])):
  """Where training is: the global step of `num_steps`, the loss and the
  summaries' scalars at it (None and {} before the first logged step), and the
  rate and time left since this run started (None before they are known)."""


def _shuffled_batches(num_examples, batch_size, rng):
  """Endless batches of indices: each epoch a fresh permutation, epochs joined,
  so every example is seen equally often even when there are fewer than a
  batch."""
  buffered = np.zeros([0], np.int64)
  while True:
    while len(buffered) < batch_size:
      buffered = np.concatenate([buffered, rng.permutation(num_examples)])
    yield buffered[:batch_size]
    buffered = buffered[batch_size:]


def _format_scalars(values):
  return '  '.join('%s %.4g' % (name.split('/')[-1], value)
                   for name, value in values.items())


def _hparams_table(hparams):
  rows = [
      '| %s | %s |' % (key, value)
      for key, value in sorted(hparams.values().items())
  ]
  return '| Key | Value |\n| :--- | :--- |\n' + '\n'.join(rows) + '\n'


def latest_checkpoint(run_dir):
  """The prefix of the latest checkpoint in run_dir/train, or None."""
  saved = checkpoints.checkpoints_in(train_dir_of(run_dir), CHECKPOINT_NAME)
  return saved[-1] if saved else None


def check_run_record(train_dir, config_name):
  """Raises UserError when `train_dir` already holds a run of another config."""
  path = os.path.join(train_dir, checkpoints.MODEL_SIDECAR)
  if not os.path.exists(path):
    return
  record = checkpoints.read_sidecars(train_dir).get(checkpoints.MODEL_SIDECAR,
                                                    {})
  if record.get('config') not in (None, config_name):
    raise UserError(
        '%s holds a %s run; train %s in another {run_dir}' %
        (os.path.dirname(train_dir), record.get('config'), config_name))


class _StopRequests(object):
  """Turns SIGINT and SIGTERM, while training, into a request that the training
  loop answers by saving a checkpoint and stopping (instead of dying with the
  work since the last save)."""

  NAMES = {signal.SIGINT: 'SIGINT', signal.SIGTERM: 'SIGTERM'}

  def __init__(self):
    self.received = None
    self._previous = {}

  def _handle(self, signum, frame):
    del frame
    self.received = self.NAMES.get(signum, str(signum))

  def __enter__(self):
    try:
      for signum in self.NAMES:
        self._previous[signum] = signal.signal(signum, self._handle)
    except ValueError:
      pass  # not the main thread: signals keep their handlers
    return self

  def __exit__(self, *exc_info):
    for signum, previous in self._previous.items():
      signal.signal(signum, previous)


@contextlib.contextmanager
def lock_run_dir(run_dir):
  """Holds an exclusive lock on run_dir/.lock while in use; raises UserError at
  once when another process holds it (a second training into the same folder).
  The lock goes with the process, so a killed run leaves none behind."""
  created = not os.path.isdir(run_dir)
  os.makedirs(run_dir, exist_ok=True)
  lock_path = os.path.join(run_dir, LOCK_FILE)
  with open(lock_path, 'a') as lock_file:
    try:
      fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
      raise UserError(
          '%s is in use by another midime-train (%s is locked); wait for '
          'it or use another {run_dir}' % (run_dir, lock_path)) from None
    try:
      yield
    except BaseException:
      # A run that failed before writing anything leaves no folder behind.
      if created and os.listdir(run_dir) == [LOCK_FILE]:
        os.remove(lock_path)
        os.rmdir(run_dir)
      raise
    finally:
      fcntl.flock(lock_file, fcntl.LOCK_UN)


def resumed_seed(seed, step):
  """The seed of a run resumed at `step`: `seed` itself at step 0, else one
  derived from both, so that a resumed run continues with fresh batches and z
  draws rather than replaying those of its first steps."""
  if seed is None or step == 0:
    return seed
  return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


def _remove_leftovers(run_dir, config_name):
  """What a killed or failed earlier run left (under the run's lock, so no other
  process is writing them): partial saves, a half-written bundle, its staging
  folder."""
  checkpoints.remove_partial_saves(train_dir_of(run_dir))
  for path in glob.glob(os.path.join(glob.escape(run_dir),
                                     BUNDLE_STAGING + '*')):
    shutil.rmtree(path, ignore_errors=True)
  stale_bundle = bundle_path_of(run_dir, config_name) + '.tmp'
  if os.path.exists(stale_bundle):
    os.remove(stale_bundle)


def train(config, run_dir, cache, num_steps, run_record, seed=None,
          checkpoints_to_keep=10, save_checkpoint_secs=30,
          save_checkpoint_steps=0, log_every_steps=100, song_order_z=None,
          learn_song_form=None, on_progress=None):
  """Trains config.model on `cache` up to global step `num_steps`, resuming from
  the latest checkpoint in run_dir/train, then writes the bundle
  run_dir/<config>.tar.

  A checkpoint is saved every `save_checkpoint_steps` steps and every
  `save_checkpoint_secs` seconds (0 turns either off), at the end, and on SIGINT
  or SIGTERM, after which UserError says where. A NaN or infinite loss stops
  training with UserError, keeping the last good checkpoint and writing no
  bundle.

  Args:
    run_record: dict saved beside the checkpoints and in the bundle as
      midime_config.json (config name, hparams, the MusicVAE it sits on).
    song_order_z: MusicVAE's mean z of the songs' windows in song order
      (windows.windows_in_song_order), `[m, z_size]`; or None.
    learn_song_form: with `song_order_z`, called with their small latents'
      posterior (mean, stddev) and the step; returns the song form's sidecar
      (saved as midime_song_form.json).
  Returns:
    The path of the bundle.
  """
  train_dir = train_dir_of(run_dir)
  config_name = run_record['config']
  check_run_record(train_dir, config_name)
  os.makedirs(train_dir, exist_ok=True)
  _remove_leftovers(run_dir, config_name)
  saved = checkpoints.checkpoints_in(train_dir, CHECKPOINT_NAME)
  latest = saved[-1] if saved else None
  start_step = checkpoints.step_of(latest) if latest else 0
  checkpoint_prefix = os.path.join(train_dir, CHECKPOINT_NAME)

  with tf.Graph().as_default():
    if seed is not None:
      tf_setup.seed_graph(resumed_seed(seed, start_step))
    graph = _build_model_graph(config, cache, is_training=True)
    model = graph.model
    train_op = model.build_train_op(graph.loss)
    with tf.control_dependencies([train_op]):
      # Fetched together with train_op, a plain read of the step could see it
      # before or after the increment; this one sees it after.
      step_after_train = tf.identity(model.global_step.read_value())
    weights_finite = tf.reduce_all(
        [tf.reduce_all(tf.is_finite(v)) for v in model.variables()])
    for name, tensor in graph.scalars.items():
      tf.summary.scalar(name, tf.reduce_mean(tensor))
    summary_op = tf.summary.merge_all()
    report_ops = collections.OrderedDict(
        (name, tf.reduce_mean(tensor))
        for name, tensor in graph.scalars.items())
    hparams_summary = tf.summary.text(
        'hparams', tf.constant(_hparams_table(config.hparams)), collections=[])
    # Relative paths in train/checkpoint: a moved or copied run folder resumes
    # from its own checkpoints.
    saver = tf.train.Saver(max_to_keep=checkpoints_to_keep,
                           keep_checkpoint_every_n_hours=1,
                           save_relative_paths=True)
    bundle_saver = tf.train.Saver(
        var_list={v.op.name: v for v in model.variables()})
    song_z, posteriors = model.song_posteriors_op()

    with tf.Session() as session:
      if latest:
        with checkpoints.open_checkpoint(latest) as checkpoint:
          checkpoints.check_fits(checkpoint, tf.global_variables(),
                                 'config %s with these hparams' % config_name)
        checkpoints.restore_with(saver, session, latest)
        # The Saver deletes beyond checkpoints_to_keep only what it knows of.
        saver.recover_last_checkpoints(saved)
      else:
        session.run(tf.global_variables_initializer())
      step = session.run(model.global_step)
      last_good = latest

      def save_checkpoint():
        """Saves a checkpoint of the finite model at `step`; returns its
        prefix."""
        if not session.run(weights_finite):
          raise _diverged('the weights', step, last_good)
        try:
          return saver.save(session, checkpoint_prefix, step)
        except tf.errors.OpError as error:  # a full disk, a folder gone...
          checkpoints.remove_partial_saves(train_dir)
          raise UserError('cannot write a checkpoint in %s: %s%s' %
                          (train_dir, error.message.strip().splitlines()[0],
                           '; the last one saved is %s' %
                           last_good if last_good else '')) from None

      # Only now that the checkpoint is known to fit: generation rebuilds the
      # model from this record.
      checkpoints.write_json(os.path.join(train_dir, checkpoints.MODEL_SIDECAR),
                             run_record)
      writer = tf.summary.FileWriter(train_dir,
                                     graph=None if latest else session.graph)
      if latest:
        logging.info('Resuming from %s (step %d).', latest, step)
      else:
        writer.add_summary(session.run(hparams_summary), step)
      if step >= num_steps:
        logging.info('Already at step %d of %d: nothing to train.', step,
                     num_steps)
      else:
        logging.info('Training %s on %d cached latents, steps %d to %d...',
                     config_name, len(cache), step, num_steps)
      if on_progress:
        on_progress(TrainingProgress(int(step), num_steps, None, {}, None,
                                     None))
      batches = _shuffled_batches(
          len(cache), config.hparams.batch_size,
          np.random.default_rng(resumed_seed(seed, step)))
      last_save = start = time.time()
      first_step = step
      try:
        with _StopRequests() as stop:
          while step < num_steps and not stop.received:
            feed = graph.feed(cache, next(batches))
            if (step + 1) % log_every_steps == 0 or step + 1 == num_steps:
              step, loss, values, summary = session.run(
                  [step_after_train, graph.loss, report_ops, summary_op], feed)
              writer.add_summary(summary, step)
              rate = (step - first_step) / max(time.time() - start, 1e-9)
              logging.info('step %d/%d  %s  (%.0f steps/s, %s)', step,
                           num_steps, _format_scalars(values), rate,
                           progress.time_left(num_steps - step, rate))
              if on_progress:
                on_progress(TrainingProgress(
                    int(step), num_steps, float(loss),
                    {k: float(v) for k, v in values.items()}, rate,
                    (num_steps - step) / rate if rate > 0 else None))
            else:
              step, loss = session.run([step_after_train, graph.loss], feed)
            if not np.isfinite(loss):
              raise _diverged('the loss', step, last_good)
            if ((save_checkpoint_steps and step % save_checkpoint_steps == 0) or
                (save_checkpoint_secs and
                 time.time() - last_save >= save_checkpoint_secs)):
              last_good = save_checkpoint()
              last_save = time.time()
          if step > first_step or not latest:
            last_good = save_checkpoint()
          if stop.received:
            raise StoppedError(
                'stopped by %s at step %d of %d; saved %s: run the same '
                'command again to resume' %
                (stop.received, step, num_steps, last_good))
      finally:
        writer.close()

      song_posteriors = _song_posteriors(session, song_z, posteriors, cache,
                                         config.data_converter, step)
      checkpoints.write_json(
          os.path.join(train_dir, checkpoints.SONG_POSTERIORS_SIDECAR),
          song_posteriors)
      sidecars = {
          checkpoints.MODEL_SIDECAR: run_record,
          checkpoints.SONG_POSTERIORS_SIDECAR: song_posteriors
      }
      if learn_song_form is not None and song_order_z is not None:
        mean, stddev = _posteriors(session, song_z, posteriors, song_order_z)
        sidecars[checkpoints.SONG_FORM_SIDECAR] = learn_song_form(
            mean, stddev, step)
        checkpoints.write_json(
            os.path.join(train_dir, checkpoints.SONG_FORM_SIDECAR),
            sidecars[checkpoints.SONG_FORM_SIDECAR])
      bundle_path = bundle_path_of(run_dir, config_name)
      with tempfile.TemporaryDirectory(prefix=BUNDLE_STAGING,
                                       dir=run_dir) as staging:
        prefix = bundle_saver.save(session, os.path.join(staging, config_name),
                                   write_meta_graph=False)
        checkpoints.write_bundle(
            bundle_path, prefix, config_name + '.ckpt', sidecars)
  logging.info('Wrote checkpoints to %s and the bundle %s (step %d).',
               train_dir, bundle_path, step)
  return bundle_path


def _song_posteriors(session, song_z, posteriors, cache, data_converter,
                     step, chunk=4096):
  """The sidecar of the small latent's posterior of every cached window of the
  songs in their own keys at `step`: {'step', 'mean', 'stddev'} (lists of
  `[encoded_z_size]` rows), and for a converter with controls each window's
  under their kind (controls.compact). q(latent | z) is taken at the
  encoder's mean z (mu) of each window.

  A model trained on transpositions (transpose_songs, LCMusicVAE's default)
  learns eleven keys of each window, which keeps its new decoder from memorising
  them; its samples are drawn where the songs as given lie, so they come in the
  songs' keys (QUALITY.md)."""
  in_song_keys = cache.in_song_keys()
  mean, stddev = _posteriors(session, song_z, posteriors,
                             cache.mu[in_song_keys], chunk)
  values = {
      'step': int(step),
      'mean': np.round(mean, 5).tolist(),
      'stddev': np.round(stddev, 5).tolist()
  }
  if cache.controls is not None:
    # A model with controls samples over those of the window its latent is
    # drawn from (the songs' own progressions, or hits) unless given others.
    values[controls_lib.kind_of(data_converter)] = controls_lib.compact(
        cache.controls[in_song_keys], data_converter).tolist()
  return values


def _posteriors(session, song_z, posteriors, z, chunk=4096):
  """The small latent's posterior (mean, stddev) of each row of `z`."""
  means, stddevs = [], []
  for begin in range(0, len(z), chunk):
    mean, stddev = session.run(posteriors, {song_z: z[begin:begin + chunk]})
    means.append(mean)
    stddevs.append(stddev)
  return np.concatenate(means), np.concatenate(stddevs)


def _diverged(what, step, last_good):
  return UserError(
      'training diverged: %s became NaN or infinite at step %d; kept the last '
      'good checkpoint%s and wrote no bundle. Lower learning_rate or max_beta '
      'in {hparams}'
      % (what, step, ' ' + last_good if last_good else ' (none yet)'))


def evaluate(config, run_dir, cache, config_name, seed=None):
  """Evaluates the latest checkpoint in run_dir/train on every example of
  `cache` once; writes the means to run_dir/eval as summaries and returns
  them."""
  train_dir = train_dir_of(run_dir)
  latest = latest_checkpoint(run_dir)
  if not latest:
    raise UserError('no checkpoint to evaluate in %s: train first' % train_dir)
  batch_size = config.hparams.batch_size
  with tf.Graph().as_default():
    if seed is not None:
      tf_setup.seed_graph(seed)
    graph = _build_model_graph(config, cache, is_training=False)
    variables = graph.model.variables() + [graph.model.global_step]
    with tf.Session() as session:
      with checkpoints.open_checkpoint(latest) as checkpoint:
        checkpoints.restore(session, checkpoint, variables,
                            'config %s' % config_name)
      step = session.run(graph.model.global_step)
      per_example = {name: [] for name in graph.scalars}
      for begin in range(0, len(cache), batch_size):
        # The graph takes whole batches: pad the last with repeats, then drop
        # them.
        indices = np.arange(begin, begin + batch_size) % len(cache)
        real = min(batch_size, len(cache) - begin)
        values = session.run(graph.scalars, graph.feed(cache, indices))
        for name, value in values.items():
          value = np.asarray(value)
          per_example[name].append(
              np.full(real, value) if value.ndim == 0 else value[:real])
  means = collections.OrderedDict(
      (name, float(np.mean(np.concatenate(parts))))
      for name, parts in sorted(per_example.items()))
  eval_dir = os.path.join(run_dir, EVAL_SUBDIR)
  os.makedirs(eval_dir, exist_ok=True)
  with tf.Graph().as_default():  # FileWriter refuses eager mode
    writer = tf.summary.FileWriter(eval_dir)
    writer.add_summary(
        tf.Summary(value=[
            tf.Summary.Value(tag=name, simple_value=value)
            for name, value in means.items()
        ]), step)
    writer.close()
  logging.info('Evaluated %s at step %d on %d examples:\n  %s', latest, step,
               len(cache), _format_scalars(means))
  return step, means

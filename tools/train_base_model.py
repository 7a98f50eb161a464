r"""Trains the compact MusicVAEs that `make demo` personalizes.

  .venv/bin/python -m tools.train_base_model            # folk-mel_2bar: ~40
  min, 2 cores .venv/bin/python -m tools.train_base_model --model=folk-mel_16bar
  # about 2 hours .venv/bin/python -m tools.train_base_model --bundle_only   #
  re-bundle the latest

magenta's own MusicVAE graph (cat-mel_2bar_big's or hierdec-mel_16bar's, at the
sizes in folk_model_data.BASE_MODELS) trained on the folk corpus
(tools/folk_corpus.py): every window of every training tune, transposed -5..+5,
fed as numpy batches (magenta's tf.data input pipeline crashes on this
TensorFlow). About 10% of the tunes, by title, are held out for evaluation, and
the demo's example songs are left out altogether.

Checkpoints (with optimizer state) go to --work_dir/train and a run resumes from
the latest one. At the end --output gets the weights only, as Magenta ships its
models: `folk-mel_2bar.ckpt.*` and `music_vae_hparams.json` in a .tar, which
midime_train.py --pretrained_path reads like a downloaded cat-mel_2bar_big (or
hierdec-mel_16bar).
"""

import os
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np

from tools import folk_model_data  # (first: it imports tf_setup)
import tensorflow.compat.v1 as tf
from magenta.models.music_vae import base_model as vae_base_model
from magenta.models.music_vae import lstm_models

from midime import checkpoints
from midime import frozen_music_vae
from midime import tf_setup
from midime.cli.common import report_user_errors, use_plain_logging
from midime.errors import UserError
from tools import folk_corpus

FLAGS = flags.FLAGS
flags.DEFINE_enum('model', folk_model_data.DEFAULT_MODEL,
                  list(folk_model_data.BASE_MODELS),
                  'Which base model to train.')
flags.DEFINE_string(
    'work_dir', None, 'Checkpoints (resumed from) and the training '
    'log; default .cache/<model>.')
flags.DEFINE_string(
    'output', None, 'The bundle to write at the end; default '
    'model/<model>.tar.')
flags.DEFINE_integer(
    'num_steps', None, 'Train until the global step reaches this; '
    'default the model\'s own (10,000 for 2 bars, 8,000 for 16).')
flags.DEFINE_integer('seed', 0, 'Seeds the held-out split, the batches and TF.')
flags.DEFINE_float('eval_fraction', 0.1, 'Share of the tunes held out.')
flags.DEFINE_integer('log_every', 50, 'Steps between progress lines.')
flags.DEFINE_integer(
    'save_every_secs', 600,
    'Seconds between checkpoints (each followed by a held-out '
    'teacher-forced accuracy on --eval_slices slices).')
flags.DEFINE_integer('eval_slices', 1024,
                     'Held-out slices for the periodic check.')
flags.DEFINE_string(
    'hparams', '',
    'Comma-separated name=value overrides of the MusicVAE hparams '
    '(the model\'s size and training hparams), e.g. '
    '"batch_size=128".')
flags.DEFINE_string(
    'init_from', None,
    'A bundle (e.g. model/folk-mel_16bar.tar) whose weights and step a '
    'run starts from when --work_dir has no checkpoint: the bundled '
    'model trained on, on another machine.')
flags.DEFINE_bool(
    'bundle_only', False,
    'Only write --output from the latest checkpoint in --work_dir.')

CHECKPOINT_NAME = 'model.ckpt'


class _MusicVAE(vae_base_model.MusicVAE):
  """magenta's MusicVAE, keeping hold of the loss terms it computes for
  summaries."""

  def _compute_model_loss(self, *args, **kwargs):
    metric_map, scalars = super()._compute_model_loss(*args, **kwargs)
    self.scalars = scalars
    return metric_map, scalars


class _CategoricalLstmDecoder(lstm_models.CategoricalLstmDecoder):
  """magenta's decoder, keeping hold of the per-step accuracy of the batch (of
  each bar, when a hierarchical decoder calls it bar by bar)."""

  accuracies = ()

  def _flat_reconstruction_loss(self, flat_x_target, flat_rnn_output):
    r_loss, metric_map = super()._flat_reconstruction_loss(
        flat_x_target, flat_rnn_output)
    self.accuracies = list(self.accuracies) + [
        tf.reduce_mean(
            tf.cast(
                tf.equal(tf.argmax(flat_x_target, axis=1),
                         tf.argmax(flat_rnn_output, axis=1)), tf.float32))
    ]
    return r_loss, metric_map


def _music_vae(config):
  """The config's MusicVAE, as magenta's configs build it, with the recording
  subclasses in place of MusicVAE and its categorical decoder."""
  encoder = lstm_models.BidirectionalLstmEncoder()
  decoder = config.model.decoder
  if isinstance(decoder, lstm_models.HierarchicalLstmDecoder):
    # hierdec-mel_16bar: HierarchicalLstmDecoder(CategoricalLstmDecoder(),
    # level_lengths=[16, 16], disable_autoregression=True).
    decoder = lstm_models.HierarchicalLstmDecoder(
        # pylint: disable=protected-access
        _CategoricalLstmDecoder(),
        level_lengths=decoder._level_lengths,
        # pylint: enable=protected-access
        # pylint: disable=protected-access
        disable_autoregression=decoder._disable_autoregression)
    # pylint: enable=protected-access
    core = decoder._core_decoder  # pylint: disable=protected-access
  else:
    decoder = core = _CategoricalLstmDecoder()
  return _MusicVAE(encoder, decoder), core


def train_dir_of(work_dir):
  return os.path.join(work_dir, 'train')


def _batch_indices(step, batch_size, num_examples, seed):
  """The examples of batch `step`: epochs of fresh permutations, laid end to
  end, so a resumed run reads exactly the batches an uninterrupted one would."""
  begin = step * batch_size
  indices = []
  while len(indices) < batch_size:
    epoch, offset = divmod(begin + len(indices), num_examples)
    permutation = np.random.RandomState([seed, epoch]).permutation(num_examples)
    indices.extend(permutation[offset:offset + batch_size - len(indices)])
  return np.asarray(indices)


def _build_training_graph(config):
  hparams = config.hparams
  # The config's own classes, swapped for subclasses that only record tensors.
  model, core_decoder = _music_vae(config)
  depth = config.data_converter.output_depth
  model.build(hparams, depth, is_training=True)
  steps = hparams.max_seq_len
  sequences = tf.placeholder(tf.float32, [hparams.batch_size, steps, depth],
                             name='sequences')
  lengths = tf.placeholder(tf.int32, [hparams.batch_size], name='lengths')
  optimizer = model.train(sequences, sequences, lengths)

  # As magenta's music_vae_train.train.
  grads, var_list = list(zip(*optimizer.compute_gradients(model.loss)))
  global_norm = tf.global_norm(grads)
  if hparams.clip_mode == 'value':
    clipped = [
        tf.clip_by_value(g, -hparams.grad_clip, hparams.grad_clip)
        for g in grads
    ]
  else:
    clipped = tf.cond(
        global_norm
        < hparams.grad_norm_clip_to_zero, lambda: tf.clip_by_global_norm(
            grads, hparams.grad_clip, use_norm=global_norm)[0],
        lambda: [tf.zeros(tf.shape(g)) for g in grads])
  train_op = optimizer.apply_gradients(list(zip(clipped, var_list)),
                                       global_step=model.global_step,
                                       name='train_step')
  fetches = {
      'train_op': train_op,
      'loss': model.loss,
      'r_loss': tf.reduce_mean(model.scalars['losses/r_loss']),
      'kl_bits': tf.reduce_mean(model.scalars['losses/kl_bits']),
      'beta': model.scalars['losses/kl_beta'],
      'accuracy': tf.reduce_mean(core_decoder.accuracies),
      'global_norm': global_norm,
  }
  return model, sequences, lengths, fetches


def write_bundle(spec, prefix, output, sizes):
  """Bundles the weights (no optimizer state) of the checkpoint at `prefix` as
  magenta's graph names them, with the sidecar naming the config and `sizes`."""
  config = folk_model_data.vae_config(spec, training=False, overrides=sizes)
  out_dir = os.path.join(os.path.dirname(prefix), 'bundle')
  os.makedirs(out_dir, exist_ok=True)
  name = spec.name
  with tf.Graph().as_default():
    # The graph midime builds: the encoder and the sampling decoder.
    variables = frozen_music_vae.build_checkpoint_graph(config)
    with tf.Session() as session:
      tf.train.Saver(var_list=variables).restore(session, prefix)
      bundle_prefix = tf.train.Saver(var_list=variables).save(
          session, os.path.join(out_dir, name + '.ckpt'),
          write_meta_graph=False)
  sidecar = {'vae_config': spec.vae_config, 'hparams': dict(sizes)}
  os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
  checkpoints.write_bundle(output, bundle_prefix, name + '.ckpt',
                           {checkpoints.MUSIC_VAE_SIDECAR: sidecar})
  parameters = sum(
      int(np.prod(shape))
      for var_name, shape in tf.train.list_variables(bundle_prefix)
      if var_name != 'global_step')
  logging.info('Wrote %s: %d parameters, %.2f MB.', output, parameters,
               os.path.getsize(output) / 1e6)
  return output


def _training_config(spec, hparams_string):
  """(the training config with --hparams applied, its size hparams as a
  dict)."""
  config = folk_model_data.vae_config(spec)
  try:
    config.hparams.parse(hparams_string)
  except (ValueError, KeyError) as error:
    raise UserError('bad --hparams %r: %s' % (hparams_string, error)) from None
  sizes = {key: config.hparams.get(key) for key in spec.size_hparams}
  return config, sizes


def _warm_start(session, bundle):
  """Loads the weights and the global step of `bundle` (a bundled base model,
  which holds no optimizer state) into the training graph: a fresh run goes on
  from it, with Adam's moments starting afresh."""
  # The trainable variables are the weights (Adam's slots live under the same
  # scopes, and are not in a bundle).
  variables = tf.trainable_variables() + [tf.train.get_global_step()]
  with checkpoints.open_checkpoint(bundle, 'MusicVAE checkpoint') as checkpoint:
    checkpoints.restore(session, checkpoint, variables,
                        'the base model to start from')
  logging.info(
      'Started from the weights of %s at step %d (the optimizer starts '
      'afresh).', bundle, session.run(tf.train.get_global_step()))


def train(spec, work_dir, output, num_steps, seed, eval_fraction, log_every,
          save_every_secs, eval_slices, hparams_string='', init_from=None):
  train_dir = train_dir_of(work_dir)
  os.makedirs(train_dir, exist_ok=True)
  sequences, _ = folk_corpus.load_corpus()
  sequences = folk_model_data.corpus_tunes(spec, sequences)
  train_tunes, held_out = folk_model_data.split_tunes(sequences, eval_fraction,
                                                      seed)
  logging.info(
      '%d tunes: %d for training, %d held out (by title, seed %d); the %d '
      'example songs left out.', len(sequences), len(train_tunes),
      len(held_out), seed,
      len(sequences) - len(train_tunes) - len(held_out))
  config, sizes = _training_config(spec, hparams_string)
  hparams = config.hparams
  logging.info('%s: MusicVAE %s at %s; training with %s.', spec.name,
               spec.vae_config, sizes,
               {key: hparams.get(key) for key in spec.training_hparams})
  # A config with a transposition augmenter (2 bars) gives every transposition
  # up front; one without (16 bars) gets a random one per window and batch
  # below.
  online_transpose = spec.transpose and config.note_sequence_augmenter is None
  logging.info(
      'Slicing the training tunes%s...', '' if online_transpose or
      not (spec.transpose) else ' at every transposition')
  data = folk_model_data.slice_labels(train_tunes, config,
                                      transpose=spec.transpose,
                                      hop_bars=spec.hop_bars)
  held_out_data = folk_model_data.slice_labels(held_out, config,
                                               transpose=False,
                                               hop_bars=spec.hop_bars)
  check = np.random.RandomState(seed).permutation(len(
      held_out_data.labels))[:eval_slices]
  check_labels = held_out_data.labels[np.sort(check)]
  num_examples = len(data.labels)
  depth = config.data_converter.output_depth
  logging.info(
      '%d training slices (%d tunes x transpositions), %d held-out slices '
      '(untransposed); batches of %d, so an epoch is %d steps.', num_examples,
      len(train_tunes), len(held_out_data.labels), hparams.batch_size,
      num_examples // hparams.batch_size)

  with tf.Graph().as_default():
    tf_setup.seed_graph(seed)
    model, sequences_ph, lengths_ph, fetches = _build_training_graph(config)
    saver = tf.train.Saver(max_to_keep=3)
    session_config = tf.ConfigProto(inter_op_parallelism_threads=2,
                                    intra_op_parallelism_threads=2)
    with tf.Session(config=session_config) as session:
      latest = tf.train.latest_checkpoint(train_dir)
      if latest:
        saver.restore(session, latest)
        logging.info('Resumed from %s.', latest)
      else:
        session.run(tf.global_variables_initializer())
        if init_from:
          _warm_start(session, init_from)
      step = session.run(model.global_step)
      lengths = np.full([hparams.batch_size], hparams.max_seq_len, np.int32)
      start = last_log = last_save = time.time()
      steps_at_log = step
      window = []
      while step < num_steps:
        indices = _batch_indices(step, hparams.batch_size, num_examples, seed)
        batch = data.labels[indices]
        if online_transpose:
          batch = folk_model_data.random_transpositions(
              batch, depth, np.random.RandomState([seed, step]))
        values = session.run(
            fetches, {
                sequences_ph: folk_model_data.one_hot(batch, depth),
                lengths_ph: lengths
            })
        step += 1  # what the train op made the global step
        window.append(values)
        if step % log_every == 0 or step == num_steps:
          now = time.time()
          rate = (step - steps_at_log) / max(now - last_log, 1e-9)
          mean = {
              key: np.mean([v[key] for v in window])
              for key in ('loss', 'r_loss', 'kl_bits', 'accuracy',
                          'global_norm')
          }
          logging.info(
              'step %d/%d  loss %.3f  r_loss %.3f  kl %.1f bits  beta %.3f  '
              'accuracy %.3f  |g| %.2f  %.2f steps/s  %.0f min, ~%.0f min to '
              'go', step,
              num_steps, mean['loss'], mean['r_loss'], mean['kl_bits'],
              values['beta'], mean['accuracy'], mean['global_norm'], rate,
              (now - start) / 60, (num_steps - step) / max(rate, 1e-9) / 60)
          window, last_log, steps_at_log = [], now, step
        if time.time() - last_save > save_every_secs or step == num_steps:
          save_start = time.time()
          prefix = saver.save(session, os.path.join(train_dir, CHECKPOINT_NAME),
                              global_step=step, write_meta_graph=False)
          with checkpoints.open_checkpoint(prefix) as checkpoint:
            accuracy = folk_model_data.teacher_forced_accuracy(
                folk_model_data.vae_config(spec, training=False,
                                           overrides=sizes), checkpoint,
                check_labels)
          logging.info(
              'step %d: saved %s; held-out teacher-forced accuracy %.3f '
              '(%d slices)', step, prefix, accuracy, len(check_labels))
          last_save = time.time()
          # Keep the evaluation out of steps/s.
          last_log += last_save - save_start
  latest = tf.train.latest_checkpoint(train_dir)
  logging.info('Trained to step %d in %.0f min.', step,
               (time.time() - start) / 60)
  return write_bundle(spec, latest, output, sizes)


@report_user_errors
def main(argv):
  if len(argv) > 1:
    raise UserError('unexpected arguments: %s' % ' '.join(argv[1:]))
  use_plain_logging()
  spec = folk_model_data.base_model_spec(FLAGS.model)
  work_dir = FLAGS.work_dir or spec.default_work_dir
  output = FLAGS.output or spec.default_output
  if FLAGS.bundle_only:
    latest = tf.train.latest_checkpoint(train_dir_of(work_dir))
    if not latest:
      raise UserError('no checkpoint in %s' % train_dir_of(work_dir))
    write_bundle(spec, latest, output, _training_config(spec, FLAGS.hparams)[1])
    return
  train(spec, work_dir, output, FLAGS.num_steps or spec.num_steps, FLAGS.seed,
        FLAGS.eval_fraction, FLAGS.log_every, FLAGS.save_every_secs,
        FLAGS.eval_slices, FLAGS.hparams, FLAGS.init_from)


if __name__ == '__main__':
  app.run(main)

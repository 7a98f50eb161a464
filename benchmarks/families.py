"""Other families: encoding and sampling of full-size hierdec-mel_16bar,
hierdec-trio_16bar and cat-drums_2bar_small against magenta's TrainedModel,
loading excluded, and each encoder's share of this CPU's matrix-multiply rate.
Quick: cat-drums_2bar_small alone, fewer windows, measured once."""

import os

from magenta.models.music_vae import TrainedModel
from magenta.models.music_vae import lstm_models
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import tensorflow.compat.v1 as tf

from benchmarks import common
from benchmarks import matmul
from benchmarks import report
from midime import checkpoints
from midime import frozen_music_vae
from midime import latent_cache
from midime import noise
from midime import random_music_vae

SECTION = 'families'
# (MusicVAE config, windows encoded, outputs sampled) per measurement: a
# 16-bar window costs about 1 s, and fewer than 32 a batch would measure
# small-batch matrix multiplies, not the encoder.
FAMILIES = (('cat-drums_2bar_small', 256, 16), ('hierdec-mel_16bar', 32, 8),
            ('hierdec-trio_16bar', 32, 8))
QUICK_FAMILIES = (('cat-drums_2bar_small', 64, 8),)
# Windows of at most this many steps are cheap enough to measure repeatedly.
MAX_REPEATED_STEPS = 64
SAMPLE_BATCH_SIZE = 8
TEMPERATURE = 0.5


def complete_checkpoint(prefix, vae_config):
  """Whether the checkpoint at `prefix` exists and holds the whole decoder.

  A hierarchical decoder needs its bar decoder (`core_decoder/...`, a
  top-level scope that older random checkpoints lack), as magenta's
  TrainedModel restores the whole model.

  Args:
    prefix: a checkpoint prefix.
    vae_config: its magenta config.

  Returns:
    True when it exists and is whole.
  """
  if not os.path.exists(prefix + '.index'):
    return False
  if not isinstance(vae_config.model.decoder,
                    lstm_models.HierarchicalLstmDecoder):
    return True
  scope = frozen_music_vae.CORE_DECODER_SCOPE + '/'
  return any(
      name.startswith(scope) for name, _ in tf.train.list_variables(prefix))


class FrozenSampler(object):
  """What midime_generate.py runs for a MusicVAE decoder, fed z ~ N(0, 1).

  FrozenMusicVAE.sample, decoding one step at a time for reproducible
  samples.
  """

  def __init__(self, vae_config, checkpoint, batch_size):
    self._graph = tf.Graph()
    with self._graph.as_default(), noise.reproducible_decoding():
      vae = frozen_music_vae.FrozenMusicVAE(vae_config, batch_size)
      self._z = tf.placeholder(tf.float32, [batch_size, vae.hparams.z_size])
      self._samples = vae.sample(self._z, vae.hparams.max_seq_len, TEMPERATURE)
      self._session = tf.Session()
      vae.restore(self._session, checkpoint)
    self._batch_size = batch_size

  def sample(self, count):
    """Decodes `count` samples (rounded up to whole batches)."""
    for _ in range(0, count, self._batch_size):
      self._session.run(
          self._samples, {
              self._z:
                  np.random.standard_normal(self._z.shape.as_list()).astype(
                      np.float32)
          })

  def close(self):
    self._session.close()


def random_windows(converter, num_windows, steps):
  """One-hot windows of the full length with random events, and lengths.

  The arithmetic does not depend on the notes.

  Args:
    converter: the MusicVAE's data converter (its input depth).
    num_windows: how many.
    steps: each one's length.

  Returns:
    (inputs float32 [num_windows, steps, depth], lengths int32).
  """
  rng = np.random.default_rng(0)
  inputs = np.zeros([num_windows, steps, converter.input_depth], np.float32)
  inputs[np.arange(num_windows)[:, None],
         np.arange(steps)[None],
         rng.integers(0, converter.input_depth, (num_windows, steps))] = 1
  return inputs, np.full(num_windows, steps, np.int32)


def _checkpoint_of(cache_dir, name):
  """The full-size random checkpoint of `name`, built when missing or
  incomplete; (prefix, magenta config)."""
  folder = os.path.join(cache_dir, name)
  prefix = os.path.join(folder, name + '.ckpt')
  vae_config = frozen_music_vae.music_vae_config(name)
  if not complete_checkpoint(prefix, vae_config):
    print('Building a full-size random %s...' % name, flush=True)
    random_music_vae.write_random_music_vae(folder, vae_config_name=name)
  return prefix, vae_config


# Each model below is run once on a little before it is timed (a session's
# first run optimises its graph and sets up its kernels), and each is dropped
# before the next is built, so that only one holds memory at a time.


def _encode_rate_ours(vae_config, checkpoint, name, batch, inputs, lengths,
                      repeats):
  ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint, name, batch)
  ours.encode(inputs[:1], lengths[:1], report_progress=False)
  rate = common.best_rate(
      len(inputs), lambda: ours.encode(inputs, lengths, report_progress=False),
      repeats)
  ours.close()
  return rate


def _encode_rate_magenta(vae_config, checkpoint, batch, inputs, lengths,
                         repeats):
  model = TrainedModel(vae_config, batch, checkpoint.prefix)
  model.encode_tensors(list(inputs[:1]), list(lengths[:1]))
  return common.best_rate(
      len(inputs), lambda: model.encode_tensors(list(inputs), list(lengths)),
      repeats)


def _sample_rate_ours(vae_config, checkpoint, num_outputs, repeats):
  sampler = FrozenSampler(vae_config, checkpoint, SAMPLE_BATCH_SIZE)
  sampler.sample(1)
  rate = common.best_rate(num_outputs, lambda: sampler.sample(num_outputs),
                          repeats)
  sampler.close()
  return rate


def _sample_rate_magenta(vae_config, checkpoint, num_outputs, repeats):
  model = TrainedModel(vae_config, SAMPLE_BATCH_SIZE, checkpoint.prefix)
  length = vae_config.hparams.max_seq_len
  model.sample(1, length=length, temperature=TEMPERATURE)
  return common.best_rate(
      num_outputs,
      lambda: model.sample(num_outputs, length=length, temperature=TEMPERATURE),
      repeats)


def measure(prefix, vae_config, name, num_windows, num_outputs, repeats):
  """Encoding and sampling rates of one family, ours and magenta's.

  Args:
    prefix: its checkpoint, whole (complete_checkpoint).
    vae_config: its magenta config.
    name: the MusicVAE config's name.
    num_windows: windows encoded per measurement.
    num_outputs: outputs sampled per measurement.
    repeats: the rate is the fastest of this many (1 for long windows).

  Returns:
    A dict: parameters, windows, outputs, repeats, encode_ours,
    encode_magenta, sample_ours, sample_magenta (per second), gflop (per
    window), matmul_gflops (TensorFlow's rate at the encoder's shape).
  """
  steps = vae_config.hparams.max_seq_len
  inputs, lengths = random_windows(vae_config.data_converter, num_windows,
                                   steps)
  batch = min(latent_cache.ENCODE_BATCH_SIZE, num_windows)
  if steps > MAX_REPEATED_STEPS:
    repeats = 1
  row = {'windows': num_windows, 'outputs': num_outputs, 'repeats': repeats}
  with checkpoints.open_checkpoint(prefix) as checkpoint:
    row['encode_ours'] = _encode_rate_ours(vae_config, checkpoint, name, batch,
                                           inputs, lengths, repeats)
    row['encode_magenta'] = _encode_rate_magenta(vae_config, checkpoint, batch,
                                                 inputs, lengths, repeats)
    row['sample_ours'] = _sample_rate_ours(vae_config, checkpoint, num_outputs,
                                           repeats)
    row['sample_magenta'] = _sample_rate_magenta(vae_config, checkpoint,
                                                 num_outputs, repeats)
  row['parameters'] = random_music_vae.count_parameters(prefix)
  row['gflop'] = matmul.encoder_gflop_per_window(prefix, vae_config)
  inner, cols = matmul.largest_encoder_kernel(prefix)
  rows = max(batch * matmul.bottom_level_splits(vae_config), matmul.MIN_ROWS)
  row['matmul_gflops'], _ = matmul.gflops(rows, inner, cols)
  return row


def _runs(repeats):
  if repeats == 1:
    return 'one run of each'
  return ('the fastest of %d runs for two-bar configs, one run for 16-bar '
          'ones' % repeats)


def run(settings):
  """Measures each family and rewrites their section of the report.

  The section is rewritten after each family, so a long run that stops
  keeps the families it measured.

  Args:
    settings: common.Settings (its quick, repeats, cache_dir, output).
  """
  families = QUICK_FAMILIES if settings.quick else FAMILIES
  lines = [
      '## Other families: encoding and sampling against magenta', '',
      '`%s` on %s. Full-size random checkpoints built with magenta\'s graph '
      'code; random one-hot windows of the full length (the arithmetic does '
      'not depend on the notes), all in one batch of up to %d (ours and '
      'magenta\'s); sampling in batches of %d; loading excluded; %s. '
      'Timings share the cores with other work (load averages with each '
      'row); with one run under that load a ratio is within about ±50%% of '
      'its quiet-machine value.' %
      (settings.command, common.time_stamp(), latent_cache.ENCODE_BATCH_SIZE,
       SAMPLE_BATCH_SIZE, _runs(settings.repeats)), '',
      '| config | parameters | windows | encode ours/s | magenta/s | ratio | '
      'GFLOP/window | share of TF matmul (1) | outputs | sample ours/s | '
      'magenta/s | ratio | load |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | '
      '---: | ---: | --- |'
  ]
  notes = [
      '',
      '(1) The encoder\'s GFLOP/s (windows/s x GFLOP/window) over '
      'TensorFlow\'s float32 matmul rate at its largest LSTM kernel with as '
      'many rows as its bottom level multiplies at once (batch x the '
      'segments a hierarchical encoder encodes side by side), at least %d; '
      'the fastest of 10. Fewer rows multiply slower, and an encoder\'s two '
      'directions run side by side.' % matmul.MIN_ROWS, ''
  ]
  for name, num_windows, num_outputs in families:
    prefix, vae_config = _checkpoint_of(settings.cache_dir, name)
    row = measure(prefix, vae_config, name, num_windows, num_outputs,
                  settings.repeats)
    lines.append(
        '| %s | %s | %d | %.2f | %.2f | %.2f× | %.1f | %.0f%% | %d | %.2f | '
        '%.2f | %.2f× | %s |' %
        (name, '{:,}'.format(row['parameters']), row['windows'],
         row['encode_ours'], row['encode_magenta'],
         row['encode_ours'] / row['encode_magenta'], row['gflop'],
         100 * row['encode_ours'] * row['gflop'] / row['matmul_gflops'],
         row['outputs'], row['sample_ours'], row['sample_magenta'],
         row['sample_ours'] / row['sample_magenta'], common.load_note()))
    print('  ' + lines[-1], flush=True)
    report.write_section(settings.output, SECTION, lines + notes)

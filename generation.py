"""Sampling a trained SmallMusicVAE or LCMusicVAE, in magenta's `TrainedModel` style.

SmallMusicVAE: latent ~ N(0, I) (4-d) -> latent decoder -> z -> MusicVAE decoder.
LCMusicVAE: latent ~ N(0, I) (8-d) -> its own decoder, conditioned as in training.
"""

import os
import time

import note_seq
import numpy as np
import tf_setup  # noqa: F401
import tensorflow.compat.v1 as tf

import checkpoints
from errors import UserError
from frozen_music_vae import FrozenMusicVAE


class TrainedMidiMe(object):
  """A trained small model, restored with its MusicVAE decoder when it needs one."""

  def __init__(self, config, config_name, checkpoint, batch_size, vae_config=None,
               vae_checkpoint=None, vae_name='MusicVAE', seed=None):
    """
    Args:
      config: the small model's Config (configs.get_config), hparams as trained.
      config_name: its name, for messages.
      checkpoint: checkpoints.Checkpoint of the small model.
      batch_size: samples decoded per session run.
      vae_config, vae_checkpoint: the MusicVAE, when config.model needs its decoder.
      seed: makes the samples a deterministic function of it.
    """
    self._config = config
    self._batch_size = batch_size
    self._rng = np.random.default_rng(seed)
    hparams = config.hparams
    model = config.model
    self._graph = tf.Graph()
    with self._graph.as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      model.build(hparams, config.data_converter.output_depth, is_training=False)
      self._latent = tf.placeholder(tf.float32, [batch_size, hparams.encoded_z_size])
      self._temperature = tf.placeholder(tf.float32, [])
      self._max_length = tf.placeholder(tf.int32, [])
      music_vae = None
      if model.needs_music_vae_decoder:
        music_vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      self._samples = model.sample(self._latent, self._max_length, self._temperature,
                                   music_vae)
      self._session = tf.Session()
      checkpoints.restore(self._session, checkpoint, model.variables(),
                          'config %s' % config_name)
      if music_vae is not None:
        music_vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()

  def sample(self, n, length=None, temperature=0.5, progress=None):
    """`n` NoteSequences sampled from the prior, in batches."""
    length = length or self._config.hparams.max_seq_len
    outputs = []
    while sum(len(o) for o in outputs) < n:
      latent = self._rng.standard_normal(
          [self._batch_size, self._config.hparams.encoded_z_size]).astype(np.float32)
      outputs.append(self._session.run(self._samples, {
          self._latent: latent, self._temperature: temperature,
          self._max_length: length}))
      if progress:
        progress(min(sum(len(o) for o in outputs), n), n)
    samples = np.concatenate(outputs)[:n]
    return self._config.data_converter.from_tensors(samples)

  def close(self):
    self._session.close()


def write_midi_files(sequences, output_dir, name_prefix):
  """Writes each NoteSequence as `<name_prefix>-<i>-of-<n>.mid` in `output_dir`.

  Every file is first written under a temporary name and renamed when all are done,
  so an interrupted run leaves no partial MIDI files behind.
  Returns the paths written.
  """
  os.makedirs(output_dir, exist_ok=True)
  count = len(sequences)
  final_paths, temp_paths = [], []
  try:
    for index, sequence in enumerate(sequences):
      final_path = os.path.join(output_dir, '%s-%03d-of-%03d.mid' % (
          name_prefix, index, count))
      temp_path = final_path + '.partial'
      note_seq.sequence_proto_to_midi_file(sequence, temp_path)
      final_paths.append(final_path)
      temp_paths.append(temp_path)
  except BaseException:
    for temp_path in temp_paths:
      if os.path.exists(temp_path):
        os.remove(temp_path)
    raise
  for temp_path, final_path in zip(temp_paths, final_paths):
    os.replace(temp_path, final_path)
  return final_paths


def timestamped_prefix(config_name):
  """The original's file names: `<config>_<YYYY-mm-dd_HHMMSS>`."""
  return '%s_%s' % (config_name, time.strftime('%Y-%m-%d_%H%M%S'))


def check_num_outputs(num_outputs):
  if num_outputs is None or num_outputs < 1:
    raise UserError('--num_outputs must be at least 1, got %s' % num_outputs)


def describe(sequences):
  """A one-line summary of samples: notes per sample and MIDI pitch range."""
  notes = [len(s.notes) for s in sequences]
  pitches = [n.pitch for s in sequences for n in s.notes]
  if not pitches:
    return '%d samples, all silent' % len(sequences)
  return '%d samples, %.1f notes each on average, MIDI pitches %d..%d' % (
      len(sequences), float(np.mean(notes)), min(pitches), max(pitches))

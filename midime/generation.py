"""Sampling a trained SmallMusicVAE or LCMusicVAE, in magenta's `TrainedModel` style.

SmallMusicVAE: latent ~ N(0, I) (4-d) -> latent decoder -> z -> MusicVAE decoder.
LCMusicVAE: latent ~ N(0, I) (8-d) -> its own decoder, conditioned as in training.
"""

import time

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq's import warnings)
import note_seq
import numpy as np
import tensorflow.compat.v1 as tf

from midime import checkpoints
from midime.errors import UserError
from midime.frozen_music_vae import FrozenMusicVAE, reproducible_decoding
from midime import output_files


class _PriorSampler(object):
  """Draws latents from N(0, I), decodes them in a graph built by a subclass, and
  turns the one-hot results into NoteSequences."""

  def _start(self, data_converter, latent_size, batch_size, max_seq_len, seed):
    self._data_converter = data_converter
    self._latent_size = latent_size
    self._batch_size = batch_size
    self._max_seq_len = max_seq_len
    self._rng = np.random.default_rng(seed)
    self._graph = tf.Graph()
    self._latent = None
    return self._graph

  def _placeholders(self):
    self._latent = tf.placeholder(tf.float32, [self._batch_size, self._latent_size])
    self._temperature = tf.placeholder(tf.float32, [])
    self._max_length = tf.placeholder(tf.int32, [])
    return self._latent, self._max_length, self._temperature

  def sample(self, n, length=None, temperature=0.5, progress=None):
    """`n` NoteSequences sampled from the prior, decoded in batches."""
    return self._data_converter.from_tensors(
        self.sample_tensors(n, length, temperature, progress))

  def sample_tensors(self, n, length=None, temperature=0.5, progress=None):
    """`n` melodies sampled from the prior as the converter's one-hot output tensors,
    `[n, steps, depth]`, decoded in batches."""
    outputs = []
    done = 0
    while done < n:
      latent = self._rng.standard_normal(
          [self._batch_size, self._latent_size]).astype(np.float32)
      outputs.append(self._session.run(self._samples, {
          self._latent: latent, self._temperature: temperature,
          self._max_length: length or self._max_seq_len}))
      done += len(outputs[-1])
      if progress:
        progress(min(done, n), n)
    return np.concatenate(outputs)[:n]

  def close(self):
    self._session.close()


class TrainedMidiMe(_PriorSampler):
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
    hparams = config.hparams
    model = config.model
    with self._start(config.data_converter, hparams.encoded_z_size, batch_size,
                     hparams.max_seq_len, seed).as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      model.build(hparams, config.data_converter.output_depth, is_training=False)
      latent, max_length, temperature = self._placeholders()
      music_vae = None
      if model.needs_music_vae_decoder:
        music_vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      with reproducible_decoding():
        self._samples = model.sample(latent, max_length, temperature, music_vae)
      self._session = tf.Session()
      checkpoints.restore(self._session, checkpoint, model.variables(),
                          'config %s' % config_name)
      if music_vae is not None:
        music_vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()


class MusicVAEPrior(_PriorSampler):
  """Plain MusicVAE sampling, z ~ N(0, I) through its decoder, as magenta's
  TrainedModel.sample does: what the samples would be without personalisation."""

  def __init__(self, vae_config, vae_checkpoint, batch_size, vae_name='MusicVAE',
               seed=None):
    hparams = vae_config.hparams
    with self._start(vae_config.data_converter, hparams.z_size, batch_size,
                     hparams.max_seq_len, seed).as_default():
      if seed is not None:
        tf.set_random_seed(seed)
      music_vae = FrozenMusicVAE(vae_config, batch_size, vae_name)
      z, max_length, temperature = self._placeholders()
      with reproducible_decoding():
        self._samples = music_vae.sample(z, max_length, temperature)
      self._session = tf.Session()
      music_vae.restore(self._session, vae_checkpoint)
    self._graph.finalize()


def write_midi_files(sequences, output_dir, name_prefix):
  """Writes each NoteSequence as `<name_prefix>-<i>-of-<n>.mid` in `output_dir`, all
  or none (output_files.write_all_or_none). Returns the paths written."""
  count = len(sequences)

  def writer(sequence):
    def write(path):
      # Not note_seq.sequence_proto_to_midi_file: it leaves its file unclosed, so
      # a full disk goes unnoticed (0-byte files, exit 0). Closing our own file
      # object raises the error.
      midi = note_seq.note_sequence_to_pretty_midi(sequence)
      with open(path, 'wb') as midi_file:
        midi.write(midi_file)
    return write

  return output_files.write_all_or_none(output_dir, [
      ('%s-%03d-of-%03d.mid' % (name_prefix, index, count), writer(sequence))
      for index, sequence in enumerate(sequences)])


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

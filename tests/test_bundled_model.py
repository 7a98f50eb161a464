"""The demo's bundled MusicVAE (model/folk-mel_2bar.tar) and example songs (data/)."""

import os
import sys

import numpy as np

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'tools'))

from midime import checkpoints  # noqa: E402
from midime import configs  # noqa: E402
import folk_model_data  # noqa: E402
from midime import frozen_music_vae  # noqa: E402
from midime import note_sequence_io  # noqa: E402

MODEL = os.path.join(REPO, 'model', 'folk-mel_2bar.tar')
EXAMPLES = os.path.join(REPO, 'data', 'folk_examples.tfrecord')
EXAMPLE_MIDI = os.path.join(REPO, 'data', 'folk_examples')


def test_the_bundle_is_small_and_loads_like_cat_mel_2bar_big():
  assert os.path.getsize(MODEL) <= 10 * 2 ** 20
  with checkpoints.open_checkpoint(MODEL, 'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)
    assert vae_config.hparams.z_size == folk_model_data.SIZE_HPARAMS['z_size']
    assert list(vae_config.hparams.dec_rnn_size) == (
        folk_model_data.SIZE_HPARAMS['dec_rnn_size'])
    # Weights only, under magenta's names: no optimizer state.
    names = set(checkpoint.variable_shapes())
    assert any(name.startswith('encoder/') for name in names)
    assert any(name.startswith('decoder/') for name in names)
    assert not any('Adam' in name for name in names)


def test_example_songs_come_in_both_forms():
  from_tfrecord = [s for _, s in note_sequence_io.read_note_sequences(EXAMPLES)]
  from_midi = [s for _, s in sorted(
      note_sequence_io.read_note_sequences(EXAMPLE_MIDI), key=lambda pair: pair[0])]
  assert len(from_tfrecord) == len(from_midi) == 8
  for tune, midi in zip(from_tfrecord, from_midi):
    assert [n.pitch for n in tune.notes] == [n.pitch for n in midi.notes]


def test_the_base_model_reconstructs_the_unseen_example_songs():
  # The example songs were held out of the base model's training; a trained model
  # gives most of their steps back, a random one almost none.
  config = configs.get_config('ae-cat-mel_2bar_big')
  sequences = [s for _, s in note_sequence_io.read_note_sequences(EXAMPLES)]
  labels = folk_model_data.slice_labels(sequences, config, transpose=False).labels
  with checkpoints.open_checkpoint(MODEL, 'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)
    accuracy = folk_model_data.teacher_forced_accuracy(vae_config, checkpoint, labels)
  assert len(labels) > 100
  assert np.isfinite(accuracy) and accuracy > 0.7

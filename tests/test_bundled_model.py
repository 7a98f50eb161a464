"""The demo's bundled MusicVAEs (model/folk-mel_2bar.tar,
model/folk-mel_16bar.tar) and example songs (data/)."""

import os

import numpy as np
import pytest

from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import note_sequence_io
from tests import testing_lib
from tools import folk_model_data

SPEC = folk_model_data.BASE_MODELS['folk-mel_2bar']
SPEC_16BAR = folk_model_data.BASE_MODELS['folk-mel_16bar']
MODEL = SPEC.default_output
EXAMPLES = os.path.join(testing_lib.REPO, 'data', 'folk_examples.tfrecord')
EXAMPLE_MIDI = os.path.join(testing_lib.REPO, 'data', 'folk_examples')


@pytest.mark.parametrize('spec', [SPEC, SPEC_16BAR], ids=lambda spec: spec.name)
def test_the_bundle_is_small_and_loads_like_magentas_config(spec):
  assert os.path.getsize(spec.default_output) <= 10 * 2**20
  with checkpoints.open_checkpoint(spec.default_output,
                                   'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(spec.vae_config,
                                                        checkpoint)
    assert vae_config.hparams.z_size == spec.size_hparams['z_size']
    assert list(
        vae_config.hparams.dec_rnn_size) == spec.size_hparams['dec_rnn_size']
    # Weights only, under magenta's names: no optimizer state.
    names = set(checkpoint.variable_shapes())
    scopes = {name.split('/')[0] for name in names}
    assert scopes <= set(frozen_music_vae.CHECKPOINT_SCOPES)
    assert {'encoder', 'decoder'} <= scopes
    if spec.vae_config.startswith('hierdec'):
      assert 'core_decoder' in scopes  # the bars' decoder
    assert not any('Adam' in name for name in names)


def test_example_songs_come_in_both_forms():
  from_tfrecord = [s for _, s in note_sequence_io.read_note_sequences(EXAMPLES)]
  from_midi = [
      s for _, s in sorted(note_sequence_io.read_note_sequences(EXAMPLE_MIDI),
                           key=lambda pair: pair[0])
  ]
  assert len(from_tfrecord) == len(from_midi) == 8
  for tune, midi in zip(from_tfrecord, from_midi):
    assert [n.pitch for n in tune.notes] == [n.pitch for n in midi.notes]


def test_the_base_model_reconstructs_the_unseen_example_songs():
  # The example songs were held out of the base model's training; a trained
  # model gives most of their steps back, a random one almost none.
  config = configs.get_config('ae-cat-mel_2bar_big')
  sequences = [s for _, s in note_sequence_io.read_note_sequences(EXAMPLES)]
  labels = folk_model_data.slice_labels(sequences, config,
                                        transpose=False).labels
  with checkpoints.open_checkpoint(MODEL, 'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big',
                                                        checkpoint)
    accuracy = folk_model_data.teacher_forced_accuracy(vae_config, checkpoint,
                                                       labels)
  assert len(labels) > 100
  assert np.isfinite(accuracy) and accuracy > 0.7


def test_the_16_bar_base_model_reconstructs_the_unseen_example_songs():
  config = configs.get_config('ae-hierdec-mel_16bar')
  sequences = [s for _, s in note_sequence_io.read_note_sequences(EXAMPLES)]
  labels = folk_model_data.slice_labels(sequences, config, transpose=False,
                                        hop_bars=4).labels
  with checkpoints.open_checkpoint(SPEC_16BAR.default_output,
                                   'MusicVAE checkpoint') as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config('hierdec-mel_16bar',
                                                        checkpoint)
    accuracy = folk_model_data.teacher_forced_accuracy(vae_config, checkpoint,
                                                       labels,
                                                       batch_size=len(labels))
  assert labels.shape[1] == 256 and len(labels) >= 30
  # Better than a decoder that holds every note (class 1, no event) and better
  # than chance (a random model gives back about 1 step in 90).
  holds = np.mean(labels == 1)
  assert np.isfinite(accuracy) and accuracy > holds + 0.05 and accuracy > 0.5

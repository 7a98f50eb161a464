"""audio.py: NoteSequences rendered to WAV with pretty_midi's General MIDI
SoundFont."""

import numpy as np
import pytest

from midime import audio
from tests import testing_lib

pytest.importorskip('tinysoundfont')


@pytest.fixture(scope='module')
def renderer():
  return audio.Renderer()


def _rms(samples):
  return float(np.sqrt(np.mean(np.square(samples))))


def test_a_melody_renders_to_a_wav_of_its_length(renderer, tmp_path):
  melody = testing_lib.random_melody(0, bars=2)  # 4 s at 120 qpm
  path = tmp_path / 'melody.wav'
  path.write_bytes(renderer.render_wav_bytes(melody))
  samples, rate = audio.read_wav(str(path))
  assert rate == audio.SAMPLE_RATE and samples.shape[1] == 2
  assert len(samples) / rate == pytest.approx(4.0 + audio.RELEASE_SECONDS,
                                              abs=0.01)
  # Audible all through the melody (no gaps in it), and not clipped.
  for second in range(4):
    assert _rms(samples[second * rate:(second + 1) * rate]) > 0.01
  assert np.abs(samples).max() < 0.99


def test_an_empty_sequence_is_silence(renderer):
  silent = testing_lib.random_melody(0, bars=1)
  del silent.notes[:]
  assert np.abs(renderer.render(silent)).max() == 0


def test_drums_play_on_the_drum_kit(renderer):

  def one_note(is_drum):
    sequence = testing_lib.random_melody(0, bars=1)
    del sequence.notes[:]
    sequence.notes.add(pitch=38, velocity=100, start_time=0.0, end_time=0.5,
                       is_drum=is_drum, instrument=9 if is_drum else 0)
    return renderer.render(sequence)

  drum, piano = one_note(True), one_note(False)
  assert _rms(drum) > 0.005  # a snare (GM key 38), not silence
  assert not np.allclose(drum, piano, atol=1e-3)


def test_a_missing_soundfont_is_a_user_error(tmp_path):
  with pytest.raises(audio.UserError, match='SoundFont not found'):
    audio.Renderer(str(tmp_path / 'absent.sf2'))


def test_rendering_again_gives_the_same_audio(renderer):
  first = renderer.render(testing_lib.random_melody(3, bars=1)).copy()
  renderer.render(testing_lib.random_melody(4, bars=2, program=40))
  np.testing.assert_array_equal(
      renderer.render(testing_lib.random_melody(3, bars=1)), first)

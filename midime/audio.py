"""NoteSequences to WAV audio, offline, with a General MIDI SoundFont.

Rendered by TinySoundFont through the `tinysoundfont` package (a small wheel
with no system library; FluidSynth would need one) with the SoundFont
pretty_midi ships, TimGM6mb.sf2 (6 MB, General MIDI). Drum notes play on the GM
drum kit (bank 128). Neither import happens until audio is asked for.
"""

import io
import os
import wave

import numpy as np

from midime.errors import UserError

SAMPLE_RATE = 44100
# Long enough for a piano note's release to die away after the last note-off.
RELEASE_SECONDS = 0.5
# TimGM6mb's piano is quiet: with this gain a one-voice melody peaks near 0.25
# of full scale (measured), which leaves room for a trio's voices and drums to
# add up.
GAIN_DB = 6.0
FLUSH_SECONDS = 0.1
# --no-deps: tinysoundfont declares pyaudio (for live playback, which is not
# used here), and pyaudio only builds where PortAudio's headers are installed.
AUDIO_INSTALL_HELP = (
    '{audio} needs the tinysoundfont package: pip install --no-deps '
    'tinysoundfont')
SOUNDFONT_HELP = (
    'no SoundFont found for {audio}: pass {soundfont}=PATH to a General '
    'MIDI .sf2 file, or pip install pretty_midi, which ships TimGM6mb.sf2')


def default_soundfont():
  """The path of pretty_midi's TimGM6mb.sf2, or None when it is not
  installed."""
  try:
    import pretty_midi  # pylint: disable=g-import-not-at-top
  except ImportError:
    return None
  path = os.path.join(os.path.dirname(pretty_midi.__file__), 'TimGM6mb.sf2')
  return path if os.path.isfile(path) else None


def check_audio(soundfont=None):
  """The SoundFont path to render with (`soundfont`, else pretty_midi's). Raises
  UserError, saying how to get what is missing, before anything is generated."""
  try:
    # pylint: disable=g-import-not-at-top,unused-import
    import tinysoundfont  # noqa: F401
    # pylint: enable=g-import-not-at-top,unused-import
  except ImportError:
    raise UserError(AUDIO_INSTALL_HELP) from None
  if soundfont:
    if not os.path.isfile(soundfont):
      raise UserError('SoundFont not found: %s' % soundfont)
    return soundfont
  found = default_soundfont()
  if not found:
    raise UserError(SOUNDFONT_HELP)
  return found


class Renderer(object):
  """Renders NoteSequences to audio with one SoundFont, loaded once."""

  def __init__(self, soundfont=None, sample_rate=SAMPLE_RATE):
    self.soundfont = check_audio(soundfont)
    self.sample_rate = sample_rate
    import tinysoundfont  # pylint: disable=g-import-not-at-top
    # One synthesizer for every render: loading the SoundFont takes about as
    # long as rendering a two-bar melody.
    self._synth = tinysoundfont.Synth(gain=GAIN_DB, samplerate=sample_rate)
    try:
      self._sfid = self._synth.sfload(self.soundfont)
    except Exception as error:  # tinysoundfont raises plain Exceptions here.
      raise UserError('cannot read SoundFont %s: %s' %
                      (self.soundfont, error)) from None
    self._used_channels = set()

  def render(self, sequence):
    """Stereo float32 samples `[frames, 2]` of `sequence`: its length plus a
    short release tail."""
    synth, sfid = self._synth, self._sfid
    if self._used_channels:
      # Silence what the last render left: "all sounds off" ends voices with a
      # quick fade, which runs out within the audio rendered and dropped here.
      for channel in self._used_channels:
        synth.sounds_off(channel)
      synth.generate_simple(int(FLUSH_SECONDS * self.sample_rate))
    # One MIDI channel per (instrument, program, is_drum), as a MIDI file would
    # have; channel 9 is General MIDI's drum channel, kept for drums.
    channels = {}
    free = [c for c in range(16) if c != 9]
    # (time, order: note-offs before note-ons, channel, pitch, velocity)
    events = []
    for note in sequence.notes:
      key = (note.instrument, note.program, note.is_drum)
      if key not in channels:
        if note.is_drum:
          channel = 9
        elif free:
          channel = free.pop(0)
        else:
          channel = 0  # more than 15 instruments: they share a channel
        channels[key] = channel
        self._used_channels.add(channel)
        # Drum channels read the preset as a kit number in bank 128.
        synth.program_select(channel, sfid, 128 if note.is_drum else 0,
                             0 if note.is_drum else note.program,
                             is_drums=note.is_drum)
      channel = channels[key]
      events.append((note.start_time, 1, channel, note.pitch, note.velocity or
                     80))
      events.append((note.end_time, 0, channel, note.pitch, 0))
    events.sort()
    end_time = max([sequence.total_time] + [e[0] for e in events])
    total_frames = int(round((end_time + RELEASE_SECONDS) * self.sample_rate))
    buffer = memoryview(bytearray(total_frames * 2 * 4))
    frame = 0
    for time, is_on, channel, pitch, velocity in events:
      # Render up to the event, then apply it: events are exact to the frame.
      event_frame = min(int(round(time * self.sample_rate)), total_frames)
      if event_frame > frame:
        synth.generate_simple(event_frame - frame,
                              buffer=buffer[frame * 8:event_frame * 8])
        frame = event_frame
      if is_on:
        synth.noteon(channel, pitch, velocity)
      else:
        synth.noteoff(channel, pitch)
    if total_frames > frame:
      synth.generate_simple(total_frames - frame, buffer=buffer[frame * 8:])
    return np.frombuffer(buffer, np.float32).reshape(-1, 2)

  def render_wav_bytes(self, sequence):
    """`sequence` as the bytes of a 16-bit stereo WAV file."""
    samples = np.clip(self.render(sequence), -1.0, 1.0)
    pcm = (samples * 32767).astype('<i2')
    output = io.BytesIO()
    with wave.open(output, 'wb') as wav:
      wav.setnchannels(2)
      wav.setsampwidth(2)
      wav.setframerate(self.sample_rate)
      wav.writeframes(pcm.tobytes())
    return output.getvalue()


def read_wav(path):
  """(samples float32 in -1..1 `[frames, channels]`, sample rate) of a 16-bit
  WAV."""
  with wave.open(path, 'rb') as wav:
    frames = wav.readframes(wav.getnframes())
    channels, rate = wav.getnchannels(), wav.getframerate()
  samples = np.frombuffer(frames, '<i2').astype(np.float32) / 32767
  return samples.reshape(-1, channels), rate

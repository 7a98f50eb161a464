"""Per-family test material: tiny MusicVAE checkpoints of each released config's graph
(magenta's own code, toy sizes) and songs of each family's shape (16-bar melodies,
trios of melody, bass and drums, drum grooves)."""

import os
import random

from midime import tf_setup  # noqa: F401  (first: it quiets note-seq's import warnings)
import note_seq

import melodies
from midime import random_music_vae

# Each MusicVAE config's graph at toy sizes: the same variable names, milliseconds per
# batch. Hierarchical decoders use dec_rnn_size for the conductor and the bars alike.
TINY_SIZES = {'z_size': 16, 'enc_rnn_size': [32], 'dec_rnn_size': [32]}
TINY_VAE_HPARAMS = {
    'cat-mel_2bar_big': TINY_SIZES,
    'hierdec-mel_16bar': TINY_SIZES,
    'hierdec-trio_16bar': TINY_SIZES,
    'cat-drums_2bar_small': TINY_SIZES,
    'nade-drums_2bar_full': dict(TINY_SIZES, nade_num_hidden=8),
    'groovae_4bar': TINY_SIZES,
    'groovae_2bar_humanize': TINY_SIZES,
}
# Small models at toy sizes.
TINY_HPARAMS = {
    'ae': 'batch_size=4,latent_encoder_layers=[16],latent_decoder_layers=[16]',
    'lc': 'batch_size=2,dec_rnn_size=[8]',
}
SECONDS_PER_STEP = melodies.SECONDS_PER_STEP
BASS_PROGRAM = 33  # Electric bass (finger), as magenta writes a trio's bass.
KICK, SNARE, CLOSED_HAT = 36, 38, 42


def write_tiny_music_vae(folder, vae_config_name):
  """A tiny random checkpoint of `vae_config_name`'s graph as a Magenta-style .tar
  (with its sizes beside it); returns the .tar's path."""
  return random_music_vae.write_random_music_vae(
      folder, vae_config_name, hparams=TINY_VAE_HPARAMS[vae_config_name],
      name='tiny-' + vae_config_name, as_tar=True)


def drum_pattern(seed, bars=4, name='drums', start_bar=0, sequence=None):
  """A rock beat with random fills (kick, snare, hats, varied velocities and small
  timing offsets), added to `sequence` or a new 120 qpm 4/4 NoteSequence."""
  rng = random.Random(seed)
  if sequence is None:
    sequence = note_seq.NoteSequence(ticks_per_quarter=220)
    sequence.tempos.add(qpm=120)
    sequence.time_signatures.add(numerator=4, denominator=4)
    sequence.filename = name
  for step in range(start_bar * 16, (start_bar + bars) * 16):
    hits = []
    if step % 2 == 0:
      hits.append(CLOSED_HAT)
    if step % 8 == 0 or rng.random() < 0.1:
      hits.append(KICK)
    if step % 8 == 4 or rng.random() < 0.1:
      hits.append(SNARE)
    for pitch in hits:
      start = max(0.0, (step + rng.uniform(-0.2, 0.2)) * SECONDS_PER_STEP)
      sequence.notes.add(pitch=pitch, velocity=rng.randint(40, 120), is_drum=True,
                         instrument=9, start_time=start,
                         end_time=start + SECONDS_PER_STEP / 2)
  sequence.total_time = max(sequence.total_time,
                            (start_bar + bars) * 16 * SECONDS_PER_STEP)
  return sequence


def trio(seed, bars=17, name='trio'):
  """A melody (piano), a bass line (program 33) and drums, `bars` bars long."""
  sequence = melodies.random_melody(seed, bars=bars, name=name)
  bass = melodies.random_melody(seed + 1000, bars=bars, program=BASS_PROGRAM,
                                low=33, high=48)
  for note in bass.notes:
    note.instrument = 1
    sequence.notes.add().CopyFrom(note)
  return drum_pattern(seed, bars=bars, sequence=sequence)


def songs_of(vae_config_name, count=3, seed=0):
  """`count` NoteSequences the family can use: long enough for a window or two."""
  if vae_config_name == 'hierdec-mel_16bar':
    return [melodies.random_melody(seed + i, bars=17, name='tune%d' % i)
            for i in range(count)]
  if vae_config_name == 'hierdec-trio_16bar':
    return [trio(seed + i, name='trio%d' % i) for i in range(count)]
  if 'drums' in vae_config_name or 'groovae' in vae_config_name:
    return [drum_pattern(seed + i, bars=4, name='beat%d' % i) for i in range(count)]
  return [melodies.random_melody(seed + i, bars=4, name='song%d' % i)
          for i in range(count)]


def write_songs(folder, vae_config_name, count=3, seed=0):
  """The family's songs as MIDI files in `folder` (created); returns the folder."""
  os.makedirs(folder, exist_ok=True)
  for sequence in songs_of(vae_config_name, count, seed):
    melodies.write_midi(os.path.join(folder, sequence.filename + '.mid'), sequence)
  return folder

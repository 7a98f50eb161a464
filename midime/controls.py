"""What a MusicVAE's decoder reads beside its latent: the controls of its data
converter, one row per control step `[steps, control_depth]`, and where they
come from. A chord-conditioned converter's are each window's chords (one-hot in
its chord encoding, see chords.py); a GrooveConverter with hits_as_controls
reads each window's own drum hits (one bit per drum), so that the decoder plays
velocities and timing on the hits it is given.

A trained model keeps the controls of its songs' windows, to play new samples
over, as one integer per step: a chord's index in the chord encoding (one per
bar for the multitrack converter: chords.chord_indices), the hits of a step as
bits (drum i is bit i).
"""

import numpy as np

from midime import chords as chords_lib

CHORDS = 'chords'
HITS = 'hits'


def kind_of(data_converter):
  """Where the converter's controls come from: CHORDS, HITS, or None for a
  converter without controls.

  Raises:
    ValueError: controls of another kind (magenta's split_instruments
      grooves), which no config here uses.
  """
  if not getattr(data_converter, 'control_depth', 0):
    return None
  if chords_lib.is_chord_conditioned(data_converter):
    return CHORDS
  # magenta keeps the flag private; it is what makes a groove's controls its
  # hits.
  # pylint: disable=protected-access
  if (getattr(data_converter, '_hits_as_controls', False) and
      not data_converter._split_instruments):
    return HITS
  # pylint: enable=protected-access
  raise ValueError('controls of %s are neither chords nor hits' %
                   type(data_converter).__name__)


def compact(controls, data_converter):
  """`controls` `[..., steps, control_depth]` as one integer per step
  `[..., steps]` (see the module's docstring)."""
  controls = np.asarray(controls)
  if kind_of(data_converter) == HITS:
    bits = 1 << np.arange(controls.shape[-1], dtype=np.int64)
    return (controls.astype(bool) * bits).sum(axis=-1)
  return chords_lib.chord_indices(controls, data_converter)


def expand(compacted, data_converter):
  """The controls `[..., steps, control_depth]` float32 of `compact`'s
  integers `[..., steps]`."""
  compacted = np.asarray(compacted, np.int64)
  depth = data_converter.control_depth
  if kind_of(data_converter) == HITS:
    return ((compacted[..., None] >> np.arange(depth)) & 1).astype(np.float32)
  return chords_lib.controls_of_indices(compacted, data_converter)


def hits_share(hits, played):
  """How often the hits `played` `[..., steps, drums]` are those asked for,
  `hits` (booleans alike): the share of the (step, drum) cells hit in either
  that are hit in both (1.0 when neither has any)."""
  hits = np.asarray(hits, bool)
  played = np.asarray(played, bool)
  either = np.logical_or(hits, played).sum()
  return float(np.logical_and(hits, played).sum() / either) if either else 1.0

"""Whole songs from a trained small model: a plan in the songs' form
(song_form.SongForm.plan), its windows' small latents drawn along the songs'
paths, decoded in one batch, each new window chosen among a few candidates for
how it joins the window before (no silence, the smallest leap and gap), and
the windows laid end to end on the bar grid with note-seq's
concatenate_sequences.

  plan (sections) -> latent path -> decoder -> candidates -> joins -> song
"""

import collections

import note_seq
from note_seq import sequences_lib
import numpy as np

from midime import music_metrics
from midime import song_form as song_form_lib
from midime.errors import UserError

# Decoded candidates per new window: the one that joins best is kept.
NUM_CANDIDATES = 8
# What a candidate wholly off the song's key costs, against a join's leap in
# octaves and gap in bars.
KEY_WEIGHT = 1.0
# A window whose candidates are all silent is drawn again this many times.
MAX_SILENT_REDRAWS = 10


class Song(
    collections.namedtuple('Song',
                           ['sequence', 'plan', 'windows', 'latents'])):
  """A song: its NoteSequence (with a section annotation at each section's
  start), its song_form.SongPlan, its windows' NoteSequences in order and
  their small latents `[windows, latent_size]`."""

  def describe(self):
    """'32 bars, form A A B B (sections of 8 bars)'."""
    return self.plan.describe()


def _window_seconds(window, window_steps, steps_per_quarter):
  qpm = (window.tempos[0].qpm
         if window.tempos else note_seq.DEFAULT_QUARTERS_PER_MINUTE)
  return window_steps * 60.0 / qpm / steps_per_quarter


def _choose(candidates, before, after, window_steps, steps_per_bar, key=None):
  """The index of the candidate (window_notes sets) that joins best between
  `before` and `after` (either may be None) and keeps best to `key` (when not
  None); None when all are silent."""
  costs = []
  for notes in candidates:
    if not notes:
      costs.append(np.inf)
      continue
    cost = 0.0 if key is None else KEY_WEIGHT * song_form_lib.out_of_key(
        notes, key)
    if before:
      cost += song_form_lib.join_cost(before, notes, window_steps,
                                      steps_per_bar)
    if after:
      cost += song_form_lib.join_cost(notes, after, window_steps,
                                      steps_per_bar)
    costs.append(cost)
  best = int(np.argmin(costs))
  return None if not np.isfinite(costs[best]) else best


def _returning_after(path, place, notes):
  """The notes of the window that will follow `place` when that window returns
  an earlier one (a section's last window before the section comes back);
  else None."""
  if place + 1 < len(path) and path[place + 1].repeats is not None:
    returning = path[place + 1].repeats
    if returning < len(notes):
      return notes[returning]
  return None


def _decode_candidates(decoder, latent_groups, places, candidates, temperature,
                       steps_per_quarter, controls_at=None):
  """Decodes each place's latents (one batch for all) into `candidates`: place
  -> (latents, NoteSequences, window_notes sets); a chord-conditioned decoder
  over `controls_at(place)`, the chords of each place."""
  latents = np.concatenate(latent_groups)
  if controls_at is None:
    decoded = decoder.decode(latents, temperature=temperature)
  else:
    controls = np.concatenate([
        np.repeat(controls_at(place)[None], len(group), axis=0)
        for place, group in zip(places, latent_groups)
    ])
    decoded = decoder.decode(latents, temperature=temperature,
                             controls=controls)
  begin = 0
  for place, group in zip(places, latent_groups):
    rows = slice(begin, begin + len(group))
    begin += len(group)
    candidates[place] = (list(latents[rows]), decoded[rows], [
        music_metrics.window_notes(s, steps_per_quarter) for s in decoded[rows]
    ])


def compose(decoder, song_form, rng, num_bars=None, form=None,
            section_bars=None, variation=0.0, temperature=0.5,
            steps_per_quarter=4, steps_per_bar=16,
            num_candidates=NUM_CANDIDATES, controls_at=None):
  """Writes one song.

  Args:
    decoder: decodes small latents: `decode(latents, temperature=...)` ->
      NoteSequences (sampling.LatentSampler).
    song_form: the model's song_form.SongForm.
    rng: a numpy Generator: the song is a function of its state.
    num_bars, form, section_bars: as SongForm.plan takes them.
    variation: 0 repeats a returning section note for note; more redraws its
      windows that many posterior standard deviations from the first time's
      latents.
    temperature: the decoder's.
    steps_per_quarter, steps_per_bar: the family's grid.
    num_candidates: decoded candidates per new window.
    controls_at: for a chord-conditioned decoder, `controls_at(place, state)`
      gives the chords `[window steps, control_depth]` of the window at
      `place` whose latent is drawn from song window `state`; a returning
      section repeats its windows with their chords.

  Returns:
    Song.

  Raises:
    UserError: a plan that cannot be made (song_form.SongForm.plan), or a
      negative variation.
  """
  if variation is None or variation < 0:
    raise UserError('{variation} must be 0 or more, got %r' % variation)
  plan = song_form.plan(num_bars, form, section_bars)
  path = song_form.draw_path(plan, rng, num_candidates)
  key = song_form.key_of(path)
  window_steps = song_form.window_steps
  candidates = {}  # place -> ([latent], [NoteSequence], [notes])

  def chords_of_place(place):
    return controls_at(place, path[place].state)

  place_controls = chords_of_place if controls_at is not None else None
  pending = {
      place: step.latents
      for place, step in enumerate(path)
      if step.repeats is None
  }
  for attempt in range(MAX_SILENT_REDRAWS + 1):
    if not pending:
      break
    places = sorted(pending)
    _decode_candidates(decoder, [pending[place] for place in places], places,
                       candidates, temperature, steps_per_quarter,
                       place_controls)
    # Every candidate silent: draw the place's latents again, from its window's
    # posterior, then, as that keeps failing, from other windows'.
    pending = {}
    for place in places:
      if not any(candidates[place][2]):
        state = path[place].state if attempt < 2 else int(
            rng.integers(len(song_form.mean)))
        pending[place] = song_form.draw_latents(state, rng, num_candidates)

  windows, latents, notes = [], [], []
  for place, step in enumerate(path):
    if step.repeats is not None:
      windows.append(windows[step.repeats])
      latents.append(latents[step.repeats])
      notes.append(notes[step.repeats])
      continue
    place_latents, place_windows, place_notes = candidates[place]
    best = _choose(place_notes, notes[-1] if notes else None,
                   _returning_after(path, place, notes), window_steps,
                   steps_per_bar, key)
    best = 0 if best is None else best
    windows.append(place_windows[best])
    latents.append(place_latents[best])
    notes.append(place_notes[best])

  repeated = [p for p, step in enumerate(path) if step.repeats is not None]
  if variation > 0 and repeated:
    varied = {}
    _decode_candidates(decoder, [
        song_form.draw_latents(path[place].state, rng, num_candidates,
                               around=latents[place], scale=variation)
        for place in repeated
    ], repeated, varied, temperature, steps_per_quarter, place_controls)
    for place in repeated:
      place_latents, place_windows, place_notes = varied[place]
      best = _choose(place_notes, notes[place - 1] if place else None,
                     notes[place + 1] if place + 1 < len(notes) else None,
                     window_steps, steps_per_bar, key)
      if best is not None:
        windows[place] = place_windows[best]
        latents[place] = place_latents[best]
        notes[place] = place_notes[best]

  seconds = _window_seconds(windows[0], window_steps, steps_per_quarter)
  sequence = sequences_lib.concatenate_sequences(
      windows, [seconds] * len(windows))
  sequence.total_time = seconds * len(windows)
  del sequence.section_annotations[:]
  letters = sorted(set(plan.letters))
  for place, (letter, within) in enumerate(zip(plan.letters, plan.within)):
    if within == 0:
      sequence.section_annotations.add(time=place * seconds,
                                       section_id=letters.index(letter))
  return Song(sequence, plan, windows, np.asarray(latents, np.float32))

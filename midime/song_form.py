"""Song form: how a user's songs are built from windows, learned from them, and
the plans of new songs in that form. Pure numpy: no TensorFlow.

A song is read as its windows laid end to end, one window length apart
(windows.windows_in_song_order), each with its notes and its small latent (the
trained model's posterior q(latent | z)). From those songs we learn:

- near-repeats: a window nearly repeats an earlier window of its song when the
  two share at least NEAR_REPEAT_SIMILARITY of their notes (the Jaccard
  similarity of their (track, pitch, onset step) sets);
- labels: each window takes the label of the first window it nearly repeats,
  else a new one;
- sections: a section returns when at least half of its windows carry, place
  for place, the labels of an earlier section's. The section length, in
  windows, is the one that describes the songs most briefly: the windows of
  their new sections plus a letter for every section (ties go to the longer
  sections). A song's form is its sections' letters, 'AABB';
- paths: how one window's latent leads to the next one's.

A new song is a plan of sections in a form. A returning section repeats the
windows of its letter's first section; a new section's windows follow the
songs' paths: from the training window the song is at, to a window whose latent
is near that window's successor's (Gaussian kernel weights, so that songs mix
rather than replay), and the latent is drawn from that window's posterior.
"""

import collections
import dataclasses
import string
from typing import List, Optional

import numpy as np

from midime import music_metrics
from midime.errors import UserError

# Windows sharing at least this share of their notes nearly repeat each other.
NEAR_REPEAT_SIMILARITY = 0.5
# Used when the songs show no form (too short, or nothing returns).
DEFAULT_FORM = 'AABB'
# Sections longer than this are not looked for: forms are told by phrases.
MAX_SECTION_BARS = 16
# Default section length when no form was learned, and windows are shorter.
DEFAULT_SECTION_BARS = 8
# A path moves to a window of a song in another key this much less readily:
# the latent holds the key only loosely, and a song should keep its own.
KEY_CHANGE_WEIGHT = 0.05
FORM_LETTERS = string.ascii_uppercase


def note_key(note):
  """What a near-repeat compares of a window_notes tuple (track, pitch, start
  step, end step): the track, pitch and onset."""
  return note[:3]


def similarity(notes, other):
  """The Jaccard similarity of two windows' notes (sets of window_notes
  tuples), on their tracks, pitches and onsets; 0 when either is silent."""
  keys = {note_key(note) for note in notes}
  other_keys = {note_key(note) for note in other}
  if not keys or not other_keys:
    return 0.0
  return len(keys & other_keys) / len(keys | other_keys)


def window_labels(song_notes):
  """Labels of one song's windows in order (None for a hole): each window takes
  the label of the first earlier window it nearly repeats, else a new one (0,
  1, ...)."""
  labels, seen, new_label = [], [], 0
  for notes in song_notes:
    if not notes:
      labels.append(None)
      continue
    label = None
    for earlier, earlier_label in seen:
      if similarity(notes, earlier) >= NEAR_REPEAT_SIMILARITY:
        label = earlier_label
        break
    if label is None:
      label, new_label = new_label, new_label + 1
    seen.append((notes, label))
    labels.append(label)
  return labels


def near_repeat_share(songs_notes):
  """The share of the windows of `songs_notes` (per song, its windows' notes in
  order; None for a hole) that nearly repeat an earlier window of the same
  song."""
  repeats = windows = 0
  for song_notes in songs_notes:
    labels = window_labels(song_notes)
    seen = set()
    for label in labels:
      if label is None:
        continue
      windows += 1
      repeats += label in seen
      seen.add(label)
  return repeats / windows if windows else 0.0


def section_letters(labels, section_windows):
  """The form of one song's window `labels` in sections of `section_windows`
  windows (whole sections only), as a string of letters, 'AABB'."""
  sections = [
      labels[begin:begin + section_windows] for begin in range(
          0, len(labels) - section_windows + 1, section_windows)
  ]
  letters = []
  for index, section in enumerate(sections):
    letter = None
    heard = [label for label in section if label is not None]
    for earlier in range(index):
      same = sum(1 for a, b in zip(section, sections[earlier])
                 if a is not None and a == b)
      if heard and same * 2 >= len(heard):
        letter = letters[earlier]
        break
    if letter is None:
      letter = FORM_LETTERS[len(set(letters)) % len(FORM_LETTERS)]
    letters.append(letter)
  return ''.join(letters)


def _returning_windows(form, section_windows):
  return sum(section_windows
             for index, letter in enumerate(form)
             if letter in form[:index])


def section_lengths(window_bars):
  """The section lengths looked for, in windows: 1, 2, 4... up to
  MAX_SECTION_BARS (one window when windows are longer)."""
  lengths, length = [], 1
  while length == 1 or length * window_bars <= MAX_SECTION_BARS:
    lengths.append(length)
    length *= 2
  return lengths


def check_form(form):
  """Raises UserError unless `form` is section letters, 'AABA'."""
  if not form or not all(letter in FORM_LETTERS for letter in form):
    raise UserError(
        '{form} must be section letters A-Z, such as AABA or ABAC; got %r' %
        form)


@dataclasses.dataclass
class SongForm:
  """What the songs show of their form, and the paths of their windows'
  latents. Saved as a JSON sidecar beside the model (to_json / from_json).

  Attributes:
    window_bars: bars of one window.
    window_steps: steps of one window.
    section_windows: a section's windows; None when the songs show no form.
    form: the songs' most common form ('AABB'); None when they show none.
    song_forms: each song's form ('' when it is shorter than two sections).
    song_places: each song's length in windows.
    near_repeat_share: the share of the songs' windows that nearly repeat an
      earlier window of their song.
    mean, stddev: the posterior of each song window's small latent, in song
      order.
    song, position: each window's song and place in it.
    bandwidth: the kernel's width in the latent: the median distance of a
      window's latent to its nearest other one.
    step: the training step the latents are of.
    song_keys: each song's key (music_metrics.best_key: 0-11 major, 12-23
      minor; -1 for none), or None when not known.
    chords: for a chord-conditioned config, each song window's chords (the
      chord encoding's index per step), what song mode plays a window drawn
      from it over when no progression is given; else None.
    hits: for a groove conditioned on its hits, each song window's hits (a
      step's drums as bits), what song mode plays a window drawn from it
      over; else None.
  """
  window_bars: int
  window_steps: int
  section_windows: Optional[int]
  form: Optional[str]
  song_forms: List[str]
  song_places: List[int]
  near_repeat_share: float
  mean: np.ndarray
  stddev: np.ndarray
  song: np.ndarray
  position: np.ndarray
  bandwidth: float
  step: int = -1
  song_keys: Optional[List[int]] = None
  chords: Optional[List[List[int]]] = None
  hits: Optional[List[List[int]]] = None

  def __post_init__(self):
    self.mean = np.asarray(self.mean, np.float32)
    self.stddev = np.asarray(self.stddev, np.float32)
    self.song = np.asarray(self.song, np.int64)
    self.position = np.asarray(self.position, np.int64)
    places = list(zip(self.song, self.position))
    index = {place: i for i, place in enumerate(places)}
    self._successor = np.array([
        index.get((s, p + 1), -1) for s, p in zip(self.song, self.position)
    ], np.int64)
    firsts = {}
    for i, (s, p) in enumerate(zip(self.song, self.position)):
      if s not in firsts or p < self.position[firsts[s]]:
        firsts[s] = i
    self._starts = np.array(sorted(firsts.values()), np.int64)
    self._ends = np.array([
        i for i, (s, p) in enumerate(zip(self.song, self.position))
        if p == self.song_places[s] - 1
    ], np.int64)

  def controls(self, kind):
    """Each song window's controls of `kind` ('chords', 'hits'; as
    midime.controls.compact keeps them), or None."""
    return getattr(self, kind) if kind in ('chords', 'hits') else None

  def set_controls(self, kind, values):
    """Keeps `values`, each song window's controls of `kind`."""
    if kind not in ('chords', 'hits'):
      raise ValueError('no controls of kind %r' % kind)
    setattr(self, kind, values)

  @property
  def section_bars(self):
    """The learned section length in bars, or None."""
    return (self.section_windows * self.window_bars
            if self.section_windows else None)

  @property
  def typical_bars(self):
    """The median length of the songs in bars, whole windows."""
    places = [p for p in self.song_places if p]
    return int(np.median(places)) * self.window_bars if places else 0

  def to_json(self):
    """The sidecar's dict."""
    values = dataclasses.asdict(self)
    for key in ('mean', 'stddev'):
      values[key] = np.round(values[key], 5).tolist()
    for key in ('song', 'position'):
      values[key] = values[key].tolist()
    return values

  @classmethod
  def from_json(cls, values):
    fields = {field.name for field in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in fields})

  def plan(self, num_bars=None, form=None, section_bars=None):
    """The plan of a song: its windows' section letters and places in them.

    Args:
      num_bars: the song's length; None: `form` x `section_bars` when a form is
        given, else the songs' typical length in whole sections.
      form: section letters; None: the songs' form, repeated to fill
        `num_bars` (DEFAULT_FORM, as if given, when they show none).
      section_bars: a section's length; None: the songs' (or num_bars spread
        over a given form, or DEFAULT_SECTION_BARS).

    Returns:
      SongPlan.

    Raises:
      UserError: lengths that are not whole windows, naming the nearest that
        work, or a form that is not letters.
    """
    window = self.window_bars
    given_form = form
    if given_form is not None:
      check_form(given_form)
    form = given_form or self.form or DEFAULT_FORM
    for name, bars in (('num_bars', num_bars), ('section_bars',
                                                section_bars)):
      if bars is not None and (bars < 1 or bars % window):
        nearest = max(window, int(round(bars / window)) * window)
        raise UserError(
            '{%s} must be a positive multiple of the model\'s %d-bar window, '
            'got %s; the nearest that works is %d' %
            (name, window, bars, nearest))
    if section_bars is None:
      if given_form and num_bars is not None:
        section_bars = num_bars // len(form)
        if section_bars < window or section_bars % window:
          raise UserError(
              '{num_bars}=%d does not share into %d sections of whole %d-bar '
              'windows for {form}=%s; give {section_bars}, or {num_bars}=%d' %
              (num_bars, len(form), window, form,
               len(form) * max(window, section_bars // window * window)))
      else:
        section_bars = self.section_bars or max(
            window, DEFAULT_SECTION_BARS // window * window)
    if num_bars is None:
      if given_form or not self.form:
        # A form given, or the default one: the whole form, once.
        num_bars = len(form) * section_bars
      else:
        sections = max(1, int(round(self.typical_bars / section_bars)))
        num_bars = sections * section_bars
    section_windows = section_bars // window
    places = num_bars // window
    letters = [
        form[(place // section_windows) % len(form)] for place in range(places)
    ]
    within = [place % section_windows for place in range(places)]
    return SongPlan(num_bars, section_bars, form, letters, within)

  def key_of(self, path):
    """The key of a path's song (that of the training song it starts in), or
    None when not known."""
    if not self.song_keys or not path:
      return None
    key = self.song_keys[self.song[path[0].state]]
    return None if key < 0 else key

  def draw_path(self, plan, rng, num_candidates):
    """The latents of a song's windows, as `plan` (a SongPlan) lays them out.

    Returns:
      A PathPlace for each window place: a returning one names the place it
      repeats; a new one holds `[num_candidates, latent_size]` latents drawn
      from the posterior of the training window the path is at.
    """
    first_place, path, state = {}, [], None
    latest = len(plan.letters) - 1
    for place, key in enumerate(zip(plan.letters, plan.within)):
      if key in first_place:
        repeated = first_place[key]
        state = path[repeated].state
        path.append(PathPlace(repeated, state, None))
        continue
      first_place[key] = place
      state = self._next_state(state, rng, last=place == latest,
                               song_key=self.key_of(path))
      path.append(
          PathPlace(None, state, self.draw_latents(state, rng,
                                                   num_candidates)))
    return path

  def draw_latents(self, state, rng, n, around=None, scale=1.0):
    """`n` latents from the posterior of training window `state`: its mean (or
    `around`) plus `scale` times its standard deviation times N(0, I)."""
    noise = rng.standard_normal([n, self.mean.shape[1]]).astype(np.float32)
    center = self.mean[state] if around is None else np.asarray(
        around, np.float32)
    return center + scale * self.stddev[state] * noise

  def _next_state(self, state, rng, last, song_key=None):
    if state is None:
      return int(rng.choice(self._starts))
    target = self._successor[state]
    if target < 0:
      target = state
    candidates = self._ends if last and len(self._ends) else np.arange(
        len(self.mean))
    distances = np.sum((self.mean[candidates] - self.mean[target])**2, axis=1)
    weights = np.exp(-distances / (2 * max(self.bandwidth, 1e-6)**2))
    if song_key is not None:
      keys = np.asarray(self.song_keys)[self.song[candidates]]
      weights = weights * np.where(keys == song_key, 1.0, KEY_CHANGE_WEIGHT)
    if not np.isfinite(weights).all() or weights.sum() <= 0:
      return int(rng.choice(candidates))
    return int(rng.choice(candidates, p=weights / weights.sum()))


class PathPlace(
    collections.namedtuple('PathPlace', ['repeats', 'state', 'latents'])):
  """One window place of a song's latent path: the earlier place it repeats
  (None for a new window), the training window whose posterior it is drawn
  from, and, for a new window, its candidate latents."""


class SongPlan(
    collections.namedtuple(
        'SongPlan',
        ['num_bars', 'section_bars', 'form', 'letters', 'within'])):
  """A song's layout: its length and section length in bars, the form it
  follows, and for each window place its section's letter and its place in the
  section."""

  def section_letters(self):
    """The letters of the song's sections, in order."""
    return [
        letter for letter, within in zip(self.letters, self.within)
        if within == 0
    ]

  def describe(self):
    """'32 bars, form A A B B (sections of 8 bars)'."""
    return '%d bars, form %s (sections of %d bars)' % (
        self.num_bars, ' '.join(self.section_letters()), self.section_bars)


def analyse_sections(songs_notes, window_bars):
  """The section length that describes songs most briefly, and their forms in
  it: the windows of their new sections plus a letter for every section (ties
  go to the longer sections).

  Args:
    songs_notes: per song, its window places in order: the window's notes (a
      set of music_metrics.window_notes tuples) or None for a hole.
    window_bars: a window's length in bars.

  Returns:
    (section_windows: a section's windows, None when no section of any song
    returns; per song its form, 'AABB', '' when it is shorter than two
    sections or no section returns).
  """
  labels = [window_labels(song_notes) for song_notes in songs_notes]
  best, section_windows = np.inf, None
  for length in section_lengths(window_bars):
    forms = [section_letters(song_labels, length) for song_labels in labels]
    returning = sum(_returning_windows(form, length) for form in forms)
    # The shortest description of the songs: the windows of their new
    # sections, and a letter for every section.
    cost = sum(len(song_labels) for song_labels in labels) - returning + sum(
        len(form) for form in forms)
    if returning and cost <= best:
      best, section_windows = cost, length
  if not section_windows:
    return None, [''] * len(labels)
  return section_windows, [
      section_letters(song_labels, section_windows)
      if len(song_labels) >= 2 * section_windows else ''
      for song_labels in labels
  ]


def most_common_form(song_forms):
  """The most common of `song_forms` of two sections or more; None when there
  is none."""
  counts = collections.Counter(f for f in song_forms if len(f) >= 2)
  return counts.most_common(1)[0][0] if counts else None


def learn(songs_notes, means, stddevs, window_bars, window_steps, step=-1):
  """Learns the songs' form and paths.

  Args:
    songs_notes: per song, its window places in order: the window's notes (a
      set of music_metrics.window_notes tuples) or None for a hole.
    means, stddevs: the small latent's posterior of each window (not hole), in
      the order of `songs_notes`, `[n, latent_size]`.
    window_bars, window_steps: a window's length.
    step: the training step of the latents.

  Returns:
    SongForm.
  """
  section_windows, song_forms = analyse_sections(songs_notes, window_bars)
  form = most_common_form(song_forms)
  song, position = [], []
  for index, song_notes in enumerate(songs_notes):
    for place, notes in enumerate(song_notes):
      if notes is not None:
        song.append(index)
        position.append(place)
  means = np.asarray(means, np.float32)
  song_keys = []
  for song_notes in songs_notes:
    histogram = sum((music_metrics.pitch_class_histogram(notes)
                     for notes in song_notes
                     if notes), np.zeros([12]))
    key = music_metrics.best_key(histogram)
    song_keys.append(-1 if key is None else key)
  return SongForm(window_bars=int(window_bars), window_steps=int(window_steps),
                  section_windows=section_windows, form=form,
                  song_forms=song_forms,
                  song_places=[len(song_notes) for song_notes in songs_notes],
                  near_repeat_share=near_repeat_share(songs_notes), mean=means,
                  stddev=stddevs, song=song, position=position,
                  bandwidth=_bandwidth(means), step=int(step),
                  song_keys=song_keys)


def _bandwidth(means):
  """The median distance from each latent to its nearest other one (1 when
  there are fewer than two)."""
  if len(means) < 2:
    return 1.0
  nearest = []
  for begin in range(0, len(means), 512):
    chunk = means[begin:begin + 512]
    distances = np.sqrt(
        np.maximum(
            np.sum(chunk**2, 1)[:, None] + np.sum(means**2, 1)[None, :] -
            2 * chunk @ means.T, 0))
    for row in range(len(chunk)):
      distances[row, begin + row] = np.inf
    nearest.append(distances.min(axis=1))
  nearest = np.concatenate(nearest)
  finite = nearest[np.isfinite(nearest) & (nearest > 0)]
  return float(np.median(finite)) if len(finite) else 1.0


# ---------------------------------------------------------------- joins


def _pitched(notes):
  melody = [n for n in notes if n[0] == 'melody']
  return melody or [n for n in notes if n[0] != 'drums']


def join(notes, next_notes, window_steps):
  """How window `next_notes` follows window `notes` (sets of window_notes
  tuples) laid end to end: (the pitch jump in semitones from the last note to
  the first of the melody (or of the pitched tracks), None without pitched
  notes on both sides; the time gap in steps from the last note's end to the
  next window's first onset, None when either is silent)."""
  if not notes or not next_notes:
    return None, None
  gap = (window_steps - max(n[3] for n in notes) +
         min(n[2] for n in next_notes))
  before, after = _pitched(notes), _pitched(next_notes)
  jump = None
  if before and after:
    last = max(before, key=lambda n: (n[2], n[1]))
    first = min(after, key=lambda n: (n[2], -n[1]))
    jump = abs(first[1] - last[1])
  return jump, max(gap, 0)


def out_of_key(notes, key):
  """The share of the pitched notes' duration (a window's window_notes) off
  the scale of `key` (music_metrics.best_key's numbering; the minor scale
  with both its sixths and sevenths); 0 without pitched notes."""
  histogram = music_metrics.pitch_class_histogram(notes)
  if not histogram.sum():
    return 0.0
  steps = MAJOR_SCALE if key < 12 else MINOR_SCALE
  in_key = sum(histogram[(key + step) % 12] for step in steps)
  return float(1.0 - in_key / histogram.sum())


MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)


def join_cost(notes, next_notes, window_steps, steps_per_bar=16):
  """What a join costs: its pitch jump in octaves plus its gap in bars;
  infinite when `next_notes` is silent."""
  if not next_notes:
    return np.inf
  jump, gap = join(notes, next_notes, window_steps)
  if gap is None:
    return 0.0
  return (jump or 0) / 12.0 + gap / float(steps_per_bar)

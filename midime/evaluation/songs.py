"""Are the model's songs built as the user's are? Measures of whole songs, each
a row of windows laid end to end, for three sets: the songs song mode writes
(*generated*), the user's songs cut as song form learns from them (*training*)
and songs of independently drawn windows laid end to end (*baseline*).

Per set:

  * near-repeat share: the share of windows that nearly repeat an earlier
    window of their song (song_form.near_repeat_share);
  * section length: the one song_form's analysis finds for the set
    (song_form.analyse_sections), in bars, and the set's most common form;
  * joins: where a window follows the one before, the pitch jump (semitones)
    and the time gap (steps) (song_form.join): mean and 90th percentile;
  * key consistency: the share of a song's windows whose best key (the
    Krumhansl-Kessler profile, of 24, that correlates best with the
    duration-weighted pitch-class histogram) is the whole song's, averaged
    over songs; it tells a relative or neighbouring key apart, so it is strict
    with two-bar windows;
  * off-key share: the share of a song's note time off the scale of its best
    key, averaged over songs;
  * copy rate: the share of a song's distinct windows that replay a training
    window note for note (music_metrics.window_copy_rate);
  * structure, after the inter-phrase latent similarity of Wang, Min & Xia's
    whole-song generation (ICLR 2024): the mean cosine similarity of the small
    latents of two windows at the same place in two sections of the same
    letter, minus that of two windows at the same place in sections of
    different letters. Higher: the form shows in the latent; about 0: it does
    not;
  * silent windows.

Pure numpy: no TensorFlow. midime.jobs.evaluate draws the songs.
"""

import collections

import numpy as np

from midime import music_metrics
from midime import song_form as song_form_lib

SETS = ('generated', 'training', 'baseline')
SET_TITLES = {
    'generated': 'generated',
    'training': 'your songs',
    'baseline': 'baseline'
}
JOIN_PERCENTILE = 90


class SongSet(
    collections.namedtuple('SongSet', ['notes', 'latents', 'labels'])):
  """Songs as windows. Per song, for each window place: `notes`, its notes (a
  set of music_metrics.window_notes tuples; None for a hole); `latents`, its
  small latent (None for a hole); `labels`, its section's letter and its place
  in the section, (letter, place) or None outside whole sections. `labels`
  None: those of song_form's analysis of the notes."""


def off_key_share(songs_notes):
  """The share of a song's pitched note duration off the scale of its best key
  (song_form.out_of_key), averaged over the songs with pitches; None when none
  has."""
  shares = []
  for song_notes in songs_notes:
    windows = [notes for notes in song_notes if notes]
    histogram = sum((music_metrics.pitch_class_histogram(notes)
                     for notes in windows), np.zeros([12]))
    key = music_metrics.best_key(histogram)
    if key is not None:
      shares.append(
          song_form_lib.out_of_key(frozenset().union(*windows), key))
  return float(np.mean(shares)) if shares else None


def key_consistency(songs_notes):
  """The share of a song's windows with pitches whose best key is the whole
  song's, averaged over the songs with any; None when none has."""
  shares = []
  for song_notes in songs_notes:
    histograms = [
        music_metrics.pitch_class_histogram(notes)
        for notes in song_notes
        if notes is not None
    ]
    song_key = (music_metrics.best_key(np.sum(histograms, axis=0))
                if histograms else None)
    keys = [music_metrics.best_key(histogram) for histogram in histograms]
    keys = [key for key in keys if key is not None]
    if song_key is not None and keys:
      shares.append(np.mean([key == song_key for key in keys]))
  return float(np.mean(shares)) if shares else None


def joins(songs_notes, window_steps):
  """(pitch jumps, time gaps) where each window follows the one before in its
  song (song_form.join), each left out where it is undefined."""
  jumps, gaps = [], []
  for song_notes in songs_notes:
    for notes, next_notes in zip(song_notes[:-1], song_notes[1:]):
      jump, gap = song_form_lib.join(notes, next_notes, window_steps)
      if jump is not None:
        jumps.append(jump)
      if gap is not None:
        gaps.append(gap)
  return jumps, gaps


def _mean(values):
  return float(np.mean(values)) if len(values) else None


def _percentile(values):
  return (float(np.percentile(values, JOIN_PERCENTILE))
          if len(values) else None)


def analysed_labels(form, section_windows, places):
  """Each of `places` window places' (letter, place in the section) in a song
  of form `form` (song_form.section_letters' whole sections of
  `section_windows` windows); None past the last section."""
  labels = []
  for place in range(places):
    section = place // section_windows if section_windows else len(form)
    labels.append((form[section], place % section_windows)
                  if section < len(form) else None)
  return labels


def _cosine(a, b):
  norms = np.linalg.norm(a) * np.linalg.norm(b)
  return float(np.dot(a, b) / norms) if norms > 0 else None


def structure(songs_latents, songs_labels):
  """How the form shows in the small latent: (the mean cosine similarity of
  the latents of two windows of a song at the same place in two sections of
  the same letter, minus that of two windows at the same place in sections of
  different letters; those two means). Each None where a song set has no such
  pair."""
  same, other = [], []
  for latents, labels in zip(songs_latents, songs_labels):
    placed = [(label, latent)
              for label, latent in zip(labels, latents)
              if label is not None and latent is not None]
    for index, ((letter, within), latent) in enumerate(placed):
      for (other_letter, other_within), other_latent in placed[index + 1:]:
        if within != other_within:
          continue
        similarity = _cosine(
            np.asarray(latent, np.float64),
            np.asarray(other_latent, np.float64))
        if similarity is not None:
          (same if letter == other_letter else other).append(similarity)
  same, other = _mean(same), _mean(other)
  contrast = None if same is None or other is None else same - other
  return contrast, same, other


def distinct_windows(songs_notes):
  """Each song's windows with notes, a window that repeats an earlier one of
  its song note for note counted once."""
  windows = []
  for song_notes in songs_notes:
    seen = set()
    for notes in song_notes:
      if notes and notes not in seen:
        seen.add(notes)
        windows.append(notes)
  return windows


def measure(song_set, window_bars, window_steps, training_windows=None):
  """Every measure of `song_set` (a SongSet) with windows of `window_bars` bars
  and `window_steps` steps; the copy rate against `training_windows` (sets of
  window_notes), None without them. Returns a dict, a value None where a
  measure is undefined for the set."""
  songs_notes = song_set.notes
  section_windows, forms = song_form_lib.analyse_sections(
      songs_notes, window_bars)
  labels = song_set.labels
  if labels is None:
    labels = [
        analysed_labels(form, section_windows, len(song_notes))
        for form, song_notes in zip(forms, songs_notes)
    ]
  windows = [notes for song in songs_notes for notes in song
             if notes is not None]
  jumps, gaps = joins(songs_notes, window_steps)
  contrast, same, other = structure(song_set.latents, labels)
  copy_rate = None
  if training_windows is not None:
    copy_rate = music_metrics.window_copy_rate(
        distinct_windows(songs_notes), training_windows)
  return {
      'num_songs': len(songs_notes),
      'num_windows': len(windows),
      'silent_windows': sum(1 for notes in windows if not notes),
      'near_repeat_share': song_form_lib.near_repeat_share(songs_notes),
      'section_bars': (section_windows * window_bars
                       if section_windows else None),
      'form': song_form_lib.most_common_form(forms),
      'jump_mean': _mean(jumps),
      'jump_p90': _percentile(jumps),
      'gap_mean': _mean(gaps),
      'gap_p90': _percentile(gaps),
      'key_consistency': key_consistency(songs_notes),
      'off_key_share': off_key_share(songs_notes),
      'copy_rate': copy_rate,
      'structure': contrast,
      'same_letter_similarity': same,
      'other_letter_similarity': other,
  }


def measure_sets(song_sets, window_bars, window_steps, training_windows):
  """measure() of each of SETS in `song_sets` (name -> SongSet); the copy rate
  for the generated and the baseline songs only."""
  return {
      name: measure(song_sets[name], window_bars, window_steps,
                    None if name == 'training' else training_windows)
      for name in SETS
  }


# ---------------------------------------------------------------- report


def _number(value, pattern):
  return '–' if value is None else pattern % value


def _rows(sets):
  """(measure, {set name: cell}) of the report's table."""

  def cells(format_cell):
    return {name: format_cell(values) for name, values in sets.items()}

  def pair(first, second, pattern):
    return lambda v: '%s / %s' % (_number(v[first], pattern),
                                  _number(v[second], pattern))

  return [
      ('songs (windows)',
       cells(lambda v: '%d (%d)' % (v['num_songs'], v['num_windows']))),
      ('silent windows', cells(lambda v: '%d' % v['silent_windows'])),
      ('near-repeat share',
       cells(lambda v: _number(v['near_repeat_share'], '%.3f'))),
      ('section length, bars (most common form)',
       cells(lambda v: '%s (%s)' % (_number(v['section_bars'], '%d'),
                                    ' '.join(v['form'] or '–')))),
      ('pitch jump at joins, semitones: mean / 90th pct.',
       cells(pair('jump_mean', 'jump_p90', '%.2f'))),
      ('time gap at joins, steps: mean / 90th pct.',
       cells(pair('gap_mean', 'gap_p90', '%.2f'))),
      ('key consistency', cells(lambda v: _number(v['key_consistency'],
                                                  '%.3f'))),
      ('off-key share (of note time)',
       cells(lambda v: _number(v['off_key_share'], '%.3f'))),
      ('copy rate', cells(lambda v: _number(v['copy_rate'], '%.3f'))),
      ('structure: latent similarity, same − other letter',
       cells(lambda v: _number(v['structure'], '%+.3f'))),
      ('latent similarity: same / other letter',
       cells(pair('same_letter_similarity', 'other_letter_similarity',
                  '%.3f'))),
  ]


def markdown(songs):
  """The report's "Songs" section (a list of lines) of evaluation.json's
  `songs`."""
  sets = songs['sets']
  lines = [
      '## Songs',
      '',
      'Generated: %d songs written by song mode, %s, at temperature %g. '
      'Your songs: %d, cut into %d-bar windows laid end to end. Baseline: %d '
      'songs of windows drawn one by one, each as long as a generated song. '
      'Copies are counted against %s.' %
      (sets['generated']['num_songs'], songs['plan'], songs['temperature'],
       sets['training']['num_songs'], songs['window_bars'],
       sets['baseline']['num_songs'], songs['copy_reference']),
      '',
      '| measure | %s |' % ' | '.join(SET_TITLES[name] for name in SETS),
      '| --- |%s' % (' ---: |' * len(SETS)),
  ]
  for title, cells in _rows(sets):
    lines.append('| %s | %s |' %
                 (title, ' | '.join(cells[name] for name in SETS)))
  return lines


def summary(songs):
  """A few lines for the terminal."""
  sets = songs['sets']
  row = '%-50s' + ' %14s' * len(SETS)
  lines = [row % (('songs',) + tuple(SET_TITLES[name] for name in SETS))]
  for title, cells in _rows(sets):
    lines.append(row % ((title,) + tuple(cells[name] for name in SETS)))
  return '\n'.join(lines)

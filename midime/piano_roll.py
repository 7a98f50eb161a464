"""Piano-roll pictures of melodies, trios, drums and bands: a row of small
panels per group of NoteSequences, so the training songs, personalized samples
and plain MusicVAE samples can be compared at a glance. Single-track rows take
the row's colour; where a NoteSequence has several tracks (a trio's melody, bass
and drums), each track has its own colour throughout the picture, with a legend;
a band's instruments are coloured by General MIDI family (drums apart)."""

import os

import matplotlib

matplotlib.use('Agg')  # files only; no display is needed or expected
# After the backend is chosen: pyplot reads it when first imported.
from matplotlib import pyplot  # noqa: E402

from midime import music_metrics  # noqa: E402

ROW_COLORS = ('#2b6cb0', '#c05621', '#718096', '#2f855a', '#6b46c1')
# One colour per track kind, as magenta's trio converter tells them apart.
TRACK_COLORS = {'melody': '#2b6cb0', 'bass': '#2f855a', 'drums': '#c05621'}
# A band's instruments by General MIDI family (bass and drums as a trio's):
# colours far enough apart to tell eight instruments apart.
_FAMILY_PALETTE = ('#2b6cb0', '#805ad5', '#b7791f', '#d53f8c', '#2f855a',
                   '#319795', '#744210', '#e53e3e', '#38a169', '#63b3ed',
                   '#ed8936', '#9f7aea', '#4a5568', '#975a16', '#1a202c',
                   '#a0aec0')
FAMILY_COLORS = dict(zip(music_metrics.PROGRAM_FAMILIES, _FAMILY_PALETTE),
                     drums=TRACK_COLORS['drums'])


def track_of(note):
  """The track a note belongs to: 'drums' (the drum channel), 'bass' (General
  MIDI programs 32-39, magenta's trio bass) or 'melody'."""
  if note.is_drum:
    return 'drums'
  if 32 <= note.program <= 39:
    return 'bass'
  return 'melody'


def _is_band(sequences):
  """Whether `sequences` hold more pitched instrument families than a trio's
  melody and bass: then notes are coloured by family."""
  families = {
      music_metrics.instrument_group(note)
      for sequence in sequences
      for note in sequence.notes
      if not note.is_drum
  }
  return len(families - {'bass'}) > 1


def _colours(sequences):
  """(note -> colour, {legend label: colour}) for a picture of `sequences`
  with several tracks: a trio's three tracks, or a band's families."""
  if _is_band(sequences):
    present = {
        music_metrics.instrument_group(n) for s in sequences for n in s.notes
    }
    return (lambda note: FAMILY_COLORS[music_metrics.instrument_group(note)],
            {
                group.replace('_', ' '): FAMILY_COLORS[group]
                for group in music_metrics.TRACK_ORDER
                if group in present
            })
  return lambda note: TRACK_COLORS[track_of(note)], TRACK_COLORS


def draw_piano_rolls(rows, path, title=None, columns=8, panel_width=1.9):
  """Draws `rows`, a list of (label, [NoteSequence]), into the PNG at `path`.

  Each row shows up to `columns` sequences side by side, each `panel_width`
  inches wide (wider for longer sequences), on one pitch scale for the whole
  picture so rows can be compared. Written atomically.
  """
  pitches = [
      note.pitch
      for _, sequences in rows
      for s in sequences[:columns]
      for note in s.notes
  ]
  low, high = (min(pitches) - 2, max(pitches) + 2) if pitches else (55, 80)
  figure, axes = pyplot.subplots(
      len(rows), columns,
      figsize=(panel_width * columns, 1.7 * len(rows) + 0.6), squeeze=False,
      sharey=True)
  shown = [s for _, sequences in rows for s in sequences[:columns]]
  multi_track = _is_band(shown) or any(
      len({track_of(n) for n in s.notes}) > 1 for s in shown)
  colour_of, legend = _colours(shown)
  for row, (label, sequences) in enumerate(rows):
    row_color = ROW_COLORS[row % len(ROW_COLORS)]
    for column in range(columns):
      ax = axes[row][column]
      ax.set_ylim(low, high)
      ax.set_xticks([])
      ax.tick_params(labelsize=6)
      for side in ('top', 'right'):
        ax.spines[side].set_visible(False)
      if column >= len(sequences):
        ax.axis('off')
        continue
      sequence = sequences[column]
      end = max([sequence.total_time] + [n.end_time for n in sequence.notes] +
                [1e-3])
      ax.set_xlim(0, end)
      # Faint bar lines at 120 qpm, 4/4.
      for bar in range(1, int(end // 2.0) + 1):
        if bar * 2.0 < end:
          ax.axvline(bar * 2.0, color='#e2e8f0', linewidth=0.6, zorder=0)
      for note in sequence.notes:
        color = colour_of(note) if multi_track else row_color
        ax.broken_barh([(note.start_time, note.end_time - note.start_time)],
                       (note.pitch - 0.4, 0.8), facecolors=color)
    axes[row][0].set_ylabel(label, fontsize=8)
  if title:
    figure.suptitle(title, fontsize=10)
  if multi_track:
    from matplotlib import patches  # pylint: disable=g-import-not-at-top
    figure.legend(
        handles=[
            patches.Patch(color=color, label=track)
            for track, color in legend.items()
        ], loc='upper right', fontsize=7, ncol=min(len(legend), 6))
  _save(figure, path)
  return path


def draw_songs(songs, path, title=None, seconds_per_inch=4.0):
  """Draws whole songs into the PNG at `path`, one song a row across the page,
  its sections marked: `songs` is a list of (label, NoteSequence, sections),
  sections a list of (start time in seconds, letter). Written atomically."""
  pitches = [note.pitch for _, song, _ in songs for note in song.notes]
  low, high = (min(pitches) - 2, max(pitches) + 2) if pitches else (55, 80)
  longest = max([1.0] + [max(song.total_time, 1e-3) for _, song, _ in songs])
  width = min(max(6.0, longest / seconds_per_inch + 1.0), 40.0)
  figure, axes = pyplot.subplots(len(songs), 1,
                                 figsize=(width, 1.9 * len(songs) + 0.6),
                                 squeeze=False)
  shown = [song for _, song, _ in songs]
  multi_track = _is_band(shown) or any(
      len({track_of(n) for n in song.notes}) > 1 for song in shown)
  colour_of, _ = _colours(shown)
  for row, (label, song, sections) in enumerate(songs):
    ax = axes[row][0]
    ax.set_ylim(low, high)
    ax.set_xlim(0, longest)
    ax.tick_params(labelsize=6)
    for side in ('top', 'right'):
      ax.spines[side].set_visible(False)
    for start, letter in sections:
      ax.axvline(start, color='#4a5568', linewidth=0.9, zorder=1)
      ax.text(start, high, ' ' + letter, va='top', ha='left', fontsize=9,
              fontweight='bold', color='#4a5568')
    color = ROW_COLORS[row % len(ROW_COLORS)]
    for note in song.notes:
      ax.broken_barh([(note.start_time, note.end_time - note.start_time)],
                     (note.pitch - 0.4, 0.8),
                     facecolors=colour_of(note) if multi_track else color)
    ax.set_ylabel(label, fontsize=8)
  axes[-1][0].set_xlabel('seconds', fontsize=7)
  if title:
    figure.suptitle(title, fontsize=10)
  _save(figure, path)
  return path


def _save(figure, path):
  """Saves and closes `figure` as the PNG `path`, whole or not at all."""
  temp_path = path + '.partial.png'
  try:
    figure.tight_layout()
    figure.savefig(temp_path, dpi=110)
    os.replace(temp_path, path)
  except BaseException:
    # A full disk or Ctrl-C: no half-written picture (write_all_or_none removes
    # only its own temporary names, not this one).
    if os.path.exists(temp_path):
      os.remove(temp_path)
    raise
  finally:
    pyplot.close(figure)

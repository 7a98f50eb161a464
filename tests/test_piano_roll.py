"""midime.piano_roll: which track a note belongs to, and piano-roll pictures
written as whole PNG files of the size their rows and columns ask for."""

import os
import struct

from midime import tf_setup  # noqa: F401  (first: quiets note-seq's warnings)
from matplotlib import figure as matplotlib_figure
from matplotlib import pyplot
import note_seq
import numpy as np
import pytest

from midime import piano_roll

_PIANO_ROLL_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _piano_roll_png_size(path):
  """(width, height) in pixels of the PNG at `path`, from its IHDR chunk."""
  with open(path, 'rb') as png:
    header = png.read(24)
  assert header[:8] == _PIANO_ROLL_PNG_SIGNATURE
  assert header[12:16] == b'IHDR'
  return struct.unpack('>II', header[16:24])


def _piano_roll_png_dpi(path):
  """The resolution the PNG at `path` records (its pHYs chunk), in dots per
  inch."""
  with open(path, 'rb') as png:
    data = png.read()
  chunk = data.find(b'pHYs')
  assert chunk > 0
  per_metre, _, unit = struct.unpack('>IIB', data[chunk + 4:chunk + 13])
  assert unit == 1  # metres
  return per_metre * 0.0254


def _piano_roll_sequence(pitches, program=0, is_drum=False, seconds=0.25):
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  for index, pitch in enumerate(pitches):
    sequence.notes.add(pitch=pitch, velocity=80, program=program,
                       is_drum=is_drum, start_time=index * seconds,
                       end_time=(index + 1) * seconds)
  sequence.total_time = len(pitches) * seconds
  return sequence


@pytest.mark.parametrize('program, is_drum, track', [(0, False, 'melody'),
                                                     (31, False, 'melody'),
                                                     (32, False, 'bass'),
                                                     (39, False, 'bass'),
                                                     (40, False, 'melody'),
                                                     (33, True, 'drums'),
                                                     (0, True, 'drums')])
def test_track_of_tells_drums_bass_and_melody_apart(program, is_drum, track):
  note = note_seq.NoteSequence().notes.add(pitch=60, program=program,
                                           is_drum=is_drum)
  assert piano_roll.track_of(note) == track


def test_draw_piano_rolls_writes_a_png_sized_by_rows_and_columns(tmp_path):
  rows = [('songs', [_piano_roll_sequence([60, 62, 64, 65])] * 3),
          ('samples', [_piano_roll_sequence([72, 71, 69])]), ('prior', [])]
  columns, panel_width = 4, 1.5
  path = str(tmp_path / 'rolls.png')
  assert piano_roll.draw_piano_rolls(rows, path, title='Compare',
                                     columns=columns,
                                     panel_width=panel_width) == path
  width, height = _piano_roll_png_size(path)
  dpi = _piano_roll_png_dpi(path)
  assert width == pytest.approx(panel_width * columns * dpi, abs=1)
  one_row = str(tmp_path / 'one_row.png')
  piano_roll.draw_piano_rolls(rows[:1], one_row, columns=columns,
                              panel_width=panel_width)
  one_row_width, one_row_height = _piano_roll_png_size(one_row)
  assert one_row_width == width and one_row_height < height
  # no temporary file left
  assert sorted(os.listdir(tmp_path)) == ['one_row.png', 'rolls.png']


def test_draw_piano_rolls_draws_a_trio_and_silent_sequences(tmp_path):
  trio = _piano_roll_sequence([72, 74, 76])
  for note in _piano_roll_sequence([36, 38], program=33).notes:
    trio.notes.add().CopyFrom(note)
  for note in _piano_roll_sequence([42, 42, 42, 42], is_drum=True).notes:
    trio.notes.add().CopyFrom(note)
  path = str(tmp_path / 'trio.png')
  piano_roll.draw_piano_rolls([('trios', [trio, note_seq.NoteSequence()])],
                              path, columns=2)
  assert os.path.getsize(path) > len(_PIANO_ROLL_PNG_SIGNATURE)
  default_panel_width = 1.9  # inches, draw_piano_rolls' default
  assert _piano_roll_png_size(path)[0] == pytest.approx(
      2 * default_panel_width * _piano_roll_png_dpi(path), abs=1)


def test_draw_piano_rolls_replaces_an_older_picture(tmp_path):
  path = tmp_path / 'rolls.png'
  path.write_bytes(b'an old picture')
  piano_roll.draw_piano_rolls([('songs', [_piano_roll_sequence([60])])],
                              str(path), columns=1)
  assert path.read_bytes()[:8] == _PIANO_ROLL_PNG_SIGNATURE


def test_draw_piano_rolls_closes_its_figures(tmp_path):
  before = pyplot.get_fignums()
  for index in range(3):
    piano_roll.draw_piano_rolls([('songs', [_piano_roll_sequence([60, 67])])],
                                str(tmp_path / ('%d.png' % index)), columns=2)
  assert pyplot.get_fignums() == before


def test_a_failed_save_leaves_no_file_and_closes_the_figure(
    tmp_path, monkeypatch):

  def disk_full(unused_figure, path, **unused_kwargs):
    with open(path, 'wb') as half:
      half.write(_PIANO_ROLL_PNG_SIGNATURE)
    raise OSError('[Errno 28] No space left on device')

  monkeypatch.setattr(matplotlib_figure.Figure, 'savefig', disk_full)
  before = pyplot.get_fignums()
  with pytest.raises(OSError):
    piano_roll.draw_piano_rolls([('songs', [_piano_roll_sequence([60])])],
                                str(tmp_path / 'rolls.png'), columns=1)
  assert os.listdir(tmp_path) == []
  assert pyplot.get_fignums() == before


def _colours_in(path):
  """The colours of the PNG at `path`, as '#rrggbb' strings."""
  from matplotlib import image  # pylint: disable=g-import-not-at-top
  pixels = image.imread(path)[..., :3].reshape(-1, 3)
  return {
      '#%02x%02x%02x' % tuple(int(round(c * 255)) for c in pixel)
      for pixel in np.unique(pixels, axis=0)
  }


def test_a_band_is_coloured_by_instrument_family_and_drums(tmp_path):
  band = note_seq.NoteSequence(ticks_per_quarter=220)
  parts = [(0, False, [72, 74]), (33, False, [40, 43]), (48, False, [60, 64]),
           (56, False, [67, 69]), (0, True, [36, 38])]
  for program, is_drum, pitches in parts:
    for note in _piano_roll_sequence(pitches, program, is_drum).notes:
      band.notes.add().CopyFrom(note)
  path = str(tmp_path / 'band.png')
  piano_roll.draw_piano_rolls([('band', [band])], path)
  colours = _colours_in(path)
  for group in ('piano', 'bass', 'ensemble', 'brass', 'drums'):
    assert piano_roll.FAMILY_COLORS[group] in colours, group
  # Colours no instrument of the band has stay out of the picture.
  assert piano_roll.FAMILY_COLORS['organ'] not in colours


def test_each_instrument_family_has_its_own_colour():
  colours = list(piano_roll.FAMILY_COLORS.values())
  assert len(colours) == len(set(colours)) == 17

"""midime.evaluation.plots: features.png (a panel per track and feature, and the
nearest-neighbour distances) and latents.png written as whole PNGs of the size
their panels ask for, for melodies and for trios; figures closed afterwards."""

import struct

from matplotlib import pyplot
import numpy as np
import pytest

from midime.evaluation import measures as measures_lib
from midime.evaluation import plots

_PLOTS_STEPS = 32
_PLOTS_DRUM_PITCHES = (36, 38, 42, 46, 49)


def _plots_window(rng, tracks):
  """One random window with notes on each of `tracks`."""
  notes = []
  for track in tracks:
    starts = np.sort(rng.choice(_PLOTS_STEPS, 6, replace=False))
    for start in starts:
      if track == 'drums':
        pitch = int(rng.choice(_PLOTS_DRUM_PITCHES))
      else:
        pitch = int(
            rng.integers(36, 52) if track == 'bass' else rng.integers(60, 80))
      notes.append((track, pitch, int(start), int(start) + 1))
  return frozenset(notes)


def _plots_inputs(tracks=('melody',), latent_size=6, count=10, seed=0):
  """(details, measures, latents) of random windows, as the evaluation has
  them."""
  rng = np.random.default_rng(seed)
  windows = {
      name: [_plots_window(rng, tracks) for _ in range(count)]
      for name in ('examples', 'personalized', 'prior')
  }
  windows['training'] = windows['examples']
  latents = {
      name: rng.standard_normal([count, latent_size]) for name in windows
  }
  measures, _, details = measures_lib.compute_metrics(windows, latents,
                                                      _PLOTS_STEPS, seed=seed)
  return details, measures, latents


def _plots_png_size(path):
  """(width, height) of the PNG at `path`, checking its signature."""
  with open(path, 'rb') as png:
    header = png.read(24)
  assert header[:8] == b'\x89PNG\r\n\x1a\n' and header[12:16] == b'IHDR'
  return struct.unpack('>II', header[16:24])


def _plots_png_dpi(path):
  """The resolution the PNG at `path` records (pHYs), in dots per inch."""
  with open(path, 'rb') as png:
    data = png.read()
  chunk = data.find(b'pHYs')
  per_metre, _, unit = struct.unpack('>IIB', data[chunk + 4:chunk + 13])
  assert chunk > 0 and unit == 1  # per metre
  return per_metre * 0.0254


def _plots_feature_rows(details):
  """The rows of four panels draw_features needs: one per track and feature,
  one for the nearest-neighbour distances."""
  panels = sum(
      len(details['features']['examples'][track])
      for track in details['tracks'])
  return (panels + 1 + 3) // 4


@pytest.mark.parametrize('tracks', [('melody',), ('melody', 'bass', 'drums')])
def test_draw_features_draws_a_panel_per_track_and_feature(tmp_path, tracks):
  details, measures, _ = _plots_inputs(tracks)
  assert details['tracks'] == list(tracks)
  path = str(tmp_path / plots.FEATURES_PLOT)
  figures = pyplot.get_fignums()
  assert plots.draw_features(path, details, measures) == path
  assert pyplot.get_fignums() == figures  # closed once written
  width, height = _plots_png_size(path)
  dpi = _plots_png_dpi(path)
  # Panels of 3.5 x 3.2 inches, four to a row.
  assert width == pytest.approx(4 * 3.5 * dpi, abs=1)
  assert height == pytest.approx(3.2 * dpi * _plots_feature_rows(details),
                                 abs=1)


def test_draw_latents_draws_the_sets_on_two_principal_axes(tmp_path):
  _, _, latents = _plots_inputs()
  path = str(tmp_path / plots.LATENTS_PLOT)
  figures = pyplot.get_fignums()
  assert plots.draw_latents(path, latents) == path
  assert pyplot.get_fignums() == figures  # closed once written
  dpi = _plots_png_dpi(path)
  assert _plots_png_size(path) == (  # 6 x 5 inches
      pytest.approx(6 * dpi, abs=1), pytest.approx(5 * dpi, abs=1))


def test_draw_latents_of_a_one_dimensional_latent_still_draws(tmp_path):
  _, _, latents = _plots_inputs(latent_size=1)
  path = str(tmp_path / plots.LATENTS_PLOT)
  plots.draw_latents(path, latents)
  dpi = _plots_png_dpi(path)
  assert _plots_png_size(path) == (pytest.approx(6 * dpi, abs=1),
                                   pytest.approx(5 * dpi, abs=1))


def test_a_failed_save_closes_the_figure_and_raises(tmp_path):
  _, _, latents = _plots_inputs()
  before = pyplot.get_fignums()
  with pytest.raises(OSError):
    plots.draw_latents(str(tmp_path / 'missing' / 'l.png'), latents)
  assert pyplot.get_fignums() == before


def test_every_set_plotted_has_a_style_and_every_histogram_its_labels():
  assert set(plots.PLOTTED_SETS) <= set(plots.SET_STYLES)
  assert set(measures_lib.SETS) <= set(plots.SET_STYLES)
  details, _, _ = _plots_inputs(('melody', 'drums'))
  for track in details['tracks']:
    for feature, values in details['features']['examples'][track].items():
      if values.ndim == 2:  # a histogram per window
        assert len(plots.HISTOGRAM_LABELS[feature]) == values.shape[1]

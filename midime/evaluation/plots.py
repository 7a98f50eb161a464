"""The evaluation's pictures: each feature's distribution in the songs, the
personalized samples and the prior's, and the latents in the songs' top principal
axes. matplotlib's file-only backend (piano_roll selects it)."""

import numpy as np

from midime import music_metrics
from midime.evaluation import measures as measures_lib

FEATURES_PLOT = 'features.png'
LATENTS_PLOT = 'latents.png'

SET_STYLES = {'examples': ('your songs', '#2b6cb0'),
              'personalized': ('personalized', '#c05621'),
              'prior': ('MusicVAE prior', '#718096')}


def _density_panel(ax, sets_of_values, title):
  pooled = np.concatenate([np.ravel(v) for v in sets_of_values.values()])
  spread = np.std(pooled)
  floor = 0.05 * spread if spread > 0 else 0.5
  bandwidths = {name: music_metrics.scott_bandwidth(np.ravel(v), floor)
                for name, v in sets_of_values.items()}
  widest = max(bandwidths.values())
  grid = np.linspace(pooled.min() - 3 * widest, pooled.max() + 3 * widest, 400)
  for name, values in sets_of_values.items():
    label, color = SET_STYLES.get(name, (name, None))
    density = music_metrics.kde(np.ravel(values), grid, bandwidths[name])
    ax.plot(grid, density, color=color, label=label, linewidth=1.4)
    ax.fill_between(grid, density, color=color, alpha=0.12)
  ax.set_title(title, fontsize=8)
  ax.tick_params(labelsize=6)
  ax.set_yticks([])


HISTOGRAM_LABELS = {
    'pitch_class_histogram': ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A',
                              'A#', 'B'],
    'drum_class_histogram': ['kick', 'snare', 'cl.hh', 'op.hh', 'lo tom', 'mid tom',
                             'hi tom', 'crash', 'ride'],
}
PLOTTED_SETS = ('examples', 'personalized', 'prior')


def draw_features(path, details, measures):
  """features.png: per track, the mean histogram and each scalar feature's
  distribution per set (the songs as given); then the nearest-neighbour distances."""
  from midime import piano_roll  # noqa: F401  (selects matplotlib's file-only Agg backend)
  from matplotlib import pyplot
  features = details['features']
  panels = [(track, feature) for track in details['tracks']
            for feature in features['examples'][track]]
  columns = 4
  rows = (len(panels) + 1 + columns - 1) // columns
  figure, axes = pyplot.subplots(rows, columns, figsize=(14, 3.2 * rows))
  axes = np.ravel(axes)
  for ax, (track, feature) in zip(axes, panels):
    oa = measures['oa_%s_%s' % (track, feature)]['given']
    title = '%s: %s\nOA %.2f / %.2f' % (track, feature.replace('_', ' '),
                                        oa['personalized'], oa['prior'])
    if feature in HISTOGRAM_LABELS:
      labels = HISTOGRAM_LABELS[feature]
      width = 0.27
      for offset, name in enumerate(PLOTTED_SETS):
        label, color = SET_STYLES[name]
        ax.bar(np.arange(len(labels)) + (offset - 1) * width,
               features[name][track][feature].mean(0), width, color=color,
               label=label)
      ax.set_xticks(range(len(labels)))
      ax.set_xticklabels(labels, fontsize=6)
      ax.tick_params(labelsize=6)
      ax.set_title('mean ' + title, fontsize=8)
      ax.legend(fontsize=6)
    else:
      _density_panel(ax, {name: features[name][track][feature]
                          for name in PLOTTED_SETS}, title)
  ax = axes[len(panels)]
  bins = np.linspace(0, 1, 21)
  for name in measures_lib.SETS:
    label, color = SET_STYLES[name]
    ax.hist(details['nearest'][name], bins=bins, color=color, alpha=0.5, label=label)
  ax.set_title('distance to the nearest training window\n(0 = a copy)', fontsize=8)
  ax.tick_params(labelsize=6)
  ax.legend(fontsize=6)
  for ax in axes[len(panels) + 1:]:
    ax.axis('off')
  figure.suptitle('Features of your songs\' windows and of each model\'s samples '
                  '(OA against the songs as given: personalized / prior)', fontsize=10)
  figure.tight_layout()
  return _save(figure, path)


def draw_latents(path, latents):
  """latents.png: the MusicVAE latents of your songs' windows (as given) and of the
  samples, projected on the two principal axes of the three sets pooled."""
  from midime import piano_roll  # noqa: F401
  from matplotlib import pyplot
  pooled = np.concatenate([latents[name] for name in PLOTTED_SETS]).astype(np.float64)
  center = pooled.mean(0)
  _, _, axes_t = np.linalg.svd(pooled - center, full_matrices=False)
  figure, ax = pyplot.subplots(figsize=(6, 5))
  for name in ('prior', 'personalized', 'examples'):
    label, color = SET_STYLES[name]
    projected = (latents[name] - center) @ axes_t[:2].T
    if projected.shape[1] < 2:
      projected = np.pad(projected, [(0, 0), (0, 2 - projected.shape[1])])
    ax.scatter(projected[:, 0], projected[:, 1], s=10 if name != 'examples' else 22,
               color=color, alpha=0.6, label=label,
               marker='o' if name != 'examples' else 'D')
  ax.set_xlabel('principal axis 1', fontsize=8)
  ax.set_ylabel('principal axis 2', fontsize=8)
  ax.tick_params(labelsize=6)
  ax.legend(fontsize=7)
  ax.set_title('MusicVAE latents (mu), PCA', fontsize=10)
  figure.tight_layout()
  return _save(figure, path)


def _save(figure, path):
  from matplotlib import pyplot
  try:
    figure.savefig(path, dpi=100, format='png')
  finally:
    pyplot.close(figure)
  return path

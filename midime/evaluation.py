"""Did personalisation work? Samples of a trained SmallMusicVAE/LCMusicVAE and of the
plain MusicVAE prior, each compared with the user's songs.

Both models draw `num_samples` two-bar melodies at the same temperature. Each set is
compared with the songs' two-bar slices (untransposed, as the songs are):

  * latent space: the MusicVAE encoder's mu of every melody; the Fréchet distance and
    the squared MMD (RBF kernel, one median-heuristic bandwidth for both comparisons)
    between the samples' and the slices' latents. Lower is closer.
  * music features (Yang & Lerch 2018): per melody the pitch-class histogram, pitch
    range, number of notes, mean absolute interval, mean inter-onset interval and rest
    ratio; per feature the overlapping area (OA) of the samples' and the slices'
    distributions (see music_metrics: scalar features by kernel density estimates of
    their values, the histogram by Yang & Lerch's intra-/inter-set distances). Higher
    is closer.
  * copying: the share of samples identical to a training slice (same notes at the
    same steps), against every slice the model trained on, i.e. at every
    transposition of the config's augmenter (-5..+5 semitones); and the mean
    normalized Hamming distance over the melody events from each sample to its nearest
    training slice. Copies are closeness the user may not want: a high copy rate means
    the model memorised rather than generalised.

`evaluate` writes evaluation.md, evaluation.json, features.png and latents.png.
"""

import contextlib
import json
import os

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime.errors import UserError
from midime import checks
from midime import generation
from midime import latent_cache
from midime import melody_slices
from midime import music_metrics
from midime import note_sequence_io
from midime import output_files
from midime import workflows

MARKDOWN_FILE = 'evaluation.md'
JSON_FILE = 'evaluation.json'
FEATURES_PLOT = 'features.png'
LATENTS_PLOT = 'latents.png'

SETS = ('personalized', 'prior')
# Metric key -> (what it is, which direction is closer to the songs).
METRICS = [
    ('latent_frechet_distance', 'Fréchet distance of MusicVAE latents (mu)', 'lower'),
    ('latent_mmd', 'MMD² of MusicVAE latents (RBF, median heuristic)', 'lower'),
] + [
    ('oa_' + name, 'OA: ' + music_metrics.FEATURE_DESCRIPTIONS[name], 'higher')
    for name in music_metrics.FEATURE_DESCRIPTIONS
] + [
    ('mean_oa', 'OA averaged over the 6 features', 'higher'),
    ('copy_rate', 'copy rate: share of samples identical to a training slice '
     '(any transposition)', 'higher'),
    ('nearest_neighbour_distance', 'mean distance to the nearest training slice '
     '(normalized Hamming over the 32 melody events)', 'lower'),
]
RELATIVE_TIE_TOLERANCE = 1e-3
ABSOLUTE_TIE_TOLERANCE = 5e-4


class MelodySet(object):
  """Melodies as one-hot tensors `[n, steps, depth]` and as melody event arrays."""

  def __init__(self, one_hot, data_converter):
    self.one_hot = np.asarray(one_hot)
    self.events = melody_events(self.one_hot, data_converter)
    self.lengths = np.full([len(self.one_hot)], self.one_hot.shape[1], np.int32)

  def __len__(self):
    return len(self.one_hot)


def melody_events(one_hot, data_converter):
  """note_seq.Melody events `[n, steps]` (-2 no event, -1 note off, else a MIDI
  pitch) of the melody converter's one-hot tensors `[n, steps, depth]`, decoded by
  the converter's own event encoding."""
  encoding = getattr(data_converter, '_legacy_encoder_decoder', None)
  if encoding is None or not hasattr(encoding, 'decode_event'):
    raise UserError('%s is not a one-hot melody converter; only melody configs can be '
                    'evaluated' % type(data_converter).__name__)
  depth = one_hot.shape[-1]
  # Indices past the encoding's classes (an end token) mean nothing is played.
  table = np.array([encoding.decode_event(i) if i < encoding.num_classes
                    else music_metrics.NO_EVENT for i in range(depth)], np.int64)
  return table[np.argmax(one_hot, axis=-1)]


def check_arguments(examples_path, output_dir, num_samples, max_batch_size,
                    temperature):
  """Raises UserError for flag values evaluation cannot run with."""
  if num_samples is None or num_samples < 2:
    raise UserError('--num_samples must be at least 2, got %s' % num_samples)
  checks.check_sampling_flags(max_batch_size, temperature, output_dir)
  if not examples_path:
    raise UserError('--examples_path (your songs) is required')
  ancestor = os.path.dirname(os.path.abspath(output_dir))
  while not os.path.exists(ancestor):
    ancestor = os.path.dirname(ancestor)
  if not os.path.isdir(ancestor):
    raise UserError('--output_dir %s cannot be created: %s is a file' % (
        output_dir, ancestor))


def read_examples(examples_path, config):
  """The songs' slices: (untransposed MelodySet, events of every training slice at
  every transposition, the transpositions)."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  slices, report = melody_slices.extract_slices(
      named_sequences, config.data_converter, config.note_sequence_augmenter)
  untransposed = slices.transpose == 0
  if np.sum(untransposed) < 2:
    raise UserError(
        '%s gave %d two-bar slice(s) without transposition; the comparison needs at '
        'least 2 (%s)' % (examples_path, np.sum(untransposed),
                          report.dropped_summary() or 'add songs or longer songs'))
  examples = MelodySet(slices.outputs[untransposed], config.data_converter)
  training = melody_events(slices.outputs, config.data_converter)
  logging.info('Your songs: %d two-bar slices (%d with the %d transpositions the '
               'model trained on).', len(examples), len(training),
               len(report.transpositions))
  return examples, training, report.transpositions


def _progress(what):
  def report(done, total):
    logging.info('  %s: %d/%d', what, done, total)
  return report


def draw_samples(run_dir, checkpoint_file, vae_checkpoint_file, config_name,
                 vae_config_name, examples_path, num_samples, max_batch_size,
                 temperature, seed):
  """Samples both models and encodes everything. Returns a dict with the config, the
  MelodySets ('examples', 'personalized', 'prior'), their latents, the training
  slices' events and what was read."""
  batch_size = min(max_batch_size, num_samples)
  with contextlib.ExitStack() as stack:
    loaded = workflows.open_trained_model(
        stack, run_dir, checkpoint_file, vae_checkpoint_file, config_name,
        vae_config_name, batch_size, seed, require_music_vae=True)
    model = stack.enter_context(contextlib.closing(loaded.model))
    config, converter = loaded.config, loaded.config.data_converter
    examples, training, transpositions = read_examples(examples_path, config)

    logging.info('Sampling %d melodies from %s (temperature %g)...', num_samples,
                 loaded.config_name, temperature)
    personalized = MelodySet(model.sample_tensors(
        num_samples, temperature=temperature,
        progress=_progress(loaded.config_name)), converter)
    model.close()

    logging.info('Sampling %d melodies from the plain MusicVAE prior...', num_samples)
    prior_model = generation.MusicVAEPrior(
        loaded.vae_config, loaded.vae_checkpoint, batch_size,
        loaded.vae_config_name, seed)
    with contextlib.closing(prior_model):
      prior = MelodySet(prior_model.sample_tensors(
          num_samples, temperature=temperature, progress=_progress('MusicVAE')),
                        loaded.vae_config.data_converter)

    logging.info('Encoding songs and samples with the MusicVAE encoder...')
    # The melody converter's input and output tensors are the same one-hot melody,
    # so samples (outputs) are encoded as they are, as are the songs' slices.
    depth = examples.one_hot.shape[-1]
    for name, melodies in (('personalized', personalized), ('prior', prior)):
      if melodies.one_hot.shape[-1] != depth:
        raise UserError('%s samples have %d classes per step, the songs %d: the '
                        'model and the MusicVAE do not share a melody encoding' % (
                            name, melodies.one_hot.shape[-1], depth))
    encoder = latent_cache.MusicVAEEncoder(
        loaded.vae_config, loaded.vae_checkpoint, loaded.vae_config_name,
        input_depth=depth)
    with contextlib.closing(encoder):
      latents = {name: encoder.encode(melodies.one_hot.astype(np.float32),
                                      melodies.lengths, report_progress=False)[0]
                 for name, melodies in (('examples', examples),
                                        ('personalized', personalized),
                                        ('prior', prior))}
    sources = {'checkpoint': loaded.source,
               'music_vae': loaded.vae_checkpoint.source}
  return {
      'config_name': loaded.config_name,
      'vae_config_name': loaded.vae_config_name,
      'sets': {'examples': examples, 'personalized': personalized, 'prior': prior},
      'latents': latents,
      'training_events': training,
      'transpositions': transpositions,
      'sources': sources,
  }


def _closer(key, values, direction):
  """'personalized', 'prior', or 'tie' when the two differ by less than the report
  shows: 0.1% for the latent distances, 0.0005 for the others (all in 0..1)."""
  personalized, prior = values['personalized'], values['prior']
  if key.startswith('latent_'):
    tolerance = RELATIVE_TIE_TOLERANCE * max(abs(personalized), abs(prior))
  else:
    tolerance = ABSOLUTE_TIE_TOLERANCE
  if abs(personalized - prior) <= tolerance:
    return 'tie'
  if (personalized < prior) == (direction == 'lower'):
    return 'personalized'
  return 'prior'


def compute_metrics(sets, latents, training_events, seed=None):
  """Every metric of METRICS for the 'personalized' and 'prior' sets against the
  'examples' set. Returns (metrics: key -> {'personalized', 'prior', 'closer',
  'closer_is', 'description'}, details: the features and what the plots need)."""
  seed = 0 if seed is None else seed
  bandwidth = music_metrics.median_heuristic(
      latents['examples'], latents['personalized'], latents['prior'], seed=seed)
  features = {name: music_metrics.set_features(melodies.events)
              for name, melodies in sets.items()}
  values = {}
  nearest = {}
  for name in SETS:
    row = {
        'latent_frechet_distance': music_metrics.frechet_distance(
            latents[name], latents['examples']),
        'latent_mmd': music_metrics.mmd_rbf(latents[name], latents['examples'],
                                            bandwidth),
        'oa_pitch_class_histogram': music_metrics.distance_overlapping_area(
            features[name]['pitch_class_histogram'],
            features['examples']['pitch_class_histogram'], seed=seed),
    }
    for feature in music_metrics.SCALAR_FEATURES:
      row['oa_' + feature] = music_metrics.overlapping_area(
          features[name][feature], features['examples'][feature])
    row['mean_oa'] = float(np.mean(
        [row['oa_' + f] for f in music_metrics.FEATURE_DESCRIPTIONS]))
    row['copy_rate'] = music_metrics.copy_rate(sets[name].events, training_events)
    nearest[name] = music_metrics.nearest_neighbour_distances(sets[name].events,
                                                              training_events)
    row['nearest_neighbour_distance'] = float(np.mean(nearest[name]))
    values[name] = row
  metrics = {}
  for key, description, direction in METRICS:
    entry = {name: values[name][key] for name in SETS}
    entry.update(closer=_closer(key, entry, direction), closer_is=direction,
                 description=description)
    metrics[key] = entry
  details = {'features': features, 'nearest': nearest, 'mmd_bandwidth': bandwidth,
             'seed': seed}
  return metrics, details


def _feature_means(features):
  means = {}
  for name, per_set in features.items():
    means[name] = {feature: float(np.mean(per_set[feature]))
                   for feature in music_metrics.SCALAR_FEATURES}
    means[name]['pitch_class_histogram'] = [
        round(float(v), 4) for v in per_set['pitch_class_histogram'].mean(0)]
  return means


def markdown_report(results):
  """evaluation.md's text."""
  metrics = results['metrics']
  lines = [
      '# Does %s sound like your songs?' % results['config'],
      '',
      '%d samples from `%s` (personalized) and %d from the plain MusicVAE prior '
      '(`%s`), temperature %g, each compared with the %d untransposed two-bar slices '
      'of `%s`. Copying is checked against all %d training slices (transpositions '
      '%+d..%+d).' % (
          results['num_samples'], results['checkpoint'], results['num_samples'],
          results['music_vae'], results['temperature'], results['num_example_slices'],
          results['examples_path'], results['num_training_slices'],
          min(results['transpositions']), max(results['transpositions'])),
      '',
      '| metric | personalized | prior | closer to your songs | closer is |',
      '| --- | ---: | ---: | --- | --- |',
  ]
  for key, _, _ in METRICS:
    entry = metrics[key]
    number = '%.4g' if key.startswith('latent_') else '%.3f'
    lines.append(('| %s | ' + number + ' | ' + number + ' | %s | %s |') % (
        entry['description'], entry['personalized'], entry['prior'], entry['closer'],
        entry['closer_is']))
  wins = sum(metrics[key]['closer'] == 'personalized' for key, _, _ in METRICS
             if not key.startswith('copy'))
  scored = sum(1 for key, _, _ in METRICS if not key.startswith('copy'))
  lines += [
      '',
      'The personalized samples are closer on %d of %d distribution metrics '
      '(copy rate left out).' % (wins, scored),
      '',
      '## Feature means',
      '',
      '| feature | your songs | personalized | prior |',
      '| --- | ---: | ---: | ---: |',
  ]
  means = results['feature_means']
  for feature in music_metrics.SCALAR_FEATURES:
    lines.append('| %s | %.3g | %.3g | %.3g |' % (
        music_metrics.FEATURE_DESCRIPTIONS[feature], means['examples'][feature],
        means['personalized'][feature], means['prior'][feature]))
  lines += [
      '',
      '## Reading it',
      '',
      '- Latents: each melody encoded by the MusicVAE encoder (mu). Fréchet distance '
      'between Gaussians fitted to the sets, and MMD² with an RBF kernel whose '
      'bandwidth (%.4g) is the median distance within all three sets pooled. Lower '
      'is closer; both grow with small sets, so compare the two columns, not runs '
      'of different sizes.' % results['mmd_bandwidth'],
      '- OA (Yang & Lerch 2018): overlapping area, 0..1, of the samples\' and the '
      'songs\' distributions of a feature (kernel density estimates); for the '
      'pitch-class histogram, of the songs\' intra-set and the samples-to-songs '
      'inter-set Euclidean distances. Higher is closer.',
      '- Copy rate: a high value means the model replays your songs (memorises) '
      'rather than writing new melodies like them. Nearest-neighbour distance: the '
      'share of the 32 steps that differ from the most similar training slice.',
      '',
      '![feature distributions](%s)' % FEATURES_PLOT,
      '',
      '![latents](%s)' % LATENTS_PLOT,
      '',
  ]
  return '\n'.join(lines)


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


def draw_features(path, details, metrics):
  """features.png: each feature's distribution per set, the pitch-class histograms,
  the histogram distances and the nearest-neighbour distances."""
  from midime import piano_roll  # noqa: F401  (selects matplotlib's file-only Agg backend)
  from matplotlib import pyplot
  features = details['features']
  figure, axes = pyplot.subplots(2, 4, figsize=(14, 6.4))
  axes = axes.ravel()
  ax = axes[0]
  width = 0.27
  for offset, name in enumerate(('examples', 'personalized', 'prior')):
    label, color = SET_STYLES[name]
    ax.bar(np.arange(12) + (offset - 1) * width,
           features[name]['pitch_class_histogram'].mean(0), width, color=color,
           label=label)
  ax.set_xticks(range(12))
  ax.set_xticklabels(['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'],
                     fontsize=6)
  ax.tick_params(labelsize=6)
  ax.set_title('mean pitch-class histogram', fontsize=8)
  ax.legend(fontsize=6)
  seed = details['seed']
  examples_histograms = features['examples']['pitch_class_histogram']
  _density_panel(axes[1], {
      'examples': music_metrics.intra_set_distances(examples_histograms, seed=seed),
      'personalized': music_metrics.inter_set_distances(
          features['personalized']['pitch_class_histogram'], examples_histograms,
          seed=seed),
      'prior': music_metrics.inter_set_distances(
          features['prior']['pitch_class_histogram'], examples_histograms,
          seed=seed)},
      'pitch-class histogram distances to your songs\n(songs: among themselves); '
      'OA %.2f / %.2f' % (metrics['oa_pitch_class_histogram']['personalized'],
                          metrics['oa_pitch_class_histogram']['prior']))
  for ax, feature in zip(axes[2:7], music_metrics.SCALAR_FEATURES):
    _density_panel(ax, {name: features[name][feature] for name in features},
                   '%s\nOA %.2f / %.2f' % (
                       music_metrics.FEATURE_DESCRIPTIONS[feature],
                       metrics['oa_' + feature]['personalized'],
                       metrics['oa_' + feature]['prior']))
  ax = axes[7]
  bins = np.linspace(0, 1, 21)
  for name in SETS:
    label, color = SET_STYLES[name]
    ax.hist(details['nearest'][name], bins=bins, color=color, alpha=0.5, label=label)
  ax.set_title('distance to the nearest training slice\n(0 = a copy)', fontsize=8)
  ax.tick_params(labelsize=6)
  ax.legend(fontsize=6)
  figure.suptitle('Features of your songs\' slices and of each model\'s samples '
                  '(OA: personalized / prior)', fontsize=10)
  figure.tight_layout()
  return _save(figure, path)


def draw_latents(path, latents):
  """latents.png: the three sets' MusicVAE latents projected on the two principal
  axes of your songs' and all samples' latents pooled."""
  from midime import piano_roll  # noqa: F401
  from matplotlib import pyplot
  pooled = np.concatenate(list(latents.values())).astype(np.float64)
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


def _write_text(path, text):
  with open(path, 'w') as output:
    output.write(text)
  return path


def write_outputs(output_dir, results, details, latents):
  """Writes evaluation.md, evaluation.json, features.png and latents.png into
  `output_dir`, all or none (output_files.write_all_or_none). Returns the paths."""
  return output_files.write_all_or_none(output_dir, [
      (MARKDOWN_FILE, lambda p: _write_text(p, markdown_report(results))),
      (JSON_FILE, lambda p: _write_text(p, json.dumps(results, indent=2,
                                                      sort_keys=True) + '\n')),
      (FEATURES_PLOT, lambda p: draw_features(p, details, results['metrics'])),
      (LATENTS_PLOT, lambda p: draw_latents(p, latents)),
  ])


def _plain(value):
  if isinstance(value, dict):
    return {key: _plain(v) for key, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [_plain(v) for v in value]
  if isinstance(value, np.generic):
    return value.item()
  return value


def evaluate(run_dir=None, checkpoint_file=None, vae_checkpoint_file=None,
             config_name=None, vae_config_name=None, examples_path=None,
             output_dir='tmp/evaluation', num_samples=256, max_batch_size=32,
             temperature=0.5, seed=None):
  """Samples the personalized model and the MusicVAE prior, compares both with the
  songs at `examples_path`, and writes the report into `output_dir`; each argument as
  midime_evaluate.py's flag of the same name. Returns (results dict, as in
  evaluation.json; the paths written)."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  check_arguments(examples_path, output_dir, num_samples, max_batch_size, temperature)
  drawn = draw_samples(run_dir, checkpoint_file, vae_checkpoint_file, config_name,
                       vae_config_name, examples_path, num_samples, max_batch_size,
                       temperature, seed)
  logging.info('Computing the metrics...')
  metrics, details = compute_metrics(drawn['sets'], drawn['latents'],
                                     drawn['training_events'], seed)
  results = _plain({
      'config': drawn['config_name'],
      'vae_config': drawn['vae_config_name'],
      'checkpoint': drawn['sources']['checkpoint'],
      'music_vae': drawn['sources']['music_vae'],
      'examples_path': examples_path,
      'num_samples': num_samples,
      'temperature': temperature,
      'seed': seed,
      'num_example_slices': len(drawn['sets']['examples']),
      'num_training_slices': len(drawn['training_events']),
      'transpositions': list(drawn['transpositions']),
      'mmd_bandwidth': details['mmd_bandwidth'],
      'metrics': metrics,
      'feature_means': _feature_means(details['features']),
  })
  paths = write_outputs(output_dir, results, details, drawn['latents'])
  logging.info('%s', summary(results))
  logging.info('Wrote %s.', ', '.join(paths))
  return results, paths


def summary(results):
  """A few lines for the terminal: the key metrics side by side."""
  metrics = results['metrics']
  lines = ['%-34s %12s %12s  closer' % ('', 'personalized', 'prior')]
  for key in ('latent_frechet_distance', 'latent_mmd', 'mean_oa', 'copy_rate',
              'nearest_neighbour_distance'):
    entry = metrics[key]
    lines.append('%-34s %12.4g %12.4g  %s' % (key, entry['personalized'],
                                              entry['prior'], entry['closer']))
  return '\n'.join(lines)

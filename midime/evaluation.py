"""Did personalisation work? Samples of a trained SmallMusicVAE/LCMusicVAE and of the
plain MusicVAE prior, each compared with the user's songs.

Both models draw `num_samples` windows at the same temperature. Each set is compared
with two references: the songs' windows *as given* (untransposed) and *as trained*
(every transposition of the config's augmenter that the model learned from, -5..+5
semitones for the MusicVAE's 2-bar melodies, so this one measures style apart from key;
the same windows for a model trained on the songs' own keys, SmallMusicVAE's default).
Distribution measures, each counted once:

  * latent space: the MusicVAE encoder's mu of every window; the unbiased squared MMD
    (RBF kernel, one median-heuristic bandwidth for every comparison) and the Fréchet
    distance in the reference's top 8 principal axes (a covariance of 512 dimensions
    from a hundred windows is singular; one of 8 is not). Lower is closer.
  * music features, per track (music_metrics): for pitched tracks (melody; melody and
    bass of a trio) Yang & Lerch's pitch-class histogram, pitch range, number of notes,
    mean absolute interval, mean inter-onset interval and rest ratio; for drums which
    drums are used, hits per bar and syncopation. Per feature the overlapping area
    (OA) of the samples' and the reference's distributions. Higher is closer.

Copying is not a distribution measure and never counts as closeness: the copy rate,
the share of samples whose notes equal a training window's (any transposition), is
a pass/fail line (at most music_metrics.COPY_RATE_LIMIT), reported with the mean
distance from each sample to its nearest training window.

`evaluate` writes evaluation.md, evaluation.json, features.png and latents.png.
"""

import contextlib
import copy
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
from midime import tracks as tracks_lib
from midime import workflows

MARKDOWN_FILE = 'evaluation.md'
JSON_FILE = 'evaluation.json'
FEATURES_PLOT = 'features.png'
LATENTS_PLOT = 'latents.png'

SETS = ('personalized', 'prior')
# The two references: the songs' windows as given, and as trained (at the
# transpositions the model learned, if any).
REFERENCES = ('given', 'trained')
REFERENCE_SETS = {'given': 'examples', 'trained': 'training'}
PCA_DIMS = 8
LATENT_METRICS = [
    ('latent_mmd', 'MMD² of MusicVAE latents (unbiased; RBF, median heuristic)'),
    ('latent_frechet_pca', 'Fréchet distance of MusicVAE latents in the songs\' '
     'top %d principal axes' % PCA_DIMS),
]
RELATIVE_TIE_TOLERANCE = 1e-3
ABSOLUTE_TIE_TOLERANCE = 5e-4


def feature_metrics(tracks):
  """(key, description, feature track, feature name) of the feature measures for
  windows with these tracks."""
  measures = []
  for track in tracks:
    names = (music_metrics.DRUM_FEATURE_DESCRIPTIONS
             if track == music_metrics.DRUM_TRACK else music_metrics.FEATURE_DESCRIPTIONS)
    for name, description in names.items():
      measures.append(('oa_%s_%s' % (track, name),
                       'OA, %s: %s' % (track, description), track, name))
  return measures


class WindowSet(object):
  """Windows as the converter's one-hot tensors `[n, steps, depth]`, as NoteSequences
  and as sets of notes (music_metrics.window_notes)."""

  def __init__(self, one_hot, data_converter):
    self.one_hot = np.asarray(one_hot)
    self.lengths = np.full([len(self.one_hot)], self.one_hot.shape[1], np.int32)
    self.sequences = data_converter.from_tensors(self.one_hot)
    steps_per_quarter = getattr(data_converter, '_steps_per_quarter', 4)
    self.notes = [music_metrics.window_notes(sequence, steps_per_quarter)
                  for sequence in self.sequences]
    self.steps = self.one_hot.shape[1]
    self.steps_per_bar = steps_per_quarter * 4

  def __len__(self):
    return len(self.one_hot)


def encoder_inputs(windows, data_converter):
  """What the MusicVAE encoder reads for `windows` (a WindowSet of the converter's
  outputs): (inputs `[n, steps, depth]` float32, lengths). The same tensors where the
  converter's inputs and outputs are one encoding (melodies, trios); otherwise each
  window goes back through the converter as a NoteSequence (a drum converter reads
  binary drum classes but writes one of 512 combinations). A window that gives no
  input (a silent drum sample) is left out of the latent measures."""
  one_hot = windows.one_hot.astype(np.float32)
  if data_converter.input_depth == data_converter.output_depth:
    return one_hot, windows.lengths
  converter = copy.deepcopy(data_converter)
  converter.max_tensors_per_notesequence = None
  inputs = []
  for sequence in windows.sequences:
    tensors = converter.to_tensors(sequence)
    if tensors.inputs:
      inputs.append(np.asarray(tensors.inputs[0], np.float32)[:windows.steps])
  if not inputs:
    raise UserError('none of the windows could be read back by the %s converter to '
                    'encode it' % type(converter).__name__)
  steps = max(len(window) for window in inputs)
  stacked = np.zeros([len(inputs), steps, converter.input_depth], np.float32)
  for index, window in enumerate(inputs):
    stacked[index, :len(window)] = window
  return stacked, np.asarray([len(window) for window in inputs], np.int32)


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


def read_examples(examples_path, config, meter=melody_slices.METER_REBAR,
                  tracks=tracks_lib.TUNE):
  """The songs' windows, read as training read them (latent_cache.song_slices):
  (untransposed WindowSet, WindowSet of every training window at every transposition,
  the transpositions)."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  slices, report = latent_cache.song_slices(named_sequences, config, meter, tracks)
  untransposed = slices.transpose == 0
  if np.sum(untransposed) < 2:
    raise UserError(
        '%s gave %d window(s) without transposition; the comparison needs at '
        'least 2 (%s)' % (examples_path, np.sum(untransposed),
                          report.dropped_summary() or 'add songs or longer songs'))
  examples = WindowSet(slices.outputs[untransposed], config.data_converter)
  training = WindowSet(slices.outputs, config.data_converter)
  logging.info('Your songs: %d windows (%d with the %d transpositions the model '
               'trained on).', len(examples), len(training),
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
  WindowSets ('examples', 'training', 'personalized', 'prior'), their latents, what
  was read and the temperature both were sampled at (`temperature`, or the model's)."""
  batch_size = min(max_batch_size, num_samples)
  with contextlib.ExitStack() as stack:
    loaded = workflows.open_trained_model(
        stack, run_dir, checkpoint_file, vae_checkpoint_file, config_name,
        vae_config_name, batch_size, seed, require_music_vae=True)
    model = stack.enter_context(contextlib.closing(loaded.model))
    config, converter = loaded.config, loaded.config.data_converter
    # The songs as the model was trained on them: the meter and tracks its run
    # recorded (the defaults for runs recorded before they were).
    examples, training, transpositions = read_examples(
        examples_path, config,
        meter=loaded.record.get('meter', melody_slices.METER_REBAR),
        tracks=loaded.record.get('tracks', tracks_lib.TUNE))

    if temperature is None:
      temperature = config.hparams.sampling_temperature
    logging.info('Sampling %d windows from %s (temperature %g)...', num_samples,
                 loaded.config_name, temperature)
    personalized = WindowSet(model.sample_tensors(
        num_samples, temperature=temperature,
        progress=_progress(loaded.config_name)), converter)
    model.close()

    logging.info('Sampling %d windows from the plain MusicVAE prior...', num_samples)
    prior_model = generation.MusicVAEPrior(
        loaded.vae_config, loaded.vae_checkpoint, batch_size,
        loaded.vae_config_name, seed)
    with contextlib.closing(prior_model):
      prior = WindowSet(prior_model.sample_tensors(
          num_samples, temperature=temperature, progress=_progress('MusicVAE')),
                        loaded.vae_config.data_converter)

    logging.info('Encoding songs and samples with the MusicVAE encoder...')
    depth = examples.one_hot.shape[-1]
    for name, melodies in (('personalized', personalized), ('prior', prior)):
      if melodies.one_hot.shape[-1] != depth:
        raise UserError('%s samples have %d classes per step, the songs %d: the '
                        'model and the MusicVAE do not share a melody encoding' % (
                            name, melodies.one_hot.shape[-1], depth))
    encoder = latent_cache.MusicVAEEncoder(
        loaded.vae_config, loaded.vae_checkpoint, loaded.vae_config_name,
        input_depth=converter.input_depth)
    with contextlib.closing(encoder):
      latents = {name: encoder.encode(*encoder_inputs(melodies, converter),
                                      report_progress=False)[0]
                 for name, melodies in (('examples', examples),
                                        ('training', training),
                                        ('personalized', personalized),
                                        ('prior', prior))}
    sources = {'checkpoint': loaded.source,
               'music_vae': loaded.vae_checkpoint.source}
  return {
      'config_name': loaded.config_name,
      'vae_config_name': loaded.vae_config_name,
      'sets': {'examples': examples, 'training': training,
               'personalized': personalized, 'prior': prior},
      'latents': latents,
      'transpositions': transpositions,
      'sources': sources,
      'temperature': temperature,
  }


def closer(key, values):
  """Which of `values` ({'personalized', 'prior'}: measure `key`'s values) is closer
  to the songs: 'personalized', 'prior', or 'tie' when the two differ by less than the report
  shows: 0.1% for the latent distances, 0.0005 for the OAs (all in 0..1). Lower is
  closer for latent distances, higher for OAs."""
  personalized, prior = values['personalized'], values['prior']
  if key.startswith('latent_'):
    tolerance = RELATIVE_TIE_TOLERANCE * max(abs(personalized), abs(prior))
  else:
    tolerance = ABSOLUTE_TIE_TOLERANCE
  if abs(personalized - prior) <= tolerance:
    return 'tie'
  if (personalized < prior) == key.startswith('latent_'):
    return 'personalized'
  return 'prior'


def feature_overlap(samples, reference, name, seed):
  """The overlapping area of one feature's values in `samples` and `reference`
  (music_metrics.window_set_features' values for feature `name`)."""
  if name.endswith('_histogram'):
    return music_metrics.distance_overlapping_area(samples, reference, seed=seed)
  return music_metrics.overlapping_area(samples, reference)


def compute_metrics(windows, latents, steps, steps_per_bar=16, seed=None):
  """Every distribution measure for the 'personalized' and 'prior' windows against
  the 'examples' (as given) and 'training' (as trained) windows, and copying.

  Args:
    windows: set name -> list of sets of notes (music_metrics.window_notes).
    latents: set name -> MusicVAE latents (mu) `[n, z_size]`, the same set names.
    steps: the windows' length in steps.
  Returns:
    (measures: key -> {'description', 'closer_is', and per reference ('given',
      'trained') {'personalized', 'prior', 'closer'}}; copying: {'copy_rate',
      'nearest_neighbour_distance': {'personalized', 'prior'}, 'limit', 'passed'};
      details: the features and what the plots need).
  """
  seed = 0 if seed is None else seed
  bandwidth = music_metrics.median_heuristic(
      latents['examples'], latents['training'], latents['personalized'],
      latents['prior'], seed=seed)
  tracks = music_metrics.tracks_of(windows['examples'])
  features = {name: music_metrics.window_set_features(notes, steps, tracks,
                                                      steps_per_bar)
              for name, notes in windows.items()}
  measures = {}
  for key, description in LATENT_METRICS:
    measures[key] = {'description': description, 'closer_is': 'lower'}
  for key, description, _, _ in feature_metrics(tracks):
    measures[key] = {'description': description, 'closer_is': 'higher'}
  for reference in REFERENCES:
    reference_set = REFERENCE_SETS[reference]
    for key in measures:
      measures[key][reference] = {}
    for name in SETS:
      measures['latent_mmd'][reference][name] = music_metrics.mmd_unbiased(
          latents[name], latents[reference_set], bandwidth)
      measures['latent_frechet_pca'][reference][name] = (
          music_metrics.projected_frechet_distance(
              latents[name], latents[reference_set], PCA_DIMS))
      for key, _, track, feature in feature_metrics(tracks):
        measures[key][reference][name] = feature_overlap(
            features[name][track][feature], features[reference_set][track][feature],
            feature, seed)
    for key in measures:
      measures[key][reference]['closer'] = closer(key, measures[key][reference])
  nearest = {name: music_metrics.window_nearest_distances(windows[name],
                                                          windows['training'])
             for name in SETS}
  copy_rates = {name: music_metrics.window_copy_rate(windows[name],
                                                     windows['training'])
                for name in SETS}
  copying = {
      'copy_rate': copy_rates,
      'nearest_neighbour_distance': {name: float(np.mean(nearest[name]))
                                     for name in SETS},
      'limit': music_metrics.COPY_RATE_LIMIT,
      'passed': copy_rates['personalized'] <= music_metrics.COPY_RATE_LIMIT,
  }
  details = {'features': features, 'tracks': tracks, 'nearest': nearest,
             'mmd_bandwidth': bandwidth, 'seed': seed}
  return measures, copying, details


def closer_counts(measures, reference):
  """(measures on which the personalized samples are closer, measures) against
  `reference` ('given' or 'trained')."""
  wins = sum(entry[reference]['closer'] == 'personalized'
             for entry in measures.values())
  return wins, len(measures)


def _feature_means(features):
  means = {}
  for name, per_track in features.items():
    means[name] = {
        track: {feature: (float(np.mean(values)) if values.ndim == 1 else
                          [round(float(v), 4) for v in values.mean(0)])
                for feature, values in per_feature.items()}
        for track, per_feature in per_track.items()}
  return means


def _trained_keys(transpositions):
  """The transpositions the model trained on, in words."""
  if list(transpositions) == [0]:
    return 'the songs\' own keys, untransposed'
  return 'transpositions %+d..%+d semitones' % (min(transpositions), max(transpositions))


def markdown_report(results):
  """evaluation.md's text."""
  measures, copying = results['metrics'], results['copying']
  lines = [
      '# Does %s sound like your songs?' % results['config'],
      '',
      '%d samples from `%s` (personalized) and %d from the plain MusicVAE prior '
      '(`%s`), temperature %g, each compared with the %d windows of `%s` as given '
      '(untransposed) and with the %d windows the model trained on (%s).' % (
          results['num_samples'], results['checkpoint'], results['num_samples'],
          results['music_vae'], results['temperature'], results['num_example_slices'],
          results['examples_path'], results['num_training_slices'],
          _trained_keys(results['transpositions'])),
      '',
      '| measure | closer is | personalized | prior | closer (songs as given) '
      '| personalized | prior | closer (as trained) |',
      '| --- | --- | ---: | ---: | --- | ---: | ---: | --- |',
  ]
  for key, entry in measures.items():
    number = '%.4g' if key.startswith('latent_') else '%.3f'
    cells = [entry['description'], entry['closer_is']]
    for reference in REFERENCES:
      values = entry[reference]
      cells += [number % values['personalized'], number % values['prior'],
                values['closer']]
    lines.append('| %s |' % ' | '.join(cells))
  given, trained = (closer_counts(measures, r) for r in REFERENCES)
  rates = copying['copy_rate']
  lines += [
      '',
      'The personalized samples are closer than the prior on **%d of %d** '
      'distribution measures against your songs as given, and on **%d of %d** '
      'against them as trained (%s).' % (given + trained + (
          _trained_keys(results['transpositions']),)),
      '',
      '**Copy rate: %s.** %.1f%% of the personalized samples replay a training window '
      'note for note (limit %.0f%%; the prior: %.1f%%). Mean distance to the nearest '
      'training window (1 - Jaccard similarity of their notes; 0 = a copy): %.3f '
      'personalized, %.3f prior.' % (
          'pass' if copying['passed'] else 'FAIL', 100 * rates['personalized'],
          100 * copying['limit'], 100 * rates['prior'],
          copying['nearest_neighbour_distance']['personalized'],
          copying['nearest_neighbour_distance']['prior']),
      '',
      '## Feature means',
      '',
      '| track | feature | your songs | personalized | prior |',
      '| --- | --- | ---: | ---: | ---: |',
  ]
  means = results['feature_means']
  for track, per_feature in means['examples'].items():
    for feature, value in per_feature.items():
      if isinstance(value, list):
        continue
      lines.append('| %s | %s | %.3g | %.3g | %.3g |' % (
          track, feature, value, means['personalized'][track][feature],
          means['prior'][track][feature]))
  lines += [
      '',
      '## Reading it',
      '',
      '- *As given* compares with your songs in their own keys; *as trained* with '
      'every transposition the model learned from (%s), so it measures style apart '
      'from key when the model learned transpositions (a model that did can only be '
      'expected to match the second in pitch classes); for a model trained on the '
      'songs\' own keys the two are the same.' % _trained_keys(
          results['transpositions']),
      '- Latents: each window encoded by the MusicVAE encoder (mu). MMD²: the unbiased '
      'estimate, RBF kernel of bandwidth %.4g (the median distance within all sets '
      'pooled); near 0, and possibly slightly negative, when the sets are alike. '
      'Fréchet distance: between Gaussians fitted in the reference\'s top %d '
      'principal axes. Lower is closer.' % (results['mmd_bandwidth'], PCA_DIMS),
      '- OA (Yang & Lerch 2018): overlapping area, 0..1, of the samples\' and the '
      'songs\' distributions of a feature (kernel density estimates); for a '
      'histogram (pitch classes, drum classes), of the songs\' intra-set and the '
      'samples-to-songs inter-set Euclidean distances. Higher is closer.',
      '- Copy rate: a sample that replays a training window is memorised, not '
      'written; it is a pass/fail line, never counted as closeness.',
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
  for name in SETS:
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
             temperature=None, seed=None):
  """Samples the personalized model and the MusicVAE prior (both at `temperature`;
  None: the model's own, its hparam sampling_temperature), compares both with the
  songs at `examples_path`, and writes the report into `output_dir`; each argument as
  midime_evaluate.py's flag of the same name. Returns (results dict, as in
  evaluation.json; the paths written)."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  check_arguments(examples_path, output_dir, num_samples, max_batch_size, temperature)
  drawn = draw_samples(run_dir, checkpoint_file, vae_checkpoint_file, config_name,
                       vae_config_name, examples_path, num_samples, max_batch_size,
                       temperature, seed)
  logging.info('Computing the measures...')
  sets = drawn['sets']
  measures, copying, details = compute_metrics(
      {name: window_set.notes for name, window_set in sets.items()},
      drawn['latents'], sets['examples'].steps, sets['examples'].steps_per_bar, seed)
  results = _plain({
      'config': drawn['config_name'],
      'vae_config': drawn['vae_config_name'],
      'checkpoint': drawn['sources']['checkpoint'],
      'music_vae': drawn['sources']['music_vae'],
      'examples_path': examples_path,
      'num_samples': num_samples,
      'temperature': drawn['temperature'],
      'seed': seed,
      'num_example_slices': len(sets['examples']),
      'num_training_slices': len(sets['training']),
      'transpositions': list(drawn['transpositions']),
      'tracks': details['tracks'],
      'mmd_bandwidth': details['mmd_bandwidth'],
      'metrics': measures,
      'closer_counts': {reference: list(closer_counts(measures, reference))
                        for reference in REFERENCES},
      'copying': copying,
      'feature_means': _feature_means(details['features']),
  })
  paths = write_outputs(output_dir, results, details, drawn['latents'])
  logging.info('%s', summary(results))
  logging.info('Wrote %s.', ', '.join(paths))
  return results, paths


def summary(results):
  """A few lines for the terminal: the latent measures, the counts, the copy rate."""
  measures, copying = results['metrics'], results['copying']
  lines = ['%-22s %12s %12s %-13s %12s %12s %s' % (
      '', 'personalized', 'prior', 'closer(given)', 'personalized', 'prior',
      'closer(trained)')]
  for key, _ in LATENT_METRICS:
    entry = measures[key]
    lines.append('%-22s %12.4g %12.4g %-13s %12.4g %12.4g %s' % (
        key, entry['given']['personalized'], entry['given']['prior'],
        entry['given']['closer'], entry['trained']['personalized'],
        entry['trained']['prior'], entry['trained']['closer']))
  counts = results['closer_counts']
  lines.append('personalized closer on %d of %d measures (songs as given), %d of %d '
               '(as trained)' % tuple(counts['given'] + counts['trained']))
  lines.append('copy rate %.1f%% (limit %.0f%%): %s' % (
      100 * copying['copy_rate']['personalized'], 100 * copying['limit'],
      'pass' if copying['passed'] else 'FAIL'))
  return '\n'.join(lines)

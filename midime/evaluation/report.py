"""The evaluation's report: evaluation.md for people, evaluation.json for
programs, a few lines for the terminal, written with the plots all or none."""

import json

from midime import output_files
from midime.evaluation import measures as measures_lib
from midime.evaluation import plots
from midime.evaluation import songs as songs_lib

MARKDOWN_FILE = 'evaluation.md'
JSON_FILE = 'evaluation.json'


def _trained_keys(transpositions):
  """The transpositions the model trained on, in words."""
  if list(transpositions) == [0]:
    return 'the songs\' own keys, untransposed'
  return 'transpositions %+d..%+d semitones' % (min(transpositions),
                                                max(transpositions))


def markdown_report(results):
  """evaluation.md's text."""
  measures, copying = results['metrics'], results['copying']
  lines = [
      '# Does %s sound like your songs?' % results['config'],
      '',
      '%d samples from `%s` (personalized) and %d from the plain MusicVAE '
      'prior (`%s`), temperature %g, each compared with the %d windows of `%s` '
      'as given (untransposed) and with the %d windows the model trained on '
      '(%s).' %
      (results['num_samples'], results['checkpoint'], results['num_samples'],
       results['music_vae'], results['temperature'],
       results['num_example_windows'], results['examples_path'],
       results['num_training_windows'], _trained_keys(
           results['transpositions'])),
      '',
      '| measure | closer is | personalized | prior | closer (songs as given) '
      '| personalized | prior | closer (as trained) |',
      '| --- | --- | ---: | ---: | --- | ---: | ---: | --- |',
  ]
  for key, entry in measures.items():
    number = '%.4g' if key.startswith('latent_') else '%.3f'
    cells = [entry['description'], entry['closer_is']]
    for reference in measures_lib.REFERENCES:
      values = entry[reference]
      cells += [
          number % values['personalized'], number % values['prior'],
          values['closer']
      ]
    lines.append('| %s |' % ' | '.join(cells))
  given, trained = (
      measures_lib.closer_counts(measures, r) for r in measures_lib.REFERENCES)
  rates = copying['copy_rate']
  lines += [
      '',
      'The personalized samples are closer than the prior on **%d of %d** '
      'distribution measures against your songs as given, and on **%d of %d** '
      'against them as trained (%s).' %
      (given + trained + (_trained_keys(results['transpositions']),)),
      '',
      '**Copy rate: %s.** %.1f%% of the personalized samples replay a training '
      'window note for note (limit %.0f%%; the prior: %.1f%%). Mean distance '
      'to the nearest training window (1 - Jaccard similarity of their notes; '
      '0 = a copy): %.3f personalized, %.3f prior.' %
      ('pass' if copying['passed'] else 'FAIL', 100 * rates['personalized'],
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
      lines.append(
          '| %s | %s | %.3g | %.3g | %.3g |' %
          (track, feature, value, means['personalized'][track][feature],
           means['prior'][track][feature]))
  if 'songs' in results:
    lines += [''] + songs_lib.markdown(results['songs'])
  lines += [
      '',
      '## Reading it',
      '',
      '- *As given* compares with your songs in their own keys; *as trained* '
      'with every transposition the model learned from (%s), so it measures '
      'style apart from key when the model learned transpositions (a model '
      'that did can only be expected to match the second in pitch classes); '
      'for a model trained on the songs\' own keys the two are the same.' %
      _trained_keys(results['transpositions']),
      '- Latents: each window encoded by the MusicVAE encoder (mu). MMD²: the '
      'unbiased estimate, RBF kernel of bandwidth %.4g (the median distance '
      'within all sets pooled); near 0, and possibly slightly negative, when '
      'the sets are alike. Fréchet distance: between Gaussians fitted in the '
      'reference\'s top %d principal axes. Lower is closer.' %
      (results['mmd_bandwidth'], measures_lib.PCA_DIMS),
      '- OA (Yang & Lerch 2018): overlapping area, 0..1, of the samples\' and '
      'the songs\' distributions of a feature (kernel density estimates); for '
      'a histogram (pitch classes, drum classes), of the songs\' intra-set and '
      'the samples-to-songs inter-set Euclidean distances. Higher is closer.',
      '- Copy rate: a sample that replays a training window is memorised, not '
      'written; it is a pass/fail line, never counted as closeness.',
      '',
      '![feature distributions](%s)' % plots.FEATURES_PLOT,
      '',
      '![latents](%s)' % plots.LATENTS_PLOT,
      '',
  ]
  if 'chord_tones' in results:
    lines += _chord_tones_lines(results['chord_tones'])
  return '\n'.join(lines)


def _chord_tones_lines(chord_tones):
  return [
      '## Chords',
      '',
      'The share of notes on the beats that are tones of the chord sounding '
      'then: the samples over %s; the same latents decoded over it moved by '
      '%d semitones, measured against it (what a melody that ignored its '
      'chords would score); your songs\' windows over their own chords.' %
      (chord_tones['progression'], chord_tones['mismatch_semitones']),
      '',
      '| over the progression | over the mismatched one | your songs |',
      '| ---: | ---: | ---: |',
      '| %.3f | %.3f | %.3f |' %
      (chord_tones['over_progression'], chord_tones['over_mismatched'],
       chord_tones['songs']),
      '',
  ]


def chord_tones_summary(chord_tones):
  """One line for the terminal: the chord-tone shares."""
  return ('chord tones on the beats: %.3f over the progression, %.3f over it '
          'moved %d semitones, %.3f in your songs' %
          (chord_tones['over_progression'], chord_tones['over_mismatched'],
           chord_tones['mismatch_semitones'], chord_tones['songs']))


def _write_text(path, text):
  with open(path, 'w') as output:
    output.write(text)
  return path


def write_outputs(output_dir, results, details, latents):
  """Writes evaluation.md, evaluation.json, features.png and latents.png into
  `output_dir`, all or none (output_files.write_all_or_none). Returns the
  paths."""
  return output_files.write_all_or_none(output_dir, [
      (MARKDOWN_FILE, lambda p: _write_text(p, markdown_report(results))),
      (JSON_FILE, lambda p: _write_text(
          p,
          json.dumps(results, indent=2, sort_keys=True) + '\n')),
      (plots.FEATURES_PLOT,
       lambda p: plots.draw_features(p, details, results['metrics'])),
      (plots.LATENTS_PLOT, lambda p: plots.draw_latents(p, latents)),
  ])


def summary(results):
  """A few lines for the terminal: the latent measures, the counts, the copy
  rate."""
  measures, copying = results['metrics'], results['copying']
  lines = [
      '%-22s %12s %12s %-13s %12s %12s %s' %
      ('', 'personalized', 'prior', 'closer(given)', 'personalized', 'prior',
       'closer(trained)')
  ]
  for key, _ in measures_lib.LATENT_METRICS:
    entry = measures[key]
    lines.append('%-22s %12.4g %12.4g %-13s %12.4g %12.4g %s' %
                 (key, entry['given']['personalized'], entry['given']['prior'],
                  entry['given']['closer'], entry['trained']['personalized'],
                  entry['trained']['prior'], entry['trained']['closer']))
  counts = results['closer_counts']
  lines.append(
      'personalized closer on %d of %d measures (songs as given), %d of %d '
      '(as trained)' % tuple(counts['given'] + counts['trained']))
  lines.append('copy rate %.1f%% (limit %.0f%%): %s' %
               (100 * copying['copy_rate']['personalized'], 100 *
                copying['limit'], 'pass' if copying['passed'] else 'FAIL'))
  return '\n'.join(lines)

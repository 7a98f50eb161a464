"""midime.evaluation.report: evaluation.md, the terminal summary and the files
written all or none, on results computed by evaluation.measures from synthetic
windows (no model needed)."""

import json
import os

import numpy as np
import pytest

from midime.evaluation import measures as measures_lib
from midime.evaluation import plots
from midime.evaluation import report

_REPORT_STEPS = 32


def _report_windows(rng, count, low, high, notes=8, legato=True):
  """`count` random melody windows of `notes` notes, pitches `low`..`high`."""
  windows = []
  for _ in range(count):
    starts = np.sort(rng.choice(_REPORT_STEPS, notes, replace=False))
    ends = list(starts[1:]) + [_REPORT_STEPS] if legato else starts + 1
    windows.append(
        frozenset(('melody', int(rng.integers(low, high)), int(a), int(b))
                  for a, b in zip(starts, ends)))
  return windows


def _report_results(copying_samples, transpositions=(0,), seed=0):
  """(results as evaluation.json holds them, details, latents) of synthetic
  windows: personalized samples that replay the songs when `copying_samples`."""
  rng = np.random.default_rng(seed)
  songs = _report_windows(rng, 12, 60, 72)
  personalized = (list(songs) if copying_samples else _report_windows(
      rng, 12, 58, 74))
  windows = {
      'examples': songs,
      'training': songs,
      'personalized': personalized,
      'prior': _report_windows(rng, 12, 30, 100, notes=3, legato=False)
  }
  latents = {
      name: rng.standard_normal([12, 6]) + (name == 'prior') * 2.0
      for name in windows
  }
  measures, copying, details = measures_lib.compute_metrics(
      windows, latents, _REPORT_STEPS, seed=seed)
  results = measures_lib.plain({
      'config': 'ae-cat-mel_2bar_big',
      'vae_config': 'cat-mel_2bar_big',
      'checkpoint': 'run/ae-cat-mel_2bar_big.tar',
      'music_vae': 'cat-mel_2bar_big.tar',
      'examples_path': 'songs/',
      'num_samples': len(personalized),
      'temperature': 0.5,
      'seed': seed,
      'num_example_windows': len(songs),
      'num_training_windows': len(songs),
      'transpositions': list(transpositions),
      **measures_lib.measured(measures, copying, details),
  })
  return results, details, latents


@pytest.fixture(scope='module')
def report_results():
  """Results of samples that copy the songs and of samples that do not."""
  return {copies: _report_results(copies) for copies in (True, False)}


def test_the_report_is_titled_by_the_config_and_says_what_was_compared(
    report_results):
  results = report_results[False][0]
  lines = report.markdown_report(results).splitlines()
  assert lines[0] == '# Does %s sound like your songs?' % results['config']
  intro = lines[2]
  for key in ('checkpoint', 'music_vae', 'examples_path'):
    assert '`%s`' % results[key] in intro
  assert '%d samples from' % results['num_samples'] in intro
  assert 'the %d windows of' % results['num_example_windows'] in intro


def test_the_report_has_one_table_row_per_measure(report_results):
  results = report_results[False][0]
  lines = report.markdown_report(results).splitlines()
  for key, entry in results['metrics'].items():
    rows = [
        line for line in lines
        if line.startswith('| %s | %s |' %
                           (entry['description'], entry['closer_is']))
    ]
    assert len(rows) == 1, key
    cells = rows[0].strip('|').split('|')
    assert [cell.strip() for cell in cells[4::3]] == [
        entry[reference]['closer'] for reference in measures_lib.REFERENCES
    ]


def test_the_report_counts_the_measures_on_which_personalization_is_closer(
    report_results):
  results = report_results[False][0]
  text = report.markdown_report(results)
  given, trained = (
      results['closer_counts'][r] for r in measures_lib.REFERENCES)
  assert ('closer than the prior on **%d of %d** distribution measures against '
          'your songs as given, and on **%d of %d**' %
          tuple(given + trained)) in text


def test_the_copy_line_passes_or_fails_as_the_copy_rate_says(report_results):
  verdicts = set()
  for results, _, _ in report_results.values():
    copying = results['copying']
    verdict = 'pass' if copying['passed'] else 'FAIL'
    verdicts.add(verdict)
    text = report.markdown_report(results)
    assert '**Copy rate: %s.** %.1f%% of the personalized samples' % (
        verdict, 100 * copying['copy_rate']['personalized']) in text
  assert verdicts == {'pass', 'FAIL'}  # both cases were drawn


@pytest.mark.parametrize(
    'transpositions, words',
    [([0], "the songs' own keys, untransposed"),
     (list(range(-5, 6)), 'transpositions -5..+5 semitones'),
     ([2, 3], 'transpositions +2..+3 semitones')])
def test_the_report_says_which_keys_the_model_trained_on(
    report_results, transpositions, words):
  results = dict(report_results[False][0], transpositions=transpositions)
  text = report.markdown_report(results)
  assert 'the model trained on (%s)' % words in text


def test_the_report_lists_each_scalar_features_means(report_results):
  results = report_results[False][0]
  lines = report.markdown_report(results).splitlines()
  means = results['feature_means']
  rows = 0
  for track, per_feature in means['examples'].items():
    for feature, value in per_feature.items():
      if isinstance(value, list):  # a histogram: in the plot, not the table
        assert not any(
            line.startswith('| %s | %s |' % (track, feature)) for line in lines)
        continue
      rows += 1
      assert '| %s | %s | %.3g | %.3g | %.3g |' % (
          track, feature, value, means['personalized'][track][feature],
          means['prior'][track][feature]) in lines
  assert rows > 0


def test_the_report_shows_both_plots(report_results):
  text = report.markdown_report(report_results[False][0])
  assert '](%s)' % plots.FEATURES_PLOT in text
  assert '](%s)' % plots.LATENTS_PLOT in text


def test_the_summary_has_the_latent_measures_counts_and_copy_rate(
    report_results):
  for results, _, _ in report_results.values():
    lines = report.summary(results).splitlines()
    assert len(lines) == 1 + len(measures_lib.LATENT_METRICS) + 2
    for line, (key, _) in zip(lines[1:], measures_lib.LATENT_METRICS):
      entry = results['metrics'][key]
      assert line.split()[0] == key
      assert line.split()[3] == entry['given']['closer']
      assert line.split()[-1] == entry['trained']['closer']
    counts = results['closer_counts']
    assert lines[-2] == ('personalized closer on %d of %d measures (songs as '
                         'given), %d of %d (as trained)' %
                         tuple(counts['given'] + counts['trained']))
    copying = results['copying']
    assert lines[-1] == 'copy rate %.1f%% (limit %.0f%%): %s' % (
        100 * copying['copy_rate']['personalized'], 100 * copying['limit'],
        'pass' if copying['passed'] else 'FAIL')


def test_write_outputs_writes_the_report_the_json_and_both_plots(
    report_results, tmp_path):
  results, details, latents = report_results[False]
  output_dir = tmp_path / 'evaluation'
  paths = report.write_outputs(str(output_dir), results, details, latents)
  names = [
      report.MARKDOWN_FILE, report.JSON_FILE, plots.FEATURES_PLOT,
      plots.LATENTS_PLOT
  ]
  assert paths == [str(output_dir / name) for name in names]
  assert sorted(os.listdir(output_dir)) == sorted(names)
  assert (output_dir /
          report.MARKDOWN_FILE).read_text() == (report.markdown_report(results))
  assert json.loads((output_dir / report.JSON_FILE).read_text()) == results
  for name in (plots.FEATURES_PLOT, plots.LATENTS_PLOT):
    assert (output_dir / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_write_outputs_leaves_nothing_when_a_plot_fails(report_results,
                                                        tmp_path, monkeypatch):
  results, details, latents = report_results[False]

  def broken(path, unused_latents):
    with open(path, 'w') as half:
      half.write('half a picture')
    raise OSError('[Errno 28] No space left on device: %s' % path)

  def quick_features(path, unused_details, unused_measures):
    with open(path, 'wb') as picture:
      picture.write(b'a whole picture')

  monkeypatch.setattr(plots, 'draw_features', quick_features)
  monkeypatch.setattr(plots, 'draw_latents', broken)
  output_dir = tmp_path / 'evaluation'
  with pytest.raises(OSError):
    report.write_outputs(str(output_dir), results, details, latents)
  assert not output_dir.exists()
  # Into a folder that holds an earlier report: the earlier one stays whole.
  (tmp_path / report.MARKDOWN_FILE).write_text('the earlier report')
  with pytest.raises(OSError):
    report.write_outputs(str(tmp_path), results, details, latents)
  assert os.listdir(tmp_path) == [report.MARKDOWN_FILE]
  assert (tmp_path / report.MARKDOWN_FILE).read_text() == 'the earlier report'

"""midime-evaluate --songs on the tiny trained model: the song measures of the
generated, training and baseline songs in evaluation.json and evaluation.md,
and bad input as one line that names the flag, with nothing written."""

import json
import os

import pytest

from midime import checkpoints
from midime.errors import UserError
from midime.evaluation import songs as songs_lib
from midime.jobs import evaluate as evaluate_job
from tests import testing_lib

AE_CONFIG = 'ae-cat-mel_2bar_big'
NUM_SONGS, NUM_BARS = 2, 32


def test_the_report_measures_generated_training_and_baseline_songs(
    trained_models, songs_tfrecord, tmp_path):
  output_dir = str(tmp_path / 'evaluation')
  results, _ = evaluate_job.run(
      evaluate_job.EvaluateOptions(
          run_dir=trained_models[AE_CONFIG].run_dir,
          examples_path=songs_tfrecord, output_dir=output_dir, num_samples=4,
          max_batch_size=8, seed=1, songs=True, num_songs=NUM_SONGS,
          num_bars=NUM_BARS))
  # The window report is still all there, and the songs beside it.
  testing_lib.check_evaluation_report(output_dir, results)
  with open(os.path.join(output_dir, 'evaluation.json')) as json_file:
    songs = json.load(json_file)['songs']
  sets = songs['sets']
  assert set(sets) == set(songs_lib.SETS)
  window_bars = songs['window_bars']
  song_windows = NUM_BARS // window_bars
  for name in ('generated', 'baseline'):
    assert sets[name]['num_songs'] == NUM_SONGS
    assert sets[name]['num_windows'] == NUM_SONGS * song_windows
    assert 0.0 <= sets[name]['copy_rate'] <= 1.0
  # The five songs of the fixture, each of whole windows.
  assert sets['training']['num_songs'] == 5
  assert sets['training']['copy_rate'] is None
  assert sets['generated']['silent_windows'] == 0
  for name, values in sets.items():
    assert set(values) == set(sets['generated']), name
    assert 0.0 <= values['near_repeat_share'] <= 1.0
    for key in ('jump_mean', 'jump_p90', 'gap_mean', 'gap_p90'):
      assert values[key] is not None and values[key] >= 0, (name, key)
    assert 0.0 <= values['key_consistency'] <= 1.0
  # Four sections of the default form: returning and other sections both.
  generated = sets['generated']
  assert generated['same_letter_similarity'] == pytest.approx(1.0)
  assert generated['structure'] == pytest.approx(
      generated['same_letter_similarity'] -
      generated['other_letter_similarity'])
  markdown = open(os.path.join(output_dir, 'evaluation.md')).read()
  assert '## Songs' in markdown
  assert '| measure | %s |' % ' | '.join(
      songs_lib.SET_TITLES[name] for name in songs_lib.SETS) in markdown


@pytest.mark.parametrize('overrides, message', [
    ({
        'num_songs': 0
    }, 'num_songs must be at least 1, got 0'),
    ({
        'num_bars': 0
    }, 'num_bars must be at least 1, got 0'),
    ({
        'num_bars': 3
    }, 'num_bars must be a positive multiple of the model\'s 2-bar window'),
])
def test_bad_song_options_raise_user_errors(trained_models, songs_tfrecord,
                                            tmp_path, overrides, message):
  arguments = dict(run_dir=trained_models[AE_CONFIG].run_dir,
                   examples_path=songs_tfrecord,
                   output_dir=str(tmp_path / 'evaluation'), num_samples=4,
                   songs=True)
  arguments.update(overrides)
  with pytest.raises(UserError) as raised:
    evaluate_job.run(evaluate_job.EvaluateOptions(**arguments))
  assert message in str(raised.value) and '--' not in str(raised.value)
  assert not (tmp_path / 'evaluation').exists()


def test_a_model_without_song_form_says_so_before_sampling(
    trained_models, songs_tfrecord, tmp_path):
  run_dir = testing_lib.copy_run(trained_models[AE_CONFIG].run_dir, tmp_path)
  os.remove(str(run_dir / 'train' / checkpoints.SONG_FORM_SIDECAR))
  with pytest.raises(UserError, match='songs needs a learned song form'):
    evaluate_job.run(
        evaluate_job.EvaluateOptions(run_dir=str(run_dir),
                                     examples_path=songs_tfrecord,
                                     output_dir=str(tmp_path / 'evaluation'),
                                     num_samples=4, songs=True))
  assert not (tmp_path / 'evaluation').exists()


def test_the_program_says_a_bad_num_songs_in_one_line_and_writes_nothing(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, run_program):
  output_dir = tmp_path / 'evaluation'
  result = run_program(
      'evaluate',
      '--checkpoint_file=%s' % trained_models[AE_CONFIG].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--examples_path=%s' % songs_tfrecord, '--output_dir=%s' % output_dir,
      '--songs', '--num_songs=0')
  testing_lib.assert_failed_cleanly(
      result, 'error: --num_songs must be at least 1, got 0', output_dir)


def test_help_explains_the_song_flags(run_program):
  result = run_program('evaluate', '--help')
  assert result.returncode == 0
  for flag in ('--[no]songs', '--num_songs', '--num_bars'):
    assert flag in result.stdout

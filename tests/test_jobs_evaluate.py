"""jobs/evaluate.py: midime-evaluate's job on tiny trained models: the report
of a run folder, nothing left by a failed write, and bad arguments as
UserErrors that name them."""

import os

import pytest

from midime.errors import UserError
from midime.evaluation import plots
from midime.jobs import evaluate as evaluate_job
from tests import testing_lib


def test_lc_model_from_its_run_dir_reads_the_recorded_music_vae(
    trained_models, songs_tfrecord, tmp_path):
  output_dir = str(tmp_path / 'evaluation')
  results, paths = evaluate_job.run(
      evaluate_job.EvaluateOptions(
          run_dir=trained_models['lc-cat-mel_2bar_big'].run_dir,
          examples_path=songs_tfrecord, output_dir=output_dir, num_samples=6,
          max_batch_size=4, seed=1))
  assert sorted(
      os.path.basename(p) for p in paths) == testing_lib.EVALUATION_FILES
  testing_lib.check_evaluation_report(output_dir, results)
  assert results['config'] == 'lc-cat-mel_2bar_big'
  assert results['music_vae'].endswith('tiny-mel_2bar.ckpt')


def test_a_failed_write_leaves_nothing(trained_models, songs_tfrecord, tmp_path,
                                       monkeypatch):

  def broken(path, latents):
    with open(path, 'w') as half_written:
      half_written.write('half')
    raise OSError('disk full')

  monkeypatch.setattr(plots, 'draw_latents', broken)
  output_dir = tmp_path / 'evaluation'
  with pytest.raises(OSError, match='disk full'):
    evaluate_job.run(
        evaluate_job.EvaluateOptions(
            run_dir=trained_models['ae-cat-mel_2bar_big'].run_dir,
            examples_path=songs_tfrecord, output_dir=str(output_dir),
            num_samples=4, seed=1))
  assert not output_dir.exists()


@pytest.mark.parametrize('overrides, message', [
    ({
        'checkpoint_file': 'x.tar'
    }, 'give exactly one of run_dir or'),
    ({
        'num_samples': 1
    }, 'num_samples must be at least 2'),
    ({
        'max_batch_size': 0
    }, 'max_batch_size must be at least 1'),
    ({
        'temperature': 0.0
    }, 'temperature must be a number above 0'),
    ({
        'examples_path': None
    }, 'examples_path (your songs) is required'),
    ({
        'output_dir': '%(notes)s/evaluation'
    }, 'cannot be created'),
    ({
        'vae_checkpoint_file': '%(missing)s'
    }, 'MusicVAE checkpoint not found'),
    ({
        'examples_path': '%(short_song)s'
    }, 'the comparison needs at least 2'),
    ({
        'examples_path': '%(notes)s'
    }, 'holds no NoteSequences'),
    ({
        'vae_checkpoint_file': '%(bundle)s'
    }, 'is a SmallMusicVAE/LCMusicVAE checkpoint'),
])
def test_bad_arguments_raise_user_errors(trained_models, songs_tfrecord,
                                         tmp_path, overrides, message):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not songs')
  short_song = str(tmp_path / 'short.mid')
  testing_lib.write_midi(short_song, testing_lib.random_melody(0, bars=2))
  paths = {
      'notes': notes,
      'missing': tmp_path / 'absent.tar',
      'short_song': short_song,
      'bundle': trained_models['lc-cat-mel_2bar_big'].bundle
  }
  arguments = dict(run_dir=trained_models['ae-cat-mel_2bar_big'].run_dir,
                   examples_path=songs_tfrecord,
                   output_dir=str(tmp_path / 'evaluation'), num_samples=4)
  arguments.update({
      key: value % paths if isinstance(value, str) else value
      for key, value in overrides.items()
  })
  with pytest.raises(UserError) as raised:
    evaluate_job.run(evaluate_job.EvaluateOptions(**arguments))
  # The API names its options as they are spelled in Python, not as flags.
  assert message in str(raised.value) and '--' not in str(raised.value)
  assert not (tmp_path / 'evaluation').exists()

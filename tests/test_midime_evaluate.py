"""midime_evaluate.py end to end on tiny models: the report, its numbers and pictures,
and bad input as one clear line, exit 1, nothing written."""

import json
import os

import numpy as np
import pytest

from conftest import assert_failed_cleanly, run_script, with_defaults
from conftest import TINY_AE_HPARAMS, TINY_LC_HPARAMS
from midime.errors import UserError
from midime.evaluation import plots
from midime import music_metrics
from midime.jobs import evaluate as evaluate_job
from midime.evaluation import measures as measures_lib
from midime.jobs import train as train_job
import melodies

EVALUATE = 'midime_evaluate.py'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
OUTPUTS = ['evaluation.json', 'evaluation.md', 'features.png', 'latents.png']


@pytest.fixture(scope='module')
def runs(tiny_vae, songs_tfrecord, tmp_path_factory):
  """config name -> (run_dir, bundle) of a model trained for 5 steps."""
  trained = {}
  for name, hparams in (('ae-cat-mel_2bar_big', TINY_AE_HPARAMS),
                        ('lc-cat-mel_2bar_big', TINY_LC_HPARAMS)):
    run_dir = str(tmp_path_factory.mktemp(name))
    trained[name] = (run_dir, train_job.run(train_job.TrainOptions(config=name, run_dir=run_dir, mode='train', examples_path=songs_tfrecord, pretrained_path=tiny_vae.prefix, num_steps=5, hparams=hparams)))
  return trained


def check_report(output_dir, results):
  assert sorted(os.listdir(output_dir)) == OUTPUTS  # and no .partial files
  with open(os.path.join(output_dir, 'evaluation.json')) as json_file:
    stored = json.load(json_file)
  assert stored == results
  # Each distribution measure once: two latent distances, six melody features; no
  # mean of the features beside them, no copy rate among them.
  assert set(stored['metrics']) == (
      {key for key, _ in measures_lib.LATENT_METRICS} |
      {'oa_melody_' + name for name in music_metrics.FEATURE_DESCRIPTIONS})
  for key, entry in stored['metrics'].items():
    for reference in ('given', 'trained'):
      assert entry[reference]['closer'] in ('personalized', 'prior', 'tie'), key
      for name in ('personalized', 'prior'):
        if key.startswith('oa_'):
          assert 0.0 <= entry[reference][name] <= 1.0, (key, entry)
  copying = stored['copying']
  assert copying['passed'] == (copying['copy_rate']['personalized'] <= 0.05)
  for name in ('personalized', 'prior'):
    assert 0.0 <= copying['nearest_neighbour_distance'][name] <= 1.0
  # The five 4-bar songs give 3 slices each; SmallMusicVAE trains on them in their own
  # keys, LCMusicVAE at 11 transpositions.
  assert stored['num_example_windows'] == 15
  transpositions = 1 if stored['config'].startswith('ae-') else 11
  assert stored['num_training_windows'] == 15 * transpositions
  assert len(stored['transpositions']) == transpositions
  markdown = open(os.path.join(output_dir, 'evaluation.md')).read()
  assert '| measure | closer is | personalized | prior | closer (songs as given) ' in markdown
  for entry in stored['metrics'].values():
    assert '| %s |' % entry['description'] in markdown
  assert '**Copy rate: %s.**' % ('pass' if copying['passed'] else 'FAIL') in markdown
  for picture in ('features.png', 'latents.png'):
    with open(os.path.join(output_dir, picture), 'rb') as png:
      assert png.read(8) == PNG_MAGIC


def test_the_script_writes_the_report(runs, tiny_vae, songs_tfrecord, tmp_path):
  output_dir = tmp_path / 'evaluation'
  result = run_script(
      EVALUATE, '--config=ae-cat-mel_2bar_big',
      '--checkpoint_file=%s' % runs['ae-cat-mel_2bar_big'][1],
      '--vae_checkpoint_file=%s' % tiny_vae.tar, '--examples_path=%s' % songs_tfrecord,
      '--num_samples=12', '--max_batch_size=8', '--seed=3',
      '--output_dir=%s' % output_dir)
  assert result.returncode == 0, result.stderr
  with open(output_dir / 'evaluation.json') as json_file:
    results = json.load(json_file)
  check_report(str(output_dir), results)
  assert results['num_samples'] == 12 and results['seed'] == 3
  assert results['config'] == 'ae-cat-mel_2bar_big'
  assert 'latent_frechet_pca' in result.stderr and 'copy rate' in result.stderr
  assert 'Wrote %s' % (output_dir / 'evaluation.md') in result.stderr


def test_lc_model_from_its_run_dir_reads_the_recorded_music_vae(runs, songs_tfrecord,
                                                                tmp_path):
  output_dir = str(tmp_path / 'evaluation')
  results, paths = evaluate_job.run(evaluate_job.EvaluateOptions(run_dir=runs['lc-cat-mel_2bar_big'][0], examples_path=songs_tfrecord, output_dir=output_dir, num_samples=6, max_batch_size=4, seed=1))
  assert sorted(os.path.basename(p) for p in paths) == OUTPUTS
  check_report(output_dir, results)
  assert results['config'] == 'lc-cat-mel_2bar_big'
  assert results['music_vae'].endswith('tiny-mel_2bar.ckpt')


def test_a_failed_write_leaves_nothing(runs, songs_tfrecord, tmp_path, monkeypatch):
  def broken(path, latents):
    with open(path, 'w') as half_written:
      half_written.write('half')
    raise OSError('disk full')

  monkeypatch.setattr(plots, 'draw_latents', broken)
  output_dir = tmp_path / 'evaluation'
  with pytest.raises(OSError, match='disk full'):
    evaluate_job.run(evaluate_job.EvaluateOptions(run_dir=runs['ae-cat-mel_2bar_big'][0], examples_path=songs_tfrecord, output_dir=str(output_dir), num_samples=4, seed=1))
  assert not output_dir.exists()


def test_help_explains_the_flags(run_program):
  result = run_program('evaluate', '--help')
  assert result.returncode == 0
  for flag in ('--run_dir', '--checkpoint_file', '--vae_checkpoint_file', '--config',
               '--vae_config', '--examples_path', '--num_samples', '--temperature',
               '--seed', '--output_dir', '--max_batch_size'):
    assert flag in result.stdout


@pytest.mark.parametrize('args, message', [
    (['--num_samples=0'], 'error: --num_samples must be at least 2, got 0'),
    (['--checkpoint_file=%(missing)s'],
     'error: SmallMusicVAE/LCMusicVAE checkpoint not found'),
])
def test_bad_input_is_one_line_and_writes_nothing(runs, tiny_vae, songs_tfrecord,
                                                  tmp_path, args, message,
                                                  run_program):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not songs')
  paths = {'notes': notes, 'missing': tmp_path / 'absent.tar'}
  output_dir = tmp_path / 'evaluation'
  defaults = ['--checkpoint_file=%s' % runs['ae-cat-mel_2bar_big'][1],
              '--vae_checkpoint_file=%s' % tiny_vae.tar,
              '--examples_path=%s' % songs_tfrecord, '--output_dir=%s' % output_dir]
  result = run_program('evaluate', *with_defaults(defaults, [arg % paths for arg in args]))
  assert_failed_cleanly(result, message, output_dir)


@pytest.mark.parametrize('overrides, message', [
    ({'checkpoint_file': 'x.tar'}, 'give exactly one of --run_dir or'),
    ({'num_samples': 1}, '--num_samples must be at least 2'),
    ({'max_batch_size': 0}, '--max_batch_size must be at least 1'),
    ({'temperature': 0.0}, '--temperature must be a number above 0'),
    ({'examples_path': None}, '--examples_path (your songs) is required'),
    ({'output_dir': '%(notes)s/evaluation'}, 'cannot be created'),
    ({'vae_checkpoint_file': '%(missing)s'}, 'MusicVAE checkpoint not found'),
    ({'examples_path': '%(short_song)s'}, 'the comparison needs at least 2'),
    ({'examples_path': '%(notes)s'}, 'holds no NoteSequences'),
    ({'vae_checkpoint_file': '%(bundle)s'}, 'is a SmallMusicVAE/LCMusicVAE checkpoint'),
])
def test_bad_arguments_raise_user_errors(runs, songs_tfrecord, tmp_path, overrides,
                                         message):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not songs')
  short_song = str(tmp_path / 'short.mid')
  melodies.write_midi(short_song, melodies.random_melody(0, bars=2))
  paths = {'notes': notes, 'missing': tmp_path / 'absent.tar',
           'short_song': short_song, 'bundle': runs['lc-cat-mel_2bar_big'][1]}
  arguments = dict(run_dir=runs['ae-cat-mel_2bar_big'][0],
                   examples_path=songs_tfrecord,
                   output_dir=str(tmp_path / 'evaluation'), num_samples=4)
  arguments.update({key: value % paths if isinstance(value, str) else value
                    for key, value in overrides.items()})
  with pytest.raises(UserError) as raised:
    evaluate_job.run(evaluate_job.EvaluateOptions(**arguments))
  assert message in str(raised.value)
  assert not (tmp_path / 'evaluation').exists()


def _random_windows(rng, count, low, high, notes=8, legato=True):
  windows = []
  for _ in range(count):
    starts = np.sort(rng.choice(32, notes, replace=False))
    ends = list(starts[1:]) + [32] if legato else starts + 1
    windows.append(frozenset(('melody', int(rng.integers(low, high)), int(a), int(b))
                             for a, b in zip(starts, ends)))
  return windows


def test_samples_that_replay_the_songs_are_closer_on_every_measure_but_fail_copying():
  rng = np.random.default_rng(0)
  songs = _random_windows(rng, 20, 60, 72)
  windows = {'examples': songs, 'training': songs, 'personalized': list(songs),
             'prior': _random_windows(rng, 20, 30, 100, notes=3, legato=False)}
  latents = {'examples': rng.standard_normal([20, 6])}
  latents['training'] = latents['personalized'] = latents['examples'].copy()
  latents['prior'] = rng.standard_normal([20, 6]) + 2.0
  measures, copying, _ = measures_lib.compute_metrics(windows, latents, 32, seed=0)
  for reference in ('given', 'trained'):
    assert measures_lib.closer_counts(measures, reference) == (8, 8), measures
  # Replaying the songs is closeness no one wants: the copy line fails.
  assert copying['copy_rate'] == {'personalized': 1.0, 'prior': 0.0}
  assert not copying['passed']
  assert copying['nearest_neighbour_distance']['personalized'] == 0.0
  given = {key: entry['given']['personalized'] for key, entry in measures.items()}
  assert given['latent_frechet_pca'] == pytest.approx(0, abs=1e-9)
  # The unbiased MMD of a set with itself is below 0: its cross term keeps the
  # diagonal its self terms leave out.
  assert given['latent_mmd'] < 0
  assert given['oa_melody_num_notes'] == pytest.approx(1, abs=1e-3)

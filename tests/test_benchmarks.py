"""benchmarks/: every case's code runs, on tiny checkpoints where it can.

`make bench QUICK=1` (run by CI) measures on full-size checkpoints; these
tests catch in seconds what would break it: a module renamed under it, a log
line it looks for reworded, a report it can no longer write.
"""

import importlib
import os
import pkgutil

import pytest

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
import benchmarks
from benchmarks import common
from benchmarks import dedup
from benchmarks import encoding
from benchmarks import families
from benchmarks import main_tables
from benchmarks import memory
from benchmarks import original_method
from benchmarks import report
from benchmarks import run
from benchmarks import sampling
from benchmarks import song_mode
from benchmarks import songs
from benchmarks import songs25
from benchmarks import studio
from benchmarks import training
from midime import frozen_music_vae
from midime import random_music_vae

# The MusicVAE graphs at toy sizes: the same variable names, milliseconds a
# batch.
TINY_SIZES = {'z_size': 16, 'enc_rnn_size': [32], 'dec_rnn_size': [32]}


@pytest.fixture(scope='module')
def tiny_vae(tmp_path_factory):
  """A random cat-mel_2bar_big checkpoint at toy sizes (sizes beside it):
  (its prefix, the same as a .tar)."""
  folder = str(tmp_path_factory.mktemp('tiny_vae'))
  tar_path = random_music_vae.write_random_music_vae(folder, hparams=TINY_SIZES,
                                                     as_tar=True)
  return os.path.join(folder, common.VAE_NAME + '.ckpt'), tar_path


@pytest.fixture(scope='module')
def tiny_prefix(tiny_vae):
  return tiny_vae[0]


def test_every_module_of_the_package_imports():
  names = [info.name for info in pkgutil.iter_modules(benchmarks.__path__)]
  assert {'common', 'run', 'main_tables', 'songs25', 'dedup', 'families',
          'song_mode'} <= set(names)
  for name in names:
    importlib.import_module('benchmarks.' + name)


def test_the_import_floor_imports_the_modules_the_programs_import():
  assert memory.import_floor_rss() > 100 * 2**20


def test_the_programs_timed_are_in_the_repository():
  for script in (common.TRAIN_SCRIPT, common.GENERATE_SCRIPT):
    assert os.path.isfile(os.path.join(common.REPO, script))


def test_the_quick_run_never_writes_the_committed_report():
  quick = run.make_settings(quick=True)
  assert quick.output != run.FULL_OUTPUT
  assert quick.repeats == 1 and quick.steps == songs25.QUICK_STEPS
  assert quick.command == 'make bench QUICK=1'
  full = run.make_settings(only=['songs25'])
  assert full.output == run.FULL_OUTPUT and full.steps == songs25.STEPS
  assert full.command == 'make bench ONLY=songs25'


def test_unknown_cases_are_refused_before_anything_runs(tmp_path):
  with pytest.raises(ValueError, match='unknown case'):
    run.run_cases(run.make_settings(cache_dir=str(tmp_path / 'cache')),
                  ['main', 'nope'])
  assert not os.path.exists(str(tmp_path / 'cache'))


def test_a_section_replaces_its_previous_run_and_keeps_the_others(tmp_path):
  path = str(tmp_path / 'report.md')
  report.write_section(path, 'a', ['first'])
  report.write_section(path, 'b', ['other'])
  report.write_section(path, 'a', ['second'])
  text = open(path).read()
  assert 'first' not in text and 'second' in text and 'other' in text
  assert report.section_names(path) == ['a', 'b']
  report.write_head(path, ['# Benchmarks', '', 'head', ''])
  text = open(path).read()
  assert text.startswith('# Benchmarks\n\nhead\n')
  assert report.section_names(path) == ['a', 'b']


def test_the_main_tables_are_written_from_their_rows(tmp_path):
  train = [{
      'examples': 99,
      'steps': 1000,
      'batch_size': 64,
      'wall_s': 12.0,
      'rss': 900 * 2**20
  }, {
      'examples': 99,
      'steps': 1000,
      'batch_size': 2,
      'wall_s': 10.0,
      'rss': 800 * 2**20
  }]
  original = [{
      'examples': 99,
      'wall_s': 20.0,
      'rss': 1,
      'timed_steps': 30,
      'step_s': 0.17
  }]
  encoded = [{'examples': 99, 'ours': 125.0, 'magenta': 95.0, 'repeats': 1}]
  sampled = [{'outputs': 8, 'ours': 19.4, 'magenta': 19.0, 'repeats': 1}]
  generation = {'wall_s': 9.0, 'rss': 1200 * 2**20, 'outputs': 64}
  size = 513 * 2**20
  lines = (main_tables.goals_lines(train, original, encoded, sampled,
                                   memory.generation_ratio(generation, size)) +
           training.section_lines(train, original) +
           encoding.section_lines(encoded) + sampling.section_lines(sampled) +
           memory.section_lines(train, generation, 800 * 2**20, size))
  text = '\n'.join(lines)
  assert '| 99 | 1000 | 64 | 12.0 | 185 | 15.4× | ≥ 10×: met |' in text
  assert 'batch 2, ≥ 10× the original method: **met' in text
  assert '| 99 | 125 | 95 | 1.32× | met (1 repeat) |' in text
  assert ('Generation peak RSS ≤ 1.5× the checkpoint: **not met** (2.34×)'
          in text)


def test_dedup_counts_the_demo_songs(tmp_path):
  path = str(tmp_path / 'report.md')
  dedup.run(run.make_settings(quick=True, output=path))
  rows = [line for line in open(path) if line.startswith('| data/')]
  assert len(rows) == 1
  _, _, num_songs, num_windows, distinct, _, _ = rows[0].split('|')
  assert int(num_songs) == 8 and 0 < int(distinct) <= int(num_windows)


def test_the_original_method_trains_over_the_musicvae(tmp_path, tiny_prefix):
  path, _ = songs.random_songs(str(tmp_path), 2)
  assert original_method.median_step_seconds(path, tiny_prefix, 2) > 0


def test_encoding_is_measured_against_magenta(tmp_path, tiny_prefix):
  settings = run.make_settings(quick=True, cache_dir=str(tmp_path))
  rows = encoding.measure(settings, tiny_prefix, [3])
  assert rows[0]['examples'] == songs.random_songs(str(tmp_path), 3)[1]
  assert rows[0]['ours'] > 0 and rows[0]['magenta'] > 0


def test_sampling_is_measured_against_magenta(tmp_path, tiny_vae):
  settings = run.make_settings(quick=True, cache_dir=str(tmp_path))
  rows, generation = sampling.measure(settings, tiny_vae[0], tiny_vae[1], [8])
  assert rows[0]['outputs'] == 8
  assert rows[0]['ours'] > 0 and rows[0]['magenta'] > 0
  assert generation['rss'] > 0


@pytest.mark.parametrize('name', ['cat-drums_2bar_small', 'hierdec-mel_16bar'])
def test_a_family_is_measured_against_magenta(tmp_path, name):
  random_music_vae.write_random_music_vae(str(tmp_path), name,
                                          hparams=TINY_SIZES)
  prefix = str(tmp_path / (name + '.ckpt'))
  vae_config = frozen_music_vae.music_vae_config(name, TINY_SIZES)
  assert families.complete_checkpoint(prefix, vae_config)
  row = families.measure(prefix, vae_config, name, 4, 2, 1)
  for key in ('encode_ours', 'encode_magenta', 'sample_ours', 'sample_magenta',
              'gflop', 'matmul_gflops'):
    assert row[key] > 0, key


def test_the_training_log_still_marks_each_phase(tmp_path, tiny_prefix):
  path, _ = songs.random_songs(str(tmp_path), 2)
  command = [
      common.TRAIN_SCRIPT, '--config=' + common.CONFIG_NAME,
      '--run_dir=' + str(tmp_path / 'run'), '--examples_path=' + path,
      '--pretrained_path=' + tiny_prefix, '--seed=1'
  ]
  _, marks, output = common.timed_run(command + ['--num_steps=2'],
                                      songs25.MARKERS)
  common.require_marks(marks, ('songs_read', 'encoding', 'first_step'), output)
  _, marks, output = common.timed_run(command + ['--num_steps=3'],
                                      songs25.MARKERS)
  common.require_marks(marks, ('cache_reused', 'first_step'), output)


def test_song_mode_is_a_case_and_its_section_is_written_from_its_rows():
  assert run.CASES['song'] is song_mode.run
  row = {
      'family': '2-bar',
      'config': 'ae-cat-mel_2bar_big',
      'base_model': 'model/folk-mel_2bar.tar',
      'load_s': 1.5,
      'first_s': 0.35,
      'plain_s': [0.12, 0.16, 0.14],
      'varied_s': [0.33, 0.29, 0.31],
      'windows': 32,
      'song': '64 bars, form A A B B A A B B (sections of 8 bars)',
      'load': '1.0/1.0/1.0'
  }
  slow = dict(row, family='16-bar', varied_s=[9.0])
  text = '\n'.join(song_mode.section_lines('make bench', 'now', [row, slow]))
  assert ('| 2-bar | ae-cat-mel_2bar_big (model/folk-mel_2bar.tar) | 1.50 | '
          '0.35 | 0.14 | 0.16 | 0.31 | 0.33 | 1 + 3 + 3 |') in text
  assert '| 16-bar |' in text and '| 9.00 | 9.00 | 1 + 3 + 1 |' in text
  assert 'family in at most a few seconds' in text
  assert '**met** (the slowest of its songs, the first included: 0.35 s' in text
  text = '\n'.join(song_mode.section_lines('make bench', 'now', [slow]))
  assert '**not met**' in text


def test_song_mode_times_the_songs_of_a_trained_run(tmp_path, tiny_prefix):
  run_dir = str(tmp_path / 'run')
  train = song_mode.train_command(run_dir, common.CONFIG_NAME, tiny_prefix,
                                  steps=2)
  common.timed_run(train, {})
  row = song_mode.measure(run_dir, train, 1, num_bars=8)
  assert row['windows'] == 4 and row['load_s'] > 0 and row['first_s'] > 0
  assert len(row['plain_s']) == 1 and len(row['varied_s']) == 1


def test_the_studio_case_writes_its_slider_figures_and_judges_the_goal():
  assert run.CASES['studio'] is studio.run
  row = dict(config='ae-cat-mel_2bar_big', latent_size=4, first_s=0.21,
             moves_s=[0.041, 0.044, 0.039], wav_bytes=705644, load='1.0')
  text = '\n'.join(studio.section_lines('make bench', 'now', [row]))
  assert ('| ae-cat-mel_2bar_big | 4 | 0.21 | 0.041 | 0.044 | 3 | 705,644 | '
          '1.0 |') in text
  assert '**met** (worst 0.044 s, median 0.041 s)' in text
  slow = dict(row, moves_s=[0.2, 0.9])
  assert '**not met**' in '\n'.join(
      studio.section_lines('make bench', 'now', [slow]))

"""Song mode: how long TrainedModel.songs_with_plans takes to write a 64-bar
song once the model is loaded, plain and with variation, and the loading
apart, over the bundled folk base models. Quick: the 2-bar family alone, each
song timed once."""

import os
import statistics
import time

from benchmarks import common
from benchmarks import report
from midime import trained_model

SECTION = 'song'
NUM_BARS = 64
VARIATION = 0.5
# The goal says "at most a few seconds" after loading, on 2 cores; the report
# judges it against this figure.
GOAL_SECONDS = 3.0
# Steps of the small model: its speed does not depend on how well it learned.
STEPS = 500
SEED = 1
SONGS = os.path.join(common.REPO, 'data', 'folk_examples.tfrecord')
# (family, SmallMusicVAE config, base model), the first the one of the goal.
FAMILIES = (('2-bar', 'ae-cat-mel_2bar_big', 'model/folk-mel_2bar.tar'),
            ('16-bar', 'ae-hierdec-mel_16bar', 'model/folk-mel_16bar.tar'))
# A 16-bar model takes longer to train and load than the quick run's budget
# for this case allows.
QUICK_FAMILIES = FAMILIES[:1]


def train_command(run_dir, config_name, base_model, steps=STEPS):
  """midime_train.py's arguments for the run the case generates from."""
  return [
      common.TRAIN_SCRIPT, '--config=' + config_name, '--run_dir=' + run_dir,
      '--examples_path=' + SONGS,
      '--pretrained_path=' + os.path.join(common.REPO, base_model),
      '--num_steps=%d' % steps,
      '--seed=%d' % SEED
  ]


def trained_run(cache_dir, config_name, base_model, steps=STEPS):
  """The run folder of `config_name` over `base_model`, trained once.

  Args:
    cache_dir: the benchmarks' cache folder.
    config_name: the SmallMusicVAE config.
    base_model: the MusicVAE checkpoint, relative to the repository.
    steps: training steps.

  Returns:
    The run folder, holding `<config_name>.tar`.
  """
  run_dir = os.path.join(cache_dir, 'song_mode',
                         '%s_%d_steps' % (config_name, steps))
  if not os.path.exists(os.path.join(run_dir, config_name + '.tar')):
    print('Training %s over %s (%d steps) in %s...' %
          (config_name, base_model, steps, run_dir), flush=True)
    common.timed_run(train_command(run_dir, config_name, base_model, steps),
                     {})
  return run_dir


def _load(run_dir):
  """(TrainedModel, seconds its constructor took)."""
  start = time.perf_counter()
  model = trained_model.TrainedModel(run_dir=run_dir, seed=SEED)
  return model, time.perf_counter() - start


def _song_seconds(model, variation, num_bars):
  start = time.perf_counter()
  model.songs_with_plans(1, num_bars=num_bars, variation=variation)
  return time.perf_counter() - start


def measure(run_dir, train, repeats, num_bars=NUM_BARS):
  """Loads the run's model and times its songs.

  Args:
    run_dir: a run trained by `train` (trained_run).
    train: midime_train.py's arguments for it, run again (it trains no
      further) when the cached run predates song mode.
    repeats: songs timed of each kind after the first.
    num_bars: each song's length.

  Returns:
    A dict: load_s (TrainedModel's constructor), first_s (the first song
    after loading, no variation), plain_s and varied_s (lists of `repeats`
    songs' seconds, with variation 0 and VARIATION), windows and song (the
    first song's windows and description).
  """
  model, load_s = _load(run_dir)
  if model.song_form is None:
    model.close()
    common.timed_run(train, {})
    model, load_s = _load(run_dir)
  try:
    start = time.perf_counter()
    first = model.songs_with_plans(1, num_bars=num_bars)[0]
    first_s = time.perf_counter() - start
    plain = [_song_seconds(model, 0.0, num_bars) for _ in range(repeats)]
    varied = [_song_seconds(model, VARIATION, num_bars) for _ in range(repeats)]
  finally:
    model.close()
  return {
      'load_s': load_s,
      'first_s': first_s,
      'plain_s': plain,
      'varied_s': varied,
      'windows': len(first.windows),
      'song': first.describe()
  }


def worst_song_seconds(row):
  """The slowest song of a row, the first after loading included."""
  return max([row['first_s']] + row['plain_s'] + row['varied_s'])


def goal_met(row):
  return worst_song_seconds(row) <= GOAL_SECONDS


def section_lines(command, when, rows, steps=STEPS, num_bars=NUM_BARS):
  """The section's Markdown.

  Args:
    command: the command that measured it.
    when: common.time_stamp().
    rows: dicts of measure()'s with family, config, base_model and load
      (load averages) added, the goal's family first.
    steps: the small models' training steps.
    num_bars: the songs' length.

  Returns:
    Its lines.
  """
  lines = [
      '## Song mode: a %d-bar song after loading' % num_bars, '',
      '`%s` on %s, %d cores. A SmallMusicVAE trained %d steps (seeded) on '
      'data/folk_examples.tfrecord over each bundled base model, loaded once '
      'with `TrainedModel(run_dir=..., seed=%d)` (imports excluded); then '
      '`songs_with_plans(1, num_bars=%d)`: the first song after loading (its '
      'sessions\' first runs), then the median and worst of the songs timed '
      'after it, with `variation=0` and `variation=%.1f`. Seconds. The base '
      'models are the small ones the repository ships (model/README.md), not '
      'magenta\'s full-size checkpoints (the families section times those).' %
      (command, when, os.cpu_count(), steps, SEED, num_bars, VARIATION), '',
      '| family | config (base model) | load | first song | median song | '
      'worst | variation %.1f: median | worst | songs timed (first + plain + '
      'varied) | the first song | load avg |' %
      VARIATION, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | '
      '---: | --- | --- |'
  ]
  for row in rows:
    plain, varied = row['plain_s'], row['varied_s']
    lines.append(
        '| %s | %s (%s) | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | '
        '1 + %d + %d | %s, %d windows | %s |' %
        (row['family'], row['config'], row['base_model'], row['load_s'],
         row['first_s'], statistics.median(plain), max(plain),
         statistics.median(varied), max(varied), len(plain), len(varied),
         row['song'], row['windows'], row['load']))
  goal = rows[0]
  lines += [
      '', 'Goal: a %d-bar song of the %s family in at most a few seconds '
      '(taken as ≤ %.0f s) after the model is loaded, on 2 cores: **%s** '
      '(the slowest of its songs, the first included: %.2f s).' %
      (num_bars, goal['family'], GOAL_SECONDS,
       'met' if goal_met(goal) else 'not met', worst_song_seconds(goal)), ''
  ]
  return lines


def run(settings):
  """Trains (once) and times each family's songs, and rewrites their section.

  Args:
    settings: common.Settings (its quick, repeats, cache_dir, output).
  """
  families = QUICK_FAMILIES if settings.quick else FAMILIES
  rows = []
  for family, config_name, base_model in families:
    run_dir = trained_run(settings.cache_dir, config_name, base_model)
    row = measure(run_dir, train_command(run_dir, config_name, base_model),
                  settings.repeats)
    row.update(family=family, config=config_name, base_model=base_model,
               load=common.load_note())
    print(
        '  %s: load %.2f s, first song %.2f s, songs %s s, with variation %s '
        's' % (family, row['load_s'], row['first_s'], ', '.join(
            '%.2f' % s for s in row['plain_s']), ', '.join(
                '%.2f' % s for s in row['varied_s'])), flush=True)
    rows.append(row)
    report.write_section(
        settings.output, SECTION,
        section_lines(settings.command, common.time_stamp(), rows))

"""The studio's sliders: how long after a slider move the page can play it.
A studio served by uvicorn (in this process, on loopback) trains a run of
data/folk_examples through its own queue over the bundled 2-bar base model;
then each move is a POST of the sliders' latent (the server decodes it,
renders WAV, writes MIDI and WAV) and a GET of the WAV, timed together: the
page's wait before it plays. The first move after training (which loads the
model) is reported apart. Quick: fewer moves, ae- alone."""

import json
import os
import shutil
import statistics
import threading
import time
import urllib.request

import numpy as np

from benchmarks import common
from benchmarks import report
from midime.studio import app as app_lib
from midime.studio import runs

SECTION = 'studio'
# The goal: a move heard "well under a second" on 2 cores; the report judges
# the worst move against this.
GOAL_SECONDS = 0.5
MOVES = 50
QUICK_MOVES = 10
STEPS = 300
SEED = 1
BASE_MODEL = 'folk-mel_2bar.tar'
CONFIGS = ('ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big')
QUICK_CONFIGS = CONFIGS[:1]
# Each move steps the sliders this far (prior standard deviations) at random,
# as a hand on a slider does, within the page's range.
MOVE_SIZE = 0.3
TRAINING_TIMEOUT = 900


class _Served(object):
  """A studio over `data_dir` served by uvicorn on a free loopback port."""

  def __init__(self, data_dir):
    # pylint: disable=g-import-not-at-top
    import socket
    import uvicorn
    # pylint: enable=g-import-not-at-top
    with socket.socket() as probe:
      probe.bind(('127.0.0.1', 0))
      self.port = probe.getsockname()[1]
    studio = app_lib.Studio(
        data_dir, models_dir=os.path.join(common.REPO, 'model'),
        examples_dir=os.path.join(common.REPO, 'data', 'folk_examples'),
        seed=SEED)
    self._server = uvicorn.Server(uvicorn.Config(
        app_lib.make_app(studio), host='127.0.0.1', port=self.port,
        log_level='warning'))
    self._thread = threading.Thread(target=self._server.run, daemon=True)
    self._thread.start()
    deadline = time.monotonic() + 60
    while not self._server.started:
      if time.monotonic() > deadline:
        raise RuntimeError('the studio did not start')
      time.sleep(0.05)
    self.url = 'http://127.0.0.1:%d' % self.port

  def request(self, path, values=None, form=None):
    """The answer to a GET (no values), a JSON POST or a form POST, as bytes."""
    data, headers = None, {}
    if values is not None:
      data, headers = json.dumps(values).encode(), {
          'Content-Type': 'application/json'}
    elif form is not None:
      data = '&'.join('%s=%s' % item for item in form.items()).encode()
      headers = {'Content-Type': 'application/x-www-form-urlencoded'}
    request = urllib.request.Request(self.url + path, data=data,
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
      return response.read()

  def json(self, path, values=None, form=None):
    return json.loads(self.request(path, values, form))

  def close(self):
    self._server.should_exit = True
    self._thread.join(timeout=120)


def _trained_run(served, config_name):
  run_id = served.json('/api/runs', form={'name': config_name,
                                          'examples': '1'})['id']
  served.json('/api/runs/%s/train' % run_id, dict(
      base_model=BASE_MODEL, config=config_name, num_steps=STEPS, seed=SEED))
  deadline = time.monotonic() + TRAINING_TIMEOUT
  while True:
    state = served.json('/api/runs/' + run_id)
    if state['status'] == runs.DONE:
      return run_id
    if state['status'] not in (runs.QUEUED, runs.TRAINING):
      raise RuntimeError('training %s failed: %s' % (config_name,
                                                     state['error']))
    if time.monotonic() > deadline:
      raise RuntimeError('training %s took over %d s' % (config_name,
                                                         TRAINING_TIMEOUT))
    time.sleep(0.5)


def move_seconds(served, run_id, latent):
  """Seconds from sending `latent` to holding its WAV, and the WAV's bytes."""
  start = time.perf_counter()
  answer = served.json('/api/runs/%s/listen' % run_id,
                       dict(what='decode', latent=[float(v) for v in latent]))
  wav = served.request('/api/runs/%s/outputs/%s' %
                       (run_id, answer['outputs'][0]['wav']))
  return time.perf_counter() - start, len(wav)


def measure(served, run_id, moves, extent=3.0):
  """Times the first move (the model loads) and `moves` moves after it.

  Returns:
    A dict: first_s, moves_s (a list), latent_size, wav_bytes (the last).
  """
  encoded = served.json('/api/runs/%s/listen' % run_id,
                        dict(what='encode', song='01_Almack_s_Hornpipe.mid'))
  latent = np.asarray(encoded['latent'])
  first_s, _ = move_seconds(served, run_id, latent)
  rng = np.random.default_rng(SEED)
  moves_s, wav_bytes = [], 0
  for _ in range(moves):
    dimension = rng.integers(len(latent))
    latent[dimension] = np.clip(
        latent[dimension] + rng.choice([-1, 1]) * MOVE_SIZE, -extent, extent)
    seconds, wav_bytes = move_seconds(served, run_id, latent)
    moves_s.append(seconds)
  return dict(first_s=first_s, moves_s=moves_s, latent_size=len(latent),
              wav_bytes=wav_bytes)


def goal_met(row):
  return max(row['moves_s']) <= GOAL_SECONDS


def section_lines(command, when, rows):
  """The section's Markdown from `rows` (measure()'s dicts with config and
  load added, the ae- one first)."""
  lines = [
      '## Studio: a slider move heard', '',
      '`%s` on %s, %d cores. `midime-studio`\'s app served by uvicorn on '
      'loopback; a run of data/folk_examples trained %d steps (seeded) '
      'through the studio\'s own queue over model/folk-mel_2bar.tar; the '
      'sliders start at the first song\'s latent and each move steps one '
      'slider by %.1f at random. A move: POST the latent (decode, render the '
      'WAV, write MIDI and WAV), then GET the WAV, timed together: what the '
      'page waits before it plays. Seconds; the first move loads the model.' %
      (command, when, os.cpu_count(), STEPS, MOVE_SIZE), '',
      '| config | sliders | first move | median move | worst move | moves '
      'timed | WAV bytes | load avg |', '| --- | ---: | ---: | ---: | ---: | '
      '---: | ---: | --- |'
  ]
  for row in rows:
    lines.append('| %s | %d | %.2f | %.3f | %.3f | %d | %s | %s |' % (
        row['config'], row['latent_size'], row['first_s'],
        statistics.median(row['moves_s']), max(row['moves_s']),
        len(row['moves_s']), '{:,}'.format(row['wav_bytes']), row['load']))
  goal = rows[0]
  lines += [
      '', 'Goal: a move on a 2-bar model heard in well under a second (taken '
      'as ≤ %.1f s, the worst move) on 2 cores: **%s** (worst %.3f s, median '
      '%.3f s).' % (GOAL_SECONDS, 'met' if goal_met(goal) else 'not met',
                    max(goal['moves_s']), statistics.median(goal['moves_s'])),
      ''
  ]
  return lines


def run(settings):
  """Trains through the studio and times its sliders; rewrites the section.

  Args:
    settings: common.Settings (its quick, cache_dir, output, command).
  """
  data_dir = os.path.join(settings.cache_dir, 'studio')
  # A fresh data folder each time: the training is part of the setting.
  shutil.rmtree(data_dir, ignore_errors=True)
  served = _Served(data_dir)
  rows = []
  try:
    for config_name in QUICK_CONFIGS if settings.quick else CONFIGS:
      print('Training %s through the studio (%d steps)...' %
            (config_name, STEPS), flush=True)
      run_id = _trained_run(served, config_name)
      row = measure(served, run_id,
                    QUICK_MOVES if settings.quick else MOVES)
      row.update(config=config_name, load=common.load_note())
      print('  %s: first move %.2f s, median %.3f s, worst %.3f s' %
            (config_name, row['first_s'], statistics.median(row['moves_s']),
             max(row['moves_s'])), flush=True)
      rows.append(row)
      report.write_section(
          settings.output, SECTION,
          section_lines(settings.command, common.time_stamp(), rows))
  finally:
    served.close()

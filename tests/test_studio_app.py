"""midime.studio.app through its HTTP routes (starlette's test client), with
real training processes over a tiny MusicVAE: upload -> songs table -> train
with progress -> listen, steer, download; the queue, cancel and resume; two
tabs on one run; and every bad request answered in one line, with nothing
half-written."""

import concurrent.futures
import io
import os
import signal
import wave

import pytest
from starlette.testclient import TestClient

from midime.studio import app as app_lib
from midime.studio import runs
from tests import testing_lib

TRAIN_STEPS = 30
# Long enough to still be training when the test stops it.
LONG_STEPS = 100000
TRAINING_TIMEOUT = 240


@pytest.fixture(scope='module')
def studio(studio_material, tmp_path_factory):
  """(test client, Studio) over a fresh data folder, its queue running."""
  the_studio = app_lib.Studio(
      str(tmp_path_factory.mktemp('studio_data')),
      models_dir=studio_material.models_dir,
      examples_dir=studio_material.examples_dir, max_upload_bytes=2 * 10**6,
      seed=0)
  with TestClient(app_lib.make_app(the_studio)) as client:
    yield client, the_studio


def _ok(response):
  assert response.status_code == 200, response.text
  return response.json()


def _refused(response, status, message):
  assert response.status_code == status, response.text
  error = response.json()['error']
  assert message in error, error
  assert '\n' not in error and 'Traceback' not in error
  return error


def _example_run(client, name='examples'):
  return _ok(client.post('/api/runs', data={'name': name, 'examples': '1'}))


def _train(client, run_id, material, num_steps=TRAIN_STEPS):
  return client.post('/api/runs/%s/train' % run_id, json=dict(
      base_model=material.model_id, config=testing_lib.STUDIO_CONFIG,
      num_steps=num_steps))


def _state(client, run_id):
  return _ok(client.get('/api/runs/' + run_id))


def _wait_status(client, run_id, statuses, timeout=TRAINING_TIMEOUT):
  return testing_lib.wait_for(
      lambda: (lambda state: state if state['status'] in statuses else None)(
          _state(client, run_id)), timeout, 'run %s to be %s' % (
              run_id, ' or '.join(statuses)))


@pytest.fixture(scope='module')
def trained_run(studio, studio_material):
  """The id of a run of the example songs trained TRAIN_STEPS steps."""
  client, _ = studio
  run_id = _example_run(client, 'trained')['id']
  _ok(_train(client, run_id, studio_material))
  state = _wait_status(client, run_id, (runs.DONE, runs.FAILED))
  assert state['status'] == runs.DONE, state['error']
  return run_id


def test_info_offers_the_models_their_configs_and_the_examples(
    studio, studio_material):
  info = _ok(studio[0].get('/api/info'))
  assert [m['id'] for m in info['base_models']] == [studio_material.model_id]
  assert info['base_models'][0]['configs'] == ['ae-cat-mel_2bar_big',
                                               'lc-cat-mel_2bar_big']
  assert info['examples'] == ['tune%d.mid' % i for i in range(4)]
  assert info['max_upload_mb'] == 2.0


def test_the_page_and_its_scripts_are_served(studio):
  client = studio[0]
  page = client.get('/')
  assert page.status_code == 200 and 'MidiMe Studio' in page.text
  for asset in ('/static/studio.js', '/static/studio.css'):
    assert client.get(asset).status_code == 200
  # Nothing is fetched from the web.
  assert 'http' not in page.text.replace('http-equiv', '')


def test_an_upload_makes_a_run_and_its_songs_table(studio, studio_material):
  client, _ = studio
  files = []
  for name in sorted(os.listdir(studio_material.examples_dir))[:2]:
    with open(os.path.join(studio_material.examples_dir, name), 'rb') as song:
      files.append(('files', ('folder/' + name, song.read(), 'audio/midi')))
  state = _ok(client.post('/api/runs', data={'name': 'Two tunes'},
                          files=files))
  assert state['name'] == 'Two tunes' and state['status'] == runs.NEW
  assert state['songs'] == ['tune0.mid', 'tune1.mid']
  table = _ok(client.get('/api/runs/%s/songs' % state['id'],
                         params={'config': testing_lib.STUDIO_CONFIG}))
  assert [row['song'] for row in table['rows']] == ['tune0.mid', 'tune1.mid']
  # Eight bars slid a bar at a time: seven two-bar windows each.
  assert [row['windows'] for row in table['rows']] == [7, 7]
  assert table['error'] == ''


@pytest.mark.parametrize('files, message', [
    ([('files', ('notes.txt', b'hello', 'text/plain'))],
     'notes.txt: only MIDI'),
    ([('files', ('../../evil.mid', b'not midi', 'audio/midi'))],
     'evil.mid is not a MIDI file'),
    ([('files', ('big.mid', b'MThd' + b'\0' * 2100000, 'audio/midi'))],
     'the limit is 2.0 MB'),
    ([], 'no songs uploaded'),
])
def test_a_bad_upload_is_refused_and_leaves_no_run(studio, files, message):
  client, the_studio = studio
  before = sorted(os.listdir(the_studio.store.runs_dir))
  _refused(client.post('/api/runs', data={'name': 'bad'}, files=files), 400,
           message)
  assert sorted(os.listdir(the_studio.store.runs_dir)) == before


def test_training_reports_progress_and_leaves_a_bundle(studio, trained_run):
  client, _ = studio
  state = _state(client, trained_run)
  steps = [report['step'] for report in state['progress']]
  assert steps[0] == 0 and steps[-1] == TRAIN_STEPS
  assert steps == sorted(steps) and len(steps) > 10
  assert all(report['loss'] is not None for report in state['progress'][1:])
  assert state['progress'][-1]['seconds_left'] == 0
  bundle = client.get('/api/runs/%s/bundle' % trained_run)
  assert bundle.status_code == 200 and (
      'ae-cat-mel_2bar_big.tar' in bundle.headers['content-disposition'])
  import tarfile  # pylint: disable=g-import-not-at-top
  with tarfile.open(fileobj=io.BytesIO(bundle.content)) as tar:
    assert 'ae-cat-mel_2bar_big.ckpt.index' in tar.getnames()
  # The songs table is now the one training wrote.
  table = _ok(client.get('/api/runs/%s/songs' % trained_run,
                         params={'config': testing_lib.STUDIO_CONFIG}))
  assert len(table['rows']) == 4


def _wav_seconds(data):
  with wave.open(io.BytesIO(data)) as wav:
    return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize('request_values, count', [
    (dict(what='samples', n=2), 2),
    (dict(what='prior', n=3), 3),
    (dict(what='reconstructions', n=2), 4),
    (dict(what='decode', latent=[0.5, -1, 0, 2]), 1),
    (dict(what='interpolate', song_a='tune0.mid', song_b='tune1.mid',
          num_steps=3), 3),
    (dict(what='song', num_bars=8), 1),
])
def test_each_kind_of_listening_writes_midi_and_wav(studio, trained_run,
                                                    request_values, count):
  client, _ = studio
  result = _ok(client.post('/api/runs/%s/listen' % trained_run,
                           json=request_values))
  assert result['latent_size'] == 4 and len(result['outputs']) == count
  for output in result['outputs']:
    midi = client.get('/api/runs/%s/outputs/%s' % (trained_run,
                                                   output['midi']),
                      params={'download': '1'})
    assert midi.content.startswith(b'MThd')
    assert 'attachment' in midi.headers['content-disposition']
    wav = client.get('/api/runs/%s/outputs/%s' % (trained_run, output['wav']))
    assert wav.content.startswith(b'RIFF')
    assert _wav_seconds(wav.content) >= output['seconds']
    assert all(len(note) == 7 for note in output['notes'])
  if request_values['what'] == 'song':
    assert [mark[2] for mark in result['outputs'][0]['marks']].count(
        'section') >= 1
    assert result['outputs'][0]['seconds'] == pytest.approx(16.0)


def test_encode_gives_a_songs_slider_position(studio, trained_run):
  result = _ok(studio[0].post('/api/runs/%s/listen' % trained_run,
                              json=dict(what='encode', song='tune2.mid')))
  assert len(result['latent']) == 4


def test_slider_outputs_are_pruned_to_the_latest(studio, trained_run):
  client, the_studio = studio
  for value in range(15):
    _ok(client.post('/api/runs/%s/listen' % trained_run,
                    json=dict(what='decode', latent=[value / 10, 0, 0, 0])))
  outputs = os.listdir(the_studio.store.outputs_dir(trained_run))
  decoded = [name for name in outputs if name.startswith('decode-')]
  assert len(decoded) == 2 * 12


@pytest.mark.parametrize('request_values, message', [
    (dict(what='decode', latent=[0, 0]), 'a latent of this model has 4 '
     'values'),
    (dict(what='decode', latent=[0, 0, 'x', 0]), 'latent values must be '
     'numbers'),
    (dict(what='decode', latent=[0, 0, 1e9, 0]), 'latent values must be'),
    (dict(what='samples', n=0), 'n must be a whole number from 1 to 8'),
    (dict(what='interpolate', song_a='tune0.mid', song_b='../x.mid'),
     "no song '../x.mid'"),
    (dict(what='song', num_bars=3), 'nearest that works is 4'),
    (dict(what='dance'), "cannot make 'dance'"),
])
def test_bad_listening_requests_say_what_is_wrong(studio, trained_run,
                                                  request_values, message):
  _refused(studio[0].post('/api/runs/%s/listen' % trained_run,
                          json=request_values), 400, message)


def test_requests_about_what_is_not_there_are_404(studio, trained_run):
  client, _ = studio
  _refused(client.get('/api/runs/no-such-run'), 404, "no run 'no-such-run'")
  _refused(client.get('/api/runs/%s/outputs/..%%2F%s' % (
      trained_run, runs.STATE_FILE)), 404, 'no /api/runs/')
  _refused(client.get('/api/runs/%s/outputs/.%s' % (
      trained_run, runs.STATE_FILE)), 404, 'no output')
  _refused(client.get('/static/..%2F..%2Fruns.py'), 404, 'no ')
  _refused(client.delete('/api/runs/' + trained_run), 405, 'DELETE is not')
  _refused(client.get('/api/runs/%s/outputs/missing.wav' % trained_run), 404,
           'no output')
  untrained = _example_run(client, 'untrained')['id']
  _refused(client.get('/api/runs/%s/bundle' % untrained), 404,
           'has no trained model yet')
  _refused(client.post('/api/runs/%s/listen' % untrained,
                       json=dict(what='samples')), 400,
           'has no trained model yet: train it first')


def test_bad_training_requests_are_refused_before_queueing(
    studio, studio_material):
  client, _ = studio
  run_id = _example_run(client, 'refused')['id']
  path = '/api/runs/%s/train' % run_id
  for values, message in [
      (dict(base_model='../model/x.tar', config=testing_lib.STUDIO_CONFIG),
       "no base model '../model/x.tar'"),
      (dict(base_model=studio_material.model_id,
            config='ae-hierdec-mel_16bar'),
       'ae-hierdec-mel_16bar sits on hierdec-mel_16bar'),
      (dict(base_model=studio_material.model_id,
            config=testing_lib.STUDIO_CONFIG, num_steps=0),
       'num_steps must be a whole number'),
  ]:
    _refused(client.post(path, json=values), 400, message)
  _refused(client.post(path, content=b'{not json',
                       headers={'content-type': 'application/json'}), 400,
           'the request is not JSON')
  assert _state(client, run_id)['status'] == runs.NEW


def test_two_tabs_asking_to_train_one_run_queue_it_once(studio,
                                                        studio_material):
  client, _ = studio
  run_id = _example_run(client, 'two tabs')['id']
  with concurrent.futures.ThreadPoolExecutor(2) as pool:
    answers = list(pool.map(
        lambda _: _train(client, run_id, studio_material, LONG_STEPS),
        range(2)))
  assert sorted(a.status_code for a in answers) == [200, 400]
  refused = [a for a in answers if a.status_code == 400][0]
  assert 'is already' in refused.json()['error']
  _ok(client.post('/api/runs/%s/cancel' % run_id))
  state = _wait_status(client, run_id, (runs.CANCELLED,))
  assert state['status'] == runs.CANCELLED


def test_the_queue_trains_one_at_a_time_and_cancel_and_resume_keep_the_steps(
    studio, studio_material):
  client, the_studio = studio
  first = _example_run(client, 'first')['id']
  second = _example_run(client, 'second')['id']
  _ok(_train(client, first, studio_material, LONG_STEPS))
  _ok(_train(client, second, studio_material, TRAIN_STEPS))
  testing_lib.wait_for(
      lambda: len(_state(client, first)['progress']) > 2, TRAINING_TIMEOUT,
      'the first run to train some steps')
  waiting = _state(client, second)
  assert waiting['status'] == runs.QUEUED and waiting['queue_position'] == 1
  assert _ok(client.get('/api/info'))['training'] == first

  _ok(client.post('/api/runs/%s/cancel' % first))
  stopped = _wait_status(client, first, (runs.CANCELLED, runs.FAILED))
  assert stopped['status'] == runs.CANCELLED, stopped['error']
  saved = testing_lib.checkpoint_steps(the_studio.store.run_dir(first))
  assert saved and saved[-1] > 0
  # The queue goes on with the second.
  done = _wait_status(client, second, (runs.DONE, runs.FAILED))
  assert done['status'] == runs.DONE, done['error']

  _ok(client.post('/api/runs/%s/resume' % first))
  resumed = testing_lib.wait_for(
      lambda: (lambda reports: reports if len(reports) > len(
          stopped['progress']) else None)(_state(client, first)['progress']),
      TRAINING_TIMEOUT, 'the resumed run to report')
  # It goes on from its checkpoint, not from step 0.
  assert resumed[len(stopped['progress'])]['step'] == saved[-1]
  _ok(client.post('/api/runs/%s/cancel' % first))
  _wait_status(client, first, (runs.CANCELLED,))
  _refused(client.post('/api/runs/%s/cancel' % first), 400, 'is not training')


def test_a_training_process_that_dies_leaves_its_run_failed_and_resumable(
    studio, studio_material):
  client, _ = studio
  run_id = _example_run(client, 'killed')['id']
  _ok(_train(client, run_id, studio_material, LONG_STEPS))
  state = testing_lib.wait_for(
      lambda: (lambda s: s if s['pid'] and s['progress'] else None)(
          _state(client, run_id)), TRAINING_TIMEOUT, 'training to start')
  os.kill(state['pid'], signal.SIGKILL)
  failed = _wait_status(client, run_id, (runs.FAILED,), timeout=30)
  assert 'the training process ended with code -9' in failed['error']
  _ok(client.post('/api/runs/%s/resume' % run_id))
  _ok(client.post('/api/runs/%s/cancel' % run_id))
  _wait_status(client, run_id, (runs.CANCELLED,))


def test_two_tabs_listening_to_one_run_at_once_both_get_whole_files(
    studio, trained_run):
  client, _ = studio
  requests = [dict(what='decode', latent=[i / 4, 0, 0, 0]) for i in range(4)]
  requests += [dict(what='samples', n=2), dict(what='prior', n=2)]
  with concurrent.futures.ThreadPoolExecutor(4) as pool:
    results = list(pool.map(
        lambda values: client.post('/api/runs/%s/listen' % trained_run,
                                   json=values), requests))
  names = set()
  for result in results:
    for output in _ok(result)['outputs']:
      names.add(output['wav'])
      wav = client.get('/api/runs/%s/outputs/%s' %
                       (trained_run, output['wav']))
      assert _wav_seconds(wav.content) > 0
  assert len(names) == 8

"""The studio's HTTP side: one page (static/) and a small JSON API under /api,
served by Starlette.

Starlette and uvicorn: a small, well-kept ASGI toolkit and server with no
front-end build and nothing fetched at run time, so the page works offline and
a test can drive it through the same routes (starlette.testclient) or in a
real browser. Gradio would bring its own front end, fonts fetched from the
web, and far more weight than one page needs.

Every refusal is a JSON `{"error": "..."}` with one line the page shows; an
unexpected failure is logged here and answered in one line, never with a
traceback.
"""

import contextlib
import logging
import os
import traceback

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from midime.errors import UserError
from midime.studio import base_models
from midime.studio import listening
from midime.studio import runs
from midime.studio import song_reports
from midime.studio import trainer as trainer_lib
from midime.studio import uploads

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static')
DEFAULT_NUM_STEPS = 300
logger = logging.getLogger('midime.studio')


class NotFound(UserError):
  """A run, output or model the request names that is not there."""


class Studio(object):
  """What the routes share: the runs, the training queue, the listener and
  the folders the browser may name things in."""

  def __init__(self, data_dir, models_dir=None, examples_dir=None,
               max_upload_bytes=uploads.DEFAULT_MAX_UPLOAD_MB * 10**6,
               soundfont=None, seed=None):
    self.store = runs.RunStore(data_dir)
    self.models_dir = models_dir and os.path.abspath(models_dir)
    self.examples_dir = examples_dir and os.path.abspath(examples_dir)
    self.max_upload_bytes = max_upload_bytes
    self.trainer = trainer_lib.Trainer(self.store)
    self.listener = listening.Listener(self.store, soundfont=soundfont,
                                       seed=seed)

  def run_dir(self, run_id):
    try:
      return self.store.run_dir(run_id)
    except UserError as error:
      raise NotFound(str(error)) from None

  def describe(self, run_id):
    """A run as the page shows it: its state, training's progress, its place
    in the queue and its outputs' files."""
    self.run_dir(run_id)
    state = self.store.read(run_id)
    queue = self.trainer.queue()
    state['queue_position'] = (queue.index(run_id) + 1 if run_id in queue
                               else None)
    state['progress'] = self.store.progress(run_id)
    state.pop('base_model_path', None)  # the page names models, not paths
    return state

  def info(self):
    examples = []
    if self.examples_dir and os.path.isdir(self.examples_dir):
      examples = sorted(name for name in os.listdir(self.examples_dir)
                        if name.lower().endswith(uploads.MIDI_SUFFIXES))
    busy = self.trainer.busy_with()
    return dict(
        base_models=base_models.list_base_models(self.models_dir),
        models_dir=self.models_dir, examples=examples,
        max_upload_mb=self.max_upload_bytes / 1e6,
        default_num_steps=DEFAULT_NUM_STEPS,
        slider_extent=listening.SLIDER_EXTENT,
        training=busy, queue=self.trainer.queue(),
        runs=[self._summary(run_id) for run_id in self.store.run_ids()])

  def _summary(self, run_id):
    state = self.store.read(run_id)
    return {key: state.get(key) for key in ('id', 'name', 'status', 'config',
                                            'created', 'num_steps')}

  def create_run(self, name, files):
    songs = uploads.checked_songs(files, self.max_upload_bytes)
    return self._create(name, songs, 'upload')

  def create_example_run(self, name):
    if not self.examples_dir or not os.path.isdir(self.examples_dir):
      raise UserError('this studio has no bundled examples (--examples_dir)')
    songs = []
    for file_name in sorted(os.listdir(self.examples_dir)):
      if file_name.lower().endswith(uploads.MIDI_SUFFIXES):
        with open(os.path.join(self.examples_dir, file_name), 'rb') as song:
          songs.append((file_name, song.read()))
    return self._create(name or 'examples', songs, 'examples')

  def _create(self, name, songs, source):
    def prepare(run_dir):
      if any(name.lower().endswith(uploads.TFRECORD_SUFFIX)
             for name, _ in songs):
        uploads.write_combined_tfrecord(
            os.path.join(run_dir, runs.SONGS_FOLDER),
            os.path.join(run_dir, runs.COMBINED_SONGS))

    run_id = self.store.create(name, songs, source, prepare)
    return self.describe(run_id)

  def songs_table(self, run_id, config_name):
    run_dir = self.run_dir(run_id)
    state = self.store.read(run_id)
    return song_reports.songs_table(
        run_dir, self.store.examples_path(run_id), config_name,
        state.get('config') if state['status'] == runs.DONE else None)

  def train(self, run_id, request):
    self.run_dir(run_id)
    model_id = request.get('base_model')
    path = base_models.base_model_path(self.models_dir, model_id)
    vae_config = base_models.vae_config_of(path)
    config_name = request.get('config')
    base_models.check_config_for(model_id, vae_config, config_name)
    num_steps = request.get('num_steps', DEFAULT_NUM_STEPS)
    base_models.check_num_steps(num_steps)
    song_reports.check_has_windows(self.songs_table(run_id, config_name))
    self.trainer.enqueue(run_id, dict(
        config=config_name, base_model=model_id, base_model_path=path,
        num_steps=num_steps, seed=request.get('seed')))
    return self.describe(run_id)

  def resume(self, run_id):
    self.run_dir(run_id)
    state = self.store.read(run_id)
    if state['status'] not in runs.RESUMABLE:
      raise UserError('%s is %s; only a failed, cancelled or interrupted run '
                      'resumes' % (state['name'], state['status']))
    self.trainer.enqueue(run_id, {})
    return self.describe(run_id)

  def cancel(self, run_id):
    self.run_dir(run_id)
    self.trainer.cancel(run_id)
    return self.describe(run_id)

  def listen(self, run_id, request):
    self.run_dir(run_id)
    return self.listener.listen(run_id, request.get('what'), request)

  def output_path(self, run_id, name):
    self.run_dir(run_id)
    try:
      return self.store.output_path(run_id, name)
    except UserError as error:
      raise NotFound(str(error)) from None

  def bundle_path(self, run_id):
    run_dir = self.run_dir(run_id)
    state = self.store.read(run_id)
    if state['status'] != runs.DONE or not state.get('bundle'):
      raise NotFound('%s has no trained model yet' % state['name'])
    return os.path.join(run_dir, state['bundle'])


def _error(error):
  if isinstance(error, NotFound):
    return JSONResponse({'error': str(error)}, status_code=404)
  if isinstance(error, UserError):
    return JSONResponse({'error': str(error)}, status_code=400)
  logger.error('%s', ''.join(traceback.format_exception(error)))
  first_line = str(error).splitlines()[0] if str(error) else ''
  said = ': ' + first_line if first_line else ''
  return JSONResponse(
      {'error': 'the studio failed: %s%s (its log has the details)' %
                (type(error).__name__, said)}, status_code=500)


async def _json_body(request):
  try:
    body = await request.json()
  except ValueError:
    raise UserError('the request is not JSON') from None
  if not isinstance(body, dict):
    raise UserError('the request must be a JSON object')
  return body


def make_app(studio, start_trainer=True):
  """The ASGI app of `studio` (a Studio); `start_trainer` False leaves the
  training queue still (tests of the routes alone)."""

  def answer(handler):
    async def endpoint(request):
      try:
        return await handler(request)
      except Exception as error:  # pylint: disable=broad-except
        return _error(error)
    return endpoint

  async def info(request):
    del request
    return JSONResponse(await run_in_threadpool(studio.info))

  async def run_state(request):
    return JSONResponse(await run_in_threadpool(
        studio.describe, request.path_params['run_id']))

  async def create_run(request):
    length = int(request.headers.get('content-length') or 0)
    if length > studio.max_upload_bytes + 10**6:
      raise UserError('the upload holds %.1f MB; the limit is %.1f MB' %
                      (length / 1e6, studio.max_upload_bytes / 1e6))
    async with request.form(max_files=uploads.MAX_FILES + 1) as form:
      name = str(form.get('name') or '')
      if form.get('examples'):
        return JSONResponse(await run_in_threadpool(studio.create_example_run,
                                                    name))
      files = []
      for upload in form.getlist('files'):
        if isinstance(upload, str):
          continue
        files.append((upload.filename or '', await upload.read()))
    return JSONResponse(await run_in_threadpool(studio.create_run, name,
                                                files))

  async def songs(request):
    return JSONResponse(await run_in_threadpool(
        studio.songs_table, request.path_params['run_id'],
        request.query_params.get('config', '')))

  async def train(request):
    body = await _json_body(request)
    return JSONResponse(await run_in_threadpool(
        studio.train, request.path_params['run_id'], body))

  async def resume(request):
    return JSONResponse(await run_in_threadpool(
        studio.resume, request.path_params['run_id']))

  async def cancel(request):
    return JSONResponse(await run_in_threadpool(
        studio.cancel, request.path_params['run_id']))

  async def listen(request):
    body = await _json_body(request)
    return JSONResponse(await run_in_threadpool(
        studio.listen, request.path_params['run_id'], body))

  async def output(request):
    path = await run_in_threadpool(studio.output_path,
                                   request.path_params['run_id'],
                                   request.path_params['name'])
    download = request.query_params.get('download')
    return FileResponse(path, filename=os.path.basename(path)
                        if download else None,
                        content_disposition_type='attachment' if download
                        else 'inline')

  async def bundle(request):
    path = await run_in_threadpool(studio.bundle_path,
                                   request.path_params['run_id'])
    return FileResponse(path, filename=os.path.basename(path))

  async def page(request):
    del request
    return FileResponse(os.path.join(STATIC_DIR, 'index.html'))

  @contextlib.asynccontextmanager
  async def lifespan(app):
    del app
    if start_trainer:
      studio.trainer.start()
    try:
      yield
    finally:
      if start_trainer:
        await run_in_threadpool(studio.trainer.stop)
      studio.listener.close()

  run = '/api/runs/{run_id}'
  routes = [
      Route('/', page),
      Route('/api/info', answer(info)),
      Route('/api/runs', answer(create_run), methods=['POST']),
      Route(run, answer(run_state)),
      Route(run + '/songs', answer(songs)),
      Route(run + '/train', answer(train), methods=['POST']),
      Route(run + '/resume', answer(resume), methods=['POST']),
      Route(run + '/cancel', answer(cancel), methods=['POST']),
      Route(run + '/listen', answer(listen), methods=['POST']),
      Route(run + '/outputs/{name}', answer(output)),
      Route(run + '/bundle', answer(bundle)),
      Mount('/static', StaticFiles(directory=STATIC_DIR), name='static'),
  ]

  async def not_there(request, error):
    message = ('no %s here' % request.url.path if error.status_code == 404
               else '%s is not answered here' % request.method)
    return JSONResponse({'error': message}, status_code=error.status_code)

  return Starlette(routes=routes, lifespan=lifespan,
                   exception_handlers={404: not_there, 405: not_there})

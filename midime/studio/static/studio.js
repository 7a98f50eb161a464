// MidiMe Studio's page: songs -> train -> listen -> steer, over the JSON API
// of midime/studio/app.py. Plain JavaScript, nothing fetched from the web.
'use strict';

const $ = (id) => document.getElementById(id);
const studio = {
  info: null,      // /api/info
  run: null,       // the chosen run's state
  chosenFiles: [], // File objects waiting to be uploaded
  pollTimer: null,
  slider: {busy: false, pending: false, values: []},
  songsTableFor: null,
};
const MIDI_SUFFIXES = ['.mid', '.midi', '.tfrecord'];

// ---- talking to the server ----

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    throw new Error((body && body.error) || (response.status + ' ' + response.statusText));
  }
  return body;
}

function postJson(path, values) {
  return api(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify(values || {})});
}

function showError(id, error) {
  const box = $(id);
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.textContent = error.message || String(error);
}

// Runs `work` with `button` disabled, showing its error in the box `errorId`.
async function withButton(button, errorId, work) {
  showError(errorId, null);
  const label = button.textContent;
  button.disabled = true;
  button.textContent = label + '…';
  try {
    return await work();
  } catch (error) {
    showError(errorId, error);
    return null;
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

function runPath(suffix) {
  return '/api/runs/' + encodeURIComponent(studio.run.id) + (suffix || '');
}

function outputUrl(name, download) {
  return runPath('/outputs/' + encodeURIComponent(name)) + (download ? '?download=1' : '');
}

// ---- piano rolls ----

// Colours by General MIDI family (program / 8); drums grey.
const FAMILY_COLOURS = ['#e0553d', '#f29e4c', '#c6a15b', '#7a9e3a', '#2e86ab',
  '#5e60ce', '#8e44ad', '#d35d90', '#1b998b', '#3d5a80', '#ef476f', '#06d6a0',
  '#118ab2', '#b5838d', '#6d6875', '#e07a5f'];

function drawPianoRoll(canvas, output) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 260;
  const height = canvas.clientHeight || 110;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  context.clearRect(0, 0, width, height);
  const notes = output.notes;
  const seconds = Math.max(output.seconds, 0.5,
    ...notes.map((note) => note[2]));
  const pitched = notes.filter((note) => !note[5]);
  const drums = notes.filter((note) => note[5]);
  let low = 60, high = 72;
  if (pitched.length) {
    low = Math.min(...pitched.map((note) => note[0])) - 1;
    high = Math.max(...pitched.map((note) => note[0])) + 1;
  }
  // Drums get a band of their own at the bottom.
  const drumRows = drums.length ? 8 : 0;
  const rows = high - low + 1 + drumRows;
  const rowHeight = height / rows;
  const x = (time) => time / seconds * width;
  context.strokeStyle = '#eef0f4';
  for (const mark of output.marks) {
    if (mark[2] !== 'section') continue;
    context.fillStyle = '#98a2b3';
    context.fillRect(x(mark[0]), 0, 1, height);
    context.font = '10px sans-serif';
    context.fillText(mark[1], x(mark[0]) + 3, 10);
  }
  for (const note of pitched) {
    context.fillStyle = FAMILY_COLOURS[Math.floor(note[4] / 8) % 16];
    const y = (high - note[0]) * rowHeight;
    context.fillRect(x(note[1]), y, Math.max(x(note[2]) - x(note[1]) - 1, 1.5),
                     Math.max(rowHeight - 0.5, 1));
  }
  context.fillStyle = '#667085';
  for (const note of drums) {
    const y = (rows - drumRows + (note[0] % drumRows)) * rowHeight;
    context.fillRect(x(note[1]), y, 2, Math.max(rowHeight - 0.5, 1));
  }
  context.fillStyle = '#344054';
  context.font = '10px sans-serif';
  for (const mark of output.marks) {
    if (mark[2] === 'chord') context.fillText(mark[1], x(mark[0]) + 2, height - 3);
  }
}

function outputCard(output, options = {}) {
  const card = document.createElement('div');
  card.className = 'card' + (options.wide ? ' wide' : '');
  card.dataset.midi = output.midi;
  const label = document.createElement('div');
  label.className = 'label';
  label.textContent = output.label;
  const canvas = document.createElement('canvas');
  canvas.className = 'piano-roll';
  const audio = document.createElement('audio');
  audio.controls = true;
  audio.preload = 'auto';
  audio.src = outputUrl(output.wav);
  const links = document.createElement('div');
  links.className = 'links';
  for (const [text, name] of [['MIDI', output.midi], ['WAV', output.wav]]) {
    const link = document.createElement('a');
    link.href = outputUrl(name, true);
    link.textContent = 'Download ' + text;
    link.className = 'download-' + text.toLowerCase();
    links.appendChild(link);
  }
  if (output.latent && options.steer !== false) {
    const steer = document.createElement('a');
    steer.href = '#steer-section';
    steer.textContent = 'Steer from here';
    steer.addEventListener('click', () => setSliders(output.latent, true));
    links.appendChild(steer);
  }
  card.append(label, canvas, audio, links);
  requestAnimationFrame(() => drawPianoRoll(canvas, output));
  return card;
}

function showOutputs(id, outputs, options) {
  const box = $(id);
  box.replaceChildren(...outputs.map((output) => outputCard(output, options)));
}

// ---- runs ----

async function loadInfo() {
  studio.info = await api('/api/info');
  const select = $('run-select');
  const chosen = studio.run ? studio.run.id : select.value;
  select.replaceChildren(new Option('A new run…', ''));
  for (const run of studio.info.runs) {
    const text = run.name + ' — ' + run.status + (run.config ? ' (' + run.config + ')' : '');
    select.add(new Option(text, run.id));
  }
  select.value = chosen || '';
  const models = $('base-model-select');
  const keptModel = models.value;
  models.replaceChildren(...studio.info.base_models.map(
    (model) => new Option(model.id + (model.vae_config ? ' (' + model.vae_config + ')' : ''), model.id)));
  if (keptModel) models.value = keptModel;
  if (!studio.info.base_models.length) {
    showError('train-error', new Error('No base models: start the studio with ' +
      '--models_dir=FOLDER of MusicVAE checkpoints (.tar as Magenta distributes them).'));
  }
  $('examples-button').hidden = !studio.info.examples.length;
  if (!$('num-steps').value) $('num-steps').value = studio.info.default_num_steps;
  fillConfigs();
}

function fillConfigs() {
  const model = studio.info.base_models.find((m) => m.id === $('base-model-select').value);
  const select = $('config-select');
  const kept = select.value;
  const names = model ? model.configs : [];
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  if (names.includes(kept)) select.value = kept;
  else if (names.length) select.value = names[0];
}

async function chooseRun(runId) {
  clearTimeout(studio.pollTimer);
  studio.songsTableFor = null;
  if (!runId) {
    studio.run = null;
    $('run-select').value = '';
    $('songs-table').hidden = true;
    $('songs-summary').textContent = '';
    for (const id of ['personal-outputs', 'prior-outputs', 'reconstruction-outputs',
      'slider-output', 'interpolation-outputs', 'song-output']) {
      $(id).replaceChildren();
    }
    showRun();
    return;
  }
  studio.run = await api('/api/runs/' + encodeURIComponent(runId));
  $('run-select').value = runId;
  if (studio.run.config) {
    if (studio.run.base_model) {
      $('base-model-select').value = studio.run.base_model;
      fillConfigs();
    }
    $('config-select').value = studio.run.config;
    $('num-steps').value = studio.run.num_steps;
  }
  showRun();
  await loadSongsTable();
  if (studio.run.status === 'done') await prepareSteering();
}

function statusLine(run) {
  const last = run.progress.length ? run.progress[run.progress.length - 1] : null;
  const words = {
    new: 'Not trained yet.',
    queued: 'Waiting to train' + (run.queue_position ? ' (number ' + run.queue_position + ' in the queue)' : '') + '.',
    training: 'Training',
    done: 'Trained',
    failed: 'Training failed',
    cancelled: 'Cancelled',
    interrupted: 'Interrupted',
  }[run.status] || run.status;
  let line = words;
  if (last && ['training', 'done', 'cancelled', 'interrupted', 'failed'].includes(run.status)) {
    line += ': step ' + last.step + ' of ' + last.num_steps;
    if (last.loss !== null && last.loss !== undefined) line += ', loss ' + last.loss.toFixed(3);
    if (run.status === 'training' && last.seconds_left !== null && last.seconds_left !== undefined) {
      line += ', ' + formatSeconds(last.seconds_left) + ' left';
    }
  } else if (run.status === 'training') {
    line += ': reading and encoding the songs…';
  }
  if (run.status === 'done') line += '. Listen and steer below.';
  else if (run.status !== 'new' && run.status !== 'queued' && run.status !== 'training') line += '.';
  return line;
}

function formatSeconds(seconds) {
  seconds = Math.round(seconds);
  if (seconds < 60) return seconds + ' s';
  return Math.floor(seconds / 60) + ' min ' + String(seconds % 60).padStart(2, '0') + ' s';
}

function showRun() {
  const run = studio.run;
  const trained = run && run.status === 'done';
  for (const section of document.querySelectorAll('.needs-model')) {
    section.classList.toggle('disabled', !trained);
  }
  $('train-section').classList.toggle('disabled', !run);
  const active = run && (run.status === 'queued' || run.status === 'training');
  $('train-button').disabled = !run || active || !$('config-select').value;
  $('cancel-button').hidden = !active;
  $('resume-button').hidden = !(run && ['failed', 'cancelled', 'interrupted'].includes(run.status));
  $('train-status').textContent = run ? statusLine(run) : 'Upload songs or choose a run first.';
  showError('train-error', run && run.error ? new Error(run.error) : null);
  const queue = studio.info ? studio.info.queue : [];
  $('queue').textContent = queue.length ? 'Queue: ' + queue.join(', ') +
    (studio.info.training ? ' (training now: ' + studio.info.training + ')' : '') : '';
  drawLossChart(run ? run.progress : []);
  if (trained) $('bundle-link').href = runPath('/bundle');
  if (active) studio.pollTimer = setTimeout(poll, 1000);
}

async function poll() {
  if (!studio.run) return;
  const wasDone = studio.run.status === 'done';
  try {
    studio.run = await api(runPath());
    studio.info = await api('/api/info');
  } catch (error) {
    showError('train-error', error);
    studio.pollTimer = setTimeout(poll, 3000);
    return;
  }
  showRun();
  if (!wasDone && studio.run.status === 'done') {
    await loadInfo();
    await loadSongsTable();
    await prepareSteering();
  }
}

function drawLossChart(progress) {
  const canvas = $('loss-chart');
  const points = progress.filter((p) => p.loss !== null && p.loss !== undefined);
  canvas.hidden = !points.length;
  if (!points.length) return;
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 720, height = canvas.clientHeight || 180;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  const left = 48, bottom = 22, top = 10, right = 10;
  const steps = points.map((p) => p.step), losses = points.map((p) => p.loss);
  const lastStep = Math.max(points[points.length - 1].num_steps, ...steps);
  const firstStep = Math.min(...steps);
  const lowLoss = Math.min(...losses), highLoss = Math.max(...losses);
  const span = highLoss - lowLoss || 1;
  const x = (step) => left + (step - firstStep) / Math.max(lastStep - firstStep, 1) * (width - left - right);
  const y = (loss) => top + (highLoss - loss) / span * (height - top - bottom);
  context.fillStyle = '#667085';
  context.font = '11px sans-serif';
  context.fillText(highLoss.toFixed(2), 4, top + 8);
  context.fillText(lowLoss.toFixed(2), 4, height - bottom);
  context.fillText('step ' + firstStep, left, height - 6);
  context.fillText('step ' + lastStep, width - right - 60, height - 6);
  context.fillText('loss', 4, height / 2);
  context.strokeStyle = '#d9dee8';
  context.strokeRect(left, top, width - left - right, height - top - bottom);
  context.strokeStyle = '#e0553d';
  context.lineWidth = 2;
  context.beginPath();
  points.forEach((p, i) => (i ? context.lineTo(x(p.step), y(p.loss)) : context.moveTo(x(p.step), y(p.loss))));
  context.stroke();
}

// ---- songs ----

function acceptFiles(files) {
  const all = Array.from(files);
  studio.chosenFiles = all.filter((file) => MIDI_SUFFIXES.some(
    (suffix) => file.name.toLowerCase().endsWith(suffix)));
  const skipped = all.length - studio.chosenFiles.length;
  $('chosen-files').textContent = studio.chosenFiles.length
    ? studio.chosenFiles.length + ' song file(s) chosen: ' +
      studio.chosenFiles.slice(0, 6).map((file) => file.name).join(', ') +
      (studio.chosenFiles.length > 6 ? '…' : '') +
      (skipped ? ' (' + skipped + ' other file(s) left out: not MIDI or TFRecord)' : '')
    : 'None of those ' + all.length + ' file(s) is a MIDI file or a TFRecord.';
  $('upload-button').disabled = !studio.chosenFiles.length;
  // A folder's name makes a good run name.
  const first = studio.chosenFiles[0];
  if (first && first.webkitRelativePath && !$('run-name').value) {
    $('run-name').value = first.webkitRelativePath.split('/')[0];
  }
}

async function uploadSongs(files) {
  const form = new FormData();
  form.append('name', $('run-name').value || 'my songs');
  for (const file of files) form.append('files', file, file.name);
  const run = await api('/api/runs', {method: 'POST', body: form});
  await afterCreate(run);
}

async function useExamples() {
  const form = new FormData();
  form.append('name', $('run-name').value || 'folk examples');
  form.append('examples', '1');
  await afterCreate(await api('/api/runs', {method: 'POST', body: form}));
}

async function afterCreate(run) {
  studio.chosenFiles = [];
  $('chosen-files').textContent = 'No songs chosen.';
  $('upload-button').disabled = true;
  $('file-input').value = '';
  $('folder-input').value = '';
  await loadInfo();
  await chooseRun(run.id);
}

async function loadSongsTable() {
  if (!studio.run) return;
  const config = $('config-select').value;
  if (!config || studio.songsTableFor === config) return;
  studio.songsTableFor = config;
  showError('songs-error', null);
  $('songs-summary').textContent = 'Cutting the songs into ' + config + ' windows…';
  let table;
  try {
    table = await api(runPath('/songs?config=' + encodeURIComponent(config)));
  } catch (error) {
    studio.songsTableFor = null;
    $('songs-summary').textContent = '';
    showError('songs-error', error);
    return;
  }
  $('songs-summary').textContent = table.summary ||
    (studio.run.songs.length + ' song file(s); what each gave ' + config + ':');
  if (table.error) showError('songs-error', new Error(table.error));
  const body = $('songs-table').tBodies[0];
  body.replaceChildren(...table.rows.map((row) => {
    const tr = document.createElement('tr');
    for (const key of ['song', 'meter', 'tracks', 'windows', 'remarks']) {
      const td = document.createElement('td');
      td.textContent = row[key];
      if (key === 'windows' && !row.windows) td.className = 'none';
      tr.appendChild(td);
    }
    return tr;
  }));
  $('songs-table').hidden = false;
  fillSongChoices(table.rows.filter((row) => row.windows > 0).map((row) => row.song));
}

function fillSongChoices(names) {
  for (const id of ['slider-song', 'song-a', 'song-b']) {
    const select = $(id);
    select.replaceChildren(...names.map((name) => new Option(name, name)));
  }
  if (names.length > 1) $('song-b').value = names[1];
}

// ---- training ----

async function train() {
  studio.run = await postJson(runPath('/train'), {
    base_model: $('base-model-select').value,
    config: $('config-select').value,
    num_steps: Number($('num-steps').value),
  });
  studio.info = await api('/api/info');
  showRun();
}

// ---- listening ----

async function listen(what, values) {
  return postJson(runPath('/listen'), Object.assign({what: what}, values || {}));
}

async function sampleBoth() {
  const n = Number($('num-outputs').value);
  const personal = await listen('samples', {n: n});
  showOutputs('personal-outputs', personal.outputs);
  const prior = await listen('prior', {n: n});
  showOutputs('prior-outputs', prior.outputs, {steer: false});
}

async function rebuildSongs() {
  const result = await listen('reconstructions', {n: Number($('num-outputs').value)});
  showOutputs('reconstruction-outputs', result.outputs);
}

// ---- steering ----

async function prepareSteering() {
  const result = await listen('encode', {song: $('slider-song').value}).catch(() => null);
  const size = result ? result.latent_size : 0;
  const box = $('sliders');
  const extent = studio.info.slider_extent;
  box.replaceChildren();
  for (let i = 0; i < size; i++) {
    const row = document.createElement('label');
    row.className = 'slider';
    const range = document.createElement('input');
    range.type = 'range';
    range.min = -extent;
    range.max = extent;
    range.step = 0.05;
    range.value = 0;
    range.id = 'slider-' + i;
    range.setAttribute('aria-label', 'dimension ' + (i + 1));
    const shown = document.createElement('output');
    shown.textContent = '0.00';
    range.addEventListener('input', () => {
      shown.textContent = Number(range.value).toFixed(2);
      requestDecode();
    });
    row.append('dim ' + (i + 1), range, shown);
    box.appendChild(row);
  }
  if (result) setSliders(result.latent, true);
}

function sliderValues() {
  return Array.from(document.querySelectorAll('#sliders input[type=range]'))
    .map((range) => Number(range.value));
}

function setSliders(latent, decode) {
  const ranges = document.querySelectorAll('#sliders input[type=range]');
  ranges.forEach((range, i) => {
    range.value = latent[i];
    range.nextElementSibling.textContent = Number(range.value).toFixed(2);
  });
  if (decode) requestDecode();
}

// One decode at a time; moves made meanwhile are decoded once it returns, from
// where the sliders are then.
function requestDecode() {
  if (studio.slider.busy) {
    studio.slider.pending = true;
    return;
  }
  studio.slider.busy = true;
  studio.slider.pending = false;
  const started = performance.now();
  listen('decode', {latent: sliderValues()}).then((result) => {
    showError('steer-error', null);
    showOutputs('slider-output', result.outputs, {steer: false});
    $('slider-latency').textContent = 'heard ' + Math.round(performance.now() - started) + ' ms after the move';
    const audio = document.querySelector('#slider-output audio');
    if (audio) audio.play().catch(() => {});
  }).catch((error) => showError('steer-error', error)).finally(() => {
    studio.slider.busy = false;
    if (studio.slider.pending) requestDecode();
  });
}

async function sliderToSong() {
  const result = await listen('encode', {song: $('slider-song').value});
  setSliders(result.latent, true);
}

async function interpolate() {
  const result = await listen('interpolate', {
    song_a: $('song-a').value, song_b: $('song-b').value,
    num_steps: Number($('interpolation-steps').value)});
  showOutputs('interpolation-outputs', result.outputs);
}

async function makeSong() {
  const bars = $('song-bars').value;
  const result = await listen('song', bars ? {num_bars: Number(bars)} : {});
  showOutputs('song-output', result.outputs, {wide: true, steer: false});
}

// ---- wiring ----

function wire() {
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    acceptFiles(await droppedFiles(event.dataTransfer));
  });
  $('file-input').addEventListener('change', (event) => acceptFiles(event.target.files));
  $('folder-input').addEventListener('change', (event) => acceptFiles(event.target.files));
  $('upload-button').addEventListener('click', (event) => withButton(
    event.target, 'songs-error', () => uploadSongs(studio.chosenFiles)));
  $('examples-button').addEventListener('click', (event) => withButton(
    event.target, 'songs-error', useExamples));
  $('run-select').addEventListener('change', (event) => chooseRun(event.target.value)
    .catch((error) => showError('songs-error', error)));
  $('base-model-select').addEventListener('change', () => {
    fillConfigs();
    loadSongsTable();
    showRun();
  });
  $('config-select').addEventListener('change', () => {
    loadSongsTable();
    showRun();
  });
  $('train-button').addEventListener('click', (event) => withButton(event.target, 'train-error', train));
  $('cancel-button').addEventListener('click', (event) => withButton(event.target, 'train-error', async () => {
    studio.run = await postJson(runPath('/cancel'));
    showRun();
    studio.pollTimer = setTimeout(poll, 500);
  }));
  $('resume-button').addEventListener('click', (event) => withButton(event.target, 'train-error', async () => {
    studio.run = await postJson(runPath('/resume'));
    showRun();
  }));
  $('sample-button').addEventListener('click', (event) => withButton(event.target, 'listen-error', sampleBoth));
  $('reconstruct-button').addEventListener('click', (event) => withButton(event.target, 'listen-error', rebuildSongs));
  $('slider-song-button').addEventListener('click', (event) => withButton(event.target, 'steer-error', sliderToSong));
  $('slider-center-button').addEventListener('click', () => setSliders(sliderValues().map(() => 0), true));
  $('slider-random-button').addEventListener('click', () => setSliders(
    sliderValues().map(() => Math.max(-2.5, Math.min(2.5, gaussian()))), true));
  $('interpolate-button').addEventListener('click', (event) => withButton(event.target, 'steer-error', interpolate));
  $('song-button').addEventListener('click', (event) => withButton(event.target, 'steer-error', makeSong));
}

function gaussian() {
  const u = 1 - Math.random(), v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// The files of a drop, folders walked.
async function droppedFiles(transfer) {
  const entries = Array.from(transfer.items || []).map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
  if (!entries.length) return Array.from(transfer.files);
  const files = [];
  async function walk(entry) {
    if (entry.isFile) {
      files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      let batch;
      do {
        batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        for (const child of batch) await walk(child);
      } while (batch.length);
    }
  }
  for (const entry of entries) await walk(entry);
  return files;
}

async function start() {
  wire();
  try {
    await loadInfo();
    const wanted = new URLSearchParams(location.search).get('run');
    await chooseRun(wanted || (studio.info.runs[0] && studio.info.runs[0].id) || '');
  } catch (error) {
    const message = $('message');
    message.hidden = false;
    message.textContent = 'The studio is not answering: ' + error.message;
  }
}

start();

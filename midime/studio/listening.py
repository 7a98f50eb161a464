"""What the page plays: trained models of the studio's runs, loaded on first use
and kept (the last few), decoding samples, the plain MusicVAE's samples,
reconstructions, slider positions, interpolations and whole songs, each
written as MIDI and WAV in the run's outputs and described for the page's piano
roll.

TensorFlow loads with the first model, not with the server: the page is up at
once.
"""

import collections
import glob
import os
import secrets
import threading

import numpy as np

from midime.errors import UserError
from midime.studio import runs

MAX_OUTPUTS = 8
# A slider reaches this many prior standard deviations either way; the page's
# sliders stop at SLIDER_EXTENT.
MAX_LATENT_VALUE = 10.0
SLIDER_EXTENT = 3.0
# Slider moves write files too (the page plays and downloads them); only the
# latest few of a run are kept.
KEEP_SLIDER_OUTPUTS = 12
INTERPOLATION_STEPS = (3, 9)
MAX_SONG_BARS = 256
WHAT = ('samples', 'prior', 'reconstructions', 'decode', 'interpolate', 'song',
        'encode')


def note_rows(sequence):
  """The notes of `sequence` as the page draws them: [pitch, start, end,
  velocity, program, is_drum, instrument] rows."""
  return [[note.pitch, round(note.start_time, 4), round(note.end_time, 4),
           note.velocity, note.program, bool(note.is_drum), note.instrument]
          for note in sequence.notes]


def marks(sequence):
  """The chord symbols and section starts of `sequence`: (time, text, kind)
  rows, kind 'chord' or 'section'."""
  import note_seq  # pylint: disable=g-import-not-at-top
  rows = [[round(a.time, 4), a.text, 'chord']
          for a in sequence.text_annotations
          if a.annotation_type ==
          note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL]
  rows += [[round(s.time, 4), chr(ord('A') + s.section_id % 26), 'section']
           for s in sequence.section_annotations]
  return sorted(rows)


def check_latent(latent, latent_size):
  """`latent` as a float32 vector, or UserError saying what is wrong with it."""
  if not isinstance(latent, (list, tuple)) or len(latent) != latent_size:
    raise UserError('a latent of this model has %d values, got %r' %
                    (latent_size, latent))
  values = []
  for value in latent:
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or
        not np.isfinite(value) or abs(value) > MAX_LATENT_VALUE):
      raise UserError('latent values must be numbers from -%g to %g, got %r' %
                      (MAX_LATENT_VALUE, MAX_LATENT_VALUE, value))
    values.append(float(value))
  return np.asarray(values, np.float32)


def _check_count(value, what, low, high):
  if (isinstance(value, bool) or not isinstance(value, int) or
      not low <= value <= high):
    raise UserError('%s must be a whole number from %d to %d, got %r' %
                    (what, low, high, value))
  return value


class _Loaded(
    collections.namedtuple('_Loaded', ['model', 'lock', 'bundle_mtime'])):
  """A TrainedModel, the lock its users take (its sessions and random state
  are not for two threads at once), and the bundle's time it was read at."""


class Listener(object):
  """Decodes for the page: outputs of the trained runs of a runs.RunStore."""

  def __init__(self, store, soundfont=None, keep_models=2, seed=None):
    self._store = store
    self._soundfont = soundfont
    self._keep_models = keep_models
    self._seed = seed
    self._models = collections.OrderedDict()  # run id -> _Loaded
    self._songs = {}  # run id -> (name, NoteSequence) pairs
    self._lock = threading.Lock()
    self._render_lock = threading.Lock()
    self._renderer = None

  def close(self):
    with self._lock:
      for loaded in self._models.values():
        loaded.model.close()
      self._models.clear()

  def _bundle_path(self, run_id):
    state = self._store.read(run_id)
    if state['status'] != runs.DONE or not state.get('bundle'):
      raise UserError('%s has no trained model yet: train it first' %
                      state['name'])
    return os.path.join(self._store.run_dir(run_id), state['bundle'])

  def _loaded(self, run_id):
    """The run's model, loaded when new or when its bundle changed."""
    bundle = self._bundle_path(run_id)
    mtime = os.path.getmtime(bundle)
    with self._lock:
      loaded = self._models.get(run_id)
      if loaded and loaded.bundle_mtime == mtime:
        self._models.move_to_end(run_id)
        return loaded
      if loaded:
        with loaded.lock:
          loaded.model.close()
        del self._models[run_id]
      from midime import api  # pylint: disable=g-import-not-at-top
      loaded = _Loaded(api.load(bundle, seed=self._seed), threading.Lock(),
                       mtime)
      self._models[run_id] = loaded
      while len(self._models) > self._keep_models:
        _, oldest = self._models.popitem(last=False)
        with oldest.lock:
          oldest.model.close()
      return loaded

  def latent_size(self, run_id):
    return self._loaded(run_id).model.latent_size

  def songs(self, run_id):
    """The run's songs, (name, NoteSequence) pairs, read once."""
    with self._lock:
      if run_id not in self._songs:
        # pylint: disable=g-import-not-at-top
        from midime import note_sequence_io
        # pylint: enable=g-import-not-at-top
        self._songs[run_id] = note_sequence_io.read_note_sequences(
            self._store.examples_path(run_id))
      return self._songs[run_id]

  def _song(self, run_id, name):
    for song_name, sequence in self.songs(run_id):
      if song_name == name:
        return sequence
    raise UserError('no song %r in this run' % (name,))

  def _render(self, sequences, prefix, output_dir):
    # pylint: disable=g-import-not-at-top
    from midime import audio
    from midime.jobs import generate
    # pylint: enable=g-import-not-at-top
    with self._render_lock:
      if self._renderer is None:
        self._renderer = audio.Renderer(self._soundfont)
      return generate.write_outputs(output_dir, prefix, sequences,
                                    self._renderer, None, len(sequences))

  def _outputs(self, run_id, what, sequences, labels, latents=None):
    output_dir = self._store.outputs_dir(run_id)
    prefix = '%s-%s' % (what, secrets.token_hex(4))
    paths = self._render(sequences, prefix, output_dir)
    if what == 'decode':
      self._prune_slider_outputs(output_dir)
    midis = [p for p in paths if p.endswith('.mid')]
    outputs = []
    for index, (sequence, midi) in enumerate(zip(sequences, midis)):
      name = os.path.basename(midi)
      outputs.append(dict(
          label=labels[index], midi=name, wav=name[:-len('.mid')] + '.wav',
          seconds=round(sequence.total_time, 3), notes=note_rows(sequence),
          marks=marks(sequence),
          latent=None if latents is None else
          [round(float(v), 4) for v in latents[index]]))
    return outputs

  def _prune_slider_outputs(self, output_dir):
    made = sorted(glob.glob(os.path.join(output_dir, 'decode-*.mid')),
                  key=os.path.getmtime)
    for midi in made[:-KEEP_SLIDER_OUTPUTS]:
      for path in (midi, midi[:-len('.mid')] + '.wav'):
        if os.path.exists(path):
          os.remove(path)

  def listen(self, run_id, what, options):
    """Makes `what` (one of WHAT) with run `run_id`'s model.

    Args:
      options: the request's values: `n` (samples, prior, reconstructions),
        `latent` (decode), `song_a`, `song_b`, `num_steps` (interpolate),
        `num_bars` (song), `song` (encode).

    Returns:
      A dict: `outputs`, each with label, midi and wav (file names in the
      run's outputs), seconds, notes (note_rows), marks and latent; and
      `latent_size`. `encode` gives `latent` alone.

    Raises:
      UserError: a request the model cannot answer, saying why.
    """
    if what not in WHAT:
      raise UserError('cannot make %r; one of %s' % (what, ', '.join(WHAT)))
    loaded = self._loaded(run_id)
    model = loaded.model
    with loaded.lock:
      result = self._make(run_id, model, what, options)
    result['latent_size'] = model.latent_size
    return result

  def _make(self, run_id, model, what, options):

    def count():
      return _check_count(options.get('n', 4), 'n', 1, MAX_OUTPUTS)

    if what == 'samples':
      sequences, latents, _ = model.sample_with_latents(count())
      return dict(outputs=self._outputs(
          run_id, what, sequences,
          ['sample %d' % (i + 1) for i in range(len(sequences))], latents))
    if what == 'prior':
      sequences = model.sample_prior(count())
      return dict(outputs=self._outputs(
          run_id, what, sequences,
          ['MusicVAE %d' % (i + 1) for i in range(len(sequences))]))
    if what == 'reconstructions':
      songs = self.songs(run_id)[:count()]
      windows = model.windows(songs)
      originals = windows.note_sequences(model.data_converter)
      latents = model.encode_windows(windows)
      rebuilt = model.decode(latents)
      sequences, labels = [], []
      for (name, _), original, again in zip(songs, originals, rebuilt):
        sequences += [original, again]
        labels += ['%s: its first window' % name, '%s: rebuilt' % name]
      return dict(outputs=self._outputs(
          run_id, what, sequences, labels,
          np.repeat(latents, 2, axis=0)))
    if what == 'decode':
      latent = check_latent(options.get('latent'), model.latent_size)
      return dict(outputs=self._outputs(run_id, what, model.decode(latent),
                                        ['sliders'], latent[None]))
    if what == 'interpolate':
      low, high = INTERPOLATION_STEPS
      num_steps = _check_count(options.get('num_steps', 5), 'num_steps', low,
                               high)
      start, end = (self._song(run_id, options.get(key))
                    for key in ('song_a', 'song_b'))
      latents = model.encode([start, end])
      # pylint: disable=g-import-not-at-top
      from midime import latents as latents_lib
      # pylint: enable=g-import-not-at-top
      path = latents_lib.interpolate_latents(latents[0], latents[1], num_steps,
                                             'linear')
      return dict(outputs=self._outputs(
          run_id, what, model.decode(path),
          ['%d of %d' % (i + 1, num_steps) for i in range(num_steps)], path))
    if what == 'song':
      num_bars = options.get('num_bars')
      if num_bars is not None:
        _check_count(num_bars, 'num_bars', 1, MAX_SONG_BARS)
      song = model.songs_with_plans(1, num_bars=num_bars)[0]
      return dict(outputs=self._outputs(run_id, what, [song.sequence],
                                        [song.describe()]))
    latent = model.encode([self._song(run_id, options.get('song'))])[0]
    return dict(latent=[round(float(v), 4) for v in latent])

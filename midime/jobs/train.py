"""`midime-train`: a small model trained on a user's songs over a frozen
MusicVAE.

The data flows once, top to bottom:

  songs (TFRecord | MIDI | folder) -> windows of the family's converter
  -> the frozen MusicVAE encoder, once -> latent cache -> training -> bundle

A run folder keeps magenta's layout (run_dir/train, run_dir/eval) and everything
a later run reuses: the latent cache (latents.npz), the per-song report
(songs.tsv), checkpoints, and the bundle run_dir/<config>.tar.
"""

import collections
import contextlib
import dataclasses
import os
from typing import Callable, Optional

from absl import logging

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import base_model
from midime import checkpoints
from midime import checks
from midime import configs
from midime import controls as controls_lib
from midime import frozen_music_vae
from midime import latent_cache
from midime import music_metrics
from midime import note_sequence_io
from midime import song_form
from midime import training
from midime import windows as windows_lib
from midime.errors import UserError

LATENTS_FILE = 'latents.npz'
# The songs' windows in song order, encoded: what song form is learned from.
SONG_LATENTS_FILE = 'song_latents.npz'
EVAL_LATENTS_FILE = 'eval_latents.npz'
SONGS_REPORT_FILE = 'songs.tsv'
EVAL_SONGS_REPORT_FILE = 'eval_songs.tsv'
MODES = ('train', 'eval')


@dataclasses.dataclass
class TrainOptions:
  """What a training (or evaluation) run does; each field is midime-train's flag
  of the same name.

  Attributes:
    config: the config's name, e.g. 'ae-cat-mel_2bar_big'.
    run_dir: the run's folder: latent cache, checkpoints, summaries, bundle.
    mode: 'train', or 'eval' (the latest checkpoint on `examples_path`, once).
    examples_path: the songs: a NoteSequence TFRecord, a MIDI file or a folder.
    pretrained_path: the MusicVAE checkpoint (eval: defaults to the run's).
    vae_config: its MusicVAE config; None: the one the config sits on.
    num_steps: the global step to train to; None: the config's default.
    hparams: 'name=value,...' merged into the config's hyperparameters.
    seed: makes the run repeatable.
    checkpoints_to_keep: checkpoints kept in run_dir/train; 0 keeps all.
    save_checkpoint_steps: save every this many steps; 0: by time only.
    save_checkpoint_secs: save every this many seconds; 0: off.
    fine_tune: let a run trained on other songs go on training on these.
    meter: 'rebar' or 'strict' (windows.METERS).
    tracks: 'tune', 'all', or a comma-separated list of tracks.
    log_every_steps: log (and write summaries and call `on_progress`) every
      this many steps.
    on_progress: called with a training.TrainingProgress as training goes;
      not a flag (the studio shows it).
  """
  config: Optional[str] = None
  run_dir: Optional[str] = None
  mode: str = 'train'
  examples_path: Optional[str] = None
  pretrained_path: Optional[str] = None
  vae_config: Optional[str] = None
  num_steps: Optional[int] = None
  hparams: str = ''
  seed: Optional[int] = None
  checkpoints_to_keep: int = 10
  save_checkpoint_steps: int = 0
  save_checkpoint_secs: float = 30
  fine_tune: bool = False
  meter: str = windows_lib.METER_REBAR
  tracks: str = 'tune'
  log_every_steps: int = 100
  on_progress: Optional[Callable[[training.TrainingProgress], None]] = None


def run(options):
  """Trains (returns the bundle's path) or evaluates (returns (step, means)) as
  `options` (a TrainOptions) says.

  Everything is checked before anything is written: a run folder in use by
  another training, a resumed run given another MusicVAE or (without
  `fine_tune`) other songs, an evaluation with no checkpoint.

  Raises:
    UserError: for any of those, and for songs that give no window.
  """
  check_options(options)
  options = dataclasses.replace(options,
                                run_dir=os.path.expanduser(options.run_dir))
  with contextlib.ExitStack() as stack:
    if options.mode == 'train':
      # Before reading the run's record: another training could be rewriting it.
      stack.enter_context(training.lock_run_dir(options.run_dir))
    return _run_locked(options)


def _run_locked(options):
  run_dir, config_name, mode = options.run_dir, options.config, options.mode
  train_dir = training.train_dir_of(run_dir)
  training.check_run_record(train_dir, config_name)
  record = checkpoints.read_sidecars(train_dir).get(checkpoints.MODEL_SIDECAR,
                                                    {})

  pretrained_path, vae_config_name = options.pretrained_path, options.vae_config
  if mode == 'eval':
    if not training.latest_checkpoint(run_dir):
      raise UserError('no checkpoint to evaluate in %s: train first' %
                      train_dir)
    # Evaluate the model as it was trained, unless --hparams says otherwise.
    config = configs.get_config(config_name, options.hparams,
                                record.get('hparams'))
    pretrained_path = pretrained_path or record.get('pretrained_path')
    vae_config_name = vae_config_name or record.get('vae_config')
  else:
    config = configs.get_config(config_name, options.hparams)
    base_model.set_beta_warmup(config.hparams, num_steps_of(options))
  if not pretrained_path:
    raise UserError('{pretrained_path} (the MusicVAE checkpoint) is required')
  vae_config_name = vae_config_name or config.vae_config_name
  configs.check_vae_config(config_name, config, vae_config_name,
                           record.get('vae_config'))

  with checkpoints.open_checkpoint(pretrained_path,
                                   'MusicVAE checkpoint') as vae_checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(vae_config_name,
                                                        vae_checkpoint)
    z_size = vae_config.hparams.z_size
    if config.hparams.z_size != z_size:
      logging.info('This MusicVAE has z_size %d; the %s model reads that.',
                   z_size, config_name)
      config.hparams.z_size = z_size
    songs_fingerprint = latent_cache.fingerprint(options.examples_path,
                                                 vae_checkpoint, config,
                                                 config.model.needs_sequences,
                                                 options.meter, options.tracks)
    if mode == 'train' and os.path.exists(
        os.path.expanduser(options.examples_path)):
      _check_resume(run_dir, record, vae_checkpoint, songs_fingerprint,
                    options.fine_tune)
    # Training reads the songs in any case (song form is learned from them in
    # song order), so they are read once, here; evaluation reads them only
    # when its cache is stale.
    songs = _read_songs(options.examples_path) if mode == 'train' else None
    cache = encoded_songs(
        os.path.join(run_dir,
                     LATENTS_FILE if mode == 'train' else EVAL_LATENTS_FILE),
        options.examples_path, config, vae_config, vae_checkpoint,
        vae_config_name, options.meter, options.tracks,
        songs_report_path=os.path.join(
            run_dir,
            SONGS_REPORT_FILE if mode == 'train' else EVAL_SONGS_REPORT_FILE),
        songs_fingerprint=songs_fingerprint, songs=songs)
    song_order = None
    if mode == 'train':
      song_order = encoded_song_order(
          os.path.join(run_dir, SONG_LATENTS_FILE), songs, config, vae_config,
          vae_checkpoint, vae_config_name, options.meter, options.tracks,
          songs_fingerprint)
    music_vae_hparams = vae_checkpoint.sidecars.get(
        checkpoints.MUSIC_VAE_SIDECAR, {}).get('hparams', {})
    record = dict(
        config=config_name,
        hparams=config.hparams.values(),
        vae_config=vae_config_name,
        music_vae_hparams=music_vae_hparams,
        music_vae_fingerprint=vae_checkpoint.fingerprint(),
        pretrained_path=os.path.abspath(os.path.expanduser(pretrained_path)),
        latents_fingerprint=songs_fingerprint,
        # How the songs became windows, for whoever compares samples with them.
        meter=options.meter,
        tracks=options.tracks)

  if mode == 'eval':
    return training.evaluate(config, run_dir, cache, config_name, options.seed)
  return training.train(config, run_dir, cache, num_steps_of(options), record,
                        seed=options.seed,
                        checkpoints_to_keep=options.checkpoints_to_keep,
                        save_checkpoint_secs=options.save_checkpoint_secs,
                        save_checkpoint_steps=options.save_checkpoint_steps,
                        log_every_steps=options.log_every_steps,
                        on_progress=options.on_progress,
                        **_song_form_learning(song_order, config))


def encoded_songs(cache_path, examples_path, config, vae_config, vae_checkpoint,
                  vae_name='MusicVAE', meter=windows_lib.METER_REBAR,
                  tracks='tune', songs_report_path=None,
                  songs_fingerprint=None, songs=None):
  """The latent cache of the songs at `examples_path`: the one at `cache_path`
  when it was computed from the same inputs, else songs -> windows -> the frozen
  encoder, written to `cache_path` (and the per-song report to
  `songs_report_path`). `meter` and `tracks` as windows.extract_windows takes
  them; `songs_fingerprint`, when the caller has hashed the inputs already
  (latent_cache.fingerprint); `songs`, the (name, NoteSequence) pairs when the
  caller has read them already."""
  keep_sequences = config.model.needs_sequences
  songs_fingerprint = songs_fingerprint or latent_cache.fingerprint(
      examples_path, vae_checkpoint, config, keep_sequences, meter, tracks)
  cached = latent_cache.load(cache_path, songs_fingerprint)
  if cached is not None:
    logging.info('Reusing the latent cache %s (%d windows).', cache_path,
                 len(cached))
    return cached
  if songs is None:
    songs = _read_songs(examples_path)
  windows, report = windows_lib.training_windows(songs, config, meter, tracks)
  logging.info(report.summary())
  cache = latent_cache.encode(windows, vae_config, vae_checkpoint,
                              songs_fingerprint, keep_sequences, vae_name)
  latent_cache.save(cache_path, cache)
  logging.info('Wrote %s.', cache_path)
  if songs_report_path:
    report.write_tsv(songs_report_path)
    logging.info('What each song gave: %s.', songs_report_path)
  return cache


class SongOrder(
    collections.namedtuple('SongOrder', ['windows', 'places', 'mu'])):
  """The songs' windows in song order (windows.windows_in_song_order): the
  Windows, each song's number of window places, and their MusicVAE mean z."""


def _read_songs(examples_path):
  songs = note_sequence_io.read_note_sequences(examples_path)
  logging.info('Read %d NoteSequences from %s.', len(songs), examples_path)
  return songs


def encoded_song_order(cache_path, songs, config, vae_config, vae_checkpoint,
                       vae_name, meter, tracks, songs_fingerprint):
  """The windows in song order of `songs` ((name, NoteSequence) pairs) and
  their z (SongOrder), encoded once: the cache at `cache_path` is reused when
  it is of the same songs; None when the songs give no such window."""
  windows, places = windows_lib.windows_in_song_order(songs, config, meter,
                                                      tracks)
  if windows is None:
    return None
  cached = latent_cache.load(cache_path, songs_fingerprint)
  if (cached is None or len(cached) != len(windows) or
      not (cached.lengths == windows.lengths).all()):
    logging.info('Song form: %d windows of %d songs laid end to end.',
                 len(windows), len(songs))
    cached = latent_cache.encode(windows, vae_config, vae_checkpoint,
                                 songs_fingerprint, False, vae_name)
    latent_cache.save(cache_path, cached)
  return SongOrder(windows, places, cached.mu)


def _song_form_learning(song_order, config):
  """training.train's arguments that learn song form from `song_order`."""
  if song_order is None:
    logging.info('The songs give no window in song order: song mode will '
                 'not be available.')
    return {}
  window_steps, steps_per_bar, steps_per_quarter = windows_lib.window_grid(
      config.data_converter)
  songs_notes = song_order.windows.by_song_place([
      music_metrics.window_notes(sequence, steps_per_quarter)
      for sequence in song_order.windows.note_sequences(config.data_converter)
  ], song_order.places)

  def learn(mean, stddev, step):
    form = song_form.learn(songs_notes, mean, stddev,
                           window_steps // steps_per_bar, window_steps, step)
    if song_order.windows.controls is not None:
      form.set_controls(
          controls_lib.kind_of(config.data_converter),
          controls_lib.compact(song_order.windows.controls,
                               config.data_converter).tolist())
    logging.info(describe_song_form(form))
    return form.to_json()

  return dict(song_order_z=song_order.mu, learn_song_form=learn)


def describe_song_form(form):
  """What the log says of a learned song_form.SongForm."""
  shown = '%.0f%% of their windows nearly repeat an earlier one' % (
      100 * form.near_repeat_share)
  if form.form is None:
    return ('Song form: the songs show no form (%s; too short, or no section '
            'returns): song mode will use --form, or %s.' %
            (shown, song_form.DEFAULT_FORM))
  return ('Song form: songs of %d bars (the median), sections of %d bars, '
          'most often %s; %s.' %
          (form.typical_bars, form.section_bars, ' '.join(form.form), shown))


def check_options(options):
  """Raises UserError for options no run can start with, before anything is
  read."""
  if not options.run_dir:
    raise UserError('{run_dir} is required')
  if not options.config:
    raise UserError('{config} is required; one of: %s' %
                    ', '.join(configs.CONFIG_NAMES))
  configs.check_config_name(options.config)
  if options.mode not in MODES:
    raise UserError('{mode} must be one of %s, got %r' %
                    (', '.join(MODES), options.mode))
  if options.mode == 'train' and num_steps_of(options) < 1:
    raise UserError('{num_steps} must be at least 1, got %s' %
                    options.num_steps)
  if not options.examples_path:
    raise UserError('{examples_path} is required')
  checks.check_seed(options.seed)
  checks.check_checkpoint_intervals(options.save_checkpoint_steps,
                                    options.save_checkpoint_secs,
                                    options.checkpoints_to_keep)
  windows_lib.check_meter(options.meter)
  windows_lib.check_tracks(options.tracks)


def num_steps_of(options):
  """The steps the run trains to: --num_steps, or the config's default."""
  if options.num_steps is None:
    return configs.default_num_steps(options.config)
  return options.num_steps


def _check_resume(run_dir, record, vae_checkpoint, songs_fingerprint,
                  fine_tune):
  """Raises UserError when resuming the run in `run_dir` (its saved `record`)
  would train its model over another MusicVAE, or on other songs without
  `fine_tune`."""
  if not training.latest_checkpoint(run_dir):
    return
  trained_over = record.get('music_vae_fingerprint')
  if trained_over and trained_over != vae_checkpoint.fingerprint():
    raise UserError(
        '%s was trained over another MusicVAE checkpoint (%s); resume it with '
        'that {pretrained_path}, or train over this one in a new {run_dir}' %
        (run_dir, record.get('pretrained_path')))
  trained_on = record.get('latents_fingerprint')
  if trained_on is None:  # a run recorded before songs were: its cache says
    cached = latent_cache.load(os.path.join(run_dir, LATENTS_FILE))
    trained_on = cached.fingerprint if cached is not None else None
  if trained_on and trained_on != songs_fingerprint and not fine_tune:
    raise UserError(
        '%s was trained on other songs than {examples_path} (or other {meter} '
        'or {tracks}); pass {fine_tune} to go on training its model on these, '
        'or use a new {run_dir}' % run_dir)

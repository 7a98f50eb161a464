"""The toolkit's two jobs end to end, as the scripts expose them: train (or evaluate)
a small model on a folder of songs, and generate MIDI from it. The scripts only parse
flags and call these; tests and other programs call them directly."""

import collections
import contextlib
import os

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401
from midime import audio as audio_lib
from midime import base_model
from midime import checkpoints
from midime import checks
from midime import configs
from midime.errors import UserError
from midime import frozen_music_vae
from midime import generation
from midime import latent_cache
from midime import note_sequence_io
from midime import output_files
from midime import training

LATENTS_FILE = 'latents.npz'
EVAL_LATENTS_FILE = 'eval_latents.npz'
SONGS_REPORT_FILE = 'songs.tsv'
EVAL_SONGS_REPORT_FILE = 'eval_songs.tsv'


def train_or_evaluate(config_name, run_dir, mode, examples_path, pretrained_path,
                      vae_config_name=None, num_steps=None, hparams_string='', seed=None,
                      checkpoints_to_keep=10, meter='rebar', tracks='tune',
                      save_checkpoint_secs=30, save_checkpoint_steps=0, fine_tune=False):
  """Trains (returns the bundle's path) or evaluates (returns (step, means)); each
  argument as midime_train.py's flag of the same name (`num_steps` None: the
  config's default, configs.default_num_steps).

  Everything is checked before anything is written: a run folder in use by another
  training, a resumed run given another MusicVAE or (without `fine_tune`) other
  songs, an evaluation with no checkpoint."""
  if not run_dir:
    raise UserError('--run_dir is required')
  if not config_name:
    raise UserError('--config is required; one of: %s' % ', '.join(
        sorted(configs.CONFIG_MAP)))
  if num_steps is None:
    num_steps = configs.default_num_steps(config_name)
  if mode == 'train' and num_steps < 1:
    raise UserError('--num_steps must be at least 1, got %s' % num_steps)
  if not examples_path:
    raise UserError('--examples_path is required')
  checks.check_checkpoint_intervals(save_checkpoint_steps, save_checkpoint_secs,
                                    checkpoints_to_keep)
  run_dir = os.path.expanduser(run_dir)
  with contextlib.ExitStack() as stack:
    if mode == 'train':
      # Before reading the run's record: another training could be rewriting it.
      stack.enter_context(training.lock_run_dir(run_dir))
    return _train_or_evaluate_locked(
        config_name, run_dir, mode, examples_path, pretrained_path, vae_config_name,
        num_steps, hparams_string, seed, checkpoints_to_keep, meter, tracks,
        save_checkpoint_secs, save_checkpoint_steps, fine_tune)


def _check_resume(run_dir, record, vae_ckpt, latents_fingerprint, fine_tune):
  """Raises UserError when resuming the run in `run_dir` (its saved `record`) would
  train its model over another MusicVAE, or on other songs without `fine_tune`."""
  if not training.latest_checkpoint(run_dir):
    return
  trained_over = record.get('music_vae_fingerprint')
  if trained_over and trained_over != vae_ckpt.fingerprint():
    raise UserError(
        '%s was trained over another MusicVAE checkpoint (%s); resume it with that '
        '--pretrained_path, or train over this one in a new --run_dir'
        % (run_dir, record.get('pretrained_path')))
  trained_on = record.get('latents_fingerprint')
  if trained_on is None:  # a run recorded before songs were: its cache says
    cached = latent_cache.load(os.path.join(run_dir, LATENTS_FILE))
    trained_on = cached.fingerprint if cached is not None else None
  if trained_on and trained_on != latents_fingerprint and not fine_tune:
    raise UserError(
        '%s was trained on other songs than --examples_path (or other --meter or '
        '--tracks); pass --fine_tune to go on training its model on these, or use a '
        'new --run_dir' % run_dir)


def _train_or_evaluate_locked(config_name, run_dir, mode, examples_path,
                              pretrained_path, vae_config_name, num_steps,
                              hparams_string, seed, checkpoints_to_keep, meter,
                              tracks, save_checkpoint_secs, save_checkpoint_steps,
                              fine_tune):
  train_dir = training.train_dir_of(run_dir)
  training.check_run_record(train_dir, config_name)
  record = checkpoints.read_sidecars(train_dir).get(checkpoints.MODEL_SIDECAR, {})

  if mode == 'eval':
    if not training.latest_checkpoint(run_dir):
      raise UserError('no checkpoint to evaluate in %s: train first' % train_dir)
    # Evaluate the model as it was trained, unless --hparams says otherwise.
    config = configs.get_config(config_name, hparams_string, record.get('hparams'))
    pretrained_path = pretrained_path or record.get('pretrained_path')
    vae_config_name = vae_config_name or record.get('vae_config')
  else:
    config = configs.get_config(config_name, hparams_string)
    base_model.set_beta_warmup(config.hparams, num_steps)
  if not pretrained_path:
    raise UserError('--pretrained_path (the MusicVAE checkpoint) is required')
  vae_config_name = vae_config_name or config.vae_config_name
  configs.check_vae_config(config_name, config, vae_config_name, record.get('vae_config'))

  with checkpoints.open_checkpoint(pretrained_path, 'MusicVAE checkpoint') as vae_ckpt:
    vae_config = frozen_music_vae.load_music_vae_config(vae_config_name, vae_ckpt)
    z_size = vae_config.hparams.z_size
    if config.hparams.z_size != z_size:
      logging.info('This MusicVAE has z_size %d; the %s model reads that.',
                   z_size, config_name)
      config.hparams.z_size = z_size
    latents_fingerprint = latent_cache.fingerprint(
        examples_path, vae_ckpt, config, config.model.needs_sequences, meter, tracks)
    if mode == 'train' and os.path.exists(os.path.expanduser(examples_path)):
      _check_resume(run_dir, record, vae_ckpt, latents_fingerprint, fine_tune)
    cache_path = os.path.join(
        run_dir, LATENTS_FILE if mode == 'train' else EVAL_LATENTS_FILE)
    songs_report_path = os.path.join(
        run_dir, SONGS_REPORT_FILE if mode == 'train' else EVAL_SONGS_REPORT_FILE)
    cache = latent_cache.build_or_load(cache_path, examples_path, config, vae_config,
                                       vae_ckpt, vae_config_name, meter, tracks,
                                       songs_report_path, latents_fingerprint)
    record = {
        'config': config_name,
        'hparams': config.hparams.values(),
        'vae_config': vae_config_name,
        'music_vae_hparams': vae_ckpt.sidecars.get(
            checkpoints.MUSIC_VAE_SIDECAR, {}).get('hparams', {}),
        'music_vae_fingerprint': vae_ckpt.fingerprint(),
        'pretrained_path': os.path.abspath(os.path.expanduser(pretrained_path)),
        'latents_fingerprint': latents_fingerprint,
        # How the songs became windows, for whoever compares samples with them.
        'meter': meter,
        'tracks': tracks,
    }

  if mode == 'eval':
    return training.evaluate(config, run_dir, cache, config_name, seed)
  return training.train(config, run_dir, cache, num_steps, record, seed=seed,
                        checkpoints_to_keep=checkpoints_to_keep,
                        save_checkpoint_secs=save_checkpoint_secs,
                        save_checkpoint_steps=save_checkpoint_steps)


def _model_record(checkpoint):
  record = checkpoint.sidecars.get(checkpoints.MODEL_SIDECAR)
  if record is None and checkpoints.MUSIC_VAE_SIDECAR in checkpoint.sidecars:
    raise UserError('%s is a MusicVAE checkpoint; --checkpoint_file takes the trained '
                    'SmallMusicVAE/LCMusicVAE (run_dir/<config>.tar)' % checkpoint.source)
  return record or {}


def _song_posteriors(config, checkpoint):
  """The training windows' posteriors to sample from, when the model samples them
  (hparam sample_song_posteriors) and they belong to this checkpoint; else None
  (the prior N(0, I)), saying why."""
  if not config.hparams.get('sample_song_posteriors'):
    return None
  posteriors = checkpoint.sidecars.get(checkpoints.SONG_POSTERIORS_SIDECAR)
  step = checkpoints.step_of(checkpoint.prefix)
  if posteriors is None or (step >= 0 and posteriors.get('step') != step):
    # A run stopped before its end, or an earlier checkpoint of it.
    logging.warning('%s has no song posteriors of its own (written when training '
                    'ends); sampling the prior N(0, I) instead', checkpoint.source)
    return None
  logging.info('Sampling the small latent from the posteriors of the %d training '
               'windows.', len(posteriors['mean']))
  return posteriors


class LoadedModel(collections.namedtuple(
    'LoadedModel', ['model', 'config', 'config_name', 'source', 'vae_config',
                    'vae_checkpoint', 'vae_config_name', 'record'])):
  """A trained small model ready to sample (generation.TrainedMidiMe), its config,
  where it was read from, the MusicVAE config and open checkpoint (None when neither
  is needed nor asked for), and the record saved with the model."""


def open_music_vae(stack, loaded, vae_checkpoint_file=None):
  """(MusicVAE config, open checkpoint) under `loaded` (a LoadedModel):
  `vae_checkpoint_file`, else the one it was trained over; opened in `stack`, or the
  ones `loaded` already holds."""
  if loaded.vae_checkpoint is not None:
    return loaded.vae_config, loaded.vae_checkpoint
  return _open_music_vae(stack, loaded.record, loaded.source, vae_checkpoint_file,
                         loaded.vae_config_name)


def _open_music_vae(stack, record, source, vae_checkpoint_file, vae_config_name):
  vae_path = vae_checkpoint_file or record.get('pretrained_path')
  if not vae_path:
    raise UserError('--vae_checkpoint_file (the MusicVAE checkpoint) is required')
  vae_checkpoint = stack.enter_context(
      checkpoints.open_checkpoint(vae_path, 'MusicVAE checkpoint'))
  vae_config = frozen_music_vae.load_music_vae_config(vae_config_name, vae_checkpoint)
  trained_over = record.get('music_vae_fingerprint')
  if trained_over and trained_over != vae_checkpoint.fingerprint():
    logging.warning('warning: %s was trained over another MusicVAE checkpoint (%s);'
                    ' its samples will not sound like the training songs.',
                    source, record.get('pretrained_path'))
  return vae_config, vae_checkpoint


def open_trained_model(stack, run_dir, checkpoint_file, vae_checkpoint_file,
                       config_name, vae_config_name, batch_size, seed,
                       require_music_vae=False):
  """Restores a trained SmallMusicVAE/LCMusicVAE for sampling; each argument as
  midime_generate.py's flag of the same name. The checkpoints are opened in
  `stack` (a contextlib.ExitStack); the MusicVAE one is opened when the model
  decodes with it, or when `require_music_vae`. Returns a LoadedModel."""
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  model_path = (training.train_dir_of(os.path.expanduser(run_dir)) if run_dir
                else checkpoint_file)
  checkpoint = stack.enter_context(checkpoints.open_checkpoint(
      model_path, 'SmallMusicVAE/LCMusicVAE checkpoint'))
  record = _model_record(checkpoint)
  recorded_name = record.get('config')
  if config_name and recorded_name and config_name != recorded_name:
    raise UserError('%s was trained with --config=%s, not %s' % (
        checkpoint.source, recorded_name, config_name))
  config_name = config_name or recorded_name
  if not config_name:
    raise UserError('--config is required: %s records no config' % checkpoint.source)
  config = configs.get_config(config_name, hparams_values=record.get('hparams'))

  vae_config = vae_checkpoint = None
  vae_config_name = vae_config_name or record.get('vae_config') or config.vae_config_name
  configs.check_vae_config(config_name, config, vae_config_name, record.get('vae_config'))
  if config.model.needs_music_vae_decoder or require_music_vae:
    vae_config, vae_checkpoint = _open_music_vae(
        stack, record, checkpoint.source, vae_checkpoint_file, vae_config_name)
  elif vae_checkpoint_file:
    logging.info('%s samples with its own decoder; --vae_checkpoint_file is not read.',
                 config_name)

  logging.info('Loading %s from %s...', config_name, checkpoint.source)
  model = generation.TrainedMidiMe(
      config, config_name, checkpoint, batch_size=batch_size,
      vae_config=vae_config if config.model.needs_music_vae_decoder else None,
      vae_checkpoint=vae_checkpoint if config.model.needs_music_vae_decoder else None,
      vae_name=vae_config_name, seed=seed,
      song_posteriors=_song_posteriors(config, checkpoint))
  return LoadedModel(model, config, config_name, checkpoint.source, vae_config,
                     vae_checkpoint, vae_config_name, record)


GENERATE_MODES = ('sample', 'reconstruct', 'interpolate', 'traverse')
# The most rows and columns the traverse picture draws: past that the panels are too
# small to read.
MAX_PICTURE_ROWS = 16
MAX_PICTURE_COLUMNS = 16
# Traversal runs from -2 to +2 standard deviations of the prior: 95% of its mass.
TRAVERSE_EXTENT = 2.0


def _check_generate_arguments(mode, inputs, latent, interpolation, num_outputs):
  if mode not in GENERATE_MODES:
    raise UserError('--mode must be one of %s, got %r' % (', '.join(GENERATE_MODES),
                                                          mode))
  if mode in ('reconstruct', 'interpolate') and not inputs:
    raise UserError('--mode=%s needs songs: pass --inputs=PATH[,PATH...]' % mode)
  if latent and mode in ('reconstruct', 'interpolate'):
    raise UserError('--latent goes with --mode=sample or traverse, not %s' % mode)
  if latent and inputs:
    raise UserError('give --latent or --inputs, not both')
  if mode == 'sample' and inputs:
    raise UserError('--mode=sample draws from the prior and reads no --inputs; use '
                    '--mode=reconstruct, interpolate or traverse')
  if mode == 'interpolate':
    generation.check_interpolation(interpolation)
    if num_outputs < 2:
      raise UserError('--mode=interpolate needs --num_outputs of 2 or more (the ends '
                      'are included), got %d' % num_outputs)


def read_songs(inputs):
  """(name, NoteSequence) of every song in `inputs`, comma-separated paths of MIDI
  files, NoteSequence TFRecords or folders."""
  songs = []
  for path in [p for p in inputs.split(',') if p.strip()]:
    songs.extend(note_sequence_io.read_note_sequences(path.strip()))
  return songs


def _write_bytes(path, data):
  # Closed here, not by the garbage collector, whose close would swallow the error
  # of a full disk.
  with open(path, 'wb') as output:
    output.write(data)


def write_outputs(output_dir, prefix, sequences, renderer, picture_rows, columns,
                   title=None):
  """Writes the MIDI files, a WAV beside each when `renderer` is given, and the
  piano-roll picture of `picture_rows` when given; all or none. Returns the paths."""
  # Audio is rendered before anything is written: it is the step that can fail.
  wavs = [renderer.render_wav_bytes(s) for s in sequences] if renderer else []
  writers = generation.midi_file_writers(sequences, prefix)
  for (midi_name, _), wav in zip(list(writers), wavs):
    writers.append((midi_name[:-len('.mid')] + '.wav',
                    lambda path, wav=wav: _write_bytes(path, wav)))
  if picture_rows:
    # Only now: matplotlib takes a second to import.
    from midime import piano_roll  # pylint: disable=g-import-not-at-top
    writers.append((prefix + '.png', lambda path: piano_roll.draw_piano_rolls(
        picture_rows, path, title=title, columns=columns)))
  return output_files.write_all_or_none(output_dir, writers)


def _run_mode(model, mode, windows, center, num_outputs, temperature, interpolation):
  """The outputs of one generate mode (see generate) from an api.Model: (NoteSequences,
  the picture's rows, its columns, its title)."""
  picture_rows, columns, title = None, min(num_outputs, 8), None
  if mode == 'sample' and center is not None:
    logging.info('Decoding the latent %s %d times (temperature %g)...',
                 center.tolist(), num_outputs, temperature)
    sequences = model.decode(np.repeat(center[None], num_outputs, 0), temperature)
    picture_rows = [('latent\n%s' % ','.join('%g' % v for v in center), sequences)]
  elif mode == 'sample':
    logging.info('Sampling %d melodies (temperature %g)...', num_outputs, temperature)
    sequences, _, redrawn = model.sample_with_latents(num_outputs, temperature)
    if redrawn:
      logging.info('%d silent draws (no notes) were redrawn from fresh latents.',
                   redrawn)
    picture_rows = [(model.config_name, sequences)]
  elif mode == 'reconstruct':
    logging.info('Reconstructing %d songs through the %d-d latent...',
                 len(windows.names), model.latent_size)
    sequences = model.decode(model.encode_windows(windows), temperature)
    columns = min(len(sequences), 8)
    picture_rows = [('songs', windows.sequences), ('reconstructed', sequences)]
  elif mode == 'interpolate':
    ends = model.encode_windows(windows)
    logging.info('Interpolating %s in %d steps from %s to %s...', interpolation,
                 num_outputs, windows.names[0], windows.names[1])
    sequences = model.decode(generation.interpolate_latents(
        ends[0], ends[1], num_outputs, interpolation), temperature)
    columns = min(num_outputs, MAX_PICTURE_COLUMNS)
    picture_rows = [('%s\ninterpolation' % interpolation, sequences)]
    title = 'From %s to %s in %d steps, both ends included' % (
        windows.names[0], windows.names[1], num_outputs)
  else:
    around = ', the others at 0'
    if windows is not None:
      center = model.encode_windows(windows)[0]
      around = ', around %s' % windows.names[0]
      logging.info('Traversing around the latent of %s: %s', windows.names[0],
                   np.round(center, 2).tolist())
    elif center is not None:
      around = ', around --latent'
    _, sequences = model.traverse(center, num_outputs, TRAVERSE_EXTENT, temperature)
    columns = min(num_outputs, MAX_PICTURE_COLUMNS)
    picture_rows = [('dim %d' % dim, sequences[dim * num_outputs:
                                               (dim + 1) * num_outputs])
                    for dim in range(min(model.latent_size, MAX_PICTURE_ROWS))]
    if model.latent_size > MAX_PICTURE_ROWS or num_outputs > MAX_PICTURE_COLUMNS:
      logging.warning(
          'The latent has %d dimensions and %d values each: the picture draws '
          'dimensions 0..%d at the first %d values; the MIDI files hold them all.',
          model.latent_size, num_outputs, len(picture_rows) - 1, columns)
    title = 'Each row one dimension from -%g to +%g prior standard deviations%s' % (
        TRAVERSE_EXTENT, TRAVERSE_EXTENT, around)
  return sequences, picture_rows, columns, title


def generate(run_dir=None, checkpoint_file=None, vae_checkpoint_file=None,
             config_name=None, vae_config_name=None, output_dir='tmp/generated',
             num_outputs=5, max_batch_size=8, temperature=None, seed=None, plot=False,
             mode='sample', inputs=None, input_window=0, latent=None,
             interpolation='linear', audio=False, soundfont=None):
  """Generates and writes MIDI files (and WAVs with `audio`, a PNG with `plot` or
  in traverse mode), returning the MIDI files' paths; each argument as
  midime_generate.py's flag of the same name. Modes:
    sample: `num_outputs` draws from the prior (or decodings of `latent`);
    reconstruct: each song of `inputs` through the small latent and back;
    interpolate: `num_outputs` steps between the two songs of `inputs`;
    traverse: each latent dimension at `num_outputs` values, the others at zero
      (or at the latent of the first song of `inputs`, or at `latent`).
  """
  from midime import api  # pylint: disable=g-import-not-at-top  (api imports us)
  if (run_dir is None) == (checkpoint_file is None):
    raise UserError('give exactly one of --run_dir or --checkpoint_file')
  generation.check_num_outputs(num_outputs)
  checks.check_sampling_flags(max_batch_size, temperature, output_dir)
  _check_generate_arguments(mode, inputs, latent, interpolation, num_outputs)
  renderer = audio_lib.Renderer(soundfont) if audio else None
  songs = read_songs(inputs) if inputs else []
  if mode == 'interpolate' and len(songs) != 2:
    raise UserError('--mode=interpolate takes two songs, got %d from --inputs=%s' % (
        len(songs), inputs))
  if mode == 'traverse' and len(songs) > 1:
    raise UserError('--mode=traverse walks around one song, got %d from --inputs=%s' % (
        len(songs), inputs))
  # The most latents decoded at once that this run needs (traverse: per dimension).
  batch_size = min(max_batch_size, len(songs) if mode == 'reconstruct' else num_outputs)

  with api.Model(checkpoint_file, vae_checkpoint_file, run_dir=run_dir,
                 config=config_name, vae_config=vae_config_name,
                 batch_size=batch_size, seed=seed) as model:
    center = generation.parse_latent(latent, model.latent_size) if latent else None
    windows = model.windows(songs, input_window) if songs else None
    config_name = model.config_name
    if temperature is None:
      temperature = model.temperature
    sequences, picture_rows, columns, title = _run_mode(
        model, mode, windows, center, num_outputs, temperature, interpolation)
  plot = plot or mode == 'traverse'

  silent = generation.silent_count(sequences)
  if silent:
    logging.warning('warning: %d of the %d outputs are silent (no notes): the decoder '
                    'wrote rests for their latents. An undertrained model, or a latent '
                    'far from the songs, does this.', silent, len(sequences))
  prefix = generation.timestamped_prefix(
      config_name if mode == 'sample' else '%s_%s' % (config_name, mode))
  paths = write_outputs(output_dir, prefix, sequences, renderer,
                        picture_rows if plot else None, columns, title)
  midi_paths = paths[:len(sequences)]
  logging.info('Wrote %d MIDI files%s to %s: %s.', len(midi_paths),
               ' and as many WAV files' if renderer else '', output_dir,
               generation.describe(sequences))
  if plot:
    logging.info('Drew them as piano rolls in %s.', paths[-1])
  if mode == 'traverse':
    logging.info('File i holds dimension i // %d at value -%g + (i %% %d) * %g.',
                 num_outputs, TRAVERSE_EXTENT, num_outputs,
                 2 * TRAVERSE_EXTENT / max(num_outputs - 1, 1))
  return midi_paths

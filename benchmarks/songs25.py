"""The whole run on 25 songs: `midime_train.py` over a full-size
cat-mel_2bar_big against the original method, side by side; start-up with the
latents cached; encoding against magenta's TrainedModel on the same windows;
the encoder's share of this CPU's matrix-multiply rate. Quick: a tenth of the
steps and fewer windows encoded."""

import os
import shutil

from magenta.models.music_vae import TrainedModel
from note_seq import sequences_lib

from benchmarks import common
from benchmarks import matmul
from benchmarks import original_method
from benchmarks import report
from benchmarks import songs
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import latent_cache
from midime import note_sequence_io
from midime import windows as windows_lib

SECTION = 'songs25'
NUM_SONGS = 25
# About ten two-bar windows per song.
SONG_BARS = 12
STEPS = 2000
QUICK_STEPS = 200
# Windows encoded for the throughput comparison: a subset, as at about 80
# windows/s per encoder the whole set would add minutes.
ENCODE_SAMPLE = 512
QUICK_ENCODE_SAMPLE = 64
ORIGINAL_TIMED_STEPS = 30
# midime_train.py's log lines that mark its phases.
MARKERS = {
    'songs_read': 'NoteSequences from',
    'cache_reused': 'Reusing the latent cache',
    'encoding': 'with the frozen MusicVAE encoder',
    'first_step': 'cached latents, steps'
}


def folk_songs(cache_dir, num_songs=NUM_SONGS, bars=SONG_BARS):
  """The first bars of the first tunes of the folk corpus, as a TFRecord.

  The tunes that give two-bar windows are taken; random melodies of that
  length when the corpus (`make folk-corpus`) is not built.

  Args:
    cache_dir: where the TFRecord is kept between runs.
    num_songs: how many songs.
    bars: how many bars of each.

  Returns:
    (the TFRecord's path, a description of the songs for the report).
  """
  real = os.path.exists(songs.FOLK_CORPUS)
  path = os.path.join(
      cache_dir,
      '%s_songs_%d.tfrecord' % ('folk' if real else 'random', num_songs))
  if real:
    description = ('the first %d bars of the first %d tunes of the folk '
                   'corpus (`make folk-corpus`)' % (bars, num_songs))
  else:
    description = ('%d random %d-bar melodies (the folk corpus was not '
                   'built)' % (num_songs, bars))
  if os.path.exists(path):
    return path, description
  if not real:
    songs.write_tfrecord(
        path,
        [songs.random_melody(seed, bars=bars) for seed in range(num_songs)])
    return path, description
  converter = configs.get_config(common.CONFIG_NAME).data_converter
  chosen = []
  for _, tune in note_sequence_io.read_note_sequences(songs.FOLK_CORPUS):
    qpm = tune.tempos[0].qpm if tune.tempos else 120.0
    song = sequences_lib.extract_subsequence(tune, 0.0, bars * 4 * 60.0 / qpm)
    if converter.to_tensors(song).inputs:
      chosen.append(song)
    if len(chosen) == num_songs:
      break
  songs.write_tfrecord(path, chosen)
  return path, description


def _encoding_rates(prefix, windows, distinct, sample):
  """Windows/s of ours and magenta's on the first `sample` windows."""
  batch = latent_cache.ENCODE_BATCH_SIZE
  with checkpoints.open_checkpoint(prefix) as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(common.VAE_NAME,
                                                        checkpoint)
    ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint,
                                        batch_size=batch)
    magenta_model = TrainedModel(vae_config, batch, checkpoint.prefix)
    inputs, lengths = windows.inputs[:sample], windows.lengths[:sample]
    # Each is run once on a little before it is timed: a session's first run
    # optimises its graph.
    ours.encode(inputs[:1], lengths[:1], report_progress=False)
    magenta_model.encode_tensors(list(inputs[:1]), list(lengths[:1]))
    raw = common.best_rate(
        sample, lambda: ours.encode(inputs, lengths, report_progress=False), 2)
    magenta = common.best_rate(
        sample,
        lambda: magenta_model.encode_tensors(list(inputs), list(lengths)), 2)
    ours.close()
  return {
      'raw': raw,
      'effective': raw * len(windows) / distinct,
      'magenta': magenta,
      'vae_config': vae_config
  }


def run(settings):
  """Measures the 25-song run and rewrites its section of the report.

  Args:
    settings: common.Settings (its steps, quick, cache_dir, output).
  """
  prefix, _ = common.full_size_checkpoint(settings.cache_dir)
  steps = settings.steps
  path, description = folk_songs(settings.cache_dir)
  config = configs.get_config(common.CONFIG_NAME)
  windows, extraction = windows_lib.extract_windows(
      note_sequence_io.read_note_sequences(path), config.data_converter,
      config.note_sequence_augmenter)
  first, _ = latent_cache.distinct_windows(windows.inputs, windows.lengths)
  loads = {'start': common.load_note()}
  print(
      'songs25: %d songs, %d windows (%d distinct); load %s' %
      (len(extraction.names), len(windows), len(first), loads['start']),
      flush=True)

  run_dir = os.path.join(settings.cache_dir, 'songs25_run')
  shutil.rmtree(run_dir, ignore_errors=True)
  train = [
      common.TRAIN_SCRIPT, '--config=' + common.CONFIG_NAME,
      '--run_dir=' + run_dir, '--examples_path=' + path,
      '--pretrained_path=' + prefix, '--seed=1'
  ]
  ours_s, marks, output = common.timed_run(train + ['--num_steps=%d' % steps],
                                           MARKERS)
  common.require_marks(marks, ('songs_read', 'encoding', 'first_step'), output)
  print('  ours: %.1f s (%s)' % (ours_s, marks), flush=True)
  # Start-up alone: the same command with its latents cached, a fresh train
  # folder.
  shutil.rmtree(os.path.join(run_dir, 'train'))
  _, warm_marks, output = common.timed_run(train + ['--num_steps=1'], MARKERS)
  common.require_marks(warm_marks, ('cache_reused', 'first_step'), output)
  print('  start-up with cached latents: %s' % warm_marks, flush=True)
  original = original_method.measure(path, prefix, ORIGINAL_TIMED_STEPS)
  original_s = original_method.seconds_for(original, steps)
  loads['training'] = common.load_note()
  print(
      '  original: %.0f s (%.0f ms/step); load %s' %
      (original_s, 1000 * original['step_s'], loads['training']), flush=True)

  sample = min(len(windows),
               QUICK_ENCODE_SAMPLE if settings.quick else ENCODE_SAMPLE)
  rates = _encoding_rates(prefix, windows, len(first), sample)
  gflop = matmul.encoder_gflop_per_window(prefix, rates['vae_config'])
  inner, cols = matmul.largest_encoder_kernel(prefix)
  batch = latent_cache.ENCODE_BATCH_SIZE
  rows = max(batch, matmul.MIN_ROWS)
  tf_gflops, np_gflops = matmul.gflops(rows, inner, cols)
  loads['encoding'] = common.load_note()
  print(
      '  encoding: ours %.0f/s (%.0f/s counting copies once), magenta '
      '%.0f/s; matmul TF %.0f, numpy %.0f GFLOP/s; load %s' %
      (rates['raw'], rates['effective'], rates['magenta'], tf_gflops, np_gflops,
       loads['encoding']), flush=True)

  speedup = original_s / ours_s
  lines = [
      '## The whole run on 25 songs', '',
      '`%s` on %s: %s; %d two-bar windows %s (%d distinct), over the '
      'full-size %s, %s steps at the config\'s batch. '
      'Timings share the cores with other work: load averages (1/5/15 min) '
      '%s at the start, %s after training, %s after encoding.' %
      (settings.command, common.time_stamp(), description, len(windows),
       songs.keys_note(), len(first), common.VAE_NAME, '{:,}'.format(steps),
       loads['start'], loads['training'], loads['encoding']), '',
      '| | seconds |', '| --- | ---: |',
      '| ours: the whole `midime_train.py` run (cold: no latent cache) | '
      '%.1f |' % ours_s,
      '| of which: command to songs read (imports, checkpoint opened) | '
      '%.1f |' % marks['songs_read'],
      '| of which: encoding (windowing included) | %.1f |' %
      (marks['first_step'] - marks['encoding']),
      '| of which: first training step to exit (training, checkpoints, '
      'bundle) | %.1f |' % (ours_s - marks['first_step']),
      '| original method, same songs, %s steps at batch %d (%d timed + '
      '%.0f ms/step after) | %.0f |' %
      ('{:,}'.format(steps), common.ORIGINAL_BATCH_SIZE,
       original['timed_steps'], 1000 * original['step_s'], original_s),
      '| **speed-up** | **%.1f×** (goal ≥ 10×: %s) |' %
      (speedup, 'met' if speedup >= 10 else 'not met'),
      '| start-up: command to the first training step, latents cached | '
      '%.1f |' % warm_marks['first_step'], '',
      '### Encoding the same windows (the first %d), batch %d, loading '
      'excluded' % (sample, batch), '', 'The faster of two runs of each.', '',
      '| encoder | windows/s |', '| --- | ---: |',
      '| ours (MusicVAEEncoder.encode, every window) | %.0f |' % rates['raw'],
      '| ours, each distinct window once (as `midime_train.py` does) | %.0f |' %
      rates['effective'],
      '| magenta `TrainedModel.encode_tensors` | %.0f |' % rates['magenta'],
      '| ratio ours / magenta (every window) | %.2f× |' %
      (rates['raw'] / rates['magenta']), '',
      '### The encoder against this CPU\'s matrix-multiply rate', '',
      'The encoder does %.2f GFLOP per window (its LSTM kernels\' '
      'multiply-adds, x2, over the window\'s steps). Float32 matmul [%d, %d] '
      'x [%d, %d] (the encoder\'s kernel, at least %d rows; the fastest of '
      '10) runs at %.0f GFLOP/s in TensorFlow and %.0f GFLOP/s in numpy '
      'here, measured right after the encoder; the encoder at %.0f windows/s '
      'does %.0f GFLOP/s: **%.0f%% of TensorFlow\'s matmul rate**.' %
      (gflop, rows, inner, inner, cols, matmul.MIN_ROWS, tf_gflops, np_gflops,
       rates['raw'], rates['raw'] * gflop,
       100 * rates['raw'] * gflop / tf_gflops), ''
  ]
  report.write_section(settings.output, SECTION, lines)

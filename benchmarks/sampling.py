"""Sampling: what `midime_generate.py` runs (small prior, latent decoder,
MusicVAE decoder) against magenta's TrainedModel.sample on the same MusicVAE,
both in batches of 8, loading excluded; and the whole script, for its peak
memory."""

import os
import shutil

from magenta.models.music_vae import TrainedModel

from benchmarks import common
from benchmarks import report
from benchmarks import songs
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import sampling as sampling_lib

# Outputs per measurement at each size of the main tables.
COUNTS = (8, 64, 512)
# Above this many outputs a measurement runs once: it is long enough.
MAX_REPEATED_OUTPUTS = 64
BATCH_SIZE = 8
TEMPERATURE = 0.5
# The small model sampled: trained once, on this many examples and steps.
RUN_EXAMPLES = 100
RUN_STEPS = 100
# Outputs of the whole `midime_generate.py` run measured for its memory.
SCRIPT_OUTPUTS = 64


def _trained_run(settings, prefix):
  """A run folder with a small model over `prefix`, trained once."""
  run_dir = os.path.join(settings.cache_dir, 'sampling_run')
  if not os.path.exists(os.path.join(run_dir, common.CONFIG_NAME + '.tar')):
    path, _ = songs.random_songs(settings.cache_dir, RUN_EXAMPLES)
    common.measured([
        common.python(), common.TRAIN_SCRIPT, '--config=' + common.CONFIG_NAME,
        '--run_dir=' + run_dir, '--examples_path=' + path,
        '--pretrained_path=' + prefix,
        '--num_steps=%d' % RUN_STEPS
    ])
  return run_dir


def measure(settings, prefix, tar_path, counts):
  """Outputs/s of both samplers, then the whole script's memory.

  Args:
    settings: common.Settings (its cache_dir and repeats).
    prefix: the full-size MusicVAE checkpoint.
    tar_path: the same checkpoint as a .tar, as the script is given it.
    counts: outputs per measurement, one measurement each.

  Returns:
    (one dict per count: outputs, ours, magenta (outputs/s), repeats;
     {'wall_s', 'rss'} of the whole `midime_generate.py` run).
  """
  run_dir = _trained_run(settings, prefix)
  bundle = os.path.join(run_dir, common.CONFIG_NAME + '.tar')
  rows = []
  with checkpoints.open_checkpoint(bundle) as small, \
      checkpoints.open_checkpoint(prefix) as checkpoint:
    record = small.sidecars[checkpoints.MODEL_SIDECAR]
    config = configs.get_config(common.CONFIG_NAME,
                                hparams_values=record['hparams'])
    vae_config = frozen_music_vae.load_music_vae_config(common.VAE_NAME,
                                                        checkpoint)
    ours = sampling_lib.LatentSampler(config, common.CONFIG_NAME, small,
                                      BATCH_SIZE, vae_config, checkpoint,
                                      seed=1)
    magenta_model = TrainedModel(vae_config, BATCH_SIZE, checkpoint.prefix)
    length = vae_config.hparams.max_seq_len
    for count in counts:
      times = settings.repeats if count <= MAX_REPEATED_OUTPUTS else 1
      ours_rate = common.median_rate(
          count, lambda: ours.sample(count, temperature=TEMPERATURE), times)
      magenta_rate = common.median_rate(
          count,
          lambda: magenta_model.sample(
              count, length=length, temperature=TEMPERATURE),
          times)
      rows.append({
          'outputs': count,
          'ours': ours_rate,
          'magenta': magenta_rate,
          'repeats': times
      })
      print(
          '  sample %d: ours %.1f/s, magenta %.1f/s' %
          (count, ours_rate, magenta_rate), flush=True)
    ours.close()
  output_dir = os.path.join(settings.cache_dir, 'generated')
  wall, rss, _ = common.measured([
      common.python(), common.GENERATE_SCRIPT, '--run_dir=' + run_dir,
      '--vae_checkpoint_file=' + tar_path,
      '--num_outputs=%d' % SCRIPT_OUTPUTS, '--output_dir=' + output_dir,
      '--seed=1'
  ])
  shutil.rmtree(output_dir, ignore_errors=True)
  return rows, {'wall_s': wall, 'rss': rss, 'outputs': SCRIPT_OUTPUTS}


def section_lines(rows):
  """The report's sampling table, from the rows `measure` returned."""
  return [
      '## Sampling throughput (MIDI outputs/s)', '',
      'midime_generate.py\'s sampler (small prior -> latent decoder -> '
      'MusicVAE decoder) against magenta\'s `TrainedModel.sample` on the '
      'same MusicVAE, both in batches of %d, model loading excluded.' %
      BATCH_SIZE, ''
  ] + report.throughput_table(rows, 'outputs', '%.1f') + ['']

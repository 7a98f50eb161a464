"""Encoding: the latent cache's encoder against magenta's
TrainedModel.encode_tensors, on the same windows, checkpoint and batch size,
loading excluded."""

from magenta.models.music_vae import TrainedModel

from benchmarks import common
from benchmarks import report
from benchmarks import songs
from midime import checkpoints
from midime import configs
from midime import frozen_music_vae
from midime import latent_cache
from midime import note_sequence_io
from midime import windows as windows_lib

# Above this many windows a measurement runs once: it is long enough.
MAX_REPEATED_WINDOWS = 2000


def measure(settings, prefix, sizes):
  """Windows/s of both encoders at each size (median of the repeats).

  Args:
    settings: common.Settings (its cache_dir and repeats).
    prefix: the full-size MusicVAE checkpoint.
    sizes: about how many examples to encode, one measurement each.

  Returns:
    One dict per size: examples, ours, magenta (windows/s), repeats.
  """
  config = configs.get_config(common.CONFIG_NAME)
  rows = []
  with checkpoints.open_checkpoint(prefix) as checkpoint:
    vae_config = frozen_music_vae.load_music_vae_config(common.VAE_NAME,
                                                        checkpoint)
    ours = latent_cache.MusicVAEEncoder(vae_config, checkpoint)
    magenta_model = TrainedModel(vae_config, latent_cache.ENCODE_BATCH_SIZE,
                                 checkpoint.prefix)
    for num_examples in sizes:
      path, _ = songs.random_songs(settings.cache_dir, num_examples)
      windows, _ = windows_lib.extract_windows(
          note_sequence_io.read_note_sequences(path), config.data_converter,
          config.note_sequence_augmenter)
      times = (settings.repeats if len(windows) <= MAX_REPEATED_WINDOWS else 1)
      ours_rate = common.median_rate(
          len(windows), lambda: ours.encode(windows.inputs, windows.lengths,
                                            report_progress=False), times)
      magenta_rate = common.median_rate(
          len(windows), lambda: magenta_model.encode_tensors(
              list(windows.inputs), list(windows.lengths)), times)
      rows.append({
          'examples': len(windows),
          'ours': ours_rate,
          'magenta': magenta_rate,
          'repeats': times
      })
      print(
          '  encode %d: ours %.0f/s, magenta %.0f/s' %
          (len(windows), ours_rate, magenta_rate), flush=True)
    ours.close()
  return rows


def section_lines(rows):
  """The report's encoding table, from what `measure` returned."""
  return [
      '## Encoding throughput (two-bar examples/s)', '',
      'The latent cache\'s encoder against magenta\'s '
      '`TrainedModel.encode_tensors`: same windows, checkpoint and batch '
      'size (%d), model loading excluded; median of the repeats.' %
      latent_cache.ENCODE_BATCH_SIZE, ''
  ] + report.throughput_table(rows, 'examples', '%.0f') + ['']

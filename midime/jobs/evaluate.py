"""`midime-evaluate`: samples of a trained SmallMusicVAE/LCMusicVAE and of the
plain MusicVAE prior, both at one temperature, compared with the user's songs as
given and as trained (midime.evaluation.measures), and written as a report
(midime.evaluation.report).
"""

import contextlib
import dataclasses
import os
from typing import Optional

from absl import logging
import numpy as np

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from midime import checks
from midime import latent_cache
from midime import note_sequence_io
from midime import sampling
from midime import tracks as tracks_lib
from midime import trained_model
from midime import windows as windows_lib
from midime.errors import UserError
from midime.evaluation import measures as measures_lib
from midime.evaluation import report as report_lib


@dataclasses.dataclass
class EvaluateOptions(trained_model.ModelOptions):
  """What an evaluation measures; each field is midime-evaluate's flag of the
  same name (the model's: trained_model.ModelOptions).

  Attributes:
    examples_path: the songs both models are compared with.
    output_dir: where the report is written (created).
    num_samples: windows drawn from each model, at least 2.
    max_batch_size: the most windows decoded at once.
    temperature: both models'; None: the model's own (sampling_temperature).
    seed: the same seed and model give the same report.
  """
  examples_path: Optional[str] = None
  output_dir: str = 'tmp/evaluation'
  num_samples: int = 256
  max_batch_size: int = 32
  temperature: Optional[float] = None
  seed: Optional[int] = None


def run(options):
  """Samples the personalized model and the MusicVAE prior (both at one
  temperature: `options.temperature`, or the model's own), compares both with
  the songs at `options.examples_path`, and writes the report into
  `options.output_dir`. Returns (the results, as in evaluation.json; the paths
  written).

  Raises:
    UserError: for options that cannot work, checked before anything is written.
  """
  check_options(options)
  drawn = draw_samples(options)
  logging.info('Computing the measures...')
  sets = drawn['sets']
  measures, copying, details = measures_lib.compute_metrics(
      {
          name: window_set.notes for name, window_set in sets.items()
      }, drawn['latents'], sets['examples'].steps,
      sets['examples'].steps_per_bar, options.seed)
  results = measures_lib.plain({
      'config': drawn['config_name'],
      'vae_config': drawn['vae_config_name'],
      'checkpoint': drawn['sources']['checkpoint'],
      'music_vae': drawn['sources']['music_vae'],
      'examples_path': options.examples_path,
      'num_samples': options.num_samples,
      'temperature': drawn['temperature'],
      'seed': options.seed,
      'num_example_windows': len(sets['examples']),
      'num_training_windows': len(sets['training']),
      'transpositions': list(drawn['transpositions']),
      **measures_lib.measured(measures, copying, details),
  })
  paths = report_lib.write_outputs(options.output_dir, results, details,
                                   drawn['latents'])
  logging.info('%s', report_lib.summary(results))
  logging.info('Wrote %s.', ', '.join(paths))
  return results, paths


def check_options(options):
  """Raises UserError for options evaluation cannot run with, before anything is
  read."""
  checks.check_seed(options.seed)
  if (options.run_dir is None) == (options.checkpoint_file is None):
    raise UserError('give exactly one of {run_dir} or {checkpoint_file}')
  num_samples, output_dir = options.num_samples, options.output_dir
  if num_samples is None or num_samples < 2:
    raise UserError('{num_samples} must be at least 2, got %s' % num_samples)
  checks.check_sampling_flags(options.max_batch_size, options.temperature,
                              output_dir)
  if not options.examples_path:
    raise UserError('{examples_path} (your songs) is required')
  ancestor = os.path.dirname(os.path.abspath(output_dir))
  while not os.path.exists(ancestor):
    ancestor = os.path.dirname(ancestor)
  if not os.path.isdir(ancestor):
    raise UserError('{output_dir} %s cannot be created: %s is a file' %
                    (output_dir, ancestor))


def read_examples(examples_path, config, meter=windows_lib.METER_REBAR,
                  tracks=tracks_lib.TUNE):
  """The songs' windows, read as training read them (windows.training_windows):
  (untransposed WindowSet, WindowSet of every training window at every
  transposition, the transpositions)."""
  named_sequences = note_sequence_io.read_note_sequences(examples_path)
  windows, report = windows_lib.training_windows(named_sequences, config, meter,
                                                 tracks)
  untransposed = windows.transpose == 0
  if np.sum(untransposed) < 2:
    raise UserError(
        '%s gave %d window(s) without transposition; the comparison needs at '
        'least 2 (%s)' %
        (examples_path, np.sum(untransposed), report.dropped_summary() or
         'add songs or longer songs'))
  examples = measures_lib.WindowSet(windows.outputs[untransposed],
                                    config.data_converter)
  training = measures_lib.WindowSet(windows.outputs, config.data_converter)
  logging.info(
      'Your songs: %d windows (%d with the %d transpositions the model '
      'trained on).', len(examples), len(training), len(report.transpositions))
  return examples, training, report.transpositions


def _progress(what):

  def log_progress(done, total):
    logging.info('  %s: %d/%d', what, done, total)

  return log_progress


def draw_samples(options):
  """Samples both models and encodes everything. Returns a dict with the config,
  the WindowSets ('examples', 'training', 'personalized', 'prior'), their
  latents, what was read and the temperature both were sampled at
  (`options.temperature`, or the model's)."""
  num_samples, seed = options.num_samples, options.seed
  batch_size = min(options.max_batch_size, num_samples)
  with contextlib.ExitStack() as stack:
    loaded = trained_model.open_trained_model(stack, options.run_dir,
                                              options.checkpoint_file,
                                              options.vae_checkpoint_file,
                                              options.config,
                                              options.vae_config, batch_size,
                                              seed, require_music_vae=True)
    model = stack.enter_context(contextlib.closing(loaded.model))
    config, converter = loaded.config, loaded.config.data_converter
    # The songs as the model was trained on them: the meter and tracks its run
    # recorded (the defaults for runs recorded before they were).
    examples, training, transpositions = read_examples(
        options.examples_path, config,
        meter=loaded.record.get('meter', windows_lib.METER_REBAR),
        tracks=loaded.record.get('tracks', tracks_lib.TUNE))

    temperature = options.temperature
    if temperature is None:
      temperature = config.hparams.sampling_temperature
    logging.info('Sampling %d windows from %s (temperature %g)...', num_samples,
                 loaded.config_name, temperature)
    personalized = measures_lib.WindowSet(
        model.sample_tensors(num_samples, temperature=temperature,
                             progress=_progress(loaded.config_name)), converter)
    model.close()

    logging.info('Sampling %d windows from the plain MusicVAE prior...',
                 num_samples)
    prior_model = sampling.MusicVAEPrior(loaded.vae_config,
                                         loaded.vae_checkpoint, batch_size,
                                         loaded.vae_config_name, seed)
    with contextlib.closing(prior_model):
      prior = measures_lib.WindowSet(
          prior_model.sample_tensors(num_samples, temperature=temperature,
                                     progress=_progress('MusicVAE')),
          loaded.vae_config.data_converter)

    logging.info('Encoding songs and samples with the MusicVAE encoder...')
    depth = examples.one_hot.shape[-1]
    for name, melodies in (('personalized', personalized), ('prior', prior)):
      if melodies.one_hot.shape[-1] != depth:
        raise UserError(
            '%s samples have %d classes per step, the songs %d: the '
            'model and the MusicVAE do not share a melody encoding' %
            (name, melodies.one_hot.shape[-1], depth))
    encoder = latent_cache.MusicVAEEncoder(loaded.vae_config,
                                           loaded.vae_checkpoint,
                                           loaded.vae_config_name,
                                           input_depth=converter.input_depth)
    with contextlib.closing(encoder):
      latents = {
          name:
              encoder.encode(*measures_lib.encoder_inputs(melodies, converter),
                             report_progress=False)[0]
          for name, melodies in (('examples', examples), ('training', training),
                                 ('personalized', personalized), ('prior',
                                                                  prior))
      }
    sources = {
        'checkpoint': loaded.source,
        'music_vae': loaded.vae_checkpoint.source
    }
  return {
      'config_name': loaded.config_name,
      'vae_config_name': loaded.vae_config_name,
      'sets': {
          'examples': examples,
          'training': training,
          'personalized': personalized,
          'prior': prior
      },
      'latents': latents,
      'transpositions': transpositions,
      'sources': sources,
      'temperature': temperature,
  }

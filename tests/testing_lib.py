"""Shared test material, as note-seq keeps its testing_lib.

- Songs built as NoteSequences: melodies of any meter, a four-part hymn, trios
  of melody, bass and drums, drum grooves; written as TFRecords or MIDI files.
- Tiny MusicVAE checkpoints of each released config's graph (magenta's own
  code, toy sizes): the real checkpoints are downloads the tests cannot reach.
- Helpers that run the command-line programs and check what they printed.
- The fixtures shared by every test file, built once per session (conftest.py
  registers them): `tiny_vae`, `songs_tfrecord`, `trained_models`,
  `family_material`; and per test, `run_program` and `small_disk`.
"""

import collections
import importlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from midime import tf_setup  # noqa: F401  (first: quiets note-seq's warnings)
import note_seq
import pytest
import tensorflow as tf

from midime import checkpoints
from midime import frozen_music_vae
from midime import music_metrics
from midime import random_music_vae
from midime import training
from midime import windows as windows_lib
from midime.cli import train as train_cli
from midime.evaluation import measures as measures_lib
from midime.jobs import train as train_job

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- Songs --------------------------------------------------------------------

SECONDS_PER_STEP = 0.125  # 16th notes at 120 qpm
BASS_PROGRAM = 33  # Electric bass (finger), as magenta writes a trio's bass.
KICK, SNARE, CLOSED_HAT = 36, 38, 42


def random_melody(seed, bars=4, name='melody', numerator=4, denominator=4,
                  program=0, is_drum=False, low=55, high=79):
  """A monophonic melody of `bars` bars (of numerator/denominator) at 120
  qpm."""
  rng = random.Random(seed)
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  sequence.time_signatures.add(numerator=numerator, denominator=denominator)
  steps_per_bar = 16 * numerator // denominator
  total_steps = bars * steps_per_bar
  step = 0
  pitch = rng.randint(low, high)
  while step < total_steps:
    duration = min(rng.choice([1, 2, 2, 4]), total_steps - step)
    pitch = max(low, min(high, pitch + rng.choice([-3, -2, -1, 0, 1, 2, 3])))
    sequence.notes.add(pitch=pitch, velocity=80, program=program,
                       is_drum=is_drum, start_time=step * SECONDS_PER_STEP,
                       end_time=(step + duration) * SECONDS_PER_STEP)
    step += duration
  sequence.total_time = total_steps * SECONDS_PER_STEP
  sequence.filename = name
  return sequence


def melody_over_chords(seed, progression=('C', 'G', 'Am', 'F'), bars=8,
                       name='chords', annotate=True):
  """A melody of quarter and eighth notes over `progression` (one chord per
  bar, repeated), whose notes on the beats are tones of the bar's chord; with
  the chords as CHORD_SYMBOL annotations when `annotate`."""
  rng = random.Random(seed)
  sequence = note_seq.NoteSequence(ticks_per_quarter=220)
  sequence.tempos.add(qpm=120)
  sequence.time_signatures.add(numerator=4, denominator=4)
  for bar in range(bars):
    figure = progression[bar % len(progression)]
    tones = note_seq.chord_symbols_lib.chord_symbol_pitches(figure)
    bar_start = bar * 16 * SECONDS_PER_STEP
    if annotate:
      sequence.text_annotations.add(
          time=bar_start, text=figure,
          annotation_type=note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL)
    step = 0
    while step < 16:
      if step % 4 == 0:
        pitch = 60 + rng.choice(tones) + rng.choice([0, 12])
      else:
        pitch = 62 + rng.randint(0, 14)
      duration = rng.choice([2, 4]) if step % 4 == 0 else 2
      sequence.notes.add(pitch=pitch, velocity=80,
                         start_time=bar_start + step * SECONDS_PER_STEP,
                         end_time=bar_start +
                         (step + duration) * SECONDS_PER_STEP)
      step += duration
  sequence.total_time = bars * 16 * SECONDS_PER_STEP
  sequence.filename = name
  return sequence


def write_tfrecord(path, sequences):
  with tf.io.TFRecordWriter(path) as writer:
    for sequence in sequences:
      writer.write(sequence.SerializeToString())


def write_midi(path, sequence):
  note_seq.sequence_proto_to_midi_file(sequence, path)


def voice(seed, low, high, instrument, program, bars=8):
  """One voice of a part song: a melody on its own instrument (track)."""
  melody = random_melody(seed, bars=bars, low=low, high=high, program=program)
  for note in melody.notes:
    note.instrument = instrument
  return melody


# (name, lowest pitch, highest pitch, program) of each voice of `hymn`.
VOICES = [('Soprano', 67, 79, 0), ('Alto', 60, 71, 6), ('Tenor', 52, 64, 19),
          ('Bass', 40, 52, 24)]


def hymn(bars=8):
  """A four-part piece, one track per voice (as hymns are usually downloaded),
  its voices given in score order from the bottom up so that order alone cannot
  tell."""
  piece = random_melody(0, bars=bars)
  del piece.notes[:]
  for instrument, (name, low, high,
                   program) in reversed(list(enumerate(VOICES))):
    piece.notes.extend(
        voice(10 + instrument, low, high, instrument, program, bars).notes)
    piece.instrument_infos.add(instrument=instrument, name=name)
  return piece


def drum_pattern(seed, bars=4, name='drums', start_bar=0, sequence=None):
  """A rock beat with random fills (kick, snare, hats, varied velocities and
  small timing offsets), added to `sequence` or a new 120 qpm 4/4
  NoteSequence."""
  rng = random.Random(seed)
  if sequence is None:
    sequence = note_seq.NoteSequence(ticks_per_quarter=220)
    sequence.tempos.add(qpm=120)
    sequence.time_signatures.add(numerator=4, denominator=4)
    sequence.filename = name
  for step in range(start_bar * 16, (start_bar + bars) * 16):
    hits = []
    if step % 2 == 0:
      hits.append(CLOSED_HAT)
    if step % 8 == 0 or rng.random() < 0.1:
      hits.append(KICK)
    if step % 8 == 4 or rng.random() < 0.1:
      hits.append(SNARE)
    for pitch in hits:
      start = max(0.0, (step + rng.uniform(-0.2, 0.2)) * SECONDS_PER_STEP)
      sequence.notes.add(pitch=pitch, velocity=rng.randint(40, 120),
                         is_drum=True, instrument=9, start_time=start,
                         end_time=start + SECONDS_PER_STEP / 2)
  sequence.total_time = max(sequence.total_time,
                            (start_bar + bars) * 16 * SECONDS_PER_STEP)
  return sequence


def trio(seed, bars=17, name='trio'):
  """A melody (piano), a bass line (program 33) and drums, `bars` bars long."""
  sequence = random_melody(seed, bars=bars, name=name)
  bass = random_melody(seed + 1000, bars=bars, program=BASS_PROGRAM, low=33,
                       high=48)
  for note in bass.notes:
    note.instrument = 1
    sequence.notes.add().CopyFrom(note)
  return drum_pattern(seed, bars=bars, sequence=sequence)


# (program, lowest pitch, highest pitch) of each pitched instrument of
# `band`: piano, bass, strings, trumpet, flute, guitar, organ, vibraphone.
BAND = [(0, 60, 76), (BASS_PROGRAM, 33, 48), (48, 55, 67), (56, 58, 70),
        (73, 72, 84), (25, 52, 64), (16, 48, 60), (11, 64, 76)]


def band(seed, bars=4, pitched=3, drums=True, name='band'):
  """A multitrack song: `pitched` instruments of BAND, each on its own
  track and program, with varied velocities, and a plain beat on the drum
  channel; sparse enough for the multitrack family's bars."""
  rng = random.Random(seed)
  sequence = random_melody(seed, bars=bars, name=name)
  del sequence.notes[:]
  for instrument, (program, low, high) in enumerate(BAND[:pitched]):
    part = voice(seed + 100 * instrument, low, high, instrument, program, bars)
    for note in part.notes:
      note.velocity = rng.randint(40, 110)
    sequence.notes.extend(part.notes)
  if drums:
    for step in range(0, bars * 16, 4):
      pitch = KICK if step % 8 == 0 else SNARE
      sequence.notes.add(pitch=pitch, velocity=rng.randint(60, 120),
                         is_drum=True, instrument=9,
                         start_time=step * SECONDS_PER_STEP,
                         end_time=(step + 1) * SECONDS_PER_STEP)
  return sequence


def songs_of(vae_config_name, count=3, seed=0):
  """`count` NoteSequences the family can use: long enough for a window or
  two."""
  if vae_config_name.endswith('mel_16bar'):
    return [
        random_melody(seed + i, bars=17, name='tune%d' % i)
        for i in range(count)
    ]
  if vae_config_name.endswith('trio_16bar'):
    return [trio(seed + i, name='trio%d' % i) for i in range(count)]
  if vae_config_name == 'cat-mel_2bar_med_chords':
    return [
        melody_over_chords(seed + i, bars=4, name='song%d' % i)
        for i in range(count)
    ]
  if 'multiperf' in vae_config_name:
    return [
        band(seed + i, bars=4, pitched=2 + i % 2, name='band%d' % i)
        for i in range(count)
    ]
  if 'drums' in vae_config_name or 'groovae' in vae_config_name:
    return [
        drum_pattern(seed + i, bars=4, name='beat%d' % i) for i in range(count)
    ]
  return [
      random_melody(seed + i, bars=4, name='song%d' % i) for i in range(count)
  ]


def write_songs(folder, vae_config_name, count=3, seed=0):
  """The family's songs as MIDI files in `folder` (created); returns it."""
  os.makedirs(folder, exist_ok=True)
  for sequence in songs_of(vae_config_name, count, seed):
    write_midi(os.path.join(folder, sequence.filename + '.mid'), sequence)
  return folder


# --- Tiny MusicVAEs and small models ------------------------------------------

# cat-mel_2bar_big's graph at toy sizes: same variable names, milliseconds per
# batch.
TINY_VAE_HPARAMS = {
    'z_size': 16,
    'enc_rnn_size': [32],
    'dec_rnn_size': [32, 32]
}
# Fast small-model sizes for tests of the pipeline rather than of the model.
TINY_AE_HPARAMS = ('batch_size=8,latent_encoder_layers=[32,16],'
                   'latent_decoder_layers=[16,32]')
TINY_LC_HPARAMS = 'batch_size=4,dec_rnn_size=[16]'

# Each MusicVAE config's graph at toy sizes: the same variable names,
# milliseconds per batch. Hierarchical decoders use dec_rnn_size for the
# conductor and the bars alike.
TINY_SIZES = {'z_size': 16, 'enc_rnn_size': [32], 'dec_rnn_size': [32]}
FAMILY_VAE_HPARAMS = {
    'cat-mel_2bar_big': TINY_SIZES,
    'cat-mel_2bar_med_chords': TINY_SIZES,
    'hierdec-mel_16bar': TINY_SIZES,
    'hierdec-trio_16bar': TINY_SIZES,
    'cat-drums_2bar_small': TINY_SIZES,
    'nade-drums_2bar_full': dict(TINY_SIZES, nade_num_hidden=8),
    'groovae_4bar': TINY_SIZES,
    'groovae_2bar_humanize': TINY_SIZES,
    'flat-mel_16bar': TINY_SIZES,
    'flat-trio_16bar': TINY_SIZES,
    'groovae_2bar_tap_fixed_velocity': TINY_SIZES,
    'groovae_2bar_add_closed_hh': TINY_SIZES,
    'hier-multiperf_vel_1bar_med': TINY_SIZES,
    'hier-multiperf_vel_1bar_big': TINY_SIZES,
    'groovae_2bar_hits_control_tfds': TINY_SIZES,
    'hier-multiperf_vel_1bar_med_chords': TINY_SIZES,
    'hier-multiperf_vel_1bar_big_chords': TINY_SIZES,
}
# Small models of each kind at toy sizes, for the families' tests.
FAMILY_HPARAMS = {
    'ae': 'batch_size=4,latent_encoder_layers=[16],latent_decoder_layers=[16]',
    'lc': 'batch_size=2,dec_rnn_size=[8]',
}

AE_CONFIG = 'ae-cat-mel_2bar_big'
LC_CONFIG = 'lc-cat-mel_2bar_big'
TINY_HPARAMS = {AE_CONFIG: TINY_AE_HPARAMS, LC_CONFIG: TINY_LC_HPARAMS}
# The steps `trained_models` trains: tests resume and damage copies of its runs
# at step 4.
TRAINED_STEPS = 4


class TinyMusicVAE(object):
  """Paths of one random MusicVAE checkpoint: as a prefix and as a
  Magenta-style tar."""

  def __init__(self, folder):
    self.folder = folder
    self.prefix = random_music_vae.write_random_music_vae(
        folder, hparams=TINY_VAE_HPARAMS, name='tiny-mel_2bar')
    self.tar = os.path.join(folder, 'tiny-mel_2bar.tar')
    random_music_vae.write_random_music_vae(folder, hparams=TINY_VAE_HPARAMS,
                                            name='tiny-mel_2bar', as_tar=True)


def write_tiny_music_vae(folder, vae_config_name):
  """A tiny random checkpoint of `vae_config_name`'s graph as a Magenta-style
  .tar (with its sizes beside it); returns the .tar's path."""
  return random_music_vae.write_random_music_vae(
      folder, vae_config_name, hparams=FAMILY_VAE_HPARAMS[vae_config_name],
      name='tiny-' + vae_config_name, as_tar=True)


def write_trained_tiny_music_vae(folder, vae_config_name, sequences,
                                 num_steps=300, seed=0):
  """A tiny MusicVAE of `vae_config_name`'s graph trained `num_steps` steps
  (magenta's loss and optimizer) on every window of `sequences`, as a
  Magenta-style .tar (with its sizes beside it); returns the .tar's path. Where
  a test needs a MusicVAE that has learned something random weights cannot
  show (a groove decoder playing the hits it is given)."""
  hparams = FAMILY_VAE_HPARAMS[vae_config_name]
  config = frozen_music_vae.music_vae_config(vae_config_name, hparams)
  found, _ = windows_lib.extract_windows([(s.filename, s) for s in sequences],
                                         config.data_converter, augmenter=None)
  os.makedirs(folder, exist_ok=True)
  name = 'trained-' + vae_config_name
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(seed)
    config.hparams.batch_size = len(found)
    model = config.model
    model.build(config.hparams, config.data_converter.output_depth,
                is_training=True)
    optimizer = model.train(
        tf.constant(found.inputs, tf.float32),
        tf.constant(found.outputs, tf.float32), tf.constant(found.lengths),
        None if found.controls is None else tf.constant(
            found.controls, tf.float32))
    train_op = optimizer.minimize(model.loss, global_step=model.global_step)
    # What magenta's checkpoints hold: the weights and the global step, no
    # optimizer slots.
    kept = [
        v for v in frozen_music_vae.variables_under(
            frozen_music_vae.CHECKPOINT_SCOPES) if 'Adam' not in v.op.name
    ]
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      for _ in range(num_steps):
        session.run(train_op)
      prefix = tf.compat.v1.train.Saver(var_list=kept).save(
          session, os.path.join(folder, name + '.ckpt'),
          write_meta_graph=False)
  sidecar = {'vae_config': vae_config_name, 'hparams': hparams}
  tar_path = os.path.join(folder, name + '.tar')
  checkpoints.write_bundle(tar_path, prefix, name + '.ckpt',
                           {checkpoints.MUSIC_VAE_SIDECAR: sidecar})
  return tar_path


class TrainedRun(collections.namedtuple('TrainedRun', ['run_dir', 'bundle'])):
  """A trained run's folder and the bundle training wrote in it."""


# --- The command-line programs ------------------------------------------------


def run_script(script, *args, cwd=None):
  """Runs one of the repo's scripts in a fresh interpreter; returns its
  CompletedProcess."""
  return subprocess.run(
      [sys.executable, os.path.join(REPO, script)] + list(args),
      cwd=cwd or REPO, capture_output=True, text=True, timeout=600)


def with_defaults(defaults, given):
  """The flags `given`, plus each flag of `defaults` not given."""
  names = {arg.split('=')[0] for arg in given}
  return ([arg for arg in defaults if arg.split('=')[0] not in names] +
          list(given))


def assert_failed_cleanly(result, message, output_dir):
  """A bad-input run: exit 1, its last line `error: ...` naming `message`, no
  traceback, and `output_dir` never created."""
  assert result.returncode == 1
  last_line = result.stderr.strip().splitlines()[-1]
  assert last_line.startswith('error: ') and message in last_line
  assert 'Traceback' not in result.stderr
  assert not os.path.exists(str(output_dir))


def assert_one_error_line(capsys, message):
  """The run printed exactly one error line holding `message`, last, and no
  traceback; returns that line."""
  err = capsys.readouterr().err
  error_lines = [
      line for line in err.splitlines() if line.startswith('error: ')
  ]
  assert len(error_lines) == 1 and message in error_lines[0], err
  assert err.strip().splitlines()[-1] == error_lines[0]
  assert 'Traceback' not in err
  return error_lines[0]


class ProgramResult(
    collections.namedtuple('ProgramResult',
                           ['returncode', 'stdout', 'stderr'])):
  """What one in-process run of a command-line program returned and printed."""


def train_tiny_ae_argv(run_dir, tiny_vae, songs, num_steps, *extra):
  """midime-train's argv for a tiny SmallMusicVAE over `tiny_vae`."""
  return [
      'midime-train', '--config=' + AE_CONFIG, '--run_dir=' + str(run_dir),
      '--examples_path=' + songs, '--pretrained_path=' + tiny_vae.prefix,
      '--num_steps=%d' % num_steps, '--hparams=' + TINY_AE_HPARAMS,
      '--log=WARNING'
  ] + list(extra)


def train_tiny_ae(run_dir, tiny_vae, songs, num_steps, *extra):
  """Runs midime-train of a tiny SmallMusicVAE in this process; its exit
  status."""
  return train_cli.run(
      train_tiny_ae_argv(run_dir, tiny_vae, songs, num_steps, *extra))


def train_family(config, tar, songs, run_dir, *extra):
  """Runs midime-train of `config` at toy sizes over the family's tiny MusicVAE
  `tar` for 2 steps, in this process; its exit status."""
  return train_cli.run([
      'midime_train.py',
      '--config=%s' % config,
      '--run_dir=%s' % run_dir,
      '--examples_path=%s' % songs,
      '--pretrained_path=%s' % tar, '--num_steps=2', '--seed=1',
      '--hparams=%s' % FAMILY_HPARAMS[config[:2]]
  ] + list(extra))


# --- Run folders --------------------------------------------------------------


def checkpoint_steps(run_dir):
  """The steps of the checkpoints in `run_dir`'s train folder, in order."""
  return [
      checkpoints.step_of(p) for p in checkpoints.checkpoints_in(
          training.train_dir_of(str(run_dir)), training.CHECKPOINT_NAME)
  ]


def snapshot(folder):
  """Every file under `folder` with its bytes."""
  files = {}
  for parent, _, names in os.walk(str(folder)):
    for name in names:
      path = os.path.join(parent, name)
      with open(path, 'rb') as stored:
        files[os.path.relpath(path, str(folder))] = stored.read()
  return files


def copy_run(run_dir, tmp_path):
  """A copy of the run folder `run_dir`, as tmp_path/run, to change at will."""
  copy = tmp_path / 'run'
  shutil.copytree(str(run_dir), str(copy))
  return copy


def dead_pid():
  """The process id of a process that has ended."""
  process = subprocess.Popen([sys.executable, '-c', 'pass'])
  process.wait()
  return process.pid


# --- Evaluation reports -------------------------------------------------------

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
EVALUATION_FILES = [
    'evaluation.json', 'evaluation.md', 'features.png', 'latents.png'
]


def check_evaluation_report(output_dir, results):
  """The report midime-evaluate wrote in `output_dir` for the five songs of
  `songs_tfrecord`, and its numbers: those `results` holds."""
  assert sorted(os.listdir(output_dir)) == EVALUATION_FILES  # no .partial
  with open(os.path.join(output_dir, 'evaluation.json')) as json_file:
    stored = json.load(json_file)
  assert stored == results
  # Each distribution measure once: two latent distances, six melody features;
  # no mean of the features beside them, no copy rate among them.
  assert set(stored['metrics']) == (
      {key for key, _ in measures_lib.LATENT_METRICS} |
      {'oa_melody_' + name for name in music_metrics.FEATURE_DESCRIPTIONS})
  for key, entry in stored['metrics'].items():
    for reference in ('given', 'trained'):
      assert entry[reference]['closer'] in ('personalized', 'prior', 'tie'), key
      for name in ('personalized', 'prior'):
        if key.startswith('oa_'):
          assert 0.0 <= entry[reference][name] <= 1.0, (key, entry)
  copying = stored['copying']
  assert copying['passed'] == (copying['copy_rate']['personalized'] <= 0.05)
  for name in ('personalized', 'prior'):
    assert 0.0 <= copying['nearest_neighbour_distance'][name] <= 1.0
  # The five 4-bar songs give 3 windows each; SmallMusicVAE trains on them in
  # their own keys, LCMusicVAE at 11 transpositions.
  assert stored['num_example_windows'] == 15
  transpositions = 1 if stored['config'].startswith('ae-') else 11
  assert stored['num_training_windows'] == 15 * transpositions
  assert len(stored['transpositions']) == transpositions
  markdown = open(os.path.join(output_dir, 'evaluation.md')).read()
  assert ('| measure | closer is | personalized | prior | closer (songs as '
          'given) ') in markdown
  for entry in stored['metrics'].values():
    assert '| %s |' % entry['description'] in markdown
  assert '**Copy rate: %s.**' % ('pass'
                                 if copying['passed'] else 'FAIL') in markdown
  for picture in ('features.png', 'latents.png'):
    with open(os.path.join(output_dir, picture), 'rb') as png:
      assert png.read(8) == PNG_MAGIC


# --- Fixtures (registered by conftest.py) -------------------------------------


@pytest.fixture(scope='session')
def tiny_vae(tmp_path_factory):
  """A random cat-mel_2bar_big-shaped MusicVAE at toy sizes (TinyMusicVAE)."""
  return TinyMusicVAE(str(tmp_path_factory.mktemp('tiny_vae')))


@pytest.fixture(scope='session')
def songs_tfrecord(tmp_path_factory):
  """Five 4-bar 4/4 melodies as a NoteSequence TFRecord."""
  path = str(tmp_path_factory.mktemp('songs') / 'songs.tfrecord')
  write_tfrecord(
      path,
      [random_melody(seed, bars=4, name='song%d' % seed) for seed in range(5)])
  return path


@pytest.fixture(scope='session')
def trained_models(tiny_vae, songs_tfrecord, tmp_path_factory):
  """A SmallMusicVAE and an LCMusicVAE at toy sizes, each trained
  TRAINED_STEPS steps (seed 0) over `tiny_vae` on `songs_tfrecord`: config
  name -> TrainedRun. Shared by the whole session: read them, never change
  them (copy_run gives a copy to resume or damage)."""
  trained = {}
  for name in (AE_CONFIG, LC_CONFIG):
    run_dir = str(tmp_path_factory.mktemp(name) / 'run')
    bundle = train_job.run(
        train_job.TrainOptions(config=name, run_dir=run_dir, mode='train',
                               examples_path=songs_tfrecord,
                               pretrained_path=tiny_vae.prefix,
                               num_steps=TRAINED_STEPS,
                               hparams=TINY_HPARAMS[name], seed=0))
    trained[name] = TrainedRun(run_dir, bundle)
  return trained


CHORDS_VAE_CONFIG = 'cat-mel_2bar_med_chords'
CHORD_PROGRESSIONS = [('C', 'G', 'Am', 'F'), ('Dm', 'G', 'C', 'A'),
                      ('F', 'Bb', 'C', 'Gm')]


@pytest.fixture(scope='session')
def chords_material(tmp_path_factory):
  """A tiny random cat-mel_2bar_med_chords MusicVAE (.tar) and songs over
  CHORD_PROGRESSIONS with their chord symbols, as a NoteSequence TFRecord:
  (tar, songs path)."""
  folder = tmp_path_factory.mktemp('chords')
  songs = str(folder / 'songs.tfrecord')
  write_tfrecord(songs, [
      melody_over_chords(seed, progression, bars=4, name='song%d' % seed)
      for seed, progression in enumerate(CHORD_PROGRESSIONS)
  ])
  return write_tiny_music_vae(str(folder / 'vae'), CHORDS_VAE_CONFIG), songs


@pytest.fixture(scope='session')
def chords_runs(chords_material, tmp_path_factory):
  """The chord-conditioned configs (ae- and lc-) at toy sizes, each trained 2
  steps on `chords_material`'s songs: config name -> TrainedRun."""
  tar, songs = chords_material
  return train_both_kinds(CHORDS_VAE_CONFIG, songs, tar,
                          str(tmp_path_factory.mktemp('chords_runs')))


def train_both_kinds(vae_config_name, songs, tar, folder):
  """The ae- and lc- configs over `vae_config_name` at toy sizes, each trained
  2 steps (seed 0) on `songs` over `tar`, in `folder`/<config>/run: config
  name -> TrainedRun."""
  trained = {}
  for kind in ('ae', 'lc'):
    name = '%s-%s' % (kind, vae_config_name)
    run_dir = os.path.join(folder, name, 'run')
    bundle = train_job.run(
        train_job.TrainOptions(config=name, run_dir=run_dir, mode='train',
                               examples_path=songs, pretrained_path=tar,
                               num_steps=2, hparams=FAMILY_HPARAMS[kind],
                               seed=0))
    trained[name] = TrainedRun(run_dir, bundle)
  return trained


def band_over_chords(seed, progression, bars=4, name='band'):
  """A `band` whose bars carry `progression`'s chord symbols (one per bar,
  repeated)."""
  sequence = band(seed, bars=bars, pitched=2 + seed % 2, name=name)
  for bar in range(bars):
    sequence.text_annotations.add(
        time=bar * 16 * SECONDS_PER_STEP,
        text=progression[bar % len(progression)],
        annotation_type=note_seq.NoteSequence.TextAnnotation.CHORD_SYMBOL)
  return sequence


MULTITRACK_CHORDS_VAE_CONFIG = 'hier-multiperf_vel_1bar_med_chords'


@pytest.fixture(scope='session')
def multitrack_chords_runs(tmp_path_factory):
  """A tiny random hier-multiperf_vel_1bar_med_chords MusicVAE (.tar) and the
  ae- and lc- configs over it at toy sizes, each trained 2 steps on bands over
  CHORD_PROGRESSIONS with their chord symbols: (tar, config name ->
  TrainedRun)."""
  folder = tmp_path_factory.mktemp('multitrack_chords')
  songs = str(folder / 'songs.tfrecord')
  write_tfrecord(songs, [
      band_over_chords(seed, progression, name='band%d' % seed)
      for seed, progression in enumerate(CHORD_PROGRESSIONS)
  ])
  tar = write_tiny_music_vae(str(folder / 'vae'), MULTITRACK_CHORDS_VAE_CONFIG)
  return tar, train_both_kinds(MULTITRACK_CHORDS_VAE_CONFIG, songs, tar,
                               str(folder))


@pytest.fixture(scope='session')
def family_material(tmp_path_factory):
  """Per MusicVAE config, built on first use: (tiny checkpoint .tar, songs
  folder)."""
  built = {}

  def material(vae_config_name):
    if vae_config_name not in built:
      folder = tmp_path_factory.mktemp(vae_config_name)
      built[vae_config_name] = (write_tiny_music_vae(str(folder / 'vae'),
                                                     vae_config_name),
                                write_songs(str(folder / 'songs'),
                                            vae_config_name))
    return built[vae_config_name]

  return material


@pytest.fixture
def run_program(capfd, monkeypatch):
  """Runs a command-line program (`train`, `generate`, `evaluate`) in this
  process, as `midime-<program> ARGS...` would from `cwd`; returns a
  ProgramResult. Much faster than a fresh interpreter (no TensorFlow import per
  run), and the same code path: the console scripts call
  midime.cli.<program>.run too."""

  def run(program, *args, cwd=None):
    module = importlib.import_module('midime.cli.' + program)
    if cwd:
      monkeypatch.chdir(cwd)
    capfd.readouterr()
    returncode = module.run(['midime-' + program] + list(args))
    out, err = capfd.readouterr()
    return ProgramResult(returncode, out, err)

  return run


@pytest.fixture
def small_disk(tmp_path):
  """A 2 MB tmpfs (needs root and mount, else the test is skipped); yields (its
  path, fill(leave_bytes)) and unmounts it after."""
  mount_point = tmp_path / 'disk'
  mount_point.mkdir()
  if os.geteuid() != 0 or subprocess.run(
      ['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs',
       str(mount_point)], capture_output=True).returncode != 0:
    pytest.skip('cannot mount a tmpfs here')

  def fill(leave_bytes):
    """Fills the disk but `leave_bytes`."""
    stat = os.statvfs(str(mount_point))
    free = stat.f_bavail * stat.f_frsize
    with open(str(mount_point / 'filler'), 'wb') as filler:
      filler.write(b'\0' * max(free - leave_bytes, 0))

  try:
    yield mount_point, fill
  finally:
    subprocess.run(['umount', '-l', str(mount_point)], check=False)


# --- The studio ---------------------------------------------------------------


class StudioMaterial(
    collections.namedtuple('StudioMaterial',
                           ['models_dir', 'model_id', 'examples_dir'])):
  """A models folder holding one tiny cat-mel_2bar_big-shaped MusicVAE (its id
  as the studio lists it) and a folder of example songs as MIDI files."""


STUDIO_CONFIG = 'ae-cat-mel_2bar_big'


@pytest.fixture(scope='session')
def studio_material(tmp_path_factory):
  root = tmp_path_factory.mktemp('studio')
  made = write_tiny_music_vae(str(root / 'made'), 'cat-mel_2bar_big')
  models_dir = root / 'models'
  models_dir.mkdir()
  shutil.copy(made, str(models_dir / 'tiny-mel_2bar.tar'))
  examples_dir = root / 'examples'
  examples_dir.mkdir()
  for seed in range(4):
    write_midi(str(examples_dir / ('tune%d.mid' % seed)),
               random_melody(seed, bars=8, name='tune%d' % seed))
  return StudioMaterial(str(models_dir), 'tiny-mel_2bar.tar',
                        str(examples_dir))


def wait_for(check, timeout, what, every=0.2):
  """Calls `check()` until it returns something true (which is returned); fails
  the test, saying `what` was awaited, after `timeout` seconds."""
  deadline = time.monotonic() + timeout
  while True:
    found = check()
    if found:
      return found
    if time.monotonic() > deadline:
      pytest.fail('waited %d s for %s' % (timeout, what))
    time.sleep(every)


STUDIO_STARTUP_TIMEOUT = 60


def free_port():
  """A TCP port free on this machine now."""
  with socket.socket() as probe:
    probe.bind(('127.0.0.1', 0))
    return probe.getsockname()[1]


class StudioServer(object):
  """midime-studio in a process of its own, on a free port."""

  def __init__(self, data_dir, material, host='127.0.0.1'):
    self.port = free_port()
    self.process = subprocess.Popen(
        [sys.executable, '-m', 'midime.cli.studio', '--host=' + host,
         '--port=%d' % self.port, '--data_dir=' + data_dir,
         '--models_dir=' + material.models_dir,
         '--examples_dir=' + material.examples_dir],
        cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    self.url = 'http://127.0.0.1:%d' % self.port
    wait_for(self._answers, STUDIO_STARTUP_TIMEOUT, 'the studio to start')

  def _answers(self):
    if self.process.poll() is not None:
      pytest.fail('the studio exited: %s' % self.process.stdout.read())
    try:
      self.get('/api/info')
      return True
    except OSError:
      return False

  def get(self, path):
    with urllib.request.urlopen(self.url + path, timeout=30) as response:
      return json.load(response)

  def post(self, path, values=None, form=None):
    if form is not None:
      data = urllib.parse.urlencode(form).encode()
      headers = {'Content-Type': 'application/x-www-form-urlencoded'}
    else:
      data = json.dumps(values or {}).encode()
      headers = {'Content-Type': 'application/json'}
    request = urllib.request.Request(self.url + path, data=data,
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
      return json.load(response)

  def stop(self, how=signal.SIGINT):
    """Signals the server; returns (its exit status, what it printed)."""
    if self.process.poll() is None:
      self.process.send_signal(how)
    printed, _ = self.process.communicate(timeout=90)
    return self.process.returncode, printed

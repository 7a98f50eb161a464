"""The original README's commands, exactly as written, over a full-size
cat-mel_2bar_big-shaped MusicVAE (134.6 M random weights, no sidecar), over a
full-size cat-mel_2bar_med_chords (17.5 M) with the chord-conditioned configs,
over full-size multitrack MusicVAEs (over chords too) with their configs, and
over a full-size GrooVAE played on the hits given: `.ckpt` for training, the
`.tar` Magenta distributes for generating; SmallMusicVAE and LCMusicVAE."""

import os
import shutil

import note_seq
import pytest

from midime import random_music_vae
from tests import testing_lib

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def full_size(tmp_path_factory):
  folder = str(tmp_path_factory.mktemp('full_size'))
  model_dir = os.path.join(folder, 'model')
  tar_path = random_music_vae.write_random_music_vae(model_dir, as_tar=True)
  assert random_music_vae.count_parameters(
      os.path.join(model_dir, 'cat-mel_2bar_big.ckpt')) == 134_571_099
  yield folder, tar_path
  shutil.rmtree(folder, ignore_errors=True)  # 1 GB: do not keep it around


@pytest.mark.parametrize('config',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_readme_commands_run_as_written_at_full_size(full_size, songs_tfrecord,
                                                     config):
  folder, tar_path = full_size
  os.makedirs(os.path.join(folder, 'data'), exist_ok=True)
  shutil.copy(songs_tfrecord,
              os.path.join(folder, 'data', 'notesequences.tfrecord'))
  shutil.rmtree(os.path.join(folder, 'tmp'), ignore_errors=True)

  train = testing_lib.run_script(
      'midime_train.py', '--config=%s' % config, '--run_dir=tmp/',
      '--mode=train', '--examples_path=data/notesequences.tfrecord',
      '--pretrained_path=model/cat-mel_2bar_big.ckpt', '--num_steps=100',
      cwd=folder)
  assert train.returncode == 0, train.stderr
  bundle = os.path.join(folder, 'tmp', config + '.tar')
  assert os.path.getsize(bundle) < 10 * 2**20  # the small model alone

  output_dir = os.path.join(folder, 'generated', config)
  generate = testing_lib.run_script(
      'midime_generate.py', '--vae_config=cat-mel_2bar_big',
      '--config=%s' % config, '--checkpoint_file=%s' % bundle,
      '--vae_checkpoint_file=%s' % tar_path, '--num_outputs=5',
      '--output_dir=%s' % output_dir, cwd=folder)
  assert generate.returncode == 0, generate.stderr
  assert len([f for f in os.listdir(output_dir) if f.endswith('.mid')]) == 5


@pytest.fixture(scope='module')
def full_size_chords(tmp_path_factory):
  folder = str(tmp_path_factory.mktemp('full_size_chords'))
  model_dir = os.path.join(folder, 'model')
  tar_path = random_music_vae.write_random_music_vae(
      model_dir, 'cat-mel_2bar_med_chords', as_tar=True)
  assert random_music_vae.count_parameters(
      os.path.join(model_dir, 'cat-mel_2bar_med_chords.ckpt')) == 17_478_235
  os.makedirs(os.path.join(folder, 'data'))
  testing_lib.write_tfrecord(
      os.path.join(folder, 'data', 'notesequences.tfrecord'), [
          testing_lib.melody_over_chords(seed, progression, bars=8)
          for seed, progression in enumerate(testing_lib.CHORD_PROGRESSIONS)
      ])
  yield folder, tar_path
  shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    'config', ['ae-cat-mel_2bar_med_chords', 'lc-cat-mel_2bar_med_chords'])
def test_readme_commands_with_the_chords_config_write_chord_symbols(
    full_size_chords, config):
  import pretty_midi  # pylint: disable=g-import-not-at-top
  folder, tar_path = full_size_chords
  shutil.rmtree(os.path.join(folder, 'tmp'), ignore_errors=True)
  train = testing_lib.run_script(
      'midime_train.py', '--config=%s' % config, '--run_dir=tmp/',
      '--mode=train', '--examples_path=data/notesequences.tfrecord',
      '--pretrained_path=model/cat-mel_2bar_med_chords.ckpt',
      '--num_steps=100', cwd=folder)
  assert train.returncode == 0, train.stderr
  output_dir = os.path.join(folder, 'generated', config)
  generate = testing_lib.run_script(
      'midime_generate.py', '--vae_config=cat-mel_2bar_med_chords',
      '--config=%s' % config,
      '--checkpoint_file=%s' % os.path.join(folder, 'tmp', config + '.tar'),
      '--vae_checkpoint_file=%s' % tar_path, '--num_outputs=5',
      '--output_dir=%s' % output_dir, cwd=folder)
  assert generate.returncode == 0, generate.stderr
  paths = [
      os.path.join(output_dir, f)
      for f in os.listdir(output_dir)
      if f.endswith('.mid')
  ]
  assert len(paths) == 5
  # Over the training songs' own progressions: two of their chords each.
  chords = {
      chord for progression in testing_lib.CHORD_PROGRESSIONS
      for chord in progression
  }
  for path in paths:
    symbols = [e.text for e in pretty_midi.PrettyMIDI(path).text_events]
    assert len(symbols) == 2 and set(symbols) <= chords


# --- The multitrack families ------------------------------------------------

# Each multitrack MusicVAE's weights, as magenta's graph builds them.
MULTITRACK_PARAMETERS = {
    'hier-multiperf_vel_1bar_med': 55_638_507,
    'hier-multiperf_vel_1bar_big': 204_598_763,
    'hier-multiperf_vel_1bar_med_chords': 56_140_267,
}


@pytest.fixture(scope='module')
def full_size_multitrack(tmp_path_factory):
  """family -> (folder with model/ and data/, the checkpoint's .tar), each
  built on first use."""
  folder = str(tmp_path_factory.mktemp('full_size_multitrack'))
  data_dir = os.path.join(folder, 'data')
  os.makedirs(data_dir)
  for index in range(4):
    band = testing_lib.band(index, bars=8, pitched=2 + index,
                            name='band%d' % index)
    testing_lib.write_midi(os.path.join(data_dir, band.filename + '.mid'), band)
  built = {}

  def material(family):
    if family not in built:
      model_dir = os.path.join(folder, 'model')
      built[family] = random_music_vae.write_random_music_vae(
          model_dir, family, as_tar=True)
      assert random_music_vae.count_parameters(
          os.path.join(model_dir,
                       family + '.ckpt')) == MULTITRACK_PARAMETERS[family]
    return folder, built[family]

  yield material
  shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize('config', [
    kind + family for family in MULTITRACK_PARAMETERS for kind in ('ae-', 'lc-')
])
def test_readme_commands_write_bands_at_full_size(full_size_multitrack,
                                                  config):
  family = config.split('-', 1)[1]
  folder, tar_path = full_size_multitrack(family)
  run_dir = 'tmp-%s/' % config
  train = testing_lib.run_script(
      'midime_train.py', '--config=%s' % config, '--run_dir=%s' % run_dir,
      '--mode=train', '--examples_path=data/',
      '--pretrained_path=model/%s.ckpt' % family, '--num_steps=100',
      cwd=folder)
  assert train.returncode == 0, train.stderr
  bundle = os.path.join(folder, run_dir, config + '.tar')

  output_dir = os.path.join(folder, 'generated', config)
  generate = testing_lib.run_script(
      'midime_generate.py', '--vae_config=%s' % family,
      '--config=%s' % config, '--checkpoint_file=%s' % bundle,
      '--vae_checkpoint_file=%s' % tar_path, '--num_outputs=5',
      '--output_dir=%s' % output_dir, cwd=folder)
  assert generate.returncode == 0, generate.stderr
  generated = [
      note_seq.midi_file_to_note_sequence(os.path.join(output_dir, name))
      for name in sorted(os.listdir(output_dir))
      if name.endswith('.mid')
  ]
  assert len(generated) == 5
  # The family's shape: one bar of several instruments (after 100 steps an
  # lc- decoder still writes the odd solo).
  bands = [
      s for s in generated
      if len({(n.program, n.is_drum) for n in s.notes}) >= 2
  ]
  assert len(bands) >= 3
  assert all(max(n.end_time for n in s.notes) <= 2.5 for s in generated)
  if family.endswith('_chords'):
    import pretty_midi  # pylint: disable=g-import-not-at-top
    # Over the songs' chords (inferred from their notes): one a bar, as a
    # text event note-seq's chord encoding reads.
    encoding = note_seq.TriadChordOneHotEncoding()
    for name in os.listdir(output_dir):
      (event,) = pretty_midi.PrettyMIDI(os.path.join(output_dir,
                                                     name)).text_events
      assert event.time == 0.0
      encoding.encode_event(event.text)


# --- The groove played on the hits given --------------------------------------

HITS_FAMILY = 'groovae_2bar_hits_control_tfds'


@pytest.fixture(scope='module')
def full_size_hits(tmp_path_factory):
  folder = str(tmp_path_factory.mktemp('full_size_hits'))
  model_dir = os.path.join(folder, 'model')
  tar_path = random_music_vae.write_random_music_vae(model_dir, HITS_FAMILY,
                                                     as_tar=True)
  assert random_music_vae.count_parameters(
      os.path.join(model_dir, HITS_FAMILY + '.ckpt')) == 4_131_100
  data_dir = os.path.join(folder, 'data')
  os.makedirs(data_dir)
  for index in range(4):
    beat = testing_lib.drum_pattern(index, bars=4, name='beat%d' % index)
    testing_lib.write_midi(os.path.join(data_dir, beat.filename + '.mid'),
                           beat)
  yield folder, tar_path
  shutil.rmtree(folder, ignore_errors=True)


def test_readme_commands_write_grooves_on_hits_at_full_size(full_size_hits):
  folder, tar_path = full_size_hits
  config = 'ae-' + HITS_FAMILY
  train = testing_lib.run_script(
      'midime_train.py', '--config=%s' % config, '--run_dir=tmp/',
      '--mode=train', '--examples_path=data/',
      '--pretrained_path=model/%s.ckpt' % HITS_FAMILY, '--num_steps=100',
      cwd=folder)
  assert train.returncode == 0, train.stderr
  output_dir = os.path.join(folder, 'generated')
  generate = testing_lib.run_script(
      'midime_generate.py', '--vae_config=%s' % HITS_FAMILY,
      '--config=%s' % config,
      '--checkpoint_file=%s' % os.path.join(folder, 'tmp', config + '.tar'),
      '--vae_checkpoint_file=%s' % tar_path, '--num_outputs=5',
      '--output_dir=%s' % output_dir, cwd=folder)
  assert generate.returncode == 0, generate.stderr
  generated = [
      note_seq.midi_file_to_note_sequence(os.path.join(output_dir, name))
      for name in sorted(os.listdir(output_dir))
      if name.endswith('.mid')
  ]
  assert len(generated) == 5
  # Two bars of drums with velocities and timing of their own.
  notes = [n for s in generated for n in s.notes]
  assert notes and all(n.is_drum for n in notes)
  assert all(max(n.end_time for n in s.notes) <= 4.5 for s in generated)
  assert len({n.velocity for n in notes}) > 3
  assert any(
      abs(n.start_time / 0.125 - round(n.start_time / 0.125)) > 0.01
      for n in notes)

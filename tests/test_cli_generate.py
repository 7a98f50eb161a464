"""midime-generate, the program (midime_generate.py from a checkout): the
original README's command as written, its help, and bad input (flags, the
modes' songs and latents, audio, a full disk) as one clear line, exit 1, no
output folder; every config samples its family's shape."""

import glob
import os

import note_seq
import numpy as np
import pytest

from midime import configs
from midime import controls
from midime import errors
from midime import windows
from midime.cli import generate
from midime.jobs import train as train_job
from tests import testing_lib

GENERATE = 'midime_generate.py'
CONFIG = 'ae-cat-mel_2bar_big'
SECONDS_PER_BAR = 2.0  # 120 qpm, 4/4


@pytest.mark.parametrize('config, in_process', [('ae-cat-mel_2bar_big', False),
                                                ('lc-cat-mel_2bar_big', True)])
def test_the_original_sampling_command_writes_five_midi_files(
    trained_models, tiny_vae, tmp_path, run_program, config, in_process):
  output_dir = tmp_path / 'generated'
  args = [
      '--vae_config=cat-mel_2bar_big',
      '--config=%s' % config,
      '--checkpoint_file=%s' % trained_models[config].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar, '--num_outputs=5',
      '--output_dir=%s' % output_dir
  ]
  result = (run_program('generate', *args)
            if in_process else testing_lib.run_script(GENERATE, *args))
  assert result.returncode == 0, result.stderr
  files = sorted(os.listdir(output_dir))
  assert len(files) == 5 and all(f.endswith('-of-005.mid') for f in files)
  for name in files:
    sequence = note_seq.midi_file_to_note_sequence(str(output_dir / name))
    assert all(21 <= note.pitch <= 108 for note in sequence.notes)
  assert 'Wrote 5 MIDI files' in result.stderr


def test_help_explains_the_flags(run_program):
  result = run_program('generate', '--help')
  assert result.returncode == 0
  for flag in ('--run_dir', '--checkpoint_file', '--vae_checkpoint_file',
               '--config', '--vae_config', '--num_outputs', '--output_dir',
               '--temperature', '--max_batch_size', '--seed', '--mode',
               '--inputs', '--input_window', '--latent', '--interpolation',
               '--audio', '--soundfont'):
    assert flag in result.stdout
  assert 'Not read for lc-* configs' in result.stdout


@pytest.mark.parametrize('args, message', [
    (['--num_outputs=0'], 'error: --num_outputs must be at least 1, got 0'),
    (['--checkpoint_file=%(notes)s'],
     'is not a SmallMusicVAE/LCMusicVAE checkpoint'),
    (['--checkpoint_file=%(missing)s'],
     'error: SmallMusicVAE/LCMusicVAE checkpoint not found'),
    (['--checkpoint_file=%(vae)s'],
     'is a MusicVAE checkpoint; --checkpoint_file takes'),
    (['--run_dir=%(tmp)s/run'], 'error: give exactly one of --run_dir or'),
    (['--config=lc-cat-mel_2bar_big'],
     'was trained with --config=ae-cat-mel_2bar_big, not lc-cat-mel_2bar_big'),
    (['--vae_checkpoint_file=%(missing)s'],
     'error: MusicVAE checkpoint not found'),
    (['--temperature=0'], 'error: --temperature must be a number above 0'),
    (['--output_dir=%(notes)s/generated'], 'Not a directory'),
])
def test_bad_input_is_one_line_and_writes_nothing(trained_models, tiny_vae,
                                                  tmp_path, args, message,
                                                  run_program):
  notes = tmp_path / 'notes.txt'
  notes.write_text('not a checkpoint')
  paths = {
      'notes': notes,
      'missing': tmp_path / 'absent.tar',
      'vae': tiny_vae.tar,
      'tmp': tmp_path
  }
  output_dir = tmp_path / 'generated'
  defaults = [
      '--checkpoint_file=%s' % trained_models['ae-cat-mel_2bar_big'].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--output_dir=%s' % output_dir
  ]
  result = run_program(
      'generate',
      *testing_lib.with_defaults(defaults, [arg % paths for arg in args]))
  testing_lib.assert_failed_cleanly(result, message, output_dir)


# --- The modes, audio and pictures --------------------------------------------


@pytest.fixture(scope='module')
def song_paths(tmp_path_factory):
  """Three 4-bar 4/4 songs (3 windows each) and a one-bar one (no usable
  window)."""
  folder = tmp_path_factory.mktemp('inputs')
  paths = {}
  for seed in range(3):
    paths['song%d' % seed] = str(folder / ('song%d.mid' % seed))
    testing_lib.write_midi(paths['song%d' % seed],
                           testing_lib.random_melody(seed, bars=4))
  paths['short'] = str(folder / 'short.mid')
  testing_lib.write_midi(paths['short'], testing_lib.random_melody(9, bars=1))
  return paths


def _run_in_process(capsys, args):
  rc = generate.run(['midime-generate'] + args)
  return rc, capsys.readouterr().err


@pytest.mark.parametrize('args, message', [
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s,%(song2)s'],
     'error: --mode=interpolate takes two songs, got 3'),
    (['--mode=reconstruct', '--inputs=%(song0)s,%(short)s'],
     'error: song short.mid has no usable window: shorter than one window: 16 '
     'steps'),
    (['--mode=reconstruct', '--inputs=%(song0)s', '--input_window=3'],
     'error: --input_window=3 is past the windows of song song0.mid: it has 3 '
     '(0..2)'),
    (['--mode=reconstruct'],
     'error: --mode=reconstruct needs songs: pass --inputs'),
    (['--mode=traverse', '--inputs=%(song0)s,%(song1)s'],
     'error: --mode=traverse walks around one song, got 2'),
    (['--latent=1,2,3'],
     "error: --latent has 3 numbers; this model's latent has 4 dimensions"),
    (['--latent=1,2,x,4'],
     'error: --latent must be 4 numbers separated by commas'),
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s', '--latent=1,2,3,4'],
     'error: --latent goes with --mode=sample or traverse, not interpolate'),
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s', '--num_outputs=1'],
     'error: --mode=interpolate needs --num_outputs of 2 or more'),
    (['--mode=sample', '--inputs=%(song0)s'],
     'error: --mode=sample draws from the model'),
    (['--mode=wander'], 'error: flag --mode=wander'),
    (['--mode=song', '--num_bars=3'],
     "error: --num_bars must be a positive multiple of the model's 2-bar "
     'window, got 3; the nearest that works is 4'),
    (['--mode=song', '--num_bars=-2'],
     'error: --num_bars must be a positive number of bars, got -2'),
    (['--mode=song', '--form='], 'error: --form must be section letters A-Z'),
    (['--mode=song', '--form=AB1A'],
     "error: --form must be section letters A-Z, such as AABA or ABAC; got "
     "'AB1A'"),
    (['--mode=song', '--section_bars=5'],
     "error: --section_bars must be a positive multiple of the model's 2-bar "
     'window, got 5; the nearest that works is 4'),
    (['--mode=song', '--num_bars=12', '--form=AABB'],
     'error: --num_bars=12 does not share into 4 sections of whole 2-bar '
     'windows for --form=AABB; give --section_bars, or --num_bars=8'),
    (['--mode=song', '--variation=-0.5'],
     'error: --variation must be 0 or more, got -0.5'),
    (['--mode=song', '--inputs=%(song0)s'],
     'error: --mode=song writes songs from the model and reads no --inputs'),
    (['--num_bars=8'], 'error: --num_bars goes with --mode=song, not sample'),
    (['--mode=interpolate', '--inputs=%(song0)s,%(song1)s', '--form=AB'],
     'error: --form goes with --mode=song, not interpolate'),
    (['--audio', '--soundfont=%(missing)s'], 'error: SoundFont not found'),
])
def test_bad_mode_input_is_one_line_and_writes_nothing(trained_models, tiny_vae,
                                                       song_paths, tmp_path,
                                                       capsys, args, message):
  if '--audio' in args:
    pytest.importorskip('tinysoundfont')
  output_dir = tmp_path / 'generated'
  values = dict(song_paths, missing=str(tmp_path / 'none.sf2'))
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % trained_models['ae-cat-mel_2bar_big'].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar,
      '--output_dir=%s' % output_dir, '--seed=1'
  ] + [arg % values for arg in args])
  assert rc == 1
  assert err.strip().splitlines()[-1].startswith(message), err
  assert 'Traceback' not in err
  assert not output_dir.exists()


def test_song_mode_writes_whole_songs_in_the_form_asked(trained_models,
                                                        tmp_path, capsys):
  output_dir = tmp_path / 'songs'
  rc, err = _run_in_process(capsys, [
      '--run_dir=%s' % trained_models['ae-cat-mel_2bar_big'].run_dir,
      '--mode=song', '--num_outputs=2', '--form=ABA', '--section_bars=4',
      '--plot', '--seed=1', '--output_dir=%s' % output_dir
  ])
  assert rc == 0, err
  assert 'song 1: 12 bars, form A B A (sections of 4 bars)' in err
  assert 'song 2: 12 bars, form A B A (sections of 4 bars)' in err
  songs = _generated(str(output_dir))
  assert len(songs) == 2
  for song in songs:
    assert song.notes
    assert _end(song) <= 12 * SECONDS_PER_BAR + 1e-6
    # The third section returns the first, note for note.
    first, third = ([(n.pitch, round(n.start_time - offset, 3))
                     for n in song.notes
                     if offset <= n.start_time < offset + 4 * SECONDS_PER_BAR]
                    for offset in (0.0, 8 * SECONDS_PER_BAR))
    assert first == third
  assert len(glob.glob(str(output_dir / '*.png'))) == 1


def test_song_mode_on_a_model_without_song_form_says_to_retrain(
    trained_models, tiny_vae, songs_tfrecord, tmp_path, capsys):
  run_dir = testing_lib.copy_run(trained_models['ae-cat-mel_2bar_big'].run_dir,
                                 tmp_path)
  os.remove(str(run_dir / 'train' / 'midime_song_form.json'))
  output_dir = tmp_path / 'songs'
  rc, err = _run_in_process(capsys, [
      '--run_dir=%s' % run_dir, '--mode=song',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 1
  assert err.strip().splitlines()[-1].startswith(
      'error: %s has no learned song form (it was trained before song mode): '
      'run its midime-train command again to learn it' % (run_dir / 'train'))
  assert not output_dir.exists()
  # As it says: the same training command learns it, training no further.
  assert testing_lib.train_tiny_ae(run_dir, tiny_vae, songs_tfrecord,
                                   testing_lib.TRAINED_STEPS,
                                   '--seed=0') == 0
  assert testing_lib.checkpoint_steps(run_dir)[-1] == testing_lib.TRAINED_STEPS
  rc, err = _run_in_process(capsys, [
      '--run_dir=%s' % run_dir, '--mode=song', '--num_outputs=1',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 0, err
  assert len(_generated(str(output_dir))) == 1


def test_audio_without_a_soundfont_says_how_to_get_one(trained_models, tmp_path,
                                                       capsys, monkeypatch):
  pytest.importorskip('tinysoundfont')
  from midime import audio
  monkeypatch.setattr(audio, 'default_soundfont', lambda: None)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % trained_models['lc-cat-mel_2bar_big'].bundle,
      '--audio',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 1 and err.strip().splitlines()[-1] == (
      'error: ' + errors.name_options(audio.SOUNDFONT_HELP, '--'))
  assert not output_dir.exists()


def test_audio_without_tinysoundfont_says_how_to_install_it(
    trained_models, tmp_path, capsys, monkeypatch):
  monkeypatch.setitem(__import__('sys').modules, 'tinysoundfont', None)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % trained_models['lc-cat-mel_2bar_big'].bundle,
      '--audio',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 1 and 'pip install --no-deps tinysoundfont' in err.strip(
  ).splitlines()[-1]
  assert not output_dir.exists()


def test_traverse_of_a_wide_latent_says_what_is_drawn(tiny_vae, songs_tfrecord,
                                                      tmp_path, capsys):
  bundle = train_job.run(
      train_job.TrainOptions(
          config='ae-cat-mel_2bar_big', run_dir=str(tmp_path / 'run'),
          mode='train', examples_path=songs_tfrecord,
          pretrained_path=tiny_vae.prefix, num_steps=1,
          hparams=testing_lib.TINY_AE_HPARAMS + ',encoded_z_size=17'))
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % bundle, '--mode=traverse', '--num_outputs=2',
      '--output_dir=%s' % output_dir, '--max_batch_size=16'
  ])
  assert rc == 0, err
  assert (
      'The latent has 17 dimensions and 2 values each: the picture draws '
      'dimensions 0..15 at the first 2 values; the MIDI files hold them all.'
  ) in err
  assert len([f for f in os.listdir(output_dir) if f.endswith('.mid')]) == 34


@pytest.mark.parametrize('config',
                         ['ae-cat-mel_2bar_big', 'lc-cat-mel_2bar_big'])
def test_audio_writes_an_audible_wav_beside_each_midi_file(
    trained_models, tiny_vae, song_paths, tmp_path, capsys, config):
  pytest.importorskip('tinysoundfont')
  from midime import audio
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % trained_models[config].bundle,
      '--vae_checkpoint_file=%s' % tiny_vae.tar, '--mode=interpolate',
      '--inputs=%(song0)s,%(song1)s' % song_paths, '--num_outputs=3', '--audio',
      '--seed=2',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 0, err
  midi_files = sorted(str(p) for p in output_dir.glob('*.mid'))
  assert len(midi_files) == 3
  for midi_file in midi_files:
    sequence = note_seq.midi_file_to_note_sequence(midi_file)
    samples, rate = audio.read_wav(midi_file[:-len('.mid')] + '.wav')
    # The MIDI file ends at its last note; the WAV at the two bars' end (4 s at
    # 120 qpm) plus the release tail.
    assert sequence.total_time < len(
        samples) / rate <= 4.0 + audio.RELEASE_SECONDS + 0.01
    assert sequence.notes and np.sqrt(np.mean(np.square(samples))) > 0.005


def test_a_failed_picture_leaves_no_midi_files(trained_models, tmp_path, capsys,
                                               monkeypatch):

  def full_disk(rows, path, **unused_kwargs):
    raise OSError(28, 'No space left on device', path)

  from midime import piano_roll
  monkeypatch.setattr(piano_roll, 'draw_piano_rolls', full_disk)
  output_dir = tmp_path / 'generated'
  rc, err = _run_in_process(capsys, [
      '--checkpoint_file=%s' % trained_models['lc-cat-mel_2bar_big'].bundle,
      '--mode=traverse', '--num_outputs=2',
      '--output_dir=%s' % output_dir
  ])
  assert rc == 1 and 'No space left on device' in err.strip().splitlines()[-1]
  assert not output_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--temperature=nan', '--temperature must be a number above 0'),
    ('--seed=-1', '--seed must be between'),
    ('--log=foo', '--log must be one of'),
])
def test_bad_generate_flags_are_one_line(trained_models, tmp_path, capsys, flag,
                                         message):
  output_dir = tmp_path / 'out'
  assert generate.run([
      'midime-generate',
      '--run_dir=%s' % trained_models[CONFIG].run_dir,
      '--output_dir=%s' % output_dir, flag
  ]) == 1
  testing_lib.assert_one_error_line(capsys, message)
  assert not output_dir.exists()


def test_a_full_disk_in_generation_is_one_line_and_writes_nothing(
    trained_models, small_disk, capsys):
  disk, fill = small_disk
  fill(8 * 1024)
  output_dir = disk / 'out'
  assert generate.run([
      'midime-generate',
      '--run_dir=%s' % trained_models[CONFIG].run_dir,
      '--output_dir=%s' % output_dir, '--num_outputs=200'
  ]) == 1
  testing_lib.assert_one_error_line(capsys, 'No space left on device')
  assert not output_dir.exists()


# --- Each family --------------------------------------------------------------


def _generated(output_dir):
  return [
      note_seq.midi_file_to_note_sequence(path)
      for path in sorted(glob.glob(os.path.join(output_dir, '*.mid')))
  ]


def _end(sequence):
  return max(note.end_time for note in sequence.notes)


def _check_shape(vae_config_name, sequences):
  """The family's shape: what tracks, and how many bars."""
  assert sequences and all(s.notes for s in sequences)
  for sequence in sequences:
    drums = [n for n in sequence.notes if n.is_drum]
    pitched = [n for n in sequence.notes if not n.is_drum]
    if vae_config_name == 'cat-mel_2bar_med_chords':
      assert not drums
      assert _end(sequence) <= 2 * SECONDS_PER_BAR + 1e-6
    elif vae_config_name.endswith('mel_16bar'):
      assert not drums
      assert 2 * SECONDS_PER_BAR < _end(sequence) <= 16 * SECONDS_PER_BAR + 1e-6
    elif vae_config_name.endswith('trio_16bar'):
      # magenta's trio layout: melody, bass on program 33, drums on the drum
      # channel.
      assert drums
      assert {n.program for n in pitched} == {0, testing_lib.BASS_PROGRAM}
      assert _end(sequence) <= 16 * SECONDS_PER_BAR + 1e-6
    elif 'multiperf' in vae_config_name:
      # Several instruments, each on its program, drums on the drum channel
      # (which is what reads back as is_drum); one bar.
      assert len({(n.program, n.is_drum) for n in sequence.notes}) >= 2
      assert _end(sequence) <= SECONDS_PER_BAR + 0.5
    else:
      assert not pitched
      bars = 4 if vae_config_name == 'groovae_4bar' else 2
      assert _end(sequence) <= bars * SECONDS_PER_BAR + 0.5
  if vae_config_name.startswith('groovae'):
    # Grooves keep their velocities and timing offsets.
    notes = [n for s in sequences for n in s.notes]
    assert len({n.velocity for n in notes}) > 3
    off_grid = [
        n for n in notes
        if abs(n.start_time / 0.125 - round(n.start_time / 0.125)) > 0.01
    ]
    assert off_grid


CONFIGS = [
    'ae-cat-mel_2bar_med_chords',
    'lc-cat-mel_2bar_med_chords',
    'ae-hierdec-mel_16bar',
    'ae-hierdec-trio_16bar',
    'ae-cat-drums_2bar_small',
    'lc-cat-drums_2bar_small',
    'ae-nade-drums_2bar_full',
    'ae-groovae_4bar',
    'ae-groovae_2bar_humanize',
    'ae-flat-mel_16bar',
    'lc-flat-mel_16bar',
    'ae-flat-trio_16bar',
    'lc-flat-trio_16bar',
    'ae-groovae_2bar_tap_fixed_velocity',
    'ae-groovae_2bar_add_closed_hh',
    'ae-hier-multiperf_vel_1bar_med',
    'ae-hier-multiperf_vel_1bar_big',
    'lc-hier-multiperf_vel_1bar_med',
    'ae-groovae_2bar_hits_control_tfds',
    'ae-hier-multiperf_vel_1bar_med_chords',
    'ae-hier-multiperf_vel_1bar_big_chords',
    'lc-hier-multiperf_vel_1bar_med_chords',
]
# A new hierarchical decoder unrolls 16 bars (48 decoders for a trio) with their
# gradients: about a minute (three for the trio) of graph building on 2 cores,
# too slow for every run of the suite: `make test-slow` (and CI) runs them.
SLOW_CONFIGS = [
    'lc-hierdec-mel_16bar', 'lc-hierdec-trio_16bar',
    'lc-hier-multiperf_vel_1bar_big', 'lc-hier-multiperf_vel_1bar_big_chords'
]
SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    'config',
    CONFIGS + [pytest.param(name, marks=SLOW) for name in SLOW_CONFIGS])
def test_each_config_trains_and_samples_its_family(family_material, tmp_path,
                                                   config):
  vae_config_name = config.split('-', 1)[1]
  tar, songs = family_material(vae_config_name)
  assert testing_lib.train_family(config, tar, songs, tmp_path / 'run') == 0
  output_dir = tmp_path / 'generated'
  assert generate.run([
      'midime_generate.py',
      '--run_dir=%s' % (tmp_path / 'run'),
      '--vae_checkpoint_file=%s' % tar, '--num_outputs=2', '--seed=3', '--plot',
      '--output_dir=%s' % output_dir
  ]) == 0
  assert glob.glob(str(output_dir / '*.png'))
  _check_shape(vae_config_name, _generated(str(output_dir)))
  # Song mode: the family's windows laid end to end, a whole form.
  songs_dir = tmp_path / 'songs'
  window_bars = 16 if '16bar' in vae_config_name else (
      4 if vae_config_name == 'groovae_4bar' else
      1 if 'multiperf' in vae_config_name else 2)
  song_bars = 4 * window_bars
  assert generate.run([
      'midime_generate.py',
      '--run_dir=%s' % (tmp_path / 'run'),
      '--vae_checkpoint_file=%s' % tar, '--mode=song', '--num_outputs=1',
      '--form=AB', '--num_bars=%d' % song_bars, '--seed=3',
      '--output_dir=%s' % songs_dir
  ]) == 0
  (song,) = _generated(str(songs_dir))
  assert ((song_bars - window_bars) * SECONDS_PER_BAR < _end(song) <=
          song_bars * SECONDS_PER_BAR + 0.5)


def test_vae_config_disagreeing_with_the_trained_model(family_material,
                                                       tmp_path, capsys):
  tar, songs = family_material('cat-drums_2bar_small')
  assert testing_lib.train_family('ae-cat-drums_2bar_small', tar, songs,
                                  tmp_path / 'run') == 0
  capsys.readouterr()
  output_dir = tmp_path / 'generated'
  assert generate.run([
      'midime_generate.py',
      '--run_dir=%s' % (tmp_path / 'run'), '--vae_config=cat-drums_2bar_big',
      '--num_outputs=1',
      '--output_dir=%s' % output_dir
  ]) == 1
  message = capsys.readouterr().err.strip().splitlines()[-1]
  assert message == (
      'error: --vae_config=cat-drums_2bar_big disagrees with the '
      'trained model: it was trained over cat-drums_2bar_small')
  assert not os.path.exists(output_dir)


def test_a_tap_config_reconstructs_plain_drums_as_a_groove(
    family_material, tmp_path):
  vae_config_name = 'groovae_2bar_tap_fixed_velocity'
  tar, songs = family_material(vae_config_name)
  assert testing_lib.train_family('ae-' + vae_config_name, tar, songs,
                                  tmp_path / 'run') == 0
  # Drums as a step sequencer writes them: on the grid, one velocity. The
  # converter taps them itself; the model plays them back as a groove.
  plain = testing_lib.drum_pattern(5, bars=2, name='plain')
  for note in plain.notes:
    step = round(note.start_time / testing_lib.SECONDS_PER_STEP)
    note.start_time = step * testing_lib.SECONDS_PER_STEP
    note.end_time = note.start_time + testing_lib.SECONDS_PER_STEP / 2
    note.velocity = 100
  plain_path = str(tmp_path / 'plain.mid')
  testing_lib.write_midi(plain_path, plain)
  output_dir = tmp_path / 'grooved'
  assert generate.run([
      'midime_generate.py',
      '--run_dir=%s' % (tmp_path / 'run'),
      '--vae_checkpoint_file=%s' % tar, '--mode=reconstruct',
      '--inputs=%s' % plain_path, '--seed=3',
      '--output_dir=%s' % output_dir
  ]) == 0
  (groove,) = _generated(str(output_dir))
  # Two bars of drums with velocities of their own and timing off the grid.
  _check_shape(vae_config_name, [groove])


# --- Chord-conditioned configs ------------------------------------------------

CHORDS_CONFIGS = ['ae-cat-mel_2bar_med_chords', 'lc-cat-mel_2bar_med_chords']


def _chord_symbols(path):
  """The chord symbols of a MIDI file as (seconds, figure): its text
  events."""
  import pretty_midi  # pylint: disable=g-import-not-at-top
  return [(round(event.time, 3), event.text)
          for event in pretty_midi.PrettyMIDI(path).text_events]


def _generate_over_chords(run_dir, tar, output_dir, *flags):
  """Generates from the chord-conditioned run in `run_dir` (seed 3) into
  `output_dir` with `flags`; returns the chord symbols of each MIDI file
  written, in order of their names."""
  assert generate.run([
      GENERATE, '--run_dir=%s' % run_dir, '--vae_checkpoint_file=%s' % tar,
      '--seed=3', '--output_dir=%s' % output_dir
  ] + list(flags)) == 0
  return [_chord_symbols(path)
          for path in sorted(glob.glob(str(output_dir) + '/*.mid'))]


@pytest.mark.parametrize('config', CHORDS_CONFIGS)
def test_chord_samples_lay_the_given_progression_out_and_carry_it(
    chords_runs, chords_material, tmp_path, config):
  tar, _ = chords_material
  output_dir = tmp_path / 'generated'
  symbols = _generate_over_chords(chords_runs[config].run_dir, tar,
                                  output_dir, '--num_outputs=3',
                                  '--chords=C G Am F')
  # One chord per bar, sample i from bar 2i of the progression repeated.
  assert symbols == [
      [(0.0, 'C'), (2.0, 'G')],
      [(0.0, 'Am'), (2.0, 'F')],
      [(0.0, 'C'), (2.0, 'G')],
  ]
  _check_shape('cat-mel_2bar_med_chords', _generated(str(output_dir)))


def test_chord_samples_default_to_the_training_songs_progressions(
    chords_runs, chords_material, tmp_path):
  tar, _ = chords_material
  output_dir = tmp_path / 'generated'
  written = _generate_over_chords(chords_runs[CHORDS_CONFIGS[0]].run_dir, tar,
                                  output_dir, '--num_outputs=4')
  # Each sample's two bars are two consecutive bars of a training song.
  consecutive = {(p[i], p[(i + 1) % 4])
                 for p in testing_lib.CHORD_PROGRESSIONS for i in range(3)}
  assert len(written) == 4
  for symbols in written:
    assert [time for time, _ in symbols] == [0.0, 2.0]
    assert tuple(figure for _, figure in symbols) in consecutive


def test_chord_song_mode_plays_a_whole_song_over_the_progression(
    chords_runs, chords_material, tmp_path):
  tar, _ = chords_material
  output_dir = tmp_path / 'songs'
  (symbols,) = _generate_over_chords(
      chords_runs[CHORDS_CONFIGS[1]].run_dir, tar, output_dir,
      '--mode=song', '--num_outputs=1', '--form=AB', '--num_bars=8',
      '--chords=C G Am F')
  assert symbols == [
      (2.0 * bar, ['C', 'G', 'Am', 'F'][bar % 4])
      for bar in range(8)
  ]
  (song,) = _generated(str(output_dir))
  assert 6 * SECONDS_PER_BAR < _end(song) <= 8 * SECONDS_PER_BAR + 0.5


@pytest.mark.parametrize('chords, message', [
    ('C H7 Am', "--chords: cannot read chord 'H7' (chord 2 of 3 in "
     "'C H7 Am')"),
    (' ', '--chords names no chord'),
])
def test_an_unreadable_progression_is_one_line_and_writes_nothing(
    chords_runs, tmp_path, capsys, chords, message):
  output_dir = tmp_path / 'generated'
  assert generate.run([
      GENERATE,
      '--run_dir=%s' % chords_runs[CHORDS_CONFIGS[1]].run_dir,
      '--chords=%s' % chords,
      '--output_dir=%s' % output_dir
  ]) == 1
  testing_lib.assert_one_error_line(capsys, message)
  assert not output_dir.exists()


def test_chords_for_a_config_without_chords_is_one_line(
    trained_models, tmp_path, capsys):
  output_dir = tmp_path / 'generated'
  assert generate.run([
      GENERATE,
      '--run_dir=%s' % trained_models[CONFIG].run_dir, '--chords=C G',
      '--output_dir=%s' % output_dir
  ]) == 1
  testing_lib.assert_one_error_line(
      capsys, '--chords is for chord-conditioned configs '
      '(ae-cat-mel_2bar_med_chords, lc-cat-mel_2bar_med_chords, '
      'ae-hier-multiperf_vel_1bar_med_chords, '
      'lc-hier-multiperf_vel_1bar_med_chords, '
      'ae-hier-multiperf_vel_1bar_big_chords, '
      'lc-hier-multiperf_vel_1bar_big_chords); '
      'ae-cat-mel_2bar_big is not one')
  assert not output_dir.exists()


# --- A groove played on the hits given ----------------------------------------

HITS_VAE_CONFIG = 'groovae_2bar_hits_control_tfds'
HITS_CONFIG = 'ae-' + HITS_VAE_CONFIG
# Enough of magenta's training for a tiny GrooVAE decoder to play mostly the
# hits it is given (random weights play any).
HITS_VAE_TRAINING_STEPS = 1500


def _taps(seed, path):
  """A tapped rhythm: a drum pattern at one velocity, written to `path`."""
  taps = testing_lib.drum_pattern(seed, bars=2, name='taps%d' % seed)
  for note in taps.notes:
    note.velocity = 100
  testing_lib.write_midi(path, taps)
  return path


def _hits(path):
  """The drum hits of a MIDI file's first window, as the config reads them
  `[steps, drums]`."""
  converter = configs.get_config(HITS_CONFIG).data_converter
  found = windows.song_windows(
      [(path, note_seq.midi_file_to_note_sequence(path))], converter)
  return found.controls[0]


@pytest.fixture(scope='module')
def hits_run(tmp_path_factory):
  """A tiny groovae_2bar_hits_control_tfds MusicVAE trained to play hits
  given, and its ae- config trained on drum patterns: (tar, run folder)."""
  folder = tmp_path_factory.mktemp('hits')
  tar = testing_lib.write_trained_tiny_music_vae(
      str(folder / 'vae'), HITS_VAE_CONFIG,
      testing_lib.songs_of(HITS_VAE_CONFIG, count=6),
      num_steps=HITS_VAE_TRAINING_STEPS)
  songs = testing_lib.write_songs(str(folder / 'songs'), HITS_VAE_CONFIG)
  # Long enough for the small decoder's z to land where the songs' lie, where
  # the MusicVAE decoder learned to play its controls.
  assert testing_lib.train_family(HITS_CONFIG, tar, songs, folder / 'run',
                                  '--num_steps=300') == 0
  return tar, folder / 'run'


def test_a_hits_groove_reconstructs_a_tapped_rhythm_on_its_hits(
    hits_run, tmp_path):
  tar, run_dir = hits_run
  shares = []
  for seed in (71, 72, 73):
    taps = _taps(seed, str(tmp_path / ('taps%d.mid' % seed)))
    output_dir = tmp_path / ('groove%d' % seed)
    assert generate.run([
        GENERATE,
        '--run_dir=%s' % run_dir,
        '--vae_checkpoint_file=%s' % tar, '--mode=reconstruct',
        '--inputs=%s' % taps, '--seed=3',
        '--output_dir=%s' % output_dir
    ]) == 0
    (path,) = glob.glob(str(output_dir / '*.mid'))
    # Drums with velocities of their own and timing off the grid.
    _check_shape(HITS_VAE_CONFIG, _generated(str(output_dir)))
    played, given = _hits(path), _hits(taps)
    # Against the same rhythm a sixteenth later: what a groove that ignored
    # the hits (or lost their place) would share with them.
    shares.append((controls.hits_share(given, played),
                   controls.hits_share(np.roll(given, 1, axis=0), played)))
  # The groove plays the input's hits (most of them, or as many others),
  # far more than it plays the rhythm moved.
  own, moved = np.mean(shares, axis=0)
  assert own >= 0.5 and own > moved + 0.2, shares


def test_a_hits_groove_over_a_song_without_drums_is_one_line(
    hits_run, tmp_path, capsys):
  tar, run_dir = hits_run
  piano = str(tmp_path / 'piano.mid')
  testing_lib.write_midi(piano, testing_lib.random_melody(1, bars=2))
  output_dir = tmp_path / 'groove'
  assert generate.run([
      GENERATE,
      '--run_dir=%s' % run_dir,
      '--vae_checkpoint_file=%s' % tar, '--mode=reconstruct',
      '--inputs=%s' % piano,
      '--output_dir=%s' % output_dir
  ]) == 1
  testing_lib.assert_one_error_line(
      capsys, 'song piano.mid has no usable window: no drums')
  assert not output_dir.exists()


def test_chords_for_a_hits_groove_say_it_is_not_chord_conditioned(
    hits_run, tmp_path, capsys):
  _, run_dir = hits_run
  output_dir = tmp_path / 'groove'
  assert generate.run([
      GENERATE,
      '--run_dir=%s' % run_dir, '--chords=C G',
      '--output_dir=%s' % output_dir
  ]) == 1
  testing_lib.assert_one_error_line(
      capsys, '; ae-groovae_2bar_hits_control_tfds is not one')
  assert not output_dir.exists()


# --- A band over chords -------------------------------------------------------

MULTITRACK_CHORDS_CONFIGS = [
    'ae-hier-multiperf_vel_1bar_med_chords',
    'lc-hier-multiperf_vel_1bar_med_chords'
]


@pytest.mark.parametrize('config', MULTITRACK_CHORDS_CONFIGS)
def test_band_samples_play_one_chord_of_the_progression_a_bar(
    multitrack_chords_runs, tmp_path, config):
  tar, runs = multitrack_chords_runs
  output_dir = tmp_path / 'generated'
  symbols = _generate_over_chords(runs[config].run_dir, tar, output_dir,
                                  '--num_outputs=3', '--chords=C G Am F')
  # One bar each, sample i over bar i of the progression.
  assert symbols == [
      [(0.0, 'C')], [(0.0, 'G')], [(0.0, 'Am')]]
  _check_shape(testing_lib.MULTITRACK_CHORDS_VAE_CONFIG,
               _generated(str(output_dir)))


def test_band_samples_default_to_the_songs_chords(multitrack_chords_runs,
                                                  tmp_path):
  tar, runs = multitrack_chords_runs
  output_dir = tmp_path / 'generated'
  written = _generate_over_chords(runs[MULTITRACK_CHORDS_CONFIGS[0]].run_dir,
                                  tar, output_dir, '--num_outputs=4')
  songs_chords = {
      figure for progression in testing_lib.CHORD_PROGRESSIONS
      for figure in progression
  }
  assert len(written) == 4
  for (symbol,) in written:
    assert symbol[0] == 0.0 and symbol[1] in songs_chords


def test_band_song_mode_plays_the_progression_bar_by_bar(
    multitrack_chords_runs, tmp_path):
  tar, runs = multitrack_chords_runs
  (symbols,) = _generate_over_chords(
      runs[MULTITRACK_CHORDS_CONFIGS[0]].run_dir, tar, tmp_path / 'songs',
      '--mode=song', '--num_outputs=1', '--form=AB', '--num_bars=4',
      '--chords=C G Am F')
  assert symbols == [(0.0, 'C'), (2.0, 'G'), (4.0, 'Am'), (6.0, 'F')]


def test_an_unreadable_progression_for_a_band_is_one_line(
    multitrack_chords_runs, tmp_path, capsys):
  _, runs = multitrack_chords_runs
  output_dir = tmp_path / 'generated'
  assert generate.run([
      GENERATE,
      '--run_dir=%s' % runs[MULTITRACK_CHORDS_CONFIGS[1]].run_dir,
      '--chords=C H7',
      '--output_dir=%s' % output_dir
  ]) == 1
  testing_lib.assert_one_error_line(
      capsys, "--chords: cannot read chord 'H7' (chord 2 of 2 in 'C H7')")
  assert not output_dir.exists()

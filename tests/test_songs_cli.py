"""midime-train on songs as people have them: a folder of MIDI files in other meters
and with one track per voice trains with the default flags, writes run_dir/songs.tsv
and logs a summary; --meter and --tracks, and their bad values."""

import json
import os

import pytest

import melodies
from conftest import TINY_AE_HPARAMS
from midime.cli import train
from test_song_windows import _hymn


def _song_folder(folder):
  os.makedirs(folder)
  melodies.write_midi(os.path.join(folder, 'waltz.mid'), melodies.random_melody(
      1, bars=8, numerator=3, denominator=4))
  melodies.write_midi(os.path.join(folder, 'jig.mid'), melodies.random_melody(
      2, bars=8, numerator=6, denominator=8))
  melodies.write_midi(os.path.join(folder, 'slip jig.mid'), melodies.random_melody(
      3, bars=8, numerator=3, denominator=8))
  melodies.write_midi(os.path.join(folder, 'hymn.mid'), _hymn())
  return folder


def _train(tiny_vae, examples, run_dir, *extra):
  return train.run(['midime-train', '--config=ae-cat-mel_2bar_big',
                    '--run_dir=%s' % run_dir, '--examples_path=%s' % examples,
                    '--pretrained_path=%s' % tiny_vae.prefix, '--num_steps=2',
                    '--hparams=%s' % TINY_AE_HPARAMS] + list(extra))


def test_songs_in_3_4_6_8_3_8_and_a_hymn_train_with_default_flags(tiny_vae, tmp_path,
                                                                  capfd):
  songs = _song_folder(str(tmp_path / 'songs'))
  run_dir = tmp_path / 'run'
  assert _train(tiny_vae, songs, run_dir) == 0
  log = capfd.readouterr().err
  assert '4 of 4 NoteSequences gave 19 two-bar windows' in log
  assert 're-barred 3 (3/4, 3/8, 6/8) into 16-step bars' in log
  assert 'took the tune of 1 multi-track songs: hymn.mid (Soprano)' in log
  rows = [line.split('\t') for line in
          (run_dir / 'songs.tsv').read_text().splitlines()]
  assert rows[0][:4] == ['song', 'meter', 'tracks', 'windows']
  assert [row[:4] for row in rows[1:]] == [
      ['hymn.mid', '4/4', 'tune: Soprano', '7'],
      ['jig.mid', '6/8 (re-barred)', 'track 0 (program 0)', '5'],
      ['slip jig.mid', '3/8 (re-barred)', 'track 0 (program 0)', '2'],
      ['waltz.mid', '3/4 (re-barred)', 'track 0 (program 0)', '5']]
  with open(run_dir / 'train' / 'midime_config.json') as record:
    assert json.load(record)['tracks'] == 'tune'
  # --tracks=all takes every voice of the hymn: a new cache, four times its windows
  # (other windows for a trained run: --fine_tune says that is meant).
  assert _train(tiny_vae, songs, run_dir, '--tracks=all', '--num_steps=3',
                '--fine_tune') == 0
  assert '4 of 4 NoteSequences gave 40 two-bar windows' in capfd.readouterr().err


def test_strict_meter_drops_the_songs_and_says_why_in_one_line(tiny_vae, tmp_path,
                                                               capfd):
  songs = str(tmp_path / 'songs')
  os.makedirs(songs)
  melodies.write_midi(os.path.join(songs, 'waltz.mid'), melodies.random_melody(
      1, bars=8, numerator=3, denominator=4))
  melodies.write_midi(os.path.join(songs, 'short.mid'), melodies.random_melody(
      2, bars=1))
  run_dir = tmp_path / 'run'
  assert _train(tiny_vae, songs, run_dir, '--meter=strict') == 1
  lines = capfd.readouterr().err.strip().splitlines()
  assert lines[-1] == (
      'error: no two-bar melodies could be extracted from the examples: dropped 1 '
      '(shorter than one window: 16 steps, the model reads 2-bar windows (32 '
      'steps)): short.mid; dropped 1 (3/4 time: bars of 12 steps, the config needs '
      '16-step bars (4/4, 2/2); --meter=rebar reads it as 16-step bars): waltz.mid')
  assert not run_dir.exists()


@pytest.mark.parametrize('flag, message', [
    ('--tracks=Descant,2', 'error: no song has the track(s) descant; the songs have '
     'track names: Alto, Bass, Soprano, Tenor; indexes: 0, 1, 2, 3; programs: 0, 6, '
     '19, 24'),
    ('--tracks=program:128', "error: --tracks: 'program:128' is not a General MIDI "
     'program (program:0 to program:127)'),
    ('--meter=loose', 'error: flag --meter=loose: value should be one of '
     '<rebar|strict>'),
])
def test_bad_track_and_meter_flags_are_one_line_and_write_nothing(tiny_vae, tmp_path,
                                                                  capfd, flag, message):
  songs = _song_folder(str(tmp_path / 'songs'))
  run_dir = tmp_path / 'run'
  assert _train(tiny_vae, songs, run_dir, flag) == 1
  err = capfd.readouterr().err
  assert err.strip().splitlines()[-1].startswith(message)
  assert 'Traceback' not in err
  assert not run_dir.exists()

r"""`make bench`: where the time and memory go, against the original method and
magenta.

Builds full-size MusicVAEs with random weights (the same FLOPs and bytes as the
real ones) once under .cache/bench, then measures on this machine and writes
the report (BENCHMARKS.md), each case rewriting its own part of it:

- main: the whole midime_train.py run against the original method (the frozen
  encoder run on every step, batch 2), encoding against magenta's
  TrainedModel.encode_tensors, sampling against TrainedModel.sample, peak RSS
  of training and generation; at 100, 1,000 and 10,000 examples (8, 64, 512
  outputs);
- songs25: the whole 2,000-step run on 25 folk songs against the original
  method, start-up, encoding against magenta on the same windows, the
  encoder's share of this CPU's matmul rate;
- dedup: duplicate windows in real song sets;
- families: encoding and sampling of full-size hierdec-mel_16bar,
  hierdec-trio_16bar and cat-drums_2bar_small against magenta;
- song: song mode, a 64-bar song from TrainedModel.songs_with_plans once the
  model is loaded (plain and with variation) and the loading, over the bundled
  2-bar and 16-bar folk base models;
- studio: how long after a slider move midime-studio's page can play it
  (decode, render and write on the server, then the WAV fetched), on models
  trained through the studio's own queue over the bundled 2-bar base model.

The full run takes tens of minutes. `--quick` (a few minutes)
checks that every case still runs rather than measuring it: the smallest size
of each main table, measured once; the 25-song run at 200 steps; the demo's
songs only for dedup; cat-drums_2bar_small alone for families; the 2-bar
family alone for song, each song timed once; ae- alone and ten moves for
studio. Its report goes
to .cache/bench/BENCHMARKS-quick.md unless --output says otherwise, so that it
never replaces the full figures.

  python -m benchmarks [--quick] \
      [--only=main,songs25,dedup,families,song,studio] \
      [--output=BENCHMARKS.md]
"""

from absl import app
from absl import flags

from benchmarks import common
from benchmarks import run
from benchmarks import songs25

FLAGS = flags.FLAGS
flags.DEFINE_bool(
    'quick', False,
    'Check that every case runs, in a few minutes: the smallest size of each '
    'main table measured once, the 25-song run at %d steps, dedup on the '
    'demo\'s songs, families on cat-drums_2bar_small alone, song on the '
    '2-bar family alone, studio on ae- alone.' %
    songs25.QUICK_STEPS)
flags.DEFINE_string(
    'output', None,
    'The report to write; default BENCHMARKS.md, or with --quick '
    '.cache/bench/BENCHMARKS-quick.md (never the committed report).')
flags.DEFINE_string(
    'cache_dir', common.DEFAULT_CACHE_DIR,
    'Where the full-size checkpoints, songs and runs are kept between runs.')
flags.DEFINE_integer(
    'repeats', None,
    'Repeats of each throughput measurement; default 3, with --quick 1.')
flags.DEFINE_list(
    'only', [],
    'Run only these cases, each rewriting its own part of the report: %s.' %
    ', '.join(run.CASES))
flags.DEFINE_integer(
    'steps', None,
    'Training steps of the songs25 case; default %d, with --quick %d.' %
    (songs25.STEPS, songs25.QUICK_STEPS))


def main(argv):
  if len(argv) > 1:
    raise app.UsageError('unexpected arguments: %s' % ' '.join(argv[1:]))
  unknown = run.unknown_cases(FLAGS.only)
  if unknown:
    raise app.UsageError('unknown --only case(s): %s (the cases: %s)' %
                         (', '.join(unknown), ', '.join(run.CASES)))
  settings = run.make_settings(FLAGS.quick, FLAGS.only, FLAGS.output,
                               FLAGS.cache_dir, FLAGS.repeats, FLAGS.steps)
  seconds = run.run_cases(settings, FLAGS.only)
  print('Wrote %s in %.0f s.' % (settings.output, seconds))


if __name__ == '__main__':
  app.run(main)

r"""Public-domain tunes in chosen meters as MIDI files: the first few of each
meter in Aird's Selection of Scotch, English, Irish and Foreign Airs
(1782-1803), which music21's corpus ships as ABC. The base model
(model/folk-mel_2bar.tar) was trained on O'Neill's and Ryan's books only, so it
never saw these.

  .venv/bin/pip install -r requirements-tools.txt -c constraints.txt   # music21
  .venv/bin/python -m tools.airds_tunes --meters=3/4,6/8,3/8 --per_meter=8 \
      --output_dir=tmp/airds

The README's check of songs in other meters trains on that folder with the
default flags (they are re-barred) and compares with midime_evaluate.py.
"""

import os
import re

from absl import app
from absl import flags

FLAGS = flags.FLAGS
flags.DEFINE_list('meters', ['3/4', '6/8', '3/8'],
                  'ABC meters (M: fields) to take.')
flags.DEFINE_integer('per_meter', 8, 'Tunes of each meter.')
flags.DEFINE_string('output_dir', 'tmp/airds', 'Where the MIDI files go.')

BOOKS = ['airdsAirs/book%d.abc' % number for number in range(1, 7)]
MIN_QUARTERS = 12  # a tune shorter than this is a fragment, not a tune


def tunes_in_meters(meters):
  """(meter, title, ABC text) of every tune of Aird's books in `meters`, book
  order."""
  from music21 import corpus  # pylint: disable=g-import-not-at-top
  paths = {str(path).replace(os.sep, '/') for path in corpus.getCorePaths()}
  for book in BOOKS:
    (path,) = [path for path in paths if path.endswith(book)]
    with open(path, encoding='latin-1') as abc:
      text = abc.read()
    for tune in re.split(r'\n(?=X:)', text):
      meter = re.search(r'^M:\s*(\S+)', tune, re.M)
      title = re.search(r'^T:\s*(.+)$', tune, re.M)
      if meter and title and meter.group(1) in meters:
        yield meter.group(1), title.group(1).strip(), tune


def main(unused_argv):
  from music21 import converter  # pylint: disable=g-import-not-at-top
  os.makedirs(FLAGS.output_dir, exist_ok=True)
  written = dict.fromkeys(FLAGS.meters, 0)
  for meter, title, tune in tunes_in_meters(set(FLAGS.meters)):
    if written[meter] >= FLAGS.per_meter:
      continue
    name = '%s_%s.mid' % (meter.replace('/', '-').replace(
        '|', 'cut'), re.sub(r'[^A-Za-z0-9]+', '_', title).strip('_')[:40])
    try:
      score = converter.parse(tune, format='abc')
      if score.highestTime < MIN_QUARTERS:
        continue
      score.write('midi', fp=os.path.join(FLAGS.output_dir, name))
    except Exception as error:  # pylint: disable=broad-except
      # A few tunes' ABC is beyond music21 (it fails reading or writing them).
      print('skipped %s (%s)' % (title, type(error).__name__))
      continue
    written[meter] += 1
  print('wrote %s to %s' %
        (', '.join('%d in %s' % (count, meter)
                   for meter, count in written.items()), FLAGS.output_dir))


if __name__ == '__main__':
  app.run(main)

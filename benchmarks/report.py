"""The Markdown report: its head, written by the main tables, and the marked
sections that each other case rewrites in place."""

import os

SECTION_BEGIN = '<!-- bench:%s -->'
SECTION_END = '<!-- /bench:%s -->'
_ANY_SECTION = '<!-- bench:'


def _read(path):
  if not os.path.exists(path):
    return ''
  with open(path, encoding='utf-8') as report:
    return report.read()


def _write(path, text):
  """Writes `text` to `path` through a temporary file, so a report is whole."""
  folder = os.path.dirname(path)
  if folder:
    os.makedirs(folder, exist_ok=True)
  with open(path + '.tmp', 'w', encoding='utf-8') as report:
    report.write(text)
  os.replace(path + '.tmp', path)


def write_section(path, name, lines):
  """Puts `lines` into the report as section `name`.

  The section replaces that section's previous run, or goes at the end.

  Args:
    path: the report (created when missing).
    name: the section's name, in its begin and end markers.
    lines: its Markdown lines.
  """
  text = _read(path) or '# Benchmarks\n'
  begin, end = SECTION_BEGIN % name, SECTION_END % name
  block = '\n'.join([begin] + list(lines) + [end])
  if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
  else:
    text = text.rstrip('\n') + '\n\n' + block + '\n'
  _write(path, text)


def sections_of(path):
  """The marked sections of the report at `path` and what follows them."""
  text = _read(path)
  first = text.find(_ANY_SECTION)
  return '' if first < 0 else text[first:]


def section_names(path):
  """The names of the marked sections of the report at `path`, in order."""
  names = []
  for part in _read(path).split(_ANY_SECTION)[1:]:
    names.append(part.split(' -->', 1)[0])
  return names


def write_head(path, lines):
  """Rewrites the report's head (all before its first marked section).

  Args:
    path: the report (created when missing).
    lines: the head's Markdown lines; the marked sections are kept after it.
  """
  kept = sections_of(path)
  _write(path, '\n'.join(lines) + ('\n' + kept if kept else ''))


def repeats_note(repeats):
  """'1 repeat', '3 repeats'."""
  return '%d repeat%s' % (repeats, '' if repeats == 1 else 's')


def throughput_table(rows, size_key, rate_format):
  """A Markdown table of ours against magenta's rate, one row per size.

  Args:
    rows: dicts with `size_key`, 'ours', 'magenta' and 'repeats'.
    size_key: the column of sizes ('examples', 'outputs').
    rate_format: the rates' format, e.g. '%.0f'.

  Returns:
    The table's lines.
  """
  lines = [
      '| %s | ours | magenta | ratio | goal ≥ 0.9× |' % size_key,
      '| ---: | ---: | ---: | ---: | --- |'
  ]
  for row in rows:
    ratio = row['ours'] / row['magenta']
    lines.append(
        ('| %d | ' + rate_format + ' | ' + rate_format + ' | %.2f× | %s (%s) |')
        % (row[size_key], row['ours'], row['magenta'], ratio,
           'met' if ratio >= 0.9 else 'not met', repeats_note(row['repeats'])))
  return lines

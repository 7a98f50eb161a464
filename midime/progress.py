"""Progress lines with an estimate of the time left, for encoding and training.

The estimate is the work left divided by the rate since the job (not the
process)
started: a long import or a checkpoint load before the first unit of work does
not make the estimate pessimistic.
"""

import time


def format_duration(seconds):
  """`seconds` for a person: '8 s', '2 min 05 s', '1 h 03 min'."""
  seconds = int(round(max(seconds, 0)))
  if seconds < 60:
    return '%d s' % seconds
  if seconds < 3600:
    return '%d min %02d s' % divmod(seconds, 60)
  return '%d h %02d min' % (seconds // 3600, seconds % 3600 // 60)


def time_left(units_left, units_per_second):
  """'2 min 05 s left', or 'time left unknown' before any rate is known."""
  if not units_per_second or units_per_second <= 0:
    return 'time left unknown'
  return '%s left' % format_duration(units_left / units_per_second)


class Progress(object):
  """Counts `done` of `total` units of work since it was made.

  `line(what)` gives e.g. 'encoded 512/2618 windows (84/s, 25 s left)'; `due()`
  says whether a line is due (every `every_s` seconds, and at the end) so that
  loops can log without flooding.
  """

  def __init__(self, total, done=0, every_s=5.0, clock=time.monotonic):
    self.total = total
    self.done = done
    self._first = done
    self._clock = clock
    self._start = self._last_line = clock()
    self._every_s = every_s

  def update(self, done):
    """Records that `done` units are finished."""
    self.done = done

  @property
  def rate(self):
    """Units per second since this Progress was made (None before any)."""
    elapsed = self._clock() - self._start
    if self.done <= self._first or elapsed <= 0:
      return None
    return (self.done - self._first) / elapsed

  def due(self):
    """True every `every_s` seconds and when all is done; resets the timer."""
    now = self._clock()
    if self.done >= self.total or now - self._last_line >= self._every_s:
      self._last_line = now
      return True
    return False

  def line(self, what, unit=''):
    """'<what> <done>/<total><unit> (<rate>/s, <time> left)'."""
    rate = self.rate
    return '%s %d/%d%s (%s/s, %s)' % (
        what, self.done, self.total, unit and ' ' + unit,
        '?' if rate is None else '%.0f' % rate if rate >= 10 else '%.1f' % rate,
        'done in %s' % format_duration(self._clock() - self._start)
        if self.done >= self.total else time_left(self.total - self.done, rate))

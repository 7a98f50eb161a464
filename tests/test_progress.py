"""progress.py: the time-left estimate of encoding and training."""

from midime import progress


class FakeClock(object):

  def __init__(self):
    self.now = 100.0

  def __call__(self):
    return self.now


def test_format_duration_reads_like_a_person_would_say_it():
  assert progress.format_duration(8.4) == '8 s'
  assert progress.format_duration(125) == '2 min 05 s'
  assert progress.format_duration(3 * 3600 + 7 * 60 + 30) == '3 h 07 min'
  assert progress.format_duration(-3) == '0 s'


def test_time_left_is_the_work_left_at_the_rate_so_far():
  assert progress.time_left(300, 10.0) == '30 s left'
  assert progress.time_left(300, 0) == 'time left unknown'
  assert progress.time_left(300, None) == 'time left unknown'


def test_progress_line_estimates_from_the_work_done_since_it_started():
  clock = FakeClock()
  job = progress.Progress(1000, done=200, every_s=5, clock=clock)
  assert job.line(
      'encoded',
      'windows') == ('encoded 200/1000 windows (?/s, time left unknown)')
  clock.now += 4
  job.update(600)  # 400 in 4 s since it started: 100/s, 400 left
  assert job.rate == 100
  assert job.line('encoded',
                  'windows') == 'encoded 600/1000 windows (100/s, 4 s left)'
  clock.now += 4
  job.update(1000)
  assert job.line('step') == 'step 1000/1000 (100/s, done in 8 s)'


def test_a_line_is_due_every_few_seconds_and_at_the_end():
  clock = FakeClock()
  job = progress.Progress(10, every_s=5, clock=clock)
  job.update(1)
  assert not job.due()
  clock.now += 5
  assert job.due()
  assert not job.due()  # the timer restarted
  job.update(10)
  assert job.due()

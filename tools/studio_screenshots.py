r"""Pictures of MidiMe Studio for the docs, taken in headless Chromium (Debian's
chromium and chromium-driver) from a studio over the bundled 2-bar base model
and example songs: the songs, training and listening (docs/studio.png) and
steering with a whole song (docs/studio-steer.png).

  .venv/bin/python -m tools.studio_screenshots [--out_dir=docs]
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from absl import app
from absl import flags
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLAGS = flags.FLAGS
flags.DEFINE_string('out_dir', os.path.join(REPO, 'docs'),
                    'Where the pictures go.')
flags.DEFINE_integer('num_steps', 300, 'Training steps of the pictured run.')
WAIT_SECONDS = 300


def chromium_driver(download_dir, width=1280, height=1600):
  """Headless Chromium with what a closed network needs (no background
  connections, no first-run pages), downloading into `download_dir`; the
  chromedriver Debian installs beside it (Selenium Manager, which would
  download one, is never asked)."""
  options = webdriver.ChromeOptions()
  options.binary_location = (shutil.which('chromium') or
                             shutil.which('chromium-browser'))
  for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                   '--disable-dev-shm-usage', '--no-first-run',
                   '--disable-background-networking',
                   '--disable-component-update', '--disable-sync',
                   '--autoplay-policy=no-user-gesture-required',
                   '--hide-scrollbars', '--window-size=%d,%d' % (width,
                                                                 height)):
    options.add_argument(argument)
  options.add_experimental_option('prefs', {
      'download.default_directory': download_dir,
      'download.prompt_for_download': False,
  })
  return webdriver.Chrome(service=Service(shutil.which('chromedriver')),
                          options=options)


def _serve(data_dir):
  with socket.socket() as probe:
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
  server = subprocess.Popen(
      [sys.executable, '-m', 'midime.cli.studio', '--port=%d' % port,
       '--data_dir=' + data_dir, '--seed=1', '--log=WARNING'], cwd=REPO)
  url = 'http://127.0.0.1:%d' % port
  for _ in range(240):
    try:
      urllib.request.urlopen(url + '/api/info', timeout=5)
      return server, url
    except OSError:
      time.sleep(0.25)
  server.kill()
  raise RuntimeError('the studio did not start')


def _wait(driver, check, timeout=WAIT_SECONDS):
  return WebDriverWait(driver, timeout).until(lambda _: check())


def take(out_dir, num_steps):
  """Drives the studio through the loop and writes the two pictures."""
  scratch = tempfile.mkdtemp(prefix='midime-screenshots-')
  server, url = _serve(os.path.join(scratch, 'data'))
  driver = chromium_driver(scratch, height=2300)
  driver.set_window_size(1280, 2300)
  try:
    driver.get(url)
    _wait(driver, lambda: driver.find_elements(
        By.CSS_SELECTOR, '#base-model-select option'))
    driver.find_element(By.ID, 'run-name').send_keys('Hornpipes')
    driver.find_element(By.ID, 'examples-button').click()
    _wait(driver, lambda: driver.find_elements(
        By.CSS_SELECTOR, '#songs-table tbody tr'))
    steps = driver.find_element(By.ID, 'num-steps')
    steps.clear()
    steps.send_keys(str(num_steps))
    driver.find_element(By.ID, 'train-button').click()
    _wait(driver, lambda: 'Trained' in driver.find_element(
        By.ID, 'train-status').text)
    driver.find_element(By.ID, 'num-outputs').clear()
    driver.find_element(By.ID, 'num-outputs').send_keys('2')
    driver.find_element(By.ID, 'sample-button').click()
    _wait(driver, lambda: len(driver.find_elements(
        By.CSS_SELECTOR, '#prior-outputs .card')) == 2)
    _wait(driver, lambda: driver.find_elements(
        By.CSS_SELECTOR, '#slider-output .card'))
    time.sleep(1)
    os.makedirs(out_dir, exist_ok=True)
    driver.execute_script('window.scrollTo(0, 0)')
    driver.save_screenshot(os.path.join(out_dir, 'studio.png'))

    driver.find_element(By.ID, 'slider-1').send_keys(Keys.ARROW_RIGHT * 20)
    song_bars = driver.find_element(By.ID, 'song-bars')
    song_bars.send_keys('32')
    driver.find_element(By.ID, 'song-button').click()
    _wait(driver, lambda: driver.find_elements(
        By.CSS_SELECTOR, '#song-output .card'))
    # Tall enough for the whole section, which an element's picture needs.
    driver.set_window_size(1280, 3400)
    time.sleep(1)
    driver.find_element(By.ID, 'steer-section').screenshot(
        os.path.join(out_dir, 'studio-steer.png'))
  finally:
    driver.quit()
    server.send_signal(signal.SIGINT)
    server.wait(timeout=120)
    shutil.rmtree(scratch, ignore_errors=True)


def main(argv):
  del argv
  take(FLAGS.out_dir, FLAGS.num_steps)
  for name in ('studio.png', 'studio-steer.png'):
    path = os.path.join(FLAGS.out_dir, name)
    print('Wrote %s (%d KB).' % (path, os.path.getsize(path) // 1024))


if __name__ == '__main__':
  app.run(main)

"""MidiMe Studio in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven by Selenium through the loop a musician follows: a bad
upload refused in the page, songs uploaded, their table, training with
progress, samples beside the plain MusicVAE, a slider moved and heard, a MIDI
file downloaded.

Without chromium the test is skipped, saying how to install it; CI installs it
and sets MIDIME_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests import testing_lib

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
CHROMEDRIVER = shutil.which('chromedriver')
TRAIN_STEPS = 40
WAIT_SECONDS = 240

if not (CHROMIUM and CHROMEDRIVER):
  if os.environ.get('MIDIME_REQUIRE_BROWSER'):
    raise RuntimeError('MIDIME_REQUIRE_BROWSER is set but chromium or '
                       'chromedriver is missing: apt-get install chromium '
                       'chromium-driver')
  pytest.skip('the browser test needs Debian\'s chromium and chromium-driver '
              '(apt-get install chromium chromium-driver); CI installs them',
              allow_module_level=True)


def chromium_driver(download_dir, width=1280, height=1600):
  """Headless Chromium with what this closed network needs (no background
  connections, no first-run pages), downloading into `download_dir`."""
  options = webdriver.ChromeOptions()
  options.binary_location = CHROMIUM
  for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                   '--disable-dev-shm-usage', '--no-first-run',
                   '--disable-background-networking',
                   '--disable-component-update', '--disable-sync',
                   '--autoplay-policy=no-user-gesture-required',
                   '--window-size=%d,%d' % (width, height)):
    options.add_argument(argument)
  options.add_experimental_option('prefs', {
      'download.default_directory': download_dir,
      'download.prompt_for_download': False,
  })
  # The driver Debian installs beside chromium: Selenium Manager, which
  # would download one, is never asked.
  return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser(tmp_path):
  download_dir = str(tmp_path / 'downloads')
  os.makedirs(download_dir)
  driver = chromium_driver(download_dir)
  driver.download_dir = download_dir
  try:
    yield driver
  finally:
    driver.quit()


def _wait(driver, check, what, timeout=WAIT_SECONDS):
  return WebDriverWait(driver, timeout).until(
      lambda _: check(), message='waited %d s for %s' % (timeout, what))


def _text(driver, element_id):
  return driver.find_element(By.ID, element_id).text


def test_upload_train_listen_steer_and_download_in_a_browser(
    browser, studio_material, tmp_path):
  server = testing_lib.StudioServer(str(tmp_path / 'data'), studio_material)
  try:
    _the_loop(browser, server, studio_material, tmp_path)
  finally:
    status, printed = server.stop()
    assert status == 0, printed
    assert 'Traceback' not in printed, printed


def _the_loop(driver, server, material, tmp_path):
  driver.get(server.url)
  _wait(driver, lambda: driver.find_elements(By.CSS_SELECTOR,
                                             '#base-model-select option'),
        'the page to load the models')
  assert driver.title == 'MidiMe Studio'

  # A file that claims to be MIDI but is not: the server's refusal, in the
  # page, naming it.
  fake = tmp_path / 'fake.mid'
  fake.write_bytes(b'this is not a MIDI file')
  driver.find_element(By.ID, 'file-input').send_keys(str(fake))
  driver.find_element(By.ID, 'upload-button').click()
  _wait(driver, lambda: _text(driver, 'songs-error'), 'the upload error')
  assert 'fake.mid is not a MIDI file' in _text(driver, 'songs-error')
  assert driver.find_element(By.ID, 'run-select').get_attribute('value') == ''

  # Two songs.
  songs = [os.path.join(material.examples_dir, name)
           for name in sorted(os.listdir(material.examples_dir))[:2]]
  chooser = driver.find_element(By.ID, 'file-input')
  chooser.clear()  # a person choosing again replaces the choice
  chooser.send_keys('\n'.join(songs))
  assert '2 song file(s) chosen' in _text(driver, 'chosen-files')
  driver.find_element(By.ID, 'run-name').send_keys('browser tunes')
  driver.find_element(By.ID, 'upload-button').click()
  rows = _wait(driver, lambda: driver.find_elements(
      By.CSS_SELECTOR, '#songs-table tbody tr'), 'the songs table')
  assert [row.text.split()[0] for row in rows] == ['tune0.mid', 'tune1.mid']
  assert not driver.find_element(By.ID, 'songs-error').is_displayed()

  # Train, watching progress.
  steps = driver.find_element(By.ID, 'num-steps')
  steps.clear()
  steps.send_keys(str(TRAIN_STEPS))
  driver.find_element(By.ID, 'train-button').click()
  _wait(driver, lambda: 'Training' in _text(driver, 'train-status') or
        'Trained' in _text(driver, 'train-status'), 'training to start')
  _wait(driver, lambda: 'Trained' in _text(driver, 'train-status'),
        'training to finish')
  assert 'step %d of %d' % (TRAIN_STEPS, TRAIN_STEPS) in _text(
      driver, 'train-status')
  assert driver.find_element(By.ID, 'loss-chart').is_displayed()

  # Listen: the model beside the plain MusicVAE, each with audio.
  driver.find_element(By.ID, 'sample-button').click()
  _wait(driver, lambda: len(driver.find_elements(
      By.CSS_SELECTOR, '#prior-outputs .card')) == 4, 'the samples')
  assert len(driver.find_elements(By.CSS_SELECTOR,
                                  '#personal-outputs .card')) == 4
  durations = _wait(driver, lambda: driver.execute_script(
      "const a = document.querySelectorAll('#personal-outputs audio');"
      "return Array.from(a).every(x => x.duration > 0) && "
      "Array.from(a).map(x => x.duration);"), 'the audio to load')
  assert all(seconds >= 4.0 for seconds in durations)

  # Steer: a slider moved by the keyboard is decoded and heard.
  _wait(driver, lambda: len(driver.find_elements(
      By.CSS_SELECTOR, '#sliders input[type=range]')) == 4, 'four sliders')
  # Read in one script: the page replaces the card on each decode, which
  # would leave an element found before it stale.

  def slider_midi():
    return driver.execute_script(
        "const card = document.querySelector('#slider-output .card');"
        "return card && card.dataset.midi;")

  before = _wait(driver, slider_midi, 'the song\'s slider output')
  slider = driver.find_element(By.ID, 'slider-0')
  slider.send_keys(Keys.ARROW_RIGHT * 10)
  _wait(driver, lambda: slider_midi() not in (None, before),
        'the moved slider to be decoded')
  assert 'heard' in _text(driver, 'slider-latency')
  assert driver.find_element(By.CSS_SELECTOR,
                             '#slider-0 + output').text != '0.00'

  # Download a sample's MIDI file through the page's link.
  link = driver.find_element(By.CSS_SELECTOR,
                             '#personal-outputs .card a.download-midi')
  link.click()
  downloaded = _wait(driver, lambda: [
      name for name in os.listdir(driver.download_dir)
      if name.endswith('.mid')], 'the download', timeout=30)
  with open(os.path.join(driver.download_dir, downloaded[0]), 'rb') as midi:
    assert midi.read(4) == b'MThd'
  assert driver.find_element(By.ID, 'bundle-link').get_attribute(
      'href').endswith('/bundle')
  # No script error; the one refused request is the bad upload's.
  severe = [entry for entry in driver.get_log('browser')
            if entry['level'] == 'SEVERE']
  refused = [entry for entry in severe if entry['source'] == 'network']
  assert [entry for entry in severe if entry not in refused] == []
  assert len(refused) == 1 and '/api/runs - ' in refused[0]['message'] and (
      '400' in refused[0]['message'])

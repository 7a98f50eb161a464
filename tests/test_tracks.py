"""tracks.py: choosing the tracks of a song to read."""

import pytest

from midime import tracks


@pytest.mark.parametrize('value, message', [
    ('program:200', 'not a General MIDI program'), ('Soprano,,Alto', 'empty item')])
def test_bad_track_lists_are_refused(value, message):
  with pytest.raises(ValueError, match=message):
    tracks.parse_track_choice(value)

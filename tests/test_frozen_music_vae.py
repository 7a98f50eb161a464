"""frozen_music_vae.py: the MusicVAE configs, with the sizes a checkpoint
records."""

import pytest

from midime import frozen_music_vae
from midime.errors import UserError


def test_music_vae_config_applies_stored_sizes():
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big', {'z_size': 16})
  assert config.hparams.z_size == 16
  with pytest.raises(UserError, match='unknown MusicVAE config'):
    frozen_music_vae.music_vae_config('cat-mel_3bar_huge')

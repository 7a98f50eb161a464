"""SmallMusicVAE (MidiMe), as in the original layout; it lives in
midime/ae_model.py."""

from midime.ae_model import *  # noqa: F401,F403
from midime.ae_model import SmallMusicVAE  # noqa: F401

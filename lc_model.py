"""LCMusicVAE, as in the original layout; it lives in midime/lc_model.py."""

from midime.lc_model import *  # noqa: F401,F403
from midime.lc_model import LCMusicVAE  # noqa: F401

"""The config registry, as in the original layout: `configs.CONFIG_MAP` maps
names like `ae-cat-mel_2bar_big` to a small model, its hyperparameters and its
data pipeline. It lives in midime/configs.py; this module keeps `import configs`
working from a checkout."""

from midime.configs import *  # noqa: F401,F403
# Re-exported by name for the original layout's `import configs`.
from midime.configs import (  # noqa: F401
    CONFIG_MAP, Config, get_config, update_config)

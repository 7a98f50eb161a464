"""The registered config names, readable without importing TensorFlow or magenta (for
`--help`); tests/test_configs.py checks that they match configs.CONFIG_MAP."""

CONFIG_NAMES = (
    'ae-cat-mel_2bar_big',
    'lc-cat-mel_2bar_big',
)

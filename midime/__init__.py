"""SmallMusicVAE: MidiMe for Python. Personalize a pretrained Magenta MusicVAE with a few
of your songs.

    import midime
    bundle = midime.train('ae-cat-mel_2bar_big', 'run', 'songs/', 'model/base.tar')
    with midime.load(bundle) as model:
      melodies = model.sample(4)

Importing `midime` is cheap: TensorFlow and magenta load when a function that needs
them is first called (`load`, `train`: see midime.api).
"""

__version__ = '0.2.0'
__all__ = ['load', 'train', 'Model']


def __getattr__(name):
  # PEP 562: midime.load etc. import midime.api (and TensorFlow) on first use only.
  if name in __all__:
    from midime import api  # pylint: disable=g-import-not-at-top
    return getattr(api, name)
  raise AttributeError('module %r has no attribute %r' % (__name__, name))

"""SmallMusicVAE: MidiMe for Python. Personalise a pretrained Magenta MusicVAE with a few
of your songs.

Importing `midime` is cheap: TensorFlow and magenta load when a function that needs
them is first called.
"""

__version__ = '0.2.0'

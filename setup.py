"""SmallMusicVAE: personalise a pretrained Magenta MusicVAE with a few of your songs.

Install with `make venv` (see Makefile): magenta 2.1.4 must be installed with
--no-deps, because its own pins (tensorflow==2.9.1, numpy==1.21.6) cannot install on
Python 3.11, while its MusicVAE code runs on the versions in requirements.txt.
"""

from setuptools import setup

setup(
    name='smallmusicvae',
    version='0.1.0',
    description='MidiMe for Python: small VAEs on a pretrained MusicVAE latent space',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.10',
    py_modules=[
        'ae_model', 'base_model', 'checkpoints', 'configs', 'errors', 'evaluation',
        'frozen_music_vae', 'generation', 'latent_cache', 'lc_model', 'melody_slices',
        'midime_evaluate', 'midime_generate', 'midime_train', 'music_metrics',
        'note_sequence_io', 'piano_roll', 'random_music_vae', 'tf_setup', 'training',
        'workflows',
    ],
    install_requires=[
        # magenta==2.1.4 too, installed separately with --no-deps (see above).
        'tensorflow==2.21.0',
        'tf-keras==2.21.0',
        'tensorflow-probability==0.25.0',
        'tf-slim==1.1.0',
        'note-seq==0.0.5',
        'tensorflow-datasets==4.9.10',
        'absl-py==2.5.1',
        'numpy==2.4.6',
        'matplotlib==3.11.2',
    ],
    entry_points={
        'console_scripts': [
            'midime_train=midime_train:console_entry_point',
            'midime_generate=midime_generate:console_entry_point',
            'midime_evaluate=midime_evaluate:console_entry_point',
        ],
    },
)

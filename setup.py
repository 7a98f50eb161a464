"""SmallMusicVAE: personalize a pretrained Magenta MusicVAE with a few of your
songs.

    pip install -c constraints.txt .
    pip install --no-deps magenta==2.1.4

magenta 2.1.4 is installed apart, with --no-deps: its own pins
(tensorflow==2.9.1, numpy==1.21.6) cannot install on Python 3.11+, while its
MusicVAE code runs on the versions below. `constraints.txt` pins the versions
this project is tested with; the ranges here are what the code needs.
"""

import setuptools

setuptools.setup(
    name='smallmusicvae',
    version='0.2.0',
    description=(
        'MidiMe for Python: small VAEs on a pretrained MusicVAE latent space'),
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    # numpy 2.4 and TensorFlow 2.21 need 3.11 at least; CI tests 3.11 (.ci/run).
    python_requires='>=3.11',
    packages=setuptools.find_packages(include=['midime', 'midime.*']),
    include_package_data=True,
    package_data={'midime.studio': ['static/*']},
    install_requires=[
        # magenta>=2.1.4 too, installed with --no-deps (see above).
        'tensorflow>=2.16,<2.22',
        'tf-keras>=2.16,<2.22',  # magenta needs Keras 2 (TF_USE_LEGACY_KERAS=1)
        'tensorflow-probability>=0.24,<0.26',
        'tf-slim>=1.1',
        'note-seq>=0.0.5',
        'tensorflow-datasets>=4.9',
        'absl-py>=1.0',
        'numpy>=1.26',
        'matplotlib>=3.7',
        # midime-studio: a small ASGI app and server, nothing fetched at run
        # time (docs/studio.md says why these).
        'starlette>=0.40',
        'uvicorn>=0.30',
        'python-multipart>=0.0.9',
    ],
    extras_require={
        # httpx2: starlette's test client; selenium drives Debian's chromium;
        # nbclient and ipykernel run notebooks/ headless in the test suite.
        'test': [
            'pytest>=7', 'flake8>=7', 'httpx2>=2.16', 'selenium>=4.20',
            'nbclient>=0.10', 'nbformat>=5.9', 'ipykernel>=6.25',
            'ipywidgets>=8'
        ],
        'notebook': ['jupyterlab>=4', 'ipykernel>=6.25', 'ipywidgets>=8'],
        'tensorboard': ['tensorboard>=2.16'],
    },
    entry_points={
        'console_scripts': [
            'midime-train=midime.cli.train:main',
            'midime-generate=midime.cli.generate:main',
            'midime-evaluate=midime.cli.evaluate:main',
            'midime-studio=midime.cli.studio:main',
        ],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.11',
        'Topic :: Multimedia :: Sound/Audio :: MIDI',
    ],
)

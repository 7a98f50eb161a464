"""MidiMe Studio: the train-listen-steer loop in a local web page.

Bottom to top: `runs` (runs on disk under the data folder: songs, settings,
status, outputs), `uploads` (what the browser may send), `base_models` (the
MusicVAE checkpoints offered), `worker` (one training, in a process of its
own), `trainer` (the queue: one training at a time), `listening` (trained
models decoding for the page), `app` (the HTTP routes and the page).
"""

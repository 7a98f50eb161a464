"""Registers the shared fixtures, which tests/testing_lib.py defines."""

from tests import testing_lib

chords_material = testing_lib.chords_material
chords_runs = testing_lib.chords_runs
family_material = testing_lib.family_material
multitrack_chords_runs = testing_lib.multitrack_chords_runs
run_program = testing_lib.run_program
small_disk = testing_lib.small_disk
studio_material = testing_lib.studio_material
songs_tfrecord = testing_lib.songs_tfrecord
tiny_vae = testing_lib.tiny_vae
trained_models = testing_lib.trained_models

"""The command-line programs: `midime-train`, `midime-generate`,
`midime-evaluate` (and `python midime_train.py` ... from a checkout). Each
parses its flags and calls one library function; nothing here imports TensorFlow
until work begins, so `--help` answers at once."""

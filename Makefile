# SmallMusicVAE: `make demo` and `make test` are all a new user needs.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Written after a complete install, so an interrupted one is redone.
VENV_STAMP := $(VENV)/.installed

.PHONY: venv test test-slow demo studio bench lint format clean-venv

venv: $(VENV_STAMP)

$(VENV_STAMP): setup.py constraints.txt
	@echo "Creating $(VENV) (TensorFlow, magenta, note-seq, TensorBoard; about 3 GB, a few minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,tensorboard]'
	@# magenta 2.1.4 pins tensorflow==2.9.1 and numpy==1.21.6, which do not install on
	@# Python 3.11; its MusicVAE code runs on the versions above, so skip its pins.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps magenta==2.1.4
	@# --audio's renderer; its declared pyaudio (live playback, unused) needs PortAudio.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt tinysoundfont
	$(PY) -c "import midime.tf_setup, magenta.models.music_vae" && touch $(VENV_STAMP)

# The suite without the full-size checkpoints (a few minutes on 2 cores); test-slow runs
# those (the original commands over a 134.6 M-parameter cat-mel_2bar_big). CI runs both.
test: venv
	$(PY) -m pytest -q -m "not slow" tests

test-slow: venv
	$(PY) -m pytest -q -m slow tests

# Style: magenta's Google Python style, 2-space indentation, 80 columns (.flake8).
# CI runs it. `make format` rewrites what yapf can (.style.yapf); lint decides.
LINTED := midime tests tools benchmarks demo.py setup.py midime_train.py \
	midime_generate.py midime_evaluate.py configs.py ae_model.py lc_model.py

lint: venv
	$(PY) -m flake8 $(wildcard $(LINTED))

format: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt yapf
	$(PY) -m yapf -i -r $(wildcard $(LINTED))

# SmallMusicVAE on data/folk_examples.tfrecord over model/folk-mel_16bar.tar (into
# out/16bar/) and model/folk-mel_2bar.tar (into out/), offline: MIDI and WAV files, the
# pictures and the evaluations. A second run reuses the runs; delete out/ to start over.
demo: venv
	$(PY) demo.py --out_dir=out

# MidiMe Studio, the loop in the browser (offline): open the address it prints.
# Runs live in ~/midime-studio (STUDIO_ARGS="--data_dir=... --port=..." to
# change; `.venv/bin/midime-studio --help` for the rest).
studio: venv
	$(PY) -m midime.cli.studio $(STUDIO_ARGS)

# The same loop in a notebook (notebooks/personalize.ipynb), opened in JupyterLab
# with the widgets its sliders need. Not run by CI: the test suite executes the
# notebook headless (tests/test_notebook.py).
.PHONY: notebook
notebook: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[notebook]'
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) notebooks/personalize.ipynb

# BENCHMARKS.md (benchmarks/, `python -m benchmarks --help`): the whole training
# run against the original method, encoding and sampling against magenta, peak
# memory, the 25-song run, duplicate windows, the other families, song mode
# and the studio's sliders (tens of minutes). ONLY=main (or songs25, dedup,
# families, song, studio;
# comma-separated) runs those cases alone, each rewriting its own part of the
# report.
# QUICK=1 checks that every case still runs (about 3 minutes on 2 cores, the
# checkpoints built included; CI runs it): the smallest size of each main table
# measured once, the 25-song run at 200 steps, dedup on the demo's songs,
# families on cat-drums_2bar_small alone, song on the 2-bar family alone, studio
# on ae- alone. It
# writes .cache/bench/BENCHMARKS-quick.md, not BENCHMARKS.md; BENCH_OUTPUT=path
# chooses.
bench: venv
	$(PY) -m benchmarks $(if $(QUICK),--quick,) $(if $(ONLY),--only=$(ONLY),) \
	  $(if $(BENCH_OUTPUT),--output=$(BENCH_OUTPUT),)

clean-venv:
	rm -rf $(VENV)

# The demo's data and base model, made by tools/ (music21 reads the ABC tune books;
# it is a tool for making data, not a dependency of SmallMusicVAE).
TOOLS_STAMP := $(VENV)/.tools-installed

.PHONY: folk-corpus base-model base-model-16bar

$(TOOLS_STAMP): $(VENV_STAMP) requirements-tools.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt -c constraints.txt
	touch $(TOOLS_STAMP)

# Folk tunes in every meter from O'Neill's and Ryan's collections as NoteSequences, in
# .cache/folk_corpus (about 3 minutes the first time), and the example songs in
# data/folk_examples.tfrecord and data/folk_examples/*.mid.
folk-corpus: $(TOOLS_STAMP)
	$(PY) -m tools.folk_corpus --write_examples

# Trains model/folk-mel_2bar.tar on the folk corpus: about 40 minutes on two CPU
# cores (10,000 steps). Resumes from .cache/folk-mel_2bar/train when interrupted;
# `rm -rf .cache/folk-mel_2bar` to start over. Then reports held-out accuracy.
base-model: $(TOOLS_STAMP)
	$(PY) -m tools.train_base_model
	$(PY) -m tools.evaluate_base_model

# Trains model/folk-mel_16bar.tar (hierdec-mel_16bar's graph, every meter): about 2 h 40
# min on two CPU cores (8,000 steps). Resumes from .cache/folk-mel_16bar/train.
base-model-16bar: $(TOOLS_STAMP)
	$(PY) -m tools.train_base_model --model=folk-mel_16bar
	$(PY) -m tools.evaluate_base_model --base_model=folk-mel_16bar --train_sample=500

# The toolkit as a package: installed into a fresh virtual environment as the README
# says, used from another folder (commands, import midime, a tiny run), on Python 3.11
# and, where pyenv or the system has it, 3.12. About 3 minutes for each version.
PYTHON312 ?= $(shell ls $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | head -1)

.PHONY: package-check
package-check:
	bash tools/check_package.sh $(PYTHON)
	@if [ -n "$(PYTHON312)" ]; then bash tools/check_package.sh $(PYTHON312); \
	else echo "package-check: no Python 3.12 here; checked $(PYTHON) only"; fi

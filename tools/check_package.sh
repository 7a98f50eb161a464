#!/usr/bin/env bash
# Installs SmallMusicVAE the way its README says, into a new virtual environment, and
# uses it from another folder: the console scripts, `import midime`, a tiny training
# run and samples, and the one-line message when magenta is missing.
#   tools/check_package.sh [PYTHON]    (default python3; `make package-check`)
set -euo pipefail
PYTHON=${1:-python3}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PIP_QUIET=(--quiet --disable-pip-version-check)

echo "== $("$PYTHON" --version): pip install -c constraints.txt . in a new venv"
"$PYTHON" -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
(cd "$REPO" && "$BIN/pip" install "${PIP_QUIET[@]}" -c constraints.txt .)
cd "$WORK"  # from here on, nothing of the checkout is on the path

echo "== without magenta: one line saying how to install it"
set +e
"$BIN/midime-train" --config=ae-cat-mel_2bar_big --run_dir=run --examples_path=x \
  --pretrained_path=y 2> missing.txt
status=$?
set -e
cat missing.txt
[ "$status" = 1 ] && [ "$(wc -l < missing.txt)" = 1 ] && grep -q "pip install --no-deps magenta" missing.txt

"$BIN/pip" install "${PIP_QUIET[@]}" --no-deps magenta==2.1.4

echo "== no generic top-level modules"
"$BIN/python" - <<'PY'
import importlib.metadata as md
files = md.distribution('smallmusicvae').files
top = sorted({str(f).split('/')[0] for f in files
              if str(f).endswith('.py') and '.dist-info' not in str(f)})
print('top-level:', top)
assert top == ['midime'], top
PY

echo "== --help answers without TensorFlow, exit 0"
for program in midime-train midime-generate midime-evaluate; do
  "$BIN/$program" --help > help.txt
  grep -q -- "--config" help.txt
done
"$BIN/midime-studio" --help | grep -q -- "--data_dir"
"$BIN/python" -c "import sys, midime, midime.cli.train; assert 'tensorflow' not in sys.modules"

echo "== a tiny run: train, generate, evaluate"
"$BIN/python" - <<'PY'
from midime import random_music_vae
random_music_vae.write_random_music_vae(
    'vae', hparams={'z_size': 16, 'enc_rnn_size': [32], 'dec_rnn_size': [32, 32]},
    name='tiny', as_tar=True)
PY
"$BIN/midime-train" --config=ae-cat-mel_2bar_big --run_dir=run \
  --examples_path="$REPO/data/folk_examples.tfrecord" --pretrained_path=vae/tiny.tar \
  --num_steps=20 --hparams=batch_size=8 --log=WARNING
"$BIN/midime-generate" --checkpoint_file=run/ae-cat-mel_2bar_big.tar --num_outputs=2 \
  --output_dir=out --log=WARNING
[ "$(ls out/*.mid | wc -l)" = 2 ]
"$BIN/midime-evaluate" --run_dir=run --examples_path="$REPO/data/folk_examples.tfrecord" \
  --num_samples=4 --output_dir=evaluation --log=WARNING
[ -s evaluation/evaluation.md ]
echo "== the studio serves its page from the installed package"
port=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$BIN/midime-studio" --data_dir=studio --models_dir=vae --port="$port" --log=WARNING &
studio_pid=$!
"$BIN/python" - "$port" <<'PY'
import json, sys, time, urllib.request
url = 'http://127.0.0.1:%s' % sys.argv[1]
for _ in range(120):
  try:
    info = json.load(urllib.request.urlopen(url + '/api/info'))
    break
  except OSError:
    time.sleep(0.5)
assert 'tiny.tar' in [m['id'] for m in info['base_models']], info
assert b'MidiMe Studio' in urllib.request.urlopen(url + '/').read()
assert urllib.request.urlopen(url + '/static/studio.js').status == 200
PY
kill -INT "$studio_pid"
wait "$studio_pid"

echo "package check passed on $("$PYTHON" --version)"

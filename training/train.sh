#!/usr/bin/env bash
# Rebuild every shipped guard model and word list, and their model cards (training/README.md).
#   bash training/train.sh [--bench ../shared/bench] [--models injection harm names_en names_zh]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TRAINING_VENV:-.bench-venv-training}"
if [ ! -x "$VENV/bin/python" ]; then
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r training/requirements.txt
fi
PYTHONPATH="$PWD/src:$PWD" nice -n 10 "$VENV/bin/python" -m training.build "$@"

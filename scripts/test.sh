#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs the whole suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests start for real (servers on loopback, a browser).
DEBIAN_PACKAGES=(postgresql redis-server chromium)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The README's install (llama.cpp built for any x86-64 CPU, see requirements.txt), then the test
# extras on top.
if ! .venv/bin/python -c 'import llama_cpp' 2>/dev/null; then
  echo "Compiling llama.cpp for llama-cpp-python (about 8 minutes on 2 cores, once)..."
fi
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q -e '.[test]'
# The openai SDK 3.x in a venv of its own beside .venv (LlamaIndex in the test extras pins
# openai<3, so .venv has 2.x); tests/test_openai_api.py runs tests/openai3_client.py with it.
[ -x .venv-openai3/bin/python ] || python3 -m venv .venv-openai3
.venv-openai3/bin/python -m pip install -q 'openai>=3,<4'
.venv/bin/ruff check src tests bench
.venv/bin/python -m pytest "$@"

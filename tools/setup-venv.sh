#!/usr/bin/env bash
# The course's Python environment: VENV made from requirements.txt, with the PyTorch build asked for.
#
#   PYTHON=python3 TORCH=auto tools/setup-venv.sh VENV      create VENV, or bring it up to date
#   tools/setup-venv.sh --print-pip VENV                    only print the pip command for TORCH
#
# TORCH: cpu   PyTorch's CPU build, from PyTorch's own index (about a tenth of the CUDA build);
#        cuda  the build on PyPI, which for Linux x86_64 bundles CUDA and its NVIDIA libraries;
#        auto  cuda where an NVIDIA GPU is present (nvidia-smi or /dev/nvidia0), else cpu (default).
# Both builds satisfy the one pin in requirements.txt (torch==2.13.0; the CPU one is 2.13.0+cpu).
# To switch builds later: rm -rf .venv, then make setup TORCH=...
set -u
PYTHON=${PYTHON:-python3}
TORCH=${TORCH:-auto}
CPU_INDEX=https://download.pytorch.org/whl/cpu

print_only=0
[ "${1:-}" = "--print-pip" ] && { print_only=1; shift; }
VENV=${1:?usage: tools/setup-venv.sh [--print-pip] VENV}

say() { echo "setup: $*" >&2; }

torch_build() {
  case "$TORCH" in
    cpu|cuda) echo "$TORCH" ;;
    auto) if nvidia-smi -L >/dev/null 2>&1 || [ -e /dev/nvidia0 ]; then echo cuda; else echo cpu; fi ;;
    *) say "TORCH must be cpu, cuda or auto, not '$TORCH'"; return 1 ;;
  esac
}

pip_command() {
  local build
  build=$(torch_build) || return 1
  echo "$VENV/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt" \
       "$([ "$build" = cpu ] && echo "--extra-index-url $CPU_INDEX")"
}

if [ "$print_only" = 1 ]; then
  pip_command
  exit
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  say "$PYTHON not found. The course needs Python 3.10 or newer: install it, or name one with make setup PYTHON=python3.11"
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  say "the course needs Python 3.10 or newer; $PYTHON is $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo unknown)." \
      "Install a newer one and name it: make setup PYTHON=python3.11"
  exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  say "$PYTHON cannot make virtual environments: its venv/ensurepip module is missing." \
      "On Debian or Ubuntu: apt-get install python3-venv (or python$version-venv), then make setup again"
  exit 1
fi

# A half-made environment (an earlier attempt stopped before pip was in it) is made again.
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV"; then
    rm -rf "$VENV"
    say "$PYTHON -m venv $VENV failed (above); on Debian or Ubuntu, apt-get install python3-venv may be what is missing"
    exit 1
  fi
fi

command=$(pip_command) || exit 1
# pip retries an index it cannot reach, for every package: where PyTorch's index is out of reach
# (a machine that sees PyPI only), take torch from PyPI and say so.
if [[ "$command" == *"$CPU_INDEX"* ]] && ! "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' \
    "$CPU_INDEX/torch/" >/dev/null 2>&1; then
  say "PyTorch's CPU index ($CPU_INDEX) cannot be reached from here: torch comes from PyPI or pip's configured sources instead" \
      "(on Linux x86_64 PyPI has only the CUDA build, several GB)"
  command=${command% --extra-index-url*}
fi
say "installing requirements.txt into $VENV, PyTorch's $(torch_build) build (the first time takes a few minutes)"
# shellcheck disable=SC2086  (the command is split into its words on purpose)
if ! $command; then
  say "pip install failed (its error is above); nothing is marked done, so the next make tries again"
  exit 1
fi

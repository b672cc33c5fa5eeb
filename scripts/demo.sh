#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds formocr and shows it
# at work on the example scans in samples/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
formocr=build/demo/formocr
export OMP_THREAD_LIMIT=1

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say formocr --version
"$formocr" --version | head -n 1

say formocr template check templates
"$formocr" template check templates

say formocr info samples/...
"$formocr" info samples/scan_*

say "formocr info tests/data/scans/text.tif   # a bad input: one clear line, exit 1"
"$formocr" info tests/data/scans/text.tif || echo "(exit status $?)"

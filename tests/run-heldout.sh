#!/usr/bin/env bash
# Accuracy test at the bars of DESIGN.md / issue 4, on generated pages that
# were not used to tune the reading: make-samples.py --profile hard (every
# degradation: turns, skew, scale, DPI, G4/JPEG/PNG, colour, stamps,
# photocopies) with the seed the README's Accuracy section reports, then
# run-samples.sh over them at the bars: every page's template right (foreign
# pages unmatched), field exact-match at least 99 %, silent errors at most
# 0.5 % of the fields.  The scans are made afresh (~2 min) into a temporary
# folder; nothing is kept.
#   run-heldout.sh FORMOCR [SEED [COUNT]]
set -euo pipefail
formocr=$1
seed=${2:-16180}
count=${3:-300}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 scripts/make-samples.py --templates templates --count "$count" \
    --foreign 10 --seed "$seed" --profile hard --out "$dir" >/dev/null
"$(dirname "$0")/run-samples.sh" "$formocr" "$dir" \
    --min-classification 100 --min-accuracy 99 --max-silent 0.5

#!/usr/bin/env bash
# Accuracy test at the bars of DESIGN.md / issue 4, on generated pages that
# were not used to tune the reading: make-samples.py --profile hard (every
# degradation: turns, skew, scale, DPI, G4/JPEG/PNG, colour, stamps,
# photocopies) with the seed the README's Accuracy section reports, then
# `formocr run` and `formocr eval`: every page's template right (foreign
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
    --foreign 10 --seed "$seed" --profile hard --out "$dir/scans" >/dev/null
status=0
"$formocr" run -q -j "$(nproc)" -t templates --format jsonl -o "$dir/results.jsonl" \
    "$dir/scans" || status=$?
# exit 1 is expected: the foreign pages match no template
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "formocr run exited with $status"
    exit 1
fi
"$formocr" eval -t templates --truth "$dir/scans/truth.json" "$dir/results.jsonl" \
    --min-classification 100 --min-accuracy 99 --max-silent 0.5

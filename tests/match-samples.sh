#!/usr/bin/env bash
# Integration test: `formocr match` over samples/ must pick the right
# template for every page, leave the foreign pages unmatched, and put every
# field box corner within 3 px (300 dpi) of where it truly is on >= 99 % of
# pages (scripts/eval-match.py measures it against samples/truth.json).
#   match-samples.sh FORMOCR
set -euo pipefail
formocr=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$formocr" match -t templates samples >"$out" || status=$?
# exit 1 is expected: the foreign sample pages match no template
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "formocr match exited with $status"
    exit 1
fi
/usr/bin/python3 scripts/eval-match.py samples/truth.json "$out" --max-error 3 --min-within 0.99

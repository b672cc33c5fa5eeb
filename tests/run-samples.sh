#!/usr/bin/env bash
# Integration test: `formocr run` over samples/, measured by `formocr eval`
# against samples/truth.json.  A regression guard at the levels the
# pipeline reaches today (see the README's Accuracy section): every page's
# template right, field exact-match and silent errors within bounds.
#   run-samples.sh FORMOCR
set -euo pipefail
formocr=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$formocr" run -q -t templates --format jsonl -o - samples >"$out" || status=$?
# exit 1 is expected: the two foreign sample pages match no template
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "formocr run exited with $status"
    exit 1
fi
"$formocr" eval -t templates --truth samples/truth.json "$out" \
    --min-classification 100 --min-accuracy 97.5 --max-silent 1.0

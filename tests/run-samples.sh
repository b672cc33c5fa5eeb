#!/usr/bin/env bash
# Integration test: `formocr run` over a folder of scans (default samples/),
# measured by `formocr eval` against its truth.json.  With no bars given, a
# regression guard on samples/ at the levels the pipeline reaches there
# (see the README's Accuracy section): every page's template right, field
# exact-match and silent errors within bounds.
#   run-samples.sh FORMOCR [DIR [EVAL BAR OPTIONS...]]
set -euo pipefail
formocr=$1
dir=${2:-samples}
shift $(( $# < 2 ? $# : 2 ))
[ $# -gt 0 ] || set -- --min-classification 100 --min-accuracy 97.5 --max-silent 1.0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$formocr" run --min-age 0 -q -t templates --format jsonl -o - "$dir" >"$out" || status=$?
# exit 1 is expected: the foreign pages match no template
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "formocr run exited with $status"
    exit 1
fi
"$formocr" eval -t templates --truth "$dir/truth.json" "$out" "$@"

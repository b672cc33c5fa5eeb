#!/bin/sh
# Reads a corpus written by scripts/make-corpus2.py and scores it:
#   scripts/corpus2-eval.sh FORMOCR DIR [eval options, e.g. --errors]
# runs `formocr run` on DIR's scans with DIR/templates, writes DIR/out.jsonl,
# then prints `formocr eval`'s summary; the exit status is eval's.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 FORMOCR DIR [eval options]" >&2
    exit 2
fi
formocr=$1 dir=$2
shift 2
rc=0
OMP_THREAD_LIMIT=1 "$formocr" run --min-age 0 -q -t "$dir/templates" --format jsonl \
    -o "$dir/out.jsonl" "$dir" || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "$0: formocr run failed (exit $rc)" >&2
    exit "$rc"
fi
exec "$formocr" eval -t "$dir/templates" --truth "$dir/truth.json" "$@" "$dir/out.jsonl"

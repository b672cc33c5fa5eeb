#!/usr/bin/env bash
# formocr under valgrind's memcheck: no error, nothing definitely lost.
#   valgrind.sh FORMOCR [SCAN...]
# Without scans, three of samples/ (one of each template, and a foreign
# page: every stage runs); `valgrind.sh build/formocr samples/*` takes them
# all (some minutes: memcheck is 20 to 50 times slower).  The documents'
# time limit (120 s) is lifted: what is checked is memory, and beside other
# tests under ctest -j2 this run once took 179 s and failed, where alone it
# takes 90 s.
set -euo pipefail
formocr=$(realpath "$1")
shift
if [ $# -eq 0 ]; then
    set -- samples/scan_0001.tif samples/scan_0004.jpg samples/scan_0022.png
fi
command -v valgrind >/dev/null || { echo "FAIL: valgrind is missing"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_THREAD_LIMIT=1
status=0
valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --track-origins=yes --log-file="$work/valgrind.log" \
    "$formocr" run --min-age 0 -q -j 2 --document-timeout 0 -t templates -o "$work/out.jsonl" \
    -o "$work/out.sqlite" "$@" ||
    status=$?
if [ "$status" = 99 ] || [ -s "$work/valgrind.log" ]; then
    head -n 80 "$work/valgrind.log"
    echo "FAIL: valgrind reports errors (exit $status)"
    exit 1
fi
# 0 or 1 (the foreign page matches no template) are the run's own verdicts
[ "$status" -le 1 ] || { echo "FAIL: formocr exited $status under valgrind"; exit 1; }
rows=$(wc -l <"$work/out.jsonl")
[ "$rows" = $# ] || { echo "FAIL: $rows rows for $# scans"; exit 1; }
echo "valgrind: $# scans, no error, nothing definitely lost"

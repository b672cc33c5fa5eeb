#!/usr/bin/env bash
# Runs one CLI golden test: run-case.sh FORMOCR CASE_DIR
#
# CASE_DIR/cmd is a bash snippet calling `formocr`; its exit status, stdout
# and stderr must equal CASE_DIR/status, CASE_DIR/stdout and CASE_DIR/stderr
# (a missing stdout or stderr file means "nothing").  The snippet runs from
# the source tree with $TMP, a fresh folder, whose path is shown as $TMP in
# the outputs (with an empty cache, $TMP/.cache), and the local time that starts run's summary line
# (2026-11-30T14:03:12+01:00, ISO 8601 with its offset) as $TIME: its
# shape is checked, not the hour.  FORMOCR_UPDATE_GOLDEN=1 rewrites the golden files instead of
# checking them: a person does that on purpose, then reviews the diff.
set -u
formocr_bin=$1
case_dir=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export TMP
# each case starts with an empty cache of its own
export XDG_CACHE_HOME=$TMP/.cache

formocr() { "$formocr_bin" "$@"; }
export -f formocr 2>/dev/null || true
export formocr_bin

got_out=$TMP/.stdout
got_err=$TMP/.stderr
( set +e; source "$case_dir/cmd" ) >"$got_out" 2>"$got_err"
status=$?
sed -i -E -e "s#$TMP#\$TMP#g" \
    -e 's#^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2} formocr: #$TIME formocr: #' \
    "$got_out" "$got_err"

if [ "${FORMOCR_UPDATE_GOLDEN:-0}" = 1 ]; then
    echo "$status" >"$case_dir/status"
    for s in stdout stderr; do
        if [ -s "$TMP/.$s" ]; then cp "$TMP/.$s" "$case_dir/$s"; else rm -f "$case_dir/$s"; fi
    done
    echo "updated $case_dir"
    exit 0
fi

fail=0
want_status=$(cat "$case_dir/status" 2>/dev/null || echo missing)
if [ "$status" != "$want_status" ]; then
    echo "exit status $status, expected $want_status"
    fail=1
fi
for s in stdout stderr; do
    want=$case_dir/$s
    [ -f "$want" ] || want=/dev/null
    if ! diff -u --label "expected $s" --label "actual $s" "$want" "$TMP/.$s"; then
        fail=1
    fi
done
exit $fail

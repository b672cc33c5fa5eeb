#!/usr/bin/env bash
# Integration test of `formocr run` as a nightly batch, on copies of the
# samples and of bad inputs, into SQLite:
#  - bad inputs become error rows with their message, the batch goes on, exit 1;
#  - a run killed with SIGKILL at several moments, then run again, ends with
#    exactly one row per input, each with all its fields;
#  - a second run is idempotent: everything already done, nothing doubled;
#  - another run on the same output waits, then exits 3 naming the holder;
#  - the per-template views read like a spreadsheet;
#  - --retry-errors redoes failed inputs; --quarantine moves them away;
#  - files in a folder that changed less than --min-age ago are left for the
#    next run (said, no row, exit 0); a file named is read whatever its age;
#  - SIGTERM and SIGINT stop a run after the documents in flight, its outputs
#    completed, with 143 and 130 (128 + the signal), as shells expect;
#  - killed with SQLite and JSON Lines outputs, then resumed: the resuming
#    run's JSON Lines hold what the killed run committed too, the same
#    records as one uninterrupted run's.
#   batch.sh FORMOCR
set -euo pipefail
formocr=$(realpath "$1")
src=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$work/out.sqlite" "$1"; }
# rows so far; 0 while the run has not yet created its tables
rows() { sqlite3 "$work/out.sqlite" "SELECT count(*) FROM documents" 2>/dev/null || echo 0; }

mkdir "$work/scans"
cp samples/scan_* "$work/scans/"
cp tests/data/scans/empty.tif tests/data/scans/truncated.png "$work/scans/"
ninputs=$(ls "$work/scans" | wc -l)
cd "$work"
export OMP_THREAD_LIMIT=1

# 1. killed at several moments, then finished
for delay in 1 2 3; do
    "$formocr" run --min-age 0 -q -j 2 -t "$src/templates" -o out.sqlite scans >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ "$delay" = 1 ]; then
        # the kill came mid-run (else this test would prove nothing)
        [ "$(rows)" -lt "$ninputs" ] ||
            fail "the first run finished before it was killed"
    fi
    # whatever is there is whole: every document has all its fields
    [ "$(rows)" = 0 ] && continue
    partial=$(q "SELECT count(*) FROM documents d WHERE d.status IN ('ok','review') AND
                 (SELECT count(*) FROM fields f WHERE f.document_id = d.id) NOT IN (17, 33)")
    [ "$partial" = 0 ] || fail "a document with missing fields after SIGKILL at ${delay}s"
done
"$formocr" run --min-age 0 -q -j 2 -t "$src/templates" -o out.sqlite scans 2>/dev/null || true
[ "$(q 'SELECT count(*) FROM documents')" = "$ninputs" ] || fail "not one row per input"
[ "$(q 'SELECT count(DISTINCT sha256) FROM documents')" = "$ninputs" ] || fail "doubled rows"
[ "$(q "SELECT count(*) FROM documents WHERE status = 'error'")" = 2 ] || fail "error rows"
[ "$(q "SELECT error FROM documents WHERE path LIKE '%empty.tif'")" = "not an image (empty file)" ] ||
    fail "error message not recorded"
[ "$(q "SELECT count(*) FROM documents WHERE status = 'unmatched'")" = 2 ] || fail "unmatched rows"
[ "$(q "SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM fields f
        WHERE f.document_id = d.id) NOT IN (0, 17, 33)")" = 0 ] || fail "partial documents"

# 2. bad inputs: a message each, error rows, the batch goes on, exit 1
status=0
"$formocr" run --min-age 0 -q -t "$src/templates" -o bad.sqlite scans/empty.tif scans/truncated.png \
    scans/scan_0001.tif 2>err.txt || status=$?
[ "$status" = 1 ] || fail "exit $status with bad inputs, expected 1"
grep -q "scans/empty.tif: not an image (empty file)" err.txt || fail "no message for empty.tif"
grep -q "scans/truncated.png: page 1: damaged or truncated png data" err.txt || fail "no message for truncated.png"
[ "$(sqlite3 bad.sqlite "SELECT group_concat(status) FROM (SELECT status FROM documents ORDER BY path)")" = \
  "error,ok,error" ] || fail "bad inputs' rows"

# 3. idempotent
"$formocr" run --min-age 0 -j 2 -t "$src/templates" -o out.sqlite scans 2>err.txt || true
grep -q "0 documents, 0 pages.*; $ninputs already done" err.txt || fail "rerun did work: $(cat err.txt)"
[ "$(q 'SELECT count(*) FROM documents')" = "$ninputs" ] || fail "rerun doubled rows"

# 4. the per-template views
[ "$(sqlite3 -csv out.sqlite "SELECT count(*) FROM cerfa_14011_03")" = \
  "$(q "SELECT count(*) FROM documents WHERE template = 'cerfa_14011_03'")" ] || fail "view rows"
sqlite3 -csv -header out.sqlite "SELECT * FROM cerfa_12485_03" | head -n 1 |
    grep -q "^file,first_page,last_page,status,processed_at,nom_assure,prenom_assure,nir_assure," || fail "view columns"

# 5. the lock
"$formocr" run --min-age 0 -q -j 1 --force -t "$src/templates" -o out.sqlite scans >/dev/null 2>&1 &
pid=$!
# once it holds the lock: the holder writes its process id in the lock file
# (a sanitized start-up on a loaded machine takes more than a second)
for _ in $(seq 600); do
    [ "$(cat out.sqlite.lock 2>/dev/null)" = "$pid" ] && break
    kill -0 "$pid" 2>/dev/null || fail "the run holding the lock ended early"
    sleep 0.1
done
[ "$(cat out.sqlite.lock 2>/dev/null)" = "$pid" ] || fail "the first run never took the lock"
status=0
"$formocr" run --min-age 0 -q -t "$src/templates" -o out.sqlite scans 2>err.txt || status=$?
# the same output through a symbolic link takes the same lock
ln -sf out.sqlite alias.sqlite
status2=0
"$formocr" run --min-age 0 -q -t "$src/templates" -o alias.sqlite scans 2>err2.txt || status2=$?
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ "$status" = 3 ] || fail "second run exited $status, expected 3"
grep -q "out.sqlite: another run (process $pid) is writing it" err.txt ||
    fail "lock message: $(cat err.txt)"
[ "$status2" = 3 ] || fail "a run through a link to the output exited $status2, expected 3"
grep -q "alias.sqlite: another run (process $pid) is writing it" err2.txt ||
    fail "lock message through a link: $(cat err2.txt)"

# a refused output (a wide CSV of several templates) leaves no run in an
# SQLite output given before it
status=0
"$formocr" run --min-age 0 -q -t "$src/templates" -o refused.sqlite -o refused.csv scans 2>/dev/null ||
    status=$?
[ "$status" = 2 ] || fail "a wide CSV of several templates: exit $status, expected 2"
[ ! -e refused.sqlite ] || fail "the refused run left refused.sqlite"

# 6. SIGTERM: the documents in flight are finished, the outputs completed
rm -f term.sqlite* term.csv
"$formocr" run --min-age 0 -q -j 2 -t "$src/templates" -o term.sqlite -o term.csv --csv-layout long \
    scans >/dev/null 2>err.txt &
pid=$!
# once the first document is in (a slow, sanitized start-up takes seconds)
for _ in $(seq 600); do
    [ "$(sqlite3 term.sqlite "SELECT count(*) FROM documents" 2>/dev/null)" -ge 1 ] 2>/dev/null &&
        break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 143 ] || fail "a run stopped by SIGTERM exited $status, expected 143"
grep -q "interrupted: .* inputs not started (the next run will do them)" err.txt ||
    fail "no interruption message: $(cat err.txt)"
[ -f term.csv ] || fail "the CSV of an interrupted run was not completed"
[ "$(sqlite3 term.sqlite "SELECT count(*) FROM documents")" -lt "$ninputs" ] ||
    fail "SIGTERM came too late to test anything"
[ "$(sqlite3 term.sqlite "SELECT count(*) FROM documents d WHERE d.status IN ('ok','review') AND
     (SELECT count(*) FROM fields f WHERE f.document_id = d.id) NOT IN (17, 33)")" = 0 ] ||
    fail "partial documents after SIGTERM"

# 6b. SIGINT (Ctrl-C): the same stop, exit 130.  A background job of a
# script starts with SIGINT ignored; formocr takes it all the same.
rm -f int.sqlite* int.jsonl
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o int.sqlite -o int.jsonl \
    scans >/dev/null 2>err.txt &
pid=$!
# once it holds its output and the first document is in
for _ in $(seq 600); do
    [ "$(cat int.sqlite.lock 2>/dev/null)" = "$pid" ] &&
        [ "$(sqlite3 int.sqlite "SELECT count(*) FROM documents" 2>/dev/null)" -ge 1 ] 2>/dev/null &&
        break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || fail "a run stopped by SIGINT exited $status, expected 130: $(cat err.txt)"
grep -q "interrupted: .* inputs not started (the next run will do them)" err.txt ||
    fail "no interruption message after SIGINT: $(cat err.txt)"
[ -f int.jsonl ] || fail "the JSON Lines of a run stopped by SIGINT were not completed"
[ "$(wc -l <int.jsonl)" = "$(sqlite3 int.sqlite "SELECT count(*) FROM documents")" ] ||
    fail "after SIGINT, the JSON Lines and the database hold different documents"

# 7. --retry-errors and --quarantine: the failed inputs are redone and moved
status=0
"$formocr" run --min-age 0 -q --retry-errors --quarantine quarantine -t "$src/templates" -o out.sqlite \
    scans 2>/dev/null || status=$?
[ "$status" = 1 ] || fail "retry exited $status"
[ -f quarantine/empty.tif ] && [ ! -e scans/empty.tif ] || fail "empty.tif not quarantined"
cmp -s quarantine/truncated.png "$src/tests/data/scans/truncated.png" || fail "quarantined copy differs"
[ "$(q 'SELECT count(*) FROM documents')" = "$ninputs" ] || fail "retry doubled rows"
# 8. --min-age: a scan just copied into a folder may be an upload still
# arriving; it is left for the next run, said, and read once it has rested
mkdir young
cp "$src/samples/scan_0001.tif" young/
status=0
"$formocr" run -j 1 -t "$src/templates" -o young.sqlite young 2>err.txt || status=$?
[ "$status" = 0 ] || fail "a run leaving a young file exited $status: $(cat err.txt)"
grep -q "young/scan_0001.tif: changed [0-9]* s ago, perhaps still being written: left for the next run (--min-age 60)" err.txt ||
    fail "the young file was not reported: $(cat err.txt)"
grep -q "1 files changed too recently, left for the next run" err.txt ||
    fail "no count of the files left: $(cat err.txt)"
[ "$(sqlite3 young.sqlite "SELECT count(*) FROM documents")" = 0 ] ||
    fail "a young file got a row"
sleep 1.5
"$formocr" run -q -j 1 --min-age 1 -t "$src/templates" -o young.sqlite young 2>err.txt ||
    fail "the rested file's run failed: $(cat err.txt)"
[ "$(sqlite3 young.sqlite "SELECT count(*) FROM documents WHERE status IN ('ok','review')")" = 1 ] ||
    fail "the rested file was not read"
# named on the command line, a fresh file is read at once
cp "$src/samples/scan_0004.jpg" young/fresh.jpg
"$formocr" run -q -j 1 -t "$src/templates" -o young.sqlite young/fresh.jpg 2>err.txt ||
    fail "a named fresh file: $(cat err.txt)"
[ "$(sqlite3 young.sqlite "SELECT count(*) FROM documents WHERE path LIKE '%fresh.jpg'")" = 1 ] ||
    fail "a named fresh file was left"
# 9. file outputs after a kill: what the killed run committed to SQLite
# reaches the JSON Lines of the run that resumes it
mkdir few
cp "$src"/samples/scan_000[1-8].* few/
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o straight.jsonl few 2>/dev/null || true
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o k.sqlite -o k.jsonl few \
    >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
    [ "$(sqlite3 k.sqlite "SELECT count(*) FROM documents" 2>/dev/null)" -ge 2 ] 2>/dev/null &&
        break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
committed=$(sqlite3 k.sqlite "SELECT count(*) FROM documents")
[ "$committed" -ge 1 ] && [ "$committed" -lt "$(ls few | wc -l)" ] ||
    fail "the kill came at the wrong time ($committed documents committed)"
"$formocr" run --min-age 0 -j 1 -t "$src/templates" -o k.sqlite -o k.jsonl few 2>err.txt || true
grep -q "$committed documents committed by an interrupted run go into this run's files" err.txt ||
    fail "the replay was not said: $(cat err.txt)"
[ "$(sort k.jsonl)" = "$(sort straight.jsonl)" ] ||
    fail "killed and resumed, the JSON Lines differ from one run's: $(diff <(sort k.jsonl) <(sort straight.jsonl) | head -5)"
# delivered once: the next run owes nothing
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o k.sqlite -o k.jsonl few 2>/dev/null || true
[ ! -s k.jsonl ] || fail "a run with nothing new replayed again"
# 10. SIGTERM inside a long file (a stack of 60 pages): the run stops
# between two of its pages, not after the whole file; the file is left
# whole for the next run, which reads it
mkdir long
/usr/bin/python3 -c "
from PIL import Image
p = Image.new('1', (1654, 2339), 1)
p.save('long/stack.tif', save_all=True, append_images=[p] * 59, compression='group4', dpi=(200, 200))"
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o long.sqlite long 2>err.txt &
pid=$!
# once it is set up (it holds its output's lock), and into the file's pages
for _ in $(seq 600); do
    [ "$(cat long.sqlite.lock 2>/dev/null)" = "$pid" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
sleep 2
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 143 ] || fail "a run stopped inside a file exited $status, expected 143"
grep -q "interrupted: 1 inputs not started" err.txt || fail "stopped inside a file: $(cat err.txt)"
[ "$(sqlite3 long.sqlite "SELECT count(*) FROM documents")" = 0 ] ||
    fail "a file stopped half-way was written"
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o long.sqlite long 2>/dev/null || true
[ "$(sqlite3 long.sqlite "SELECT count(*) FROM pages WHERE status = 'blank'")" = 60 ] ||
    fail "the next run did not read the whole file"
echo "batch: all checks passed"

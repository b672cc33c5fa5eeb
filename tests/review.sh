#!/usr/bin/env bash
# `formocr review` as people use it: a run's database served, the page driven
# in Debian's chromium (headless, tests/browser/review.mjs) by the keyboard
# alone -- two fields corrected, one accepted, one marked unreadable -- then
# the database holds exactly those decisions, a reload shows four fewer
# fields, and `run --force` on the same scans keeps them.  Also, over HTTP
# alone: no token no page, a decision needs the token in a header, bad
# requests refused, the crop upright, a changed scan refused, SIGTERM stops
# it cleanly.
#   review.sh FORMOCR [SCREENSHOT.png]
set -euo pipefail
formocr=$(realpath "$1")
shot=${2:-}
[ -z "$shot" ] || shot=$(realpath -m "$shot")
src=$(pwd)
work=$(mktemp -d)
server=
first=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    [ -z "$first" ] || kill "$first" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export OMP_THREAD_LIMIT=1
command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh --test)"
command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh --test)"

# the browser driver, from the npm registry, pinned by its lock file
modules=${FORMOCR_NODE_MODULES:-$src/build/node-browser}
if [ ! -d "$modules/node_modules/playwright-core" ]; then
    mkdir -p "$modules"
    cp tests/browser/package.json tests/browser/package-lock.json "$modules/"
    (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error) ||
        fail "npm could not install playwright-core"
fi
cp tests/browser/review.mjs "$modules/"

mkdir "$work/scans"
cp samples/scan_000[1-9].* samples/scan_001[0-6].* "$work/scans/"
cd "$work"
"$formocr" run --min-age 0 -q -t "$src/templates" -o out.sqlite scans || true
flagged=$(sqlite3 out.sqlite "SELECT count(*) FROM fields WHERE status IN ('low_confidence', 'invalid', 'missing')")
[ "$flagged" -ge 6 ] || fail "only $flagged flagged fields to review"
# a value from the public that looks like HTML stays text on the page
sqlite3 out.sqlite "UPDATE fields SET value = '<script>window.xss=1</script>' WHERE rowid =
    (SELECT f.rowid FROM fields f JOIN documents d ON d.id = f.document_id WHERE f.status =
     'low_confidence' ORDER BY d.id DESC LIMIT 1)"

start_server() {
    : >srv.out
    "$formocr" review out.sqlite --port 0 --who tester "$@" >srv.out 2>srv.err &
    server=$!
    for _ in $(seq 100); do
        grep -q "open http" srv.out && break
        kill -0 "$server" 2>/dev/null || fail "review did not start: $(cat srv.err)"
        sleep 0.1
    done
    url=$(sed -n 's/^formocr review: open //p' srv.out)
    [ -n "$url" ] || fail "no address printed: $(cat srv.out srv.err)"
    token=${url##*token=}
    base=${url%%/\?token=*}
}
start_server

# ---- over HTTP alone ------------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$base/")" = 403 ] || fail "the page without the token"
[ "$(code "$base/?token=0000")" = 403 ] || fail "the page with a wrong token"
[ "$(code "$base/?token=$token")" = 200 ] || fail "the page with the token"
[ "$(code "$base/api/next")" = 403 ] || fail "the data without the token"
[ "$(code "$base/../../etc/passwd?token=$token")" = 404 ] || fail "a path"
[ "$(code "$base/api/crop?document=1&field=../../etc/passwd&token=$token")" = 404 ] ||
    fail "a crop of no field"
[ "$(code -X POST -d '{"document":1,"field":"x","value":"y"}' "$base/api/decide?token=$token")" = 403 ] ||
    fail "a decision without the token's header"
[ "$(code -X POST -H "X-Formocr-Token: $token" -d 'not json' "$base/api/decide")" = 400 ] ||
    fail "a decision that is not JSON"
[ "$(code -X POST -H "X-Formocr-Token: $token" -d '{"document":1,"field":"no_such","value":"y"}' "$base/api/decide")" = 404 ] ||
    fail "a decision on no field"
head -c 100000 /dev/zero | tr '\0' a >big.txt
[ "$(code -X POST -H "X-Formocr-Token: $token" --data-binary @big.txt "$base/api/decide")" = 413 ] ||
    fail "a request too large"
# a field the checks found ok is not the review's to change
read -r okdoc okfield < <(sqlite3 -separator ' ' out.sqlite "SELECT document_id, name FROM fields
    WHERE status = 'ok' LIMIT 1")
[ "$(code -X POST -H "X-Formocr-Token: $token" -d "{\"document\":$okdoc,\"field\":\"$okfield\",\"value\":\"HACKED\"}" "$base/api/decide")" = 404 ] ||
    fail "a decision on a field that is ok"
[ "$(sqlite3 out.sqlite "SELECT count(*) FROM corrections")" = 0 ] ||
    fail "a refused request left a decision"
# the crop of a field of a scan read upside down comes out upright: its
# ink is where the template's is (the first field of the page, top left)
IFS='|' read -r doc field tpl value < <(sqlite3 out.sqlite "SELECT d.id, f.name, d.template,
    f.value FROM documents d JOIN pages p ON p.document_id = d.id JOIN fields f ON
    f.document_id = d.id WHERE p.orientation = 180 AND f.w > 0 AND f.status = 'ok' AND
    length(f.value) > 4 AND f.value NOT LIKE '%
%' ORDER BY d.id, f.rowid LIMIT 1")
curl -sf -o crop.png "$base/api/crop?document=$doc&field=$field&token=$token" || fail "the crop"
# the field's own box, with a margin of 20 to 60 template px: not its
# neighbours (a box taken back through a skewed transform grows)
/usr/bin/python3 - crop.png "$src/templates/$tpl/template.json" "$field" "$value" <<'PY' ||
import json, sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('L')
w, h = im.size
t = json.load(open(sys.argv[2]))
f = [f for p in t['pages'] for f in p['fields'] if f['name'] == sys.argv[3]][0]
bw, bh = (f['box'][2], f['box'][3]) if 'box' in f else (None, None)
if bh is not None:
    assert bh + 30 <= h <= bh + 130 and bw + 30 <= w <= bw + 130, ((w, h), (bw, bh))
dark = sum(1 for p in im.getdata() if p < 128)
assert dark > 50, 'no ink in the crop'
# upright: Tesseract reads on the crop what formocr read on the field
import difflib, subprocess
got = subprocess.run(['tesseract', sys.argv[1], '-', '--psm', '7', '-l', 'fra'],
                     capture_output=True, text=True).stdout.strip()
want = sys.argv[4]
ratio = difflib.SequenceMatcher(None, got.upper(), want.upper()).ratio()
assert ratio >= 0.7, ('not upright', got, want)
PY
    fail "the crop is not the field's box, upright"
# a scan changed since it was read is refused, not shown
read -r doc2 field2 path2 < <(sqlite3 -separator ' ' out.sqlite "SELECT d.id, f.name, d.path FROM
    documents d JOIN fields f ON f.document_id = d.id WHERE f.w > 0 AND d.id != $doc
    ORDER BY d.id DESC LIMIT 1")
cp "$path2" saved.bin
printf 'x' >>"$path2"
[ "$(code "$base/api/crop?document=$doc2&field=$field2&token=$token")" = 410 ] ||
    fail "a crop of a changed scan"
cp saved.bin "$path2"

# ---- in the browser --------------------------------------------------------
node "$modules/review.mjs" "$url" "$shot" >actions.json || fail "the browser driver failed"
/usr/bin/python3 - actions.json out.sqlite <<'PY' || fail "the page: $(cat actions.json)"
import json, re, sqlite3, sys
out = json.load(open(sys.argv[1]))
assert not out['errors'], out['errors']
acts = out['actions']
assert [a['kind'] for a in acts] == ['accepted', 'corrected', 'corrected', 'unreadable'], acts
assert len({(a['document'], a['field']) for a in acts}) == 4, 'a field decided twice'
n = lambda s: int(re.match(r'(\d+) field', s).group(1))
assert n(out['counterAfter']) == n(out['counterBefore']) - 4, (out['counterBefore'], out['counterAfter'])
assert out['imagesNotCrops'] == 0, 'a value became an image'
assert not out['scriptRan'], 'a value ran as a script'
assert out['cropsShown'] >= 1, 'no crop shown'
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT d.id, c.field, c.value, c.status, c.who, c.machine_value FROM corrections c "
                  "JOIN documents d ON d.sha256 = c.sha256 AND d.first_page = c.first_page "
                  "ORDER BY c.id").fetchall()
assert len(rows) == 4, rows
for a, (doc, field, value, status, who, machine) in zip(acts, rows):
    assert (doc, field) == (a['document'], a['field']), (a, doc, field)
    assert who == 'tester'
    if a['kind'] == 'unreadable':
        assert status == 'unreadable' and value is None, (status, value)
    else:
        assert status == 'corrected' and value == a['value'], (a, value)
    if a['kind'] == 'accepted':
        # what was shown and accepted is the machine's value, to the byte
        # (a value of several lines keeps them)
        assert value == machine, (value, machine)
    f = db.execute("SELECT value, status, machine_value FROM fields WHERE document_id = ? AND name = ?",
                   (doc, field)).fetchone()
    assert f[0] == (a['value'] if a['kind'] != 'unreadable' else ''), f
    assert f[1] == status and f[2] == machine, (f, status, machine)
json.dump([list(db.execute("SELECT sha256, first_page FROM documents WHERE id = ?",
                           (a['document'],)).fetchone()) + [a['field'], a['value'], a['kind']]
           for a in acts], open('decided.json', 'w'))
PY

# ---- two people at once, on two servers of one database: nothing lost -----
first=$server
first_base=$base
first_token=$token
start_server --who second
read -r cdoc cfield < <(sqlite3 -separator ' ' out.sqlite "SELECT f.document_id, f.name FROM
    fields f WHERE f.status IN ('low_confidence', 'invalid', 'missing') ORDER BY f.rowid LIMIT 1")
post() { # BASE TOKEN VALUE
    curl -sf -o /dev/null -X POST -H "X-Formocr-Token: $2" \
        -d "{\"document\":$cdoc,\"field\":\"$cfield\",\"value\":\"$3\"}" "$1/api/decide"
}
for i in $(seq 10); do post "$first_base" "$first_token" "a$i" || echo lost >>lost.txt; done &
one=$!
for i in $(seq 10); do post "$base" "$token" "b$i" || echo lost >>lost.txt; done
wait $one
[ ! -s lost.txt ] || fail "$(wc -l <lost.txt) concurrent decisions were refused"
[ "$(sqlite3 out.sqlite "SELECT count(*) FROM corrections")" = 24 ] ||
    fail "concurrent decisions: $(sqlite3 out.sqlite "SELECT count(*) FROM corrections") rows, 24 expected"
last=$(sqlite3 out.sqlite "SELECT value FROM corrections ORDER BY id DESC LIMIT 1")
[ "$(sqlite3 out.sqlite "SELECT value FROM fields WHERE document_id = $cdoc AND name = '$cfield'")" = "$last" ] ||
    fail "the field does not show the last decision"
kill -TERM "$server"
wait "$server" || fail "the second server did not stop cleanly"
server=$first
base=$first_base
token=$first_token
first=

# ---- a decision made while a run --force reads the same scan holds ----------
# The run reads the decisions for its outputs, then waits for the database
# (held here by another writer); a decision is saved meanwhile: the row the
# run writes still shows it.
read -r rdoc rfield rpath < <(sqlite3 -separator ' ' out.sqlite "SELECT d.id, f.name, d.path FROM
    fields f JOIN documents d ON d.id = f.document_id WHERE f.status IN ('low_confidence',
    'invalid', 'missing') ORDER BY d.id DESC LIMIT 1")
runs_before=$(sqlite3 out.sqlite "SELECT count(*) FROM runs")
/usr/bin/python3 -c "
import sqlite3, time
c = sqlite3.connect('out.sqlite', isolation_level=None, timeout=30)
c.execute('BEGIN IMMEDIATE'); open('held', 'w').close(); time.sleep(4); c.execute('COMMIT')" &
holder=$!
for _ in $(seq 100); do [ -e held ] && break; sleep 0.05; done
"$formocr" run --min-age 0 -q --force -t "$src/templates" -o out.sqlite "$rpath" &
rerun=$!
sleep 1.5
[ "$(code -X POST -H "X-Formocr-Token: $token" -d "{\"document\":$rdoc,\"field\":\"$rfield\",\"value\":\"DURING THE RUN\"}" "$base/api/decide")" = 200 ] ||
    fail "a decision while the database is busy"
wait "$holder"
wait "$rerun" || true
[ "$(sqlite3 out.sqlite "SELECT count(*) FROM runs")" -gt "$runs_before" ] || fail "the run did not run"
got=$(sqlite3 out.sqlite "SELECT f.value || '|' || f.status FROM fields f JOIN documents d ON
    d.id = f.document_id WHERE d.path = '$rpath' AND f.name = '$rfield'")
[ "$got" = "DURING THE RUN|corrected" ] || fail "a decision made during a run was undone: '$got'"

# ---- SIGTERM stops it cleanly ----------------------------------------------
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
[ "$status" = 0 ] || fail "review stopped by SIGTERM exited $status"

# ---- a run --force keeps every decision, the new reading beside it ---------
"$formocr" run --min-age 0 -q -t "$src/templates" -o out.sqlite -o again.jsonl --force scans || true
/usr/bin/python3 - out.sqlite again.jsonl decided.json <<'PY' || fail "run --force lost a decision"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
lines = [json.loads(l) for l in open(sys.argv[2])]
for sha, first, field, value, kind in json.load(open(sys.argv[3])):
    f = db.execute("SELECT f.value, f.status, f.machine_value FROM fields f JOIN documents d ON "
                   "d.id = f.document_id WHERE d.sha256 = ? AND d.first_page = ? AND f.name = ?",
                   (sha, first, field)).fetchone()
    want = 'unreadable' if kind == 'unreadable' else 'corrected'
    assert f[0] == (value if kind != 'unreadable' else '') and f[1] == want, (field, f)
    assert f[2] is not None, 'the new reading is not kept'
    rec = [l for l in lines if l['sha256'] == sha and l['first_page'] == first][0]
    assert rec['fields'][field]['status'] == want, rec['fields'][field]
    assert rec['fields'][field]['machine_value'] == f[2]
PY
echo "review: all checks passed"

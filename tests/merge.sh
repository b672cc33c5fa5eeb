#!/usr/bin/env bash
# `formocr merge`: two shards of a run merged give the documents and values
# of one plain run; merging again changes nothing; a part of a newer schema
# is refused; the shards partition the inputs.
#   merge.sh FORMOCR
set -euo pipefail
formocr=$(realpath "$1")
src=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export OMP_THREAD_LIMIT=1
mkdir "$work/scans"
cp samples/scan_000[1-6].* samples/scan_0021.png "$work/scans/"
# a stack: one file, three documents (two forms and a page of none)
/usr/bin/python3 -c "
from PIL import Image
p = [Image.open('samples/' + n).convert('L') for n in ('scan_0002.tif', 'scan_0021.png', 'scan_0006.png')]
p[0].save('$work/scans/stack.tif', save_all=True, append_images=p[1:], compression='tiff_lzw', dpi=(300, 300))"
cd "$work"
for k in 0 1; do
    "$formocr" run --min-age 0 -q -j 1 -t "$src/templates" --shard "$k/2" -o "part-{shard}.sqlite" scans || true
done
"$formocr" run --min-age 0 -q -j 2 -t "$src/templates" -o single.sqlite scans || true
n0=$(sqlite3 part-0.sqlite "SELECT count(*) FROM documents")
n1=$(sqlite3 part-1.sqlite "SELECT count(*) FROM documents")
[ $((n0 + n1)) = 10 ] || fail "the shards hold $n0 + $n1 documents, expected 10 in all"
[ "$(sqlite3 part-0.sqlite "SELECT shard FROM runs")" = "0/2" ] || fail "shard not recorded"

dump() {
    sqlite3 "$1" "SELECT d.path, d.sha256, d.first_page, d.last_page, d.template, d.status,
                         f.name, f.value, f.status
                  FROM documents d LEFT JOIN fields f ON f.document_id = d.id
                  ORDER BY d.sha256, d.first_page, f.name;
                  SELECT d.sha256, p.file_page, p.template_page, p.status FROM pages p
                  JOIN documents d ON d.id = p.document_id ORDER BY d.sha256, p.file_page"
}
"$formocr" merge -q -o all.sqlite part-0.sqlite part-1.sqlite
[ "$(dump all.sqlite)" = "$(dump single.sqlite)" ] || fail "merged values differ from one run"
before=$(sqlite3 all.sqlite "SELECT count(*) FROM runs")
"$formocr" merge -q -o all.sqlite part-0.sqlite part-1.sqlite
[ "$(dump all.sqlite)" = "$(dump single.sqlite)" ] || fail "a second merge changed the documents"
[ "$(sqlite3 all.sqlite "SELECT count(*) FROM runs")" = "$before" ] || fail "a second merge added runs"
[ "$(sqlite3 -csv all.sqlite "SELECT count(*) FROM cerfa_14011_03")" = \
  "$(sqlite3 single.sqlite "SELECT count(*) FROM documents WHERE template = 'cerfa_14011_03'")" ] ||
    fail "the merged views"

cp part-1.sqlite newer.sqlite
sqlite3 newer.sqlite "PRAGMA user_version = 5"
status=0
"$formocr" merge -q -o all.sqlite newer.sqlite 2>err.txt || status=$?
[ "$status" = 1 ] || fail "a part of schema 5 gave exit $status"
grep -q "newer.sqlite: schema version 5, this formocr writes 4: refused" err.txt ||
    fail "refusal message: $(cat err.txt)"
# a part made before schema 2 (runs without file_outputs, delivered_by) merges
cp part-1.sqlite older.sqlite
# (nor a file of several documents, pages, page ranges, warnings)
sqlite3 older.sqlite "DROP VIEW IF EXISTS cerfa_12485_03; DROP VIEW IF EXISTS cerfa_14011_03;
  DELETE FROM documents WHERE first_page > 1; DROP TABLE pages;
  DROP INDEX documents_file_page; ALTER TABLE documents DROP COLUMN first_page;
  ALTER TABLE documents DROP COLUMN last_page; ALTER TABLE documents DROP COLUMN warning;
  ALTER TABLE runs DROP COLUMN file_outputs;
  ALTER TABLE runs DROP COLUMN delivered_by; PRAGMA user_version = 1"
"$formocr" merge -q -o from-older.sqlite older.sqlite 2>err.txt ||
    fail "a part of schema 1 was refused: $(cat err.txt)"
[ "$(sqlite3 from-older.sqlite "SELECT count(*) FROM documents")" = \
  "$(sqlite3 older.sqlite "SELECT count(*) FROM documents")" ] ||
    fail "a part of schema 1 merged partly"
[ "$(sqlite3 from-older.sqlite "SELECT count(*) FROM documents WHERE first_page = 1 AND last_page = pages")" = \
  "$(sqlite3 older.sqlite "SELECT count(*) FROM documents WHERE pages > 0")" ] ||
    fail "documents of a schema 1 part are not whole files"
# a person's decision in the output holds when a part brings its file read
# again, the new reading beside it; a part's own decisions come with it
IFS='|' read -r sha first tpl name machine < <(sqlite3 part-1.sqlite "SELECT d.sha256,
    d.first_page, d.template, f.name, f.value FROM documents d JOIN fields f ON
    f.document_id = d.id WHERE d.template IS NOT NULL ORDER BY d.id, f.rowid LIMIT 1")
[ -n "$name" ] || fail "no field in part-1"
sqlite3 all.sqlite "INSERT INTO corrections(sha256, first_page, template, field, value,
    status, who, at) VALUES ('$sha', $first, '$tpl', '$name', 'CORRIGÉ', 'corrected', 'test',
    '2026-01-01T00:00:00Z')"
cp part-1.sqlite reread.sqlite
sqlite3 reread.sqlite "UPDATE documents SET processed_at = '2999-01-01T00:00:00Z';
    INSERT INTO corrections(sha256, first_page, template, field, value, status, who, at)
    VALUES ('$sha', $first, '$tpl', 'other_field', '', 'unreadable', 'test2', '2026-01-02')"
"$formocr" merge -q -o all.sqlite reread.sqlite || fail "merging a part read again"
got=$(sqlite3 all.sqlite "SELECT f.value, f.status, f.machine_value FROM fields f JOIN documents d
    ON d.id = f.document_id WHERE d.sha256 = '$sha' AND d.first_page = $first AND f.name = '$name'")
[ "$got" = "CORRIGÉ|corrected|$machine" ] || fail "a decision after a merge: '$got'"
[ "$(sqlite3 all.sqlite "SELECT count(*) FROM corrections")" = 2 ] ||
    fail "the part's decisions were not kept"
"$formocr" merge -q -o all.sqlite reread.sqlite || fail "merging a part read again, twice"
[ "$(sqlite3 all.sqlite "SELECT count(*) FROM corrections")" = 2 ] ||
    fail "merging twice doubled the decisions"
# a database merged into itself, however spelled, is refused, not locked
cp single.sqlite self.sqlite
status=0
"$formocr" merge -q -o self.sqlite ./self.sqlite 2>err.txt || status=$?
[ "$status" = 1 ] || fail "merging into itself gave exit $status"
grep -q "./self.sqlite: is the output itself" err.txt || fail "self-merge: $(cat err.txt)"
echo "merge: all checks passed"

#!/usr/bin/env bash
# Hostile inputs to `formocr run`, made here (too big to keep in the repo):
#  - decompression bombs and lying headers: a grey PNG and an RGB PNG that
#    inflate to 450 MB, a 1000x1000 PNG followed by 450 MB of image data,
#    PNG and TIFF headers claiming 1,000,000 x 1,000,000: each an error row
#    (or an unmatched blank page), the batch goes on, exit 1, and the peak
#    resident memory stays under 300 MB;
#  - a folder named x.tif, a symbolic link loop, a FIFO named like a scan
#    (which must not hang the run), a file that disappears during the run;
#  - a full disk (a small tmpfs; skipped where mounting is not allowed):
#    exit 3, a clear message, no output left looking complete.
#   hostile.sh FORMOCR
# FORMOCR_SANITIZED=1 (sanitizer builds) skips the memory bound, which
# AddressSanitizer's own overhead would break.
set -euo pipefail
formocr=$(realpath "$1")
src=$(pwd)
work=$(mktemp -d)
mnt=""
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export OMP_THREAD_LIMIT=1
py=/usr/bin/python3
cd "$work"

# ---- 1. bombs and lying headers ------------------------------------------
mkdir bombs
"$py" - bombs <<'EOF'
import struct, sys, zlib

def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xffffffff
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

def png(path, w, h, colour, rows):
    """w x h header (colour 0 grey, 2 RGB); `rows` rows of zeros follow."""
    line = b"\0" * (1 + w * (3 if colour == 2 else 1))
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(line) for _ in range(rows)) + z.flush()
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)))
        f.write(chunk(b"IDAT", idat))
        f.write(chunk(b"IEND", b""))

def tiff(path, w, h):
    """A G4 TIFF header claiming w x h, with 16 bytes of data."""
    tags = [(256, 4, w), (257, 4, h), (258, 3, 1), (259, 3, 4), (262, 3, 0),
            (273, 4, 8), (278, 4, h), (279, 4, 16)]
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        ifd += struct.pack("<HHII", tag, kind, 1, value) if kind == 4 else \
               struct.pack("<HHIHH", tag, kind, 1, value, 0)
    ifd += struct.pack("<I", 0)
    with open(path, "wb") as f:
        f.write(b"II*\0" + struct.pack("<I", 24) + b"\0" * 16 + ifd)

out = sys.argv[1]
png(out + "/grey-450MB.png", 21213, 21213, 0, 21213)
png(out + "/rgb-450MB.png", 12247, 12247, 2, 12247)
png(out + "/trailing-450MB.png", 1000, 1000, 0, 449550)
png(out + "/header-1000000.png", 1000000, 1000000, 0, 1)
tiff(out + "/header-1000000.tif", 1000000, 1000000)
EOF
cp "$src/samples/scan_0003.png" bombs/
for f in bombs/*; do
    [ "$(stat -c %s "$f")" -lt 1000000 ] || fail "$f is $(stat -c %s "$f") bytes: not a bomb"
done
status=0
/usr/bin/time -f "%M" -o rss.txt "$formocr" run --min-age 0 -q -j 2 -t "$src/templates" --format jsonl \
    -o bombs.jsonl bombs 2>err.txt || status=$?
[ "$status" = 1 ] || fail "bombs: exit $status, expected 1: $(cat err.txt)"
row() { grep -F "\"file\":\"bombs/$1\"" bombs.jsonl || fail "no row for $1"; }
for f in grey-450MB.png rgb-450MB.png header-1000000.png header-1000000.tif; do
    row "$f" | grep -q '"status":"error".*too large' || fail "$f: $(row "$f")"
    grep -q "bombs/$f: page 1: too large" err.txt || fail "no message for $f: $(cat err.txt)"
done
row trailing-450MB.png | grep -qE '"status":"(error|unmatched)"' ||
    fail "trailing-450MB.png: $(row trailing-450MB.png)"
row scan_0003.png | grep -q '"template":"cerfa_' || fail "the good scan after the bombs"
rss_mb=$(( $(tail -n 1 rss.txt) / 1024 ))
echo "bombs: peak resident memory $rss_mb MB"
if [ "${FORMOCR_SANITIZED:-0}" != 1 ]; then
    [ "$rss_mb" -le 300 ] || fail "peak resident memory $rss_mb MB with the bombs, over 300 MB"
fi

# ---- 2. folders, loops, FIFOs, vanishing files -------------------------------
mkdir odd odd/x.tif
cp "$src/samples/scan_0022.png" odd/
ln -s loop.tif odd/loop.tif
mkfifo odd/pipe.png
status=0
timeout 300 "$formocr" run --min-age 0 -q -j 2 -t "$src/templates" --format jsonl -o odd.jsonl \
    odd odd/loop.tif odd/pipe.png 2>err.txt || status=$?
[ "$status" != 124 ] || fail "the run hung on odd inputs"
[ "$status" = 1 ] || fail "odd inputs: exit $status, expected 1: $(cat err.txt)"
# the link in the folder is reported, not followed; named, it is read
grep -qF "formocr: odd/loop.tif: a symbolic link, not followed" err.txt ||
    fail "the link in the folder is not reported: $(cat err.txt)"
for want in "odd/x.tif: is a folder, not a file" \
    "odd/loop.tif: cannot open (too many levels of symbolic links)" \
    "odd/pipe.png: is a pipe, not a file"; do
    grep -qF "formocr: $want" err.txt || fail "no message \"$want\": $(cat err.txt)"
    grep -qF "\"error\":\"${want#*: }\"" odd.jsonl || fail "no error row for \"$want\""
done
grep -q '"file":"odd/scan_0022.png".*"status":"unmatched"' odd.jsonl || fail "the good input"
[ "$(wc -l <odd.jsonl)" = 4 ] || fail "odd inputs: $(wc -l <odd.jsonl) rows, expected 4 (named twice, read once)"

mkdir vanish
for i in 1 2 3 4 5 6; do cp "$src/samples/scan_000$i".* vanish/; done
cp "$src/samples/scan_0003.png" vanish/zz-last.png
"$formocr" run --min-age 0 -q -j 1 -t "$src/templates" -o vanish.sqlite vanish 2>err.txt &
pid=$!
for _ in $(seq 600); do
    n=$(sqlite3 vanish.sqlite "SELECT count(*) FROM documents" 2>/dev/null || echo 0)
    [ "$n" -ge 1 ] && break
    sleep 0.1
done
rm vanish/zz-last.png
status=0
wait "$pid" || status=$?
[ "$status" = 1 ] || fail "vanishing file: exit $status, expected 1: $(cat err.txt)"
[ "$(sqlite3 vanish.sqlite "SELECT status || ' ' || error FROM documents WHERE path LIKE '%zz-last.png'")" = \
  "error cannot open (no such file or directory)" ] || fail "vanished file's row: $(cat err.txt)"
[ "$(sqlite3 vanish.sqlite "SELECT count(*) FROM documents WHERE status != 'error'")" = 6 ] ||
    fail "the other files of the vanishing run"

# ---- 3. a full disk ------------------------------------------------------------
mnt=$work/full
mkdir "$mnt"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
    mnt=""
    echo "SKIP full disk: cannot mount a tmpfs here (needs root)"
else
    # (free bytes, output): text outputs a few KB long, SQLite ones over 100 KB
    for case in 4000:csv 20000:csv 4000:jsonl 20000:jsonl 30000:sqlite 100000:sqlite; do
        free=${case%:*} out=$mnt/out.${case#*:}
        rm -f "$mnt"/*
        head -c $((262144 - free)) /dev/zero >"$mnt/filler"
        {
            status=0
            "$formocr" run --min-age 0 -q -j 2 -t "$src/templates" --csv-layout long -o "$out" \
                "$src"/samples/scan_000[1-6].* 2>err.txt || status=$?
            [ "$status" = 3 ] || fail "full disk ($free bytes free), $out: exit $status, expected 3"
            grep -qE "(no space left on device|database or disk is full)" err.txt ||
                fail "full disk, $out: message: $(cat err.txt)"
            case $out in
                *.sqlite)
                    # whatever is there is whole, and the run is not marked finished
                    if sqlite3 "$out" "SELECT 1 FROM runs" >/dev/null 2>&1; then
                        [ "$(sqlite3 "$out" "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL")" = 0 ] ||
                            fail "full disk: a run marked finished"
                        [ "$(sqlite3 "$out" "SELECT count(*) FROM documents d WHERE d.status IN ('ok','review')
                              AND (SELECT count(*) FROM fields f WHERE f.document_id = d.id) NOT IN (17, 33)")" = 0 ] ||
                            fail "full disk: partial documents"
                    fi ;;
                *)
                    [ ! -e "$out" ] || fail "full disk: $out left as if complete"
                    if ls "$mnt" | grep -q '\.tmp\.'; then
                        fail "full disk: temporary file left: $(ls "$mnt")"
                    fi ;;
            esac
        }
    done
fi
echo "hostile: all checks passed"

#!/usr/bin/env bash
# Benchmarks formocr on generated scans, side by side in one run: the
# machines are shared and noisy, so every figure is the median of several
# runs made alternately, and comparisons are ratios of runs made together.
#
#   scripts/bench.sh [--pages N] [--runs R] [--big N] [--quick] [--out DIR]
#                    [--compare FORMOCR] [--section N]
#
# 1. Throughput: `formocr run -j 1` and `-j 2` (into SQLite) against the
#    `tesseract PAGE - -l fra` command on every page, two at a time
#    (xargs -P 2, OMP_THREAD_LIMIT=1), on N pages (default 200) of the shipped
#    templates with the full variety of scans; peak resident memory
#    (/usr/bin/time -v); where the time goes (--timings).  With --compare,
#    another formocr binary (e.g. one built from an earlier commit) runs
#    -j 2 alternately with this one: the A/B ratio of their medians.
# 2. Templates: 1, 10, 30, 100 and 200 templates loaded (the extra ones
#    near misses from make-templates.py: the same form with a section
#    moved, repeated, removed, or another title), on 60 scans of one form
#    and 6 foreign pages: pages/s of `run -j 2` (cache warm), match ms/page,
#    set-up cold (empty cache) and warm, peak memory of `run -j 2`, and the
#    classification (`match`: pages given their own form, foreign pages
#    unmatched); the cost of 1,000 templates projected from 100 and 200.
# 3. Batch size: ms per page for 100 and for --big pages (default 2000;
#    --quick skips it): the cost per page must not grow with the batch.
# 4. PDF input: a scanned page from a PDF against the same page in a TIFF.
# 5. Alignment precision with 10 and 30 templates (scripts/eval-match.py).
# --section N runs section N alone (the scans and templates are made all the
# same, and kept in --out for the next time).
set -euo pipefail
cd "$(dirname "$0")/.."

pages=200
runs=3
big=2000
quick=0
compare=
compare_age= # --min-age 0 where the other binary knows it
out=build/bench
only= # --section N: that section alone
while [ $# -gt 0 ]; do
    case $1 in
        --pages) pages=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --big) big=$2; shift 2 ;;
        --quick) quick=1; shift ;;
        --out) out=$2; shift 2 ;;
        --compare) compare=$(realpath "$2"); shift 2 ;;
        --section) only=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/{/^#/p}' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

scripts/install-deps.sh
export OMP_THREAD_LIMIT=1
py=/usr/bin/python3
mkdir -p "$out"
cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out/build" -j"$(nproc)" >/dev/null
formocr=$(realpath "$out/build/formocr")
log=$out/bench.log
: >"$log"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
calc() { awk "BEGIN {print $*}"; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# timed NAME CMD...: runs CMD under /usr/bin/time, records "NAME seconds maxrss_kb"
timed() {
    local name=$1 t
    shift
    t=$(mktemp)
    /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>>"$log" || true
    # (time writes "Command exited with non-zero status N" first when it is)
    echo "$name $(tail -n 1 "$t")" >>"$out/times"
    rm -f "$t"
}
get() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$out/times" | median; }

gen() { # gen DIR COUNT SEED [make-samples options]
    local dir=$1 count=$2 seed=$3
    shift 3
    if [ "$(cat "$dir/.made" 2>/dev/null)" != "$count $seed $*" ]; then
        rm -rf "$dir"
        $py scripts/make-samples.py --count "$count" --seed "$seed" --fit-fields --out "$dir" \
            "$@" 2>>"$log"
        echo "$count $seed $*" >"$dir/.made"
    fi
}

echo "== generating scans and templates (cached in $out)"
gen "$out/scans" "$pages" 4242 --profile hard
if [ "$(cat "$out/nearmiss/.made" 2>/dev/null)" != "198 1" ]; then
    rm -rf "$out/nearmiss"
    $py scripts/make-templates.py --from templates --count 198 --seed 1 --out "$out/nearmiss" >>"$log" 2>&1
    echo "198 1" >"$out/nearmiss/.made"
fi
counts="1 10 30 100 200"
for t in $counts; do
    rm -rf "$out/t$t"
    mkdir -p "$out/t$t"
    if [ "$t" = 1 ]; then
        cp -r templates/cerfa_14011_03 "$out/t1/"
    else
        cp -r templates/cerfa_* "$out/t$t/"
        for i in $(seq 1 $((t - 2))); do cp -r "$out/nearmiss/nearmiss_$(printf %03d "$i")" "$out/t$t/"; done
    fi
done
gen "$out/one-form" 60 4343 --templates "$out/t1" --profile hard --foreign 6
: >"$out/times"

if want 1; then
echo "== 1. throughput on $pages pages, $runs alternating runs"
ls "$out"/scans/scan_* >"$out/list"
for r in $(seq "$runs"); do
    rm -f "$out"/run1.sqlite* "$out"/run2.sqlite*
    timed j1 "$formocr" run --min-age 0 -q -j 1 -t templates -o "$out/run1.sqlite" "$out/scans"
    timed j2 "$formocr" run --min-age 0 -q -j 2 -t templates -o "$out/run2.sqlite" "$out/scans"
    if [ -n "$compare" ] && "$compare" run --help 2>/dev/null | grep -q -- --min-age; then
        compare_age="--min-age 0"
    fi
    if [ -n "$compare" ]; then
        rm -f "$out"/runb.sqlite*
        # shellcheck disable=SC2086 # empty, or two words
        timed j2b "$compare" run $compare_age -q -j 2 -t templates -o "$out/runb.sqlite" "$out/scans"
    fi
    timed tess xargs -P 2 -I{} tesseract {} - -l fra <"$out/list"
done
"$formocr" run --min-age 0 -q -j 1 --timings -t templates -o - --format jsonl "$out/scans" \
    2>"$out/timings.txt" >/dev/null || true
j1=$(get j1 2); j2=$(get j2 2); tess=$(get tess 2)
printf '\n| %d pages, 2 cores | seconds | pages/s | peak RSS |\n|---|---:|---:|---:|\n' "$pages"
printf '| formocr run -j 1 | %.1f | %.1f | %d MB |\n' "$j1" "$(calc "$pages / $j1")" "$(calc "int($(get j1 3) / 1024)")"
printf '| formocr run -j 2 | %.1f | %.1f | %d MB |\n' "$j2" "$(calc "$pages / $j2")" "$(calc "int($(get j2 3) / 1024)")"
printf '| tesseract whole page, 2 at a time | %.1f | %.2f | |\n' "$tess" "$(calc "$pages / $tess")"
printf '\nformocr -j 2 is %.1fx faster than whole-page tesseract; -j 2 is %.2fx -j 1.\n' \
    "$(calc "$tess / $j2")" "$(calc "$j1 / $j2")"
if [ -n "$compare" ]; then
    j2b=$(get j2b 2)
    printf '\nA/B, run -j 2, medians of %d alternating runs: this build %.1f s, %s %.1f s: ratio %.3f (below 1: this build is faster)\n' \
        "$runs" "$j2" "$compare" "$j2b" "$(calc "$j2 / $j2b")"
fi
printf '\nwhere the time goes (formocr run -j 1 --timings, ms per page):\n'
grep -E "^  (decode|prep|match|zones|ocr|checks|output) " "$out/timings.txt" | awk '{printf "  %-7s %7.1f\n", $1, $3}'

fi
if want 2; then
echo
echo "== 2. templates loaded (60 scans of one form, 6 foreign pages)"
one=$(ls "$out"/one-form/scan_* | head -n 1)
nscans=$(ls "$out"/one-form/scan_* | wc -l)
for r in $(seq "$runs"); do
    for t in $counts; do
        rm -rf "$out/cache$t" "$out"/tpl.sqlite*
        timed "cold$t" "$formocr" match --cache-dir "$out/cache$t" -t "$out/t$t" "$one"
        timed "warm$t" "$formocr" match --cache-dir "$out/cache$t" -t "$out/t$t" "$one"
        timed "run$t" "$formocr" run --min-age 0 -q -j 2 --cache-dir "$out/cache$t" -t "$out/t$t" \
            -o "$out/tpl.sqlite" "$out/one-form"
        timed "match$t" "$formocr" match --cache-dir "$out/cache$t" -t "$out/t$t" "$out/one-form"
    done
done
for t in $counts; do
    "$formocr" match --cache-dir "$out/cache$t" -t "$out/t$t" "$out/one-form" >"$out/match$t.jsonl" 2>/dev/null || true
done
classify() { # classify JSONL: "right/forms, foreign unmatched/foreign"
    $py -c "
import json, sys
truth = json.load(open(sys.argv[1]))
right = forms = fu = foreign = 0
for line in open(sys.argv[2]):
    d = json.loads(line)
    want = truth.get(d['file'].rsplit('/', 1)[-1], {}).get('template')
    if want: forms += 1; right += d['template'] == want
    else: foreign += 1; fu += d['template'] is None
print(f'{right}/{forms} | {fu}/{foreign}')" "$out/one-form/truth.json" "$1"
}
printf '\n| templates | run -j 2 pages/s | vs 1 template | match ms/page | set-up cold s | set-up warm s | peak RSS (run -j 2) | right | foreign unmatched |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for t in $counts; do
    printf '| %d | %.2f | %.0f %% | %.0f | %.2f | %.2f | %d MB | %s |\n' "$t" \
        "$(calc "$nscans / $(get "run$t" 2)")" "$(calc "100 * $(get run1 2) / $(get "run$t" 2)")" \
        "$(calc "1000 * ($(get "match$t" 2) - $(get "warm$t" 2)) / ($nscans - 1)")" \
        "$(get "cold$t" 2)" "$(get "warm$t" 2)" "$(calc "int($(get "run$t" 3) / 1024)")" \
        "$(classify "$out/match$t.jsonl")"
done
# 1,000 templates, projected linearly from 100 and 200 (per template added)
per() { calc "($(get "$1200" "$2") - $(get "$1100" "$2")) / 100"; }
printf '\n1,000 templates, projected from 100 and 200: warm set-up %.2f s, run -j 2 %.2f pages/s, peak RSS %d MB\n' \
    "$(calc "$(get warm200 2) + 800 * $(per warm 2)")" \
    "$(calc "$nscans / ($(get run200 2) + 800 * $(per run 2))")" \
    "$(calc "int(($(get run200 3) + 800 * $(per run 3)) / 1024)")"

fi
if [ "$quick" = 0 ] && want 3; then
    echo
    echo "== 3. batch size: 100 vs $big pages (run -j 2)"
    gen "$out/big" "$big" 4444
    rm -rf "$out/small"
    mkdir -p "$out/small"
    big_files=("$out"/big/scan_*)
    cp "${big_files[@]:0:100}" "$out/small/"
    rm -f "$out"/big.sqlite* "$out"/small.sqlite*
    timed small "$formocr" run --min-age 0 -q -j 2 -t templates -o "$out/small.sqlite" "$out/small"
    timed big "$formocr" run --min-age 0 -q -j 2 -t templates -o "$out/big.sqlite" "$out/big"
    printf '\n| pages | ms per page | peak RSS |\n|---:|---:|---:|\n'
    printf '| 100 | %.1f | %d MB |\n' "$(calc "1000 * $(get small 2) / 100")" "$(calc "int($(get small 3) / 1024)")"
    printf '| %d | %.1f | %d MB |\n' "$big" "$(calc "1000 * $(get big 2) / $big")" "$(calc "int($(get big 3) / 1024)")"
fi

if want 4; then
echo
echo "== 4. PDF input: a scanned page from a PDF against the same page in a TIFF"
# 60 copies of one G4 page, in TIFF and in PDF (one image a page, as a
# scanner writes it); formocr info decodes every page; runs alternate
rm -rf "$out/pdf" "$out/tif"
mkdir -p "$out/pdf" "$out/tif"
$py -c "
import sys
from PIL import Image
im = Image.open('samples/scan_0001.tif')
for i in range(60):
    im.save(f'$out/tif/p{i:02d}.tif', compression='group4', dpi=(200, 200))
    im.save(f'$out/pdf/p{i:02d}.pdf', resolution=200)"
for r in $(seq "$runs"); do
    timed tifdec "$formocr" info "$out"/tif/*.tif
    timed pdfdec "$formocr" info "$out"/pdf/*.pdf
done
printf '\n| 60 pages, formocr info (decodes each) | median s | peak RSS |\n|---|---:|---:|\n'
printf '| G4 TIFF | %.2f | %d MB |\n' "$(get tifdec 2)" "$(calc "int($(get tifdec 3) / 1024)")"
printf '| G4 in PDF (extracted) | %.2f | %d MB |\n' "$(get pdfdec 2)" "$(calc "int($(get pdfdec 3) / 1024)")"
printf 'PDF / TIFF time: %.2f (target <= 1.10)\n' "$(calc "$(get pdfdec 2) / $(get tifdec 2)")"

fi
if want 5; then
echo
echo "== 5. alignment precision (field box corners, px at 300 dpi)"
for t in t10 t30; do
    "$formocr" match -t "$out/$t" "$out/scans" >"$out/match-$t.jsonl" 2>/dev/null || true
    echo "-- $t"
    $py scripts/eval-match.py "$out/scans/truth.json" "$out/match-$t.jsonl" --templates "$out/$t" \
        >"$out/eval-$t.txt" || true
    head -n 3 "$out/eval-$t.txt"
done

fi
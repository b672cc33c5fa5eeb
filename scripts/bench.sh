#!/usr/bin/env bash
# Benchmarks formocr on generated scans, side by side in one run: the
# machines are shared and noisy, so every figure is a median of several
# alternating runs, and comparisons are ratios of runs made together.
#
#   scripts/bench.sh [--pages N] [--runs R] [--out DIR]
#
# Matching: pages/s with 1, 10 and 30 templates loaded (the extra ones are
# near misses made by scripts/make-templates.py), against the time the
# `tesseract` command takes to read one whole page; and the precision of
# the alignment (scripts/eval-match.py) with 2 and 30 templates loaded.
set -euo pipefail
cd "$(dirname "$0")/.."

pages=100
runs=3
out=build/bench
while [ $# -gt 0 ]; do
    case $1 in
        --pages) pages=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

scripts/install-deps.sh
export OMP_THREAD_LIMIT=1
py=/usr/bin/python3
cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out/build" -j"$(nproc)" >/dev/null
formocr=$out/build/formocr

# Templates: 1, 10 and 30, the extra ones near misses of the shipped two.
mkdir -p "$out/t1" "$out/t10" "$out/t30"
rm -rf "$out"/t1/* "$out"/t10/* "$out"/t30/* "$out/nearmiss"
cp -r templates/cerfa_14011_03 "$out/t1/"
$py scripts/make-templates.py --from templates --count 28 --seed 1 --out "$out/nearmiss" >/dev/null 2>&1
cp -r templates/cerfa_* "$out/t10/"
cp -r templates/cerfa_* "$out/t30/"
for i in $(seq 1 8); do cp -r "$out/nearmiss/nearmiss_$(printf %02d "$i")" "$out/t10/"; done
cp -r "$out"/nearmiss/nearmiss_* "$out/t30/"

# Scans: the hard profile over the shipped templates, a few foreign pages.
scans=$out/scans
if [ ! -f "$scans/truth.json" ] || [ "$(cat "$scans/.pages" 2>/dev/null)" != "$pages" ]; then
    rm -rf "$scans"
    $py scripts/make-samples.py --profile hard --count "$pages" --foreign 5 --seed 4242 \
        --out "$scans" 2>/dev/null
    echo "$pages" >"$scans/.pages"
fi
one=$(ls "$scans"/scan_* | head -n 1)
total=$(ls "$scans"/scan_* | wc -l)

seconds() { # seconds CMD...: wall time of one run
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "== matching $total pages (${pages} forms + 5 foreign, hard profile), $runs runs each"
declare -A per_page
for r in $(seq "$runs"); do
    for t in 1 10 30; do
        full=$(seconds "$formocr" match -t "$out/t$t" "$scans")
        setup=$(seconds "$formocr" match -t "$out/t$t" "$one")
        echo "$t $(echo "($full - $setup) / ($total - 1)" | bc -l) $setup" >>"$out/match.times.$$"
    done
done
tess=()
for f in $(ls "$scans"/scan_* | head -n 10); do
    tess+=("$(seconds tesseract "$f" - -l fra)")
done
tess_page=$(printf '%s\n' "${tess[@]}" | median)

printf '\n| templates | match ms/page | pages/s | setup s | whole-page tesseract / match |\n'
printf '|---:|---:|---:|---:|---:|\n'
for t in 1 10 30; do
    pp=$(awk -v t="$t" '$1 == t {print $2}' "$out/match.times.$$" | median)
    su=$(awk -v t="$t" '$1 == t {print $3}' "$out/match.times.$$" | median)
    printf '| %d | %.1f | %.1f | %.2f | %.1f x |\n' "$t" "$(echo "$pp * 1000" | bc -l)" \
        "$(echo "1 / $pp" | bc -l)" "$su" "$(echo "$tess_page / $pp" | bc -l)"
done
printf '\nwhole-page `tesseract PAGE - -l fra` (OMP_THREAD_LIMIT=1): %.2f s/page (median of %d pages)\n' \
    "$tess_page" "${#tess[@]}"
rm -f "$out/match.times.$$"

echo
echo "== alignment precision (field box corners, px at 300 dpi)"
for t in t10 t30; do
    "$formocr" match -t "$out/$t" "$scans" >"$out/match-$t.jsonl" 2>/dev/null || true
    echo "-- $t"
    $py scripts/eval-match.py "$scans/truth.json" "$out/match-$t.jsonl" --templates "$out/$t" >"$out/eval-$t.txt" || true
    head -n 3 "$out/eval-$t.txt"
done

#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds formocr and shows it
# at work on the example scans in samples/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
formocr=build/demo/formocr
out=build/demo/out
mkdir -p "$out"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say formocr --version
"$formocr" --version | head -n 1

say formocr template check templates
"$formocr" template check templates

say "formocr info samples/scan_0001.tif samples/scan_0013.tif"
"$formocr" info samples/scan_0001.tif samples/scan_0013.tif

say "formocr match -t templates samples/scan_0013.tif samples/scan_0021.png"
"$formocr" match -t templates samples/scan_0013.tif samples/scan_0021.png || true

# --min-age 0: a fresh clone's samples were all written a moment ago, and a
# nightly run leaves files that young for the next night (an upload may
# still be arriving)
rm -f "$out/results.sqlite"
say "formocr run --min-age 0 -t templates -o $out/results.jsonl -o $out/results.sqlite --debug-dir $out/debug samples"
"$formocr" run --min-age 0 -t templates -o "$out/results.jsonl" -o "$out/results.sqlite" \
    --debug-dir "$out/debug" samples || true

say "the values read from samples/scan_0004.jpg (value, status):"
/usr/bin/python3 - "$out/results.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    if d["file"].endswith("scan_0004.jpg"):
        print(f'{d["file"]}: template {d["template"]}, status {d["status"]}')
        for name, f in d["fields"].items():
            value = f["value"].replace("\n", " / ")
            flag = "" if f["status"] == "ok" else f'   <- {f["status"]}: {f["reason"]}'
            print(f"  {name:27} {value}{flag}")
PY

say "formocr eval --truth samples/truth.json $out/results.jsonl"
"$formocr" eval -t templates --truth samples/truth.json "$out/results.jsonl"

say "formocr export $out/results.sqlite -o $out/results.xlsx"
"$formocr" export "$out/results.sqlite" -o "$out/results.xlsx"

printf '\nOverlay images of every page (zones coloured by status): %s\n' "$out/debug"
printf 'A spreadsheet of every document (a sheet per form): %s\n' "$out/results.xlsx"
printf 'To look at the flagged fields, each beside its image, and correct them:\n'
printf '    %s review %s\n' "$formocr" "$out/results.sqlite"

#!/usr/bin/env bash
# End-to-end test of `formocr template from-pdf` (issue 14, point 5): a
# template made from the fillable Cerfa 13753*04; copies of the form filled
# through its PDF fields with random valid values (MuPDF, fo-pdf-fill),
# flattened, rendered and degraded as a scanner does (make-samples.py
# --pdf-form); `formocr run` with the template must read them within the
# bars.  The figures of the README's "Adding a form" come from larger runs
# of the same commands (--count 60, other seeds).
#   pdf-form-samples.sh FORMOCR FO-PDF-FILL [COUNT [SEED [EVAL BAR OPTIONS...]]]
set -euo pipefail
formocr=$1
filler=$2
count=${3:-12}
seed=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
[ $# -gt 0 ] || set -- --min-classification 100 --min-accuracy 98 --max-silent 1.0
pdf=tests/data/formiable/cerfa_13753_04.pdf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$formocr" template from-pdf "$pdf" -o "$work/templates/cerfa_13753_04" 2>/dev/null
/usr/bin/python3 scripts/make-samples.py --templates "$work/templates" --out "$work/scans" \
    --count "$count" --seed "$seed" --dpis 300,200 --pdf-form "$pdf" --pdf-filler "$filler"
status=0
"$formocr" run --min-age 0 -q -t "$work/templates" --format jsonl -o "$work/out.jsonl" \
    "$work/scans" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "formocr run exited with $status"
    exit 1
fi
"$formocr" eval -t "$work/templates" --truth "$work/scans/truth.json" "$work/out.jsonl" "$@"

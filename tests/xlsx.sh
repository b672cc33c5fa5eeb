#!/usr/bin/env bash
# xlsx.sh - formocr export's XLSX as a spreadsheet reads it: LibreOffice
# (headless) opens the workbook and writes each sheet as CSV (the values as
# shown) and the whole as flat ODS (each cell's type), and the test checks
# that an identifier keeps its leading zero as text, accents come through,
# a date is a date, a decimal and an integer are numbers, and unmatched and
# error documents have their sheet.
#
#   tests/xlsx.sh FORMOCR
#
# Needs soffice (Debian's libreoffice-calc-nogui, scripts/install-deps.sh
# --test): without it the test fails, it does not skip.
set -u
formocr=$1
export OMP_THREAD_LIMIT=1
if ! command -v soffice >/dev/null 2>&1; then
    echo "xlsx: soffice is not installed (apt-get install libreoffice-calc-nogui)" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
check() { # check DESCRIPTION FILE PATTERN (grep -F)
    if grep -qF -- "$3" "$2"; then
        echo "ok: $1"
    else
        echo "FAILED: $1: no '$3' in ${2#$TMP/}" >&2
        fail=1
    fi
}

# Decimal fields: amounts typed on the shipped Cerfa 14011 blank (as the
# CLI case run-amount-units does).
mkdir "$TMP/t"
cp templates/cerfa_14011_03/page1.png "$TMP/t/"
cat >"$TMP/t/template.json" <<'JSON'
{"format": "formocr-template/1", "name": "montants", "dpi": 300,
 "pages": [{"reference": "page1.png", "fields": [
   {"name": "montant_a", "type": "decimal", "box": [1163, 1114, 1054, 44]},
   {"name": "montant_b", "type": "decimal", "box": [1018, 1176, 1199, 44]}]}]}
JSON
/usr/bin/python3 -c "
from PIL import Image, ImageDraw, ImageFont
im = Image.open('templates/cerfa_14011_03/page1.png').convert('L')
d = ImageDraw.Draw(im)
f = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 34)
d.text((1190, 1150), '35 €', font=f, fill=0, anchor='ls')
d.text((1040, 1212), '1 536,55 euros', font=f, fill=0, anchor='ls')
im.save('$TMP/typed.png', dpi=(300, 300))" || exit 1

"$formocr" run -q -j 1 -t templates -o "$TMP/out.sqlite" samples/scan_0001.tif \
    samples/scan_0002.tif tests/data/scans/text.tif
"$formocr" run -q -j 1 -t "$TMP/t" -o "$TMP/out.sqlite" "$TMP/typed.png"
# people's decisions: a postal code with a leading zero, a name with accents
sqlite3 "$TMP/out.sqlite" "
UPDATE fields SET machine_value = value, value = '01000', status = 'corrected'
 WHERE name = 'naissance_code_postal';
UPDATE fields SET machine_value = value, value = 'Électricité Œuvre', status = 'corrected'
 WHERE name = 'nom_famille';" || exit 1
"$formocr" export -q "$TMP/out.sqlite" -o "$TMP/all.xlsx" || {
    echo "FAILED: export" >&2
    exit 1
}

profile="-env:UserInstallation=file://$TMP/profile"
# every sheet as CSV (UTF-8, as shown): all-SHEET.csv
soffice "$profile" --headless --convert-to \
    'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$TMP" "$TMP/all.xlsx" >/dev/null 2>&1
soffice "$profile" --headless --convert-to fods --outdir "$TMP" "$TMP/all.xlsx" \
    >/dev/null 2>&1
for sheet in cerfa_12485_03 cerfa_14011_03 montants unmatched; do
    if [ -f "$TMP/all-$sheet.csv" ]; then
        echo "ok: sheet $sheet"
    else
        echo "FAILED: no sheet $sheet ($(ls "$TMP" | tr '\n' ' '))" >&2
        fail=1
    fi
done
[ -f "$TMP/all.fods" ] || {
    echo "FAILED: LibreOffice did not convert to fods" >&2
    exit 1
}
# one cell per line, for the cell checks
tr -d '\n' <"$TMP/all.fods" | sed -e 's/>[[:space:]]*</></g' \
    -e 's#<table:table-cell#\n&#g' >"$TMP/cells"

c14011=$TMP/all-cerfa_14011_03.csv
check "header" "$c14011" "file,first_page,last_page,status,processed_at,type_document,type_document_status,type_document_reason"
check "leading zero kept" "$c14011" ",01000,corrected,"
check "accents" "$c14011" ",Électricité Œuvre,corrected,"
check "a date shown as a date" "$c14011" ",1999-04-05,ok,"
check "the postal code is a text cell" "$TMP/cells" 'office:value-type="string" calcext:value-type="string"><text:p>01000</text:p>'
check "a date is a date cell" "$TMP/cells" 'office:value-type="date" office:date-value="1999-04-05"'
check "processed_at is a date and time" "$TMP/cells" 'office:value-type="date" office:date-value="20'
check "an integer is a number" "$TMP/cells" 'office:value-type="float" office:value="83"'
check "a decimal is a number" "$TMP/cells" 'office:value-type="float" office:value="1536.55"'
check "a decimal is a number (2)" "$TMP/all-montants.csv" ",35,ok,,1536.55,ok,"
check "a NIR stays text" "$TMP/cells" '<text:p>274042244183809</text:p>'
check "unmatched sheet" "$TMP/all-unmatched.csv" "tests/data/scans/text.tif,0,0,error,"
check "its error" "$TMP/all-unmatched.csv" ",,not an image (unknown format)"
exit $fail

#!/usr/bin/env bash
# The library's symbols follow HACKING.md: every global symbol it defines
# is named fo_*; exactly the functions the public headers mark FO_API are
# exported (default visibility); everything else is hidden (internal).
#   symbols.sh LIBFORMOCR.a INCLUDE_DIR
set -euo pipefail
lib=$1
include=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "VISIBILITY NAME" of every global symbol defined in the library (the
# sanitizers' own, named __*, aside)
# and libjpeg's jpeg_std_error, which src/jpeg_quiet.c defines on purpose
# (hidden) so that MuPDF's libjpeg messages are caught, not printed
readelf -sW "$lib" | awk '$5 == "GLOBAL" && $7 != "UND" && $8 !~ /^__/ {print $6, $8}' |
    grep -v '^HIDDEN jpeg_std_error$' | sort -u >"$tmp/defined"
[ -s "$tmp/defined" ] || { echo "no symbol found in $lib"; exit 1; }
# every function the public headers declare (a declaration starts its line)
grep -hE '^[a-zA-Z][^(;]*\bfo_[a-z0-9_]+\(' "$include"/formocr/*.h | grep -v '^typedef' \
    >"$tmp/declarations"
grep -oE '\bfo_[a-z0-9_]+\(' "$tmp/declarations" | sed -n 's/($//p' | sort -u >"$tmp/api"
awk '$1 == "DEFAULT" {print $2}' "$tmp/defined" | sort -u >"$tmp/exported"
awk '$1 != "DEFAULT" {print $2}' "$tmp/defined" | sort -u >"$tmp/hidden"

fail=0
if grep -v '^FO_API ' "$tmp/declarations"; then
    echo "^ public declarations without FO_API"
    fail=1
fi
if grep -v '^fo_' <(cut -d' ' -f2 "$tmp/defined"); then
    echo "^ global symbols without the fo_ prefix"
    fail=1
fi
if ! diff -u --label "declared in $include/formocr" --label "exported by $lib" \
    "$tmp/api" "$tmp/exported"; then
    echo "the exported symbols are not the public API (a missing FO_API, or one on a"
    echo "function the library does not define)"
    fail=1
fi
if comm -12 "$tmp/api" "$tmp/hidden" | grep .; then
    echo "^ declared public but hidden"
    fail=1
fi
[ $fail -eq 0 ] && echo "$(wc -l <"$tmp/exported") public symbols exported, $(wc -l <"$tmp/hidden") internal ones hidden"
exit $fail

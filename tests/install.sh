#!/usr/bin/env bash
# `cmake --install` into a fresh prefix gives what a packager expects, and
# the installed command works from anywhere: PREFIX/bin/formocr, its manual
# (man finds it), its bash completion, the licence, and the shipped
# templates, which run, match and eval take when neither -t,
# $FORMOCR_TEMPLATES nor ./templates gives any.
#   install.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log"; fail "cmake --install failed"; }
for f in bin/formocr share/man/man1/formocr.1 share/bash-completion/completions/formocr \
    share/formocr/templates/cerfa_14011_03/template.json \
    share/formocr/templates/cerfa_14011_03/page1.png \
    share/formocr/templates/cerfa_12485_03/template.json \
    share/formocr/templates/LICENSE.formiable share/doc/formocr/LICENSE \
    share/doc/formocr/NOTICE; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
done
[ -x "$prefix/bin/formocr" ] || fail "bin/formocr is not executable"

# man finds and renders the page from the prefix
page=$(MANPATH=$prefix/share/man man -w formocr) || fail "man -w formocr finds nothing"
[ "$page" = "$prefix/share/man/man1/formocr.1" ] || fail "man found $page"
MANPATH=$prefix/share/man MANWIDTH=80 man -P cat formocr 2>"$tmp/man.err" >"$tmp/man.txt"
grep -q "EXIT STATUS" "$tmp/man.txt" || fail "the rendered manual has no EXIT STATUS"
[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "man printed warnings"; }

# the installed command, run from a folder with no templates, takes the
# installed ones
mkdir "$tmp/work"
cp "$src/samples/scan_0004.jpg" "$tmp/work/"
cd "$tmp/work"
unset FORMOCR_TEMPLATES
"$prefix/bin/formocr" run --min-age 0 -q --format jsonl -o - scan_0004.jpg >run.jsonl ||
    fail "run with the installed templates exited with $?"
grep -q '"template":"cerfa_14011_03"' run.jsonl || { cat run.jsonl; fail "run did not use the installed templates"; }
"$prefix/bin/formocr" match scan_0004.jpg >match.jsonl || fail "match exited with $?"
grep -q '"template":"cerfa_14011_03"' match.jsonl || fail "match did not use the installed templates"
# and the installation can be moved: the templates are found beside the command
mv "$prefix" "$tmp/moved"
"$tmp/moved/bin/formocr" match scan_0004.jpg >moved.jsonl || fail "a moved install fails"
grep -q '"template":"cerfa_14011_03"' moved.jsonl || fail "a moved install does not find its templates"
# $FORMOCR_TEMPLATES and ./templates still come first
mkdir -p templates/other
FORMOCR_TEMPLATES=$tmp/none "$tmp/moved/bin/formocr" match scan_0004.jpg >/dev/null 2>"$tmp/err" &&
    fail "FORMOCR_TEMPLATES naming nothing was not used"
grep -q "$tmp/none" "$tmp/err" || { cat "$tmp/err"; fail "the error does not name \$FORMOCR_TEMPLATES's folder"; }
"$tmp/moved/bin/formocr" match scan_0004.jpg >/dev/null 2>"$tmp/err" &&
    fail "an empty ./templates was not used"
grep -q "templates" "$tmp/err" || { cat "$tmp/err"; fail "the error does not name ./templates"; }
echo "installed, manual found, installed templates used (also once moved)"

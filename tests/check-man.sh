#!/usr/bin/env bash
# check-man.sh - checks that the man page is clean and describes the
# command line that the binary really has.
#
#   tests/check-man.sh FORMOCR MANPAGE
#   tests/check-man.sh build/formocr docs/formocr.1
#
# Fails (exit 1, one line per problem on stderr) when:
#   - 'mandoc -Tlint -W warning MANPAGE' reports anything;
#   - a command that 'FORMOCR --help' lists has no subsection in the man
#     page (a '.SS "formocr COMMAND ..."' heading; for the template
#     sub-commands '.SS "formocr template check ..."' and so on);
#   - a long option (--xxx) that 'FORMOCR COMMAND --help' prints is not in
#     that command's subsection (for 'template', in one of the template
#     subsections), or one that 'FORMOCR --help' prints is nowhere in the
#     page.
# In roff a dash is written '\-': the page is compared once '\-' is turned
# into '-' and font escapes (\fB, \fI, \fR, \fP, \&) are taken away.
#
# Exit status: 0 all good, 1 a check failed, 2 usage, 77 mandoc is not
# installed (ctest: SKIP_RETURN_CODE 77).
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 FORMOCR MANPAGE" >&2
    exit 2
fi
formocr=$1
page=$2
if [ ! -x "$formocr" ]; then
    echo "check-man: $formocr: not an executable" >&2
    exit 2
fi
if [ ! -r "$page" ]; then
    echo "check-man: $page: cannot read" >&2
    exit 2
fi
if ! command -v mandoc >/dev/null 2>&1; then
    echo "check-man: mandoc is not installed (apt-get install mandoc): skipped" >&2
    exit 77
fi

failures=0
fail() {
    echo "check-man: $*" >&2
    failures=$((failures + 1))
}

# (a) mandoc's lint, warnings and worse.
lint=$(mandoc -Tlint -W warning "$page" 2>&1)
lint_rc=$?
if [ -n "$lint" ] || [ "$lint_rc" -ne 0 ]; then
    fail "mandoc -Tlint -W warning $page reports (exit $lint_rc):"
    printf '%s\n' "$lint" | sed 's/^/    /' >&2
fi

# The page as plain words: '\-' -> '-', font escapes and '\&' removed.
text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' "$page")

# The lines of one subsection: from its .SS heading, whose title starts
# with "formocr WORDS", to the next .SS or .SH.
section() {
    printf '%s\n' "$text" | awk -v want="formocr $1" '
        /^\.S[HS]/ {
            title = $0
            sub(/^\.SS[ \t]+/, "", title)
            gsub(/"/, "", title)
            on = ($1 == ".SS" && (title == want || index(title, want " ") == 1))
            if (on) found = 1
            next
        }
        on { print }
        END { exit found ? 0 : 1 }'
}

# Long options in a help text, once each.
long_options() {
    grep -oE -- '(^|[^A-Za-z0-9_-])--[a-z0-9][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u
}

# Whether the option is a whole word of the text on standard input.
has_option() {
    grep -qE -- "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|\$)"
}

main_help=$("$formocr" --help 2>&1) || fail "$formocr --help failed: $main_help"

# (b) the commands: two spaces, then lowercase words, in "commands:".
commands=$(printf '%s\n' "$main_help" | awk '
    /^commands:/ { on = 1; next }
    on && /^[^ ]/ { on = 0 }
    on && /^  [a-z]/ {
        if ($1 == "template") print $1 " " $2; else print $1
    }')
if [ -z "$commands" ]; then
    fail "no commands found in '$formocr --help'"
fi

for opt in $(printf '%s\n' "$main_help" | long_options); do
    printf '%s\n' "$text" | has_option "$opt" ||
        fail "'$formocr --help' prints $opt, not in $page"
done

template_sections=""
while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    if ! body=$(section "$cmd"); then
        fail "command '$cmd' (in '$formocr --help') has no '.SS \"formocr $cmd ...\"' in $page"
        continue
    fi
    case $cmd in
    template\ *)
        template_sections+="$body"$'\n'
        ;;
    *)
        # shellcheck disable=SC2086 # cmd has no spaces here
        help=$("$formocr" $cmd --help 2>&1) || {
            fail "'$formocr $cmd --help' failed: $help"
            continue
        }
        for opt in $(printf '%s\n' "$help" | long_options); do
            printf '%s\n' "$body" | has_option "$opt" ||
                fail "'$formocr $cmd --help' prints $opt, not in $page's \"formocr $cmd\" section"
        done
        ;;
    esac
done <<<"$commands"

# template: one help for its sub-commands; each long option must be in one
# of the template subsections.
if printf '%s\n' "$commands" | grep -q '^template'; then
    for sub in "" $(printf '%s\n' "$commands" | awk '$1 == "template" { print $2 }'); do
        # shellcheck disable=SC2086 # sub is one word or nothing
        help=$("$formocr" template $sub --help 2>&1) || {
            fail "'$formocr template $sub --help' failed: $help"
            continue
        }
        for opt in $(printf '%s\n' "$help" | long_options); do
            printf '%s\n' "$template_sections" | has_option "$opt" ||
                fail "'$formocr template${sub:+ $sub} --help' prints $opt, not in $page's template sections"
        done
    done
fi

if [ "$failures" -ne 0 ]; then
    echo "check-man: $failures problem(s) in $page" >&2
    exit 1
fi
echo "check-man: $page: lint clean; $(printf '%s\n' "$commands" | wc -l) commands and their options all described"
exit 0

#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds formocr from scratch
# and runs every test: once in a normal build with warnings as errors, then
# again with AddressSanitizer and UBSan, where any report fails the run.
# Last, each libFuzzer target (tests/fuzz, built with clang) runs for a
# while from its seed corpus; any crash, leak or sanitizer report fails.
# The Slurm integration test (tests/slurm.sh, label "cluster") starts a
# single-node cluster on this machine: it needs root.
#   scripts/test.sh                 everything (fuzzing 20 s a target)
#   scripts/test.sh --quick         skip the sanitizer pass and the fuzzing
#   scripts/test.sh --fuzz-time S   fuzz S seconds a target
#   scripts/test.sh --no-cluster    skip the Slurm test (said loudly; CI
#                                   never passes it)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
fuzz_time=20
cluster=1
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1; shift ;;
        --fuzz-time) fuzz_time=$2; shift 2 ;;
        --no-cluster) cluster=0; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

scripts/install-deps.sh --test
jobs=$(nproc)

# every C file as clang-format writes it (HACKING.md)
echo "== format"
unformatted=$(find src include tests -name '*.[ch]' -print0 |
    xargs -0 clang-format --dry-run 2>&1 |
    sed -n 's/^\([^: ]*\.[ch]\):[0-9]*:[0-9]*: .*clang-format-violations.*/\1/p' | sort -u)
if [ -n "$unformatted" ]; then
    echo "not formatted (clang-format -i FILE):"
    echo "$unformatted"
    exit 1
fi
export OMP_THREAD_LIMIT=1

# run_suite DIR "CTEST OPTIONS" CMAKE OPTIONS...
run_suite() {
    local dir=$1 select=$2; shift 2
    echo "== build $dir ($*)"
    rm -rf "$dir"
    cmake -S . -B "$dir" -DFORMOCR_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== test $dir"
    # shellcheck disable=SC2086
    (cd "$dir" && ctest --output-on-failure -j"$jobs" $select)
}

if [ $cluster -eq 1 ]; then
    run_suite build/test "" -DCMAKE_BUILD_TYPE=RelWithDebInfo
else
    echo "== SKIPPING the Slurm cluster test (--no-cluster)"
    run_suite build/test "-LE cluster" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if [ $quick -eq 0 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # (the Slurm test ran above; it tests the scheduling, not the code; the
    # accuracy runs and LibreOffice's reading of an XLSX measure results the
    # first pass checked, over code the CLI cases and unit tests run here
    # too: left out, CI stays under 30 minutes)
    echo "== the sanitizer pass leaves out the Slurm cluster test, the accuracy runs and LibreOffice"
    run_suite build/sanitize "-LE cluster|accuracy|office" -DCMAKE_BUILD_TYPE=Debug -DFORMOCR_SANITIZE=ON

    echo "== fuzz ($fuzz_time s a target)"
    rm -rf build/fuzz
    CC=clang cmake -S . -B build/fuzz -DFORMOCR_FUZZ=ON -DFORMOCR_WERROR=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
    cmake --build build/fuzz -j"$jobs" >/dev/null
    for target in template image pdf truth csv shard names author review cache model; do
        corpus=build/fuzz/corpus-$target
        rm -rf "$corpus"
        mkdir -p "$corpus"
        # the regressions first: every input that once failed must pass
        if [ -d "tests/fuzz/regressions/$target" ]; then
            build/fuzz/tests/fuzz/fuzz_$target -runs=0 "tests/fuzz/regressions/$target" \
                >"build/fuzz/$target-regressions.log" 2>&1 ||
                { cat "build/fuzz/$target-regressions.log"; echo "fuzz_$target: a regression fails"; exit 1; }
        fi
        if ! build/fuzz/tests/fuzz/fuzz_$target -max_total_time="$fuzz_time" -rss_limit_mb=2048 \
            -timeout=20 -artifact_prefix="build/fuzz/$target-" "$corpus" "tests/fuzz/corpus/$target" \
            >"build/fuzz/$target.log" 2>&1; then
            tail -n 40 "build/fuzz/$target.log"
            echo "fuzz_$target failed: the input is in build/fuzz/$target-*"
            exit 1
        fi
        echo "fuzz_$target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "build/fuzz/$target.log")"
    done
fi
echo "== all tests passed"
# a cluster test skipped because this machine cannot run Slurm says so last
log=build/test/Testing/Temporary/LastTest.log
if [ $cluster -eq 1 ] && grep -q "^SKIPPED (this machine cannot host" "$log" 2>/dev/null; then
    echo "== WARNING: the Slurm cluster test was SKIPPED; what Slurm said:"
    sed -n '/^SKIPPED (this machine cannot host/,/^<end of output>/p' "$log" | head -n 80
fi

#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds formocr from scratch
# and runs every test: once in a normal build with warnings as errors, then
# again with AddressSanitizer and UBSan, where any report fails the run.
#   scripts/test.sh            everything
#   scripts/test.sh --quick    skip the sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
    case $arg in
        --quick) quick=1 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

scripts/install-deps.sh
jobs=$(nproc)
export OMP_THREAD_LIMIT=1

run_suite() {
    local dir=$1; shift
    echo "== build $dir ($*)"
    rm -rf "$dir"
    cmake -S . -B "$dir" -DFORMOCR_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== test $dir"
    (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

run_suite build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $quick -eq 0 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_suite build/sanitize -DCMAKE_BUILD_TYPE=Debug -DFORMOCR_SANITIZE=ON
fi
echo "== all tests passed"

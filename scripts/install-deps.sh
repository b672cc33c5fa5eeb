#!/usr/bin/env bash
# Installs, with apt-get, what formocr needs to build, test and run on
# Debian 12.  Does nothing when everything is there already; needs root
# otherwise.  Run by demo.sh and bench.sh; by test.sh with --test, which
# adds what only the tests need (clang for fuzzing, a Slurm cluster,
# valgrind, LibreOffice to open the XLSX export, handwriting fonts to
# write test forms by hand).
set -euo pipefail

FORMOCR_PACKAGES=(
    build-essential cmake pkg-config
    libleptonica-dev libtiff-dev libpng-dev libjpeg-dev libgdcm-dev
    libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev
    libfreetype-dev libharfbuzz-dev
    libtesseract-dev tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng
    libsqlite3-dev sqlite3 libjansson-dev libpcre2-dev libssl-dev
    libmicrohttpd-dev libxlsxwriter-dev
    python3-pil fonts-dejavu-core fonts-liberation fonts-freefont-ttf
    bc time
)
if [ "${1:-}" = --test ]; then
    FORMOCR_PACKAGES+=(clang libclang-rt-14-dev slurm-wlm munge valgrind clang-format
                      mandoc man-db curl chromium libreoffice-calc-nogui
                      fonts-dkg-handwriting fonts-breip fonts-rufscript)
    # the review page's browser test drives chromium from Node.js (its
    # driver, playwright-core, comes from npm): Debian's Node.js where the
    # machine has none of its own
    command -v node >/dev/null && command -v npm >/dev/null ||
        FORMOCR_PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${FORMOCR_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages: ${missing[*]}" >&2
        echo "install-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

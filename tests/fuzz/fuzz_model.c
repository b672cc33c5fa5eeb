/*
 * fuzz_model.c - libFuzzer target: a matcher model as read back from the
 * cache ("mframe" and "mpatch" payloads), for page 1 of the small test
 * template tests/data/templates/good (its entries pass their checksum when
 * they are whole: what is fuzzed here is what follows, the decoding of
 * sizes, profiles, bitmaps and patches that must match the template).
 * Input: a u32 (little-endian) count of frame bytes, the frame, then the
 * patches.  The seed (tests/fuzz/corpus/model/) is the real model of that
 * page: the payloads of the entries `formocr match --cache-dir D -t
 * tests/data/templates/good tests/data/templates/good/ref.png` writes
 * (see tests/fuzz/corpus/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formocr/match.h"
#include "fuzz_common.h"
#include "match_internal.h"

static fo_template_set *set;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = "tests/data/templates/good/template.json";
    fo_error err;
    (void)argc;
    (void)argv;
    if (fo_template_set_load_lazy(&path, 1, &set, &err) != FO_OK) {
        fprintf(stderr, "fuzz_model: %s (run from the source tree)\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t n;
    if (size < 4)
        return 0;
    n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
        (uint32_t)data[3] << 24;
    if (n > size - 4)
        n = (uint32_t)(size - 4);
    fo_match_check_stored_model(set->items[0], 0, data + 4, n, data + 4 + n,
                                size - 4 - n);
    return 0;
}

/* fuzz_common.h - what the fuzz targets share: a folder with a reference. */
#ifndef FORMOCR_FUZZ_COMMON_H
#define FORMOCR_FUZZ_COMMON_H

#include <leptonica/allheaders.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

/* libFuzzer's entry points (a target defines the first, may define the
 * second). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A fresh folder holding a 60x80 white ref.png; returns folder/name. */
static inline char *fuzz_folder_with_reference(const char *name)
{
    char tmpl[] = "/tmp/formocr-fuzz-XXXXXX";
    char *dir = mkdtemp(tmpl), *ref, *path;
    PIX *pix;
    if (!dir)
        return NULL;
    ref = fo_path_join(dir, "ref.png");
    pix = pixCreate(60, 80, 8);
    pixSetAll(pix);
    pixWrite(ref, pix, IFF_PNG);
    pixDestroy(&pix);
    free(ref);
    path = fo_path_join(dir, name);
    return path;
}

#endif

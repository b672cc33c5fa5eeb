/* fuzz_common.h - what the fuzz targets share: a folder with a reference. */
#ifndef FORMOCR_FUZZ_COMMON_H
#define FORMOCR_FUZZ_COMMON_H

#include <leptonica/allheaders.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "formocr/image.h"
#include "util.h"

/* Opens data as formocr opens a scan and decodes every page; a page whose
 * pixels are not the size its header announced is a bug (trap).  Shared by
 * fuzz_image and fuzz_pdf. */
static inline void fuzz_decode_every_page(const uint8_t *data, size_t size,
                                          const fo_image_limits *limits)
{
    fo_image *img = NULL;
    fo_error err;
    if (fo_image_open_memory(data, size, limits, &img, &err) == FO_OK) {
        for (int p = 0; p < fo_image_page_count(img); p++) {
            PIX *pix = NULL;
            fo_page_info info;
            if (fo_image_decode(img, p, &pix, &info, &err) == FO_OK &&
                (pixGetWidth(pix) != info.width || pixGetHeight(pix) != info.height))
                __builtin_trap();
            pixDestroy(&pix);
            /* a filled form's live fields (PDF only; none elsewhere) */
            {
                fo_form_value *v = NULL;
                int n = -1;
                if (fo_image_form_values(img, p, &v, &n, &err) == FO_OK) {
                    if (n < 0 || (n > 0 && !v))
                        __builtin_trap();
                    for (int i = 0; i < n; i++)
                        if (!v[i].name || !v[i].value)
                            __builtin_trap();
                }
                fo_form_values_free(v, n > 0 ? n : 0);
            }
        }
    }
    fo_image_destroy(&img);
}

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

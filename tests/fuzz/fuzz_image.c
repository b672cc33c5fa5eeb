/* fuzz_image.c - libFuzzer target: image identification and decoding from
 * memory, as formocr reads scans (small limits keep each run fast). */
#include <leptonica/allheaders.h>
#include <stdint.h>

#include "formocr/image.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_image_limits limits;
    fo_image *img = NULL;
    fo_error err;

    fo_image_limits_default(&limits);
    limits.max_pixels = 4000000;
    limits.max_pages = 8;
    if (fo_image_open_memory(data, size, &limits, &img, &err) == FO_OK) {
        for (int p = 0; p < fo_image_page_count(img); p++) {
            PIX *pix = NULL;
            fo_page_info info;
            if (fo_image_decode(img, p, &pix, &info, &err) == FO_OK &&
                (pixGetWidth(pix) != info.width || pixGetHeight(pix) != info.height))
                __builtin_trap();
            pixDestroy(&pix);
        }
    }
    fo_image_destroy(&img);
    return 0;
}

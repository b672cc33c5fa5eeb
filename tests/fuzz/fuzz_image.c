/* fuzz_image.c - libFuzzer target: image identification and decoding from
 * memory, as formocr reads scans (small limits keep each run fast). */
#include <leptonica/allheaders.h>
#include <stdint.h>

#include "formocr/image.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_image_limits limits;

    fo_image_limits_default(&limits);
    limits.max_pixels = 4000000;
    limits.max_pages = 8;
    fuzz_decode_every_page(data, size, &limits);
    return 0;
}

/* fuzz_pdf.c - libFuzzer target: PDF input through the image stage, as
 * formocr reads scanners' PDFs (MuPDF opens, repairs, plans each page as
 * its one image or a rendering, and decodes it), with small limits so that
 * each run stays fast.  Its seeds are PDFs (tests/fuzz/corpus/pdf). */
#include <leptonica/allheaders.h>
#include <stdint.h>
#include <string.h>

#include "formocr/image.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_image_limits limits;
    fo_image *img = NULL;
    fo_error err;

    /* only PDFs: the other formats have fuzz_image */
    if (size < 5 || memcmp(data, "%PDF-", 5) != 0)
        return 0;
    fo_image_limits_default(&limits);
    limits.max_pixels = 2000000;
    limits.max_pages = 4;
    limits.pdf_dpi = 50;
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

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

    /* only PDFs: the other formats have fuzz_image */
    if (size < 5 || memcmp(data, "%PDF-", 5) != 0)
        return 0;
    fo_image_limits_default(&limits);
    limits.max_pixels = 2000000;
    limits.max_pages = 4;
    limits.pdf_dpi = 50;
    fuzz_decode_every_page(data, size, &limits);
    return 0;
}

/* pix_pattern.h - a 1-bpp test image the unit tests share. */
#ifndef FORMOCR_TEST_PIX_PATTERN_H
#define FORMOCR_TEST_PIX_PATTERN_H

#include <leptonica/allheaders.h>

/* A 1-bpp PIX of w x h with a pattern that reaches the last column (so
 * that a raster's last word and its pad bits are exercised); the caller
 * destroys it. */
static inline PIX *pattern_pix(int w, int h)
{
    PIX *pix = pixCreate(w, h, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x * 7 + y * 3) % 5 == 0 || x == w - 1)
                pixSetPixel(pix, x, y, 1);
    return pix;
}

#endif

/* test_glyph.c - the shape tests of one written character. */
#include <leptonica/allheaders.h>
#include <math.h>

#include "harness.h"
#include "read/glyph.h"

enum { W = 60, H = 90, CX = 30, CY = 45, INK = 128 };

static PIX *blank(void)
{
    PIX *p = pixCreate(W, H, 8);
    pixSetAll(p);
    return p;
}

/* Ink where (x, y) lies between the ellipse of radii (rx, ry) about
 * (cx, cy) and the one `thick` px inside it (thick <= 0: filled). */
static void ellipse(PIX *p, double cx, double cy, double rx, double ry, double thick)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double out = pow((x - cx) / rx, 2) + pow((y - cy) / ry, 2);
            double in = thick <= 0 ? 2
                                   : pow((x - cx) / (rx - thick), 2) +
                                         pow((y - cy) / (ry - thick), 2);
            if (out <= 1 && (thick <= 0 || in >= 1))
                pixSetPixel(p, x, y, 0);
        }
}

static void bar(PIX *p, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            pixSetPixel(p, x, y, 0);
}

static fo_zero_shape shape_of(PIX *p)
{
    fo_zero_shape s = fo_glyph_zero_shape(p, INK);
    pixDestroy(&p);
    return s;
}

static void test_zeros(void)
{
    PIX *p = blank();
    ellipse(p, CX, CY, 18, 30, 5);
    INT_EQ(shape_of(p), FO_ZERO_OVAL); /* plain: likely only */

    p = blank();
    ellipse(p, CX, CY, 18, 30, 5);
    bar(p, CX - 15, CY - 3, CX + 15, CY + 3); /* a bar joining both sides */
    INT_EQ(shape_of(p), FO_ZERO_MARKED);

    p = blank();
    ellipse(p, CX, CY, 18, 30, 5);
    ellipse(p, CX, CY, 4, 6, 0); /* a dot inside, apart from the ring */
    INT_EQ(shape_of(p), FO_ZERO_MARKED);
}

static void test_not_zeros(void)
{
    PIX *p = blank();
    /* an 8: two loops, narrower where they meet */
    ellipse(p, CX, CY - 15, 13, 15, 5);
    ellipse(p, CX, CY + 14, 16, 16, 5);
    INT_EQ(shape_of(p), FO_NOT_ZERO);

    p = blank();
    /* a 6: a loop in the lower half and a stem up its left side */
    ellipse(p, CX, CY + 14, 16, 16, 5);
    bar(p, CX - 16, CY - 30, CX - 11, CY + 14);
    INT_EQ(shape_of(p), FO_NOT_ZERO);

    p = blank();
    /* a 9 with a speck in its loop: the loop is in the upper half */
    ellipse(p, CX, CY - 14, 16, 16, 5);
    bar(p, CX + 11, CY - 14, CX + 16, CY + 30);
    bar(p, CX - 1, CY - 15, CX + 1, CY - 13);
    INT_EQ(shape_of(p), FO_NOT_ZERO);

    p = blank();
    bar(p, CX - 3, CY - 30, CX + 3, CY + 30); /* a 1: no counter */
    INT_EQ(shape_of(p), FO_NOT_ZERO);
}

static void test_degenerate(void)
{
    PIX *p = blank();
    INT_EQ(shape_of(p), FO_NOT_ZERO); /* no ink */
    p = pixCreate(1, 1, 8);
    INT_EQ(shape_of(p), FO_NOT_ZERO);
    p = pixCreate(W, H, 1); /* not grey: refused, not crashed on */
    INT_EQ(shape_of(p), FO_NOT_ZERO);
    INT_EQ(fo_glyph_zero_shape(NULL, INK), FO_NOT_ZERO);
}

int main(void)
{
    RUN(test_zeros);
    RUN(test_not_zeros);
    RUN(test_degenerate);
    return harness_done();
}

/*
 * glyph.c - what the shape of one written character says (see glyph.h).
 *
 * A zero drawn with a dot or a bar inside: a dot merged with one side
 * leaves one counter (closed hole), a bar joining both sides two, one
 * above the other.  An 8 has two counters too, but its outline narrows
 * between them where an oval's is widest; a 6 or a 9 has one, filling
 * one half of its height where a zero's fills most of it.  Measured on
 * 410 generated pages (22,000 digit cells) before these rules were set:
 * the waist ratio of barred zeros was 0.95 or more, that of eights 0.81
 * at most; a lone counter of a zero read 6/8/9 was 0.62 to 0.69 of the
 * height, that of sixes and nines 0.56 at most (close, hence only "likely").
 */
#include "glyph.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>

enum { MIN_COUNTER = 3 }; /* px: a smaller hole in a glyph is noise */
/* Two counters and no narrower waist than this (of the width at the
 * counters): a barred zero, not an 8. */
static const double ZERO_WAIST = 0.9;
/* One counter this tall (of the glyph's height) in its middle: an oval. */
static const double OVAL_COUNTER = 0.6;

/* Width of the ink on row y of a binary image (0 on a blank row). */
static int row_width(PIX *bin, int y)
{
    int w = pixGetWidth(bin), lo = -1, hi = -1;
    for (int x = 0; x < w; x++) {
        l_uint32 v = 0;
        pixGetPixel(bin, x, y, &v);
        if (v) {
            hi = x;
            if (lo < 0)
                lo = x;
        }
    }
    return lo < 0 ? 0 : hi - lo + 1;
}

/* Counters (closed holes) of a glyph's bitmap of at least MIN_COUNTER px:
 * *n of them, the boxes of the first two in boxes[] (caller destroys). */
static void counters_of(PIX *glyph, int *n, BOX *boxes[2])
{
    PIX *holes = pixHolesByFilling(glyph, 4);
    PIXA *parts = NULL;
    BOXA *found = holes ? pixConnComp(holes, &parts, 4) : NULL;
    NUMA *areas = found ? pixaCountPixels(parts) : NULL;
    *n = 0;
    for (int i = 0; areas && i < boxaGetCount(found); i++) {
        l_int32 area = 0;
        numaGetIValue(areas, i, &area);
        if (area >= MIN_COUNTER && (*n)++ < 2)
            boxes[*n - 1] = boxaGetBox(found, i, L_COPY);
    }
    numaDestroy(&areas);
    boxaDestroy(&found);
    pixaDestroy(&parts);
    pixDestroy(&holes);
}

/* Two counters one above the other and an outline with no waist between
 * them: the widest row at their level (an oval's middle) is where an 8
 * narrows. */
static bool barred_oval(PIX *glyph, BOX *a, BOX *b)
{
    l_int32 ya, ha, yb, hb;
    int waist = INT_MAX, bowl;
    boxGetGeometry(a, NULL, &ya, NULL, &ha);
    boxGetGeometry(b, NULL, &yb, NULL, &hb);
    if (yb < ya) {
        l_int32 t = ya;
        ya = yb, yb = t;
        t = ha, ha = hb, hb = t;
    }
    if (ya + ha > yb)
        return false;
    for (int y = ya + ha; y < yb; y++)
        waist = (int)fmin(waist, row_width(glyph, y));
    if (waist == INT_MAX)
        waist = row_width(glyph, yb);
    bowl = (int)fmax(row_width(glyph, ya + ha / 2), row_width(glyph, yb + hb / 2));
    return bowl > 0 && waist >= ZERO_WAIST * bowl;
}

/* A dot inside the one counter, in the middle third of the glyph both
 * ways, not a speck (1/40 of the glyph's ink at least).  The boxes of
 * `all` are the image's, the counter's the glyph's. */
static bool dotted_oval(BOXA *all, int main, l_int32 area, BOX *glyph, BOX *counter)
{
    l_int32 gx, gy, gw, gh, cx, cy, cw, ch;
    boxGetGeometry(glyph, &gx, &gy, &gw, &gh);
    boxGetGeometry(counter, &cx, &cy, &cw, &ch);
    cx += gx;
    cy += gy;
    for (int i = 0; i < boxaGetCount(all); i++) {
        l_int32 x, y, w, h;
        if (i == main || boxaGetBoxGeometry(all, i, &x, &y, &w, &h) != 0)
            continue;
        bool inside = x >= cx && y >= cy && x + w <= cx + cw && y + h <= cy + ch;
        bool central =
            3 * (2 * (x - gx) + w) > 2 * gw && 3 * (2 * (x - gx) + w) < 4 * gw &&
            3 * (2 * (y - gy) + h) > 2 * gh && 3 * (2 * (y - gy) + h) < 4 * gh;
        if (inside && central && w * h * 40 >= area)
            return true;
    }
    return false;
}

/* One counter, centred, at least OVAL_COUNTER of the glyph's height: the
 * counter of a 6 or a 9 fills one half of it. */
static bool oval(PIX *glyph, BOX *counter)
{
    l_int32 y, h, gh = pixGetHeight(glyph);
    boxGetGeometry(counter, NULL, &y, NULL, &h);
    return h >= OVAL_COUNTER * gh && 2 * y + h > 0.7 * gh && 2 * y + h < 1.3 * gh;
}

/* The largest ink part is the glyph; its counters say the rest. */
fo_zero_shape fo_glyph_zero_shape(PIX *grey, int ink_level)
{
    PIX *bin = grey && pixGetDepth(grey) == 8 && !pixGetColormap(grey)
                   ? pixThresholdToBinary(grey, ink_level)
                   : NULL,
        *glyph = NULL;
    PIXA *parts = NULL;
    BOXA *all = bin ? pixConnComp(bin, &parts, 8) : NULL;
    NUMA *areas = all ? pixaCountPixels(parts) : NULL;
    BOX *counters[2] = {NULL, NULL}, *box = NULL;
    int main = -1, n = 0;
    l_int32 best = 0;
    fo_zero_shape shape = FO_NOT_ZERO;
    for (int i = 0; areas && i < numaGetCount(areas); i++) {
        l_int32 area = 0;
        numaGetIValue(areas, i, &area);
        if (area > best)
            best = area, main = i;
    }
    if (main >= 0) {
        glyph = pixaGetPix(parts, main, L_CLONE);
        box = boxaGetBox(all, main, L_CLONE);
    }
    if (glyph && box)
        counters_of(glyph, &n, counters);
    if (n == 2 && barred_oval(glyph, counters[0], counters[1]))
        shape = FO_ZERO_MARKED;
    else if (n == 1 && dotted_oval(all, main, best, box, counters[0]))
        shape = FO_ZERO_MARKED;
    else if (n == 1 && oval(glyph, counters[0]))
        shape = FO_ZERO_OVAL;
    for (int i = 0; i < n && i < 2; i++)
        boxDestroy(&counters[i]);
    boxDestroy(&box);
    pixDestroy(&glyph);
    numaDestroy(&areas);
    boxaDestroy(&all);
    pixaDestroy(&parts);
    pixDestroy(&bin);
    return shape;
}

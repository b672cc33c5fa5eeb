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
#include "read_internal.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

enum { MIN_COUNTER = 3 }; /* px: a smaller hole in a glyph is noise */
/* A counter a digit is drawn with spans this much of its glyph's width
 * and height at least (fo_glyph_counters): a bold face's thick strokes
 * hold pinholes of scan noise. */
static const double COUNTER_SHARE = 0.15;
/* Two counters and no narrower waist than this (of the width at the
 * counters): a barred zero, not an 8. */
static const double ZERO_WAIST = 0.9;
/* One counter this tall (of the glyph's height) in its middle: an oval. */
static const double OVAL_COUNTER = 0.6;
/* One counter no taller than this, its centre in the upper or the lower
 * 42 % of the height: a 9's or a 6's, not a zero's. */
static const double NOT_OVAL_COUNTER = 0.56;
/* The share of the width, from the left, where a 3 has no ink. */
static const double LEFT_SIDE = 0.3;
/* A side of a glyph read 0 with no counter is open over this share of its
 * height at least: a 9's left below its bowl, a 6's right above it. */
static const double OPEN_SIDE = 0.25;

/* First and last ink column of row y (*lo = -1 on a blank row). */
static void row_span(PIX *bin, int y, int *lo, int *hi)
{
    int w = pixGetWidth(bin);
    *lo = *hi = -1;
    for (int x = 0; x < w; x++) {
        l_uint32 v = 0;
        pixGetPixel(bin, x, y, &v);
        if (v) {
            *hi = x;
            if (*lo < 0)
                *lo = x;
        }
    }
}

/* Width of the ink on row y of a binary image (0 on a blank row). */
static int row_width(PIX *bin, int y)
{
    int lo, hi;
    row_span(bin, y, &lo, &hi);
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

/*
 * Typed look-alikes told apart by shape.  Tesseract's LSTM reads a comb's
 * cells in context: a round O or a plain I among digits comes out 0 or 1,
 * 99 % confident, and read alone with only the two allowed it often sees
 * nothing.  What tells them apart in print is the drawing itself, in every
 * common face: an O is round, a zero an upright oval; a 1 has a flag on
 * one side of its stem's top, an I serifs on both sides or none, a J a hook
 * at the foot; a 6 closes a counter that a G leaves open; a B's left side
 * is square at both ends where an 8's is round.  Measured on 1,650 typed
 * comb cells of make-corpus2.py (seeds 1 and 7; ten faces, serif, sans,
 * monospaced, 200 to 300 dpi) before the limits below were set:
 *   aspect (width / height): zeros 0.51-0.77 (0.73 at most outside
 *     Liberation Mono), O 0.76-1.00 (monospaced faces draw O as narrow as
 *     0: 0.62-0.77, no shape tells them there);
 *   the counter's height / width: zeros 1.56-2.69, O 1.10-1.48 outside
 *     monospaced faces;
 *   ink in the corners of the left side (top and bottom, a quarter of the
 *     width by 15 % of the height): eights 0.47 at most on the top, 0.64 on
 *     the bottom, B 0.52 at least on both;
 *   the stem's top and foot, how far the ink reaches beyond the stem (in
 *     stroke widths) on each side: ones 1.0-8.0 left, 0.7 at most right
 *     (a serif face's thin flag 0.2-1.2: left unsaid); I alike on both
 *     sides; J 1.3-10.5 left at the foot, 0.3 at most right; L 3.2-10
 *     right at the foot;
 *   the ink on a row just above the foot: a 4's one stem, its centre
 *     0.63-0.79 of the width from the left, spreading 0.64 of it at most;
 *     an A's two legs, 0.94 of it at least.
 * A G, whose counter is open, is not told by its shape: a serif 6 blurred
 * open looks like it (13 of 148 sixes).  An S is told from a 5 by its left
 * side's upper half, where a 5 has a straight stem meeting its top bar at
 * a corner and an S a bowl: measured on 1,400 comb cells of 5 and S of the
 * 18 tuned typed seeds (ten faces), the left edge over the rows at 10 to
 * 40 % of the height moves by 0.03 to 0.18 of the width in an S, 0.10 at
 * most in a 5 but for FreeSerif's slanted stem (0.17 to 0.41); the top
 * rows begin right of that edge by 0.07 to 0.29 of the width in an S, 0.06
 * at most in a 5 of eight faces (LiberationSans 0.19, FreeSerif 0.32).
 * Both together (0.12 inset at least, 0.03 to 0.16 of bend) said S for
 * 309 of the S and for one 5 (LiberationSansNarrow, at the limit); a 5 is
 * not told by them.  A G's upper left is a bowl too (17 G read 6 were
 * taken for S): its left side goes on down, where an S's spine has
 * crossed to the right, so an S is also open on the left over the rows at
 * 55 to 67 % of the height by 0.2 of the width at least (0.29 and more in
 * eight faces of nine, FreeMonoBold's serifed S 0 to 0.41; a G 0.07 at
 * most, 393 of them).
 */

/* The glyph's measures (see above). */
typedef struct glyph_measures {
    int w, h;                    /* px, the ink's box */
    int counters;                /* closed holes of MIN_COUNTER px at least */
    double counter_tall;         /* the tallest counter's height / width */
    double counter_y;            /* its centre, of the glyph's height from the top */
    double corner_tl, corner_bl; /* ink share of the left side's corners */
    double top_left, top_right;  /* the top's reach beyond the stem, strokes */
    double foot_left, foot_right;
    double stroke;     /* the stem's width in its middle rows, px */
    double upper_bend; /* the left edge's spread over rows at 10-40 % of h, of w */
    double top_inset;  /* the top rows' start right of that edge, of w */
    double
        waist_inset; /* the left edge's least inset over rows at 55-67 % of h, of w */
    int feet;        /* ink runs on a row just above the foot */
    double feet_spread, feet_centre; /* their extent and mean centre, of w */
} glyph_measures;

/* Share of ink in the rectangle [x0, x1) x [y0, y1) of bin. */
static double ink_share(PIX *bin, int x0, int y0, int x1, int y1)
{
    int ink = 0, all = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, all++) {
            l_uint32 v = 0;
            pixGetPixel(bin, x, y, &v);
            ink += v != 0;
        }
    return all ? (double)ink / all : 0;
}

/* How far rows [y0, y1) reach beyond the stem [sl, sr], left and right,
 * in strokes. */
static void reach(PIX *bin, int y0, int y1, double sl, double sr, double stroke,
                  double *left, double *right)
{
    int lo_min = INT_MAX, hi_max = -1;
    for (int y = y0; y < y1; y++) {
        int lo, hi;
        row_span(bin, y, &lo, &hi);
        if (lo >= 0) {
            lo_min = (int)fmin(lo_min, lo);
            hi_max = (int)fmax(hi_max, hi);
        }
    }
    *left = hi_max < 0 ? 0 : (sl - lo_min) / stroke;
    *right = hi_max < 0 ? 0 : (hi_max - sr) / stroke;
}

/* The runs of ink on row y: how many, their extent and the mean of their
 * centres (of the width). */
static void feet_of(PIX *bin, int y, glyph_measures *m)
{
    int w = pixGetWidth(bin), first = -1, last = -1, start = -1;
    double centres = 0;
    m->feet = 0;
    for (int x = 0; x <= w; x++) {
        l_uint32 v = 0;
        if (x < w)
            pixGetPixel(bin, x, y, &v);
        if (v && start < 0) {
            start = x;
        } else if (!v && start >= 0) {
            m->feet++;
            centres += (start + x - 1) / 2.0;
            if (first < 0)
                first = start;
            last = x - 1;
            start = -1;
        }
    }
    m->feet_spread = m->feet ? (double)(last - first + 1) / w : 0;
    m->feet_centre = m->feet ? centres / m->feet / w : 0;
}

/* Whether every row of glyph but a tenth holds ink: a digit or a capital
 * is drawn from top to foot in one stroke or more; a faint one that the
 * threshold broke into fragments is not to be judged by its shape (a
 * light blue FreeMono 8 left two specks and a curve, "a 3"). */
static bool solid(PIX *glyph)
{
    int h = pixGetHeight(glyph), blank = 0;
    for (int y = 0; y < h; y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        blank += lo < 0;
    }
    return blank * 10 <= h;
}

/* The glyph of grey: its parts of 1/8 of the largest one's ink at least
 * (specks and dust left out), cut to their box.  NULL when no ink. */
static PIX *glyph_of(PIX *grey, int ink_level)
{
    PIX *bin = pixGetDepth(grey) == 8 && !pixGetColormap(grey)
                   ? pixThresholdToBinary(grey, ink_level)
                   : NULL,
        *kept = NULL, *cut = NULL;
    PIXA *parts = NULL;
    BOXA *all = bin ? pixConnComp(bin, &parts, 8) : NULL;
    NUMA *areas = all ? pixaCountPixels(parts) : NULL;
    l_int32 best = 0;
    for (int i = 0; areas && i < numaGetCount(areas); i++) {
        l_int32 a = 0;
        numaGetIValue(areas, i, &a);
        best = (l_int32)fmax(best, a);
    }
    if (best > 0)
        kept = pixCreateTemplate(bin);
    for (int i = 0; kept && i < numaGetCount(areas); i++) {
        l_int32 a = 0, x, y, w, h;
        PIX *part;
        numaGetIValue(areas, i, &a);
        if (8 * a < best || boxaGetBoxGeometry(all, i, &x, &y, &w, &h) != 0)
            continue;
        part = pixaGetPix(parts, i, L_CLONE);
        pixRasterop(kept, x, y, w, h, PIX_PAINT, part, 0, 0);
        pixDestroy(&part);
    }
    if (kept)
        pixClipToForeground(kept, &cut, NULL);
    pixDestroy(&kept);
    numaDestroy(&areas);
    boxaDestroy(&all);
    pixaDestroy(&parts);
    pixDestroy(&bin);
    return cut;
}

/* The upper left side's measures of glyph (see glyph_measures). */
static void left_side(PIX *glyph, glyph_measures *m)
{
    int lo_min = INT_MAX, lo_max = -1, top = INT_MAX;
    for (int y = (int)lround(0.10 * m->h); y <= (int)lround(0.40 * m->h); y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        if (lo >= 0) {
            lo_min = (int)fmin(lo_min, lo);
            lo_max = (int)fmax(lo_max, lo);
        }
    }
    for (int y = 0; y <= (int)fmax(1, 0.06 * m->h); y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        if (lo >= 0)
            top = (int)fmin(top, lo);
    }
    m->upper_bend = lo_max < 0 ? 0 : (double)(lo_max - lo_min) / m->w;
    m->top_inset = lo_max < 0 || top == INT_MAX ? 0 : (double)(top - lo_min) / m->w;
    m->waist_inset = 1;
    for (int y = (int)lround(0.55 * m->h); y <= (int)lround(0.67 * m->h); y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        m->waist_inset = fmin(m->waist_inset, lo < 0 ? 1 : (double)lo / m->w);
    }
}

/* The measures of glyph (binary, cut to its ink; at least 8 px tall). */
static void measure(PIX *glyph, glyph_measures *m)
{
    BOX *counters[2] = {NULL, NULL};
    int n = 0, nmid = 0, th, tw;
    double sl = 0, sr = 0;
    int *los, *his;
    m->w = pixGetWidth(glyph);
    m->h = pixGetHeight(glyph);
    counters_of(glyph, &n, counters);
    m->counters = n;
    m->counter_tall = m->counter_y = 0;
    for (int i = 0; i < n && i < 2; i++) {
        l_int32 y, w, h;
        boxGetGeometry(counters[i], NULL, &y, &w, &h);
        if (w > 0 && (double)h / w > m->counter_tall) {
            m->counter_tall = (double)h / w;
            m->counter_y = (y + h / 2.0) / m->h;
        }
        boxDestroy(&counters[i]);
    }
    th = (int)fmax(1, lround(0.15 * m->h));
    tw = (int)fmax(1, lround(0.25 * m->w));
    m->corner_tl = ink_share(glyph, 0, 0, tw, th);
    m->corner_bl = ink_share(glyph, 0, m->h - th, tw, m->h);
    /* the stem: the median span of the middle fifth of the rows */
    los = malloc(sizeof *los * (size_t)m->h);
    his = malloc(sizeof *his * (size_t)m->h);
    for (int y = (int)(0.4 * m->h); los && his && y <= (int)(0.6 * m->h); y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        if (lo >= 0)
            los[nmid] = lo, his[nmid++] = hi;
    }
    if (nmid > 0) {
        sl = fo_median_int(los, nmid);
        sr = fo_median_int(his, nmid);
    }
    free(los);
    free(his);
    m->stroke = fmax(1.0, sr - sl + 1);
    reach(glyph, 0, (int)fmax(1, m->h / 4), sl, sr, m->stroke, &m->top_left,
          &m->top_right);
    reach(glyph, (int)(0.75 * m->h), m->h, sl, sr, m->stroke, &m->foot_left,
          &m->foot_right);
    feet_of(glyph, m->h - 1 - (int)lround(0.05 * m->h), m);
    left_side(glyph, m);
}

double fo_glyph_counter_centre(PIX *grey, int ink_level)
{
    PIX *glyph = grey ? glyph_of(grey, ink_level) : NULL;
    BOX *counters[2] = {NULL, NULL};
    double centre = -1;
    int n = 0;
    if (glyph && pixGetHeight(glyph) >= 8)
        counters_of(glyph, &n, counters);
    if (n == 1) {
        l_int32 y, h;
        boxGetGeometry(counters[0], NULL, &y, NULL, &h);
        centre = (y + h / 2.0) / pixGetHeight(glyph);
    }
    boxDestroy(&counters[0]);
    boxDestroy(&counters[1]);
    pixDestroy(&glyph);
    return centre;
}

int fo_glyph_counters(PIX *grey, int ink_level)
{
    PIX *glyph = grey ? glyph_of(grey, ink_level) : NULL;
    PIX *holes = glyph && pixGetHeight(glyph) >= 8 && solid(glyph)
                     ? pixHolesByFilling(glyph, 4)
                     : NULL;
    BOXA *found = holes ? pixConnComp(holes, NULL, 4) : NULL;
    int n = found ? 0 : -1;
    for (int i = 0; found && i < boxaGetCount(found); i++) {
        l_int32 w, h;
        boxaGetBoxGeometry(found, i, NULL, NULL, &w, &h);
        n += w >= COUNTER_SHARE * pixGetWidth(glyph) &&
             h >= COUNTER_SHARE * pixGetHeight(glyph);
    }
    boxaDestroy(&found);
    pixDestroy(&holes);
    pixDestroy(&glyph);
    return n;
}

/*
 * Whether the glyph is a serif face's 1 with a flag too thin for the limits
 * above: its top reaching left of the stem and not right (0 px), its foot
 * both ways, alike (within 0.8 of a stroke; an L's or a J's foot is
 * lopsided).  FreeSerif draws its 1 so, the flag 1 to 3 px at 200 to 300
 * dpi, and its I with serifs at both sides of the top (1 px right at
 * least); a sans I, a bare stem, reaches neither way or one way at the
 * top or the foot, never both at the foot with the top to the left only.
 * On the 18 tuned typed seeds of make-corpus2.py: 712 comb cells of 1s
 * so drawn, no I (about 260).
 */
static bool thin_flagged_one(const glyph_measures *m)
{
    return m->counters == 0 && lround(m->top_right * m->stroke) <= 0 &&
           lround(m->top_left * m->stroke) >= 1 &&
           lround(m->foot_left * m->stroke) >= 1 &&
           lround(m->foot_right * m->stroke) >= 1 &&
           fabs(m->foot_left - m->foot_right) <= 0.8;
}

/* Whether the measures say the glyph is drawn as c (see above for the
 * limits); false for a character this knows nothing of. */
static bool drawn_as(const glyph_measures *m, char c)
{
    double aspect = (double)m->w / m->h;
    bool bar = m->counters == 0 && m->w <= 1.5 * m->stroke && m->top_left <= 0.3 &&
               m->top_right <= 0.3 && m->foot_left <= 0.3 && m->foot_right <= 0.3;
    bool serifed = m->counters == 0 && m->top_left >= 0.4 && m->top_right >= 0.4 &&
                   m->foot_left >= 0.4 && m->foot_right >= 0.4 &&
                   fabs(m->top_left - m->top_right) <= 0.4 &&
                   fabs(m->foot_left - m->foot_right) <= 0.4;
    switch (c) {
    case '0': return m->counters == 1 && aspect <= 0.72 && m->counter_tall >= 1.55;
    case 'O': return m->counters == 1 && aspect >= 0.74 && m->counter_tall <= 1.5;
    case '1':
        return (m->counters == 0 && m->top_left - m->top_right >= 0.8 &&
                m->top_right <= 0.5 && fabs(m->foot_left - m->foot_right) <= 0.8) ||
               thin_flagged_one(m);
    case 'I': return (bar || serifed) && !thin_flagged_one(m);
    case 'L':
        return m->counters == 0 && m->foot_right >= 2.5 &&
               m->foot_right - m->foot_left >= 1.5 &&
               fabs(m->top_left - m->top_right) <= 0.5;
    case 'J':
        return m->counters == 0 && m->foot_left - m->foot_right >= 1.2 &&
               m->foot_right <= 0.5;
    case '4':
        return m->counters <= 1 && m->feet == 1 && m->feet_centre >= 0.55 &&
               m->feet_spread <= 0.65;
    case 'A': return m->counters <= 1 && m->feet >= 2 && m->feet_spread >= 0.8;
    case 'S':
        return m->counters == 0 && m->top_inset >= 0.12 && m->upper_bend >= 0.03 &&
               m->upper_bend <= 0.16 && m->waist_inset >= 0.2;
    case '6': return m->counters == 1 && m->counter_y > 0.5;
    case '8': return m->counters == 2 && m->corner_tl <= 0.5 && m->corner_bl <= 0.5;
    case 'B': return m->counters == 2 && m->corner_tl >= 0.55 && m->corner_bl >= 0.55;
    default: return false;
    }
}

char fo_glyph_choose(PIX *grey, int ink_level, const char *candidates)
{
    PIX *glyph = grey ? glyph_of(grey, ink_level) : NULL;
    glyph_measures m;
    char chosen = 0;
    int n = 0;
    if (glyph && pixGetHeight(glyph) >= 8 && solid(glyph)) {
        measure(glyph, &m);
        for (const char *c = candidates; *c; c++)
            if (drawn_as(&m, *c))
                chosen = *c, n++;
    }
    pixDestroy(&glyph);
    return n == 1 ? chosen : 0;
}

/* Whether the left LEFT_SIDE of glyph's width holds no ink over the middle
 * 40 % of its height but on a tenth of those rows at most: a 3's bowls open
 * there, an 8's loops close. */
static bool left_open(PIX *glyph)
{
    int w = pixGetWidth(glyph), h = pixGetHeight(glyph), y0 = (int)(0.3 * h),
        y1 = (int)(0.7 * h), xs = (int)fmax(1, lround(LEFT_SIDE * w)), inked = 0;
    for (int y = y0; y <= y1 && y < h; y++) {
        int lo, hi;
        row_span(glyph, y, &lo, &hi);
        inked += lo >= 0 && lo < xs;
    }
    return inked * 10 <= y1 - y0 + 1;
}

/* The longest run of glyph's rows with no ink in its left third (left) or
 * its right third, as a share of its height; *mid: the run's middle, as a
 * share of the height from the top. */
static double side_gap(PIX *glyph, bool left, double *mid)
{
    int w = pixGetWidth(glyph), h = pixGetHeight(glyph), third = (w + 2) / 3;
    int x0 = left ? 0 : w - third, run = 0, best = 0, best_end = 0;
    for (int y = 0; y < h; y++) {
        bool ink = false;
        for (int x = x0; x < x0 + third && !ink; x++) {
            l_uint32 v = 0;
            pixGetPixel(glyph, x, y, &v);
            ink = v != 0;
        }
        run = ink ? 0 : run + 1;
        if (run > best) {
            best = run;
            best_end = y;
        }
    }
    *mid = (best_end - (best - 1) / 2.0) / h;
    return (double)best / h;
}

char fo_glyph_misread_digit(PIX *grey, int ink_level, char read, bool typed)
{
    PIX *glyph =
            grey && (read == '0' || read == '8') ? glyph_of(grey, ink_level) : NULL,
        *closed = NULL;
    BOX *counters[2] = {NULL, NULL};
    int n = 0;
    char digit = 0;
    /* a hairline gap in a light face's loop (blur, a thin threshold) is
     * closed first: a counter is what the writer drew */
    if (glyph && pixGetHeight(glyph) >= 8 && solid(glyph))
        closed = pixCloseSafeBrick(NULL, glyph, 3, 3);
    if (closed)
        counters_of(closed, &n, counters);
    if (read == '0' && n == 1) {
        l_int32 y, h, gh = pixGetHeight(closed);
        boxGetGeometry(counters[0], NULL, &y, NULL, &h);
        if (h <= NOT_OVAL_COUNTER * gh && 2 * y + h <= 2 * 0.42 * gh)
            digit = '9';
        else if (h <= NOT_OVAL_COUNTER * gh && 2 * y + h >= 2 * 0.58 * gh)
            digit = '6';
    } else if (read == '0' && typed && closed && n == 0) {
        /* no counter at all (a light serif face's 9, its loop broken at
         * the top and its tail cut off): open on one side only, over a
         * quarter of its height -- a 9 below its bowl on the left, a 6
         * above it on the right; a zero broken at its thin top and foot
         * still has both sides */
        double mid_left, mid_right;
        double left = side_gap(glyph, true, &mid_left),
               right = side_gap(glyph, false, &mid_right);
        if (left >= OPEN_SIDE && mid_left >= 0.55 && right < OPEN_SIDE / 2)
            digit = '9';
        else if (right >= OPEN_SIDE && mid_right <= 0.45 && left < OPEN_SIDE / 2)
            digit = '6';
    } else if (read == '8' && closed && n == 0 && left_open(glyph)) {
        digit = '3';
    }
    for (int i = 0; i < n && i < 2; i++)
        boxDestroy(&counters[i]);
    pixDestroy(&closed);
    pixDestroy(&glyph);
    return digit;
}

/*
 * bank.c - the page's own typed digits, as prototypes of its face (see
 * bank.h).
 *
 * A glyph is normalised before it is kept or compared: its parts of 1/40
 * of the largest part's ink at least (a zero's dot stays, dust goes), cut
 * to their box, scaled to NORM_H px tall keeping its aspect, thresholded,
 * and set in a CANVAS_W x CANVAS_H canvas, centred across, NORM_TOP px
 * from the top.  Two glyphs are compared by their mean chamfer distance:
 * the mean distance from each ink pixel of one to the nearest ink of the
 * other, both ways, averaged, at the best of the shifts up to MAX_SHIFT px
 * each way (Borgefors' 3-4 distance transform, "Distance transformations
 * in digital images", CVGIP 34, 1986: within 8 % of the Euclidean).
 */
#include "bank.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glyph.h"
#include "read_internal.h"

enum {
    NORM_H = 40,     /* px: a glyph's height once normalised */
    NORM_TOP = 4,    /* px of canvas above it */
    CANVAS_H = 48,   /* px */
    CANVAS_W = 64,   /* px: wider glyphs are cut at both sides */
    MAX_SHIFT = 2,   /* px each way tried when comparing */
    MAX_PROTOS = 8,  /* prototypes kept per digit: the first read */
    MIN_GLYPH_H = 8, /* px: a smaller glyph is not compared */
    FAR = 0xffff     /* distance transform of a canvas without ink */
};
/* px: a line's digit is used once another prototype of its digit lies
 * this near (a digit to its own: 0.2 at most in eight faces of ten). */
static const double AGREE = 0.2;
/* A glyph this close to a digit's prototypes is drawn as that digit:
 * letters lie 0.2 from their look-alike digits at least, but for a serif I
 * from the face's 1 (0.096 seen) and a monospaced O from an undotted zero
 * (0.04; those faces dot their zeros): for 1 and 0, where the field
 * allows that letter too, SAME_TIGHT.  Digits to
 * their own: median 0.036, 0.1 for 82 %. */
static const double SAME = 0.1;
static const double SAME_TIGHT = 0.06;
/* A part of the glyph: 1/PART_SHARE of the largest part's ink at least. */
static const int PART_SHARE = 40;

typedef struct norm_glyph {
    uint8_t ink[CANVAS_H * CANVAS_W];
    uint16_t dt[CANVAS_H * CANVAS_W]; /* chamfer 3-4: thirds of a px */
    uint8_t xs[CANVAS_H * CANVAS_W], ys[CANVAS_H * CANVAS_W]; /* the ink's */
    int n;                                                    /* ink pixels */
    bool usable; /* from a comb's cell, a line's sure reading, or near
                    another prototype of its character */
} norm_glyph;

enum { SLOTS = 36 }; /* 0-9, then A-Z */

struct fo_glyph_bank {
    norm_glyph *protos[SLOTS][MAX_PROTOS];
    int count[SLOTS];
    int zeros_marked, zeros_plain; /* zeros added, by fo_glyph_zero_shape */
};

int fo_glyph_bank_create(fo_glyph_bank **out, fo_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
}

void fo_glyph_bank_destroy(fo_glyph_bank **bp)
{
    if (!bp || !*bp)
        return;
    for (int d = 0; d < SLOTS; d++)
        for (int i = 0; i < (*bp)->count[d]; i++)
            free((*bp)->protos[d][i]);
    free(*bp);
    *bp = NULL;
}

/* Borgefors' two passes over g->ink into g->dt. */
static void distance_transform(norm_glyph *g)
{
    for (int i = 0; i < CANVAS_H * CANVAS_W; i++)
        g->dt[i] = g->ink[i] ? 0 : FAR;
    for (int y = 0; y < CANVAS_H; y++)
        for (int x = 0; x < CANVAS_W; x++) {
            unsigned d = g->dt[y * CANVAS_W + x];
            if (x > 0)
                d = fmin(d, g->dt[y * CANVAS_W + x - 1] + 3u);
            if (y > 0) {
                d = fmin(d, g->dt[(y - 1) * CANVAS_W + x] + 3u);
                if (x > 0)
                    d = fmin(d, g->dt[(y - 1) * CANVAS_W + x - 1] + 4u);
                if (x + 1 < CANVAS_W)
                    d = fmin(d, g->dt[(y - 1) * CANVAS_W + x + 1] + 4u);
            }
            g->dt[y * CANVAS_W + x] = (uint16_t)fmin(d, FAR);
        }
    for (int y = CANVAS_H - 1; y >= 0; y--)
        for (int x = CANVAS_W - 1; x >= 0; x--) {
            unsigned d = g->dt[y * CANVAS_W + x];
            if (x + 1 < CANVAS_W)
                d = fmin(d, g->dt[y * CANVAS_W + x + 1] + 3u);
            if (y + 1 < CANVAS_H) {
                d = fmin(d, g->dt[(y + 1) * CANVAS_W + x] + 3u);
                if (x + 1 < CANVAS_W)
                    d = fmin(d, g->dt[(y + 1) * CANVAS_W + x + 1] + 4u);
                if (x > 0)
                    d = fmin(d, g->dt[(y + 1) * CANVAS_W + x - 1] + 4u);
            }
            g->dt[y * CANVAS_W + x] = (uint16_t)d;
        }
}

/* The box of grey's ink parts (see above); NULL when no ink. */
static BOX *glyph_box(PIX *grey)
{
    PIX *bin = pixThresholdToBinary(grey, INK_LEVEL);
    PIXA *parts = NULL;
    BOXA *all = bin ? pixConnComp(bin, &parts, 8) : NULL;
    NUMA *areas = all ? pixaCountPixels(parts) : NULL;
    BOX *box = NULL;
    l_int32 best = 0;
    for (int i = 0; areas && i < numaGetCount(areas); i++) {
        l_int32 a = 0;
        numaGetIValue(areas, i, &a);
        best = a > best ? a : best;
    }
    for (int i = 0; best > 0 && i < numaGetCount(areas); i++) {
        l_int32 a = 0;
        BOX *b;
        numaGetIValue(areas, i, &a);
        if (PART_SHARE * a < best || !(b = boxaGetBox(all, i, L_CLONE)))
            continue;
        if (!box)
            box = boxCopy(b);
        else {
            BOX *u = boxBoundingRegion(box, b);
            boxDestroy(&box);
            box = u;
        }
        boxDestroy(&b);
    }
    numaDestroy(&areas);
    boxaDestroy(&all);
    pixaDestroy(&parts);
    pixDestroy(&bin);
    return box;
}

/* grey's glyph normalised (see above); NULL when it has none of
 * MIN_GLYPH_H px or more, or out of memory.  The caller frees it. */
static norm_glyph *normalise(PIX *grey)
{
    BOX *box = grey && pixGetDepth(grey) == 8 && !pixGetColormap(grey) ? glyph_box(grey)
                                                                       : NULL;
    PIX *cut = NULL, *scaled = NULL, *bin = NULL;
    norm_glyph *g = NULL;
    l_int32 bh = 0;
    if (box)
        boxGetGeometry(box, NULL, NULL, NULL, &bh);
    if (bh >= MIN_GLYPH_H && (cut = pixClipRectangle(grey, box, NULL))) {
        double s = (double)NORM_H / bh;
        scaled =
            pixScaleToSize(cut, (int)fmax(1, lround(pixGetWidth(cut) * s)), NORM_H);
    }
    bin = scaled ? pixThresholdToBinary(scaled, INK_LEVEL) : NULL;
    if (bin && (g = calloc(1, sizeof *g))) {
        int w = pixGetWidth(bin), h = (int)fmin(pixGetHeight(bin), CANVAS_H - NORM_TOP);
        int x0 = (CANVAS_W - w) / 2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                l_uint32 v = 0;
                if (x0 + x < 0 || x0 + x >= CANVAS_W)
                    continue;
                pixGetPixel(bin, x, y, &v);
                if (v) {
                    g->ink[(NORM_TOP + y) * CANVAS_W + x0 + x] = 1;
                    g->xs[g->n] = (uint8_t)(x0 + x);
                    g->ys[g->n++] = (uint8_t)(NORM_TOP + y);
                }
            }
        if (g->n == 0) {
            free(g);
            g = NULL;
        } else {
            distance_transform(g);
        }
    }
    boxDestroy(&box);
    pixDestroy(&cut);
    pixDestroy(&scaled);
    pixDestroy(&bin);
    return g;
}

/* Mean of b's distance transform over a's ink shifted by (dx, dy), in px
 * (a shifted pixel off the canvas is taken at its edge). */
static double mean_distance(const norm_glyph *a, const norm_glyph *b, int dx, int dy)
{
    double sum = 0;
    for (int i = 0; i < a->n; i++) {
        int sx = a->xs[i] + dx, sy = a->ys[i] + dy;
        sx = sx < 0 ? 0 : sx >= CANVAS_W ? CANVAS_W - 1 : sx;
        sy = sy < 0 ? 0 : sy >= CANVAS_H ? CANVAS_H - 1 : sy;
        sum += b->dt[sy * CANVAS_W + sx];
    }
    return sum / a->n / 3.0;
}

static double glyph_distance(const norm_glyph *a, const norm_glyph *b)
{
    double best = INFINITY;
    for (int dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++)
        for (int dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++)
            best =
                fmin(best,
                     (mean_distance(a, b, dx, dy) + mean_distance(b, a, -dx, -dy)) / 2);
    return best;
}

/* c's place in the bank: 0-9 for digits, 10-35 for capitals; -1 else. */
static int slot(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? 10 + c - 'A' : -1;
}

void fo_glyph_bank_add(fo_glyph_bank *b, PIX *grey, char c, fo_proto_source source)
{
    int d = slot(c);
    norm_glyph *g;
    int at = b && d >= 0 ? b->count[d] : -1;
    /* a full slot makes room for a usable prototype in place of one that
     * never found a second to agree with it */
    for (int i = 0; at == MAX_PROTOS && source != FO_PROTO_LINE && i < MAX_PROTOS; i++)
        if (!b->protos[d][i]->usable)
            at = i;
    if (at < 0 || at == MAX_PROTOS || !(g = normalise(grey)))
        return;
    g->usable = source != FO_PROTO_LINE;
    for (int i = 0; i < b->count[d]; i++) {
        norm_glyph *p = b->protos[d][i];
        if ((!g->usable || !p->usable) && glyph_distance(g, p) <= AGREE)
            g->usable = p->usable = true;
    }
    if (at < b->count[d]) {
        free(b->protos[d][at]);
        b->protos[d][at] = g;
    } else {
        b->protos[d][b->count[d]++] = g;
    }
    if (d == 0) {
        if (fo_glyph_zero_shape(grey, INK_LEVEL) == FO_ZERO_MARKED)
            b->zeros_marked++;
        else
            b->zeros_plain++;
    }
}

/* g's distance to the nearest usable prototype of slot d; -1: none. */
static double nearest(const fo_glyph_bank *b, const norm_glyph *g, int d)
{
    double best = -1;
    for (int i = 0; i < b->count[d]; i++) {
        double x;
        if (!b->protos[d][i]->usable)
            continue;
        x = glyph_distance(g, b->protos[d][i]);
        best = best < 0 || x < best ? x : best;
    }
    return best;
}

double fo_glyph_bank_distance(const fo_glyph_bank *b, PIX *grey, char c)
{
    int d = slot(c);
    norm_glyph *g;
    double best;
    if (!b || d < 0 || b->count[d] == 0 || !(g = normalise(grey)))
        return -1;
    best = nearest(b, g, d);
    free(g);
    return best;
}

int fo_glyph_bank_zeros_marked(const fo_glyph_bank *b)
{
    if (!b || b->zeros_marked + b->zeros_plain < 2)
        return -1;
    return b->zeros_plain == 0 ? 1 : b->zeros_marked == 0 ? 0 : -1;
}

bool fo_glyph_bank_same(double distance, char c, const char *allowed)
{
    static const char PAIRS[] = "0O1I";
    const char *at = c ? strchr(PAIRS, c) : NULL;
    char like = at ? PAIRS[(at - PAIRS) ^ 1] : 0;
    bool tight = like && (!*allowed || strchr(allowed, like) ||
                          (like == 'I' && strchr(allowed, 'l')));
    return distance >= 0 && distance <= (tight ? SAME_TIGHT : SAME);
}

char fo_glyph_bank_weigh(const fo_glyph_bank *b, PIX *grey, const char *allowed,
                         char read, double *read_distance)
{
    static const char KNOWN[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    double best = -1, second = -1, own = -1;
    char found = 0;
    int r = slot(read);
    norm_glyph *g = b ? normalise(grey) : NULL;
    if (g && r >= 0 && b->count[r] > 0)
        own = nearest(b, g, r);
    for (const char *c = KNOWN; g && *c; c++) {
        int d = (int)(c - KNOWN); /* KNOWN is in slot order */
        double x;
        if ((*allowed && !strchr(allowed, *c)) || b->count[d] == 0)
            continue;
        if ((x = *c == read ? own : nearest(b, g, d)) < 0)
            continue;
        if (best < 0 || x < best) {
            second = best;
            best = x, found = *c;
        } else if (second < 0 || x < second) {
            second = x;
        }
    }
    free(g);
    if (read_distance)
        *read_distance = own;
    return fo_glyph_bank_same(best, found, allowed) &&
                   (second < 0 || (second > best && second >= 3 * best))
               ? found
               : 0;
}

char fo_glyph_bank_char(const fo_glyph_bank *b, PIX *grey, const char *allowed)
{
    return fo_glyph_bank_weigh(b, grey, allowed, 0, NULL);
}

/*
 * detect.c - the boxes a person writes in, found in the drawing of a blank
 * form page (detect.h: fo_detect_drawn, fo_printed_chars).
 */
#include "detect.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Lengths in inches, turned into pixels at the page's dpi. */
static const double RULE_MIN_IN = 0.08;     /* shortest rule */
static const double RULE_THICK_IN = 0.025;  /* thickest rule (else a bar) */
static const double STROKE_MIN_IN = 0.025;  /* shortest stroke off a rule */
static const double STROKE_WIDE_IN = 0.025; /* widest stroke (else a blob) */
static const double STROKE_MAX_IN = 1.5;    /* how far up a stroke is followed */
static const double LINE_MIN_IN = 0.4;      /* shortest writing line */
static const double WRITING_IN = 0.17;      /* the band written above a line */
static const double CELL_MAX_IN = 0.35;     /* widest comb cell, check box */
static const double BOX_MIN_IN = 0.25;      /* narrowest box of one value */
static const double CHECKBOX_MIN_IN =
    0.08; /* smallest check box: a letter's bowl is less */
static const double DOT_MAX_IN = 0.035;  /* a leader's dot or dash, long */
static const double DOT_THICK_IN = 0.02; /* and high */
static const double DOT_GAP_IN = 0.06;   /* between a leader's dots */
static const int INK_THRESHOLD = 160;    /* grey below is print */
static const int RULE_CONTRAST = 35;     /* a rule: this much darker
                                            than the paper (light grey
                                            rules of a dropout form too) */
static const int MAX_DRAWN = 4000;       /* boxes on one page, at most */

/* Character-sized marks inside a box that make it hold printed text. */
enum { MIN_PRINTED_CHARS = 3 };

int fo_printed_chars(PIX *grey, int dpi, int x, int y, int w, int h)
{
    /* margins clear of the box's own borders: a share of a small box,
     * a few hundredths of an inch in a tall one */
    int mx = h / 8 < dpi / 30 ? h / 8 : dpi / 30,
        my = h / 6 < dpi / 25 ? h / 6 : dpi / 25;
    mx = mx > 3 ? mx : 3;
    my = my > 2 ? my : 2;
    BOX *inner = NULL;
    PIX *part = NULL, *bin = NULL, *hl = NULL, *vl = NULL;
    BOXA *comps = NULL;
    int count = 0, ih = h - 2 * my;
    if (w - 2 * mx < 4 || ih < 4 ||
        !(inner = boxCreate(x + mx, y + my, w - 2 * mx, ih)))
        goto done;
    if (!(part = pixClipRectangle(grey, inner, NULL)) ||
        !(bin = pixThresholdToBinary(part, INK_THRESHOLD)))
        goto done;
    /* rules, a comb's ticks, leaders: not characters */
    hl = pixOpenBrick(NULL, bin, ih > 15 ? ih : 15, 1);
    vl = pixOpenBrick(NULL, bin, 1, ih * 9 / 10 > 3 ? ih * 9 / 10 : 3);
    if (!hl || !vl)
        goto done;
    pixSubtract(bin, bin, hl);
    pixSubtract(bin, bin, vl);
    {
        /* a picture or a shaded band: print, not a blank */
        l_int32 on = 0;
        pixCountPixels(bin, &on, NULL);
        if ((double)on > 0.25 * (w - 2 * mx) * ih) {
            count = 1000;
            goto done;
        }
    }
    if (!(comps = pixConnComp(bin, NULL, 8)))
        goto done;
    int low = h / 5 < dpi / 20 ? h / 5 : dpi / 20;
    low = low > 6 ? low : 6;
    for (int i = 0; i < boxaGetCount(comps); i++) {
        l_int32 cw, ch;
        boxaGetBoxGeometry(comps, i, NULL, NULL, &cw, &ch);
        /* a character: a fifth of the box high (a twentieth of an inch in a
         * tall box) at least, not a speck, not a thin tick */
        bool tick = cw <= (dpi / 60 > 3 ? dpi / 60 : 3) && ch >= 3 * cw;
        if (ch >= low && cw >= 2 && !tick && cw <= 2 * ch)
            count++;
    }
done:
    boxaDestroy(&comps);
    pixDestroy(&vl);
    pixDestroy(&hl);
    pixDestroy(&bin);
    pixDestroy(&part);
    boxDestroy(&inner);
    return count;
}

/* The binarized page, read bit by bit. */
typedef struct {
    l_uint32 *data;
    int wpl, w, h;
} bits;

static int ink(const bits *b, int x, int y)
{
    if (x < 0 || y < 0 || x >= b->w || y >= b->h)
        return 0;
    return GET_DATA_BIT(b->data + (size_t)y * b->wpl, x);
}

/* How far ink runs from row y0 in direction dy (-1 up, +1 down) in column
 * x, at most max rows. */
static int run_from(const bits *b, int x, int y0, int dy, int max)
{
    int n = 0;
    for (int y = y0; n < max && ink(b, x, y); y += dy)
        n++;
    return n;
}

/* A vertical stroke rising from a rule: its columns and height. */
typedef struct {
    int x0, x1, height;
} stroke;

typedef struct {
    fo_drawn *d;
    int n, cap;
    bool full;
} drawn_list;

static bool add(drawn_list *L, fo_drawn_kind kind, int x, int y, int w, int h,
                int cells)
{
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 64;
        fo_drawn *d;
        if (cap > MAX_DRAWN) {
            L->full = true;
            return true; /* the page's first MAX_DRAWN are kept */
        }
        if (!(d = realloc(L->d, (size_t)cap * sizeof *d)))
            return false;
        L->d = d;
        L->cap = cap;
    }
    L->d[L->n++] = (fo_drawn){kind, x, y, w, h, cells};
    return true;
}

typedef struct {
    PIX *grey;
    const bits *b;
    double dpi;
    drawn_list *out;
} page_ctx;

static int px(const page_ctx *P, double inches)
{
    int v = (int)(inches * P->dpi + 0.5);
    return v > 1 ? v : 1;
}

/* A rule runs along row y (thickness aside) over at least 85 % of
 * [x0, x1): the top of a closed box. */
static bool rule_at(const page_ctx *P, int x0, int x1, int y)
{
    int covered = 0, slack = px(P, 0.012) + 1;
    for (int x = x0; x < x1; x++) {
        bool any = false;
        for (int dy = -slack; dy <= slack && !any; dy++)
            any = ink(P->b, x, y + dy);
        covered += any;
    }
    return x1 > x0 && covered * 100 >= 85 * (x1 - x0);
}

/* Writing boxes above a run of segments that share their strokes: cells
 * of one width side by side make a comb; a lone one a box, or a check box
 * when closed and square. */
typedef struct {
    int x0, x1, top; /* top: the closed box's top row, or -1 when open */
    int height;      /* of its lower side strokes */
    int ticks;       /* short ticks falling evenly inside: a comb of
                        ticks + 1 cells; else 0 */
} segment;

/* How high the blank space reaches above row rule_y between columns x0
 * and x1 (their side strokes aside), at most max rows; 0 when less than a
 * writing band's height (no room to write). */
static int blank_above(const page_ctx *P, int x0, int x1, int rule_y, int max)
{
    int side = px(P, 0.04), h = 0;
    for (int y = rule_y - 2; h < max - 2 && y >= 0; y--, h++) {
        bool blank = true;
        for (int x = x0 + side; x < x1 - side && blank; x++)
            blank = !ink(P->b, x, y);
        if (!blank)
            break;
    }
    h -= px(P, 0.03); /* clear of the print above */
    return h >= px(P, WRITING_IN) ? h : 0;
}

static bool emit_segments(page_ctx *P, const segment *s, int n, int rule_y)
{
    int i = 0;
    const int cell_max = px(P, CELL_MAX_IN);
    while (i < n) {
        int j = i + 1, w0 = s[i].x1 - s[i].x0;
        /* a run of narrow cells of one width, sharing strokes */
        while (j < n && !s[i].ticks && !s[j].ticks && s[j].x0 == s[j - 1].x1 &&
               w0 <= cell_max && abs((s[j].x1 - s[j].x0) - w0) * 100 <= 20 * w0 &&
               (s[j].top < 0) == (s[i].top < 0))
            j++;
        int x = s[i].x0, w = s[j - 1].x1 - x;
        int cells = s[i].ticks ? s[i].ticks + 1 : j - i, pitch = w / cells;
        int y, h;
        if (s[i].top >= 0) {
            y = s[i].top;
            h = rule_y - y;
        } else if (cells == 1 && s[i].height > px(P, 0.3)) {
            /* open and tall (the lower part of a frame): the blank space
             * above the rule, up to the first print between its sides */
            h = blank_above(P, x, x + w, rule_y, s[i].height);
            y = rule_y - h;
        } else {
            /* open: the writing stands on the rule, as tall as a cell */
            h = cells > 1 ? pitch * 5 / 4 : px(P, WRITING_IN);
            if (h < s[i].height)
                h = s[i].height;
            if (h > px(P, 0.3))
                h = px(P, 0.3);
            y = rule_y - h;
        }
        bool square = s[i].top >= 0 && cells == 1 && w <= cell_max && h <= cell_max &&
                      w >= px(P, CHECKBOX_MIN_IN) && h >= px(P, CHECKBOX_MIN_IN) &&
                      abs(w - h) * 100 <= 30 * (w > h ? w : h);
        if (h >= px(P, 0.06) && y >= 0 &&
            (square || cells > 1 || w >= px(P, BOX_MIN_IN))) {
            if (square) {
                if (!add(P->out, FO_DRAWN_CHECKBOX, x, y, w, h, 0))
                    return false;
            } else if (fo_printed_chars(P->grey, (int)P->dpi, x, y, w, h) <
                       MIN_PRINTED_CHARS) {
                if (!add(P->out, cells > 1 ? FO_DRAWN_COMB : FO_DRAWN_BOX, x, y, w, h,
                         cells > 1 ? cells : 0))
                    return false;
            }
        }
        i = j;
    }
    return true;
}

/* A writing line from x0 to x1 on row y: the band above it, if blank. */
static bool emit_line(page_ctx *P, int x0, int x1, int y)
{
    int h = px(P, WRITING_IN);
    if (x1 - x0 < px(P, LINE_MIN_IN) || y - h < 0)
        return true;
    if (fo_printed_chars(P->grey, (int)P->dpi, x0, y - h, x1 - x0, h) >=
        MIN_PRINTED_CHARS)
        return true;
    return add(P->out, FO_DRAWN_LINE, x0, y - h, x1 - x0, h, 0);
}

/* The strokes rising from the rule (x0, y, w): filled into st, *n. */
static int strokes_of(const page_ctx *P, int x0, int y, int w, stroke *st, int max)
{
    int n = 0, tmin = px(P, STROKE_MIN_IN), wide = px(P, STROKE_WIDE_IN),
        up = px(P, STROKE_MAX_IN);
    int start = -1, height = 0;
    for (int x = x0 - 2; x <= x0 + w + 2; x++) {
        int r = x < x0 + w + 2 ? run_from(P->b, x, y - 1, -1, up) : 0;
        if (r >= tmin) {
            if (start < 0) {
                start = x;
                height = 0;
            }
            height = r > height ? r : height;
        } else if (start >= 0) {
            if (x - start <= wide && n < max)
                st[n++] = (stroke){start, x, height};
            start = -1;
        }
    }
    return n;
}

/* Whether a stroke goes down from the rule's row y near column x (a
 * rounded corner's too: it starts a little lower and further in). */
static bool down_stroke(const page_ctx *P, int x, int y, int thick)
{
    int tmin = px(P, STROKE_MIN_IN), reach = px(P, 0.06);
    for (int dx = -reach; dx <= reach; dx++)
        for (int dy = 0; dy <= reach; dy += 2)
            if (run_from(P->b, x + dx, y + thick + dy, 1, tmin) >= tmin)
                return true;
    return false;
}

/* One rule (x0, y, w, thick): its segments, or it as a writing line. */
static bool one_rule(page_ctx *P, int x0, int y, int w, int thick)
{
    enum { MAX_STROKES = 512 };
    stroke st[MAX_STROKES];
    segment seg[MAX_STROKES];
    int ns = strokes_of(P, x0, y, w, st, MAX_STROKES), nseg = 0, tall = 0;
    int nb = 0, bx[MAX_STROKES], bh[MAX_STROKES];

    for (int i = 0; i < ns; i++)
        tall = st[i].height > tall ? st[i].height : tall;
    /* the side strokes: the tall ones */
    for (int i = 0; i < ns; i++)
        if (st[i].height * 10 >= 7 * tall) {
            bx[nb] = (st[i].x0 + st[i].x1) / 2;
            bh[nb++] = st[i].height;
        }
    if (nb == 0) {
        /* no stroke: a writing line, unless it is a box's top edge */
        if (down_stroke(P, x0, y, thick) || down_stroke(P, x0 + w - 1, y, thick))
            return true;
        return emit_line(P, x0, x0 + w, y);
    }
    for (int i = 0; i + 1 < nb; i++) {
        int a = bx[i], b = bx[i + 1], h = bh[i] < bh[i + 1] ? bh[i] : bh[i + 1];
        if (b - a < px(P, 0.06))
            continue;
        seg[nseg++] =
            (segment){a, b, rule_at(P, a + 2, b - 1, y - h) ? y - h : -1, h, 0};
    }
    /* short ticks falling evenly between two side strokes: a comb */
    for (int k = 0; k < nseg; k++) {
        int inner[MAX_STROKES], ni = 0;
        for (int i = 0; i < ns; i++) {
            int c = (st[i].x0 + st[i].x1) / 2;
            if (c > seg[k].x0 + 2 && c < seg[k].x1 - 2 && st[i].height * 10 < 7 * tall)
                inner[ni++] = c;
        }
        double pitch = (double)(seg[k].x1 - seg[k].x0) / (ni + 1);
        bool even = ni > 0 && pitch <= px(P, CELL_MAX_IN);
        for (int i = 0; i < ni && even; i++) {
            double off = inner[i] - (seg[k].x0 + pitch * (i + 1));
            even = off < 0.2 * pitch && -off < 0.2 * pitch;
        }
        if (even)
            seg[k].ticks = ni;
    }
    if (!emit_segments(P, seg, nseg, y))
        return false;
    /* the rule's ends beyond its strokes: writing lines */
    if (!emit_line(P, x0, bx[0], y) || !emit_line(P, bx[nb - 1], x0 + w, y))
        return false;
    return true;
}

/* Combs side by side on one rule, cells of one pitch, made one: a date's
 * "JJ MM AAAA" groups drawn with taller ticks between them. */
static void join_combs(drawn_list *L)
{
    int n = 0;
    for (int i = 0; i < L->n; i++) {
        fo_drawn *a = n > 0 ? &L->d[n - 1] : NULL, *b = &L->d[i];
        if (a && a->kind == FO_DRAWN_COMB && b->kind == FO_DRAWN_COMB &&
            abs(a->y + a->h - (b->y + b->h)) <= 3 && abs(a->x + a->w - b->x) <= 3) {
            int pa = a->w / a->cells, pb = b->w / b->cells;
            if (abs(pa - pb) * 100 <= 15 * (pa > pb ? pa : pb)) {
                int top = a->y < b->y ? a->y : b->y;
                a->w = b->x + b->w - a->x;
                a->h = a->y + a->h - top;
                a->y = top;
                a->cells += b->cells;
                continue;
            }
        }
        L->d[n++] = *b;
    }
    L->n = n;
}

/* Reading order: top to bottom, then left to right (a row's tops within a
 * few pixels count as one row). */
static int reading_order(const void *a, const void *b)
{
    const fo_drawn *p = a, *q = b;
    int pb = p->y + p->h, qb = q->y + q->h;
    if (pb + 8 < qb)
        return -1;
    if (qb + 8 < pb)
        return 1;
    return (p->x > q->x) - (p->x < q->x);
}

/* A box found twice (a line under a box's bottom) is kept once: the
 * first, a box or comb before a line. */
static void drop_doubles(drawn_list *L)
{
    int n = 0;
    for (int i = 0; i < L->n; i++) {
        bool twice = false;
        for (int j = 0; j < n && !twice; j++) {
            const fo_drawn *a = &L->d[i], *b = &L->d[j];
            int x0 = a->x > b->x ? a->x : b->x,
                x1 = a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w;
            int y0 = a->y > b->y ? a->y : b->y,
                y1 = a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h;
            long both = x1 > x0 && y1 > y0 ? (long)(x1 - x0) * (y1 - y0) : 0;
            long sa = (long)a->w * a->h;
            twice = both * 2 > sa;
        }
        if (!twice)
            L->d[n++] = L->d[i];
    }
    L->n = n;
}

/* The grey level below which a pixel is drawing: RULE_CONTRAST darker than
 * the paper (the commonest light level). */
static int rule_threshold(PIX *grey)
{
    NUMA *hist = pixGetGrayHistogram(grey, 1);
    int paper = 255;
    l_float32 most = -1;
    for (int v = 128; hist && v < 256; v++) {
        l_float32 c;
        numaGetFValue(hist, v, &c);
        if (c > most) {
            most = c;
            paper = v;
        }
    }
    numaDestroy(&hist);
    int t = paper - RULE_CONTRAST;
    return t < 100 ? 100 : t > 230 ? 230 : t;
}

/* Combs and check boxes drawn as white cells inside ink (a grey band with
 * white cells, as Cerfa 12485 draws its NIR): the page's holes -- white
 * components enclosed by drawing -- that are rectangles of a cell's size;
 * a row of them of one height, close together, is a comb, a lone square
 * one a check box. */
static bool cells_from_holes(page_ctx *P, PIX *bin)
{
    PIX *white = pixInvert(NULL, bin);
    BOXA *holes = NULL;
    PIXA *shapes = NULL;
    bool ok = true;
    const int lo = px(P, 0.09), hi = px(P, CELL_MAX_IN);
    if (!white || !(holes = pixConnComp(white, &shapes, 4))) {
        pixDestroy(&white);
        return false;
    }
    int n = boxaGetCount(holes), nc = 0;
    fo_drawn *c = calloc((size_t)n + 1, sizeof *c);
    if (!c)
        ok = false;
    for (int i = 0; ok && i < n; i++) {
        l_int32 x, y, w, h, on;
        boxaGetBoxGeometry(holes, i, &x, &y, &w, &h);
        if (w < lo || h < lo || w > hi || h > hi || x == 0 || y == 0 ||
            x + w >= pixGetWidth(bin) || y + h >= pixGetHeight(bin))
            continue;
        PIX *shape = pixaGetPix(shapes, i, L_CLONE);
        pixCountPixels(shape, &on, NULL);
        pixDestroy(&shape);
        if (on < 0.9 * w * h)
            continue; /* a letter's counter, not a drawn cell */
        c[nc++] = (fo_drawn){FO_DRAWN_CHECKBOX, x, y, w, h, 0};
    }
    /* holes come in raster order of their top-left: rows of cells */
    for (int i = 0; ok && i < nc;) {
        int j = i + 1, last = i;
        for (int k = i + 1; k < nc; k++) {
            if (abs(c[k].y - c[i].y) > 3 || abs(c[k].h - c[i].h) * 100 > 15 * c[i].h)
                continue;
            if (c[k].x > c[last].x + c[last].w &&
                /* the gap between groups of a NIR or a date: up to a cell */
                c[k].x - (c[last].x + c[last].w) <= c[i].w &&
                abs(c[k].w - c[i].w) * 100 <= 25 * c[i].w) {
                /* the next cell of this row: bring it next to the last */
                fo_drawn t = c[k];
                memmove(&c[j + 1], &c[j], (size_t)(k - j) * sizeof *c);
                c[j] = t;
                last = j++;
                k = j - 1;
            }
        }
        int cells = j - i;
        int x = c[i].x, w = c[j - 1].x + c[j - 1].w - x, y = c[i].y, h = c[i].h;
        if (cells >= 2)
            ok = add(P->out, FO_DRAWN_COMB, x, y, w, h, cells);
        else if (abs(w - h) * 100 <= 30 * (w > h ? w : h) && w <= px(P, 0.3))
            ok = add(P->out, FO_DRAWN_CHECKBOX, x, y, w, h, 0);
        i = j;
    }
    free(c);
    pixaDestroy(&shapes);
    boxaDestroy(&holes);
    pixDestroy(&white);
    return ok;
}

int fo_detect_drawn(PIX *grey, int dpi, fo_drawn **out, int *n, fo_error *err)
{
    PIX *bin = NULL, *rules = NULL, *dots = NULL, *leaders = NULL;
    BOXA *found = NULL;
    drawn_list L = {0};
    int rc = FO_OK;

    *out = NULL;
    *n = 0;
    if (!grey || pixGetDepth(grey) != 8)
        return fo_error_set(err, FO_ERR_FORMAT, "the page must be 8-bit grey");
    page_ctx P = {grey, NULL, dpi > 0 ? dpi : 300, &L};
    int rule_min = px(&P, RULE_MIN_IN), thick_max = px(&P, RULE_THICK_IN);
    if (!(bin = pixThresholdToBinary(grey, rule_threshold(grey))) ||
        !(rules = pixOpenBrick(NULL, bin, rule_min, 1))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* dotted leaders: dots closed into a rule */
    dots = pixSelectBySize(bin, px(&P, DOT_MAX_IN), px(&P, DOT_THICK_IN), 8,
                           L_SELECT_IF_BOTH, L_SELECT_IF_LTE, NULL);
    if (dots && (leaders = pixCloseBrick(NULL, dots, px(&P, DOT_GAP_IN), 1)) != NULL) {
        pixOpenBrick(leaders, leaders, px(&P, LINE_MIN_IN), 1);
        pixOr(rules, rules, leaders);
    }
    bits b = {pixGetData(bin), pixGetWpl(bin), pixGetWidth(bin), pixGetHeight(bin)};
    P.b = &b;
    if (!(found = pixConnComp(rules, NULL, 8))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < boxaGetCount(found) && !L.full; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(found, i, &x, &y, &w, &h);
        if (h > thick_max)
            continue; /* a bar, or rules run together: no writing place */
        if (!one_rule(&P, x, y, w, h)) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    if (!L.full && !cells_from_holes(&P, bin)) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (L.n > 0)
        qsort(L.d, (size_t)L.n, sizeof *L.d, reading_order);
    join_combs(&L);
    drop_doubles(&L);
    *out = L.d;
    *n = L.n;
    L.d = NULL;
done:
    free(L.d);
    boxaDestroy(&found);
    pixDestroy(&leaders);
    pixDestroy(&dots);
    pixDestroy(&rules);
    pixDestroy(&bin);
    return rc;
}

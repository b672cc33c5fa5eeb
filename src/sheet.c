/*
 * sheet.c - a sheet of paper photographed on a table: its outline found and
 * the sheet straightened (prep.h: fo_prep_find_sheet, fo_prep_straighten).
 *
 * A phone photo of a form is the sheet seen at an angle (a homography of
 * it) with the table around it, and light that falls unevenly.  Matching
 * and reading want a scan: the sheet alone, flat, in its own proportions.
 * The sheet is found where a scan would never need it, so that scans are
 * left exactly as they are:
 *
 * 1. The page is reduced to SHEET_WORK px on its long side, and a grey
 *    closing wider than print (SHEET_CLOSE px, about 8 mm of an A4 that
 *    fills 60 % of the frame) makes the sheet one flat light area: text,
 *    rules and handwriting vanish into the paper.
 * 2. Otsu's threshold between the two modes of that image (paper, table)
 *    splits it; the largest light component, its holes filled (dark
 *    blocks of print), is the sheet candidate.
 * 3. It is a sheet only when the table is around it: it covers between
 *    SHEET_MIN_AREA and SHEET_MAX_AREA of the frame, at least
 *    SHEET_MIN_BORDER of the frame's border is table (a scan is paper to
 *    its edges, a feeder's dark strip lies along one or two), and paper and
 *    table differ by SHEET_MIN_CONTRAST grey levels.
 * 4. Its outline's four sides: first corners at the extremes of x + y and
 *    x - y, then a total-least-squares line through the outline points
 *    near each side (twice, the band narrowing), the corners where
 *    adjacent lines meet.  The four lines must enclose the candidate
 *    (areas within SHEET_QUAD_FIT), be convex, meet at angles a sheet at
 *    up to ~30 degrees of tilt can show, and be no longer than
 *    SHEET_MAX_ELONGATION times their width; each must be an edge: paper
 *    lighter than the table across it (SHEET_MIN_STEP) along most of it.
 *
 * The straightened size: the sheet's proportions are recovered from the
 * perspective, taking the camera's principal point at the image centre
 * and square pixels (Zhang & He, "Whiteboard scanning and image
 * enhancement", Digital Signal Processing 17(2), 2007, §3), the focal
 * length held within a phone's range; a paper format (ISO A, Letter,
 * Legal) is taken when a focal length in that range gives it (give or
 * take SHEET_SNAP); its long side keeps the photo's sampling.  Uneven light is left to
 * the binarization's background normalisation (raster.c).
 *
 * Limits: a sheet on a light table (no contrast), a sheet cut by the
 * frame, a thumb over a corner, a busy or patterned table, a folded or
 * curled sheet (not a plane), or a lens's barrel distortion: not found, or
 * straightened only as far as a plane is; the page then goes on as it is.
 * The outline must have a paper format's proportions (ISO A, Letter,
 * Legal, at some focal length a phone has): a form on a cheque-sized or
 * coupon-sized slip is not straightened.  A shadow across the sheet as
 * dark as the table, or a second sheet under it, can still be taken for
 * its edge when what is left has a paper format's proportions: the part
 * found is straightened, and mostly matches nothing (and what is read
 * from a photo needs FO_PHOTO_MIN_CONFIDENCE to be ok).
 */
#include "formocr/prep.h"

#include "raster.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    SHEET_WORK = 600,   /* px of the reduced frame's long side */
    SHEET_CLOSE = 11,   /* px of the closing that wipes print out */
    SHEET_MIN_PX = 400, /* a smaller frame is not a photo */
};
static const double SHEET_MIN_AREA = 0.12, SHEET_MAX_AREA = 0.97;
static const double SHEET_MIN_BORDER = 0.5;
static const double SHEET_MIN_CONTRAST = 25;
static const double SHEET_QUAD_FIT = 0.06;
static const double SHEET_SNAP = 0.05;
static const double SHEET_MIN_ANGLE = 50, SHEET_MAX_ANGLE = 130;
/* A form's sheet is no longer than three times its width (a cheque, a
 * coupon); a longer light band is something else. */
static const double SHEET_MAX_ELONGATION = 3;
/* Along each side, the paper just inside must be lighter than the table just
 * outside by SHEET_MIN_STEP grey levels at SHEET_EDGE_FRACTION of the
 * points: an edge, not a shade of light the threshold happened to cut. */
static const double SHEET_MIN_STEP = 12, SHEET_EDGE_FRACTION = 0.7;
enum { SHEET_EDGE_OFFSET = 4, SHEET_EDGE_SAMPLES = 40 };

/* Paper formats' long / short side, and the short side in inches: A4 (A5,
 * A3: the same proportions; taken for A4, the common form), Letter, Legal. */
static const double PAPER_RATIOS[] = {1.41421356, 1.29411765, 1.64705882};
static const double PAPER_SHORT_INCHES[] = {8.2677, 8.5, 8.5};

/* The outline points: per row its first and last sheet pixel, per column
 * its first and last. */
typedef struct outline {
    fo_point *p;
    int n;
} outline;

static bool collect_outline(PIX *mask, outline *o)
{
    const int w = pixGetWidth(mask), h = pixGetHeight(mask), wpl = pixGetWpl(mask);
    const l_uint32 *data = pixGetData(mask);
    int *top = malloc(sizeof *top * (size_t)w),
        *bottom = malloc(sizeof *bottom * (size_t)w);

    o->n = 0;
    o->p = malloc(sizeof *o->p * (size_t)(2 * (w + h)));
    if (!top || !bottom || !o->p) {
        free(top);
        free(bottom);
        return false;
    }
    for (int x = 0; x < w; x++)
        top[x] = -1;
    for (int y = 0; y < h; y++) {
        const l_uint32 *row = data + (size_t)y * wpl;
        int first = -1, last = -1;
        for (int x = 0; x < w; x++)
            if (GET_DATA_BIT(row, x)) {
                if (first < 0)
                    first = x;
                last = x;
                if (top[x] < 0)
                    top[x] = y;
                bottom[x] = y;
            }
        if (first >= 0) {
            o->p[o->n++] = (fo_point){first, y};
            if (last != first)
                o->p[o->n++] = (fo_point){last, y};
        }
    }
    for (int x = 0; x < w; x++)
        if (top[x] >= 0) {
            o->p[o->n++] = (fo_point){x, top[x]};
            if (bottom[x] != top[x])
                o->p[o->n++] = (fo_point){x, bottom[x]};
        }
    free(top);
    free(bottom);
    return true;
}

/* A line as a point on it and a unit direction. */
typedef struct line {
    fo_point at, dir;
} line;

/* Whether p lies within band px of the line along and its projection in
 * the middle of the side's length (the corners' neighbourhoods belong to
 * two sides). */
static bool near_side(fo_point p, line along, double length, double band)
{
    double dx = p.x - along.at.x, dy = p.y - along.at.y;
    double t = dx * along.dir.x + dy * along.dir.y;
    double d = -dx * along.dir.y + dy * along.dir.x;
    return fabs(d) <= band && t >= 0.1 * length && t <= 0.9 * length;
}

/* The total-least-squares line through the outline points near the side
 * along (near_side); false when too few. */
static bool fit_side(const outline *o, line along, double length, double band,
                     line *out)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    int n = 0;
    for (int i = 0; i < o->n; i++)
        if (near_side(o->p[i], along, length, band)) {
            sx += o->p[i].x;
            sy += o->p[i].y;
            n++;
        }
    if (n < 10)
        return false;
    sx /= n;
    sy /= n;
    for (int i = 0; i < o->n; i++)
        if (near_side(o->p[i], along, length, band)) {
            sxx += (o->p[i].x - sx) * (o->p[i].x - sx);
            syy += (o->p[i].y - sy) * (o->p[i].y - sy);
            sxy += (o->p[i].x - sx) * (o->p[i].y - sy);
        }
    /* the principal direction of the scatter */
    double theta = 0.5 * atan2(2 * sxy, sxx - syy);
    out->at = (fo_point){sx, sy};
    out->dir = (fo_point){cos(theta), sin(theta)};
    if (out->dir.x * along.dir.x + out->dir.y * along.dir.y < 0)
        out->dir = (fo_point){-out->dir.x, -out->dir.y};
    return true;
}

static bool intersect(line a, line b, fo_point *p)
{
    double den = a.dir.x * b.dir.y - a.dir.y * b.dir.x;
    if (fabs(den) < 1e-9)
        return false;
    double t = ((b.at.x - a.at.x) * b.dir.y - (b.at.y - a.at.y) * b.dir.x) / den;
    *p = (fo_point){a.at.x + t * a.dir.x, a.at.y + t * a.dir.y};
    return true;
}

static line through(fo_point a, fo_point b, double *length)
{
    double dx = b.x - a.x, dy = b.y - a.y, l = hypot(dx, dy);
    *length = l;
    return (line){a, l > 0 ? (fo_point){dx / l, dy / l} : (fo_point){1, 0}};
}

static double quad_area(const fo_point q[4])
{
    double a = 0;
    for (int i = 0; i < 4; i++)
        a += q[i].x * q[(i + 1) % 4].y - q[(i + 1) % 4].x * q[i].y;
    return fabs(a) / 2;
}

/* Convex, and each corner's angle within a sheet's reach. */
static bool plausible_quad(const fo_point q[4])
{
    int sign = 0;
    for (int i = 0; i < 4; i++) {
        fo_point a = q[(i + 3) % 4], b = q[i], c = q[(i + 1) % 4];
        double ux = a.x - b.x, uy = a.y - b.y, vx = c.x - b.x, vy = c.y - b.y;
        double cr = ux * vy - uy * vx, lu = hypot(ux, uy), lv = hypot(vx, vy);
        int s = cr > 0 ? 1 : -1;
        if (lu < 1 || lv < 1 || (sign && s != sign))
            return false;
        sign = s;
        double angle =
            acos(fmax(-1, fmin(1, (ux * vx + uy * vy) / (lu * lv)))) * 180 / M_PI;
        if (angle < SHEET_MIN_ANGLE || angle > SHEET_MAX_ANGLE)
            return false;
    }
    return true;
}

/* The four corners of the sheet in mask (top-left, top-right,
 * bottom-right, bottom-left); false when its outline is no quadrilateral. */
static bool find_corners(PIX *mask, double area, fo_point q[4])
{
    outline o;
    fo_point c[4];
    line side[4];
    double best[4] = {HUGE_VAL, -HUGE_VAL, -HUGE_VAL, HUGE_VAL};
    bool ok = true;

    if (!collect_outline(mask, &o))
        return false;
    /* first corners: the extremes of x + y and x - y */
    for (int i = 0; i < o.n; i++) {
        double s = o.p[i].x + o.p[i].y, d = o.p[i].x - o.p[i].y;
        if (s < best[0])
            best[0] = s, c[0] = o.p[i];
        if (d > best[1])
            best[1] = d, c[1] = o.p[i];
        if (s > best[2])
            best[2] = s, c[2] = o.p[i];
        if (d < best[3])
            best[3] = d, c[3] = o.p[i];
    }
    for (int pass = 0; pass < 2 && ok; pass++) {
        for (int i = 0; i < 4 && ok; i++) {
            double length;
            line along = through(c[i], c[(i + 1) % 4], &length);
            ok = length > 20 &&
                 fit_side(&o, along, length, fmax(2.0, (pass ? 0.015 : 0.04) * length),
                          &side[i]);
        }
        for (int i = 0; i < 4 && ok; i++)
            ok = intersect(side[(i + 3) % 4], side[i], &c[i]);
    }
    free(o.p);
    if (!ok || !plausible_quad(c))
        return false;
    {
        double across = hypot(c[1].x - c[0].x, c[1].y - c[0].y) +
                        hypot(c[2].x - c[3].x, c[2].y - c[3].y);
        double down = hypot(c[3].x - c[0].x, c[3].y - c[0].y) +
                      hypot(c[2].x - c[1].x, c[2].y - c[1].y);
        if (fmax(across, down) > SHEET_MAX_ELONGATION * fmin(across, down))
            return false;
    }
    if (fabs(quad_area(c) / area - 1) > SHEET_QUAD_FIT)
        return false;
    memcpy(q, c, sizeof c);
    return true;
}

static int grey_at(PIX *grey, double x, double y)
{
    l_uint32 v = 0;
    int ix = (int)lround(x), iy = (int)lround(y);
    if (ix < 0 || iy < 0 || ix >= pixGetWidth(grey) || iy >= pixGetHeight(grey))
        return -1;
    pixGetPixel(grey, ix, iy, &v);
    return (int)v;
}

/* Whether each side of q is a step from light paper inside to darker
 * table outside, in grey (q's frame); the outside must be nearer the
 * table's level (ground) than the paper's (paper): the edge of a shadow
 * across the sheet is a step too, but from paper to shaded paper. */
static bool sides_are_edges(PIX *grey, const fo_point q[4], double paper, double ground)
{
    fo_point mid = {0, 0};
    for (int i = 0; i < 4; i++) {
        mid.x += q[i].x / 4;
        mid.y += q[i].y / 4;
    }
    for (int i = 0; i < 4; i++) {
        fo_point a = q[i], b = q[(i + 1) % 4];
        double len = hypot(b.x - a.x, b.y - a.y), nx, ny;
        int edges = 0, seen = 0;
        if (len < 1)
            return false;
        nx = -(b.y - a.y) / len;
        ny = (b.x - a.x) / len;
        if (nx * (mid.x - a.x) + ny * (mid.y - a.y) < 0)
            nx = -nx, ny = -ny; /* (nx, ny) points inwards */
        for (int k = 0; k < SHEET_EDGE_SAMPLES; k++) {
            double t = 0.1 + 0.8 * k / (SHEET_EDGE_SAMPLES - 1);
            double px = a.x + t * (b.x - a.x), py = a.y + t * (b.y - a.y);
            int in =
                grey_at(grey, px + SHEET_EDGE_OFFSET * nx, py + SHEET_EDGE_OFFSET * ny);
            int out =
                grey_at(grey, px - SHEET_EDGE_OFFSET * nx, py - SHEET_EDGE_OFFSET * ny);
            if (in < 0 || out < 0)
                continue; /* the table beyond the frame */
            seen++;
            edges += in - out >= SHEET_MIN_STEP && out - ground < (paper - ground) / 2;
        }
        if (seen < SHEET_EDGE_SAMPLES / 2 || edges < SHEET_EDGE_FRACTION * seen)
            return false;
    }
    return true;
}

/* The fraction of the frame's border pixels that are not sheet. */
static double border_table(PIX *mask)
{
    const int w = pixGetWidth(mask), h = pixGetHeight(mask), wpl = pixGetWpl(mask);
    const l_uint32 *data = pixGetData(mask);
    long table = 0, all = 0;
    for (int x = 0; x < w; x++) {
        table +=
            !GET_DATA_BIT(data, x) + !GET_DATA_BIT(data + (size_t)(h - 1) * wpl, x);
        all += 2;
    }
    for (int y = 1; y < h - 1; y++) {
        const l_uint32 *row = data + (size_t)y * wpl;
        table += !GET_DATA_BIT(row, 0) + !GET_DATA_BIT(row, w - 1);
        all += 2;
    }
    return all ? (double)table / all : 0;
}

/* The largest 8-connected component of bin, its holes filled, in bin's
 * frame; its pixel count in *area.  NULL when none or out of memory. */
static PIX *largest_filled(PIX *bin, double *area)
{
    BOXA *boxa = NULL;
    PIXA *pixa = NULL;
    PIX *best = NULL, *holes = NULL, *out = NULL;
    int most = 0, at = -1;

    BOXA *comps = pixConnComp(bin, &pixa, 8);
    boxaDestroy(&comps); /* pixa holds the boxes too */
    if (!pixa)
        goto done;
    boxa = pixaGetBoxa(pixa, L_CLONE);
    for (int i = 0; i < pixaGetCount(pixa); i++) {
        l_int32 x, y, w, h, n = 0;
        boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
        if (w * h <= most)
            continue; /* no more pixels than its box */
        PIX *p = pixaGetPix(pixa, i, L_CLONE);
        pixCountPixels(p, &n, NULL);
        pixDestroy(&p);
        if (n > most)
            most = n, at = i;
    }
    if (at < 0)
        goto done;
    best = pixaGetPix(pixa, at, L_CLONE);
    holes = best ? pixHolesByFilling(best, 4) : NULL;
    if (!holes || !pixOr(holes, holes, best))
        goto done;
    {
        l_int32 x, y, w, h, n = 0;
        boxaGetBoxGeometry(boxa, at, &x, &y, &w, &h);
        out = pixCreate(pixGetWidth(bin), pixGetHeight(bin), 1);
        if (out)
            pixRasterop(out, x, y, w, h, PIX_SRC, holes, 0, 0);
        pixCountPixels(holes, &n, NULL);
        *area = n;
    }
done:
    pixDestroy(&best);
    pixDestroy(&holes);
    boxaDestroy(&boxa);
    pixaDestroy(&pixa);
    return out;
}

static double sheet_ratio(const fo_point q[4], int w, int h, bool *wide,
                          double *inches);

bool fo_prep_find_sheet(PIX *page, fo_sheet *out)
{
    const int w = pixGetWidth(page), h = pixGetHeight(page);
    const double factor = (double)SHEET_WORK / (w > h ? w : h);
    PIX *small = NULL, *closed = NULL, *dark = NULL, *light = NULL, *mask = NULL,
        *table = NULL;
    l_int32 thresh = 0;
    l_float32 paper = 0, ground = 0;
    double area = 0;
    fo_point q[4];
    bool found = false;

    memset(out, 0, sizeof *out);
    if ((w > h ? w : h) < SHEET_MIN_PX ||
        (pixGetDepth(page) != 8 && pixGetDepth(page) != 1))
        return false;
    if (!(small = fo_raster_grey_scaled(page, factor)) ||
        !(closed = pixCloseGray(small, SHEET_CLOSE, SHEET_CLOSE)) ||
        pixSplitDistributionFgBg(closed, 0.1f, 1, &thresh, NULL, NULL, NULL) != 0 ||
        !(dark = pixThresholdToBinary(closed, thresh)) ||
        !(light = pixInvert(NULL, dark)) || !(mask = largest_filled(light, &area)))
        goto done;
    {
        double frac = area / ((double)pixGetWidth(mask) * pixGetHeight(mask));
        if (frac < SHEET_MIN_AREA || frac > SHEET_MAX_AREA ||
            border_table(mask) < SHEET_MIN_BORDER)
            goto done;
    }
    if (!(table = pixInvert(NULL, mask)) ||
        pixGetAverageMasked(closed, mask, 0, 0, 1, L_MEAN_ABSVAL, &paper) != 0 ||
        pixGetAverageMasked(closed, table, 0, 0, 1, L_MEAN_ABSVAL, &ground) != 0 ||
        paper - ground < SHEET_MIN_CONTRAST)
        goto done;
    if (!find_corners(mask, area, q) || !sides_are_edges(closed, q, paper, ground))
        goto done;
    for (int i = 0; i < 4; i++) {
        /* reduced px centres back to the page's */
        out->corner[i].x = (q[i].x + 0.5) / factor - 0.5;
        out->corner[i].y = (q[i].y + 0.5) / factor - 0.5;
        if (out->corner[i].x < -1 || out->corner[i].y < -1 || out->corner[i].x > w ||
            out->corner[i].y > h)
            goto done; /* cut by the frame */
    }
    {
        /* a form's sheet is a paper format: a part of a sheet (cut off by a
         * shadow as dark as the table) or two sheets together are not */
        out->ratio = sheet_ratio(out->corner, w, h, &out->wide, &out->inches);
        if (out->inches <= 0)
            goto done;
    }
    out->contrast = paper - ground;
    found = true;
done:
    pixDestroy(&small);
    pixDestroy(&closed);
    pixDestroy(&dark);
    pixDestroy(&light);
    pixDestroy(&mask);
    pixDestroy(&table);
    if (!found)
        memset(out, 0, sizeof *out);
    return found;
}

/* Phones' focal lengths, in frame long sides: an ultra-wide's 0.6 to a 2x
 * tele's 1.6 (a 26 mm-equivalent main camera is 0.72). */
static const double FOCAL_MIN = 0.6, FOCAL_MAX = 1.6, FOCAL_USUAL = 1.0;

/* Zhang & He's vanishing terms of the quadrilateral q (page px, centred on
 * cx, cy): n2 along the top edge, n3 down the left; and f^2 as they
 * measure it (0 when one vanishing point is at infinity). */
static void vanishing_terms(const fo_point q[4], double cx, double cy, double n2[3],
                            double n3[3], double *f2)
{
    /* m1 top-left, m2 top-right, m3 bottom-left, m4 bottom-right */
    double m1[3] = {q[0].x - cx, q[0].y - cy, 1}, m2[3] = {q[1].x - cx, q[1].y - cy, 1};
    double m3[3] = {q[3].x - cx, q[3].y - cy, 1}, m4[3] = {q[2].x - cx, q[2].y - cy, 1};
    double c14[3] = {m1[1] * m4[2] - m1[2] * m4[1], m1[2] * m4[0] - m1[0] * m4[2],
                     m1[0] * m4[1] - m1[1] * m4[0]};
    double c24[3] = {m2[1] * m4[2] - m2[2] * m4[1], m2[2] * m4[0] - m2[0] * m4[2],
                     m2[0] * m4[1] - m2[1] * m4[0]};
    double c34[3] = {m3[1] * m4[2] - m3[2] * m4[1], m3[2] * m4[0] - m3[0] * m4[2],
                     m3[0] * m4[1] - m3[1] * m4[0]};
    double d2 = c24[0] * m3[0] + c24[1] * m3[1] + c24[2] * m3[2];
    double d3 = c34[0] * m2[0] + c34[1] * m2[1] + c34[2] * m2[2];
    /* a convex quadrilateral keeps d2, d3 away from 0 */
    double k2 =
        fabs(d2) > 1e-9 ? (c14[0] * m3[0] + c14[1] * m3[1] + c14[2] * m3[2]) / d2 : 1;
    double k3 =
        fabs(d3) > 1e-9 ? (c14[0] * m2[0] + c14[1] * m2[1] + c14[2] * m2[2]) / d3 : 1;
    for (int i = 0; i < 3; i++) {
        n2[i] = k2 * m2[i] - m1[i];
        n3[i] = k3 * m3[i] - m1[i];
    }
    double den = n2[2] * n3[2];
    *f2 = fabs(den) > 1e-12 ? -(n2[0] * n3[0] + n2[1] * n3[1]) / den : 0;
}

/* Width / height of the sheet seen as the quadrilateral with vanishing
 * terms n2, n3 by a camera of focal length f px (Zhang & He, eq. 20). */
static double aspect_at(const double n2[3], const double n3[3], double f)
{
    double a2 = (n2[0] * n2[0] + n2[1] * n2[1]) / (f * f) + n2[2] * n2[2];
    double a3 = (n3[0] * n3[0] + n3[1] * n3[1]) / (f * f) + n3[2] * n3[2];
    return a3 > 0 && a2 > 0 ? sqrt(a2 / a3) : 1;
}

/*
 * The sheet's proportions, long side / short side, and whether its long
 * side is its width; *inches its short side when it is a paper format (0
 * otherwise).  The focal length Zhang & He measure is noisy for a small
 * sheet or a slight tilt, so it is held within a phone's range; a paper
 * format that some focal length within that range gives (give or take
 * SHEET_SNAP) is taken, A4 first.
 */
static double sheet_ratio(const fo_point q[4], int w, int h, bool *wide, double *inches)
{
    const double longside = w > h ? w : h;
    double n2[3], n3[3], f2, f, lo, hi, est, ratio;

    vanishing_terms(q, (w - 1) / 2.0, (h - 1) / 2.0, n2, n3, &f2);
    f = f2 > 0 ? sqrt(f2) : FOCAL_USUAL * longside;
    f = fmin(fmax(f, FOCAL_MIN * longside), FOCAL_MAX * longside);
    est = aspect_at(n2, n3, f);
    *wide = est >= 1;
    lo = aspect_at(n2, n3, FOCAL_MIN * longside);
    hi = aspect_at(n2, n3, FOCAL_MAX * longside);
    if (!*wide) {
        est = 1 / est;
        lo = 1 / lo;
        hi = 1 / hi;
    }
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    ratio = est < 1 ? 1 : est;
    *inches = 0;
    /* the first format that fits: A4 before the others, the forms being
     * French (a tilt about one axis of the sheet leaves the focal length
     * unmeasured, and its range then spans A4 and Letter alike) */
    for (size_t i = 0; i < sizeof PAPER_RATIOS / sizeof *PAPER_RATIOS; i++) {
        double p = PAPER_RATIOS[i];
        if (p >= lo * (1 - SHEET_SNAP) && p <= hi * (1 + SHEET_SNAP)) {
            ratio = p;
            *inches = PAPER_SHORT_INCHES[i];
            break;
        }
    }
    return ratio;
}

int fo_prep_straighten(PIX **page, const fo_sheet *s, int *dpi, bool *from_file,
                       fo_error *err)
{
    const int w = pixGetWidth(*page), h = pixGetHeight(*page);
    double left =
        hypot(s->corner[3].x - s->corner[0].x, s->corner[3].y - s->corner[0].y);
    double right =
        hypot(s->corner[2].x - s->corner[1].x, s->corner[2].y - s->corner[1].y);
    double top =
        hypot(s->corner[1].x - s->corner[0].x, s->corner[1].y - s->corner[0].y);
    double bottom =
        hypot(s->corner[2].x - s->corner[3].x, s->corner[2].y - s->corner[3].y);
    /* proportions and format as fo_prep_find_sheet settled them */
    const double ratio = s->ratio, inches = s->inches;
    const bool wide = s->wide;
    double longest;
    fo_homography to_page;
    PIX *grey, *flat;
    int ow, oh;

    if (!(ratio >= 1))
        return fo_error_set(err, FO_ERR_USAGE,
                            "the sheet's proportions are unknown (not found by "
                            "fo_prep_find_sheet)");
    /* the long side keeps the photo's finest sampling of it */
    longest = wide ? fmax(top, bottom) : fmax(left, right);
    if (wide) {
        ow = (int)lround(longest);
        oh = (int)lround(longest / ratio);
    } else {
        oh = (int)lround(longest);
        ow = (int)lround(longest / ratio);
    }
    /* never more pixels than the photo had */
    if ((double)ow * oh > (double)w * h) {
        double k = sqrt((double)w * h / ((double)ow * oh));
        ow = (int)(ow * k);
        oh = (int)(oh * k);
    }
    if (ow < 16 || oh < 16)
        return fo_error_set(err, FO_ERR_USAGE,
                            "the sheet found is too small to straighten");
    {
        fo_point rect[4] = {{0, 0}, {ow - 1, 0}, {ow - 1, oh - 1}, {0, oh - 1}};
        if (!fo_homography_from_quads(rect, s->corner, &to_page))
            return fo_error_set(err, FO_ERR_USAGE, "the sheet's outline is degenerate");
    }
    grey = pixGetDepth(*page) == 8 ? pixClone(*page) : pixConvertTo8(*page, 0);
    flat = grey ? fo_raster_warp_grey_projective(grey, &to_page, ow, oh, 255) : NULL;
    pixDestroy(&grey);
    if (!flat)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory straightening the sheet");
    /* the file's resolution still holds when it is a page's (a flatbed
     * scan with its lid's dark border: the sheet keeps its sampling); a
     * phone's 72 dpi does not, and the sheet's paper format gives it then,
     * the sheet being the page */
    {
        bool estimated = true;
        int res = inches > 0 ? (int)lround((ow < oh ? ow : oh) / inches) : 0;
        if (*from_file && *dpi > 0)
            fo_prep_scan_dpi(ow, oh, *dpi, true, &estimated);
        if (estimated) {
            *dpi = res;
            *from_file = res > 0;
        }
        pixSetResolution(flat, *dpi, *dpi);
    }
    pixDestroy(page);
    *page = flat;
    return FO_OK;
}

/*
 * match.c - classify a page among the templates and register it (match.h).
 *
 * How a page is matched and aligned
 * ---------------------------------
 * Everything happens at a working resolution of 150 dpi, on "ink maps":
 * binarized pages (prep.c's background normalisation + Otsu), lightly
 * blurred so that a 1-bit photocopy and a clean grey rendering of the same
 * form look alike.
 *
 * 1. Prep (the prep stage, prep.c, before matching: fo_match_prep_options).
 *    The scan is reduced to 150 dpi (its resolution from the file, or
 *    estimated from its size when the file has none or an absurd one),
 *    binarized, its skew measured (Leptonica's pixFindSkew), its ink map
 *    and its deskewed profiles made; the templates' references are reduced
 *    and binarized by the same helpers (raster.c) when the matcher is made.
 *
 * 2. Coarse stage: rank the templates.  Each template page is summarised at
 *    load time by its row and column ink profiles.  The deskewed scan's
 *    profiles are compared with them, for each of the four quarter turns
 *    (a turn swaps and/or reverses the profiles: no image is turned), over a
 *    range of scales (+-8 %) and shifts, by normalised cross-correlation.
 *    This costs a few thousand operations per template and gives, for each
 *    template, its best turn and a first similarity transform (scale, shift,
 *    skew).  The best few templates (TOP_TEMPLATES, and only those close to
 *    the first) go on.  The two axes are fitted apart; when a fit whose x
 *    and y scales differ by more than 1 % does not register (an edge band
 *    or a cut page pulls one axis), each axis is fitted again with its scale
 *    held near the other's, and registration tried once more.
 *
 * 3. Precise stage: register.  At load time each template page chose ~40
 *    distinctive patches of its reference (40x40 px at 150 dpi): in each cell
 *    of a grid, the spot with the strongest two-dimensional structure (the
 *    smaller eigenvalue of the structure tensor, so that a lone line, which
 *    slides along itself, is never chosen), away from every field zone (that
 *    ink changes from copy to copy), and unlike its surroundings (a patch of
 *    a comb that matches itself one cell over is refused).  The scan's ink
 *    map is warped into the template's frame through the first transform,
 *    and each patch is searched within +-16 px by normalised
 *    cross-correlation, refined to a fraction of a pixel by a parabola
 *    through the peak.  A RANSAC fit of an affine transform to these
 *    matches, then least squares on its inliers, rejects the patches hidden
 *    by handwriting, stamps or a fold.
 *
 *    A page that registers on no template is tried once more with profiles
 *    made without its edge bands (dark strips along an edge, joined to the
 *    border), which can pull both axes' fits.
 *
 * 4. Decision.  The score is the sum of the inliers' correlations divided by
 *    the number of patches: near 1 when the whole form is there, low when
 *    the page is a letter, blank, or another form (its patches do not agree
 *    on one transform).  A page below FO_MATCH_THRESHOLD for every template
 *    is unmatched.  Near misses — a form that is the same as another but
 *    for a moved, added or removed section — share most patches and score
 *    alike, so among the templates that pass, the winner is the one whose
 *    whole layout agrees best both ways (verify_layout): the form's dark ink
 *    found in the registered scan, times the scan's ink outside the field
 *    zones that the form explains.
 *
 * The transform reported maps reference pixels to the scan's pixels as
 * decoded, composing the reductions to 150 dpi on both sides.
 */
#include "formocr/match.h"

#include <jansson.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "cache.h"
#include "lru.h"
#include "match_internal.h"
#include "raster.h"
#include "util.h"

enum {
    WORK_DPI = FO_MATCH_DPI,
    PATCH = 40,           /* patch side, px at WORK_DPI (6.8 mm) */
    GRID_X = 6,           /* patch cells across the page */
    GRID_Y = 8,           /* and down it */
    CANDIDATE_STRIDE = 4, /* px between patch candidates in a cell */
    CANDIDATES_TRIED = 6, /* per cell, for uniqueness */
    SEARCH = 16,          /* px at WORK_DPI searched around a patch */
    REFINE_SEARCH = 2,    /* px, second round, through the first fit */
    FIELD_MARGIN = 6,     /* px at WORK_DPI kept clear around field zones */
    TOP_TEMPLATES = 8,    /* templates taken to the precise stage */
    LAYOUT_INK = 64,      /* ink map level (of 255) that counts as ink */
    LAYOUT_REF_INK = 110, /* reference grey below this is the form's ink */
    RANSAC_ROUNDS = 400,
    MIN_INLIERS = 6,
    ISOTROPIC_REFITS = 4 /* coarse fits tried with one axis's scale held */
};

static const double COARSE_SCALE_RANGE = 0.08; /* +-8 % */
static const double COARSE_SCALE_STEP = 0.005;
static const double COARSE_SHIFT_RANGE = 64.0; /* px at WORK_DPI */
static const double COARSE_SHIFT_STEP = 2.0;
static const double COARSE_MIN_OVERLAP = 0.6;  /* of the template profile */
static const double COARSE_KEEP_MARGIN = 0.15; /* registered if this close */
/* x and y scales further apart than this are doubted: the isotropic refits
 * are tried, and the patches decide (a feeder that truly stretches a page
 * keeps its fit: only time is spent).  At 2 %, a lid's dark edge pulled x
 * 1.75 % off unseen (the case match-lid-edge). */
static const double ISOTROPY_TOLERANCE = 0.01;
/* How far from the other axis's scale an isotropic refit may still go (its
 * second pair of tries).  Kept at 2 % when the doubt went to 1 %: at 1 %
 * two registrations moved (under 0.4 px) and an unmatched photo's best
 * fit, 0.15, was no longer found. */
static const double ISOTROPIC_REFIT_RANGE = 0.02;
static const double EDGE_STRIP = 0.08;           /* of the page: where bands lie */
static const double PATCH_MIN_STRUCTURE = 0.002; /* smaller eigenvalue, per px */
static const double PATCH_MAX_SELF_NCC = 0.75;   /* uniqueness within SEARCH */
static const double PATCH_MIN_NCC = 0.4;         /* a match worth fitting */
static const double INLIER_PX = 1.5;             /* px at WORK_DPI */
static const double REFINE_INLIER_PX = 1.0;      /* px at WORK_DPI, second round */
static const double MAX_SCALE_DEVIATION = 0.25;  /* of the fitted affine */
static const double MAX_FIT_ANGLE = 10.0;        /* degrees, after the turn */
/* Scales tried with the shifts searched across the whole page when
 * nothing matched (each searched +-COARSE_SCALE_RANGE): 1, and the others
 * only when the page's resolution was estimated. */
static const double PAPER_RANK = 0.9;  /* of a page's pixels are paper or darker */
static const double PRINT_RATIO = 0.8; /* of the paper's grey: darker is print */
static const double DUEL_RANGE = 0.1;  /* layout scores this close duel */
static const double DUEL_MARGIN = 0.1; /* a share of own ink found this much higher */
static const double OTHER_SCALES[] = {1.0, 0.86, 0.74, 0.64, 1.16};

/* ---- float images ------------------------------------------------------ */

typedef struct fimg {
    int w, h;
    float *p;
} fimg;

static void fimg_free(fimg *f)
{
    free(f->p);
    f->p = NULL;
}

/* Ink map of a binary page: ink 1, paper 0, box-blurred. */
static int ink_map(PIX *bin, fimg *out)
{
    int w = pixGetWidth(bin), h = pixGetHeight(bin), wpl = pixGetWpl(bin);
    l_uint32 *data = pixGetData(bin);
    float *raw = malloc((size_t)w * h * sizeof *raw);
    float *tmp = malloc((size_t)w * h * sizeof *tmp);
    const float norm = 1.0f / ((2 * FO_INK_BLUR + 1) * (2 * FO_INK_BLUR + 1));

    out->w = w;
    out->h = h;
    out->p = malloc((size_t)w * h * sizeof *out->p);
    if (!raw || !tmp || !out->p) {
        free(raw);
        free(tmp);
        fimg_free(out);
        return FO_ERR_NOMEM;
    }
    for (int y = 0; y < h; y++) {
        const l_uint32 *row = data + (size_t)y * wpl;
        for (int x = 0; x < w; x++)
            raw[(size_t)y * w + x] = GET_DATA_BIT(row, x) ? 1.0f : 0.0f;
    }
    /* separable box blur, clamped at the borders */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int k = -FO_INK_BLUR; k <= FO_INK_BLUR; k++) {
                int xx = x + k < 0 ? 0 : x + k >= w ? w - 1 : x + k;
                s += raw[(size_t)y * w + xx];
            }
            tmp[(size_t)y * w + x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int k = -FO_INK_BLUR; k <= FO_INK_BLUR; k++) {
                int yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
                s += tmp[(size_t)yy * w + x];
            }
            out->p[(size_t)y * w + x] = s * norm;
        }
    free(raw);
    free(tmp);
    return FO_OK;
}

/* ---- profiles ------------------------------------------------------------ */

static void reverse_into(const fo_profile *p, fo_profile *out)
{
    for (int i = 0; i < p->n; i++)
        out->v[i] = p->v[p->n - 1 - i];
    out->n = p->n;
}

/* Normalised correlation of template profile t with scan profile s under
 * s_pos = scale * (t_pos - tc) + sc + shift (positions in px at WORK_DPI);
 * -2 when they overlap too little. */
static double profile_ncc(const fo_profile *t, const fo_profile *s, double scale,
                          double shift)
{
    const double tc = t->n * FO_PROFILE_BIN / 2.0, sc = s->n * FO_PROFILE_BIN / 2.0;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, va, vb;
    int n = 0;
    for (int i = 0; i < t->n; i++) {
        double pos = scale * ((i + 0.5) * FO_PROFILE_BIN - tc) + sc + shift;
        double j = pos / FO_PROFILE_BIN - 0.5, f;
        int j0 = (int)floor(j);
        double a, b;
        if (j0 < 0 || j0 + 1 >= s->n)
            continue;
        f = j - j0;
        a = t->v[i];
        b = s->v[j0] * (1 - f) + s->v[j0 + 1] * f;
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
        n++;
    }
    if (n < COARSE_MIN_OVERLAP * t->n)
        return -2;
    va = saa - sa * sa / n;
    vb = sbb - sb * sb / n;
    if (va <= 1e-9 || vb <= 1e-9)
        return -2;
    return (sab - sa * sb / n) / sqrt(va * vb);
}

/*
 * Best correlation of the two profiles over the scales (around scale0) and
 * shifts searched: a grid four times coarser than the final steps first,
 * then the final steps around its best.
 */
/* The best correlation over a grid of scales scale0 * (1 + k), k within
 * kc +- krange by kstep, and shifts within shc +- shrange by shstep: *k and
 * *sh updated where it beats *best. */
static void fit_profile_grid(const fo_profile *t, const fo_profile *s, double scale0,
                             double kc, double krange, double kstep, double shc,
                             double shrange, double shstep, double *best, double *k0,
                             double *sh0)
{
    for (double k = kc - krange; k <= kc + krange + 1e-9; k += kstep)
        for (double sh = shc - shrange; sh <= shc + shrange + 1e-9; sh += shstep) {
            double v = profile_ncc(t, s, scale0 * (1 + k), sh);
            if (v > *best) {
                *best = v;
                *k0 = k;
                *sh0 = sh;
            }
        }
}

static double fit_profile_within(const fo_profile *t, const fo_profile *s,
                                 double scale0, double range, bool wide,
                                 double *best_scale, double *best_shift)
{
    double best = -2, k0 = 0, sh0 = 0;
    /* wide: a form that does not fill the page (margins, a larger canvas, a
     * corner) lies anywhere in the slack between the two lengths, and the
     * shifts cover it */
    double slack = wide ? fabs(s->n - scale0 * t->n) * FO_PROFILE_BIN / 2.0 : 0;
    /* a grid four times coarser than the final steps first, then the final
     * steps around its best */
    fit_profile_grid(t, s, scale0, 0, range, 4 * COARSE_SCALE_STEP, 0,
                     COARSE_SHIFT_RANGE + slack, 4 * COARSE_SHIFT_STEP, &best, &k0,
                     &sh0);
    fit_profile_grid(t, s, scale0, k0, fmin(range, 4 * COARSE_SCALE_STEP),
                     COARSE_SCALE_STEP, sh0, 4 * COARSE_SHIFT_STEP, COARSE_SHIFT_STEP,
                     &best, &k0, &sh0);
    *best_scale = scale0 * (1 + k0);
    *best_shift = sh0;
    return best;
}

/* The final steps of fit_profile_within alone, around a first fit found
 * elsewhere (the index's): scale0 * (1 + k0), shift sh0. */
static double refine_profile(const fo_profile *t, const fo_profile *s, double scale0,
                             double k0, double sh0, double *best_scale,
                             double *best_shift)
{
    double best = -2, k = k0, sh = sh0;
    fit_profile_grid(t, s, scale0, k0, 4 * COARSE_SCALE_STEP, COARSE_SCALE_STEP, sh0,
                     4 * COARSE_SHIFT_STEP, COARSE_SHIFT_STEP, &best, &k, &sh);
    *best_scale = scale0 * (1 + k);
    *best_shift = sh;
    return best;
}

static double fit_profile(const fo_profile *t, const fo_profile *s, double scale0,
                          bool wide, double *best_scale, double *best_shift)
{
    return fit_profile_within(t, s, scale0, COARSE_SCALE_RANGE, wide, best_scale,
                              best_shift);
}

/* ---- the index: every template page ranked cheaply ----------------------- */

/*
 * With many templates, the coarse fit of every one (a few thousand profile
 * correlations each) would cost more than the page's reading.  Each page
 * model therefore also keeps its profiles at a quarter of their resolution
 * (INDEX_MERGE bins merged: one value per 16 px at WORK_DPI), and the page
 * is first compared with those, on the coarse fit's first grid alone (its
 * scales and shifts four steps apart).  The scan's side of a correlation --
 * its profile resampled at a scale and a shift, and the sums of that -- is
 * the same for every template of one length, so it is made once per length
 * (a "probe"); what is left per template is a dot product and two prefix
 * sums.  Only the INDEX_KEEP best pages by this ranking get the full coarse
 * fit, whose results are exactly those of a matcher without the index.
 */
enum {
    INDEX_MERGE = 4,       /* profile bins merged into one index bin */
    INDEX_KEEP = 8,        /* template pages given the full coarse fit */
    PATCH_SETS_KEPT = 48,  /* pages' patches held at once (with a cache) */
    MANY_FAILED_TRIES = 3, /* registrations failed, none passed: another form */
    SWEEP_KEEP = 1,        /* near misses registered after the sweep */
    SWEEP_RIVALS = 16,     /* near misses kept from the sweep, for the last duels */
    DUEL_GROW = 2,   /* px at VERIFY_DPI: ink this near the other form's is shared */
    DUEL_MIN_PX = 40 /* own ink, px at VERIFY_DPI, both forms together */
};

/* An index profile: merged bins, and prefix sums of the values and their
 * squares (pre[0] = 0). */
typedef struct index_profile {
    float *v;
    double *sum, *sumsq;
    int n;
} index_profile;

static void index_profile_free(index_profile *p)
{
    free(p->v);
    free(p->sum);
    free(p->sumsq);
    memset(p, 0, sizeof *p);
}

static int index_profile_make(const fo_profile *full, index_profile *out)
{
    memset(out, 0, sizeof *out);
    out->n = (full->n + INDEX_MERGE - 1) / INDEX_MERGE;
    out->v = calloc((size_t)out->n + 1, sizeof *out->v);
    out->sum = calloc((size_t)out->n + 1, sizeof *out->sum);
    out->sumsq = calloc((size_t)out->n + 1, sizeof *out->sumsq);
    if (!out->v || !out->sum || !out->sumsq) {
        index_profile_free(out);
        return FO_ERR_NOMEM;
    }
    for (int i = 0; i < full->n; i++)
        out->v[i / INDEX_MERGE] += full->v[i];
    for (int i = 0; i < out->n; i++) {
        out->sum[i + 1] = out->sum[i] + out->v[i];
        out->sumsq[i + 1] = out->sumsq[i] + (double)out->v[i] * out->v[i];
    }
    return FO_OK;
}

/* The scan's profile src (an index profile) resampled for template index
 * profiles of length na, at each scale and shift of the coarse fit's first
 * grid: for probe q, the template bins i0[q]..i1[q] fall inside the scan,
 * b[q * na + i] is the scan's value under bin i, sb and sbb the sums of b
 * and b squared over those bins. */
typedef struct probe_set {
    int src, na; /* which scan profile (0-3, see upright_index), length */
    int count;
    int nsh; /* shifts per scale: probe q is scale q / nsh, shift q % nsh */
    double shrange, kstep, shstep;
    int *i0, *i1;
    float *b;
    double *sb, *sbb;
} probe_set;

static void probe_set_free(probe_set *p)
{
    free(p->i0);
    free(p->i1);
    free(p->b);
    free(p->sb);
    free(p->sbb);
    memset(p, 0, sizeof *p);
}

static int probe_set_make(const index_profile *s, int src, int na, double scale0,
                          bool wide, probe_set *out)
{
    const double bin = (double)FO_PROFILE_BIN * INDEX_MERGE;
    const double tc = na * bin / 2.0, sc = s->n * bin / 2.0;
    const double kstep = COARSE_SCALE_STEP * 4, shstep = COARSE_SHIFT_STEP * 4;
    const double slack = wide ? fabs(s->n - scale0 * na) * bin / 2.0 : 0;
    const double shrange = COARSE_SHIFT_RANGE + slack;
    const int nk = (int)floor(2 * COARSE_SCALE_RANGE / kstep + 1e-9) + 1;
    const int nsh = (int)floor(2 * shrange / shstep + 1e-9) + 1;
    int q = 0;

    memset(out, 0, sizeof *out);
    out->src = src;
    out->na = na;
    out->count = nk * nsh;
    out->nsh = nsh;
    out->shrange = shrange;
    out->kstep = kstep;
    out->shstep = shstep;
    out->i0 = malloc((size_t)out->count * sizeof *out->i0);
    out->i1 = malloc((size_t)out->count * sizeof *out->i1);
    out->b = calloc((size_t)out->count * na, sizeof *out->b);
    out->sb = malloc((size_t)out->count * sizeof *out->sb);
    out->sbb = malloc((size_t)out->count * sizeof *out->sbb);
    if (!out->i0 || !out->i1 || !out->b || !out->sb || !out->sbb) {
        probe_set_free(out);
        return FO_ERR_NOMEM;
    }
    for (int ki = 0; ki < nk; ki++)
        for (int si = 0; si < nsh; si++, q++) {
            const double scale = scale0 * (1 - COARSE_SCALE_RANGE + ki * kstep);
            const double shift = -shrange + si * shstep;
            float *b = out->b + (size_t)q * na;
            double sb = 0, sbb = 0;
            int i0 = -1, i1 = -2;
            for (int i = 0; i < na; i++) {
                double pos = scale * ((i + 0.5) * bin - tc) + sc + shift;
                double j = pos / bin - 0.5, f;
                int j0 = (int)floor(j);
                if (j0 < 0 || j0 + 1 >= s->n)
                    continue;
                f = j - j0;
                b[i] = (float)(s->v[j0] * (1 - f) + s->v[j0 + 1] * f);
                sb += b[i];
                sbb += (double)b[i] * b[i];
                if (i0 < 0)
                    i0 = i;
                i1 = i;
            }
            out->i0[q] = i0;
            out->i1[q] = i1;
            out->sb[q] = sb;
            out->sbb[q] = sbb;
        }
    return FO_OK;
}

/* The dot product of n floats, in eight lanes the compiler can vectorise
 * (a sum in one float or double chain cannot be reordered). */
static double dot(const float *x, const float *y, int n)
{
    float lane[8] = {0};
    double sum = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            lane[k] += x[i + k] * y[i + k];
    for (int k = 0; k < 8; k++)
        sum += lane[k];
    for (; i < n; i++)
        sum += (double)x[i] * y[i];
    return sum;
}

/* Best correlation of template index profile a over the probes, and where:
 * the scale (scale0 * (1 + *k)) and the shift (px at WORK_DPI). */
static double probe_best(const index_profile *a, const probe_set *p, double *k,
                         double *shift)
{
    double best = -2;
    int best_q = 0;
    for (int q = 0; q < p->count; q++) {
        const int i0 = p->i0[q], i1 = p->i1[q], n = i1 - i0 + 1;
        const float *b = p->b + (size_t)q * p->na;
        double sa, saa, sab = 0, va, vb, v;
        if (n < COARSE_MIN_OVERLAP * a->n)
            continue;
        sab = dot(a->v + i0, b + i0, n);
        sa = a->sum[i1 + 1] - a->sum[i0];
        saa = a->sumsq[i1 + 1] - a->sumsq[i0];
        va = saa - sa * sa / n;
        vb = p->sbb[q] - p->sb[q] * p->sb[q] / n;
        if (va <= 1e-9 || vb <= 1e-9)
            continue;
        v = (sab - sa * p->sb[q] / n) / sqrt(va * vb);
        if (v > best) {
            best = v;
            best_q = q;
        }
    }
    *k = -COARSE_SCALE_RANGE + (best_q / p->nsh) * p->kstep;
    *shift = -p->shrange + (best_q % p->nsh) * p->shstep;
    return best;
}

/* ---- patches ------------------------------------------------------------- */

typedef struct patch {
    int x, y;    /* top-left corner in the template's WORK_DPI frame */
    float *data; /* PATCH x PATCH, zero mean, unit norm */
} patch;

/* Zero-mean, unit-norm copy of img's PATCH x PATCH window at (x, y); false
 * when the window is flat. */
static bool normalised_window(const fimg *img, int x, int y, float *out)
{
    double sum = 0, sq = 0;
    const int n = PATCH * PATCH;
    for (int r = 0; r < PATCH; r++)
        for (int c = 0; c < PATCH; c++)
            sum += img->p[(size_t)(y + r) * img->w + x + c];
    for (int r = 0; r < PATCH; r++)
        for (int c = 0; c < PATCH; c++) {
            float v = img->p[(size_t)(y + r) * img->w + x + c] - (float)(sum / n);
            out[r * PATCH + c] = v;
            sq += (double)v * v;
        }
    if (sq < 1e-6)
        return false;
    for (int i = 0; i < n; i++)
        out[i] = (float)(out[i] / sqrt(sq));
    return true;
}

/* Integral images of img and img^2, (w+1) x (h+1). */
typedef struct integral {
    int w, h;
    double *s, *s2;
} integral;

static int integral_alloc(integral *in, int w, int h)
{
    size_t n = ((size_t)w + 1) * ((size_t)h + 1);
    in->w = w;
    in->h = h;
    in->s = calloc(n, sizeof *in->s);
    in->s2 = calloc(n, sizeof *in->s2);
    return in->s && in->s2 ? FO_OK : FO_ERR_NOMEM;
}

/* Fills in (allocated for img's size) from img. */
static void integral_fill(integral *in, const fimg *img)
{
    size_t W = (size_t)img->w + 1;
    for (int y = 0; y < img->h; y++) {
        double row = 0, row2 = 0;
        for (int x = 0; x < img->w; x++) {
            double v = img->p[(size_t)y * img->w + x];
            row += v;
            row2 += v * v;
            in->s[(y + 1) * W + x + 1] = in->s[y * W + x + 1] + row;
            in->s2[(y + 1) * W + x + 1] = in->s2[y * W + x + 1] + row2;
        }
    }
}

static int integral_make(const fimg *img, integral *out)
{
    if (integral_alloc(out, img->w, img->h) != FO_OK)
        return FO_ERR_NOMEM;
    integral_fill(out, img);
    return FO_OK;
}

static void integral_free(integral *in)
{
    free(in->s);
    free(in->s2);
}

static double box_sum(const double *s, int w, int x, int y, int bw, int bh)
{
    size_t W = (size_t)w + 1;
    return s[(y + bh) * W + x + bw] - s[y * W + x + bw] - s[(y + bh) * W + x] +
           s[y * W + x];
}

/* NCC of a normalised patch with img's window at (x, y), which must lie
 * inside img; 0 for a flat window. */
static double ncc_at(const float *pd, const fimg *img, const integral *in, int x, int y)
{
    const double n = PATCH * PATCH;
    double sum = box_sum(in->s, in->w, x, y, PATCH, PATCH);
    double sq = box_sum(in->s2, in->w, x, y, PATCH, PATCH);
    double var = sq - sum * sum / n, dot = 0;
    if (var <= 1e-6)
        return 0;
    for (int r = 0; r < PATCH; r++) {
        const float *row = img->p + (size_t)(y + r) * img->w + x;
        const float *prow = pd + r * PATCH;
        float acc = 0;
        for (int c = 0; c < PATCH; c++)
            acc += prow[c] * row[c];
        dot += acc;
    }
    /* the patch is zero-mean: sum(p * (v - mean)) = sum(p * v) */
    return dot / sqrt(var);
}

typedef struct candidate {
    int x, y;
    double strength;
} candidate;

static int by_strength(const void *a, const void *b)
{
    const candidate *p = a, *q = b;
    return (p->strength < q->strength) - (p->strength > q->strength);
}

/* Largest NCC of the window at (x, y) with its neighbours within SEARCH px,
 * excluding its own peak (shifts of at most 3 px). */
static double self_similarity(const float *pd, const fimg *img, const integral *in,
                              int x, int y)
{
    double best = -1;
    for (int dy = -SEARCH; dy <= SEARCH; dy += 2)
        for (int dx = -SEARCH; dx <= SEARCH; dx += 2) {
            int xx = x + dx, yy = y + dy;
            double v;
            if (abs(dx) <= 3 && abs(dy) <= 3)
                continue;
            if (xx < 0 || yy < 0 || xx + PATCH > img->w || yy + PATCH > img->h)
                continue;
            v = ncc_at(pd, img, in, xx, yy);
            if (v > best)
                best = v;
        }
    return best;
}

/* Marks field zones (grown by FIELD_MARGIN) in mask, a w x h byte image. */
static void mask_fields(const fo_template_page *page, double scale, uint8_t *mask,
                        int w, int h)
{
    for (int i = 0; i < page->nfields; i++) {
        const fo_field *f = &page->fields[i];
        int n = f->geometry == FO_GEOM_OPTIONS ? f->noptions : f->nboxes;
        for (int k = 0; k < n; k++) {
            fo_box b = f->geometry == FO_GEOM_OPTIONS ? f->options[k].box : f->boxes[k];
            int x0 = (int)floor(b.x * scale) - FIELD_MARGIN;
            int y0 = (int)floor(b.y * scale) - FIELD_MARGIN;
            int x1 = (int)ceil((b.x + b.w) * scale) + FIELD_MARGIN;
            int y1 = (int)ceil((b.y + b.h) * scale) + FIELD_MARGIN;
            for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++)
                for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++)
                    mask[(size_t)y * w + x] = 1;
        }
    }
}

/* Chooses the patches of one template page from its ink map. */
/*
 * Sum tables ((w+1) x (h+1), no squares) of the structure tensor's terms
 * gx*gx, gy*gy, gx*gy of the ink map, and of the field mask, built in one
 * pass without images of the terms: this runs once per template, and the
 * memory it takes is the matcher's peak.
 */
static int tensor_tables(const fimg *ink, const uint8_t *mask, integral *sxx,
                         integral *syy, integral *sxy, integral *blocked)
{
    const int w = ink->w, h = ink->h;
    const size_t W = (size_t)w + 1, n = W * ((size_t)h + 1);
    integral *t[4] = {sxx, syy, sxy, blocked};
    for (int k = 0; k < 4; k++) {
        t[k]->w = w;
        t[k]->h = h;
        t[k]->s = calloc(n, sizeof(double));
        if (!t[k]->s)
            return FO_ERR_NOMEM;
    }
    for (int y = 0; y < h; y++) {
        double row[4] = {0, 0, 0, 0};
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x, o = (y + 1) * W + x + 1;
            double term[4] = {0, 0, 0, mask[i]};
            if (x > 0 && y > 0 && x + 1 < w && y + 1 < h) {
                double gx = 0.5 * (ink->p[i + 1] - ink->p[i - 1]);
                double gy = 0.5 * (ink->p[i + w] - ink->p[i - w]);
                term[0] = gx * gx;
                term[1] = gy * gy;
                term[2] = gx * gy;
            }
            for (int k = 0; k < 4; k++) {
                row[k] += term[k];
                t[k]->s[o] = t[k]->s[o - W] + row[k];
            }
        }
    }
    return FO_OK;
}

static int choose_patches(const fimg *ink, const uint8_t *mask, patch **out, int *nout)
{
    const int w = ink->w, h = ink->h;
    integral in = {0}, sxx = {0}, syy = {0}, sxy = {0}, blocked = {0};
    candidate *cands = NULL;
    patch *patches = NULL;
    float *buf = NULL;
    int np = 0, rc = FO_ERR_NOMEM;

    *out = NULL;
    *nout = 0;
    patches = calloc(GRID_X * GRID_Y, sizeof *patches);
    cands = malloc(sizeof *cands * (size_t)(w / CANDIDATE_STRIDE + 1) *
                   (h / CANDIDATE_STRIDE + 1));
    buf = malloc(PATCH * PATCH * sizeof *buf);
    if (!patches || !cands || !buf)
        goto out;
    if (integral_make(ink, &in) || tensor_tables(ink, mask, &sxx, &syy, &sxy, &blocked))
        goto out;

    for (int gy = 0; gy < GRID_Y; gy++)
        for (int gx = 0; gx < GRID_X; gx++) {
            int cx0 = gx * w / GRID_X, cx1 = (gx + 1) * w / GRID_X;
            int cy0 = gy * h / GRID_Y, cy1 = (gy + 1) * h / GRID_Y;
            int nc = 0;
            for (int y = cy0; y + PATCH <= cy1 && y + PATCH <= h; y += CANDIDATE_STRIDE)
                for (int x = cx0; x + PATCH <= cx1 && x + PATCH <= w;
                     x += CANDIDATE_STRIDE) {
                    double a, b, c, lmin;
                    if (box_sum(blocked.s, w, x, y, PATCH, PATCH) > 0)
                        continue;
                    a = box_sum(sxx.s, w, x, y, PATCH, PATCH);
                    b = box_sum(syy.s, w, x, y, PATCH, PATCH);
                    c = box_sum(sxy.s, w, x, y, PATCH, PATCH);
                    lmin = (a + b) / 2 - sqrt((a - b) * (a - b) / 4 + c * c);
                    if (lmin / (PATCH * PATCH) < PATCH_MIN_STRUCTURE)
                        continue;
                    cands[nc++] = (candidate){x, y, lmin};
                }
            qsort(cands, (size_t)nc, sizeof *cands, by_strength);
            for (int k = 0; k < nc && k < CANDIDATES_TRIED; k++) {
                if (!normalised_window(ink, cands[k].x, cands[k].y, buf))
                    continue;
                if (self_similarity(buf, ink, &in, cands[k].x, cands[k].y) >
                    PATCH_MAX_SELF_NCC)
                    continue;
                patches[np].x = cands[k].x;
                patches[np].y = cands[k].y;
                patches[np].data = buf;
                buf = malloc(PATCH * PATCH * sizeof *buf);
                np++;
                if (!buf)
                    goto out;
                break;
            }
        }
    rc = FO_OK;
out:
    if (rc != FO_OK) {
        for (int i = 0; i < np; i++)
            free(patches[i].data);
        free(patches);
        patches = NULL;
        np = 0;
    }
    *out = patches;
    *nout = np;
    free(buf);
    free(cands);
    integral_free(&in);
    integral_free(&sxx);
    integral_free(&syy);
    integral_free(&sxy);
    integral_free(&blocked);
    return rc;
}

/* ---- the matcher ---------------------------------------------------------- */

typedef struct page_model {
    const fo_template *t;
    int page;
    double scale; /* reference px -> WORK_DPI px */
    int w, h;     /* reference at WORK_DPI */
    fo_profile rows, cols;
    index_profile irows, icols; /* the same, merged for the index */
    int id;                     /* its number in the matcher */
    const struct fo_matcher *owner;
    PIX *layout;       /* the form's ink at VERIFY_DPI, outside field zones */
    PIX *layout_grown; /* the same, grown by a pixel */
    PIX *fields;       /* field zones at VERIFY_DPI: not the form's */
    PIX *print;        /* all the form's print at VERIFY_DPI, light print too
                          (print_of), outside field zones */
    PIX *print_grown;  /* the same, grown by DUEL_GROW (for duels) */
} page_model;

/* A page's patches: the heavy part of its model, loaded when a page
 * needs it (fo_matcher.patches). */
typedef struct patch_set {
    patch *items;
    int count;
} patch_set;

struct fo_matcher {
    page_model *models;
    int nmodels;
    fo_lru *patches;                   /* patch_set by model id */
    fo_cache *cache;                   /* borrowed; NULL: none */
    uint8_t (*keys)[FO_CACHE_KEY_LEN]; /* by model id */
    int built;                         /* models derived, not read back */
};

/* Pixel-centre-correct reduction: a pixel centre x at one resolution is at
 * s * (x + 0.5) - 0.5 after scaling by s. */
static fo_affine centred_scaling(double s)
{
    return (fo_affine){s, 0, 0.5 * s - 0.5, 0, s, 0.5 * s - 0.5};
}

/* The layout used to tell near-miss forms apart (see verify_layout): the
 * reference's dark ink at VERIFY_DPI (a 2x2 block with any is ink), and its
 * field zones, whose ink changes from copy to copy.  Only ink darker than
 * LAYOUT_REF_INK counts: light print (the pale blue of some Cerfa frames)
 * is ink in one scan and paper in the next. */
/* The paper's grey level of an 8 bpp page: the grey of PAPER_RANK of it. */
static int paper_level(PIX *grey)
{
    l_uint32 paper = 255;
    pixGetRankValue(grey, 2, PAPER_RANK, &paper);
    return (int)paper;
}

/* All the print of an 8 bpp page, light print too: what is darker than
 * PRINT_RATIO of its paper. */
static PIX *print_of(PIX *grey)
{
    return pixThresholdToBinary(grey, (l_int32)lround(paper_level(grey) * PRINT_RATIO));
}

static int build_layout(page_model *m, PIX *grey, const uint8_t *mask)
{
    PIX *fields150 = pixCreate(m->w, m->h, 1);
    PIX *bin = pixThresholdToBinary(grey, LAYOUT_REF_INK);
    if (!fields150 || !bin) {
        pixDestroy(&fields150);
        pixDestroy(&bin);
        return FO_ERR_NOMEM;
    }
    for (int y = 0; y < m->h; y++) {
        l_uint32 *row = pixGetData(fields150) + (size_t)y * pixGetWpl(fields150);
        for (int x = 0; x < m->w; x++)
            if (mask[(size_t)y * m->w + x])
                SET_DATA_BIT(row, x);
    }
    m->fields = pixReduceRankBinary2(fields150, 1, NULL);
    m->layout = pixReduceRankBinary2(bin, 1, NULL);
    pixDestroy(&fields150);
    pixDestroy(&bin);
    if (!m->fields || !m->layout)
        return FO_ERR_NOMEM;
    pixSubtract(m->layout, m->layout, m->fields);
    m->layout_grown = pixDilateBrick(NULL, m->layout, 3, 3);
    if (!m->layout_grown)
        return FO_ERR_NOMEM;
    {
        PIX *print150 = print_of(grey);
        m->print = print150 ? pixReduceRankBinary2(print150, 1, NULL) : NULL;
        pixDestroy(&print150);
    }
    if (!m->print)
        return FO_ERR_NOMEM;
    pixSubtract(m->print, m->print, m->fields);
    return FO_OK;
}

static void patch_set_free(patch_set *ps)
{
    if (!ps)
        return;
    for (int i = 0; i < ps->count; i++)
        free(ps->items[i].data);
    free(ps->items);
    free(ps);
}

static void patch_set_drop(void *item)
{
    patch_set_free(item);
}

/* The model of page pageno of t from its reference (8 bpp, at the
 * template's dpi): *m, and its patches (*ps, the caller frees it). */
static int build_model(const fo_template *t, int pageno, PIX *reference, page_model *m,
                       patch_set **ps)
{
    const fo_template_page *page = &t->pages[pageno];
    PIX *grey, *bin;
    fimg ink = {0};
    uint8_t *mask = NULL;
    int rc;

    m->t = t;
    m->page = pageno;
    m->scale = (double)WORK_DPI / t->dpi;
    *ps = calloc(1, sizeof **ps);
    grey = *ps ? fo_raster_grey_scaled(reference, m->scale) : NULL;
    bin = grey ? fo_raster_binarize(grey) : NULL;
    if (!bin) {
        pixDestroy(&grey);
        return FO_ERR_NOMEM;
    }
    m->w = pixGetWidth(bin);
    m->h = pixGetHeight(bin);
    rc = fo_raster_profiles(bin, fo_affine_identity(), &m->rows, &m->cols);
    if (rc == FO_OK)
        rc = ink_map(bin, &ink);
    mask = rc == FO_OK ? calloc((size_t)m->w * m->h, 1) : NULL;
    if (rc == FO_OK && !mask)
        rc = FO_ERR_NOMEM;
    if (rc == FO_OK) {
        mask_fields(page, m->scale, mask, m->w, m->h);
        rc = choose_patches(&ink, mask, &(*ps)->items, &(*ps)->count);
    }
    if (rc == FO_OK)
        rc = build_layout(m, grey, mask);
    pixDestroy(&grey);
    pixDestroy(&bin);
    free(mask);
    fimg_free(&ink);
    return rc;
}

/* What a model derives from what is stored: the index profiles, the grown
 * layout and print. */
static int complete_model(page_model *m)
{
    if (index_profile_make(&m->rows, &m->irows) != FO_OK ||
        index_profile_make(&m->cols, &m->icols) != FO_OK)
        return FO_ERR_NOMEM;
    if (!m->layout_grown)
        m->layout_grown = pixDilateBrick(NULL, m->layout, 3, 3);
    m->print_grown =
        pixDilateBrick(NULL, m->print, 2 * DUEL_GROW + 1, 2 * DUEL_GROW + 1);
    return m->layout_grown && m->print_grown ? FO_OK : FO_ERR_NOMEM;
}

static void free_model(page_model *m)
{
    pixDestroy(&m->layout);
    pixDestroy(&m->layout_grown);
    pixDestroy(&m->fields);
    pixDestroy(&m->print);
    pixDestroy(&m->print_grown);
    free(m->rows.v);
    free(m->cols.v);
    index_profile_free(&m->irows);
    index_profile_free(&m->icols);
}

/* ---- the cache ------------------------------------------------------------
 *
 * A model is kept in two entries, keyed by the template's SHA-256 (its JSON
 * and references), the page, and MODEL_FORMAT (bumped whenever what a
 * model holds or how it is derived changes; formocr's version is in every
 * entry too): "mframe", what every page's matching looks at (sizes,
 * profiles, layouts, print; read at start), and "mpatch", the patches
 * (read when a page is registered on it).  Nothing read is trusted: sizes
 * must be the ones the template's page gives, values finite. */

enum { MODEL_FORMAT = 1, MAX_PATCHES = GRID_X * GRID_Y };

static void model_key(const fo_template *t, int pageno, uint8_t key[FO_CACHE_KEY_LEN])
{
    char text[160];
    int n = snprintf(text, sizeof text, "formocr match model %d %s page %d",
                     MODEL_FORMAT, t->sha256, pageno);
    fo_sha256(text, (size_t)n, key);
}

static void put_profile(fo_blob_writer *w, const fo_profile *p)
{
    fo_blob_put_u32(w, (uint32_t)p->n);
    for (int i = 0; i < p->n; i++)
        fo_blob_put_f32(w, p->v[i]);
}

static bool get_profile(fo_blob_reader *r, int expected, fo_profile *p)
{
    uint32_t n = fo_blob_get_u32(r);
    if (r->failed || (int)n != expected)
        return false;
    p->v = calloc(n ? n : 1, sizeof *p->v);
    p->n = (int)n;
    if (!p->v)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        p->v[i] = fo_blob_get_f32(r);
        if (!isfinite(p->v[i]) || p->v[i] < 0)
            return false;
    }
    return !r->failed;
}

static uint8_t *frame_bytes(const page_model *m, size_t *len)
{
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    fo_blob_put_i32(&w, m->w);
    fo_blob_put_i32(&w, m->h);
    put_profile(&w, &m->rows);
    put_profile(&w, &m->cols);
    fo_blob_put_pix1(&w, m->layout);
    fo_blob_put_pix1(&w, m->fields);
    fo_blob_put_pix1(&w, m->print);
    return fo_blob_writer_detach(&w, len);
}

/* A VERIFY_DPI bitmap of a w x h work page. */
static bool verify_sized(PIX *pix, int w, int h)
{
    return pix && pixGetWidth(pix) == w / 2 && pixGetHeight(pix) == h / 2;
}

/* Reads m's frame (m->t, m->page, m->scale set) from its bytes; false when
 * they are not a frame of this page. */
static bool frame_parse(page_model *m, const uint8_t *data, size_t len)
{
    const fo_template_page *page = &m->t->pages[m->page];
    fo_blob_reader r = fo_blob_reader_of(data, len);
    int ew = (int)lround(page->width * m->scale),
        eh = (int)lround(page->height * m->scale);

    m->w = fo_blob_get_i32(&r);
    m->h = fo_blob_get_i32(&r);
    /* compared so that no difference is taken of a hostile value */
    if (r.failed || m->w < ew - 2 || m->w > ew + 2 || m->h < eh - 2 || m->h > eh + 2 ||
        m->w < PATCH || m->h < PATCH)
        return false;
    if (!get_profile(&r, (m->h + FO_PROFILE_BIN - 1) / FO_PROFILE_BIN, &m->rows) ||
        !get_profile(&r, (m->w + FO_PROFILE_BIN - 1) / FO_PROFILE_BIN, &m->cols))
        return false;
    m->layout = fo_blob_get_pix1(&r);
    m->fields = fo_blob_get_pix1(&r);
    m->print = fo_blob_get_pix1(&r);
    return fo_blob_reader_done(&r) && verify_sized(m->layout, m->w, m->h) &&
           verify_sized(m->fields, m->w, m->h) && verify_sized(m->print, m->w, m->h);
}

static uint8_t *patches_bytes(const patch_set *ps, size_t *len)
{
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    fo_blob_put_u32(&w, (uint32_t)ps->count);
    for (int i = 0; i < ps->count; i++) {
        fo_blob_put_i32(&w, ps->items[i].x);
        fo_blob_put_i32(&w, ps->items[i].y);
        for (int k = 0; k < PATCH * PATCH; k++)
            fo_blob_put_f32(&w, ps->items[i].data[k]);
    }
    return fo_blob_writer_detach(&w, len);
}

static patch_set *patches_parse(const page_model *m, const uint8_t *data, size_t len)
{
    fo_blob_reader r = fo_blob_reader_of(data, len);
    uint32_t n = fo_blob_get_u32(&r);
    patch_set *ps;

    if (r.failed || n > MAX_PATCHES || !(ps = calloc(1, sizeof *ps)))
        return NULL;
    ps->items = calloc(n ? n : 1, sizeof *ps->items);
    if (!ps->items) {
        free(ps);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        patch *p = &ps->items[ps->count];
        p->x = fo_blob_get_i32(&r);
        p->y = fo_blob_get_i32(&r);
        if (r.failed || p->x < 0 || p->y < 0 || p->x > m->w - PATCH ||
            p->y > m->h - PATCH || !(p->data = malloc(PATCH * PATCH * sizeof(float))))
            break;
        ps->count++;
        for (int k = 0; k < PATCH * PATCH; k++) {
            p->data[k] = fo_blob_get_f32(&r);
            if (!isfinite(p->data[k]))
                r.failed = true;
        }
    }
    if ((uint32_t)ps->count != n || !fo_blob_reader_done(&r)) {
        patch_set_free(ps);
        return NULL;
    }
    return ps;
}

/* Writes model m's two entries (a failure only costs a rebuild later). */
static void store_model(const fo_matcher *mt, const page_model *m, const patch_set *ps)
{
    size_t len;
    uint8_t *bytes;
    fo_error ignored;
    if (!mt->cache)
        return;
    if ((bytes = frame_bytes(m, &len)) != NULL)
        fo_cache_put(mt->cache, "mframe", mt->keys[m->id], bytes, len, &ignored);
    free(bytes);
    if ((bytes = patches_bytes(ps, &len)) != NULL)
        fo_cache_put(mt->cache, "mpatch", mt->keys[m->id], bytes, len, &ignored);
    free(bytes);
}

/* Derives model id from its template's reference (decoded here when the
 * template was loaded lazily) and stores it: *m and *ps. */
static int derive_model(const fo_matcher *mt, int id, page_model *m, patch_set **ps,
                        fo_error *err)
{
    const fo_template *t = mt->models[id].t; /* m may be that slot */
    const int pageno = mt->models[id].page;
    PIX *reference = t->pages[pageno].image ? pixClone(t->pages[pageno].image) : NULL;
    int rc = FO_OK;

    *ps = NULL;
    memset(m, 0, sizeof *m);
    m->id = id;
    m->owner = mt;
    if (!reference)
        rc = fo_template_page_image(t, pageno, &reference, err);
    if (rc == FO_OK && (rc = build_model(t, pageno, reference, m, ps)) != FO_OK)
        fo_error_set(err, rc, "out of memory preparing template \"%s\"", t->name);
    pixDestroy(&reference);
    if (rc == FO_OK)
        rc = complete_model(m);
    if (rc == FO_OK)
        store_model(mt, m, *ps);
    return rc;
}

/* fo_lru loader of a model's patches: the cache's, else derived again. */
static void *load_patches(void *ctx, int id)
{
    const fo_matcher *mt = ctx;
    const page_model *m = &mt->models[id];
    uint8_t *data = NULL;
    size_t len = 0;
    patch_set *ps = NULL;
    page_model again;
    fo_error err;

    if (mt->cache &&
        fo_cache_get(mt->cache, "mpatch", mt->keys[id], &data, &len) == FO_OK)
        ps = patches_parse(m, data, len);
    free(data);
    if (ps)
        return ps;
    if (derive_model(mt, id, &again, &ps, &err) != FO_OK) {
        patch_set_free(ps);
        ps = NULL;
    }
    free_model(&again);
    return ps;
}

/* Model id's frame from the cache, if its two entries are there (its
 * patches, read when a page needs them, kept from the cache's tidying as
 * much as its frame). */
static bool read_model(fo_matcher *mt, int id)
{
    page_model *m = &mt->models[id];
    uint8_t *data = NULL;
    size_t len = 0;
    bool ok = fo_cache_keep(mt->cache, "mpatch", mt->keys[id]) &&
              fo_cache_get(mt->cache, "mframe", mt->keys[id], &data, &len) == FO_OK &&
              frame_parse(m, data, len) && complete_model(m) == FO_OK;
    free(data);
    return ok;
}

int fo_matcher_create(const fo_template_set *set, fo_matcher **out, fo_error *err)
{
    return fo_matcher_create_cached(set, NULL, out, err);
}

int fo_matcher_create_cached(const fo_template_set *set, struct fo_cache *cache,
                             fo_matcher **out, fo_error *err)
{
    fo_matcher *m = calloc(1, sizeof *m);
    int total = 0, rc = FO_OK;

    *out = NULL;
    if (!m)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < set->count; i++)
        total += set->items[i]->npages;
    m->cache = cache;
    m->models = calloc(total ? (size_t)total : 1, sizeof *m->models);
    m->keys = calloc(total ? (size_t)total : 1, sizeof *m->keys);
    /* without a cache, patches are derived once and all kept */
    m->patches = fo_lru_create(total, cache ? PATCH_SETS_KEPT : total, load_patches,
                               patch_set_drop, m);
    if (!m->models || !m->keys || !m->patches) {
        fo_matcher_destroy(&m);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < set->count && rc == FO_OK; i++)
        for (int p = 0; p < set->items[i]->npages && rc == FO_OK; p++) {
            page_model *pm = &m->models[m->nmodels];
            patch_set *ps = NULL;
            pm->t = set->items[i];
            pm->page = p;
            pm->scale = (double)WORK_DPI / pm->t->dpi;
            pm->id = m->nmodels;
            pm->owner = m;
            model_key(pm->t, p, m->keys[pm->id]);
            m->nmodels++;
            if (cache && read_model(m, pm->id))
                continue;
            free_model(pm);
            rc = derive_model(m, pm->id, pm, &ps, err);
            if (rc == FO_OK) {
                m->built++;
                fo_lru_put(m->patches, pm->id, ps);
            } else {
                patch_set_free(ps);
            }
        }
    if (rc != FO_OK) {
        fo_matcher_destroy(&m);
        return rc;
    }
    *out = m;
    return FO_OK;
}

int fo_matcher_built(const fo_matcher *m)
{
    return m->built;
}

void fo_matcher_destroy(fo_matcher **mp)
{
    if (!mp || !*mp)
        return;
    fo_lru_destroy(&(*mp)->patches);
    for (int i = 0; i < (*mp)->nmodels; i++)
        free_model(&(*mp)->models[i]);
    free((*mp)->models);
    free((*mp)->keys);
    free(*mp);
    *mp = NULL;
}

/* ---- matching a page ------------------------------------------------------ */

/* The scan at WORK_DPI, as the prep stage made it: binary, its ink map,
 * skew and profiles (borrowed), and the profiles' reversed copies. */
typedef struct scan_work {
    PIX *bin;  /* as scanned (not deskewed) */
    PIX *ink;  /* ink map of bin, 8 bpp: 255 is ink */
    PIX *grey; /* what bin was made from, 8 bpp; NULL when not kept */
    int w, h;
    double factor; /* scan px -> WORK_DPI px */
    double skew;
    fo_affine deskew;              /* work px -> deskewed work px (about the centre) */
    fo_profile rows, cols;         /* of the deskewed page, not turned: the prep's,
                                      or own_rows and own_cols */
    fo_profile rev_rows, rev_cols; /* the same, reversed (for the turns) */
    fo_profile own_rows, own_cols; /* made here (without edge bands) */
    index_profile index[4];        /* rows, cols, rev_rows, rev_cols merged */
    int print_level; /* grey below this is print (warp_print); 0: not found yet */
    bool wide;       /* shifts searched across the whole page (fit_profile_within) */
} scan_work;

static void scan_work_free(scan_work *s)
{
    fo_profile_free(&s->rev_rows);
    fo_profile_free(&s->rev_cols);
    fo_profile_free(&s->own_rows);
    fo_profile_free(&s->own_cols);
    for (int i = 0; i < 4; i++)
        index_profile_free(&s->index[i]);
}

/* Takes rows and cols as the scan's profiles, and makes their reversed
 * copies. */
static int use_profiles(scan_work *s, fo_profile rows, fo_profile cols)
{
    s->rows = rows;
    s->cols = cols;
    if (!s->rev_rows.v)
        s->rev_rows.v = malloc((size_t)rows.n * sizeof(float));
    if (!s->rev_cols.v)
        s->rev_cols.v = malloc((size_t)cols.n * sizeof(float));
    if (!s->rev_rows.v || !s->rev_cols.v)
        return FO_ERR_NOMEM;
    reverse_into(&s->rows, &s->rev_rows);
    reverse_into(&s->cols, &s->rev_cols);
    {
        const fo_profile *src[4] = {&s->rows, &s->cols, &s->rev_rows, &s->rev_cols};
        for (int i = 0; i < 4; i++) {
            index_profile_free(&s->index[i]);
            if (index_profile_make(src[i], &s->index[i]) != FO_OK)
                return FO_ERR_NOMEM;
        }
    }
    return FO_OK;
}

static int scan_work_init(const fo_prep_result *prep, scan_work *s)
{
    memset(s, 0, sizeof *s);
    s->bin = prep->binary;
    s->ink = prep->ink;
    s->grey = prep->grey;
    s->w = pixGetWidth(prep->binary);
    s->h = pixGetHeight(prep->binary);
    s->factor = prep->factor;
    s->skew = prep->skew;
    s->deskew = prep->deskew;
    return use_profiles(s, prep->rows, prep->cols);
}

typedef struct coarse {
    int model;
    int turn;
    double score;
    double sx, sy, shx, shy; /* template work px -> upright scan work px */
} coarse;

/* Upright scan frame for a turn: the deskewed frame turned clockwise by
 * `turn` about its centre.  Returns deskewed work px -> upright px. */
static fo_affine turn_back(int w, int h, int turn, int *uw, int *uh)
{
    fo_affine t = fo_affine_translation(-w / 2.0, -h / 2.0);
    t = fo_affine_compose(fo_affine_rotation(turn), t);
    *uw = turn == 90 || turn == 270 ? h : w;
    *uh = turn == 90 || turn == 270 ? w : h;
    return fo_affine_compose(fo_affine_translation(*uw / 2.0, *uh / 2.0), t);
}

/* The upright page's rows and columns for a turn, from the deskewed page's:
 * turning it clockwise by 90 makes its columns, left to right, the rows,
 * and its rows, bottom to top, the columns; 270 the reverse. */
static void upright_profiles(const scan_work *s, int turn, const fo_profile **ur,
                             const fo_profile **uc)
{
    *ur = turn == 0     ? &s->rows
          : turn == 90  ? &s->cols
          : turn == 180 ? &s->rev_rows
                        : &s->rev_cols;
    *uc = turn == 0     ? &s->cols
          : turn == 90  ? &s->rev_rows
          : turn == 180 ? &s->rev_cols
                        : &s->rows;
}

/* The scan's index profiles for a turn (as upright_profiles): indices into
 * scan_work.index. */
static void upright_index(int turn, int *ur, int *uc)
{
    *ur = turn == 0 ? 0 : turn == 90 ? 1 : turn == 180 ? 2 : 3;
    *uc = turn == 0 ? 1 : turn == 90 ? 2 : turn == 180 ? 3 : 0;
}

/* The probes made for one scan and one first scale, by (source, length). */
typedef struct probe_cache {
    probe_set *sets;
    int count, cap;
} probe_cache;

static void probe_cache_free(probe_cache *c)
{
    for (int i = 0; i < c->count; i++)
        probe_set_free(&c->sets[i]);
    free(c->sets);
    memset(c, 0, sizeof *c);
}

static const probe_set *probes_for(probe_cache *c, const scan_work *s, int src, int na,
                                   double scale0)
{
    for (int i = 0; i < c->count; i++)
        if (c->sets[i].src == src && c->sets[i].na == na)
            return &c->sets[i];
    if (c->count == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        probe_set *sets = realloc(c->sets, (size_t)cap * sizeof *sets);
        if (!sets)
            return NULL;
        c->sets = sets;
        c->cap = cap;
    }
    if (probe_set_make(&s->index[src], src, na, scale0, s->wide, &c->sets[c->count]) !=
        FO_OK)
        return NULL;
    return &c->sets[c->count++];
}

/* The index's fit of every model (fits: one per model): for each turn, the
 * mean of the rows' and the columns' best correlation over the probes; the
 * best turn's, with its scales and shifts (as the coarse fit's first grid
 * would give them, at a quarter of the resolution). */
static int index_scores(const fo_matcher *m, const scan_work *s, double scale0,
                        coarse *fits)
{
    probe_cache cache = {0};
    int rc = FO_OK;

    for (int i = 0; i < m->nmodels && rc == FO_OK; i++) {
        const page_model *pm = &m->models[i];
        fits[i] = (coarse){.model = i, .score = -2};
        for (int turn = 0; turn < 360; turn += 90) {
            const probe_set *pr, *pc;
            double kr, shr, kc, shc, v;
            int ur, uc;
            upright_index(turn, &ur, &uc);
            pr = probes_for(&cache, s, ur, pm->irows.n, scale0);
            pc = pr ? probes_for(&cache, s, uc, pm->icols.n, scale0) : NULL;
            if (!pc) {
                rc = FO_ERR_NOMEM;
                break;
            }
            v = (probe_best(&pm->irows, pr, &kr, &shr) +
                 probe_best(&pm->icols, pc, &kc, &shc)) /
                2;
            if (v > fits[i].score)
                fits[i] = (coarse){i,   turn, v, scale0 * (1 + kc), scale0 * (1 + kr),
                                   shc, shr};
        }
    }
    probe_cache_free(&cache);
    return rc;
}

/*
 * A scanner scales a page alike both ways; the profiles, fitted one axis at
 * a time, may not agree (a band at one edge, a cut page, a dark photocopy
 * can pull one axis's fit to the end of its range).  When a coarse fit that
 * far from isotropic fails to register, each axis is fitted again with its
 * scale taken from the other's: out[0] has x at y's scale, out[1] y at x's
 * (only the shift fitted: a page cut at the top, its header's band pulled
 * x to 0.96 for a true 1.00, and x's profile still preferred 0.965 when
 * held within a few per cent), then out[2] and out[3] the same held only
 * near the other's scale.  All are tried: which axis was pulled, the
 * profiles' scores do not tell (a photocopy with dark bands on both sides:
 * x pulled to 0.91 for a true 0.98, and y, held near 0.91, still correlated
 * better).
 */
static bool isotropic_refit(const page_model *m, const scan_work *s, const coarse *c,
                            coarse out[ISOTROPIC_REFITS])
{
    const fo_profile *ur, *uc;

    if (fabs(c->sx / c->sy - 1) <= ISOTROPY_TOLERANCE)
        return false;
    upright_profiles(s, c->turn, &ur, &uc);
    for (int i = 0; i < ISOTROPIC_REFITS; i += 2) {
        double range = i == 0 ? 0 : ISOTROPIC_REFIT_RANGE;
        out[i] = out[i + 1] = *c;
        fit_profile_within(&m->cols, uc, c->sy, range, s->wide, &out[i].sx,
                           &out[i].shx);
        fit_profile_within(&m->rows, ur, c->sx, range, s->wide, &out[i + 1].sy,
                           &out[i + 1].shy);
    }
    return true;
}

/* The coarse fit of m refined from the index's fit *c (its turn, scales and
 * shifts), in place. */
static void coarse_refine(const page_model *m, const scan_work *s, double scale0,
                          coarse *c)
{
    const fo_profile *ur, *uc;
    double sy, shy, sx, shx, r, cl;
    upright_profiles(s, c->turn, &ur, &uc);
    r = refine_profile(&m->rows, ur, scale0, c->sy / scale0 - 1, c->shy, &sy, &shy);
    cl = refine_profile(&m->cols, uc, scale0, c->sx / scale0 - 1, c->shx, &sx, &shx);
    *c = (coarse){c->model, c->turn, (r + cl) / 2, sx, sy, shx, shy};
}

/* The coarse fit of m for the turns in mask (bit k: turn 90 k). */
static void coarse_fit_turns(const page_model *m, const scan_work *s, double scale0,
                             unsigned mask, coarse *best)
{
    best->score = -2;
    for (int turn = 0; turn < 360; turn += 90) {
        const fo_profile *ur, *uc;
        double sy, shy, sx, shx;
        if (!(mask & (1u << (turn / 90))))
            continue;
        upright_profiles(s, turn, &ur, &uc);
        double r = fit_profile(&m->rows, ur, scale0, s->wide, &sy, &shy);
        double c = fit_profile(&m->cols, uc, scale0, s->wide, &sx, &shx);
        double score = (r + c) / 2;
        if (score > best->score) {
            *best = (coarse){0, turn, score, sx, sy, shx, shy};
        }
    }
}

/* Template work px -> scan work px, from a coarse fit. */
static fo_affine coarse_transform(const page_model *m, const scan_work *s,
                                  const coarse *c)
{
    int uw, uh;
    fo_affine back = turn_back(s->w, s->h, c->turn, &uw, &uh), up_to_deskewed, to_scan;
    /* profile positions are measured from the profiles' centres, which are
     * whole bins: use the same centres here */
    double tcx = m->cols.n * FO_PROFILE_BIN / 2.0,
           tcy = m->rows.n * FO_PROFILE_BIN / 2.0;
    int ucols = c->turn == 90 || c->turn == 270 ? s->rows.n : s->cols.n;
    int urows = c->turn == 90 || c->turn == 270 ? s->cols.n : s->rows.n;
    double ucx = ucols * FO_PROFILE_BIN / 2.0, ucy = urows * FO_PROFILE_BIN / 2.0;
    fo_affine t = fo_affine_translation(-tcx, -tcy);
    t = fo_affine_compose(fo_affine_scaling(c->sx, c->sy), t);
    t = fo_affine_compose(fo_affine_translation(ucx + c->shx, ucy + c->shy), t);
    /* t: template work px -> upright work px (upright frame uw x uh, whose
     * profiles were taken from bins starting at 0) */
    fo_affine_invert(back, &up_to_deskewed);
    fo_affine_invert(s->deskew, &to_scan);
    return fo_affine_compose(to_scan, fo_affine_compose(up_to_deskewed, t));
}

/* A patch found in the scan. */
typedef struct hit {
    fo_point from; /* patch centre, template work px */
    fo_point to;   /* where it is, scan work px */
    double ncc;
} hit;

/* Parabola vertex offset through (-1, a), (0, b), (1, c), within +-0.5. */
static double subpixel(double a, double b, double c)
{
    double den = a - 2 * b + c, off;
    if (den >= 0)
        return 0;
    off = 0.5 * (a - c) / den;
    return off < -0.5 ? -0.5 : off > 0.5 ? 0.5 : off;
}

/* Samples the 8 bpp ink map through t into a w x h float window whose
 * top-left is (ox, oy) in the template frame: out(x, y) = ink(t(ox+x, oy+y))
 * bilinearly, 0 (paper) outside the scan. */
static void warp_window(PIX *ink, fo_affine t, int ox, int oy, int w, int h, float *out)
{
    const l_uint32 *data = pixGetData(ink);
    const int iw = pixGetWidth(ink), ih = pixGetHeight(ink), wpl = pixGetWpl(ink);
    for (int y = 0; y < h; y++) {
        double sx = t.a * ox + t.b * (oy + y) + t.c;
        double sy = t.d * ox + t.e * (oy + y) + t.f;
        for (int x = 0; x < w; x++, sx += t.a, sy += t.d) {
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            float v = 0;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < iw && y0 + 1 < ih) {
                const l_uint32 *r0 = data + (size_t)y0 * wpl, *r1 = r0 + wpl;
                float fx = (float)(sx - x0), fy = (float)(sy - y0);
                float top =
                    GET_DATA_BYTE(r0, x0) * (1 - fx) + GET_DATA_BYTE(r0, x0 + 1) * fx;
                float bot =
                    GET_DATA_BYTE(r1, x0) * (1 - fx) + GET_DATA_BYTE(r1, x0 + 1) * fx;
                v = (top * (1 - fy) + bot * fy) * (1.0f / 255);
            }
            out[(size_t)y * w + x] = v;
        }
    }
}

/*
 * Searches each patch within +-search px of where t puts it.  Only the
 * window around each patch is resampled from the scan (through t, into the
 * template's frame), never the whole page.  Fills hits with the patches
 * found: template work px -> scan work px.
 */
static int search_patches(const patch_set *ps, PIX *ink, fo_affine t, int search,
                          hit *hits)
{
    const int margin = search + 1; /* +1: the sub-pixel neighbours */
    const int side = PATCH + 2 * margin;
    fimg win = {side, side, malloc((size_t)side * side * sizeof(float))};
    integral in = {0};
    int n = 0;

    if (!win.p || integral_alloc(&in, side, side) != FO_OK) {
        fimg_free(&win);
        integral_free(&in);
        return -1;
    }
    for (int i = 0; i < ps->count; i++) {
        const patch *p = &ps->items[i];
        double best = -2, grid[3][3];
        int bx = 0, by = 0;
        fo_point at;

        warp_window(ink, t, p->x - margin, p->y - margin, side, side, win.p);
        integral_fill(&in, &win);
        /* a wide search visits every other position first, then the
         * neighbours of the best */
        for (int pass = search > 2 ? 0 : 1; pass < 2; pass++) {
            int step = pass == 0 ? 2 : 1;
            int range = pass == 0 || search <= 2 ? search : 1;
            int cx = pass == 0 ? 0 : bx, cy = pass == 0 ? 0 : by;
            for (int dy = cy - range; dy <= cy + range; dy += step)
                for (int dx = cx - range; dx <= cx + range; dx += step) {
                    double v;
                    if (abs(dx) > search || abs(dy) > search)
                        continue;
                    v = ncc_at(p->data, &win, &in, margin + dx, margin + dy);
                    if (v > best) {
                        best = v;
                        bx = dx;
                        by = dy;
                    }
                }
        }
        if (best < PATCH_MIN_NCC)
            continue;
        for (int j = -1; j <= 1; j++)
            for (int k = -1; k <= 1; k++)
                grid[j + 1][k + 1] =
                    ncc_at(p->data, &win, &in, margin + bx + k, margin + by + j);
        hits[n].from = (fo_point){p->x + PATCH / 2.0 - 0.5, p->y + PATCH / 2.0 - 0.5};
        at = (fo_point){
            hits[n].from.x + bx + subpixel(grid[1][0], grid[1][1], grid[1][2]),
            hits[n].from.y + by + subpixel(grid[0][1], grid[1][1], grid[2][1])};
        hits[n].to = fo_affine_apply(t, at);
        hits[n].ncc = best;
        n++;
    }
    fimg_free(&win);
    integral_free(&in);
    return n;
}

static double residual(fo_affine t, const hit *h)
{
    fo_point p = fo_affine_apply(t, h->from);
    return hypot(p.x - h->to.x, p.y - h->to.y);
}

/* Marks inliers of t among hits (weights 1 or 0); returns their count. */
static int mark_inliers(fo_affine t, const hit *hits, int n, double tol, double *w)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        w[i] = residual(t, &hits[i]) <= tol ? 1.0 : 0.0;
        count += w[i] > 0;
    }
    return count;
}

/* RANSAC over triples (a fixed pseudo-random sequence: results repeat),
 * then least squares on the inliers, twice. */
static bool robust_fit(const hit *hits, int n, double tol, fo_affine *out, double *w,
                       int *ninl)
{
    fo_point from[3], to[3];
    uint32_t seed = 2463534242u;
    int best = 0;
    fo_affine t;

    if (n < 3)
        return false;
    for (int round = 0; round < RANSAC_ROUNDS; round++) {
        int idx[3];
        for (int k = 0; k < 3; k++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            idx[k] = (int)(seed % (uint32_t)n);
        }
        if (idx[0] == idx[1] || idx[1] == idx[2] || idx[0] == idx[2])
            continue;
        for (int k = 0; k < 3; k++) {
            from[k] = hits[idx[k]].from;
            to[k] = hits[idx[k]].to;
        }
        if (!fo_affine_fit(from, to, NULL, 3, &t))
            continue;
        {
            int c = 0;
            for (int i = 0; i < n; i++)
                c += residual(t, &hits[i]) <= tol;
            if (c > best) {
                best = c;
                *out = t;
            }
        }
    }
    if (best < 3)
        return false;
    for (int pass = 0; pass < 2; pass++) {
        fo_point *f = malloc((size_t)n * sizeof *f), *g = malloc((size_t)n * sizeof *g);
        bool ok;
        if (!f || !g) {
            free(f);
            free(g);
            return false;
        }
        mark_inliers(*out, hits, n, tol, w);
        for (int i = 0; i < n; i++) {
            f[i] = hits[i].from;
            g[i] = hits[i].to;
        }
        ok = fo_affine_fit(f, g, w, n, &t);
        free(f);
        free(g);
        if (!ok)
            break;
        *out = t;
    }
    *ninl = mark_inliers(*out, hits, n, tol, w);
    return true;
}

typedef struct precise {
    double score;
    double layout; /* verify_layout's, 0 when not registered */
    fo_affine t;   /* template work px -> scan work px */
    double rms;    /* scan work px */
    int inliers, patches;
} precise;

/* A fit that bends the coarse estimate this much is not this form. */
static bool plausible(fo_affine fit, fo_affine t0)
{
    double rel = fo_affine_scale(fit) / fo_affine_scale(t0);
    double dangle = fabs(fo_affine_angle(fit) - fo_affine_angle(t0));
    if (dangle > 180)
        dangle = 360 - dangle;
    return fabs(rel - 1) <= MAX_SCALE_DEVIATION && dangle <= MAX_FIT_ANGLE;
}

/*
 * Registers the scan on one template page from the coarse transform t0:
 * a wide search of the patches (first_search px around each) and a robust
 * fit, then (rounds 2) a second, narrow search through that fit.  Seen
 * through a transform that is already right to a fraction of a pixel, each
 * patch peaks at a near-zero offset, where the sub-pixel parabola is least
 * biased.  One round tells whether the page registers at all.
 */
static int register_page(const page_model *m, const scan_work *s, fo_affine t0,
                         int first_search, int rounds, precise *out)
{
    hit *hits = NULL;
    double *w = NULL;
    fo_affine t = t0;
    int rc = FO_OK;
    patch_set *ps = fo_lru_acquire(m->owner->patches, m->id);

    memset(out, 0, sizeof *out);
    if (!ps)
        return FO_ERR_IO;
    out->patches = ps->count;
    if (ps->count == 0)
        goto out;
    hits = malloc((size_t)ps->count * sizeof *hits);
    w = malloc((size_t)ps->count * sizeof *w);
    if (!hits || !w) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    for (int round = 0; round < rounds; round++) {
        fo_affine fit;
        double sum = 0, sq = 0;
        int nh, ninl = 0;

        nh = search_patches(ps, s->ink, t, round == 0 ? first_search : REFINE_SEARCH,
                            hits);
        if (nh < 0) {
            rc = FO_ERR_NOMEM;
            goto out;
        }
        if (!robust_fit(hits, nh, round == 0 ? INLIER_PX : REFINE_INLIER_PX, &fit, w,
                        &ninl) ||
            ninl < MIN_INLIERS || !plausible(fit, t0))
            break; /* keep what the previous round found, if anything */
        for (int i = 0; i < nh; i++)
            if (w[i] > 0) {
                double r = residual(fit, &hits[i]);
                sum += hits[i].ncc;
                sq += r * r;
            }
        out->score = sum / ps->count;
        out->t = fit;
        out->rms = sqrt(sq / ninl);
        out->inliers = ninl;
        t = fit;
    }
out:
    fo_lru_release(m->owner->patches, m->id);
    free(hits);
    free(w);
    return rc;
}

/* The 8 bpp page src (the scan's ink map or grey, at WORK_DPI) seen through
 * t (template work px -> scan work px) at VERIFY_DPI, w x h: *on the pixels
 * whose value lies within lo..hi, *seen where the scan lies at all.  The
 * affine map is stepped along each row, not applied per pixel. */
static int warp_levels(PIX *src, fo_affine t, int lo, int hi, int w, int h, PIX **on,
                       PIX **seen)
{
    const l_uint32 *data = pixGetData(src);
    const int sw = pixGetWidth(src), sh = pixGetHeight(src), swpl = pixGetWpl(src);

    *on = pixCreate(w, h, 1);
    *seen = pixCreate(w, h, 1);
    if (!*on || !*seen) {
        pixDestroy(on);
        pixDestroy(seen);
        return FO_ERR_NOMEM;
    }
    for (int y = 0; y < h; y++) {
        l_uint32 *row = pixGetData(*on) + (size_t)y * pixGetWpl(*on);
        l_uint32 *srow = pixGetData(*seen) + (size_t)y * pixGetWpl(*seen);
        /* the centre of a VERIFY_DPI pixel in template work px */
        fo_point p = fo_affine_apply(t, (fo_point){0.5, 2 * y + 0.5});
        for (int x = 0; x < w; x++, p.x += 2 * t.a, p.y += 2 * t.d) {
            int sx, sy, v;
            if (p.x < -0.5 || p.y < -0.5 || p.x >= sw - 0.5 || p.y >= sh - 0.5)
                continue;
            sx = (int)(p.x + 0.5); /* lround, for what is left */
            sy = (int)(p.y + 0.5);
            SET_DATA_BIT(srow, x);
            v = (int)GET_DATA_BYTE(data + (size_t)sy * swpl, sx);
            if (v >= lo && v <= hi)
                SET_DATA_BIT(row, x);
        }
    }
    return FO_OK;
}

/* The scan's ink (its ink map) seen through t at VERIFY_DPI (warp_levels). */
static int warp_layout(const scan_work *s, fo_affine t, int w, int h, PIX **scan,
                       PIX **seen)
{
    return warp_levels(s->ink, t, LAYOUT_INK, 255, w, h, scan, seen);
}

/* All the scan's print (print_of, from its grey at WORK_DPI) seen through
 * t at VERIFY_DPI (warp_levels). */
static int warp_print(const scan_work *s, fo_affine t, int w, int h, PIX **print,
                      PIX **seen)
{
    const int level = s->print_level > 0
                          ? s->print_level
                          : (int)lround(paper_level(s->grey) * PRINT_RATIO);
    return warp_levels(s->grey, t, 0, level - 1, w, h, print, seen);
}

/* verify_layout's score from the scan's warped ink and coverage (see
 * warp_layout; both the size of m's layout, left unchanged). */
static double layout_score(const page_model *m, PIX *scan_in, PIX *seen)
{
    PIX *scan = pixSubtract(NULL, scan_in, m->fields);
    PIX *form = pixAnd(NULL, m->layout, seen);
    PIX *grown = scan ? pixDilateBrick(NULL, scan, 3, 3) : NULL;
    PIX *both = form && grown ? pixAnd(NULL, form, grown) : NULL;
    int nform = 0, nscan = 0, found = 0, explained = 0;
    double score = 0;

    /* the form's ink that the scan could show: a page cut at the scanner's
     * edge has lost what fell off, and a near miss lacking that part would
     * otherwise fit it better */
    if (both) {
        pixCountPixels(form, &nform, NULL);
        pixCountPixels(both, &found, NULL);
        pixAnd(both, scan, m->layout_grown);
        pixCountPixels(scan, &nscan, NULL);
        pixCountPixels(both, &explained, NULL);
        if (nform > 0 && nscan > 0)
            score = ((double)found / nform) * ((double)explained / nscan);
    }
    pixDestroy(&scan);
    pixDestroy(&form);
    pixDestroy(&grown);
    pixDestroy(&both);
    return score;
}

/*
 * How well the whole layout agrees, once registered through t (template
 * work px -> scan work px), both ways: the share of the form's ink found in
 * the scan, times the share of the scan's ink (outside the field zones)
 * that the form explains.  Patches sample a form; a near miss (the same
 * form with a section moved, added or removed) shares most of them, but
 * not its whole layout: a section it lacks is ink it does not explain.
 */
static double verify_layout(const page_model *m, const scan_work *s, fo_affine t)
{
    PIX *scan = NULL, *seen = NULL;
    double score = 0;
    if (warp_layout(s, t, pixGetWidth(m->layout), pixGetHeight(m->layout), &scan,
                    &seen) == FO_OK)
        score = layout_score(m, scan, seen);
    pixDestroy(&scan);
    pixDestroy(&seen);
    return score;
}

static int by_coarse_score(const void *a, const void *b)
{
    const coarse *p = a, *q = b;
    return (p->score < q->score) - (p->score > q->score);
}

/* t scales x and y further apart than a scanner does. */
static bool stretched(fo_affine t)
{
    double sx = hypot(t.a, t.d), sy = hypot(t.b, t.e);
    return sy > 0 && fabs(sx / sy - 1) > ISOTROPY_TOLERANCE;
}

/* A registration that failed, or that stretched the page. */
static bool doubtful(const precise *p)
{
    return p->score < FO_MATCH_THRESHOLD || stretched(p->t);
}

/*
 * Registers pm from the coarse fit *c, as the first stage chose it; *c
 * becomes the fit used.  Its isotropic refits are tried too when the fit
 * fails, or when it registers stretched: patches found on one side of the
 * page only (a page cut at an edge, its coarse fit pulled) can agree, to a
 * fraction of a pixel, on a scale that is wrong across the rest.  The fit
 * whose patches match best is kept.
 */
static int register_coarse(const page_model *pm, const scan_work *s, coarse *c,
                           precise *p)
{
    coarse iso[ISOTROPIC_REFITS];
    precise q;
    int rc = register_page(pm, s, coarse_transform(pm, s, c), SEARCH, 2, p);
    if (rc == FO_OK && doubtful(p) && isotropic_refit(pm, s, c, iso))
        for (int j = 0; j < ISOTROPIC_REFITS && rc == FO_OK && doubtful(p); j++) {
            rc = register_page(pm, s, coarse_transform(pm, s, &iso[j]), SEARCH, 2, &q);
            if (rc == FO_OK && q.score > p->score) {
                *p = q;
                *c = iso[j];
            }
        }
    return rc;
}

/* The pages registered for one scan: what consider() saw pass; and the
 * pages whose layout the sweep scored within DUEL_RANGE of its best
 * (rival: model indexes). */
typedef struct finalists {
    precise p[TOP_TEMPLATES + SWEEP_KEEP];
    coarse c[TOP_TEMPLATES + SWEEP_KEEP];
    int n;
    int rival[SWEEP_RIVALS];
    int nrival;
} finalists;

/* Keeps p (registered from coarse c) when its layout agrees best so far,
 * and among the finalists when it registered. */
static void consider(const precise *p, const coarse *c, precise *best, coarse *chosen,
                     bool *tried, finalists *fin)
{
    if (!*tried || p->layout > best->layout ||
        (p->layout == best->layout && p->score > best->score)) {
        *best = *p;
        *chosen = *c;
        *tried = true;
    }
    if (p->score >= FO_MATCH_THRESHOLD && fin->n < TOP_TEMPLATES + SWEEP_KEEP) {
        fin->p[fin->n] = *p;
        fin->c[fin->n] = *c;
        fin->n++;
    }
}

/* The scan's print seen through one registration, for duels: grown by a
 * pixel, and where the scan lies. */
typedef struct duel_view {
    PIX *print_grown, *seen;
    fo_affine t; /* the registration it is seen through */
} duel_view;

/* Set bits of a 32-bit word, by halves (a portable popcount: the x86-64
 * baseline has no instruction for it, and the compiler's builtin calls a
 * function per word). */
static inline int bit_count(uint32_t v)
{
    v -= (v >> 1) & 0x55555555u;
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    return (int)((((v + (v >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24);
}

/* The bits of a 1 bpp row's last word that are the image's, w px wide (a
 * row's padding bits are not). */
static l_uint32 last_word_mask(int w)
{
    return w % 32 ? ~0u << (32 - w % 32) : ~0u;
}

/* Whether the n images are all there, 1 bpp and of one size (and words
 * per line), so that their rows can be read side by side. */
static bool one_size_bits(PIX *const *imgs, int n)
{
    for (int i = 0; i < n; i++)
        if (!imgs[i] || pixGetDepth(imgs[i]) != 1 ||
            pixGetWidth(imgs[i]) != pixGetWidth(imgs[0]) ||
            pixGetHeight(imgs[i]) != pixGetHeight(imgs[0]) ||
            pixGetWpl(imgs[i]) != pixGetWpl(imgs[0]))
            return false;
    return true;
}

/* Which of two near misses a scan shows (duel). */
typedef enum duel_result { DUEL_A, DUEL_B, DUEL_UNDECIDED } duel_result;

static void duel_view_free(duel_view *v)
{
    pixDestroy(&v->print_grown);
    pixDestroy(&v->seen);
}

static int duel_view_make(const scan_work *s, fo_affine t, int w, int h, duel_view *v)
{
    PIX *print = NULL;
    memset(v, 0, sizeof *v);
    if (!s->grey)
        return FO_ERR_USAGE;
    if (warp_print(s, t, w, h, &print, &v->seen) != FO_OK)
        return FO_ERR_NOMEM;
    v->print_grown = pixDilateBrick(NULL, print, 3, 3);
    v->t = t;
    pixDestroy(&print);
    if (!v->print_grown) {
        duel_view_free(v);
        return FO_ERR_NOMEM;
    }
    return FO_OK;
}

/* *v seen through t, w x h: kept from its last use when that was through
 * the same registration and of the same size (the sweep, the duels that
 * settle a page and the last ones mostly share one), else made again. */
static int duel_view_through(const scan_work *s, fo_affine t, int w, int h,
                             duel_view *v)
{
    if (v->print_grown && memcmp(&v->t, &t, sizeof t) == 0 &&
        pixGetWidth(v->print_grown) == w && pixGetHeight(v->print_grown) == h)
        return FO_OK;
    duel_view_free(v);
    return duel_view_make(s, t, w, h, v);
}

/*
 * Which of two near misses of one frame the scan is, where their layouts
 * score alike (a form and its copy with another title, printed in light
 * grey: most of their ink is the same, light print is left out of the
 * layout, and verify_layout's grown comparison at VERIFY_DPI barely tells
 * them apart).  Only the print that differs is looked at: each form's own
 * print, away from the other's (grown by DUEL_GROW px) and from both
 * forms' field zones, and the share of it the scan shows (v, seen through
 * a registration both share).  DUEL_B when b's own print is found clearly
 * more than a's, DUEL_A when a's is, DUEL_UNDECIDED when the scan does not
 * tell (too little print of their own, or found alike: a 1-bit scan that
 * lost the light title that alone tells them apart, two templates of the
 * same print); pages of different frames are not compared (DUEL_A).
 */
static duel_result duel(const page_model *a, const page_model *b, const duel_view *v)
{
    PIX *const imgs[] = {a->print, a->print_grown, a->fields, a->layout,
                         b->print, b->print_grown, b->fields, b->layout,
                         v->seen,  v->print_grown};
    const int w = pixGetWidth(v->seen), h = pixGetHeight(v->seen),
              wpl = pixGetWpl(v->seen);
    const int words = (w + 31) / 32;
    const l_uint32 last = last_word_mask(w);
    /* [side][0: all print, 1: dark print]: own pixels, and found */
    int own[2][2] = {{0}}, found[2][2] = {{0}};
    duel_result result = DUEL_UNDECIDED;

    if (b->w != a->w || b->h != a->h)
        return DUEL_A;
    if (!one_size_bits(imgs, (int)(sizeof imgs / sizeof *imgs)))
        return DUEL_A; /* not one frame's: not compared */
    /* each form's own print (away from the other's, grown, and from both
     * forms' fields, where the scan lies), its dark part (in its layout),
     * and what of each the scan's print shows: counted word by word */
    for (int y = 0; y < h; y++) {
        const size_t row = (size_t)y * wpl;
        const l_uint32 *ap = pixGetData(a->print) + row,
                       *ag = pixGetData(a->print_grown) + row,
                       *af = pixGetData(a->fields) + row,
                       *al = pixGetData(a->layout) + row,
                       *bp = pixGetData(b->print) + row,
                       *bg = pixGetData(b->print_grown) + row,
                       *bf = pixGetData(b->fields) + row,
                       *bl = pixGetData(b->layout) + row,
                       *seen = pixGetData(v->seen) + row,
                       *shown = pixGetData(v->print_grown) + row;
        for (int i = 0; i < words; i++) {
            const l_uint32 room =
                seen[i] & ~af[i] & ~bf[i] & (i == words - 1 ? last : ~0u);
            const l_uint32 pa = ap[i] & ~bg[i] & room, pb = bp[i] & ~ag[i] & room;
            const l_uint32 da = pa & al[i], db = pb & bl[i];
            own[0][0] += bit_count(pa);
            found[0][0] += bit_count(pa & shown[i]);
            own[0][1] += bit_count(da);
            found[0][1] += bit_count(da & shown[i]);
            own[1][0] += bit_count(pb);
            found[1][0] += bit_count(pb & shown[i]);
            own[1][1] += bit_count(db);
            found[1][1] += bit_count(db & shown[i]);
        }
    }
    /* dark print first: a scan shows it whatever its kind (a 1-bit
     * scan may have lost light print); then all print */
    for (int kind = 1; kind >= 0; kind--) {
        double sa, sb;
        if (own[0][kind] + own[1][kind] < DUEL_MIN_PX)
            continue;
        sa = own[0][kind] > 0 ? (double)found[0][kind] / own[0][kind] : 0;
        sb = own[1][kind] > 0 ? (double)found[1][kind] / own[1][kind] : 0;
        /* a form with nothing of its own is the other without its
         * own print: the share of that print the scan lacks is its */
        if (own[0][kind] == 0)
            sa = 1 - sb;
        if (own[1][kind] == 0)
            sb = 1 - sa;
        if (fabs(sb - sa) > DUEL_MARGIN) {
            result = sb > sa ? DUEL_B : DUEL_A;
            break;
        }
    }
    return result;
}

/* The finalists whose layout scores come within DUEL_RANGE of the best
 * meet the best in turn (duel, seen through the best's
 * registration); the last one standing wins. */
static void settle_near_misses(const fo_matcher *m, const scan_work *s,
                               const finalists *fin, precise *best, coarse *chosen,
                               duel_view *v)
{
    const page_model *bm = &m->models[chosen->model];
    fo_affine t = best->t;
    bool any = false;

    for (int i = 0; i < fin->n && !any; i++)
        any = fin->c[i].model != chosen->model &&
              fin->p[i].layout >= best->layout - DUEL_RANGE;
    if (!any || duel_view_through(s, t, pixGetWidth(bm->print), pixGetHeight(bm->print),
                                  v) != FO_OK)
        return;
    for (int i = 0; i < fin->n; i++) {
        const precise *p = &fin->p[i];
        if (fin->c[i].model == chosen->model || p->layout < best->layout - DUEL_RANGE)
            continue;
        if (duel(&m->models[chosen->model], &m->models[fin->c[i].model], v) == DUEL_B) {
            *best = *p;
            *chosen = fin->c[i];
        }
    }
}

/*
 * A page of the chosen page's frame that the scan does not tell from it,
 * in *rival (a model index, or -1): a page the sweep scored within
 * DUEL_RANGE of its best, or a finalist whose layout scored within
 * DUEL_RANGE of the chosen one's, whose duel with the chosen page, seen
 * through the best registration, is undecided.  Choosing either would be
 * a guess: the caller says so.
 */
static int undecided_rival(const fo_matcher *m, const scan_work *s,
                           const finalists *fin, const precise *best,
                           const coarse *chosen, duel_view *v, int *rival)
{
    const page_model *cm = &m->models[chosen->model];
    int cand[SWEEP_RIVALS + TOP_TEMPLATES + SWEEP_KEEP], n = 0;

    *rival = -1;
    for (int i = 0; i < fin->nrival + fin->n; i++) {
        int model = i < fin->nrival ? fin->rival[i] : fin->c[i - fin->nrival].model;
        bool seen = model == chosen->model;
        if (i >= fin->nrival &&
            fin->p[i - fin->nrival].layout < best->layout - DUEL_RANGE)
            continue;
        for (int k = 0; k < n && !seen; k++)
            seen = cand[k] == model;
        if (!seen)
            cand[n++] = model;
    }
    if (n == 0)
        return FO_OK;
    if (!s->grey) {
        *rival = cand[0]; /* no duel without the scan's grey */
        return FO_OK;
    }
    if (duel_view_through(s, best->t, pixGetWidth(cm->print), pixGetHeight(cm->print),
                          v) != FO_OK)
        return FO_ERR_NOMEM;
    for (int k = 0; k < n && *rival < 0; k++)
        if (duel(cm, &m->models[cand[k]], v) == DUEL_UNDECIDED)
            *rival = cand[k];
    return FO_OK;
}

/* The sweep's view of the scan, through the anchor's registration, at
 * VERIFY_DPI (1 bpp, the size of the frame's layouts): its ink, where it
 * lies (seen), where it lies and its ink grown by a pixel lies too
 * (seen_grown), and its ink's pixel count. */
typedef struct sweep_view {
    PIX *scan, *seen, *seen_grown;
    int nscan;
} sweep_view;

/* Set bits of the 1 bpp words a & b, over rows of `words` 32-bit words
 * of which the last is masked by `last` (a row's padding bits are not the
 * image's). */
static int and_count(const l_uint32 *a, const l_uint32 *b, int rows, int wpl, int words,
                     l_uint32 last)
{
    int n = 0;
    if (words <= 0)
        return 0;
    for (int y = 0; y < rows; y++, a += wpl, b += wpl) {
        for (int i = 0; i < words - 1; i++)
            n += bit_count(a[i] & b[i]);
        n += bit_count(a[words - 1] & b[words - 1] & last);
    }
    return n;
}

/*
 * layout_score as the sweep takes it, for every page of one frame in
 * turn: the same two shares, but with the scan's field ink left in (it
 * differs little between near misses) so that the scan is grown once, not
 * once a page; each share counted straight from the words, without an
 * image made (m's layouts and v's images are the same size).
 */
static double sweep_score(const page_model *m, const sweep_view *v)
{
    const int w = pixGetWidth(v->scan), h = pixGetHeight(v->scan);
    const int wpl = pixGetWpl(v->scan), words = (w + 31) / 32;
    const l_uint32 last = last_word_mask(w);
    PIX *const imgs[] = {v->scan, v->seen, v->seen_grown, m->layout, m->layout_grown};
    int nform, found, explained;

    if (!one_size_bits(imgs, (int)(sizeof imgs / sizeof *imgs)))
        return 0;
    nform = and_count(pixGetData(m->layout), pixGetData(v->seen), h, wpl, words, last);
    found = and_count(pixGetData(m->layout), pixGetData(v->seen_grown), h, wpl, words,
                      last);
    explained = and_count(pixGetData(v->scan), pixGetData(m->layout_grown), h, wpl,
                          words, last);
    if (nform == 0 || v->nscan == 0)
        return 0;
    return ((double)found / nform) * ((double)explained / v->nscan);
}

typedef struct sweep_hit {
    int model;
    double score;
} sweep_hit;

static int by_sweep_score(const void *a, const void *b)
{
    const sweep_hit *p = a, *q = b;
    return (p->score < q->score) - (p->score > q->score);
}

/*
 * The near misses of a registered page (many templates): the scan's ink is
 * seen once through the anchor's transform, and every template page of the
 * anchor's frame size is scored on it (sweep_score: bit operations at
 * VERIFY_DPI, no registration).  Those within DUEL_RANGE of the best meet
 * in turn, through the same transform (duel); the one left is
 * registered narrowly through the anchor, scored as verify_layout scores,
 * and competes with what the first stage found.
 */
static int sweep_near_misses(const fo_matcher *m, const scan_work *s, int anchor_model,
                             const precise *anchor, const coarse *anchor_coarse,
                             precise *best, coarse *chosen, bool *tried, finalists *fin,
                             duel_view *v)
{
    const page_model *am = &m->models[anchor_model];
    const int w = pixGetWidth(am->layout), h = pixGetHeight(am->layout);
    sweep_hit *hits = malloc((size_t)m->nmodels * sizeof *hits);
    sweep_view sv = {0};
    int n = 0, rc = FO_OK, champion;
    PIX *grown = NULL;

    if (!hits || warp_layout(s, anchor->t, w, h, &sv.scan, &sv.seen) != FO_OK ||
        !(grown = pixDilateBrick(NULL, sv.scan, 3, 3)) ||
        !(sv.seen_grown = pixAnd(NULL, sv.seen, grown)))
        rc = FO_ERR_NOMEM;
    pixDestroy(&grown);
    if (rc == FO_OK) {
        pixCountPixels(sv.scan, &sv.nscan, NULL);
        for (int i = 0; i < m->nmodels; i++) {
            const page_model *pm = &m->models[i];
            if (pm->w != am->w || pm->h != am->h)
                continue;
            hits[n++] = (sweep_hit){i, sweep_score(pm, &sv)};
        }
    }
    pixDestroy(&sv.scan);
    pixDestroy(&sv.seen);
    pixDestroy(&sv.seen_grown);
    if (rc != FO_OK) {
        free(hits);
        return rc;
    }
    qsort(hits, (size_t)n, sizeof *hits, by_sweep_score);
    for (int k = 0; k < n && fin->nrival < SWEEP_RIVALS &&
                    hits[k].score >= hits[0].score - DUEL_RANGE;
         k++)
        fin->rival[fin->nrival++] = hits[k].model;
    champion = n > 0 ? hits[0].model : anchor_model;
    if (n > 1 && hits[1].score >= hits[0].score - DUEL_RANGE &&
        duel_view_through(s, anchor->t, w, h, v) == FO_OK) {
        for (int k = 1; k < n && hits[k].score >= hits[0].score - DUEL_RANGE; k++)
            if (duel(&m->models[champion], &m->models[hits[k].model], v) == DUEL_B)
                champion = hits[k].model;
    }
    if (champion != anchor_model) {
        coarse c = *anchor_coarse;
        precise p;
        c.model = champion;
        rc = register_page(&m->models[champion], s, anchor->t, REFINE_SEARCH, 2, &p);
        if (rc == FO_OK && p.score >= FO_MATCH_THRESHOLD) {
            p.layout = verify_layout(&m->models[champion], s, p.t);
            consider(&p, &c, best, chosen, tried, fin);
        }
    }
    free(hits);
    return rc;
}

/*
 * Ranks the templates by the scan's profiles (cands: room for one
 * per template page) and registers the best few: *best and *chosen are the
 * one whose whole layout agrees best among those that register; *tried is
 * false when none was tried.
 *
 * With more than INDEX_KEEP template pages, the index chooses which get the
 * coarse fit, and profiles no longer choose among near misses (a form with
 * a section moved or repeated has much the same profiles): of the coarse
 * fit's best, the first that registers is the anchor, and the others of its
 * frame size are first searched narrowly through its transform (a near
 * miss shares its frame and most of its patches: the same fit at a tenth
 * of the cost).  Those that register so are near misses of the anchor,
 * left to the sweep; the others, another form of the same size, are
 * registered from their own coarse fit.  Then every page of the anchor's
 * frame size has its say (sweep_near_misses), seen through the best
 * registration.
 */
static int try_templates(const fo_matcher *m, const scan_work *s, double scale0,
                         coarse *cands, precise *best, coarse *chosen, bool *tried,
                         int *rival)
{
    const bool many = m->nmodels > INDEX_KEEP;
    int rc = FO_OK, ncand = m->nmodels, anchor = -1;
    precise anchor_fit = {0};
    coarse anchor_coarse = {0};
    finalists fin = {.n = 0};
    duel_view views = {0};

    *tried = false;
    *rival = -1;
    memset(best, 0, sizeof *best);
    if (many) {
        /* the index's fits, the best refined (its turn, its scales and
         * shifts to the final steps) */
        rc = index_scores(m, s, scale0, cands);
        if (rc != FO_OK)
            return rc;
        qsort(cands, (size_t)m->nmodels, sizeof *cands, by_coarse_score);
        ncand = INDEX_KEEP;
        for (int k = 0; k < ncand; k++)
            coarse_refine(&m->models[cands[k].model], s, scale0, &cands[k]);
    } else {
        for (int k = 0; k < ncand; k++) {
            coarse_fit_turns(&m->models[k], s, scale0, 0xfu, &cands[k]);
            cands[k].model = k;
        }
    }
    qsort(cands, (size_t)ncand, sizeof *cands, by_coarse_score);
    /* the best few by profile, unless far behind the first; among those
     * that register, the one whose whole layout agrees best */
    for (int k = 0, failed = 0; k < ncand && k < TOP_TEMPLATES; k++) {
        const page_model *pm = &m->models[cands[k].model];
        precise p;
        if (cands[k].score < cands[0].score - COARSE_KEEP_MARGIN)
            break;
        /* with many templates, a page the best few by profile do not
         * register on is another form (a letter, a form not loaded): the
         * rest of the top would cost as much again for nothing */
        if (many && anchor < 0 && failed == MANY_FAILED_TRIES)
            break;
        p.score = 0;
        if (anchor >= 0 && pm->w == m->models[anchor].w &&
            pm->h == m->models[anchor].h) {
            /* a near miss of the anchor registers through its fit, and the
             * sweep scores it with the rest of the frame */
            rc = register_page(pm, s, anchor_fit.t, REFINE_SEARCH, 1, &p);
            if (rc == FO_OK && p.score >= FO_MATCH_THRESHOLD)
                continue;
        }
        if (rc == FO_OK && p.score < FO_MATCH_THRESHOLD)
            rc = register_coarse(pm, s, &cands[k], &p);
        if (rc != FO_OK)
            return rc;
        p.layout = p.score >= FO_MATCH_THRESHOLD ? verify_layout(pm, s, p.t) : 0;
        consider(&p, &cands[k], best, chosen, tried, &fin);
        if (many && anchor < 0 && p.score >= FO_MATCH_THRESHOLD) {
            anchor = cands[k].model;
            anchor_fit = p;
            anchor_coarse = cands[k];
        }
        failed += p.score < FO_MATCH_THRESHOLD;
    }
    /* the sweep sees the scan through the best registration so far */
    if (anchor >= 0) {
        precise frame = *best;
        coarse frame_coarse = *chosen;
        const page_model *fm = &m->models[frame_coarse.model], *am = &m->models[anchor];
        rc = sweep_near_misses(m, s, frame_coarse.model, &frame, &frame_coarse, best,
                               chosen, tried, &fin, &views);
        /* the anchor's near misses were left to a sweep: to one of their
         * own frame when the best is of another size */
        if (rc == FO_OK && (fm->w != am->w || fm->h != am->h))
            rc = sweep_near_misses(m, s, anchor, &anchor_fit, &anchor_coarse, best,
                                   chosen, tried, &fin, &views);
    }
    if (rc == FO_OK && *tried && best->score >= FO_MATCH_THRESHOLD) {
        settle_near_misses(m, s, &fin, best, chosen, &views);
        rc = undecided_rival(m, s, &fin, best, chosen, &views, rival);
    }
    duel_view_free(&views);
    return rc;
}

/*
 * The scan's profiles again without its edge bands: the dark strips a
 * scanner or a photocopier leaves along an edge dominate a profile (a
 * column of ink the full height of the page) and pull its fit.  A band is
 * ink connected to the page's border and long (a third of the page or
 * more); as it may be joined to a form cut by the border, only its part
 * within EDGE_STRIP of an edge is taken away.  *found: there was one.
 */
static int profiles_without_bands(scan_work *s, bool *found)
{
    PIX *inner = pixRemoveBorderConnComps(s->bin, 8), *border = NULL, *bands = NULL;
    PIXA *parts = NULL;
    BOXA *boxes = NULL;
    int rc = FO_ERR_NOMEM;

    *found = false;
    if (!inner || !(border = pixXor(NULL, s->bin, inner)) ||
        !(bands = pixCreateTemplate(s->bin)))
        goto out;
    boxes = pixConnComp(border, &parts, 8);
    if (!boxes)
        goto out;
    for (int i = 0; i < boxaGetCount(boxes); i++) {
        l_int32 x, y, w, h;
        PIX *part = pixaGetPix(parts, i, L_CLONE);
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        if (part && (3 * h >= s->h || 3 * w >= s->w)) {
            pixRasterop(bands, x, y, w, h, PIX_SRC | PIX_DST, part, 0, 0);
            *found = true;
        }
        pixDestroy(&part);
    }
    rc = FO_OK;
    if (*found) {
        /* keep only what lies near an edge */
        int mx = (int)(EDGE_STRIP * s->w), my = (int)(EDGE_STRIP * s->h);
        pixRasterop(bands, mx, my, s->w - 2 * mx, s->h - 2 * my, PIX_CLR, NULL, 0, 0);
        pixSubtract(inner, s->bin, bands);
        fo_profile_free(&s->own_rows);
        fo_profile_free(&s->own_cols);
        rc = fo_raster_profiles(inner, s->deskew, &s->own_rows, &s->own_cols);
        if (rc == FO_OK)
            rc = use_profiles(s, s->own_rows, s->own_cols);
    }
out:
    boxaDestroy(&boxes);
    pixaDestroy(&parts);
    pixDestroy(&inner);
    pixDestroy(&border);
    pixDestroy(&bands);
    return rc;
}

void fo_match_prep_options(fo_prep_options *o)
{
    fo_prep_options_default(o);
    o->dpi = FO_MATCH_DPI;
    o->orient = false;  /* the templates decide the turn */
    o->upright = false; /* profiles are turned, never the page */
    o->profiles = true;
    o->keep_grey = true; /* for fo_prep_is_blank */
}

int fo_match_page(const fo_matcher *m, const fo_prep_result *scan, fo_match *out,
                  fo_error *err)
{
    scan_work s;
    coarse *cands = NULL;
    precise best = {0};
    coarse chosen = {0};
    int rc, rival = -1;
    bool tried = false, bands = false;

    memset(out, 0, sizeof *out);
    out->transform = fo_affine_identity();
    if (scan->dpi != FO_MATCH_DPI || !scan->binary || !scan->ink || !scan->rows.v ||
        !scan->cols.v)
        return fo_error_set(err, FO_ERR_USAGE,
                            "the page was not prepared for matching");
    rc = scan_work_init(scan, &s);
    if (rc != FO_OK)
        goto out;
    /* the scan's paper, once, for the duels of near misses */
    if (s.grey && m->nmodels > 1)
        s.print_level = (int)lround(paper_level(s.grey) * PRINT_RATIO);
    out->skew = s.skew;
    cands = calloc(m->nmodels ? (size_t)m->nmodels : 1, sizeof *cands);
    if (!cands) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    rc = try_templates(m, &s, 1.0, cands, &best, &chosen, &tried, &rival);
    /* nothing registered, or only stretched: once more without the page's
     * edge bands, if any */
    if (rc == FO_OK && doubtful(&best) &&
        (rc = profiles_without_bands(&s, &bands)) == FO_OK && bands) {
        precise p;
        coarse c = {0};
        bool again;
        int r;
        rc = try_templates(m, &s, 1.0, cands, &p, &c, &again, &r);
        if (rc == FO_OK && again && p.score > best.score) {
            best = p;
            chosen = c;
            tried = true;
            rival = r;
        }
    }
    /* a form that does not fill the page (margins, a larger canvas, a
     * corner): the shifts searched cover the whole page; and where the
     * resolution was estimated from the page's size (taken to be the
     * form's), the scales that cover forms filling 60 % to 108 % of it,
     * each with the coarse stage's own range */
    s.wide = true;
    for (size_t i = 0; rc == FO_OK && doubtful(&best) &&
                       i < sizeof OTHER_SCALES / sizeof *OTHER_SCALES;
         i++) {
        if (i > 0 && !scan->dpi_estimated)
            break;
        precise p;
        coarse c = {0};
        bool again;
        int r;
        rc = try_templates(m, &s, OTHER_SCALES[i], cands, &p, &c, &again, &r);
        if (rc == FO_OK && again && p.score > best.score) {
            best = p;
            chosen = c;
            tried = true;
            rival = r;
        }
    }
    if (rc != FO_OK)
        goto out;
    if (tried) {
        const coarse *c = &chosen;
        const page_model *pm = &m->models[c->model];
        fo_affine to_scan;
        out->score = best.score;
        out->turn = c->turn;
        out->inliers = best.inliers;
        out->patches = best.patches;
        if (best.score >= FO_MATCH_THRESHOLD) {
            out->template = pm->t;
            out->template_page = pm->page;
            if (rival >= 0) {
                out->rival = m->models[rival].t;
                out->rival_page = m->models[rival].page;
            }
            /* reference px -> template work px -> scan work px -> scan px */
            fo_affine_invert(centred_scaling(s.factor), &to_scan);
            out->transform = fo_affine_compose(
                to_scan, fo_affine_compose(best.t, centred_scaling(pm->scale)));
            out->residual_px = best.rms / s.factor;
        }
    }
out:
    free(cands);
    scan_work_free(&s);
    if (rc == FO_ERR_IO)
        return fo_error_set(err, FO_ERR_IO,
                            "a template's matching data could not be read back or "
                            "derived again (its reference changed or went?)");
    return rc == FO_OK
               ? FO_OK
               : fo_error_set(err, FO_ERR_NOMEM, "out of memory matching the page");
}

char *fo_match_to_json(const char *path, int page, const fo_match *m)
{
    const fo_affine *t = &m->transform;
    json_t *line = json_pack(
        "{s:s, s:i, s:s?, s:o, s:s?, s:f, s:o, s:f, s:o, s:o, s:o}", "file", path,
        "page", page, "template", m->template ? m->template->name : NULL,
        "template_page", m->template ? json_integer(m->template_page + 1) : json_null(),
        "rival", m->rival ? m->rival->name : NULL, "score", m->score, "orientation",
        /* a page that matched nothing has no orientation known: the turn of
         * the best failed attempt is no fact */
        m->template ? json_integer(m->turn) : json_null(), "skew", m->skew, "transform",
        m->template
            ? json_pack("[f, f, f, f, f, f]", t->a, t->b, t->c, t->d, t->e, t->f)
            : json_null(),
        "residual_px", m->template ? json_real(m->residual_px) : json_null(), "sheet",
        m->straightened
            ? json_pack("[[f, f], [f, f], [f, f], [f, f]]", round(m->sheet.corner[0].x),
                        round(m->sheet.corner[0].y), round(m->sheet.corner[1].x),
                        round(m->sheet.corner[1].y), round(m->sheet.corner[2].x),
                        round(m->sheet.corner[2].y), round(m->sheet.corner[3].x),
                        round(m->sheet.corner[3].y))
            : json_null());
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(line);
    return text;
}

int fo_match_check_stored_model(const fo_template *t, int pageno, const uint8_t *frame,
                                size_t frame_len, const uint8_t *patches,
                                size_t patches_len)
{
    page_model m = {0};
    patch_set *ps = NULL;
    int taken = 0;

    if (pageno < 0 || pageno >= t->npages)
        return 0;
    m.t = t;
    m.page = pageno;
    m.scale = (double)WORK_DPI / t->dpi;
    if (frame_parse(&m, frame, frame_len) && complete_model(&m) == FO_OK) {
        taken = 1;
        ps = patches_parse(&m, patches, patches_len);
        taken += ps != NULL;
    }
    patch_set_free(ps);
    free_model(&m);
    return taken;
}

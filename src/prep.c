/*
 * prep.c - orient, deskew, normalise and binarize a page (see prep.h).
 *
 * Why these methods:
 * - The page is reduced to the working resolution by area averaging and
 *   binarized by Leptonica's background normalisation and an Otsu threshold
 *   (raster.c says why), exactly as the templates' references are, so that
 *   a scan and its blank form look alike to the matcher.
 * - Skew is found on the binary page by Leptonica's sweep-and-binary-search
 *   over the differential square sum of line projections (pixFindSkew): fast
 *   on reduced images, accurate to ~0.05 degree on text and ruled forms, and
 *   it says how confident it is.  A skew is undone only when confident.
 * - For matching, the deskewed page's row and column ink profiles are
 *   counted through the deskew transform (raster.c), not from a resampled
 *   page, and its ink map is the binary page lightly blurred, so that a
 *   1-bit photocopy and a clean grey rendering of a form look alike.
 * - Orientation (for `formocr prep` only) uses Leptonica's
 *   ascender/descender statistics (pixOrientDetect), which need no language
 *   data.  Matching does not rely on it: there the templates themselves
 *   decide the turn.
 * - Geometry is applied once, by one bilinear warp of the grey page from the
 *   composed transform (raster.c).
 */
#include "formocr/prep.h"

#include "formocr/image.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raster.h"

/* A4's short side: used to estimate a resolution a file does not give. */
static const double A4_SHORT_INCHES = 210.0 / 25.4;
/* A page's short side outside this range makes a stated DPI implausible. */
static const double MIN_PAGE_INCHES = 3.0;
static const double MAX_PAGE_INCHES = 14.0;
/* An estimate is never below this (dpi): a page whose short side is a few
 * pixels (a strip, a gradient, a hostile 5 x 60,000 PNG) is not an A4 page
 * at 1 dpi, to be scaled up a hundredfold. */
enum { MIN_ESTIMATED_DPI = 72 };
/* A page larger than FO_MAX_FORM_INCHES either way (at the resolution
 * settled) is no form: it is refused before any working image is made, so
 * that what a page costs is bounded by the working resolution. */
static const double MAX_WORK_INCHES = FO_MAX_FORM_INCHES;
/* An estimate within this fraction of a usual resolution is snapped to it. */
static const double DPI_SNAP = 0.05;
static const int USUAL_DPI[] = {72,  75,  100, 120, 150, 200, 240,
                                250, 300, 350, 400, 600, 1200};

/* pixDeskew's own rules: below 0.1 degree or a confidence of 3 nothing is
 * done (a blank page has no skew to find). */
static const double MIN_SKEW_DEGREES = 0.1;
static const double MIN_SKEW_CONFIDENCE = 3.0;
/* makeOrientDecision thresholds (Leptonica's defaults). */
static const float MIN_UP_CONFIDENCE = 8.0f;
static const float MIN_ORIENT_RATIO = 2.5f;
enum { ORIENT_MIN_COUNT = 0 }; /* 0: Leptonica's default */

void fo_prep_options_default(fo_prep_options *o)
{
    o->dpi = 300;
    o->orient = true;
    o->deskew = true;
    o->upright = true;
    o->profiles = false;
    o->light_ink = false;
    o->shaded = false;
    o->keep_grey = false;
}

void fo_profile_free(fo_profile *p)
{
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

int fo_prep_scan_dpi(int width, int height, int dpi, bool from_file, bool *estimated)
{
    int shorter = width < height ? width : height;
    double est;

    if (from_file && dpi > 0) {
        double inches = (double)shorter / dpi;
        if (inches >= MIN_PAGE_INCHES && inches <= MAX_PAGE_INCHES) {
            *estimated = false;
            return dpi;
        }
    }
    *estimated = true;
    est = shorter / A4_SHORT_INCHES;
    for (size_t i = 0; i < sizeof USUAL_DPI / sizeof *USUAL_DPI; i++)
        if (fabs(est - USUAL_DPI[i]) <= USUAL_DPI[i] * DPI_SNAP)
            return USUAL_DPI[i];
    return est < MIN_ESTIMATED_DPI ? MIN_ESTIMATED_DPI : (int)lround(est);
}

int fo_prep_find_skew(PIX *binary, double *degrees, double *confidence)
{
    l_float32 angle[2] = {0, 0}, conf[2] = {0, 0};
    PIX *turned;
    int best;

    *degrees = 0;
    *confidence = 0;
    /* Skew is measured on text lines: a page turned a quarter has them
     * vertical, so the page is also measured turned back.  A small rotation
     * is the same angle in both frames. */
    if (pixFindSkew(binary, &angle[0], &conf[0]) != 0)
        conf[0] = 0;
    turned = pixRotateOrth(binary, 1);
    if (!turned || pixFindSkew(turned, &angle[1], &conf[1]) != 0)
        conf[1] = 0;
    pixDestroy(&turned);
    best = conf[1] > conf[0] ? 1 : 0;
    *confidence = conf[best];
    if (conf[best] >= MIN_SKEW_CONFIDENCE && fabs(angle[best]) >= MIN_SKEW_DEGREES)
        *degrees = -angle[best]; /* Leptonica gives the rotation that corrects it */
    return FO_OK;
}

int fo_prep_find_turn(PIX *binary, int *turn, double *confidence)
{
    l_float32 up = 0, left = 0;
    l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
    *turn = 0;
    *confidence = 0;
    if (pixOrientDetect(binary, &up, &left, ORIENT_MIN_COUNT, 0) != 0)
        return FO_OK;
    makeOrientDecision(up, left, MIN_UP_CONFIDENCE, MIN_ORIENT_RATIO, &orient, 0);
    *confidence = fabs(up) > fabs(left) ? fabs(up) : fabs(left);
    switch (orient) {
    case L_TEXT_ORIENT_LEFT: *turn = 90; break; /* text up to the left */
    case L_TEXT_ORIENT_DOWN: *turn = 180; break;
    case L_TEXT_ORIENT_RIGHT: *turn = 270; break; /* text up to the right */
    default: *turn = 0; break;
    }
    return FO_OK;
}

/* Scan pixels (after scaling) -> result: undo the skew about the centre,
 * then turn clockwise by `turn`, on a canvas that keeps the page's size
 * (swapped for 90 and 270). */
static fo_affine upright_transform(int w, int h, double skew, int turn, int *rw,
                                   int *rh)
{
    fo_affine t = fo_affine_translation(-w / 2.0, -h / 2.0);
    t = fo_affine_compose(fo_affine_rotation(-skew), t);
    t = fo_affine_compose(fo_affine_rotation(turn), t);
    *rw = turn == 90 || turn == 270 ? h : w;
    *rh = turn == 90 || turn == 270 ? w : h;
    return fo_affine_compose(fo_affine_translation(*rw / 2.0, *rh / 2.0), t);
}

/* Turns the grey page (at the working resolution) upright and deskewed:
 * out->turn, out->upright, out->to_result. */
static int make_upright(PIX *grey, const fo_prep_options *options, fo_prep_result *out)
{
    PIX *upright, *check;
    fo_affine t, inv;
    int rw, rh;

    if (options->orient) {
        /* Orientation statistics want level text lines. */
        t = upright_transform(pixGetWidth(grey), pixGetHeight(grey), out->skew, 0, &rw,
                              &rh);
        fo_affine_invert(t, &inv);
        upright = fo_raster_warp_grey(grey, inv, rw, rh, 255);
        check = upright ? fo_raster_binarize(upright) : NULL;
        if (check)
            fo_prep_find_turn(check, &out->turn, &out->turn_confidence);
        pixDestroy(&upright);
        pixDestroy(&check);
    }
    t = upright_transform(pixGetWidth(grey), pixGetHeight(grey), out->skew, out->turn,
                          &rw, &rh);
    fo_affine_invert(t, &inv);
    upright = fo_raster_warp_grey(grey, inv, rw, rh, 255);
    out->upright = upright ? fo_raster_binarize(upright) : NULL;
    pixDestroy(&upright);
    if (!out->upright)
        return FO_ERR_NOMEM;
    pixSetResolution(out->upright, options->dpi, options->dpi);
    out->to_result = fo_affine_compose(t, fo_affine_scaling(out->factor, out->factor));
    return FO_OK;
}

int fo_prep_page(PIX *page, int dpi, bool from_file, const fo_prep_options *options,
                 fo_prep_result *out, fo_error *err)
{
    fo_prep_options defaults;
    PIX *grey = NULL;
    int w, h, rc = FO_OK;

    memset(out, 0, sizeof *out);
    if (!options) {
        fo_prep_options_default(&defaults);
        options = &defaults;
    }
    out->dpi = options->dpi;
    out->scan_dpi = fo_prep_scan_dpi(pixGetWidth(page), pixGetHeight(page), dpi,
                                     from_file, &out->dpi_estimated);
    out->factor = (double)options->dpi / out->scan_dpi;
    if (pixGetWidth(page) > MAX_WORK_INCHES * out->scan_dpi ||
        pixGetHeight(page) > MAX_WORK_INCHES * out->scan_dpi) {
        rc = fo_error_set(
            err, FO_ERR_LIMIT,
            "a page of %dx%d px at %d dpi is %.1fx%.1f inches: larger than "
            "a form (at most %.0f inches a side)",
            pixGetWidth(page), pixGetHeight(page), out->scan_dpi,
            (double)pixGetWidth(page) / out->scan_dpi,
            (double)pixGetHeight(page) / out->scan_dpi, MAX_WORK_INCHES);
        fo_prep_result_free(out);
        return rc;
    }
    grey = fo_raster_grey_scaled(page, out->factor);
    out->binary = !grey                ? NULL
                  : options->light_ink ? fo_raster_binarize_light(grey, options->shaded)
                                       : fo_raster_binarize(grey);
    if (!out->binary) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    w = pixGetWidth(out->binary);
    h = pixGetHeight(out->binary);
    if (options->deskew)
        fo_prep_find_skew(out->binary, &out->skew, &out->skew_confidence);
    out->deskew =
        fo_affine_compose(fo_affine_translation(w / 2.0, h / 2.0),
                          fo_affine_compose(fo_affine_rotation(-out->skew),
                                            fo_affine_translation(-w / 2.0, -h / 2.0)));
    if (options->profiles) {
        rc = fo_raster_profiles(out->binary, out->deskew, &out->rows, &out->cols);
        if (rc == FO_OK && !(out->ink = fo_raster_ink_map(out->binary)))
            rc = FO_ERR_NOMEM;
        if (rc != FO_OK)
            goto out;
    }
    if (options->upright)
        rc = make_upright(grey, options, out);
out:
    if (options->keep_grey && rc == FO_OK)
        out->grey = grey; /* the caller's now */
    else
        pixDestroy(&grey);
    if (rc != FO_OK) {
        fo_prep_result_free(out);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory preparing the page");
    }
    return FO_OK;
}

void fo_prep_result_free(fo_prep_result *r)
{
    if (!r)
        return;
    pixDestroy(&r->binary);
    pixDestroy(&r->ink);
    pixDestroy(&r->upright);
    pixDestroy(&r->grey);
    fo_profile_free(&r->rows);
    fo_profile_free(&r->cols);
}

int fo_prep_is_blank(const fo_prep_result *r, bool *blank)
{
    PIX *grey = r->grey, *ink = NULL, *inner = NULL;
    BOXA *marks = NULL;
    l_uint32 paper = 255;
    const int mark = (int)ceil(FO_BLANK_MARK_MM / 25.4 * r->dpi);
    int rc = FO_ERR_NOMEM;

    *blank = false;
    if (!grey || pixGetDepth(grey) != 8)
        return FO_ERR_USAGE;
    if (pixGetRankValue(grey, 1, 0.9f, &paper) != 0)
        goto out;
    rc = FO_OK;
    if (paper < 64)
        goto out; /* a dark page is not blank */
    if (!(ink = pixThresholdToBinary(grey, (l_int32)lround(paper * 0.78))) ||
        !(inner = pixRemoveBorderConnComps(ink, 8)) ||
        !(marks = pixConnComp(inner, NULL, 8))) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    *blank = true;
    for (int i = 0; i < boxaGetCount(marks) && *blank; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(marks, i, &x, &y, &w, &h);
        if (w >= mark || h >= mark)
            *blank = false;
    }
out:
    boxaDestroy(&marks);
    pixDestroy(&ink);
    pixDestroy(&inner);
    return rc;
}

/*
 * prep.c - orient, deskew, normalise and binarize a page (see prep.h).
 *
 * Why these methods:
 * - Binarization is Leptonica's background normalisation followed by an
 *   Otsu threshold (pixOtsuThreshOnBackgroundNorm).  The background is
 *   estimated per tile and mapped to white first, so uneven lighting, grey or
 *   cream paper and the slow shading of a photocopy are gone before one
 *   threshold is chosen for the page; Otsu then picks that threshold from the
 *   page's own histogram.  Sauvola (local mean and variance per window) was
 *   the alternative: it copes with the same defects but turns JPEG ringing
 *   and speckle in blank areas into noise, which here reaches the OCR.
 * - Skew is found on the binary page by Leptonica's sweep-and-binary-search
 *   over the differential square sum of line projections (pixFindSkew): fast
 *   on reduced images, accurate to ~0.05 degree on text and ruled forms, and
 *   it says how confident it is.  A skew is undone only when confident.
 * - Orientation uses Leptonica's ascender/descender statistics
 *   (pixOrientDetect), which need no language data.  `formocr match` does
 *   not rely on it: there the templates themselves decide the turn.
 * - Geometry is applied once, by one bilinear warp of the grey page from the
 *   composed transform, rather than by a rotation, then a turn, then a
 *   scaling, each resampling the previous one's output.
 */
#include "formocr/prep.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A4's short side: used to estimate a resolution a file does not give. */
static const double A4_SHORT_INCHES = 210.0 / 25.4;
/* A page's short side outside this range makes a stated DPI implausible. */
static const double MIN_PAGE_INCHES = 3.0;
static const double MAX_PAGE_INCHES = 14.0;
/* An estimate within this fraction of a usual resolution is snapped to it. */
static const double DPI_SNAP = 0.05;
static const int USUAL_DPI[] = {72, 75, 100, 120, 150, 200, 240, 250, 300, 350, 400,
                                600, 1200};

/* pixOtsuThreshOnBackgroundNorm parameters, Leptonica's recommended ones
 * (binarize_reg) but for the foreground threshold: background tiles of
 * 10x15 px, at least 50 background pixels a tile, background mapped to 255,
 * 2x2 smoothing of the background map, Otsu score fraction 0.1.  Pixels
 * darker than 150 (not Leptonica's 100) are foreground while the background
 * is estimated: forms have large areas of dark print (a red warning banner
 * is ~100 in grey, title bars ~90) that would otherwise be taken for a dark
 * background and washed out to white. */
enum { BG_TILE_X = 10, BG_TILE_Y = 15, BG_FG_THRESH = 150, BG_MIN_COUNT = 50,
       BG_VALUE = 255, BG_SMOOTH = 2 };
static const float OTSU_SCORE_FRACTION = 0.1f;
/* Fallback global threshold on 8-bit grey (pages too small to tile). */
enum { FALLBACK_THRESHOLD = 128 };

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
}

int fo_prep_scan_dpi(int width, int height, int dpi, bool from_file,
                     bool *estimated)
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
    return est < 1 ? 1 : (int)lround(est);
}

PIX *fo_prep_grey_scaled(PIX *page, double factor)
{
    PIX *grey, *scaled;
    if (pixGetDepth(page) == 1) {
        /* pixScaleToGray averages the binary pixels each output covers. */
        if (factor < 1.0)
            return pixScaleToGray(page, (l_float32)factor);
        grey = pixConvert1To8(NULL, page, 255, 0);
    } else {
        grey = pixConvertTo8(page, 0);
    }
    if (!grey)
        return NULL;
    if (fabs(factor - 1.0) < 1e-9)
        return grey;
    /* No sharpening: it would add halos that look like ink. */
    scaled = pixScaleGeneral(grey, (l_float32)factor, (l_float32)factor, 0.0f, 0);
    pixDestroy(&grey);
    return scaled;
}

PIX *fo_prep_binarize(PIX *grey)
{
    l_int32 thresh = 0;
    PIX *bin = NULL;
    if (pixGetWidth(grey) >= 4 * BG_TILE_X && pixGetHeight(grey) >= 4 * BG_TILE_Y)
        bin = pixOtsuThreshOnBackgroundNorm(grey, NULL, BG_TILE_X, BG_TILE_Y,
                                            BG_FG_THRESH, BG_MIN_COUNT, BG_VALUE,
                                            BG_SMOOTH, BG_SMOOTH,
                                            OTSU_SCORE_FRACTION, &thresh);
    if (!bin)
        bin = pixThresholdToBinary(grey, FALLBACK_THRESHOLD);
    return bin;
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
    case L_TEXT_ORIENT_LEFT: *turn = 90; break;   /* text up to the left */
    case L_TEXT_ORIENT_DOWN: *turn = 180; break;
    case L_TEXT_ORIENT_RIGHT: *turn = 270; break; /* text up to the right */
    default: *turn = 0; break;
    }
    return FO_OK;
}

/* Source positions in fixed point: 32 bits of fraction, so that stepping
 * across a 10,000 px row drifts by less than 1e-5 px; the bilinear weights
 * keep 8 of them (1/256 px, finer than any 8-bit grey step). */
enum { WARP_FRAC = 32, WARP_WEIGHT = 8 };

static int64_t to_fixed(double v)
{
    return (int64_t)llround(v * 4294967296.0); /* 2^WARP_FRAC */
}

PIX *fo_prep_warp_grey(PIX *src, fo_affine to_src, int width, int height, int fill)
{
    PIX *dst = pixCreate(width, height, 8);
    const int64_t one = (int64_t)1 << WARP_FRAC;
    const int wmax = 1 << WARP_WEIGHT;
    l_uint32 *sdata, *ddata;
    int sw, sh, swpl, dwpl;
    int64_t step_x, step_y;

    if (!dst)
        return NULL;
    pixCopyResolution(dst, src);
    sdata = pixGetData(src);
    ddata = pixGetData(dst);
    sw = pixGetWidth(src);
    sh = pixGetHeight(src);
    swpl = pixGetWpl(src);
    dwpl = pixGetWpl(dst);
    step_x = to_fixed(to_src.a);
    step_y = to_fixed(to_src.d);
    /* a position this far outside is fill whatever the row: keeps the
     * fixed-point values far from overflow */
    const double limit = 1e9;
    for (int y = 0; y < height; y++) {
        l_uint32 *drow = ddata + (size_t)y * dwpl;
        /* Source position of (0, y), then one step per output pixel. */
        double sx0 = to_src.b * y + to_src.c, sy0 = to_src.e * y + to_src.f;
        int64_t sx = to_fixed(sx0), sy = to_fixed(sy0);
        if (fabs(sx0) > limit || fabs(sy0) > limit ||
            fabs(sx0 + to_src.a * width) > limit || fabs(sy0 + to_src.d * width) > limit) {
            for (int x = 0; x < width; x++)
                SET_DATA_BYTE(drow, x, fill);
            continue;
        }
        for (int x = 0; x < width; x++, sx += step_x, sy += step_y) {
            /* floor: an arithmetic shift of the two's complement value */
            int x0 = (int)(sx >> WARP_FRAC), y0 = (int)(sy >> WARP_FRAC), v;
            if (x0 < 0 || y0 < 0 || x0 + 1 >= sw || y0 + 1 >= sh) {
                v = fill;
                if (x0 >= -1 && y0 >= -1 && x0 < sw && y0 < sh) {
                    /* the last row or column: nearest pixel */
                    int nx = x0 < 0 ? 0 : x0 >= sw ? sw - 1 : x0;
                    int ny = y0 < 0 ? 0 : y0 >= sh ? sh - 1 : y0;
                    v = GET_DATA_BYTE(sdata + (size_t)ny * swpl, nx);
                }
            } else {
                const l_uint32 *r0 = sdata + (size_t)y0 * swpl, *r1 = r0 + swpl;
                int fx = (int)((sx & (one - 1)) >> (WARP_FRAC - WARP_WEIGHT));
                int fy = (int)((sy & (one - 1)) >> (WARP_FRAC - WARP_WEIGHT));
                int top = GET_DATA_BYTE(r0, x0) * (wmax - fx) + GET_DATA_BYTE(r0, x0 + 1) * fx;
                int bot = GET_DATA_BYTE(r1, x0) * (wmax - fx) + GET_DATA_BYTE(r1, x0 + 1) * fx;
                v = (top * (wmax - fy) + bot * fy + (1 << (2 * WARP_WEIGHT - 1))) >>
                    (2 * WARP_WEIGHT);
            }
            SET_DATA_BYTE(drow, x, v);
        }
    }
    return dst;
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

int fo_prep_page(PIX *page, int dpi, bool from_file, const fo_prep_options *options,
                 fo_prep_result *out, fo_error *err)
{
    fo_prep_options defaults;
    PIX *grey = NULL, *bin = NULL, *upright = NULL, *check = NULL;
    fo_affine t, inv;
    double factor;
    int rw, rh, rc = FO_OK;

    memset(out, 0, sizeof *out);
    if (!options) {
        fo_prep_options_default(&defaults);
        options = &defaults;
    }
    out->scan_dpi = fo_prep_scan_dpi(pixGetWidth(page), pixGetHeight(page), dpi,
                                     from_file, &out->dpi_estimated);
    factor = (double)options->dpi / out->scan_dpi;
    grey = fo_prep_grey_scaled(page, factor);
    bin = grey ? fo_prep_binarize(grey) : NULL;
    if (!bin) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory preparing the page");
        goto out;
    }
    if (options->deskew)
        fo_prep_find_skew(bin, &out->skew, &out->skew_confidence);
    if (options->orient) {
        /* Orientation statistics want level text lines. */
        t = upright_transform(pixGetWidth(grey), pixGetHeight(grey), out->skew, 0,
                              &rw, &rh);
        fo_affine_invert(t, &inv);
        upright = fo_prep_warp_grey(grey, inv, rw, rh, 255);
        check = upright ? fo_prep_binarize(upright) : NULL;
        if (check)
            fo_prep_find_turn(check, &out->turn, &out->turn_confidence);
        pixDestroy(&upright);
        pixDestroy(&check);
    }
    t = upright_transform(pixGetWidth(grey), pixGetHeight(grey), out->skew, out->turn,
                          &rw, &rh);
    fo_affine_invert(t, &inv);
    upright = fo_prep_warp_grey(grey, inv, rw, rh, 255);
    out->binary = upright ? fo_prep_binarize(upright) : NULL;
    if (!out->binary) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory preparing the page");
        goto out;
    }
    pixSetResolution(out->binary, options->dpi, options->dpi);
    out->to_result = fo_affine_compose(t, fo_affine_scaling(factor, factor));
out:
    pixDestroy(&grey);
    pixDestroy(&bin);
    pixDestroy(&upright);
    if (rc != FO_OK)
        fo_prep_result_free(out);
    return rc;
}

void fo_prep_result_free(fo_prep_result *r)
{
    if (r)
        pixDestroy(&r->binary);
}

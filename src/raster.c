/*
 * raster.c - raster helpers shared by the stages (see raster.h).
 *
 * - Binarization is Leptonica's background normalisation followed by an
 *   Otsu threshold (pixOtsuThreshOnBackgroundNorm).  The background is
 *   estimated per tile and mapped to white first, so uneven lighting, grey or
 *   cream paper and the slow shading of a photocopy are gone before one
 *   threshold is chosen for the page; Otsu then picks that threshold from the
 *   page's own histogram.  Sauvola (local mean and variance per window) was
 *   the alternative: it copes with the same defects but turns JPEG ringing
 *   and speckle in blank areas into noise, which here reaches the OCR.
 * - Geometry is applied by one bilinear warp from a composed transform, in
 *   fixed point, rather than by a rotation, then a turn, then a scaling,
 *   each resampling the previous one's output.
 */
#include "raster.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* pixOtsuThreshOnBackgroundNorm parameters, Leptonica's recommended ones
 * (binarize_reg) but for the foreground threshold: background tiles of
 * 10x15 px, at least 50 background pixels a tile, background mapped to 255,
 * 2x2 smoothing of the background map, Otsu score fraction 0.1.  Pixels
 * darker than 150 (not Leptonica's 100) are foreground while the background
 * is estimated: forms have large areas of dark print (a red warning banner
 * is ~100 in grey, title bars ~90) that would otherwise be taken for a dark
 * background and washed out to white. */
enum {
    BG_TILE_X = 10,
    BG_TILE_Y = 15,
    BG_FG_THRESH = 150,
    BG_MIN_COUNT = 50,
    BG_VALUE = 255,
    BG_SMOOTH = 2
};
static const float OTSU_SCORE_FRACTION = 0.1f;
/* Fallback global threshold on 8-bit grey (pages too small to tile). */
enum { FALLBACK_THRESHOLD = 128 };

PIX *fo_raster_colour_to_grey(PIX *pix)
{
    PIXCMAP *cmap = pixGetColormap(pix);
    PIX *grey;
    l_uint32 *src, *dst;
    int w, h, swpl, dwpl, d = pixGetDepth(pix);

    if (cmap) {
        /* each entry once, then the indices looked up */
        l_int32 n = pixcmapGetCount(cmap);
        uint8_t lut[256];
        PIX *index = d == 8 ? pixClone(pix) : pixConvertTo8(pix, 1);
        PIX *plain;
        if (!index)
            return NULL;
        for (l_int32 i = 0; i < 256; i++) {
            l_int32 r = 255, g = 255, b = 255;
            if (i < n)
                pixcmapGetColor(cmap, i, &r, &g, &b);
            lut[i] = (uint8_t)(fo_ink_grey(r, g, b) + 0.5);
        }
        /* the indices, without the map: Leptonica would read colours */
        plain = pixCopy(NULL, index);
        pixDestroy(&index);
        if (!plain)
            return NULL;
        pixDestroyColormap(plain);
        w = pixGetWidth(plain);
        h = pixGetHeight(plain);
        dwpl = pixGetWpl(plain);
        dst = pixGetData(plain);
        for (int y = 0; y < h; y++) {
            l_uint32 *line = dst + (size_t)y * dwpl;
            for (int x = 0; x < w; x++)
                SET_DATA_BYTE(line, x, lut[GET_DATA_BYTE(line, x)]);
        }
        return plain;
    }
    if (d != 32)
        return pixConvertTo8(pix, 0);
    w = pixGetWidth(pix);
    h = pixGetHeight(pix);
    if (!(grey = pixCreate(w, h, 8)))
        return NULL;
    pixCopyResolution(grey, pix);
    src = pixGetData(pix);
    dst = pixGetData(grey);
    swpl = pixGetWpl(pix);
    dwpl = pixGetWpl(grey);
    for (int y = 0; y < h; y++) {
        const l_uint32 *in = src + (size_t)y * swpl;
        l_uint32 *out = dst + (size_t)y * dwpl;
        for (int x = 0; x < w; x++) {
            l_int32 r, g, b;
            extractRGBValues(in[x], &r, &g, &b);
            SET_DATA_BYTE(out, x, (l_uint32)(fo_ink_grey(r, g, b) + 0.5));
        }
    }
    return grey;
}

PIX *fo_raster_grey_scaled(PIX *page, double factor)
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

PIX *fo_raster_binarize(PIX *grey)
{
    l_int32 thresh = 0;
    PIX *bin = NULL;
    if (pixGetWidth(grey) >= 4 * BG_TILE_X && pixGetHeight(grey) >= 4 * BG_TILE_Y)
        bin = pixOtsuThreshOnBackgroundNorm(
            grey, NULL, BG_TILE_X, BG_TILE_Y, BG_FG_THRESH, BG_MIN_COUNT, BG_VALUE,
            BG_SMOOTH, BG_SMOOTH, OTSU_SCORE_FRACTION, &thresh);
    if (!bin)
        bin = pixThresholdToBinary(grey, FALLBACK_THRESHOLD);
    return bin;
}

PIX *fo_raster_binarize_light(PIX *grey, bool shaded)
{
    PIX *norm, *bin;
    if (pixGetWidth(grey) < 4 * BG_TILE_X || pixGetHeight(grey) < 4 * BG_TILE_Y)
        return pixThresholdToBinary(grey, FO_LIGHT_INK_LEVEL);
    norm = pixBackgroundNorm(grey, NULL, NULL, BG_TILE_X, BG_TILE_Y,
                             shaded ? BG_FG_THRESH : FO_LIGHT_INK_LEVEL, BG_MIN_COUNT,
                             BG_VALUE, BG_SMOOTH, BG_SMOOTH);
    if (!norm)
        return NULL;
    bin = pixThresholdToBinary(norm, FO_LIGHT_INK_LEVEL);
    pixDestroy(&norm);
    return bin;
}

/* Source positions in fixed point: 32 bits of fraction, so that stepping
 * across a 10,000 px row drifts by less than 1e-5 px; the bilinear weights
 * keep 8 of them (1/256 px, finer than any 8-bit grey step). */
enum { WARP_FRAC = 32, WARP_WEIGHT = 8 };

static int64_t to_fixed(double v)
{
    return (int64_t)llround(v * 4294967296.0); /* 2^WARP_FRAC */
}

PIX *fo_raster_warp_grey(PIX *src, fo_affine to_src, int width, int height, int fill)
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
            fabs(sx0 + to_src.a * width) > limit ||
            fabs(sy0 + to_src.d * width) > limit) {
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
                int top = GET_DATA_BYTE(r0, x0) * (wmax - fx) +
                          GET_DATA_BYTE(r0, x0 + 1) * fx;
                int bot = GET_DATA_BYTE(r1, x0) * (wmax - fx) +
                          GET_DATA_BYTE(r1, x0 + 1) * fx;
                v = (top * (wmax - fy) + bot * fy + (1 << (2 * WARP_WEIGHT - 1))) >>
                    (2 * WARP_WEIGHT);
            }
            SET_DATA_BYTE(drow, x, v);
        }
    }
    return dst;
}

PIX *fo_raster_warp_grey_projective(PIX *src, const fo_homography *to_src, int width,
                                    int height, int fill)
{
    PIX *dst = pixCreate(width, height, 8);
    const double *m = to_src->h;
    const l_uint32 *sdata;
    l_uint32 *ddata;
    int sw, sh, swpl, dwpl;

    if (!dst)
        return NULL;
    pixCopyResolution(dst, src);
    sdata = pixGetData(src);
    ddata = pixGetData(dst);
    sw = pixGetWidth(src);
    sh = pixGetHeight(src);
    swpl = pixGetWpl(src);
    dwpl = pixGetWpl(dst);
    for (int y = 0; y < height; y++) {
        l_uint32 *drow = ddata + (size_t)y * dwpl;
        for (int x = 0; x < width; x++) {
            double w = m[6] * x + m[7] * y + m[8];
            double sx = (m[0] * x + m[1] * y + m[2]) / w;
            double sy = (m[3] * x + m[4] * y + m[5]) / w;
            int v = fill;
            if (w > 0 && sx >= 0 && sy >= 0 && sx < sw - 1 && sy < sh - 1) {
                int x0 = (int)sx, y0 = (int)sy;
                double fx = sx - x0, fy = sy - y0;
                const l_uint32 *r0 = sdata + (size_t)y0 * swpl, *r1 = r0 + swpl;
                double top =
                    GET_DATA_BYTE(r0, x0) * (1 - fx) + GET_DATA_BYTE(r0, x0 + 1) * fx;
                double bot =
                    GET_DATA_BYTE(r1, x0) * (1 - fx) + GET_DATA_BYTE(r1, x0 + 1) * fx;
                v = (int)(top * (1 - fy) + bot * fy + 0.5);
            }
            SET_DATA_BYTE(drow, x, v);
        }
    }
    return dst;
}

int fo_raster_profiles(PIX *bin, fo_affine t, fo_profile *rows, fo_profile *cols)
{
    const int w = pixGetWidth(bin), h = pixGetHeight(bin), wpl = pixGetWpl(bin);
    const l_uint32 *data = pixGetData(bin);
    fo_profile *p[2] = {rows, cols};
    float *raw[2];
    int rc = FO_OK;

    rows->n = (h + FO_PROFILE_BIN - 1) / FO_PROFILE_BIN;
    cols->n = (w + FO_PROFILE_BIN - 1) / FO_PROFILE_BIN;
    for (int k = 0; k < 2; k++) {
        p[k]->v = calloc((size_t)p[k]->n, sizeof(float));
        raw[k] = calloc((size_t)p[k]->n, sizeof(float));
        if (!p[k]->v || !raw[k])
            rc = FO_ERR_NOMEM;
    }
    for (int y = 0; rc == FO_OK && y < h; y++) {
        const l_uint32 *row = data + (size_t)y * wpl;
        for (int x = 0; x < w; x++) {
            int bx, by;
            if (!GET_DATA_BIT(row, x))
                continue;
            bx = (int)floor((t.a * x + t.b * y + t.c) / FO_PROFILE_BIN);
            by = (int)floor((t.d * x + t.e * y + t.f) / FO_PROFILE_BIN);
            if (by >= 0 && by < rows->n)
                raw[0][by] += 1.0f;
            if (bx >= 0 && bx < cols->n)
                raw[1][bx] += 1.0f;
        }
    }
    for (int k = 0; rc == FO_OK && k < 2; k++)
        for (int i = 0; i < p[k]->n; i++) {
            float l = raw[k][i > 0 ? i - 1 : i];
            float r = raw[k][i + 1 < p[k]->n ? i + 1 : i];
            p[k]->v[i] = 0.25f * l + 0.5f * raw[k][i] + 0.25f * r;
        }
    free(raw[0]);
    free(raw[1]);
    if (rc != FO_OK) {
        free(rows->v);
        free(cols->v);
        rows->v = cols->v = NULL;
    }
    return rc;
}

PIX *fo_raster_ink_map(PIX *bin)
{
    PIX *ink8 = pixConvert1To8(NULL, bin, 0, 255), *blurred;
    if (!ink8)
        return NULL;
    /* Leptonica's block convolution: several times faster than a loop */
    blurred = pixBlockconvGray(ink8, NULL, FO_INK_BLUR, FO_INK_BLUR);
    pixDestroy(&ink8);
    return blurred;
}

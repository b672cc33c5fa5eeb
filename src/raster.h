/*
 * raster.h - raster helpers that several stages share (internal): grey
 * reduction, binarization, the fixed-point bilinear warp, and the ink
 * profiles that matching compares.  prep makes the scan's page with them,
 * match its template models, zone its zones and debug its overlays, so
 * that a scan and a reference are always reduced and binarized alike.
 *
 * Images returned are new (the caller destroys them); NULL when out of
 * memory.
 */
#ifndef FORMOCR_RASTER_H
#define FORMOCR_RASTER_H

#include "formocr/geometry.h"
#include "formocr/prep.h"

struct Pix;

enum {
    FO_PROFILE_BIN = 4, /* px of the page per profile bin (working resolution) */
    FO_INK_BLUR = 1     /* box blur radius of ink maps, px (working resolution) */
};

/* 1 or 8 bpp page -> 8-bit grey scaled by factor (area-averaged, so that a
 * binary page becomes a smooth grey one). */
struct Pix *fo_raster_grey_scaled(struct Pix *page, double factor);

/* Background normalisation then Otsu threshold: 8 bpp -> 1 bpp (method and
 * parameters in raster.c). */
struct Pix *fo_raster_binarize(struct Pix *grey);

/*
 * Bilinear warp of an 8 bpp image: the result is width x height, and its
 * pixel (x, y) is taken from src at to_src(x, y); outside src is fill.
 */
struct Pix *fo_raster_warp_grey(struct Pix *src, fo_affine to_src, int width,
                                int height, int fill);

/* The ink map of a binary page: ink 255, paper 0, box-blurred by
 * FO_INK_BLUR, 8 bpp; so that a 1-bit photocopy and a clean grey rendering
 * of the same form look alike. */
struct Pix *fo_raster_ink_map(struct Pix *bin);

/*
 * Ink per FO_PROFILE_BIN rows and per FO_PROFILE_BIN columns of a binary
 * page seen through t (page px -> frame px, the frame being the page's
 * size): each ink pixel is counted where t puts it, so a skewed page gives
 * its level profiles without being resampled.  Smoothed by [1 2 1] / 4, a
 * little tolerance to what is left of rotation and scale.  Fills rows and
 * cols (free with fo_profile_free); FO_ERR_NOMEM leaves them empty.
 */
int fo_raster_profiles(struct Pix *bin, fo_affine t, fo_profile *rows,
                       fo_profile *cols);

#endif

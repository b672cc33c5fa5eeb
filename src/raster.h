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

/*
 * The grey of a colour pixel (R, G, B and the result 0-255): ITU-R BT.601
 * luma less the pixel's chroma (the largest channel less the smallest),
 * never below 0.  Coloured print is made dark: a form printed in dropout
 * red, blue or green, or a colour Cerfa's tinted rules, whose luma is near
 * the paper's (light red 185 on 255), stays ink when the page is binarized
 * next to pencil or pen marks; grey, black and white (chroma near 0) keep
 * their luma, and a uniform paper tint is taken away by the background
 * normalisation.  Every colour decoder and the templates' references use
 * it, so that a scan and its reference are alike.
 */
static inline double fo_ink_grey(double r, double g, double b)
{
    double hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    double lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    double v = 0.299 * r + 0.587 * g + 0.114 * b - (hi - lo);
    return v > 0 ? v : 0;
}

/* Any page Leptonica holds (1 to 32 bpp, colour-mapped or not) -> 8-bit
 * grey, colours through fo_ink_grey; 1 bpp gives 0 and 255. */
struct Pix *fo_raster_colour_to_grey(struct Pix *pix);

/* 1 or 8 bpp page -> 8-bit grey scaled by factor (area-averaged, so that a
 * binary page becomes a smooth grey one). */
struct Pix *fo_raster_grey_scaled(struct Pix *page, double factor);

/* Background normalisation then Otsu threshold: 8 bpp -> 1 bpp (method and
 * parameters in raster.c). */
struct Pix *fo_raster_binarize(struct Pix *grey);

/* The same background normalisation, then a fixed threshold close to the
 * paper (FO_LIGHT_INK_LEVEL): light print (dropout colours, pale rules) stays
 * ink however much dark ink the page also has, where Otsu, pulled by dense
 * pencil or pen marks, would drop it.  8 bpp -> 1 bpp.  The paper level is
 * taken from what is lighter than the light ink level; shaded: from what is
 * lighter than BG_FG_THRESH, as for Otsu (paper in the shade of a photo,
 * under uneven light, is darker than the ink level and would count as
 * print; but print then weighs on the paper level). */
enum { FO_LIGHT_INK_LEVEL = 220 };
struct Pix *fo_raster_binarize_light(struct Pix *grey, bool shaded);

/*
 * Bilinear warp of an 8 bpp image: the result is width x height, and its
 * pixel (x, y) is taken from src at to_src(x, y); outside src is fill.
 */
struct Pix *fo_raster_warp_grey(struct Pix *src, fo_affine to_src, int width,
                                int height, int fill);

/*
 * The same with a homography to_src (output px -> src px): what straightens
 * a sheet photographed at an angle.  Bilinear in doubles (the division by
 * w changes along a row, so the fixed-point stepping does not apply);
 * positions outside src get fill.  NULL when out of memory.
 */
struct Pix *fo_raster_warp_grey_projective(struct Pix *src, const fo_homography *to_src,
                                           int width, int height, int fill);

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

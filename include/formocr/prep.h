/*
 * prep.h - the prep stage: from a decoded scan to a clean page.
 *
 * Turns the page upright (0/90/180/270), removes its skew, normalises the
 * background (uneven lighting, grey or cream paper, JPEG noise) and
 * binarizes it, at a chosen resolution.  Every geometric step is recorded
 * as one affine transform from scan pixels to result pixels, so that later
 * stages can map positions back to the scan as it was read.
 *
 * The building blocks are public: the match stage uses them on reduced
 * images, and does its own orientation from the templates.
 */
#ifndef FORMOCR_PREP_H
#define FORMOCR_PREP_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

typedef struct fo_prep_options {
    int dpi;           /* resolution of the result; default 300 */
    bool orient;       /* find and undo 90/180/270 turns from the text */
    bool deskew;       /* find and undo the skew */
} fo_prep_options;

void fo_prep_options_default(fo_prep_options *o);

typedef struct fo_prep_result {
    struct Pix *binary;   /* 1 bpp, upright, deskewed, at options.dpi; owned */
    int turn;             /* clockwise turn that stood the page up: 0/90/180/270 */
    double skew;          /* degrees of skew found and undone */
    double skew_confidence;
    double turn_confidence; /* Leptonica's orientation confidence */
    int scan_dpi;         /* resolution the scan was taken to have */
    bool dpi_estimated;   /* true when that came from the page size */
    fo_affine to_result;  /* scan pixels -> result pixels */
} fo_prep_result;

/*
 * The resolution to work with for a page whose file says dpi (0 or
 * from_file false: nothing).  A resolution from the file is kept when it is
 * plausible for a document page (short side 3 to 14 inches); otherwise it is
 * estimated from the page's short side taken as an A4 page, snapped to a
 * usual scanner resolution.
 */
int fo_prep_scan_dpi(int width, int height, int dpi, bool from_file,
                     bool *estimated);

/* 1 or 8 bpp page -> 8-bit grey scaled by factor (area-averaged, so that a
 * binary page becomes a smooth grey one). NULL on failure. */
struct Pix *fo_prep_grey_scaled(struct Pix *page, double factor);

/* Background normalisation then Otsu threshold: 8 bpp -> 1 bpp. */
struct Pix *fo_prep_binarize(struct Pix *grey);

/* Skew of a binary page in degrees (positive: the content is turned
 * clockwise) and Leptonica's confidence; 0 when none is found. */
int fo_prep_find_skew(struct Pix *binary, double *degrees, double *confidence);

/* Clockwise quarter turn (0/90/180/270) that stands a binary text page up,
 * from Leptonica's ascender/descender statistics. */
int fo_prep_find_turn(struct Pix *binary, int *turn, double *confidence);

/*
 * Bilinear warp of an 8 bpp image: the result is width x height, and its
 * pixel (x, y) is taken from src at to_src(x, y); outside src is fill.
 */
struct Pix *fo_prep_warp_grey(struct Pix *src, fo_affine to_src, int width,
                              int height, int fill);

/*
 * The whole prep of a decoded page (1 or 8 bpp, as fo_image_decode gives)
 * whose file stated dpi (from_file) or not.  Fills *out; the caller frees it
 * with fo_prep_result_free.
 */
int fo_prep_page(struct Pix *page, int dpi, bool from_file,
                 const fo_prep_options *options, fo_prep_result *out,
                 fo_error *err);
void fo_prep_result_free(fo_prep_result *r);

#ifdef __cplusplus
}
#endif
#endif

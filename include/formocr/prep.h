/*
 * prep.h - the prep stage: from a decoded scan to a clean page.
 *
 * Every page a run reads goes through fo_prep_page before it is matched:
 * its resolution settled (from the file, or estimated from its size), the
 * page reduced to a working resolution, its background normalised (uneven
 * lighting, grey or cream paper, JPEG noise) and binarized, its skew
 * measured; for matching, its ink map and its deskewed ink profiles.  On
 * request (`formocr prep`), the page is also turned upright (0/90/180/270,
 * from the text) and resampled deskewed.  Every geometric step is an affine
 * transform from scan pixels, so later stages map positions back to the
 * scan as it was read.  The methods are described at the top of prep.c.
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
    int dpi;        /* working resolution of the results; default 300 */
    bool orient;    /* find the 90/180/270 turn from the text (default on) */
    bool deskew;    /* find the skew (default on) */
    bool upright;   /* make `upright`: the page turned and deskewed (default on) */
    bool profiles;  /* make `ink` and the deskewed profiles, for matching
                       (default off) */
    bool shaded;    /* with light_ink: the paper may lie in shade (a photo's
                       uneven light; default off; fo_raster_binarize_light) */
    bool light_ink; /* binarize keeping light print (a dropout colour next to
                       dense dark marks): a fixed threshold near the paper, not
                       Otsu (default off) */
    bool keep_grey; /* keep `grey`, the page in grey at dpi (default off) */
} fo_prep_options;

/* The defaults: 300 dpi, orient, deskew, upright; no profiles. */
FO_API void fo_prep_options_default(fo_prep_options *o);

/* Ink per bin of rows or columns of a page (what matching compares). */
typedef struct fo_profile {
    float *v; /* n values; owned */
    int n;
} fo_profile;

/* Frees p->v and zeroes *p; accepts a zeroed profile. */
FO_API void fo_profile_free(fo_profile *p);

typedef struct fo_prep_result {
    int dpi;            /* the working resolution (options.dpi) */
    int scan_dpi;       /* resolution the scan was taken to have */
    bool dpi_estimated; /* true when that came from the page size */
    double factor;      /* scan px -> working px (dpi / scan_dpi) */
    struct Pix *binary; /* 1 bpp at dpi, as scanned: neither turned nor
                           deskewed; owned */
    double skew;        /* degrees the content is turned (0 when none is
                           found or options.deskew is off) */
    double skew_confidence;
    fo_affine deskew; /* binary px -> deskewed px, about the centre */
    /* options.profiles: */
    struct Pix *ink;       /* ink map of binary, 8 bpp, 255 is ink, lightly
                              blurred; owned */
    fo_profile rows, cols; /* ink profiles of the deskewed page */
    /* options.upright: */
    struct Pix *upright;    /* 1 bpp at dpi, turned upright and deskewed; owned */
    int turn;               /* clockwise turn that stood the page up: 0/90/180/270 */
    double turn_confidence; /* Leptonica's orientation confidence */
    fo_affine to_result;    /* scan px -> upright px */
    /* options.keep_grey: */
    struct Pix *grey; /* 8 bpp at dpi, as scanned (what binary was made from);
                         owned */
} fo_prep_result;

/*
 * The resolution to work with for a page whose file says dpi (0 or
 * from_file false: nothing).  A resolution from the file is kept when it is
 * plausible for a document page (short side 3 to 14 inches); otherwise it is
 * estimated from the page's short side taken as an A4 page, snapped to a
 * usual scanner resolution, and never below 72 dpi.
 */
FO_API int fo_prep_scan_dpi(int width, int height, int dpi, bool from_file,
                            bool *estimated);

/* Skew of a binary page in degrees (positive: the content is turned
 * clockwise) and Leptonica's confidence; 0 when none is found. */
FO_API int fo_prep_find_skew(struct Pix *binary, double *degrees, double *confidence);

/* Clockwise quarter turn (0/90/180/270) that stands a binary text page up,
 * from Leptonica's ascender/descender statistics. */
FO_API int fo_prep_find_turn(struct Pix *binary, int *turn, double *confidence);

/*
 * The prep of a decoded page (1 or 8 bpp, as fo_image_decode gives) whose
 * file stated dpi (from_file) or not; options NULL: the defaults.  Fills
 * *out; the caller frees it with fo_prep_result_free (also after a
 * failure).  Fails with FO_ERR_LIMIT for a page larger than any form (24
 * inches a side at the resolution settled: the working images it would
 * take are refused, not made), or when out of memory.
 */
FO_API int fo_prep_page(struct Pix *page, int dpi, bool from_file,
                        const fo_prep_options *options, fo_prep_result *out,
                        fo_error *err);
/* Frees what r holds and zeroes it; accepts NULL. */
FO_API void fo_prep_result_free(fo_prep_result *r);

/*
 * Whether a prepared page is blank: nothing on it a person put there or a
 * printer printed.  r must come from fo_prep_page with keep_grey (its grey
 * at r->dpi).  Conservative, for a blank page is kept in a document without
 * being read: the page's paper level is taken (the grey of 90 % of it), and
 * ink is what is darker than 0.78 of the paper (whatever the paper's tint or
 * grey); ink connected to the page's border (a scanner's edge, a shadow) is
 * taken away; the page is blank when no mark remains as large as
 * FO_BLANK_MARK_MM either way (dust and speckle are smaller; a handwritten
 * letter, a tick or a dot of a pen is larger).  FO_ERR_USAGE without r->grey;
 * FO_ERR_NOMEM out of memory; *blank false on any error.
 */
#define FO_BLANK_MARK_MM 1.0
FO_API int fo_prep_is_blank(const fo_prep_result *r, bool *blank);

/*
 * A sheet of paper photographed on a table (sheet.c): its outline, the
 * quadrilateral the camera saw.
 */
typedef struct fo_sheet {
    fo_point corner[4]; /* page px: the sheet's top-left, top-right,
                           bottom-right and bottom-left as they lie in the
                           image (not yet turned upright) */
    double contrast;    /* grey levels between paper and table */
    double ratio;       /* the sheet's long side / short side, recovered
                           from the perspective and snapped to its format */
    bool wide;          /* its long side runs across the image */
    double inches;      /* its short side: its paper format's (A4, Letter,
                           Legal) */
} fo_sheet;

/*
 * Whether page (1 or 8 bpp) is a photo of a sheet with the table visible
 * around it, and its outline in *out (zeroed when not).  False for a scan
 * (paper to the image's edges, or a dark strip along one or two of them),
 * a sheet cut by the frame, a sheet on a table as light as paper, or an
 * outline that is no quadrilateral with a paper format's proportions.
 * Method in sheet.c.
 */
FO_API bool fo_prep_find_sheet(struct Pix *page, fo_sheet *out);

/*
 * Replaces *page by the sheet s (as fo_prep_find_sheet filled it)
 * outlines, straightened: the homography
 * from s's corners to a rectangle, in the sheet's own proportions
 * (recovered from the perspective, snapped to a paper format), its long
 * side keeping the photo's sampling, 8 bpp.  *dpi and *from_file (the
 * page's resolution and whether its file stated it, as fo_prep_page takes
 * them) are updated: a stated resolution that is plausible for the
 * straightened page is kept (a flatbed scan with its lid's dark border);
 * otherwise it is that of the paper format the sheet's proportions
 * snapped to (A4, Letter, Legal: the sheet is the whole page), or
 * unknown (0, false: estimated from the size) when none.  The old page is
 * destroyed.  FO_ERR_USAGE for a degenerate outline or a sheet not from
 * fo_prep_find_sheet, FO_ERR_NOMEM; *page,
 * *dpi and *from_file are unchanged on failure.
 */
FO_API int fo_prep_straighten(struct Pix **page, const fo_sheet *s, int *dpi,
                              bool *from_file, fo_error *err);
#ifdef __cplusplus
}
#endif
#endif

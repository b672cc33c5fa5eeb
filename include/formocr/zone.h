/*
 * zone.h - the zone stage: cut a field's zones out of a matched scan and
 * remove the form's own ink.
 *
 * A zone is resampled from the scan through the match's transform into
 * the template's frame at ZONE_DPI (300 dpi, where Tesseract reads best),
 * whatever the scan's resolution, skew or turn: only the zone is resampled,
 * never the page.  The same zone of the blank reference, binarized and
 * grown by a pixel or two (misalignment, a photocopy's thicker strokes),
 * is the form's ink: box borders, comb separators, printed labels.  Taking
 * it away leaves what the person wrote.  The method is described in zone.c.
 */
#ifndef FORMOCR_ZONE_H
#define FORMOCR_ZONE_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/geometry.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

enum { FO_ZONE_DPI = 300 };

/*
 * The blank forms' own ink, binarized and grown, at ZONE_DPI in each
 * template page's frame: made once for a set of templates (it never
 * changes), cut out for every zone of every page.  Immutable once made;
 * shared by every worker.
 */
typedef struct fo_zone_forms fo_zone_forms;

FO_API int fo_zone_forms_create(const fo_template_set *set, fo_zone_forms **out,
                                fo_error *err);
struct fo_cache;
/* The same, with the masks kept in cache (src/cache.h; NULL: none).  Either
 * way a mask is made when a page first needs it (fo_zone_page_init), read
 * back from the cache or derived from the template's reference (decoded
 * then when the template was loaded lazily); with a cache only a few are
 * held at once. */
FO_API int fo_zone_forms_create_cached(const fo_template_set *set,
                                       struct fo_cache *cache, fo_zone_forms **out,
                                       fo_error *err);
FO_API void fo_zone_forms_destroy(fo_zone_forms **forms);

/* A scanned page matched to a template page: what every zone of it needs,
 * built once per page. */
typedef struct fo_glyph_bank fo_glyph_bank; /* formocr/read.h */

typedef struct fo_zone_page {
    struct Pix *grey;  /* the scan, 8 bpp; owned */
    fo_affine to_scan; /* template px -> scan px */
    const fo_template *tpl;
    int tpage;        /* 0-based template page */
    struct Pix *form; /* the page's form ink (held until fo_zone_page_free) */
    const struct fo_zone_forms *forms; /* where form is held */
    int form_id;
    fo_glyph_bank *bank; /* the page's typed digits and capitals, filled and
                            used by the reader (formocr/read.h); NULL: none;
                            not owned */
} fo_zone_page;

/* Prepares a page (1 or 8 bpp, as decoded) for zone extraction; tpl must
 * be one of the set forms was made from.  The caller frees it with
 * fo_zone_page_free. */
FO_API int fo_zone_page_init(fo_zone_page *zp, struct Pix *page, fo_affine to_scan,
                             const fo_zone_forms *forms, const fo_template *tpl,
                             int tpage, fo_error *err);
FO_API void fo_zone_page_free(fo_zone_page *zp);

typedef struct fo_zone {
    struct Pix *grey;   /* the scan's zone, 8 bpp, template frame at ZONE_DPI */
    struct Pix *ink;    /* 1 bpp: the scan's ink minus the form's (same frame) */
    struct Pix *clean;  /* 8 bpp: the scan's zone with all but the written
                           ink turned to paper white: what the OCR reads */
    struct Pix *dotted; /* 8 bpp: the same with the marks inside a character's
                           hole kept (a zero's dot), NULL when there were none;
                           what a glyph's shape is judged on */
    int margin;         /* px around the box in these images */
    int ink_pixels;     /* in `ink`, within the box, after speck removal */
    int box_w, box_h;   /* the box at ZONE_DPI */
} fo_zone;

/*
 * Extracts the zone of box (template px) with a margin, and the written ink
 * in it.  Free with fo_zone_free.
 */
FO_API int fo_zone_extract(const fo_zone_page *zp, fo_box box, fo_zone *out,
                           fo_error *err);
FO_API void fo_zone_free(fo_zone *z);

/*
 * Takes out of z's ink (and whitens in its clean and dotted images) the
 * box's own border where a registration a few px off left it in the zone:
 * a thin stroke along three quarters of a side at least, or along twice
 * the box's height of its top or foot, within the zone's margin of where
 * that edge is meant to be (a side read "7" or "|").  Writing that touches
 * the border is one component with it and stays.  ink_pixels is counted
 * again.  Returns how many strokes were taken out.
 */
FO_API int fo_zone_drop_box_edges(fo_zone *z);

/* Fraction (0..1) of the box's inner part, inset by `inset` of its size on
 * each side, covered by written ink (the scan's beyond the blank form's):
 * what checkboxes and signatures are decided on. */
FO_API double fo_zone_written_fill(const fo_zone *z, double inset);

#ifdef __cplusplus
}
#endif
#endif

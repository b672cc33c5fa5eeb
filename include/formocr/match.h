/*
 * match.h - the match stage: which template a page is, and where.
 *
 * For every scanned page, finds the template page it shows (or none: a
 * letter, a blank page, another form) and the affine transform that maps the
 * template's reference pixels onto the scan's pixels, whatever the scan's
 * quarter turn, skew, scale, shift or resolution.  The method is described
 * at the top of match.c.
 *
 * A matcher holds what it precomputes from each template page (profiles and
 * distinctive patches), built once; it is immutable afterwards and may be
 * used by several threads at once.
 */
#ifndef FORMOCR_MATCH_H
#define FORMOCR_MATCH_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/geometry.h"
#include "formocr/prep.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

typedef struct fo_matcher fo_matcher;

/* Builds the per-template data for every page of every template in set,
 * which must outlive the matcher.  The caller owns *out. */
FO_API int fo_matcher_create(const fo_template_set *set, fo_matcher **out,
                             fo_error *err);

struct fo_cache;
/*
 * The same, with the templates' models kept in cache (src/cache.h; NULL:
 * none): a model whose entries are there and whole is read back instead of
 * derived from the reference (which, for a template loaded lazily, is
 * decoded only then), and what is derived is stored.  With a cache only
 * the models' frames are held at once, and the patches of the pages
 * registered recently (a bounded number, read back when needed again).
 */
FO_API int fo_matcher_create_cached(const fo_template_set *set, struct fo_cache *cache,
                                    fo_matcher **out, fo_error *err);
/* Template pages whose model was derived, not read back, at its creation. */
FO_API int fo_matcher_built(const fo_matcher *m);
FO_API void fo_matcher_destroy(fo_matcher **m);

/* The working resolution of matching, dpi: pages are prepared at it. */
enum { FO_MATCH_DPI = 150 };

/* The prep options a page to match is prepared with (fo_prep_page): at
 * FO_MATCH_DPI, deskew measured, ink map and profiles made, not turned. */
FO_API void fo_match_prep_options(fo_prep_options *o);

/* Below this score a page matches no template. */
#define FO_MATCH_THRESHOLD 0.35

typedef struct fo_match {
    const fo_template *template; /* NULL when the page matches none */
    int template_page;           /* 0-based page of the template */
    /* a near miss of the template's page (the same frame) that the scan
     * does not tell from it: which of the two the page is, is a guess
     * (NULL when there is none) */
    const fo_template *rival;
    int rival_page;
    double score;         /* 0..1; the best found even when unmatched */
    int turn;             /* clockwise quarter turn that stands it up */
    double skew;          /* degrees the scan's content is turned */
    fo_affine transform;  /* template pixels -> scan pixels */
    double residual_px;   /* RMS alignment error, scan pixels */
    int inliers, patches; /* patches that agreed / patches tried */
    bool blank;           /* matched nothing and is blank (fo_prep_is_blank); set by
                             fo_pipeline_match_page */
    bool straightened;    /* the page was a photo of a sheet on a table, and was
                             straightened before matching (fo_prep_straighten):
                             transform is in the straightened page's pixels;
                             set by fo_pipeline_match_page */
    fo_sheet sheet;       /* straightened: the sheet's outline in the decoded
                             page's pixels */
} fo_match;

/*
 * Matches one page, prepared by fo_prep_page with fo_match_prep_options
 * (scan is only read).  Fills *out; out->template is NULL when no template
 * scores at least FO_MATCH_THRESHOLD.  Fails on out-of-memory, or
 * FO_ERR_USAGE for a page prepared otherwise.
 */
FO_API int fo_match_page(const fo_matcher *m, const fo_prep_result *scan, fo_match *out,
                         fo_error *err);

/*
 * The JSON object `formocr match` prints for page (1-based) of the file at
 * path: {"file", "page", "template", "template_page", "score",
 * "orientation", "skew", "transform": [a, b, c, d, e, f], "residual_px",
 * "sheet"}; orientation too is null for a page that matched none (no turn
 * is known); sheet is null but for a photo that was straightened: then the
 * four corners [[x, y], ...] (top-left, top-right, bottom-right,
 * bottom-left) of the sheet in the decoded page, and transform maps onto
 * the straightened page.
 * template, template_page, transform and residual_px are null for a page
 * that matched none.  One line; the caller frees it; NULL when out of
 * memory.
 */
FO_API char *fo_match_to_json(const char *path, int page, const fo_match *m);

#ifdef __cplusplus
}
#endif
#endif

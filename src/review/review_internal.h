/*
 * review_internal.h - the parts of formocr review (src/review/): the
 * database (store.c), the field's image (crop.c), the HTTP server
 * (server.c) and the page's files (assets, embedded at build time).
 */
#ifndef FORMOCR_REVIEW_INTERNAL_H
#define FORMOCR_REVIEW_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formocr/error.h"

/* ---- store.c: the database ------------------------------------------ */

/* Opens a formocr database of schema 4 for reading and deciding (WAL,
 * waits up to 10 s for a run's write).  FO_ERR_IO with the reason. */
int fo_review_open(const char *path, sqlite3 **db, fo_error *err);

/* Whether the database holds documents of template name. */
int fo_review_has_template(sqlite3 *db, const char *name, bool *has, fo_error *err);

/*
 * The next document after id `after` (in id order, from the first again
 * when none is after it) with a flagged field, as the JSON the page takes:
 * {"document": {id, file, template, first_page, last_page, fields: [{name,
 * label, value, raw, confidence, status, reason}]} or null, "left":
 * {fields, documents}}.  template_ NULL: any.  Returns malloc'd text, NULL
 * on a database error (err says it) or out of memory.
 */
char *fo_review_next(sqlite3 *db, const char *template_, long long after,
                     fo_error *err);

/* How much is left: {"fields": N, "documents": M} (malloc'd). */
char *fo_review_left(sqlite3 *db, const char *template_, fo_error *err);

/*
 * Records a person's decision on field of document id, in one transaction:
 * value (NULL with unreadable) replaces the machine's, the machine's
 * reading is kept.  Only a field flagged or decided before, of template_
 * when not NULL.  FO_ERR_USAGE: no such field (the message says whether
 * the document is gone), or its document has no file hash; FO_ERR_IO: the
 * database refused (busy past 10 s).
 */
int fo_review_decide(sqlite3 *db, const char *template_, long long id,
                     const char *field, const char *value, bool unreadable,
                     const char *who, fo_error *err);

/* A decision as the page posts it: {"document": ID, "field": NAME,
 * "value": TEXT} or {..., "unreadable": true}. */
enum { FO_REVIEW_MAX_VALUE = 8 * 1024 };
typedef struct fo_review_decision {
    long long document;
    char *field, *value; /* owned; value NULL when unreadable */
    bool unreadable;
} fo_review_decision;

/* FO_ERR_USAGE with what a decision must be, FO_ERR_NOMEM; on success the
 * caller frees *out (fo_review_decision_free). */
int fo_review_parse_decision(const char *body, size_t size, fo_review_decision *out,
                             fo_error *err);
void fo_review_decision_free(fo_review_decision *d);

/* The six numbers of a stored transform ("[a,b,c,d,e,f]"), all finite;
 * false for anything else. */
bool fo_review_parse_transform(const char *text, double t[6]);

/* Where a field was read: the file (as stored, and its SHA-256), the
 * 1-based page, the box in page px and the template -> page transform. */
typedef struct fo_review_place {
    char *path;
    char sha256[65];
    int page;
    int x, y, w, h;
    double transform[6];
} fo_review_place;

/* FO_ERR_USAGE when the field or its page's transform is not there. */
int fo_review_place_of(sqlite3 *db, long long id, const char *field,
                       fo_review_place *out, fo_error *err);
void fo_review_place_free(fo_review_place *p);

/* ---- crop.c: the field, upright and aligned ------------------------- */

typedef struct fo_review_cropper fo_review_cropper;

/* scans_dir: relative paths are taken from there (NULL: as they are). */
fo_review_cropper *fo_review_cropper_new(const char *scans_dir);
void fo_review_cropper_free(fo_review_cropper *c);

/*
 * The field at place as a PNG (*png malloc'd, *size bytes): the page
 * decoded as the pipeline read it (a photo straightened), the field's box
 * taken back into the template's frame through the stored transform, with
 * a margin, so that an upside-down or skewed scan gives an upright crop.
 * The file must still hash to place->sha256.  FO_ERR_IO (missing),
 * FO_ERR_CHANGED (other bytes), FO_ERR_USAGE (a box or transform that
 * makes no sense), decoder errors, FO_ERR_NOMEM.  The last page decoded is
 * kept for the next crop.
 */
int fo_review_crop(fo_review_cropper *c, const fo_review_place *place, uint8_t **png,
                   size_t *size, fo_error *err);

/* ---- the page's files ----------------------------------------------- */

typedef struct fo_review_asset {
    const char *path, *type;
    const unsigned char *data;
    size_t size;
} fo_review_asset;

/* NULL-path terminated. */
extern const fo_review_asset fo_review_assets[];

#endif

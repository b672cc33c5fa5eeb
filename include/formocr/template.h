/*
 * template.h - form templates (format "formocr-template/1", DESIGN.md §3).
 *
 * A template is a JSON file naming a form, its pages and, on each page, the
 * reference image (the blank form at the template's dpi) and the fields to
 * read.  Loading parses with jansson and validates everything a later stage
 * relies on, so that the stages never check a template again: names, types,
 * exactly one geometry per field, boxes inside the page, patterns that
 * compile, reference images inside the template's folder that load.  Errors
 * name the file, line and column.
 *
 * A loaded fo_template is immutable and may be shared by worker threads.
 */
#ifndef FORMOCR_TEMPLATE_H
#define FORMOCR_TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "formocr/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

#define FO_TEMPLATE_FORMAT "formocr-template/1"

typedef enum fo_field_type {
    FO_FIELD_TEXT,
    FO_FIELD_INTEGER,
    FO_FIELD_DECIMAL,
    FO_FIELD_DATE,
    FO_FIELD_CHECKBOX,
    FO_FIELD_CHOICE,
    FO_FIELD_SIGNATURE
} fo_field_type;

typedef enum fo_geometry {
    FO_GEOM_BOX,    /* one zone, optionally split in `comb` equal cells */
    FO_GEOM_LINES,  /* several one-line zones read in order */
    FO_GEOM_CELLS,  /* explicit one-character cells */
    FO_GEOM_OPTIONS /* choice: one box per option */
} fo_geometry;

typedef enum fo_check {
    FO_CHECK_NONE,
    FO_CHECK_NIR,
    FO_CHECK_SIREN,
    FO_CHECK_SIRET,
    FO_CHECK_IBAN,
    FO_CHECK_LUHN,
    FO_CHECK_CODE_POSTAL
} fo_check;

/* A rectangle in reference-image pixels. */
typedef struct fo_box {
    int x, y, w, h;
} fo_box;

typedef struct fo_option {
    char *name;
    fo_box box;
    char *pdf_value; /* the PDF form's export value of this button
                        ("pdf_values"); NULL: none */
} fo_option;

enum { FO_DEFAULT_MIN_CONFIDENCE = 70 };
/* not_before / not_after: "today", the day a value is checked */
enum { FO_DATE_TODAY = -1 };

typedef struct fo_field {
    char *name;
    fo_field_type type;
    int page; /* 0-based page of the template */
    fo_geometry geometry;
    int comb;      /* FO_GEOM_BOX: number of cells, 0 = free text */
    fo_box *boxes; /* BOX: 1; LINES, CELLS: nboxes */
    int nboxes;
    fo_option *options; /* FO_GEOM_OPTIONS */
    int noptions;
    int min, max; /* choice: how many options may be ticked */
    bool required;
    char *lang;         /* NULL: the template's */
    char *charset;      /* NULL: any character (UTF-8) */
    char *pattern;      /* NULL: none; PCRE2 source */
    void *pattern_code; /* compiled pcre2_code, owned */
    fo_check check;
    double min_confidence;    /* 0..100 */
    char *date_format;        /* date: e.g. "DD/MM/YYYY" */
    int not_before;           /* date: earliest plausible, YYYYMMDD; 0: the
                                 default (1900-01-01); FO_DATE_TODAY: the day
                                 of the check */
    int not_after;            /* date: latest plausible, YYYYMMDD; 0: the
                                 default (a year after the day of the check);
                                 FO_DATE_TODAY: the day of the check */
    char *pdf_field;          /* the PDF form field it was made from (fully
                                 qualified name): a filled PDF's live field of
                                 that name is read instead of the pixels; NULL:
                                 none */
    char *label;              /* what the form calls it (a PDF field's tooltip);
                                 NULL: none; for people, not for reading */
    bool cancelled_if_filled; /* checkbox, choice: a box filled solid is a
                                 mark cancelled, not a tick ("cancelled_if_
                                 filled", or the template's) */
    bool hand;                /* text, numbers, dates: filled in by hand, ok
                                 only when two readings agree ("hand", or the
                                 template's) */
    int line, column;         /* where the field is defined, for messages */
} fo_field;

typedef struct fo_template_page {
    char *reference;          /* path as written in the template */
    char *reference_path;     /* resolved path */
    struct Pix *image;        /* the reference, 8-bit grey, owned; NULL when
                                 loaded lazily or released */
    unsigned char digest[32]; /* SHA-256 of the reference file's bytes */
    int width, height;        /* of the reference, pixels */
    fo_field *fields;         /* the fields of this page point into t->fields */
    int nfields;
} fo_template_page;

typedef struct fo_template {
    char *path; /* the template.json as given */
    char *name;
    char *title;                    /* may be NULL */
    char *lang;                     /* Tesseract language(s), default "fra" */
    int dpi;                        /* resolution of the references */
    bool cancelled_if_filled, hand; /* the fields' default for these keys */
    fo_template_page *pages;
    int npages;
    fo_field *fields; /* all fields, in file order (page by page) */
    int nfields;
    char sha256[65]; /* of the JSON and reference files, hex */
} fo_template;

/*
 * Loads and validates the template file at path.  On failure err holds
 * "path:line:col: what" and FO_ERR_TEMPLATE (or FO_ERR_IO, FO_ERR_NOMEM) is
 * returned.  The caller owns *out (fo_template_destroy).
 */
FO_API int fo_template_load(const char *path, fo_template **out, fo_error *err);

/* The same from the template's text, as if read from path (its folder is
 * where the references are looked for). */
FO_API int fo_template_load_text(const char *path, const char *text, size_t len,
                                 fo_template **out, fo_error *err);

/* Accepts NULL and *t == NULL; sets *t to NULL. */
FO_API void fo_template_destroy(fo_template **t);

/* The field named name, or NULL. */
FO_API const fo_field *fo_template_field(const fo_template *t, const char *name);

FO_API const char *fo_field_type_name(fo_field_type type);
FO_API const char *fo_check_name(fo_check check);

/* A set of templates, as given with -t: files, or folders of <name>/template.json. */
typedef struct fo_template_set {
    fo_template **items;
    int count;
} fo_template_set;

/*
 * Lists the template files that path designates: path itself if it is a
 * file, path/template.json if that exists, else every path/<sub>/template.json
 * in name order.  *files is a NULL-terminated array the caller frees with
 * fo_template_paths_free.  A folder holding no template is an error.
 */
FO_API int fo_template_paths(const char *path, char ***files, fo_error *err);
FO_API void fo_template_paths_free(char ***files);

/*
 * Loads every template designated by paths (see fo_template_paths) into
 * *out.  Fails on the first invalid template, and when two templates share
 * a name.  The caller owns *out (fo_template_set_destroy).
 */
FO_API int fo_template_set_load(const char *const *paths, int npaths,
                                fo_template_set **out, fo_error *err);
FO_API void fo_template_set_destroy(fo_template_set **set);

/*
 * The same without decoding the references: every check is made, each
 * reference is read and hashed (the template's sha256 is the same), but
 * the pages' image stays NULL; fo_template_page_image decodes one when it
 * is needed.  For runs, whose matcher and zone masks come from the cache.
 */
FO_API int fo_template_set_load_lazy(const char *const *paths, int npaths,
                                     fo_template_set **out, fo_error *err);

/*
 * Decodes page pageno's reference as 8-bit grey (*out: the caller owns
 * it), after checking that the file still holds the bytes loaded
 * (FO_ERR_CHANGED otherwise); FO_ERR_IO, FO_ERR_CORRUPT, FO_ERR_NOMEM as
 * decoding fails.
 */
FO_API int fo_template_page_image(const fo_template *t, int pageno, struct Pix **out,
                                  fo_error *err);

/* Frees the reference images (8-bit grey, ~10 MB a page): once the matcher
 * and the zone forms are made from them, a run needs them no more.  The
 * pages keep their width and height; image becomes NULL. */
FO_API void fo_template_set_release_images(fo_template_set *set);
/* The same for one template. */
FO_API void fo_template_release_images(fo_template *t);

/*
 * Where templates are taken from when none are named (the caller frees
 * it): $FORMOCR_TEMPLATES; else ./templates, when it is a folder; else the
 * installed ones, PREFIX/share/formocr/templates, found beside the running
 * program (PREFIX/bin/formocr) or where the build was configured to
 * install them; else "templates" (which then fails to load, naming it).
 * NULL when out of memory.
 */
FO_API char *fo_template_default_path(void);

#ifdef __cplusplus
}
#endif
#endif

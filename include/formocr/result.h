/*
 * result.h - what formocr found in one scan file: the result record that
 * every output writes, the evaluation reads and the overlays draw.
 *
 * The pipeline (pipeline.h) fills an fo_document; sinks (sink.h), the
 * debug overlays and anything else downstream of the stages depend on this
 * header alone, never on the OCR engine's or the matcher's types.
 *
 * Ownership: an fo_document owns its strings and arrays (fo_document_free
 * releases them); the template and field pointers in it are borrowed from
 * the run's template set, which outlives every document.
 */
#ifndef FORMOCR_RESULT_H
#define FORMOCR_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "formocr/common.h"
#include "formocr/geometry.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A field's status (DESIGN §4).  Fixed numbers: statuses are stored. */
typedef enum fo_field_status {
    FO_STATUS_OK,
    FO_STATUS_LOW_CONFIDENCE, /* below the field's min_confidence, or doubtful */
    FO_STATUS_INVALID,        /* type, pattern, check or choice bounds failed */
    FO_STATUS_MISSING,        /* required and empty */
    /* a person's decision (formocr review), kept across runs: */
    FO_STATUS_CORRECTED, /* the value a person typed or accepted */
    FO_STATUS_UNREADABLE /* a person could not read it either: value "" */
} fo_field_status;
enum { FO_FIELD_STATUS_COUNT = FO_STATUS_UNREADABLE + 1 };

/* "ok", "low_confidence", "invalid", "missing", "corrected", "unreadable";
 * "unknown" for anything else (static). */
FO_API const char *fo_field_status_name(fo_field_status s);

typedef enum fo_doc_status {
    FO_DOC_OK,        /* every field ok */
    FO_DOC_REVIEW,    /* some field not ok */
    FO_DOC_UNMATCHED, /* no template scored above the threshold */
    FO_DOC_ERROR      /* unreadable */
} fo_doc_status;

/* "ok", "review", "unmatched", "error" (static). */
FO_API const char *fo_doc_status_name(fo_doc_status s);

typedef struct fo_field_result {
    const fo_field *field; /* borrowed from the document's template */
    char *value;           /* normalised; "" when empty */
    char *raw;             /* as read; "" when nothing was read */
    double confidence;     /* 0..100 */
    fo_field_status status;
    const char *reason;  /* static; NULL when ok */
    bool hand;           /* read as handprint (fo_reading.handprint) */
    char *machine_value; /* owned: what formocr read, when a person's decision
                            (status corrected or unreadable) replaced it in
                            value; NULL otherwise */
    const char *source;  /* static: "pdf_field" when the value was a filled
                            PDF's live form field, not read from pixels;
                            NULL: read from the page */
    int page;            /* 1-based scan page it was read on, 0: none */
    int file;            /* that page's file: 0 the document's, k its joined[k - 1] */
    int x, y, w, h;      /* where, in scan px of that page */
} fo_field_result;

/* What became of a page of the file.  Fixed numbers: statuses are stored. */
typedef enum fo_page_status {
    FO_PAGE_READ,      /* matched a template page: its fields were read */
    FO_PAGE_UNMATCHED, /* matched no template (its own unmatched document) */
    FO_PAGE_BLANK,     /* no ink worth reading: kept in the document around it */
    FO_PAGE_ERROR      /* could not be decoded, matched or read */
} fo_page_status;

/* "read", "unmatched", "blank", "error" (static). */
FO_API const char *fo_page_status_name(fo_page_status s);

/* How one page of the file matched (template NULL: it matched none). */
/* A photo is blurrier and noisier than a scan, and Tesseract's confidence
 * tells less there: a text, number or date read from a photo is ok only
 * from this confidence (measured on simulated phone photos: see the
 * README's Accuracy section). */
#define FO_PHOTO_MIN_CONFIDENCE 98.0

typedef struct fo_page_result {
    int file_page; /* 1-based page of the file */
    int file;      /* 0: the document's file; k: its joined[k - 1] */
    bool damaged;  /* decoded with a warning (fo_page_info.warning): no field
                      read on it is ok */
    bool photo;    /* a photo of a sheet, straightened (fo_match.straightened):
                      text read on it is ok only from FO_PHOTO_MIN_CONFIDENCE */
    const fo_template *rival; /* borrowed; a near miss the page may be as
                                 well (fo_match.rival): no field read on it
                                 is ok */
    fo_page_status status;
    const fo_template *template; /* borrowed; NULL when unmatched */
    int template_page;           /* 0-based page of the template */
    double score;                /* 0..1, the best found even when unmatched */
    int turn;                    /* clockwise quarter turn that stands it up */
    fo_affine transform;         /* template px -> scan px (when matched) */
} fo_page_result;

/* Seconds spent per stage (for --timings): prep is the scan's preparation
 * for matching (grey, binarized, deskewed, profiles); output is the batch
 * writer's, not a document's. */
typedef enum fo_stage {
    FO_STAGE_DECODE,
    FO_STAGE_PREP,
    FO_STAGE_MATCH,
    FO_STAGE_ZONES,
    FO_STAGE_OCR,
    FO_STAGE_CHECK,
    FO_STAGE_OUTPUT,
    FO_STAGE_COUNT
} fo_stage;

/*
 * One document: a filled form found in a file, or a page of it that matched
 * nothing, or the whole file when it could not be read.  A file holds one
 * document or several (a feeder's stack of forms: see fo_pipeline_process);
 * they are chained through next, in page order, and every page of the file
 * lies in exactly one of them.  A document is identified by its file's
 * SHA-256 and its first page.
 */
typedef struct fo_document {
    char *path;      /* as reached from the command line */
    char sha256[65]; /* of the file's bytes; "" when unread */
    uint64_t bytes;  /* of the whole file */
    int pages;       /* the document's pages: last_page - first_page + 1 (+ njoined),
                        0 when the file could not be opened */
    int first_page;  /* 1-based range in the file; 0 when the file could not */
    int last_page;   /* be opened (the document is then the whole file) */
    const fo_template *tpl; /* NULL: unmatched or error */
    fo_doc_status status;
    double score;            /* the weakest read page's match score (the best
                                score found, for an unmatched page) */
    char *error;             /* why, for status error; NULL otherwise */
    char processed_at[21];   /* when it was written to a database, UTC,
                                "YYYY-MM-DDTHH:MM:SSZ" (a document rebuilt from
                                one); "" for a document just read */
    char *warning;           /* what the decoder repaired or tolerated (a PDF rebuilt
                                from a broken cross-reference table): the values may
                                be right, the file was not; NULL when nothing */
    fo_field_result *fields; /* tpl's fields, in template order */
    int nfields;
    fo_page_result *page_results; /* one per page of the range, in order */
    int npage_results;
    int page_results_cap; /* allocated (fo_document_add_page) */
    double seconds[FO_STAGE_COUNT];
    bool skipped;     /* already in the output: nothing else is set */
    bool deferred;    /* changed while it was read: left for the next run, no row
                         is written; error says why */
    bool interrupted; /* the run was stopped while this file was read: it is
                         not written, the next run redoes it */
    struct fo_document *next; /* the file's next document; owned */
    /* --join-files: one-page files that continued the form, in order
     * (fo_pipeline_join); their pages are in page_results, file k */
    char **joined;             /* paths; owned */
    char (*joined_sha256)[65]; /* owned */
    int njoined;
} fo_document;

/* Frees what d holds, the documents chained after it included, and zeroes
 * it (d itself is the caller's); accepts NULL and a zeroed document. */
FO_API void fo_document_free(fo_document *d);

/* Appends a copy of pr to d->page_results, the array growing by doubling.
 * FO_OK, or FO_ERR_NOMEM with d unchanged.  The page range (first_page,
 * last_page, pages) is the caller's to keep. */
FO_API int fo_document_add_page(fo_document *d, const fo_page_result *pr);

/* Appends a joined file (--join-files): copies of path and its SHA-256 hex
 * digest (64 characters, "" when unknown) to d->joined and d->joined_sha256.
 * Returns its number k >= 1 (fo_page_result.file, fo_field_result.file), or
 * -1 out of memory with d unchanged. */
FO_API int fo_document_add_joined(fo_document *d, const char *path, const char *sha256);

/* The JSON object of a document, as the JSON Lines output writes it (one
 * line, no newline; DESIGN §5); the caller frees it.  NULL when out of
 * memory. */
FO_API char *fo_document_to_json(const fo_document *d);

#ifdef __cplusplus
}
#endif
#endif

/*
 * document.h - one scan file through every stage: image, match, zone, read,
 * check.  The batch driver runs this for many files on its workers; `formocr
 * run` and the tests call it directly.
 *
 * A document is a file; each of its pages is matched on its own.  The
 * first page that matches a template decides the document's template; the
 * scan page matched to each template page gives that page's fields.  A bad
 * file does not make this fail: it gives a document with status "error"
 * and a message, so that a batch goes on.
 */
#ifndef FORMOCR_DOCUMENT_H
#define FORMOCR_DOCUMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "formocr/check.h"
#include "formocr/error.h"
#include "formocr/geometry.h"
#include "formocr/image.h"
#include "formocr/match.h"
#include "formocr/read.h"
#include "formocr/template.h"
#include "formocr/zone.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fo_doc_status {
    FO_DOC_OK,         /* every field ok */
    FO_DOC_REVIEW,     /* some field not ok */
    FO_DOC_UNMATCHED,  /* no template scored above the threshold */
    FO_DOC_ERROR       /* unreadable */
} fo_doc_status;

/* "ok", "review", "unmatched", "error" (static). */
const char *fo_doc_status_name(fo_doc_status s);

typedef struct fo_field_result {
    const fo_field *field;
    char *value;             /* normalised; "" when empty */
    char *raw;               /* as read; "" when nothing was read */
    double confidence;       /* 0..100 */
    fo_field_status status;
    const char *reason;      /* static; NULL when ok */
    int page;                /* 1-based scan page it was read on, 0: none */
    int x, y, w, h;          /* where, in scan px of that page */
} fo_field_result;

typedef struct fo_page_result {
    fo_match match;          /* template NULL when the page matched none */
} fo_page_result;

/* Seconds spent per stage (for --timings): prep is the scan's preparation
 * for matching (grey, binarized, deskewed); output is the batch writer's,
 * not a document's. */
typedef enum fo_stage {
    FO_STAGE_DECODE, FO_STAGE_PREP, FO_STAGE_MATCH, FO_STAGE_ZONES, FO_STAGE_OCR,
    FO_STAGE_CHECK, FO_STAGE_OUTPUT, FO_STAGE_COUNT
} fo_stage;

typedef struct fo_document {
    char *path;
    char sha256[65];         /* of the file's bytes; "" when unread */
    uint64_t bytes;
    int pages;
    const fo_template *tpl;  /* NULL: unmatched or error */
    fo_doc_status status;
    double score;            /* the best page's match score */
    char *error;             /* why, for status error (malloc'd) */
    fo_field_result *fields; /* tpl's fields, in template order */
    int nfields;
    fo_page_result *page_results;
    int npage_results;
    double seconds[FO_STAGE_COUNT];
    bool skipped;            /* already in the output: nothing else is set */
} fo_document;

/* What every document of a run shares, read-only. */
typedef struct fo_pipeline {
    const fo_template_set *templates;
    const fo_matcher *matcher;
    const fo_zone_forms *forms;
    fo_image_limits limits;
    const char *debug_dir;   /* NULL: no overlay images */
    /* when skip(skip_ctx, sha256) is true once the file is read, the
     * document is only marked skipped (it is already in the output) */
    bool (*skip)(void *ctx, const char *sha256);
    void *skip_ctx;
} fo_pipeline;

/*
 * Processes the file at path.  Fills *out (free with fo_document_free):
 * any problem with the file itself is in out->status and out->error.
 * Fails only when the run cannot go on: out of memory, or Tesseract unable
 * to start (FO_ERR_OCR).
 */
int fo_document_process(const fo_pipeline *p, fo_reader *reader, const char *path,
                        fo_document *out, fo_error *err);
void fo_document_free(fo_document *d);

#ifdef __cplusplus
}
#endif
#endif

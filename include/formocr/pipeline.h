/*
 * pipeline.h - the driver: one scan file through every stage (image, prep,
 * match, zone, read, check) into a result record (result.h).  The batch
 * runs this for many files on its workers; the tests call it directly.
 *
 * A document is a file; each of its pages is matched on its own.  The
 * first page that matches a template decides the document's template; the
 * scan page matched to each template page gives that page's fields.  A bad
 * file does not make this fail: it gives a document with status "error"
 * and a message, so that a batch goes on.
 */
#ifndef FORMOCR_PIPELINE_H
#define FORMOCR_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "formocr/error.h"
#include "formocr/image.h"
#include "formocr/match.h"
#include "formocr/read.h"
#include "formocr/result.h"
#include "formocr/template.h"
#include "formocr/zone.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif
#endif

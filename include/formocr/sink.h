/*
 * sink.h - where results go (DESIGN.md §5).
 *
 * A sink receives finished documents, one at a time, on one thread, and
 * makes them durable.  A file sink writes to a temporary name beside the
 * target and renames it into place only when closed successfully: an
 * interrupted run never leaves a half-written file that looks complete.
 * Standard output is written as it goes, one line per document.
 */
#ifndef FORMOCR_SINK_H
#define FORMOCR_SINK_H

#include "formocr/document.h"
#include "formocr/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_sink fo_sink;

/* JSON Lines: one object per document (path "-" is standard output). */
int fo_sink_open_jsonl(const char *path, fo_sink **out, fo_error *err);

/* Writes one document; FO_ERR_OUTPUT when it cannot. */
int fo_sink_write(fo_sink *s, const fo_document *d, fo_error *err);

/* Completes the output (renames a file into place); the sink is freed
 * whatever happens.  FO_ERR_OUTPUT when it cannot. */
int fo_sink_close(fo_sink **s, fo_error *err);

/* Abandons the output: a temporary file is removed, a previous file at
 * the target stays as it was. */
void fo_sink_abort(fo_sink **s);

/* The JSON object of a document, as the JSON Lines sink writes it; the
 * caller frees it with free(). */
char *fo_document_to_json(const fo_document *d);

#ifdef __cplusplus
}
#endif
#endif

/*
 * batch.h - running many documents: worker threads, one writer.
 *
 * N worker threads each take the next input, run it through every stage
 * with a Tesseract engine of their own, and hand the finished document to
 * a bounded queue (memory does not grow with the folder's size); the
 * calling thread takes documents from the queue, in order of completion,
 * and writes them (the sinks are never touched by two threads).  Inputs
 * already in the output are recognised by their SHA-256 as soon as they
 * are read, and skipped.  When *stop becomes non-zero (a signal), workers
 * take no new input; what is in flight is finished and written.
 */
#ifndef FORMOCR_BATCH_H
#define FORMOCR_BATCH_H

#include <signal.h>
#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/pipeline.h"
#include "formocr/sink.h"
#include "formocr/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_batch_options {
    int jobs;              /* worker threads, >= 1 */
    const char *tessdata;  /* for fo_reader_create */
    const fo_known *known; /* documents already held, sorted by hash */
    int nknown;
    bool force;                  /* redo known documents */
    bool retry_errors;           /* redo known documents whose status is error */
    bool join_files;             /* a one-page file that continues the form of the file
                                    before it (in input order) joins it: fo_pipeline_join */
    volatile sig_atomic_t *stop; /* may be NULL */
} fo_batch_options;

typedef struct fo_batch_stats {
    int files;     /* inputs finished (written, skipped or deferred) */
    int documents; /* written (a file holds one or more) */
    int skipped;   /* already in the output */
    int deferred;  /* changed while read: given to write, to be reported and
                      written nowhere (fo_document.deferred) */
    int pages;
    int by_status[4];               /* fo_doc_status */
    int not_started;                /* inputs left undone when stopped: never
                                       taken, or made but not written because
                                       the run failed */
    double seconds[FO_STAGE_COUNT]; /* summed over workers */
} fo_batch_stats;

/* Called on the calling thread for each finished file (not the skipped
 * ones) with its documents (d and those chained after it), which it may
 * amend (people's decisions recorded in the output replace the machine's
 * values); a non-zero return stops the batch (the writer failed): nothing
 * else is written after it. */
typedef int (*fo_batch_write)(void *ctx, fo_document *d);
/* Called on the calling thread about twice a second, and at the end. */
typedef void (*fo_batch_progress)(void *ctx, const fo_batch_stats *s, int total,
                                  double seconds, bool last);

/*
 * Runs every input.  Fails only when the run cannot go on (FO_ERR_CONFIG:
 * Tesseract cannot start; FO_ERR_NOMEM); a failing write stops it with
 * FO_ERR_OUTPUT.  Bad inputs, and any failure of one document's own, are
 * documents with status error, written like the others.
 */
FO_API int fo_batch_run(const fo_pipeline *p, const fo_inputs *in,
                        const fo_batch_options *o, fo_batch_write write,
                        fo_batch_progress progress, void *ctx, fo_batch_stats *stats,
                        fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

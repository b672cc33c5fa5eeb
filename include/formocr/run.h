/*
 * run.h - a run, as `formocr run` makes one every night: the policy around
 * the pipeline and the batch.
 *
 * In order: the debug and quarantine folders are made; the templates are
 * loaded and the pipeline built (pipeline.h); every output is opened and
 * locked before any work (sink.h); the documents an SQLite output already
 * holds are looked up, so that they are skipped; the inputs are listed
 * (source.h) and only the run's shard kept; the batch runs them (batch.h),
 * each finished document written to every output and, when it failed and
 * a quarantine folder is given, moved there; last, every output is
 * completed.  Problems that do not stop the run (a bad input, a file that
 * could not be moved) are told through the notice callback; what stops it
 * is the return value.
 */
#ifndef FORMOCR_RUN_H
#define FORMOCR_RUN_H

#include <signal.h>
#include <stdbool.h>

#include "formocr/batch.h"
#include "formocr/error.h"
#include "formocr/image.h"
#include "formocr/sink.h"
#include "formocr/source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds a file found in a folder must have rested before it is read
 * (--min-age): a scan still being uploaded is left for the next run. */
#define FO_DEFAULT_MIN_AGE 60.0

typedef struct fo_run_options {
    const char *const *inputs; /* files and folders of scans */
    int ninputs;
    const char *const
        *templates; /* files or folders; none: fo_template_default_path() */
    int ntemplates;
    const char *const *outputs; /* paths as opened ("-": standard output),
                                   {shard} already replaced */
    int noutputs;               /* at least one */
    fo_sink_options sink;       /* templates and shard are filled in by the run */
    fo_source_options source;
    fo_shard shard; /* n == 0: every input */
    fo_image_limits limits;
    int jobs;                    /* worker threads, >= 1 */
    const char *tessdata;        /* NULL: $TESSDATA_PREFIX or Tesseract's */
    bool force;                  /* redo documents the output holds */
    bool retry_errors;           /* redo those of them that failed */
    bool join_files;             /* fo_batch_options.join_files */
    const char *quarantine;      /* folder for failed inputs; NULL: none */
    const char *debug_dir;       /* folder for overlay PNGs; NULL: none */
    const char *cache_dir;       /* fo_pipeline_options.cache_dir */
    bool no_cache;               /* fo_pipeline_options.no_cache */
    double document_timeout;     /* seconds a file may take (then it is an
                                    error row); 0: no limit */
    double min_age;              /* seconds: files in folders changed more
                                    recently are left for the next run
                                    (fo_inputs_defer_recent); 0: none */
    volatile sig_atomic_t *stop; /* non-zero: take no new input; may be NULL */
} fo_run_options;

/* Defaults: one worker per core, the default limits and sink options;
 * everything else empty. */
FO_API void fo_run_options_default(fo_run_options *o);

typedef struct fo_run_events {
    void *ctx;
    /* a problem that does not stop the run: a folder entry not read, a
     * document that failed (its error), an input not moved to quarantine;
     * path may be NULL.  Called on the calling thread; may be NULL. */
    void (*notice)(void *ctx, const char *path, const char *message);
    fo_batch_progress progress; /* may be NULL */
    /* a folder entry not taken, with why (hidden, not a scan by its name, a
     * sub-folder); may be NULL: they are counted all the same */
    void (*skipped)(void *ctx, const char *path, const char *why);
} fo_run_events;

typedef struct fo_run_summary {
    fo_batch_stats stats;
    int inputs;              /* listed, in the shard */
    int input_problems;      /* folder entries reported, not read */
    int deferred;            /* files left for the next run: changed too
                                recently, or while they were read */
    int replayed;            /* documents an interrupted run committed to a
                                database, written into this run's files */
    int skipped_entries;     /* folder entries not taken (not scans) */
    int quarantine_failures; /* failed inputs that could not be moved */
    double setup_seconds;    /* templates, outputs, inputs */
    int template_pages;      /* pages of the templates loaded */
    int models_built;        /* of them, matcher models derived at start
                                (the others read back from the cache) */
    double seconds;          /* the batch and completing the outputs */
} fo_run_summary;

/*
 * Runs.  Returns 0 when every input was taken (bad inputs are documents
 * with status error, in the outputs), or the code of what stopped the run:
 * a template or configuration error (FO_ERR_TEMPLATE, FO_ERR_IO, ...),
 * FO_ERR_USAGE (outputs that cannot go together, e.g. a wide CSV of
 * several templates without {template}), FO_ERR_OUTPUT or FO_ERR_LOCKED for
 * an output (opened, written or completed), FO_ERR_CONFIG (Tesseract cannot
 * start), FO_ERR_NOMEM.  A document's own failure never stops it.  err
 * says why; when several outputs fail to complete, all but the last are
 * told through notice.  *out is filled as far as the run went.
 */
FO_API int fo_run(const fo_run_options *o, const fo_run_events *events,
                  fo_run_summary *out, fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

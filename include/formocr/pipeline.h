/*
 * pipeline.h - the driver: one scan file through every stage (image, prep,
 * match, zone, read, check) into a result record (result.h).  The batch
 * (batch.h) runs it for many files on its workers; `formocr match` runs its
 * first stages on pages; the tests call it directly.
 *
 * A pipeline is what every document of a run shares, built once: the
 * templates, the matcher's models of them and the blank forms' ink for the
 * zones.  It is immutable once made and may be used by several threads.
 *
 * A document is a file; each of its pages is prepared (prep.h) and matched
 * (match.h) on its own.  The first page that matches a template decides the
 * document's template; the scan page matched to each template page gives
 * that page's fields.  A bad file does not make processing fail: it gives a
 * document with status "error" and a message, so that a batch goes on.
 */
#ifndef FORMOCR_PIPELINE_H
#define FORMOCR_PIPELINE_H

#include <signal.h>
#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/image.h"
#include "formocr/match.h"
#include "formocr/read.h"
#include "formocr/result.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

/* Seconds a document may take by default: a page takes about a second;
 * what takes two minutes is stuck, and a night can afford that once. */
#define FO_DEFAULT_DOCUMENT_TIMEOUT 120.0

typedef struct fo_pipeline_options {
    const char *const *templates; /* template files, or folders of */
    int ntemplates;               /* * / template.json (at least one) */
    bool match_only;              /* classify and align only (no zone forms:
                                     fo_pipeline_process is refused) */
    fo_image_limits limits;       /* for every scan */
    const char *debug_dir;        /* an existing folder for overlay PNGs;
                                     NULL: none */
    double document_timeout;      /* seconds one document may take; past it,
                                     it is an error row; 0: no limit */
    /* set (a signal): the file being read is left between two of its pages
     * (fo_document.interrupted); NULL: never */
    volatile sig_atomic_t *stop;
    /* where what the templates give (matcher models, form masks) is kept
     * between runs, keyed by each template's SHA-256 and formocr's version:
     * NULL: $XDG_CACHE_HOME/formocr, else ~/.cache/formocr.  A folder that
     * cannot be used is a warning (fo_pipeline_warning), not an error */
    const char *cache_dir;
    bool no_cache; /* derive everything at start and keep nothing on disk */
} fo_pipeline_options;

/* No templates, read fields, the default image limits, no overlays. */
FO_API void fo_pipeline_options_default(fo_pipeline_options *o);

typedef struct fo_pipeline fo_pipeline;

/*
 * Loads the templates and builds what matching and reading need of them;
 * the reference images are released once used.  Fails with the template
 * set's errors (FO_ERR_TEMPLATE, FO_ERR_IO, ...: the message names the
 * file) or FO_ERR_NOMEM.  The caller owns *out (fo_pipeline_destroy); the
 * option strings are copied.
 */
FO_API int fo_pipeline_create(const fo_pipeline_options *o, fo_pipeline **out,
                              fo_error *err);
/* Accepts NULL and *p == NULL; sets *p to NULL. */
FO_API void fo_pipeline_destroy(fo_pipeline **p);

/* What went wrong but did not stop fo_pipeline_create (the cache folder
 * could not be used: it went on without), "" when nothing did; borrowed. */
FO_API const char *fo_pipeline_warning(const fo_pipeline *p);

/* Template pages whose matcher model was derived from the reference at
 * creation rather than read back from the cache (a first run, a template
 * changed, --no-cache). */
FO_API int fo_pipeline_models_built(const fo_pipeline *p);

/* The pipeline's templates (borrowed: valid until it is destroyed). */
FO_API const fo_template_set *fo_pipeline_templates(const fo_pipeline *p);

/*
 * A decoded page as the pipeline matches and reads it: a photo of a sheet
 * on a table (fo_prep_find_sheet) straightened (*page replaced by the sheet,
 * *dpi and *from_file by its paper format's; *straightened true, sheet
 * filled when not NULL), a scan left as it is.  What a stored transform
 * (template px -> page px) refers to.  Fails only on out-of-memory.
 */
FO_API int fo_pipeline_upright_page(struct Pix **page, int *dpi, bool *from_file,
                                    bool *straightened, struct fo_sheet *sheet,
                                    fo_error *err);

/*
 * One decoded page (1 or 8 bpp) whose file stated dpi (from_file) or not,
 * through prep and match.  A photo of a sheet on a table
 * (fo_prep_find_sheet) is first straightened: *page is then replaced by
 * the straightened sheet (its resolution that of its paper format), which
 * out->transform refers to and which is what is to be read
 * (out->straightened, out->sheet).  seconds, when not NULL, receives the
 * time spent in each: seconds[0] preparing, seconds[1] matching.  Fails
 * only on out-of-memory.
 */
FO_API int fo_pipeline_match_page(const fo_pipeline *p, struct Pix **page, int dpi,
                                  bool from_file, fo_match *out, double seconds[2],
                                  fo_error *err);

/* Whether a file whose bytes hash to sha256 (64 hex digits) is to be left
 * alone (already in the output). */
typedef bool (*fo_skip_test)(void *ctx, const char *sha256);

/*
 * Processes the file at path with reader (one per thread).  Fills *out
 * (free with fo_document_free) with the file's first document and chains
 * the others after it (out->next): the file is cut into documents by its
 * pages' matches.  A page matched as a template page starts a document,
 * unless it is a later page of the same template, not read yet, than the
 * document open before it, which it joins; a page that matches no template
 * is an unmatched document of its own; a blank page (fo_prep_is_blank)
 * joins the document before it (the first one, when none is); a page that
 * cannot be decoded or matched is an error document of its own.  Every
 * page lies in exactly one document (first_page..last_page, with a page
 * result each).  Whatever goes wrong with a document -- a limit, a stage
 * out of memory or refusing its page, Tesseract failing on a zone, the
 * document taking longer than document_timeout -- is that document's: its
 * status is error, its error says why ("page N: ..."), it has no template
 * and no fields, and the call succeeds.  A file that cannot be read or
 * decoded at all is one error document (first_page 0).  When skip (may be
 * NULL) says so once the file is read and hashed, out is only marked
 * skipped.  Fails only when the run cannot go on: Tesseract unable to
 * start (its language data missing: FO_ERR_CONFIG), no memory even for
 * the path (FO_ERR_NOMEM); FO_ERR_USAGE on a match_only pipeline.
 */
FO_API int fo_pipeline_process(const fo_pipeline *p, fo_reader *reader,
                               const char *path, fo_skip_test skip, void *skip_ctx,
                               fo_document *out, fo_error *err);

/*
 * --join-files (scanners that write one file per page): whether the file
 * whose documents start at h continues the form of d, the last document of
 * the file before it in name order, and if so moves h's page and fields
 * into d (h keeps its path and hash; the caller frees it, writes nothing of
 * it and counts its page in d).  Joins only a file of one page that is a
 * read page of d's template, later than every page d has read and not read
 * in d, from the same folder as d's file; neither may be an error, skipped
 * or deferred.  d's score and status are settled again.  Returns false,
 * nothing changed, when it does not join (or out of memory).
 */
FO_API bool fo_pipeline_join(fo_document *d, fo_document *h);

#ifdef __cplusplus
}
#endif
#endif

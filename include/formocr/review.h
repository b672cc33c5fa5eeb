/*
 * review.h - formocr review: a local web page that goes through the
 * flagged fields of a formocr database, document by document, and records
 * what a person decides (DESIGN.md §5, "Review").
 *
 * Everything comes from the SQLite output alone (schema 4: documents,
 * fields, pages, template_fields, corrections) and the scans where they
 * were read.  A decision is one transaction: a row in corrections, the
 * field's value and status, the document's status (fo_sql_apply_decisions).
 */
#ifndef FORMOCR_REVIEW_H
#define FORMOCR_REVIEW_H

#include <stdbool.h>

#include "formocr/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_review_options {
    const char *database;  /* the SQLite output of formocr run */
    const char *host;      /* address to listen on; default "127.0.0.1" */
    int port;              /* 0: any free port */
    const char *template_; /* review only this template's documents; NULL: all */
    const char *who;       /* recorded with each decision (the OS user) */
    const char *scans_dir; /* relative scan paths are taken from here;
                              NULL: the current directory */
    /* called once the server listens, with the page's address (it carries
     * the session's token) */
    void (*listening)(void *ctx, const char *url);
    void *ctx;
} fo_review_options;

/*
 * Serves the review page until SIGINT or SIGTERM (which it blocks in the
 * calling thread and waits for), then stops cleanly: requests under way
 * finish, the database is closed.  Fails with FO_ERR_USAGE (a bad host,
 * a template the database does not hold), FO_ERR_IO (the database cannot
 * be opened, is not formocr's, is of another schema; the port is taken)
 * or FO_ERR_NOMEM.
 */
FO_API int fo_review_serve(const fo_review_options *o, fo_error *err);

#ifdef __cplusplus
}
#endif

#endif

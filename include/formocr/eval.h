/*
 * eval.h - accuracy of results against known values (`formocr eval`).
 *
 * A truth file (as scripts/make-samples.py writes it) gives, per scan, the
 * template it is (null for a page that is no form) and the value of every
 * field as formocr must write it.  Results are JSON Lines as `formocr run`
 * writes them.  The report counts what matters to users: templates found,
 * fields exactly right, and silent errors — a wrong value whose status is
 * "ok" — the one kind of error formocr promises not to make.
 */
#ifndef FORMOCR_EVAL_H
#define FORMOCR_EVAL_H

#include <stdbool.h>
#include <stdio.h>

#include "formocr/error.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_eval fo_eval;

/* Reads and checks a truth file; templates (may be NULL) give field types
 * for the per-type breakdown.  The caller owns *out. */
FO_API int fo_eval_create(const char *truth_path, const fo_template_set *templates,
                          fo_eval **out, fo_error *err);
/* The same from the truth file's text, as if read from truth_path. */
FO_API int fo_eval_create_text(const char *truth_path, const char *text, size_t len,
                               const fo_template_set *templates, fo_eval **out,
                               fo_error *err);
FO_API void fo_eval_destroy(fo_eval **e);

/* Adds the results in a JSON Lines file; a malformed line is an error
 * naming the file and line. */
FO_API int fo_eval_add_results(fo_eval *e, const char *results_path, fo_error *err);

typedef struct fo_eval_summary {
    int documents; /* results that have a truth */
    int templates_right;
    int foreign, foreign_unmatched;
    int missing; /* truth entries without a result */
    int fields, exact, silent, flagged_right, flagged_wrong;
    int straight_through, form_documents;
} fo_eval_summary;

FO_API void fo_eval_summarise(const fo_eval *e, fo_eval_summary *s);

/* Prints the report; with list_errors, every wrong field too. */
FO_API void fo_eval_print(const fo_eval *e, FILE *out, bool list_errors);

#ifdef __cplusplus
}
#endif
#endif

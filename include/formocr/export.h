/*
 * export.h - every document of a formocr database written to one file:
 * `formocr export` (DESIGN.md §5).
 *
 * `run -o x.csv` holds the documents of that run; an export holds every
 * document the SQLite output holds, whichever run read it, with people's
 * decisions (formocr review) in place of the machine's readings.  It is
 * made from the database file alone: each template's fields, their order
 * and types come from its template_fields table (schema 4; an older
 * database gives the field names in the order they were first written,
 * every value as text).  Each document is rebuilt from its rows and given
 * to the outputs of sink.h: CSV (the same options and formula guard as a
 * run's), JSON Lines (the lines a run writes) or XLSX (typed cells, a sheet
 * per template).  The database is opened read-only and never changed.
 */
#ifndef FORMOCR_EXPORT_H
#define FORMOCR_EXPORT_H

#include "formocr/error.h"
#include "formocr/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A template may have at most this many fields in an export (what an XLSX
 * sheet's 16384 columns hold at three columns a field; formocr's forms
 * have tens): a database claiming more is refused for that template. */
enum { FO_EXPORT_MAX_FIELDS = 5000 };

typedef struct fo_export_options {
    /* the CSV conventions (csv_layout, csv_sep, decimal_comma, bom) and
     * lock_timeout; the templates are the database's */
    fo_sink_options sink;
    const char *template_name; /* only its documents; NULL: every template's */
    char since[21];            /* only documents processed at or after it, UTC
                                  "YYYY-MM-DDTHH:MM:SSZ" (fo_export_parse_since);
                                  "": all */
    unsigned statuses;         /* the document statuses kept, a bit (1u << s)
                                  for each fo_doc_status s; 0: all */
} fo_export_options;

FO_API void fo_export_options_default(fo_export_options *o);

/*
 * A date or time for fo_export_options.since: "YYYY-MM-DD" (from 00:00),
 * or ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]" (T or a space) with an
 * optional zone, "Z", "+HH:MM" or "+HHMM" (none: UTC, as processed_at is
 * written), into out as UTC "YYYY-MM-DDTHH:MM:SSZ".  FO_ERR_USAGE for
 * anything else, a day that does not exist included.
 */
FO_API int fo_export_parse_since(const char *text, char out[21], fo_error *err);

/* A comma list of document statuses ("ok,review"; ok, review, unmatched,
 * error) into *mask, a bit (1u << s) each.  FO_ERR_USAGE naming the first
 * word that is not one (an empty one included). */
FO_API int fo_export_parse_statuses(const char *list, unsigned *mask, fo_error *err);

typedef struct fo_export_summary {
    int documents; /* written */
    int left_out;  /* of templates the export refused (see fo_export) */
} fo_export_summary;

/* Told each template whose documents are left out, and why (one line). */
typedef void (*fo_export_notice_fn)(void *ctx, const char *message);

/*
 * Writes the documents of the database (a formocr SQLite output, schema 1
 * to FO_SQLITE_SCHEMA_VERSION) that the filters keep, oldest first, to
 * output (.csv, .jsonl or .xlsx; {template} in a CSV path makes one file
 * per template, as for a run, and a wide CSV of several templates needs
 * it).  A template whose name, or one of whose field names, is not one
 * formocr writes ([a-z][a-z0-9_]*), or that has more than
 * FO_EXPORT_MAX_FIELDS fields, cannot be written safely: its documents are
 * left out, counted in sum->left_out, and notice (which may be NULL) is
 * told why.  The output is written under a temporary name and renamed
 * into place when complete.
 *
 * Errors: FO_ERR_IO the database is missing, unreadable, not formocr's or
 * of a newer schema ("DB: ..."); FO_ERR_USAGE the output's format, a wide
 * CSV without {template}, a template_name the database does not know;
 * FO_ERR_OUTPUT / FO_ERR_LOCKED the output ("OUT: ..."); FO_ERR_NOMEM.
 */
FO_API int fo_export(const char *database, const char *output,
                     const fo_export_options *o, fo_export_notice_fn notice, void *ctx,
                     fo_export_summary *sum, fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

/*
 * sink.h - where results go (DESIGN.md §5): JSON Lines, CSV, SQLite, XLSX.
 *
 * A sink receives finished documents one at a time, on one thread, and
 * makes them durable:
 * - a file (JSON Lines, CSV, XLSX) is written under a temporary name beside the
 *   target and renamed into place only when the run completes: a run that
 *   is interrupted never leaves a half-written file that looks complete;
 * - standard output is written as it goes, one document at a time, so that
 *   `formocr run ... -o - | ...` works in a pipe;
 * - SQLite commits each document in its own transaction: a run killed at
 *   any instant leaves whole documents or none, and the next run, which
 *   skips the files already there, finishes the job.
 * Every file output is locked while a run writes it (OUTPUT.lock, holding
 * the writer's process id): a second run on the same output waits up to
 * lock_timeout seconds, then fails with FO_ERR_LOCKED naming the holder.
 */
#ifndef FORMOCR_SINK_H
#define FORMOCR_SINK_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/result.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: runs.file_outputs, runs.delivered_by and runs.skipped_entries;
 * 3: a file holds several documents (documents.first_page and last_page,
 * unique by sha256 and first_page) and the pages table;
 * 4: people's decisions (the corrections table; fields.machine_value),
 * template_fields, fields.source, runs.engine and runs.languages.
 * A database of an older schema is brought to 4, in one transaction, when
 * a run opens it. */
enum { FO_SQLITE_SCHEMA_VERSION = 4 };

/* Whether a field's value is an identifier, kept as text where a
 * spreadsheet would make it a number (combs, cells, patterns, checked
 * numbers: "01000" stays "01000"); text and choices too. */
FO_API bool fo_field_is_identifier(const fo_field *f);

typedef enum fo_sink_format {
    FO_SINK_JSONL,
    FO_SINK_CSV,
    FO_SINK_SQLITE,
    FO_SINK_XLSX
} fo_sink_format;
typedef enum fo_csv_layout { FO_CSV_WIDE, FO_CSV_LONG } fo_csv_layout;

typedef struct fo_sink_options {
    fo_sink_format stdout_format;     /* for "-" (default JSON Lines) */
    fo_csv_layout csv_layout;         /* default wide */
    char csv_sep;                     /* default ',' */
    bool decimal_comma;               /* decimals (and confidences) with ',' */
    bool bom;                         /* a UTF-8 byte order mark first */
    const fo_template_set *templates; /* the run's: CSV columns, SQL views */
    double lock_timeout;              /* seconds to wait for another run's lock */
    /* recorded in the SQLite runs table; NULL records no run (a merge
     * brings the runs of its parts, it adds none of its own) */
    const char *command;
    const char *shard; /* "K/N" or NULL */
    /* the run also writes CSV or JSON Lines files: recorded in runs, so
     * that what it commits reaches files even if it is killed (see
     * fo_sink_replay_owed) */
    bool file_outputs;
    /* recorded in runs too: the OCR engine's version ("tesseract 5.3.0")
     * and the language data the run's templates use ("fra, eng"); NULL:
     * not said */
    const char *engine, *languages;
} fo_sink_options;

FO_API void fo_sink_options_default(fo_sink_options *o);

/* The format path designates: by extension (.jsonl, .csv, .sqlite, .db,
 * .xlsx);
 * "-" is o->stdout_format.  FO_ERR_USAGE when it cannot tell. */
FO_API int fo_sink_format_of(const char *path, const fo_sink_options *o,
                             fo_sink_format *fmt, fo_error *err);

typedef struct fo_sink fo_sink;

/*
 * People's decisions (formocr review) recorded in the SQLite output s for
 * d's documents (a file's SHA-256, first page and template) replace the
 * machine's values in d: value, status corrected or unreadable, the reading
 * kept in machine_value; a document none of whose fields awaits a person
 * becomes ok.  A no-op for other formats.  FO_ERR_OUTPUT when the database
 * cannot be read, FO_ERR_NOMEM.
 */
FO_API int fo_sink_apply_corrections(fo_sink *s, fo_document *d, fo_error *err);

/*
 * Opens the output at path ({template} in a CSV path makes one file per
 * template).  Fails with FO_ERR_USAGE (a wide CSV of several templates
 * without {template}, a template name that collides with an SQL table),
 * FO_ERR_LOCKED, or FO_ERR_OUTPUT (cannot write, an SQLite file of a newer
 * schema or not formocr's).
 */
FO_API int fo_sink_open(const char *path, const fo_sink_options *o, fo_sink **out,
                        fo_error *err);

/* Writes the documents of one file: d and those chained after it (an SQLite
 * output in one transaction, after removing what it held of the same file);
 * FO_ERR_OUTPUT when it cannot. */
FO_API int fo_sink_write(fo_sink *s, const fo_document *d, fo_error *err);

/* Completes the output (renames files into place, records the run's end);
 * the sink is freed whatever happens.  FO_ERR_OUTPUT when it cannot. */
FO_API int fo_sink_close(fo_sink **s, fo_error *err);

/* Records in an SQLite output's run how many folder entries the run did
 * not take (runs.skipped_entries); other outputs ignore it. */
FO_API void fo_sink_note_skipped(fo_sink *s, int n);

/* The output's format. */
FO_API fo_sink_format fo_sink_get_format(const fo_sink *s);

/* Says that the run was stopped before taking every input (a signal):
 * closing completes the output all the same, but an SQLite output does not
 * record the run as finished. */
FO_API void fo_sink_mark_interrupted(fo_sink *s);

/* Abandons the output: temporary files go, what was at the targets stays
 * (an SQLite output keeps the documents already committed). */
FO_API void fo_sink_abort(fo_sink **s);

/* A document an output already holds. */
typedef struct fo_known {
    char sha256[65];
    fo_doc_status status;
} fo_known;

/*
 * For an SQLite sink: the documents it already holds (those with a hash),
 * sorted by hash; *n of them (caller frees *known).  Other sinks hold none.
 */
FO_API int fo_sink_known(fo_sink *s, fo_known **known, int *n, fo_error *err);

/* Given each document owed to the file outputs; non-zero stops. */
typedef int (*fo_sink_replay_fn)(void *ctx, const fo_document *d);

/*
 * For an SQLite sink: the documents that earlier runs with CSV or JSON Lines
 * outputs committed here but never delivered to those files (the run was
 * killed before completing them), rebuilt from the database (fields with
 * their values, statuses, reasons, boxes and people's decisions; no page
 * results) and given to fn one at a time, oldest first, for this run's
 * files.  A document whose
 * template this run has not loaded cannot be rebuilt: counted in *left and
 * left in the database.  When this sink later closes complete, those runs
 * are recorded as delivered by this one (runs.delivered_by) and are not
 * owed again; a run killed before that owes them still (at least once:
 * never lost, possibly twice in two nights' files).  *replayed and *left
 * may be NULL.  Other sinks owe nothing.  FO_ERR_OUTPUT when the database
 * cannot be read; fn's failure is returned as FO_ERR_OUTPUT with err as fn
 * left it unset.
 */
FO_API int fo_sink_replay_owed(fo_sink *s, const fo_template_set *templates,
                               fo_sink_replay_fn fn, void *ctx, int *replayed,
                               int *left, fo_error *err);

/*
 * Merges the SQLite file part (made by `formocr run`, e.g. one shard of an
 * array job) into the SQLite sink s: every document once (the same SHA-256
 * in two parts: the most recently processed stays), runs kept, views
 * rebuilt from the data.  A part goes in whole, in one transaction: merging
 * again, or after a crash, gives the same database.  A part of a newer
 * schema version, or not formocr's, is refused (FO_ERR_IO).
 */
FO_API int fo_sink_merge(fo_sink *s, const char *part, fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

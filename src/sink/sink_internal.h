/*
 * sink_internal.h - what the output formats share (internal to src/sink/).
 *
 * Every format is a class of four operations behind the fo_sink of
 * sink.h: sink.c opens the output (its lock, its path) and hands it to the
 * class; jsonl.c, csv.c, sqlite.c and xlsx.c write their format; merge.c
 * merges SQLite files; export.c writes a database's documents to a file.  A file output
 * is written under a temporary name and renamed into place when complete (the helpers
 * below).
 */
#ifndef FORMOCR_SINK_INTERNAL_H
#define FORMOCR_SINK_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>

#include "formocr/sink.h"

typedef struct csv_file {
    char *key;              /* template name, "none", or "" (one file) */
    const fo_template *tpl; /* its columns; NULL: none */
    char *path, *tmp;       /* NULL path: standard output */
    FILE *fp;
    bool header_done;
} csv_file;

typedef struct fo_sink_class fo_sink_class;

struct fo_sink {
    const fo_sink_class *cls;
    fo_sink_format format;
    fo_sink_options o;
    char *path; /* as given; NULL for standard output */
    int lock_fd;
    /* JSON Lines */
    FILE *fp;
    char *tmp;
    /* CSV */
    csv_file *files;
    int nfiles;
    bool per_template;
    /* SQLite */
    sqlite3 *db;
    sqlite3_stmt *del_doc, *del_failed, *ins_doc, *ins_field, *ins_page;
    sqlite3_int64 run_id;
    bool interrupted;    /* the run was stopped: not recorded as finished */
    sqlite3_int64 *owed; /* runs whose documents this run's files carry */
    int nowed;
    int skipped_entries; /* folder entries the run did not take; -1: unknown */
    /* XLSX (xlsx.c; its path is tmp) */
    struct fo_xlsx *xlsx;
};

/* A format: open (s->path and s->o are set, the lock taken), write one
 * document, close (complete: make the output whole and durable; or not:
 * abandon it, leaving the target as it was; err may then be NULL).  close
 * is called once whatever happened, even after a failed open, and frees
 * what the format holds. */
struct fo_sink_class {
    int (*open)(fo_sink *s, fo_error *err);
    int (*write)(fo_sink *s, const fo_document *d, fo_error *err);
    int (*close)(fo_sink *s, bool complete, fo_error *err);
};

extern const fo_sink_class fo_sink_jsonl_class;
extern const fo_sink_class fo_sink_csv_class;
extern const fo_sink_class fo_sink_sqlite_class;
extern const fo_sink_class fo_sink_xlsx_class;

/* -?digits[.digits]: a number as the check stage writes one (csv.c). */
bool fo_sink_is_number(const char *v);

/* How xlsx.c writes a field's value in a cell. */
typedef enum fo_xlsx_kind {
    FO_XLSX_BLANK,  /* "": no cell */
    FO_XLSX_TEXT,   /* identifiers, text, choices, marks, and whatever does
                       not parse as its field's type */
    FO_XLSX_NUMBER, /* an integer or decimal that is not an identifier,
                       -?digits[.digits], at most 15 significant digits */
    FO_XLSX_DATE    /* a date, YYYY-MM-DD, from 1900 to 9999 */
} fo_xlsx_kind;

/* The kind of value v of field f (NULL: text); *number or ymd (year,
 * month, day) get the value for a number or a date. */
fo_xlsx_kind fo_xlsx_cell_kind(const fo_field *f, const char *value, double *number,
                               int ymd[3]);
/* Whether v is a real day written YYYY-MM-DD, from 1900 to 9999, into ymd. */
bool fo_xlsx_parse_date(const char *v, int ymd[3]);

/* Excel's sheet names: 31 characters at most (UTF-8 up to 4 bytes each). */
enum { FO_XLSX_SHEET_NAME_MAX = 31, FO_XLSX_SHEET_NAME_SIZE = 4 * 31 + 1 };
/* The sheet name for name: cut to 31 characters, the characters Excel
 * refuses ([]:*?/\, controls) and a first or last apostrophe made '_',
 * and unlike every taken one (without case) and Excel's own "History":
 * "name~2", "name~3"... cut to fit. */
void fo_xlsx_sheet_name(const char *name, const char *const *taken, int ntaken,
                        char out[FO_XLSX_SHEET_NAME_SIZE]);

/* A temporary file beside path (path.tmp.PID), for writing. */
FILE *fo_sink_open_tmp(const char *path, char **tmp, fo_error *err);
/* Flushes, syncs and closes fp, and renames tmp into path. */
int fo_sink_commit_tmp(FILE *fp, const char *tmp, const char *path, fo_error *err);
/* Closes fp and removes tmp, leaving path as it was. */
void fo_sink_drop_tmp(FILE *fp, const char *tmp);
/* FO_ERR_OUTPUT "PATH: cannot write (why)" from errno; NULL path: standard
 * output. */
int fo_sink_write_error(const char *path, fo_error *err);

/* SQLite helpers shared by sqlite.c and merge.c: an error naming s's file
 * and what SQLite (and the system) said; a statement run; a prepared
 * statement stepped once and reset; a view per template. */
int fo_sql_error(fo_sink *s, const char *what, fo_error *err);
int fo_sql_exec(fo_sink *s, const char *sql, fo_error *err);
int fo_sql_step_done(sqlite3_stmt *st);
/* Whether table has the column (a missing table has none); -1 when the
 * schema cannot be read. */
int fo_sql_has_column(sqlite3 *db, const char *table, const char *name);
int fo_sql_make_view(fo_sink *s, const char *name, const char *const *fields, int n,
                     fo_error *err);

/*
 * A document rebuilt from a database (the replay of a killed run's owed
 * documents, formocr export).  The statements select, in this order:
 * FO_SQL_DOCUMENT_COLUMNS from "documents d" (doc, stepped to its row),
 * FO_SQL_FIELD_COLUMNS from fields WHERE document_id = ?, and
 * FO_SQL_PAGE_COLUMNS from pages WHERE document_id = ? ORDER BY rowid (a
 * reader of an older schema selects NULL, or the old equivalent, for a
 * column its database lacks).  Text comes out valid UTF-8 (fo_escape_text);
 * a document status formocr never writes becomes error, saying so.
 */
#define FO_SQL_DOCUMENT_COLUMNS                                                        \
    "d.id, d.path, d.sha256, d.bytes, d.pages, d.template, d.status, d.score, "        \
    "d.error, d.warning, d.first_page, d.last_page, d.processed_at"
#define FO_SQL_FIELD_COLUMNS                                                           \
    "page, name, value, raw, confidence, status, x, y, w, h, reason, machine_value, "  \
    "source, hand"
#define FO_SQL_PAGE_COLUMNS "file_page, status, path, sha256"

typedef struct fo_rebuilt {
    fo_document doc; /* its fields point into reasons */
    char **reasons;  /* owned: the fields' reasons */
    int nreasons;
} fo_rebuilt;

/* Rebuilds *r from doc's current row: tpl's fields (tpl NULL: none; a field
 * the database lacks is empty and missing, one the template lacks left
 * out), and the blank pages and joined files (pages NULL: none recorded).
 * FO_OK or FO_ERR_NOMEM; *r is to be freed by fo_rebuilt_free either way. */
int fo_sql_rebuild_document(sqlite3_stmt *doc, sqlite3_stmt *fields,
                            sqlite3_stmt *pages, const fo_template *tpl, fo_rebuilt *r);
void fo_rebuilt_free(fo_rebuilt *r);

#endif

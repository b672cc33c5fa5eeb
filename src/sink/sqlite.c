/* sqlite.c - SQLite: runs, documents, fields and a view per template, a
 * document a transaction (sink.h). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decisions.h"
#include "sink_internal.h"
#include "strbuf.h"
#include "util.h"

/* documents' columns (schema 3: a file holds documents, each from its
 * first page; before, sha256 alone was UNIQUE) */
#define DOCUMENTS_COLUMNS                                                              \
    "(id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), path TEXT, "         \
    "sha256 TEXT, bytes INTEGER, pages INTEGER, template TEXT, template_sha256 TEXT, " \
    "status TEXT, score REAL, error TEXT, processed_at TEXT, warning TEXT, "           \
    "first_page INTEGER, last_page INTEGER)"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started_at TEXT, "
    "finished_at TEXT, version TEXT, command TEXT, host TEXT, shard TEXT, "
    "file_outputs INTEGER, delivered_by INTEGER, skipped_entries INTEGER)",
    ("CREATE TABLE IF NOT EXISTS documents" DOCUMENTS_COLUMNS),
    "CREATE TABLE IF NOT EXISTS fields(document_id INTEGER NOT NULL "
    "REFERENCES documents(id) ON DELETE CASCADE, page INTEGER, name TEXT NOT NULL, "
    "value TEXT, raw TEXT, confidence REAL, status TEXT, x INTEGER, y INTEGER, "
    "w INTEGER, h INTEGER, reason TEXT, file TEXT, PRIMARY KEY(document_id, name))",
    /* every page of every file, in the document that holds it; path and
     * sha256 name a file joined to the document's (--join-files), NULL:
     * the document's own */
    "CREATE TABLE IF NOT EXISTS pages(document_id INTEGER NOT NULL "
    "REFERENCES documents(id) ON DELETE CASCADE, file_page INTEGER NOT NULL, "
    "template_page INTEGER, orientation INTEGER, transform TEXT, score REAL, "
    "status TEXT, path TEXT, sha256 TEXT)",
    "CREATE INDEX IF NOT EXISTS pages_document ON pages(document_id)",
    "CREATE INDEX IF NOT EXISTS pages_sha256 ON pages(sha256)",
    ("CREATE UNIQUE INDEX IF NOT EXISTS documents_file_page ON documents(sha256, "
     "first_page)"),
    "CREATE INDEX IF NOT EXISTS documents_template ON documents(template)",
    "CREATE INDEX IF NOT EXISTS documents_path ON documents(path)",
    /* schema 4: what a reader of the database alone needs of each
     * template's fields (review, export): their order, type, label, and
     * whether a value is an identifier, kept as text (combs, cells,
     * patterns, checked numbers: leading zeros matter) */
    "CREATE TABLE IF NOT EXISTS template_fields(template TEXT NOT NULL, "
    "name TEXT NOT NULL, position INTEGER, page INTEGER, type TEXT, "
    "identifier INTEGER, label TEXT, PRIMARY KEY(template, name))",
    /* every person's decision on a field (formocr review), never deleted:
     * a document is redone (run --force) and its field keeps the latest
     * decision, the machine's new reading beside it in machine_value.
     * status: 'corrected' (value typed or accepted) or 'unreadable' */
    "CREATE TABLE IF NOT EXISTS corrections(id INTEGER PRIMARY KEY, "
    "sha256 TEXT NOT NULL, first_page INTEGER NOT NULL, template TEXT NOT NULL, "
    "field TEXT NOT NULL, machine_value TEXT, value TEXT, status TEXT NOT NULL, "
    "who TEXT, at TEXT)",
    ("CREATE INDEX IF NOT EXISTS corrections_field ON corrections(sha256, "
     "first_page, template, field)"),
};
static const char *const TABLES[] = {
    "runs", "documents", "fields", "pages", "template_fields", "corrections", NULL};

/* Columns added since schema 1, for a database made before them. */
static const struct {
    const char *table, *column, *type;
} ADDED[] = {{"runs", "file_outputs", "INTEGER"},
             {"runs", "delivered_by", "INTEGER"},
             {"runs", "skipped_entries", "INTEGER"},
             {"documents", "warning", "TEXT"},
             {"fields", "file", "TEXT"},
             {"fields", "machine_value", "TEXT"},
             {"fields", "source", "TEXT"},
             {"fields", "hand", "INTEGER"},
             {"runs", "engine", "TEXT"},
             {"runs", "languages", "TEXT"}};

/* What the system said, when SQLite failed on the disk ("disk I/O error"
 * alone does not tell a full disk from a failing one). */
static const char *os_reason(fo_sink *s, char *buf, size_t n)
{
    char ebuf[128];
    int code = s->db ? sqlite3_extended_errcode(s->db) & 0xff : 0;
    int e = s->db ? sqlite3_system_errno(s->db) : 0;
    buf[0] = '\0';
    if (e && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN))
        snprintf(buf, n, ": %s", fo_syserr(e, ebuf, sizeof ebuf));
    return buf;
}

int fo_sql_error(fo_sink *s, const char *what, fo_error *err)
{
    char why[160];
    return fo_error_set(err, FO_ERR_OUTPUT, "%s: %s (%s%s)", s->path, what,
                        s->db ? sqlite3_errmsg(s->db) : "cannot open",
                        os_reason(s, why, sizeof why));
}

int fo_sql_exec(fo_sink *s, const char *sql, fo_error *err)
{
    char *msg = NULL, why[160];
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc =
            fo_error_set(err, FO_ERR_OUTPUT, "%s: %s%s", s->path,
                         msg ? msg : "sqlite error", os_reason(s, why, sizeof why));
        sqlite3_free(msg);
        return rc;
    }
    return FO_OK;
}

/* Refuses a file of a newer schema, or a database that is not formocr's. */
static int check_schema(fo_sink *s, fo_error *err)
{
    sqlite3_stmt *st;
    int version = 0, others = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return fo_sql_error(s, "not an SQLite database", err);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > FO_SQLITE_SCHEMA_VERSION)
        return fo_error_set(err, FO_ERR_OUTPUT,
                            "%s: made by a newer formocr (schema %d, "
                            "this one knows %d): use that version or another output",
                            s->path, version, FO_SQLITE_SCHEMA_VERSION);
    if (version == 0) {
        if (sqlite3_prepare_v2(
                s->db,
                "SELECT count(*) FROM sqlite_master WHERE type = "
                "'table' AND name NOT IN ('runs', 'documents', 'fields', 'pages', "
                "'template_fields', 'corrections')",
                -1, &st, NULL) != SQLITE_OK)
            return fo_sql_error(s, "cannot read", err);
        if (sqlite3_step(st) == SQLITE_ROW)
            others = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (others > 0)
            return fo_error_set(
                err, FO_ERR_OUTPUT,
                "%s: an SQLite database that is not "
                "formocr's (it has other tables): refusing to write in it",
                s->path);
    }
    return FO_OK;
}

/* One view per template, named after it: a row per document, a column per
 * field, so that `select * from cerfa_14011_03` is a spreadsheet.  name and
 * fields are identifiers ([a-z][a-z0-9_]*, checked when templates load, and
 * when read back from a database): safe to write into SQL. */
int fo_sql_make_view(fo_sink *s, const char *name, const char *const *fields, int n,
                     fo_error *err)
{
    fo_strbuf sql = FO_STRBUF_INIT;
    char *text;
    int rc;

    for (const char *const *table = TABLES; *table; table++)
        if (strcmp(name, *table) == 0)
            return fo_error_set(err, FO_ERR_USAGE,
                                "%s: template \"%s\" has the name of one "
                                "of the output's tables: rename it",
                                s->path, name);
    fo_strbuf_addf(&sql,
                   "DROP VIEW IF EXISTS \"%s\"; CREATE VIEW \"%s\" AS SELECT "
                   "d.path AS file, d.first_page AS first_page, d.last_page AS "
                   "last_page, d.status AS status, d.processed_at AS processed_at",
                   name, name);
    for (int i = 0; i < n; i++)
        /* a field named like a fixed column gets a prefix */
        fo_strbuf_addf(
            &sql, ", max(CASE WHEN f.name = '%s' THEN f.value END) AS \"%s%s\"",
            fields[i],
            strcmp(fields[i], "file") == 0 || strcmp(fields[i], "status") == 0 ||
                    strcmp(fields[i], "processed_at") == 0 ||
                    strcmp(fields[i], "first_page") == 0 ||
                    strcmp(fields[i], "last_page") == 0
                ? "field_"
                : "",
            fields[i]);
    fo_strbuf_addf(&sql,
                   " FROM documents d LEFT JOIN fields f ON f.document_id = d.id "
                   "WHERE d.template = '%s' GROUP BY d.id ORDER BY d.id",
                   name);
    if (!(text = fo_strbuf_detach(&sql)))
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = fo_sql_exec(s, text, err);
    free(text);
    return rc;
}

bool fo_field_is_identifier(const fo_field *f)
{
    switch (f->type) {
    case FO_FIELD_TEXT:
    case FO_FIELD_CHOICE: return true;
    case FO_FIELD_INTEGER:
        return f->comb > 0 || f->geometry == FO_GEOM_CELLS || f->pattern ||
               f->check != FO_CHECK_NONE;
    default: return false;
    }
}

/* The template's fields as a reader of the database needs them. */
static int template_fields(fo_sink *s, const fo_template *t, fo_error *err)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = FO_OK;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM template_fields WHERE template = ?", -1,
                           &del, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            s->db,
            "INSERT INTO template_fields(template, name, position, "
            "page, type, identifier, label) VALUES (?, ?, ?, ?, ?, ?, ?)",
            -1, &ins, NULL) != SQLITE_OK) {
        rc = fo_sql_error(s, "cannot record the template's fields", err);
        goto out;
    }
    sqlite3_bind_text(del, 1, t->name, -1, SQLITE_STATIC);
    if (fo_sql_step_done(del) != 0)
        rc = fo_sql_error(s, "cannot record the template's fields", err);
    for (int i = 0; rc == FO_OK && i < t->nfields; i++) {
        const fo_field *f = &t->fields[i];
        sqlite3_bind_text(ins, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 3, i);
        sqlite3_bind_int(ins, 4, f->page + 1);
        sqlite3_bind_text(ins, 5, fo_field_type_name(f->type), -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 6, fo_field_is_identifier(f));
        if (f->label)
            sqlite3_bind_text(ins, 7, f->label, -1, SQLITE_STATIC);
        if (fo_sql_step_done(ins) != 0)
            rc = fo_sql_error(s, "cannot record the template's fields", err);
    }
out:
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return rc;
}

static int template_view(fo_sink *s, const fo_template *t, fo_error *err)
{
    const char **names = malloc(sizeof *names * (size_t)(t->nfields ? t->nfields : 1));
    int rc;
    if (!names)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < t->nfields; i++)
        names[i] = t->fields[i].name;
    rc = fo_sql_make_view(s, t->name, names, t->nfields, err);
    free(names);
    return rc == FO_OK ? template_fields(s, t, err) : rc;
}

int fo_sql_has_column(sqlite3 *db, const char *table, const char *name)
{
    sqlite3_stmt *st;
    int present = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        present = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return present;
}

/* Schema 1 to 2: a column of a table, unless it is there (the names are the
 * constants of ADDED, safe to write into SQL). */
static int add_column(fo_sink *s, const char *table, const char *name, const char *type,
                      fo_error *err)
{
    char sql[160];
    int present = fo_sql_has_column(s->db, table, name);
    if (present < 0)
        return fo_sql_error(s, "cannot read the schema", err);
    if (present)
        return FO_OK;
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", table, name, type);
    return fo_sql_exec(s, sql, err);
}

/*
 * Schema 1 or 2 to 3, inside the open transaction, with foreign keys off
 * (dropping the old table must not cascade to the fields): documents is
 * made again without "sha256 UNIQUE" (a file now holds several documents,
 * each unique by its file and first page), every old document taken as
 * the whole file (pages 1 to pages; 0 when it could not be opened).  The
 * views name documents: they are kept aside and made again as they were.
 * Pages of old documents were never recorded: pages holds none of them.
 */
static int migrate_documents(fo_sink *s, fo_error *err)
{
    sqlite3_stmt *st = NULL;
    fo_strbuf views = FO_STRBUF_INIT;
    char *text = NULL;
    int rc = FO_OK;

    for (size_t i = 0; rc == FO_OK && i < sizeof ADDED / sizeof *ADDED; i++)
        rc = add_column(s, ADDED[i].table, ADDED[i].column, ADDED[i].type, err);
    if (rc != FO_OK)
        return rc;
    /* every view (a user's own too) and every trigger and index on
     * documents is kept aside, as its own SQL, and made again */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT "
                           "NULL AND (type = 'view' OR (type IN ('trigger', 'index') "
                           "AND tbl_name = 'documents'))",
                           -1, &st, NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot read the schema", err);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (type && name && strcmp(type, "view") == 0) {
            /* the name quoted: a user's view may be named anything */
            fo_strbuf_addf(&views, "DROP VIEW \"");
            for (const char *c = name; *c; c++)
                fo_strbuf_addf(&views, *c == '"' ? "\"\"" : "%c", *c);
            fo_strbuf_addf(&views, "\";");
        }
    }
    sqlite3_reset(st);
    fo_strbuf_addf(&views, "CREATE TABLE documents_v3" DOCUMENTS_COLUMNS ";"
                           "INSERT INTO documents_v3(id, run_id, path, sha256, bytes, "
                           "pages, template, template_sha256, status, score, error, "
                           "processed_at, warning, first_page, last_page) SELECT id, "
                           "run_id, path, sha256, bytes, pages, template, "
                           "template_sha256, status, score, error, processed_at, "
                           "warning, CASE WHEN pages > 0 THEN 1 ELSE 0 END, "
                           "coalesce(pages, 0) FROM documents;"
                           "DROP TABLE documents;"
                           "ALTER TABLE documents_v3 RENAME TO documents;");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sql = (const char *)sqlite3_column_text(st, 2);
        if (sql)
            fo_strbuf_addf(&views, "%s;", sql);
    }
    sqlite3_finalize(st);
    if (!(text = fo_strbuf_detach(&views)))
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = fo_sql_exec(s, text, err);
    free(text);
    return rc;
}

static int sqlite_open(fo_sink *s, fo_error *err)
{
    char host[256] = "";
    sqlite3_stmt *st = NULL;
    int rc;

    if (fo_is_dir(s->path))
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: is a folder, not a file", s->path);
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot open", err);
    sqlite3_busy_timeout(s->db, 10000);
    if ((rc = check_schema(s, err)) != FO_OK)
        return rc;
    /* WAL: readers (a spreadsheet, sqlite3) are never blocked by the run;
     * NORMAL sync: a power cut may lose the last commits, never corrupt,
     * and the next run redoes what was lost.  Foreign keys are enforced
     * once the schema is settled (a migration drops a table). */
    if ((rc = fo_sql_exec(s,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                          "PRAGMA foreign_keys=OFF",
                          err)) != FO_OK)
        return rc;
    if ((rc = fo_sql_exec(s, "BEGIN IMMEDIATE", err)) != FO_OK)
        return rc;
    /* a database of schema 1 or 2: its documents table is made again, in
     * this transaction (all or nothing) */
    if (fo_sql_has_column(s->db, "documents", "id") > 0 &&
        fo_sql_has_column(s->db, "documents", "first_page") == 0)
        rc = migrate_documents(s, err);
    for (size_t i = 0; i < sizeof SCHEMA / sizeof *SCHEMA && rc == FO_OK; i++)
        rc = fo_sql_exec(s, SCHEMA[i], err);
    for (size_t i = 0; rc == FO_OK && i < sizeof ADDED / sizeof *ADDED; i++)
        rc = add_column(s, ADDED[i].table, ADDED[i].column, ADDED[i].type, err);
    if (rc == FO_OK) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
                 FO_SQLITE_SCHEMA_VERSION);
        rc = fo_sql_exec(s, pragma, err);
    }
    for (int i = 0; rc == FO_OK && s->o.templates && i < s->o.templates->count; i++)
        rc = template_view(s, s->o.templates->items[i], err);
    gethostname(host, sizeof host - 1);
    if (rc == FO_OK && !s->o.command) {
        /* no run of our own */
    } else if (rc == FO_OK &&
               sqlite3_prepare_v2(
                   s->db,
                   "INSERT INTO runs(started_at, version, command, host, "
                   "shard, file_outputs, engine, languages) VALUES "
                   "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?, ?, ?)",
                   -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, FORMOCR_VERSION, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, s->o.command, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, host, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, s->o.shard, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, s->o.file_outputs ? 1 : 0);
        sqlite3_bind_text(st, 6, s->o.engine, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, s->o.languages, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fo_sql_error(s, "cannot record the run", err);
        s->run_id = sqlite3_last_insert_rowid(s->db);
    } else if (rc == FO_OK) {
        rc = fo_sql_error(s, "cannot record the run", err);
    }
    sqlite3_finalize(st);
    if (rc != FO_OK) {
        fo_sql_exec(s, "ROLLBACK", NULL);
        return rc;
    }
    if ((rc = fo_sql_exec(s, "COMMIT; PRAGMA foreign_keys=ON", err)) != FO_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM documents WHERE sha256 = ?", -1,
                           &s->del_doc, NULL) != SQLITE_OK ||
        /* a file that failed at a path (an error row, or a stack with an
         * error among its documents) is replaced by what the path gives */
        sqlite3_prepare_v2(s->db,
                           "DELETE FROM documents WHERE path = ?1 AND (status = "
                           "'error' OR sha256 IN (SELECT sha256 FROM documents WHERE "
                           "path = ?1 AND status = 'error'))",
                           -1, &s->del_failed, NULL) != SQLITE_OK ||

        sqlite3_prepare_v2(
            s->db,
            "INSERT INTO documents(run_id, path, sha256, bytes, pages, "
            "template, template_sha256, status, score, error, processed_at, warning, "
            "first_page, last_page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?)",
            -1, &s->ins_doc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO pages(document_id, file_page, template_page, "
                           "orientation, transform, score, status, path, sha256) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s->ins_page, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO fields(document_id, page, name, value, raw, "
                           "confidence, status, x, y, w, h, reason, file, "
                           "machine_value, source, hand) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s->ins_field, NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot prepare", err);
    return FO_OK;
}

int fo_sql_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The transform's six numbers as JSON text (template px -> scan px). */
static void transform_text(const fo_affine *t, char *buf, size_t n)
{
    snprintf(buf, n, "[%.9g,%.9g,%.9g,%.9g,%.9g,%.9g]", t->a, t->b, t->c, t->d, t->e,
             t->f);
}

/* One document's rows: its own, its fields', its pages'. */
static int insert_document(fo_sink *s, const fo_document *d)
{
    sqlite3_int64 id;
    int rc = 0;

    if (s->run_id)
        sqlite3_bind_int64(s->ins_doc, 1, s->run_id);
    else
        sqlite3_bind_null(s->ins_doc, 1);
    sqlite3_bind_text(s->ins_doc, 2, d->path, -1, SQLITE_STATIC);
    if (d->sha256[0])
        sqlite3_bind_text(s->ins_doc, 3, d->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->ins_doc, 4, (sqlite3_int64)d->bytes);
    sqlite3_bind_int(s->ins_doc, 5, d->pages);
    if (d->tpl) {
        sqlite3_bind_text(s->ins_doc, 6, d->tpl->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ins_doc, 7, d->tpl->sha256, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(s->ins_doc, 8, fo_doc_status_name(d->status), -1, SQLITE_STATIC);
    sqlite3_bind_double(s->ins_doc, 9, d->score);
    if (d->error)
        sqlite3_bind_text(s->ins_doc, 10, d->error, -1, SQLITE_STATIC);
    if (d->warning)
        sqlite3_bind_text(s->ins_doc, 11, d->warning, -1, SQLITE_STATIC);
    sqlite3_bind_int(s->ins_doc, 12, d->first_page);
    sqlite3_bind_int(s->ins_doc, 13, d->last_page);
    rc = fo_sql_step_done(s->ins_doc);
    id = sqlite3_last_insert_rowid(s->db);
    for (int i = 0; i < d->nfields && rc == 0; i++) {
        const fo_field_result *r = &d->fields[i];
        sqlite3_bind_int64(s->ins_field, 1, id);
        sqlite3_bind_int(s->ins_field, 2, r->page);
        sqlite3_bind_text(s->ins_field, 3, r->field->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ins_field, 4, r->value, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->ins_field, 5, r->raw, -1, SQLITE_STATIC);
        sqlite3_bind_double(s->ins_field, 6, r->confidence);
        sqlite3_bind_text(s->ins_field, 7, fo_field_status_name(r->status), -1,
                          SQLITE_STATIC);
        if (r->page > 0) {
            sqlite3_bind_int(s->ins_field, 8, r->x);
            sqlite3_bind_int(s->ins_field, 9, r->y);
            sqlite3_bind_int(s->ins_field, 10, r->w);
            sqlite3_bind_int(s->ins_field, 11, r->h);
        }
        if (r->reason)
            sqlite3_bind_text(s->ins_field, 12, r->reason, -1, SQLITE_STATIC);
        if (r->file > 0 && r->file <= d->njoined)
            sqlite3_bind_text(s->ins_field, 13, d->joined[r->file - 1], -1,
                              SQLITE_STATIC);
        if (r->machine_value)
            sqlite3_bind_text(s->ins_field, 14, r->machine_value, -1, SQLITE_STATIC);
        if (r->source)
            sqlite3_bind_text(s->ins_field, 15, r->source, -1, SQLITE_STATIC);
        sqlite3_bind_int(s->ins_field, 16, r->hand ? 1 : 0);
        rc = fo_sql_step_done(s->ins_field);
    }
    for (int i = 0; i < d->npage_results && rc == 0; i++) {
        const fo_page_result *pr = &d->page_results[i];
        char transform[160];
        sqlite3_bind_int64(s->ins_page, 1, id);
        sqlite3_bind_int(s->ins_page, 2, pr->file_page);
        if (pr->status == FO_PAGE_READ && pr->template) {
            transform_text(&pr->transform, transform, sizeof transform);
            sqlite3_bind_int(s->ins_page, 3, pr->template_page + 1);
            sqlite3_bind_int(s->ins_page, 4, pr->turn);
            sqlite3_bind_text(s->ins_page, 5, transform, -1, SQLITE_TRANSIENT);
        }
        if (pr->status != FO_PAGE_ERROR)
            sqlite3_bind_double(s->ins_page, 6, pr->score);
        sqlite3_bind_text(s->ins_page, 7, fo_page_status_name(pr->status), -1,
                          SQLITE_STATIC);
        if (pr->file > 0 && pr->file <= d->njoined) {
            sqlite3_bind_text(s->ins_page, 8, d->joined[pr->file - 1], -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(s->ins_page, 9, d->joined_sha256[pr->file - 1], -1,
                              SQLITE_STATIC);
        }
        rc = fo_sql_step_done(s->ins_page);
    }
    /* the decisions recorded once more, inside this transaction: one made
     * (formocr review) after the run read them for its outputs, and before
     * it took the database, holds all the same */
    if (rc == 0 && d->tpl && fo_sql_apply_decisions(s->db, id) != SQLITE_OK)
        rc = -1;
    return rc;
}

/* A file's documents (d and those chained after it) with their fields and
 * pages, in one transaction: all or nothing. */
static int sqlite_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    int rc = fo_sql_exec(s, "BEGIN IMMEDIATE", err);
    if (rc != FO_OK)
        return rc;
    /* the documents of one input: the same file redone (--force,
     * --retry-errors) replaces its rows, and a file that failed before at
     * this path (unreadable one night, readable the next; an upload read
     * half-way) replaces those error rows, whatever its bytes were; the run
     * that wrote each stays in runs */
    if (d->sha256[0]) {
        sqlite3_bind_text(s->del_doc, 1, d->sha256, -1, SQLITE_STATIC);
        rc = fo_sql_step_done(s->del_doc);
    }
    sqlite3_bind_text(s->del_failed, 1, d->path, -1, SQLITE_STATIC);
    rc = rc || fo_sql_step_done(s->del_failed);
    /* the files joined to this one (--join-files) replace their own rows,
     * and what failed at their paths; a document of another file that
     * holds one of them (joined there by an earlier run) is not this
     * file's to remove: it is kept, never lost */
    for (const fo_document *e = d; e && rc == 0; e = e->next)
        for (int k = 0; k < e->njoined && rc == 0; k++) {
            sqlite3_bind_text(s->del_doc, 1, e->joined_sha256[k], -1, SQLITE_STATIC);
            rc = fo_sql_step_done(s->del_doc);
            if (rc == 0) {
                sqlite3_bind_text(s->del_failed, 1, e->joined[k], -1, SQLITE_STATIC);
                rc = fo_sql_step_done(s->del_failed);
            }
        }
    for (const fo_document *e = d; e && rc == 0; e = e->next)
        rc = insert_document(s, e);
    if (rc != 0) {
        rc = fo_sql_error(s, "cannot write a document", err);
        fo_sql_exec(s, "ROLLBACK", NULL);
        return rc;
    }
    return fo_sql_exec(s, "COMMIT", err);
}

int fo_sql_apply_decisions(sqlite3 *db, sqlite3_int64 id)
{
    static const char fields[] =
        "UPDATE fields AS f SET machine_value = coalesce(f.machine_value, f.value), "
        "value = CASE WHEN c.status = 'unreadable' THEN '' ELSE coalesce(c.value, "
        "'') END, status = c.status, reason = NULL FROM documents d, corrections c "
        "WHERE (?1 = 0 OR f.document_id = ?1) AND d.id = f.document_id AND "
        "c.sha256 = d.sha256 AND c.first_page = d.first_page AND c.template = "
        "d.template AND c.field = f.name AND c.id = (SELECT max(k.id) FROM "
        "corrections k WHERE k.sha256 = c.sha256 AND k.first_page = c.first_page "
        "AND k.template = c.template AND k.field = c.field)";
    static const char documents[] =
        "UPDATE documents AS d SET status = CASE WHEN EXISTS (SELECT 1 FROM fields "
        "f WHERE f.document_id = d.id AND f.status NOT IN ('ok', 'corrected', "
        "'unreadable')) THEN 'review' ELSE 'ok' END WHERE (?1 = 0 OR d.id = ?1) AND "
        "d.status IN ('ok', 'review') AND EXISTS (SELECT 1 FROM fields f WHERE "
        "f.document_id = d.id AND f.status IN ('corrected', 'unreadable'))";
    const char *sql[] = {fields, documents};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
        if (rc != SQLITE_OK)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}

/* A document is ok when no field awaits a person: each is ok, or was
 * decided by one. */
static bool settled(fo_field_status st)
{
    return st == FO_STATUS_OK || st == FO_STATUS_CORRECTED ||
           st == FO_STATUS_UNREADABLE;
}

int fo_sink_apply_corrections(fo_sink *s, fo_document *d, fo_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = FO_OK;
    if (s->format != FO_SINK_SQLITE || !s->db)
        return FO_OK;
    /* the decisions in the order they were made: the last one stands */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT field, value, status FROM corrections WHERE "
                           "sha256 = ? AND first_page = ? AND template = ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot read the corrections", err);
    for (fo_document *e = d; e && rc == FO_OK; e = e->next) {
        bool changed = false;
        if (!e->tpl || !e->sha256[0])
            continue;
        sqlite3_bind_text(st, 1, e->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, e->first_page);
        sqlite3_bind_text(st, 3, e->tpl->name, -1, SQLITE_STATIC);
        while (rc == FO_OK && sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            const char *value = (const char *)sqlite3_column_text(st, 1);
            const char *status = (const char *)sqlite3_column_text(st, 2);
            bool unreadable = status && strcmp(status, "unreadable") == 0;
            for (int i = 0; name && i < e->nfields; i++) {
                fo_field_result *r = &e->fields[i];
                char *v;
                if (strcmp(r->field->name, name) != 0)
                    continue;
                if (!(v = fo_strdup(unreadable || !value ? "" : value))) {
                    rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                    break;
                }
                /* the machine's reading stays beside the decision */
                if (!r->machine_value) {
                    r->machine_value = r->value;
                    r->value = NULL;
                }
                free(r->value);
                r->value = v;
                r->status = unreadable ? FO_STATUS_UNREADABLE : FO_STATUS_CORRECTED;
                r->reason = NULL;
                changed = true;
            }
        }
        sqlite3_reset(st);
        if (changed && e->status == FO_DOC_REVIEW) {
            e->status = FO_DOC_OK;
            for (int i = 0; i < e->nfields; i++)
                if (!settled(e->fields[i].status))
                    e->status = FO_DOC_REVIEW;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int by_hash(const void *a, const void *b)
{
    return strcmp(((const fo_known *)a)->sha256, ((const fo_known *)b)->sha256);
}

int fo_sink_known(fo_sink *s, fo_known **known, int *n, fo_error *err)
{
    sqlite3_stmt *st;
    int cap = 0, rc;

    *known = NULL;
    *n = 0;
    if (s->format != FO_SINK_SQLITE)
        return FO_OK;
    if (sqlite3_prepare_v2(s->db,
                           /* a file is known once; as an error when any
                            * document of it is one */
                           "SELECT sha256, CASE WHEN sum(status = 'error') > 0 "
                           "THEN 'error' ELSE min(status) END FROM (SELECT "
                           "sha256, status FROM documents UNION ALL SELECT "
                           "p.sha256, d.status FROM pages p JOIN documents d ON "
                           "d.id = p.document_id) WHERE sha256 IS NOT NULL GROUP BY "
                           "sha256",
                           -1, &st, NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot read", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        if (!h || strlen(h) != 64)
            continue;
        if (*n == cap) {
            fo_known *grown =
                realloc(*known, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 1024));
            if (!grown) {
                sqlite3_finalize(st);
                free(*known);
                *known = NULL;
                *n = 0;
                return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            }
            *known = grown;
        }
        memcpy((*known)[*n].sha256, h, 65);
        (*known)[*n].status = FO_DOC_OK;
        for (int k = FO_DOC_OK; status && k <= FO_DOC_ERROR; k++)
            if (strcmp(status, fo_doc_status_name((fo_doc_status)k)) == 0)
                (*known)[*n].status = (fo_doc_status)k;
        (*n)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*known);
        *known = NULL;
        *n = 0;
        return fo_sql_error(s, "cannot read", err);
    }
    if (*n > 1)
        qsort(*known, (size_t)*n, sizeof **known, by_hash);
    return FO_OK;
}

/* ---- documents owed to file outputs ---------------------------------- */

/* The runs with file outputs that neither finished nor had their documents
 * carried by a later run's files: killed.  (A run is alone on its output:
 * one without finished_at is not running.) */
static const char OWED_RUNS[] =
    "SELECT id FROM runs WHERE file_outputs = 1 AND finished_at IS NULL AND "
    "delivered_by IS NULL AND id != ?";

static const fo_template *template_named(const fo_template_set *ts, const char *name)
{
    for (int i = 0; ts && name && i < ts->count; i++)
        if (strcmp(ts->items[i]->name, name) == 0)
            return ts->items[i];
    return NULL;
}

/* A text column as valid UTF-8 (a database is a file from outside: a byte
 * that is not UTF-8 becomes \xHH, fo_escape_text); NULL gives "". */
static char *column_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return fo_escape_text(t ? (const char *)t : "", 0);
}

/* Rebuilds the fields of document id for tpl into r->doc (in template
 * order; a field the database lacks stays empty and missing); r->reasons
 * get the reasons' text (the fields point at them). */
static int rebuild_fields(sqlite3_stmt *fields, sqlite3_int64 id,
                          const fo_template *tpl, fo_rebuilt *r)
{
    fo_document *d = &r->doc;
    r->reasons = calloc((size_t)tpl->nfields + 1, sizeof *r->reasons);
    d->fields = calloc((size_t)tpl->nfields + 1, sizeof *d->fields);
    if (!r->reasons || !d->fields)
        return FO_ERR_NOMEM;
    r->nreasons = d->nfields = tpl->nfields;
    for (int i = 0; i < tpl->nfields; i++) {
        d->fields[i].field = &tpl->fields[i];
        d->fields[i].status = FO_STATUS_MISSING;
        d->fields[i].value = fo_strdup("");
        d->fields[i].raw = fo_strdup("");
    }
    sqlite3_bind_int64(fields, 1, id);
    while (sqlite3_step(fields) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(fields, 1);
        const char *status = (const char *)sqlite3_column_text(fields, 5);
        const char *source = (const char *)sqlite3_column_text(fields, 12);
        fo_field_result *f = NULL;
        int k;
        for (k = 0; name && k < tpl->nfields; k++)
            if (strcmp(tpl->fields[k].name, name) == 0) {
                f = &d->fields[k];
                break;
            }
        if (!f)
            continue; /* a field the template no longer has */
        f->page = sqlite3_column_int(fields, 0);
        free(f->value);
        free(f->raw);
        f->value = column_text(fields, 2);
        f->raw = column_text(fields, 3);
        f->confidence = sqlite3_column_double(fields, 4);
        for (int st = FO_STATUS_OK; status && st < FO_FIELD_STATUS_COUNT; st++)
            if (strcmp(status, fo_field_status_name((fo_field_status)st)) == 0)
                f->status = (fo_field_status)st;
        f->x = sqlite3_column_int(fields, 6);
        f->y = sqlite3_column_int(fields, 7);
        f->w = sqlite3_column_int(fields, 8);
        f->h = sqlite3_column_int(fields, 9);
        if (sqlite3_column_type(fields, 10) != SQLITE_NULL) {
            free(r->reasons[k]);
            r->reasons[k] = column_text(fields, 10);
            f->reason = r->reasons[k];
        }
        if (sqlite3_column_type(fields, 11) != SQLITE_NULL) {
            free(f->machine_value);
            if (!(f->machine_value = column_text(fields, 11)))
                break;
        }
        f->hand = sqlite3_column_int(fields, 13) == 1;
        /* the only source formocr writes: anything else is no claim */
        f->source = source && strcmp(source, "pdf_field") == 0 ? "pdf_field" : NULL;
        if (!f->value || !f->raw ||
            (sqlite3_column_type(fields, 10) != SQLITE_NULL && !r->reasons[k]))
            break;
    }
    sqlite3_reset(fields);
    for (int i = 0; i < d->nfields; i++)
        if (!d->fields[i].value || !d->fields[i].raw)
            return FO_ERR_NOMEM;
    return FO_OK;
}

/* The blank pages and joined files of document id, from pages, into d (what
 * JSON Lines says of them: blank_pages, joined_files). */
static int rebuild_pages(sqlite3_stmt *pages, sqlite3_int64 id, fo_document *d)
{
    int rc = FO_OK;
    sqlite3_bind_int64(pages, 1, id);
    while (rc == FO_OK && sqlite3_step(pages) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(pages, 1);
        const char *sha = (const char *)sqlite3_column_text(pages, 3);
        char *path =
            sqlite3_column_type(pages, 2) != SQLITE_NULL ? column_text(pages, 2) : NULL;
        fo_page_result pr = {.file_page = sqlite3_column_int(pages, 0),
                             .status = FO_PAGE_READ};
        for (int k = FO_PAGE_READ; status && k <= FO_PAGE_ERROR; k++)
            if (strcmp(status, fo_page_status_name((fo_page_status)k)) == 0)
                pr.status = (fo_page_status)k;
        if (sqlite3_column_type(pages, 2) != SQLITE_NULL &&
            (!path || (pr.file = fo_document_add_joined(
                           d, path, sha && strlen(sha) == 64 ? sha : "")) < 0))
            rc = FO_ERR_NOMEM;
        else if (fo_document_add_page(d, &pr) != FO_OK)
            rc = FO_ERR_NOMEM;
        free(path);
    }
    sqlite3_reset(pages);
    return rc;
}

int fo_sql_rebuild_document(sqlite3_stmt *doc, sqlite3_stmt *fields,
                            sqlite3_stmt *pages, const fo_template *tpl, fo_rebuilt *r)
{
    fo_document *d = &r->doc;
    const char *status = (const char *)sqlite3_column_text(doc, 6);
    const char *sha = (const char *)sqlite3_column_text(doc, 2);
    sqlite3_int64 id = sqlite3_column_int64(doc, 0);
    bool known = false;

    memset(r, 0, sizeof *r);
    if (!(d->path = column_text(doc, 1)))
        return FO_ERR_NOMEM;
    if (sha && strlen(sha) == 64)
        memcpy(d->sha256, sha, 65);
    d->bytes = (uint64_t)sqlite3_column_int64(doc, 3);
    d->pages = sqlite3_column_int(doc, 4);
    d->first_page = sqlite3_column_int(doc, 10);
    d->last_page = sqlite3_column_int(doc, 11);
    if (sqlite3_column_type(doc, 12) == SQLITE_TEXT)
        snprintf(d->processed_at, sizeof d->processed_at, "%s",
                 (const char *)sqlite3_column_text(doc, 12));
    d->tpl = tpl;
    for (int k = FO_DOC_OK; status && k <= FO_DOC_ERROR; k++)
        if (strcmp(status, fo_doc_status_name((fo_doc_status)k)) == 0) {
            d->status = (fo_doc_status)k;
            known = true;
        }
    d->score = sqlite3_column_double(doc, 7);
    if (sqlite3_column_type(doc, 8) != SQLITE_NULL && !(d->error = column_text(doc, 8)))
        return FO_ERR_NOMEM;
    if (sqlite3_column_type(doc, 9) != SQLITE_NULL &&
        !(d->warning = column_text(doc, 9)))
        return FO_ERR_NOMEM;
    if (!known) {
        /* a status formocr never writes is not taken for ok: the row is
         * shown as an error saying so */
        char *shown = fo_escape_text(status ? status : "NULL", FO_ESCAPE_CONTROL);
        d->status = FO_DOC_ERROR;
        if (!d->error)
            d->error = shown ? fo_asprintf("status \"%s\" in the database is not "
                                           "one formocr writes",
                                           shown)
                             : NULL;
        free(shown);
        if (!d->error)
            return FO_ERR_NOMEM;
    }
    if (tpl && rebuild_fields(fields, id, tpl, r) != FO_OK)
        return FO_ERR_NOMEM;
    if (pages && rebuild_pages(pages, id, d) != FO_OK)
        return FO_ERR_NOMEM;
    return FO_OK;
}

void fo_rebuilt_free(fo_rebuilt *r)
{
    for (int i = 0; r->reasons && i < r->nreasons; i++)
        free(r->reasons[i]);
    free(r->reasons);
    fo_document_free(&r->doc);
    memset(r, 0, sizeof *r);
}

int fo_sink_replay_owed(fo_sink *s, const fo_template_set *templates,
                        fo_sink_replay_fn fn, void *ctx, int *replayed, int *left,
                        fo_error *err)
{
    sqlite3_stmt *runs = NULL, *docs = NULL, *fields = NULL, *pages = NULL;
    int rc = FO_OK, done = 0, skipped = 0;

    if (replayed)
        *replayed = 0;
    if (left)
        *left = 0;
    if (s->format != FO_SINK_SQLITE || !s->db)
        return FO_OK;
    if (sqlite3_prepare_v2(s->db, OWED_RUNS, -1, &runs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "SELECT " FO_SQL_DOCUMENT_COLUMNS " FROM documents d "
                           "WHERE d.run_id = ? "
                           "ORDER BY d.id",
                           -1, &docs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            s->db, "SELECT " FO_SQL_FIELD_COLUMNS " FROM fields WHERE document_id = ?",
            -1, &fields, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "SELECT " FO_SQL_PAGE_COLUMNS
                           " FROM pages WHERE document_id = ? ORDER BY rowid",
                           -1, &pages, NULL) != SQLITE_OK) {
        rc = fo_sql_error(s, "cannot read the documents owed to the files", err);
        goto out;
    }
    sqlite3_bind_int64(runs, 1, s->run_id);
    while (rc == FO_OK && sqlite3_step(runs) == SQLITE_ROW) {
        sqlite3_int64 run = sqlite3_column_int64(runs, 0);
        sqlite3_int64 *grown = realloc(s->owed, sizeof *grown * (size_t)(s->nowed + 1));
        if (!grown) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            break;
        }
        s->owed = grown;
        s->owed[s->nowed++] = run;
        sqlite3_bind_int64(docs, 1, run);
        while (rc == FO_OK && sqlite3_step(docs) == SQLITE_ROW) {
            const char *tname = (const char *)sqlite3_column_text(docs, 5);
            const fo_template *tpl = template_named(templates, tname);
            fo_rebuilt r;
            if (tname && !tpl) {
                skipped++;
                continue;
            }
            if (fo_sql_rebuild_document(docs, fields, pages, tpl, &r) != FO_OK)
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            else if (fn(ctx, &r.doc) != 0)
                rc = FO_ERR_OUTPUT;
            else
                done++;
            fo_rebuilt_free(&r);
        }
        sqlite3_reset(docs);
    }
out:
    sqlite3_finalize(runs);
    sqlite3_finalize(docs);
    sqlite3_finalize(fields);
    sqlite3_finalize(pages);
    if (replayed)
        *replayed = done;
    if (left)
        *left = skipped;
    return rc;
}

static int sqlite_close(fo_sink *s, bool finished, fo_error *err)
{
    int rc = FO_OK;
    sqlite3_finalize(s->del_doc);
    sqlite3_finalize(s->del_failed);
    sqlite3_finalize(s->ins_doc);
    sqlite3_finalize(s->ins_field);
    sqlite3_finalize(s->ins_page);
    s->del_doc = s->del_failed = s->ins_doc = s->ins_field = s->ins_page = NULL;
    /* a run stopped by a signal is not finished: finished_at stays empty,
     * as for a run that was killed; its file outputs were completed all
     * the same, so its documents are delivered, and so are those of the
     * killed runs they carried */
    if (finished && s->db && s->run_id) {
        fo_strbuf sql = FO_STRBUF_INIT;
        char *text;
        fo_strbuf_addf(&sql, "BEGIN IMMEDIATE;");
        if (!s->interrupted)
            fo_strbuf_addf(&sql,
                           "UPDATE runs SET finished_at = strftime('%%Y-%%m-%%dT%%H:"
                           "%%M:%%SZ', 'now') WHERE id = %lld;",
                           (long long)s->run_id);
        else if (s->o.file_outputs)
            fo_strbuf_addf(&sql, "UPDATE runs SET delivered_by = %lld WHERE id = %lld;",
                           (long long)s->run_id, (long long)s->run_id);
        if (s->skipped_entries >= 0)
            fo_strbuf_addf(&sql,
                           "UPDATE runs SET skipped_entries = %d WHERE id = %lld;",
                           s->skipped_entries, (long long)s->run_id);
        for (int i = 0; i < s->nowed; i++)
            fo_strbuf_addf(&sql, "UPDATE runs SET delivered_by = %lld WHERE id = %lld;",
                           (long long)s->run_id, (long long)s->owed[i]);
        fo_strbuf_addf(&sql, "COMMIT;");
        text = fo_strbuf_detach(&sql);
        rc = text ? fo_sql_exec(s, text, err)
                  : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        if (rc != FO_OK)
            fo_sql_exec(s, "ROLLBACK", NULL);
        free(text);
    }
    free(s->owed);
    s->owed = NULL;
    s->nowed = 0;
    if (s->db && sqlite3_close(s->db) != SQLITE_OK && rc == FO_OK)
        rc = fo_sql_error(s, "cannot close", err);
    s->db = NULL;
    return rc;
}

const fo_sink_class fo_sink_sqlite_class = {sqlite_open, sqlite_write, sqlite_close};

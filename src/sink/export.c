/*
 * export.c - a formocr database's documents to a CSV, JSON Lines or XLSX
 * file (export.h).
 *
 * The database comes from outside: it is opened read-only, its schema
 * version and columns are checked before anything is read, every value is
 * bound or read as a value, and only names that are identifiers reach an
 * output's structure (a CSV file name, a column, a sheet).  The templates
 * are made from the database: the fields' names, order and types, which is
 * all the outputs read of them.
 */
#include "formocr/export.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink_internal.h"
#include "strbuf.h"
#include "util.h"

void fo_export_options_default(fo_export_options *o)
{
    memset(o, 0, sizeof *o);
    fo_sink_options_default(&o->sink);
}

/* ---- options ------------------------------------------------------------ */

/* n digits at *p, advancing past them; -1 when they are not. */
static int take_digits(const char **p, int n)
{
    int v = fo_parse_digits(*p, n);
    if (v >= 0)
        *p += n;
    return v;
}

int fo_export_parse_since(const char *text, char out[21], fo_error *err)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0, zone = 0; /* zone: minutes east of UTC */
    struct tm tm = {0};
    time_t t;

    y = take_digits(&p, 4);
    if (y < 0 || *p++ != '-' || (mo = take_digits(&p, 2)) < 1 || mo > 12 ||
        *p++ != '-' || (d = take_digits(&p, 2)) < 1 || d > fo_days_in_month(y, mo))
        goto bad;
    if (*p == 'T' || *p == ' ') {
        p++;
        if ((h = take_digits(&p, 2)) < 0 || h > 23 || *p++ != ':' ||
            (mi = take_digits(&p, 2)) < 0 || mi > 59)
            goto bad;
        if (*p == ':') {
            p++;
            if ((s = take_digits(&p, 2)) < 0 || s > 59)
                goto bad;
            if (*p == '.' || *p == ',') {
                /* a fraction of a second: processed_at holds whole seconds */
                if (!(*++p >= '0' && *p <= '9'))
                    goto bad;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, zh, zm;
            if ((zh = take_digits(&p, 2)) < 0 || zh > 23)
                goto bad;
            if (*p == ':')
                p++;
            if ((zm = take_digits(&p, 2)) < 0 || zm > 59)
                goto bad;
            zone = sign * (zh * 60 + zm);
        }
    }
    if (*p)
        goto bad;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi - zone;
    tm.tm_sec = s;
    t = timegm(&tm);
    if (!gmtime_r(&t, &tm) || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        goto bad;
    return FO_OK;
bad:
    return fo_error_set(err, FO_ERR_USAGE,
                        "--since wants a date, YYYY-MM-DD, or a time, "
                        "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], not \"%s\"",
                        text);
}

int fo_export_parse_statuses(const char *list, unsigned *mask, fo_error *err)
{
    const char *p = list;
    *mask = 0;
    for (;;) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (int s = FO_DOC_OK; s <= FO_DOC_ERROR; s++) {
            const char *name = fo_doc_status_name((fo_doc_status)s);
            if (n == strlen(name) && strncmp(p, name, n) == 0) {
                *mask |= 1u << s;
                known = true;
            }
        }
        if (!known)
            return fo_error_set(err, FO_ERR_USAGE,
                                "--status wants a comma list of ok, review, "
                                "unmatched and error, not \"%.*s\"",
                                (int)n, p);
        if (!p[n])
            return FO_OK;
        p += n + 1;
    }
}

/* ---- the database ----------------------------------------------------- */

typedef struct export_ctx {
    const char *path; /* the database, as given */
    sqlite3 *db;
    const fo_export_options *o;
    fo_export_notice_fn notice;
    void *notice_ctx;
    fo_template_set set; /* the database's templates, sorted by name */
    bool typed;          /* template_fields describes them (schema 4) */
    int left_out;
} export_ctx;

static int db_error(export_ctx *x, const char *what, fo_error *err)
{
    return fo_error_set(err, FO_ERR_IO, "%s: %s (%s)", x->path, what,
                        x->db ? sqlite3_errmsg(x->db) : "cannot open");
}

/* What a run of formocr left, before anything is read: a version this one
 * knows, and the columns that every version had. */
static int check_database(export_ctx *x, fo_error *err)
{
    static const struct {
        const char *table, *column;
    } needed[] = {{"documents", "id"},       {"documents", "path"},
                  {"documents", "sha256"},   {"documents", "bytes"},
                  {"documents", "pages"},    {"documents", "template"},
                  {"documents", "status"},   {"documents", "score"},
                  {"documents", "error"},    {"documents", "processed_at"},
                  {"fields", "document_id"}, {"fields", "page"},
                  {"fields", "name"},        {"fields", "value"},
                  {"fields", "raw"},         {"fields", "confidence"},
                  {"fields", "status"},      {"fields", "x"},
                  {"fields", "y"},           {"fields", "w"},
                  {"fields", "h"},           {"fields", "reason"}};
    sqlite3_stmt *st;
    int version = -1;

    if (sqlite3_prepare_v2(x->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_error(x, "not an SQLite database", err);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0)
        return db_error(x, "not an SQLite database", err);
    if (version > FO_SQLITE_SCHEMA_VERSION)
        return fo_error_set(err, FO_ERR_IO,
                            "%s: made by a newer formocr (schema %d, this one "
                            "reads up to %d): export it with that version",
                            x->path, version, FO_SQLITE_SCHEMA_VERSION);
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++) {
        int present = fo_sql_has_column(x->db, needed[i].table, needed[i].column);
        if (present < 0)
            return db_error(x, "not an SQLite database", err);
        if (version == 0 || !present)
            return fo_error_set(
                err, FO_ERR_IO, "%s: not a formocr database (%s)", x->path,
                version == 0 ? "no schema version" : "a table or column is missing");
    }
    x->typed = fo_sql_has_column(x->db, "template_fields", "identifier") > 0 &&
               fo_sql_has_column(x->db, "template_fields", "position") > 0 &&
               fo_sql_has_column(x->db, "template_fields", "type") > 0;
    return FO_OK;
}

/* The column, or what stands for it in a database made before it. */
static const char *column_or(export_ctx *x, const char *table, const char *column,
                             const char *before)
{
    return fo_sql_has_column(x->db, table, column) > 0 ? column : before;
}

/* " WHERE ..." of the filters, on documents d; bind_filters binds them. */
static void add_filters(export_ctx *x, fo_strbuf *sql)
{
    fo_strbuf_add(sql, " WHERE 1");
    if (x->o->template_name)
        fo_strbuf_add(sql, " AND d.template = ?");
    if (x->o->since[0])
        fo_strbuf_add(sql, " AND typeof(d.processed_at) = 'text' AND "
                           "d.processed_at >= ?");
    if (x->o->statuses) {
        const char *sep = "";
        fo_strbuf_add(sql, " AND d.status IN (");
        for (int s = FO_DOC_OK; s <= FO_DOC_ERROR; s++)
            if (x->o->statuses & (1u << s)) {
                fo_strbuf_addf(sql, "%s?", sep);
                sep = ", ";
            }
        fo_strbuf_add(sql, ")");
    }
}

static void bind_filters(export_ctx *x, sqlite3_stmt *st)
{
    int k = 1;
    if (x->o->template_name)
        sqlite3_bind_text(st, k++, x->o->template_name, -1, SQLITE_STATIC);
    if (x->o->since[0])
        sqlite3_bind_text(st, k++, x->o->since, -1, SQLITE_STATIC);
    for (int s = FO_DOC_OK; s <= FO_DOC_ERROR; s++)
        if (x->o->statuses & (1u << s))
            sqlite3_bind_text(st, k++, fo_doc_status_name((fo_doc_status)s), -1,
                              SQLITE_STATIC);
}

static int prepare(export_ctx *x, fo_strbuf *sql, sqlite3_stmt **st, fo_error *err)
{
    char *text = fo_strbuf_detach(sql);
    int rc = FO_OK;
    if (!text)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (sqlite3_prepare_v2(x->db, text, -1, st, NULL) != SQLITE_OK)
        rc = db_error(x, "cannot read", err);
    free(text);
    return rc;
}

static void tell(export_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tell(export_ctx *x, const char *fmt, ...)
{
    char message[FO_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (x->notice)
        x->notice(x->notice_ctx, message);
}

/* A name from the database, shown in a message (one line, UTF-8; the
 * caller frees it). */
static char *shown(const unsigned char *name)
{
    return fo_escape_text(name ? (const char *)name : "NULL", FO_ESCAPE_CONTROL);
}

static fo_field_type type_named(const char *name)
{
    for (int k = FO_FIELD_TEXT; name && k <= FO_FIELD_SIGNATURE; k++)
        if (strcmp(name, fo_field_type_name((fo_field_type)k)) == 0)
            return (fo_field_type)k;
    return FO_FIELD_TEXT;
}

/* Adds field name to t unless it has it; "" when it does, else NULL, or
 * the reason it cannot (static). */
static const char *add_field(fo_template *t, const unsigned char *name,
                             const char *type, int identifier, int page)
{
    fo_field *f;
    if (!name || !fo_is_identifier((const char *)name))
        return "a field name that formocr does not write";
    for (int i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, (const char *)name) == 0)
            return NULL;
    if (t->nfields == FO_EXPORT_MAX_FIELDS)
        return "more fields than an export takes";
    if (t->nfields % 64 == 0) {
        fo_field *grown = realloc(t->fields, sizeof *grown * (size_t)(t->nfields + 64));
        if (!grown)
            return "out of memory";
        t->fields = grown;
    }
    f = &t->fields[t->nfields];
    memset(f, 0, sizeof *f);
    if (!(f->name = fo_strdup((const char *)name)))
        return "out of memory";
    t->nfields++;
    f->type = type ? type_named(type) : FO_FIELD_TEXT;
    f->page = page > 0 ? page - 1 : 0;
    /* the outputs ask fo_field_is_identifier: the database says it, the
     * template's geometry is not there.  An integer is an identifier by
     * its cells; any other type said to be one is text to a spreadsheet */
    if (identifier && f->type == FO_FIELD_INTEGER)
        f->geometry = FO_GEOM_CELLS;
    else if (identifier && f->type != FO_FIELD_CHOICE)
        f->type = FO_FIELD_TEXT;
    return NULL;
}

/* Template name's fields: template_fields in order, then any other name its
 * documents hold (a template that changed; a database before schema 4),
 * in the order first written. */
static const char *load_fields(fo_template *t, sqlite3_stmt *described,
                               sqlite3_stmt *written, const unsigned char **bad)
{
    const char *why = NULL;
    if (described) {
        sqlite3_bind_text(described, 1, t->name, -1, SQLITE_STATIC);
        while (!why && sqlite3_step(described) == SQLITE_ROW) {
            *bad = sqlite3_column_text(described, 0);
            why = add_field(t, *bad, (const char *)sqlite3_column_text(described, 1),
                            sqlite3_column_int(described, 2),
                            sqlite3_column_int(described, 3));
        }
    }
    sqlite3_bind_text(written, 1, t->name, -1, SQLITE_STATIC);
    while (!why && sqlite3_step(written) == SQLITE_ROW) {
        *bad = sqlite3_column_text(written, 0);
        why = add_field(t, *bad, NULL, 0, 0);
    }
    return why;
}

/* The templates of the documents the filters keep (and the one named by
 * --template, even without any): x->set, sorted by name. */
static int load_templates(export_ctx *x, fo_error *err)
{
    fo_strbuf sql = FO_STRBUF_INIT;
    sqlite3_stmt *names = NULL, *described = NULL, *written = NULL;
    int rc, cap = 0;
    bool named = false;

    fo_strbuf_add(&sql, "SELECT DISTINCT d.template FROM documents d");
    add_filters(x, &sql);
    fo_strbuf_add(&sql, " AND d.template IS NOT NULL");
    if (x->o->template_name)
        fo_strbuf_add(&sql, " UNION SELECT template FROM template_fields WHERE "
                            "template = ?1 UNION SELECT template FROM documents "
                            "WHERE template = ?1");
    fo_strbuf_add(&sql, " ORDER BY 1");
    if (!x->typed && x->o->template_name) {
        /* no template_fields table to look in */
        fo_strbuf_free(&sql);
        fo_strbuf_add(&sql, "SELECT DISTINCT d.template FROM documents d");
        add_filters(x, &sql);
        fo_strbuf_add(&sql, " AND d.template IS NOT NULL UNION SELECT template "
                            "FROM documents WHERE template = ?1 ORDER BY 1");
    }
    if ((rc = prepare(x, &sql, &names, err)) != FO_OK)
        goto out;
    if (x->typed) {
        fo_strbuf_add(&sql, "SELECT name, type, identifier, page FROM template_fields "
                            "WHERE template = ? ORDER BY position, rowid");
        if ((rc = prepare(x, &sql, &described, err)) != FO_OK)
            goto out;
    }
    /* a field row without a name (formocr writes none) has no column */
    fo_strbuf_add(&sql, "SELECT f.name FROM fields f JOIN documents d ON d.id = "
                        "f.document_id WHERE d.template = ? AND f.name IS NOT NULL "
                        "GROUP BY f.name ORDER BY min(f.rowid)");
    if ((rc = prepare(x, &sql, &written, err)) != FO_OK)
        goto out;
    bind_filters(x, names);
    while (rc == FO_OK && sqlite3_step(names) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(names, 0), *bad = NULL;
        const char *why = NULL;
        fo_template *t;
        if (sqlite3_column_type(names, 0) != SQLITE_TEXT ||
            !fo_is_identifier((const char *)name)) {
            char *s = shown(name);
            tell(x,
                 "%s: template \"%s\" is not a name formocr writes "
                 "([a-z][a-z0-9_]*): its documents are left out",
                 x->path, s ? s : "?");
            free(s);
            continue;
        }
        if (x->set.count == cap) {
            fo_template **grown = realloc(
                x->set.items, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 16));
            if (!grown) {
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                break;
            }
            x->set.items = grown;
        }
        if (!(t = calloc(1, sizeof *t)) || !(t->name = fo_strdup((const char *)name))) {
            free(t);
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            break;
        }
        named =
            named || (x->o->template_name && strcmp(t->name, x->o->template_name) == 0);
        why = load_fields(t, described, written, &bad);
        if (why && strcmp(why, "out of memory") == 0) {
            fo_template_destroy(&t);
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        } else if (why) {
            char *s = shown(bad);
            tell(x, "%s: template \"%s\" has %s (\"%s\"): its documents are left out",
                 x->path, t->name, why, s ? s : "?");
            free(s);
            fo_template_destroy(&t);
        } else {
            x->set.items[x->set.count++] = t;
        }
        /* after the message: bad was the row's */
        if (described)
            sqlite3_reset(described);
        sqlite3_reset(written);
    }
    if (rc == FO_OK && x->o->template_name && !named)
        rc = fo_error_set(err, FO_ERR_USAGE, "%s: holds no template \"%s\"", x->path,
                          x->o->template_name);
out:
    fo_strbuf_free(&sql);
    sqlite3_finalize(names);
    sqlite3_finalize(described);
    sqlite3_finalize(written);
    return rc;
}

static int by_name(const void *key, const void *item)
{
    return strcmp(key, (*(fo_template *const *)item)->name);
}

/* Every document the filters keep, oldest first, rebuilt and written. */
static int export_documents(export_ctx *x, fo_sink *sink, fo_export_summary *sum,
                            fo_error *err)
{
    fo_strbuf sql = FO_STRBUF_INIT;
    sqlite3_stmt *docs = NULL, *fields = NULL, *pages = NULL;
    bool ranges = fo_sql_has_column(x->db, "documents", "first_page") > 0 &&
                  fo_sql_has_column(x->db, "documents", "last_page") > 0;
    int rc;

    /* schemas 1 and 2: a document was its whole file */
    fo_strbuf_addf(&sql,
                   "SELECT d.id, d.path, d.sha256, d.bytes, d.pages, d.template, "
                   "d.status, d.score, d.error, %s, %s, %s, d.processed_at FROM "
                   "documents d",
                   column_or(x, "documents", "warning", "NULL"),
                   ranges ? "d.first_page" : "CASE WHEN d.pages > 0 THEN 1 ELSE 0 END",
                   ranges ? "d.last_page" : "coalesce(d.pages, 0)");
    add_filters(x, &sql);
    fo_strbuf_add(&sql, " ORDER BY d.id");
    if ((rc = prepare(x, &sql, &docs, err)) != FO_OK)
        goto out;
    fo_strbuf_addf(&sql,
                   "SELECT page, name, value, raw, confidence, status, x, y, w, h, "
                   "reason, %s, %s, %s FROM fields WHERE document_id = ?",
                   column_or(x, "fields", "machine_value", "NULL"),
                   column_or(x, "fields", "source", "NULL"),
                   column_or(x, "fields", "hand", "NULL"));
    if ((rc = prepare(x, &sql, &fields, err)) != FO_OK)
        goto out;
    if (fo_sql_has_column(x->db, "pages", "document_id") > 0 &&
        fo_sql_has_column(x->db, "pages", "sha256") > 0) {
        fo_strbuf_add(&sql, "SELECT " FO_SQL_PAGE_COLUMNS
                            " FROM pages WHERE document_id = ? ORDER BY rowid");
        if ((rc = prepare(x, &sql, &pages, err)) != FO_OK)
            goto out;
    }
    bind_filters(x, docs);
    while (rc == FO_OK) {
        const char *name;
        fo_template *const *found = NULL;
        fo_rebuilt r;
        int step = sqlite3_step(docs);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = db_error(x, "cannot read", err);
            break;
        }
        name = (const char *)sqlite3_column_text(docs, 5);
        if (name && !(found = bsearch(name, x->set.items, (size_t)x->set.count,
                                      sizeof *x->set.items, by_name))) {
            x->left_out++; /* a template refused above, said so there */
            continue;
        }
        if (fo_sql_rebuild_document(docs, fields, pages, found ? *found : NULL, &r) !=
            FO_OK)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        else if ((rc = fo_sink_write(sink, &r.doc, err)) == FO_OK)
            sum->documents++;
        fo_rebuilt_free(&r);
    }
out:
    fo_strbuf_free(&sql);
    sqlite3_finalize(docs);
    sqlite3_finalize(fields);
    sqlite3_finalize(pages);
    return rc;
}

int fo_export(const char *database, const char *output, const fo_export_options *o,
              fo_export_notice_fn notice, void *ctx, fo_export_summary *sum,
              fo_error *err)
{
    export_ctx x = {.path = database, .o = o, .notice = notice, .notice_ctx = ctx};
    fo_sink_options so = o->sink;
    fo_sink_format fmt;
    fo_sink *sink = NULL;
    int rc;

    memset(sum, 0, sizeof *sum);
    if (strcmp(output, "-") == 0 ||
        fo_sink_format_of(output, &so, &fmt, NULL) != FO_OK || fmt == FO_SINK_SQLITE)
        return fo_error_set(err, FO_ERR_USAGE,
                            "cannot export to \"%s\" (use .csv, .jsonl or .xlsx)",
                            output);
    if (fo_is_dir(database))
        return fo_error_set(err, FO_ERR_IO, "%s: is a folder, not a database",
                            database);
    if (!fo_is_regular_file(database))
        return fo_error_set(err, FO_ERR_IO, "%s: no such file", database);
    /* read-only: an export never changes the database, nor makes one */
    if (sqlite3_open_v2(database, &x.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = db_error(&x, "cannot open", err);
        goto out;
    }
    sqlite3_busy_timeout(x.db, 10000);
    if ((rc = check_database(&x, err)) != FO_OK ||
        (rc = load_templates(&x, err)) != FO_OK)
        goto out;
    so.templates = &x.set;
    so.command = NULL;
    so.file_outputs = false;
    if ((rc = fo_sink_open(output, &so, &sink, err)) != FO_OK)
        goto out;
    if ((rc = export_documents(&x, sink, sum, err)) != FO_OK) {
        fo_sink_abort(&sink);
        goto out;
    }
    rc = fo_sink_close(&sink, err);
out:
    sum->left_out = x.left_out;
    for (int i = 0; i < x.set.count; i++)
        fo_template_destroy(&x.set.items[i]);
    free(x.set.items);
    sqlite3_close(x.db);
    return rc;
}

/* sink.c - results to JSON Lines, CSV and SQLite (see sink.h). */
#include "formocr/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char TEMPLATE_TOKEN[] = "{template}";
/* Documents without a template go to this file of a {template} CSV. */
static const char NO_TEMPLATE[] = "none";
static const double LOCK_POLL_SECONDS = 0.1;

typedef struct csv_file {
    char *key;              /* template name, NO_TEMPLATE, or "" (one file) */
    const fo_template *tpl; /* its columns; NULL: none */
    char *path, *tmp;       /* NULL path: standard output */
    FILE *fp;
    bool header_done;
} csv_file;

struct fo_sink {
    fo_sink_format format;
    fo_sink_options o;
    char *path;             /* as given; NULL for standard output */
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
    sqlite3_stmt *del_doc, *del_unread, *ins_doc, *ins_field;
    sqlite3_int64 run_id;
};

void fo_sink_options_default(fo_sink_options *o)
{
    memset(o, 0, sizeof *o);
    o->stdout_format = FO_SINK_CSV;
    o->csv_layout = FO_CSV_WIDE;
    o->csv_sep = ',';
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int fo_sink_format_of(const char *path, const fo_sink_options *o, fo_sink_format *fmt,
                      fo_error *err)
{
    if (strcmp(path, "-") == 0)
        *fmt = o->stdout_format;
    else if (ends_with(path, ".jsonl"))
        *fmt = FO_SINK_JSONL;
    else if (ends_with(path, ".csv"))
        *fmt = FO_SINK_CSV;
    else if (ends_with(path, ".sqlite") || ends_with(path, ".db"))
        *fmt = FO_SINK_SQLITE;
    else
        return fo_error_set(err, FO_ERR_USAGE, "cannot tell the format of \"%s\" (use "
                            ".sqlite, .db, .csv or .jsonl)", path);
    return FO_OK;
}

/* ---- locking ------------------------------------------------------------- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/*
 * Takes PATH.lock (an fcntl lock, released by the kernel whatever way the
 * process ends, SIGKILL included) and writes our process id in it.
 */
static int take_lock(fo_sink *s, double timeout, fo_error *err)
{
    char *lock_path = fo_asprintf("%s.lock", s->path);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    char ebuf[128], pid[32];
    double deadline = now() + timeout;
    int fd, n;

    if (!lock_path)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot create (%s)", lock_path,
                              fo_syserr(errno, ebuf, sizeof ebuf));
        free(lock_path);
        return rc;
    }
    while (fcntl(fd, F_SETLK, &fl) != 0) {
        if ((errno != EACCES && errno != EAGAIN) || now() >= deadline) {
            char holder[32] = "";
            ssize_t r = pread(fd, holder, sizeof holder - 1, 0);
            int rc;
            holder[r > 0 ? r : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            if (errno == EACCES || errno == EAGAIN)
                rc = fo_error_set(err, FO_ERR_LOCKED, "%s: another run (process %s) is "
                                  "writing it", s->path, *holder ? holder : "unknown");
            else
                rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot lock (%s)", lock_path,
                                  fo_syserr(errno, ebuf, sizeof ebuf));
            close(fd);
            free(lock_path);
            return rc;
        }
        struct timespec pause = {0, (long)(LOCK_POLL_SECONDS * 1e9)};
        nanosleep(&pause, NULL);
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the lock holds; only the holder's name in it is missing */
    }
    free(lock_path);
    s->lock_fd = fd;
    return FO_OK;
}

static void release_lock(fo_sink *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* the lock file stays: removing it would race */
    s->lock_fd = -1;
}

/* ---- files written under a temporary name --------------------------------- */

static FILE *open_tmp(const char *path, char **tmp, fo_error *err)
{
    char ebuf[128];
    int fd;
    FILE *fp;
    if (fo_is_dir(path)) {
        fo_error_set(err, FO_ERR_OUTPUT, "%s: is a folder, not a file", path);
        return NULL;
    }
    *tmp = fo_asprintf("%s.tmp.%ld", path, (long)getpid());
    if (!*tmp) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", path,
                     fo_syserr(errno, ebuf, sizeof ebuf));
        if (fd >= 0)
            close(fd);
        free(*tmp);
        *tmp = NULL;
    }
    return fp;
}

/* Flushes, syncs and renames a temporary file into place. */
static int commit_tmp(FILE *fp, const char *tmp, const char *path, fo_error *err)
{
    char ebuf[128];
    int ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved = errno;
    ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            saved = errno;
        unlink(tmp);
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", path,
                            fo_syserr(saved, ebuf, sizeof ebuf));
    }
    return FO_OK;
}

static int write_error(const char *path, fo_error *err)
{
    char ebuf[128];
    return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)",
                        path ? path : "standard output", fo_syserr(errno, ebuf, sizeof ebuf));
}

/* ---- JSON Lines ---------------------------------------------------------- */

static int jsonl_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    char *text = fo_document_to_json(d);
    int ok;
    if (!text)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    ok = fputs(text, s->fp) >= 0 && fputc('\n', s->fp) != EOF;
    free(text);
    /* a pipe reader sees each document as soon as it is done */
    if (ok && !s->path)
        ok = fflush(s->fp) == 0;
    return ok ? FO_OK : write_error(s->path, err);
}

/* ---- CSV ----------------------------------------------------------------- */

/* A text cell from the public that a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR first) gets a leading quote. */
static bool looks_like_formula(const char *v)
{
    return *v && strchr("=+-@\t\r", *v) != NULL;
}

static int put_cell(FILE *fp, const fo_sink_options *o, const char *v, bool guard)
{
    bool quote = strchr(v, o->csv_sep) || strpbrk(v, "\"\r\n");
    if (fputs(quote ? "\"" : "", fp) < 0)
        return -1;
    if (guard && looks_like_formula(v) && fputc('\'', fp) == EOF)
        return -1;
    for (const char *p = v; *p; p++) {
        if (*p == '"' && fputc('"', fp) == EOF)
            return -1;
        if (fputc(*p, fp) == EOF)
            return -1;
    }
    return fputs(quote ? "\"" : "", fp) < 0 ? -1 : 0;
}

static int put_sep(FILE *fp, const fo_sink_options *o)
{
    return fputc(o->csv_sep, fp) == EOF ? -1 : 0;
}

/* -?digits[.digits]: a number as the check stage writes one. */
static bool is_number(const char *v)
{
    const char *p = v + (*v == '-');
    bool digits = false, dot = false;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits = true;
        else if (*p == '.' && digits && !dot)
            dot = true;
        else
            return false;
    }
    return digits && p[-1] != '.';
}

/* A field's value as its cell shows it: decimals with a comma on demand,
 * text guarded against formulas; a number keeps its minus sign, but a
 * numeric field that holds something else (an invalid reading) is text. */
static int put_value(FILE *fp, const fo_sink_options *o, const fo_field *f, const char *v)
{
    bool number = f && (f->type == FO_FIELD_INTEGER || f->type == FO_FIELD_DECIMAL) &&
                  is_number(v);
    if (number && o->decimal_comma && strchr(v, '.')) {
        char *c = fo_strdup(v);
        int rc;
        if (!c)
            return -1;
        *strchr(c, '.') = ',';
        rc = put_cell(fp, o, c, false);
        free(c);
        return rc;
    }
    return put_cell(fp, o, v, !number);
}

static int put_number(FILE *fp, const fo_sink_options *o, double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.2f", v);
    if (o->decimal_comma)
        *strchr(buf, '.') = ',';
    return put_cell(fp, o, buf, false);
}

static int csv_header(csv_file *cf, const fo_sink_options *o)
{
    static const char *const long_columns[] = {"file", "template", "field", "value",
                                               "raw", "confidence", "status"};
    FILE *fp = cf->fp;
    int rc = 0;
    if (o->bom && fputs("\xEF\xBB\xBF", fp) < 0)
        return -1;
    if (o->csv_layout == FO_CSV_LONG) {
        for (int i = 0; i < 7 && rc == 0; i++)
            rc = (i ? put_sep(fp, o) : 0) || put_cell(fp, o, long_columns[i], false);
    } else {
        rc = put_cell(fp, o, "file", false) || put_sep(fp, o) ||
             put_cell(fp, o, "template", false) || put_sep(fp, o) ||
             put_cell(fp, o, "status", false);
        for (int i = 0; cf->tpl && i < cf->tpl->nfields && rc == 0; i++)
            rc = put_sep(fp, o) || put_cell(fp, o, cf->tpl->fields[i].name, false);
    }
    cf->header_done = true;
    return rc || fputs("\r\n", fp) < 0 ? -1 : 0;
}

static int csv_wide_row(FILE *fp, const fo_sink_options *o, const fo_template *columns,
                        const fo_document *d)
{
    int rc = put_cell(fp, o, d->path, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl ? d->tpl->name : "", false) || put_sep(fp, o) ||
             put_cell(fp, o, fo_doc_status_name(d->status), false);
    for (int i = 0; columns && i < columns->nfields && rc == 0; i++) {
        const char *v = "";
        if (d->tpl == columns)
            v = d->fields[i].value;
        rc = put_sep(fp, o) || put_value(fp, o, &columns->fields[i], v);
    }
    return rc || fputs("\r\n", fp) < 0 ? -1 : 0;
}

static int csv_long_rows(FILE *fp, const fo_sink_options *o, const fo_document *d)
{
    int rc = 0;
    if (d->nfields == 0) {
        /* a document without fields still has its row: its status, and for
         * an error its message as the value */
        rc = put_cell(fp, o, d->path, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl ? d->tpl->name : "", false) || put_sep(fp, o) ||
             put_sep(fp, o) || put_cell(fp, o, d->error ? d->error : "", true) ||
             put_sep(fp, o) || put_sep(fp, o) || put_sep(fp, o) ||
             put_cell(fp, o, fo_doc_status_name(d->status), false);
        return rc || fputs("\r\n", fp) < 0 ? -1 : 0;
    }
    for (int i = 0; i < d->nfields && rc == 0; i++) {
        const fo_field_result *r = &d->fields[i];
        rc = put_cell(fp, o, d->path, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl->name, false) || put_sep(fp, o) ||
             put_cell(fp, o, r->field->name, false) || put_sep(fp, o) ||
             put_value(fp, o, r->field, r->value) || put_sep(fp, o) ||
             put_cell(fp, o, r->raw, true) || put_sep(fp, o) ||
             put_number(fp, o, r->confidence) || put_sep(fp, o) ||
             put_cell(fp, o, fo_field_status_name(r->status), false) ||
             fputs("\r\n", fp) < 0;
    }
    return rc ? -1 : 0;
}

static char *replace_token(const char *path, const char *value)
{
    const char *at = strstr(path, TEMPLATE_TOKEN);
    return fo_asprintf("%.*s%s%s", (int)(at - path), path, value,
                       at + strlen(TEMPLATE_TOKEN));
}

/* The file a document goes to, opened on first use. */
static csv_file *csv_file_for(fo_sink *s, const fo_document *d, fo_error *err)
{
    const char *key = !s->per_template ? "" : d->tpl ? d->tpl->name : NO_TEMPLATE;
    csv_file *cf, *grown;
    for (int i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].key, key) == 0)
            return &s->files[i];
    grown = realloc(s->files, sizeof *grown * (size_t)(s->nfiles + 1));
    if (!grown) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->files = grown;
    cf = &s->files[s->nfiles];
    memset(cf, 0, sizeof *cf);
    cf->key = fo_strdup(key);
    if (!cf->key) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->nfiles++;
    if (s->per_template)
        cf->tpl = d->tpl;
    else if (s->o.templates && s->o.templates->count == 1)
        cf->tpl = s->o.templates->items[0];
    if (!s->path) {
        cf->fp = stdout;
        return cf;
    }
    cf->path = s->per_template ? replace_token(s->path, key) : fo_strdup(s->path);
    if (!cf->path) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    cf->fp = open_tmp(cf->path, &cf->tmp, err);
    return cf->fp ? cf : NULL;
}

static int csv_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    csv_file *cf = csv_file_for(s, d, err);
    int rc;
    if (!cf)
        return err ? err->code : FO_ERR_OUTPUT;
    if (!cf->header_done && csv_header(cf, &s->o) != 0)
        return write_error(cf->path, err);
    rc = s->o.csv_layout == FO_CSV_LONG ? csv_long_rows(cf->fp, &s->o, d)
                                        : csv_wide_row(cf->fp, &s->o, cf->tpl, d);
    if (rc == 0 && !cf->path)
        rc = fflush(cf->fp);
    return rc == 0 ? FO_OK : write_error(cf->path, err);
}

static int csv_open(fo_sink *s, fo_error *err)
{
    const fo_template_set *set = s->o.templates;
    s->per_template = s->path && strstr(s->path, TEMPLATE_TOKEN);
    if (s->o.csv_layout == FO_CSV_WIDE && !s->per_template && set && set->count > 1)
        return fo_error_set(err, FO_ERR_USAGE, "%s: a wide CSV of several templates needs "
                            "{template} in its path (one file each), or --csv-layout long",
                            s->path ? s->path : "standard output");
    if (!s->path && s->o.csv_layout == FO_CSV_WIDE && set && set->count == 1) {
        /* on standard output the header comes at once, for a pipe */
        fo_document none = {0};
        csv_file *cf = csv_file_for(s, &none, err);
        if (!cf)
            return err ? err->code : FO_ERR_OUTPUT;
        if (csv_header(cf, &s->o) != 0 || fflush(stdout) != 0)
            return write_error(NULL, err);
    }
    return FO_OK;
}

/* ---- SQLite -------------------------------------------------------------- */

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started_at TEXT, "
    "finished_at TEXT, version TEXT, command TEXT, host TEXT, shard TEXT)",
    "CREATE TABLE IF NOT EXISTS documents(id INTEGER PRIMARY KEY, "
    "run_id INTEGER REFERENCES runs(id), path TEXT, sha256 TEXT UNIQUE, bytes INTEGER, "
    "pages INTEGER, template TEXT, template_sha256 TEXT, status TEXT, score REAL, "
    "error TEXT, processed_at TEXT)",
    "CREATE TABLE IF NOT EXISTS fields(document_id INTEGER NOT NULL "
    "REFERENCES documents(id) ON DELETE CASCADE, page INTEGER, name TEXT NOT NULL, "
    "value TEXT, raw TEXT, confidence REAL, status TEXT, x INTEGER, y INTEGER, "
    "w INTEGER, h INTEGER, reason TEXT, PRIMARY KEY(document_id, name))",
    "CREATE INDEX IF NOT EXISTS documents_template ON documents(template)",
    "CREATE INDEX IF NOT EXISTS documents_path ON documents(path)",
};
static const char *const TABLES[] = {"runs", "documents", "fields", NULL};

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

static int sql_error(fo_sink *s, const char *what, fo_error *err)
{
    char why[160];
    return fo_error_set(err, FO_ERR_OUTPUT, "%s: %s (%s%s)", s->path, what,
                        s->db ? sqlite3_errmsg(s->db) : "cannot open",
                        os_reason(s, why, sizeof why));
}

static int exec(fo_sink *s, const char *sql, fo_error *err)
{
    char *msg = NULL, why[160];
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: %s%s", s->path,
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
        return sql_error(s, "not an SQLite database", err);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > FO_SQLITE_SCHEMA_VERSION)
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: made by a newer formocr (schema %d, "
                            "this one knows %d): use that version or another output",
                            s->path, version, FO_SQLITE_SCHEMA_VERSION);
    if (version == 0) {
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE type = "
                               "'table' AND name NOT IN ('runs', 'documents', 'fields')",
                               -1, &st, NULL) != SQLITE_OK)
            return sql_error(s, "cannot read", err);
        if (sqlite3_step(st) == SQLITE_ROW)
            others = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (others > 0)
            return fo_error_set(err, FO_ERR_OUTPUT, "%s: an SQLite database that is not "
                                "formocr's (it has other tables): refusing to write in it",
                                s->path);
    }
    return FO_OK;
}

/* One view per template, named after it: a row per document, a column per
 * field, so that `select * from cerfa_14011_03` is a spreadsheet.  name and
 * fields are identifiers ([a-z][a-z0-9_]*, checked when templates load, and
 * when read back from a database): safe to write into SQL. */
static int make_view(fo_sink *s, const char *name, const char *const *fields, int n,
                     fo_error *err)
{
    size_t cap = 1024, len = 0;
    char *sql = malloc(cap);
    int rc;

    for (const char *const *table = TABLES; *table; table++)
        if (strcmp(name, *table) == 0) {
            free(sql);
            return fo_error_set(err, FO_ERR_USAGE, "%s: template \"%s\" has the name of one "
                                "of the output's tables: rename it", s->path, name);
        }
    for (int i = -1; sql && i <= n; i++) {
        char piece[512];
        int k;
        if (i == -1)
            k = snprintf(piece, sizeof piece,
                         "DROP VIEW IF EXISTS \"%s\"; CREATE VIEW \"%s\" AS SELECT "
                         "d.path AS file, d.status AS status, d.processed_at AS "
                         "processed_at", name, name);
        else if (i < n)
            /* a field named like a fixed column gets a prefix */
            k = snprintf(piece, sizeof piece,
                         ", max(CASE WHEN f.name = '%s' THEN f.value END) AS \"%s%s\"",
                         fields[i],
                         strcmp(fields[i], "file") == 0 || strcmp(fields[i], "status") == 0 ||
                                 strcmp(fields[i], "processed_at") == 0
                             ? "field_" : "",
                         fields[i]);
        else
            k = snprintf(piece, sizeof piece,
                         " FROM documents d LEFT JOIN fields f ON f.document_id = d.id "
                         "WHERE d.template = '%s' GROUP BY d.id ORDER BY d.id", name);
        while (len + (size_t)k + 1 > cap) {
            char *grown = realloc(sql, cap *= 2);
            if (!grown) {
                free(sql);
                sql = NULL;
                break;
            }
            sql = grown;
        }
        if (sql) {
            memcpy(sql + len, piece, (size_t)k + 1);
            len += (size_t)k;
        }
    }
    if (!sql)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = exec(s, sql, err);
    free(sql);
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
    rc = make_view(s, t->name, names, t->nfields, err);
    free(names);
    return rc;
}

static int sqlite_open(fo_sink *s, fo_error *err)
{
    char host[256] = "";
    sqlite3_stmt *st = NULL;
    int rc;

    if (fo_is_dir(s->path))
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: is a folder, not a file", s->path);
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return sql_error(s, "cannot open", err);
    sqlite3_busy_timeout(s->db, 10000);
    if ((rc = check_schema(s, err)) != FO_OK)
        return rc;
    /* WAL: readers (a spreadsheet, sqlite3) are never blocked by the run;
     * NORMAL sync: a power cut may lose the last commits, never corrupt,
     * and the next run redoes what was lost. */
    if ((rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                      "PRAGMA foreign_keys=ON", err)) != FO_OK)
        return rc;
    if ((rc = exec(s, "BEGIN IMMEDIATE", err)) != FO_OK)
        return rc;
    for (size_t i = 0; i < sizeof SCHEMA / sizeof *SCHEMA && rc == FO_OK; i++)
        rc = exec(s, SCHEMA[i], err);
    if (rc == FO_OK) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", FO_SQLITE_SCHEMA_VERSION);
        rc = exec(s, pragma, err);
    }
    for (int i = 0; rc == FO_OK && s->o.templates && i < s->o.templates->count; i++)
        rc = template_view(s, s->o.templates->items[i], err);
    gethostname(host, sizeof host - 1);
    if (rc == FO_OK && !s->o.command) {
        /* no run of our own */
    } else if (rc == FO_OK &&
        sqlite3_prepare_v2(s->db, "INSERT INTO runs(started_at, version, command, host, "
                           "shard) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, FORMOCR_VERSION, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, s->o.command, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, host, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, s->o.shard, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_error(s, "cannot record the run", err);
        s->run_id = sqlite3_last_insert_rowid(s->db);
    } else if (rc == FO_OK) {
        rc = sql_error(s, "cannot record the run", err);
    }
    sqlite3_finalize(st);
    if (rc != FO_OK) {
        exec(s, "ROLLBACK", NULL);
        return rc;
    }
    if ((rc = exec(s, "COMMIT", err)) != FO_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM documents WHERE sha256 = ?", -1,
                           &s->del_doc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM documents WHERE sha256 IS NULL AND path = ?",
                           -1, &s->del_unread, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO documents(run_id, path, sha256, bytes, pages, "
                           "template, template_sha256, status, score, error, processed_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                           -1, &s->ins_doc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO fields(document_id, page, name, value, raw, "
                           "confidence, status, x, y, w, h, reason) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s->ins_field, NULL) != SQLITE_OK)
        return sql_error(s, "cannot prepare", err);
    return FO_OK;
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* A document and its fields, in one transaction: all or nothing. */
static int sqlite_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    sqlite3_int64 id;
    int rc = exec(s, "BEGIN IMMEDIATE", err);
    if (rc != FO_OK)
        return rc;
    /* the same file redone (--force, --retry-errors, or unreadable again):
     * its previous row and fields go */
    if (d->sha256[0]) {
        sqlite3_bind_text(s->del_doc, 1, d->sha256, -1, SQLITE_STATIC);
        rc = step_done(s->del_doc);
    } else {
        sqlite3_bind_text(s->del_unread, 1, d->path, -1, SQLITE_STATIC);
        rc = step_done(s->del_unread);
    }
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
    rc = rc || step_done(s->ins_doc);
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
        rc = step_done(s->ins_field);
    }
    if (rc != 0) {
        rc = sql_error(s, "cannot write a document", err);
        exec(s, "ROLLBACK", NULL);
        return rc;
    }
    return exec(s, "COMMIT", err);
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
    if (sqlite3_prepare_v2(s->db, "SELECT sha256, status FROM documents WHERE sha256 IS "
                           "NOT NULL", -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "cannot read", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        if (!h || strlen(h) != 64)
            continue;
        if (*n == cap) {
            fo_known *grown = realloc(*known, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 1024));
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
        return sql_error(s, "cannot read", err);
    }
    if (*n > 1)
        qsort(*known, (size_t)*n, sizeof **known, by_hash);
    return FO_OK;
}

static int sqlite_close(fo_sink *s, bool finished, fo_error *err)
{
    int rc = FO_OK;
    sqlite3_finalize(s->del_doc);
    sqlite3_finalize(s->del_unread);
    sqlite3_finalize(s->ins_doc);
    sqlite3_finalize(s->ins_field);
    s->del_doc = s->del_unread = s->ins_doc = s->ins_field = NULL;
    if (finished && s->db && s->run_id) {
        char sql[160];
        snprintf(sql, sizeof sql, "UPDATE runs SET finished_at = strftime('%%Y-%%m-%%dT%%H:"
                 "%%M:%%SZ', 'now') WHERE id = %lld", (long long)s->run_id);
        rc = exec(s, sql, err);
    }
    if (s->db && sqlite3_close(s->db) != SQLITE_OK && rc == FO_OK)
        rc = sql_error(s, "cannot close", err);
    s->db = NULL;
    return rc;
}

/* ---- the sink ------------------------------------------------------------ */

static void free_sink(fo_sink *s)
{
    for (int i = 0; i < s->nfiles; i++) {
        free(s->files[i].key);
        free(s->files[i].path);
        free(s->files[i].tmp);
    }
    free(s->files);
    free(s->path);
    free(s->tmp);
    release_lock(s);
    free(s);
}

int fo_sink_open(const char *path, const fo_sink_options *o, fo_sink **out,
                 fo_error *err)
{
    fo_sink *s = calloc(1, sizeof *s);
    int rc;

    *out = NULL;
    if (!s)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    s->o = *o;
    s->lock_fd = -1;
    if ((rc = fo_sink_format_of(path, o, &s->format, err)) != FO_OK) {
        free_sink(s);
        return rc;
    }
    if (strcmp(path, "-") != 0) {
        s->path = fo_strdup(path);
        if (!s->path) {
            free_sink(s);
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        }
        if (s->format == FO_SINK_SQLITE && strcmp(path, "-") == 0) {
            free_sink(s);
            return fo_error_set(err, FO_ERR_USAGE, "SQLite cannot go to standard output");
        }
        if ((rc = take_lock(s, o->lock_timeout, err)) != FO_OK) {
            free_sink(s);
            return rc;
        }
    } else if (s->format == FO_SINK_SQLITE) {
        free_sink(s);
        return fo_error_set(err, FO_ERR_USAGE, "SQLite cannot go to standard output");
    }
    switch (s->format) {
    case FO_SINK_JSONL:
        if (!s->path)
            s->fp = stdout;
        else if (!(s->fp = open_tmp(s->path, &s->tmp, err)))
            rc = err ? err->code : FO_ERR_OUTPUT;
        break;
    case FO_SINK_CSV:
        rc = csv_open(s, err);
        break;
    case FO_SINK_SQLITE:
        rc = sqlite_open(s, err);
        break;
    }
    if (rc != FO_OK) {
        fo_sink_abort(&s);
        return rc;
    }
    *out = s;
    return FO_OK;
}

int fo_sink_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    switch (s->format) {
    case FO_SINK_JSONL: return jsonl_write(s, d, err);
    case FO_SINK_CSV: return csv_write(s, d, err);
    default: return sqlite_write(s, d, err);
    }
}

int fo_sink_close(fo_sink **sp, fo_error *err)
{
    fo_sink *s = *sp;
    int rc = FO_OK;
    if (!s)
        return FO_OK;
    *sp = NULL;
    switch (s->format) {
    case FO_SINK_JSONL:
        if (s->path) {
            rc = commit_tmp(s->fp, s->tmp, s->path, err);
        } else if (fflush(s->fp) != 0) {
            rc = write_error(NULL, err);
        }
        break;
    case FO_SINK_CSV:
        for (int i = 0; i < s->nfiles; i++) {
            csv_file *cf = &s->files[i];
            int r = cf->path ? commit_tmp(cf->fp, cf->tmp, cf->path, err)
                             : (fflush(cf->fp) == 0 ? FO_OK : write_error(NULL, err));
            cf->fp = NULL;
            if (r != FO_OK && rc == FO_OK)
                rc = r;
        }
        break;
    case FO_SINK_SQLITE:
        rc = sqlite_close(s, true, err);
        break;
    }
    free_sink(s);
    return rc;
}

void fo_sink_abort(fo_sink **sp)
{
    fo_sink *s = sp ? *sp : NULL;
    if (!s)
        return;
    *sp = NULL;
    if (s->format == FO_SINK_JSONL && s->path && s->fp) {
        fclose(s->fp);
        unlink(s->tmp);
    }
    for (int i = 0; i < s->nfiles; i++)
        if (s->files[i].path && s->files[i].fp) {
            fclose(s->files[i].fp);
            unlink(s->files[i].tmp);
        }
    if (s->format == FO_SINK_SQLITE)
        sqlite_close(s, false, NULL);
    free_sink(s);
}

/* ---- merging shards ------------------------------------------------------- */

static int run_id_for(fo_sink *s, sqlite3_int64 part_run, sqlite3_int64 *out,
                      fo_error *err)
{
    /* a run is the same run when it started at the same time, on the same
     * host, with the same command and shard: merging twice adds nothing */
    static const char find[] =
        "SELECT r.id FROM runs r JOIN part.runs p ON p.id = ? WHERE "
        "r.started_at IS p.started_at AND r.host IS p.host AND r.command IS p.command "
        "AND r.shard IS p.shard";
    static const char copy[] =
        "INSERT INTO runs(started_at, finished_at, version, command, host, shard) "
        "SELECT started_at, finished_at, version, command, host, shard FROM part.runs "
        "WHERE id = ?";
    sqlite3_stmt *st = NULL;
    int rc = FO_OK;

    if (sqlite3_prepare_v2(s->db, find, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "cannot merge runs", err);
    sqlite3_bind_int64(st, 1, part_run);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return FO_OK;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db, copy, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, "cannot merge runs", err);
    sqlite3_bind_int64(st, 1, part_run);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sql_error(s, "cannot merge runs", err);
    *out = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(st);
    return rc;
}

/* Rebuilds a view for every template the documents name, its columns in
 * the order the fields were first written. */
static int views_from_data(fo_sink *s, fo_error *err)
{
    sqlite3_stmt *tpl = NULL, *names = NULL;
    int rc = FO_OK;

    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT template FROM documents WHERE template "
                           "IS NOT NULL ORDER BY template", -1, &tpl, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT f.name FROM fields f JOIN documents d ON d.id = "
                           "f.document_id WHERE d.template = ? GROUP BY f.name ORDER BY "
                           "min(f.rowid)", -1, &names, NULL) != SQLITE_OK) {
        sqlite3_finalize(tpl);
        return sql_error(s, "cannot rebuild views", err);
    }
    while (rc == FO_OK && sqlite3_step(tpl) == SQLITE_ROW) {
        char *name = fo_strdup((const char *)sqlite3_column_text(tpl, 0));
        char **fields = NULL;
        int n = 0;
        bool ok = name && fo_is_identifier(name);
        sqlite3_bind_text(names, 1, name, -1, SQLITE_STATIC);
        while (ok && sqlite3_step(names) == SQLITE_ROW) {
            const char *f = (const char *)sqlite3_column_text(names, 0);
            char **grown = realloc(fields, sizeof *fields * (size_t)(n + 1));
            /* names come from a file: only identifiers go into SQL */
            if (!grown || !f || !fo_is_identifier(f)) {
                free(grown ? grown : fields);
                fields = NULL;
                ok = false;
                break;
            }
            fields = grown;
            fields[n++] = fo_strdup(f);
        }
        sqlite3_reset(names);
        if (ok)
            rc = make_view(s, name, (const char *const *)fields, n, err);
        for (int i = 0; fields && i < n; i++)
            free(fields[i]);
        free(fields);
        free(name);
    }
    sqlite3_finalize(tpl);
    sqlite3_finalize(names);
    return rc;
}

int fo_sink_merge(fo_sink *s, const char *part, fo_error *err)
{
    static const char docs[] =
        "SELECT id, run_id, sha256, path, processed_at FROM part.documents ORDER BY id";
    static const char mine[] =
        "SELECT id, processed_at FROM documents WHERE sha256 IS ?1 AND "
        "(?1 IS NOT NULL OR path = ?2)";
    static const char copy_doc[] =
        "INSERT INTO documents(run_id, path, sha256, bytes, pages, template, "
        "template_sha256, status, score, error, processed_at) SELECT ?, path, sha256, "
        "bytes, pages, template, template_sha256, status, score, error, processed_at "
        "FROM part.documents WHERE id = ?";
    static const char copy_fields[] =
        "INSERT INTO fields(document_id, page, name, value, raw, confidence, status, x, y, "
        "w, h, reason) SELECT ?, page, name, value, raw, confidence, status, x, y, w, h, "
        "reason FROM part.fields WHERE document_id = ? ORDER BY rowid";
    sqlite3_stmt *attach = NULL, *d = NULL, *m = NULL, *del = NULL, *cd = NULL, *cf = NULL;
    sqlite3_stmt *ver = NULL;
    int rc = FO_OK, version = -1;

    if (s->format != FO_SINK_SQLITE)
        return fo_error_set(err, FO_ERR_USAGE, "merging needs an SQLite output");
    if (!fo_is_regular_file(part))
        return fo_error_set(err, FO_ERR_IO, "%s: no such file", part);
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ? AS part", -1, &attach, NULL) != SQLITE_OK)
        return sql_error(s, "cannot attach", err);
    sqlite3_bind_text(attach, 1, part, -1, SQLITE_STATIC);
    if (sqlite3_step(attach) != SQLITE_DONE) {
        sqlite3_finalize(attach);
        return fo_error_set(err, FO_ERR_IO, "%s: cannot open (%s)", part,
                            sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(attach);
    if (sqlite3_prepare_v2(s->db, "PRAGMA part.user_version", -1, &ver, NULL) == SQLITE_OK &&
        sqlite3_step(ver) == SQLITE_ROW)
        version = sqlite3_column_int(ver, 0);
    sqlite3_finalize(ver);
    if (version != FO_SQLITE_SCHEMA_VERSION) {
        rc = fo_error_set(err, FO_ERR_IO, "%s: schema version %d, this formocr writes %d: "
                          "refused", part, version, FO_SQLITE_SCHEMA_VERSION);
        goto detach;
    }
    /* a part goes in whole or not at all: a merge killed midway is rolled
     * back, and merging again finishes it */
    if ((rc = exec(s, "BEGIN IMMEDIATE", err)) != FO_OK)
        goto detach;
    if (sqlite3_prepare_v2(s->db, docs, -1, &d, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, mine, -1, &m, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM documents WHERE id = ?", -1, &del, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db, copy_doc, -1, &cd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, copy_fields, -1, &cf, NULL) != SQLITE_OK) {
        rc = fo_error_set(err, FO_ERR_IO, "%s: not a formocr database (%s)", part,
                          sqlite3_errmsg(s->db));
        goto rollback;
    }
    while (rc == FO_OK && sqlite3_step(d) == SQLITE_ROW) {
        sqlite3_int64 pid = sqlite3_column_int64(d, 0), run;
        const char *when = (const char *)sqlite3_column_text(d, 4);
        bool take = true;
        /* the same file in the output already: the most recent one stays */
        sqlite3_bind_value(m, 1, sqlite3_column_value(d, 2));
        sqlite3_bind_value(m, 2, sqlite3_column_value(d, 3));
        if (sqlite3_step(m) == SQLITE_ROW) {
            const char *have = (const char *)sqlite3_column_text(m, 1);
            take = when && (!have || strcmp(when, have) > 0);
            if (take) {
                sqlite3_bind_int64(del, 1, sqlite3_column_int64(m, 0));
                if (step_done(del) != 0)
                    rc = sql_error(s, "cannot merge a document", err);
            }
        }
        sqlite3_reset(m);
        if (!take || rc != FO_OK)
            continue;
        if ((rc = run_id_for(s, sqlite3_column_int64(d, 1), &run, err)) != FO_OK)
            break;
        sqlite3_bind_int64(cd, 1, run);
        sqlite3_bind_int64(cd, 2, pid);
        if (step_done(cd) != 0) {
            rc = sql_error(s, "cannot merge a document", err);
            break;
        }
        sqlite3_bind_int64(cf, 1, sqlite3_last_insert_rowid(s->db));
        sqlite3_bind_int64(cf, 2, pid);
        if (step_done(cf) != 0)
            rc = sql_error(s, "cannot merge fields", err);
    }
    /* runs whose documents were all superseded are kept too */
    if (rc == FO_OK) {
        sqlite3_stmt *runs = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT id FROM part.runs ORDER BY id", -1, &runs,
                               NULL) != SQLITE_OK)
            rc = sql_error(s, "cannot merge runs", err);
        while (rc == FO_OK && runs && sqlite3_step(runs) == SQLITE_ROW) {
            sqlite3_int64 ignored;
            rc = run_id_for(s, sqlite3_column_int64(runs, 0), &ignored, err);
        }
        sqlite3_finalize(runs);
    }
    if (rc == FO_OK)
        rc = views_from_data(s, err);
rollback:
    sqlite3_finalize(d);
    sqlite3_finalize(m);
    sqlite3_finalize(del);
    sqlite3_finalize(cd);
    sqlite3_finalize(cf);
    if (rc == FO_OK)
        rc = exec(s, "COMMIT", err);
    else
        exec(s, "ROLLBACK", NULL);
detach:
    exec(s, "DETACH DATABASE part", NULL);
    return rc;
}

/* store.c - formocr review's reads and writes of the database
 * (review_internal.h). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decisions.h"
#include "formocr/sink.h"
#include "review_internal.h"
#include "util.h"

/* A field a person is to look at: flagged by the checks, not decided. */
#define FLAGGED "('low_confidence', 'invalid', 'missing')"
/* what a decision may change: a flagged field, or one decided (by another
 * reviewer, or before): never a field the checks found ok */
#define FLAGGED_OR_DECIDED                                                             \
    "('low_confidence', 'invalid', 'missing', 'corrected', 'unreadable')"

static int db_error(sqlite3 *db, const char *what, fo_error *err)
{
    return fo_error_set(err, FO_ERR_IO, "%s (%s)", what, sqlite3_errmsg(db));
}

/* Whether the folder holding path takes new files (SQLite's journal). */
static bool dir_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? fo_asprintf("%.*s", (int)(slash - path + 1), path) : NULL;
    bool ok = access(slash ? (dir ? dir : "/") : ".", W_OK) == 0;
    free(dir);
    return ok;
}

int fo_review_open(const char *path, sqlite3 **db, fo_error *err)
{
    sqlite3_stmt *st = NULL;
    int version = -1, tables = 0;

    *db = NULL;
    if (fo_is_dir(path))
        return fo_error_set(err, FO_ERR_IO, "%s: is a folder, not a database", path);
    if (!fo_is_regular_file(path))
        return fo_error_set(err, FO_ERR_IO, "%s: no such file", path);
    /* decisions are written into it, beside it (its journal): say so
     * rather than fail on the first one */
    if (access(path, R_OK | W_OK) != 0 || !dir_writable(path))
        return fo_error_set(err, FO_ERR_IO,
                            "%s: cannot write in it or its folder (%s): review "
                            "records the decisions there",
                            path, strerror(errno ? errno : EACCES));
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        int rc = fo_error_set(err, FO_ERR_IO, "%s: cannot open (%s)", path,
                              *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return rc;
    }
    sqlite3_busy_timeout(*db, 10000);
    if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(*db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                           "AND name IN ('documents', 'fields', 'pages', "
                           "'template_fields', 'corrections')",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > FO_SQLITE_SCHEMA_VERSION) {
        sqlite3_close(*db);
        *db = NULL;
        return fo_error_set(
            err, FO_ERR_IO,
            "%s: made by a newer formocr (schema %d, this one knows %d)", path, version,
            FO_SQLITE_SCHEMA_VERSION);
    }
    if (version < 0 || tables == 0 ||
        (version == FO_SQLITE_SCHEMA_VERSION && tables != 5)) {
        sqlite3_close(*db);
        *db = NULL;
        return fo_error_set(err, FO_ERR_IO, "%s: not a formocr database", path);
    }
    if (version != FO_SQLITE_SCHEMA_VERSION || tables != 5) {
        sqlite3_close(*db);
        *db = NULL;
        return fo_error_set(err, FO_ERR_IO,
                            "%s: a formocr database of schema %d; review needs %d: "
                            "a run of this formocr on it (any input) brings it there",
                            path, version, FO_SQLITE_SCHEMA_VERSION);
    }
    if (sqlite3_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON", NULL, NULL,
                     NULL) != SQLITE_OK) {
        int rc = db_error(*db, "cannot set the database up", err);
        sqlite3_close(*db);
        *db = NULL;
        return rc;
    }
    return FO_OK;
}

int fo_review_has_template(sqlite3 *db, const char *name, bool *has, fo_error *err)
{
    sqlite3_stmt *st;
    *has = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM documents WHERE template = ? LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK)
        return db_error(db, "cannot read the documents", err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    *has = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return FO_OK;
}

/* Text of a column as JSON: a string, or null.  Text that is not UTF-8 (a
 * database written by something else) has its bad bytes shown as '?' and
 * *altered set (when not NULL): what is shown is then not what is stored. */
static json_t *text_json_alt(sqlite3_stmt *st, int col, bool *altered)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    json_t *j;
    char *clean;
    if (!t)
        return json_null();
    if ((j = json_string((const char *)t)))
        return j;
    if (!(clean = fo_strdup((const char *)t)))
        return NULL;
    for (unsigned char *p = (unsigned char *)clean; *p; p++)
        if (*p >= 0x80)
            *p = '?';
    j = json_string(clean);
    free(clean);
    if (altered)
        *altered = true;
    return j;
}

static json_t *text_json(sqlite3_stmt *st, int col)
{
    return text_json_alt(st, col, NULL);
}

static json_t *left_json(sqlite3 *db, const char *template_, fo_error *err)
{
    sqlite3_stmt *st;
    json_t *left = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), count(DISTINCT f.document_id) FROM fields "
                           "f JOIN documents d ON d.id = f.document_id WHERE f.status "
                           "IN " FLAGGED " AND (?1 IS NULL OR d.template = ?1)",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(db, "cannot count the flagged fields", err);
        return NULL;
    }
    if (template_)
        sqlite3_bind_text(st, 1, template_, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        left =
            json_pack("{s:I, s:I}", "fields", (json_int_t)sqlite3_column_int64(st, 0),
                      "documents", (json_int_t)sqlite3_column_int64(st, 1));
    else
        db_error(db, "cannot count the flagged fields", err);
    sqlite3_finalize(st);
    return left;
}

char *fo_review_left(sqlite3 *db, const char *template_, fo_error *err)
{
    json_t *left = left_json(db, template_, err);
    char *text = left ? json_dumps(left, JSON_COMPACT) : NULL;
    json_decref(left);
    return text;
}

/* The flagged fields of document id, in the template's order. */
static json_t *flagged_fields(sqlite3 *db, long long id, fo_error *err)
{
    sqlite3_stmt *st;
    json_t *fields = json_array();
    if (!fields)
        return NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT f.name, tf.label, f.value, f.raw, f.confidence, "
                           "f.status, f.reason FROM fields f JOIN documents d ON d.id "
                           "= f.document_id LEFT JOIN template_fields tf ON "
                           "tf.template = d.template AND tf.name = f.name WHERE "
                           "f.document_id = ? AND f.status IN " FLAGGED
                           " ORDER BY coalesce(tf.position, 1e9), f.rowid",
                           -1, &st, NULL) != SQLITE_OK) {
        json_decref(fields);
        db_error(db, "cannot read the fields", err);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    while (fields && sqlite3_step(st) == SQLITE_ROW) {
        double conf = sqlite3_column_double(st, 4);
        bool altered = false;
        json_t *value = text_json_alt(st, 2, &altered);
        /* a value shown otherwise than stored cannot be accepted as shown:
         * the page asks for it to be typed */
        json_t *f = json_pack("{s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:b}", "name",
                              text_json(st, 0), "label", text_json(st, 1), "value",
                              value, "raw", text_json(st, 3), "confidence",
                              isfinite(conf) ? conf : 0.0, "status", text_json(st, 5),
                              "reason", text_json(st, 6), "altered", altered);
        if (!f || json_array_append_new(fields, f) != 0) {
            json_decref(fields);
            fields = NULL;
        }
    }
    sqlite3_finalize(st);
    if (!fields)
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    return fields;
}

char *fo_review_next(sqlite3 *db, const char *template_, long long after, fo_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *doc = NULL, *left = NULL, *out = NULL;
    char *text = NULL;
    long long id = 0;

    if (sqlite3_prepare_v2(
            db,
            "SELECT d.id, d.path, d.template, d.first_page, d.last_page FROM documents "
            "d WHERE (?1 IS NULL OR d.template = ?1) AND EXISTS (SELECT 1 FROM fields "
            "f WHERE f.document_id = d.id AND f.status IN " FLAGGED ") ORDER BY "
            "d.id > ?2 DESC, d.id LIMIT 1",
            -1, &st, NULL) != SQLITE_OK) {
        db_error(db, "cannot read the documents", err);
        return NULL;
    }
    if (template_)
        sqlite3_bind_text(st, 1, template_, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        doc = json_pack("{s:I, s:o, s:o, s:i, s:i}", "id", (json_int_t)id, "file",
                        text_json(st, 1), "template", text_json(st, 2), "first_page",
                        sqlite3_column_int(st, 3), "last_page",
                        sqlite3_column_int(st, 4));
        if (!doc)
            fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (id && doc) {
        json_t *fields = flagged_fields(db, id, err);
        if (!fields || json_object_set_new(doc, "fields", fields) != 0) {
            json_decref(doc);
            return NULL;
        }
    } else if (id) {
        return NULL;
    }
    if (!(left = left_json(db, template_, err))) {
        json_decref(doc);
        return NULL;
    }
    out = json_pack("{s:o, s:o}", "document", doc ? doc : json_null(), "left", left);
    if (out)
        text = json_dumps(out, JSON_COMPACT);
    if (!text)
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    json_decref(out);
    return text;
}

/* Why a decision found no field to take it: the document is gone (read
 * again since: its rows have new ids), or has no such field for review. */
static int no_such_field(sqlite3 *db, long long id, const char *field, fo_error *err)
{
    sqlite3_stmt *st;
    bool doc = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM documents WHERE id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        doc = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    if (!doc)
        return fo_error_set(err, FO_ERR_USAGE,
                            "document %lld is no longer in the database (read again "
                            "since?): reload the page",
                            id);
    return fo_error_set(err, FO_ERR_USAGE,
                        "document %lld has no field \"%s\" to review (flagged or "
                        "decided)",
                        id, field);
}

int fo_review_decide(sqlite3 *db, const char *template_, long long id,
                     const char *field, const char *value, bool unreadable,
                     const char *who, fo_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = FO_OK;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(db, "the database is busy", err);
    /* the machine's reading is the one before any decision */
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO corrections(sha256, first_page, template, field, "
            "machine_value, value, status, who, at) SELECT d.sha256, d.first_page, "
            "d.template, f.name, coalesce(f.machine_value, f.value), ?3, ?4, ?5, "
            "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM fields f JOIN documents d ON "
            "d.id = f.document_id WHERE d.id = ?1 AND f.name = ?2 AND d.sha256 IS NOT "
            "NULL AND d.template IS NOT NULL AND (?6 IS NULL OR d.template = ?6) AND "
            "f.status IN " FLAGGED_OR_DECIDED,
            -1, &st, NULL) != SQLITE_OK) {
        rc = db_error(db, "cannot record the decision", err);
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
    if (!unreadable)
        sqlite3_bind_text(st, 3, value ? value : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, unreadable ? "unreadable" : "corrected", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 5, who, -1, SQLITE_STATIC);
    if (template_)
        sqlite3_bind_text(st, 6, template_, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_error(db, "cannot record the decision", err);
    else if (sqlite3_changes(db) != 1)
        rc = no_such_field(db, id, field, err);
    else if (fo_sql_apply_decisions(db, id) != SQLITE_OK)
        rc = db_error(db, "cannot apply the decision", err);
out:
    sqlite3_finalize(st);
    if (rc == FO_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_error(db, "cannot commit the decision", err);
    if (rc != FO_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int fo_review_parse_decision(const char *body, size_t size, fo_review_decision *out,
                             fo_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(body, size, JSON_REJECT_DUPLICATES, &jerr);
    json_t *doc = json_object_get(j, "document"), *field = json_object_get(j, "field");
    json_t *value = json_object_get(j, "value");
    json_t *unreadable = json_object_get(j, "unreadable");
    int rc = FO_OK;

    memset(out, 0, sizeof *out);
    /* a value of text (no NUL byte inside), or unreadable: true; a field
     * name is looked up, never written into SQL */
    if (!json_is_object(j) || !json_is_integer(doc) || json_integer_value(doc) < 1 ||
        !json_is_string(field) || (value && !json_is_string(value)) ||
        (unreadable && !json_is_boolean(unreadable)) ||
        (!value && !json_is_true(unreadable)) || (value && json_is_true(unreadable)) ||
        (value && (json_string_length(value) > FO_REVIEW_MAX_VALUE ||
                   strlen(json_string_value(value)) != json_string_length(value))) ||
        json_string_length(field) > 256 ||
        strlen(json_string_value(field)) != json_string_length(field)) {
        rc = fo_error_set(err, FO_ERR_USAGE,
                          "a decision is {document, field, value} or {document, field, "
                          "unreadable: true}: a value of text of up to %d bytes",
                          FO_REVIEW_MAX_VALUE);
    } else {
        out->document = (long long)json_integer_value(doc);
        out->unreadable = json_is_true(unreadable);
        out->field = fo_strdup(json_string_value(field));
        out->value = value ? fo_strdup(json_string_value(value)) : NULL;
        if (!out->field || (value && !out->value)) {
            fo_review_decision_free(out);
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        }
    }
    json_decref(j);
    return rc;
}

void fo_review_decision_free(fo_review_decision *d)
{
    free(d->field);
    free(d->value);
    d->field = d->value = NULL;
}

bool fo_review_parse_transform(const char *text, double t[6])
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    bool ok = a && json_is_array(a) && json_array_size(a) == 6;
    for (size_t i = 0; ok && i < 6; i++) {
        json_t *v = json_array_get(a, i);
        ok = json_is_number(v) && isfinite(json_number_value(v));
        if (ok)
            t[i] = json_number_value(v);
    }
    json_decref(a);
    return ok;
}

int fo_review_place_of(sqlite3 *db, long long id, const char *field,
                       fo_review_place *out, fo_error *err)
{
    sqlite3_stmt *st;
    int rc = FO_OK;

    memset(out, 0, sizeof *out);
    /* the page the field was read on, of the document's own file or of a
     * file joined to it (fields.file, pages.path: NULL for its own) */
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce(f.file, d.path), coalesce(p.sha256, "
                           "d.sha256), f.page, f.x, f.y, f.w, f.h, p.transform FROM "
                           "fields f JOIN documents d ON d.id = f.document_id JOIN "
                           "pages p ON p.document_id = d.id AND p.file_page = f.page "
                           "AND p.path IS f.file WHERE d.id = ? AND f.name = ? AND "
                           "p.status = 'read' LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(db, "cannot read the field", err);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = fo_error_set(err, FO_ERR_USAGE,
                          "document %lld: no field \"%s\" read on a page", id, field);
    } else {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        const char *sha = (const char *)sqlite3_column_text(st, 1);
        sqlite3_int64 v[5];
        bool in_range = true;
        for (int k = 0; k < 5; k++) {
            v[k] = sqlite3_column_int64(st, 2 + k);
            in_range = in_range && v[k] > -1000000 && v[k] < 1000000;
        }
        out->page = (int)v[0];
        out->x = (int)v[1];
        out->y = (int)v[2];
        out->w = (int)v[3];
        out->h = (int)v[4];
        if (!path || !sha || strlen(sha) != 64 || !in_range ||
            !fo_review_parse_transform((const char *)sqlite3_column_text(st, 7),
                                       out->transform))
            rc = fo_error_set(err, FO_ERR_USAGE, "document %lld: \"%s\" has no place",
                              id, field);
        else if (!(out->path = fo_strdup(path)))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        else
            memcpy(out->sha256, sha, 65);
    }
    sqlite3_finalize(st);
    if (rc != FO_OK)
        fo_review_place_free(out);
    return rc;
}

void fo_review_place_free(fo_review_place *p)
{
    free(p->path);
    p->path = NULL;
}

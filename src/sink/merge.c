/* merge.c - merging the SQLite outputs of shards into one (sink.h). */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decisions.h"
#include "sink_internal.h"
#include "util.h"

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
        return fo_sql_error(s, "cannot merge runs", err);
    sqlite3_bind_int64(st, 1, part_run);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return FO_OK;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db, copy, -1, &st, NULL) != SQLITE_OK)
        return fo_sql_error(s, "cannot merge runs", err);
    sqlite3_bind_int64(st, 1, part_run);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = fo_sql_error(s, "cannot merge runs", err);
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

    if (sqlite3_prepare_v2(s->db,
                           "SELECT DISTINCT template FROM documents WHERE template "
                           "IS NOT NULL ORDER BY template",
                           -1, &tpl, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            s->db,
            "SELECT f.name FROM fields f JOIN documents d ON d.id = "
            "f.document_id WHERE d.template = ? GROUP BY f.name ORDER BY "
            "min(f.rowid)",
            -1, &names, NULL) != SQLITE_OK) {
        sqlite3_finalize(tpl);
        return fo_sql_error(s, "cannot rebuild views", err);
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
            rc = fo_sql_make_view(s, name, (const char *const *)fields, n, err);
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
    struct stat out, in;
    static const char docs[] =
        "SELECT id, run_id, sha256, path, processed_at FROM part.documents ORDER BY id";
    /* an unread file (no hash) is known by its path */
    static const char mine[] =
        "SELECT id, processed_at FROM documents WHERE sha256 IS NULL AND path = ?";
    static const char taken[] = "SELECT 1 FROM temp.merge_take WHERE sha256 = ?";
    /* the files of the part to take whole: absent from the output, or
     * processed more recently there (a file's documents share their run) */
    static const char decide[] =
        "CREATE TEMP TABLE IF NOT EXISTS merge_take(sha256 TEXT PRIMARY KEY);"
        "DELETE FROM temp.merge_take;"
        "INSERT INTO temp.merge_take SELECT p.sha256 FROM part.documents p WHERE "
        "p.sha256 IS NOT NULL GROUP BY p.sha256 HAVING NOT EXISTS (SELECT 1 FROM "
        "main.documents o WHERE o.sha256 = p.sha256) OR max(p.processed_at) > "
        "(SELECT max(o.processed_at) FROM main.documents o WHERE o.sha256 = "
        "p.sha256);"
        "DELETE FROM main.documents WHERE sha256 IN (SELECT sha256 FROM "
        "temp.merge_take)";
    /* schema 1 parts have no warning column, 1 and 2 no page range (their
     * document was the whole file) */
    static const char copy_doc_v1[] =
        "INSERT INTO documents(run_id, path, sha256, bytes, pages, template, "
        "template_sha256, status, score, error, processed_at, first_page, last_page) "
        "SELECT ?, path, sha256, bytes, pages, template, template_sha256, status, "
        "score, error, processed_at, CASE WHEN pages > 0 THEN 1 ELSE 0 END, "
        "coalesce(pages, 0) FROM part.documents WHERE id = ?";
    static const char copy_doc_v2[] =
        "INSERT INTO documents(run_id, path, sha256, bytes, pages, template, "
        "template_sha256, status, score, error, processed_at, warning, first_page, "
        "last_page) SELECT ?, path, sha256, bytes, pages, template, template_sha256, "
        "status, score, error, processed_at, warning, CASE WHEN pages > 0 THEN 1 ELSE "
        "0 END, coalesce(pages, 0) FROM part.documents WHERE id = ?";
    static const char copy_doc[] =
        "INSERT INTO documents(run_id, path, sha256, bytes, pages, template, "
        "template_sha256, status, score, error, processed_at, warning, first_page, "
        "last_page) SELECT ?, path, sha256, bytes, pages, template, template_sha256, "
        "status, score, error, processed_at, warning, first_page, last_page FROM "
        "part.documents WHERE id = ?";
    static const char copy_fields[] =
        "INSERT INTO fields(document_id, page, name, value, raw, confidence, status, "
        "x, y, w, h, reason) SELECT ?, page, name, value, raw, confidence, status, x, "
        "y, w, h, reason FROM part.fields WHERE document_id = ? ORDER BY rowid";
    static const char copy_fields_v3[] =
        "INSERT INTO fields(document_id, page, name, value, raw, confidence, status, "
        "x, y, w, h, reason, file) SELECT ?, page, name, value, raw, confidence, "
        "status, x, y, w, h, reason, file FROM part.fields WHERE document_id = ? "
        "ORDER BY rowid";
    static const char copy_fields_v4[] =
        "INSERT INTO fields(document_id, page, name, value, raw, confidence, status, "
        "x, y, w, h, reason, file, machine_value, source, hand) SELECT ?, page, "
        "name, value, raw, confidence, status, x, y, w, h, reason, file, "
        "machine_value, source, hand FROM part.fields WHERE document_id = ? ORDER BY "
        "rowid";
    /* people's decisions are all kept (a part's that the output lacks), and
     * the part's template descriptions replace the output's */
    static const char copy_decisions[] =
        "INSERT INTO corrections(sha256, first_page, template, field, "
        "machine_value, value, status, who, at) SELECT sha256, first_page, "
        "template, field, machine_value, value, status, who, at FROM "
        "part.corrections p WHERE NOT EXISTS (SELECT 1 FROM main.corrections c "
        "WHERE c.sha256 = p.sha256 AND c.first_page = p.first_page AND c.template "
        "= p.template AND c.field = p.field AND c.at IS p.at AND c.value IS "
        "p.value AND c.status = p.status) ORDER BY id;"
        "INSERT OR REPLACE INTO template_fields SELECT * FROM part.template_fields";
    static const char copy_pages[] =
        "INSERT INTO pages(document_id, file_page, template_page, orientation, "
        "transform, score, status, path, sha256) SELECT ?1, file_page, "
        "template_page, orientation, transform, score, status, path, sha256 FROM "
        "part.pages WHERE document_id = ?2 ORDER BY rowid";
    sqlite3_stmt *attach = NULL, *d = NULL, *m = NULL, *del = NULL, *cd = NULL,
                 *cf = NULL, *cp = NULL, *tk = NULL;
    sqlite3_stmt *ver = NULL;
    int rc = FO_OK, version = -1;

    if (s->format != FO_SINK_SQLITE)
        return fo_error_set(err, FO_ERR_USAGE, "merging needs an SQLite output");
    if (s->path && stat(s->path, &out) == 0 && stat(part, &in) == 0 &&
        out.st_dev == in.st_dev && out.st_ino == in.st_ino)
        return fo_error_set(err, FO_ERR_USAGE, "%s: is the output itself", part);
    if (!fo_is_regular_file(part))
        return fo_error_set(err, FO_ERR_IO, "%s: no such file", part);
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ? AS part", -1, &attach, NULL) !=
        SQLITE_OK)
        return fo_sql_error(s, "cannot attach", err);
    sqlite3_bind_text(attach, 1, part, -1, SQLITE_STATIC);
    if (sqlite3_step(attach) != SQLITE_DONE) {
        sqlite3_finalize(attach);
        return fo_error_set(err, FO_ERR_IO, "%s: cannot open (%s)", part,
                            sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(attach);
    if (sqlite3_prepare_v2(s->db, "PRAGMA part.user_version", -1, &ver, NULL) ==
            SQLITE_OK &&
        sqlite3_step(ver) == SQLITE_ROW)
        version = sqlite3_column_int(ver, 0);
    sqlite3_finalize(ver);
    if (version < 1 || version > FO_SQLITE_SCHEMA_VERSION) {
        rc = fo_error_set(err, FO_ERR_IO,
                          "%s: schema version %d, this formocr writes %d: "
                          "refused",
                          part, version, FO_SQLITE_SCHEMA_VERSION);
        goto detach;
    }
    /* a part goes in whole or not at all: a merge killed midway is rolled
     * back, and merging again finishes it */
    if ((rc = fo_sql_exec(s, "BEGIN IMMEDIATE", err)) != FO_OK)
        goto detach;
    /* the same file in the output already: the most recent one stays, all
     * its documents together */
    if (fo_sql_exec(s, decide, NULL) != FO_OK ||
        sqlite3_prepare_v2(s->db, docs, -1, &d, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, mine, -1, &m, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, taken, -1, &tk, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM documents WHERE id = ?", -1, &del,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           version >= 3   ? copy_doc
                           : version == 2 ? copy_doc_v2
                                          : copy_doc_v1,
                           -1, &cd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           version >= 4   ? copy_fields_v4
                           : version == 3 ? copy_fields_v3
                                          : copy_fields,
                           -1, &cf, NULL) != SQLITE_OK ||
        (version >= 3 &&
         sqlite3_prepare_v2(s->db, copy_pages, -1, &cp, NULL) != SQLITE_OK)) {
        rc = fo_error_set(err, FO_ERR_IO, "%s: not a formocr database (%s)", part,
                          sqlite3_errmsg(s->db));
        goto rollback;
    }
    while (rc == FO_OK && sqlite3_step(d) == SQLITE_ROW) {
        sqlite3_int64 pid = sqlite3_column_int64(d, 0), run, id;
        const char *when = (const char *)sqlite3_column_text(d, 4);
        bool take = true;
        if (sqlite3_column_type(d, 2) != SQLITE_NULL) {
            sqlite3_bind_value(tk, 1, sqlite3_column_value(d, 2));
            take = sqlite3_step(tk) == SQLITE_ROW;
            sqlite3_reset(tk);
        } else {
            sqlite3_bind_value(m, 1, sqlite3_column_value(d, 3));
            if (sqlite3_step(m) == SQLITE_ROW) {
                const char *have = (const char *)sqlite3_column_text(m, 1);
                take = when && (!have || strcmp(when, have) > 0);
                if (take) {
                    sqlite3_bind_int64(del, 1, sqlite3_column_int64(m, 0));
                    if (fo_sql_step_done(del) != 0)
                        rc = fo_sql_error(s, "cannot merge a document", err);
                }
            }
            sqlite3_reset(m);
        }
        if (!take || rc != FO_OK)
            continue;
        if ((rc = run_id_for(s, sqlite3_column_int64(d, 1), &run, err)) != FO_OK)
            break;
        sqlite3_bind_int64(cd, 1, run);
        sqlite3_bind_int64(cd, 2, pid);
        if (fo_sql_step_done(cd) != 0) {
            rc = fo_sql_error(s, "cannot merge a document", err);
            break;
        }
        id = sqlite3_last_insert_rowid(s->db);
        sqlite3_bind_int64(cf, 1, id);
        sqlite3_bind_int64(cf, 2, pid);
        if (fo_sql_step_done(cf) != 0)
            rc = fo_sql_error(s, "cannot merge fields", err);
        if (cp && rc == FO_OK) {
            sqlite3_bind_int64(cp, 1, id);
            sqlite3_bind_int64(cp, 2, pid);
            if (fo_sql_step_done(cp) != 0)
                rc = fo_sql_error(s, "cannot merge pages", err);
        }
    }
    /* runs whose documents were all superseded are kept too */
    if (rc == FO_OK) {
        sqlite3_stmt *runs = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT id FROM part.runs ORDER BY id", -1, &runs,
                               NULL) != SQLITE_OK)
            rc = fo_sql_error(s, "cannot merge runs", err);
        while (rc == FO_OK && runs && sqlite3_step(runs) == SQLITE_ROW) {
            sqlite3_int64 ignored;
            rc = run_id_for(s, sqlite3_column_int64(runs, 0), &ignored, err);
        }
        sqlite3_finalize(runs);
    }
    if (rc == FO_OK && version >= 4)
        rc = fo_sql_exec(s, copy_decisions, err);
    /* a document a part read again keeps what people decided on it */
    if (rc == FO_OK && fo_sql_apply_decisions(s->db, 0) != SQLITE_OK)
        rc = fo_sql_error(s, "cannot apply the corrections", err);
    if (rc == FO_OK)
        rc = views_from_data(s, err);
rollback:
    sqlite3_finalize(d);
    sqlite3_finalize(m);
    sqlite3_finalize(del);
    sqlite3_finalize(cd);
    sqlite3_finalize(cf);
    sqlite3_finalize(cp);
    sqlite3_finalize(tk);
    if (rc == FO_OK)
        rc = fo_sql_exec(s, "COMMIT", err);
    else
        fo_sql_exec(s, "ROLLBACK", NULL);
detach:
    fo_sql_exec(s, "DETACH DATABASE part", NULL);
    return rc;
}

/*
 * fuzz_review.c - libFuzzer target: what formocr review takes from a
 * request.  The input is a decision's body as the page posts it; parsed,
 * it is applied to a small database (a document of two fields), and what
 * the page would show next is built.  A decision parsed must name a
 * document and a field; one applied must leave the field with exactly its
 * value and the document's status one of ok or review.  The input is also
 * read as a stored transform.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "review_internal.h"
#include "util.h"

static sqlite3 *db;
static unsigned long runs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char setup[] =
        "PRAGMA user_version = 4;"
        "CREATE TABLE runs(id INTEGER PRIMARY KEY);"
        "CREATE TABLE documents(id INTEGER PRIMARY KEY, run_id INTEGER, path TEXT, "
        "sha256 TEXT, bytes INTEGER, pages INTEGER, template TEXT, template_sha256 "
        "TEXT, status TEXT, score REAL, error TEXT, processed_at TEXT, warning TEXT, "
        "first_page INTEGER, last_page INTEGER);"
        "CREATE TABLE fields(document_id INTEGER, page INTEGER, name TEXT, value "
        "TEXT, raw TEXT, confidence REAL, status TEXT, x INTEGER, y INTEGER, w "
        "INTEGER, h INTEGER, reason TEXT, file TEXT, machine_value TEXT, source TEXT, "
        "PRIMARY KEY(document_id, name));"
        "CREATE TABLE pages(document_id INTEGER, file_page INTEGER, template_page "
        "INTEGER, orientation INTEGER, transform TEXT, score REAL, status TEXT, path "
        "TEXT, sha256 TEXT);"
        "CREATE TABLE template_fields(template TEXT, name TEXT, position INTEGER, page "
        "INTEGER, type TEXT, identifier INTEGER, label TEXT);"
        "CREATE TABLE corrections(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, "
        "first_page INTEGER NOT NULL, template TEXT NOT NULL, field TEXT NOT NULL, "
        "machine_value TEXT, value TEXT, status TEXT NOT NULL, who TEXT, at TEXT);"
        "INSERT INTO documents VALUES (1, NULL, 'a.png', "
        "'0000000000000000000000000000000000000000000000000000000000000000', 1, 1, "
        "'f', NULL, 'review', 0.9, NULL, NULL, NULL, 1, 1);"
        "INSERT INTO fields VALUES (1, 1, 'a', 'x', 'x', 50, 'low_confidence', 1, 1, "
        "5, 5, 'below min_confidence', NULL, NULL, NULL);"
        "INSERT INTO fields VALUES (1, 1, 'b', 'y', 'y', 99, 'ok', 1, 9, 5, 5, NULL, "
        "NULL, NULL, NULL);"
        "INSERT INTO pages VALUES (1, 1, 1, 0, '[1,0,0,0,1,0]', 0.9, 'read', NULL, "
        "NULL);";
    (void)argc;
    (void)argv;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK)
        return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_review_decision d;
    fo_error err;
    double t[6];
    char *text = malloc(size + 1), *next;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (fo_review_parse_transform(text, t))
        for (int i = 0; i < 6; i++)
            if (!isfinite(t[i]))
                __builtin_trap();
    if (fo_review_parse_decision((const char *)data, size, &d, &err) == FO_OK) {
        if (d.document < 1 || !d.field || (!d.value && !d.unreadable) ||
            (d.value && d.unreadable))
            __builtin_trap();
        if (fo_review_decide(db, NULL, d.document, d.field, d.value, d.unreadable,
                             "fuzz", &err) == FO_OK) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(db,
                                   "SELECT f.value, f.status, d.status FROM fields f "
                                   "JOIN documents d ON d.id = f.document_id WHERE "
                                   "d.id = ? AND f.name = ?",
                                   -1, &st, NULL) != SQLITE_OK)
                __builtin_trap();
            sqlite3_bind_int64(st, 1, d.document);
            sqlite3_bind_text(st, 2, d.field, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_ROW)
                __builtin_trap();
            {
                const char *v = (const char *)sqlite3_column_text(st, 0);
                const char *fs = (const char *)sqlite3_column_text(st, 1);
                const char *ds = (const char *)sqlite3_column_text(st, 2);
                if (!v || strcmp(v, d.unreadable ? "" : d.value) != 0 || !fs ||
                    strcmp(fs, d.unreadable ? "unreadable" : "corrected") != 0 || !ds ||
                    (strcmp(ds, "ok") != 0 && strcmp(ds, "review") != 0))
                    __builtin_trap();
            }
            sqlite3_finalize(st);
        } else if (err.code != FO_ERR_USAGE) {
            __builtin_trap();
        }
        fo_review_decision_free(&d);
    } else if (err.code != FO_ERR_USAGE) {
        __builtin_trap();
    }
    next = fo_review_next(db, NULL, (long long)size, &err);
    if (!next)
        __builtin_trap();
    free(next);
    /* the history grows with every decision: kept small */
    if (++runs % 4096 == 0)
        sqlite3_exec(db,
                     "DELETE FROM corrections; UPDATE fields SET value = 'x', status = "
                     "'low_confidence', machine_value = NULL WHERE name = 'a'",
                     NULL, NULL, NULL);
    free(text);
    return 0;
}

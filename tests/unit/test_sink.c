/* test_sink.c - CSV and SQLite outputs, on documents made by hand. */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/sink.h"
#include "harness.h"
#include "strbuf.h"
#include "util.h"

static fo_template_set *set;
static const fo_template *tpl;
static char dir[] = "/tmp/formocr-sink-XXXXXX";

/* A document of the test template with the given values (NULL: ""). */
static void make_doc(fo_document *d, const char *path, const char *sha,
                     const char *const *values, fo_doc_status status)
{
    memset(d, 0, sizeof *d);
    d->path = fo_strdup(path);
    snprintf(d->sha256, sizeof d->sha256, "%s", sha);
    d->bytes = 1234;
    d->pages = 1;
    d->first_page = d->last_page = 1;
    d->tpl = tpl;
    d->status = status;
    d->score = 0.93;
    d->nfields = tpl->nfields;
    d->fields = calloc((size_t)tpl->nfields, sizeof *d->fields);
    for (int i = 0; i < tpl->nfields; i++) {
        d->fields[i].field = &tpl->fields[i];
        d->fields[i].value = fo_strdup(values && values[i] ? values[i] : "");
        d->fields[i].raw = fo_strdup(values && values[i] ? values[i] : "");
        d->fields[i].confidence = 91.25;
        d->fields[i].status = FO_STATUS_OK;
        d->fields[i].page = 1;
    }
}

/* Values of the test template's fields: nom, code, adresse, date, montant,
 * genre, majeur, ref, signature. */
static const char *const VALUES[] = {"=HYPERLINK(\"x\")",
                                     "75001",
                                     "1 rue A\n75001 PARIS",
                                     "2021-03-05",
                                     "-1234.56",
                                     "homme",
                                     "1",
                                     "@SUM(A1)",
                                     "0"};

static void test_csv_wide_and_french_options(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document d;
    fo_error err;
    char *path = fo_path_join(dir, "wide.csv"), *text;

    fo_sink_options_default(&o);
    o.templates = set;
    o.csv_sep = ';';
    o.decimal_comma = true;
    o.bom = true;
    make_doc(&d, "scans/a;b.tif", "aa", VALUES, FO_DOC_OK);
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &d, &err), FO_OK);
    /* nothing at the target until the run completes */
    OK(access(path, F_OK) != 0);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    text = harness_slurp(path);
    STR_EQ(text,
           "\xEF\xBB\xBF"
           "file;template;status;nom;code;adresse;date;montant;genre;majeur;ref;"
           "signature;first_page;last_page\r\n"
           "\"scans/a;b.tif\";test_form;ok;\"'=HYPERLINK(\"\"x\"\")\";75001;"
           "\"1 rue A\n75001 PARIS\";2021-03-05;-1234,56;homme;1;'@SUM(A1);0;1;1\r\n");
    free(text);
    fo_document_free(&d);
    free(path);
}

static void test_csv_long(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document d, e = {0};
    fo_error err;
    char *path = fo_path_join(dir, "long.csv"), *text;

    fo_sink_options_default(&o);
    o.templates = set;
    o.csv_layout = FO_CSV_LONG;
    make_doc(&d, "a.tif", "aa", VALUES, FO_DOC_REVIEW);
    d.fields[1].status = FO_STATUS_INVALID;
    e.path = fo_strdup("bad.tif");
    e.status = FO_DOC_ERROR;
    e.error = fo_strdup("not an image (unknown format)");
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &d, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &e, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    text = harness_slurp(path);
    STR_CONTAINS(
        text,
        "file,template,field,value,raw,confidence,status,first_page,last_page\r\n"
        "a.tif,test_form,nom,\"'=HYPERLINK(\"\"x\"\")\",\"'=HYPERLINK(\"\"x\"\")\","
        "91.25,ok,1,1\r\n"
        "a.tif,test_form,code,75001,75001,91.25,invalid,1,1\r\n");
    STR_CONTAINS(text, "a.tif,test_form,montant,-1234.56,'-1234.56,91.25,ok,1,1\r\n");
    STR_CONTAINS(text, "bad.tif,,,not an image (unknown format),,,error,0,0\r\n");
    free(text);
    fo_document_free(&d);
    fo_document_free(&e);
    free(path);
}

static void test_csv_wide_needs_template_token(void)
{
    fo_template_set two = {NULL, 2};
    fo_template *items[2];
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_error err;
    char *path = fo_path_join(dir, "both.csv");
    items[0] = items[1] = (fo_template *)tpl;
    two.items = items;
    fo_sink_options_default(&o);
    o.templates = &two;
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_ERR_USAGE);
    STR_CONTAINS(err.message, "needs {template} in its path");
    free(path);
}

static int count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_sqlite(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document a, b, again;
    fo_known *known = NULL;
    fo_error err;
    sqlite3 *db;
    int n = 0;
    char *path = fo_path_join(dir, "out.sqlite");
    char sha_a[65], sha_b[65];

    memset(sha_a, 'a', 64);
    memset(sha_b, 'b', 64);
    sha_a[64] = sha_b[64] = '\0';
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run test";
    make_doc(&a, "a.tif", sha_a, VALUES, FO_DOC_OK);
    make_doc(&b, "b.tif", sha_b, NULL, FO_DOC_ERROR);
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &a, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &b, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);

    /* a second run: it knows both, and redoing one replaces it */
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_known(s, &known, &n, &err), FO_OK);
    INT_EQ(n, 2);
    if (n == 2) {
        STR_EQ(known[0].sha256, sha_a);
        INT_EQ(known[0].status, FO_DOC_OK);
        INT_EQ(known[1].status, FO_DOC_ERROR);
    }
    free(known);
    make_doc(&again, "b-again.tif", sha_b, VALUES, FO_DOC_REVIEW);
    INT_EQ(fo_sink_write(s, &again, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);

    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "PRAGMA user_version"), FO_SQLITE_SCHEMA_VERSION);
    INT_EQ(count(db, "SELECT count(*) FROM documents"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM fields"), 2 * tpl->nfields);
    INT_EQ(count(db, "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'b-again.tif' AND "
                     "status = 'review'"),
           1);
    /* the view: a row per document, a column per field */
    INT_EQ(count(db, "SELECT count(*) FROM test_form WHERE code = '75001' AND "
                     "montant = '-1234.56' AND file = 'a.tif'"),
           1);
    INT_EQ(count(db, "SELECT count(*) FROM test_form"), 2);
    /* a file from a newer formocr is refused */
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_ERR_OUTPUT);
    STR_CONTAINS(err.message, "made by a newer formocr (schema 99");
    fo_document_free(&a);
    fo_document_free(&b);
    fo_document_free(&again);
    free(path);
}

/* One row per input: a file that failed at a path (unread: no hash; or
 * read half-way: another hash) is replaced by what that path gives next;
 * two good files at one path are two documents.  A run stopped by a signal
 * is not recorded as finished. */
static void test_sqlite_one_row_per_input(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document unread, half, good, other, later;
    fo_error err;
    sqlite3 *db;
    char *path = fo_path_join(dir, "rows.sqlite");
    char sha_half[65], sha_good[65], sha_other[65];

    memset(sha_half, 'c', 64);
    memset(sha_good, 'd', 64);
    memset(sha_other, 'e', 64);
    sha_half[64] = sha_good[64] = sha_other[64] = '\0';
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run test";
    make_doc(&unread, "scans/x.tif", "", NULL, FO_DOC_ERROR);
    make_doc(&half, "scans/x.tif", sha_half, NULL, FO_DOC_ERROR);
    make_doc(&good, "scans/x.tif", sha_good, VALUES, FO_DOC_OK);
    make_doc(&other, "scans/y.tif", sha_other, VALUES, FO_DOC_OK);
    make_doc(&later, "scans/y.tif", sha_half, VALUES, FO_DOC_OK);
    /* night 1: x unreadable; night 2: x read half-way (an upload); night 3:
     * x whole, and y; night 4 (stopped by a signal): y's file replaced */
    const fo_document *nights[][2] = {
        {&unread, NULL}, {&half, NULL}, {&good, &other}, {&later, NULL}};
    for (int n = 0; n < 4; n++) {
        INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
        for (int k = 0; k < 2 && nights[n][k]; k++)
            INT_EQ(fo_sink_write(s, nights[n][k], &err), FO_OK);
        if (n == 3)
            fo_sink_mark_interrupted(s);
        INT_EQ(fo_sink_close(&s, &err), FO_OK);
        if (n < 2) {
            OK(sqlite3_open(path, &db) == SQLITE_OK);
            INT_EQ(
                count(db, "SELECT count(*) FROM documents WHERE path = 'scans/x.tif'"),
                1);
            sqlite3_close(db);
        }
    }
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'scans/x.tif'"), 1);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'scans/x.tif' AND "
                     "status = 'ok'"),
           1);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'scans/y.tif'"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM runs"), 4);
    INT_EQ(count(db, "SELECT count(*) FROM runs WHERE finished_at IS NULL"), 1);
    INT_EQ(count(db, "SELECT id FROM runs WHERE finished_at IS NULL"), 4);
    sqlite3_close(db);
    fo_document_free(&unread);
    fo_document_free(&half);
    fo_document_free(&good);
    fo_document_free(&other);
    fo_document_free(&later);
    free(path);
}

/* A run with nothing new leaves every file output with no document, the
 * same way (JSON Lines empty, each CSV file its header), and no temporary
 * file of a killed run outlives it. */
static void test_files_of_a_run_with_nothing_new(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_error err;
    char *csv = fo_path_join(dir, "night.csv"),
         *jsonl = fo_path_join(dir, "night.jsonl");
    char *stale_csv = fo_path_join(dir, "night.csv.tmp.4242");
    char *stale_jsonl = fo_path_join(dir, "night.jsonl.tmp.17");
    char *other = fo_path_join(dir, "night.csv.tmp.notapid"), *text;
    FILE *f;

    fo_sink_options_default(&o);
    o.templates = set;
    /* yesterday's outputs, and what a killed run left */
    const char *old[] = {csv, jsonl, stale_csv, stale_jsonl, other};
    for (size_t i = 0; i < sizeof old / sizeof *old; i++) {
        f = fopen(old[i], "w");
        fputs("yesterday\n", f);
        fclose(f);
    }
    INT_EQ(fo_sink_open(csv, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    INT_EQ(fo_sink_open(jsonl, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    text = harness_slurp(csv);
    OK(text && strncmp(text, "file,template,status,nom,", 25) == 0 &&
       strchr(text, '\n') == text + strlen(text) - 1);
    free(text);
    text = harness_slurp(jsonl);
    STR_EQ(text, "");
    free(text);
    OK(access(stale_csv, F_OK) != 0 && access(stale_jsonl, F_OK) != 0);
    OK(access(other, F_OK) == 0); /* not one of ours */
    unlink(other);
    free(csv);
    free(jsonl);
    free(stale_csv);
    free(stale_jsonl);
    free(other);
}

static void test_sqlite_refuses_foreign_database(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_error err;
    sqlite3 *db;
    char *path = fo_path_join(dir, "other.db");
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE payroll(id INTEGER)", NULL, NULL, NULL);
    sqlite3_close(db);
    fo_sink_options_default(&o);
    o.templates = set;
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_ERR_OUTPUT);
    STR_CONTAINS(err.message, "not formocr's");
    free(path);
}

/* What a killed run committed is owed to the files: the next run's replay
 * rebuilds each document as its own JSON, once delivered it is owed no
 * more, and a run killed again owes it still. */
static int collect_json(void *ctx, const fo_document *d)
{
    fo_strbuf *b = ctx;
    char *json = fo_document_to_json(d);
    if (!json)
        return -1;
    fo_strbuf_add(b, json);
    fo_strbuf_addc(b, '\n');
    free(json);
    return 0;
}

static void test_sqlite_replays_what_a_killed_run_owes(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document a, b;
    fo_error err;
    sqlite3 *db;
    fo_strbuf got = FO_STRBUF_INIT;
    char *path = fo_path_join(dir, "owed.sqlite"), *want_a, *want_b;
    char sha_a[65], sha_b[65];
    int replayed = -1, left = -1;

    memset(sha_a, 'c', 64);
    memset(sha_b, 'd', 64);
    sha_a[64] = sha_b[64] = '\0';
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run -o owed.sqlite -o owed.jsonl";
    o.file_outputs = true;
    make_doc(&a, "a.tif", sha_a, VALUES, FO_DOC_REVIEW);
    a.fields[2].status = FO_STATUS_LOW_CONFIDENCE;
    a.fields[2].reason = "confidence 41 below 60";
    a.fields[3].page = 0; /* not read */
    make_doc(&b, "b.tif", sha_b, NULL, FO_DOC_ERROR);
    free(b.fields[0].value);
    b.fields[0].value = fo_strdup("x");
    b.error = fo_strdup("page 1: damaged png data");
    want_a = fo_document_to_json(&a);
    want_b = fo_document_to_json(&b);

    /* the killed run: two documents committed, its files never completed */
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &a, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &b, &err), FO_OK);
    fo_sink_abort(&s);

    /* the next run gets them back, as they were written */
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_replay_owed(s, set, collect_json, &got, &replayed, &left, &err),
           FO_OK);
    INT_EQ(replayed, 2);
    INT_EQ(left, 0);
    {
        char *both = fo_asprintf("%s\n%s\n", want_a, want_b);
        STR_EQ(fo_strbuf_str(&got), both);
        free(both);
    }
    /* killed too: they are owed still */
    fo_sink_abort(&s);
    fo_strbuf_free(&got);
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_replay_owed(s, set, collect_json, &got, &replayed, &left, &err),
           FO_OK);
    INT_EQ(replayed, 2);
    INT_EQ(fo_sink_close(&s, &err), FO_OK); /* delivered */
    fo_strbuf_free(&got);
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_replay_owed(s, set, collect_json, &got, &replayed, &left, &err),
           FO_OK);
    INT_EQ(replayed, 0);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM runs WHERE delivered_by IS NOT NULL"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"), 2);
    sqlite3_close(db);
    /* a run with no file outputs owes nothing */
    o.file_outputs = false;
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &a, &err), FO_OK);
    fo_sink_abort(&s);
    o.file_outputs = true;
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_replay_owed(s, set, collect_json, &got, &replayed, &left, &err),
           FO_OK);
    INT_EQ(replayed, 0);
    fo_sink_abort(&s);
    fo_strbuf_free(&got);
    fo_document_free(&a);
    fo_document_free(&b);
    free(want_a);
    free(want_b);
    free(path);
}

/* A database of schema 1 (before file_outputs and delivered_by) is brought
 * to the current schema by the next run, its rows kept. */
static void test_sqlite_schema_1_migrates(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_error err;
    sqlite3 *db;
    char *path = fo_path_join(dir, "v1.sqlite");

    OK(sqlite3_open(path, &db) == SQLITE_OK);
    OK(sqlite3_exec(db,
                    "CREATE TABLE runs(id INTEGER PRIMARY KEY, started_at TEXT, "
                    "finished_at TEXT, version TEXT, command TEXT, host TEXT, shard "
                    "TEXT); INSERT INTO runs(started_at) VALUES ('2026-01-01'); "
                    "PRAGMA user_version = 1",
                    NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run";
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "PRAGMA user_version"), FO_SQLITE_SCHEMA_VERSION);
    INT_EQ(count(db, "SELECT count(*) FROM runs"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM pragma_table_info('runs') WHERE name IN "
                     "('file_outputs', 'delivered_by')"),
           2);
    sqlite3_close(db);
    free(path);
}

/* A file of three documents (a stack) goes in together, each with its
 * pages; the file is known once (as an error when one of its documents
 * is); redone, its documents replace the three, not join them. */
static void test_sqlite_stack_of_documents(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document *d = calloc(3, sizeof *d);
    fo_known *known = NULL;
    fo_error err;
    sqlite3 *db;
    int n = 0;
    char *path = fo_path_join(dir, "stack.sqlite");
    char sha[65];

    memset(sha, 'c', 64);
    sha[64] = '\0';
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run stack";
    for (int round = 0; round < 2; round++) {
        make_doc(&d[0], "stack.tif", sha, VALUES, FO_DOC_OK);
        make_doc(&d[1], "stack.tif", sha, NULL, FO_DOC_ERROR);
        make_doc(&d[2], "stack.tif", sha, VALUES, FO_DOC_REVIEW);
        for (int k = 0; k < 3; k++) {
            fo_page_result pr = {.file_page = k + 1,
                                 .status = FO_PAGE_READ,
                                 .template = tpl,
                                 .score = 0.9,
                                 .turn = 180,
                                 .transform = {1, 0, 0, 0, 1, 0}};
            d[k].first_page = d[k].last_page = k + 1;
            d[k].page_results = calloc(1, sizeof pr);
            d[k].page_results[0] = pr;
            d[k].npage_results = 1;
            d[k].next = k < 2 ? &d[k + 1] : NULL;
        }
        d[1].page_results[0].status = FO_PAGE_ERROR;
        INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
        if (round == 1) {
            INT_EQ(fo_sink_known(s, &known, &n, &err), FO_OK);
            INT_EQ(n, 1);
            if (n == 1)
                INT_EQ(known[0].status, FO_DOC_ERROR);
            free(known);
        }
        INT_EQ(fo_sink_write(s, &d[0], &err), FO_OK);
        INT_EQ(fo_sink_close(&s, &err), FO_OK);
        for (int k = 0; k < 3; k++) {
            d[k].next = NULL;
            fo_document_free(&d[k]);
        }
    }
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM documents"), 3);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE first_page = last_page"), 3);
    INT_EQ(count(db, "SELECT count(*) FROM pages"), 3);
    INT_EQ(count(db, "SELECT count(*) FROM pages p JOIN documents d ON d.id = "
                     "p.document_id WHERE p.file_page = d.first_page"),
           3);
    INT_EQ(count(db, "SELECT count(*) FROM pages WHERE status = 'read' AND "
                     "template_page = 1 AND orientation = 180 AND transform = "
                     "'[1,0,0,0,1,0]'"),
           2);
    INT_EQ(count(db, "SELECT count(*) FROM pages WHERE status = 'error'"), 1);
    INT_EQ(count(db, "SELECT count(*) FROM fields"), 3 * tpl->nfields);
    sqlite3_close(db);
    free(d);
    free(path);
}

/* A database of schema 2 (one document per file: sha256 UNIQUE) is brought
 * to schema 3 in place: documents made again with their page range, their
 * fields kept (the old table's drop must not cascade to them), the views
 * kept, and a stack of documents of one file then fits. */
static void test_sqlite_schema_2_migrates(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document d[2];
    fo_error err;
    sqlite3 *db;
    char *path = fo_path_join(dir, "v2.sqlite");
    char sha[65];

    OK(sqlite3_open(path, &db) == SQLITE_OK);
    OK(sqlite3_exec(
           db,
           "CREATE TABLE runs(id INTEGER PRIMARY KEY, started_at TEXT, finished_at "
           "TEXT, version TEXT, command TEXT, host TEXT, shard TEXT, file_outputs "
           "INTEGER, delivered_by INTEGER, skipped_entries INTEGER);"
           "CREATE TABLE documents(id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES "
           "runs(id), path TEXT, sha256 TEXT UNIQUE, bytes INTEGER, pages INTEGER, "
           "template TEXT, template_sha256 TEXT, status TEXT, score REAL, error TEXT, "
           "processed_at TEXT, warning TEXT);"
           "CREATE TABLE fields(document_id INTEGER NOT NULL REFERENCES documents(id) "
           "ON DELETE CASCADE, page INTEGER, name TEXT NOT NULL, value TEXT, raw TEXT, "
           "confidence REAL, status TEXT, x INTEGER, y INTEGER, w INTEGER, h INTEGER, "
           "reason TEXT, PRIMARY KEY(document_id, name));"
           "CREATE INDEX documents_path ON documents(path);"
           "CREATE VIEW old_form AS SELECT d.path AS file, max(CASE WHEN f.name = "
           "'nom' THEN f.value END) AS nom FROM documents d LEFT JOIN fields f ON "
           "f.document_id = d.id WHERE d.template = 'old_form' GROUP BY d.id;"
           "INSERT INTO runs(started_at) VALUES ('2026-01-01');"
           "INSERT INTO documents VALUES (1, 1, 'old.tif', 'dddd', 10, 2, 'old_form', "
           "NULL, 'ok', 0.9, NULL, '2026-01-01', NULL);"
           "INSERT INTO documents VALUES (2, 1, 'bad.tif', NULL, 0, 0, NULL, NULL, "
           "'error', 0, 'not an image', '2026-01-01', NULL);"
           "INSERT INTO fields(document_id, page, name, value) VALUES (1, 1, 'nom', "
           "'DUPONT');"
           "PRAGMA user_version = 2",
           NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run";
    memset(sha, 'e', 64);
    sha[64] = '\0';
    make_doc(&d[0], "stack.tif", sha, VALUES, FO_DOC_OK);
    make_doc(&d[1], "stack.tif", sha, VALUES, FO_DOC_OK);
    d[1].first_page = d[1].last_page = 2;
    d[0].next = &d[1];
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_write(s, &d[0], &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    d[0].next = NULL;
    fo_document_free(&d[0]);
    fo_document_free(&d[1]);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "PRAGMA user_version"), FO_SQLITE_SCHEMA_VERSION);
    INT_EQ(count(db, "SELECT count(*) FROM documents"), 4);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'old.tif' AND "
                     "first_page = 1 AND last_page = 2"),
           1);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'bad.tif' AND "
                     "first_page = 0 AND last_page = 0"),
           1);
    INT_EQ(count(db, "SELECT count(*) FROM fields WHERE document_id = 1 AND value = "
                     "'DUPONT'"),
           1);
    INT_EQ(count(db, "SELECT count(*) FROM old_form WHERE nom = 'DUPONT'"), 1);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE path = 'stack.tif'"), 2);
    INT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* and on to schema 4: decisions, template descriptions, new columns */
    INT_EQ(count(db, "SELECT count(*) FROM pragma_table_info('fields') WHERE name IN "
                     "('machine_value', 'source')"),
           2);
    INT_EQ(count(db, "SELECT count(*) FROM pragma_table_info('runs') WHERE name IN "
                     "('engine', 'languages')"),
           2);
    INT_EQ(count(db, "SELECT count(*) FROM corrections"), 0);
    INT_EQ(count(db, "SELECT count(*) FROM template_fields"), tpl->nfields);
    sqlite3_close(db);
    free(path);
}

/* People's decisions last (schema 4): a document read again comes out with
 * the latest decision on each field, the new reading kept beside it, in the
 * record every output writes; a document whose flagged fields were all
 * decided is ok, one with a field still flagged stays review. */
static void test_sqlite_decisions_last(void)
{
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document d;
    fo_error err;
    sqlite3 *db;
    char *path = fo_path_join(dir, "decided.sqlite");
    char sha[65], *sql;

    fo_sink_options_default(&o);
    o.templates = set;
    o.command = "formocr run";
    memset(sha, 'c', 64);
    sha[64] = '\0';
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    make_doc(&d, "decided.tif", sha, VALUES, FO_DOC_REVIEW);
    d.fields[1].status = FO_STATUS_LOW_CONFIDENCE;
    d.fields[2].status = FO_STATUS_INVALID;
    d.fields[2].hand = true; /* read as handprint: recorded */
    INT_EQ(fo_sink_write(s, &d, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM fields WHERE hand = 1"), 1);
    sql = fo_asprintf("INSERT INTO corrections(sha256, first_page, template, field, "
                      "value, status, who) VALUES ('%s', 1, '%s', '%s', 'first', "
                      "'corrected', 'a'), ('%s', 1, '%s', '%s', '01000', 'corrected', "
                      "'b'), ('%s', 1, 'other_form', '%s', 'x', 'corrected', 'c')",
                      sha, tpl->name, tpl->fields[1].name, sha, tpl->name,
                      tpl->fields[1].name, sha, tpl->fields[2].name);
    OK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    free(sql);
    sqlite3_close(db);

    /* read again: the same machine reading */
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_apply_corrections(s, &d, &err), FO_OK);
    STR_EQ(d.fields[1].value, "01000"); /* the latest decision */
    STR_EQ(d.fields[1].machine_value, VALUES[1]);
    INT_EQ(d.fields[1].status, FO_STATUS_CORRECTED);
    OK(d.fields[1].reason == NULL);
    /* a decision on another template's document is not this one's */
    INT_EQ(d.fields[2].status, FO_STATUS_INVALID);
    OK(d.fields[2].machine_value == NULL);
    INT_EQ(d.status, FO_DOC_REVIEW);
    INT_EQ(fo_sink_write(s, &d, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM fields WHERE value = '01000' AND status = "
                     "'corrected' AND machine_value = '75001'"),
           1);
    sql = fo_asprintf("INSERT INTO corrections(sha256, first_page, template, field, "
                      "status, who) VALUES ('%s', 1, '%s', '%s', 'unreadable', 'd')",
                      sha, tpl->name, tpl->fields[2].name);
    OK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    free(sql);
    sqlite3_close(db);
    fo_document_free(&d);

    /* once more: every flagged field decided, the document is ok */
    make_doc(&d, "decided.tif", sha, VALUES, FO_DOC_REVIEW);
    d.fields[1].status = FO_STATUS_LOW_CONFIDENCE;
    d.fields[2].status = FO_STATUS_INVALID;
    INT_EQ(fo_sink_open(path, &o, &s, &err), FO_OK);
    INT_EQ(fo_sink_apply_corrections(s, &d, &err), FO_OK);
    INT_EQ(d.fields[2].status, FO_STATUS_UNREADABLE);
    STR_EQ(d.fields[2].value, "");
    STR_EQ(d.fields[2].machine_value, VALUES[2]);
    INT_EQ(d.status, FO_DOC_OK);
    {
        char *json = fo_document_to_json(&d);
        OK(json && strstr(json, "\"machine_value\":\"75001\"") != NULL);
        OK(json && strstr(json, "\"status\":\"unreadable\"") != NULL);
        OK(json && !strstr(json, "\"hand\""));
        free(json);
    }
    INT_EQ(fo_sink_write(s, &d, &err), FO_OK);
    INT_EQ(fo_sink_close(&s, &err), FO_OK);
    fo_document_free(&d);
    OK(sqlite3_open(path, &db) == SQLITE_OK);
    INT_EQ(count(db, "SELECT count(*) FROM documents WHERE status = 'ok'"), 1);
    INT_EQ(count(db, "SELECT count(*) FROM corrections"), 4);
    sqlite3_close(db);
    free(path);
}

/* The record's arrays grow as pages and joined files are added, and keep
 * what was added, in order (result.c). */
static void test_document_grows_pages_and_joined_files(void)
{
    fo_document d = {0};
    char sha[65];
    for (int i = 1; i <= 37; i++) {
        fo_page_result pr = {.file_page = i, .status = FO_PAGE_BLANK};
        INT_EQ(fo_document_add_page(&d, &pr), FO_OK);
    }
    INT_EQ(d.npage_results, 37);
    OK(d.page_results_cap >= 37);
    for (int i = 0; i < 37; i++)
        INT_EQ(d.page_results[i].file_page, i + 1);
    memset(sha, 'a', 64);
    sha[64] = '\0';
    INT_EQ(fo_document_add_joined(&d, "scans/p2.tif", sha), 1);
    INT_EQ(fo_document_add_joined(&d, "scans/p3.tif", NULL), 2);
    INT_EQ(d.njoined, 2);
    STR_EQ(d.joined[0], "scans/p2.tif");
    STR_EQ(d.joined[1], "scans/p3.tif");
    STR_EQ(d.joined_sha256[0], sha);
    STR_EQ(d.joined_sha256[1], "");
    fo_document_free(&d);
    INT_EQ(d.npage_results, 0);
    INT_EQ(d.page_results_cap, 0);
}

int main(void)
{
    fo_error err;
    char *good = fo_asprintf("%s/tests/data/templates/good", test_source_dir());
    const char *paths[] = {good};
    if (!mkdtemp(dir) || fo_template_set_load(paths, 1, &set, &err) != FO_OK) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    tpl = set->items[0];
    RUN(test_document_grows_pages_and_joined_files);
    RUN(test_csv_wide_and_french_options);
    RUN(test_csv_long);
    RUN(test_csv_wide_needs_template_token);
    RUN(test_sqlite);
    RUN(test_sqlite_refuses_foreign_database);
    RUN(test_sqlite_one_row_per_input);
    RUN(test_files_of_a_run_with_nothing_new);
    RUN(test_sqlite_replays_what_a_killed_run_owes);
    RUN(test_sqlite_schema_1_migrates);
    RUN(test_sqlite_stack_of_documents);
    RUN(test_sqlite_schema_2_migrates);
    RUN(test_sqlite_decisions_last);
    fo_template_set_destroy(&set);
    free(good);
    {
        char *cmd = fo_asprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        free(cmd);
    }
    return harness_done();
}

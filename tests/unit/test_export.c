/* test_export.c - formocr export: its options, the XLSX cell types and
 * sheet names, and a hostile database. */
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "formocr/export.h"
#include "harness.h"
#include "sink/sink_internal.h"
#include "util.h"

static char dir[] = "/tmp/formocr-export-XXXXXX";

static void test_since(void)
{
    char out[21];
    fo_error err;
    INT_EQ(fo_export_parse_since("2024-03-04", out, &err), FO_OK);
    STR_EQ(out, "2024-03-04T00:00:00Z");
    INT_EQ(fo_export_parse_since("2024-03-04T10:20", out, &err), FO_OK);
    STR_EQ(out, "2024-03-04T10:20:00Z");
    INT_EQ(fo_export_parse_since("2024-03-04 10:20:30.25Z", out, &err), FO_OK);
    STR_EQ(out, "2024-03-04T10:20:30Z");
    /* a zone is taken to UTC, as processed_at is written */
    INT_EQ(fo_export_parse_since("2024-03-04T01:00:00+02:00", out, &err), FO_OK);
    STR_EQ(out, "2024-03-03T23:00:00Z");
    INT_EQ(fo_export_parse_since("2024-12-31T23:30-0100", out, &err), FO_OK);
    STR_EQ(out, "2025-01-01T00:30:00Z");
    INT_EQ(fo_export_parse_since("2024-02-29", out, &err), FO_OK);
    INT_EQ(fo_export_parse_since("2023-02-29", out, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "--since wants a date, YYYY-MM-DD, or a time, "
                        "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], not \"2023-02-29\"");
    INT_EQ(fo_export_parse_since("2024-04-31", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("2024-3-4", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("2024-03-04T25:00", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("2024-03-04T10:20x", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("2024-03-04T10:20:30.", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("yesterday", out, &err), FO_ERR_USAGE);
    INT_EQ(fo_export_parse_since("", out, &err), FO_ERR_USAGE);
}

static void test_statuses(void)
{
    unsigned mask;
    fo_error err;
    INT_EQ(fo_export_parse_statuses("ok,review", &mask, &err), FO_OK);
    INT_EQ(mask, (1u << FO_DOC_OK) | (1u << FO_DOC_REVIEW));
    INT_EQ(fo_export_parse_statuses("error", &mask, &err), FO_OK);
    INT_EQ(mask, 1u << FO_DOC_ERROR);
    INT_EQ(fo_export_parse_statuses("ok,oops", &mask, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "--status wants a comma list of ok, review, unmatched and "
                        "error, not \"oops\"");
    INT_EQ(fo_export_parse_statuses("ok,", &mask, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "--status wants a comma list of ok, review, unmatched and "
                        "error, not \"\"");
    INT_EQ(fo_export_parse_statuses("OK", &mask, &err), FO_ERR_USAGE);
}

static void test_cell_kinds(void)
{
    fo_field text = {.type = FO_FIELD_TEXT};
    fo_field amount = {.type = FO_FIELD_DECIMAL};
    fo_field count = {.type = FO_FIELD_INTEGER};
    fo_field comb = {.type = FO_FIELD_INTEGER, .comb = 5};
    fo_field date = {.type = FO_FIELD_DATE};
    fo_field mark = {.type = FO_FIELD_CHECKBOX};
    double v = 0;
    int ymd[3] = {0};

    /* identifiers keep their zeros */
    INT_EQ(fo_xlsx_cell_kind(&text, "01000", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&comb, "01000", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&amount, "1536.55", &v, ymd), FO_XLSX_NUMBER);
    NUM_NEAR(v, 1536.55, 1e-9);
    INT_EQ(fo_xlsx_cell_kind(&amount, "-0.5", &v, ymd), FO_XLSX_NUMBER);
    NUM_NEAR(v, -0.5, 1e-12);
    INT_EQ(fo_xlsx_cell_kind(&count, "12", &v, ymd), FO_XLSX_NUMBER);
    /* what does not parse, or would lose digits as a double, stays text */
    INT_EQ(fo_xlsx_cell_kind(&amount, "1 536,55", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&amount, "12.", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&count, "1234567890123456", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&count, "000123456789012345", &v, ymd), FO_XLSX_NUMBER);
    INT_EQ(fo_xlsx_cell_kind(&date, "1974-11-30", &v, ymd), FO_XLSX_DATE);
    INT_EQ(ymd[0], 1974);
    INT_EQ(ymd[1], 11);
    INT_EQ(ymd[2], 30);
    INT_EQ(fo_xlsx_cell_kind(&date, "2024-02-30", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&date, "1899-12-31", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&date, "30/11/1974", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&mark, "1", &v, ymd), FO_XLSX_TEXT);
    INT_EQ(fo_xlsx_cell_kind(&amount, "", &v, ymd), FO_XLSX_BLANK);
    INT_EQ(fo_xlsx_cell_kind(NULL, "12", &v, ymd), FO_XLSX_TEXT);
}

static void test_sheet_names(void)
{
    char name[FO_XLSX_SHEET_NAME_SIZE];
    const char *taken[] = {"cerfa_12485_03", "formulaire_de_demande_d_aide_so",
                           "formulaire_de_demande_d_aide_~2", "UNMATCHED"};

    fo_xlsx_sheet_name("cerfa_14011_03", taken, 4, name);
    STR_EQ(name, "cerfa_14011_03");
    /* cut to 31 characters, and told apart from a name cut the same way */
    fo_xlsx_sheet_name("formulaire_de_demande_d_aide_sociale", taken, 1, name);
    STR_EQ(name, "formulaire_de_demande_d_aide_so");
    fo_xlsx_sheet_name("formulaire_de_demande_d_aide_sociale_2", taken, 2, name);
    STR_EQ(name, "formulaire_de_demande_d_aide_~2");
    fo_xlsx_sheet_name("formulaire_de_demande_d_aide_sociale_3", taken, 3, name);
    STR_EQ(name, "formulaire_de_demande_d_aide_~3");
    /* without case, as Excel compares them, and not Excel's own History */
    fo_xlsx_sheet_name("unmatched", taken, 4, name);
    STR_EQ(name, "unmatched~2");
    fo_xlsx_sheet_name("history", taken, 0, name);
    STR_EQ(name, "history~2");
    /* characters Excel refuses, an apostrophe first or last, nothing */
    fo_xlsx_sheet_name("a/b:c[d]*?\\", taken, 0, name);
    STR_EQ(name, "a_b_c_d____");
    fo_xlsx_sheet_name("'quoted'", taken, 0, name);
    STR_EQ(name, "_quoted_");
    fo_xlsx_sheet_name("", taken, 0, name);
    STR_EQ(name, "_");
    /* 31 characters, not bytes; a byte that is not UTF-8 is replaced */
    fo_xlsx_sheet_name("ééééééééééééééééééééééééééééééééééé", taken, 0, name);
    STR_EQ(name, "ééééééééééééééééééééééééééééééé");
    fo_xlsx_sheet_name("a\xff", taken, 0, name);
    STR_EQ(name, "a_");
}

static int notices;
static char last_notice[FO_ERROR_MESSAGE_MAX];

static void on_notice(void *ctx, const char *message)
{
    (void)ctx;
    notices++;
    snprintf(last_notice, sizeof last_notice, "%s", message);
}

/* A database from outside, made to hurt: values of the wrong types, NULLs
 * where formocr never writes them, bytes that are not UTF-8, a NUL, a
 * template named to break out of SQL, a status formocr does not know. */
static const char HOSTILE[] =
    "PRAGMA user_version = 4;"
    "CREATE TABLE documents(id INTEGER PRIMARY KEY, run_id, path, sha256, bytes, "
    "pages, template, template_sha256, status, score, error, processed_at, warning, "
    "first_page, last_page);"
    "CREATE TABLE fields(document_id, page, name, value, raw, confidence, status, x, "
    "y, w, h, reason, file, machine_value, source);"
    "CREATE TABLE template_fields(template, name, position, page, type, identifier, "
    "label);"
    "INSERT INTO template_fields VALUES ('forme', 'code_postal', 0, 1, 'text', 1, "
    "NULL), ('forme', 'montant', 1, 1, 'decimal', 0, NULL), ('forme', 'naissance', 2, "
    "1, 'date', 0, NULL), ('forme', 'numero', 3, 1, 'integer', 1, NULL), ('forme', "
    "'autre', 4, X'00', 'nonsense', 'x', NULL);"
    "INSERT INTO documents VALUES (1, 1, 'a.tif', 'zz', 10, 1, 'forme', NULL, 'ok', "
    "0.9, NULL, '2024-03-04T10:00:00Z', NULL, 1, 1);"
    "INSERT INTO fields(document_id, page, name, value, raw, confidence, status) "
    "VALUES (1, 1, 'code_postal', '01000', '01000', 99, 'ok'), (1, 1, 'montant', "
    "'1536.55', '1536,55', 99, 'ok'), (1, 1, 'naissance', '1974-11-30', '30111974', "
    "99, 'ok'), (1, 1, 'numero', '007', '007', 99, 'corrected');"
    "INSERT INTO documents VALUES (2, 1, 'b.tif', NULL, 1, 1, "
    "'x\"; DROP TABLE documents; --', NULL, 'ok', 1, NULL, NULL, NULL, 1, 1);"
    "INSERT INTO documents VALUES (3, NULL, X'2f00ff', X'00', 'many', X'01', NULL, "
    "NULL, NULL, 'high', X'ff0a', 12, X'c3', 'one', NULL);"
    "INSERT INTO documents VALUES (4, 1, 'd.tif', NULL, 1, 1, 'forme', NULL, "
    "'review', 0.5, NULL, '2024-03-05T00:00:00Z', NULL, 1, 1);"
    "INSERT INTO fields VALUES (4, 'x', 'montant', 42, X'ff', 'abc', 'weird', X'00', "
    "NULL, 1e300, -1, X'ff00', NULL, X'ff', 'elsewhere'), (4, 1, NULL, 'v', 'v', 1, "
    "'ok', 0, 0, 0, 0, NULL, NULL, NULL, NULL), (4, 1, 'code_postal', NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);";

static void test_hostile_database(void)
{
    char *db = fo_asprintf("%s/hostile.sqlite", dir);
    char *jsonl = fo_asprintf("%s/out.jsonl", dir);
    char *xlsx = fo_asprintf("%s/out.xlsx", dir);
    char *csv = fo_asprintf("%s/out-{template}.csv", dir);
    char *csv_forme = fo_asprintf("%s/out-forme.csv", dir);
    fo_export_options o;
    fo_export_summary sum;
    fo_error err;
    sqlite3 *h = NULL;
    char *text, want[FO_ERROR_MESSAGE_MAX];

    OK(sqlite3_open(db, &h) == SQLITE_OK);
    OK(sqlite3_exec(h, HOSTILE, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    fo_export_options_default(&o);

    INT_EQ(fo_export(db, jsonl, &o, on_notice, NULL, &sum, &err), FO_OK);
    INT_EQ(sum.documents, 3);
    INT_EQ(sum.left_out, 1);
    INT_EQ(notices, 1);
    snprintf(want, sizeof want,
             "%s: template \"x\"; DROP TABLE documents; --\" is not a name formocr "
             "writes ([a-z][a-z0-9_]*): its documents are left out",
             db);
    STR_EQ(last_notice, want);
    text = harness_slurp(jsonl);
    OK(text != NULL);
    if (text) {
        OK(strstr(text, "\"code_postal\":{\"value\":\"01000\"") != NULL);
        /* a status formocr never writes is an error saying so, not ok */
        OK(strstr(text, "\"status\":\"error\",\"score\":0.0,\"pages\":0,\"fields\":{},"
                        "\"error\":\"\\\\xFF\\n\"") != NULL);
        OK(strstr(text, "\"file\":\"/\"") != NULL);
        /* a field value of the wrong type is its text; bytes that are not
         * UTF-8 are escaped; an unknown status is not ok */
        OK(strstr(text, "\"montant\":{\"value\":\"42\",\"raw\":\"\\\\xFF\","
                        "\"confidence\":0.0,\"status\":\"missing\"") != NULL);
        OK(strstr(text, "\"source\"") == NULL);
    }
    free(text);
    /* the database is as it was: read-only, and no name reached SQL */
    OK(sqlite3_open(db, &h) == SQLITE_OK);
    OK(sqlite3_exec(h, "SELECT count(*) FROM documents", NULL, NULL, NULL) ==
       SQLITE_OK);
    sqlite3_close(h);

    notices = 0;
    INT_EQ(fo_export(db, xlsx, &o, on_notice, NULL, &sum, &err), FO_OK);
    INT_EQ(sum.documents, 3);
    OK(access(xlsx, F_OK) == 0);

    o.sink.csv_layout = FO_CSV_WIDE;
    o.statuses = 1u << FO_DOC_REVIEW;
    INT_EQ(fo_export(db, csv, &o, on_notice, NULL, &sum, &err), FO_OK);
    INT_EQ(sum.documents, 1);
    text = harness_slurp(csv_forme);
    STR_EQ(text, "file,template,status,code_postal,montant,naissance,numero,autre,"
                 "first_page,last_page\r\nd.tif,forme,review,,42,,,,1,1\r\n");
    free(text);

    /* --since: documents processed from then on */
    o.statuses = 0;
    snprintf(o.since, sizeof o.since, "2024-03-04T10:00:01Z");
    INT_EQ(fo_export(db, csv, &o, on_notice, NULL, &sum, &err), FO_OK);
    INT_EQ(sum.documents, 1);
    o.since[0] = '\0';
    o.template_name = "absent";
    INT_EQ(fo_export(db, csv, &o, on_notice, NULL, &sum, &err), FO_ERR_USAGE);
    snprintf(want, sizeof want, "%s: holds no template \"absent\"", db);
    STR_EQ(err.message, want);

    free(db);
    free(jsonl);
    free(xlsx);
    free(csv);
    free(csv_forme);
}

static void test_not_a_database(void)
{
    char *path = fo_asprintf("%s/not.sqlite", dir);
    char *out = fo_asprintf("%s/x.csv", dir);
    fo_export_options o;
    fo_export_summary sum;
    fo_error err;
    char want[FO_ERROR_MESSAGE_MAX];
    FILE *fp;

    fo_export_options_default(&o);
    INT_EQ(fo_export(path, out, &o, NULL, NULL, &sum, &err), FO_ERR_IO);
    snprintf(want, sizeof want, "%s: no such file", path);
    STR_EQ(err.message, want);
    fp = fopen(path, "w");
    fputs("not a database, just text\n", fp);
    fclose(fp);
    INT_EQ(fo_export(path, out, &o, NULL, NULL, &sum, &err), FO_ERR_IO);
    snprintf(want, sizeof want, "%s: not an SQLite database (file is not a database)",
             path);
    STR_EQ(err.message, want);
    INT_EQ(fo_export(dir, out, &o, NULL, NULL, &sum, &err), FO_ERR_IO);
    INT_EQ(fo_export(path, "x.sqlite", &o, NULL, NULL, &sum, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "cannot export to \"x.sqlite\" (use .csv, .jsonl or .xlsx)");
    OK(access(out, F_OK) != 0);
    free(path);
    free(out);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    RUN(test_since);
    RUN(test_statuses);
    RUN(test_cell_kinds);
    RUN(test_sheet_names);
    RUN(test_hostile_database);
    RUN(test_not_a_database);
    {
        char *cmd = fo_asprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        free(cmd);
    }
    return harness_done();
}

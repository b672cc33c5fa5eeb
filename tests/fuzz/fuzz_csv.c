/*
 * fuzz_csv.c - libFuzzer target: the CSV writer, round-tripped through a
 * CSV reader.  The input gives a file name and field values (separated by
 * NUL bytes) and a separator; the long-layout CSV written for them is read
 * back (RFC 4180) and every cell must come back as written, but for the
 * formula guard's leading quote.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formocr/sink.h"
#include "fuzz_common.h"
#include "util.h"

static fo_template_set set;
static fo_template *tpl;
static char *csv_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char json[] =
        "{\"format\": \"formocr-template/1\", \"name\": \"f\", \"dpi\": 50, \"pages\": "
        "[{\"reference\": \"ref.png\", \"fields\": ["
        "{\"name\": \"a\", \"type\": \"text\", \"box\": [1, 1, 10, 10]},"
        "{\"name\": \"b\", \"type\": \"decimal\", \"box\": [1, 20, 10, 10]},"
        "{\"name\": \"c\", \"type\": \"text\", \"box\": [1, 40, 10, 10]}]}]}";
    char *path = fuzz_folder_with_reference("template.json");
    fo_error err;
    (void)argc;
    (void)argv;
    if (!path || fo_template_load_text(path, json, strlen(json), &tpl, &err) != FO_OK)
        return 1;
    set.items = &tpl;
    set.count = 1;
    csv_path = fo_asprintf("%s.csv", path);
    free(path);
    return 0;
}

/* One RFC 4180 cell from *p (advanced past it and its separator). */
static char *read_cell(const char **p, const char *end, char sep, bool *eol)
{
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    bool quoted = *p < end && **p == '"';
    if (quoted)
        (*p)++;
    for (; *p < end; (*p)++) {
        char c = **p;
        if (quoted && c == '"') {
            if (*p + 1 < end && (*p)[1] == '"') {
                (*p)++;
            } else {
                quoted = false;
                continue;
            }
        } else if (!quoted && (c == sep || c == '\r' || c == '\n')) {
            break;
        }
        if (n + 2 > cap)
            out = realloc(out, cap *= 2);
        out[n++] = c;
    }
    out[n] = '\0';
    *eol = *p >= end || **p != sep;
    if (*p < end && **p == '\r')
        (*p)++;
    if (*p < end)
        (*p)++;
    return out;
}

/* -?digits[.digits]: written as a number, unguarded, in a decimal field. */
static bool numeric(const char *v)
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

/* What the writer makes of a text cell: a leading quote before a formula. */
static bool guarded(const char *v)
{
    return *v && strchr("=+-@\t\r", *v) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *strings[4] = {NULL};
    const char *p = (const char *)data, *end = p + size;
    fo_sink_options o;
    fo_sink *s = NULL;
    fo_document d = {0};
    fo_field_result fields[3];
    fo_error err;
    char *text, *file;
    uint8_t *raw = NULL;
    size_t len;

    if (size < 1)
        return 0;
    fo_sink_options_default(&o);
    o.templates = &set;
    o.csv_layout = FO_CSV_LONG;
    o.csv_sep = (char)(p[0] & 1 ? ';' : ',');
    p++;
    for (int i = 0; i < 4; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
        strings[i] = fo_strndup(p, n);
        p += n + (nul ? 1 : 0);
    }
    d.path = strings[0];
    d.tpl = tpl;
    d.status = FO_DOC_OK;
    d.first_page = d.last_page = d.pages = 1;
    d.nfields = 3;
    d.fields = fields;
    for (int i = 0; i < 3; i++) {
        fields[i] = (fo_field_result){.field = &tpl->fields[i],
                                      .value = strings[i + 1],
                                      .raw = strings[i + 1],
                                      .confidence = 50};
    }
    if (fo_sink_open(csv_path, &o, &s, &err) != FO_OK)
        abort();
    if (fo_sink_write(s, &d, &err) != FO_OK || fo_sink_close(&s, &err) != FO_OK)
        abort();
    if (fo_read_file(csv_path, (size_t)1 << 26, &raw, &len, &err) != FO_OK)
        abort();
    text = (char *)raw;
    /* a name is bytes: the CSV holds it as valid UTF-8, reversibly escaped */
    file = fo_escape_text(d.path, FO_ESCAPE_BACKSLASH);
    if (!file)
        abort();
    {
        const char *q = text, *qend = text + len;
        bool eol = false;
        /* the header line */
        while (!eol)
            free(read_cell(&q, qend, o.csv_sep, &eol));
        for (int row = 0; row < 3; row++) {
            const char *want[9];
            want[0] = file;
            want[2] = tpl->fields[row].name;
            want[3] = want[4] = fields[row].value;
            /* the document's pages, last */
            want[7] = want[8] = "1";
            for (int col = 0; col < 9; col++) {
                char *cell = read_cell(&q, qend, o.csv_sep, &eol);
                if (col >= 7 && strcmp(cell, want[col]) != 0)
                    abort();
                if (col == 0 || col == 4 ||
                    (col == 3 && !(row == 1 && numeric(want[3])))) {
                    /* text: the guard's quote, then the value unchanged */
                    const char *w = want[col];
                    const char *c = guarded(w) ? cell + 1 : cell;
                    if ((guarded(w) && cell[0] != '\'') || strcmp(c, w) != 0)
                        abort();
                }
                free(cell);
            }
            if (!eol)
                abort();
        }
    }
    free(raw);
    free(file);
    unlink(csv_path);
    for (int i = 0; i < 4; i++)
        free(strings[i]);
    return 0;
}

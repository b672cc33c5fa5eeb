/*
 * read.c - the read stage: the reader's engines, and each field sent to its
 * reading (see read.h; the parts are described in read_internal.h).
 */
#include "formocr/read.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"
#include "strbuf.h"
#include "util.h"

enum { MAX_ENGINES = 8 }; /* languages one reader keeps ready */

static const char DIGITS[] = "0123456789";
/* Numbers, and the currency units people write after them (€, EUR,
 * euros): read as letters, not as digits ("35 €" was read 354), and left
 * out by the check stage. */
static const char INTEGER_CHARS[] = "0123456789- \u20ACEURSeurso";
static const char DECIMAL_CHARS[] = "0123456789,.- \u20ACEURSeurso";
static const char DATE_CHARS[] = "0123456789/.-";

typedef struct engine {
    char lang[64];
    TessBaseAPI *api;
} engine;

struct fo_reader {
    fo_time_limit limit;
    char *tessdata;
    engine engines[MAX_ENGINES];
    int nengines;
};

int fo_reader_create(const char *tessdata, fo_reader **out, fo_error *err)
{
    fo_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || (tessdata && !(r->tessdata = fo_strdup(tessdata)))) {
        free(r);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    *out = r;
    return FO_OK;
}

void fo_reader_destroy(fo_reader **rp)
{
    if (!rp || !*rp)
        return;
    for (int i = 0; i < (*rp)->nengines; i++) {
        TessBaseAPIEnd((*rp)->engines[i].api);
        TessBaseAPIDelete((*rp)->engines[i].api);
    }
    free((*rp)->tessdata);
    free(*rp);
    *rp = NULL;
}

void fo_reader_set_time_limit(fo_reader *r, double seconds)
{
    r->limit.seconds = seconds;
    r->limit.deadline = seconds > 0 ? fo_now() + seconds : 0;
}

/* The engine for lang, started on first use. */
static TessBaseAPI *engine_for(fo_reader *r, const char *lang, fo_error *err)
{
    TessBaseAPI *api;
    for (int i = 0; i < r->nengines; i++)
        if (strcmp(r->engines[i].lang, lang) == 0)
            return r->engines[i].api;
    if (r->nengines == MAX_ENGINES) {
        /* reuse the oldest slot: more languages than this is unusual */
        TessBaseAPIEnd(r->engines[0].api);
        TessBaseAPIDelete(r->engines[0].api);
        memmove(r->engines, r->engines + 1, sizeof r->engines[0] * (MAX_ENGINES - 1));
        r->nengines--;
    }
    api = TessBaseAPICreate();
    if (!api) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory starting tesseract");
        return NULL;
    }
    /* Tesseract's own chatter (its four lines about a missing language,
     * "Empty page!!") would reach our stderr: formocr says it in one line */
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    if (TessBaseAPIInit2(api, r->tessdata, lang, OEM_LSTM_ONLY) != 0) {
        TessBaseAPIDelete(api);
        fo_error_set(err, FO_ERR_CONFIG,
                     "tesseract cannot load language \"%s\" (is "
                     "tesseract-ocr-%s installed, or --tessdata right?)",
                     lang, lang);
        return NULL;
    }
    snprintf(r->engines[r->nengines].lang, sizeof r->engines[0].lang, "%s", lang);
    r->engines[r->nengines].api = api;
    r->nengines++;
    return api;
}

const char *fo_ocr_version(void)
{
    return TessVersion();
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fo_ocr_data(const char *tessdata, char **dir, char **languages, fo_error *err)
{
    static const char SUFFIX[] = ".traineddata";
    TessBaseAPI *api = TessBaseAPICreate();
    const char *path = NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    fo_strbuf list = FO_STRBUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    int rc = FO_OK;

    *dir = *languages = NULL;
    if (!api)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory starting tesseract");
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    /* Tesseract settles its folder while it starts, and keeps it even when
     * the language asked for is not there: osd, the smallest, is asked for */
    TessBaseAPIInit2(api, tessdata, "osd", OEM_LSTM_ONLY);
    path = TessBaseAPIGetDatapath(api);
    if (!path || !*path) {
        rc = fo_error_set(err, FO_ERR_CONFIG,
                          "tesseract does not say where its "
                          "language data is");
        goto out;
    }
    if (!(*dir = fo_strdup(path))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    d = opendir(path);
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name), m = sizeof SUFFIX - 1;
        if (len <= m || strcmp(e->d_name + len - m, SUFFIX) != 0)
            continue;
        if (n == cap) {
            char **grown = realloc(names, sizeof *names * (cap = cap ? 2 * cap : 16));
            if (!grown) {
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                goto out;
            }
            names = grown;
        }
        if (!(names[n] = fo_asprintf("%.*s", (int)(len - m), e->d_name))) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto out;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++)
        fo_strbuf_addf(&list, "%s%s", i ? ", " : "", names[i]);
    if (!(*languages = fo_strbuf_detach(&list)))
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
out:
    if (rc != FO_OK) {
        free(*dir);
        *dir = NULL;
    }
    fo_strbuf_free(&list);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
    return rc;
}

/* Why handprint is flagged (see HAND_MIN_CONFIDENCE). */
static const char *const LONE_DOUBT =
    "a lone character the line reading missed, read on a second try";
static const char *const HAND_DOUBT =
    "handwriting: two readings disagree, or not read confidently enough";

static const char *whitelist(const fo_field *f)
{
    if (f->charset)
        return f->charset;
    switch (f->type) {
    case FO_FIELD_INTEGER: return INTEGER_CHARS;
    case FO_FIELD_DECIMAL: return DECIMAL_CHARS;
    case FO_FIELD_DATE:
        return f->geometry == FO_GEOM_CELLS || f->comb ? DIGITS : DATE_CHARS;
    default: return "";
    }
}

int fo_read_field_pass(const fo_field *f)
{
    const char *allowed = whitelist(f);
    bool cells = f->geometry == FO_GEOM_CELLS || f->comb > 0;
    bool digits = *allowed && strspn(allowed, DIGITS) == strlen(allowed);
    if (f->type == FO_FIELD_CHECKBOX || f->type == FO_FIELD_CHOICE ||
        f->type == FO_FIELD_SIGNATURE)
        return 1;
    if (cells && digits)
        return 0;
    if (cells && !f->pattern_code &&
        (f->check == FO_CHECK_NONE || f->check == FO_CHECK_CODE_POSTAL))
        return 2;
    return 1;
}

/* A text field: its cells, or its boxes read as lines (joined by '\n'). */
static int read_text_raw(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                         fo_reading *out, fo_error *err)
{
    TessBaseAPI *api = engine_for(r, f->lang ? f->lang : zp->tpl->lang, err);
    fo_strbuf raw = FO_STRBUF_INIT;
    bool handwritten = false, second_try = false;
    int rc = FO_OK;

    if (!api)
        return err ? err->code : FO_ERR_CONFIG;
    if (f->geometry == FO_GEOM_CELLS || f->comb > 0)
        return fo_read_cells(api, zp, f, whitelist(f), out, err);
    out->confidence = 100;
    for (int i = 0; i < f->nboxes && rc == FO_OK; i++) {
        char *text = NULL;
        double conf;
        rc = fo_read_text_zone(api, zp, f->boxes[i], PSM_RAW_LINE, whitelist(f),
                               f->hand, &text, &conf, &out->unread, &handwritten,
                               &second_try, err);
        if (rc != FO_OK)
            break;
        if (i > 0)
            fo_strbuf_addc(&raw, '\n');
        fo_strbuf_add(&raw, text);
        if (*text)
            out->confidence = fmin(out->confidence, conf);
        free(text);
    }
    if (rc != FO_OK) {
        fo_strbuf_free(&raw);
        return rc;
    }
    out->raw = fo_strbuf_detach(&raw);
    if (second_try)
        out->doubt = LONE_DOUBT;
    /* handprint is taken as read only when both readings agreed, and
     * confidently */
    out->handprint = f->hand || handwritten;
    if (out->handprint && out->raw && *out->raw &&
        out->confidence < HAND_MIN_CONFIDENCE)
        out->doubt = HAND_DOUBT;
    return out->raw ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
}

static int read_text(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                     fo_reading *out, fo_error *err)
{
    int rc = read_text_raw(r, zp, f, out, err);
    if (rc == FO_OK && fo_lookalikes_resolve(f, whitelist(f), out) != FO_OK)
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    return rc;
}

int fo_read_field(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                  fo_reading *out, fo_error *err)
{
    int rc;

    memset(out, 0, sizeof *out);
    fo_ocr_set_time_limit(r->limit);
    if ((rc = fo_ocr_past_time_limit(err)) != FO_OK)
        return rc;
    switch (f->type) {
    case FO_FIELD_CHECKBOX:
    case FO_FIELD_SIGNATURE: rc = fo_read_mark_field(zp, f, out, err); break;
    case FO_FIELD_CHOICE: rc = fo_read_choice(zp, f, out, err); break;
    default: rc = read_text(r, zp, f, out, err); break;
    }
    if (rc != FO_OK)
        fo_reading_free(out);
    return rc;
}

void fo_reading_free(fo_reading *r)
{
    if (r) {
        free(r->raw);
        r->raw = NULL;
    }
}

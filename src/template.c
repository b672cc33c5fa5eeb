/*
 * template.c - loading and validating templates (see template.h).
 *
 * Validation is strict on purpose: templates come from many hands and a
 * mistake found here, with a line and column, is one nobody has to debug in
 * a night's results.  Unknown keys are refused too (a misspelt "requird"
 * would otherwise silently do nothing).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "formocr/template.h"

#include <dirent.h>
#include <jansson.h>
#include <leptonica/allheaders.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formocr/image.h"
#include "jsonpos.h"
#include "raster.h"
#include "util.h"

/* Templates taken when none are named, relative to the working folder. */
static const char DEFAULT_TEMPLATES[] = "templates";

/* Bounds on what one template may hold: far above any real form, low
 * enough that a hostile template cannot make us allocate much. */
enum {
    MAX_TEMPLATE_BYTES = 4 * 1024 * 1024,
    MAX_PAGES = 100,
    MAX_FIELDS = 2000, /* per template */
    MAX_BOXES = 500,   /* lines or cells of one field */
    MAX_OPTIONS = 100,
    MAX_COMB = 500,
    MAX_TEXT = 4096, /* bytes of any string value */
    MIN_DPI = 50,
    MAX_DPI = 2400,
    MAX_REFERENCE_PIXELS = 100000000, /* a reference is one page, A3 at 600 dpi fits */
    /* all of a template's references together: they are decoded at once
     * (8 bpp) while the run builds its models; 28 A4 pages at 300 dpi */
    MAX_TEMPLATE_PIXELS = 250000000
};

/* Names the outputs use for themselves (DESIGN §5): a template name
 * becomes an SQL view beside these tables (and their indexes, named
 * TABLE_...; SQLite keeps sqlite_* for its own) and the name of a
 * {template} CSV file, where "none" holds the unmatched documents; a field
 * name becomes a column beside the document's own.  Such names are refused
 * here rather than colliding in an output (pages and corrections are
 * reserved for the schema to come). */
static const char *const OUTPUT_TABLES[] = {"runs",  "documents",   "fields",
                                            "pages", "corrections", NULL};
static const char *const OUTPUT_COLUMNS[] = {"file", "template", "status",
                                             "processed_at", NULL};

/* What in the outputs a template name would collide with (a phrase for
 * the message), or NULL. */
static const char *reserved_template_name(const char *name, char *buf, size_t size)
{
    if (strcmp(name, "none") == 0)
        return "the CSV file of the unmatched documents, none.csv";
    if (strncmp(name, "sqlite_", 7) == 0)
        return "SQLite's own sqlite_* names";
    for (const char *const *t = OUTPUT_TABLES; *t; t++) {
        size_t n = strlen(*t);
        if (strncmp(name, *t, n) == 0 && (name[n] == '\0' || name[n] == '_')) {
            snprintf(buf, size, "the SQLite table \"%s\" and its indexes", *t);
            return buf;
        }
    }
    return NULL;
}

static bool reserved_field_name(const char *name)
{
    for (const char *const *c = OUTPUT_COLUMNS; *c; c++)
        if (strcmp(name, *c) == 0)
            return true;
    return false;
}

static const char DEFAULT_LANG[] = "fra";
static const char DEFAULT_DATE_FORMAT[] = "DD/MM/YYYY";

typedef struct loader {
    const char *path; /* template file, for messages */
    char *dir;        /* its folder */
    uint64_t pixels;  /* of the references read so far */
    char *dir_real;   /* realpath of the folder */
    const char *text;
    size_t len;
    fo_error *err;
    fo_template *t;
    uint8_t (*digests)[FO_SHA256_LEN]; /* of the JSON, then each reference */
    bool lazy;                         /* references hashed, not decoded */
} loader;

static const char *const TYPE_NAMES[] = {
    [FO_FIELD_TEXT] = "text",           [FO_FIELD_INTEGER] = "integer",
    [FO_FIELD_DECIMAL] = "decimal",     [FO_FIELD_DATE] = "date",
    [FO_FIELD_CHECKBOX] = "checkbox",   [FO_FIELD_CHOICE] = "choice",
    [FO_FIELD_SIGNATURE] = "signature",
};

static const char *const CHECK_NAMES[] = {
    [FO_CHECK_NONE] = "none",
    [FO_CHECK_NIR] = "nir",
    [FO_CHECK_SIREN] = "siren",
    [FO_CHECK_SIRET] = "siret",
    [FO_CHECK_IBAN] = "iban",
    [FO_CHECK_LUHN] = "luhn",
    [FO_CHECK_CODE_POSTAL] = "code_postal",
};

enum {
    NTYPES = sizeof TYPE_NAMES / sizeof *TYPE_NAMES,
    NCHECKS = sizeof CHECK_NAMES / sizeof *CHECK_NAMES
};

const char *fo_field_type_name(fo_field_type type)
{
    return (unsigned)type < NTYPES ? TYPE_NAMES[type] : "unknown";
}

const char *fo_check_name(fo_check check)
{
    return (unsigned)check < NCHECKS ? CHECK_NAMES[check] : "unknown";
}

/* Formats "path:line:col: message" for the value at jpath; returns the code. */
static int fail(loader *L, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(loader *L, const char *jpath, const char *fmt, ...)
{
    char msg[FO_ERROR_MESSAGE_MAX];
    int line, col;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fo_json_locate(L->text, L->len, jpath, &line, &col);
    return fo_error_set(L->err, FO_ERR_TEMPLATE, "%s:%d:%d: %s", L->path, line, col,
                        msg);
}

static int nomem(loader *L)
{
    return fo_error_set(L->err, FO_ERR_NOMEM, "%s: out of memory", L->path);
}

/* Refuses keys outside allowed (a NULL-terminated list). */
static int check_keys(loader *L, json_t *obj, const char *jpath, const char *what,
                      const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a) {
            char kpath[512];
            snprintf(kpath, sizeof kpath, "%s%s%s", jpath, *jpath ? "/" : "", key);
            return fail(L, kpath, "%s: unknown key \"%.64s\"", what, key);
        }
    }
    return FO_OK;
}

/* A string member: absent leaves *out NULL; present must be a non-empty
 * string of at most MAX_TEXT bytes. */
static int get_string(loader *L, json_t *obj, const char *key, const char *jpath,
                      const char *what, bool required, char **out)
{
    json_t *v = json_object_get(obj, key);
    char kpath[512];

    *out = NULL;
    snprintf(kpath, sizeof kpath, "%s%s%s", jpath, *jpath ? "/" : "", key);
    if (!v) {
        if (required)
            return fail(L, jpath, "%s: \"%s\" is missing", what, key);
        return FO_OK;
    }
    if (!json_is_string(v))
        return fail(L, kpath, "%s: \"%s\" must be a string", what, key);
    if (json_string_length(v) == 0)
        return fail(L, kpath, "%s: \"%s\" is empty", what, key);
    if (json_string_length(v) > MAX_TEXT)
        return fail(L, kpath, "%s: \"%s\" is too long (%zu bytes, limit %d)", what, key,
                    json_string_length(v), MAX_TEXT);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(L, kpath, "%s: \"%s\" contains a NUL character", what, key);
    *out = fo_strdup(json_string_value(v));
    return *out ? FO_OK : nomem(L);
}

/* An integer member within [lo, hi]; absent leaves *out at its default. */
static int get_int(loader *L, json_t *obj, const char *key, const char *jpath,
                   const char *what, long long lo, long long hi, int *out)
{
    json_t *v = json_object_get(obj, key);
    char kpath[512];
    long long n;

    if (!v)
        return FO_OK;
    snprintf(kpath, sizeof kpath, "%s%s%s", jpath, *jpath ? "/" : "", key);
    if (!json_is_integer(v))
        return fail(L, kpath, "%s: \"%s\" must be an integer", what, key);
    n = json_integer_value(v);
    if (n < lo || n > hi)
        return fail(L, kpath, "%s: \"%s\" must be between %lld and %lld (got %lld)",
                    what, key, lo, hi, n);
    *out = (int)n;
    return FO_OK;
}

/* Languages as Tesseract names them, joined with '+': "fra", "fra+eng". */
static bool valid_lang(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '+' || s[n - 1] == '+')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (c == '+' && s[i + 1] != '+')))
            return false;
    }
    return true;
}

/* date_format: DD, MM and YYYY (or YY) each exactly once, separated by
 * anything that is not a letter or digit. */
static bool valid_date_format(const char *f)
{
    int dd = 0, mm = 0, yy = 0;
    for (const char *p = f; *p;) {
        if (strncmp(p, "YYYY", 4) == 0) {
            yy++;
            p += 4;
        } else if (strncmp(p, "YY", 2) == 0) {
            yy++;
            p += 2;
        } else if (strncmp(p, "DD", 2) == 0) {
            dd++;
            p += 2;
        } else if (strncmp(p, "MM", 2) == 0) {
            mm++;
            p += 2;
        } else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9')) {
            return false;
        } else {
            p++;
        }
    }
    return dd == 1 && mm == 1 && yy == 1;
}

/* Parses [x, y, w, h] and checks it lies inside the page. */
static int get_box(loader *L, json_t *v, const char *jpath, const char *what,
                   const char *part, int pageno, const fo_template_page *page,
                   fo_box *box)
{
    long long n[4];
    if (!json_is_array(v) || json_array_size(v) != 4)
        return fail(L, jpath, "%s: %s must be [x, y, width, height]", what, part);
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_integer(e))
            return fail(L, jpath, "%s: %s must be four integers [x, y, width, height]",
                        what, part);
        n[i] = json_integer_value(e);
        if (n[i] < -1000000 || n[i] > 1000000)
            return fail(L, jpath, "%s: %s has a coordinate out of range (%lld)", what,
                        part, n[i]);
    }
    if (n[2] <= 0 || n[3] <= 0)
        return fail(L, jpath, "%s: %s must have a positive width and height", what,
                    part);
    if (n[0] < 0 || n[1] < 0 || n[0] + n[2] > page->width || n[1] + n[3] > page->height)
        return fail(L, jpath, "%s: %s lies outside page %d (%dx%d)", what, part,
                    pageno + 1, page->width, page->height);
    box->x = (int)n[0];
    box->y = (int)n[1];
    box->w = (int)n[2];
    box->h = (int)n[3];
    return FO_OK;
}

static int get_box_list(loader *L, json_t *v, const char *jpath, const char *what,
                        const char *key, const char *part, int pageno,
                        const fo_template_page *page, fo_field *f)
{
    char kpath[512];
    size_t n = json_array_size(v);
    snprintf(kpath, sizeof kpath, "%s/%s", jpath, key);
    if (!json_is_array(v) || n == 0)
        return fail(L, kpath, "%s: \"%s\" must be a non-empty list of boxes", what,
                    key);
    if (n > MAX_BOXES)
        return fail(L, kpath, "%s: too many %ss (%zu, limit %d)", what, part, n,
                    MAX_BOXES);
    f->boxes = calloc(n, sizeof *f->boxes);
    if (!f->boxes)
        return nomem(L);
    f->nboxes = (int)n;
    for (size_t i = 0; i < n; i++) {
        char ipath[560], label[64];
        int rc;
        snprintf(ipath, sizeof ipath, "%s/%zu", kpath, i);
        snprintf(label, sizeof label, "%s %zu", part, i + 1);
        rc = get_box(L, json_array_get(v, i), ipath, what, label, pageno, page,
                     &f->boxes[i]);
        if (rc != FO_OK)
            return rc;
    }
    return FO_OK;
}

static bool is_option_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '_')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return false;
    return true;
}

static int get_options(loader *L, json_t *v, const char *jpath, const char *what,
                       int pageno, const fo_template_page *page, fo_field *f)
{
    char kpath[512];
    const char *key;
    json_t *value;
    size_t n = json_object_size(v), i = 0;

    snprintf(kpath, sizeof kpath, "%s/options", jpath);
    if (!json_is_object(v) || n == 0)
        return fail(L, kpath,
                    "%s: \"options\" must be an object of option names "
                    "to boxes",
                    what);
    if (n > MAX_OPTIONS)
        return fail(L, kpath, "%s: too many options (%zu, limit %d)", what, n,
                    MAX_OPTIONS);
    f->options = calloc(n, sizeof *f->options);
    if (!f->options)
        return nomem(L);
    /* jansson keeps insertion order: options stay in the file's order. */
    json_object_foreach(v, key, value)
    {
        char opath[640], label[128];
        int rc;
        snprintf(opath, sizeof opath, "%s/%s", kpath, key);
        if (!is_option_name(key))
            return fail(L, opath,
                        "%s: option name \"%.64s\" must match "
                        "[a-z0-9][a-z0-9_]*",
                        what, key);
        f->options[i].name = fo_strdup(key);
        f->noptions = (int)i + 1;
        if (!f->options[i].name)
            return nomem(L);
        snprintf(label, sizeof label, "option \"%s\"", key);
        rc = get_box(L, value, opath, what, label, pageno, page, &f->options[i].box);
        if (rc != FO_OK)
            return rc;
        i++;
    }
    return FO_OK;
}

/* "pdf_values": {option: export value}, a choice's buttons' values in the
 * PDF form it was made from. */
static int get_pdf_values(loader *L, json_t *obj, const char *jpath, const char *what,
                          fo_field *f)
{
    json_t *v = json_object_get(obj, "pdf_values"), *value;
    const char *key;
    char kpath[512];

    if (!v)
        return FO_OK;
    snprintf(kpath, sizeof kpath, "%s/pdf_values", jpath);
    if (f->geometry != FO_GEOM_OPTIONS || !json_is_object(v))
        return fail(L, kpath,
                    "%s: \"pdf_values\" is an object of a choice's option names to "
                    "the PDF's export values",
                    what);
    json_object_foreach(v, key, value)
    {
        int k = 0;
        while (k < f->noptions && strcmp(f->options[k].name, key) != 0)
            k++;
        if (k == f->noptions || !json_is_string(value) ||
            json_string_length(value) > 256)
            return fail(L, kpath,
                        "%s: \"pdf_values\": \"%.64s\" is no option, or its "
                        "value no short string",
                        what, key);
        free(f->options[k].pdf_value);
        if (!(f->options[k].pdf_value = fo_strdup(json_string_value(value))))
            return nomem(L);
    }
    return FO_OK;
}

static int parse_type(loader *L, json_t *obj, const char *jpath, const char *what,
                      fo_field *f)
{
    json_t *v = json_object_get(obj, "type");
    char kpath[512];
    snprintf(kpath, sizeof kpath, "%s/type", jpath);
    if (!v)
        return fail(L, jpath, "%s: \"type\" is missing", what);
    if (!json_is_string(v))
        return fail(L, kpath, "%s: \"type\" must be a string", what);
    for (int i = 0; i < NTYPES; i++) {
        if (strcmp(json_string_value(v), TYPE_NAMES[i]) == 0) {
            f->type = (fo_field_type)i;
            return FO_OK;
        }
    }
    return fail(L, kpath,
                "%s: unknown type \"%.64s\" (text, integer, decimal, date, "
                "checkbox, choice or signature)",
                what, json_string_value(v));
}

static int parse_check(loader *L, json_t *obj, const char *jpath, const char *what,
                       fo_field *f)
{
    json_t *v = json_object_get(obj, "check");
    char kpath[512];
    if (!v)
        return FO_OK;
    snprintf(kpath, sizeof kpath, "%s/check", jpath);
    if (json_is_string(v)) {
        for (int i = 1; i < NCHECKS; i++) {
            if (strcmp(json_string_value(v), CHECK_NAMES[i]) == 0) {
                f->check = (fo_check)i;
                return FO_OK;
            }
        }
    }
    return fail(L, kpath,
                "%s: unknown check %s%.64s%s (nir, siren, siret, iban, luhn "
                "or code_postal)",
                what, json_is_string(v) ? "\"" : "",
                json_is_string(v) ? json_string_value(v) : "(not a string)",
                json_is_string(v) ? "\"" : "");
}

static int compile_pattern(loader *L, const char *jpath, const char *what, fo_field *f)
{
    int errcode;
    PCRE2_SIZE erroffset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)f->pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP, &errcode, &erroffset, NULL);
    if (!re) {
        PCRE2_UCHAR buf[256];
        char kpath[512];
        pcre2_get_error_message(errcode, buf, sizeof buf);
        snprintf(kpath, sizeof kpath, "%s/pattern", jpath);
        return fail(L, kpath, "%s: pattern does not compile: %s at offset %zu", what,
                    (const char *)buf, (size_t)erroffset);
    }
    f->pattern_code = re;
    return FO_OK;
}

static bool is_text_like(fo_field_type t)
{
    return t == FO_FIELD_TEXT || t == FO_FIELD_INTEGER || t == FO_FIELD_DECIMAL ||
           t == FO_FIELD_DATE;
}

static int parse_geometry(loader *L, json_t *obj, const char *jpath, const char *what,
                          int pageno, const fo_template_page *page, fo_field *f)
{
    static const char *const keys[] = {"box", "lines", "cells", "options"};
    int found = 0, which = -1;
    char kpath[512];

    for (int i = 0; i < 4; i++) {
        if (json_object_get(obj, keys[i])) {
            found++;
            which = i;
        }
    }
    if (found != 1)
        return fail(L, jpath,
                    "%s: needs exactly one geometry (box, lines, cells or "
                    "options), found %d",
                    what, found);
    f->geometry = (fo_geometry)which;
    snprintf(kpath, sizeof kpath, "%s/%s", jpath, keys[which]);

    if (f->type == FO_FIELD_CHOICE && f->geometry != FO_GEOM_OPTIONS)
        return fail(L, kpath, "%s: a choice needs \"options\"", what);
    if (f->type != FO_FIELD_CHOICE && f->geometry == FO_GEOM_OPTIONS)
        return fail(L, kpath, "%s: only a choice has \"options\"", what);
    if ((f->type == FO_FIELD_CHECKBOX || f->type == FO_FIELD_SIGNATURE) &&
        f->geometry != FO_GEOM_BOX)
        return fail(L, kpath, "%s: a %s needs one \"box\"", what,
                    fo_field_type_name(f->type));
    if (f->geometry == FO_GEOM_LINES && f->type != FO_FIELD_TEXT)
        return fail(L, kpath, "%s: \"lines\" is for text fields", what);

    switch (f->geometry) {
    case FO_GEOM_BOX:
        f->boxes = calloc(1, sizeof *f->boxes);
        if (!f->boxes)
            return nomem(L);
        f->nboxes = 1;
        return get_box(L, json_object_get(obj, "box"), kpath, what, "box", pageno, page,
                       &f->boxes[0]);
    case FO_GEOM_LINES:
        return get_box_list(L, json_object_get(obj, "lines"), jpath, what, "lines",
                            "line", pageno, page, f);
    case FO_GEOM_CELLS:
        return get_box_list(L, json_object_get(obj, "cells"), jpath, what, "cells",
                            "cell", pageno, page, f);
    case FO_GEOM_OPTIONS:
        return get_options(L, json_object_get(obj, "options"), jpath, what, pageno,
                           page, f);
    }
    return FO_OK;
}

static int parse_choice_bounds(loader *L, json_t *obj, const char *jpath,
                               const char *what, fo_field *f)
{
    int rc;
    f->min = 0;
    f->max = 1;
    if (f->type != FO_FIELD_CHOICE) {
        if (json_object_get(obj, "min") || json_object_get(obj, "max"))
            return fail(L, jpath, "%s: \"min\" and \"max\" are for choice fields",
                        what);
        return FO_OK;
    }
    rc = get_int(L, obj, "min", jpath, what, 0, f->noptions, &f->min);
    if (rc == FO_OK)
        rc = get_int(L, obj, "max", jpath, what, 1, f->noptions, &f->max);
    if (rc == FO_OK && f->min > f->max)
        return fail(L, jpath, "%s: \"min\" (%d) is larger than \"max\" (%d)", what,
                    f->min, f->max);
    return rc;
}

/* A date field's not_before or not_after: "today" or "YYYY-MM-DD" (a real
 * day, years 1800-2199), into *out as FO_DATE_TODAY or YYYYMMDD; absent: 0. */
static int get_date_bound(loader *L, json_t *obj, const char *key, const char *jpath,
                          const char *what, int *out)
{
    json_t *v = json_object_get(obj, key);
    const char *s = v ? json_string_value(v) : NULL;
    int y, m, d, n = 0;
    char kpath[512];
    *out = 0;
    if (!v)
        return FO_OK;
    snprintf(kpath, sizeof kpath, "%s/%s", jpath, key);
    if (s && strcmp(s, "today") == 0) {
        *out = FO_DATE_TODAY;
        return FO_OK;
    }
    static const int DAYS[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        strlen(s) != 10 || y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 ||
        d > DAYS[m - 1] ||
        (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return fail(L, kpath, "%s: \"%s\" wants \"today\" or a day as YYYY-MM-DD", what,
                    key);
    *out = y * 10000 + m * 100 + d;
    return FO_OK;
}

static int parse_text_options(loader *L, json_t *obj, const char *jpath,
                              const char *what, fo_field *f)
{
    static const char *const text_only[] = {"charset",   "pattern",     "check",
                                            "comb",      "date_format", "not_before",
                                            "not_after", NULL};
    json_t *v;
    int rc;

    if (!is_text_like(f->type)) {
        for (const char *const *k = text_only; *k; k++) {
            if (json_object_get(obj, *k)) {
                char kpath[512];
                snprintf(kpath, sizeof kpath, "%s/%s", jpath, *k);
                return fail(L, kpath, "%s: \"%s\" does not apply to a %s", what, *k,
                            fo_field_type_name(f->type));
            }
        }
        return FO_OK;
    }
    rc = get_string(L, obj, "charset", jpath, what, false, &f->charset);
    if (rc == FO_OK)
        rc = get_string(L, obj, "pattern", jpath, what, false, &f->pattern);
    if (rc == FO_OK && f->pattern)
        rc = compile_pattern(L, jpath, what, f);
    if (rc == FO_OK)
        rc = parse_check(L, obj, jpath, what, f);
    if (rc != FO_OK)
        return rc;

    if (json_object_get(obj, "comb")) {
        char kpath[512];
        snprintf(kpath, sizeof kpath, "%s/comb", jpath);
        if (f->geometry != FO_GEOM_BOX)
            return fail(L, kpath, "%s: \"comb\" applies to a \"box\"", what);
        rc = get_int(L, obj, "comb", jpath, what, 1, MAX_COMB, &f->comb);
        if (rc != FO_OK)
            return rc;
        if (f->boxes[0].w < f->comb)
            return fail(L, kpath, "%s: box is narrower than %d cells", what, f->comb);
    }

    v = json_object_get(obj, "date_format");
    if (v && f->type != FO_FIELD_DATE) {
        char kpath[512];
        snprintf(kpath, sizeof kpath, "%s/date_format", jpath);
        return fail(L, kpath, "%s: \"date_format\" is for date fields", what);
    }
    if (f->type == FO_FIELD_DATE) {
        rc = get_string(L, obj, "date_format", jpath, what, false, &f->date_format);
        if (rc != FO_OK)
            return rc;
        if (f->date_format && !valid_date_format(f->date_format)) {
            char kpath[512];
            snprintf(kpath, sizeof kpath, "%s/date_format", jpath);
            return fail(L, kpath,
                        "%s: date_format \"%.64s\" needs DD, MM and YYYY "
                        "(or YY) once each, with separators that are not letters "
                        "or digits",
                        what, f->date_format);
        }
        if (!f->date_format && !(f->date_format = fo_strdup(DEFAULT_DATE_FORMAT)))
            return nomem(L);
        if ((rc = get_date_bound(L, obj, "not_before", jpath, what, &f->not_before)) !=
                FO_OK ||
            (rc = get_date_bound(L, obj, "not_after", jpath, what, &f->not_after)) !=
                FO_OK)
            return rc;
        if (f->not_before > 0 && f->not_after > 0 && f->not_before > f->not_after)
            return fail(L, jpath, "%s: \"not_before\" is after \"not_after\"", what);
    } else {
        for (const char *const *k =
                 (const char *const[]){"not_before", "not_after", NULL};
             *k; k++)
            if (json_object_get(obj, *k)) {
                char kpath[512];
                snprintf(kpath, sizeof kpath, "%s/%s", jpath, *k);
                return fail(L, kpath, "%s: \"%s\" is for date fields", what, *k);
            }
    }
    return FO_OK;
}

static int parse_min_confidence(loader *L, json_t *obj, const char *jpath,
                                const char *what, fo_field *f)
{
    json_t *v = json_object_get(obj, "min_confidence");
    f->min_confidence = FO_DEFAULT_MIN_CONFIDENCE;
    if (!v)
        return FO_OK;
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
        char kpath[512];
        snprintf(kpath, sizeof kpath, "%s/min_confidence", jpath);
        return fail(L, kpath, "%s: \"min_confidence\" must be a number from 0 to 100",
                    what);
    }
    f->min_confidence = json_number_value(v);
    return FO_OK;
}

/* An optional true/false key of obj: *out left as it is when absent. */
static int get_bool(loader *L, json_t *obj, const char *key, const char *jpath,
                    const char *what, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_boolean(v)) {
        char kpath[512];
        snprintf(kpath, sizeof kpath, "%s%s%s", jpath, *jpath ? "/" : "", key);
        return fail(L, kpath, "%s: \"%s\" must be true or false", what, key);
    }
    if (v)
        *out = json_is_true(v);
    return FO_OK;
}

static int parse_field(loader *L, json_t *obj, const char *jpath, int pageno,
                       const fo_template_page *page, fo_field *f)
{
    static const char *const allowed[] = {"name",
                                          "type",
                                          "box",
                                          "comb",
                                          "lines",
                                          "cells",
                                          "options",
                                          "min",
                                          "max",
                                          "required",
                                          "lang",
                                          "charset",
                                          "pattern",
                                          "check",
                                          "min_confidence",
                                          "date_format",
                                          "not_before",
                                          "not_after",
                                          "label",
                                          "pdf_field",
                                          "pdf_values",
                                          "cancelled_if_filled",
                                          "hand",
                                          NULL};
    char what[128], npath[512];
    int rc;

    fo_json_locate(L->text, L->len, jpath, &f->line, &f->column);
    f->page = pageno;
    if (!json_is_object(obj))
        return fail(L, jpath, "page %d: a field must be an object", pageno + 1);
    rc = get_string(L, obj, "name", jpath, "field", true, &f->name);
    if (rc != FO_OK)
        return rc;
    snprintf(npath, sizeof npath, "%s/name", jpath);
    if (!fo_is_identifier(f->name))
        return fail(L, npath,
                    "field name \"%.64s\" must match [a-z][a-z0-9_]* "
                    "(at most 63 characters)",
                    f->name);
    if (reserved_field_name(f->name))
        return fail(L, npath,
                    "field name \"%s\" is a column the outputs use for the document "
                    "(file, template, status, processed_at): rename the field",
                    f->name);
    snprintf(what, sizeof what, "field \"%s\"", f->name);
    if ((rc = check_keys(L, obj, jpath, what, allowed)) != FO_OK ||
        (rc = parse_type(L, obj, jpath, what, f)) != FO_OK ||
        (rc = parse_geometry(L, obj, jpath, what, pageno, page, f)) != FO_OK ||
        (rc = parse_choice_bounds(L, obj, jpath, what, f)) != FO_OK ||
        (rc = parse_text_options(L, obj, jpath, what, f)) != FO_OK ||
        (rc = parse_min_confidence(L, obj, jpath, what, f)) != FO_OK ||
        (rc = get_string(L, obj, "lang", jpath, what, false, &f->lang)) != FO_OK ||
        (rc = get_string(L, obj, "label", jpath, what, false, &f->label)) != FO_OK ||
        (rc = get_string(L, obj, "pdf_field", jpath, what, false, &f->pdf_field)) !=
            FO_OK ||
        (rc = get_pdf_values(L, obj, jpath, what, f)) != FO_OK)
        return rc;
    if (f->lang && !valid_lang(f->lang)) {
        char kpath[512];
        snprintf(kpath, sizeof kpath, "%s/lang", jpath);
        return fail(L, kpath,
                    "%s: \"lang\" must be Tesseract language names joined "
                    "with '+' (e.g. \"fra+eng\")",
                    what);
    }
    f->cancelled_if_filled = L->t->cancelled_if_filled;
    f->hand = L->t->hand;
    if ((rc = get_bool(L, obj, "required", jpath, what, &f->required)) != FO_OK ||
        (rc = get_bool(L, obj, "cancelled_if_filled", jpath, what,
                       &f->cancelled_if_filled)) != FO_OK ||
        (rc = get_bool(L, obj, "hand", jpath, what, &f->hand)) != FO_OK)
        return rc;
    if (json_is_true(json_object_get(obj, "cancelled_if_filled")) &&
        f->type != FO_FIELD_CHECKBOX && f->type != FO_FIELD_CHOICE)
        return fail(L, jpath,
                    "%s: \"cancelled_if_filled\" is for a checkbox or a choice", what);
    return FO_OK;
}

/* Checks that reference names a file inside the template's folder, and
 * returns its path. */
static int resolve_reference(loader *L, const char *jpath, int pageno,
                             const char *reference, char **out)
{
    char real[PATH_MAX];
    char *joined;
    size_t dlen;
    const char *p = reference;

    *out = NULL;
    if (reference[0] == '/')
        return fail(L, jpath,
                    "page %d: reference \"%.200s\" must be a path relative "
                    "to the template's folder",
                    pageno + 1, reference);
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return fail(L, jpath,
                        "page %d: reference \"%.200s\" leaves the "
                        "template's folder",
                        pageno + 1, reference);
        p += n;
        if (*p == '/')
            p++;
    }
    joined = fo_path_join(L->dir, reference);
    if (!joined)
        return nomem(L);
    /* A symbolic link may still lead out: compare the resolved paths. */
    if (realpath(joined, real)) {
        dlen = strlen(L->dir_real);
        if (strncmp(real, L->dir_real, dlen) != 0 ||
            (real[dlen] != '/' && strcmp(L->dir_real, "/") != 0)) {
            free(joined);
            return fail(L, jpath,
                        "page %d: reference \"%.200s\" leads out of the "
                        "template's folder",
                        pageno + 1, reference);
        }
    }
    *out = joined;
    return FO_OK;
}

/* Opens a page's reference within the reference limits. */
static int open_reference(const fo_template_page *page, fo_image **img, fo_error *err)
{
    fo_image_limits limits;
    fo_image_limits_default(&limits);
    limits.max_pixels = MAX_REFERENCE_PIXELS;
    return fo_image_open(page->reference_path, &limits, img, err);
}

/*
 * A page's reference, from its header only: its size (which the fields'
 * boxes are checked against), within what a run can afford to build from
 * it: no larger than a form at the template's dpi, and the template's
 * references within MAX_TEMPLATE_PIXELS together.  Nothing is decoded
 * until every page has passed (decode_references).
 */
static int check_reference(loader *L, const char *jpath, int pageno,
                           fo_template_page *page)
{
    fo_image *img = NULL;
    fo_page_info info;
    fo_error ierr;
    double w, h;
    int rc = open_reference(page, &img, &ierr);

    if (rc == FO_OK)
        rc = fo_image_page_info(img, 0, &info, &ierr);
    fo_image_destroy(&img);
    if (rc == FO_ERR_NOMEM)
        return nomem(L);
    if (rc != FO_OK)
        return fail(L, jpath, "page %d: reference \"%.200s\": %s", pageno + 1,
                    page->reference, ierr.message);
    w = (double)info.width / L->t->dpi;
    h = (double)info.height / L->t->dpi;
    if (w > FO_MAX_FORM_INCHES || h > FO_MAX_FORM_INCHES)
        return fail(L, jpath,
                    "page %d: reference \"%.200s\" (%dx%d px) is %.1fx%.1f inches at "
                    "%d dpi: larger than a form (at most %d inches a side; is \"dpi\" "
                    "right?)",
                    pageno + 1, page->reference, info.width, info.height, w, h,
                    L->t->dpi, FO_MAX_FORM_INCHES);
    L->pixels += (uint64_t)info.width * (uint64_t)info.height;
    if (L->pixels > MAX_TEMPLATE_PIXELS)
        return fail(L, jpath,
                    "page %d: the template's references are %llu pixels in all, more "
                    "than %d million (fewer pages, or a lower dpi)",
                    pageno + 1, (unsigned long long)L->pixels,
                    MAX_TEMPLATE_PIXELS / 1000000);
    page->width = info.width;
    page->height = info.height;
    return FO_OK;
}

/* The reference as a run reads it: 8 bpp (every later stage works on grey
 * levels, and a colour A4 page at 300 dpi takes 9 MB instead of 36). */
static int decode_grey(fo_image *img, PIX **out, fo_error *err)
{
    PIX *pix = NULL;
    int rc = fo_image_decode(img, 0, &pix, NULL, err);
    *out = NULL;
    if (rc != FO_OK)
        return rc;
    *out = fo_raster_colour_to_grey(pix);
    pixDestroy(&pix);
    return *out ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
}

/* Decodes every page's reference (decode_grey), or, L->lazy, only reads
 * it, and the digest of the bytes read. */
static int decode_references(loader *L)
{
    for (int i = 0; i < L->t->npages; i++) {
        fo_template_page *page = &L->t->pages[i];
        fo_image *img = NULL;
        fo_error ierr;
        const uint8_t *bytes;
        size_t size;
        char jpath[64];
        int rc = open_reference(page, &img, &ierr);

        if (rc == FO_OK && !L->lazy)
            rc = decode_grey(img, &page->image, &ierr);
        if (rc == FO_OK) {
            bytes = fo_image_bytes(img, &size);
            fo_sha256(bytes, size, L->digests[i + 1]);
            memcpy(page->digest, L->digests[i + 1], FO_SHA256_LEN);
        }
        fo_image_destroy(&img);
        if (rc == FO_ERR_NOMEM)
            return nomem(L);
        snprintf(jpath, sizeof jpath, "pages/%d/reference", i);
        if (rc != FO_OK)
            return fail(L, jpath, "page %d: reference \"%.200s\": %s", i + 1,
                        page->reference, ierr.message);
        /* the file changed since its header was read */
        if (page->image && (pixGetWidth(page->image) != page->width ||
                            pixGetHeight(page->image) != page->height))
            return fail(L, jpath, "page %d: reference \"%.200s\" changed while read",
                        i + 1, page->reference);
    }
    return FO_OK;
}

int fo_template_page_image(const fo_template *t, int pageno, PIX **out, fo_error *err)
{
    const fo_template_page *page;
    fo_image *img = NULL;
    uint8_t digest[FO_SHA256_LEN];
    const uint8_t *bytes;
    size_t size;
    int rc;

    *out = NULL;
    if (pageno < 0 || pageno >= t->npages)
        return fo_error_set(err, FO_ERR_USAGE, "template \"%s\" has no page %d",
                            t->name, pageno + 1);
    page = &t->pages[pageno];
    rc = open_reference(page, &img, err);
    if (rc == FO_OK) {
        bytes = fo_image_bytes(img, &size);
        fo_sha256(bytes, size, digest);
        if (memcmp(digest, page->digest, FO_SHA256_LEN) != 0)
            rc = fo_error_set(err, FO_ERR_CHANGED,
                              "template \"%s\": reference \"%s\" changed since the "
                              "template was loaded",
                              t->name, page->reference_path);
    }
    if (rc == FO_OK)
        rc = decode_grey(img, out, err);
    fo_image_destroy(&img);
    if (rc == FO_OK &&
        (pixGetWidth(*out) != page->width || pixGetHeight(*out) != page->height)) {
        pixDestroy(out);
        rc = fo_error_set(err, FO_ERR_CHANGED,
                          "template \"%s\": reference \"%s\" changed", t->name,
                          page->reference_path);
    }
    if (rc != FO_OK && rc != FO_ERR_NOMEM && rc != FO_ERR_CHANGED)
        fo_error_prefix(err, "template \"%s\" page %d", t->name, pageno + 1);
    return rc;
}

static int parse_page(loader *L, json_t *obj, int pageno, int *nfields_total)
{
    static const char *const allowed[] = {"reference", "fields", NULL};
    fo_template_page *page = &L->t->pages[pageno];
    char jpath[64], what[32], rpath[80], fpath[80];
    json_t *fields;
    int rc;

    snprintf(jpath, sizeof jpath, "pages/%d", pageno);
    snprintf(what, sizeof what, "page %d", pageno + 1);
    snprintf(rpath, sizeof rpath, "%s/reference", jpath);
    snprintf(fpath, sizeof fpath, "%s/fields", jpath);
    if (!json_is_object(obj))
        return fail(L, jpath, "%s must be an object", what);
    if ((rc = check_keys(L, obj, jpath, what, allowed)) != FO_OK ||
        (rc = get_string(L, obj, "reference", jpath, what, true, &page->reference)) !=
            FO_OK ||
        (rc = resolve_reference(L, rpath, pageno, page->reference,
                                &page->reference_path)) != FO_OK ||
        (rc = check_reference(L, rpath, pageno, page)) != FO_OK)
        return rc;

    fields = json_object_get(obj, "fields");
    if (!fields)
        return fail(L, jpath, "%s: \"fields\" is missing", what);
    if (!json_is_array(fields))
        return fail(L, fpath, "%s: \"fields\" must be a list", what);
    if (*nfields_total + json_array_size(fields) > MAX_FIELDS)
        return fail(L, fpath, "too many fields (limit %d)", MAX_FIELDS);
    page->fields = L->t->fields + *nfields_total;
    for (size_t i = 0; i < json_array_size(fields); i++) {
        char ipath[96];
        fo_field *f = &L->t->fields[*nfields_total];
        snprintf(ipath, sizeof ipath, "%s/%zu", fpath, i);
        /* Counted before parsing so that destroy frees a half-parsed field. */
        (*nfields_total)++;
        L->t->nfields = *nfields_total;
        page->nfields++;
        rc = parse_field(L, json_array_get(fields, i), ipath, pageno, page, f);
        if (rc != FO_OK)
            return rc;
        for (int k = 0; k < *nfields_total - 1; k++)
            if (strcmp(L->t->fields[k].name, f->name) == 0)
                return fail(L, ipath,
                            "field \"%s\" is defined twice (first at line "
                            "%d)",
                            f->name, L->t->fields[k].line);
    }
    return FO_OK;
}

static int count_fields(json_t *pages, size_t *total)
{
    *total = 0;
    for (size_t i = 0; i < json_array_size(pages); i++) {
        json_t *f = json_object_get(json_array_get(pages, i), "fields");
        if (json_is_array(f))
            *total += json_array_size(f);
    }
    return *total > MAX_FIELDS ? -1 : 0;
}

static int parse_root(loader *L, json_t *root)
{
    static const char *const allowed[] = {
        "format", "name", "title", "lang", "dpi", "pages", "cancelled_if_filled",
        "hand",   NULL};
    fo_template *t = L->t;
    char *format = NULL, why[96];
    const char *reserved;
    json_t *pages;
    size_t nfields;
    int rc, total = 0;

    if (!json_is_object(root))
        return fail(L, "", "a template must be a JSON object");
    if ((rc = check_keys(L, root, "", "template", allowed)) != FO_OK ||
        (rc = get_string(L, root, "format", "", "template", true, &format)) != FO_OK)
        return rc;
    if (strcmp(format, FO_TEMPLATE_FORMAT) != 0) {
        rc = fail(L, "format", "format \"%.64s\" is not \"%s\"", format,
                  FO_TEMPLATE_FORMAT);
        free(format);
        return rc;
    }
    free(format);
    if ((rc = get_string(L, root, "name", "", "template", true, &t->name)) != FO_OK)
        return rc;
    if (!fo_is_identifier(t->name))
        return fail(L, "name",
                    "template name \"%.64s\" must match [a-z][a-z0-9_]* "
                    "(at most 63 characters)",
                    t->name);
    if ((reserved = reserved_template_name(t->name, why, sizeof why)) != NULL)
        return fail(L, "name",
                    "template name \"%s\" is taken by the outputs (%s): "
                    "rename the template",
                    t->name, reserved);

    if ((rc = get_string(L, root, "title", "", "template", false, &t->title)) !=
            FO_OK ||
        (rc = get_string(L, root, "lang", "", "template", false, &t->lang)) != FO_OK)
        return rc;
    if (t->lang && !valid_lang(t->lang))
        return fail(L, "lang",
                    "\"lang\" must be Tesseract language names joined with "
                    "'+' (e.g. \"fra+eng\")");
    if (!t->lang && !(t->lang = fo_strdup(DEFAULT_LANG)))
        return nomem(L);
    if ((rc = get_bool(L, root, "cancelled_if_filled", "", "template",
                       &t->cancelled_if_filled)) != FO_OK ||
        (rc = get_bool(L, root, "hand", "", "template", &t->hand)) != FO_OK)
        return rc;
    t->dpi = FO_DEFAULT_DPI;
    if ((rc = get_int(L, root, "dpi", "", "template", MIN_DPI, MAX_DPI, &t->dpi)) !=
        FO_OK)
        return rc;

    pages = json_object_get(root, "pages");
    if (!pages)
        return fail(L, "", "template: \"pages\" is missing");
    if (!json_is_array(pages) || json_array_size(pages) == 0)
        return fail(L, "pages", "\"pages\" must be a non-empty list");
    if (json_array_size(pages) > MAX_PAGES)
        return fail(L, "pages", "too many pages (%zu, limit %d)",
                    json_array_size(pages), MAX_PAGES);
    if (count_fields(pages, &nfields) != 0)
        return fail(L, "pages", "too many fields (%zu, limit %d)", nfields, MAX_FIELDS);
    t->pages = calloc(json_array_size(pages), sizeof *t->pages);
    t->fields = calloc(nfields ? nfields : 1, sizeof *t->fields);
    L->digests = calloc(json_array_size(pages) + 1, sizeof *L->digests);
    if (!t->pages || !t->fields || !L->digests)
        return nomem(L);
    for (size_t i = 0; i < json_array_size(pages); i++) {
        t->npages = (int)i + 1;
        rc = parse_page(L, json_array_get(pages, i), (int)i, &total);
        if (rc != FO_OK)
            return rc;
    }
    return decode_references(L);
}

static int set_digest(loader *L)
{
    uint8_t sum[FO_SHA256_LEN];
    size_t n = (size_t)L->t->npages + 1;
    if (fo_sha256(L->digests, n * FO_SHA256_LEN, sum) != FO_OK)
        return nomem(L);
    fo_hex(sum, FO_SHA256_LEN, L->t->sha256);
    return FO_OK;
}

static int load_text(const char *path, const char *text, size_t len, bool lazy,
                     fo_template **out, fo_error *err);

static int load_file(const char *path, bool lazy, fo_template **out, fo_error *err)
{
    uint8_t *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = fo_read_file(path, MAX_TEMPLATE_BYTES, &text, &len, err);
    if (rc != FO_OK) {
        fo_error_prefix(err, "%s", path);
        return rc;
    }
    rc = load_text(path, (const char *)text, len, lazy, out, err);
    free(text);
    return rc;
}

int fo_template_load(const char *path, fo_template **out, fo_error *err)
{
    return load_file(path, false, out, err);
}

int fo_template_load_text(const char *path, const char *text, size_t len,
                          fo_template **out, fo_error *err)
{
    return load_text(path, text, len, false, out, err);
}

static int load_text(const char *path, const char *text, size_t len, bool lazy,
                     fo_template **out, fo_error *err)
{
    loader L = {.lazy = lazy};
    char real[PATH_MAX];
    json_error_t jerr;
    json_t *root = NULL;
    int rc;

    *out = NULL;
    L.path = path;
    L.err = err;
    if (len > MAX_TEMPLATE_BYTES)
        return fo_error_set(err, FO_ERR_LIMIT, "%s: too large (%zu bytes, limit %d)",
                            path, len, MAX_TEMPLATE_BYTES);
    L.text = text;
    L.len = len;
    L.t = calloc(1, sizeof *L.t);
    L.dir = fo_path_dirname(path);
    if (!L.t || !L.dir || !(L.t->path = fo_strdup(path))) {
        rc = nomem(&L);
        goto out;
    }
    if (!realpath(L.dir, real)) {
        rc = fo_error_set(err, FO_ERR_IO, "%s: cannot resolve its folder", path);
        goto out;
    }
    if (!(L.dir_real = fo_strdup(real))) {
        rc = nomem(&L);
        goto out;
    }
    /* Duplicate keys would otherwise be resolved silently, last one wins. */
    root = json_loadb(L.text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = fo_error_set(err, FO_ERR_TEMPLATE, "%s:%d:%d: invalid JSON: %s", path,
                          jerr.line, jerr.column, jerr.text);
        goto out;
    }
    rc = parse_root(&L, root);
    if (rc != FO_OK)
        goto out;
    fo_sha256(text, len, L.digests[0]);
    rc = set_digest(&L);
out:
    json_decref(root);
    free(L.dir);
    free(L.dir_real);
    free(L.digests);
    if (rc == FO_OK)
        *out = L.t;
    else
        fo_template_destroy(&L.t);
    return rc;
}

static void free_field(fo_field *f)
{
    free(f->name);
    free(f->boxes);
    for (int i = 0; i < f->noptions; i++) {
        free(f->options[i].name);
        free(f->options[i].pdf_value);
    }
    free(f->options);
    free(f->lang);
    free(f->charset);
    free(f->pattern);
    pcre2_code_free((pcre2_code *)f->pattern_code);
    free(f->date_format);
    free(f->label);
    free(f->pdf_field);
}

void fo_template_destroy(fo_template **tp)
{
    fo_template *t;
    if (!tp || !*tp)
        return;
    t = *tp;
    for (int i = 0; i < t->nfields; i++)
        free_field(&t->fields[i]);
    free(t->fields);
    for (int i = 0; i < t->npages; i++) {
        free(t->pages[i].reference);
        free(t->pages[i].reference_path);
        pixDestroy(&t->pages[i].image);
    }
    free(t->pages);
    free(t->path);
    free(t->name);
    free(t->title);
    free(t->lang);
    free(t);
    *tp = NULL;
}

const fo_field *fo_template_field(const fo_template *t, const char *name)
{
    for (int i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

/* ---- sets of templates ------------------------------------------------ */

static int push_path(char ***files, size_t *n, char *path)
{
    char **grown;
    if (!path)
        return FO_ERR_NOMEM;
    grown = realloc(*files, (*n + 2) * sizeof **files);
    if (!grown) {
        free(path);
        return FO_ERR_NOMEM;
    }
    *files = grown;
    (*files)[(*n)++] = path;
    (*files)[*n] = NULL;
    return FO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int fo_template_paths(const char *path, char ***files, fo_error *err)
{
    struct dirent **entries = NULL;
    size_t n = 0;
    int count, rc = FO_OK;
    char *direct;

    *files = NULL;
    if (!fo_is_dir(path)) {
        if (!fo_is_regular_file(path))
            return fo_error_set(err, FO_ERR_IO, "%s: no such template file or folder",
                                path);
        if (push_path(files, &n, fo_strdup(path)) != FO_OK)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return FO_OK;
    }
    direct = fo_path_join(path, "template.json");
    if (!direct)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (fo_is_regular_file(direct)) {
        if (push_path(files, &n, direct) != FO_OK)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return FO_OK;
    }
    free(direct);
    count = scandir(path, &entries, NULL, by_name);
    if (count < 0)
        return fo_error_set(err, FO_ERR_IO, "%s: cannot list folder", path);
    for (int i = 0; i < count; i++) {
        char *sub, *file;
        if (rc == FO_OK && entries[i]->d_name[0] != '.') {
            sub = fo_path_join(path, entries[i]->d_name);
            file = sub ? fo_path_join(sub, "template.json") : NULL;
            free(sub);
            if (!file)
                rc = FO_ERR_NOMEM;
            else if (fo_is_regular_file(file))
                rc = push_path(files, &n, file);
            else
                free(file);
        }
        free(entries[i]);
    }
    free(entries);
    if (rc != FO_OK) {
        fo_template_paths_free(files);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    if (n == 0)
        return fo_error_set(err, FO_ERR_TEMPLATE,
                            "%s: no template here (expected template.json or "
                            "*/template.json)",
                            path);
    return FO_OK;
}

void fo_template_paths_free(char ***files)
{
    if (!files || !*files)
        return;
    for (char **p = *files; *p; p++)
        free(*p);
    free(*files);
    *files = NULL;
}

static int set_load(const char *const *paths, int npaths, bool lazy,
                    fo_template_set **out, fo_error *err)
{
    fo_template_set *set = calloc(1, sizeof *set);
    int rc = FO_OK;

    *out = NULL;
    if (!set)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < npaths && rc == FO_OK; i++) {
        char **files = NULL;
        rc = fo_template_paths(paths[i], &files, err);
        for (char **f = files; rc == FO_OK && f && *f; f++) {
            fo_template *t = NULL;
            fo_template **grown;
            rc = load_file(*f, lazy, &t, err);
            if (rc != FO_OK)
                break;
            for (int k = 0; k < set->count; k++) {
                if (strcmp(set->items[k]->name, t->name) == 0) {
                    rc = fo_error_set(err, FO_ERR_TEMPLATE,
                                      "%s: template name \"%s\" is already used by %s",
                                      *f, t->name, set->items[k]->path);
                    break;
                }
            }
            grown = rc == FO_OK ? realloc(set->items,
                                          (size_t)(set->count + 1) * sizeof *set->items)
                                : NULL;
            if (!grown) {
                if (rc == FO_OK)
                    rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                fo_template_destroy(&t);
                break;
            }
            set->items = grown;
            set->items[set->count++] = t;
        }
        fo_template_paths_free(&files);
    }
    if (rc != FO_OK) {
        fo_template_set_destroy(&set);
        return rc;
    }
    *out = set;
    return FO_OK;
}

int fo_template_set_load(const char *const *paths, int npaths, fo_template_set **out,
                         fo_error *err)
{
    return set_load(paths, npaths, false, out, err);
}

int fo_template_set_load_lazy(const char *const *paths, int npaths,
                              fo_template_set **out, fo_error *err)
{
    return set_load(paths, npaths, true, out, err);
}

void fo_template_set_destroy(fo_template_set **set)
{
    if (!set || !*set)
        return;
    for (int i = 0; i < (*set)->count; i++)
        fo_template_destroy(&(*set)->items[i]);
    free((*set)->items);
    free(*set);
    *set = NULL;
}

void fo_template_release_images(fo_template *t)
{
    for (int p = 0; p < t->npages; p++)
        pixDestroy(&t->pages[p].image);
}

void fo_template_set_release_images(fo_template_set *set)
{
    for (int i = 0; i < set->count; i++)
        fo_template_release_images(set->items[i]);
}

char *fo_template_default_path(void)
{
    const char *env = getenv("FORMOCR_TEMPLATES");
    char exe[4096], *dir, *installed;
    ssize_t n;

    if (env && *env)
        return fo_strdup(env);
    if (fo_is_dir(DEFAULT_TEMPLATES))
        return fo_strdup(DEFAULT_TEMPLATES);
    /* PREFIX/bin/formocr -> PREFIX/share/formocr/templates, wherever the
     * installation was moved to */
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        dir = fo_path_dirname(exe);
        installed = dir ? fo_asprintf("%s/../share/formocr/templates", dir) : NULL;
        free(dir);
        if (installed && fo_is_dir(installed))
            return installed;
        free(installed);
    }
    if (fo_is_dir(FORMOCR_DATADIR "/templates"))
        return fo_strdup(FORMOCR_DATADIR "/templates");
    return fo_strdup(DEFAULT_TEMPLATES);
}

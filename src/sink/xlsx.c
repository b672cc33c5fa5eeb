/*
 * xlsx.c - XLSX through libxlsxwriter (sink.h): a sheet per template, a
 * row per document, and the unmatched and error documents on a sheet of
 * their own.
 *
 * The cells are typed for a person reviewing in a spreadsheet: an
 * identifier (a comb, cells, a pattern, a checked number, any text) is
 * text, so that "01000" keeps its zero; a date is an Excel date; an integer
 * or a decimal is a number; anything that does not parse as its type stays
 * text, never lost.  Each field has three columns, its value, <field>_status
 * and <field>_reason, so that a filter on one status column lists what is
 * left to check on that field.  The header row is bold, frozen, and carries
 * the filters.
 *
 * libxlsxwriter writes the workbook when it is closed (constant-memory
 * mode: each row goes to a temporary file as it is finished); it writes it
 * under the output's temporary name, which is renamed into place when the
 * run completes, as for the other files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "sink_internal.h"
#include "strbuf.h"
#include "util.h"

/* The sheet of the documents that have no template's fields. */
static const char UNMATCHED_SHEET[] = "unmatched";
/* Columns before the fields, on every sheet. */
static const char *const FIXED_COLUMNS[] = {"file", "first_page", "last_page", "status",
                                            "processed_at"};
enum { NFIXED = sizeof FIXED_COLUMNS / sizeof *FIXED_COLUMNS };
/* Excel's most characters in a cell; a longer value (only a hostile
 * database holds one) is cut there. */
enum { CELL_CHARS_MAX = 32767 };
/* The file column is wide enough for a path; Excel's default for the rest. */
static const double FILE_COLUMN_WIDTH = 40.0; /* characters */
/* Excel counts days from 1900: earlier dates stay text. */
enum { EXCEL_FIRST_YEAR = 1900, EXCEL_LAST_YEAR = 9999 };
/* A double keeps 15 significant digits: longer numbers stay text. */
enum { NUMBER_DIGITS_MAX = 15 };

typedef struct xlsx_sheet {
    const fo_template *tpl; /* NULL: the unmatched sheet */
    lxw_worksheet *ws;
    char *name;
    lxw_row_t rows; /* written, the header included */
    lxw_col_t columns;
} xlsx_sheet;

struct fo_xlsx {
    lxw_workbook *wb;
    lxw_format *bold, *date, *datetime;
    xlsx_sheet *sheets;
    int nsheets;
};

/* ---- cell types and sheet names (sink_internal.h) -------------------------- */

bool fo_xlsx_parse_date(const char *v, int ymd[3])
{
    int y, m, d;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return false;
    y = fo_parse_digits(v, 4);
    m = fo_parse_digits(v + 5, 2);
    d = fo_parse_digits(v + 8, 2);
    if (y < EXCEL_FIRST_YEAR || y > EXCEL_LAST_YEAR || m < 1 || m > 12 || d < 1 ||
        d > fo_days_in_month(y, m))
        return false;
    ymd[0] = y;
    ymd[1] = m;
    ymd[2] = d;
    return true;
}

/* Significant digits of a number fo_sink_is_number accepted. */
static int significant_digits(const char *v)
{
    int n = 0;
    bool leading = true;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (leading && *p == '0')
            continue;
        leading = false;
        n++;
    }
    return n;
}

fo_xlsx_kind fo_xlsx_cell_kind(const fo_field *f, const char *value, double *number,
                               int ymd[3])
{
    if (!value || !*value)
        return FO_XLSX_BLANK;
    if (!f || fo_field_is_identifier(f))
        return FO_XLSX_TEXT;
    switch (f->type) {
    case FO_FIELD_DATE:
        return fo_xlsx_parse_date(value, ymd) ? FO_XLSX_DATE : FO_XLSX_TEXT;
    case FO_FIELD_INTEGER:
    case FO_FIELD_DECIMAL:
        if (!fo_sink_is_number(value) || significant_digits(value) > NUMBER_DIGITS_MAX)
            return FO_XLSX_TEXT;
        *number = strtod(value, NULL);
        return FO_XLSX_NUMBER;
    default: return FO_XLSX_TEXT;
    }
}

/* Excel compares sheet names without case (ASCII is what formocr's names
 * hold; other bytes are compared as they are). */
static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool name_taken(const char *name, const char *const *taken, int ntaken)
{
    /* "History" is Excel's own */
    if (same_name(name, "history"))
        return true;
    for (int i = 0; i < ntaken; i++)
        if (same_name(name, taken[i]))
            return true;
    return false;
}

/* Up to max characters of s (UTF-8; a byte that is not is one character)
 * into out, the characters Excel refuses in a sheet name replaced by '_';
 * returns the bytes written. */
static size_t cut_name(const char *s, int max, char *out)
{
    size_t n = 0;
    for (int chars = 0; *s && chars < max; chars++) {
        unsigned char c = (unsigned char)*s;
        int len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        for (int k = 1; k < len; k++)
            if (((unsigned char)s[k] & 0xC0) != 0x80)
                len = 1;
        if (len == 1 && (c < 0x20 || c == 0x7F || c >= 0x80 || strchr("[]:*?/\\", c)))
            out[n++] = '_';
        else {
            memcpy(out + n, s, (size_t)len);
            n += (size_t)len;
        }
        s += len;
    }
    out[n] = '\0';
    return n;
}

void fo_xlsx_sheet_name(const char *name, const char *const *taken, int ntaken,
                        char out[FO_XLSX_SHEET_NAME_SIZE])
{
    size_t n = cut_name(name, FO_XLSX_SHEET_NAME_MAX, out);
    /* nor may it be empty, or start or end with an apostrophe */
    if (n == 0)
        out[n++] = '_', out[n] = '\0';
    if (out[0] == '\'')
        out[0] = '_';
    if (out[n - 1] == '\'')
        out[n - 1] = '_';
    /* a name cut to the same as another's, or given twice: name~2, ~3... */
    for (int k = 2; name_taken(out, taken, ntaken); k++) {
        char suffix[16];
        int len = snprintf(suffix, sizeof suffix, "~%d", k);
        n = cut_name(name, FO_XLSX_SHEET_NAME_MAX - len, out);
        if (n > 0 && out[0] == '\'')
            out[0] = '_';
        memcpy(out + n, suffix, (size_t)len + 1);
    }
}

/* ---- writing ---------------------------------------------------------- */

static int lxw_failure(fo_sink *s, const char *what, lxw_error e, fo_error *err)
{
    return fo_error_set(
        err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? FO_ERR_NOMEM : FO_ERR_OUTPUT,
        "%s: cannot %s (%s)", s->path, what, lxw_strerror(e));
}

/* Text from anywhere as a cell: valid UTF-8, cut to what a cell holds. */
static lxw_error put_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                          const char *text, int flags, lxw_format *format)
{
    char *shown = fo_escape_text(text, flags);
    lxw_error e;
    size_t n = 0;
    int chars = 0;
    if (!shown)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (; shown[n] && chars < CELL_CHARS_MAX; chars++)
        do
            n++;
        while ((shown[n] & 0xC0) == 0x80);
    shown[n] = '\0';
    e = *shown ? worksheet_write_string(ws, row, col, shown, format) : LXW_NO_ERROR;
    free(shown);
    return e;
}

static lxw_error put_number(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v)
{
    return worksheet_write_number(ws, row, col, v, NULL);
}

/* A value of field f (NULL: untyped text), typed as fo_xlsx_cell_kind says. */
static lxw_error put_value(struct fo_xlsx *x, lxw_worksheet *ws, lxw_row_t row,
                           lxw_col_t col, const fo_field *f, const char *v)
{
    double number = 0;
    int ymd[3];
    switch (fo_xlsx_cell_kind(f, v, &number, ymd)) {
    case FO_XLSX_BLANK: return LXW_NO_ERROR;
    case FO_XLSX_NUMBER: return put_number(ws, row, col, number);
    case FO_XLSX_DATE: {
        lxw_datetime dt = {ymd[0], ymd[1], ymd[2], 0, 0, 0.0};
        return worksheet_write_datetime(ws, row, col, &dt, x->date);
    }
    default: return put_text(ws, row, col, v, 0, NULL);
    }
}

/* processed_at ("YYYY-MM-DDTHH:MM:SSZ", UTC) as an Excel date and time;
 * anything else as text.  "": now (a document just read). */
static lxw_error put_processed_at(struct fo_xlsx *x, lxw_worksheet *ws, lxw_row_t row,
                                  lxw_col_t col, const char *when)
{
    char now[32];
    int ymd[3], h, m, sec;
    if (!*when) {
        time_t t = time(NULL);
        struct tm tm;
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        when = now;
    }
    if (strlen(when) == 20 && when[10] == 'T' && when[13] == ':' && when[16] == ':' &&
        when[19] == 'Z') {
        char day[11];
        memcpy(day, when, 10);
        day[10] = '\0';
        h = fo_parse_digits(when + 11, 2);
        m = fo_parse_digits(when + 14, 2);
        sec = fo_parse_digits(when + 17, 2);
        if (fo_xlsx_parse_date(day, ymd) && h >= 0 && h < 24 && m >= 0 && m < 60 &&
            sec >= 0 && sec < 60) {
            lxw_datetime dt = {ymd[0], ymd[1], ymd[2], h, m, (double)sec};
            return worksheet_write_datetime(ws, row, col, &dt, x->datetime);
        }
    }
    return put_text(ws, row, col, when, FO_ESCAPE_CONTROL, NULL);
}

static void free_xlsx(fo_sink *s)
{
    struct fo_xlsx *x = s->xlsx;
    if (!x)
        return;
    for (int i = 0; i < x->nsheets; i++)
        free(x->sheets[i].name);
    free(x->sheets);
    free(x);
    s->xlsx = NULL;
}

/* The sheet of template tpl (NULL: the unmatched sheet), made with its
 * header on first use. */
static xlsx_sheet *sheet_for(fo_sink *s, const fo_template *tpl, fo_error *err)
{
    struct fo_xlsx *x = s->xlsx;
    const char **taken;
    char name[FO_XLSX_SHEET_NAME_SIZE];
    xlsx_sheet *sh, *grown;
    lxw_error e = LXW_NO_ERROR;
    lxw_col_t col = 0;
    int nfields = tpl ? tpl->nfields : 0;

    for (int i = 0; i < x->nsheets; i++)
        if (x->sheets[i].tpl == tpl)
            return &x->sheets[i];
    if (NFIXED + 3 * (long)nfields + (tpl ? 0 : 2) > LXW_COL_MAX) {
        fo_error_set(err, FO_ERR_OUTPUT,
                     "%s: template \"%s\" has %d fields: more than a sheet's %d "
                     "columns hold (use CSV)",
                     s->path, tpl->name, nfields, LXW_COL_MAX);
        return NULL;
    }
    taken = malloc(sizeof *taken * (size_t)(x->nsheets + 1));
    grown = realloc(x->sheets, sizeof *grown * (size_t)(x->nsheets + 1));
    if (grown)
        x->sheets = grown;
    if (!taken || !grown) {
        free(taken);
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (int i = 0; i < x->nsheets; i++)
        taken[i] = x->sheets[i].name;
    fo_xlsx_sheet_name(tpl ? tpl->name : UNMATCHED_SHEET, taken, x->nsheets, name);
    free(taken);
    sh = &x->sheets[x->nsheets];
    memset(sh, 0, sizeof *sh);
    sh->tpl = tpl;
    if (!(sh->name = fo_strdup(name)) ||
        !(sh->ws = workbook_add_worksheet(x->wb, sh->name))) {
        free(sh->name);
        fo_error_set(err, FO_ERR_NOMEM, "%s: cannot add the sheet \"%s\"", s->path,
                     name);
        return NULL;
    }
    x->nsheets++;
    for (int i = 0; i < NFIXED && !e; i++)
        e = worksheet_write_string(sh->ws, 0, col++, FIXED_COLUMNS[i], x->bold);
    for (int i = 0; i < nfields && !e; i++) {
        const char *f = tpl->fields[i].name;
        char *value, *status, *reason;
        bool fixed = false;
        for (int k = 0; k < NFIXED; k++)
            fixed = fixed || strcmp(f, FIXED_COLUMNS[k]) == 0;
        /* a field named like a fixed column gets a prefix, as in the
         * database's views */
        value = fo_asprintf("%s%s", fixed ? "field_" : "", f);
        status = fo_asprintf("%s_status", f);
        reason = fo_asprintf("%s_reason", f);
        if (!value || !status || !reason)
            e = LXW_ERROR_MEMORY_MALLOC_FAILED;
        e = e ? e : put_text(sh->ws, 0, col++, value, FO_ESCAPE_CONTROL, x->bold);
        e = e ? e : put_text(sh->ws, 0, col++, status, FO_ESCAPE_CONTROL, x->bold);
        e = e ? e : put_text(sh->ws, 0, col++, reason, FO_ESCAPE_CONTROL, x->bold);
        free(value);
        free(status);
        free(reason);
    }
    if (!tpl && !e) {
        e = worksheet_write_string(sh->ws, 0, col++, "template", x->bold);
        e = e ? e : worksheet_write_string(sh->ws, 0, col++, "error", x->bold);
    }
    if (!e)
        e = worksheet_set_column(sh->ws, 0, 0, FILE_COLUMN_WIDTH, NULL);
    if (e) {
        lxw_failure(s, "write a sheet's header", e, err);
        return NULL;
    }
    worksheet_freeze_panes(sh->ws, 1, 0);
    sh->rows = 1;
    sh->columns = col;
    return sh;
}

static int xlsx_open(fo_sink *s, fo_error *err)
{
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE};
    struct fo_xlsx *x;
    const fo_template_set *set = s->o.templates;
    FILE *fp;
    int rc = FO_OK;

    /* made here, so that an output that cannot be written fails before
     * any work, with the message the other files give */
    if (!(fp = fo_sink_open_tmp(s->path, &s->tmp, err)))
        return err ? err->code : FO_ERR_OUTPUT;
    fclose(fp);
    if (!(s->xlsx = x = calloc(1, sizeof *x)))
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (!(x->wb = workbook_new_opt(s->tmp, &opts)) ||
        !(x->bold = workbook_add_format(x->wb)) ||
        !(x->date = workbook_add_format(x->wb)) ||
        !(x->datetime = workbook_add_format(x->wb)))
        return fo_error_set(err, FO_ERR_NOMEM, "%s: cannot start a workbook", s->path);
    format_set_bold(x->bold);
    format_set_num_format(x->date, "yyyy-mm-dd");
    format_set_num_format(x->datetime, "yyyy-mm-dd hh:mm:ss");
    /* every template's sheet is there, in the set's order, even empty */
    for (int i = 0; set && i < set->count && rc == FO_OK; i++)
        if (!sheet_for(s, set->items[i], err))
            rc = err ? err->code : FO_ERR_OUTPUT;
    if (rc == FO_OK && !sheet_for(s, NULL, err))
        rc = err ? err->code : FO_ERR_OUTPUT;
    return rc;
}

static int xlsx_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    struct fo_xlsx *x = s->xlsx;
    /* a document without a template's fields goes to the unmatched sheet */
    bool fields = d->tpl && d->status != FO_DOC_UNMATCHED && d->status != FO_DOC_ERROR;
    xlsx_sheet *sh = sheet_for(s, fields ? d->tpl : NULL, err);
    lxw_col_t col = 0;
    lxw_row_t row;
    lxw_error e;

    if (!sh)
        return err ? err->code : FO_ERR_OUTPUT;
    if (sh->rows >= LXW_ROW_MAX)
        return fo_error_set(err, FO_ERR_OUTPUT,
                            "%s: sheet \"%s\" is full (%d rows): export less "
                            "(--template, --since, --status) or use CSV",
                            s->path, sh->name, LXW_ROW_MAX);
    row = sh->rows;
    /* the name as bytes, escaped reversibly as in the CSV and JSON Lines */
    e = put_text(sh->ws, row, col++, d->path, FO_ESCAPE_BACKSLASH, NULL);
    e = e ? e : put_number(sh->ws, row, col++, d->first_page);
    e = e ? e : put_number(sh->ws, row, col++, d->last_page);
    e = e ? e : put_text(sh->ws, row, col++, fo_doc_status_name(d->status), 0, NULL);
    e = e ? e : put_processed_at(x, sh->ws, row, col++, d->processed_at);
    for (int i = 0; fields && i < d->nfields && !e; i++) {
        const fo_field_result *r = &d->fields[i];
        e = put_value(x, sh->ws, row, col++, r->field, r->value);
        e = e ? e
              : put_text(sh->ws, row, col++, fo_field_status_name(r->status), 0, NULL);
        e = e ? e : put_text(sh->ws, row, col++, r->reason ? r->reason : "", 0, NULL);
    }
    if (!fields && !e) {
        e = put_text(sh->ws, row, col++, d->tpl ? d->tpl->name : "", 0, NULL);
        e = e ? e : put_text(sh->ws, row, col++, d->error ? d->error : "", 0, NULL);
    }
    if (e)
        return lxw_failure(s, "write a row", e, err);
    sh->rows++;
    return FO_OK;
}

static int xlsx_close(fo_sink *s, bool complete, fo_error *err)
{
    struct fo_xlsx *x = s->xlsx;
    int rc = FO_OK;
    lxw_error e;
    FILE *fp;

    if (!x || !x->wb) {
        if (s->tmp)
            unlink(s->tmp);
        goto out;
    }
    for (int i = 0; complete && i < x->nsheets; i++)
        worksheet_autofilter(x->sheets[i].ws, 0, 0, x->sheets[i].rows - 1,
                             (lxw_col_t)(x->sheets[i].columns - 1));
    /* the workbook is written now, under the temporary name; abandoned, it
     * is written all the same (libxlsxwriter has no other way to free it)
     * and removed */
    e = workbook_close(x->wb);
    x->wb = NULL;
    if (!complete) {
        unlink(s->tmp);
    } else if (e != LXW_NO_ERROR) {
        unlink(s->tmp);
        rc = lxw_failure(s, "write", e, err);
    } else if (!(fp = fopen(s->tmp, "rb"))) {
        unlink(s->tmp);
        rc = fo_sink_write_error(s->path, err);
    } else {
        rc = fo_sink_commit_tmp(fp, s->tmp, s->path, err);
    }
out:
    free(s->tmp);
    s->tmp = NULL;
    free_xlsx(s);
    return rc;
}

const fo_sink_class fo_sink_xlsx_class = {xlsx_open, xlsx_write, xlsx_close};

/* csv.c - CSV (RFC 4180), wide or long, one file or one per template
 * (sink.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_internal.h"
#include "util.h"

static const char TEMPLATE_TOKEN[] = "{template}";
/* Documents without a template go to this file of a {template} CSV. */
static const char NO_TEMPLATE[] = "none";

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

bool fo_sink_is_number(const char *v)
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
static int put_value(FILE *fp, const fo_sink_options *o, const fo_field *f,
                     const char *v)
{
    bool number = f && (f->type == FO_FIELD_INTEGER || f->type == FO_FIELD_DECIMAL) &&
                  fo_sink_is_number(v);
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

/* The document's page range, last on each row: ",first,last". */
static int put_range(FILE *fp, const fo_sink_options *o, const fo_document *d)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", d->first_page);
    if (put_sep(fp, o) || put_cell(fp, o, buf, false) || put_sep(fp, o))
        return -1;
    snprintf(buf, sizeof buf, "%d", d->last_page);
    return put_cell(fp, o, buf, false);
}

static int csv_header(csv_file *cf, const fo_sink_options *o)
{
    static const char *const long_columns[] = {"file",   "template",   "field",
                                               "value",  "raw",        "confidence",
                                               "status", "first_page", "last_page"};
    FILE *fp = cf->fp;
    int rc = 0;
    if (o->bom && fputs("\xEF\xBB\xBF", fp) < 0)
        return -1;
    if (o->csv_layout == FO_CSV_LONG) {
        for (int i = 0; i < 9 && rc == 0; i++)
            rc = (i ? put_sep(fp, o) : 0) || put_cell(fp, o, long_columns[i], false);
    } else {
        rc = put_cell(fp, o, "file", false) || put_sep(fp, o) ||
             put_cell(fp, o, "template", false) || put_sep(fp, o) ||
             put_cell(fp, o, "status", false);
        for (int i = 0; cf->tpl && i < cf->tpl->nfields && rc == 0; i++)
            rc = put_sep(fp, o) || put_cell(fp, o, cf->tpl->fields[i].name, false);
        /* a file may hold several documents: each row says its pages */
        rc = rc || put_sep(fp, o) || put_cell(fp, o, "first_page", false) ||
             put_sep(fp, o) || put_cell(fp, o, "last_page", false);
    }
    cf->header_done = true;
    return rc || fputs("\r\n", fp) < 0 ? -1 : 0;
}

/* A document's row; file is its name as the CSV writes it (valid UTF-8,
 * reversibly escaped: fo_escape_text). */
static int csv_wide_row(FILE *fp, const fo_sink_options *o, const fo_template *columns,
                        const fo_document *d, const char *file)
{
    int rc = put_cell(fp, o, file, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl ? d->tpl->name : "", false) || put_sep(fp, o) ||
             put_cell(fp, o, fo_doc_status_name(d->status), false);
    for (int i = 0; columns && i < columns->nfields && rc == 0; i++) {
        const char *v = "";
        if (d->tpl == columns)
            v = d->fields[i].value;
        rc = put_sep(fp, o) || put_value(fp, o, &columns->fields[i], v);
    }
    return rc || put_range(fp, o, d) || fputs("\r\n", fp) < 0 ? -1 : 0;
}

/* A document's rows; file and error as the CSV writes them. */
static int csv_long_rows(FILE *fp, const fo_sink_options *o, const fo_document *d,
                         const char *file, const char *error)
{
    int rc = 0;
    if (d->nfields == 0) {
        /* a document without fields still has its row: its status, and for
         * an error its message as the value */
        rc = put_cell(fp, o, file, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl ? d->tpl->name : "", false) || put_sep(fp, o) ||
             put_sep(fp, o) || put_cell(fp, o, error ? error : "", true) ||
             put_sep(fp, o) || put_sep(fp, o) || put_sep(fp, o) ||
             put_cell(fp, o, fo_doc_status_name(d->status), false) ||
             put_range(fp, o, d);
        return rc || fputs("\r\n", fp) < 0 ? -1 : 0;
    }
    for (int i = 0; i < d->nfields && rc == 0; i++) {
        const fo_field_result *r = &d->fields[i];
        rc = put_cell(fp, o, file, true) || put_sep(fp, o) ||
             put_cell(fp, o, d->tpl->name, false) || put_sep(fp, o) ||
             put_cell(fp, o, r->field->name, false) || put_sep(fp, o) ||
             put_value(fp, o, r->field, r->value) || put_sep(fp, o) ||
             put_cell(fp, o, r->raw, true) || put_sep(fp, o) ||
             put_number(fp, o, r->confidence) || put_sep(fp, o) ||
             put_cell(fp, o, fo_field_status_name(r->status), false) ||
             put_range(fp, o, d) || fputs("\r\n", fp) < 0;
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
    cf->fp = fo_sink_open_tmp(cf->path, &cf->tmp, err);
    return cf->fp ? cf : NULL;
}

static int csv_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    csv_file *cf = csv_file_for(s, d, err);
    char *file = NULL, *error = NULL;
    int rc;
    if (!cf)
        return err ? err->code : FO_ERR_OUTPUT;
    if (!cf->header_done && csv_header(cf, &s->o) != 0)
        return fo_sink_write_error(cf->path, err);
    /* names are bytes (a Latin-1 name from a Windows share): the CSV is
     * UTF-8, the name escaped reversibly */
    file = fo_escape_text(d->path, FO_ESCAPE_BACKSLASH);
    error = d->error ? fo_escape_text(d->error, 0) : NULL;
    if (!file || (d->error && !error)) {
        free(file);
        free(error);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    rc = s->o.csv_layout == FO_CSV_LONG ? csv_long_rows(cf->fp, &s->o, d, file, error)
                                        : csv_wide_row(cf->fp, &s->o, cf->tpl, d, file);
    free(file);
    free(error);
    if (rc == 0 && !cf->path)
        rc = fflush(cf->fp);
    return rc == 0 ? FO_OK : fo_sink_write_error(cf->path, err);
}

static int csv_open(fo_sink *s, fo_error *err)
{
    const fo_template_set *set = s->o.templates;
    s->per_template = s->path && strstr(s->path, TEMPLATE_TOKEN);
    if (s->o.csv_layout == FO_CSV_WIDE && !s->per_template && set && set->count > 1)
        return fo_error_set(
            err, FO_ERR_USAGE,
            "%s: a wide CSV of several templates needs "
            "{template} in its path (one file each), or --csv-layout long",
            s->path ? s->path : "standard output");
    if (!s->path && s->o.csv_layout == FO_CSV_WIDE && set && set->count == 1) {
        /* on standard output the header comes at once, for a pipe */
        fo_document none = {0};
        csv_file *cf = csv_file_for(s, &none, err);
        if (!cf)
            return err ? err->code : FO_ERR_OUTPUT;
        if (csv_header(cf, &s->o) != 0 || fflush(stdout) != 0)
            return fo_sink_write_error(NULL, err);
    }
    return FO_OK;
}

/* The file a document of template tpl (NULL: none) would go to, opened
 * with its header if no document went there. */
static int ensure_file(fo_sink *s, const fo_template *tpl, fo_error *err)
{
    fo_document none = {0};
    csv_file *cf;
    none.tpl = tpl;
    if (!(cf = csv_file_for(s, &none, err)))
        return err ? err->code : FO_ERR_OUTPUT;
    if (!cf->header_done && csv_header(cf, &s->o) != 0)
        return fo_sink_write_error(cf->path, err);
    return FO_OK;
}

/* Every file a CSV output holds is the run's, even with no document in
 * it (its header alone), as the JSON Lines file is: a night with nothing
 * new leaves no file of an earlier night looking like this one's. */
static int ensure_files(fo_sink *s, fo_error *err)
{
    const fo_template_set *set = s->o.templates;
    int rc = FO_OK;
    if (!s->path)
        return FO_OK;
    if (!s->per_template)
        return ensure_file(s, NULL, err);
    for (int i = 0; set && i < set->count && rc == FO_OK; i++)
        rc = ensure_file(s, set->items[i], err);
    return rc == FO_OK ? ensure_file(s, NULL, err) : rc;
}

static int csv_close(fo_sink *s, bool complete, fo_error *err)
{
    int rc = complete ? ensure_files(s, err) : FO_OK;
    if (rc != FO_OK)
        complete = false; /* what was written is abandoned, not half kept */
    for (int i = 0; i < s->nfiles; i++) {
        csv_file *cf = &s->files[i];
        if (complete && cf->fp) {
            int r = cf->path ? fo_sink_commit_tmp(cf->fp, cf->tmp, cf->path, err)
                             : (fflush(cf->fp) == 0 ? FO_OK
                                                    : fo_sink_write_error(NULL, err));
            if (r != FO_OK && rc == FO_OK)
                rc = r;
        } else if (!complete && cf->path && cf->fp) {
            fo_sink_drop_tmp(cf->fp, cf->tmp);
        }
        free(cf->key);
        free(cf->path);
        free(cf->tmp);
    }
    free(s->files);
    s->files = NULL;
    s->nfiles = 0;
    return rc;
}

const fo_sink_class fo_sink_csv_class = {csv_open, csv_write, csv_close};

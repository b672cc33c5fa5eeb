/* eval.c - results against truth (see eval.h). */
#include "formocr/eval.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum {
    MAX_TRUTH_BYTES = 256 * 1024 * 1024,
    MAX_LINE = 16 * 1024 * 1024,
    MAX_TYPES = 16
};

typedef struct type_stats {
    char name[24];
    int fields, exact, silent, flagged;
} type_stats;

typedef struct wrong {
    char *file, *field, *want, *got, *status;
} wrong;

struct fo_eval {
    json_t *truth; /* object: file -> {template, fields} */
    char *base;    /* truth file's folder, for relative names */
    const fo_template_set *templates;
    json_t *seen; /* truth keys that got a result */
    fo_eval_summary s;
    type_stats types[MAX_TYPES];
    int ntypes;
    wrong *wrongs;
    int nwrongs, capwrongs;
};

static int check_truth(const char *path, json_t *truth, fo_error *err)
{
    const char *key;
    json_t *entry;
    if (!json_is_object(truth))
        return fo_error_set(err, FO_ERR_USAGE,
                            "%s: a truth file is a JSON object of "
                            "file names",
                            path);
    json_object_foreach(truth, key, entry)
    {
        json_t *t = json_object_get(entry, "template"), *fields;
        const char *name;
        json_t *v;
        if (!json_is_object(entry) || !(json_is_string(t) || json_is_null(t)))
            return fo_error_set(err, FO_ERR_USAGE,
                                "%s: \"%.200s\": needs \"template\" "
                                "(a name or null)",
                                path, key);
        fields = json_object_get(entry, "fields");
        if (fields && !json_is_object(fields))
            return fo_error_set(err, FO_ERR_USAGE,
                                "%s: \"%.200s\": \"fields\" must be "
                                "an object",
                                path, key);
        json_object_foreach(fields, name, v)
        {
            if (!json_is_string(v))
                return fo_error_set(err, FO_ERR_USAGE,
                                    "%s: \"%.200s\": field \"%.64s\" "
                                    "must be a string",
                                    path, key, name);
        }
    }
    return FO_OK;
}

int fo_eval_create(const char *truth_path, const fo_template_set *templates,
                   fo_eval **out, fo_error *err)
{
    uint8_t *text = NULL;
    size_t len;
    int rc;

    *out = NULL;
    rc = fo_read_file(truth_path, MAX_TRUTH_BYTES, &text, &len, err);
    if (rc != FO_OK) {
        fo_error_prefix(err, "%s", truth_path);
        return rc;
    }
    rc = fo_eval_create_text(truth_path, (const char *)text, len, templates, out, err);
    free(text);
    return rc;
}

int fo_eval_create_text(const char *truth_path, const char *text, size_t len,
                        const fo_template_set *templates, fo_eval **out, fo_error *err)
{
    fo_eval *e = calloc(1, sizeof *e);
    json_error_t jerr;
    int rc;

    *out = NULL;
    if (!e)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    e->templates = templates;
    e->truth = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!e->truth) {
        fo_eval_destroy(&e);
        return fo_error_set(err, FO_ERR_USAGE, "%s:%d:%d: invalid JSON: %s", truth_path,
                            jerr.line, jerr.column, jerr.text);
    }
    if ((rc = check_truth(truth_path, e->truth, err)) != FO_OK) {
        fo_eval_destroy(&e);
        return rc;
    }
    e->base = fo_path_dirname(truth_path);
    e->seen = json_object();
    if (!e->base || !e->seen) {
        fo_eval_destroy(&e);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    *out = e;
    return FO_OK;
}

void fo_eval_destroy(fo_eval **ep)
{
    fo_eval *e = ep ? *ep : NULL;
    if (!e)
        return;
    json_decref(e->truth);
    json_decref(e->seen);
    free(e->base);
    for (int i = 0; i < e->nwrongs; i++) {
        free(e->wrongs[i].file);
        free(e->wrongs[i].field);
        free(e->wrongs[i].want);
        free(e->wrongs[i].got);
        free(e->wrongs[i].status);
    }
    free(e->wrongs);
    free(e);
    *ep = NULL;
}

/* The truth key of a result's file: as written, relative to the truth's
 * folder, or its base name. */
static const char *truth_key(const fo_eval *e, const char *file, json_t **entry)
{
    size_t blen = strlen(e->base);
    const char *base = strrchr(file, '/');
    *entry = json_object_get(e->truth, file);
    if (*entry)
        return file;
    if (strncmp(file, e->base, blen) == 0 && file[blen] == '/') {
        *entry = json_object_get(e->truth, file + blen + 1);
        if (*entry)
            return file + blen + 1;
    }
    base = base ? base + 1 : file;
    *entry = json_object_get(e->truth, base);
    return *entry ? base : NULL;
}

static const char *field_type(const fo_eval *e, const char *tname, const char *fname)
{
    for (int i = 0; e->templates && i < e->templates->count; i++) {
        const fo_template *t = e->templates->items[i];
        const fo_field *f;
        if (strcmp(t->name, tname) != 0)
            continue;
        f = fo_template_field(t, fname);
        if (!f)
            return "unknown";
        if (f->type == FO_FIELD_TEXT && (f->geometry == FO_GEOM_CELLS || f->comb))
            return "text (cells)";
        if (f->type == FO_FIELD_TEXT && f->geometry == FO_GEOM_LINES)
            return "text (lines)";
        return fo_field_type_name(f->type);
    }
    return "unknown";
}

static type_stats *type_row(fo_eval *e, const char *name)
{
    for (int i = 0; i < e->ntypes; i++)
        if (strcmp(e->types[i].name, name) == 0)
            return &e->types[i];
    if (e->ntypes == MAX_TYPES)
        return &e->types[MAX_TYPES - 1];
    snprintf(e->types[e->ntypes].name, sizeof e->types[0].name, "%s", name);
    return &e->types[e->ntypes++];
}

static int note_wrong(fo_eval *e, const char *file, const char *field, const char *want,
                      const char *got, const char *status)
{
    wrong *w;
    if (e->nwrongs == e->capwrongs) {
        int cap = e->capwrongs ? 2 * e->capwrongs : 64;
        wrong *grown = realloc(e->wrongs, sizeof *grown * (size_t)cap);
        if (!grown)
            return FO_ERR_NOMEM;
        e->wrongs = grown;
        e->capwrongs = cap;
    }
    w = &e->wrongs[e->nwrongs];
    w->file = fo_strdup(file);
    w->field = fo_strdup(field);
    w->want = fo_strdup(want);
    w->got = fo_strdup(got);
    w->status = fo_strdup(status);
    if (!w->file || !w->field || !w->want || !w->got || !w->status) {
        free(w->file);
        free(w->field);
        free(w->want);
        free(w->got);
        free(w->status);
        return FO_ERR_NOMEM;
    }
    e->nwrongs++;
    return FO_OK;
}

/* Scores one result document against its truth entry. */
static int score(fo_eval *e, const char *key, json_t *want, json_t *got)
{
    json_t *wt = json_object_get(want, "template"),
           *gt = json_object_get(got, "template");
    json_t *wfields = json_object_get(want, "fields"),
           *gfields = json_object_get(got, "fields");
    const char *name;
    json_t *wv;
    bool straight = true;

    e->s.documents++;
    json_object_set_new(e->seen, key, json_true());
    if (json_is_null(wt)) {
        e->s.foreign++;
        e->s.foreign_unmatched += json_is_null(gt) || !gt;
        e->s.templates_right += json_is_null(gt) || !gt;
        return FO_OK;
    }
    e->s.form_documents++;
    if (!json_is_string(gt) ||
        strcmp(json_string_value(gt), json_string_value(wt)) != 0) {
        /* a wrong template: its fields are all wrong, and count as such */
        json_object_foreach(wfields, name, wv)
        {
            type_stats *row = type_row(e, field_type(e, json_string_value(wt), name));
            e->s.fields++;
            row->fields++;
            e->s.flagged_wrong++;
            row->flagged++;
        }
        return FO_OK;
    }
    e->s.templates_right++;
    json_object_foreach(wfields, name, wv)
    {
        json_t *g = json_object_get(gfields, name);
        const char *value = json_string_value(json_object_get(g, "value"));
        const char *status = json_string_value(json_object_get(g, "status"));
        type_stats *row = type_row(e, field_type(e, json_string_value(wt), name));
        bool exact = value && strcmp(value, json_string_value(wv)) == 0;
        bool ok = status && strcmp(status, "ok") == 0;
        e->s.fields++;
        row->fields++;
        if (exact) {
            e->s.exact++;
            row->exact++;
        }
        if (ok && !exact) {
            e->s.silent++;
            row->silent++;
        }
        if (!ok) {
            row->flagged++;
            if (exact)
                e->s.flagged_right++;
            else
                e->s.flagged_wrong++;
        }
        if (!ok || !exact)
            straight = false;
        if (!exact && note_wrong(e, key, name, json_string_value(wv),
                                 value ? value : "", status ? status : "none") != FO_OK)
            return FO_ERR_NOMEM;
    }
    e->s.straight_through += straight;
    return FO_OK;
}

int fo_eval_add_results(fo_eval *e, const char *path, fo_error *err)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = FO_OK;
    char ebuf[128];

    if (!fp)
        return fo_error_set(err, FO_ERR_IO, "%s: cannot open (%s)", path,
                            fo_syserr(errno, ebuf, sizeof ebuf));
    while (rc == FO_OK && (n = getline(&line, &cap, fp)) != -1) {
        json_error_t jerr;
        json_t *doc, *entry, *file;
        const char *key;
        lineno++;
        if (n > MAX_LINE) {
            rc = fo_error_set(err, FO_ERR_USAGE, "%s:%d: line too long", path, lineno);
            break;
        }
        if (n <= 1)
            continue;
        doc = json_loadb(line, (size_t)n, 0, &jerr);
        file = doc ? json_object_get(doc, "file") : NULL;
        if (!doc || !json_is_string(file)) {
            rc = fo_error_set(err, FO_ERR_USAGE, "%s:%d: not a result line (%s)", path,
                              lineno, doc ? "no \"file\"" : jerr.text);
            json_decref(doc);
            break;
        }
        key = truth_key(e, json_string_value(file), &entry);
        if (key && score(e, key, entry, doc) != FO_OK)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        json_decref(doc);
    }
    free(line);
    fclose(fp);
    return rc;
}

void fo_eval_summarise(const fo_eval *e, fo_eval_summary *s)
{
    *s = e->s;
    s->missing = (int)(json_object_size(e->truth) - json_object_size(e->seen));
}

static double pct(int a, int b)
{
    return b ? 100.0 * a / b : 0.0;
}

void fo_eval_print(const fo_eval *e, FILE *out, bool list_errors)
{
    fo_eval_summary s;
    fo_eval_summarise(e, &s);
    fprintf(out,
            "documents: %d with a truth (%d in the truth file not in the results)\n",
            s.documents, s.missing);
    fprintf(out,
            "classification: %d/%d right (%.2f %%); foreign pages unmatched: %d/%d\n",
            s.templates_right, s.documents, pct(s.templates_right, s.documents),
            s.foreign_unmatched, s.foreign);
    fprintf(out, "fields: %d\n", s.fields);
    fprintf(out, "  exact match     %6d  %6.2f %%\n", s.exact, pct(s.exact, s.fields));
    fprintf(out, "  silent errors   %6d  %6.2f %%   (status ok, value wrong)\n",
            s.silent, pct(s.silent, s.fields));
    fprintf(out, "  flagged, right  %6d  %6.2f %%\n", s.flagged_right,
            pct(s.flagged_right, s.fields));
    fprintf(out, "  flagged, wrong  %6d  %6.2f %%   (caught)\n", s.flagged_wrong,
            pct(s.flagged_wrong, s.fields));
    fprintf(
        out,
        "straight-through documents: %d/%d (%.1f %%)   (every field ok and right)\n",
        s.straight_through, s.form_documents,
        pct(s.straight_through, s.form_documents));
    fprintf(out, "per type:        fields    exact   silent  flagged\n");
    for (int i = 0; i < e->ntypes; i++) {
        const type_stats *t = &e->types[i];
        fprintf(out, "  %-13s %7d  %6.2f%%  %6.2f%%  %6.2f%%\n", t->name, t->fields,
                pct(t->exact, t->fields), pct(t->silent, t->fields),
                pct(t->flagged, t->fields));
    }
    if (list_errors) {
        fprintf(out, "wrong values (file, field, status: expected | read):\n");
        for (int i = 0; i < e->nwrongs; i++)
            fprintf(out, "  %s %s %s: %s | %s\n", e->wrongs[i].file, e->wrongs[i].field,
                    e->wrongs[i].status, e->wrongs[i].want, e->wrongs[i].got);
    }
}

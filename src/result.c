/* result.c - the result record: status names, freeing, JSON (result.h). */
#include "formocr/result.h"

#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FIELD_STATUS_NAMES[] = {
    [FO_STATUS_OK] = "ok",
    [FO_STATUS_LOW_CONFIDENCE] = "low_confidence",
    [FO_STATUS_INVALID] = "invalid",
    [FO_STATUS_MISSING] = "missing",
    [FO_STATUS_CORRECTED] = "corrected",
    [FO_STATUS_UNREADABLE] = "unreadable",
};

enum { NFIELD_STATUSES = sizeof FIELD_STATUS_NAMES / sizeof *FIELD_STATUS_NAMES };

const char *fo_field_status_name(fo_field_status s)
{
    return (unsigned)s < NFIELD_STATUSES ? FIELD_STATUS_NAMES[s] : "unknown";
}

const char *fo_doc_status_name(fo_doc_status s)
{
    switch (s) {
    case FO_DOC_OK: return "ok";
    case FO_DOC_REVIEW: return "review";
    case FO_DOC_UNMATCHED: return "unmatched";
    default: return "error";
    }
}

const char *fo_page_status_name(fo_page_status s)
{
    switch (s) {
    case FO_PAGE_READ: return "read";
    case FO_PAGE_UNMATCHED: return "unmatched";
    case FO_PAGE_BLANK: return "blank";
    default: return "error";
    }
}

void fo_document_free(fo_document *d)
{
    if (!d)
        return;
    /* the chain iteratively: a file of thousands of pages is no recursion */
    while (d->next) {
        fo_document *n = d->next;
        d->next = n->next;
        n->next = NULL;
        fo_document_free(n);
        free(n);
    }
    for (int i = 0; i < d->nfields; i++) {
        free(d->fields[i].value);
        free(d->fields[i].raw);
        free(d->fields[i].machine_value);
    }
    free(d->fields);
    free(d->page_results);
    for (int i = 0; i < d->njoined; i++)
        free(d->joined[i]);
    free(d->joined);
    free(d->joined_sha256);
    free(d->path);
    free(d->error);
    free(d->warning);
    memset(d, 0, sizeof *d);
}

int fo_document_add_page(fo_document *d, const fo_page_result *pr)
{
    if (d->npage_results == d->page_results_cap) {
        int cap = d->page_results_cap ? 2 * d->page_results_cap : 4;
        fo_page_result *grown = realloc(d->page_results, sizeof *grown * (size_t)cap);
        if (!grown)
            return FO_ERR_NOMEM;
        d->page_results = grown;
        d->page_results_cap = cap;
    }
    d->page_results[d->npage_results++] = *pr;
    return FO_OK;
}

int fo_document_add_joined(fo_document *d, const char *path, const char *sha256)
{
    int k = d->njoined + 1;
    char **paths = realloc(d->joined, sizeof *paths * (size_t)k);
    char(*sums)[65];
    if (!paths)
        return -1;
    d->joined = paths;
    sums = realloc(d->joined_sha256, sizeof *sums * (size_t)k);
    if (!sums)
        return -1;
    d->joined_sha256 = sums;
    if (!(d->joined[k - 1] = fo_strdup(path)))
        return -1;
    snprintf(d->joined_sha256[k - 1], sizeof *sums, "%s", sha256 ? sha256 : "");
    d->njoined = k;
    return k;
}

/* A confidence or a score means nothing beyond four decimals. */
static json_t *rounded(double v)
{
    return json_real(round(v * 10000.0) / 10000.0);
}

char *fo_document_to_json(const fo_document *d)
{
    json_t *fields = json_object(), *doc;
    char *text = NULL, *file = fo_escape_text(d->path, FO_ESCAPE_BACKSLASH);
    char *error = d->error ? fo_escape_text(d->error, 0) : NULL;

    if (!fields || !file || (d->error && !error))
        goto out;
    for (int i = 0; i < d->nfields; i++) {
        const fo_field_result *r = &d->fields[i];
        json_t *f = json_pack("{s:s, s:s, s:o, s:s, s:s?}", "value", r->value, "raw",
                              r->raw, "confidence", rounded(r->confidence), "status",
                              fo_field_status_name(r->status), "reason", r->reason);
        /* said only where the value did not come from the pixels */
        if (f && r->source && json_object_set_new(f, "source", json_string(r->source)))
            f = NULL;
        /* and where it was read as handprint */
        if (f && r->hand && json_object_set_new(f, "hand", json_true()))
            f = NULL;
        /* and where a person's decision replaced the reading */
        if (f && r->machine_value &&
            json_object_set_new(f, "machine_value", json_string(r->machine_value)))
            f = NULL;
        if (!f || json_object_set_new(fields, r->field->name, f) != 0)
            goto out;
    }
    /* the name as bytes: valid UTF-8 for JSON, reversibly escaped */
    doc = json_pack("{s:s, s:s?, s:i, s:i, s:s?, s:s, s:o, s:i, s:o, s:s?}", "file",
                    file, "sha256", d->sha256[0] ? d->sha256 : NULL, "first_page",
                    d->first_page, "last_page", d->last_page, "template",
                    d->tpl ? d->tpl->name : NULL, "status",
                    fo_doc_status_name(d->status), "score", rounded(d->score), "pages",
                    d->pages, "fields", fields, "error", error);
    fields = NULL; /* the document took it, or json_pack freed it (jansson
                      steals an "o" reference even on error) */
    for (int i = 0; doc && i < d->npage_results; i++) {
        /* the blank pages a document holds are named (only when it has
         * some: other lines stay as they were) */
        json_t *list;
        if (d->page_results[i].status != FO_PAGE_BLANK)
            continue;
        if (!(list = json_object_get(doc, "blank_pages"))) {
            list = json_array();
            if (!list || json_object_set_new(doc, "blank_pages", list) != 0)
                list = NULL;
        }
        if (!list || json_array_append_new(
                         list, json_integer(d->page_results[i].file_page)) != 0) {
            json_decref(doc);
            doc = NULL;
        }
    }
    if (doc && d->njoined > 0) {
        /* the files that continued the form (--join-files) */
        json_t *list = json_array();
        if (!list || json_object_set_new(doc, "joined_files", list) != 0)
            list = NULL;
        for (int i = 0; list && i < d->njoined; i++) {
            char *name = fo_escape_text(d->joined[i], FO_ESCAPE_BACKSLASH);
            if (!name || json_array_append_new(list, json_string(name)) != 0)
                list = NULL;
            free(name);
        }
        if (!list) {
            json_decref(doc);
            doc = NULL;
        }
    }
    if (doc && d->warning) {
        /* only when the decoder had something to say: other lines stay as
         * they were */
        char *warning = fo_escape_text(d->warning, 0);
        if (!warning ||
            json_object_set_new(doc, "warning", json_string(warning)) != 0) {
            json_decref(doc);
            doc = NULL;
        }
        free(warning);
    }
    if (doc)
        text = json_dumps(doc,
                          JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
out:
    json_decref(fields);
    free(file);
    free(error);
    return text;
}

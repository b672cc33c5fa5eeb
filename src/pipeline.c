/* pipeline.c - one file through every stage (see pipeline.h). */
#include "formocr/pipeline.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "debug.h"
#include "formocr/check.h"
#include "formocr/zone.h"
#include "util.h"

struct fo_pipeline {
    fo_template_set *templates;
    fo_matcher *matcher;
    fo_zone_forms *forms; /* NULL when match_only */
    fo_image_limits limits;
    char *debug_dir; /* NULL: no overlays */
    double timeout;  /* seconds a document may take; 0: no limit */
};

void fo_pipeline_options_default(fo_pipeline_options *o)
{
    memset(o, 0, sizeof *o);
    fo_image_limits_default(&o->limits);
    o->document_timeout = FO_DEFAULT_DOCUMENT_TIMEOUT;
}

/* FO_ERR_LIMIT once the document has taken more than its time. */
static int past_timeout(const fo_pipeline *p, double start, fo_error *err)
{
    if (p->timeout > 0 && fo_now() - start > p->timeout)
        return fo_error_set(err, FO_ERR_LIMIT, "took longer than %g s", p->timeout);
    return FO_OK;
}

int fo_pipeline_create(const fo_pipeline_options *o, fo_pipeline **out, fo_error *err)
{
    fo_pipeline *p = calloc(1, sizeof *p);
    int rc;

    *out = NULL;
    if (o->ntemplates < 1) {
        free(p);
        return fo_error_set(err, FO_ERR_USAGE, "no template given");
    }
    if (!p || (o->debug_dir && !(p->debug_dir = fo_strdup(o->debug_dir)))) {
        free(p);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    p->limits = o->limits;
    p->timeout = o->document_timeout > 0 ? o->document_timeout : 0;
    rc = fo_template_set_load(o->templates, o->ntemplates, &p->templates, err);
    if (rc == FO_OK)
        rc = fo_matcher_create(p->templates, &p->matcher, err);
    if (rc == FO_OK && !o->match_only)
        rc = fo_zone_forms_create(p->templates, &p->forms, err);
    if (rc != FO_OK) {
        fo_pipeline_destroy(&p);
        return rc;
    }
    /* the references served the matcher's models and the zone forms */
    fo_template_set_release_images(p->templates);
    *out = p;
    return FO_OK;
}

void fo_pipeline_destroy(fo_pipeline **pp)
{
    fo_pipeline *p = pp ? *pp : NULL;
    if (!p)
        return;
    fo_zone_forms_destroy(&p->forms);
    fo_matcher_destroy(&p->matcher);
    fo_template_set_destroy(&p->templates);
    free(p->debug_dir);
    free(p);
    *pp = NULL;
}

const fo_template_set *fo_pipeline_templates(const fo_pipeline *p)
{
    return p->templates;
}

int fo_pipeline_match_page(const fo_pipeline *p, PIX *page, int dpi, bool from_file,
                           fo_match *out, double seconds[2], fo_error *err)
{
    fo_prep_options po;
    fo_prep_result prep;
    double t0 = fo_now(), t1;
    int rc;

    fo_match_prep_options(&po);
    rc = fo_prep_page(page, dpi, from_file, &po, &prep, err);
    t1 = fo_now();
    if (rc == FO_OK)
        rc = fo_match_page(p->matcher, &prep, out, err);
    else
        memset(out, 0, sizeof *out);
    if (seconds) {
        seconds[0] = t1 - t0;
        seconds[1] = fo_now() - t1;
    }
    fo_prep_result_free(&prep);
    return rc;
}

/* Bounding box, in scan px, of the field's zones mapped through t. */
static void field_extent(const fo_field *f, fo_affine t, fo_field_result *r)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    int n = f->geometry == FO_GEOM_OPTIONS ? f->noptions : f->nboxes;
    for (int k = 0; k < n; k++) {
        fo_box b = f->geometry == FO_GEOM_OPTIONS ? f->options[k].box : f->boxes[k];
        fo_point c[4] = {
            {b.x, b.y}, {b.x + b.w, b.y}, {b.x, b.y + b.h}, {b.x + b.w, b.y + b.h}};
        for (int j = 0; j < 4; j++) {
            fo_point p = fo_affine_apply(t, c[j]);
            x0 = fmin(x0, p.x);
            y0 = fmin(y0, p.y);
            x1 = fmax(x1, p.x);
            y1 = fmax(y1, p.y);
        }
    }
    r->x = (int)floor(x0);
    r->y = (int)floor(y0);
    r->w = (int)ceil(x1) - r->x;
    r->h = (int)ceil(y1) - r->y;
}

/*
 * The document failed on its own (its bytes, a limit, a stage out of
 * memory or refusing its page): it becomes an error row saying why, and
 * the run goes on.  What it had read is dropped: an error row has no
 * template and no fields.  pageno (1-based) prefixes the message, 0 none.
 */
static void set_error(fo_document *d, int pageno, const char *message)
{
    for (int i = 0; i < d->nfields; i++) {
        free(d->fields[i].value);
        free(d->fields[i].raw);
    }
    free(d->fields);
    d->fields = NULL;
    d->nfields = 0;
    d->tpl = NULL;
    d->status = FO_DOC_ERROR;
    free(d->error);
    /* out of memory for the message itself: the row says no more */
    d->error =
        pageno ? fo_asprintf("page %d: %s", pageno, message) : fo_strdup(message);
}

/* Whether a stage's failure stops the run (the configuration is wrong:
 * every document would fail alike) rather than this document alone. */
static bool stops_the_run(const fo_error *e)
{
    return e->code == FO_ERR_CONFIG;
}

/* Reads and checks the fields of template page tpage from a matched scan
 * page (pageno, 1-based). */
static int read_page(const fo_pipeline *p, fo_reader *reader, fo_document *d, PIX *pix,
                     int pageno, fo_error *err)
{
    const fo_page_result *m = &d->page_results[pageno - 1];
    const fo_template_page *tp = &d->tpl->pages[m->template_page];
    fo_zone_page zp;
    int first = (int)(tp->fields - d->tpl->fields), rc;
    double t0 = fo_now();

    rc = fo_zone_page_init(&zp, pix, m->transform, p->forms, d->tpl, m->template_page,
                           err);
    if (rc != FO_OK)
        return rc;
    d->seconds[FO_STAGE_ZONES] += fo_now() - t0;
    for (int i = 0; i < tp->nfields && rc == FO_OK; i++) {
        fo_field_result *r = &d->fields[first + i];
        fo_reading reading;
        fo_value v;
        double t1 = fo_now(), t2;
        rc = fo_read_field(reader, &zp, r->field, &reading, err);
        t2 = fo_now();
        d->seconds[FO_STAGE_OCR] += t2 - t1;
        if (rc != FO_OK)
            break;
        rc = fo_check_field(r->field, reading.raw, reading.confidence, &v);
        if (rc != FO_OK) {
            fo_reading_free(&reading);
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            break;
        }
        /* ink that could not be read is never an empty field that is fine */
        if (reading.unread && v.status == FO_STATUS_OK) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = "ink that could not be read";
        }
        free(r->value);
        free(r->raw);
        r->value = v.value;
        r->raw = reading.raw;
        r->confidence = reading.confidence;
        r->status = v.status;
        r->reason = v.reason;
        r->page = pageno;
        field_extent(r->field, m->transform, r);
        d->seconds[FO_STAGE_CHECK] += fo_now() - t2;
    }
    if (rc == FO_OK && p->debug_dir)
        fo_debug_overlay(p->debug_dir, d, pageno, zp.grey);
    fo_zone_page_free(&zp);
    return rc;
}

static int start_fields(fo_document *d, fo_error *err)
{
    d->nfields = d->tpl->nfields;
    d->fields = calloc((size_t)d->nfields, sizeof *d->fields);
    if (!d->fields)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < d->nfields; i++) {
        fo_field_result *r = &d->fields[i];
        r->field = &d->tpl->fields[i];
        r->value = fo_strdup("");
        r->raw = fo_strdup("");
        /* until its page is found, a field is missing */
        r->status = FO_STATUS_MISSING;
        r->reason = "its page was not found in the scan";
        if (!r->value || !r->raw)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    return FO_OK;
}

static void finish_status(fo_document *d)
{
    if (d->status == FO_DOC_ERROR)
        return;
    if (!d->tpl) {
        d->status = FO_DOC_UNMATCHED;
        return;
    }
    d->status = FO_DOC_OK;
    for (int i = 0; i < d->nfields; i++)
        if (d->fields[i].status != FO_STATUS_OK)
            d->status = FO_DOC_REVIEW;
}

int fo_pipeline_process(const fo_pipeline *p, fo_reader *reader, const char *path,
                        fo_skip_test skip, void *skip_ctx, fo_document *d,
                        fo_error *err)
{
    fo_image *img = NULL;
    fo_error ferr;
    bool *page_done = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    uint8_t sum[FO_SHA256_LEN];
    double t0 = fo_now();
    int pg, rc = FO_OK;

    memset(d, 0, sizeof *d);
    if (!p->forms)
        return fo_error_set(err, FO_ERR_USAGE, "a match-only pipeline reads no fields");
    d->path = fo_strdup(path);
    if (!d->path)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    /* the reading stops too once the document's time is up (from now) */
    fo_reader_set_time_limit(reader, p->timeout);
    /* The file is read once: the bytes hashed are the bytes decoded, and a
     * file that is no image still has its hash (so a nightly run knows it
     * has seen it). */
    if (fo_read_file(path, p->limits.max_file_bytes, &data, &size, &ferr) != FO_OK) {
        set_error(d, 0, ferr.message);
        d->deferred = ferr.code == FO_ERR_CHANGED;
        return FO_OK;
    }
    fo_sha256(data, size, sum);
    fo_hex(sum, FO_SHA256_LEN, d->sha256);
    d->bytes = size;
    if (skip && skip(skip_ctx, d->sha256)) {
        free(data);
        d->skipped = true;
        return FO_OK;
    }
    if (fo_image_adopt(data, size, &p->limits, &img, &ferr) != FO_OK) {
        set_error(d, 0, ferr.message);
        return FO_OK;
    }
    if (fo_image_warning(img)[0] && !(d->warning = fo_strdup(fo_image_warning(img)))) {
        set_error(d, 0, "out of memory");
        goto out;
    }
    d->pages = fo_image_page_count(img);
    d->page_results = calloc((size_t)d->pages, sizeof *d->page_results);
    if (!d->page_results) {
        set_error(d, 0, "out of memory");
        goto out;
    }
    d->seconds[FO_STAGE_DECODE] += fo_now() - t0;

    for (pg = 0; pg < d->pages; pg++) {
        fo_page_result *pr = &d->page_results[pg];
        fo_match match, *m = &match;
        fo_page_info info;
        PIX *pix = NULL;
        double t1 = fo_now(), seconds[2];
        d->npage_results = pg + 1;
        /* a damaged page makes the whole document unreliable */
        if ((rc = past_timeout(p, t0, &ferr)) != FO_OK ||
            (rc = fo_image_decode(img, pg, &pix, &info, &ferr)) != FO_OK)
            break;
        d->seconds[FO_STAGE_DECODE] += fo_now() - t1;
        rc = fo_pipeline_match_page(p, pix, info.xdpi, info.dpi_from_file, m, seconds,
                                    &ferr);
        d->seconds[FO_STAGE_PREP] += seconds[0];
        d->seconds[FO_STAGE_MATCH] += seconds[1];
        if (rc == FO_OK)
            rc = past_timeout(p, t0, &ferr);
        if (rc == FO_OK) {
            d->score = fmax(d->score, m->score);
            *pr = (fo_page_result){m->template, m->template_page, m->score, m->turn,
                                   m->transform};
        }
        if (rc == FO_OK && m->template && !d->tpl) {
            d->tpl = m->template;
            rc = start_fields(d, &ferr);
            page_done =
                rc == FO_OK ? calloc((size_t)d->tpl->npages, sizeof *page_done) : NULL;
            if (rc == FO_OK && !page_done)
                rc = fo_error_set(&ferr, FO_ERR_NOMEM, "out of memory");
        }
        /* a later page of another form, or a second copy of a page, is
         * left aside */
        if (rc == FO_OK && m->template && m->template == d->tpl &&
            !page_done[m->template_page]) {
            page_done[m->template_page] = true;
            rc = read_page(p, reader, d, pix, pg + 1, &ferr);
        }
        pixDestroy(&pix);
        if (rc != FO_OK)
            break;
    }
    if (rc == FO_OK) {
        finish_status(d);
    } else if (stops_the_run(&ferr)) {
        if (err)
            *err = ferr;
    } else {
        set_error(d, pg + 1, ferr.message);
        rc = FO_OK;
    }
out:
    fo_reader_set_time_limit(reader, 0);
    free(page_done);
    fo_image_destroy(&img);
    return rc;
}

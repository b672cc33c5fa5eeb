/* pipeline.c - one file through every stage (see pipeline.h). */
#include "formocr/pipeline.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "debug.h"
#include "formocr/check.h"
#include "formocr/zone.h"
#include "strbuf.h"
#include "util.h"

struct fo_pipeline {
    fo_template_set *templates;
    fo_matcher *matcher;
    fo_zone_forms *forms; /* NULL when match_only */
    fo_cache *cache;      /* NULL: none */
    char warning[FO_ERROR_MESSAGE_MAX + 64];
    fo_image_limits limits;
    char *debug_dir; /* NULL: no overlays */
    double timeout;  /* seconds a document may take; 0: no limit */
    volatile sig_atomic_t *stop;
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
    p->stop = o->stop;
    if (!o->no_cache) {
        fo_error cerr;
        if (fo_cache_open(o->cache_dir, &p->cache, &cerr) != FO_OK)
            snprintf(p->warning, sizeof p->warning,
                     "warning: the cache cannot be used, going on without it: %s",
                     cerr.message);
    }
    /* the references are decoded only for what the cache does not hold */
    rc = fo_template_set_load_lazy(o->templates, o->ntemplates, &p->templates, err);
    if (rc == FO_OK)
        rc = fo_matcher_create_cached(p->templates, p->cache, &p->matcher, err);
    if (rc == FO_OK && !o->match_only)
        rc = fo_zone_forms_create_cached(p->templates, p->cache, &p->forms, err);
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
    fo_cache_close(&p->cache);
    free(p->debug_dir);
    free(p);
    *pp = NULL;
}

const char *fo_pipeline_warning(const fo_pipeline *p)
{
    return p->warning;
}

int fo_pipeline_models_built(const fo_pipeline *p)
{
    return fo_matcher_built(p->matcher);
}

const fo_template_set *fo_pipeline_templates(const fo_pipeline *p)
{
    return p->templates;
}

int fo_pipeline_upright_page(PIX **pagep, int *dpi, bool *from_file, bool *straightened,
                             fo_sheet *sheet, fo_error *err)
{
    fo_sheet found;
    *straightened = false;
    if (!fo_prep_find_sheet(*pagep, &found))
        return FO_OK;
    /* a photo: the sheet alone, flat, is what is matched and read */
    if (sheet)
        *sheet = found;
    *straightened = true;
    return fo_prep_straighten(pagep, &found, dpi, from_file, err);
}

int fo_pipeline_match_page(const fo_pipeline *p, PIX **pagep, int dpi, bool from_file,
                           fo_match *out, double seconds[2], fo_error *err)
{
    fo_prep_options po;
    fo_prep_result prep;
    fo_sheet sheet;
    double t0 = fo_now(), t1;
    bool straightened = false;
    PIX *page;
    int rc;

    if ((rc = fo_pipeline_upright_page(pagep, &dpi, &from_file, &straightened, &sheet,
                                       err)) != FO_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    page = *pagep;
    fo_match_prep_options(&po);
    rc = fo_prep_page(page, dpi, from_file, &po, &prep, err);
    t1 = fo_now();
    if (rc == FO_OK)
        rc = fo_match_page(p->matcher, &prep, out, err);
    else
        memset(out, 0, sizeof *out);
    /* a blank page is told from another form only where nothing matched */
    if (rc == FO_OK && !out->template && fo_prep_is_blank(&prep, &out->blank) != FO_OK)
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (seconds) {
        seconds[0] = t1 - t0;
        seconds[1] = fo_now() - t1;
    }
    fo_prep_result_free(&prep);
    /* nothing matched: once more keeping light print, which Otsu drops
     * next to dense dark marks (a form in a dropout colour, filled); and
     * once more taking the paper level where the light is uneven */
    for (int pass = 0; pass < 2 && rc == FO_OK && !out->template && !out->blank;
         pass++) {
        fo_match light;
        po.light_ink = true;
        po.shaded = pass == 1;
        t0 = fo_now();
        rc = fo_prep_page(page, dpi, from_file, &po, &prep, err);
        t1 = fo_now();
        if (rc == FO_OK)
            rc = fo_match_page(p->matcher, &prep, &light, err);
        if (rc == FO_OK && light.template)
            *out = light;
        if (seconds) {
            seconds[0] += t1 - t0;
            seconds[1] += fo_now() - t1;
        }
        fo_prep_result_free(&prep);
    }
    if (rc == FO_OK && straightened) {
        out->straightened = true;
        out->sheet = sheet;
    }
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

/* The live form value named name among the page's, or NULL. */
static const char *form_value(const fo_form_value *form, int nform, const char *name)
{
    for (int i = 0; name && i < nform; i++)
        if (strcmp(form[i].name, name) == 0)
            return form[i].value;
    return NULL;
}

/*
 * What a filled PDF's live form field says of field f, as a reading would
 * give it (*raw malloc'd, NULL for nothing ticked): a text as typed, a
 * check box "1" unless "Off", a choice the options whose export value is
 * the field's.  false when the page has no such field, or f is a
 * signature (ink, which a form field does not hold); *nomem when out of
 * memory.
 */
static bool form_reading(const fo_field *f, const fo_form_value *form, int nform,
                         char **raw, bool *nomem)
{
    const char *v = form_value(form, nform, f->pdf_field);
    *raw = NULL;
    *nomem = false;
    if (!v || f->type == FO_FIELD_SIGNATURE)
        return false;
    if (f->type == FO_FIELD_CHECKBOX) {
        *raw = fo_strdup(*v && strcmp(v, "Off") != 0 ? "1" : "0");
    } else if (f->type == FO_FIELD_CHOICE) {
        fo_strbuf b = FO_STRBUF_INIT;
        for (int k = 0; k < f->noptions; k++)
            if (f->options[k].pdf_value && strcmp(f->options[k].pdf_value, v) == 0) {
                if (b.len)
                    fo_strbuf_add(&b, ",");
                fo_strbuf_add(&b, f->options[k].name);
            }
        if (b.len == 0) {
            fo_strbuf_free(&b);
            return true; /* nothing ticked */
        }
        *raw = fo_strbuf_detach(&b);
    } else {
        *raw = fo_strdup(v);
    }
    *nomem = *raw == NULL;
    return true;
}

/* Whether field f is read as text by OCR (its reading can be handprint). */
static bool read_as_text(const fo_field *f)
{
    return f->type != FO_FIELD_CHECKBOX && f->type != FO_FIELD_CHOICE &&
           f->type != FO_FIELD_SIGNATURE;
}

/*
 * Whether a page was filled by hand, from what its fields' ink said: at
 * least HAND_PAGE_MIN_FIELDS fields read as handprint, and at least one in
 * HAND_PAGE_SHARE of those that hold writing.  A person fills a whole form
 * one way; a short field (a first name, a postal code, a day) holds too
 * few letters for its own ink to tell handprint from print, and read as
 * print it was taken at Tesseract's word (a written "Jade" read "Sade" at
 * 98, "LE GALL" read "LE LL").  Tuned on make-corpus2.py's hand set, seed
 * 1 (5 to 12 of 14 to 19 fields a page); the typed pages of both corpora
 * have at most one such field.
 */
enum { HAND_PAGE_MIN_FIELDS = 2, HAND_PAGE_SHARE = 4 };

/* Why a field of a page filled by hand that could not be read again as
 * handprint is flagged. */
static const char *const HAND_NOT_REREAD =
    "handwriting: the page is written by hand and this field could not be read twice";

/* Whether a reading holds something written (an empty comb reads as
 * spaces, one a cell). */
static bool holds_writing(const fo_reading *r)
{
    for (const char *c = r->raw; c && *c; c++)
        if (*c != ' ' && *c != '\n')
            return true;
    return false;
}

static bool page_filled_by_hand(const fo_template_page *tp, const fo_reading *readings,
                                const bool *from_form)
{
    int written = 0, hand = 0;
    for (int i = 0; i < tp->nfields; i++)
        if (!from_form[i] && read_as_text(&tp->fields[i]) &&
            holds_writing(&readings[i])) {
            written++;
            hand += readings[i].handprint;
        }
    return hand >= HAND_PAGE_MIN_FIELDS && hand * HAND_PAGE_SHARE >= written;
}

/* Reads and checks the fields of the template page that the scan page pr
 * matched, from that page (pix), or from the page's live form fields where
 * it is a filled PDF of the form the template was made from.  On a page
 * filled by hand (see page_filled_by_hand) the fields read as print are
 * read again as handprint. */
static int read_page(const fo_pipeline *p, fo_reader *reader, fo_document *d,
                     const fo_page_result *m, PIX *pix, const fo_form_value *form,
                     int nform, fo_error *err)
{
    const fo_template_page *tp = &d->tpl->pages[m->template_page];
    fo_zone_page zp;
    int first = (int)(tp->fields - d->tpl->fields), rc;
    double t0 = fo_now();
    fo_reading *readings = NULL;
    bool *from_form = NULL;

    rc = fo_zone_page_init(&zp, pix, m->transform, p->forms, d->tpl, m->template_page,
                           err);
    if (rc != FO_OK)
        return rc;
    d->seconds[FO_STAGE_ZONES] += fo_now() - t0;
    /* (zeroed: a reading not made, or failed, frees as nothing; + 1: a
     * page without fields is no allocation failure) */
    readings = calloc((size_t)tp->nfields + 1, sizeof *readings);
    from_form = calloc((size_t)tp->nfields + 1, sizeof *from_form);
    if (!readings || !from_form)
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (rc == FO_OK)
        rc = fo_glyph_bank_create(&zp.bank, err);
    /* every field read, in the order the page's typed digits are gathered
     * and used (fo_read_field_pass) */
    t0 = fo_now();
    for (int k = 0; k < 3 * tp->nfields && rc == FO_OK; k++) {
        int i = k % tp->nfields;
        const fo_field *f = d->fields[first + i].field;
        char *form_raw = NULL;
        bool nomem = false;
        if (fo_read_field_pass(f) != k / tp->nfields)
            continue;
        from_form[i] = form_reading(f, form, nform, &form_raw, &nomem);
        if (nomem)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        else if (from_form[i])
            readings[i] = (fo_reading){.raw = form_raw, .confidence = 100.0};
        else
            rc = fo_read_field(reader, &zp, f, &readings[i], err);
        if (rc != FO_OK)
            break;
    }
    /* a page filled by hand: what was read as print is read as handprint */
    if (rc == FO_OK && page_filled_by_hand(tp, readings, from_form))
        for (int i = 0; i < tp->nfields && rc == FO_OK; i++) {
            const fo_field *f = d->fields[first + i].field;
            fo_reading again;
            if (from_form[i] || !read_as_text(f) || readings[i].handprint ||
                !holds_writing(&readings[i]))
                continue;
            fo_field as_hand = *f;
            as_hand.hand = true;
            rc = fo_read_field(reader, &zp, &as_hand, &again, err);
            if (rc == FO_OK && holds_writing(&again)) {
                fo_reading_free(&readings[i]);
                readings[i] = again;
            } else if (rc == FO_OK || rc == FO_ERR_OCR || rc == FO_ERR_LIMIT) {
                /* not read again (past the time limit, Tesseract failed,
                 * or the ink read as nothing): the first reading stays,
                 * in doubt */
                fo_reading_free(&again);
                readings[i].doubt = HAND_NOT_REREAD;
                readings[i].handprint = true;
                fo_error_clear(err);
                rc = FO_OK;
            }
        }
    d->seconds[FO_STAGE_OCR] += fo_now() - t0;
    /* and checked */
    for (int i = 0; i < tp->nfields && rc == FO_OK; i++) {
        fo_field_result *r = &d->fields[first + i];
        fo_reading *reading = &readings[i];
        fo_value v;
        double t2 = fo_now();
        rc = fo_check_field(r->field, reading->raw, reading->confidence, &v);
        if (rc != FO_OK) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            break;
        }
        /* the reader's own doubt is the reason to look at the field */
        if (reading->doubt &&
            (v.status == FO_STATUS_OK ||
             (v.status == FO_STATUS_LOW_CONFIDENCE && !reading->unread))) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = reading->doubt;
        }
        /* ink that could not be read is never an empty field that is fine */
        if (reading->unread && v.status == FO_STATUS_OK) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = "ink that could not be read";
        }
        /* a photo's text needs more than a scan's to be taken as read */
        if (m->photo && v.status == FO_STATUS_OK && read_as_text(r->field) &&
            !(reading->confidence >= FO_PHOTO_MIN_CONFIDENCE)) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = "read from a photo, below its confidence";
        }
        /* nor is anything read on a page whose data was damaged */
        if (m->damaged && v.status == FO_STATUS_OK) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = "the page's image data is damaged";
        }
        /* nor on a page that may be another form, where the field may lie
         * elsewhere, or be none of the form's */
        if (m->rival && v.status == FO_STATUS_OK) {
            v.status = FO_STATUS_LOW_CONFIDENCE;
            v.reason = "the form is uncertain: a near miss of it fits the scan as well "
                       "(the document's warning names it)";
        }
        free(r->value);
        free(r->raw);
        r->value = v.value;
        r->raw = reading->raw;
        reading->raw = NULL; /* r owns it now */
        r->confidence = reading->confidence;
        r->status = v.status;
        r->reason = v.reason;
        r->source = from_form[i] ? "pdf_field" : NULL;
        r->hand = !from_form[i] && reading->handprint;
        r->page = m->file_page;
        field_extent(r->field, m->transform, r);
        d->seconds[FO_STAGE_CHECK] += fo_now() - t2;
    }
    for (int i = 0; readings && i < tp->nfields; i++)
        fo_reading_free(&readings[i]);
    free(readings);
    free(from_form);
    if (rc == FO_OK && p->debug_dir)
        fo_debug_overlay(p->debug_dir, d, m->file_page, zp.grey);
    fo_glyph_bank_destroy(&zp.bank);
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
    bool read = false;
    if (d->status == FO_DOC_ERROR) {
        /* what its pages gave was dropped with it */
        for (int i = 0; i < d->npage_results; i++)
            if (d->page_results[i].status == FO_PAGE_READ)
                d->page_results[i].status = FO_PAGE_ERROR;
        return;
    }
    if (!d->tpl) {
        d->status = FO_DOC_UNMATCHED;
        return;
    }
    /* as trustworthy as its weakest page */
    for (int i = 0; i < d->npage_results; i++)
        if (d->page_results[i].status == FO_PAGE_READ) {
            double s = d->page_results[i].score;
            d->score = read ? fmin(d->score, s) : s;
            read = true;
        }
    d->status = FO_DOC_OK;
    for (int i = 0; i < d->nfields; i++)
        if (d->fields[i].status != FO_STATUS_OK)
            d->status = FO_DOC_REVIEW;
}

/*
 * A file cut into documents (DESIGN §6): a page matched as a template's
 * page starts a document unless it continues the open one (same template,
 * a later page of it not read yet); a page that matches nothing is a
 * document of its own (unmatched); a blank page joins the document before
 * it (those before the first document join the first); a page that cannot
 * be decoded or matched is an error document of its own.  The file's first
 * document is the caller's; the others are chained after it.
 */
typedef struct cutter {
    const fo_pipeline *p;
    fo_reader *reader;
    fo_document *head, *last; /* the chain; last NULL: no document yet */
    fo_document *open;        /* the document a matched page may continue */
    bool *page_done;          /* the open document's template pages read */
    int last_template_page;   /* the last of them read */
    double started;           /* when the open document began (its timeout) */
    fo_page_result *blank;    /* blank pages before the first document */
    int nblank;
    fo_form_value *form; /* the page's live PDF form fields (fo_image_form_values) */
    int nform;
} cutter;

static int add_page(fo_document *d, const fo_page_result *pr, fo_error *err)
{
    if (fo_document_add_page(d, pr) != FO_OK)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (d->first_page == 0)
        d->first_page = pr->file_page;
    d->last_page = pr->file_page;
    d->pages = d->last_page - d->first_page + 1;
    return FO_OK;
}

/* A new document at the end of the chain, holding the blank pages that
 * came before any document; *out borrowed. */
static int new_document(cutter *c, fo_document **out, fo_error *err)
{
    fo_document *d = c->head;
    int rc = FO_OK;

    c->open = NULL;
    if (c->last) {
        d = calloc(1, sizeof *d);
        if (!d)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        c->last->next = d;
        d->path = fo_strdup(c->head->path);
        memcpy(d->sha256, c->head->sha256, sizeof d->sha256);
        d->bytes = c->head->bytes;
        if (c->head->warning)
            d->warning = fo_strdup(c->head->warning);
        if (!d->path || (c->head->warning && !d->warning))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    c->last = d;
    for (int i = 0; rc == FO_OK && i < c->nblank; i++)
        rc = add_page(d, &c->blank[i], err);
    c->nblank = 0;
    *out = d;
    return rc;
}

/* The scan page pr (pix) through the cut: it joins the open document or
 * starts one. */
static int place_page(cutter *c, const fo_match *m, fo_page_result *pr, PIX *pix,
                      double page_started, fo_error *err)
{
    const fo_template *t = m->template;
    fo_document *d = c->open;
    int rc;

    if (!t && m->blank) {
        pr->status = FO_PAGE_BLANK;
        if (!c->last) {
            fo_page_result *grown =
                realloc(c->blank, sizeof *grown * (size_t)(c->nblank + 1));
            if (!grown)
                return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            c->blank = grown;
            c->blank[c->nblank++] = *pr;
            return FO_OK;
        }
        return add_page(c->last, pr, err);
    }
    if (!t) {
        pr->status = FO_PAGE_UNMATCHED;
        if ((rc = new_document(c, &d, err)) != FO_OK)
            return rc;
        d->score = m->score;
        /* why, as for an error (DESIGN §5) */
        d->error = fo_asprintf(
            "page %d: no template matched it (best score %.2f, %.2f needed)%s",
            pr->file_page, m->score, FO_MATCH_THRESHOLD,
            m->straightened ? "; it was a photo of a sheet, straightened first" : "");
        if (!d->error)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        if ((rc = add_page(d, pr, err)) == FO_OK && c->p->debug_dir)
            fo_debug_unmatched(c->p->debug_dir, d, pr, pix);
        return rc;
    }
    pr->status = FO_PAGE_READ;
    if (!d || d->tpl != t || c->page_done[m->template_page] ||
        m->template_page < c->last_template_page) {
        /* page 1 of a form, a page it has already had (a second copy), or
         * another form: a document begins */
        if ((rc = new_document(c, &d, err)) != FO_OK)
            return rc;
        d->tpl = t;
        free(c->page_done);
        c->page_done = calloc((size_t)t->npages, sizeof *c->page_done);
        if (!c->page_done)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        if ((rc = start_fields(d, err)) != FO_OK)
            return rc;
        c->open = d;
        c->started = page_started;
        /* the reading stops too once the document's time is up */
        fo_reader_set_time_limit(c->reader, c->p->timeout);
    }
    c->page_done[m->template_page] = true;
    c->last_template_page = m->template_page;
    if ((rc = add_page(d, pr, err)) != FO_OK ||
        (rc = past_timeout(c->p, c->started, err)) != FO_OK)
        return rc;
    return read_page(c->p, c->reader, d, pr, pix, c->form, c->nform, err);
}

/* The chain after d is freed (d keeps what it holds). */
static void drop_chain(fo_document *d)
{
    fo_document *n = d->next;
    d->next = NULL;
    if (n) {
        fo_document_free(n);
        free(n);
    }
}

int fo_pipeline_process(const fo_pipeline *p, fo_reader *reader, const char *path,
                        fo_skip_test skip, void *skip_ctx, fo_document *d,
                        fo_error *err)
{
    fo_image *img = NULL;
    fo_error ferr;
    uint8_t *data = NULL;
    size_t size = 0;
    uint8_t sum[FO_SHA256_LEN];
    double t0 = fo_now();
    int pages, rc = FO_OK;
    cutter c = {.p = p, .reader = reader, .head = d};

    memset(d, 0, sizeof *d);
    if (!p->forms)
        return fo_error_set(err, FO_ERR_USAGE, "a match-only pipeline reads no fields");
    d->path = fo_strdup(path);
    if (!d->path)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
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
    pages = fo_image_page_count(img);
    d->seconds[FO_STAGE_DECODE] += fo_now() - t0;

    for (int pg = 0; pg < pages && rc == FO_OK; pg++) {
        fo_page_result pr = {.file_page = pg + 1};
        fo_match m;
        fo_page_info info;
        fo_document *e = NULL;
        PIX *pix = NULL;
        double t1 = fo_now(), seconds[2];
        fo_document *acct = c.open ? c.open : c.last ? c.last : d;

        if (pg > 0 && p->stop && *p->stop) {
            /* a stop between two pages of a long file: the file is left
             * whole for the next run (what was read of it is not kept) */
            d->interrupted = true;
            break;
        }
        rc = fo_image_decode(img, pg, &pix, &info, &ferr);
        fo_form_values_free(c.form, c.nform);
        c.form = NULL;
        c.nform = 0;
        if (rc == FO_OK)
            rc = fo_image_form_values(img, pg, &c.form, &c.nform, &ferr);
        acct->seconds[FO_STAGE_DECODE] += fo_now() - t1;
        if (rc == FO_OK) {
            rc = fo_pipeline_match_page(p, &pix, info.xdpi, info.dpi_from_file, &m,
                                        seconds, &ferr);
            acct->seconds[FO_STAGE_PREP] += seconds[0];
            acct->seconds[FO_STAGE_MATCH] += seconds[1];
        }
        /* a page that is no form may take no longer than a document */
        if (rc == FO_OK && !m.template)
            rc = past_timeout(p, t1, &ferr);
        pr.damaged = rc == FO_OK && info.warning[0];
        pr.photo = rc == FO_OK && m.straightened;
        pr.rival = rc == FO_OK && m.template ? m.rival : NULL;
        if (rc == FO_OK) {
            pr.template = m.template;
            pr.template_page = m.template_page;
            pr.score = m.score;
            pr.turn = m.turn;
            pr.transform = m.transform;
            rc = place_page(&c, &m, &pr, pix, t1, &ferr);
            if (rc != FO_OK && !stops_the_run(&ferr) && c.last &&
                c.last->last_page == pg + 1) {
                /* the page was placed, and its document failed with it */
                if (c.last->status != FO_DOC_ERROR)
                    set_error(c.last, pg + 1, ferr.message);
                c.last->page_results[c.last->npage_results - 1].status = FO_PAGE_ERROR;
                c.open = NULL;
                rc = FO_OK;
            }
        }
        pixDestroy(&pix);
        if (rc == FO_OK && (pr.damaged || m.straightened || pr.rival)) {
            /* the record says what the decoder tolerated, what was done
             * to a photo, and which near miss the page could be, page by
             * page */
            fo_document *holder = c.last && c.last->last_page == pg + 1 ? c.last : d;
            const char *photo = m.straightened
                                    ? "a photo: the sheet was found on its background "
                                      "and straightened (perspective corrected)"
                                    : "";
            char *rival = pr.rival
                              ? fo_asprintf("%sit could also be %s (page %d): a near "
                                            "miss of the form that the scan does "
                                            "not tell apart",
                                            pr.damaged || m.straightened ? "; " : "",
                                            pr.rival->name, m.rival_page + 1)
                              : fo_strdup("");
            char *w = rival ? fo_asprintf("%s%spage %d: %s%s%s%s",
                                          holder->warning ? holder->warning : "",
                                          holder->warning ? "; " : "", pg + 1,
                                          pr.damaged ? info.warning : "",
                                          pr.damaged && m.straightened ? "; " : "",
                                          photo, rival)
                            : NULL;
            free(rival);
            if (!w) {
                rc = fo_error_set(&ferr, FO_ERR_NOMEM, "out of memory");
            } else {
                free(holder->warning);
                holder->warning = w;
            }
        }
        if (rc != FO_OK && !stops_the_run(&ferr)) {
            /* the page could not be decoded or matched: an error
             * document of its own, and the file goes on */
            pr.status = FO_PAGE_ERROR;
            pr.template = NULL;
            pr.rival = NULL;
            rc = new_document(&c, &e, &ferr);
            if (rc == FO_OK) {
                rc = add_page(e, &pr, &ferr);
                set_error(e, pg + 1, ferr.message);
            }
        }
    }
    if (rc == FO_OK && c.nblank > 0) {
        /* nothing but blank pages */
        fo_document *b = NULL;
        rc = new_document(&c, &b, &ferr);
        if (rc == FO_OK &&
            !(b->error = fo_strdup(c.last->pages > 1 ? "every page is blank"
                                                     : "the page is blank")))
            rc = fo_error_set(&ferr, FO_ERR_NOMEM, "out of memory");
    }
    if (rc == FO_OK && !c.last) {
        set_error(d, 0, "the file has no page");
    }
    if (rc == FO_OK) {
        for (fo_document *e = d; e; e = e->next)
            finish_status(e);
    } else if (stops_the_run(&ferr)) {
        if (err)
            *err = ferr;
    } else {
        /* out of memory for the cut itself: the file is one error */
        drop_chain(d);
        free(d->page_results);
        d->page_results = NULL;
        d->page_results_cap = 0;
        d->npage_results = d->pages = d->first_page = d->last_page = 0;
        set_error(d, 0, ferr.message);
        rc = FO_OK;
    }
out:
    fo_reader_set_time_limit(reader, 0);
    fo_form_values_free(c.form, c.nform);
    free(c.page_done);
    free(c.blank);
    fo_image_destroy(&img);
    return rc;
}

/* The folder of path ("" for a bare name); malloc'd, NULL out of memory. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? fo_asprintf("%.*s", (int)(slash - path), path) : fo_strdup("");
}

bool fo_pipeline_join(fo_document *d, fo_document *h)
{
    const fo_page_result *hp;
    int last = -1, k;
    char *a, *b, *warning = NULL;
    fo_page_result joined_page;
    bool same, blank;

    if (!d || !h || !d->tpl || d->status == FO_DOC_ERROR || h->skipped || h->deferred ||
        h->next || h->npage_results != 1)
        return false;
    hp = &h->page_results[0];
    /* a blank file (a duplex scan's back) joins as a blank page */
    blank = hp->status == FO_PAGE_BLANK;
    if (!blank &&
        (h->tpl != d->tpl || h->status == FO_DOC_ERROR || hp->status != FO_PAGE_READ))
        return false;
    for (int i = 0; i < d->npage_results; i++)
        if (d->page_results[i].status == FO_PAGE_READ)
            last = d->page_results[i].template_page > last
                       ? d->page_results[i].template_page
                       : last;
    if (!blank && hp->template_page <= last)
        return false;
    a = folder_of(d->path);
    b = folder_of(h->path);
    same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    if (!same)
        return false;
    if (h->warning) {
        /* what a decoder repaired in the joined file stays said */
        warning = fo_asprintf("%s%s%s: %s", d->warning ? d->warning : "",
                              d->warning ? "; " : "", h->path, h->warning);
        if (!warning)
            return false;
    }
    if ((k = fo_document_add_joined(d, h->path, h->sha256)) < 0) {
        free(warning);
        return false;
    }
    joined_page = *hp;
    joined_page.file = k;
    if (fo_document_add_page(d, &joined_page) != FO_OK) {
        free(d->joined[--d->njoined]);
        free(warning);
        return false;
    }
    if (warning) {
        free(d->warning);
        d->warning = warning;
    }
    d->pages++;
    /* the fields of that template page, as h read them */
    for (int i = 0; i < d->nfields && i < h->nfields; i++) {
        fo_field_result *to = &d->fields[i], *from = &h->fields[i];
        if (from->page == 0)
            continue; /* not on h's page */
        free(to->value);
        free(to->raw);
        *to = *from;
        to->file = k;
        from->value = from->raw = NULL;
        from->page = 0;
    }
    for (int i = 0; i < FO_STAGE_COUNT; i++)
        d->seconds[i] += h->seconds[i];
    d->status = FO_DOC_OK;
    finish_status(d);
    return true;
}

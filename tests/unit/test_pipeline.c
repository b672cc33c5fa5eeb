/* test_pipeline.c - the document driver: one file through every stage, on
 * the committed samples and on files made here (a non-image, a blank page,
 * a multi-page TIFF). */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/pipeline.h"
#include "harness.h"
#include "util.h"

static fo_pipeline *pipeline;
static fo_reader *reader;
static char tmp[] = "/tmp/formocr-pipeline-XXXXXX";

static char *src_path(const char *rel)
{
    return fo_asprintf("%s/%s", test_source_dir(), rel);
}

static char *tmp_path(const char *name)
{
    return fo_path_join(tmp, name);
}

static const fo_template *shipped(const char *name)
{
    const fo_template_set *set = fo_pipeline_templates(pipeline);
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    return NULL;
}

static const fo_field_result *result(const fo_document *d, const char *name)
{
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].field->name, name) == 0)
            return &d->fields[i];
    fprintf(stderr, "no field %s in the document\n", name);
    exit(1);
}

/* The SHA-256 of a file's bytes, hex, and its size. */
static void file_sha256(const char *path, char hex[65], size_t *size)
{
    uint8_t *data = NULL, sum[FO_SHA256_LEN];
    fo_error err;
    hex[0] = '\0';
    *size = 0;
    if (fo_read_file(path, (size_t)1 << 30, &data, size, &err) != FO_OK)
        return;
    fo_sha256(data, *size, sum);
    fo_hex(sum, FO_SHA256_LEN, hex);
    free(data);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A skip test that records the hash it was asked about and answers *ctx. */
typedef struct skip_probe {
    bool answer;
    int calls;
    char sha256[65];
} skip_probe;

static bool probe_skip(void *ctx, const char *sha256)
{
    skip_probe *s = ctx;
    s->calls++;
    snprintf(s->sha256, sizeof s->sha256, "%s", sha256);
    return s->answer;
}

static void test_create_failures(void)
{
    fo_pipeline_options o;
    fo_pipeline *p = NULL;
    fo_error err;
    const char *missing[] = {"/nonexistent/formocr-templates"};
    char *bad = src_path("tests/data/templates/bad/broken-json.json");
    char *one = src_path("templates/cerfa_14011_03");
    const char *twice[] = {one, one};
    const char *broken[] = {bad};
    int rc;

    fo_pipeline_options_default(&o);
    OK(o.templates == NULL && o.ntemplates == 0 && !o.match_only &&
       o.debug_dir == NULL);
    INT_EQ(o.limits.max_pixels, FO_DEFAULT_MAX_PIXELS);
    INT_EQ(o.limits.default_dpi, FO_DEFAULT_DPI);

    o.templates = missing;
    o.ntemplates = 1;
    p = (fo_pipeline *)&o; /* a stale value, to be reset to NULL */
    rc = fo_pipeline_create(&o, &p, &err);
    OK(rc == FO_ERR_IO || rc == FO_ERR_TEMPLATE);
    INT_EQ(err.code, rc);
    STR_CONTAINS(err.message, "/nonexistent/formocr-templates");
    OK(p == NULL);

    o.templates = broken;
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_ERR_TEMPLATE);
    STR_CONTAINS(err.message, "broken-json.json:");
    OK(p == NULL);

    o.templates = twice;
    o.ntemplates = 2;
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_ERR_TEMPLATE);
    STR_CONTAINS(err.message, "\"cerfa_14011_03\" is already used");
    OK(p == NULL);

    /* no template at all is a mistake, not a pipeline that matches nothing */
    o.templates = NULL;
    o.ntemplates = 0;
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "no template given");
    OK(p == NULL);

    fo_pipeline_destroy(&p);
    fo_pipeline_destroy(NULL);
    free(bad);
    free(one);
}

/* A match-only pipeline: pages are matched, documents are refused. */
static void test_match_only(void)
{
    fo_pipeline_options o;
    fo_pipeline *p = NULL;
    fo_document d;
    fo_error err;
    char *dir = src_path("templates"), *scan = src_path("samples/scan_0013.tif");
    const char *paths[] = {dir};
    const fo_template_set *set;

    fo_pipeline_options_default(&o);
    o.templates = paths;
    o.ntemplates = 1;
    o.match_only = true;
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_OK);
    free(dir); /* the options' strings are copied */
    if (!p)
        return;
    set = fo_pipeline_templates(p);
    INT_EQ(set->count, 2);
    /* the reference images are released; the sizes stay */
    for (int i = 0; i < set->count; i++)
        OK(set->items[i]->pages[0].image == NULL && set->items[i]->pages[0].width > 0);

    memset(&d, 0xAB, sizeof d);
    INT_EQ(fo_pipeline_process(p, reader, scan, NULL, NULL, &d, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "a match-only pipeline reads no fields");
    OK(d.path == NULL && d.fields == NULL && d.nfields == 0 && d.page_results == NULL);
    fo_document_free(&d);

    /* but it matches: scan_0013 is 12485 at 200 dpi, turned a quarter */
    {
        fo_image *img = NULL;
        fo_page_info info;
        PIX *pix = NULL;
        fo_match m;
        double seconds[2] = {-1, -1};
        INT_EQ(fo_image_open(scan, NULL, &img, &err), FO_OK);
        INT_EQ(fo_image_decode(img, 0, &pix, &info, &err), FO_OK);
        INT_EQ(fo_pipeline_match_page(p, &pix, info.xdpi, info.dpi_from_file, &m,
                                      seconds, &err),
               FO_OK);
        OK(m.template == set->items[0] || m.template == set->items[1]);
        STR_EQ(m.template ? m.template->name : "(none)", "cerfa_12485_03");
        INT_EQ(m.template_page, 0);
        INT_EQ(m.turn, 270);
        OK(m.score >= FO_MATCH_THRESHOLD && m.score <= 1);
        OK(seconds[0] > 0 && seconds[1] > 0);
        /* seconds may be NULL */
        INT_EQ(fo_pipeline_match_page(p, &pix, info.xdpi, info.dpi_from_file, &m, NULL,
                                      &err),
               FO_OK);
        STR_EQ(m.template ? m.template->name : "(none)", "cerfa_12485_03");
        pixDestroy(&pix);
        fo_image_destroy(&img);
    }
    fo_pipeline_destroy(&p);
    OK(p == NULL);
    free(scan);
}

/* samples/scan_0004.jpg, a grey JPEG of 14011 turned 3.8 degrees, every
 * field right (samples/truth.json). */
static void test_sample_14011(void)
{
    const fo_template *t = shipped("cerfa_14011_03");
    char *path = src_path("samples/scan_0004.jpg"), sha[65];
    fo_affine truth = {1.020716566,  0.067869072, -154.572359222,
                       -0.067869072, 1.020716566, 96.643311648};
    skip_probe probe = {false, 0, ""};
    fo_document d;
    fo_error err;
    size_t size;

    file_sha256(path, sha, &size);
    OK(size > 0);
    INT_EQ(fo_pipeline_process(pipeline, reader, path, probe_skip, &probe, &d, &err),
           FO_OK);
    STR_EQ(d.path, path);
    STR_EQ(d.sha256, sha);
    INT_EQ(d.bytes, size);
    /* asked once, about this file's hash */
    INT_EQ(probe.calls, 1);
    STR_EQ(probe.sha256, sha);
    OK(!d.skipped);
    OK(d.tpl == t);
    INT_EQ(d.status, FO_DOC_OK);
    OK(d.error == NULL);
    INT_EQ(d.pages, 1);
    INT_EQ(d.npage_results, 1);
    if (d.npage_results == 1) {
        const fo_page_result *pr = &d.page_results[0];
        fo_point c = fo_affine_apply(pr->transform, (fo_point){1240, 1750});
        fo_point w = fo_affine_apply(truth, (fo_point){1240, 1750});
        OK(pr->template == t);
        INT_EQ(pr->template_page, 0);
        INT_EQ(pr->turn, 0);
        NUM_NEAR(pr->score, d.score, 0);
        OK(d.score >= FO_MATCH_THRESHOLD && d.score <= 1);
        NUM_NEAR(c.x, w.x, 1.5);
        NUM_NEAR(c.y, w.y, 1.5);
    }
    INT_EQ(d.nfields, 33);
    for (int i = 0; i < d.nfields && i < t->nfields; i++) {
        OK(d.fields[i].field == &t->fields[i]); /* in template order */
        INT_EQ(d.fields[i].page, 1);
        INT_EQ(d.fields[i].status, FO_STATUS_OK);
        OK(d.fields[i].reason == NULL);
    }
    if (d.nfields == 33) {
        const fo_field_result *r = result(&d, "nom_famille");
        fo_point a = fo_affine_apply(truth, (fo_point){599, 807});
        STR_EQ(r->value, "BENOÎT");
        STR_EQ(r->raw, "BENOÎT");
        OK(r->confidence >= 90 && r->confidence <= 100);
        /* where it is on the scan: the box through the transform */
        NUM_NEAR(r->x, a.x, 2);
        OK(r->w >= 1618 && r->w < 1618 * 1.03 + 44 * 0.07 + 4);
        OK(r->h >= 44 && r->h < 44 * 1.03 + 1618 * 0.07 + 4);
        r = result(&d, "naissance_date");
        STR_EQ(r->raw, "12122005");
        STR_EQ(r->value, "2005-12-12"); /* checked and normalised */
        STR_EQ(result(&d, "type_document")->value, "cni,passeport");
        STR_EQ(result(&d, "genre")->value, "homme");
        STR_EQ(result(&d, "adresse_nom_voie")->value, "DE L'ÉGLISE");
        STR_EQ(result(&d, "cni_numero")->value, "889097618346");
        STR_EQ(result(&d, "disparition_lieu")->value, "");
        STR_EQ(result(&d, "adresse_code_postal")->value, "");
        STR_EQ(result(&d, "signature")->value, "1");
    }
    OK(d.seconds[FO_STAGE_DECODE] > 0);
    OK(d.seconds[FO_STAGE_PREP] > 0);
    OK(d.seconds[FO_STAGE_MATCH] > 0);
    OK(d.seconds[FO_STAGE_OCR] > 0);
    NUM_NEAR(d.seconds[FO_STAGE_OUTPUT], 0, 0);

    fo_document_free(&d);
    {
        fo_document zero;
        memset(&zero, 0, sizeof zero);
        OK(memcmp(&d, &zero, sizeof d) == 0);
    }
    fo_document_free(&d); /* a zeroed document */
    fo_document_free(NULL);
    free(path);
}

/* samples/scan_0013.tif: 12485, 1 bit at 200 dpi, turned 270 degrees. */
static void test_sample_12485_turned(void)
{
    const fo_template *t = shipped("cerfa_12485_03");
    char *path = src_path("samples/scan_0013.tif");
    fo_document d;
    fo_error err;

    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    OK(d.tpl == t);
    INT_EQ(d.nfields, 17);
    INT_EQ(d.npage_results, 1);
    if (d.npage_results == 1)
        INT_EQ(d.page_results[0].turn, 270);
    if (d.nfields == 17) {
        STR_EQ(result(&d, "nom_assure")->value, "SIMON");
        STR_EQ(result(&d, "date_declaration")->value, "2020-12-23");
        INT_EQ(result(&d, "nom_assure")->page, 1);
    }
    OK(d.status == FO_DOC_OK || d.status == FO_DOC_REVIEW);
    fo_document_free(&d);
    free(path);
}

static void test_not_an_image(void)
{
    char *path = tmp_path("notes.tif");
    fo_document d;
    fo_error err;

    /* named .tif, but text */
    write_text(path, "hello, this is not a scan\n");
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error, "not an image (unknown format)");
    /* sha256sum of the file: a nightly run knows it has seen it */
    STR_EQ(d.sha256,
           "9f37acfd44a1e99ddf2e471d79c417a3ee2c3ce71f0c593b110d8af784f81fdb");
    INT_EQ(d.bytes, 26);
    STR_EQ(d.path, path);
    OK(d.tpl == NULL && d.fields == NULL && d.nfields == 0 && d.pages == 0);
    OK(!d.skipped);
    fo_document_free(&d);
    free(path);
}

static void test_missing_file(void)
{
    char *path = tmp_path("absent.png");
    fo_document d;
    fo_error err;
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error, "cannot open (no such file or directory)");
    STR_EQ(d.path, path);
    STR_EQ(d.sha256, ""); /* unread */
    INT_EQ(d.bytes, 0);
    OK(d.tpl == NULL && d.nfields == 0 && d.pages == 0);
    fo_document_free(&d);
    free(path);
    /* a folder */
    INT_EQ(fo_pipeline_process(pipeline, reader, tmp, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error, "is a folder, not a file");
    OK(!d.deferred);
    fo_document_free(&d);
    /* a file that changed while it was read is left for the next run */
    INT_EQ(fo_pipeline_process(pipeline, reader, "/proc/self/status", NULL, NULL, &d,
                               &err),
           FO_OK);
    OK(d.deferred);
    STR_CONTAINS(d.error, "changed while it was read");
    fo_document_free(&d);
}

/* A truncated image: its header reads, its pixels do not. */
static void test_truncated_image(void)
{
    char *src = src_path("samples/scan_0003.png"), *path = tmp_path("cut.png");
    uint8_t *data = NULL;
    size_t size = 0;
    fo_document d;
    fo_error err;
    INT_EQ(fo_read_file(src, (size_t)1 << 30, &data, &size, &err), FO_OK);
    {
        FILE *f = fopen(path, "wb");
        fwrite(data, 1, size / 2, f);
        fclose(f);
    }
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    /* the page that failed is named */
    OK(d.error && strncmp(d.error, "page 1: ", 8) == 0);
    STR_CONTAINS(d.error, "truncated");
    INT_EQ(d.pages, 1);
    OK(d.tpl == NULL && d.nfields == 0);
    OK(d.sha256[0] != '\0');
    fo_document_free(&d);
    free(data);
    free(src);
    free(path);
}

/* A stage that refuses a page (here prep: a strip no form could be, not
 * an A4 page at 1 dpi) fails that document alone: an error row naming the
 * page, no template, no fields, and the call succeeds. */
static void test_stage_refusal_is_the_documents(void)
{
    char *path = src_path("tests/data/scans/strip-4x50000.png");
    fo_document d;
    fo_error err;
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error,
           "page 1: a page of 4x50000 px at 72 dpi is 0.1x694.4 inches: larger "
           "than a form (at most 24 inches a side)");
    OK(d.tpl == NULL && d.nfields == 0 && d.fields == NULL);
    INT_EQ(d.pages, 1);
    OK(d.sha256[0] != '\0');
    fo_document_free(&d);
    free(path);
}

static void test_skipped(void)
{
    char *path = src_path("samples/scan_0004.jpg"), *notes = tmp_path("skipped.txt"),
         sha[65];
    skip_probe probe = {true, 0, ""};
    fo_document d;
    fo_error err;
    size_t size;

    file_sha256(path, sha, &size);
    INT_EQ(fo_pipeline_process(pipeline, reader, path, probe_skip, &probe, &d, &err),
           FO_OK);
    OK(d.skipped);
    INT_EQ(probe.calls, 1);
    STR_EQ(probe.sha256, sha);
    STR_EQ(d.sha256, sha);
    OK(d.tpl == NULL && d.nfields == 0 && d.fields == NULL && d.pages == 0 &&
       d.page_results == NULL && d.error == NULL);
    fo_document_free(&d);

    /* a file known not to be an image is skipped too, unread */
    write_text(notes, "not a scan\n");
    probe.calls = 0;
    INT_EQ(fo_pipeline_process(pipeline, reader, notes, probe_skip, &probe, &d, &err),
           FO_OK);
    OK(d.skipped);
    INT_EQ(probe.calls, 1);
    OK(d.error == NULL);
    fo_document_free(&d);
    free(path);
    free(notes);
}

static void test_blank_page(void)
{
    char *path = tmp_path("blank.png");
    PIX *white = pixCreate(2480, 3508, 8);
    fo_document d;
    fo_error err;

    pixSetAll(white);
    pixSetResolution(white, 300, 300);
    OK(pixWrite(path, white, IFF_PNG) == 0);
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    /* a blank page is no error: unmatched, and it says why */
    INT_EQ(d.status, FO_DOC_UNMATCHED);
    OK(d.tpl == NULL && d.nfields == 0 && d.fields == NULL);
    STR_EQ(d.error ? d.error : "(null)", "the page is blank");
    INT_EQ(d.pages, 1);
    INT_EQ(d.first_page, 1);
    INT_EQ(d.last_page, 1);
    OK(d.next == NULL);
    INT_EQ(d.npage_results, 1);
    if (d.npage_results == 1) {
        OK(d.page_results[0].template == NULL);
        INT_EQ(d.page_results[0].status, FO_PAGE_BLANK);
        INT_EQ(d.page_results[0].file_page, 1);
        OK(d.page_results[0].score < FO_MATCH_THRESHOLD);
    }
    OK(d.score < FO_MATCH_THRESHOLD);
    OK(d.sha256[0] != '\0');
    fo_document_free(&d);
    /* and the page alone */
    {
        fo_match m;
        double seconds[2] = {-1, -1};
        memset(&m, 0xAB, sizeof m);
        INT_EQ(fo_pipeline_match_page(pipeline, &white, 300, true, &m, seconds, &err),
               FO_OK);
        OK(m.template == NULL);
        OK(m.score >= 0 && m.score < FO_MATCH_THRESHOLD);
        OK(seconds[0] >= 0 && seconds[1] >= 0);
    }
    pixDestroy(&white);
    free(path);
}

/* The blank form itself, with a rule drawn in nom_usage: it matches, the
 * required fields are missing, and ink read as nothing is flagged. */
static void test_blank_form(void)
{
    char *ref = src_path("templates/cerfa_14011_03/page1.png"),
         *path = tmp_path("form.png");
    PIX *rgb = pixRead(ref), *grey = rgb ? pixConvertTo8(rgb, 0) : NULL;
    fo_document d;
    fo_error err;

    OK(grey != NULL);
    if (!grey)
        return;
    pixRasterop(grey, 562 + 300, 909 + 20, 500, 5, PIX_CLR, NULL, 0, 0);
    pixSetResolution(grey, 300, 300);
    OK(pixWrite(path, grey, IFF_PNG) == 0);
    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    OK(d.tpl == shipped("cerfa_14011_03"));
    INT_EQ(d.status, FO_DOC_REVIEW);
    if (d.nfields == 33) {
        const fo_field_result *r = result(&d, "nom_usage");
        STR_EQ(r->value, "");
        STR_EQ(r->raw, "");
        INT_EQ(r->status, FO_STATUS_LOW_CONFIDENCE);
        STR_EQ(r->reason, "ink that could not be read");
        r = result(&d, "nom_famille"); /* required */
        STR_EQ(r->value, "");
        INT_EQ(r->status, FO_STATUS_MISSING);
        OK(r->reason != NULL);
        r = result(&d, "adresse_pays"); /* optional and empty: fine */
        STR_EQ(r->value, "");
        INT_EQ(r->status, FO_STATUS_OK);
        OK(r->reason == NULL);
        STR_EQ(result(&d, "signature")->value, "0");
    }
    fo_document_free(&d);
    pixDestroy(&rgb);
    pixDestroy(&grey);
    free(ref);
    free(path);
}

/* tmp/three.tif: a blank page, then samples/scan_0002.tif (14011, 1 bit)
 * twice, 300 dpi, G4.  Returns its path (malloc'd). */
static char *three_pages(void)
{
    char *src = src_path("samples/scan_0002.tif"), *path = tmp_path("three.tif");
    fo_image *img = NULL;
    PIX *form = NULL, *blank = NULL;
    fo_error err;
    int rc = 1;

    if (fo_image_open(src, NULL, &img, &err) == FO_OK &&
        fo_image_decode(img, 0, &form, NULL, &err) == FO_OK && pixGetDepth(form) == 1) {
        blank = pixCreate(pixGetWidth(form), pixGetHeight(form), 1);
        pixSetResolution(blank, 300, 300);
        pixSetResolution(form, 300, 300);
        rc = pixWriteTiff(path, blank, IFF_TIFF_G4, "w") ||
             pixWriteTiff(path, form, IFF_TIFF_G4, "a") ||
             pixWriteTiff(path, form, IFF_TIFF_G4, "a");
    }
    if (rc)
        fprintf(stderr, "cannot make %s\n", path);
    fo_image_destroy(&img);
    pixDestroy(&form);
    pixDestroy(&blank);
    free(src);
    return path;
}

/* Three pages: blank, the form, the form again: a feeder's stack of two
 * forms.  The blank page opens the first document; the second copy of the
 * page is a second document, read on its own page. */
static void test_multipage(void)
{
    char *path = tmp_path("three.tif");
    fo_document d;
    const fo_document *e;
    fo_error err;

    INT_EQ(fo_pipeline_process(pipeline, reader, path, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.first_page, 1);
    INT_EQ(d.last_page, 2);
    INT_EQ(d.pages, 2);
    INT_EQ(d.npage_results, 2);
    OK(d.tpl == shipped("cerfa_14011_03"));
    if (d.npage_results == 2) {
        OK(d.page_results[0].template == NULL);
        INT_EQ(d.page_results[0].status, FO_PAGE_BLANK);
        OK(d.page_results[1].template == d.tpl);
        INT_EQ(d.page_results[1].status, FO_PAGE_READ);
        INT_EQ(d.page_results[1].file_page, 2);
        NUM_NEAR(d.score, d.page_results[1].score, 0);
    }
    INT_EQ(d.nfields, 33);
    for (int i = 0; i < d.nfields; i++)
        INT_EQ(d.fields[i].page, 2);
    if (d.nfields == 33)
        STR_EQ(result(&d, "nom_famille")->value, "VIDAL");
    INT_EQ(d.status, FO_DOC_OK);
    e = d.next;
    OK(e != NULL);
    if (e) {
        OK(e->next == NULL);
        STR_EQ(e->sha256, d.sha256);
        STR_EQ(e->path, d.path);
        INT_EQ(e->first_page, 3);
        INT_EQ(e->last_page, 3);
        INT_EQ(e->pages, 1);
        OK(e->tpl == d.tpl);
        INT_EQ(e->npage_results, 1);
        if (e->npage_results == 1)
            INT_EQ(e->page_results[0].file_page, 3);
        INT_EQ(e->nfields, 33);
        for (int i = 0; i < e->nfields; i++)
            INT_EQ(e->fields[i].page, 3);
        if (e->nfields == 33)
            STR_EQ(result(e, "nom_famille")->value, "VIDAL");
        INT_EQ(e->status, FO_DOC_OK);
    }
    fo_document_free(&d);
    free(path);
}

/* The options reach every scan: the image limits, and the overlays. */
/* A document that takes longer than document_timeout is an error row; the
 * default is two minutes; the reader is left without a limit. */
static void test_document_timeout(void)
{
    fo_pipeline_options o;
    fo_pipeline *p = NULL;
    fo_document d;
    fo_error err;
    char *dir = src_path("templates"), *scan = src_path("samples/scan_0004.jpg");
    const char *paths[] = {dir};

    fo_pipeline_options_default(&o);
    NUM_NEAR(o.document_timeout, 120, 0);
    o.templates = paths;
    o.ntemplates = 1;
    o.document_timeout = 1e-6; /* no page is read in a microsecond */
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_OK);
    if (p) {
        INT_EQ(fo_pipeline_process(p, reader, scan, NULL, NULL, &d, &err), FO_OK);
        INT_EQ(d.status, FO_DOC_ERROR);
        STR_EQ(d.error, "page 1: took longer than 1e-06 s");
        OK(d.nfields == 0 && d.tpl == NULL);
        fo_document_free(&d);
        fo_pipeline_destroy(&p);
    }
    /* the same reader, with the shared pipeline (the default limit), reads */
    INT_EQ(fo_pipeline_process(pipeline, reader, scan, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_OK);
    fo_document_free(&d);
    free(dir);
    free(scan);
}

static void test_options(void)
{
    fo_pipeline_options o;
    fo_pipeline *p = NULL;
    fo_document d;
    fo_error err;
    char *dir = src_path("templates"), *overlays = tmp_path("overlays");
    char *big = src_path("samples/scan_0004.jpg"),
         *small = src_path("samples/scan_0001.tif");
    char *three = tmp_path("three.tif"),
         *overlay = fo_path_join(overlays, "scan_0001.tif_b407c524_p1.png");
    const char *paths[] = {dir};

    OK(mkdir(overlays, 0755) == 0);
    fo_pipeline_options_default(&o);
    o.templates = paths;
    o.ntemplates = 1;
    o.limits.max_file_bytes = 200000; /* scan_0004.jpg is 587563 */
    o.limits.max_pages = 2;
    o.debug_dir = overlays;
    INT_EQ(fo_pipeline_create(&o, &p, &err), FO_OK);
    if (!p)
        return;
    INT_EQ(fo_pipeline_process(p, reader, big, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error, "file too large (587563 bytes, limit 200000)");
    STR_EQ(d.sha256, ""); /* refused before it is read */
    fo_document_free(&d);

    INT_EQ(fo_pipeline_process(p, reader, three, NULL, NULL, &d, &err), FO_OK);
    INT_EQ(d.status, FO_DOC_ERROR);
    STR_EQ(d.error, "too many pages (3, limit 2)");
    OK(d.sha256[0] != '\0');
    fo_document_free(&d);

    OK(access(overlay, F_OK) != 0);
    INT_EQ(fo_pipeline_process(p, reader, small, NULL, NULL, &d, &err), FO_OK);
    OK(d.tpl && strcmp(d.tpl->name, "cerfa_12485_03") == 0);
    STR_EQ(d.nfields == 17 ? result(&d, "nom_assure")->value : "", "HÉBERT");
    fo_document_free(&d);
    {
        PIX *pix = pixRead(overlay);
        OK(pix != NULL);
        OK(pix && pixGetWidth(pix) > 100 && pixGetHeight(pix) > pixGetWidth(pix));
        pixDestroy(&pix);
    }
    fo_pipeline_destroy(&p);
    free(dir);
    free(overlays);
    free(big);
    free(small);
    free(three);
    free(overlay);
}

int main(void)
{
    fo_pipeline_options o;
    fo_error err;
    char *dir = src_path("templates");
    const char *paths[] = {dir};

    if (!mkdtemp(tmp))
        return 1;
    fo_pipeline_options_default(&o);
    o.templates = paths;
    o.ntemplates = 1;
    if (fo_pipeline_create(&o, &pipeline, &err) != FO_OK ||
        fo_reader_create(NULL, &reader, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(dir);
    free(three_pages());
    RUN(test_create_failures);
    RUN(test_match_only);
    RUN(test_sample_14011);
    RUN(test_sample_12485_turned);
    RUN(test_not_an_image);
    RUN(test_missing_file);
    RUN(test_truncated_image);
    RUN(test_stage_refusal_is_the_documents);
    RUN(test_skipped);
    RUN(test_blank_page);
    RUN(test_blank_form);
    RUN(test_multipage);
    RUN(test_options);
    RUN(test_document_timeout);
    fo_reader_destroy(&reader);
    fo_pipeline_destroy(&pipeline);
    {
        char *cmd = fo_asprintf("rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmp);
        free(cmd);
    }
    return harness_done();
}

/* test_author.c - templates from a fillable PDF (from-pdf), and a filled
 * copy of that PDF read from its own fields. */
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formocr/author.h"
#include "formocr/pipeline.h"
#include "formocr/read.h"
#include "harness.h"
#include "util.h"

static char dir[] = "/tmp/formocr-test-author-XXXXXX";

static char *src_path(const char *rel)
{
    return fo_asprintf("%s/%s", test_source_dir(), rel);
}

/* The field named by the template's pdf_field, set to value through MuPDF;
 * the copy saved at out.  false when MuPDF fails. */
static bool fill(const char *in, const char *out, const char *const *pairs, int n)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    pdf_document *doc = NULL;
    bool ok = true;
    if (!ctx)
        return false;
    fz_var(doc);
    fz_try(ctx)
    {
        pdf_obj *fields;
        fz_register_document_handlers(ctx);
        doc = pdf_open_document(ctx, in);
        fields = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields");
        for (int i = 0; i < n; i++) {
            pdf_obj *field = pdf_lookup_field(ctx, fields, pairs[2 * i]);
            if (!field || !pdf_set_field_value(ctx, doc, field, pairs[2 * i + 1], 1))
                ok = false;
        }
        pdf_save_document(ctx, doc, out, NULL);
    }
    fz_always(ctx) pdf_drop_document(ctx, doc);
    fz_catch(ctx) ok = false;
    fz_drop_context(ctx);
    return ok;
}

static const fo_field_result *result(const fo_document *d, const char *name)
{
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].field->name, name) == 0)
            return &d->fields[i];
    return NULL;
}

/* from-pdf makes a template whose fields name their PDF fields; a copy of
 * the form filled on screen is read from those fields, exactly, the checks
 * still deciding the status; the blank form is read as empty. */
static void test_filled_pdf_is_read_from_its_fields(void)
{
    char *pdf = src_path("tests/data/formiable/cerfa_13753_04.pdf");
    char *tdir = fo_asprintf("%s/cerfa_13753_04", dir);
    char *filled = fo_asprintf("%s/filled.pdf", dir);
    fo_pdf_template_options o = {.dpi = 150};
    fo_template *t = NULL;
    fo_pipeline_options po;
    fo_pipeline *p = NULL;
    fo_reader *reader = NULL;
    fo_document d = {0};
    fo_error err;
    const char *tpaths[1];
    /* "Baudry" and "Eclipse" are what OCR misread on a real filled copy */
    const char *const values[] = {
        "topmostSubform[0].Page1[0].txtNoms[0]",
        "Élise Baudry-Lefèvre",
        "topmostSubform[0].Page1[0].numSIRET[0]",
        "39000261600378",
        "topmostSubform[0].Page1[0].numCP[0]",
        "60235",
        "topmostSubform[0].Page1[0].txtDenomination[0]",
        "Mitsubishi Eclipse",
        "topmostSubform[0].Page1[0].datDisparition[0]",
        "31/02/2012",
        "topmostSubform[0].Page1[0].Groupe_de_boutons_radio[3]",
        "2",
    };
    const fo_field_result *r;

    INT_EQ(fo_template_from_pdf(pdf, tdir, &o, &t, &err), FO_OK);
    if (!t)
        goto out;
    INT_EQ(t->nfields, 25);
    r = NULL;
    for (int i = 0; i < t->nfields; i++)
        OK(t->fields[i].pdf_field != NULL);
    OK(fill(pdf, filled, values, (int)(sizeof values / sizeof *values / 2)));

    fo_pipeline_options_default(&po);
    tpaths[0] = tdir;
    po.templates = tpaths;
    po.ntemplates = 1;
    INT_EQ(fo_pipeline_create(&po, &p, &err), FO_OK);
    INT_EQ(fo_reader_create(NULL, &reader, &err), FO_OK);
    if (!p || !reader)
        goto out;
    INT_EQ(fo_pipeline_process(p, reader, filled, NULL, NULL, &d, &err), FO_OK);
    OK(d.tpl != NULL);
    if (!d.tpl)
        goto out;
    STR_EQ((r = result(&d, "txtnoms"))->value, "Élise Baudry-Lefèvre");
    STR_EQ(r->source, "pdf_field");
    NUM_NEAR(r->confidence, 100, 0);
    STR_EQ(result(&d, "numsiret")->value, "39000261600378");
    INT_EQ(result(&d, "numsiret")->status, FO_STATUS_OK);
    STR_EQ(result(&d, "numcp")->value, "60235");
    STR_EQ(result(&d, "txtdenomination")->value, "Mitsubishi Eclipse");
    /* exact is not valid: the checks still decide */
    INT_EQ(result(&d, "datdisparition")->status, FO_STATUS_INVALID);
    STR_EQ(result(&d, "ckbvol2")->value, "le_vol");
    /* a field left empty on screen is empty, not guessed */
    STR_EQ(result(&d, "txtmarque")->value, "");
    STR_EQ(result(&d, "txtmarque")->source, "pdf_field");
    fo_document_free(&d);

    /* the blank form: every field read from the form, and empty */
    INT_EQ(fo_pipeline_process(p, reader, pdf, NULL, NULL, &d, &err), FO_OK);
    if (d.tpl)
        STR_EQ(result(&d, "txtnoms")->value, "");
out:
    fo_document_free(&d);
    fo_reader_destroy(&reader);
    fo_pipeline_destroy(&p);
    fo_template_destroy(&t);
    free(pdf);
    free(tdir);
    free(filled);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    RUN(test_filled_pdf_is_read_from_its_fields);
    {
        char *cmd = fo_asprintf("rm -rf '%s'", dir);
        if (cmd && system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        free(cmd);
    }
    return harness_done();
}

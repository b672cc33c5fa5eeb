/* pdf_fill.c - fo-pdf-fill: fills a fillable PDF's form fields through
 * MuPDF and renders each page, flattened, to a grey PNG.  A test tool for
 * scripts/make-samples.py --pdf-form (issue 14, point 5), not installed.
 *
 *   fo-pdf-fill FORM.pdf VALUES.tsv DPI OUT-PREFIX
 *
 * VALUES.tsv: one field per line, "FULL FIELD NAME<TAB>VALUE", the value
 * with "\n" for a line break and "\\" for a backslash.  A check box or
 * radio button takes its export value (its "on" state), "@on" for the one
 * it has, or "Off".
 * Text fields get an automatic font size, so that a value shows whole.
 * Writes OUT-PREFIX-N.png for each page N (1-based), DPI dots per inch.
 * Exit 0 when every field was found and set, 1 otherwise (a message on
 * stderr names each field that was not), 2 on a usage or I/O error. */
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Undoes the "\n" and "\\" escapes of s, in place. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '\\' && (r[1] == 'n' || r[1] == '\\')) {
            *w++ = r[1] == 'n' ? '\n' : '\\';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Makes the text field's font size automatic ("0 Tf" in its DA), so that
 * the value typed shows whole, as a person filling the form would see to:
 * a fixed size clips a long value or the accent of a capital. */
static void auto_size(fz_context *ctx, pdf_document *doc, pdf_obj *field)
{
    const char *da =
        pdf_to_str_buf(ctx, pdf_dict_get_inheritable(ctx, field, PDF_NAME(DA)));
    const char *tf = strstr(da, " Tf");
    char out[512];
    if (!tf || tf - da >= (ptrdiff_t)sizeof out - 16)
        return;
    const char *num = tf;
    while (num > da && num[-1] != ' ')
        num--;
    snprintf(out, sizeof out, "%.*s0%s", (int)(num - da), da, tf);
    pdf_dict_put_text_string(ctx, field, PDF_NAME(DA), out);
    (void)doc;
}

/* Sets every field of the TSV file at path in doc; the number that could
 * not be set.  Throws on a MuPDF error. */
static int set_values(fz_context *ctx, pdf_document *doc, FILE *f)
{
    pdf_obj *fields = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields");
    char line[8192];
    int failed = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        line[strcspn(line, "\r\n")] = '\0';
        if (!tab)
            continue;
        *tab = '\0';
        unescape(tab + 1);
        pdf_obj *field = pdf_lookup_field(ctx, fields, line);
        const char *value = tab + 1;
        if (field && strcmp(value, "@on") == 0) {
            pdf_obj *on = pdf_button_field_on_state(ctx, field);
            value = on ? pdf_to_name(ctx, on) : "";
        }
        if (field && pdf_field_type(ctx, field) == PDF_WIDGET_TYPE_TEXT)
            auto_size(ctx, doc, field);
        if (!field || !*value || !pdf_set_field_value(ctx, doc, field, value, 1)) {
            fprintf(stderr, "fo-pdf-fill: field \"%s\" not set\n", line);
            failed++;
        }
    }
    return failed;
}

/* Renders every page of doc at dpi into prefix-N.png, appearances of the
 * fields just set regenerated first.  Throws on a MuPDF error. */
static void render(fz_context *ctx, pdf_document *doc, float dpi, const char *prefix)
{
    int n = pdf_count_pages(ctx, doc);
    for (int i = 0; i < n; i++) {
        char path[4096];
        pdf_page *page = pdf_load_page(ctx, doc, i);
        fz_pixmap *pix = NULL;
        fz_var(pix);
        fz_try(ctx)
        {
            pdf_update_page(ctx, page);
            pix =
                fz_new_pixmap_from_page(ctx, &page->super, fz_scale(dpi / 72, dpi / 72),
                                        fz_device_gray(ctx), 0);
            snprintf(path, sizeof path, "%s-%d.png", prefix, i + 1);
            fz_save_pixmap_as_png(ctx, pix, path);
        }
        fz_always(ctx)
        {
            fz_drop_pixmap(ctx, pix);
            fz_drop_page(ctx, &page->super);
        }
        fz_catch(ctx) fz_rethrow(ctx);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fo-pdf-fill FORM.pdf VALUES.tsv DPI OUT-PREFIX\n");
        return 2;
    }
    float dpi = strtof(argv[3], NULL);
    FILE *f = fopen(argv[2], "r");
    if (!f || dpi < 10 || dpi > 1200) {
        fprintf(stderr, "fo-pdf-fill: cannot read %s, or a DPI out of 10-1200\n",
                argv[2]);
        if (f)
            fclose(f);
        return 2;
    }
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    pdf_document *doc = NULL;
    volatile int failed = 0, status = 0;
    fz_var(doc);
    fz_try(ctx)
    {
        fz_register_document_handlers(ctx);
        doc = pdf_open_document(ctx, argv[1]);
        failed = set_values(ctx, doc, f);
        render(ctx, doc, dpi, argv[4]);
    }
    fz_always(ctx) pdf_drop_document(ctx, doc);
    fz_catch(ctx)
    {
        fprintf(stderr, "fo-pdf-fill: %s: %s\n", argv[1], fz_caught_message(ctx));
        status = 2;
    }
    fz_drop_context(ctx);
    fclose(f);
    return status ? status : failed ? 1 : 0;
}

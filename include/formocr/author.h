/*
 * author.h - making templates (authoring, apart from the pipeline's
 * stages: it produces templates, the pipeline consumes them).
 */
#ifndef FORMOCR_AUTHOR_H
#define FORMOCR_AUTHOR_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a person should confirm about a template just made: one line each
 * (an inferred type or check, a field left out), without a newline. */
typedef void (*fo_author_note_fn)(void *ctx, const char *line);

typedef struct fo_pdf_template_options {
    const char *name;  /* the template's name; NULL: out_dir's last component */
    int dpi;           /* reference images' resolution; 0: 300 */
    const char *pages; /* "1,3-4": the PDF's pages to take; NULL: all */
    bool force;        /* replace an existing template.json */
    fo_author_note_fn note;
    void *note_ctx;
} fo_pdf_template_options;

/*
 * A template from a fillable PDF form (AcroForm widgets), read with MuPDF:
 * out_dir/template.json and out_dir/pageN.png, each page rendered at
 * o->dpi from its own content (the form's print, without the widgets'
 * appearances) as the reference image.  Each widget becomes a field where
 * it lies: a text field a "box" (its Comb flag and MaxLen N: "comb": N), a
 * check box a "checkbox" (several widgets of one check box field: a
 * "choice"), a radio group a "choice" whose options are named from their
 * export values, a signature field a "signature"; push buttons are left
 * out.  Names come from the field's partial name, made into
 * [a-z][a-z0-9_]* and unique; the tooltip (TU) is kept as "label".  Types
 * and checks are inferred where the label or the comb size makes them
 * clear (dates, SIRET, SIREN, NIR, postal code, IBAN, amounts) and each
 * inference is reported through o->note.  The template is loaded back and
 * validated; the caller owns *out (fo_template_destroy).
 *
 * Errors: FO_ERR_IO / FO_ERR_FORMAT (not a PDF MuPDF opens),
 * FO_ERR_USAGE (encrypted, a bad page list, no pages selected, or no form
 * fields: an XFA-only form or a flat PDF, said so), FO_ERR_EXISTS (a
 * template.json already there without force), FO_ERR_OUTPUT, FO_ERR_NOMEM.
 */
FO_API int fo_template_from_pdf(const char *pdf_path, const char *out_dir,
                                const fo_pdf_template_options *o, fo_template **out,
                                fo_error *err);

/*
 * A template from a scanned blank form (any image formocr reads, or a
 * scanned PDF; each page upright): out_dir/template.json and
 * out_dir/pageN.png (the page in grey, deskewed, as the reference).  The
 * boxes are found in each page's drawing as for a flat PDF (open and
 * closed boxes, combs, check boxes, writing lines, dotted leaders) and
 * named from the labels Tesseract reads beside, under or above them
 * ("fra"); types and checks inferred as from-pdf does, each reported
 * through o->note.  o->dpi 0: the file's resolution, else the one that
 * makes the page A4 wide (said through o->note).  No pdf_field is written.
 * Errors: those of fo_image_open and fo_image_decode, FO_ERR_USAGE (a bad
 * page list or name, no box found: nothing is written), FO_ERR_CONFIG
 * (Tesseract's French data missing), FO_ERR_EXISTS, FO_ERR_OUTPUT,
 * FO_ERR_NOMEM.  The caller owns *out (fo_template_destroy).
 */
FO_API int fo_template_from_scan(const char *image_path, const char *out_dir,
                                 const fo_pdf_template_options *o, fo_template **out,
                                 fo_error *err);

/*
 * Draws each page's fields on its reference image: out_dir/pageN-preview.png,
 * boxes coloured by type (text blue, number/date green, checkbox and choice
 * orange, signature purple), each named above its box.  For any template,
 * made by hand too.  FO_ERR_OUTPUT when a file cannot be written,
 * FO_ERR_NOMEM.
 */
FO_API int fo_template_preview(const fo_template *t, const char *out_dir,
                               fo_error *err);

/*
 * What a person has likely got wrong in a template that loads, each told
 * through note (one line, no newline) and counted in *nwarnings: a dpi at
 * which a reference page has no paper's size (72 for an A4 image; the dpi
 * A4 would need is said), fields whose boxes overlap (15 % of the smaller
 * or more; a choice's options too), a text box over the form's own print
 * (three or more character-sized marks inside it on the reference, its
 * borders, rules and comb ticks left out).  t's reference images must be
 * loaded.  Returns FO_ERR_CONFIG when Tesseract cannot load the template's
 * language or a field's (from tessdata; NULL: Tesseract's default), an
 * error, not a warning: the template could read nothing.
 */
FO_API int fo_template_lint(const fo_template *t, const char *tessdata,
                            fo_author_note_fn note, void *ctx, int *nwarnings,
                            fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

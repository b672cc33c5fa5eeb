/* fuzz_author.c - libFuzzer target: `formocr template from-pdf` on a
 * hostile PDF, as a person runs it on a form downloaded from anywhere: its
 * form fields read (names, tooltips, export values, combs), or on a flat
 * page the boxes found in the drawing and named from the text layer; the
 * template written, loaded back and checked for overlaps and print under
 * its boxes.  At 72 dpi so that each run stays fast.  Its seeds are PDFs
 * (tests/fuzz/corpus/author: a fillable form, a flat one). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formocr/author.h"
#include "fuzz_common.h"
#include "util.h"

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char tmpl[] = "/tmp/formocr-fuzz-author-XXXXXX";
    char *dir, *pdf, *out;
    FILE *f;
    fo_pdf_template_options o = {.name = "fuzzed", .dpi = 72};
    fo_template *t = NULL;
    fo_error err;

    if (size < 5 || memcmp(data, "%PDF-", 5) != 0 || !(dir = mkdtemp(tmpl)))
        return 0;
    pdf = fo_path_join(dir, "form.pdf");
    out = fo_path_join(dir, "template");
    if (pdf && out && (f = fopen(pdf, "wb"))) {
        fwrite(data, 1, size, f);
        fclose(f);
        if (fo_template_from_pdf(pdf, out, &o, &t, &err) == FO_OK) {
            /* a template made is one that loads: fields, pages, names */
            if (!t || t->nfields < 1 || t->npages < 1 || strcmp(t->name, "fuzzed") != 0)
                __builtin_trap();
            for (int i = 0; i < t->nfields; i++)
                if (!fo_is_identifier(t->fields[i].name))
                    __builtin_trap();
        } else if (t) {
            __builtin_trap(); /* a failure hands nothing back */
        }
        fo_template_destroy(&t);
    }
    free(pdf);
    free(out);
    nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* fuzz_template.c - libFuzzer target: the template parser and validator.
 * The input is a template's text; its references are looked for in a
 * folder made once, holding a small valid ref.png. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "formocr/template.h"
#include "fuzz_common.h"

static char *template_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    template_path = fuzz_folder_with_reference("template.json");
    return template_path ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_template *t = NULL;
    fo_error err;
    if (fo_template_load_text(template_path, (const char *)data, size, &t, &err) ==
        FO_OK) {
        /* what later stages rely on holds */
        for (int i = 0; i < t->nfields; i++)
            if (!t->fields[i].name || t->fields[i].page < 0 ||
                t->fields[i].page >= t->npages)
                abort();
    }
    fo_template_destroy(&t);
    return 0;
}

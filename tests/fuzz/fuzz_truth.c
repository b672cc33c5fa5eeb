/* fuzz_truth.c - libFuzzer target: the truth-file reader of `formocr eval`. */
#include <stdint.h>

#include "formocr/eval.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fo_eval *e = NULL;
    fo_error err;
    fo_eval_summary s;
    if (fo_eval_create_text("truth.json", (const char *)data, size, NULL, &e, &err) ==
        FO_OK) {
        fo_eval_summarise(e, &s);
        if (s.missing < 0)
            __builtin_trap();
    }
    fo_eval_destroy(&e);
    return 0;
}

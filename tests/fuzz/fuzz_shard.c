/* fuzz_shard.c - libFuzzer target: --shard specifications and the
 * scheduler's task index (auto/N), and {shard} in output paths.  The input
 * is "SPEC\nINDEX": SPEC parsed with INDEX as SLURM_ARRAY_TASK_ID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formocr/source.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *index, *path;
    fo_shard shard;
    fo_error err;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    index = strchr(text, '\n');
    if (index)
        *index++ = '\0';
    if (index)
        setenv("SLURM_ARRAY_TASK_ID", index, 1);
    else
        unsetenv("SLURM_ARRAY_TASK_ID");
    if (fo_shard_parse(text, &shard, &err) == FO_OK) {
        /* what a parsed shard promises */
        if (shard.n < 1 || shard.n > 1000000 || shard.k < 0 || shard.k >= shard.n)
            __builtin_trap();
        path = fo_shard_path(text, shard);
        if (!path)
            __builtin_trap();
        free(path);
    } else if (err.code != FO_ERR_USAGE && err.code != FO_ERR_CONFIG) {
        __builtin_trap();
    } else if (shard.n != 0) {
        __builtin_trap(); /* a failure leaves no shard */
    }
    free(text);
    return 0;
}

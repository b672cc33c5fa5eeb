/* fuzz_names.c - libFuzzer target: file names as bytes (fo_escape_text).
 * Whatever the bytes, the escaped name is valid UTF-8 (jansson accepts it
 * as a JSON string), holds no control character with FO_ESCAPE_CONTROL, and
 * with FO_ESCAPE_BACKSLASH turns back into the very bytes it came from. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The reverse of FO_ESCAPE_BACKSLASH: \\ is a backslash, \xHH a byte. */
static char *unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (out && *s) {
        if (s[0] == '\\' && s[1] == '\\') {
            *o++ = '\\';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'x' && hex(s[2]) >= 0 && hex(s[3]) >= 0) {
            *o++ = (char)(hex(s[2]) * 16 + hex(s[3]));
            s += 4;
        } else if (s[0] == '\\') {
            __builtin_trap(); /* a lone backslash cannot come out */
        } else {
            *o++ = *s++;
        }
    }
    if (out)
        *o = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = malloc(size + 1), *shown, *kept, *back;
    json_t *j;

    if (!name)
        return 0;
    memcpy(name, data, size);
    name[size] = '\0'; /* a name holds no NUL */
    shown = fo_escape_text(name, FO_ESCAPE_CONTROL);
    kept = fo_escape_text(name, FO_ESCAPE_BACKSLASH);
    if (!shown || !kept)
        __builtin_trap();
    for (const unsigned char *p = (const unsigned char *)shown; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            __builtin_trap();
    j = json_string(shown);
    if (!j)
        __builtin_trap(); /* not valid UTF-8 */
    json_decref(j);
    back = unescape(kept);
    if (!back || strcmp(back, name) != 0)
        __builtin_trap();
    free(back);
    free(shown);
    free(kept);
    free(name);
    return 0;
}

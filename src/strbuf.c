/* strbuf.c - the growable string buffer (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MIN_CAPACITY = 64 };

/* Room for n more bytes and the NUL; false (the buffer failed) if none. */
static bool reserve(fo_strbuf *b, size_t n)
{
    size_t want, cap;
    char *grown;
    if (b->failed)
        return false;
    if (n > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    want = b->len + n + 1;
    if (want <= b->cap)
        return true;
    cap = b->cap ? b->cap : MIN_CAPACITY;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : 2 * cap;
    grown = realloc(b->s, cap);
    if (!grown) {
        b->failed = true;
        return false;
    }
    b->s = grown;
    b->cap = cap;
    return true;
}

void fo_strbuf_addn(fo_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void fo_strbuf_add(fo_strbuf *b, const char *s)
{
    fo_strbuf_addn(b, s, strlen(s));
}

void fo_strbuf_addc(fo_strbuf *b, char c)
{
    fo_strbuf_addn(b, &c, 1);
}

void fo_strbuf_addf(fo_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *fo_strbuf_str(const fo_strbuf *b)
{
    return b->s && !b->failed ? b->s : "";
}

char *fo_strbuf_detach(fo_strbuf *b)
{
    char *s = NULL;
    if (!b->failed)
        s = b->s ? b->s : calloc(1, 1);
    else
        free(b->s);
    *b = (fo_strbuf)FO_STRBUF_INIT;
    return s;
}

void fo_strbuf_free(fo_strbuf *b)
{
    free(b->s);
    *b = (fo_strbuf)FO_STRBUF_INIT;
}

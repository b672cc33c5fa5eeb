/*
 * strbuf.h - the growable string buffer every piece of text formocr builds
 * goes through (internal; after cmark's cmark_strbuf).
 *
 * A buffer starts zeroed (FO_STRBUF_INIT) and grows as text is added.  An
 * allocation failure is remembered rather than returned at every call:
 * once failed, a buffer ignores what is added and fo_strbuf_detach gives
 * NULL, so that a builder checks once, at the end.
 */
#ifndef FORMOCR_STRBUF_H
#define FORMOCR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fo_strbuf {
    char *s;     /* NUL-terminated once anything was added; owned */
    size_t len;  /* bytes before the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed: the text is incomplete */
} fo_strbuf;

#define FO_STRBUF_INIT                                                                 \
    {                                                                                  \
        NULL, 0, 0, false                                                              \
    }

/* Appends n bytes of s / the string s / one byte / printf-style text. */
void fo_strbuf_addn(fo_strbuf *b, const char *s, size_t n);
void fo_strbuf_add(fo_strbuf *b, const char *s);
void fo_strbuf_addc(fo_strbuf *b, char c);
void fo_strbuf_addf(fo_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The text so far ("" when none), or "" after a failure; borrowed until the
 * next change. */
const char *fo_strbuf_str(const fo_strbuf *b);

/* Hands over the text (malloc'd, "" when nothing was added; the caller
 * frees it) and resets the buffer; NULL when an allocation failed. */
char *fo_strbuf_detach(fo_strbuf *b);

/* Frees the text and resets the buffer; accepts a zeroed buffer. */
void fo_strbuf_free(fo_strbuf *b);

#endif

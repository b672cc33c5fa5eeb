/* jsonpos.c - locate a value in JSON text by path (see jsonpos.h). */
#include "jsonpos.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any template: bounds the recursion of skip_value(). */
enum { MAX_DEPTH = 4096 };

typedef struct cursor {
    const char *s;
    size_t len;
    size_t pos;
} cursor;

static void skip_space(cursor *c)
{
    while (c->pos < c->len && strchr(" \t\r\n", c->s[c->pos]) && c->s[c->pos])
        c->pos++;
}

static bool peek(cursor *c, char ch)
{
    skip_space(c);
    return c->pos < c->len && c->s[c->pos] == ch;
}

/* Skips a string starting at its opening quote; returns false if unterminated. */
static bool skip_string(cursor *c)
{
    c->pos++;
    while (c->pos < c->len) {
        char ch = c->s[c->pos++];
        if (ch == '\\')
            c->pos++;
        else if (ch == '"')
            return c->pos <= c->len;
    }
    return false;
}

static bool skip_value(cursor *c, int depth)
{
    char open;
    if (depth > MAX_DEPTH)
        return false;
    skip_space(c);
    if (c->pos >= c->len)
        return false;
    open = c->s[c->pos];
    if (open == '"')
        return skip_string(c);
    if (open != '{' && open != '[') {
        while (c->pos < c->len && !strchr(",]} \t\r\n", c->s[c->pos]))
            c->pos++;
        return true;
    }
    c->pos++;
    if (peek(c, open == '{' ? '}' : ']')) {
        c->pos++;
        return true;
    }
    for (;;) {
        if (open == '{') {
            skip_space(c);
            if (c->pos >= c->len || c->s[c->pos] != '"' || !skip_string(c))
                return false;
            if (!peek(c, ':'))
                return false;
            c->pos++;
        }
        if (!skip_value(c, depth + 1))
            return false;
        if (peek(c, ',')) {
            c->pos++;
            continue;
        }
        if (peek(c, open == '{' ? '}' : ']')) {
            c->pos++;
            return true;
        }
        return false;
    }
}

/* Compares the raw key at the cursor (just past its quote is not assumed)
 * with want; escapes are compared raw, which only ever makes a path with
 * escaped keys stop one level early. */
static bool key_equals(const cursor *c, size_t start, size_t end, const char *want,
                       size_t wlen)
{
    return end - start == wlen && memcmp(c->s + start, want, wlen) == 0;
}

/* Moves the cursor from an object or array to the member named by seg. */
static bool descend(cursor *c, const char *seg, size_t slen)
{
    skip_space(c);
    if (c->pos >= c->len)
        return false;
    if (c->s[c->pos] == '{') {
        c->pos++;
        if (peek(c, '}'))
            return false;
        for (;;) {
            size_t kstart, kend;
            skip_space(c);
            if (c->pos >= c->len || c->s[c->pos] != '"')
                return false;
            kstart = c->pos + 1;
            if (!skip_string(c))
                return false;
            kend = c->pos - 1;
            if (!peek(c, ':'))
                return false;
            c->pos++;
            skip_space(c);
            if (key_equals(c, kstart, kend, seg, slen))
                return true;
            if (!skip_value(c, 0))
                return false;
            if (!peek(c, ','))
                return false;
            c->pos++;
        }
    }
    if (c->s[c->pos] == '[') {
        char *endp;
        long index = strtol(seg, &endp, 10);
        if (endp != seg + slen || index < 0)
            return false;
        c->pos++;
        if (peek(c, ']'))
            return false;
        for (long i = 0; i < index; i++) {
            if (!skip_value(c, 0) || !peek(c, ','))
                return false;
            c->pos++;
        }
        skip_space(c);
        return true;
    }
    return false;
}

void fo_json_locate(const char *text, size_t len, const char *path, int *line,
                    int *column)
{
    cursor c = {text, len, 0};
    size_t found;
    const char *p = path;

    skip_space(&c);
    found = c.pos;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t slen = slash ? (size_t)(slash - p) : strlen(p);
        char seg[256];
        if (slen >= sizeof seg)
            break;
        memcpy(seg, p, slen);
        seg[slen] = '\0';
        if (!descend(&c, seg, slen))
            break;
        found = c.pos;
        p += slen;
        if (*p == '/')
            p++;
    }
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < found && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            (*line)++;
            *column = 1;
        } else if ((ch & 0xC0) != 0x80) {
            (*column)++;
        }
    }
}

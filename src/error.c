/* error.c - error codes, their texts, and the message record. */
#include "formocr/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fo_strerror(int code)
{
    switch (code) {
    case FO_OK: return "success";
    case FO_ERR_NOMEM: return "out of memory";
    case FO_ERR_IO: return "input/output error";
    case FO_ERR_FORMAT: return "unsupported or unknown format";
    case FO_ERR_CORRUPT: return "damaged data";
    case FO_ERR_LIMIT: return "limit exceeded";
    case FO_ERR_TEMPLATE: return "invalid template";
    case FO_ERR_USAGE: return "invalid argument";
    case FO_ERR_OCR: return "ocr engine failure";
    case FO_ERR_OUTPUT: return "output error";
    case FO_ERR_LOCKED: return "output locked by another process";
    case FO_ERR_EXISTS: return "already exists";
    case FO_ERR_CONFIG: return "configuration error";
    case FO_ERR_CHANGED: return "file changed while read";
    default: return "unknown error";
    }
}

int fo_error_set(fo_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        /* Messages are one line: a newline from a library would split it. */
        for (char *p = err->message; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
    }
    return code;
}

void fo_error_prefix(fo_error *err, const char *fmt, ...)
{
    char prefix[FO_ERROR_MESSAGE_MAX];
    char joined[FO_ERROR_MESSAGE_MAX];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
    memcpy(err->message, joined, sizeof err->message);
}

void fo_error_clear(fo_error *err)
{
    if (err) {
        err->code = FO_OK;
        err->message[0] = '\0';
    }
}

/*
 * error.h - formocr's error codes and the error record every stage fills.
 *
 * Every library function that can fail returns 0 on success or a negative
 * fo_err code, and, when given a non-NULL fo_error, writes a one-line,
 * lowercase message there saying what failed, without a final period
 * ("not an image (unknown format)").  Library code never prints and never
 * exits.
 *
 * Who names the file: a function whose subject is a file the user named
 * (a template, a truth file, a results file, an output, a merged part, a
 * folder it makes) starts its messages with it, "PATH: ..." or
 * "PATH:LINE:COL: ...".  The helpers that read, write or decode one file
 * for their caller (fo_image_open and its kin, the internal fo_read_file
 * and fo_write_file_atomic) do not: their caller prefixes the path
 * (fo_error_prefix), or keeps it apart, as a document's `file` beside its
 * `error`, which the command prints as "formocr: PATH: message".
 */
#ifndef FORMOCR_ERROR_H
#define FORMOCR_ERROR_H

#include <stddef.h>

#include "formocr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed numbers: they may be stored and compared across versions. */
typedef enum fo_err {
    FO_OK = 0,
    FO_ERR_NOMEM = -1,    /* allocation failed */
    FO_ERR_IO = -2,       /* a file could not be read or written */
    FO_ERR_FORMAT = -3,   /* not an image, or a format formocr does not read */
    FO_ERR_CORRUPT = -4,  /* image data is damaged or truncated */
    FO_ERR_LIMIT = -5,    /* input exceeds a configured limit */
    FO_ERR_TEMPLATE = -6, /* template invalid */
    FO_ERR_USAGE = -7,    /* invalid argument from the caller */
    FO_ERR_OCR = -8,      /* the OCR engine failed */
    FO_ERR_OUTPUT = -9,   /* an output could not be written */
    FO_ERR_LOCKED = -10,  /* another process holds the output */
    FO_ERR_EXISTS = -11,  /* refusing to overwrite something */
    FO_ERR_CONFIG = -12,  /* the environment or configuration is wrong */
    FO_ERR_CHANGED = -13  /* a file changed while it was read */
} fo_err;

enum { FO_ERROR_MESSAGE_MAX = 1024 };

typedef struct fo_error {
    int code;                           /* an fo_err value */
    char message[FO_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} fo_error;

/* Short generic text for a code ("out of memory"); never NULL. */
FO_API const char *fo_strerror(int code);

/*
 * Records code and a printf-style message in err (which may be NULL) and
 * returns code, so that a failing path can `return fo_error_set(...)`.
 */
FO_API int fo_error_set(fo_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to err's message (used to add context on the way up). */
FO_API void fo_error_prefix(fo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets err to FO_OK with an empty message; accepts NULL. */
FO_API void fo_error_clear(fo_error *err);

#ifdef __cplusplus
}
#endif
#endif

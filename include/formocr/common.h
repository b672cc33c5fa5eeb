/*
 * common.h - what every part of formocr's library shares: the mark of its
 * public API, its version, and the parsing of a number from text.
 *
 * Ownership, once for every header: a function that returns a pointer the
 * caller must free says so; `fo_*_destroy(T **)` frees a handle, accepts
 * NULL and sets it to NULL; `fo_*_free(T *)` frees what a value struct holds
 * and zeroes it.  Everything else returned is borrowed.
 */
#ifndef FORMOCR_COMMON_H
#define FORMOCR_COMMON_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a public function: the library is built with hidden visibility,
 * so what lacks it stays internal to formocr even in a shared build. */
#define FO_API __attribute__((visibility("default")))

/* formocr's version, "MAJOR.MINOR.PATCH" (static). */
FO_API const char *fo_version(void);

/* Parses a whole decimal integer within [lo, hi] into *out; false (and *out
 * untouched) on anything else: empty, junk, out of range. */
FO_API bool fo_parse_int(const char *s, long long lo, long long hi, long long *out);

#ifdef __cplusplus
}
#endif
#endif

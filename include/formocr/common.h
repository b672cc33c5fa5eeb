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

/*
 * File names are bytes: a name from a Windows share may be Latin-1, one
 * from anywhere may hold a newline.  fo_escape_text gives s as valid UTF-8
 * (malloc'd, the caller frees it; NULL when out of memory): each byte that
 * is not part of a valid UTF-8 sequence becomes the four characters \xHH;
 * with FO_ESCAPE_CONTROL, control characters (below 0x20, and 0x7F) too,
 * so that a message stays one line; with FO_ESCAPE_BACKSLASH, a backslash
 * becomes \\, which makes the escape reversible (the JSON Lines and CSV
 * outputs write names so).  Valid UTF-8 without backslashes or (with
 * FO_ESCAPE_CONTROL) control characters comes back unchanged.
 */
enum { FO_ESCAPE_CONTROL = 1, FO_ESCAPE_BACKSLASH = 2 };
FO_API char *fo_escape_text(const char *s, int flags);

/* Parses a whole decimal integer within [lo, hi] into *out; false (and *out
 * untouched) on anything else: empty, junk, out of range. */
FO_API bool fo_parse_int(const char *s, long long lo, long long hi, long long *out);

#ifdef __cplusplus
}
#endif
#endif

/*
 * util.h - small helpers shared by the library's stages (internal).
 * Strings returned by these functions are malloc'd; the caller frees them.
 */
#ifndef FORMOCR_UTIL_H
#define FORMOCR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "formocr/common.h"
#include "formocr/error.h"

enum { FO_SHA256_LEN = 32, FO_SHA256_HEX_LEN = 64 };

/*
 * Reads a whole regular file into memory, refusing one larger than max_bytes
 * before allocating for it.  On success *data (caller frees) holds *size
 * bytes plus a terminating NUL that is not counted, so text can be parsed in
 * place.  Directories, devices and FIFOs are refused with a clear message.
 * The message does not name the file: the caller does (HACKING.md).
 */
int fo_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size,
                 fo_error *err);

/* Writes data to path through a temporary file in the same folder, renamed
 * into place once complete and synced: readers never see half a file.  The
 * message ("cannot write (why)") does not name the file: the caller does. */
int fo_write_file_atomic(const char *path, const void *data, size_t size,
                         fo_error *err);

/* SHA-256 (OpenSSL) of data; hex is 64 lowercase digits plus a NUL. */
int fo_sha256(const void *data, size_t size, uint8_t out[FO_SHA256_LEN]);

/* The number written by the n characters at s, all decimal digits; -1 when
 * one is not (reading stops there: a shorter string is safe). */
int fo_parse_digits(const char *s, int n);
/* Days in month (1-12) of year, in the Gregorian calendar. */
int fo_days_in_month(int year, int month);
void fo_hex(const uint8_t *bytes, size_t n, char *hex);

/* strerror(errnum) with a lowercase first letter, as formocr's messages
 * are; returns buf (at least 128 bytes). */
const char *fo_syserr(int errnum, char *buf, size_t size);

/* Seconds on the monotonic clock, for measuring durations. */
double fo_now(void);

char *fo_strdup(const char *s);
char *fo_strndup(const char *s, size_t n);
char *fo_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "a/b/c.json" -> "a/b"; "c.json" -> "." */
char *fo_path_dirname(const char *path);
/* "a/b/" -> "b" */
char *fo_path_basename(const char *path);
char *fo_path_join(const char *dir, const char *name);

bool fo_is_dir(const char *path);
/* Creates the folder dir (mode 0755), and its missing parents, unless it
 * is one already; FO_ERR_OUTPUT, saying why, when it cannot or something
 * else is there. */
int fo_make_dir(const char *dir, fo_error *err);
/* The same with the given mode for the folder and the parents it makes
 * (0700 for a private one, as the cache's). */
int fo_make_dir_mode(const char *dir, mode_t mode, fo_error *err);
bool fo_is_regular_file(const char *path);

/* Valid identifier for templates and fields: [a-z][a-z0-9_]*, 1..63 bytes. */
bool fo_is_identifier(const char *s);

#endif

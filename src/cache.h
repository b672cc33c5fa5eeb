/*
 * cache.h - precomputed data kept on disk between runs (internal): what
 * is costly to derive from a template (matcher models, masks) is derived
 * once and read back by the next run, so that formocr starts quickly with
 * hundreds of templates.
 *
 * The cache is a folder, by default $XDG_CACHE_HOME/formocr (else
 * ~/.cache/formocr), of one file per entry, DIR/<kind>-<key in hex>.bin.
 * The caller derives the key so that it changes whenever the data would:
 * the SHA-256 of the template's bytes, formocr's version, the options that
 * shape the data.  An entry file is:
 *
 *     "FOCACHE\n"                      8 bytes, the magic
 *     format version                   u32 (FO_CACHE_FORMAT)
 *     formocr version string           u32 byte count (<= 64), the bytes
 *     key                              32 bytes
 *     payload length                   u64 (<= FO_CACHE_MAX_PAYLOAD)
 *     payload                          the caller's bytes
 *     SHA-256 of the payload           32 bytes
 *
 * integers little-endian (blob.h).
 *
 * Nothing in an entry is trusted: one that fails any check (magic, format,
 * version, key, a length against the file's real size and the limit, the
 * checksum) is removed and reported as damaged, and its caller rebuilds
 * it.  Entries are written under a temporary name in the same folder,
 * synced, then renamed into place, so that a reader sees a whole entry or
 * none, whatever runs beside it or is killed in the middle: the last of
 * two writers of an entry wins.  The temporary files of a writer that was
 * killed are removed by a later fo_cache_open once an hour old; so are
 * entries no run has read for FO_CACHE_UNUSED_DAYS (a read sets an entry's
 * modification time, once a day at most): a template that changed has
 * new keys, and its old entries would otherwise stay for good.
 *
 * A cache is an optimisation: its callers warn when it fails and go on
 * without it.  A handle holds only its folder's name: threads may share
 * one, and processes may share the folder.
 */
#ifndef FORMOCR_CACHE_H
#define FORMOCR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formocr/error.h"

enum {
    FO_CACHE_FORMAT = 1,       /* the entry layout above; bumped when it changes */
    FO_CACHE_KEY_LEN = 32,     /* bytes: a SHA-256 */
    FO_CACHE_VERSION_MAX = 64, /* bytes of formocr's version string */
    FO_CACHE_KIND_MAX = 32,    /* bytes of a kind's name */
    FO_CACHE_MAGIC_LEN = 8,    /* bytes of "FOCACHE\n" */
    FO_CACHE_CHECKSUM_LEN = 32 /* bytes: SHA-256 */
};
/* Days an entry may go unread before fo_cache_open removes it. */
#define FO_CACHE_UNUSED_DAYS 90
/* The largest payload written or read (bytes). */
#define FO_CACHE_MAX_PAYLOAD ((uint64_t)256 << 20)

typedef struct fo_cache fo_cache;

/*
 * Opens the cache in the folder dir, or, dir NULL, in
 * $XDG_CACHE_HOME/formocr when XDG_CACHE_HOME is set and absolute, else
 * in $HOME/.cache/formocr.  Creates the folder and its missing parents
 * (mode 0700).  *out (fo_cache_close frees it) is NULL on failure:
 * FO_ERR_IO when the folder cannot be made, or is not a folder one can
 * write in ("PATH: cannot create folder (permission denied)", "PATH: not a
 * folder", "PATH: cannot write in the cache folder (...)"); FO_ERR_CONFIG
 * when dir is NULL and neither variable gives a folder; FO_ERR_NOMEM.
 * Removes the temporary files killed writers left (an hour old).
 */
int fo_cache_open(const char *dir, fo_cache **out, fo_error *err);

/* Frees the handle (the entries stay on disk); accepts NULL and *c NULL. */
void fo_cache_close(fo_cache **c);

/* The cache's folder (borrowed from c). */
const char *fo_cache_dir(const fo_cache *c);

/*
 * The path of the entry (kind, key) (malloc'd, the caller frees it), NULL
 * when kind is not 1 to FO_CACHE_KIND_MAX of [a-z0-9_] or out of memory.
 */
char *fo_cache_entry_path(const fo_cache *c, const char *kind,
                          const uint8_t key[FO_CACHE_KEY_LEN]);

/*
 * Whether the entry (kind, key) is there, a regular file this process can
 * read (its contents are not checked: fo_cache_get does that when it is
 * read); one that is has its time set again, as a read does, so that
 * fo_cache_open keeps it: for an entry whose presence is checked at start
 * and that is read only when a page needs it.
 */
bool fo_cache_keep(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN]);

/*
 * Reads the entry (kind, key): FO_OK with *data (malloc'd, the caller
 * frees it) holding its *len bytes of payload; FO_ERR_IO when there is
 * none (or it cannot be read); FO_ERR_CORRUPT when the file is there but
 * fails a check, and was removed so that the caller rebuilds it;
 * FO_ERR_USAGE for a kind as fo_cache_entry_path refuses; FO_ERR_NOMEM.
 * *data is NULL and *len 0 unless FO_OK.  No message: a miss is ordinary,
 * and the caller rebuilds the entry either way.
 */
int fo_cache_get(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN],
                 uint8_t **data, size_t *len);

/*
 * Writes the entry (kind, key) holding the len bytes at data (at most
 * FO_CACHE_MAX_PAYLOAD), replacing any, atomically (see above).  On
 * failure nothing is left behind and the entry is as it was: FO_ERR_OUTPUT
 * ("PATH: cannot write the cache entry (no space left on device)", PATH
 * the entry's), FO_ERR_USAGE (a bad kind), FO_ERR_LIMIT (too large),
 * FO_ERR_NOMEM.
 */
int fo_cache_put(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN],
                 const void *data, size_t len, fo_error *err);

#endif

/*
 * quarantine.h - moving a failed input aside (internal; run.c's
 * --quarantine).  It never loses a file, never leaks one:
 * - only a regular file is moved, never a symbolic link's target, and
 *   only when it is still the file that was read (same size, device and
 *   inode): a scan still being uploaded is left for the next run;
 * - on the same file system it is renamed (an uploader still writing it
 *   writes into the quarantined file, its mode and times kept); elsewhere
 *   it is copied a block at a time (never read whole), synced, compared
 *   with the original, given its mode, and only then is the original
 *   removed.
 */
#ifndef FORMOCR_QUARANTINE_H
#define FORMOCR_QUARANTINE_H

#include <stdint.h>

#include "formocr/error.h"

/* For a file that was never read (refused before, e.g. too large). */
#define FO_QUARANTINE_ANY_SIZE UINT64_MAX

/*
 * Moves the file at path into the folder dir, under its own name or, when
 * that is taken, NAME.1, NAME.2 ... (up to 999), if it is still a regular
 * file of `bytes` bytes.  Fails (the original then stays where it was)
 * with FO_ERR_IO and why.
 */
int fo_quarantine(const char *path, uint64_t bytes, const char *dir, fo_error *err);

#endif

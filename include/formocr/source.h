/*
 * source.h - the source stage: which files a run reads.
 *
 * Files named on the command line are always read, whatever their name.
 * Folders give the files in them whose name looks like a scan (.tif, .tiff,
 * .png, .jpg, .jpeg, .pbm, .pgm, .ppm, .pnm, .webp, any case), or that match
 * one of the --include globs instead; hidden files are left out.  With
 * recursive, sub-folders are walked too: a symbolic link that leads back
 * into a folder being walked is reported and not followed, and a folder
 * reached twice is walked once.  Unreadable folders are reported and the
 * walk goes on.  Files are listed in name order, folder by folder, each
 * once.  In a folder, an entry named like a scan that is not a readable
 * file (a dangling link, a link loop, a folder when not recursive, a pipe)
 * is listed all the same: reading it fails, so its row says what it is.
 */
#ifndef FORMOCR_SOURCE_H
#define FORMOCR_SOURCE_H

#include <stdbool.h>

#include "formocr/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_source_options {
    bool recursive;
    const char *const *include;  /* globs on file names; NULL: scans */
    int ninclude;
} fo_source_options;

/* Called for each problem met while walking: path and a message. */
typedef void (*fo_source_report)(void *ctx, const char *path, const char *message);

typedef struct fo_inputs {
    char **paths;    /* malloc'd */
    int count;
    int problems;    /* reported through the callback */
} fo_inputs;

int fo_source_list(const char *const *paths, int npaths, const fo_source_options *o,
                   fo_source_report report, void *ctx, fo_inputs *out, fo_error *err);
void fo_inputs_free(fo_inputs *in);

/*
 * Which of n shards path falls in (0..n-1): a stable hash of the path as
 * given (FNV-1a, 64 bits), so that a shard never reads another's files.
 */
int fo_source_shard(const char *path, int n);

#ifdef __cplusplus
}
#endif
#endif

/*
 * source.h - the source stage: which files a run reads.
 *
 * Files named on the command line are always read, whatever their name.
 * Folders give the files in them whose name looks like a scan (.tif, .tiff,
 * .png, .jpg, .jpeg, .pbm, .pgm, .ppm, .pnm, .webp, any case), or that match
 * one of the --include globs instead; hidden files are left out.  With
 * recursive, sub-folders are walked too, and a folder reached twice is
 * walked once.  A symbolic link in a folder is never followed (it may lead
 * anywhere: /etc/shadow, another disk): one that could have been an input
 * is reported.  Unreadable folders are reported and the walk goes on.
 * Files are listed in name order, folder by folder, each once.  In a
 * folder, an entry named like a scan that is not a readable file (a folder
 * when not recursive, a pipe) is listed all the same: reading it fails, so
 * its row says what it is.
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
    const char *const *include; /* globs on file names; NULL: scans */
    int ninclude;
    /* each folder entry not taken (hidden, not a scan by its name, a
     * sub-folder without recursive), with why; counted in fo_inputs.skipped
     * whether or not this is set */
    void (*skipped)(void *ctx, const char *path, const char *why);
    void *skipped_ctx;
} fo_source_options;

/* Called for each problem met while walking: path and a message. */
typedef void (*fo_source_report)(void *ctx, const char *path, const char *message);

typedef struct fo_inputs {
    char **paths; /* malloc'd */
    int count;
    int problems;    /* reported through the callback */
    int deferred;    /* left for the next run by fo_inputs_defer_recent */
    int skipped;     /* folder entries not taken (fo_source_options.skipped) */
    bool *in_folder; /* per path: found in a folder, not named by the user;
                        NULL: every path was named */
} fo_inputs;

FO_API int fo_source_list(const char *const *paths, int npaths,
                          const fo_source_options *o, fo_source_report report,
                          void *ctx, fo_inputs *out, fo_error *err);
FO_API void fo_inputs_free(fo_inputs *in);

/*
 * Leaves for the next run the files found in folders that changed less than
 * min_age seconds ago (their inode change time: written, renamed into the
 * folder, their times set): an upload may still be arriving.  Each is
 * reported through report, removed from in and counted in in->deferred.  A
 * file the user named is always kept, as is one that cannot be examined
 * (its row will say why).  min_age <= 0: nothing is left.
 */
FO_API void fo_inputs_defer_recent(fo_inputs *in, double min_age,
                                   fo_source_report report, void *ctx);

/*
 * Which of n shards path falls in (0..n-1): a stable hash of the path as
 * given (FNV-1a, 64 bits), so that a shard never reads another's files.
 */
FO_API int fo_source_shard(const char *path, int n);

/* Shard k of n (0 <= k < n) of a run's inputs; n == 0: all of them. */
typedef struct fo_shard {
    int k, n;
} fo_shard;

/*
 * Parses "K/N" (0 <= K < N <= 1000000) or "auto/N", where K is the array
 * task's index from the scheduler: SLURM_ARRAY_TASK_ID (Slurm) or
 * JOB_COMPLETION_INDEX (Kubernetes indexed Jobs).  FO_ERR_USAGE when spec
 * is not of that form; FO_ERR_CONFIG when auto/N finds no index, or one out
 * of range, in the environment.
 */
FO_API int fo_shard_parse(const char *spec, fo_shard *out, fo_error *err);

/* path with "{shard}" replaced by the shard's index (malloc'd; NULL when
 * out of memory). */
FO_API char *fo_shard_path(const char *path, fo_shard shard);

/* Keeps, in order, only the inputs of in that fall in the shard (the
 * others are freed); every input when shard.n is 0. */
FO_API void fo_inputs_keep_shard(fo_inputs *in, fo_shard shard);

#ifdef __cplusplus
}
#endif
#endif

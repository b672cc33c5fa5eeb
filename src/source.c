/* source.c - listing the files of a run (see source.h). */
#include "formocr/source.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

static const char *const SCAN_EXTENSIONS[] = {
    "tif", "tiff", "png", "jpg", "jpeg", "pbm", "pgm", "ppm", "pnm", "webp", "pdf",
    /* formats a scanner or a mail room sends that formocr does not read
     * (yet): taken all the same, so that their rows say so instead of a
     * night that reads nothing and reports success */
    "heic", "heif", "avif", "jp2", "j2k", "jpx", "bmp", "gif", "doc", "docx", "odt",
    "xls", "xlsx", "ods", NULL};

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct walker {
    const fo_source_options *o;
    fo_source_report report;
    void *ctx;
    fo_inputs *out;
    int cap;
    dir_id *seen; /* every folder walked */
    int nseen, capseen;
    dir_id *stack; /* the folders being walked, outermost first */
    int depth, capstack;
} walker;

static int add_path(walker *w, const char *path, bool in_folder)
{
    if (w->out->count == w->cap) {
        int cap = w->cap ? 2 * w->cap : 256;
        char **grown = realloc(w->out->paths, sizeof *grown * (size_t)cap);
        bool *flags;
        if (!grown)
            return FO_ERR_NOMEM;
        w->out->paths = grown;
        flags = realloc(w->out->in_folder, sizeof *flags * (size_t)cap);
        if (!flags)
            return FO_ERR_NOMEM;
        w->out->in_folder = flags;
        w->cap = cap;
    }
    if (!(w->out->paths[w->out->count] = fo_strdup(path)))
        return FO_ERR_NOMEM;
    w->out->in_folder[w->out->count] = in_folder;
    w->out->count++;
    return FO_OK;
}

/* A folder entry not taken: counted, and named to whoever asked. */
static void skipped(walker *w, const char *path, const char *why)
{
    w->out->skipped++;
    if (w->o && w->o->skipped)
        w->o->skipped(w->o->skipped_ctx, path, why);
}

static void problem(walker *w, const char *path, const char *message)
{
    w->out->problems++;
    if (w->report)
        w->report(w->ctx, path, message);
}

static bool wanted(const walker *w, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (w->o && w->o->ninclude > 0) {
        for (int i = 0; i < w->o->ninclude; i++)
            if (fnmatch(w->o->include[i], name, 0) == 0)
                return true;
        return false;
    }
    if (!dot)
        return false;
    for (const char *const *e = SCAN_EXTENSIONS; *e; e++)
        if (strcasecmp(dot + 1, *e) == 0)
            return true;
    return false;
}

static bool contains(const dir_id *ids, int n, dir_id id)
{
    for (int i = 0; i < n; i++)
        if (ids[i].dev == id.dev && ids[i].ino == id.ino)
            return true;
    return false;
}

static int push(dir_id **ids, int *n, int *cap, dir_id id)
{
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 32;
        dir_id *grown = realloc(*ids, sizeof *grown * (size_t)c);
        if (!grown)
            return FO_ERR_NOMEM;
        *ids = grown;
        *cap = c;
    }
    (*ids)[(*n)++] = id;
    return FO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int walk_dir(walker *w, const char *dir, const struct stat *st)
{
    dir_id id = {st->st_dev, st->st_ino};
    struct dirent **entries = NULL;
    char ebuf[128];
    int n, rc = FO_OK;

    if (contains(w->stack, w->depth, id)) {
        problem(w, dir, "symbolic link loop, not followed");
        return FO_OK;
    }
    if (contains(w->seen, w->nseen, id))
        return FO_OK; /* reached again by another path: walked once */
    if (push(&w->seen, &w->nseen, &w->capseen, id) != FO_OK ||
        push(&w->stack, &w->depth, &w->capstack, id) != FO_OK)
        return FO_ERR_NOMEM;
    n = scandir(dir, &entries, NULL, by_name);
    if (n < 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "cannot read folder (%s)",
                 fo_syserr(errno, ebuf, sizeof ebuf));
        problem(w, dir, msg);
        w->depth--;
        return FO_OK;
    }
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        char *path;
        struct stat cst;
        if (rc != FO_OK || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            free(entries[i]);
            continue;
        }
        path = fo_path_join(dir, name);
        if (!path) {
            rc = FO_ERR_NOMEM;
        } else if (name[0] == '.') {
            skipped(w, path, "a hidden entry");
        } else if (lstat(path, &cst) == 0 && S_ISLNK(cst.st_mode)) {
            /* a link may lead anywhere (/etc/shadow, another disk): it is
             * never followed out of a folder being read, only reported
             * when it could have been an input */
            if (wanted(w, name) || (w->o && w->o->recursive))
                problem(w, path, "a symbolic link, not followed");
        } else if (stat(path, &cst) != 0) {
            /* a file gone since the listing: named like a scan, it is an
             * input whose row says what is wrong; anything else is only
             * reported */
            if (wanted(w, name)) {
                rc = add_path(w, path, true);
            } else {
                char msg[160];
                snprintf(msg, sizeof msg, "cannot read (%s)",
                         fo_syserr(errno, ebuf, sizeof ebuf));
                problem(w, path, msg);
            }
        } else if (S_ISDIR(cst.st_mode)) {
            if (w->o && w->o->recursive)
                rc = walk_dir(w, path, &cst);
            else if (wanted(w, name))
                rc = add_path(w, path, true); /* "x.tif/": its row says so */
            else
                skipped(w, path, "a folder (-r reads sub-folders)");
        } else if (wanted(w, name)) {
            rc = add_path(w, path, true);
        } else {
            skipped(w, path,
                    w->o && w->o->ninclude > 0 ? "not matched by --include"
                                               : "not a scan, by its name");
        }
        free(path);
        free(entries[i]);
    }
    free(entries);
    w->depth--;
    return rc;
}

typedef struct ranked {
    const char *path;
    int index;
} ranked;

static int by_path(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Drops the paths listed twice (a file named and also in a folder given),
 * keeping the first of each, in order. */
static int drop_repeats(fo_inputs *in)
{
    ranked *r;
    bool *repeat;

    if (in->count < 2)
        return FO_OK;
    r = malloc(sizeof *r * (size_t)in->count);
    repeat = calloc((size_t)in->count, sizeof *repeat);
    if (!r || !repeat) {
        free(r);
        free(repeat);
        return FO_ERR_NOMEM;
    }
    for (int i = 0; i < in->count; i++)
        r[i] = (ranked){in->paths[i], i};
    qsort(r, (size_t)in->count, sizeof *r, by_path);
    for (int i = 1, first = 0; i < in->count; i++) {
        if (strcmp(r[i].path, r[i - 1].path) != 0) {
            first = i;
            continue;
        }
        repeat[r[i].index] = true;
        /* named by the user as well as found in a folder: named */
        if (in->in_folder && !in->in_folder[r[i].index])
            in->in_folder[r[first].index] = false;
    }
    int kept = 0;
    for (int i = 0; i < in->count; i++) {
        if (repeat[i]) {
            free(in->paths[i]);
        } else {
            if (in->in_folder)
                in->in_folder[kept] = in->in_folder[i];
            in->paths[kept++] = in->paths[i];
        }
    }
    in->count = kept;
    free(r);
    free(repeat);
    return FO_OK;
}

int fo_source_list(const char *const *paths, int npaths, const fo_source_options *o,
                   fo_source_report report, void *ctx, fo_inputs *out, fo_error *err)
{
    walker w = {o, report, ctx, out, 0, NULL, 0, 0, NULL, 0, 0};
    int rc = FO_OK;

    memset(out, 0, sizeof *out);
    for (int i = 0; i < npaths && rc == FO_OK; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk_dir(&w, paths[i], &st);
        else
            /* a file named by the user is read whatever it is: if it is
             * not there or not a file, its document says so */
            rc = add_path(&w, paths[i], false);
    }
    if (rc == FO_OK)
        rc = drop_repeats(out);
    free(w.seen);
    free(w.stack);
    if (rc != FO_OK) {
        fo_inputs_free(out);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory listing the inputs");
    }
    return FO_OK;
}

void fo_inputs_free(fo_inputs *in)
{
    if (!in)
        return;
    for (int i = 0; i < in->count; i++)
        free(in->paths[i]);
    free(in->paths);
    free(in->in_folder);
    memset(in, 0, sizeof *in);
}

int fo_source_shard(const char *path, int n)
{
    /* FNV-1a: cheap, stable across machines and runs, well spread */
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return n > 0 ? (int)(h % (uint64_t)n) : 0;
}

int fo_shard_parse(const char *spec, fo_shard *out, fo_error *err)
{
    const char *slash = strchr(spec, '/'), *env;
    char kbuf[32];
    long long kv, nv;

    memset(out, 0, sizeof *out);
    if (!slash || (size_t)(slash - spec) >= sizeof kbuf ||
        !fo_parse_int(slash + 1, 1, 1000000, &nv))
        return fo_error_set(err, FO_ERR_USAGE, "not a shard (K/N or auto/N)");
    memcpy(kbuf, spec, (size_t)(slash - spec));
    kbuf[slash - spec] = '\0';
    if (strcmp(kbuf, "auto") != 0) {
        if (!fo_parse_int(kbuf, 0, nv - 1, &kv))
            return fo_error_set(err, FO_ERR_USAGE, "not a shard (K/N or auto/N)");
    } else {
        env = getenv("SLURM_ARRAY_TASK_ID");
        if (!env || !*env)
            env = getenv("JOB_COMPLETION_INDEX");
        if (!env || !*env)
            return fo_error_set(err, FO_ERR_CONFIG,
                                "--shard auto/N needs SLURM_ARRAY_TASK_ID (Slurm) or "
                                "JOB_COMPLETION_INDEX (Kubernetes) in the environment");
        if (!fo_parse_int(env, 0, nv - 1, &kv))
            return fo_error_set(err, FO_ERR_CONFIG,
                                "the scheduler's task index is not between 0 and N-1");
    }
    out->k = (int)kv;
    out->n = (int)nv;
    return FO_OK;
}

char *fo_shard_path(const char *path, fo_shard shard)
{
    static const char TOKEN[] = "{shard}";
    const char *at = strstr(path, TOKEN);
    if (!at)
        return fo_strdup(path);
    return fo_asprintf("%.*s%d%s", (int)(at - path), path, shard.k, at + strlen(TOKEN));
}

void fo_inputs_keep_shard(fo_inputs *in, fo_shard shard)
{
    int kept = 0;
    if (shard.n <= 0)
        return;
    for (int i = 0; i < in->count; i++) {
        if (fo_source_shard(in->paths[i], shard.n) == shard.k) {
            if (in->in_folder)
                in->in_folder[kept] = in->in_folder[i];
            in->paths[kept++] = in->paths[i];
        } else {
            free(in->paths[i]);
        }
    }
    in->count = kept;
}

void fo_inputs_defer_recent(fo_inputs *in, double min_age, fo_source_report report,
                            void *ctx)
{
    struct timespec now;
    int kept = 0;

    if (min_age <= 0)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int i = 0; i < in->count; i++) {
        struct stat st;
        double age;
        /* the inode's change time: set by the local clock on every write,
         * rename or change of times, whatever mtime a copy preserved */
        if (!in->in_folder || !in->in_folder[i] || stat(in->paths[i], &st) != 0 ||
            !S_ISREG(st.st_mode) ||
            (age = (double)(now.tv_sec - st.st_ctim.tv_sec) +
                   (double)(now.tv_nsec - st.st_ctim.tv_nsec) / 1e9) >= min_age) {
            if (in->in_folder)
                in->in_folder[kept] = in->in_folder[i];
            in->paths[kept++] = in->paths[i];
            continue;
        }
        in->deferred++;
        if (report) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "changed %.0f s ago, perhaps still being written: left for the "
                     "next run (--min-age %g)",
                     age < 0 ? 0 : age, min_age);
            report(ctx, in->paths[i], msg);
        }
        free(in->paths[i]);
    }
    in->count = kept;
}

/* sink.c - outputs: choosing the format, locking, temporary files, and
 * handing each document to the format's class (see sink.h). */
#include "formocr/sink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink_internal.h"
#include "strbuf.h"
#include "util.h"

static const double LOCK_POLL_SECONDS = 0.1;

void fo_sink_options_default(fo_sink_options *o)
{
    memset(o, 0, sizeof *o);
    /* JSON Lines: the one format that takes any number of templates on one
     * stream (a wide CSV is a table of one template's columns) */
    o->stdout_format = FO_SINK_JSONL;
    o->csv_layout = FO_CSV_WIDE;
    o->csv_sep = ',';
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int fo_sink_format_of(const char *path, const fo_sink_options *o, fo_sink_format *fmt,
                      fo_error *err)
{
    if (strcmp(path, "-") == 0)
        *fmt = o->stdout_format;
    else if (ends_with(path, ".jsonl"))
        *fmt = FO_SINK_JSONL;
    else if (ends_with(path, ".csv"))
        *fmt = FO_SINK_CSV;
    else if (ends_with(path, ".sqlite") || ends_with(path, ".db"))
        *fmt = FO_SINK_SQLITE;
    else if (ends_with(path, ".xlsx"))
        *fmt = FO_SINK_XLSX;
    else
        return fo_error_set(err, FO_ERR_USAGE,
                            "cannot tell the format of \"%s\" (use "
                            ".sqlite, .db, .csv, .jsonl or .xlsx)",
                            path);
    return FO_OK;
}

/* ---- locking ------------------------------------------------------------- */

/*
 * Takes PATH.lock (an fcntl lock, released by the kernel whatever way the
 * process ends, SIGKILL included) and writes our process id in it.
 */
static int take_lock(fo_sink *s, double timeout, fo_error *err)
{
    /* the file the path leads to is locked: a run on out.sqlite and one on
     * a symbolic link to it take the same lock */
    char *real = realpath(s->path, NULL);
    char *lock_path = fo_asprintf("%s.lock", real ? real : s->path);
    free(real);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    char ebuf[128], pid[32];
    double deadline = fo_now() + timeout;
    int fd, n;

    if (!lock_path)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot create (%s)", lock_path,
                              fo_syserr(errno, ebuf, sizeof ebuf));
        free(lock_path);
        return rc;
    }
    while (fcntl(fd, F_SETLK, &fl) != 0) {
        if ((errno != EACCES && errno != EAGAIN) || fo_now() >= deadline) {
            char holder[32] = "";
            ssize_t r = pread(fd, holder, sizeof holder - 1, 0);
            int rc;
            holder[r > 0 ? r : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            if (errno == EACCES || errno == EAGAIN)
                rc = fo_error_set(err, FO_ERR_LOCKED,
                                  "%s: another run (process %s) is "
                                  "writing it",
                                  s->path, *holder ? holder : "unknown");
            else
                rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot lock (%s)", lock_path,
                                  fo_syserr(errno, ebuf, sizeof ebuf));
            close(fd);
            free(lock_path);
            return rc;
        }
        struct timespec pause = {0, (long)(LOCK_POLL_SECONDS * 1e9)};
        nanosleep(&pause, NULL);
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the lock holds; only the holder's name in it is missing */
    }
    free(lock_path);
    s->lock_fd = fd;
    return FO_OK;
}

static void release_lock(fo_sink *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* the lock file stays: removing it would race */
    s->lock_fd = -1;
}

/* ---- files written under a temporary name --------------------------------- */

FILE *fo_sink_open_tmp(const char *path, char **tmp, fo_error *err)
{
    char ebuf[128];
    int fd;
    FILE *fp;
    if (fo_is_dir(path)) {
        fo_error_set(err, FO_ERR_OUTPUT, "%s: is a folder, not a file", path);
        return NULL;
    }
    *tmp = fo_asprintf("%s.tmp.%ld", path, (long)getpid());
    if (!*tmp) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        return NULL;
    }
    fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", path,
                     fo_syserr(errno, ebuf, sizeof ebuf));
        if (fd >= 0)
            close(fd);
        free(*tmp);
        *tmp = NULL;
    }
    return fp;
}

int fo_sink_commit_tmp(FILE *fp, const char *tmp, const char *path, fo_error *err)
{
    char ebuf[128];
    int ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved = errno;
    ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            saved = errno;
        unlink(tmp);
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", path,
                            fo_syserr(saved, ebuf, sizeof ebuf));
    }
    return FO_OK;
}

void fo_sink_drop_tmp(FILE *fp, const char *tmp)
{
    fclose(fp);
    unlink(tmp);
}

int fo_sink_write_error(const char *path, fo_error *err)
{
    char ebuf[128];
    return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)",
                        path ? path : "standard output",
                        fo_syserr(errno, ebuf, sizeof ebuf));
}

/*
 * The temporary files an earlier run left when it was killed
 * (PATH.tmp.PID, and for a {template} path every template's): gone, so
 * that none outlives the next run.  Called with the output's lock held:
 * no other run writes them.
 */
static void remove_stale_tmps(const char *path)
{
    char *dir = fo_path_dirname(path), *base = fo_path_basename(path);
    fo_strbuf pattern = FO_STRBUF_INIT;
    const char *token = base ? strstr(base, "{template}") : NULL;
    char *glob;
    DIR *d;
    struct dirent *e;

    if (!dir || !base)
        goto out;
    if (token) {
        fo_strbuf_addn(&pattern, base, (size_t)(token - base));
        fo_strbuf_add(&pattern, "*");
        fo_strbuf_add(&pattern, token + strlen("{template}"));
    } else {
        fo_strbuf_add(&pattern, base);
    }
    fo_strbuf_add(&pattern, ".tmp.[0-9]*");
    if (!(glob = fo_strbuf_detach(&pattern)) || !(d = opendir(dir))) {
        free(glob);
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        const char *pid = strrchr(e->d_name, '.');
        char *stale;
        struct stat st;
        if (fnmatch(glob, e->d_name, FNM_PERIOD) != 0 || !pid ||
            strspn(pid + 1, "0123456789") != strlen(pid + 1))
            continue;
        stale = fo_path_join(dir, e->d_name);
        if (stale && lstat(stale, &st) == 0 && S_ISREG(st.st_mode))
            unlink(stale);
        free(stale);
    }
    closedir(d);
    free(glob);
out:
    free(dir);
    free(base);
}

/* ---- the sink ------------------------------------------------------------ */

static void free_sink(fo_sink *s)
{
    free(s->path);
    release_lock(s);
    free(s);
}

int fo_sink_open(const char *path, const fo_sink_options *o, fo_sink **out,
                 fo_error *err)
{
    fo_sink *s = calloc(1, sizeof *s);
    int rc;

    *out = NULL;
    if (!s)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    s->skipped_entries = -1;
    s->o = *o;
    s->lock_fd = -1;
    if ((rc = fo_sink_format_of(path, o, &s->format, err)) != FO_OK) {
        free_sink(s);
        return rc;
    }
    if (strcmp(path, "-") != 0) {
        s->path = fo_strdup(path);
        if (!s->path) {
            free_sink(s);
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        }
        if ((rc = take_lock(s, o->lock_timeout, err)) != FO_OK) {
            free_sink(s);
            return rc;
        }
        if (s->format != FO_SINK_SQLITE)
            remove_stale_tmps(s->path);
    } else if (s->format == FO_SINK_SQLITE) {
        free_sink(s);
        return fo_error_set(err, FO_ERR_USAGE, "SQLite cannot go to standard output");
    }
    s->cls = s->format == FO_SINK_JSONL  ? &fo_sink_jsonl_class
             : s->format == FO_SINK_CSV  ? &fo_sink_csv_class
             : s->format == FO_SINK_XLSX ? &fo_sink_xlsx_class
                                         : &fo_sink_sqlite_class;
    if ((rc = s->cls->open(s, err)) != FO_OK) {
        fo_sink_abort(&s);
        return rc;
    }
    *out = s;
    return FO_OK;
}

int fo_sink_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    int rc = FO_OK;
    /* SQLite takes a file's documents together (one transaction) */
    if (s->format == FO_SINK_SQLITE)
        return s->cls->write(s, d, err);
    for (; d && rc == FO_OK; d = d->next)
        rc = s->cls->write(s, d, err);
    return rc;
}

void fo_sink_note_skipped(fo_sink *s, int n)
{
    s->skipped_entries = n;
}

fo_sink_format fo_sink_get_format(const fo_sink *s)
{
    return s->format;
}

void fo_sink_mark_interrupted(fo_sink *s)
{
    s->interrupted = true;
}

int fo_sink_close(fo_sink **sp, fo_error *err)
{
    fo_sink *s = *sp;
    int rc;
    if (!s)
        return FO_OK;
    *sp = NULL;
    rc = s->cls->close(s, true, err);
    free_sink(s);
    return rc;
}

void fo_sink_abort(fo_sink **sp)
{
    fo_sink *s = sp ? *sp : NULL;
    if (!s)
        return;
    *sp = NULL;
    s->cls->close(s, false, NULL);
    free_sink(s);
}

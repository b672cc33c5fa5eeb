/* quarantine.c - moving a failed input aside (see quarantine.h). */
#include "quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

enum {
    MAX_SUFFIX = 1000, /* NAME.1 ... NAME.999 */
    BLOCK = 64 * 1024  /* bytes copied and compared at a time */
};

static int io_error(fo_error *err, const char *what)
{
    char ebuf[128];
    return fo_error_set(err, FO_ERR_IO, "%s (%s)", what,
                        fo_syserr(errno, ebuf, sizeof ebuf));
}

/* Writes all of buf to fd. */
static bool write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads up to n bytes (fewer only at the end of the file); -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Copies src (open, at its start) into target (created, never replacing
 * anything), synced, compared with src read again, with src's mode. */
static int copy_verified(int src, const struct stat *st, const char *target,
                         fo_error *err)
{
    char *a = malloc(BLOCK), *b = malloc(BLOCK);
    int dst = -1, rc = FO_OK;
    ssize_t n;

    if (!a || !b) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    dst = open(target, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (dst < 0) {
        rc = io_error(err, "cannot create the copy");
        goto out;
    }
    while ((n = read_full(src, a, BLOCK)) > 0)
        if (!write_all(dst, a, (size_t)n)) {
            rc = io_error(err, "cannot write the copy");
            goto out;
        }
    if (n < 0 || fsync(dst) != 0 || lseek(src, 0, SEEK_SET) != 0 ||
        lseek(dst, 0, SEEK_SET) != 0) {
        rc = io_error(err, "cannot copy");
        goto out;
    }
    /* what reached the disk is what the original holds, byte for byte */
    for (;;) {
        ssize_t x = read_full(src, a, BLOCK), y = read_full(dst, b, BLOCK);
        if (x < 0 || y < 0) {
            rc = io_error(err, "cannot check the copy");
            goto out;
        }
        if (x != y || memcmp(a, b, (size_t)x) != 0) {
            rc = fo_error_set(err, FO_ERR_IO, "the copy differs from the original");
            goto out;
        }
        if (x == 0)
            break;
    }
    if (fchmod(dst, st->st_mode & 07777) != 0 || fsync(dst) != 0)
        rc = io_error(err, "cannot finish the copy");
out:
    if (dst >= 0 && close(dst) != 0 && rc == FO_OK)
        rc = io_error(err, "cannot finish the copy");
    if (rc != FO_OK && dst >= 0)
        unlink(target);
    free(a);
    free(b);
    return rc;
}

/* The folder entry too must reach the disk before the original goes. */
static void sync_folder(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int fo_quarantine(const char *path, uint64_t bytes, const char *dir, fo_error *err)
{
    char *base = fo_path_basename(path), *target = NULL;
    struct stat st, now;
    int src = -1, rc = FO_OK;

    /* the file itself, never what a link leads to */
    src = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (src < 0) {
        rc = io_error(err, "cannot open it");
        goto out;
    }
    if (fstat(src, &st) != 0) {
        rc = io_error(err, "cannot stat it");
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fo_error_set(err, FO_ERR_IO, "not a regular file: left in place");
        goto out;
    }
    if (bytes != FO_QUARANTINE_ANY_SIZE && (uint64_t)st.st_size != bytes) {
        rc = fo_error_set(err, FO_ERR_IO,
                          "changed since it was read (%llu bytes, now %lld): left for "
                          "the next run",
                          (unsigned long long)bytes, (long long)st.st_size);
        goto out;
    }
    for (int n = 0; base && n < MAX_SUFFIX && !target; n++) {
        char *t = n ? fo_asprintf("%s/%s.%d", dir, base, n) : fo_path_join(dir, base);
        if (t && access(t, F_OK) != 0 && errno == ENOENT)
            target = t;
        else
            free(t);
    }
    if (!target) {
        rc = fo_error_set(err, FO_ERR_IO, "no free name for it in %s", dir);
        goto out;
    }
    /* the path must still name the file that was opened */
    if (lstat(path, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
        rc = fo_error_set(err, FO_ERR_IO, "replaced while being moved: left in place");
        goto out;
    }
    /* the same file system: a rename, which keeps the file whole whatever
     * still writes it (link() refuses to replace a name, rename() would) */
    if (link(path, target) == 0) {
        sync_folder(dir);
        if (unlink(path) != 0) {
            unlink(target);
            rc = io_error(err, "cannot remove the original");
        }
        goto out;
    }
    if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
        rc = io_error(err, "cannot move it");
        goto out;
    }
    /* another file system (or no hard links there): copy, check, then
     * remove the original */
    if ((rc = copy_verified(src, &st, target, err)) != FO_OK)
        goto out;
    sync_folder(dir);
    if (unlink(path) != 0)
        rc = io_error(err, "cannot remove the original (the copy is kept)");
out:
    if (src >= 0)
        close(src);
    free(base);
    free(target);
    return rc;
}

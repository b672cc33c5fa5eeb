/* cache.c - the on-disk cache of precomputed data (see cache.h). */
#define _GNU_SOURCE /* mkostemp: the temporary file opened close-on-exec */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "util.h"

static const char MAGIC[FO_CACHE_MAGIC_LEN] = {'F', 'O', 'C', 'A', 'C', 'H', 'E', '\n'};
/* A writer's temporary files start so (hidden, and never an entry's name). */
static const char TEMP_PREFIX[] = ".tmp.";
/* A temporary file this old was left by a killed writer (seconds): no
 * writer takes that long to write FO_CACHE_MAX_PAYLOAD bytes. */
static const double STALE_TEMP_SECONDS = 3600.0;
/* An entry not read for this long belongs to a template that changed or
 * went (its key is another now): removed (seconds, FO_CACHE_UNUSED_DAYS). */
static const double UNUSED_SECONDS = FO_CACHE_UNUSED_DAYS * 86400.0;
/* A read entry's time is set again when older than this (seconds): once a
 * day, not at every read. */
static const double TOUCH_SECONDS = 86400.0;

enum {
    /* bytes of an entry's header: magic, format, version count and text,
     * key, payload length */
    HEADER_MIN = FO_CACHE_MAGIC_LEN + 4 + 4 + FO_CACHE_KEY_LEN + 8,
    HEADER_MAX = HEADER_MIN + FO_CACHE_VERSION_MAX
};

struct fo_cache {
    char *dir; /* the cache's folder; owned */
};

static bool valid_kind(const char *kind)
{
    size_t n = 0;
    if (!kind)
        return false;
    for (; kind[n]; n++) {
        char ch = kind[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return n >= 1 && n <= FO_CACHE_KIND_MAX;
}

/* Whether name is an entry's, <kind>-<64 hex digits>.bin (a file formocr
 * wrote, not one a person keeps there). */
static bool entry_name(const char *name)
{
    const char *dash = strrchr(name, '-');
    char kind[FO_CACHE_KIND_MAX + 1];
    size_t n;

    if (!dash || (size_t)(dash - name) > FO_CACHE_KIND_MAX)
        return false;
    memcpy(kind, name, (size_t)(dash - name));
    kind[dash - name] = '\0';
    if (!valid_kind(kind))
        return false;
    for (n = 0; dash[1 + n] && n < 2 * FO_CACHE_KEY_LEN; n++)
        if (!((dash[1 + n] >= '0' && dash[1 + n] <= '9') ||
              (dash[1 + n] >= 'a' && dash[1 + n] <= 'f')))
            return false;
    return n == 2 * FO_CACHE_KEY_LEN && strcmp(dash + 1 + n, ".bin") == 0;
}

/* Removes the temporary files of writers killed mid-write, and the
 * entries no run has read for FO_CACHE_UNUSED_DAYS (best effort: another
 * process may be removing them too; a file formocr did not name is left
 * alone). */
static void tidy(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    time_t now = time(NULL);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        double limit;
        if (strncmp(e->d_name, TEMP_PREFIX, sizeof TEMP_PREFIX - 1) == 0)
            limit = STALE_TEMP_SECONDS;
        else if (entry_name(e->d_name))
            limit = UNUSED_SECONDS;
        else
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && difftime(now, st.st_mtime) > limit)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int fo_cache_open(const char *dir, fo_cache **out, fo_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    fo_cache *c = NULL;
    char *path = NULL, ebuf[128];
    int rc = FO_OK;

    *out = NULL;
    if (dir && !*dir)
        return fo_error_set(err, FO_ERR_USAGE, "no cache folder given (empty path)");
    if (dir)
        path = fo_strdup(dir);
    else if (xdg && xdg[0] == '/') /* the XDG spec: a relative one is ignored */
        path = fo_path_join(xdg, "formocr");
    else if (home && home[0] == '/')
        path = fo_path_join(home, ".cache/formocr");
    else
        return fo_error_set(err, FO_ERR_CONFIG,
                            "no folder for the cache (neither XDG_CACHE_HOME nor "
                            "HOME is an absolute path)");
    c = calloc(1, sizeof *c);
    if (!path || !c) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (fo_make_dir_mode(path, 0700, err) != FO_OK) {
        rc = FO_ERR_IO; /* the message (PATH: why) is fo_make_dir's */
        if (err)
            err->code = rc;
        goto out;
    }
    if (access(path, W_OK | X_OK) != 0) {
        rc = fo_error_set(err, FO_ERR_IO, "%s: cannot write in the cache folder (%s)",
                          path, fo_syserr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    tidy(path);
    c->dir = path;
    path = NULL;
    *out = c;
    c = NULL;
out:
    free(path);
    free(c);
    return rc;
}

void fo_cache_close(fo_cache **c)
{
    if (!c || !*c)
        return;
    free((*c)->dir);
    free(*c);
    *c = NULL;
}

const char *fo_cache_dir(const fo_cache *c)
{
    return c->dir;
}

char *fo_cache_entry_path(const fo_cache *c, const char *kind,
                          const uint8_t key[FO_CACHE_KEY_LEN])
{
    char hex[2 * FO_CACHE_KEY_LEN + 1], *name, *path;
    if (!valid_kind(kind))
        return NULL;
    fo_hex(key, FO_CACHE_KEY_LEN, hex);
    name = fo_asprintf("%s-%s.bin", kind, hex);
    path = name ? fo_path_join(c->dir, name) : NULL;
    free(name);
    return path;
}

/* Reads exactly n bytes at offset into buf: 0, FO_ERR_CORRUPT when the
 * file ends first (entries are never changed in place: it was cut), or
 * FO_ERR_IO. */
static int read_at(int fd, void *buf, size_t n, off_t offset)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return FO_ERR_IO;
        if (got == 0)
            return FO_ERR_CORRUPT;
        p += got;
        n -= (size_t)got;
        offset += got;
    }
    return FO_OK;
}

/* Removes the damaged entry at path if it is still the file that was read
 * (st): a writer may have renamed a good one there since, which stays. */
static void remove_damaged(const char *path, const struct stat *st)
{
    struct stat now;
    if (lstat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
        unlink(path);
}

/* Checks the header at the start of an entry file of file_size bytes:
 * FO_OK with *header_len and *payload_len, else FO_ERR_CORRUPT. */
static int check_header(const uint8_t *head, size_t head_len, uint64_t file_size,
                        const uint8_t key[FO_CACHE_KEY_LEN], size_t *header_len,
                        uint64_t *payload_len)
{
    fo_blob_reader r = fo_blob_reader_of(head, head_len);
    const char *version = fo_version();
    const void *magic = fo_blob_get_bytes(&r, FO_CACHE_MAGIC_LEN), *text, *stored_key;
    uint32_t format, version_len;
    uint64_t len;

    if (!magic || memcmp(magic, MAGIC, FO_CACHE_MAGIC_LEN) != 0)
        return FO_ERR_CORRUPT;
    format = fo_blob_get_u32(&r);
    if (r.failed || format != FO_CACHE_FORMAT)
        return FO_ERR_CORRUPT; /* another layout: nothing more to read */
    version_len = fo_blob_get_u32(&r);
    if (r.failed || version_len != strlen(version))
        return FO_ERR_CORRUPT;
    text = fo_blob_get_bytes(&r, version_len);
    if (!text || memcmp(text, version, version_len) != 0)
        return FO_ERR_CORRUPT;
    stored_key = fo_blob_get_bytes(&r, FO_CACHE_KEY_LEN);
    if (!stored_key || memcmp(stored_key, key, FO_CACHE_KEY_LEN) != 0)
        return FO_ERR_CORRUPT;
    len = fo_blob_get_u64(&r);
    if (r.failed || len > FO_CACHE_MAX_PAYLOAD)
        return FO_ERR_CORRUPT;
    /* the file is exactly header, payload and checksum: no more, no less */
    if (file_size < r.pos + FO_CACHE_CHECKSUM_LEN ||
        len != file_size - r.pos - FO_CACHE_CHECKSUM_LEN)
        return FO_ERR_CORRUPT;
    *header_len = r.pos;
    *payload_len = len;
    return FO_OK;
}

int fo_cache_get(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN],
                 uint8_t **data, size_t *len)
{
    char *path;
    uint8_t head[HEADER_MAX], stored_sum[FO_SHA256_LEN], sum[FO_SHA256_LEN];
    uint8_t *payload = NULL;
    uint64_t file_size, payload_len = 0;
    size_t head_len, header_len = 0;
    struct stat st;
    int fd = -1, rc;

    *data = NULL;
    *len = 0;
    if (!valid_kind(kind))
        return FO_ERR_USAGE;
    path = fo_cache_entry_path(c, kind, key);
    if (!path)
        return FO_ERR_NOMEM;
    /* not through a symbolic link; O_NONBLOCK: a FIFO there cannot hang */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = FO_ERR_IO; /* none, or something formocr did not write: left alone */
        goto out;
    }
    /* the real size, checked before anything in the file is believed */
    file_size = (uint64_t)st.st_size;
    if (file_size < HEADER_MIN + FO_CACHE_CHECKSUM_LEN ||
        file_size > HEADER_MAX + FO_CACHE_MAX_PAYLOAD + FO_CACHE_CHECKSUM_LEN) {
        rc = FO_ERR_CORRUPT;
        goto out;
    }
    head_len = file_size < HEADER_MAX ? (size_t)file_size : HEADER_MAX;
    if ((rc = read_at(fd, head, head_len, 0)) != FO_OK ||
        (rc = check_header(head, head_len, file_size, key, &header_len,
                           &payload_len)) != FO_OK)
        goto out;
    payload = malloc(payload_len > 0 ? (size_t)payload_len : 1);
    if (!payload) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    if ((rc = read_at(fd, payload, (size_t)payload_len, (off_t)header_len)) != FO_OK ||
        (rc = read_at(fd, stored_sum, sizeof stored_sum,
                      (off_t)(header_len + payload_len))) != FO_OK)
        goto out;
    if ((rc = fo_sha256(payload, (size_t)payload_len, sum)) != FO_OK)
        goto out;
    if (memcmp(sum, stored_sum, sizeof sum) != 0) {
        rc = FO_ERR_CORRUPT;
        goto out;
    }
    *data = payload;
    *len = (size_t)payload_len;
    payload = NULL;
    /* in use: kept from tidy (best effort; its time, not its bytes) */
    if (difftime(time(NULL), st.st_mtime) > TOUCH_SECONDS)
        futimens(fd, NULL);
out:
    if (rc == FO_ERR_CORRUPT)
        remove_damaged(path, &st);
    if (fd >= 0)
        close(fd);
    free(payload);
    free(path);
    return rc;
}

bool fo_cache_keep(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN])
{
    char *path = fo_cache_entry_path(c, kind, key);
    struct stat st;
    bool there =
        path && lstat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
    if (there && difftime(time(NULL), st.st_mtime) > TOUCH_SECONDS)
        utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);
    free(path);
    return there;
}

static int write_all(int fd, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return put < 0 ? errno : EIO;
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

int fo_cache_put(fo_cache *c, const char *kind, const uint8_t key[FO_CACHE_KEY_LEN],
                 const void *data, size_t len, fo_error *err)
{
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    const char *version = fo_version();
    char *path = NULL, *tmp = NULL, *name = NULL, ebuf[128];
    uint8_t *head = NULL, sum[FO_SHA256_LEN];
    size_t head_len = 0;
    int fd = -1, rc = FO_OK, errnum = 0;

    if (!valid_kind(kind))
        return fo_error_set(err, FO_ERR_USAGE, "not a cache entry kind: \"%.*s\"",
                            FO_CACHE_KIND_MAX, kind ? kind : "(null)");
    path = fo_cache_entry_path(c, kind, key);
    name = path ? fo_path_basename(path) : NULL;
    tmp = name ? fo_asprintf("%s/%s%s.XXXXXX", c->dir, TEMP_PREFIX, name) : NULL;
    if (!tmp) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((uint64_t)len > FO_CACHE_MAX_PAYLOAD ||
        strlen(version) > FO_CACHE_VERSION_MAX) {
        rc = fo_error_set(err, FO_ERR_LIMIT,
                          "%s: cache entry too large (%zu bytes, limit %llu)", path,
                          len, (unsigned long long)FO_CACHE_MAX_PAYLOAD);
        goto out;
    }
    fo_blob_put_bytes(&w, MAGIC, sizeof MAGIC);
    fo_blob_put_u32(&w, FO_CACHE_FORMAT);
    fo_blob_put_u32(&w, (uint32_t)strlen(version));
    fo_blob_put_bytes(&w, version, strlen(version));
    fo_blob_put_bytes(&w, key, FO_CACHE_KEY_LEN);
    fo_blob_put_u64(&w, (uint64_t)len);
    head = fo_blob_writer_detach(&w, &head_len);
    if (!head || fo_sha256(len > 0 ? data : "", len, sum) != FO_OK) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* mode 0600, in the same folder as the entry: rename is atomic there */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        errnum = errno;
        free(tmp);
        tmp = NULL; /* nothing made: nothing to remove */
        goto out;
    }
    if ((errnum = write_all(fd, head, head_len)) != 0 ||
        (errnum = write_all(fd, data, len)) != 0 ||
        (errnum = write_all(fd, sum, sizeof sum)) != 0)
        goto out;
    /* the bytes are on disk before the name points at them.  The folder is
     * not synced: a crash may lose the rename, which costs a rebuild */
    if (fsync(fd) != 0) {
        errnum = errno;
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        errnum = errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        errnum = errno;
out:
    if (errnum != 0)
        rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write the cache entry (%s)",
                          path, fo_syserr(errnum, ebuf, sizeof ebuf));
    if (fd >= 0)
        close(fd);
    if (rc != FO_OK && tmp)
        unlink(tmp);
    fo_blob_writer_free(&w);
    free(head);
    free(tmp);
    free(name);
    free(path);
    return rc;
}

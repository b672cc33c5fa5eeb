/* util.c - file, path, string and hashing helpers (see util.h). */
#include "util.h"

#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

enum { IDENTIFIER_MAX = 63 };

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "is a folder, not a file";
    if (S_ISFIFO(mode))
        return "is a pipe, not a file";
    if (S_ISSOCK(mode))
        return "is a socket, not a file";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "is a device, not a file";
    return "is not a regular file";
}

const char *fo_syserr(int errnum, char *buf, size_t size)
{
    snprintf(buf, size, "%s", strerror(errnum));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

int fo_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size,
                 fo_error *err)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t cap, len = 0;
    char ebuf[128];
    int fd, rc = FO_OK;

    *data = NULL;
    *size = 0;
    /* O_NONBLOCK so that opening a FIFO cannot hang; cleared below. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fo_error_set(err, FO_ERR_IO, "cannot open (%s)",
                            fo_syserr(errno, ebuf, sizeof ebuf));
    if (fstat(fd, &st) != 0) {
        rc = fo_error_set(err, FO_ERR_IO, "cannot stat (%s)",
                          fo_syserr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fo_error_set(err, FO_ERR_IO, "%s", file_kind(st.st_mode));
        goto out;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if ((uint64_t)st.st_size > max_bytes) {
        rc = fo_error_set(err, FO_ERR_LIMIT, "file too large (%lld bytes, limit %zu)",
                          (long long)st.st_size, max_bytes);
        goto out;
    }
    /* The file may still grow while we read: never trust st_size alone. */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory reading file");
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = fo_error_set(err, FO_ERR_IO, "read failed (%s)",
                              fo_syserr(errno, ebuf, sizeof ebuf));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_bytes) {
            rc = fo_error_set(
                err, FO_ERR_LIMIT,
                "file too large (grew past the limit of %zu bytes while read)",
                max_bytes);
            goto out;
        }
        if (len == cap) {
            size_t ncap = cap * 2 < max_bytes + 1 ? cap * 2 : max_bytes + 1;
            uint8_t *nbuf;
            if (ncap <= cap)
                ncap = cap + 1;
            nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory reading file");
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
    }
    {
        /* a file being written (an upload, a scanner saving) is not judged
         * on the part that has arrived */
        struct stat after;
        if (fstat(fd, &after) == 0 &&
            (after.st_size != st.st_size || (uint64_t)len != (uint64_t)st.st_size ||
             after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
             after.st_mtim.tv_nsec != st.st_mtim.tv_nsec)) {
            rc = fo_error_set(err, FO_ERR_CHANGED,
                              "changed while it was read (%lld bytes, now %lld): "
                              "perhaps still being written",
                              (long long)len, (long long)after.st_size);
            goto out;
        }
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int fo_write_file_atomic(const char *path, const void *data, size_t size, fo_error *err)
{
    char *tmp = fo_asprintf("%s.tmp.%ld", path, (long)getpid());
    const uint8_t *p = data;
    char ebuf[128];
    int fd = -1, rc = FO_OK;

    if (!tmp)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = fo_error_set(err, FO_ERR_OUTPUT, "cannot write (%s)",
                          fo_syserr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = fo_error_set(err, FO_ERR_OUTPUT, "cannot write (%s)",
                              fo_syserr(errno, ebuf, sizeof ebuf));
            goto out;
        }
        p += n;
        size -= (size_t)n;
    }
    if (fsync(fd) != 0) {
        rc = fo_error_set(err, FO_ERR_OUTPUT, "cannot write (%s)",
                          fo_syserr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = fo_error_set(err, FO_ERR_OUTPUT, "cannot write (%s)",
                          fo_syserr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        rc = fo_error_set(err, FO_ERR_OUTPUT, "cannot write (%s)",
                          fo_syserr(errno, ebuf, sizeof ebuf));
out:
    if (fd >= 0)
        close(fd);
    if (rc != FO_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

int fo_sha256(const void *data, size_t size, uint8_t out[FO_SHA256_LEN])
{
    unsigned int n = 0;
    if (!EVP_Digest(data, size, out, &n, EVP_sha256(), NULL) || n != FO_SHA256_LEN)
        return FO_ERR_NOMEM;
    return FO_OK;
}

void fo_hex(const uint8_t *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}

char *fo_strdup(const char *s)
{
    return s ? fo_strndup(s, strlen(s)) : NULL;
}

char *fo_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *fo_asprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *fo_path_dirname(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    if (n == 0)
        return fo_strdup(".");
    while (n > 1 && path[n - 1] == '/')
        n--;
    return fo_strndup(path, n);
}

char *fo_path_basename(const char *path)
{
    size_t end = strlen(path), start;
    while (end > 1 && path[end - 1] == '/')
        end--;
    start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return fo_strndup(path + start, end - start);
}

char *fo_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n > 0 && dir[n - 1] == '/')
        return fo_asprintf("%s%s", dir, name);
    return fo_asprintf("%s/%s", dir, name);
}

bool fo_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fo_make_dir(const char *dir, fo_error *err)
{
    return fo_make_dir_mode(dir, 0755, err);
}

int fo_make_dir_mode(const char *dir, mode_t mode, fo_error *err)
{
    char ebuf[128];
    if (!fo_is_dir(dir)) {
        /* its parents first, as mkdir -p */
        char *parent = fo_strdup(dir);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        while (slash && slash > parent && slash[1] == '\0') {
            *slash = '\0'; /* "a/b/" names "a/b" */
            slash = strrchr(parent, '/');
        }
        if (slash && slash > parent) {
            *slash = '\0';
            int rc = fo_is_dir(parent) ? FO_OK : fo_make_dir_mode(parent, mode, err);
            if (rc != FO_OK) {
                free(parent);
                return rc;
            }
        }
        free(parent);
    }
    if (mkdir(dir, mode) != 0 && errno != EEXIST)
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot create folder (%s)", dir,
                            fo_syserr(errno, ebuf, sizeof ebuf));
    if (!fo_is_dir(dir))
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: not a folder", dir);
    return FO_OK;
}

bool fo_is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool fo_is_identifier(const char *s)
{
    size_t n = 0;
    if (!s || !(*s >= 'a' && *s <= 'z'))
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return n <= IDENTIFIER_MAX;
}

double fo_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

const char *fo_version(void)
{
    return FORMOCR_VERSION;
}

bool fo_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;
    if (!s || !*s)
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the byte
 * there does not begin one: overlong forms, surrogates and code points
 * beyond U+10FFFF are not valid (RFC 3629). */
static int utf8_sequence(const unsigned char *s)
{
    unsigned c = s[0], cp;
    int n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

char *fo_escape_text(const char *s, int flags)
{
    fo_strbuf out = FO_STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = utf8_sequence(p);
        if (n == 0 ||
            (n == 1 && (flags & FO_ESCAPE_CONTROL) && (*p < 0x20 || *p == 0x7F))) {
            fo_strbuf_addf(&out, "\\x%02X", *p);
            p++;
        } else if (*p == '\\' && (flags & FO_ESCAPE_BACKSLASH)) {
            fo_strbuf_add(&out, "\\\\");
            p++;
        } else {
            fo_strbuf_addn(&out, (const char *)p, (size_t)n);
            p += n;
        }
    }
    return fo_strbuf_detach(&out);
}

int fo_parse_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int fo_days_in_month(int year, int month)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : DAYS[month - 1];
}

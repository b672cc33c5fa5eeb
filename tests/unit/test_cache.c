/*
 * test_cache.c - the on-disk cache: whole entries or none, damage found
 * and removed, its folder.
 *
 *     test_cache                 the tests
 *     test_cache --write-seed F  writes a valid entry file to F, the fuzz
 *                                target's seed (tests/fuzz/corpus/cache/)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "cache.h"
#include "harness.h"
#include "pix_pattern.h"
#include "util.h"

static char top[] = "/tmp/formocr-cache-XXXXXX";

/* What the writers of the concurrency test do (each). */
enum { PUTS_PER_WRITER = 50, CONCURRENT_PAYLOAD = 64 * 1024 /* bytes */ };
/* The reader stops after this many reads if the writers never finish. */
enum { MAX_CONCURRENT_READS = 1000000 };

/* Offsets in an entry file of formocr's version string (bytes). */
enum { AT_FORMAT = 8, AT_VERSION_LEN = 12, AT_VERSION = 16 };

static void fill_key(uint8_t key[FO_CACHE_KEY_LEN], uint8_t seed)
{
    for (int i = 0; i < FO_CACHE_KEY_LEN; i++)
        key[i] = (uint8_t)(seed + 3 * i);
}

static uint8_t *slurp_bytes(const char *path, size_t *n)
{
    uint8_t *data = NULL;
    fo_error err;
    if (fo_read_file(path, 1 << 20, &data, n, &err) != FO_OK)
        return NULL;
    return data;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    OK(f != NULL);
    if (f) {
        OK(fwrite(data, 1, n, f) == n);
        fclose(f);
    }
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Names in dir, apart from . and .. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static fo_cache *open_in(const char *name)
{
    char *dir = fo_path_join(top, name);
    fo_cache *c = NULL;
    fo_error err;
    INT_EQ(fo_cache_open(dir, &c, &err), FO_OK);
    free(dir);
    return c;
}

static void test_round_trip(void)
{
    fo_cache *c = open_in("round");
    uint8_t key[FO_CACHE_KEY_LEN], *data = (uint8_t *)"x";
    char hex[2 * FO_CACHE_KEY_LEN + 1], *path, *want;
    const char payload[] = "precomputed \0 bytes";
    size_t len = 99;
    fo_error err;
    struct stat st;

    if (!c)
        return;
    fill_key(key, 1);
    INT_EQ(fo_cache_put(c, "match", key, payload, sizeof payload, &err), FO_OK);
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    INT_EQ(len, sizeof payload);
    OK(data && memcmp(data, payload, sizeof payload) == 0);
    free(data);

    /* the name the header promises, private to its owner */
    fo_hex(key, sizeof key, hex);
    path = fo_cache_entry_path(c, "match", key);
    want = fo_asprintf("%s/round/match-%s.bin", top, hex);
    STR_EQ(path, want);
    OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    free(want);
    free(path);

    /* a second open (another run) reads it */
    fo_cache_close(&c);
    OK(c == NULL);
    fo_cache_close(&c);
    fo_cache_close(NULL);
    c = open_in("round");
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    OK(data && len == sizeof payload && memcmp(data, payload, sizeof payload) == 0);
    free(data);

    /* another kind, same key: another entry; an empty payload */
    INT_EQ(fo_cache_put(c, "mask", key, NULL, 0, &err), FO_OK);
    INT_EQ(fo_cache_get(c, "mask", key, &data, &len), FO_OK);
    OK(data != NULL);
    INT_EQ(len, 0);
    free(data);

    /* replaced: the later put wins */
    INT_EQ(fo_cache_put(c, "match", key, "second", 6, &err), FO_OK);
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    OK(data && len == 6 && memcmp(data, "second", 6) == 0);
    free(data);
    INT_EQ(count_files(fo_cache_dir(c)), 2);
    fo_cache_close(&c);
}

static void test_absent(void)
{
    fo_cache *c = open_in("absent");
    uint8_t key[FO_CACHE_KEY_LEN], *data = (uint8_t *)"x";
    size_t len = 99;
    fo_error err;

    if (!c)
        return;
    fill_key(key, 2);
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_ERR_IO);
    OK(data == NULL);
    INT_EQ(len, 0);
    /* a kind that is not [a-z0-9_]{1,32}: refused, never a path */
    INT_EQ(fo_cache_get(c, "../x", key, &data, &len), FO_ERR_USAGE);
    INT_EQ(fo_cache_get(c, "", key, &data, &len), FO_ERR_USAGE);
    INT_EQ(fo_cache_get(c, "Match", key, &data, &len), FO_ERR_USAGE);
    OK(fo_cache_entry_path(c, "a/b", key) == NULL);
    INT_EQ(fo_cache_put(c, "a/b", key, "x", 1, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "not a cache entry kind: \"a/b\"");
    INT_EQ(count_files(fo_cache_dir(c)), 0);
    fo_cache_close(&c);
}

/* A damage done to an entry's bytes (data, *n; room for 8 more). */
typedef void (*damage_fn)(uint8_t *data, size_t *n, size_t version_len);

static void truncate_header(uint8_t *d, size_t *n, size_t v)
{
    (void)d;
    *n = AT_VERSION + v + 10; /* inside the key */
}
static void truncate_payload(uint8_t *d, size_t *n, size_t v)
{
    (void)d;
    (void)v;
    *n -= 40; /* the checksum and some payload gone */
}
static void truncate_last_byte(uint8_t *d, size_t *n, size_t v)
{
    (void)d;
    (void)v;
    *n -= 1;
}
static void truncate_magic(uint8_t *d, size_t *n, size_t v)
{
    (void)d;
    (void)v;
    *n = 5;
}
static void truncate_empty(uint8_t *d, size_t *n, size_t v)
{
    (void)d;
    (void)v;
    *n = 0;
}
static void flip_payload(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    d[AT_VERSION + v + 32 + 8 + 3] ^= 0x10;
}
static void flip_checksum(uint8_t *d, size_t *n, size_t v)
{
    (void)v;
    d[*n - 1] ^= 0x01;
}
static void wrong_magic(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    (void)v;
    memcpy(d, "FOCACHE\r", 8);
}
static void other_format(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    (void)v;
    d[AT_FORMAT] = FO_CACHE_FORMAT + 1;
}
static void other_version(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    (void)v;
    d[AT_VERSION] = d[AT_VERSION] == '9' ? '8' : '9'; /* "0.1.0" -> "9.1.0" */
}
static void version_too_long(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    (void)v;
    d[AT_VERSION_LEN] = 200;
}
static void other_key(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    d[AT_VERSION + v + 31] ^= 0x80;
}
static void huge_length(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    memset(d + AT_VERSION + v + 32, 0xff, 8);
}
static void length_over_limit(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    uint8_t *at = d + AT_VERSION + v + 32;
    memset(at, 0, 8);
    at[0] = 0x01; /* 0x10000001: 256 MiB and a byte, little-endian */
    at[3] = 0x10;
}
static void length_plus_one(uint8_t *d, size_t *n, size_t v)
{
    (void)n;
    d[AT_VERSION + v + 32] += 1; /* within the limit, past the file's end */
}
static void trailing_byte(uint8_t *d, size_t *n, size_t v)
{
    (void)v;
    d[(*n)++] = 0;
}

static void test_damaged(void)
{
    static const struct {
        const char *name;
        damage_fn damage;
    } cases[] = {
        {"truncate_header", truncate_header},
        {"truncate_payload", truncate_payload},
        {"truncate_last_byte", truncate_last_byte},
        {"truncate_magic", truncate_magic},
        {"truncate_empty", truncate_empty},
        {"flip_payload", flip_payload},
        {"flip_checksum", flip_checksum},
        {"wrong_magic", wrong_magic},
        {"other_format", other_format},
        {"other_version", other_version},
        {"version_too_long", version_too_long},
        {"other_key", other_key},
        {"huge_length", huge_length},
        {"length_over_limit", length_over_limit},
        {"length_plus_one", length_plus_one},
        {"trailing_byte", trailing_byte},
    };
    fo_cache *c = open_in("damaged");
    uint8_t key[FO_CACHE_KEY_LEN], payload[100];
    size_t vlen = strlen(fo_version());
    char *path;
    fo_error err;

    if (!c)
        return;
    fill_key(key, 3);
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13);
    path = fo_cache_entry_path(c, "match", key);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t *bytes, *data = NULL, grown[512];
        size_t n = 0, len = 0;
        harness_current = cases[k].name;
        INT_EQ(fo_cache_put(c, "match", key, payload, sizeof payload, &err), FO_OK);
        bytes = slurp_bytes(path, &n);
        OK(bytes && n + 8 <= sizeof grown);
        if (!bytes || n + 8 > sizeof grown)
            break;
        memcpy(grown, bytes, n);
        free(bytes);
        cases[k].damage(grown, &n, vlen);
        write_bytes(path, grown, n);
        INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_ERR_CORRUPT);
        OK(data == NULL && len == 0);
        OK(!exists(path)); /* removed: the next run rebuilds it */
        /* and rebuilt */
        INT_EQ(fo_cache_put(c, "match", key, payload, sizeof payload, &err), FO_OK);
        INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
        OK(data && len == sizeof payload && memcmp(data, payload, len) == 0);
        free(data);
    }
    harness_current = "test_damaged";

    /* a file longer than any entry: refused on its size, never read (a
     * sparse file: it takes no room) */
    {
        int fd = open(path, O_WRONLY | O_TRUNC);
        uint8_t *data = NULL;
        size_t len;
        OK(fd >= 0 && ftruncate(fd, (off_t)(FO_CACHE_MAX_PAYLOAD + 4096)) == 0);
        if (fd >= 0)
            close(fd);
        INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_ERR_CORRUPT);
        OK(!exists(path));
    }

    /* the entry copied under another key's name */
    {
        uint8_t other[FO_CACHE_KEY_LEN], *data = NULL, *bytes;
        char *other_path;
        size_t len, n = 0;
        fill_key(other, 4);
        other_path = fo_cache_entry_path(c, "match", other);
        INT_EQ(fo_cache_put(c, "match", key, payload, sizeof payload, &err), FO_OK);
        bytes = slurp_bytes(path, &n);
        if (bytes)
            write_bytes(other_path, bytes, n);
        free(bytes);
        INT_EQ(fo_cache_get(c, "match", other, &data, &len), FO_ERR_CORRUPT);
        OK(!exists(other_path));
        OK(exists(path)); /* the good one stays */
        free(other_path);
    }

    /* something formocr did not write there (a folder): left alone */
    {
        uint8_t other[FO_CACHE_KEY_LEN], *data = NULL;
        char *other_path;
        size_t len;
        fill_key(other, 5);
        other_path = fo_cache_entry_path(c, "match", other);
        OK(mkdir(other_path, 0700) == 0);
        INT_EQ(fo_cache_get(c, "match", other, &data, &len), FO_ERR_IO);
        OK(exists(other_path));
        INT_EQ(fo_cache_put(c, "match", other, "x", 1, &err), FO_ERR_OUTPUT);
        STR_CONTAINS(err.message, ": cannot write the cache entry (");
        rmdir(other_path);
        free(other_path);
    }
    INT_EQ(count_files(fo_cache_dir(c)), 1); /* no temporary file left */
    free(path);
    fo_cache_close(&c);
}

/* A writer killed mid-write leaves its temporary file: readers ignore it,
 * writers write beside it, and a later open removes it once it is old. */
static void test_killed_writer(void)
{
    fo_cache *c = open_in("killed");
    uint8_t key[FO_CACHE_KEY_LEN], *data = NULL;
    char hex[2 * FO_CACHE_KEY_LEN + 1], *stray, *fresh, *other;
    size_t len;
    fo_error err;
    struct timeval old[2];

    if (!c)
        return;
    fill_key(key, 6);
    fo_hex(key, sizeof key, hex);
    stray = fo_asprintf("%s/.tmp.match-%s.bin.Ab12Cd", fo_cache_dir(c), hex);
    fresh = fo_asprintf("%s/.tmp.match-%s.bin.Ef34Gh", fo_cache_dir(c), hex);
    other = fo_path_join(fo_cache_dir(c), "notes.txt");
    write_bytes(stray, "FOCACHE\n\x01\x00", 10);
    write_bytes(fresh, "FOCACHE\n", 8);
    write_bytes(other, "mine", 4);

    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_ERR_IO);
    INT_EQ(fo_cache_put(c, "match", key, "whole", 5, &err), FO_OK);
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    OK(data && len == 5 && memcmp(data, "whole", 5) == 0);
    free(data);
    OK(exists(stray));

    /* two hours old: the next open removes it, not the fresh one (a writer
     * may be at work) nor a file that is not a temporary one */
    old[0].tv_sec = old[1].tv_sec = time(NULL) - 7200;
    old[0].tv_usec = old[1].tv_usec = 0;
    OK(utimes(stray, old) == 0 && utimes(other, old) == 0);
    fo_cache_close(&c);
    c = open_in("killed");
    OK(!exists(stray));
    OK(exists(fresh));
    OK(exists(other));
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    free(data);
    free(stray);
    free(fresh);
    free(other);
    fo_cache_close(&c);
}

/* Entries no run read for FO_CACHE_UNUSED_DAYS go when the cache is next
 * opened; a read one is kept (its time set again), and a file formocr did
 * not name is left alone however old. */
static void test_unused_removed(void)
{
    fo_cache *c = open_in("unused");
    uint8_t used[FO_CACHE_KEY_LEN], unused[FO_CACHE_KEY_LEN], *data = NULL;
    char *used_path, *unused_path, *kept_path, *mine, *odd;
    size_t len;
    fo_error err;
    struct timeval old[2];
    struct stat st;

    if (!c)
        return;
    fill_key(used, 21);
    fill_key(unused, 22);
    INT_EQ(fo_cache_put(c, "mframe", used, "kept", 4, &err), FO_OK);
    INT_EQ(fo_cache_put(c, "mframe", unused, "gone", 4, &err), FO_OK);
    INT_EQ(fo_cache_put(c, "mpatch", used, "kept too", 8, &err), FO_OK);
    kept_path = fo_cache_entry_path(c, "mpatch", used);
    used_path = fo_cache_entry_path(c, "mframe", used);
    unused_path = fo_cache_entry_path(c, "mframe", unused);
    mine = fo_path_join(fo_cache_dir(c), "notes.bin");
    odd =
        fo_path_join(fo_cache_dir(c), "mframe-0123.bin"); /* no key of 64 hex digits */
    write_bytes(mine, "mine", 4);
    write_bytes(odd, "odd", 3);
    old[0].tv_sec = old[1].tv_sec = time(NULL) - (FO_CACHE_UNUSED_DAYS + 1) * 86400L;
    old[0].tv_usec = old[1].tv_usec = 0;
    OK(utimes(used_path, old) == 0 && utimes(unused_path, old) == 0 &&
       utimes(mine, old) == 0 && utimes(odd, old) == 0 && utimes(kept_path, old) == 0);
    /* there, not read: kept all the same (a model's patches) */
    OK(fo_cache_keep(c, "mpatch", used));
    OK(!fo_cache_keep(c, "mpatch", unused));

    /* read: its time is now (the test allows an hour of a slow machine) */
    INT_EQ(fo_cache_get(c, "mframe", used, &data, &len), FO_OK);
    OK(data && len == 4 && memcmp(data, "kept", 4) == 0);
    free(data);
    data = NULL;
    OK(stat(used_path, &st) == 0 && difftime(time(NULL), st.st_mtime) < 3600);
    fo_cache_close(&c);

    c = open_in("unused");
    OK(exists(used_path));
    OK(exists(kept_path));
    OK(!exists(unused_path));
    OK(exists(mine));
    OK(exists(odd));
    INT_EQ(fo_cache_get(c, "mframe", unused, &data, &len), FO_ERR_IO);
    INT_EQ(fo_cache_get(c, "mframe", used, &data, &len), FO_OK);
    free(data);
    free(used_path);
    free(unused_path);
    free(kept_path);
    free(mine);
    free(odd);
    fo_cache_close(&c);
}

static void test_put_refused(void)
{
    fo_cache *c = open_in("refused");
    uint8_t key[FO_CACHE_KEY_LEN];
    char *path, *want;
    fo_error err;

    if (!c)
        return;
    fill_key(key, 7);
    path = fo_cache_entry_path(c, "match", key);
    /* refused on its length, before a byte is read */
    INT_EQ(fo_cache_put(c, "match", key, "x", (size_t)FO_CACHE_MAX_PAYLOAD + 1, &err),
           FO_ERR_LIMIT);
    want = fo_asprintf("%s: cache entry too large (268435457 bytes, limit 268435456)",
                       path);
    STR_EQ(err.message, want);
    free(want);

    /* the folder gone under it: the message names the entry */
    OK(rmdir(fo_cache_dir(c)) == 0);
    INT_EQ(fo_cache_put(c, "match", key, "x", 1, &err), FO_ERR_OUTPUT);
    want = fo_asprintf("%s: cannot write the cache entry (no such file or directory)",
                       path);
    STR_EQ(err.message, want);
    free(want);
    free(path);
    fo_cache_close(&c);
}

/* The payload writer `id` puts the `i`th time: its own length and bytes,
 * so that any mix of two is seen. */
static uint8_t *concurrent_payload(uint32_t id, uint32_t i, size_t *len)
{
    uint8_t *p;
    *len = CONCURRENT_PAYLOAD + 1000 * id + i;
    p = malloc(*len);
    if (!p)
        return NULL;
    memcpy(p, &id, 4);
    memcpy(p + 4, &i, 4);
    for (size_t k = 8; k < *len; k++)
        p[k] = (uint8_t)(id * 131 + i * 17 + k);
    return p;
}

static bool concurrent_payload_valid(const uint8_t *data, size_t len, uint32_t *i_out)
{
    uint32_t id, i;
    size_t want_len;
    uint8_t *want;
    bool same;
    if (len < 8)
        return false;
    memcpy(&id, data, 4);
    memcpy(&i, data + 4, 4);
    if ((id != 1 && id != 2) || i >= PUTS_PER_WRITER)
        return false;
    want = concurrent_payload(id, i, &want_len);
    same = want && want_len == len && memcmp(want, data, len) == 0;
    free(want);
    *i_out = i;
    return same;
}

static int concurrent_writer(const char *dir, uint32_t id)
{
    fo_cache *c = NULL;
    uint8_t key[FO_CACHE_KEY_LEN];
    fo_error err;
    int failures = 0;
    fill_key(key, 8);
    if (fo_cache_open(dir, &c, &err) != FO_OK)
        return 1;
    for (uint32_t i = 0; i < PUTS_PER_WRITER; i++) {
        size_t len;
        uint8_t *p = concurrent_payload(id, i, &len);
        if (!p || fo_cache_put(c, "match", key, p, len, &err) != FO_OK) {
            fprintf(stderr, "writer %u: %s\n", id, err.message);
            failures++;
        }
        free(p);
    }
    fo_cache_close(&c);
    return failures == 0 ? 0 : 1;
}

/* Reads until the file `stop` appears: every read is none or whole. */
static int concurrent_reader(const char *dir, const char *stop)
{
    fo_cache *c = NULL;
    uint8_t key[FO_CACHE_KEY_LEN];
    fo_error err;
    int whole = 0, none = 0, bad = 0;
    fill_key(key, 8);
    if (fo_cache_open(dir, &c, &err) != FO_OK)
        return 1;
    for (int n = 0; n < MAX_CONCURRENT_READS && !exists(stop); n++) {
        uint8_t *data = NULL;
        size_t len;
        uint32_t i;
        int rc = fo_cache_get(c, "match", key, &data, &len);
        if (rc == FO_OK && concurrent_payload_valid(data, len, &i))
            whole++;
        else if (rc == FO_ERR_IO)
            none++;
        else
            bad++;
        free(data);
    }
    fo_cache_close(&c);
    fprintf(stderr, "concurrent reader: %d whole, %d none, %d bad\n", whole, none, bad);
    return bad == 0 ? 0 : 1;
}

static void test_concurrent(void)
{
    char *dir = fo_path_join(top, "concurrent"), *stop = fo_path_join(top, "stop");
    pid_t writers[2], reader;
    int status;
    fo_cache *c;
    uint8_t key[FO_CACHE_KEY_LEN], *data = NULL;
    size_t len;
    uint32_t i = 0;

    c = open_in("concurrent");
    fflush(stderr);
    reader = fork();
    if (reader == 0)
        _exit(concurrent_reader(dir, stop));
    for (uint32_t w = 0; w < 2; w++) {
        writers[w] = fork();
        if (writers[w] == 0)
            _exit(concurrent_writer(dir, w + 1));
    }
    for (int w = 0; w < 2; w++) {
        OK(writers[w] > 0 && waitpid(writers[w], &status, 0) == writers[w]);
        OK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    write_bytes(stop, "", 0);
    OK(reader > 0 && waitpid(reader, &status, 0) == reader);
    OK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* the last rename won: a writer's last payload, whole; nothing else
     * left in the folder */
    fill_key(key, 8);
    INT_EQ(fo_cache_get(c, "match", key, &data, &len), FO_OK);
    OK(data && concurrent_payload_valid(data, len, &i));
    INT_EQ(i, PUTS_PER_WRITER - 1);
    INT_EQ(count_files(dir), 1);
    free(data);
    fo_cache_close(&c);
    free(stop);
    free(dir);
}

static void test_open_refused(void)
{
    char *file = fo_path_join(top, "a-file"), *under = fo_path_join(file, "cache");
    static int not_a_cache;
    char *want;
    fo_cache *c = (fo_cache *)&not_a_cache; /* to see it set to NULL */
    fo_error err;

    write_bytes(file, "x", 1);
    INT_EQ(fo_cache_open(file, &c, &err), FO_ERR_IO);
    OK(c == NULL);
    want = fo_asprintf("%s: not a folder", file);
    STR_EQ(err.message, want);
    free(want);
    INT_EQ(err.code, FO_ERR_IO);

    /* a parent that is a file: the message names it */
    INT_EQ(fo_cache_open(under, &c, &err), FO_ERR_IO);
    want = fo_asprintf("%s: not a folder", file);
    STR_EQ(err.message, want);
    free(want);

    INT_EQ(fo_cache_open("", &c, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "no cache folder given (empty path)");

    /* a folder one cannot write in (root writes anywhere: not tested so) */
    if (geteuid() != 0) {
        char *ro = fo_path_join(top, "read-only");
        OK(mkdir(ro, 0500) == 0);
        INT_EQ(fo_cache_open(ro, &c, &err), FO_ERR_IO);
        want =
            fo_asprintf("%s: cannot write in the cache folder (permission denied)", ro);
        STR_EQ(err.message, want);
        free(want);
        free(ro);
    }
    free(file);
    free(under);
}

static char *saved_env(const char *name)
{
    const char *v = getenv(name);
    return v ? fo_strdup(v) : NULL;
}

static void restore_env(const char *name, char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

static void test_default_folder(void)
{
    char *xdg_was = saved_env("XDG_CACHE_HOME"), *home_was = saved_env("HOME");
    char *xdg = fo_path_join(top, "xdg"), *home = fo_path_join(top, "home"), *want;
    fo_cache *c = NULL;
    fo_error err;
    struct stat st;

    /* $XDG_CACHE_HOME/formocr, made with its parent, private */
    setenv("XDG_CACHE_HOME", xdg, 1);
    setenv("HOME", home, 1);
    INT_EQ(fo_cache_open(NULL, &c, &err), FO_OK);
    want = fo_path_join(xdg, "formocr");
    STR_EQ(c ? fo_cache_dir(c) : NULL, want);
    OK(stat(want, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    OK(stat(xdg, &st) == 0 && (st.st_mode & 0777) == 0700);
    free(want);
    fo_cache_close(&c);

    /* a relative XDG_CACHE_HOME is ignored (the XDG spec): ~/.cache/formocr */
    setenv("XDG_CACHE_HOME", "relative/cache", 1);
    INT_EQ(fo_cache_open(NULL, &c, &err), FO_OK);
    want = fo_path_join(home, ".cache/formocr");
    STR_EQ(c ? fo_cache_dir(c) : NULL, want);
    OK(fo_is_dir(want));
    OK(!fo_is_dir("relative"));
    free(want);
    fo_cache_close(&c);

    /* nowhere to go */
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    INT_EQ(fo_cache_open(NULL, &c, &err), FO_ERR_CONFIG);
    OK(c == NULL);
    STR_EQ(err.message, "no folder for the cache (neither XDG_CACHE_HOME nor HOME is "
                        "an absolute path)");

    restore_env("XDG_CACHE_HOME", xdg_was);
    restore_env("HOME", home_was);
    free(xdg);
    free(home);
}

/* A PIX through the cache: what the matcher's callers will do. */
static void test_pix_entry(void)
{
    fo_cache *c = open_in("pix");
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    fo_blob_reader r;
    uint8_t key[FO_CACHE_KEY_LEN], *bytes, *data = NULL;
    size_t n, len = 0;
    PIX *pix = pattern_pix(300, 40), *back;
    l_int32 same = 0;
    fo_error err;

    if (!c)
        return;
    fill_key(key, 9);
    fo_blob_put_f64(&w, 0.25);
    fo_blob_put_pix1(&w, pix);
    bytes = fo_blob_writer_detach(&w, &n);
    INT_EQ(fo_cache_put(c, "mask", key, bytes, n, &err), FO_OK);
    INT_EQ(fo_cache_get(c, "mask", key, &data, &len), FO_OK);
    r = fo_blob_reader_of(data, len);
    OK(fo_blob_get_f64(&r) == 0.25);
    back = fo_blob_get_pix1(&r);
    OK(back && fo_blob_reader_done(&r));
    if (back)
        pixEqual(pix, back, &same);
    OK(same);
    pixDestroy(&back);
    pixDestroy(&pix);
    free(bytes);
    free(data);
    fo_cache_close(&c);
}

/* The fuzz target's seed: a valid entry of kind "fuzz" and key 0, 1, ...
 * 31 (as fuzz_cache.c reads it) whose payload is a small PIX blob. */
static int write_seed(const char *out)
{
    fo_cache *c = NULL;
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    uint8_t key[FO_CACHE_KEY_LEN], *bytes, *entry;
    size_t n, entry_len;
    PIX *pix = pattern_pix(40, 24);
    char *path = NULL;
    fo_error err;
    int rc = 1;

    for (int i = 0; i < FO_CACHE_KEY_LEN; i++)
        key[i] = (uint8_t)i;
    fo_blob_put_pix1(&w, pix);
    bytes = fo_blob_writer_detach(&w, &n);
    if (bytes && fo_cache_open(top, &c, &err) == FO_OK &&
        fo_cache_put(c, "fuzz", key, bytes, n, &err) == FO_OK &&
        (path = fo_cache_entry_path(c, "fuzz", key)) != NULL &&
        (entry = slurp_bytes(path, &entry_len)) != NULL) {
        write_bytes(out, entry, entry_len);
        free(entry);
        rc = harness_failures == 0 ? 0 : 1;
    }
    free(path);
    free(bytes);
    pixDestroy(&pix);
    fo_cache_close(&c);
    return rc;
}

int main(int argc, char **argv)
{
    int status;
    char *cmd;

    if (!mkdtemp(top)) {
        perror(top);
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "--write-seed") == 0) {
        status = write_seed(argv[2]);
    } else {
        RUN(test_round_trip);
        RUN(test_absent);
        RUN(test_damaged);
        RUN(test_killed_writer);
        RUN(test_unused_removed);
        RUN(test_put_refused);
        RUN(test_concurrent);
        RUN(test_open_refused);
        RUN(test_default_folder);
        RUN(test_pix_entry);
        status = harness_done();
    }
    cmd = fo_asprintf("rm -rf '%s'", top);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", top);
    free(cmd);
    return status;
}

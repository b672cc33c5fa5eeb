/*
 * fuzz_cache.c - libFuzzer target: a cache entry file as formocr may find
 * it on disk, read by fo_cache_get, its payload then read as a 1-bpp PIX
 * blob.  Few inputs get past the entry's checksum, so the input is also
 * read as a PIX blob by itself: the blob reader sees hostile bytes either
 * way.  The seed (tests/fuzz/corpus/cache/) is a whole entry of kind
 * "fuzz" and key 0, 1, ... 31, made by `test_cache --write-seed FILE`.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "cache.h"
#include "fuzz_common.h"

static char dir[] = "/tmp/formocr-fuzz-cache-XXXXXX";
static fo_cache *cache;
static char *entry;
static uint8_t key[FO_CACHE_KEY_LEN];

static void clean_up(void)
{
    if (entry)
        unlink(entry);
    rmdir(dir);
    free(entry);
    fo_cache_close(&cache);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fo_error err;
    (void)argc;
    (void)argv;
    for (int i = 0; i < FO_CACHE_KEY_LEN; i++)
        key[i] = (uint8_t)i;
    if (!mkdtemp(dir) || fo_cache_open(dir, &cache, &err) != FO_OK ||
        !(entry = fo_cache_entry_path(cache, "fuzz", key)))
        abort();
    atexit(clean_up);
    return 0;
}

/* Reads the bytes as a PIX blob; what it accepts must write back to the
 * same bytes. */
static void read_pix(const uint8_t *data, size_t size)
{
    fo_blob_reader r = fo_blob_reader_of(data, size);
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    PIX *pix = fo_blob_get_pix1(&r);
    uint8_t *again;
    size_t n;

    if (!pix) {
        if (!r.failed)
            __builtin_trap();
        return;
    }
    if (r.failed || pixGetDepth(pix) != 1 || pixGetWidth(pix) < 1 ||
        pixGetWidth(pix) > FO_BLOB_PIX_MAX_SIDE || pixGetHeight(pix) < 1 ||
        pixGetHeight(pix) > FO_BLOB_PIX_MAX_SIDE)
        __builtin_trap();
    fo_blob_put_pix1(&w, pix);
    again = fo_blob_writer_detach(&w, &n);
    if (again && (n != r.pos || memcmp(again, data, n) != 0))
        __builtin_trap();
    free(again);
    pixDestroy(&pix);
}

static void write_entry(const uint8_t *data, size_t size)
{
    int fd = open(entry, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0)
            abort();
        data += n;
        size -= (size_t)n;
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *payload = NULL;
    size_t len = 0;
    struct stat st;
    int rc;

    write_entry(data, size);
    rc = fo_cache_get(cache, "fuzz", key, &payload, &len);
    if (rc == FO_OK) {
        /* a payload comes whole, from a file that is the entry's size */
        if (!payload || len > FO_CACHE_MAX_PAYLOAD || len >= size)
            __builtin_trap();
        read_pix(payload, len);
    } else if (rc == FO_ERR_CORRUPT) {
        if (payload || len != 0 || lstat(entry, &st) == 0)
            __builtin_trap(); /* a damaged entry is removed */
    } else if (rc != FO_ERR_NOMEM) {
        __builtin_trap(); /* the file is there: found, or damaged */
    }
    free(payload);
    read_pix(data, size);
    return 0;
}

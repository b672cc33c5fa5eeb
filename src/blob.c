/* blob.c - the bounds-checked binary serializer (see blob.h). */
#include "blob.h"

#include <stdlib.h>
#include <string.h>

enum { MIN_CAPACITY = 256 /* bytes */ };

/* Room for n more bytes; false (the writer failed) if none. */
static bool reserve(fo_blob_writer *w, size_t n)
{
    size_t want, cap;
    uint8_t *grown;
    if (w->failed)
        return false;
    if (n > SIZE_MAX - w->len) {
        w->failed = true;
        return false;
    }
    want = w->len + n;
    if (want <= w->cap)
        return true;
    cap = w->cap ? w->cap : MIN_CAPACITY;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : 2 * cap;
    grown = realloc(w->p, cap);
    if (!grown) {
        w->failed = true;
        return false;
    }
    w->p = grown;
    w->cap = cap;
    return true;
}

/* v's low `bytes` bytes, least significant first. */
static void put_le(fo_blob_writer *w, uint64_t v, int bytes)
{
    if (!reserve(w, (size_t)bytes))
        return;
    for (int i = 0; i < bytes; i++)
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

void fo_blob_put_u32(fo_blob_writer *w, uint32_t v)
{
    put_le(w, v, 4);
}

void fo_blob_put_i32(fo_blob_writer *w, int32_t v)
{
    put_le(w, (uint32_t)v, 4);
}

void fo_blob_put_u64(fo_blob_writer *w, uint64_t v)
{
    put_le(w, v, 8);
}

void fo_blob_put_f32(fo_blob_writer *w, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(w, bits, 4);
}

void fo_blob_put_f64(fo_blob_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(w, bits, 8);
}

void fo_blob_put_bytes(fo_blob_writer *w, const void *data, size_t n)
{
    if (n == 0 || !reserve(w, n))
        return;
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

uint8_t *fo_blob_writer_detach(fo_blob_writer *w, size_t *len)
{
    uint8_t *p = NULL;
    *len = 0;
    if (!w->failed) {
        p = w->p ? w->p : malloc(1);
        if (p)
            *len = w->len;
    } else {
        free(w->p);
    }
    *w = (fo_blob_writer)FO_BLOB_WRITER_INIT;
    return p;
}

void fo_blob_writer_free(fo_blob_writer *w)
{
    free(w->p);
    *w = (fo_blob_writer)FO_BLOB_WRITER_INIT;
}

fo_blob_reader fo_blob_reader_of(const void *p, size_t len)
{
    fo_blob_reader r = {p, len, 0, false};
    return r;
}

/* The next n bytes, or NULL (the reader failed) when fewer are left. */
static const uint8_t *take(fo_blob_reader *r, size_t n)
{
    const uint8_t *at;
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    at = r->p + r->pos;
    r->pos += n;
    return at;
}

static uint64_t get_le(fo_blob_reader *r, int bytes)
{
    const uint8_t *at = take(r, (size_t)bytes);
    uint64_t v = 0;
    if (!at)
        return 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)at[i] << (8 * i);
    return v;
}

uint32_t fo_blob_get_u32(fo_blob_reader *r)
{
    return (uint32_t)get_le(r, 4);
}

int32_t fo_blob_get_i32(fo_blob_reader *r)
{
    uint32_t u = (uint32_t)get_le(r, 4);
    int32_t v;
    memcpy(&v, &u, sizeof v); /* two's complement, without the cast's
                                 implementation-defined conversion */
    return v;
}

uint64_t fo_blob_get_u64(fo_blob_reader *r)
{
    return get_le(r, 8);
}

float fo_blob_get_f32(fo_blob_reader *r)
{
    uint32_t bits = (uint32_t)get_le(r, 4);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

double fo_blob_get_f64(fo_blob_reader *r)
{
    uint64_t bits = get_le(r, 8);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

const void *fo_blob_get_bytes(fo_blob_reader *r, size_t n)
{
    static const uint8_t none[1];
    if (n == 0)
        return r->failed ? NULL : none;
    return take(r, n);
}

bool fo_blob_reader_done(const fo_blob_reader *r)
{
    return !r->failed && r->pos == r->len;
}

/* Bytes of raster of a 1-bpp PIX w pixels wide and h high, as Leptonica
 * lays it out (whole 32-bit words a line). */
static uint64_t pix1_bytes(int32_t w, int32_t h)
{
    return 4 * (((uint64_t)w + 31) / 32) * (uint64_t)h;
}

void fo_blob_put_pix1(fo_blob_writer *w, PIX *pix)
{
    int32_t width, height, wpl;
    const l_uint32 *words;
    if (!pix || pixGetDepth(pix) != 1) {
        w->failed = true;
        return;
    }
    width = pixGetWidth(pix);
    height = pixGetHeight(pix);
    wpl = pixGetWpl(pix);
    if (width <= 0 || height <= 0 || width > FO_BLOB_PIX_MAX_SIDE ||
        height > FO_BLOB_PIX_MAX_SIDE ||
        (uint64_t)wpl * 4 * (uint64_t)height != pix1_bytes(width, height)) {
        w->failed = true;
        return;
    }
    fo_blob_put_i32(w, width);
    fo_blob_put_i32(w, height);
    fo_blob_put_u32(w, (uint32_t)pix1_bytes(width, height));
    /* each word as a number: the bytes on disk do not depend on the
     * machine's byte order, and the reader gets the same words back */
    words = pixGetData(pix);
    if (!reserve(w, (size_t)pix1_bytes(width, height)))
        return;
    for (size_t i = 0; i < (size_t)wpl * (size_t)height; i++)
        fo_blob_put_u32(w, words[i]);
}

PIX *fo_blob_get_pix1(fo_blob_reader *r)
{
    int32_t width = fo_blob_get_i32(r), height = fo_blob_get_i32(r);
    uint32_t bytes = fo_blob_get_u32(r);
    size_t nwords;
    l_uint32 *words;
    PIX *pix;

    if (r->failed || width <= 0 || height <= 0 || width > FO_BLOB_PIX_MAX_SIDE ||
        height > FO_BLOB_PIX_MAX_SIDE || bytes != pix1_bytes(width, height) ||
        bytes > r->len - r->pos) {
        /* checked before allocating: a damaged count costs nothing */
        r->failed = true;
        return NULL;
    }
    pix = pixCreate(width, height, 1);
    if (!pix) {
        r->failed = true;
        return NULL;
    }
    words = pixGetData(pix);
    nwords = bytes / 4;
    if ((size_t)pixGetWpl(pix) * (size_t)height != nwords) {
        r->failed = true; /* a Leptonica laying out rows otherwise */
        pixDestroy(&pix);
        return NULL;
    }
    for (size_t i = 0; i < nwords; i++)
        words[i] = fo_blob_get_u32(r);
    return pix;
}

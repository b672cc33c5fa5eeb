/* test_blob.c - the binary serializer: exact bytes, reads that stop at the
 * end, 1-bpp PIX word for word, damaged PIX headers refused. */
#include <stdint.h>

#include "blob.h"
#include "harness.h"
#include "pix_pattern.h"

static void test_blob_round_trip(void)
{
    fo_blob_writer w = FO_BLOB_WRITER_INIT;
    fo_blob_reader r;
    const uint8_t *raw;
    uint8_t *bytes;
    size_t n;
    float f;

    fo_blob_put_u32(&w, 0xDEADBEEFu);
    fo_blob_put_i32(&w, -123456);
    fo_blob_put_u64(&w, 0x0102030405060708ull);
    fo_blob_put_f32(&w, 1.5f);
    fo_blob_put_f32(&w, -0.0f);
    fo_blob_put_f64(&w, 3.141592653589793);
    fo_blob_put_bytes(&w, "abc", 3);
    fo_blob_put_bytes(&w, NULL, 0);
    bytes = fo_blob_writer_detach(&w, &n);
    OK(bytes != NULL);
    INT_EQ(n, 4 + 4 + 8 + 4 + 4 + 8 + 3);
    OK(w.p == NULL && w.len == 0);
    if (!bytes)
        return;
    /* little-endian whatever the machine */
    OK(bytes[0] == 0xEF && bytes[1] == 0xBE && bytes[2] == 0xAD && bytes[3] == 0xDE);
    OK(bytes[8] == 0x08 && bytes[15] == 0x01);
    /* 1.5f is 0x3FC00000 */
    OK(bytes[16] == 0x00 && bytes[18] == 0xC0 && bytes[19] == 0x3F);

    r = fo_blob_reader_of(bytes, n);
    INT_EQ(fo_blob_get_u32(&r), 0xDEADBEEFu);
    INT_EQ(fo_blob_get_i32(&r), -123456);
    OK(fo_blob_get_u64(&r) == 0x0102030405060708ull);
    OK(fo_blob_get_f32(&r) == 1.5f);
    f = fo_blob_get_f32(&r);
    OK(f == 0.0f && signbit(f)); /* the bits, not the value: -0 stays -0 */
    OK(fo_blob_get_f64(&r) == 3.141592653589793);
    raw = fo_blob_get_bytes(&r, 3);
    OK(raw && memcmp(raw, "abc", 3) == 0);
    OK(fo_blob_get_bytes(&r, 0) != NULL);
    OK(!r.failed);
    OK(fo_blob_reader_done(&r));
    free(bytes);

    /* nothing written: a valid pointer to no bytes */
    bytes = fo_blob_writer_detach(&w, &n);
    OK(bytes != NULL);
    INT_EQ(n, 0);
    free(bytes);
}

static void test_blob_underflow(void)
{
    static const uint8_t three[3] = {1, 2, 3};
    fo_blob_reader r = fo_blob_reader_of(three, sizeof three);

    INT_EQ(fo_blob_get_u32(&r), 0);
    OK(r.failed);
    INT_EQ(r.pos, 0); /* a failed read consumes nothing */
    /* once failed, every read gives 0 or NULL, even one that would fit */
    OK(fo_blob_get_bytes(&r, 1) == NULL);
    OK(fo_blob_get_bytes(&r, 0) == NULL);
    OK(fo_blob_get_f64(&r) == 0.0);
    OK(!fo_blob_reader_done(&r));

    /* a count that would overflow pos + n is refused, not wrapped */
    r = fo_blob_reader_of(three, sizeof three);
    OK(fo_blob_get_bytes(&r, 2) != NULL);
    OK(fo_blob_get_bytes(&r, SIZE_MAX) == NULL);
    OK(r.failed);

    /* bytes left over: every read succeeded, yet not done */
    r = fo_blob_reader_of(three, sizeof three);
    OK(fo_blob_get_bytes(&r, 2) != NULL);
    OK(!r.failed);
    OK(!fo_blob_reader_done(&r));

    /* an empty reader */
    r = fo_blob_reader_of(NULL, 0);
    OK(fo_blob_reader_done(&r));
    INT_EQ(fo_blob_get_i32(&r), 0);
    OK(r.failed);
}

static void test_blob_pix(void)
{
    static const int sizes[][2] = {{45, 17}, {32, 1}, {1, 1}, {100, 3}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        PIX *pix = pattern_pix(sizes[k][0], sizes[k][1]), *back;
        fo_blob_writer w = FO_BLOB_WRITER_INIT;
        fo_blob_reader r;
        uint8_t *bytes;
        size_t n, words = (size_t)pixGetWpl(pix) * (size_t)pixGetHeight(pix);
        l_int32 same = 0;

        fo_blob_put_u32(&w, 77); /* something before, something after */
        fo_blob_put_pix1(&w, pix);
        fo_blob_put_u32(&w, 78);
        bytes = fo_blob_writer_detach(&w, &n);
        OK(bytes != NULL);
        INT_EQ(n, 4 + 12 + 4 * words + 4);
        r = fo_blob_reader_of(bytes, n);
        INT_EQ(fo_blob_get_u32(&r), 77);
        back = fo_blob_get_pix1(&r);
        INT_EQ(fo_blob_get_u32(&r), 78);
        OK(fo_blob_reader_done(&r));
        OK(back != NULL);
        if (back) {
            INT_EQ(pixGetWidth(back), sizes[k][0]);
            INT_EQ(pixGetHeight(back), sizes[k][1]);
            INT_EQ(pixGetDepth(back), 1);
            pixEqual(pix, back, &same);
            OK(same);
            /* word for word, pad bits included */
            OK(memcmp(pixGetData(pix), pixGetData(back), 4 * words) == 0);
        }
        pixDestroy(&back);
        pixDestroy(&pix);
        free(bytes);
    }
}

/* A PIX blob of the given header and `raster` bytes of raster. */
static PIX *read_pix_blob(int32_t w, int32_t h, uint32_t count, size_t raster,
                          bool *failed)
{
    fo_blob_writer wr = FO_BLOB_WRITER_INIT;
    fo_blob_reader r;
    uint8_t *bytes;
    size_t n;
    PIX *pix;
    fo_blob_put_i32(&wr, w);
    fo_blob_put_i32(&wr, h);
    fo_blob_put_u32(&wr, count);
    for (size_t i = 0; i < raster; i++)
        fo_blob_put_bytes(&wr, "\xff", 1);
    bytes = fo_blob_writer_detach(&wr, &n);
    r = fo_blob_reader_of(bytes, n);
    pix = fo_blob_get_pix1(&r);
    *failed = r.failed;
    free(bytes);
    return pix;
}

static void test_blob_pix_refused(void)
{
    PIX *pix;
    bool failed;
    fo_blob_writer w = FO_BLOB_WRITER_INIT;

    /* the good case the refusals are made from: 33 x 2 is 2 words a row */
    pix = read_pix_blob(33, 2, 16, 16, &failed);
    OK(pix != NULL && !failed);
    pixDestroy(&pix);

    OK(!read_pix_blob(0, 2, 0, 0, &failed) && failed);
    OK(!read_pix_blob(33, -1, 16, 16, &failed) && failed);
    OK(!read_pix_blob(20001, 1, 4 * 626, 4 * 626, &failed) && failed);
    OK(!read_pix_blob(1, 20001, 4 * 20001, 0, &failed) && failed);
    OK(!read_pix_blob(33, 2, 12, 16, &failed) && failed); /* count not w x h */
    OK(!read_pix_blob(33, 2, 16, 15, &failed) && failed); /* raster cut */
    /* the largest sides allowed, with a count the bytes do not hold:
     * refused before allocating 50 MB */
    OK(!read_pix_blob(20000, 20000, 4 * 625 * 20000, 0, &failed) && failed);

    /* the writer refuses what the reader would */
    pix = pixCreate(10, 10, 8);
    fo_blob_put_pix1(&w, pix);
    OK(w.failed);
    pixDestroy(&pix);
    fo_blob_writer_free(&w);
    fo_blob_put_pix1(&w, NULL);
    OK(w.failed);
    fo_blob_writer_free(&w);
}

int main(void)
{
    RUN(test_blob_round_trip);
    RUN(test_blob_underflow);
    RUN(test_blob_pix);
    RUN(test_blob_pix_refused);
    return harness_done();
}

/*
 * blob.h - a small binary serializer for what formocr keeps on disk
 * between runs (internal; the cache's entries, cache.h).
 *
 * Values are written little-endian whatever the machine: integers as
 * their bytes, floats as the raw bits of their IEEE 754 encoding.  Nothing
 * is tagged: a reader gets back exactly the sequence of calls the writer
 * made, and says what it expects.
 *
 * Both sides check once, at the end (as fo_strbuf): a writer that could
 * not grow, or a reader asked for more bytes than it holds, is marked
 * failed and ignores what follows (a failed read gives 0 or NULL), so
 * that a decoder reads every field, then tests `failed` once.  A reader
 * never reads outside its bytes, whatever they hold: it is meant for
 * files that may be damaged.
 */
#ifndef FORMOCR_BLOB_H
#define FORMOCR_BLOB_H

#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest side of a PIX the blob reader accepts (pixels). */
enum { FO_BLOB_PIX_MAX_SIDE = 20000 };

typedef struct fo_blob_writer {
    uint8_t *p;  /* the bytes so far; owned */
    size_t len;  /* bytes written */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed, or a value was refused */
} fo_blob_writer;

#define FO_BLOB_WRITER_INIT                                                            \
    {                                                                                  \
        NULL, 0, 0, false                                                              \
    }

void fo_blob_put_u32(fo_blob_writer *w, uint32_t v);
void fo_blob_put_i32(fo_blob_writer *w, int32_t v);
void fo_blob_put_u64(fo_blob_writer *w, uint64_t v);
void fo_blob_put_f32(fo_blob_writer *w, float v);
void fo_blob_put_f64(fo_blob_writer *w, double v);
/* n raw bytes, not preceded by their count (write it first if the reader
 * cannot know it). */
void fo_blob_put_bytes(fo_blob_writer *w, const void *data, size_t n);

/* Hands over the bytes (malloc'd, the caller frees them; *len their count)
 * and resets the writer; NULL (and *len 0) when it failed.  Nothing
 * written gives a valid pointer to no bytes. */
uint8_t *fo_blob_writer_detach(fo_blob_writer *w, size_t *len);

/* Frees the bytes and resets the writer; accepts a zeroed writer. */
void fo_blob_writer_free(fo_blob_writer *w);

typedef struct fo_blob_reader {
    const uint8_t *p; /* the bytes read from; borrowed */
    size_t len;       /* their count */
    size_t pos;       /* bytes consumed */
    bool failed;      /* a read went past the end, or a value was refused */
} fo_blob_reader;

/* A reader of the len bytes at p (borrowed: they must outlive it). */
fo_blob_reader fo_blob_reader_of(const void *p, size_t len);

uint32_t fo_blob_get_u32(fo_blob_reader *r);
int32_t fo_blob_get_i32(fo_blob_reader *r);
uint64_t fo_blob_get_u64(fo_blob_reader *r);
float fo_blob_get_f32(fo_blob_reader *r);
double fo_blob_get_f64(fo_blob_reader *r);
/* The next n bytes, borrowed from the reader's buffer; NULL, and the
 * reader failed, when fewer are left.  n = 0 gives a non-NULL pointer to no
 * bytes. */
const void *fo_blob_get_bytes(fo_blob_reader *r, size_t n);

/* True when every read succeeded and every byte was consumed: a decoder's
 * last check, which also refuses trailing bytes. */
bool fo_blob_reader_done(const fo_blob_reader *r);

/*
 * A 1-bpp PIX: width and height (i32, pixels), the count of bytes of
 * raster that follow (u32: 4 x words per line x height), then the raster's
 * 32-bit words, row by row, as Leptonica holds them (its pad bits
 * included), so that the PIX comes back word for word.  Resolution,
 * colormap and text are not kept.
 *
 * The writer refuses (fails) a PIX that is not 1 bpp or is larger than
 * FO_BLOB_PIX_MAX_SIDE a side.  The reader returns a new PIX (the caller
 * destroys it), or NULL and fails the reader when a side is <= 0 or over
 * FO_BLOB_PIX_MAX_SIDE, the byte count is not the one those sides make, or
 * the bytes run out.
 */
void fo_blob_put_pix1(fo_blob_writer *w, PIX *pix);
PIX *fo_blob_get_pix1(fo_blob_reader *r);

#endif

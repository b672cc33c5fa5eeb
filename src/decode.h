/*
 * decode.h - PNG and JPEG decoding with libpng and libjpeg directly
 * (internal to the image stage).
 *
 * Leptonica reads these formats through the libraries' default error
 * handlers, which print to stderr ("libpng error: ...", "Premature end of
 * JPEG file"): under cron that is noise outside formocr's one-line messages,
 * and from worker threads it interleaves.  Here every message is captured
 * into the fo_error instead, and pages decode straight to 8-bit grey, the
 * depth the pipeline works at, so that a large colour page costs a quarter
 * of the memory Leptonica's 32-bit colour would.
 */
#ifndef FORMOCR_DECODE_H
#define FORMOCR_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "formocr/error.h"

struct Pix;

typedef struct fo_jpeg_header {
    int width, height, components;
    int xdpi, ydpi; /* 0 when the file has no resolution */
    int cmyk;       /* CMYK or YCCK: grey conversion not built in */
} fo_jpeg_header;

int fo_jpeg_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                        fo_error *err);

/* Decodes to 8-bit grey; fails on any corrupt-data warning (a damaged scan
 * must become an error, not a page with a grey band). */
int fo_jpeg_decode_grey(const uint8_t *data, size_t size, struct Pix **out,
                        fo_error *err);

/* Decodes to 8-bit grey, transparent areas composed onto white. */
int fo_png_decode_grey(const uint8_t *data, size_t size, struct Pix **out,
                       fo_error *err);

#endif

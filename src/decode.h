/*
 * decode.h - PNG and JPEG decoding with libpng and libjpeg directly, and
 * the TIFF pages Leptonica does not read with libtiff (internal to the image
 * stage).
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formocr/error.h"

struct Pix;

typedef struct fo_jpeg_header {
    int width, height, components;
    int precision;   /* bits a sample: 8, or 12 (decode_jpeg12.c) */
    int orientation; /* EXIF Orientation 1-8 (1: none); 5-8 swapped the
                        width and height above, and the resolutions */
    int xdpi, ydpi;  /* 0 when the file has no resolution */
    int cmyk;        /* CMYK or YCCK (decoded to CMYK, then grey) */
} fo_jpeg_header;

int fo_jpeg_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                        fo_error *err);

/* Decodes to 8-bit grey (CMYK converted; 12-bit samples through
 * fo_jpeg12_decode_grey).  A file whose data libjpeg warns about (corrupt
 * data, a premature end) is read as far as libjpeg reads it, as other
 * readers do, and warning (FO_JPEG_WARNING_LEN bytes) says so; "" when
 * clean.  More than MAX_JPEG_WARNINGS warnings (a hostile file) fail. */
enum { FO_JPEG_WARNING_LEN = 160 };
int fo_jpeg_decode_grey(const uint8_t *data, size_t size, struct Pix **out,
                        char *warning, fo_error *err);

/* A JFIF density (unit 1: per inch, 2: per cm, else none) as dpi; 0 when
 * there is none.  Shared by the 8-bit and 12-bit readers, whose libjpeg
 * structures cannot meet in one file. */
void fo_jpeg_density(int unit, unsigned x_density, unsigned y_density, int *x, int *y);

/* The same for 12-bit JPEG (GDCM's 12-bit IJG library, decode_jpeg12.c);
 * fo_jpeg_read_header and fo_jpeg_decode_grey hand such files over. */
int fo_jpeg12_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                          fo_error *err);
int fo_jpeg12_decode_grey(const uint8_t *data, size_t size, struct Pix **out,
                          fo_error *err);

/* pix turned as TIFF and EXIF Orientation o (1-8) says: the page as it is
 * meant to be seen.  Takes pix; NULL when out of memory. */
struct Pix *fo_orient(struct Pix *pix, int o);

/* Where libjpeg's default messages go on the calling thread (the JPEG
 * images MuPDF decodes itself, jpeg_quiet.c): the first is kept in buf
 * when buf is empty; NULL: dropped.  Never printed. */
void fo_jpeg_capture_messages(char *buf, size_t size);

/* Decodes to 8-bit grey, transparent areas composed onto white. */
int fo_png_decode_grey(const uint8_t *data, size_t size, struct Pix **out,
                       fo_error *err);

/* One TIFF page's header: its size and resolution as the page is meant to
 * be seen (the Orientation tag applied: 5-8 swap width and height), and the
 * stored layout.  Fields hold libtiff's tag values. */
typedef struct fo_tiff_header {
    int width, height;               /* pixels, oriented */
    int xdpi, ydpi;                  /* oriented; 0 when the file has none */
    int stored_width, stored_height; /* pixels, as stored */
    int stored_xdpi, stored_ydpi;
    int bits_per_sample, samples_per_pixel, sample_format;
    int photometric, compression, planar, orientation; /* orientation 1-8 */
    bool tiled;
} fo_tiff_header;

/* Reads page (0-based) of a TIFF's header without decoding its pixels.
 * FO_ERR_CORRUPT when the directory cannot be read. */
int fo_tiff_read_header(const uint8_t *data, size_t size, int page, fo_tiff_header *h,
                        fo_error *err);

/* True when Leptonica's TIFF reader decodes this page (strips, unsigned 1-16
 * bit samples, interleaved colour); false for what fo_tiff_decode_grey
 * reads instead. */
bool fo_tiff_leptonica_reads(const fo_tiff_header *h);

/* Decodes page (0-based) of a TIFF to 8-bit grey with libtiff, orientation
 * applied and the resolution set: tiled and planar pages, 8-64 bit integer
 * and floating-point samples (floats taken in [0, 1], or in
 * [SMinSampleValue, SMaxSampleValue] when given), palette, CMYK, YCbCr,
 * CIELab, old-style JPEG.  The caller checks the pixel limit on the header
 * first.  *out is the caller's.  FO_ERR_CORRUPT (with libtiff's reason),
 * FO_ERR_NOMEM. */
int fo_tiff_decode_grey(const uint8_t *data, size_t size, int page, struct Pix **out,
                        fo_error *err);

#endif

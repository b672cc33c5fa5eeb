/*
 * decode_jpeg12.c - 12-bit JPEG to 8-bit grey (see decode.h).
 *
 * The libjpeg Debian ships decodes 8-bit samples only; 12-bit JPEGs (some
 * archival and medical scanners, JPEG-in-TIFF from cameras) are valid.
 * GDCM's copy of the IJG library built for 12-bit samples
 * (libgdcmjpeg12, Debian's libgdcm-dev), whose symbols are renamed
 * (gdcmjpeg12_*) so that it lives beside the 8-bit one, decodes them here.
 * This file includes only its headers: the two libraries' jpeglib.h
 * cannot meet in one translation unit.
 *
 * As for 8-bit JPEG: every message is captured, a warning about the data
 * stops the decoding (a damaged scan is an error, not a grey band), and so
 * does a progressive file past MAX_SCANS scans.
 */
#include <leptonica/allheaders.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "raster.h"

/* GDCM's 12-bit IJG headers (include path set by CMakeLists.txt) */
#include <jerror.h>
#include <jpeglib.h>

#if BITS_IN_JSAMPLE != 12
#error "decode_jpeg12.c needs GDCM's 12-bit jpeglib.h first on the include path"
#endif

enum { MAX_SCANS = 100 };

typedef struct jpeg12_catch {
    struct jpeg_error_mgr mgr;
    struct jpeg_progress_mgr progress;
    struct jpeg_source_mgr src;
    const uint8_t *data;
    size_t size;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg12_catch;

static const JOCTET EOI[2] = {0xFF, JPEG_EOI};

static void on_error(j_common_ptr cinfo)
{
    jpeg12_catch *c = (jpeg12_catch *)cinfo->err;
    cinfo->err->format_message(cinfo, c->message);
    longjmp(c->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    jpeg12_catch *c = (jpeg12_catch *)cinfo->err;
    if (level < 0) {
        cinfo->err->format_message(cinfo, c->message);
        longjmp(c->jump, 1);
    }
}

static void on_progress(j_common_ptr cinfo)
{
    jpeg12_catch *c = (jpeg12_catch *)cinfo->err;
    if (cinfo->is_decompressor &&
        ((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) {
        snprintf(c->message, sizeof c->message, "more than %d progressive scans",
                 MAX_SCANS);
        longjmp(c->jump, 1);
    }
}

/* The whole file is one buffer: past its end comes an end-of-image marker
 * (after a warning, which stops the decoding). */
static void src_init(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

static boolean src_fill(j_decompress_ptr cinfo)
{
    WARNMS(cinfo, JWRN_JPEG_EOF);
    cinfo->src->next_input_byte = EOI;
    cinfo->src->bytes_in_buffer = 2;
    return TRUE;
}

static void src_skip(j_decompress_ptr cinfo, long n)
{
    struct jpeg_source_mgr *src = cinfo->src;
    if (n <= 0)
        return;
    if ((size_t)n > src->bytes_in_buffer) {
        src->bytes_in_buffer = 0;
        src_fill(cinfo);
        return;
    }
    src->next_input_byte += n;
    src->bytes_in_buffer -= (size_t)n;
}

static void src_term(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

static void setup(struct jpeg_decompress_struct *cinfo, jpeg12_catch *c,
                  const uint8_t *data, size_t size)
{
    memset(c, 0, sizeof *c);
    cinfo->err = jpeg_std_error(&c->mgr);
    c->mgr.error_exit = on_error;
    c->mgr.emit_message = on_message;
    jpeg_create_decompress(cinfo);
    c->progress.progress_monitor = on_progress;
    cinfo->progress = &c->progress;
    c->src.init_source = src_init;
    c->src.fill_input_buffer = src_fill;
    c->src.skip_input_data = src_skip;
    c->src.resync_to_restart = jpeg_resync_to_restart;
    c->src.term_source = src_term;
    c->src.next_input_byte = data;
    c->src.bytes_in_buffer = size;
    cinfo->src = &c->src;
}

static void density(const struct jpeg_decompress_struct *cinfo, int *x, int *y)
{
    fo_jpeg_density(cinfo->density_unit, cinfo->X_density, cinfo->Y_density, x, y);
}

int fo_jpeg12_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                          fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg12_catch c;

    memset(h, 0, sizeof *h);
    setup(&cinfo, &c, data, size);
    if (setjmp(c.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged 12-bit jpeg header (%s)",
                            c.message);
    }
    jpeg_read_header(&cinfo, TRUE);
    h->width = (int)cinfo.image_width;
    h->height = (int)cinfo.image_height;
    h->components = cinfo.num_components;
    h->precision = cinfo.data_precision;
    h->cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    density(&cinfo, &h->xdpi, &h->ydpi);
    jpeg_destroy_decompress(&cinfo);
    return FO_OK;
}

int fo_jpeg12_decode_grey(const uint8_t *data, size_t size, PIX **out, fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg12_catch c;
    PIX *volatile pix = NULL;
    JSAMPLE *volatile row = NULL;
    int xdpi, ydpi, colour;

    *out = NULL;
    setup(&cinfo, &c, data, size);
    if (setjmp(c.jump)) {
        PIX *p = pix;
        pixDestroy(&p);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged 12-bit jpeg data (%s)",
                            c.message);
    }
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_FORMAT,
                            "unsupported image format (12-bit CMYK jpeg)");
    }
    /* colour comes out as RGB and is made grey as the 8-bit decoders do
     * (fo_ink_grey) */
    colour = cinfo.num_components == 3;
    cinfo.out_color_space = colour ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    pix = pixCreate((l_int32)cinfo.output_width, (l_int32)cinfo.output_height, 8);
    row = pix ? malloc(sizeof *row * cinfo.output_width * (colour ? 3 : 1)) : NULL;
    if (!pix || !row) {
        PIX *p = pix;
        pixDestroy(&p);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %ux%u page",
                            cinfo.output_width, cinfo.output_height);
    }
    {
        l_uint32 *base = pixGetData(pix);
        l_int32 wpl = pixGetWpl(pix);
        while (cinfo.output_scanline < cinfo.output_height) {
            l_uint32 *line = base + (size_t)cinfo.output_scanline * wpl;
            JSAMPROW r = row;
            jpeg_read_scanlines(&cinfo, &r, 1);
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                /* 0..4095 to 0..255, rounded; out-of-range samples clamped */
                if (colour) {
                    double v[3];
                    for (int k = 0; k < 3; k++) {
                        int s = row[3 * x + k];
                        v[k] = (s < 0 ? 0 : s > 4095 ? 4095 : s) * 255.0 / 4095;
                    }
                    SET_DATA_BYTE(line, x,
                                  (l_uint32)(fo_ink_grey(v[0], v[1], v[2]) + 0.5));
                } else {
                    int v = row[x] < 0 ? 0 : row[x] > 4095 ? 4095 : row[x];
                    SET_DATA_BYTE(line, x, (l_uint32)((v * 255 + 2047) / 4095));
                }
            }
        }
    }
    free(row);
    row = NULL;
    jpeg_finish_decompress(&cinfo);
    density(&cinfo, &xdpi, &ydpi);
    jpeg_destroy_decompress(&cinfo);
    pixSetResolution(pix, xdpi, ydpi);
    *out = pix;
    return FO_OK;
}

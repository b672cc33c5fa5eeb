/* decode.c - PNG and JPEG to 8-bit grey without printing (see decode.h). */
#include "decode.h"

#include <leptonica/allheaders.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

static const double CM_PER_INCH = 2.54;

/* ---- JPEG ----------------------------------------------------------- */

/* A progressive JPEG's scans each cost a pass over the whole image: a
 * hostile file repeats them by the thousand.  Real files have about ten. */
enum { MAX_JPEG_SCANS = 100 };

typedef struct jpeg_catch {
    struct jpeg_error_mgr mgr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX]; /* the first error or warning */
    bool stop_on_warning;          /* decoding: the first warning ends it */
} jpeg_catch;

static void lowercase_first(char *s)
{
    if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = (char)(s[0] - 'A' + 'a');
}

static void jpeg_on_error(j_common_ptr cinfo)
{
    jpeg_catch *c = (jpeg_catch *)cinfo->err;
    cinfo->err->format_message(cinfo, c->message);
    longjmp(c->jump, 1);
}

/* Level -1 is a warning about the data (corrupt or truncated); trace
 * messages (level >= 0) are dropped. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    jpeg_catch *c = (jpeg_catch *)cinfo->err;
    if (level < 0) {
        if (!c->message[0])
            cinfo->err->format_message(cinfo, c->message);
        /* a damaged file is refused anyway: not after decoding the rest of
         * it, which a hostile one makes last minutes */
        if (c->stop_on_warning)
            longjmp(c->jump, 1);
    }
}

/* Called by libjpeg as it goes: ends the decoding past MAX_JPEG_SCANS. */
static void jpeg_on_progress(j_common_ptr cinfo)
{
    jpeg_catch *c = (jpeg_catch *)cinfo->err;
    if (cinfo->is_decompressor &&
        ((j_decompress_ptr)cinfo)->input_scan_number > MAX_JPEG_SCANS) {
        snprintf(c->message, sizeof c->message, "more than %d progressive scans",
                 MAX_JPEG_SCANS);
        longjmp(c->jump, 1);
    }
}

static void jpeg_setup(struct jpeg_decompress_struct *cinfo, jpeg_catch *c,
                       const uint8_t *data, size_t size)
{
    cinfo->err = jpeg_std_error(&c->mgr);
    c->mgr.error_exit = jpeg_on_error;
    c->mgr.emit_message = jpeg_on_message;
    c->message[0] = '\0';
    c->stop_on_warning = false;
    jpeg_create_decompress(cinfo);
    c->progress.progress_monitor = jpeg_on_progress;
    cinfo->progress = &c->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
}

static void density(const struct jpeg_decompress_struct *cinfo, int *x, int *y)
{
    *x = *y = 0;
    if (cinfo->density_unit == 1) {
        *x = cinfo->X_density;
        *y = cinfo->Y_density;
    } else if (cinfo->density_unit == 2) {
        *x = (int)(cinfo->X_density * CM_PER_INCH + 0.5);
        *y = (int)(cinfo->Y_density * CM_PER_INCH + 0.5);
    }
}

int fo_jpeg_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                        fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_catch c;

    memset(h, 0, sizeof *h);
    jpeg_setup(&cinfo, &c, data, size);
    if (setjmp(c.jump)) {
        jpeg_destroy_decompress(&cinfo);
        lowercase_first(c.message);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged jpeg header (%s)", c.message);
    }
    jpeg_read_header(&cinfo, TRUE);
    h->width = (int)cinfo.image_width;
    h->height = (int)cinfo.image_height;
    h->components = cinfo.num_components;
    h->cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    density(&cinfo, &h->xdpi, &h->ydpi);
    jpeg_destroy_decompress(&cinfo);
    return FO_OK;
}

int fo_jpeg_decode_grey(const uint8_t *data, size_t size, PIX **out, fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_catch c;
    PIX *volatile pix = NULL;
    int xdpi, ydpi;

    *out = NULL;
    jpeg_setup(&cinfo, &c, data, size);
    c.stop_on_warning = true;
    if (setjmp(c.jump)) {
        PIX *p = pix;
        pixDestroy(&p);
        jpeg_destroy_decompress(&cinfo);
        lowercase_first(c.message);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged jpeg data (%s)", c.message);
    }
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    pix = pixCreate((l_int32)cinfo.output_width, (l_int32)cinfo.output_height, 8);
    if (!pix) {
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %ux%u page",
                            cinfo.output_width, cinfo.output_height);
    }
    {
        /* Rows go straight into the raster as bytes; Leptonica keeps bytes
         * in big-endian words, fixed once by pixEndianByteSwap below. */
        l_uint32 *base = pixGetData(pix);
        l_int32 wpl = pixGetWpl(pix);
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW row = (JSAMPROW)(base + (size_t)cinfo.output_scanline * wpl);
            jpeg_read_scanlines(&cinfo, &row, 1);
        }
    }
    jpeg_finish_decompress(&cinfo);
    density(&cinfo, &xdpi, &ydpi);
    jpeg_destroy_decompress(&cinfo);
    pixEndianByteSwap(pix);
    pixSetResolution(pix, xdpi, ydpi);
    *out = pix;
    return FO_OK;
}

/* ---- PNG ------------------------------------------------------------ */

static const double METERS_PER_INCH = 0.0254;

typedef struct png_source {
    const uint8_t *data;
    size_t size, pos;
    jmp_buf jump;
} png_source;

static void png_on_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    longjmp(((png_source *)png_get_error_ptr(png))->jump, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_memory(png_structp png, png_bytep out, png_size_t n)
{
    png_source *src = png_get_io_ptr(png);
    if (n > src->size - src->pos)
        png_error(png, "truncated");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

/* The simplified API that decodes below does not report the resolution:
 * read the header (to pHYs) with libpng's full API, quietly. */
static int png_dpi(const uint8_t *data, size_t size)
{
    png_source src;

    src.data = data;
    src.size = size;
    src.pos = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error,
                                             png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    volatile int dpi = 0;
    png_uint_32 xres = 0, yres = 0;
    int unit = 0;

    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    if (setjmp(src.jump) == 0) {
        png_set_read_fn(png, &src, png_read_memory);
        png_read_info(png, info);
        if (png_get_pHYs(png, info, &xres, &yres, &unit) &&
            unit == PNG_RESOLUTION_METER)
            dpi = (int)(xres * METERS_PER_INCH + 0.5);
    }
    png_destroy_read_struct(&png, &info, NULL);
    return dpi;
}

int fo_png_decode_grey(const uint8_t *data, size_t size, PIX **out, fo_error *err)
{
    png_image image;
    png_color white = {255, 255, 255};
    PIX *pix;
    int dpi;

    *out = NULL;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        int rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged png (%s)", image.message);
        png_image_free(&image);
        return rc;
    }
    image.format = PNG_FORMAT_GRAY;
    pix = pixCreate((l_int32)image.width, (l_int32)image.height, 8);
    if (!pix) {
        png_image_free(&image);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %ux%u page",
                            image.width, image.height);
    }
    if (!png_image_finish_read(&image, &white, pixGetData(pix),
                               (png_int_32)(pixGetWpl(pix) * 4), NULL)) {
        int rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged or truncated png data (%s)",
                              image.message);
        png_image_free(&image);
        pixDestroy(&pix);
        return rc;
    }
    pixEndianByteSwap(pix);
    dpi = png_dpi(data, size);
    pixSetResolution(pix, dpi, dpi);
    *out = pix;
    return FO_OK;
}

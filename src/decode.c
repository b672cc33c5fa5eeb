/* decode.c - PNG and JPEG to 8-bit grey without printing (see decode.h). */
#include "decode.h"
#include "raster.h"

#include <leptonica/allheaders.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

static const double CM_PER_INCH = 2.54;

/* ---- JPEG ----------------------------------------------------------- */

/* A progressive JPEG's scans each cost a pass over the whole image: a
 * hostile file repeats them by the thousand.  Real files have about ten. */
enum { MAX_JPEG_SCANS = 100 };
/* Warnings about the data a file may raise before it is refused: a damaged
 * scan gives a few; a hostile file, one per block. */
enum { MAX_JPEG_WARNINGS = 100 };

typedef struct jpeg_catch {
    struct jpeg_error_mgr mgr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX]; /* the first error or warning */
    bool stop_on_warning;          /* the first warning ends it */
    int warnings;                  /* warnings about the data so far */
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

/* A warning about the file's markers, not its pixels: stray bytes between
 * header segments (cameras and scanners leave them), an unknown Adobe
 * transform, a newer JFIF version, a bad ICC profile.  The picture decodes
 * whole, as djpeg and Tesseract read it.  Stray bytes before a restart
 * marker or the end of the image follow entropy-coded data and may mean lost
 * pixels: those still stop the decoding. */
static bool jpeg_warning_is_benign(j_common_ptr cinfo)
{
    const struct jpeg_error_mgr *e = cinfo->err;
    switch (e->msg_code) {
    case JWRN_ADOBE_XFORM:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC: return true;
    case JWRN_EXTRANEOUS_DATA: {
        int marker = e->msg_parm.i[1];
        return !(marker >= 0xd0 && marker <= 0xd7) && marker != 0xd9;
    }
    default: return false;
    }
}

/* Level -1 is a warning about the data (corrupt or truncated); trace
 * messages (level >= 0) are dropped. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    jpeg_catch *c = (jpeg_catch *)cinfo->err;
    if (level < 0 && !jpeg_warning_is_benign(cinfo)) {
        if (!c->message[0])
            cinfo->err->format_message(cinfo, c->message);
        /* a few are a damaged scan, read as far as it goes; many, a hostile
         * file, refused before it lasts minutes */
        if (c->stop_on_warning || ++c->warnings > MAX_JPEG_WARNINGS)
            longjmp(c->jump, 1);
    }
}

/* What the decoding tolerated, for the record. */
static void note_warning(const jpeg_catch *c, char *warning)
{
    char first[JMSG_LENGTH_MAX];
    if (!c->message[0])
        return;
    snprintf(first, sizeof first, "%s", c->message);
    lowercase_first(first);
    snprintf(warning, FO_JPEG_WARNING_LEN,
             "damaged jpeg data, read as far as it goes (%s%s)", first,
             c->warnings > 1 ? ", and more" : "");
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
    c->warnings = 0;
    jpeg_create_decompress(cinfo);
    c->progress.progress_monitor = jpeg_on_progress;
    cinfo->progress = &c->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
}

static size_t rd16(bool le, const JOCTET *p)
{
    return le ? (size_t)p[0] | (size_t)p[1] << 8 : (size_t)p[0] << 8 | (size_t)p[1];
}

static size_t rd32(bool le, const JOCTET *p)
{
    return le ? rd16(le, p) | rd16(le, p + 2) << 16
              : rd16(le, p) << 16 | rd16(le, p + 2);
}

/* The EXIF Orientation (tag 0x0112 of IFD0, as TIFF's: 1-8) of the APP1
 * marker libjpeg saved; 1 when there is none or it makes no sense.
 * Source: EXIF 2.32 (CIPA DC-008), 4.5 and 4.6.4. */
static int exif_orientation(const struct jpeg_decompress_struct *cinfo)
{
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
        const JOCTET *d = m->data;
        size_t n = m->data_length, ifd, count;
        bool le;
        if (m->marker != JPEG_APP0 + 1 || n < 14 || memcmp(d, "Exif\0\0", 6) != 0)
            continue;
        d += 6;
        n -= 6;
        if (memcmp(d, "II*\0", 4) == 0)
            le = true;
        else if (memcmp(d, "MM\0*", 4) == 0)
            le = false;
        else
            continue;
        ifd = rd32(le, d + 4);
        if (ifd > n - 2)
            continue;
        count = rd16(le, d + ifd);
        for (size_t i = 0; i < count && ifd + 2 + 12 * (i + 1) <= n; i++) {
            const JOCTET *e = d + ifd + 2 + 12 * i;
            if (rd16(le, e) == 0x0112 && rd16(le, e + 2) == 3) { /* SHORT */
                size_t v = rd16(le, e + 8);
                return v >= 1 && v <= 8 ? (int)v : 1;
            }
        }
    }
    return 1;
}

void fo_jpeg_density(int unit, unsigned x_density, unsigned y_density, int *x, int *y)
{
    *x = *y = 0;
    if (unit == 1) {
        *x = (int)x_density;
        *y = (int)y_density;
    } else if (unit == 2) {
        *x = (int)(x_density * CM_PER_INCH + 0.5);
        *y = (int)(y_density * CM_PER_INCH + 0.5);
    }
}

static void density(const struct jpeg_decompress_struct *cinfo, int *x, int *y)
{
    fo_jpeg_density(cinfo->density_unit, cinfo->X_density, cinfo->Y_density, x, y);
}

int fo_jpeg_read_header(const uint8_t *data, size_t size, fo_jpeg_header *h,
                        fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_catch c;

    memset(h, 0, sizeof *h);
    jpeg_setup(&cinfo, &c, data, size);
    if (setjmp(c.jump)) {
        int precision = cinfo.data_precision;
        bool unsupported = c.mgr.msg_code == JERR_BAD_PRECISION;
        jpeg_destroy_decompress(&cinfo);
        lowercase_first(c.message);
        /* 12-bit JPEGs (some archival scanners) are valid: the libjpeg
         * Debian ships decodes 8-bit samples only, GDCM's 12-bit one reads
         * them */
        if (unsupported && precision == 12)
            return fo_jpeg12_read_header(data, size, h, err);
        if (unsupported)
            return fo_error_set(err, FO_ERR_FORMAT,
                                "unsupported image format (%d-bit jpeg)", precision);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged jpeg header (%s)", c.message);
    }
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    h->orientation = exif_orientation(&cinfo);
    h->width = (int)cinfo.image_width;
    h->height = (int)cinfo.image_height;
    h->components = cinfo.num_components;
    h->precision = cinfo.data_precision;
    h->cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    density(&cinfo, &h->xdpi, &h->ydpi);
    jpeg_destroy_decompress(&cinfo);
    if (h->orientation >= 5) { /* the stored rows are the page's columns */
        int t = h->width;
        h->width = h->height;
        h->height = t;
        t = h->xdpi;
        h->xdpi = h->ydpi;
        h->ydpi = t;
    }
    return FO_OK;
}

/* A decoded page turned as its EXIF Orientation says (a phone's portrait
 * photo is stored sideways), at its resolution. */
static int finish(PIX *pix, int orientation, int xdpi, int ydpi, PIX **out,
                  fo_error *err)
{
    pix = fo_orient(pix, orientation);
    if (!pix)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory turning the page");
    if (orientation >= 5)
        pixSetResolution(pix, ydpi, xdpi);
    else
        pixSetResolution(pix, xdpi, ydpi);
    *out = pix;
    return FO_OK;
}

/* One decoded RGB row to grey (fo_ink_grey). */
static void rgb_to_grey(const JSAMPLE *rgb, JDIMENSION width, l_uint32 *line)
{
    for (JDIMENSION x = 0; x < width; x++, rgb += 3)
        SET_DATA_BYTE(line, x, (l_uint32)(fo_ink_grey(rgb[0], rgb[1], rgb[2]) + 0.5));
}

/* One decoded CMYK row to grey (fo_ink_grey of the RGB the inks leave).
 * Adobe's writers (and most others, which copy them) store each ink
 * inverted, 255 meaning none; the Adobe marker says so. */
static void cmyk_to_grey(const JSAMPLE *ink, JDIMENSION width, boolean inverted,
                         l_uint32 *line)
{
    for (JDIMENSION x = 0; x < width; x++, ink += 4) {
        double c = ink[0], m = ink[1], y = ink[2], k = ink[3];
        double r, g, b;
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        /* here each value is the paper left uncovered, 0-255 */
        r = c * k / 255;
        g = m * k / 255;
        b = y * k / 255;
        SET_DATA_BYTE(line, x, (l_uint32)(fo_ink_grey(r, g, b) + 0.5));
    }
}

int fo_jpeg_decode_grey(const uint8_t *data, size_t size, PIX **out, char *warning,
                        fo_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_catch c;
    PIX *volatile pix = NULL;
    JSAMPLE *volatile ink = NULL; /* one CMYK or RGB row */
    int xdpi, ydpi, cmyk, colour, orientation;

    *out = NULL;
    jpeg_setup(&cinfo, &c, data, size);
    warning[0] = '\0';
    if (setjmp(c.jump)) {
        PIX *p = pix;
        bool twelve =
            c.mgr.msg_code == JERR_BAD_PRECISION && cinfo.data_precision == 12;
        pixDestroy(&p);
        free(ink);
        jpeg_destroy_decompress(&cinfo);
        if (twelve)
            return fo_jpeg12_decode_grey(data, size, out, err);
        lowercase_first(c.message);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged jpeg data (%s)", c.message);
    }
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    orientation = exif_orientation(&cinfo);
    cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    colour = !cmyk && cinfo.num_components == 3;
    /* libjpeg has no CMYK to grey, and its grey is luma alone: CMYK and RGB
     * come out and are made grey here (fo_ink_grey: coloured print stays
     * ink) */
    cinfo.out_color_space = cmyk ? JCS_CMYK : colour ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    pix = pixCreate((l_int32)cinfo.output_width, (l_int32)cinfo.output_height, 8);
    if ((cmyk || colour) && pix)
        ink = malloc((size_t)cinfo.output_width * 4);
    if (!pix || ((cmyk || colour) && !ink)) {
        PIX *p = pix;
        pixDestroy(&p);
        jpeg_destroy_decompress(&cinfo);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %ux%u page",
                            cinfo.output_width, cinfo.output_height);
    }
    if (cmyk || colour) {
        l_uint32 *base = pixGetData(pix);
        l_int32 wpl = pixGetWpl(pix);
        while (cinfo.output_scanline < cinfo.output_height) {
            l_uint32 *line = base + (size_t)cinfo.output_scanline * wpl;
            JSAMPROW row = ink;
            jpeg_read_scanlines(&cinfo, &row, 1);
            if (colour)
                rgb_to_grey(ink, cinfo.output_width, line);
            else
                cmyk_to_grey(ink, cinfo.output_width, cinfo.saw_Adobe_marker, line);
        }
        free(ink);
        ink = NULL;
        jpeg_finish_decompress(&cinfo);
        density(&cinfo, &xdpi, &ydpi);
        jpeg_destroy_decompress(&cinfo);
        note_warning(&c, warning);
        return finish(pix, orientation, xdpi, ydpi, out, err);
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
    note_warning(&c, warning);
    return finish(pix, orientation, xdpi, ydpi, out, err);
}

/* ---- PNG ------------------------------------------------------------ */

static const double METERS_PER_INCH = 0.0254;

/* The largest ancillary chunk read for the resolution (an ICC profile is a
 * few MB at most). */
enum { PNG_MAX_CHUNK_BYTES = 16 << 20 };

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
        png_set_chunk_malloc_max(png, PNG_MAX_CHUNK_BYTES);
        png_read_info(png, info);
        if (png_get_pHYs(png, info, &xres, &yres, &unit) &&
            unit == PNG_RESOLUTION_METER)
            dpi = (int)(xres * METERS_PER_INCH + 0.5);
    }
    png_destroy_read_struct(&png, &info, NULL);
    return dpi;
}

/* libpng allocates a whole ancillary chunk (text, ICC profile) before it
 * reads it: a 57-byte file that claims a 1 GiB iTXt chunk costs 1 GiB.  The
 * chunk lengths are checked against the bytes the file holds first (PNG
 * specification, section 5.3: length, type, data, CRC). */
static int png_check_chunks(const uint8_t *data, size_t size, fo_error *err)
{
    size_t at = 8; /* after the signature */
    while (size - at >= 8) {
        uint32_t length = (uint32_t)data[at] << 24 | (uint32_t)data[at + 1] << 16 |
                          (uint32_t)data[at + 2] << 8 | data[at + 3];
        char type[5] = {0};
        for (int i = 0; i < 4; i++) {
            uint8_t c = data[at + 4 + i];
            type[i] =
                (char)((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?');
        }
        if (length > size - at - 8)
            return fo_error_set(err, FO_ERR_CORRUPT,
                                "damaged or truncated png data (chunk %s claims %u "
                                "bytes, the file holds %zu more)",
                                type, length, size - at - 8);
        if (memcmp(type, "IEND", 4) == 0)
            break;
        at += 8 + (size_t)length;
        if (size - at < 4)
            break;
        at += 4; /* the CRC */
    }
    return FO_OK;
}

int fo_png_decode_grey(const uint8_t *data, size_t size, PIX **out, fo_error *err)
{
    png_image image;
    png_color white = {255, 255, 255};
    PIX *pix;
    uint8_t *rgb = NULL;
    int dpi, rc, colour;

    *out = NULL;
    if (size < 8)
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged png (file too short)");
    rc = png_check_chunks(data, size, err);
    if (rc != FO_OK)
        return rc;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged png (%s)", image.message);
        png_image_free(&image);
        return rc;
    }
    /* colour is read as RGB and made grey here (fo_ink_grey: coloured print
     * stays ink), grey as grey */
    colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
    image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    pix = pixCreate((l_int32)image.width, (l_int32)image.height, 8);
    if (pix && colour)
        rgb = malloc((size_t)image.width * image.height * 3);
    if (!pix || (colour && !rgb)) {
        png_image_free(&image);
        pixDestroy(&pix);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %ux%u page",
                            image.width, image.height);
    }
    if (!png_image_finish_read(&image, &white, colour ? (void *)rgb : pixGetData(pix),
                               colour ? (png_int_32)(image.width * 3)
                                      : (png_int_32)(pixGetWpl(pix) * 4),
                               NULL)) {
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged or truncated png data (%s)",
                          image.message);
        png_image_free(&image);
        pixDestroy(&pix);
        free(rgb);
        return rc;
    }
    if (colour) {
        l_uint32 *base = pixGetData(pix);
        l_int32 wpl = pixGetWpl(pix);
        for (png_uint_32 y = 0; y < image.height; y++)
            rgb_to_grey(rgb + (size_t)y * image.width * 3, image.width,
                        base + (size_t)y * wpl);
        free(rgb);
    } else {
        pixEndianByteSwap(pix);
    }
    dpi = png_dpi(data, size);
    pixSetResolution(pix, dpi, dpi);
    *out = pix;
    return FO_OK;
}

/* ---- orientation ------------------------------------------------------ */

PIX *fo_orient(PIX *pix, int orientation)
{
    PIX *r = NULL, *t;
    switch (orientation) {
    case 2: r = pixFlipLR(NULL, pix); break;
    case 3: r = pixRotate180(NULL, pix); break;
    case 4: r = pixFlipTB(NULL, pix); break;
    case 5: /* transpose */
        t = pixRotate90(pix, 1);
        r = t ? pixFlipLR(NULL, t) : NULL;
        pixDestroy(&t);
        break;
    case 6: r = pixRotate90(pix, 1); break;
    case 7: /* transverse */
        t = pixRotate90(pix, 1);
        r = t ? pixFlipTB(NULL, t) : NULL;
        pixDestroy(&t);
        break;
    case 8: r = pixRotate90(pix, -1); break;
    default: return pix;
    }
    pixDestroy(&pix);
    return r;
}

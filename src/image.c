/*
 * image.c - reading scans (see image.h).
 *
 * The whole file is held in memory: scans are a few MB, the bytes must be
 * hashed anyway, and decoding from memory means a file that changes while we
 * work cannot give us a page from one version and a hash from another.
 *
 * Leptonica decodes.  Before it does, the page header is read with
 * Leptonica's header readers (which do not allocate the raster) and checked
 * against the pixel limit.  Leptonica's and libtiff's own messages are
 * captured instead of printed: formocr's stderr carries only its own lines.
 */
#include "formocr/image.h"

#include <leptonica/allheaders.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "decode.h"
#include "pdf.h"
#include "raster.h"
#include "util.h"

/* findFileFormatBuffer() looks at this many leading bytes. */
enum { FORMAT_SNIFF_BYTES = 12 };

struct fo_image {
    uint8_t *data;
    size_t size;
    int format; /* Leptonica IFF_* of the container */
    int npages;
    fo_image_limits limits;
    fo_pdf *pdf; /* a PDF's pages (pdf.c); NULL for an image format */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Thread_local char last_message[256];

static void capture_leptonica_message(const char *msg)
{
    snprintf(last_message, sizeof last_message, "%s", msg);
    size_t n = strlen(last_message);
    while (n > 0 && (last_message[n - 1] == '\n' || last_message[n - 1] == ' '))
        last_message[--n] = '\0';
}

static void init_libraries(void)
{
    leptSetStderrHandler(capture_leptonica_message);
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandler(NULL);
}

void fo_image_init(void)
{
    pthread_once(&init_once, init_libraries);
}

const char *fo_image_last_library_message(void)
{
    return last_message;
}

void fo_image_limits_default(fo_image_limits *l)
{
    l->max_pixels = FO_DEFAULT_MAX_PIXELS;
    l->max_file_bytes = FO_DEFAULT_MAX_FILE_BYTES;
    l->max_pages = FO_DEFAULT_MAX_PAGES;
    l->default_dpi = FO_DEFAULT_DPI;
    l->pdf_dpi = FO_DEFAULT_PDF_DPI;
}

static const char *unsupported_name(int format)
{
    switch (format) {
    case IFF_BMP: return "bmp";
    case IFF_GIF: return "gif";
    case IFF_JP2: return "jpeg 2000";
    case IFF_PS: return "postscript";
    case IFF_SPIX: return "leptonica spix";
    default: return NULL;
    }
}

/* Formats Leptonica does not know that a mail room receives: named, so
 * that the row says what the file is. */
static const char *sniff_other(const uint8_t *d, size_t n)
{
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0) {
        if (memcmp(d + 8, "heic", 4) == 0 || memcmp(d + 8, "heix", 4) == 0 ||
            memcmp(d + 8, "mif1", 4) == 0 || memcmp(d + 8, "msf1", 4) == 0 ||
            memcmp(d + 8, "hevc", 4) == 0)
            return "heic";
        if (memcmp(d + 8, "avif", 4) == 0)
            return "avif";
        return "an ISO media file";
    }
    if (n >= 4 && memcmp(d, "PK\003\004", 4) == 0)
        return "docx, xlsx, odt or another zip file";
    if (n >= 8 && memcmp(d, "\320\317\021\340\241\261\032\341", 8) == 0)
        return "doc or xls";
    return NULL;
}

static const char *format_name(int format)
{
    if (L_FORMAT_IS_TIFF(format))
        return "tiff";
    switch (format) {
    case IFF_PNG: return "png";
    case IFF_JFIF_JPEG: return "jpeg";
    case IFF_PNM: return "pnm";
    case IFF_WEBP: return "webp";
    case IFF_LPDF: return "pdf";
    default: return "unknown";
    }
}

static const char *compression_name(int format)
{
    switch (format) {
    case IFF_PNG: return "deflate";
    case IFF_JFIF_JPEG: return "jpeg";
    case IFF_PNM: return "none";
    case IFF_WEBP: return "webp";
    default: return "unknown";
    }
}

static const char *tiff_compression_name(int compression)
{
    switch (compression) {
    case COMPRESSION_NONE: return "none";
    case COMPRESSION_CCITTRLE: return "rle";
    case COMPRESSION_CCITTFAX3: return "g3";
    case COMPRESSION_CCITTFAX4: return "g4";
    case COMPRESSION_LZW: return "lzw";
    case COMPRESSION_OJPEG: return "old jpeg";
    case COMPRESSION_JPEG: return "jpeg";
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return "deflate";
    case COMPRESSION_PACKBITS: return "packbits";
    case COMPRESSION_JBIG: return "jbig";
    case COMPRESSION_LZMA: return "lzma";
    case COMPRESSION_ZSTD: return "zstd";
    case COMPRESSION_WEBP: return "webp";
    case COMPRESSION_SGILOG:
    case COMPRESSION_SGILOG24: return "sgilog";
    default: return "unknown";
    }
}

static int count_tiff_pages(const fo_image *img, int *npages, fo_error *err)
{
    /* tiffGetCount wants a stream; fmemopen gives one over our buffer. */
    FILE *fp = fmemopen(img->data, img->size, "rb");
    l_int32 n = 0;
    if (!fp)
        return fo_error_set(err, FO_ERR_NOMEM, "cannot open tiff data in memory");
    if (tiffGetCount(fp, &n) != 0 || n < 1) {
        fclose(fp);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged tiff (no readable page)");
    }
    fclose(fp);
    if (n > img->limits.max_pages)
        return fo_error_set(err, FO_ERR_LIMIT, "too many pages (%d, limit %d)", n,
                            img->limits.max_pages);
    *npages = n;
    return FO_OK;
}

static int identify(fo_image *img, fo_error *err)
{
    l_int32 format = IFF_UNKNOWN;
    const char *other;

    if (img->size == 0)
        return fo_error_set(err, FO_ERR_FORMAT, "not an image (empty file)");
    if (img->size < FORMAT_SNIFF_BYTES)
        return fo_error_set(err, FO_ERR_FORMAT, "not an image (file too short)");
    findFileFormatBuffer(img->data, &format);
    if (format == IFF_UNKNOWN && img->size >= 5 && memcmp(img->data, "%PDF-", 5) == 0)
        format = IFF_LPDF;
    other = format == IFF_UNKNOWN ? sniff_other(img->data, img->size)
                                  : unsupported_name(format);
    if (other)
        return fo_error_set(err, FO_ERR_FORMAT, "unsupported image format (%s)", other);
    if (format == IFF_UNKNOWN)
        return fo_error_set(err, FO_ERR_FORMAT, "not an image (unknown format)");
    img->format = format;
    if (L_FORMAT_IS_TIFF(format))
        return count_tiff_pages(img, &img->npages, err);
    if (format == IFF_LPDF)
        return fo_pdf_open(img->data, img->size, &img->limits, &img->pdf, &img->npages,
                           err);
    img->npages = 1;
    return FO_OK;
}

static int open_owned(uint8_t *data, size_t size, const fo_image_limits *limits,
                      fo_image **out, fo_error *err)
{
    fo_image *img = calloc(1, sizeof *img);
    int rc;

    if (!img) {
        free(data);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    img->data = data;
    img->size = size;
    if (limits)
        img->limits = *limits;
    else
        fo_image_limits_default(&img->limits);
    rc = identify(img, err);
    if (rc != FO_OK) {
        fo_image_destroy(&img);
        return rc;
    }
    *out = img;
    return FO_OK;
}

int fo_image_open(const char *path, const fo_image_limits *limits, fo_image **out,
                  fo_error *err)
{
    fo_image_limits defaults;
    uint8_t *data;
    size_t size;
    int rc;

    *out = NULL;
    fo_image_init();
    if (!limits) {
        fo_image_limits_default(&defaults);
        limits = &defaults;
    }
    rc = fo_read_file(path, limits->max_file_bytes, &data, &size, err);
    if (rc != FO_OK)
        return rc;
    return open_owned(data, size, limits, out, err);
}

int fo_image_adopt(uint8_t *data, size_t size, const fo_image_limits *limits,
                   fo_image **out, fo_error *err)
{
    *out = NULL;
    fo_image_init();
    return open_owned(data, size, limits, out, err);
}

int fo_image_open_memory(const uint8_t *data, size_t size,
                         const fo_image_limits *limits, fo_image **out, fo_error *err)
{
    uint8_t *copy;

    *out = NULL;
    fo_image_init();
    if (limits && size > limits->max_file_bytes)
        return fo_error_set(err, FO_ERR_LIMIT, "file too large (%zu bytes, limit %zu)",
                            size, limits->max_file_bytes);
    copy = malloc(size + 1);
    if (!copy)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (size)
        memcpy(copy, data, size);
    copy[size] = '\0';
    return open_owned(copy, size, limits, out, err);
}

void fo_image_destroy(fo_image **img)
{
    if (!img || !*img)
        return;
    fo_pdf_close(&(*img)->pdf);
    free((*img)->data);
    free(*img);
    *img = NULL;
}

const char *fo_image_warning(const fo_image *img)
{
    return img->pdf ? fo_pdf_open_warning(img->pdf) : "";
}

int fo_image_page_count(const fo_image *img)
{
    return img->npages;
}

const uint8_t *fo_image_bytes(const fo_image *img, size_t *size)
{
    *size = img->size;
    return img->data;
}

int fo_image_page_info(const fo_image *img, int page, fo_page_info *info, fo_error *err)
{
    l_int32 w = 0, h = 0, bps = 0, spp = 0, cmap = 0, res = 0, yres = 0;
    l_int32 format = img->format;
    const char *compression = NULL;
    int rc;

    memset(info, 0, sizeof *info);
    if (page < 0 || page >= img->npages)
        return fo_error_set(err, FO_ERR_USAGE, "no page %d (the file has %d)", page + 1,
                            img->npages);
    if (img->pdf)
        return fo_pdf_page_info(img->pdf, page, info, err);
    if (L_FORMAT_IS_TIFF(img->format)) {
        fo_tiff_header th;
        rc = fo_tiff_read_header(img->data, img->size, page, &th, err);
        if (rc != FO_OK)
            return rc;
        w = th.width;
        h = th.height;
        bps = th.bits_per_sample;
        spp = th.samples_per_pixel;
        res = th.xdpi;
        yres = th.ydpi;
        compression = tiff_compression_name(th.compression);
    } else if (img->format == IFF_JFIF_JPEG) {
        fo_jpeg_header jh;
        rc = fo_jpeg_read_header(img->data, img->size, &jh, err);
        if (rc != FO_OK)
            return rc;
        w = jh.width;
        h = jh.height;
        bps = jh.precision;
        spp = jh.components;
        res = jh.xdpi;
        yres = jh.ydpi;
        if (jh.cmyk)
            compression = "jpeg (cmyk)";
    } else {
        rc = pixReadHeaderMem(img->data, img->size, &format, &w, &h, &bps, &spp, &cmap);
    }
    if (rc != 0 || w <= 0 || h <= 0 || bps <= 0 || spp <= 0)
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged %s header",
                            format_name(img->format));
    info->format = format_name(format);
    info->compression = compression ? compression : compression_name(format);
    info->width = w;
    info->height = h;
    info->bits_per_pixel = bps * spp;
    if (res > 0) {
        info->xdpi = res;
        info->ydpi = yres > 0 ? yres : res;
        info->dpi_from_file = true;
    } else {
        info->xdpi = info->ydpi = img->limits.default_dpi;
    }
    if ((uint64_t)w * (uint64_t)h > img->limits.max_pixels)
        return fo_error_set(
            err, FO_ERR_LIMIT,
            "too large (%dx%d = %llu pixels, limit %llu: see --max-pixels)", w, h,
            (unsigned long long)w * (unsigned long long)h,
            (unsigned long long)img->limits.max_pixels);
    return FO_OK;
}

/* Brings a decoded page to the depths the pipeline works at: 1 bpp stays
 * (G4 fax pages are large and already binary), anything else becomes 8-bit
 * grey without a colour map. */
static int to_grey(PIX **pix, fo_error *err)
{
    PIX *p = *pix, *q;
    if (pixGetDepth(p) == 1 && !pixGetColormap(p))
        return FO_OK;
    if (pixGetDepth(p) == 8 && !pixGetColormap(p))
        return FO_OK;
    q = fo_raster_colour_to_grey(p);
    pixDestroy(pix);
    if (!q)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory converting to grey");
    *pix = q;
    return FO_OK;
}

static int decode_page(const fo_image *img, int page, PIX **pix, char *warning,
                       fo_error *err)
{
    *pix = NULL;
    if (img->pdf)
        return fo_pdf_decode(img->pdf, page, pix, err);
    if (img->format == IFF_JFIF_JPEG)
        return fo_jpeg_decode_grey(img->data, img->size, pix, warning, err);
    if (img->format == IFF_PNG)
        return fo_png_decode_grey(img->data, img->size, pix, err);
    if (L_FORMAT_IS_TIFF(img->format)) {
        fo_tiff_header h;
        int rc = fo_tiff_read_header(img->data, img->size, page, &h, err);
        if (rc != FO_OK)
            return rc;
        if (!fo_tiff_leptonica_reads(&h))
            return fo_tiff_decode_grey(img->data, img->size, page, pix, err);
        *pix = pixReadMemTiff(img->data, img->size, page);
        /* Leptonica applies the Orientation tag but keeps the stored
         * resolution: the header's is the page's */
        if (*pix)
            pixSetResolution(*pix, h.xdpi, h.ydpi);
    } else
        *pix = pixReadMem(img->data, img->size);
    if (!*pix)
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged or truncated %s data",
                            format_name(img->format));
    return to_grey(pix, err);
}

/* Pixels taller than wide (a standard fax: 204 x 98 dpi) or wider than tall
 * are resampled along the coarser axis to the finer resolution, before
 * anything else sees the page: everything after works in square pixels.
 * A ratio beyond MAX_PIXEL_ASPECT is no scanner's: the file's x resolution
 * is taken for both, as before.  info gets the new size and resolution. */
enum { MAX_PIXEL_ASPECT = 4 };

static int square_pixels(PIX **pix, fo_page_info *info, const fo_image_limits *limits,
                         fo_error *err)
{
    int fine = info->xdpi > info->ydpi ? info->xdpi : info->ydpi;
    int coarse = info->xdpi > info->ydpi ? info->ydpi : info->xdpi;
    float sx = (float)fine / (float)info->xdpi, sy = (float)fine / (float)info->ydpi;
    uint64_t w, h;
    PIX *q;

    if (coarse <= 0 || fine > MAX_PIXEL_ASPECT * coarse) {
        info->ydpi = info->xdpi;
        pixSetResolution(*pix, info->xdpi, info->xdpi);
        return FO_OK;
    }
    w = (uint64_t)(pixGetWidth(*pix) * sx + 0.5f);
    h = (uint64_t)(pixGetHeight(*pix) * sy + 0.5f);
    if (w * h > limits->max_pixels)
        return fo_error_set(err, FO_ERR_LIMIT,
                            "too large once its pixels are made square (%dx%d dpi: "
                            "%llux%llu, limit %llu pixels: see --max-pixels)",
                            info->xdpi, info->ydpi, (unsigned long long)w,
                            (unsigned long long)h,
                            (unsigned long long)limits->max_pixels);
    /* upsampling only: a bilevel page stays bilevel (rows repeated), a grey
     * one is interpolated */
    q = pixGetDepth(*pix) == 1 ? pixScaleBinary(*pix, sx, sy) : pixScale(*pix, sx, sy);
    if (!q)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory making pixels square");
    pixDestroy(pix);
    *pix = q;
    pixSetResolution(q, fine, fine);
    info->width = pixGetWidth(q);
    info->height = pixGetHeight(q);
    info->xdpi = info->ydpi = fine;
    return FO_OK;
}

int fo_image_decode(const fo_image *img, int page, PIX **pix, fo_page_info *info,
                    fo_error *err)
{
    fo_page_info local;
    l_int32 xres, yres;
    PIX *p;
    int rc;

    *pix = NULL;
    if (!info)
        info = &local;
    rc = fo_image_page_info(img, page, info, err);
    if (rc != FO_OK)
        return rc;
    last_message[0] = '\0';
    {
        char warning[FO_JPEG_WARNING_LEN] = "";
        rc = decode_page(img, page, &p, warning, err);
        snprintf(info->warning, sizeof info->warning, "%s", warning);
    }
    if (rc != FO_OK)
        return rc;
    if (pixGetWidth(p) != info->width || pixGetHeight(p) != info->height) {
        pixDestroy(&p);
        return fo_error_set(err, FO_ERR_CORRUPT,
                            "the page decodes to another size than its header says");
    }
    xres = pixGetXRes(p);
    yres = pixGetYRes(p);
    if (xres <= 0)
        xres = yres;
    if (yres <= 0)
        yres = xres;
    if (xres > 0) {
        info->xdpi = xres;
        info->ydpi = yres;
        info->dpi_from_file = true;
    } else {
        info->xdpi = info->ydpi = img->limits.default_dpi;
        info->dpi_from_file = false;
        pixSetResolution(p, info->xdpi, info->ydpi);
    }
    if (info->xdpi != info->ydpi) {
        rc = square_pixels(&p, info, &img->limits, err);
        if (rc != FO_OK) {
            pixDestroy(&p);
            return rc;
        }
    }
    *pix = p;
    return FO_OK;
}

int fo_image_form_values(const fo_image *img, int page, fo_form_value **out, int *n,
                         fo_error *err)
{
    *out = NULL;
    *n = 0;
    return img->pdf ? fo_pdf_form_values(img->pdf, page, out, n, err) : FO_OK;
}

void fo_form_values_free(fo_form_value *v, int n)
{
    for (int i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

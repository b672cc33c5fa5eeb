/*
 * decode_tiff.c - the TIFF pages Leptonica does not read (see decode.h).
 *
 * Leptonica reads the TIFFs scanners and fax servers make: strips, 1 to 16
 * bits a sample, interleaved samples, every Orientation.  The valid pages it
 * refuses are decoded here with libtiff: tiled pages, planar (separate
 * sample) colour, 32-bit integer and floating-point samples, old-style JPEG,
 * and any photometric libtiff's RGBA interface knows (palette, CMYK, YCbCr,
 * CIELab).  Each becomes 8-bit grey in the file's stored order; the
 * Orientation tag is then applied with Leptonica's exact rotations and flips
 * (libtiff's RGBA interface only flips, which is wrong for orientations 5-8).
 *
 * Sources: TIFF 6.0 specification, sections 8 (Orientation, PlanarConfig),
 * 15 (tiles) and 19 (SampleFormat, SMinSampleValue, SMaxSampleValue);
 * colour is made grey by fo_ink_grey (raster.h): BT.601 luma less chroma.
 */
#include "decode.h"
#include "raster.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

/* libtiff refuses any single allocation above this (a hostile header can
 * claim a 4 GiB strip); the page itself is bounded by the pixel limit,
 * checked on the header before decoding. */
static const tmsize_t MAX_TIFF_ALLOC = (tmsize_t)256 << 20;

typedef struct tiff_memory {
    const uint8_t *data;
    toff_t size, pos;
    char message[256]; /* libtiff's first error */
} tiff_memory;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
    tiff_memory *m = h;
    toff_t left = m->pos < m->size ? m->size - m->pos : 0;
    if (n < 0)
        return -1;
    if ((toff_t)n > left)
        n = (tmsize_t)left;
    memcpy(buf, m->data + m->pos, (size_t)n);
    m->pos += (toff_t)n;
    return n;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h;
    (void)buf;
    (void)n;
    return -1;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    tiff_memory *m = h;
    toff_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    m->pos = base + off;
    return m->pos;
}

static int mem_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t mem_size(thandle_t h)
{
    return ((tiff_memory *)h)->size;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
    tiff_memory *m = h;
    *base = (void *)m->data;
    *size = m->size;
    return 1;
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

/* libtiff's messages are printf formats of its own */
__attribute__((format(printf, 4, 0))) static int
on_tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    tiff_memory *m = user;
    (void)tif;
    (void)module;
    if (!m->message[0])
        vsnprintf(m->message, sizeof m->message, fmt, ap);
    return 1;
}

static int on_tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt,
                           va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

/* Opens page (0-based) of the TIFF in m; NULL with m->message on failure.
 * The file is "mapped" (libtiff reads our buffer in place): libtiff 4.5's
 * unmapped reading refuses small valid tiles ("Invalid tile byte count"). */
static TIFF *tiff_open_page(tiff_memory *m, int page)
{
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    TIFF *tif;
    if (!opts) {
        snprintf(m->message, sizeof m->message, "out of memory");
        return NULL;
    }
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, MAX_TIFF_ALLOC);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_tiff_error, m);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_tiff_warning, m);
    tif = TIFFClientOpenExt("tiff", "r", m, mem_read, mem_write, mem_seek, mem_close,
                            mem_size, mem_map, mem_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (tif && page > 0 && !TIFFSetDirectory(tif, (tdir_t)page)) {
        TIFFClose(tif);
        tif = NULL;
    }
    if (!tif && !m->message[0])
        snprintf(m->message, sizeof m->message, "no page %d", page + 1);
    return tif;
}

static void read_header(TIFF *tif, fo_tiff_header *h)
{
    uint32_t w = 0, len = 0;
    uint16_t u16 = 0;
    float xres = 0, yres = 0;
    uint16_t unit = RESUNIT_INCH;

    memset(h, 0, sizeof *h);
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &len);
    h->stored_width = w > INT32_MAX ? -1 : (int)w;
    h->stored_height = len > INT32_MAX ? -1 : (int)len;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &u16);
    h->bits_per_sample = u16;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &u16);
    h->samples_per_pixel = u16;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &u16);
    h->sample_format = u16;
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &u16);
    h->planar = u16;
    u16 = 0;
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &u16))
        u16 = h->samples_per_pixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISWHITE;
    h->photometric = u16;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &u16);
    h->compression = u16;
    u16 = ORIENTATION_TOPLEFT;
    TIFFGetField(tif, TIFFTAG_ORIENTATION, &u16);
    h->orientation = u16 >= 1 && u16 <= 8 ? u16 : ORIENTATION_TOPLEFT;
    h->tiled = TIFFIsTiled(tif) != 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && isfinite(xres) && xres > 0 &&
        xres < 100000) {
        if (!TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) || !isfinite(yres) ||
            yres <= 0 || yres >= 100000)
            yres = xres;
        if (unit == RESUNIT_CENTIMETER) {
            xres *= 2.54f;
            yres *= 2.54f;
        }
        if (unit != RESUNIT_NONE) {
            h->stored_xdpi = (int)(xres + 0.5f);
            h->stored_ydpi = (int)(yres + 0.5f);
        }
    }
    h->width = h->stored_width;
    h->height = h->stored_height;
    h->xdpi = h->stored_xdpi;
    h->ydpi = h->stored_ydpi;
    if (h->orientation >= ORIENTATION_LEFTTOP) {
        /* the stored rows are the page's columns */
        h->width = h->stored_height;
        h->height = h->stored_width;
        h->xdpi = h->stored_ydpi;
        h->ydpi = h->stored_xdpi;
    }
}

/* TIFF 6.0: up to 64 bits a sample (doubles); a scan has a few samples a
 * pixel, a multispectral image a few dozen. */
static bool header_plausible(const fo_tiff_header *h)
{
    return h->stored_width > 0 && h->stored_height > 0 && h->samples_per_pixel >= 1 &&
           h->samples_per_pixel <= 64 && h->bits_per_sample >= 1 &&
           h->bits_per_sample <= 64;
}

int fo_tiff_read_header(const uint8_t *data, size_t size, int page, fo_tiff_header *h,
                        fo_error *err)
{
    tiff_memory m = {.data = data, .size = size};
    TIFF *tif = tiff_open_page(&m, page);
    memset(h, 0, sizeof *h);
    if (!tif)
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged tiff header (%s)", m.message);
    read_header(tif, h);
    TIFFClose(tif);
    if (!header_plausible(h))
        return fo_error_set(err, FO_ERR_CORRUPT,
                            "damaged tiff header (%dx%d, %d bits x %d samples a pixel)",
                            h->stored_width, h->stored_height, h->bits_per_sample,
                            h->samples_per_pixel);
    return FO_OK;
}

bool fo_tiff_leptonica_reads(const fo_tiff_header *h)
{
    int bps = h->bits_per_sample, spp = h->samples_per_pixel;
    if (h->tiled || h->sample_format != SAMPLEFORMAT_UINT ||
        h->compression == COMPRESSION_OJPEG)
        return false;
    if (bps != 1 && bps != 2 && bps != 4 && bps != 8 && bps != 16)
        return false;
    if (spp > 4 || (spp == 2 && bps != 8))
        return false;
    /* its colour pages go through libtiff's RGBA interface, which only
     * flips: orientations 5-8 (a transposition) come out wrong */
    if (spp > 1 && h->orientation >= ORIENTATION_LEFTTOP)
        return false;
    return spp == 1 || h->planar == PLANARCONFIG_CONTIG;
}

/* ---- samples to grey ------------------------------------------------- */

/* How one stored sample becomes a value in [0, 1]. */
typedef struct sample_reader {
    int bits, format;  /* bits_per_sample, SAMPLEFORMAT_* */
    double min, scale; /* float samples: (v - min) * scale */
} sample_reader;

static double sample_at(const sample_reader *s, const uint8_t *p)
{
    double v;
    switch (s->bits) {
    case 8:
        return s->format == SAMPLEFORMAT_INT ? (*(const int8_t *)p + 128) / 255.0
                                             : *p / 255.0;
    case 16: {
        uint16_t u;
        memcpy(&u, p, 2);
        if (s->format == SAMPLEFORMAT_INT)
            return ((int16_t)u + 32768) / 65535.0;
        return u / 65535.0;
    }
    case 32:
        if (s->format == SAMPLEFORMAT_IEEEFP) {
            float f;
            memcpy(&f, p, 4);
            v = f;
            break;
        } else {
            uint32_t u;
            memcpy(&u, p, 4);
            if (s->format == SAMPLEFORMAT_INT)
                return ((double)(int32_t)u + 2147483648.0) / 4294967295.0;
            return u / 4294967295.0;
        }
    case 64: {
        memcpy(&v, p, 8);
        break;
    }
    default: return 0;
    }
    if (!isfinite(v))
        return v > 0 ? 1 : 0;
    v = (v - s->min) * s->scale;
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Grey from the samples of one pixel, each in [0, 1]. */
typedef struct pixel_model {
    int photometric, spp, colour; /* colour: 3 samples are R, G, B */
    int alpha;                    /* index of an alpha sample, or -1 */
} pixel_model;

static uint8_t grey_of(const pixel_model *pm, const double *v)
{
    double g = pm->colour ? fo_ink_grey(v[0], v[1], v[2]) : v[0];
    if (pm->photometric == PHOTOMETRIC_MINISWHITE)
        g = 1 - g;
    if (pm->alpha >= 0) /* composed onto white paper */
        g = g * v[pm->alpha] + (1 - v[pm->alpha]);
    return (uint8_t)(g * 255 + 0.5);
}

/* The chunk (strip or tile) geometry of the page. */
typedef struct chunks {
    uint32_t cw, ch;       /* chunk width and height in pixels */
    uint32_t across, down; /* chunks per row and per column of the page */
    uint32_t planes;       /* 1, or spp for separate planes */
    tmsize_t bytes;        /* bytes of one decoded chunk */
} chunks;

static int chunk_geometry(TIFF *tif, const fo_tiff_header *h, chunks *c)
{
    uint32_t w = (uint32_t)h->stored_width, len = (uint32_t)h->stored_height;
    if (h->tiled) {
        if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &c->cw) ||
            !TIFFGetField(tif, TIFFTAG_TILELENGTH, &c->ch) || c->cw == 0 || c->ch == 0)
            return -1;
        c->bytes = TIFFTileSize(tif);
    } else {
        uint32_t rows = len;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
        c->cw = w;
        c->ch = rows == 0 || rows > len ? len : rows;
        c->bytes = TIFFStripSize(tif);
    }
    c->across = (w + c->cw - 1) / c->cw;
    c->down = (len + c->ch - 1) / c->ch;
    c->planes = h->planar == PLANARCONFIG_SEPARATE ? (uint32_t)h->samples_per_pixel : 1;
    return c->bytes > 0 ? 0 : -1;
}

/* A hostile header can claim a 65535 x 65535 tile for a one-pixel page:
 * a chunk costs at most MAX_TIFF_ALLOC, decoded or as separate planes. */
static bool chunk_affordable(const chunks *c, int spp)
{
    uint64_t samples = (uint64_t)c->cw * c->ch * (uint64_t)spp;
    return c->bytes <= MAX_TIFF_ALLOC &&
           (c->planes == 1 || samples <= (uint64_t)MAX_TIFF_ALLOC / sizeof(float));
}

static void float_range(TIFF *tif, const fo_tiff_header *h, sample_reader *s)
{
    double lo = 0, hi = 1;
    s->min = 0;
    s->scale = 1;
    if (h->sample_format != SAMPLEFORMAT_IEEEFP)
        return;
    /* SMin/SMaxSampleValue, when the writer gave them, say the range;
     * otherwise floats are taken to be in [0, 1], as image editors write them */
    if (TIFFGetField(tif, TIFFTAG_SMINSAMPLEVALUE, &lo) && isfinite(lo) &&
        TIFFGetField(tif, TIFFTAG_SMAXSAMPLEVALUE, &hi) && isfinite(hi) && hi > lo) {
        s->min = lo;
        s->scale = 1 / (hi - lo);
    }
}

static int alpha_index(TIFF *tif, int spp, int colour_samples)
{
    uint16_t n = 0, *types = NULL;
    if (spp <= colour_samples)
        return -1;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &n, &types) && n > 0 &&
        (types[0] == EXTRASAMPLE_UNASSALPHA || types[0] == EXTRASAMPLE_ASSOCALPHA))
        return colour_samples;
    return -1;
}

/* Decodes the samples of a grey or RGB page, strips or tiles, interleaved or
 * in planes, 8 to 64 bits, integer or floating point, into 8-bit grey. */
static int decode_samples(TIFF *tif, const fo_tiff_header *h, PIX *pix, char *why,
                          size_t whylen)
{
    sample_reader s = {.bits = h->bits_per_sample, .format = h->sample_format};
    pixel_model pm = {.photometric = h->photometric, .spp = h->samples_per_pixel};
    int bytes_per_sample = h->bits_per_sample / 8;
    uint32_t w = (uint32_t)h->stored_width, len = (uint32_t)h->stored_height;
    int colour_samples = h->photometric == PHOTOMETRIC_RGB ? 3 : 1;
    l_uint32 *base = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    float *planes = NULL; /* separate planes: the samples of one chunk */
    uint8_t *buf = NULL;
    chunks c;
    int rc = -1;

    pm.colour = colour_samples == 3;
    pm.alpha = alpha_index(tif, pm.spp, colour_samples);
    float_range(tif, h, &s);
    if (chunk_geometry(tif, h, &c) != 0) {
        snprintf(why, whylen, "no strip or tile layout");
        return -1;
    }
    if (!chunk_affordable(&c, pm.spp)) {
        snprintf(why, whylen, "%s of %ux%u pixels: more than formocr reads",
                 h->tiled ? "tiles" : "strips", c.cw, c.ch);
        return -1;
    }
    buf = malloc((size_t)c.bytes);
    if (c.planes > 1)
        planes = malloc((size_t)c.cw * c.ch * (size_t)pm.spp * sizeof *planes);
    if (!buf || (c.planes > 1 && !planes)) {
        snprintf(why, whylen, "out of memory");
        goto done;
    }
    for (uint32_t cy = 0; cy < c.down; cy++) {
        for (uint32_t cx = 0; cx < c.across; cx++) {
            uint32_t x0 = cx * c.cw, y0 = cy * c.ch;
            uint32_t xn = w - x0 < c.cw ? w - x0 : c.cw;
            uint32_t yn = len - y0 < c.ch ? len - y0 : c.ch;
            for (uint32_t plane = 0; plane < c.planes; plane++) {
                tmsize_t got;
                if (h->tiled)
                    got = TIFFReadEncodedTile(
                        tif, TIFFComputeTile(tif, x0, y0, 0, (uint16_t)plane), buf,
                        c.bytes);
                else
                    got = TIFFReadEncodedStrip(
                        tif, TIFFComputeStrip(tif, y0, (uint16_t)plane), buf, c.bytes);
                if (got < 0) {
                    snprintf(why, whylen, "cannot decode %s %u,%u",
                             h->tiled ? "tile" : "strip", cx, cy);
                    goto done;
                }
                if (got < c.bytes) /* a short last strip: the rest is white */
                    memset(buf + got, 0, (size_t)(c.bytes - got));
                for (uint32_t y = 0; y < yn; y++) {
                    uint8_t *row = (uint8_t *)(base + (size_t)(y0 + y) * wpl);
                    for (uint32_t x = 0; x < xn; x++) {
                        double v[8] = {0};
                        if (c.planes > 1) {
                            size_t at = (size_t)y * c.cw + x;
                            planes[at * (size_t)pm.spp + plane] = (float)sample_at(
                                &s, buf + at * (size_t)bytes_per_sample);
                            if (plane + 1 < c.planes)
                                continue;
                            for (int k = 0; k < pm.spp && k < 8; k++)
                                v[k] = planes[at * (size_t)pm.spp + (size_t)k];
                        } else {
                            const uint8_t *px = buf + ((size_t)y * c.cw + x) *
                                                          (size_t)pm.spp *
                                                          (size_t)bytes_per_sample;
                            for (int k = 0; k < pm.spp && k < 8; k++)
                                v[k] = sample_at(&s, px + (size_t)k * bytes_per_sample);
                        }
                        SET_DATA_BYTE(row, x0 + x, grey_of(&pm, v));
                    }
                }
            }
        }
    }
    rc = 0;
done:
    free(buf);
    free(planes);
    return rc;
}

/* Any photometric libtiff's RGBA interface reads (palette, CMYK, YCbCr,
 * CIELab, 1-4 bit tiles), in the stored order. */
static int decode_rgba(TIFF *tif, const fo_tiff_header *h, PIX *pix, char *why,
                       size_t whylen)
{
    TIFFRGBAImage img;
    uint32_t w = (uint32_t)h->stored_width, len = (uint32_t)h->stored_height;
    uint32_t *raster;
    char msg[1024] = "";
    l_uint32 *base = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    int ok;

    if (!TIFFRGBAImageOK(tif, msg) || !TIFFRGBAImageBegin(&img, tif, 0, msg)) {
        snprintf(why, whylen, "%s", msg[0] ? msg : "unsupported layout");
        return -1;
    }
    /* asked for the file's own orientation, libtiff neither flips nor
     * rotates: the rows come as stored */
    img.req_orientation = (uint16_t)h->orientation;
    raster = malloc((size_t)w * len * sizeof *raster);
    if (!raster) {
        TIFFRGBAImageEnd(&img);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    ok = TIFFRGBAImageGet(&img, raster, w, len);
    TIFFRGBAImageEnd(&img);
    if (!ok) {
        free(raster);
        snprintf(why, whylen, "cannot decode the pixels");
        return -1;
    }
    for (uint32_t y = 0; y < len; y++) {
        uint8_t *row = (uint8_t *)(base + (size_t)y * wpl);
        const uint32_t *src = raster + (size_t)y * w;
        for (uint32_t x = 0; x < w; x++) {
            uint32_t p = src[x];
            double a = TIFFGetA(p) / 255.0;
            double g = fo_ink_grey(TIFFGetR(p), TIFFGetG(p), TIFFGetB(p));
            g = g * a + 255 * (1 - a);
            SET_DATA_BYTE(row, x, (l_uint32)(g + 0.5));
        }
    }
    free(raster);
    return 0;
}

static bool samples_decodable(const fo_tiff_header *h)
{
    int bps = h->bits_per_sample, spp = h->samples_per_pixel;
    bool grey = h->photometric == PHOTOMETRIC_MINISBLACK ||
                h->photometric == PHOTOMETRIC_MINISWHITE;
    if (h->compression == COMPRESSION_OJPEG || h->compression == COMPRESSION_JPEG)
        return false; /* libtiff's RGBA interface knows their colour models */
    if (!(grey && spp >= 1) && !(h->photometric == PHOTOMETRIC_RGB && spp >= 3))
        return false;
    if (spp > 8)
        return false;
    if (h->sample_format == SAMPLEFORMAT_IEEEFP)
        return bps == 32 || bps == 64;
    if (h->sample_format != SAMPLEFORMAT_UINT && h->sample_format != SAMPLEFORMAT_INT)
        return false;
    return bps == 8 || bps == 16 || bps == 32;
}

int fo_tiff_decode_grey(const uint8_t *data, size_t size, int page, PIX **out,
                        fo_error *err)
{
    tiff_memory m = {.data = data, .size = size};
    TIFF *tif = tiff_open_page(&m, page);
    fo_tiff_header h;
    char why[256] = "";
    PIX *pix;
    int rc;

    *out = NULL;
    if (!tif)
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged tiff data (%s)", m.message);
    read_header(tif, &h);
    if (!header_plausible(&h)) {
        TIFFClose(tif);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged tiff header");
    }
    pix = pixCreate(h.stored_width, h.stored_height, 8);
    if (!pix) {
        TIFFClose(tif);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %dx%d page",
                            h.stored_width, h.stored_height);
    }
    if (samples_decodable(&h))
        rc = decode_samples(tif, &h, pix, why, sizeof why);
    else
        rc = decode_rgba(tif, &h, pix, why, sizeof why);
    TIFFClose(tif);
    if (rc != 0) {
        pixDestroy(&pix);
        return fo_error_set(err, FO_ERR_CORRUPT, "damaged tiff data (%s)",
                            m.message[0] ? m.message : why);
    }
    pix = fo_orient(pix, h.orientation);
    if (!pix)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory turning the page");
    pixSetResolution(pix, h.xdpi, h.ydpi);
    *out = pix;
    return FO_OK;
}

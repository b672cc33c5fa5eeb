/* test_image.c - the image stage: formats, resolution, limits, bad input. */
#include <leptonica/allheaders.h>
#include <stdint.h>
#include <tiffio.h>
#include <unistd.h>

#include "formocr/image.h"
#include "harness.h"
#include "util.h"

static char *scan(const char *name)
{
    return fo_asprintf("%s/tests/data/scans/%s", test_source_dir(), name);
}

/* Opens and decodes page of a fixture; returns the page or NULL. */
static PIX *decode(const char *name, int page, const fo_image_limits *limits,
                   fo_page_info *info, int *rc, fo_error *err)
{
    char *path = scan(name);
    fo_image *img = NULL;
    PIX *pix = NULL;
    *rc = fo_image_open(path, limits, &img, err);
    if (*rc == FO_OK)
        *rc = fo_image_decode(img, page, &pix, info, err);
    fo_image_destroy(&img);
    free(path);
    return pix;
}

static void test_every_format_decodes(void)
{
    static const struct {
        const char *file, *format, *compression;
        int bpp, depth, dpi, from_file;
    } cases[] = {
        {"two-pages-g4.tif", "tiff", "g4", 1, 1, 200, 1},
        {"g3.tif", "tiff", "g3", 1, 1, 200, 1},
        {"lzw.tif", "tiff", "lzw", 8, 8, 300, 0},
        {"jpeg-in.tif", "tiff", "jpeg", 24, 8, 300, 1},
        {"packbits.tif", "tiff", "packbits", 8, 8, 400, 1},
        {"grey.png", "png", "deflate", 8, 8, 300, 0},
        {"colour.jpg", "jpeg", "jpeg", 24, 8, 150, 1},
        {"grey.pgm", "pnm", "none", 8, 8, 300, 0},
        {"bw.pbm", "pnm", "none", 1, 1, 300, 0},
        {"colour.webp", "webp", "webp", 24, 8, 300, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fo_page_info info;
        fo_error err;
        int rc;
        PIX *pix = decode(cases[i].file, 0, NULL, &info, &rc, &err);
        harness_current = cases[i].file;
        INT_EQ(rc, FO_OK);
        if (!pix)
            continue;
        STR_EQ(info.format, cases[i].format);
        STR_EQ(info.compression, cases[i].compression);
        INT_EQ(info.width, 200);
        INT_EQ(info.height, 283);
        INT_EQ(info.bits_per_pixel, cases[i].bpp);
        INT_EQ(pixGetDepth(pix), cases[i].depth);
        INT_EQ(pixGetWidth(pix), 200);
        INT_EQ(info.xdpi, cases[i].dpi);
        INT_EQ(pixGetXRes(pix), cases[i].dpi);
        INT_EQ(info.dpi_from_file, cases[i].from_file);
        OK(pixGetColormap(pix) == NULL);
        pixDestroy(&pix);
    }
}

/* Our libpng/libjpeg decoders write bytes straight into Leptonica's raster:
 * the pixels must be those Leptonica itself reads. */
static void test_png_and_jpeg_pixels_match_leptonica(void)
{
    static const char *files[] = {"grey.png", "colour.jpg"};
    for (int i = 0; i < 2; i++) {
        char *path = scan(files[i]);
        fo_error err;
        int rc, same = 0;
        l_float32 diff = 1e9f;
        PIX *ours = decode(files[i], 0, NULL, NULL, &rc, &err);
        PIX *lept = pixRead(path);
        PIX *lept8 = lept ? pixConvertTo8(lept, 0) : NULL;
        harness_current = files[i];
        OK(ours && lept8);
        if (ours && lept8) {
            pixEqual(ours, lept8, &same);
            pixGetDifferenceStats(ours, lept8, 0, 1, &diff, NULL, 0);
            /* PNG is lossless: identical; JPEG colour->grey rounding may
             * differ by a level between the two conversions. */
            if (i == 0)
                OK(same);
            else
                OK(diff <= 1.0f);
        }
        pixDestroy(&ours);
        pixDestroy(&lept);
        pixDestroy(&lept8);
        free(path);
    }
}

static void test_multipage_tiff(void)
{
    char *path = scan("two-pages-g4.tif");
    fo_image *img = NULL;
    fo_error err;
    PIX *p1 = NULL, *p2 = NULL, *turned;
    int same = 0;

    INT_EQ(fo_image_open(path, NULL, &img, &err), FO_OK);
    if (img) {
        INT_EQ(fo_image_page_count(img), 2);
        INT_EQ(fo_image_decode(img, 0, &p1, NULL, &err), FO_OK);
        INT_EQ(fo_image_decode(img, 1, &p2, NULL, &err), FO_OK);
        /* the fixture's second page is the first turned 180 degrees */
        turned = p1 ? pixRotate180(NULL, p1) : NULL;
        if (turned && p2)
            pixEqual(turned, p2, &same);
        OK(same);
        pixDestroy(&turned);
        pixDestroy(&p1);
        INT_EQ(fo_image_decode(img, 2, &p1, NULL, &err), FO_ERR_USAGE);
        OK(p1 == NULL);
    }
    pixDestroy(&p2);
    fo_image_destroy(&img);
    free(path);
}

static void test_default_dpi(void)
{
    fo_image_limits limits;
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *pix;

    fo_image_limits_default(&limits);
    limits.default_dpi = 200;
    pix = decode("grey.png", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(info.xdpi, 200);
    INT_EQ(info.ydpi, 200);
    INT_EQ(info.dpi_from_file, 0);
    OK(pix && pixGetXRes(pix) == 200);
    pixDestroy(&pix);
    /* a file's own resolution wins over the default */
    pix = decode("colour.jpg", 0, &limits, &info, &rc, &err);
    INT_EQ(info.xdpi, 150);
    pixDestroy(&pix);
}

static void test_limits(void)
{
    fo_image_limits limits;
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *pix;

    pix = decode("huge-60000x60000.png", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_ERR_LIMIT);
    OK(pix == NULL);
    STR_EQ(err.message, "too large (60000x60000 = 3600000000 pixels, limit 60000000: "
                        "see --max-pixels)");

    fo_image_limits_default(&limits);
    limits.max_pixels = 200 * 283 - 1;
    pix = decode("grey.png", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_ERR_LIMIT);
    OK(pix == NULL);
    limits.max_pixels = 200 * 283;
    pix = decode("grey.png", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    pixDestroy(&pix);

    fo_image_limits_default(&limits);
    limits.max_file_bytes = 100;
    pix = decode("grey.png", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_ERR_LIMIT);
    STR_CONTAINS(err.message, "file too large");
}

static void test_bad_inputs(void)
{
    static const struct {
        const char *file;
        int rc;
        const char *message;
    } cases[] = {
        {"empty.tif", FO_ERR_FORMAT, "not an image (empty file)"},
        {"text.tif", FO_ERR_FORMAT, "not an image (unknown format)"},
        {"random.bin", FO_ERR_FORMAT, "not an image (unknown format)"},
        {"truncated.png", FO_ERR_CORRUPT, "damaged or truncated png data"},
        {"bad-offset.tif", FO_ERR_CORRUPT, "damaged tiff"},
        {"no-such-file.tif", FO_ERR_IO, "cannot open (no such file or directory)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fo_error err;
        int rc;
        PIX *pix = decode(cases[i].file, 0, NULL, NULL, &rc, &err);
        harness_current = cases[i].file;
        INT_EQ(rc, cases[i].rc);
        OK(pix == NULL);
        STR_CONTAINS(err.message, cases[i].message);
        pixDestroy(&pix);
    }
}

/* A JPEG cut short is read as far as it goes, as other readers do, and the
 * page says so (the pipeline flags what is read on it); a hostile one that
 * warns without end is refused. */
static void test_damaged_jpeg_read_with_warning(void)
{
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *pix = decode("truncated.jpg", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    OK(pix != NULL);
    STR_CONTAINS(info.warning,
                 "damaged jpeg data, read as far as it goes (premature end");
    pixDestroy(&pix);
    pix = decode("grey.png", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    STR_EQ(info.warning, "");
    pixDestroy(&pix);
    pix = decode("repeated-scans.jpg", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_ERR_CORRUPT);
    OK(pix == NULL);
    pixDestroy(&pix);
}

static void test_folder_is_refused(void)
{
    char *path = fo_asprintf("%s/tests/data", test_source_dir());
    fo_image *img = NULL;
    fo_error err;
    INT_EQ(fo_image_open(path, NULL, &img, &err), FO_ERR_IO);
    STR_EQ(err.message, "is a folder, not a file");
    OK(img == NULL);
    free(path);
}

static void test_open_memory_matches_file(void)
{
    char *path = scan("colour.jpg");
    uint8_t *data = NULL;
    size_t size = 0;
    fo_image *img = NULL;
    fo_error err;
    PIX *pix = NULL;
    const uint8_t *bytes;
    size_t nbytes;

    INT_EQ(fo_read_file(path, 1 << 20, &data, &size, &err), FO_OK);
    INT_EQ(fo_image_open_memory(data, size, NULL, &img, &err), FO_OK);
    if (img) {
        bytes = fo_image_bytes(img, &nbytes);
        INT_EQ(nbytes, size);
        OK(memcmp(bytes, data, size) == 0);
        INT_EQ(fo_image_decode(img, 0, &pix, NULL, &err), FO_OK);
        OK(pix && pixGetWidth(pix) == 200);
    }
    pixDestroy(&pix);
    fo_image_destroy(&img);
    fo_image_destroy(&img); /* destroying twice is harmless */
    INT_EQ(fo_image_open_memory((const uint8_t *)"", 0, NULL, &img, &err),
           FO_ERR_FORMAT);
    free(data);
    free(path);
}

/* ---- TIFF layouts and orientations ----------------------------------- */

enum { TW = 40, TH = 20 }; /* stored size: ink marks no symmetry can map */

static int ink_at(int x, int y)
{
    return (x < 5 && y < 3) || (x == TW - 1 && y > 10) || (y == TH - 1 && x < 20);
}

/* Where stored pixel (x, y) is seen once Orientation o is applied
 * (TIFF 6.0, section 8: o names where row 0 and column 0 go). */
static void seen_at(int o, int x, int y, int *sx, int *sy)
{
    switch (o) {
    case 2: *sx = TW - 1 - x, *sy = y; break;
    case 3: *sx = TW - 1 - x, *sy = TH - 1 - y; break;
    case 4: *sx = x, *sy = TH - 1 - y; break;
    case 5: *sx = y, *sy = x; break;
    case 6: *sx = TH - 1 - y, *sy = x; break;
    case 7: *sx = TH - 1 - y, *sy = TW - 1 - x; break;
    case 8: *sx = y, *sy = TW - 1 - x; break;
    default: *sx = x, *sy = y; break;
    }
}

typedef struct tiff_layout {
    const char *name;
    int bits, spp, format, photometric, compression, planar, tile;
} tiff_layout;

/* One stored sample of ink (0) or paper (1) in the layout's encoding. */
static void put_sample(const tiff_layout *l, uint8_t *at, int paper)
{
    switch (l->bits) {
    case 8: *at = paper ? 255 : 0; break;
    case 16: {
        uint16_t v = paper ? 65535 : 0;
        memcpy(at, &v, 2);
        break;
    }
    case 32: {
        float f = paper ? 1.0f : 0.0f;
        memcpy(at, &f, 4);
        break;
    }
    }
}

/* Writes the test page in layout l with Orientation o, 200 x 100 dpi. */
static int write_tiff(const char *path, const tiff_layout *l, int o)
{
    TIFF *t = TIFFOpen(path, "w");
    int bytes = l->bits / 8, planes = l->planar == PLANARCONFIG_SEPARATE ? l->spp : 1;
    int per_pixel = planes > 1 ? 1 : l->spp;
    /* a colour map has 1 << bits entries: 0 black, 1 white, the rest unused */
    static uint16_t red[256] = {0, 65535}, green[256] = {0, 65535},
                    blue[256] = {0, 65535};
    if (!t)
        return -1;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, TW);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, TH);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, l->bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, l->spp);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, l->format);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, l->photometric);
    TIFFSetField(t, TIFFTAG_COMPRESSION, l->compression);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, l->planar);
    TIFFSetField(t, TIFFTAG_ORIENTATION, o);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 200.0f);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 100.0f);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    if (l->photometric == PHOTOMETRIC_PALETTE)
        TIFFSetField(t, TIFFTAG_COLORMAP, red, green, blue);
    if (l->tile) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, l->tile);
        TIFFSetField(t, TIFFTAG_TILELENGTH, l->tile);
        for (int p = 0; p < planes; p++)
            for (int ty = 0; ty < TH; ty += l->tile)
                for (int tx = 0; tx < TW; tx += l->tile) {
                    size_t n = (size_t)TIFFTileSize(t);
                    uint8_t *buf = calloc(1, n);
                    for (int y = 0; y < l->tile; y++)
                        for (int x = 0; x < l->tile; x++) {
                            int paper =
                                tx + x >= TW || ty + y >= TH || !ink_at(tx + x, ty + y);
                            size_t at = (size_t)y * l->tile + x;
                            if (l->bits == 1) {
                                if (!paper) /* min-is-white: 1 is ink */
                                    buf[(size_t)y * ((l->tile + 7) / 8) + x / 8] |=
                                        (uint8_t)(0x80 >> (x % 8));
                            } else if (l->bits == 8 &&
                                       l->photometric == PHOTOMETRIC_PALETTE) {
                                buf[at] = (uint8_t)paper;
                            } else {
                                for (int k = 0; k < per_pixel; k++)
                                    put_sample(l, buf + (at * per_pixel + k) * bytes,
                                               paper);
                            }
                        }
                    TIFFWriteTile(t, buf, (uint32_t)tx, (uint32_t)ty, 0, (uint16_t)p);
                    free(buf);
                }
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 7);
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < TH; y++) {
                uint8_t row[TW * 4 * 4] = {0};
                for (int x = 0; x < TW; x++) {
                    int paper = !ink_at(x, y);
                    if (l->bits == 1) {
                        if (!paper)
                            row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
                    } else {
                        for (int k = 0; k < per_pixel; k++)
                            put_sample(l, row + ((size_t)x * per_pixel + k) * bytes,
                                       paper);
                    }
                }
                TIFFWriteScanline(t, row, (uint32_t)y, (uint16_t)p);
            }
    }
    TIFFClose(t);
    return 0;
}

/* Every layout a scanner or an editor writes, in every orientation, gives
 * the page as it is meant to be seen, at its resolution (200 x 100 dpi as
 * stored: the page comes out in square pixels at 200 dpi). */
static void test_tiff_layouts_and_orientations(void)
{
    static const tiff_layout layouts[] = {
        /* read by Leptonica */
        {"g4", 1, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISWHITE, COMPRESSION_CCITTFAX4,
         PLANARCONFIG_CONTIG, 0},
        {"grey", 8, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW,
         PLANARCONFIG_CONTIG, 0},
        {"rgb", 8, 3, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB, COMPRESSION_LZW,
         PLANARCONFIG_CONTIG, 0},
        {"grey16", 16, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE,
         PLANARCONFIG_CONTIG, 0},
        /* read with libtiff */
        {"tiled grey", 8, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW,
         PLANARCONFIG_CONTIG, 16},
        {"planar rgb", 8, 3, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB, COMPRESSION_LZW,
         PLANARCONFIG_SEPARATE, 0},
        {"tiled planar rgb16", 16, 3, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB,
         COMPRESSION_DEFLATE, PLANARCONFIG_SEPARATE, 16},
        {"float grey", 32, 1, SAMPLEFORMAT_IEEEFP, PHOTOMETRIC_MINISBLACK,
         COMPRESSION_NONE, PLANARCONFIG_CONTIG, 0},
        {"tiled float rgb", 32, 3, SAMPLEFORMAT_IEEEFP, PHOTOMETRIC_RGB,
         COMPRESSION_DEFLATE, PLANARCONFIG_CONTIG, 16},
        {"tiled palette", 8, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_PALETTE, COMPRESSION_LZW,
         PLANARCONFIG_CONTIG, 16},
        {"tiled bilevel", 1, 1, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISWHITE,
         COMPRESSION_NONE, PLANARCONFIG_CONTIG, 16},
    };
    char path[] = "/tmp/formocr-test-tiff-XXXXXX";
    int fd = mkstemp(path);
    OK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        for (int o = 1; o <= 8; o++) {
            char name[64];
            fo_image *img = NULL;
            fo_page_info info;
            fo_error err;
            PIX *pix = NULL;
            int wrong = 0, turned = o >= 5;
            snprintf(name, sizeof name, "%s, orientation %d", layouts[i].name, o);
            harness_current = name;
            INT_EQ(write_tiff(path, &layouts[i], o), 0);
            INT_EQ(fo_image_open(path, NULL, &img, &err), FO_OK);
            if (!img)
                continue;
            /* the header: the stored rows are the page's columns, and so is
             * the resolution */
            INT_EQ(fo_image_page_info(img, 0, &info, &err), FO_OK);
            INT_EQ(info.width, turned ? TH : TW);
            INT_EQ(info.height, turned ? TW : TH);
            INT_EQ(info.xdpi, turned ? 100 : 200);
            INT_EQ(info.ydpi, turned ? 200 : 100);
            INT_EQ(fo_image_decode(img, 0, &pix, &info, &err), FO_OK);
            fo_image_destroy(&img);
            if (!pix) {
                HARNESS_FAIL("%s", err.message);
                continue;
            }
            /* decoded: pixels made square, the coarse axis doubled */
            INT_EQ(info.width, turned ? 2 * TH : TW);
            INT_EQ(info.height, turned ? TW : 2 * TH);
            INT_EQ(pixGetWidth(pix), info.width);
            INT_EQ(pixGetHeight(pix), info.height);
            INT_EQ(info.xdpi, 200);
            INT_EQ(info.ydpi, 200);
            INT_EQ(pixGetXRes(pix), 200);
            INT_EQ(pixGetYRes(pix), 200);
            OK(pixGetDepth(pix) == 1 || pixGetDepth(pix) == 8);
            for (int y = 0; y < TH && pixGetWidth(pix) == info.width; y++)
                for (int x = 0; x < TW; x++) {
                    int sx, sy;
                    l_uint32 v = 0;
                    seen_at(o, x, y, &sx, &sy);
                    pixGetPixel(pix, turned ? 2 * sx : sx, turned ? sy : 2 * sy, &v);
                    if ((pixGetDepth(pix) == 1 ? v == 1 : v < 128) != ink_at(x, y))
                        wrong++;
                }
            INT_EQ(wrong, 0);
            pixDestroy(&pix);
        }
    }
    unlink(path);
}

/* A CMYK JPEG (Adobe's inverted inks, as PIL and Photoshop write them):
 * white paper, full black, full cyan (R 0, G and B 255). */
static void test_cmyk_jpeg(void)
{
    fo_error err;
    int rc;
    PIX *pix = decode("cmyk.jpg", 0, NULL, NULL, &rc, &err);
    INT_EQ(rc, FO_OK);
    if (!pix)
        return;
    l_uint32 paper = 0, black = 0, cyan = 0;
    pixGetPixel(pix, 16, 16, &paper);
    pixGetPixel(pix, 48, 16, &black);
    pixGetPixel(pix, 80, 16, &cyan);
    NUM_NEAR(paper, 255, 3);
    NUM_NEAR(black, 0, 3);
    /* printed colour is ink (fo_ink_grey): full cyan is luma 179 less its
     * chroma 255, as dark as black */
    NUM_NEAR(cyan, 0, 3);
    pixDestroy(&pix);
}

/* A 12-bit JPEG is valid and read: IJG's test image, in its 8-bit and
 * 12-bit versions (libjpeg-turbo's testimages/testorig*.jpg), gives the
 * same page. */
static void test_12bit_jpeg(void)
{
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *twelve = decode("ijg-testorig12.jpg", 0, NULL, &info, &rc, &err);
    PIX *eight = decode("ijg-testorig.jpg", 0, NULL, NULL, &rc, &err);
    INT_EQ(info.bits_per_pixel, 36);
    OK(twelve && eight);
    if (twelve && eight) {
        l_float32 diff = 1e9f;
        INT_EQ(pixGetWidth(twelve), 227);
        INT_EQ(pixGetHeight(twelve), 149);
        INT_EQ(pixGetDepth(twelve), 8);
        {
            PIX *d = pixAbsDifference(twelve, eight);
            l_float32 mean = 0;
            pixGetAverageMasked(d, NULL, 0, 0, 1, L_MEAN_ABSVAL, &mean);
            diff = mean;
            pixDestroy(&d);
        }
        /* two encodings of one picture: a few grey levels apart at most */
        NUM_NEAR(diff, 0, 3);
    }
    pixDestroy(&twelve);
    pixDestroy(&eight);
    {
        /* 16-bit samples (lossless JPEG's) are no scanner's: refused as an
         * unsupported format, not as damaged data */
        char *path = scan("colour.jpg");
        uint8_t *data = NULL;
        size_t size = 0;
        fo_image *img = NULL;
        PIX *pix = NULL;
        INT_EQ(fo_read_file(path, 1 << 20, &data, &size, &err), FO_OK);
        for (size_t i = 0; data && i + 4 < size; i++)
            if (data[i] == 0xFF && data[i + 1] == 0xC0) {
                data[i + 4] = 16;
                break;
            }
        rc = fo_image_open_memory(data, size, NULL, &img, &err);
        if (rc == FO_OK)
            rc = fo_image_decode(img, 0, &pix, NULL, &err);
        INT_EQ(rc, FO_ERR_FORMAT);
        STR_CONTAINS(err.message, "16-bit jpeg");
        OK(pix == NULL);
        fo_image_destroy(&img);
        free(data);
        free(path);
    }
}

/* A PNG whose text chunk claims 1 GiB: refused from its length, before
 * libpng allocates the chunk (it did: 1.2 GB for a 57-byte file). */
static void test_png_chunk_longer_than_the_file(void)
{
    static const uint8_t png[] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0,
                                  0,    0,    13,   'I',  'H',  'D',  'R',  0,    0,
                                  0,    8,    0,    0,    0,    8,    8,    0,    0,
                                  0,    0,    0xe1, 0x64, 0xe1, 0x57, /* IHDR's CRC */
                                  0x3f, 0xff, 0xff, 0xff, 'i',  'T',  'X',  't',  'k',
                                  'e',  'y',  0,    0,    0,    0,    0};
    fo_image *img = NULL;
    fo_error err;
    PIX *pix = NULL;
    int rc = fo_image_open_memory(png, sizeof png, NULL, &img, &err);
    if (rc == FO_OK)
        rc = fo_image_decode(img, 0, &pix, NULL, &err);
    INT_EQ(rc, FO_ERR_CORRUPT);
    STR_CONTAINS(err.message, "chunk iTXt claims 1073741823 bytes");
    OK(pix == NULL);
    fo_image_destroy(&img);
}

/* Stray bytes between a JPEG's header segments (libjpeg warns "extraneous
 * bytes before marker"): the picture is whole and is read, the same pixels
 * as without them. */
static void test_jpeg_stray_bytes_between_segments(void)
{
    char *path = scan("colour.jpg");
    uint8_t *data = NULL, *odd = NULL;
    size_t size = 0;
    fo_image *img = NULL;
    fo_error err;
    PIX *plain = NULL, *pix = NULL;
    int rc;

    INT_EQ(fo_read_file(path, 1 << 20, &data, &size, &err), FO_OK);
    if (!data || size < 8) {
        free(path);
        return;
    }
    /* after SOI and the first segment: two zero bytes */
    size_t first = 4 + ((size_t)data[4] << 8 | data[5]);
    odd = malloc(size + 2);
    memcpy(odd, data, first);
    odd[first] = odd[first + 1] = 0;
    memcpy(odd + first + 2, data + first, size - first);
    INT_EQ(fo_image_open_memory(data, size, NULL, &img, &err), FO_OK);
    if (img)
        INT_EQ(fo_image_decode(img, 0, &plain, NULL, &err), FO_OK);
    fo_image_destroy(&img);
    rc = fo_image_open_memory(odd, size + 2, NULL, &img, &err);
    if (rc == FO_OK)
        rc = fo_image_decode(img, 0, &pix, NULL, &err);
    INT_EQ(rc, FO_OK);
    if (plain && pix) {
        l_int32 same = 0;
        pixEqual(plain, pix, &same);
        OK(same);
    }
    pixDestroy(&plain);
    pixDestroy(&pix);
    fo_image_destroy(&img);
    free(odd);
    free(data);
    free(path);
}

/* A standard fax (204 x 98 dpi: pixels twice as tall as wide) comes out in
 * square pixels at 204 dpi, the page of its fine twin, still bilevel. */
static void test_fax_pixels_made_square(void)
{
    fo_page_info info, twin_info;
    fo_error err;
    int rc;
    PIX *fax = decode("fax-204x98.tif", 0, NULL, &info, &rc, &err);
    PIX *twin = decode("fax-204x204.tif", 0, NULL, &twin_info, &rc, &err);
    OK(fax && twin);
    if (!fax || !twin) {
        pixDestroy(&fax);
        pixDestroy(&twin);
        return;
    }
    INT_EQ(info.xdpi, 204);
    INT_EQ(info.ydpi, 204);
    INT_EQ(pixGetXRes(fax), 204);
    INT_EQ(pixGetYRes(fax), 204);
    INT_EQ(pixGetDepth(fax), 1);
    INT_EQ(pixGetWidth(fax), 200);
    INT_EQ(info.width, 200);
    NUM_NEAR(pixGetHeight(fax), 283, 1);
    INT_EQ(info.height, pixGetHeight(fax));
    if (pixGetHeight(fax) == pixGetHeight(twin)) {
        /* half the rows are repeated, not read: close, not equal */
        l_int32 n = 0;
        PIX *x = pixXor(NULL, fax, twin);
        pixCountPixels(x, &n, NULL);
        l_int32 ink = 0;
        pixCountPixels(twin, &ink, NULL);
        OK(n < ink / 2);
        pixDestroy(&x);
    }
    pixDestroy(&fax);
    pixDestroy(&twin);
}

/* PDF: a scanned page is its image at its own resolution, the same pixels
 * as the same page in a TIFF; a drawn page is rendered at pdf_dpi; an
 * encrypted file says so; a damaged one fails or is repaired, never more. */
static void test_pdf_pages(void)
{
    fo_image_limits limits;
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *pdf = decode("scan-g4.pdf", 0, NULL, &info, &rc, &err);
    PIX *tif = decode("two-pages-g4.tif", 0, NULL, NULL, &rc, &err);
    OK(pdf && tif);
    STR_EQ(info.format, "pdf");
    STR_EQ(info.compression, "g4");
    INT_EQ(info.xdpi, 200);
    INT_EQ(info.ydpi, 200);
    INT_EQ(info.bits_per_pixel, 1);
    if (pdf && tif) {
        l_int32 same = 0;
        PIX *bin = pixConvertTo1(pdf, 128);
        pixEqual(bin, tif, &same);
        OK(same); /* extracted, not rendered: the very pixels */
        pixDestroy(&bin);
        INT_EQ(pixGetXRes(pdf), 200);
    }
    pixDestroy(&pdf);
    pixDestroy(&tif);

    /* two pages: a G4 scan, then a JPEG one */
    {
        char *path = scan("two-pages.pdf");
        fo_image *img = NULL;
        INT_EQ(fo_image_open(path, NULL, &img, &err), FO_OK);
        if (img) {
            INT_EQ(fo_image_page_count(img), 2);
            INT_EQ(fo_image_page_info(img, 1, &info, &err), FO_OK);
            STR_EQ(info.compression, "jpeg");
            INT_EQ(info.width, 200);
        }
        fo_image_destroy(&img);
        free(path);
    }

    /* drawn: rendered at pdf_dpi, with its text */
    fo_image_limits_default(&limits);
    pdf = decode("vector.pdf", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    STR_EQ(info.compression, "rendered");
    INT_EQ(info.xdpi, 300);
    NUM_NEAR(info.width, 595.0 / 72 * 300, 1);
    if (pdf) {
        l_int32 ink = 0;
        PIX *bin = pixConvertTo1(pdf, 128);
        pixCountPixels(bin, &ink, NULL);
        OK(ink > 10000); /* the frame, the box and the text were drawn */
        pixDestroy(&bin);
    }
    pixDestroy(&pdf);
    limits.pdf_dpi = 150;
    pdf = decode("vector.pdf", 0, &limits, &info, &rc, &err);
    INT_EQ(info.xdpi, 150);
    NUM_NEAR(info.width, 595.0 / 72 * 150, 1);
    pixDestroy(&pdf);

    /* the pixel limit applies before rendering */
    limits.pdf_dpi = 300;
    limits.max_pixels = 1000000;
    pdf = decode("vector.pdf", 0, &limits, &info, &rc, &err);
    INT_EQ(rc, FO_ERR_LIMIT);
    STR_CONTAINS(err.message, "too large");
    OK(pdf == NULL);

    pdf = decode("encrypted.pdf", 0, NULL, NULL, &rc, &err);
    INT_EQ(rc, FO_ERR_FORMAT);
    STR_CONTAINS(err.message, "encrypted pdf: a password is needed");
    OK(pdf == NULL);

    /* cut in half: MuPDF repairs what it can; the first page is whole */
    pdf = decode("truncated.pdf", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    OK(pdf != NULL);
    pixDestroy(&pdf);
}

/* A JPEG's EXIF Orientation is applied: 6, a portrait photo stored
 * sideways, comes out 40 wide and 60 tall, its top-left block at the top
 * right. */
static void test_jpeg_exif_orientation(void)
{
    fo_page_info info;
    fo_error err;
    int rc;
    PIX *pix = decode("exif-orient6.jpg", 0, NULL, &info, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(info.width, 40);
    INT_EQ(info.height, 60);
    if (pix) {
        l_uint32 right = 255, left = 0;
        INT_EQ(pixGetWidth(pix), 40);
        INT_EQ(pixGetHeight(pix), 60);
        pixGetPixel(pix, 35, 4, &right);
        pixGetPixel(pix, 4, 4, &left);
        OK(right < 64);
        OK(left > 192);
    }
    pixDestroy(&pix);
}

/* A PDF page's live form fields: names and values as MuPDF reads them
 * (a comb text field, a ticked check box); none for another format. */
static void test_pdf_form_values(void)
{
    char *path =
        fo_asprintf("%s/tests/fuzz/corpus/pdf/form-fields.pdf", test_source_dir());
    char *png = fo_asprintf("%s/samples/scan_0003.png", test_source_dir());
    fo_image *img = NULL;
    fo_form_value *v = NULL;
    fo_error err;
    int n = -1;

    INT_EQ(fo_image_open(path, NULL, &img, &err), FO_OK);
    if (img) {
        INT_EQ(fo_image_form_values(img, 0, &v, &n, &err), FO_OK);
        INT_EQ(n, 2);
        if (n == 2) {
            STR_EQ(v[0].name, "nom");
            STR_EQ(v[0].value, "DUPONT");
            STR_EQ(v[1].name, "coche");
            STR_EQ(v[1].value, "Oui");
        }
        fo_form_values_free(v, n);
        /* a page that is not there has none */
        INT_EQ(fo_image_form_values(img, 5, &v, &n, &err), FO_OK);
        INT_EQ(n, 0);
        fo_image_destroy(&img);
    }
    INT_EQ(fo_image_open(png, NULL, &img, &err), FO_OK);
    if (img) {
        INT_EQ(fo_image_form_values(img, 0, &v, &n, &err), FO_OK);
        INT_EQ(n, 0);
        OK(v == NULL);
        fo_image_destroy(&img);
    }
    free(path);
    free(png);
}

int main(void)
{
    RUN(test_pdf_form_values);
    RUN(test_every_format_decodes);
    RUN(test_png_and_jpeg_pixels_match_leptonica);
    RUN(test_multipage_tiff);
    RUN(test_default_dpi);
    RUN(test_limits);
    RUN(test_bad_inputs);
    RUN(test_damaged_jpeg_read_with_warning);
    RUN(test_folder_is_refused);
    RUN(test_open_memory_matches_file);
    RUN(test_tiff_layouts_and_orientations);
    RUN(test_cmyk_jpeg);
    RUN(test_12bit_jpeg);
    RUN(test_fax_pixels_made_square);
    RUN(test_pdf_pages);
    RUN(test_jpeg_exif_orientation);
    RUN(test_png_chunk_longer_than_the_file);
    RUN(test_jpeg_stray_bytes_between_segments);
    return harness_done();
}

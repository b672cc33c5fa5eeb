/* test_image.c - the image stage: formats, resolution, limits, bad input. */
#include <leptonica/allheaders.h>

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
        {"truncated.jpg", FO_ERR_CORRUPT, "damaged jpeg data"},
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

int main(void)
{
    RUN(test_every_format_decodes);
    RUN(test_png_and_jpeg_pixels_match_leptonica);
    RUN(test_multipage_tiff);
    RUN(test_default_dpi);
    RUN(test_limits);
    RUN(test_bad_inputs);
    RUN(test_folder_is_refused);
    RUN(test_open_memory_matches_file);
    return harness_done();
}

/* test_prep.c - the prep stage: resolution, binarization, skew, turn, photos. */
#include <leptonica/allheaders.h>

#include "formocr/prep.h"
#include "formocr/template.h"
#include "harness.h"
#include "raster.h"
#include "util.h"

static fo_template *tpl;

/* The blank 14011 form at 300 dpi, 8-bit grey: a real page of text and
 * rules to turn, tilt and darken. */
static PIX *reference(void)
{
    return pixClone(tpl->pages[0].image);
}

/* src turned clockwise by deg about its centre, on a canvas of its size. */
static PIX *tilted(PIX *src, double deg)
{
    int w = pixGetWidth(src), h = pixGetHeight(src);
    fo_affine to_src, t = fo_affine_compose(
                          fo_affine_translation(w / 2.0, h / 2.0),
                          fo_affine_compose(fo_affine_rotation(deg),
                                            fo_affine_translation(-w / 2.0, -h / 2.0)));
    fo_affine_invert(t, &to_src);
    return fo_raster_warp_grey(src, to_src, w, h, 255);
}

static void test_scan_dpi(void)
{
    bool est;
    INT_EQ(fo_prep_scan_dpi(2480, 3508, 300, true, &est), 300);
    OK(!est);
    /* no resolution: A4 taken from the short side, snapped */
    INT_EQ(fo_prep_scan_dpi(1654, 2339, 0, false, &est), 200);
    OK(est);
    INT_EQ(fo_prep_scan_dpi(3307, 4677, 0, false, &est), 400);
    INT_EQ(fo_prep_scan_dpi(2339, 1654, 0, false, &est), 200); /* landscape */
    /* a 72 dpi tag on a 300 dpi page would make it 34 inches wide */
    INT_EQ(fo_prep_scan_dpi(2480, 3508, 72, true, &est), 300);
    OK(est);
    /* a strip a few pixels across is not an A4 page at 1 dpi */
    INT_EQ(fo_prep_scan_dpi(5, 60000, 0, false, &est), 72);
    INT_EQ(fo_prep_scan_dpi(20000, 3, 0, false, &est), 72);
    OK(est);
}

static void test_binarize_copes_with_uneven_light(void)
{
    PIX *page = reference(), *dark, *bin, *clean;
    int w = pixGetWidth(page), h = pixGetHeight(page), diff = 0;
    l_float32 fract = 1;

    /* darken the page progressively from left (x1.0) to right (x0.35), as
     * a scanner lid left open does */
    dark = pixCopy(NULL, page);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            l_uint32 v;
            pixGetPixel(dark, x, y, &v);
            pixSetPixel(dark, x, y, (l_uint32)(v * (1.0 - 0.65 * x / w)));
        }
    bin = fo_raster_binarize(dark);
    clean = fo_raster_binarize(page);
    OK(bin && clean && pixGetDepth(bin) == 1);
    if (bin && clean) {
        /* the dark side is not turned to ink: the two differ on < 1 % */
        PIX *a = pixConvert1To8(NULL, bin, 0, 255),
            *b = pixConvert1To8(NULL, clean, 0, 255);
        pixCountPixels(bin, &diff, NULL);
        pixGetDifferenceStats(a, b, 1, 1, &fract, NULL, 0);
        OK(fract < 0.01);
        OK(diff > 0 && diff < w * h / 4);
        pixDestroy(&a);
        pixDestroy(&b);
        /* the test has teeth: one global threshold fails on this page */
        a = pixThresholdToBinary(dark, 128);
        pixCountPixels(a, &diff, NULL);
        OK(diff > w * h / 4);
        pixDestroy(&a);
    }
    pixDestroy(&page);
    pixDestroy(&dark);
    pixDestroy(&bin);
    pixDestroy(&clean);
}

static void test_skew(void)
{
    static const double angles[] = {-4.0, -1.3, 0.0, 2.5, 4.8};
    PIX *page = reference();
    for (size_t i = 0; i < sizeof angles / sizeof *angles; i++) {
        PIX *t = tilted(page, angles[i]), *bin = fo_raster_binarize(t), *turned;
        double deg, conf;
        fo_prep_find_skew(bin, &deg, &conf);
        NUM_NEAR(deg, angles[i], 0.1);
        /* the same page a quarter turned: its text lines are vertical */
        turned = pixRotateOrth(bin, 1);
        fo_prep_find_skew(turned, &deg, &conf);
        NUM_NEAR(deg, angles[i], 0.1);
        pixDestroy(&t);
        pixDestroy(&bin);
        pixDestroy(&turned);
    }
    pixDestroy(&page);
}

static void test_turn(void)
{
    PIX *page = reference(), *bin = fo_raster_binarize(page);
    /* pixRotateOrth turns clockwise by quads quarters: standing it up takes
     * the rest of the full turn */
    for (int quads = 0; quads < 4; quads++) {
        PIX *turned = pixRotateOrth(bin, quads);
        int turn = -1;
        double conf;
        fo_prep_find_turn(turned, &turn, &conf);
        INT_EQ(turn, (360 - 90 * quads) % 360);
        pixDestroy(&turned);
    }
    pixDestroy(&bin);
    pixDestroy(&page);
}

static void test_prep_page_records_its_geometry(void)
{
    /* a 200 dpi page, turned upside down and tilted by 2 degrees */
    PIX *page = reference(), *small = pixScale(page, 2.0f / 3, 2.0f / 3);
    PIX *tilt = tilted(small, 2.0), *upside = pixRotate180(NULL, tilt);
    fo_prep_result r;
    fo_error err;
    fo_point p;

    INT_EQ(fo_prep_page(upside, 200, true, NULL, &r, &err), FO_OK);
    INT_EQ(r.turn, 180);
    NUM_NEAR(r.skew, 2.0, 0.15); /* a half turn keeps the tilt's sense */
    INT_EQ(r.scan_dpi, 200);
    OK(r.upright && pixGetDepth(r.upright) == 1);
    NUM_NEAR(pixGetWidth(r.upright), 2480, 2);
    /* the scan's centre stays the result's centre */
    p = fo_affine_apply(
        r.to_result, (fo_point){pixGetWidth(upside) / 2.0, pixGetHeight(upside) / 2.0});
    NUM_NEAR(p.x, pixGetWidth(r.upright) / 2.0, 2);
    NUM_NEAR(p.y, pixGetHeight(r.upright) / 2.0, 2);
    /* the page as scanned is kept too, neither turned nor deskewed */
    OK(r.binary && pixGetWidth(r.binary) == pixGetWidth(r.upright));
    OK(!r.ink && !r.rows.v);
    fo_prep_result_free(&r);
    pixDestroy(&page);
    pixDestroy(&small);
    pixDestroy(&tilt);
    pixDestroy(&upside);
}

/* What matching is handed: the page at the working resolution as scanned,
 * its ink map, and the profiles of the page deskewed (counted through the
 * deskew transform, not resampled); nothing turned. */
static void test_prep_for_matching(void)
{
    PIX *page = reference(), *tilt = tilted(page, 3.0);
    fo_prep_options o;
    fo_prep_result r, level;
    fo_error err;
    int peak_tilted = 0, peak_level = 0;

    fo_prep_options_default(&o);
    o.dpi = 150;
    o.orient = false;
    o.upright = false;
    o.profiles = true;
    INT_EQ(fo_prep_page(tilt, 300, true, &o, &r, &err), FO_OK);
    INT_EQ(fo_prep_page(page, 300, true, &o, &level, &err), FO_OK);
    OK(!r.upright);
    INT_EQ(r.dpi, 150);
    NUM_NEAR(r.factor, 0.5, 1e-9);
    NUM_NEAR(r.skew, 3.0, 0.1);
    OK(r.binary && pixGetWidth(r.binary) == 1240);
    OK(r.ink && pixGetDepth(r.ink) == 8 && pixGetWidth(r.ink) == 1240);
    INT_EQ(r.rows.n, (pixGetHeight(r.binary) + 3) / 4);
    INT_EQ(r.cols.n, 1240 / 4);
    /* deskewed through the transform, the tilted page's text lines give
     * row peaks as sharp as the level page's */
    for (int i = 0; i < r.rows.n && i < level.rows.n; i++) {
        peak_tilted = r.rows.v[i] > peak_tilted ? (int)r.rows.v[i] : peak_tilted;
        peak_level = level.rows.v[i] > peak_level ? (int)level.rows.v[i] : peak_level;
    }
    OK(peak_level > 0 && peak_tilted > 0.8 * peak_level);
    fo_prep_result_free(&r);
    fo_prep_result_free(&level);
    OK(!r.binary && !r.ink && !r.rows.v); /* freeing zeroes */
    pixDestroy(&tilt);
    pixDestroy(&page);
}

/* A page larger than any form is refused before its working images are
 * made (the strip would be 30,000 x 6,250,000 px scaled to 300 dpi from 1). */
static void test_page_larger_than_a_form(void)
{
    PIX *strip = pixCreate(30000, 2, 8);
    fo_prep_result r;
    fo_error err;
    pixSetAll(strip);
    INT_EQ(fo_prep_page(strip, 0, false, NULL, &r, &err), FO_ERR_LIMIT);
    STR_EQ(err.message, "a page of 30000x2 px at 72 dpi is 416.7x0.0 inches: larger "
                        "than a form (at most 24 inches a side)");
    OK(!r.binary && !r.upright && !r.ink);
    fo_prep_result_free(&r);
    pixDestroy(&strip);
    /* an A3 page at 600 dpi stated in the file is a form */
    strip = pixCreate(7016, 9921, 1);
    INT_EQ(fo_prep_page(strip, 600, true, NULL, &r, &err), FO_OK);
    fo_prep_result_free(&r);
    pixDestroy(&strip);
}

/* The reference page photographed: seen under a homography (its corners
 * at q), on a table of grey level table, the light falling from 100 % at
 * the left to light % at the right. */
static PIX *photographed(const fo_point q[4], int w, int h, int table, double light)
{
    PIX *page = reference(), *photo;
    const fo_point rect[4] = {{0, 0},
                              {pixGetWidth(page) - 1, 0},
                              {pixGetWidth(page) - 1, pixGetHeight(page) - 1},
                              {0, pixGetHeight(page) - 1}};
    fo_homography to_page;
    OK(fo_homography_from_quads(q, rect, &to_page));
    photo = fo_raster_warp_grey_projective(page, &to_page, w, h, table);
    pixDestroy(&page);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            l_uint32 v;
            pixGetPixel(photo, x, y, &v);
            pixSetPixel(photo, x, y, (l_uint32)(v * (1 - (1 - light) * x / w)));
        }
    return photo;
}

/* A photo of a sheet is found to within a few pixels of its corners and
 * straightened in A4's proportions; scans, with or without a dark strip,
 * and a sheet on a table as light as paper are not photos. */
static void test_sheet_of_a_photo(void)
{
    /* an A4 sheet seen by a pinhole camera tilted 15 degrees (the corners
     * tests/data/make-photo.py gives with --seed 7 --tilt 15) */
    const fo_point q[4] = {
        {198.33, 309.68}, {1839.54, 220.24}, {1737.44, 2784.24}, {88.62, 2560.13}};
    fo_sheet sheet;
    fo_error err;
    PIX *photo = photographed(q, 2250, 3000, 70, 0.7), *page, *strip;

    OK(fo_prep_find_sheet(photo, &sheet));
    for (int i = 0; i < 4; i++) {
        NUM_NEAR(sheet.corner[i].x, q[i].x, 4);
        NUM_NEAR(sheet.corner[i].y, q[i].y, 4);
    }
    OK(sheet.contrast > 100);
    {
        int dpi = 72; /* a phone's: no page's */
        bool from_file = true;
        INT_EQ(fo_prep_straighten(&photo, &sheet, &dpi, &from_file, &err), FO_OK);
        NUM_NEAR((double)pixGetHeight(photo) / pixGetWidth(photo), sqrt(2.0), 0.01);
        /* A4's: the sheet is the page */
        NUM_NEAR(dpi, pixGetWidth(photo) / 8.2677, 1);
        OK(from_file);
    }
    pixDestroy(&photo);

    page = reference();
    OK(!fo_prep_find_sheet(page, &sheet));
    NUM_NEAR(sheet.corner[2].x, 0, 0);
    strip = pixCopy(NULL, page);
    /* a feeder's dark strip along the left edge: black (0) */
    pixRasterop(strip, 0, 0, pixGetWidth(strip) / 5, pixGetHeight(strip), PIX_CLR, NULL,
                0, 0);
    OK(!fo_prep_find_sheet(strip, &sheet));
    pixDestroy(&strip);
    pixDestroy(&page);

    photo = photographed(q, 2250, 3000, 245, 1.0);
    OK(!fo_prep_find_sheet(photo, &sheet));
    pixDestroy(&photo);
}

int main(void)
{
    fo_error err;
    char *path =
        fo_asprintf("%s/templates/cerfa_14011_03/template.json", test_source_dir());
    if (fo_template_load(path, &tpl, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(path);
    RUN(test_scan_dpi);
    RUN(test_binarize_copes_with_uneven_light);
    RUN(test_skew);
    RUN(test_turn);
    RUN(test_prep_page_records_its_geometry);
    RUN(test_prep_for_matching);
    RUN(test_page_larger_than_a_form);
    RUN(test_sheet_of_a_photo);
    fo_template_destroy(&tpl);
    return harness_done();
}

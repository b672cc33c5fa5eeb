/* test_match.c - classification and registration on synthetic scans. */
#include <leptonica/allheaders.h>
#include <math.h>

#include "formocr/match.h"
#include "formocr/prep.h"
#include "harness.h"
#include "raster.h"
#include "util.h"

static fo_template_set *set;
static fo_matcher *matcher;

static const fo_template *shipped(const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    return NULL;
}

/* A scan of t's blank reference through truth (reference px -> scan px) on
 * a w x h canvas. */
static PIX *scan_of(const fo_template *t, fo_affine truth, int w, int h)
{
    fo_affine inv;
    fo_affine_invert(truth, &inv);
    return fo_raster_warp_grey(t->pages[0].image, inv, w, h, 255);
}

/* A decoded page through the prep stage and the matcher, as the pipeline
 * takes it. */
static int match_scan(PIX *page, int dpi, bool from_file, fo_match *m, fo_error *err)
{
    fo_prep_options o;
    fo_prep_result prep;
    int rc;
    fo_match_prep_options(&o);
    rc = fo_prep_page(page, dpi, from_file, &o, &prep, err);
    if (rc == FO_OK)
        rc = fo_match_page(matcher, &prep, m, err);
    fo_prep_result_free(&prep);
    return rc;
}

/* Largest distance, over all field box corners, between where truth and
 * found put them. */
static double worst_corner(const fo_template *t, fo_affine truth, fo_affine found)
{
    double worst = 0;
    for (int i = 0; i < t->nfields; i++) {
        const fo_field *f = &t->fields[i];
        int n = f->geometry == FO_GEOM_OPTIONS ? f->noptions : f->nboxes;
        for (int k = 0; k < n; k++) {
            fo_box b = f->geometry == FO_GEOM_OPTIONS ? f->options[k].box : f->boxes[k];
            fo_point c[4] = {
                {b.x, b.y}, {b.x + b.w, b.y}, {b.x, b.y + b.h}, {b.x + b.w, b.y + b.h}};
            for (int j = 0; j < 4; j++) {
                fo_point p = fo_affine_apply(truth, c[j]),
                         q = fo_affine_apply(found, c[j]);
                worst = fmax(worst, hypot(p.x - q.x, p.y - q.y));
            }
        }
    }
    return worst;
}

static fo_affine similarity(double deg, double scale, double tx, double ty, int w,
                            int h)
{
    /* about the reference's centre, then shifted */
    fo_affine t = fo_affine_translation(-w / 2.0, -h / 2.0);
    t = fo_affine_compose(fo_affine_rotation(deg), t);
    t = fo_affine_compose(fo_affine_scaling(scale, scale), t);
    return fo_affine_compose(
        fo_affine_translation(w * scale / 2.0 + tx, h * scale / 2.0 + ty), t);
}

static void check_match(const char *name, PIX *scan, int dpi, fo_affine truth, int turn,
                        double tolerance)
{
    const fo_template *t = shipped(name);
    fo_match m;
    fo_error err;
    INT_EQ(match_scan(scan, dpi, dpi > 0, &m, &err), FO_OK);
    OK(m.template == t);
    if (m.template != t)
        return;
    INT_EQ(m.turn, turn);
    OK(m.score >= FO_MATCH_THRESHOLD);
    OK(m.residual_px < 1.0);
    NUM_NEAR(worst_corner(t, truth, m.transform), 0, tolerance);
}

static void test_rotated_scaled_shifted(void)
{
    const fo_template *t = shipped("cerfa_14011_03");
    fo_affine truth = similarity(3.0, 0.97, 40, -60, 2480, 3507);
    PIX *scan = scan_of(t, truth, 2480, 3508);
    check_match("cerfa_14011_03", scan, 300, truth, 0, 1.5);
    pixDestroy(&scan);
}

static void test_other_dpi_turned_binary_without_tag(void)
{
    /* 12485's reference is 350 dpi; the scan is 200 dpi, 1 bit, tilted by
     * -2.5 degrees and turned a quarter clockwise, with no resolution: it
     * must be estimated from the page size */
    const fo_template *t = shipped("cerfa_12485_03");
    double s = 200.0 / 350;
    fo_affine tilt = similarity(-2.5, s, -15, 25, 2898, 4094);
    /* pixRotateOrth(1) turns clockwise: (x, y) -> (h - 1 - y, x) */
    fo_affine quarter = {0, -1, 2339 - 1, 1, 0, 0};
    fo_affine truth = fo_affine_compose(quarter, tilt);
    PIX *grey = scan_of(t, tilt, 1654, 2339), *bin = pixThresholdToBinary(grey, 160);
    PIX *turned = pixRotateOrth(bin, 1);
    check_match("cerfa_12485_03", turned, 0, truth, 270, 1.5 * 200 / 300);
    pixDestroy(&grey);
    pixDestroy(&bin);
    pixDestroy(&turned);
}

static void test_blank_page_is_unmatched(void)
{
    PIX *blank = pixCreate(2480, 3508, 8);
    fo_match m;
    fo_error err;
    pixSetAll(blank);
    /* a little speckle, as on any scanned sheet */
    for (int i = 0; i < 400; i++)
        pixSetPixel(blank, (i * 7919) % 2480, (i * 104729) % 3508, 0);
    INT_EQ(match_scan(blank, 300, true, &m, &err), FO_OK);
    OK(m.template == NULL);
    OK(m.score < FO_MATCH_THRESHOLD);
    pixDestroy(&blank);
}

/* The 14011 form cut in eight bands put back in another order: every piece
 * is the form's own, but no single transform fits them. */
static void test_shuffled_form_is_unmatched(void)
{
    static const int order[8] = {3, 6, 0, 7, 2, 5, 1, 4};
    PIX *ref = shipped("cerfa_14011_03")->pages[0].image;
    int w = pixGetWidth(ref), h = pixGetHeight(ref), band = h / 8;
    PIX *page = pixCreate(w, band * 8, 8);
    fo_match m;
    fo_error err;
    for (int i = 0; i < 8; i++)
        pixRasterop(page, 0, i * band, w, band, PIX_SRC, ref, 0, order[i] * band);
    INT_EQ(match_scan(page, 300, true, &m, &err), FO_OK);
    OK(m.template == NULL);
    OK(m.score < FO_MATCH_THRESHOLD);
    pixDestroy(&page);
}

/* A page prepared for something else (the defaults: 300 dpi, upright, no
 * profiles) is refused, not matched on what it lacks. */
static void test_page_not_prepared_for_matching_is_refused(void)
{
    const fo_template *t = shipped("cerfa_14011_03");
    fo_prep_result prep;
    fo_match m;
    fo_error err;
    INT_EQ(fo_prep_page(t->pages[0].image, 300, true, NULL, &prep, &err), FO_OK);
    INT_EQ(fo_match_page(matcher, &prep, &m, &err), FO_ERR_USAGE);
    STR_EQ(err.message, "the page was not prepared for matching");
    fo_prep_result_free(&prep);
}

int main(void)
{
    fo_error err;
    char *dir = fo_asprintf("%s/templates", test_source_dir());
    const char *paths[] = {dir};
    if (fo_template_set_load(paths, 1, &set, &err) != FO_OK ||
        fo_matcher_create(set, &matcher, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(dir);
    RUN(test_rotated_scaled_shifted);
    RUN(test_other_dpi_turned_binary_without_tag);
    RUN(test_blank_page_is_unmatched);
    RUN(test_shuffled_form_is_unmatched);
    RUN(test_page_not_prepared_for_matching_is_refused);
    fo_matcher_destroy(&matcher);
    fo_template_set_destroy(&set);
    return harness_done();
}

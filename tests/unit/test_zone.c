/* test_zone.c - zones cut from matched scans, the blank form's ink taken
 * away, on the shipped templates' references marked by hand. */
#include <leptonica/allheaders.h>
#include <math.h>

#include "formocr/zone.h"
#include "harness.h"
#include "raster.h"
#include "util.h"

static fo_template_set *set;
static fo_zone_forms *forms;
static const fo_template *t14011, *t12485;

/* The boxes of cerfa_14011_03 the tests mark (template px, 300 dpi). */
static const fo_box CNI = {1423, 232, 44, 44};       /* type_document: cni */
static const fo_box PASSEPORT = {1919, 232, 45, 44}; /* type_document: passeport */
static const fo_box NOM_USAGE = {562, 909, 1656, 44};

static const fo_template *shipped(const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return set->items[i];
    return NULL;
}

/* A copy of t's blank reference (8 bpp grey). */
static PIX *blank(const fo_template *t)
{
    return pixCopy(NULL, t->pages[0].image);
}

/* Paints black (0) a w x h rectangle at (x, y) of an 8 bpp page. */
static void paint(PIX *page, int x, int y, int w, int h)
{
    pixRasterop(page, x, y, w, h, PIX_CLR, NULL, 0, 0);
}

/* Pixels of an 8 bpp image darker than 128. */
static int dark_pixels(PIX *grey)
{
    PIX *bin = pixThresholdToBinary(grey, 128);
    int n = -1;
    pixCountPixels(bin, &n, NULL);
    pixDestroy(&bin);
    return n;
}

/* The zone of box on page through to_scan, its written fill (inset 0.2,
 * as checkboxes are decided) and ink; -1 when extraction fails. */
static double fill_of(PIX *page, fo_affine to_scan, const fo_template *t, fo_box box,
                      int *ink)
{
    fo_zone_page zp;
    fo_zone z;
    fo_error err;
    double fill = -1;
    *ink = -1;
    if (fo_zone_page_init(&zp, page, to_scan, forms, t, 0, &err) != FO_OK)
        return -1;
    if (fo_zone_extract(&zp, box, &z, &err) == FO_OK) {
        fill = fo_zone_written_fill(&z, 0.2);
        *ink = z.ink_pixels;
        fo_zone_free(&z);
    }
    fo_zone_page_free(&zp);
    return fill;
}

/* The largest ink_pixels over every box and option box of t's fields, on
 * page through to_scan (*where: the field it was found in). */
static int worst_blank_ink(PIX *page, fo_affine to_scan, const fo_template *t,
                           const char **where)
{
    fo_zone_page zp;
    fo_error err;
    int worst = -1;
    *where = "";
    if (fo_zone_page_init(&zp, page, to_scan, forms, t, 0, &err) != FO_OK)
        return -1;
    for (int i = 0; i < t->nfields; i++) {
        const fo_field *f = &t->fields[i];
        int n = f->geometry == FO_GEOM_OPTIONS ? f->noptions : f->nboxes;
        for (int k = 0; k < n; k++) {
            fo_box b = f->geometry == FO_GEOM_OPTIONS ? f->options[k].box : f->boxes[k];
            fo_zone z;
            if (fo_zone_extract(&zp, b, &z, &err) != FO_OK)
                return -1;
            if (z.ink_pixels > worst) {
                worst = z.ink_pixels;
                *where = f->name;
            }
            fo_zone_free(&z);
        }
    }
    fo_zone_page_free(&zp);
    return worst;
}

static void test_page_init(void)
{
    PIX *ref = blank(t14011), *bin = pixThresholdToBinary(ref, 128);
    fo_zone_page zp;
    fo_template *other = NULL;
    fo_error err;
    l_uint32 v;

    INT_EQ(fo_zone_page_init(&zp, ref, fo_affine_identity(), forms, t14011, 0, &err),
           FO_OK);
    OK(zp.tpl == t14011 && zp.tpage == 0 && zp.form != NULL);
    OK(zp.grey && pixGetDepth(zp.grey) == 8 && pixGetWidth(zp.grey) == 2480 &&
       pixGetHeight(zp.grey) == 3507);
    fo_zone_page_free(&zp);
    OK(zp.grey == NULL);
    fo_zone_page_free(&zp); /* twice is harmless */

    /* a binary page becomes grey: ink black, paper white */
    INT_EQ(fo_zone_page_init(&zp, bin, fo_affine_identity(), forms, t14011, 0, &err),
           FO_OK);
    OK(zp.grey && pixGetDepth(zp.grey) == 8);
    pixGetPixel(zp.grey, CNI.x + 22, CNI.y + 22, &v); /* the box's inside */
    INT_EQ(v, 255);
    pixGetPixel(zp.grey, CNI.x - 2, CNI.y + 22, &v); /* its left border */
    INT_EQ(v, 0);
    fo_zone_page_free(&zp);

    /* a page the template does not have */
    INT_EQ(fo_zone_page_init(&zp, ref, fo_affine_identity(), forms, t14011, 1, &err),
           FO_ERR_USAGE);
    STR_EQ(err.message, "template \"cerfa_14011_03\" page 2 has no form mask");
    OK(zp.grey == NULL);
    /* the same template loaded again is not one the forms were made from */
    {
        char *path =
            fo_asprintf("%s/templates/cerfa_14011_03/template.json", test_source_dir());
        INT_EQ(fo_template_load(path, &other, &err), FO_OK);
        free(path);
    }
    if (other) {
        INT_EQ(fo_zone_page_init(&zp, ref, fo_affine_identity(), forms, other, 0, &err),
               FO_ERR_USAGE);
        STR_EQ(err.message, "template \"cerfa_14011_03\" page 1 has no form mask");
        fo_zone_page_free(&zp);
        fo_template_destroy(&other);
    }
    pixDestroy(&ref);
    pixDestroy(&bin);
}

/* On the blank form itself, every box holds the form's ink only: all of it
 * is taken away. */
static void test_blank_reference_has_no_written_ink(void)
{
    const fo_template *both[] = {t14011, t12485};
    for (int i = 0; i < 2; i++) {
        PIX *ref = blank(both[i]);
        const char *where;
        int worst = worst_blank_ink(ref, fo_affine_identity(), both[i], &where);
        if (worst != 0)
            fprintf(stderr, "  %s: %d px of ink in %s\n", both[i]->name, worst, where);
        INT_EQ(worst, 0);
        pixDestroy(&ref);
    }
}

/* A checkbox's zone: its size, the box's border in the scan's grey but not
 * in the ink nor in the clean image. */
static void test_checkbox_zone_images(void)
{
    PIX *ref = blank(t14011);
    fo_zone_page zp;
    fo_zone z;
    fo_error err;

    INT_EQ(fo_zone_page_init(&zp, ref, fo_affine_identity(), forms, t14011, 0, &err),
           FO_OK);
    INT_EQ(fo_zone_extract(&zp, CNI, &z, &err), FO_OK);
    INT_EQ(z.margin, 10);
    INT_EQ(z.box_w, 44);
    INT_EQ(z.box_h, 44);
    OK(z.grey && pixGetDepth(z.grey) == 8);
    OK(z.ink && pixGetDepth(z.ink) == 1);
    OK(z.clean && pixGetDepth(z.clean) == 8);
    INT_EQ(pixGetWidth(z.grey), 64);
    INT_EQ(pixGetHeight(z.grey), 64);
    INT_EQ(pixGetWidth(z.ink), 64);
    INT_EQ(pixGetHeight(z.clean), 64);
    /* the zone is the page's pixels, one for one, at 300 dpi */
    {
        l_uint32 a, b;
        int same = 1;
        for (int y = 0; y < 64 && same; y++)
            for (int x = 0; x < 64 && same; x++) {
                pixGetPixel(z.grey, x, y, &a);
                pixGetPixel(ref, CNI.x - 10 + x, CNI.y - 10 + y, &b);
                same = a == b;
            }
        OK(same);
    }
    OK(dark_pixels(z.grey) > 4 * 40); /* the square's four sides */
    INT_EQ(z.ink_pixels, 0);
    {
        int all = -1;
        pixCountPixels(z.ink, &all, NULL);
        INT_EQ(all, 0);
    }
    INT_EQ(dark_pixels(z.clean), 0);
    NUM_NEAR(fo_zone_written_fill(&z, 0.2), 0, 0);
    fo_zone_free(&z);
    OK(z.grey == NULL && z.ink == NULL && z.clean == NULL);
    fo_zone_page_free(&zp);
    pixDestroy(&ref);
}

/* A filled square inside one checkbox: its ink exactly, its neighbours
 * none. */
static void test_mark_in_checkbox(void)
{
    PIX *page = blank(t14011);
    fo_zone_page zp;
    fo_zone z;
    fo_error err;
    int ink;

    paint(page, CNI.x + 12, CNI.y + 12, 20, 20);
    INT_EQ(fo_zone_page_init(&zp, page, fo_affine_identity(), forms, t14011, 0, &err),
           FO_OK);
    INT_EQ(fo_zone_extract(&zp, CNI, &z, &err), FO_OK);
    INT_EQ(z.ink_pixels, 400);
    /* the inner part, inset by 0.2 of 44 px (9 px) a side, is 26 x 26 */
    NUM_NEAR(fo_zone_written_fill(&z, 0.2), 400.0 / (26 * 26), 1e-9);
    NUM_NEAR(fo_zone_written_fill(&z, 0), 400.0 / (44 * 44), 1e-9);
    NUM_NEAR(fo_zone_written_fill(&z, 0.5), 0, 0); /* nothing left inside */
    /* the clean image keeps the mark and nothing of the box */
    INT_EQ(dark_pixels(z.clean), 400);
    OK(dark_pixels(z.grey) > 400 + 4 * 40);
    fo_zone_free(&z);
    fo_zone_page_free(&zp);

    NUM_NEAR(fill_of(page, fo_affine_identity(), t14011, PASSEPORT, &ink), 0, 0);
    INT_EQ(ink, 0);
    NUM_NEAR(fill_of(page, fo_affine_identity(), t14011,
                     t14011->fields[2].options[0].box, &ink),
             0, 0); /* genre: homme */
    INT_EQ(ink, 0);
    pixDestroy(&page);
}

/* fo_zone_written_fill counts the box's inner part only, not the margin. */
static void test_written_fill_by_hand(void)
{
    fo_zone z;
    memset(&z, 0, sizeof z);
    z.margin = 10;
    z.box_w = 100;
    z.box_h = 50;
    z.ink = pixCreate(120, 70, 1);
    /* 30 x 10 in the box, with 20 of its columns in the inner part (inset
     * 0.2: 20 px left and right, 10 px top and bottom: 60 x 30 at (30, 20)) */
    pixRasterop(z.ink, 10, 35, 30, 10, PIX_SET, NULL, 0, 0);
    /* and ink in the margin, which never counts */
    pixRasterop(z.ink, 0, 0, 120, 5, PIX_SET, NULL, 0, 0);
    NUM_NEAR(fo_zone_written_fill(&z, 0), 300.0 / 5000, 1e-12);
    NUM_NEAR(fo_zone_written_fill(&z, 0.2), 100.0 / 1800, 1e-12);
    NUM_NEAR(fo_zone_written_fill(&z, 0.5), 0, 0);
    pixDestroy(&z.ink);
}

/* Specks and small stray marks are noise; small marks near writing and a
 * dot in a letter's hole are treated as the zone says. */
static void test_specks_and_stray_marks(void)
{
    PIX *page = blank(t14011);
    int x = NOM_USAGE.x, y = NOM_USAGE.y + 8, ink;

    paint(page, x + 100, y, 2, 2);      /* a speck: under SPECK_AREA */
    paint(page, x + 300, y, 5, 5);      /* 25 px far from any writing */
    paint(page, x + 600, y, 10, 10);    /* 100 px: writing */
    paint(page, x + 620, y, 5, 5);      /* 25 px 10 px from it: stays */
    paint(page, x + 600, y + 16, 2, 2); /* a speck near it: goes all the same */
    /* a hollow square (an O, 24 x 24 less 16 x 16: 320 px) with a 3 x 3
     * dot in its hole */
    paint(page, x + 900, y, 24, 24);
    pixRasterop(page, x + 904, y + 4, 16, 16, PIX_SET, NULL, 0, 0);
    paint(page, x + 910, y + 10, 3, 3);
    fill_of(page, fo_affine_identity(), t14011, NOM_USAGE, &ink);
    INT_EQ(ink, 100 + 25 + 320);
    pixDestroy(&page);
}

/* The dot in a zero's hole leaves `clean` (what the OCR reads: a dotted
 * zero reads 8) but stays in `dotted` (what tells it from an O); a zone
 * without such a mark has no `dotted` image. */
static void test_dot_kept_apart(void)
{
    PIX *page = blank(t14011);
    int x = NOM_USAGE.x + 900, y = NOM_USAGE.y + 8;
    fo_zone_page zp;
    fo_zone z;
    fo_error err;
    paint(page, x, y, 24, 24);
    pixRasterop(page, x + 4, y + 4, 16, 16, PIX_SET, NULL, 0, 0);
    OK(fo_zone_page_init(&zp, page, fo_affine_identity(), forms, t14011, 0, &err) ==
       FO_OK);
    OK(fo_zone_extract(&zp, NOM_USAGE, &z, &err) == FO_OK);
    OK(z.dotted == NULL);
    INT_EQ(dark_pixels(z.clean), 320);
    fo_zone_free(&z);
    paint(page, x + 10, y + 10, 3, 3);
    OK(fo_zone_extract(&zp, NOM_USAGE, &z, &err) == FO_OK);
    OK(z.dotted != NULL);
    INT_EQ(dark_pixels(z.clean), 320);
    INT_EQ(z.dotted ? dark_pixels(z.dotted) : -1, 320 + 9);
    fo_zone_free(&z);
    fo_zone_page_free(&zp);
    pixDestroy(&page);
}

/* Boxes at the page's corners: the zone's margin reaches beyond the page,
 * which is paper there. */
static void test_zones_at_page_corners(void)
{
    static const fo_box corners[] = {{0, 0, 40, 40}, {2440, 3463, 40, 44}};
    PIX *page = blank(t14011);
    fo_zone_page zp;
    fo_error err;

    paint(page, 10, 10, 20, 20);
    paint(page, 2450, 3473, 20, 20);
    INT_EQ(fo_zone_page_init(&zp, page, fo_affine_identity(), forms, t14011, 0, &err),
           FO_OK);
    for (int i = 0; i < 2; i++) {
        fo_zone z;
        l_uint32 v = 0;
        INT_EQ(fo_zone_extract(&zp, corners[i], &z, &err), FO_OK);
        INT_EQ(pixGetWidth(z.grey), corners[i].w + 20);
        INT_EQ(pixGetHeight(z.grey), corners[i].h + 20);
        INT_EQ(z.ink_pixels, 400);
        /* the margin's outer corner is off the page */
        pixGetPixel(z.grey, i == 0 ? 0 : pixGetWidth(z.grey) - 1,
                    i == 0 ? 0 : pixGetHeight(z.grey) - 1, &v);
        INT_EQ(v, 255);
        fo_zone_free(&z);
    }
    fo_zone_page_free(&zp);
    pixDestroy(&page);
}

/* The 350 dpi template: zones at 300 dpi, in its frame. */
static void test_zone_of_350_dpi_template(void)
{
    const fo_field *nom = fo_template_field(t12485, "nom_assure");
    const fo_field *sig = fo_template_field(t12485, "signature_medecin");
    PIX *page = blank(t12485);
    fo_zone_page zp;
    fo_zone z;
    fo_error err;
    fo_box b;

    OK(nom && sig);
    if (!nom || !sig)
        return;
    b = sig->boxes[0];
    /* 350 x 35 reference px in the middle of the signature box: 300 x 30
     * at 300 dpi */
    paint(page, b.x + 350, b.y + 140, 350, 35);
    INT_EQ(fo_zone_page_init(&zp, page, fo_affine_identity(), forms, t12485, 0, &err),
           FO_OK);
    INT_EQ(fo_zone_extract(&zp, nom->boxes[0], &z, &err), FO_OK);
    INT_EQ(z.box_w, (int)lround(1994 * 300.0 / 350));
    INT_EQ(z.box_h, (int)lround(60 * 300.0 / 350));
    INT_EQ(pixGetWidth(z.grey), z.box_w + 20);
    INT_EQ(pixGetHeight(z.grey), z.box_h + 20);
    INT_EQ(z.ink_pixels, 0);
    fo_zone_free(&z);
    INT_EQ(fo_zone_extract(&zp, b, &z, &err), FO_OK);
    INT_EQ(z.box_w, (int)lround(b.w * 300.0 / 350));
    INT_EQ(z.box_h, (int)lround(b.h * 300.0 / 350));
    NUM_NEAR(z.ink_pixels, 300 * 30, 300 * 30 * 0.03);
    fo_zone_free(&z);
    fo_zone_page_free(&zp);
    pixDestroy(&page);
}

/* The same marked form scanned at 150 dpi: the zone is resampled to the
 * same 300 dpi frame and shows the same mark. */
static void test_half_resolution_scan(void)
{
    PIX *page = blank(t14011), *half;
    /* template px centre (x + 0.5) -> scan (x + 0.5) / 2 - 0.5 */
    fo_affine to_scan = {0.5, 0, -0.25, 0, 0.5, -0.25};
    const char *where;
    int ink, worst;
    double fill;
    fo_zone_page zp;
    fo_zone z;
    fo_error err;

    paint(page, CNI.x + 12, CNI.y + 12, 20, 20);
    half = pixScale(page, 0.5, 0.5);
    OK(half && pixGetWidth(half) == 1240);
    fill = fill_of(half, to_scan, t14011, CNI, &ink);
    /* blurred twice, the 20 x 20 square gains about a pixel all round */
    NUM_NEAR(fill, 400.0 / 676, 0.15);
    NUM_NEAR(ink, 400, 100);
    NUM_NEAR(fill_of(half, to_scan, t14011, PASSEPORT, &ink), 0, 0.01);
    INT_EQ(fo_zone_page_init(&zp, half, to_scan, forms, t14011, 0, &err), FO_OK);
    INT_EQ(fo_zone_extract(&zp, CNI, &z, &err), FO_OK);
    INT_EQ(pixGetWidth(z.grey), 64);
    INT_EQ(pixGetHeight(z.grey), 64);
    fo_zone_free(&z);
    fo_zone_page_free(&zp);
    /* and the blank form's ink is still all taken away, every box */
    pixDestroy(&half);
    half = pixScale(t14011->pages[0].image, 0.5, 0.5);
    worst = worst_blank_ink(half, to_scan, t14011, &where);
    OK(worst >= 0 && worst < 30); /* under what the reader takes for ink */
    pixDestroy(&half);
    pixDestroy(&page);
}

/* t about the page's centre: turned deg, scaled, then shifted. */
static fo_affine similarity(double deg, double scale, double tx, double ty, int w,
                            int h)
{
    fo_affine t = fo_affine_translation(-w / 2.0, -h / 2.0);
    t = fo_affine_compose(fo_affine_rotation(deg), t);
    t = fo_affine_compose(fo_affine_scaling(scale, scale), t);
    return fo_affine_compose(
        fo_affine_translation(w * scale / 2.0 + tx, h * scale / 2.0 + ty), t);
}

/* A turned, scaled, shifted scan of the marked form: the zone follows the
 * transform to the mark. */
static void test_moved_scan(void)
{
    PIX *page = blank(t14011), *scan;
    fo_affine truth = similarity(2.0, 0.9, 70, -45, 2480, 3507), inv;
    const char *where;
    int ink, worst;
    double fill;

    paint(page, CNI.x + 12, CNI.y + 12, 20, 20);
    fo_affine_invert(truth, &inv);
    scan = fo_raster_warp_grey(page, inv, 2480, 3508, 255);
    fill = fill_of(scan, truth, t14011, CNI, &ink);
    NUM_NEAR(fill, 400.0 / 676, 0.15);
    NUM_NEAR(ink, 400, 100);
    NUM_NEAR(fill_of(scan, truth, t14011, PASSEPORT, &ink), 0, 0.01);
    pixDestroy(&scan);
    /* the blank form moved so: its ink is taken away in every box */
    scan = fo_raster_warp_grey(t14011->pages[0].image, inv, 2480, 3508, 255);
    worst = worst_blank_ink(scan, truth, t14011, &where);
    if (worst >= 30)
        fprintf(stderr, "  %d px of ink in %s\n", worst, where);
    OK(worst >= 0 && worst < 30);
    pixDestroy(&scan);
    pixDestroy(&page);
}

/* A zone made by hand: margin 10, box 300 x 60 px, the ink's pixels and
 * the clean image dark where ink is. */
static fo_zone hand_zone(void)
{
    fo_zone z = {0};
    z.margin = 10;
    z.box_w = 300;
    z.box_h = 60;
    z.ink = pixCreate(320, 80, 1);
    z.clean = pixCreate(320, 80, 8);
    pixSetAll(z.clean);
    return z;
}

static void ink_rect(fo_zone *z, int x, int y, int w, int h)
{
    pixRasterop(z->ink, x, y, w, h, PIX_SET, NULL, 0, 0);
    pixRasterop(z->clean, x, y, w, h, PIX_CLR, NULL, 0, 0);
}

static int zone_ink(const fo_zone *z)
{
    l_int32 n = 0;
    pixCountPixels(z->ink, &n, NULL);
    return n;
}

/* A box's border left in the zone by a registration a few px off (an
 * empty date box of make-corpus2.py read "7": its two sides) goes; a 1
 * or an l written in the box, writing touching the border, and a dash
 * stay. */
static void test_drop_box_edges(void)
{
    fo_zone z = hand_zone();
    l_uint32 v = 0;
    ink_rect(&z, 13, 12, 2, 58);  /* the left side, 3 px off */
    ink_rect(&z, 303, 8, 3, 62);  /* the right side, 6 px in */
    ink_rect(&z, 20, 66, 280, 2); /* the foot */
    z.ink_pixels = zone_ink(&z);
    INT_EQ(fo_zone_drop_box_edges(&z), 3);
    INT_EQ(z.ink_pixels, 0);
    INT_EQ(zone_ink(&z), 0);
    pixGetPixel(z.clean, 14, 40, &v);
    INT_EQ(v, 255);
    fo_zone_free(&z);

    z = hand_zone();
    ink_rect(&z, 100, 30, 4, 30); /* a 1: half the box's height */
    ink_rect(&z, 20, 25, 4, 45);  /* an l near the side, 10 px in */
    ink_rect(&z, 150, 45, 20, 3); /* a dash */
    ink_rect(&z, 297, 12, 3, 58); /* a side ... */
    ink_rect(&z, 260, 40, 37, 6); /* ... that writing touches */
    z.ink_pixels = zone_ink(&z);
    int before = z.ink_pixels;
    INT_EQ(fo_zone_drop_box_edges(&z), 0);
    INT_EQ(z.ink_pixels, before);
    fo_zone_free(&z);
}

int main(void)
{
    fo_error err;
    char *dir = fo_asprintf("%s/templates", test_source_dir());
    const char *paths[] = {dir};
    if (fo_template_set_load(paths, 1, &set, &err) != FO_OK ||
        fo_zone_forms_create(set, &forms, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(dir);
    t14011 = shipped("cerfa_14011_03");
    t12485 = shipped("cerfa_12485_03");
    if (!t14011 || !t12485) {
        fprintf(stderr, "shipped templates missing\n");
        return 1;
    }
    RUN(test_page_init);
    RUN(test_blank_reference_has_no_written_ink);
    RUN(test_checkbox_zone_images);
    RUN(test_mark_in_checkbox);
    RUN(test_written_fill_by_hand);
    RUN(test_specks_and_stray_marks);
    RUN(test_dot_kept_apart);
    RUN(test_zones_at_page_corners);
    RUN(test_zone_of_350_dpi_template);
    RUN(test_half_resolution_scan);
    RUN(test_moved_scan);
    RUN(test_drop_box_edges);
    fo_zone_forms_destroy(&forms);
    OK(forms == NULL);
    fo_zone_forms_destroy(&forms);
    fo_template_set_destroy(&set);
    return harness_done();
}

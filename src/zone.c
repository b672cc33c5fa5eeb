/*
 * zone.c - field zones and the removal of the form's ink (see zone.h).
 *
 * How the form's ink is removed
 * -----------------------------
 * The zone is cut twice, in the same frame: from the scan, through the
 * match's transform, and from the blank reference, directly.  Each is
 * binarized against its own paper level (the zone's 90th percentile of
 * grey: a dark page, cream paper or a grey photocopy all have their paper
 * near the top of the histogram), the reference more generously, so that
 * light printed rules count as form.  The reference's ink is then grown by
 * FORM_GROW px in every direction — the registration is good to a pixel or
 * two, and a photocopy thickens strokes — and taken away from the scan's.
 * What remains is the person's writing, less the few pixels where it
 * crosses a printed line; specks smaller than SPECK_AREA px go too.  A zone
 * whose ink all lies along the print, within RESIDUE_GROW px of the grown
 * form ink, holds no writing: the edge of a printed "/" or rule that a scan
 * at another resolution, or a sheet not quite flat, puts a few pixels off
 * (its writing, when there is some, is left whole).  A zone
 * left with almost no ink is empty and is not given to the OCR at all.
 */
#include "formocr/zone.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "cache.h"
#include "lru.h"
#include "raster.h"
#include "util.h"

enum {
    ZONE_MARGIN = 10, /* px at ZONE_DPI kept around a box */
    FORM_GROW = 3,    /* px the blank form's ink is grown by */
    SPECK_AREA = 8,   /* px: smaller ink components are noise */
    STROKE_AREA = 60, /* px: a component this large is writing */
    NEAR_STROKE = 30, /* px (2.5 mm): smaller marks this close to writing stay */
    CLEAN_GROW = 1,   /* px around the written ink kept in `clean` */
    RESIDUE_GROW = 3  /* px beyond the grown form ink where print residue lies */
};
/* Paper level: this rank of the zone's grey values. */
static const float PAPER_RANK = 0.9f;
/* Ink is darker than this fraction of the paper level: light, blurred
 * print reaches ~0.65 of the paper's grey; JPEG noise stays above 0.9. */
static const double SCAN_INK_RATIO = 0.78;
/* The reference is a clean rendering: lighter print still counts as form. */
static const double FORM_INK_RATIO = 0.8;

typedef struct form_page {
    const fo_template *tpl;
    int page;
    uint8_t key[FO_CACHE_KEY_LEN];
} form_page;

/* The form masks are made when a page matched to a template needs one, read
 * back from the cache ("zform" entries, keyed by the template's SHA-256,
 * the page and FORM_FORMAT) or derived from the reference, and held in a
 * bounded set (ZONE_FORMS_KEPT with a cache; all that were made without). */
enum { FORM_FORMAT = 1, ZONE_FORMS_KEPT = 8 };

struct fo_zone_forms {
    form_page *pages;
    int count;
    fo_lru *masks; /* PIX by page number */
    fo_cache *cache;
};

/* 1 bpp: pixels of grey darker than ratio x its paper level. */
static PIX *ink_of(PIX *grey, double ratio)
{
    l_uint32 paper = 255;
    pixGetRankValue(grey, 1, PAPER_RANK, &paper);
    return pixThresholdToBinary(grey, (l_int32)lround(paper * ratio));
}

/* Zone px (pixel centres) -> template px, for a zone whose top-left zone
 * pixel is template px (x0, y0) shifted by margin zone px. */
static fo_affine zone_to_template(double k, double x0, double y0, int margin)
{
    return (fo_affine){k, 0, x0 + (0.5 - margin) * k - 0.5,
                       0, k, y0 + (0.5 - margin) * k - 0.5};
}

static PIX *form_mask(PIX *reference, const fo_template *t, int page)
{
    const double k = (double)t->dpi / FO_ZONE_DPI;
    const fo_template_page *tp = &t->pages[page];
    int w = (int)lround(tp->width / k), h = (int)lround(tp->height / k);
    PIX *ref = fo_raster_warp_grey(reference, zone_to_template(k, 0, 0, 0), w, h, 255);
    PIX *form = ref ? ink_of(ref, FORM_INK_RATIO) : NULL;
    PIX *grown =
        form ? pixDilateBrick(NULL, form, 2 * FORM_GROW + 1, 2 * FORM_GROW + 1) : NULL;
    pixDestroy(&ref);
    pixDestroy(&form);
    return grown;
}

static void drop_mask(void *item)
{
    PIX *pix = item;
    pixDestroy(&pix);
}

/* fo_lru loader of page id's mask: the cache's, else derived and stored. */
static void *load_mask(void *ctx, int id)
{
    fo_zone_forms *f = ctx;
    const form_page *fp = &f->pages[id];
    const fo_template_page *tp = &fp->tpl->pages[fp->page];
    const double k = (double)fp->tpl->dpi / FO_ZONE_DPI;
    const int w = (int)lround(tp->width / k), h = (int)lround(tp->height / k);
    uint8_t *data = NULL;
    size_t len = 0;
    PIX *mask = NULL, *reference = NULL;
    fo_error err;

    if (f->cache && fo_cache_get(f->cache, "zform", fp->key, &data, &len) == FO_OK) {
        fo_blob_reader r = fo_blob_reader_of(data, len);
        mask = fo_blob_get_pix1(&r);
        if (mask && (!fo_blob_reader_done(&r) || pixGetWidth(mask) != w ||
                     pixGetHeight(mask) != h))
            pixDestroy(&mask);
    }
    free(data);
    if (mask)
        return mask;
    reference = tp->image ? pixClone(tp->image) : NULL;
    if (!reference &&
        fo_template_page_image(fp->tpl, fp->page, &reference, &err) != FO_OK)
        return NULL;
    mask = form_mask(reference, fp->tpl, fp->page);
    pixDestroy(&reference);
    if (mask && f->cache) {
        fo_blob_writer bw = FO_BLOB_WRITER_INIT;
        uint8_t *bytes;
        fo_blob_put_pix1(&bw, mask);
        if ((bytes = fo_blob_writer_detach(&bw, &len)) != NULL)
            fo_cache_put(f->cache, "zform", fp->key, bytes, len, &err);
        free(bytes);
    }
    return mask;
}

int fo_zone_forms_create(const fo_template_set *set, fo_zone_forms **out, fo_error *err)
{
    return fo_zone_forms_create_cached(set, NULL, out, err);
}

int fo_zone_forms_create_cached(const fo_template_set *set, struct fo_cache *cache,
                                fo_zone_forms **out, fo_error *err)
{
    fo_zone_forms *f = calloc(1, sizeof *f);
    int total = 0;

    *out = NULL;
    for (int i = 0; f && i < set->count; i++)
        total += set->items[i]->npages;
    if (f) {
        f->pages = calloc(total ? (size_t)total : 1, sizeof *f->pages);
        f->masks = fo_lru_create(total, cache ? ZONE_FORMS_KEPT : total, load_mask,
                                 drop_mask, f);
        f->cache = cache;
    }
    if (!f || !f->pages || !f->masks) {
        fo_zone_forms_destroy(&f);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < set->count; i++)
        for (int p = 0; p < set->items[i]->npages; p++) {
            form_page *fp = &f->pages[f->count++];
            char text[160];
            int n;
            fp->tpl = set->items[i];
            fp->page = p;
            n = snprintf(text, sizeof text, "formocr zone form %d %d %s page %d",
                         FORM_FORMAT, FO_ZONE_DPI, fp->tpl->sha256, p);
            fo_sha256(text, (size_t)n, fp->key);
        }
    *out = f;
    return FO_OK;
}

void fo_zone_forms_destroy(fo_zone_forms **fp)
{
    if (!fp || !*fp)
        return;
    fo_lru_destroy(&(*fp)->masks);
    free((*fp)->pages);
    free(*fp);
    *fp = NULL;
}

int fo_zone_page_init(fo_zone_page *zp, PIX *page, fo_affine to_scan,
                      const fo_zone_forms *forms, const fo_template *tpl, int tpage,
                      fo_error *err)
{
    memset(zp, 0, sizeof *zp);
    zp->form_id = -1;
    for (int i = 0; i < forms->count; i++)
        if (forms->pages[i].tpl == tpl && forms->pages[i].page == tpage)
            zp->form_id = i;
    if (zp->form_id < 0)
        return fo_error_set(err, FO_ERR_USAGE,
                            "template \"%s\" page %d has no form mask", tpl->name,
                            tpage + 1);
    zp->form = fo_lru_acquire(forms->masks, zp->form_id);
    if (!zp->form) {
        zp->form_id = -1;
        return fo_error_set(err, FO_ERR_IO,
                            "template \"%s\" page %d: its form mask could not be read "
                            "back or derived again (its reference changed or went?)",
                            tpl->name, tpage + 1);
    }
    zp->forms = forms;
    /* a grey page is shared, not copied: a 150-megapixel scan is 150 MB */
    if (pixGetDepth(page) == 8 && !pixGetColormap(page))
        zp->grey = pixClone(page);
    else if (pixGetDepth(page) == 1)
        zp->grey = pixConvert1To8(NULL, page, 255, 0);
    else
        zp->grey = pixConvertTo8(page, 0);
    if (!zp->grey)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory preparing zones");
    zp->to_scan = to_scan;
    zp->tpl = tpl;
    zp->tpage = tpage;
    return FO_OK;
}

void fo_zone_page_free(fo_zone_page *zp)
{
    if (!zp)
        return;
    pixDestroy(&zp->grey);
    if (zp->forms && zp->form_id >= 0)
        fo_lru_release(zp->forms->masks, zp->form_id);
    zp->forms = NULL;
    zp->form = NULL;
}

/* True when the small component c (at x, y in the zone) lies in a hole of
 * another: the dot inside a dotted zero, a speck inside an O.  Its 1-px
 * ring must be all hole. */
static bool inside_hole(PIX *c, int x, int y, PIX *holes)
{
    int w = pixGetWidth(c), h = pixGetHeight(c), left = 0;
    PIX *frame = pixCreate(w + 2, h + 2, 1), *ring = NULL, *outside = NULL;
    bool enclosed = false;
    if (!frame)
        return false;
    pixRasterop(frame, 1, 1, w, h, PIX_SRC, c, 0, 0);
    ring = pixDilateBrick(NULL, frame, 3, 3);
    if (ring) {
        pixXor(ring, ring, frame);
        /* ring pixels that are not hole: any one means the mark is open */
        outside = pixCreate(w + 2, h + 2, 1);
        if (outside) {
            pixRasterop(outside, 0, 0, w + 2, h + 2, PIX_SRC, holes, x - 1, y - 1);
            pixSubtract(outside, ring, outside);
            pixCountPixels(outside, &left, NULL);
            enclosed = left == 0;
        }
    }
    pixDestroy(&frame);
    pixDestroy(&ring);
    pixDestroy(&outside);
    return enclosed;
}

/* Removes from ink (in place) the components smaller than STROKE_AREA that
 * lie farther than NEAR_STROKE px from every component at least that large,
 * or inside the hole of another (a dotted zero reads as an 8 with its dot).
 * Those inside a hole are painted into *dots (created when there is one):
 * the dot is what tells a monospaced face's zero from its O. */
static int drop_stray_marks(PIX *ink, PIX **dots)
{
    PIXA *comps = NULL;
    BOXA *boxes = pixConnComp(ink, &comps, 8);
    NUMA *areas = comps ? pixaCountPixels(comps) : NULL;
    PIX *holes = pixHolesByFilling(ink, 4);
    int n = boxes ? boxaGetCount(boxes) : 0, rc = FO_OK;

    if (!boxes || !comps || !areas || !holes) {
        rc = FO_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        l_int32 area, x, y, w, h;
        bool near = false;
        PIX *c;
        numaGetIValue(areas, i, &area);
        if (area >= STROKE_AREA)
            continue;
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        for (int j = 0; j < n && !near; j++) {
            l_int32 a2, x2, y2, w2, h2;
            numaGetIValue(areas, j, &a2);
            if (a2 < STROKE_AREA)
                continue;
            boxaGetBoxGeometry(boxes, j, &x2, &y2, &w2, &h2);
            near = x < x2 + w2 + NEAR_STROKE && x2 < x + w + NEAR_STROKE &&
                   y < y2 + h2 + NEAR_STROKE && y2 < y + h + NEAR_STROKE;
        }
        c = pixaGetPix(comps, i, L_CLONE);
        bool in_hole = near && inside_hole(c, x, y, holes);
        if (in_hole && !*dots)
            *dots = pixCreateTemplate(ink);
        if (in_hole && *dots)
            pixRasterop(*dots, x, y, w, h, PIX_PAINT, c, 0, 0);
        if (!near || in_hole)
            /* clear exactly this component's pixels */
            pixRasterop(ink, x, y, w, h, PIX_DST & PIX_NOT(PIX_SRC), c, 0, 0);
        pixDestroy(&c);
    }
out:
    boxaDestroy(&boxes);
    pixaDestroy(&comps);
    numaDestroy(&areas);
    pixDestroy(&holes);
    return rc;
}

/* Clears ink (in place) when all of it lies within RESIDUE_GROW px of form
 * (the grown form ink): print residue, not writing,
 * which always reaches farther from the print somewhere.  A zone with
 * writing keeps all its ink: the parts of a 0 cut off by a comb's wall lie
 * along the print too, and without them it reads 9. */
static int drop_print_residue(PIX *ink, PIX *form)
{
    PIX *near = pixDilateBrick(NULL, form, 2 * RESIDUE_GROW + 1, 2 * RESIDUE_GROW + 1);
    PIX *beyond = near ? pixSubtract(NULL, ink, near) : NULL;
    l_int32 empty = 0;
    if (!beyond) {
        pixDestroy(&near);
        return FO_ERR_NOMEM;
    }
    pixZero(beyond, &empty);
    if (empty)
        pixClearAll(ink);
    pixDestroy(&beyond);
    pixDestroy(&near);
    return FO_OK;
}

/* A box's border left in a zone by a registration a few px off: a stroke
 * EDGE_ASPECT times longer than thick, along EDGE_SPAN of the box's
 * height (a side) or twice its height (the top or the foot) at least,
 * within EDGE_REACH px of where that edge is meant to be. */
static const double EDGE_SPAN = 0.75, EDGE_ASPECT = 8.0;
enum { EDGE_REACH = ZONE_MARGIN };

int fo_zone_drop_box_edges(fo_zone *z)
{
    PIXA *comps = NULL;
    BOXA *boxes = z->ink ? pixConnComp(z->ink, &comps, 8) : NULL;
    int n = boxes ? boxaGetCount(boxes) : 0, dropped = 0;
    int left = z->margin, right = z->margin + z->box_w, top = z->margin,
        foot = z->margin + z->box_h;
    for (int i = 0; i < n; i++) {
        l_int32 x, y, w, h;
        if (boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h) != 0)
            continue;
        int cx = x + w / 2, cy = y + h / 2;
        bool side = h >= EDGE_SPAN * z->box_h && h >= EDGE_ASPECT * w &&
                    (abs(cx - left) <= EDGE_REACH || abs(cx - right) <= EDGE_REACH);
        bool rule = w >= 2 * z->box_h && w >= EDGE_ASPECT * h &&
                    (abs(cy - top) <= EDGE_REACH || abs(cy - foot) <= EDGE_REACH);
        if (!side && !rule)
            continue;
        PIX *c = pixaGetPix(comps, i, L_CLONE);
        PIX *framed = c ? pixAddBorder(c, CLEAN_GROW, 0) : NULL;
        PIX *grown = framed ? pixDilateBrick(NULL, framed, 2 * CLEAN_GROW + 1,
                                             2 * CLEAN_GROW + 1)
                            : NULL;
        pixDestroy(&framed);
        if (grown) {
            /* this component's pixels out of the ink, its place white in
             * the images the OCR and the shapes are read on */
            pixRasterop(z->ink, x, y, w, h, PIX_DST & PIX_NOT(PIX_SRC), c, 0, 0);
            PIX *where = pixCreateTemplate(z->ink);
            if (where) {
                pixRasterop(where, x - CLEAN_GROW, y - CLEAN_GROW, w + 2 * CLEAN_GROW,
                            h + 2 * CLEAN_GROW, PIX_SRC, grown, 0, 0);
                pixSetMasked(z->clean, where, 255);
                if (z->dotted)
                    pixSetMasked(z->dotted, where, 255);
            }
            pixDestroy(&where);
            dropped++;
        }
        pixDestroy(&grown);
        pixDestroy(&c);
    }
    if (dropped) {
        BOX *inner = boxCreate(z->margin, z->margin, z->box_w, z->box_h);
        pixCountPixelsInRect(z->ink, inner, &z->ink_pixels, NULL);
        boxDestroy(&inner);
    }
    boxaDestroy(&boxes);
    pixaDestroy(&comps);
    return dropped;
}

/* The zone's grey with everything but the written ink (grown) made white. */
static PIX *clean_grey(PIX *grey, PIX *ink)
{
    PIX *keep = pixDilateBrick(NULL, ink, 2 * CLEAN_GROW + 1, 2 * CLEAN_GROW + 1);
    PIX *clean = keep ? pixCopy(NULL, grey) : NULL;
    if (clean) {
        pixInvert(keep, keep);
        pixSetMasked(clean, keep, 255);
    }
    pixDestroy(&keep);
    return clean;
}

int fo_zone_extract(const fo_zone_page *zp, fo_box box, fo_zone *out, fo_error *err)
{
    const double k = (double)zp->tpl->dpi / FO_ZONE_DPI; /* template px per zone px */
    PIX *scan_ink = NULL, *grown = NULL, *diff = NULL, *dots = NULL;
    BOX *inner;
    int w, h, changed, rc = FO_OK;

    memset(out, 0, sizeof *out);
    out->margin = ZONE_MARGIN;
    out->box_w = (int)lround(box.w / k);
    out->box_h = (int)lround(box.h / k);
    w = out->box_w + 2 * ZONE_MARGIN;
    h = out->box_h + 2 * ZONE_MARGIN;
    out->grey = fo_raster_warp_grey(
        zp->grey,
        fo_affine_compose(zp->to_scan, zone_to_template(k, box.x, box.y, ZONE_MARGIN)),
        w, h, 255);
    scan_ink = out->grey ? ink_of(out->grey, SCAN_INK_RATIO) : NULL;
    /* the form's ink for the same place, cut from the page's mask (the
     * nearest whole pixel: the mask is grown by more than that) */
    grown = pixCreate(w, h, 1);
    if (grown)
        pixRasterop(grown, 0, 0, w, h, PIX_SRC, zp->form,
                    (int)lround(box.x / k) - ZONE_MARGIN,
                    (int)lround(box.y / k) - ZONE_MARGIN);
    diff = scan_ink && grown ? pixSubtract(NULL, scan_ink, grown) : NULL;
    out->ink =
        diff ? pixSelectByArea(diff, SPECK_AREA, 8, L_SELECT_IF_GT, &changed) : NULL;
    if (out->ink && drop_print_residue(out->ink, grown) == FO_OK &&
        drop_stray_marks(out->ink, &dots) == FO_OK)
        out->clean = clean_grey(out->grey, out->ink);
    if (out->clean && dots) {
        pixOr(dots, dots, out->ink);
        out->dotted = clean_grey(out->grey, dots);
    }
    if (!out->clean) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory extracting a zone");
        fo_zone_free(out);
        goto out;
    }
    inner = boxCreate(ZONE_MARGIN, ZONE_MARGIN, out->box_w, out->box_h);
    pixCountPixelsInRect(out->ink, inner, &out->ink_pixels, NULL);
    boxDestroy(&inner);
out:
    pixDestroy(&scan_ink);
    pixDestroy(&grown);
    pixDestroy(&diff);
    pixDestroy(&dots);
    return rc;
}

void fo_zone_free(fo_zone *z)
{
    if (!z)
        return;
    pixDestroy(&z->grey);
    pixDestroy(&z->ink);
    pixDestroy(&z->clean);
    pixDestroy(&z->dotted);
}

double fo_zone_written_fill(const fo_zone *z, double inset)
{
    int dx = (int)lround(z->box_w * inset), dy = (int)lround(z->box_h * inset);
    int w = z->box_w - 2 * dx, h = z->box_h - 2 * dy, count = 0;
    BOX *b;
    if (w <= 0 || h <= 0)
        return 0;
    b = boxCreate(z->margin + dx, z->margin + dy, w, h);
    pixCountPixelsInRect(z->ink, b, &count, NULL);
    boxDestroy(&b);
    return (double)count / ((double)w * h);
}

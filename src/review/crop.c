/* crop.c - a flagged field's image for formocr review, upright and
 * aligned, cut on demand from the scan it was read on (review_internal.h). */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formocr/geometry.h"
#include "formocr/image.h"
#include "formocr/pipeline.h"
#include "raster.h"
#include "review_internal.h"
#include "util.h"

/* The crop's margin around the field, in template px: a quarter of its
 * height, within these bounds; and the largest crop sent (a page-wide
 * field is scaled down to fit). */
enum { MARGIN_MIN = 20, MARGIN_MAX = 60, CROP_MAX_W = 2400, CROP_MAX_H = 1200 };

struct fo_review_cropper {
    char *scans_dir;
    /* the last page decoded, as the pipeline read it: known by the file's
     * bytes (their SHA-256, checked when read), not by where it was */
    char sha256[65];
    int page;
    PIX *grey;
};

fo_review_cropper *fo_review_cropper_new(const char *scans_dir)
{
    fo_review_cropper *c = calloc(1, sizeof *c);
    if (c && scans_dir && !(c->scans_dir = fo_strdup(scans_dir))) {
        free(c);
        return NULL;
    }
    return c;
}

static void forget(fo_review_cropper *c)
{
    c->sha256[0] = '\0';
    pixDestroy(&c->grey);
}

void fo_review_cropper_free(fo_review_cropper *c)
{
    if (!c)
        return;
    forget(c);
    free(c->scans_dir);
    free(c);
}

/* The page of the file at path (as stored: relative to scans_dir), if its
 * bytes are still those read, decoded and made upright as the pipeline did
 * before matching. */
static int load_page(fo_review_cropper *c, const fo_review_place *place, fo_error *err)
{
    char *full = place->path[0] != '/' && c->scans_dir
                     ? fo_path_join(c->scans_dir, place->path)
                     : fo_strdup(place->path);
    fo_image *img = NULL;
    fo_page_info info;
    uint8_t sum[FO_SHA256_LEN], *bytes = NULL;
    char hex[65];
    size_t size = 0;
    bool straightened;
    PIX *pix = NULL, *grey;
    int rc, dpi;
    bool from_file;

    if (!full)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    /* the bytes are hashed before anything parses them: a file that is
     * not the one read is refused unopened, whatever it is */
    if ((rc = fo_read_file(full, FO_DEFAULT_MAX_FILE_BYTES, &bytes, &size, err)) !=
        FO_OK) {
        char why[FO_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        rc = fo_error_set(err, FO_ERR_IO, "%s: %s%s", full, why,
                          place->path[0] != '/' ? " (relative to the folder review was "
                                                  "started in, or --scans-dir)"
                                                : "");
        goto out;
    }
    fo_sha256(bytes, size, sum);
    fo_hex(sum, FO_SHA256_LEN, hex);
    if (strcmp(hex, place->sha256) != 0) {
        free(bytes);
        rc = fo_error_set(err, FO_ERR_CHANGED, "%s: changed since it was read", full);
        goto out;
    }
    if ((rc = fo_image_adopt(bytes, size, NULL, &img, err)) != FO_OK) {
        char why[FO_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        fo_error_set(err, rc, "%s: %s", full, why);
        goto out;
    }
    if (place->page < 1 || place->page > fo_image_page_count(img)) {
        rc = fo_error_set(err, FO_ERR_USAGE, "%s: no page %d", full, place->page);
        goto out;
    }
    if ((rc = fo_image_decode(img, place->page - 1, &pix, &info, err)) != FO_OK)
        goto out;
    grey = pixGetDepth(pix) == 8 ? pixClone(pix) : pixConvertTo8(pix, false);
    pixDestroy(&pix);
    if (!grey) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    dpi = info.xdpi;
    from_file = info.dpi_from_file;
    if ((rc = fo_pipeline_upright_page(&grey, &dpi, &from_file, &straightened, NULL,
                                       err)) != FO_OK) {
        pixDestroy(&grey);
        goto out;
    }
    forget(c);
    c->grey = grey;
    c->page = place->page;
    memcpy(c->sha256, place->sha256, sizeof c->sha256);
out:
    fo_image_destroy(&img);
    free(full);
    return rc;
}

int fo_review_crop(fo_review_cropper *c, const fo_review_place *place, uint8_t **png,
                   size_t *size, fo_error *err)
{
    const double *t = place->transform;
    fo_affine to_page = {t[0], t[1], t[2], t[3], t[4], t[5]}, to_tpl, to_crop;
    double u0 = INFINITY, v0 = INFINITY, u1 = -INFINITY, v1 = -INFINITY, margin, k = 1;
    int rc = FO_OK, w, h;
    PIX *crop;

    *png = NULL;
    *size = 0;
    if (place->w <= 0 || place->h <= 0 || !fo_affine_invert(to_page, &to_tpl))
        return fo_error_set(err, FO_ERR_USAGE, "the field has no box on its page");
    if ((!c->grey || c->page != place->page || strcmp(c->sha256, place->sha256) != 0) &&
        (rc = load_page(c, place, err)) != FO_OK)
        return rc;
    /* the box on the page, back in the template's frame (where the form
     * stands upright).  The page's box is the extent of the template's box
     * turned by the transform: its centre is the centre's image, and its
     * sides are |a| w + |b| h and |d| w + |e| h, solved for the template
     * box's w and h (well posed unless the page is turned near 45 degrees,
     * where the extent of the corners taken back is used: larger) */
    {
        double ca = fabs(to_page.a), cb = fabs(to_page.b), cd = fabs(to_page.d),
               ce = fabs(to_page.e), det = ca * ce - cb * cd;
        double norm = fmax(ca * ca + cb * cb, cd * cd + ce * ce);
        fo_point centre = fo_affine_apply(
            to_tpl, (fo_point){place->x + place->w / 2.0, place->y + place->h / 2.0});
        double bw = place->w, bh = place->h, tw = (ce * bw - cb * bh) / det,
               th = (ca * bh - cd * bw) / det;
        if (fabs(det) > 0.5 * norm && tw > 0 && th > 0) {
            u0 = centre.x - tw / 2;
            u1 = centre.x + tw / 2;
            v0 = centre.y - th / 2;
            v1 = centre.y + th / 2;
        } else {
            for (int i = 0; i < 4; i++) {
                fo_point p = {place->x + (i & 1 ? place->w : 0),
                              place->y + (i & 2 ? place->h : 0)};
                fo_point q = fo_affine_apply(to_tpl, p);
                u0 = fmin(u0, q.x);
                u1 = fmax(u1, q.x);
                v0 = fmin(v0, q.y);
                v1 = fmax(v1, q.y);
            }
        }
    }
    if (!isfinite(u0) || !isfinite(v0) || !isfinite(u1) || !isfinite(v1) ||
        u1 - u0 > 1e5 || v1 - v0 > 1e5 || fabs(u0) > 1e6 || fabs(v0) > 1e6)
        return fo_error_set(err, FO_ERR_USAGE, "the field's box makes no sense");
    margin = fmin(MARGIN_MAX, fmax(MARGIN_MIN, 0.25 * (v1 - v0)));
    u0 -= margin;
    v0 -= margin;
    u1 += margin;
    v1 += margin;
    k = fmin(1.0, fmin(CROP_MAX_W / (u1 - u0), CROP_MAX_H / (v1 - v0)));
    w = (int)ceil((u1 - u0) * k);
    h = (int)ceil((v1 - v0) * k);
    /* crop px -> template px -> page px */
    to_crop = (fo_affine){1 / k, 0, u0, 0, 1 / k, v0};
    crop = fo_raster_warp_grey(c->grey, fo_affine_compose(to_page, to_crop), w, h, 255);
    if (!crop)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (pixWriteMem(png, size, crop, IFF_PNG) != 0) {
        pixDestroy(&crop);
        return fo_error_set(err, FO_ERR_NOMEM, "cannot make the crop's PNG");
    }
    pixDestroy(&crop);
    return FO_OK;
}

/* marks.c - checkboxes, choices and signatures, decided on the written ink
 * in their boxes, without OCR (see read_internal.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"
#include "strbuf.h"
#include "util.h"

/* Checkbox: written ink over this fraction of the box's inner part ticks it;
 * the confidence falls to 0 at the threshold, reaching 100 a factor of
 * MARK_CONFIDENT_RATIO away on either side. */
static const double CHECKBOX_INSET = 0.2;
static const double CHECKBOX_FILL = 0.05;
static const double SIGNATURE_INSET = 0.02;
static const double SIGNATURE_FILL = 0.004;
static const double MARK_CONFIDENT_RATIO = 2.0;
/* Where a box filled solid is a cancelled mark (the queXF convention): ink
 * over this fraction of the inner part fills it; confidence reaches 100 a
 * factor of SOLID_CONFIDENT_RATIO away on either side.  A tick or a cross
 * covers 5-35 % of it, a box blacked out 80-100 %. */
static const double SOLID_FILL = 0.55;
static const double SOLID_CONFIDENT_RATIO = 1.35;

/* Confidence of a mark decided on fill against threshold. */
static double mark_confidence(double fill, double threshold, double ratio)
{
    double r = fabs(log(fmax(fill, 1e-6) / threshold)) / log(ratio);
    return 100.0 * fmin(1.0, r);
}

/* A box's mark: *on when ticked, not when filled solid and cancel_solid
 * (the field says that cancels it).  The confidence is the least of the
 * decisions' made. */
static int read_mark(const fo_zone_page *zp, fo_box box, double inset, double threshold,
                     bool cancel_solid, bool *on, double *confidence, fo_error *err)
{
    fo_zone z;
    double fill;
    int rc = fo_zone_extract(zp, box, &z, err);
    if (rc != FO_OK)
        return rc;
    fill = fo_zone_written_fill(&z, inset);
    fo_zone_free(&z);
    *on = fill >= threshold;
    *confidence = mark_confidence(fill, threshold, MARK_CONFIDENT_RATIO);
    if (cancel_solid && *on) {
        *on = fill < SOLID_FILL;
        *confidence =
            fmin(*confidence, mark_confidence(fill, SOLID_FILL, SOLID_CONFIDENT_RATIO));
    }
    return FO_OK;
}

/* Why a mark's confidence is low, when the field cancels solid boxes: a
 * box between a tick and a filled one. */
static const char *const HALF_FILLED =
    "a box half filled: a tick, or a mark cancelled by filling it?";

int fo_read_mark_field(const fo_zone_page *zp, const fo_field *f, fo_reading *out,
                       fo_error *err)
{
    bool signature = f->type == FO_FIELD_SIGNATURE, on;
    int rc =
        read_mark(zp, f->boxes[0], signature ? SIGNATURE_INSET : CHECKBOX_INSET,
                  signature ? SIGNATURE_FILL : CHECKBOX_FILL,
                  !signature && f->cancelled_if_filled, &on, &out->confidence, err);
    if (rc == FO_OK && !(out->raw = fo_strdup(on ? "1" : "0")))
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (rc == FO_OK && f->cancelled_if_filled && out->confidence < f->min_confidence)
        out->doubt = HALF_FILLED;
    return rc;
}

int fo_read_choice(const fo_zone_page *zp, const fo_field *f, fo_reading *out,
                   fo_error *err)
{
    fo_strbuf ticked = FO_STRBUF_INIT;
    int rc = FO_OK;
    out->confidence = 100;
    for (int i = 0; i < f->noptions && rc == FO_OK; i++) {
        bool on;
        double conf;
        rc = read_mark(zp, f->options[i].box, CHECKBOX_INSET, CHECKBOX_FILL,
                       f->cancelled_if_filled, &on, &conf, err);
        if (rc != FO_OK)
            break;
        out->confidence = fmin(out->confidence, conf);
        if (f->cancelled_if_filled && conf < f->min_confidence)
            out->doubt = HALF_FILLED;
        if (on && ticked.len > 0)
            fo_strbuf_addc(&ticked, ',');
        if (on)
            fo_strbuf_add(&ticked, f->options[i].name);
    }
    if (rc != FO_OK) {
        fo_strbuf_free(&ticked);
        return rc;
    }
    out->raw = fo_strbuf_detach(&ticked);
    return out->raw ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
}

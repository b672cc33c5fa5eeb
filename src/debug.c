/* debug.c - overlay images of aligned pages, zones and values (debug.h). */
#include "debug.h"

#include <leptonica/allheaders.h>
#include <stdio.h>
#include <string.h>

#include "raster.h"
#include "util.h"

enum {
    OVERLAY_DPI = 150,
    FONT_SIZE = 4,
    LINE_WIDTH = 2,
    MAX_LABEL = 160,
    LABEL_CHARS = 40,
    HASH_CHARS = 8,      /* of the SHA-256 in a name: one in 4 billion alike */
    CAPTION_HEIGHT = 24, /* px: the white band an unmatched page's reason is on */
    DEFAULT_DPI = 300    /* of a page that does not say its resolution */
};

static void status_colour(fo_field_status s, l_uint8 *r, l_uint8 *g, l_uint8 *b)
{
    switch (s) {
    case FO_STATUS_OK:
        *r = 0;
        *g = 160;
        *b = 0;
        break;
    case FO_STATUS_LOW_CONFIDENCE:
        *r = 240;
        *g = 140;
        *b = 0;
        break;
    case FO_STATUS_INVALID:
        *r = 220;
        *g = 0;
        *b = 0;
        break;
    default:
        *r = 200;
        *g = 0;
        *b = 200;
        break;
    }
}

/* Leptonica's bitmap font is ASCII: French letters lose their accents,
 * anything else becomes '?', and lines are joined with " / ". */
static void ascii_text(const char *text, char *out, size_t size)
{
    static const char *const from[] = {"À", "Â", "Ä", "Ç", "É", "È", "Ê", "Ë", "Î",
                                       "Ï", "Ô", "Ö", "Ù", "Û", "Ü", "Ÿ", "Œ", "à",
                                       "â", "ä", "ç", "é", "è", "ê", "ë", "î", "ï",
                                       "ô", "ö", "ù", "û", "ü", "ÿ", "œ", NULL};
    static const char *const to[] = {"A", "A", "A", "C", "E", "E", "E", "E",  "I",
                                     "I", "O", "O", "U", "U", "U", "Y", "OE", "a",
                                     "a", "a", "c", "e", "e", "e", "e", "i",  "i",
                                     "o", "o", "u", "u", "u", "y", "oe"};
    size_t n = 0;
    for (const char *p = text; *p && n + 3 < size;) {
        int k = 0;
        if (*p == '\n') {
            n += (size_t)snprintf(out + n, size - n, " / ");
            p++;
            continue;
        }
        if ((unsigned char)*p < 0x80) {
            out[n++] = *p >= 32 ? *p : '?';
            p++;
            continue;
        }
        while (from[k] && strncmp(p, from[k], strlen(from[k])) != 0)
            k++;
        if (from[k]) {
            n += (size_t)snprintf(out + n, size - n, "%s", to[k]);
            p += strlen(from[k]);
        } else {
            out[n++] = '?';
            p++;
            while ((*p & 0xC0) == 0x80)
                p++;
        }
    }
    out[n < size ? n : size - 1] = '\0';
}

/* The caption of a field: "name: value", or "name (label): value" with the
 * form's own words for the field, cut to LABEL_CHARS bytes. */
static void ascii_label(const char *name, const char *form_label, const char *value,
                        char *out, size_t size)
{
    char *text = form_label && *form_label ? fo_asprintf("%s (%.*s): %s", name,
                                                         LABEL_CHARS, form_label, value)
                                           : fo_asprintf("%s: %s", name, value);
    ascii_text(text ? text : name, out, size);
    free(text);
}

/* DIR/FILE_HASH_pN.png for page pageno of d's file (a file joined to a
 * document later, --join-files, was drawn as a document of its own, under
 * its own name); the caller frees it. */
static char *overlay_path(const char *dir, const fo_document *d, int pageno)
{
    char *base = fo_path_basename(d->path), *name = NULL, *path = NULL;
    if (base)
        name = fo_asprintf("%s_%.*s_p%d.png", base, HASH_CHARS,
                           d->sha256[0] ? d->sha256 : "nohash", pageno);
    if (name)
        path = fo_path_join(dir, name);
    free(base);
    free(name);
    return path;
}

void fo_debug_unmatched(const char *dir, const fo_document *d, const fo_page_result *pr,
                        PIX *page)
{
    int dpi = pixGetXRes(page) > 0 ? pixGetXRes(page) : DEFAULT_DPI;
    PIX *grey = pixConvertTo8(page, 0);
    PIX *scaled = grey ? pixScale(grey, (float)OVERLAY_DPI / (float)dpi,
                                  (float)OVERLAY_DPI / (float)dpi)
                       : NULL;
    PIX *rgb = scaled ? pixConvertTo32(scaled) : NULL;
    L_BMF *font = bmfCreate(NULL, FONT_SIZE);
    char *path = overlay_path(dir, d, pr->file_page);
    char caption[MAX_LABEL];
    l_uint8 cr, cg, cb;

    if (!rgb || !font || !path)
        goto out;
    /* on a band of white: a dark photo would hide red letters */
    {
        BOX *band = boxCreate(0, 0, pixGetWidth(rgb), CAPTION_HEIGHT);
        pixSetInRect(rgb, band);
        boxDestroy(&band);
    }
    ascii_text(d->error ? d->error : "no template matched it", caption, sizeof caption);
    status_colour(FO_STATUS_INVALID, &cr, &cg, &cb);
    pixSetTextline(rgb, font, caption,
                   (l_uint32)cr << 24 | (l_uint32)cg << 16 | (l_uint32)cb << 8, 4,
                   CAPTION_HEIGHT - 6, NULL, NULL);
    pixWrite(path, rgb, IFF_PNG);
out:
    free(path);
    bmfDestroy(&font);
    pixDestroy(&grey);
    pixDestroy(&scaled);
    pixDestroy(&rgb);
}

void fo_debug_overlay(const char *dir, const fo_document *d, int pageno, PIX *scan)
{
    const fo_page_result *m = &d->page_results[pageno - d->first_page];
    const fo_template_page *tp = &d->tpl->pages[m->template_page];
    const double k = (double)OVERLAY_DPI / d->tpl->dpi;
    int w = (int)(tp->width * k), h = (int)(tp->height * k);
    fo_affine to_tpl = {1 / k, 0, 0.5 / k - 0.5, 0, 1 / k, 0.5 / k - 0.5};
    PIX *grey =
        fo_raster_warp_grey(scan, fo_affine_compose(m->transform, to_tpl), w, h, 255);
    PIX *rgb = grey ? pixConvertTo32(grey) : NULL;
    L_BMF *font = bmfCreate(NULL, FONT_SIZE);
    char *path = overlay_path(dir, d, pageno);

    if (!rgb || !font || !path)
        goto out;
    for (int i = 0; i < tp->nfields; i++) {
        const fo_field_result *r = &d->fields[(tp->fields - d->tpl->fields) + i];
        const fo_field *f = r->field;
        int n = f->geometry == FO_GEOM_OPTIONS ? f->noptions : f->nboxes, top = h;
        int left = w;
        l_uint8 cr, cg, cb;
        char label[MAX_LABEL];
        status_colour(r->status, &cr, &cg, &cb);
        for (int j = 0; j < n; j++) {
            fo_box b = f->geometry == FO_GEOM_OPTIONS ? f->options[j].box : f->boxes[j];
            BOX *box = boxCreate((int)(b.x * k), (int)(b.y * k), (int)(b.w * k) + 1,
                                 (int)(b.h * k) + 1);
            pixRenderBoxArb(rgb, box, LINE_WIDTH, cr, cg, cb);
            boxDestroy(&box);
            top = (int)(b.y * k) < top ? (int)(b.y * k) : top;
            left = (int)(b.x * k) < left ? (int)(b.x * k) : left;
        }
        ascii_label(f->name, f->label, r->value, label, sizeof label);
        pixSetTextline(rgb, font, label,
                       (l_uint32)cr << 24 | (l_uint32)cg << 16 | (l_uint32)cb << 8,
                       left, top > 4 ? top - 3 : 1, NULL, NULL);
    }
    pixWrite(path, rgb, IFF_PNG);
out:
    free(path);
    bmfDestroy(&font);
    pixDestroy(&grey);
    pixDestroy(&rgb);
}

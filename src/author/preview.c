/*
 * preview.c - a template's fields drawn on its reference images
 * (author.h: fo_template_preview), for a person to see at a glance that
 * every box lies where it should.
 */
#include "formocr/author.h"

#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { LINE_WIDTH = 3, FONT_SIZE = 8, MAX_LABEL = 64 };

static void type_colour(fo_field_type t, l_uint8 rgb[3])
{
    static const l_uint8 TEXT[3] = {0, 90, 220}, NUMBER[3] = {0, 150, 60},
                         TICK[3] = {230, 120, 0}, SIGN[3] = {150, 0, 170};
    const l_uint8 *c = TEXT;
    switch (t) {
    case FO_FIELD_INTEGER:
    case FO_FIELD_DECIMAL:
    case FO_FIELD_DATE: c = NUMBER; break;
    case FO_FIELD_CHECKBOX:
    case FO_FIELD_CHOICE: c = TICK; break;
    case FO_FIELD_SIGNATURE: c = SIGN; break;
    default: break;
    }
    memcpy(rgb, c, 3);
}

/* One box drawn, its cells too for a comb. */
static void draw_box(PIX *rgb, fo_box b, int comb, const l_uint8 c[3])
{
    BOX *box = boxCreate(b.x, b.y, b.w, b.h);
    if (!box)
        return;
    pixRenderBoxArb(rgb, box, LINE_WIDTH, c[0], c[1], c[2]);
    boxDestroy(&box);
    for (int k = 1; k < comb; k++) {
        int x = b.x + (int)((double)b.w * k / comb);
        pixRenderLineArb(rgb, x, b.y, x, b.y + b.h, 1, c[0], c[1], c[2]);
    }
}

/* The name above the box, in ASCII (Leptonica's bitmap font). */
static void draw_name(PIX *rgb, L_BMF *font, const char *name, fo_box b,
                      const l_uint8 c[3])
{
    char label[MAX_LABEL];
    l_uint32 colour;
    int y = b.y - 4 > FONT_SIZE * 3 ? b.y - 4 : b.y + b.h + FONT_SIZE * 3;
    snprintf(label, sizeof label, "%s", name);
    composeRGBPixel(c[0], c[1], c[2], &colour);
    pixSetTextline(rgb, font, label, colour, b.x, y, NULL, NULL);
}

int fo_template_preview(const fo_template *t, const char *out_dir, fo_error *err)
{
    L_BMF *font = bmfCreate(NULL, FONT_SIZE);
    int rc = FO_OK;

    if (!font)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int p = 0; p < t->npages && rc == FO_OK; p++) {
        PIX *rgb = t->pages[p].image ? pixConvertTo32(t->pages[p].image) : NULL;
        char name[48], *path;
        if (!rgb) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory drawing the preview");
            break;
        }
        for (int i = 0; i < t->nfields; i++) {
            const fo_field *f = &t->fields[i];
            l_uint8 c[3];
            if (f->page != p)
                continue;
            type_colour(f->type, c);
            if (f->geometry == FO_GEOM_OPTIONS) {
                for (int k = 0; k < f->noptions; k++) {
                    char both[MAX_LABEL];
                    snprintf(both, sizeof both, "%s=%s", f->name, f->options[k].name);
                    draw_box(rgb, f->options[k].box, 0, c);
                    draw_name(rgb, font, both, f->options[k].box, c);
                }
                continue;
            }
            for (int k = 0; k < f->nboxes; k++)
                draw_box(rgb, f->boxes[k], f->geometry == FO_GEOM_BOX ? f->comb : 0, c);
            if (f->nboxes > 0)
                draw_name(rgb, font, f->name, f->boxes[0], c);
        }
        snprintf(name, sizeof name, "page%d-preview.png", p + 1);
        path = fo_path_join(out_dir, name);
        if (!path)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        else if (pixWrite(path, rgb, IFF_PNG) != 0)
            rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write", path);
        free(path);
        pixDestroy(&rgb);
    }
    bmfDestroy(&font);
    return rc;
}

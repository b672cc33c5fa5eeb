/*
 * detect.h - the boxes a person writes in, found in the drawing of a blank
 * form page (a flat PDF rendered, or a scanned blank): comb rows, boxes,
 * check boxes, writing lines and dotted leaders.  Internal to authoring.
 */
#ifndef FORMOCR_AUTHOR_DETECT_H
#define FORMOCR_AUTHOR_DETECT_H

#include <leptonica/allheaders.h>

#include "formocr/error.h"

typedef enum fo_drawn_kind {
    FO_DRAWN_BOX,     /* a closed or open box ("└──┘"): one value */
    FO_DRAWN_COMB,    /* a row of equal cells, one character each */
    FO_DRAWN_LINE,    /* a writing line or a dotted leader: the box above */
    FO_DRAWN_CHECKBOX /* a small closed square */
} fo_drawn_kind;

typedef struct fo_drawn {
    fo_drawn_kind kind;
    int x, y, w, h; /* the box a value is written in, px of the page */
    int cells;      /* FO_DRAWN_COMB: how many; else 0 */
} fo_drawn;

/*
 * The writing boxes of the page grey (8 bpp, the blank form upright) at dpi,
 * in reading order (top to bottom, then left to right).  The method: the
 * page binarized; horizontal rules found by a morphological opening (at
 * least 0.08 in long, at most 0.02 in thick); on each, the vertical strokes
 * that rise from it.  The tallest strokes cut a rule into segments: a
 * segment with a rule on top at their height is a closed box (a small
 * square one a check box), else an open box; a segment whose shorter
 * strokes fall evenly is a comb of that many cells.  A rule with no stroke
 * is a writing line, and a row of dots closed into a rule a leader: the box
 * is the band above it.  A box, closed or open, that already holds printed
 * text (three character-sized marks or more) is a frame or a label, not a
 * place to write, and is left out.  *out is the caller's (free); *n its
 * length.  FO_ERR_NOMEM, FO_ERR_FORMAT (grey not 8 bpp).
 */
int fo_detect_drawn(PIX *grey, int dpi, fo_drawn **out, int *n, fo_error *err);

/* How many character-sized printed marks lie inside box (x, y, w, h) of the
 * page grey (8 bpp) at dpi: its borders, rules and comb ticks left out; a
 * box a quarter inked or more (a picture, a shaded band) counts 1000. */
int fo_printed_chars(PIX *grey, int dpi, int x, int y, int w, int h);

#endif

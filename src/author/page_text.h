/*
 * page_text.h - the printed text of a page, character by character with
 * its place in pixels, from whatever read it (a PDF's text layer through
 * MuPDF, a scanned blank through Tesseract): what names the boxes found on
 * a form.  Internal to authoring.
 */
#ifndef FORMOCR_AUTHOR_PAGE_TEXT_H
#define FORMOCR_AUTHOR_PAGE_TEXT_H

#include <leptonica/allheaders.h>

#include "formocr/error.h"

/* One character: its code point, left and right edges, the y of its middle
 * and its size (about the font size), px of the page.  A space between two
 * words is a glyph of its own (c == ' '). */
typedef struct fo_text_glyph {
    int c;
    double x0, x1, y, size;
} fo_text_glyph;

typedef struct fo_text_line {
    fo_text_glyph *g;
    int n;
} fo_text_line;

typedef struct fo_page_text {
    fo_text_line *lines;
    int n;
} fo_page_text;

/* Appends line to t, which takes its glyphs over; FO_ERR_NOMEM (line
 * then still the caller's). */
int fo_page_text_add_line(fo_page_text *t, fo_text_line line, fo_error *err);

/* Frees what t holds and empties it; NULL and an empty t are fine. */
void fo_page_text_free(fo_page_text *t);

/*
 * The text of grey (8 bpp, upright) as Tesseract reads it in lang (its
 * automatic page segmentation, LSTM), line by line, each symbol with its
 * box; tessdata NULL: Tesseract's default place.  FO_ERR_CONFIG when the
 * language cannot be loaded, FO_ERR_NOMEM.  An empty page gives no line.
 */
int fo_page_text_ocr(PIX *grey, const char *tessdata, const char *lang,
                     fo_page_text *out, fo_error *err);

#endif

/*
 * glyph.h - what the shape of one written character says (internal).
 *
 * Tesseract's model reads a glyph in context and sometimes against its
 * shape: a monospaced font's zero, drawn with a dot or a bar inside, comes
 * out 6, 8 or 9.  These tests look at the ink itself.
 */
#ifndef FORMOCR_GLYPH_H
#define FORMOCR_GLYPH_H

#include <leptonica/allheaders.h>

typedef enum fo_zero_shape {
    FO_NOT_ZERO,
    FO_ZERO_MARKED, /* an oval with a dot or a bar inside: surely a zero */
    FO_ZERO_OVAL    /* one tall counter in the middle: likely a zero */
} fo_zero_shape;

/*
 * Whether the character in `grey` (8 bpp, ink darker than ink_level, one
 * character with some white around it) is drawn as a zero.  Meant for a
 * character read 6, 8 or 9: a plain 0, an 8 or a 6 with a closed loop all
 * have counters, and only their arrangement tells them apart.
 */
fo_zero_shape fo_glyph_zero_shape(PIX *grey, int ink_level);

#endif

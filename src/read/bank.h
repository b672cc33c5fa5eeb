/*
 * bank.h - the page's own typed digits, as prototypes of its face
 * (internal to src/read/; the bank itself is made and freed through
 * formocr/read.h).
 *
 * A typed page is filled in one face, and its digit-only combs (dates,
 * postal codes, phone numbers) show how that face draws each digit.  A
 * serial number without a pattern mixes letters and digits, and the LSTM,
 * reading its cells side by side, reads an S among digits 5, a J 9, an O
 * 0, 99 % confident.  Compared with the page's own 5, such a cell is far
 * from it; a real 5 is close.  Measured on 1,097 comb cells of typed
 * make-corpus2.py forms (seeds 1 and 7, ten faces, 200 to 300 dpi; the
 * prototypes from the same page's digit-only combs), mean chamfer
 * distance (see bank.c): a digit to its own prototypes 0.39 px at most
 * (0.2 in eight faces of ten), a letter to its look-alike digit's 0.2 px
 * at least, bar a monospaced O against an undotted zero and a serif I
 * against a 1 (0.04 to 0.17): those two are told by the zero's dot (kept
 * in the zone's `dotted` image) and not at all.
 */
#ifndef FORMOCR_BANK_H
#define FORMOCR_BANK_H

#include <leptonica/allheaders.h>
#include <stdbool.h>

#include "formocr/read.h"

/*
 * Keeps the digit drawn in grey (8 bpp, ink darker than INK_LEVEL, one
 * character: a cell's crop, or a line's digit cut out) as a prototype of
 * `digit` ('0'..'9'), the first 8 of each digit only, and for a zero
 * whether it is drawn with a dot or a bar (fo_glyph_zero_shape).  A digit
 * not from a comb's cell (from_cell false: cut from a line by Tesseract's
 * rough boxes) is used only once another prototype of the digit is near
 * it.  Does nothing for a glyph under 8 px tall, another character, a NULL
 * bank, or out of memory (the bank is evidence, not a result).
 */
void fo_glyph_bank_add(fo_glyph_bank *b, PIX *grey, char digit, bool from_cell);

/*
 * The mean chamfer distance (px, at a glyph height of 40 px) from the
 * glyph in grey (as for fo_glyph_bank_add) to the nearest prototype of
 * `digit`; -1 when the bank has none, or grey no glyph.
 */
double fo_glyph_bank_distance(const fo_glyph_bank *b, PIX *grey, char digit);

/* 1 when the page's face marks its zeros (two or more kept, all with a
 * dot or a bar), 0 when it does not (two or more, none marked), -1 when
 * the bank cannot say. */
int fo_glyph_bank_zeros_marked(const fo_glyph_bank *b);

#endif

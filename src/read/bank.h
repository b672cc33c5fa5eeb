/*
 * bank.h - the page's own typed characters, as prototypes of its face
 * (internal to src/read/; the bank itself is made and freed through
 * formocr/read.h).
 *
 * A typed page is filled in one face, and its digit-only combs (dates,
 * postal codes, phone numbers) and its lines (numbers, names in capitals)
 * show how that face draws each digit and capital.  A serial number
 * without a pattern mixes letters and digits, and the LSTM, reading its
 * cells side by side, reads an S among digits 5, a J 9, an O 0, 99 %
 * confident.  Compared with the page's own 5, such a cell is far from it;
 * a real 5 is close.  Measured on 1,097 comb cells of typed make-corpus2.py
 * forms (seeds 1 and 7, ten faces, 200 to 300 dpi; the prototypes from the
 * same page's digit-only combs), mean chamfer distance (see bank.c): a
 * digit to its own prototypes 0.39 px at most (0.2 in eight faces of ten),
 * a letter to its look-alike digit's 0.2 px at least, bar a monospaced O
 * against an undotted zero and a serif I against a 1 (0.04 to 0.17): the
 * first told by the zero's dot (kept in the zone's `dotted` image), the
 * second only within a tighter bound (fo_glyph_bank_same).
 */
#ifndef FORMOCR_BANK_H
#define FORMOCR_BANK_H

#include <leptonica/allheaders.h>
#include <stdbool.h>

#include "formocr/read.h"

/* Where a prototype comes from, and how far it is trusted alone. */
typedef enum fo_proto_source {
    FO_PROTO_LINE,      /* cut from a line: used once another agrees */
    FO_PROTO_LINE_SURE, /* the same read very confidently: used at once */
    FO_PROTO_CELL       /* a comb's cell, a character alone: trusted */
} fo_proto_source;

/*
 * Keeps the character drawn in grey (8 bpp, ink darker than INK_LEVEL, one
 * character: a cell's crop, or a line's character cut out) as a prototype
 * of c (a digit or a capital, ASCII), the first 8 of each only, and for a
 * zero whether it is drawn with a dot or a bar (fo_glyph_zero_shape).  A
 * prototype from a line is used once another of c lies near it (0.2 px).  Does
 * nothing for a glyph under 8 px tall, another character, a NULL bank, or
 * out of memory (the bank is evidence, not a result).
 */
void fo_glyph_bank_add(fo_glyph_bank *b, PIX *grey, char c, fo_proto_source source);

/*
 * The mean chamfer distance (px, at a glyph height of 40 px) from the
 * glyph in grey (as for fo_glyph_bank_add) to the nearest usable prototype
 * of c; -1 when the bank has none, or grey no glyph.
 */
double fo_glyph_bank_distance(const fo_glyph_bank *b, PIX *grey, char c);

/* Whether a glyph at `distance` (fo_glyph_bank_distance) from the page's
 * prototypes of c is drawn as c: 0.1 px at most, 0.06 for 0 and O, 1 and
 * I where `allowed` (a field's characters, "": any) allows the other too
 * (a serif I lies 0.096 from its face's 1); false for -1. */
bool fo_glyph_bank_same(double distance, char c, const char *allowed);

/* The character of `allowed` ("": any) that the glyph in grey is drawn as
 * (fo_glyph_bank_same), the next nearest with prototypes three times as far at
 * least; 0 when none. */
char fo_glyph_bank_char(const fo_glyph_bank *b, PIX *grey, const char *allowed);

/* The same, and in *read_distance (when not NULL) the glyph's distance to
 * the prototypes of `read`, the character it was read as, as
 * fo_glyph_bank_distance gives it: the glyph normalised and weighed once. */
char fo_glyph_bank_weigh(const fo_glyph_bank *b, PIX *grey, const char *allowed,
                         char read, double *read_distance);

/* 1 when the page's face marks its zeros (two or more kept, all with a
 * dot or a bar), 0 when it does not (two or more, none marked), -1 when
 * the bank cannot say. */
int fo_glyph_bank_zeros_marked(const fo_glyph_bank *b);

#endif

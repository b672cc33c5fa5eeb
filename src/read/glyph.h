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
#include <stdbool.h>

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

/*
 * Which of `candidates` (ASCII characters, e.g. "0O" or "1IJ") the typed
 * character in `grey` (8 bpp, ink darker than ink_level, one character with
 * its parts; specks under 1/8 of the largest part's ink are ignored) is
 * drawn as, by its shape alone: 0 when its shape says none of them, or
 * more than one.  Knows 0 and O; 1, I, J and L; 4 and A; 8 and B; a 6
 * (not a G: a blurred 6 opens like one); an S (not a 5); printed faces,
 * see glyph.c for what was measured.  Says nothing of any other character, nor of a
 * monospaced face's O, drawn as narrow as its zero.
 * Method: counters (holes) and their proportions, the ink's aspect, the
 * ink in the corners of the left side, how far the top and the foot reach
 * beyond the stem on either side, and the left edge's course in the upper
 * half.
 */
char fo_glyph_choose(PIX *grey, int ink_level, const char *candidates);

/*
 * The closed counters of the typed character in grey (as for
 * fo_glyph_choose): holes spanning COUNTER_SHARE of the glyph's width and
 * height at least (see glyph.c; a bold stroke's pinholes are not
 * counters); -1 when there is no glyph to judge (under 8 px tall, or
 * broken into fragments).  A 1, 2, 3, 5 or 7 has none in print: on the 18
 * tuned typed seeds of make-corpus2.py, of about 5,000 comb cells read as
 * one of them, the three with a counter were misread (a 9 read 2 twice, a
 * 6 read 5).
 */
int fo_glyph_counters(PIX *grey, int ink_level);

/* The centre of the one counter of the typed character in grey (as for
 * fo_glyph_choose), of its height from the top (0..1); -1 when it has
 * none, or more than one, or there is no glyph. */
double fo_glyph_counter_centre(PIX *grey, int ink_level);

/*
 * The digit drawn in grey (as for fo_glyph_choose) when it is not the
 * digit `read`, by its counters (hairline gaps closed first, 3 x 3); 0 when
 * its shape says nothing against it.  Knows two misreadings of the LSTM
 * reading a comb's digits side by side, 99 % confident:
 *   '0' whose one counter holds 0.56 of its height at most, its centre in
 *     the upper ('9') or the lower ('6') 42 % (a zero's fills 0.6 of it at
 *     least, see OVAL_COUNTER in glyph.c);
 *   '0' with no counter, in print (typed: a hand leaves its zeros open
 *     anywhere), open on one side only over a quarter of its height at
 *     least: its left third below the middle ('9': a FreeSerif
 *     9 at 200 dpi, its loop broken at the top, read 0 in a telephone
 *     comb, 93 % and ok), its right third above it ('6');
 *   '8' with no counter and no ink in the left 30 % of its width over the
 *     middle 40 % of its height: '3' (a broken 8's loops still reach there).
 * On 2 x 60 typed forms of make-corpus2.py (seeds 1, 7): two 9s read 0 and
 * two 3s read 8, all told; none of 806 zeros and 127 eights read right.
 */
char fo_glyph_misread_digit(PIX *grey, int ink_level, char read, bool typed);

#endif

/*
 * read_internal.h - what the parts of the read stage share (internal to
 * src/read/).
 *
 * read.c keeps the reader (one Tesseract engine per language) and sends
 * each field to its reading: ocr.c runs Tesseract on an image and turns its
 * symbols into text; line.c reads lines and blocks of text, with a second
 * reading of doubtful words; cell.c reads combs and cells; marks.c decides
 * checkboxes, choices and signatures on their ink; lookalike.c holds the
 * repairs of characters one typeface draws alike (0/O, 1/I, a zero with a
 * dot or a bar read 6, 8 or 9), each either certain or flagged; glyph.c
 * measures one character's printed shape; bank.c keeps a page's typed
 * digits and capitals as prototypes of its face, against which a serial's
 * cells are checked.
 */
#ifndef FORMOCR_READ_INTERNAL_H
#define FORMOCR_READ_INTERNAL_H

#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <tesseract/capi.h>

#include "formocr/read.h"

enum {
    EMPTY_INK = 30,         /* px at ZONE_DPI: less written ink is an empty zone */
    EMPTY_CELL_INK = 20,    /* the same for one cell of a comb */
    CELL_GAP = 16,          /* px between cells put side by side on one line */
    OCR_PAD = 12,           /* px of white around what Tesseract is given */
    BLOCK_MIN_HEIGHT = 150, /* px at ZONE_DPI (12.7 mm): taller boxes hold lines */
    MAX_BAND_LINES = 32,
    LINE_MIN_HEIGHT = 14, /* px: a band thinner than this is not a line */
    ACCENT_GAP = 8,       /* px: at most this above its letters */
    INK_LEVEL = 128,      /* grey below this is ink, in a clean zone image */
    CUT_SLACK = 8         /* px a word's start may be placed too far left */
};
/* Confidence given at most to a look-alike or a suspect punctuation mark:
 * below the default min_confidence, so that it is flagged. */
enum { DOUBTFUL_CONF = 60 };

/* One recognised character. */
typedef struct fo_symbol {
    char text[8]; /* UTF-8 */
    double conf;
    int x0, x1; /* horizontal extent in the image given */
    int y0, y1; /* vertical extent (px, top to bottom) */
    bool word_start, line_start;
    bool certain; /* punctuation found to be the writer's (a sentence's
                     full stop): its confidence is not capped */
} fo_symbol;

/* ---- ocr.c --------------------------------------------------------------- */

/* Whether a field's characters are a number's: digits, and no letter but
 * a currency unit's (EUR, euros). */
bool fo_number_chars(const char *allowed);

/* A reader's time limit: a deadline on fo_now's clock (0: none) and the
 * budget it came from (seconds, for the message). */
typedef struct fo_time_limit {
    double deadline, seconds;
} fo_time_limit;

/* The time limit of what this thread reads next (fo_read_field sets it). */
void fo_ocr_set_time_limit(fo_time_limit l);

/* FO_ERR_LIMIT "took longer than N s" once past it, else 0. */
int fo_ocr_past_time_limit(fo_error *err);

/* Letters (with French accents and ligatures) and digits, as opposed to
 * punctuation and symbols. */
bool fo_ocr_is_alnum(const char *s);

/* Runs Tesseract on img with page segmentation psm, allowed only `allowed`
 * ("": anything), and collects its symbols (*syms malloc'd, *nsyms). */
int fo_ocr_recognise(TessBaseAPI *api, PIX *img, TessPageSegMode psm,
                     const char *allowed, fo_symbol **syms, int *nsyms, fo_error *err);

/*
 * Puts back a space the reading lost between letters and a number ("BP 45"
 * read "BP45", "35 ter" read "35ter" in Liberation Serif, whose space is a
 * third of a letter): where a letter and a digit follow each other in one
 * word 1.6 times farther apart than the median of the word's other gaps
 * (one at least; 2.5 times before a number's one-letter suffix, "30B")
 * and 0.3 of a letter's width at least (syms[i].word_start set).  "83B",
 * set tight, stays.  The gaps are the
 * blank columns of img (8 bpp, the image read) between the symbols'
 * middles, over the word's rows (Tesseract's boxes overlap: "5[34-53]
 * t[50-70]" had a space between); by the boxes when img is NULL.  Returns
 * whether one was put back: the caller flags the reading (a repair).
 */
bool fo_ocr_split_letters_from_number(fo_symbol *syms, int n, PIX *img);

/*
 * Whether the ink in img (8 bpp, the image read) holds a decimal separator
 * between digits: a dot or a comma of a pen's size (at most 0.4 of the
 * digits' median height each way), its middle in the lower half of the
 * digits' band (old style figures -- 3, 4, 5, 7, 9 -- reach below the
 * baseline, so the band's bottom is no line to sit on) and its bottom not
 * below the band by more than 0.4 of their height (a comma's tail), lying
 * between two digits, not over the middle half of one.  A handwritten
 * "55.00" was read "5500" at 99 twice over: the point was lost, and with
 * it the value, unseen.  A stroke 8 times taller than wide is a rule, not
 * a digit: a box's border left in the zone by a registration a few pixels
 * off (its scale 0.5 % short) set the digits' height, and "70,32 euros"
 * went out "7032", ok.  The digits' height is the median of the tallest
 * marks (7/10 of the tallest at least): the unit's x-height letters after
 * the number ("euros") made a comma look large.  *at_x is the mark's
 * middle column in img.
 */
bool fo_ocr_inner_dot(PIX *img, int *at_x);

/*
 * Mends the case of letters at a word's start, seen on the ink of img (8
 * bpp, the image read), each symbol's glyph the connected component with
 * most ink in the middle half of its box's columns (a glyph two boxes
 * claim, or that touches a neighbour, is left out).  The x-line and the
 * baseline are the medians of the tops and bottoms of the glyphs read as
 * x-height letters (2 at least), specks left out.
 *  - A small letter drawn as its capital but smaller (c o s u v w x z)
 *    whose ink rises CASE_CAPITAL_RISE of the x-height above the x-line is
 *    its capital; a p or a y too, when it does not reach below the
 *    baseline.  Tesseract reads a line's first capital small in
 *    Liberation Mono ("Cité", "Pau", "Centre"), at 97 % and more.
 *  - An L before small letters whose top reaches left of its stem only
 *    (a flag) is an l: DejaVu Sans Mono's l, read L ("de La Gare").
 * Only letters the field allows are changed to.  Returns whether one was:
 * the caller flags the reading (a repair).
 */
bool fo_ocr_mend_case(PIX *img, fo_symbol *syms, int n, const char *allowed);

/* The glyph of *sy: the connected component (boxes, parts: bin's,
 * 8-connected) with most ink in the middle half of the symbol's columns
 * (Tesseract's boxes overlap: the middle half leaves out a neighbour's
 * ink); -1 when there is none, or when that component is not the symbol's
 * alone (its middle outside the box, or wider than one and a half of it:
 * letters that touch). */
int fo_ocr_symbol_glyph(BOXA *boxes, PIXA *parts, const fo_symbol *sy);

/* The median of v[0..k) (v is sorted in place; 0 when k is 0; the upper
 * one of an even count). */
int fo_median_int(int *v, int k);

/* Handprint (a template's "hand", or seen on the ink) is taken as read
 * only from this confidence, its two readings agreeing.  On the hand sets
 * of make-corpus2.py (seeds 1 and 7) the handprint taken as read at 97 to
 * 98 was wrong 18 times in 41, at 98 to 99 8 in 66, from 99 once in 68. */
enum { HAND_MIN_CONFIDENCE = 98 };

/* The confidence a symbol keeps, given what the field allows: suspect
 * punctuation the field does not allow is doubtful. */
double fo_ocr_confidence(const fo_symbol *sy, const char *allowed);

/* An image as Tesseract reads it best: with some white around it (new). */
PIX *fo_ocr_pad(PIX *crop);

/* Reads the text of an image: *text malloc'd ("" when nothing is read),
 * edge noise dropped and marked zeros mended, and where the ink is not
 * hand's, the case of letters mended (fo_ocr_mend_case: it knows a
 * typeface's heights, not a hand's); its symbols too when syms_out is not
 * NULL (the caller frees them).  The confidence is the weakest symbol's. */
int fo_ocr_image(TessBaseAPI *api, PIX *img, TessPageSegMode psm, const char *allowed,
                 bool hand, char **text, double *confidence, fo_symbol **syms_out,
                 int *nsyms_out, fo_error *err);

/* ---- line.c -------------------------------------------------------------- */

/* One zone of text (template px): empty, or read as a line (psm), or,
 * when the box is tall enough to hold several, line by line.  *text
 * malloc'd; *unread set when there was ink but nothing was read;
 * *handwritten set when the ink looks written by hand; *second_try set
 * when a lone character the line reading missed was read on a second try
 * (the field is to be flagged).  Handprint (hand, or seen) has every word
 * read twice, a disagreement making it doubtful. */
int fo_read_text_zone(TessBaseAPI *api, const fo_zone_page *zp, fo_box box,
                      TessPageSegMode psm, const char *allowed, bool hand, char **text,
                      double *confidence, bool *unread, bool *handwritten,
                      bool *second_try, fo_error *err);

/* ---- cell.c -------------------------------------------------------------- */

/* The digits `allowed` allows, in order, into digits (room for 11). */
void fo_digits_of(const char *allowed, char *digits);

/* A cells or comb field, one character per cell (out->raw: one character
 * per cell, ' ' for an empty one). */
int fo_read_cells(TessBaseAPI *api, const fo_zone_page *zp, const fo_field *f,
                  const char *allowed, fo_reading *out, fo_error *err);

/* ---- marks.c ------------------------------------------------------------- */

/* A checkbox or signature: "1" or "0" in out->raw. */
int fo_read_mark_field(const fo_zone_page *zp, const fo_field *f, fo_reading *out,
                       fo_error *err);
/* A choice: the ticked options' names, comma-joined. */
int fo_read_choice(const fo_zone_page *zp, const fo_field *f, fo_reading *out,
                   fo_error *err);

/* ---- line.c ------------------------------------------------------------- */

/*
 * Whether the second reading `second` is the first, `first`, with the ink
 * of a neighbour's letter read too: the last letter of the word before
 * (`before`, "" when none) at its start, the first of the word after
 * (`after`) at its end, or both.  The crop runs from the middle of the gap
 * between the words, found on Tesseract's loose boxes: "DE L'ÉGLISE" cut
 * between the D and the E gave "ELÉGLISE", a right reading flagged.  Of 23
 * disagreements on right readings (make-samples.py --profile hard, seed
 * 4242), 16 were a neighbour's letter, most others an accent (ZOÉ, ZOË).
 * All strings are the letters and digits of the readings, UTF-8.  Meant
 * for words read again for their accents only: a doubtful word read the
 * same way twice is not confirmed by it.
 */
bool fo_neighbour_bled_in(const char *first, const char *second, const char *before,
                          const char *after);

/* ---- lookalike.c --------------------------------------------------------- */

/* The other member of c's look-alike pair when allowed allows both, else 0;
 * with_pattern adds the pairs only a pattern can settle. */
char fo_lookalike_of(char c, const char *allowed, bool with_pattern);

/* set (room for 8 bytes): c followed by the characters the LSTM confuses
 * with it in a comb read as a line that allowed also allows (for '1' with
 * allowed "0-9A-Z": "1IJ"); just c when none. */
void fo_context_lookalikes(char c, const char *allowed, char *set);

/* Whether a comb cell read `alone` (allowed only its look-alikes) is to be
 * believed against the line's reading `read` when nothing else settles it
 * (see CONTEXT_PAIRS in lookalike.c: not always both ways); false when the
 * two are the same or no pair. */
bool fo_context_alone_believed(char read, char alone);

/* Settles the look-alikes of a reading by the field's pattern, or caps its
 * confidence so that it is flagged (see lookalike.c).  FO_ERR_NOMEM. */
int fo_lookalikes_resolve(const fo_field *f, const char *allowed, fo_reading *out);

/* Whether the field may hold a 0 ("": any character). */
bool fo_zero_allowed(const char *allowed);

/* A character read 6, 8 or 9 (ch, one character) that the ink of its glyph
 * says is a zero with a dot or a bar inside becomes 0; *conf capped when
 * only likely.  A 0 drawn as a 9 or a 6, an 8 drawn as a 3
 * (fo_glyph_misread_digit; hand: the glyph is handwritten, and an open
 * zero is no 9) becomes that, *conf capped. */
void fo_zero_mend(PIX *glyph, const char *allowed, bool hand, char *ch, double *conf);

/* The same for the digits of a line read from img (syms, n of them). */
void fo_zero_mend_line(PIX *img, fo_symbol *syms, int n, const char *allowed,
                       bool hand);

#endif

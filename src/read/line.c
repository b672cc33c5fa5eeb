/* line.c - lines and blocks of text, and the second reading of doubtful
 * words (see read_internal.h).  The second reading is a PSM_SINGLE_LINE
 * one: another segmentation as well as another size. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "read_internal.h"
#include "strbuf.h"
#include "util.h"

/* The second reading's enlargement, below which confidence a word is
 * read again, and what a disagreement leaves. */
static const float SECOND_SCALE = 0.75f;
/* A line's ink lower than this (px, the zone at template resolution) is
 * enlarged to about SMALL_LINE_TARGET_PX before it is read. */
/* (ink lower than SMALL_LINE_MIN_PX is no text: a rule, dust) */
enum { SMALL_LINE_PX = 30, SMALL_LINE_TARGET_PX = 40, SMALL_LINE_MIN_PX = 10 };
static const double SECOND_READ_BELOW = 97.0;
static const double DISAGREE_CONF = 50.0;
/* A number's word read LOST_DIGIT_FIRST sure at most whose second reading,
 * LOST_DIGIT_SECOND sure at least, holds the same characters and more (see
 * second_reading). */
static const double LOST_DIGIT_FIRST = 50.0, LOST_DIGIT_SECOND = 80.0;

/* A word of a number as first read, and as read again with the characters
 * the first reading lost ("" when none). */
struct lost_digits {
    char from[64], to[64];
};
/* A digit of a line given to the page's bank: read this confident at
 * least, its ink part within its symbol's columns give or take this (px). */
static const double BANK_LINE_CONF = 90.0;
/* ... and used at once (not waiting for a second to agree) from this. */
static const double BANK_LINE_SURE = 97.0;
enum { BANK_LINE_SLACK = 3 };
/* A lone character read again alone is taken at this confidence at least. */
static const double LONE_CHAR_CONF = 70.0;
/* Handprint, seen from the ink (see ink_looks_handwritten). */
enum {
    HAND_MIN_HEIGHT = 20,     /* px at ZONE_DPI: a letter, not a mark */
    HAND_DESCENDER = 12,      /* px: farther apart, bottoms are not on one line */
    HAND_BASELINE_JITTER = 2, /* px: median step of the baseline in handprint */
    HAND_MIN_LETTERS = 3
};

/* The zone's ink less the specks that lie away from its one line of text:
 * small marks (a third of the line's height at most) whose middle is below
 * the line's letters, or high above them (an accent's room aside) -- dust
 * and toner that would otherwise make the line a taller, stranger one.  A
 * full stop or a comma, on the line, stays.  NULL when the zone holds no
 * letter-sized mark (then nothing is taken away: the caller keeps its ink). */
static PIX *without_strays(PIX *ink)
{
    BOXA *comps = pixConnComp(ink, NULL, 8);
    int n = comps ? boxaGetCount(comps) : 0, top = 1 << 30, bottom = -1;
    PIX *kept = NULL;
    for (int i = 0; i < n; i++) {
        l_int32 y, h;
        boxaGetBoxGeometry(comps, i, NULL, &y, NULL, &h);
        if (h >= LINE_MIN_HEIGHT) {
            top = y < top ? y : top;
            bottom = y + h > bottom ? y + h : bottom;
        }
    }
    if (bottom < 0 || !(kept = pixCopy(NULL, ink))) {
        boxaDestroy(&comps);
        return NULL;
    }
    int height = bottom - top;
    for (int i = 0; i < n; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(comps, i, &x, &y, &w, &h);
        int mid = y + h / 2;
        if (h * 3 > height || w * 3 > height)
            continue;
        if (mid > bottom + height / 8 || mid < top - height * 2 / 5)
            pixRasterop(kept, x, y, w, h, PIX_CLR, NULL, 0, 0);
    }
    boxaDestroy(&comps);
    return kept;
}

/* The zone's clean grey image cut to the written ink of `mask` (NULL: all
 * the zone's ink), everything else white, with some air: Tesseract reads a
 * line best when given just the line.  NULL when there is no ink. */
static PIX *ink_crop(const fo_zone *z, PIX *mask)
{
    BOX *bb = NULL;
    PIX *only = NULL, *crop = NULL, *padded = NULL, *tidy = NULL;
    if (!mask)
        mask = tidy = without_strays(z->ink);
    if (!mask)
        mask = z->ink;
    if (pixClipToForeground(mask, NULL, &bb) == 0 && bb) {
        if (mask != z->ink) {
            /* another line's accents may reach into this one's box */
            PIX *keep = pixDilateBrick(NULL, mask, 3, 3);
            only = keep ? pixCopy(NULL, z->clean) : NULL;
            if (only) {
                pixInvert(keep, keep);
                pixSetMasked(only, keep, 255);
            }
            pixDestroy(&keep);
        }
        crop = pixClipRectangle(only ? only : z->clean, bb, NULL);
        /* small print (a form's field filled in a small automatic size):
         * enlarged to the height Tesseract reads best */
        if (crop && pixGetHeight(crop) < SMALL_LINE_PX &&
            pixGetHeight(crop) >= SMALL_LINE_MIN_PX) {
            float f = (float)SMALL_LINE_TARGET_PX / (float)pixGetHeight(crop);
            PIX *big = pixScaleGrayLI(crop, f > 2.5f ? 2.5f : f, f > 2.5f ? 2.5f : f);
            if (big) {
                pixDestroy(&crop);
                crop = big;
            }
        }
        padded = crop ? fo_ocr_pad(crop) : NULL;
    }
    boxDestroy(&bb);
    pixDestroy(&only);
    pixDestroy(&crop);
    pixDestroy(&tidy);
    return padded;
}

/* The texts of syms[a..b) one after another, into out (size bytes, cut
 * short at a whole symbol); with letters_digits, only the letters and
 * digits (a word read alone loses the punctuation at its edges). */
static void joined(const fo_symbol *syms, int a, int b, bool letters_digits, char *out,
                   size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = a; i < b; i++) {
        size_t l = strlen(syms[i].text);
        if (letters_digits && !fo_ocr_is_alnum(syms[i].text))
            continue;
        if (len + l >= size)
            break;
        memcpy(out + len, syms[i].text, l + 1);
        len += l;
    }
}

/* See read_internal.h. */
bool fo_neighbour_bled_in(const char *first, const char *second, const char *before,
                          const char *after)
{
    size_t lf = strlen(first), lb = strlen(before), la = strlen(after),
           ls = strlen(second);
    for (int head = 0; head <= 1; head++)
        for (int tail = 0; tail <= 1; tail++) {
            size_t hb = head ? lb : 0, ta = tail ? la : 0;
            if ((head && !lb) || (tail && !la) || (!head && !tail) ||
                ls != hb + lf + ta)
                continue;
            if (memcmp(second, before, hb) == 0 &&
                memcmp(second + hb, first, lf) == 0 &&
                memcmp(second + hb + lf, after, ta) == 0)
                return true;
        }
    return false;
}

/* Whether every symbol of syms[a..b) was read with the highest
 * confidence (SECOND_READ_BELOW or more). */
static bool confident(const fo_symbol *syms, int a, int b, const char *allowed)
{
    for (int i = a; i < b; i++)
        if (fo_ocr_confidence(&syms[i], allowed) < SECOND_READ_BELOW)
            return false;
    return true;
}

/* Whether a word of the first reading is to be checked by a second one:
 * it has a letter outside ASCII (accents are the model's commonest
 * confusion: É, Ë, È) or a confidence that is not the highest. */
static bool word_needs_second_reading(const fo_symbol *syms, int a, int b,
                                      const char *allowed, bool hand)
{
    if (hand || !confident(syms, a, b, allowed))
        return true; /* handprint: every word is read twice; a doubtful one */
    for (int i = a; i < b; i++)
        for (const char *p = syms[i].text; *p; p++)
            if ((unsigned char)*p >= 0x80)
                return true;
    return false;
}

/* Dark pixels in each column of a line image (malloc'd, NULL if no memory). */
static int *column_ink(PIX *img)
{
    int w = pixGetWidth(img), h = pixGetHeight(img), wpl = pixGetWpl(img);
    const l_uint32 *data = pixGetData(img);
    int *cols = calloc((size_t)w, sizeof *cols);
    if (!cols)
        return NULL;
    for (int y = 0; y < h; y++) {
        const l_uint32 *row = data + (size_t)y * wpl;
        for (int x = 0; x < w; x++)
            cols[x] += GET_DATA_BYTE(row, x) < INK_LEVEL;
    }
    return cols;
}

/*
 * Where to cut a line between the word ending with `last` and the one
 * beginning with `first`: the middle of the widest run of blank columns
 * from the start of `last` to (a little after) the start of `first`.
 * Tesseract's boxes give the place only roughly (read as a raw line, a
 * word's last letter may be said to reach the end of the line, the next
 * one's start be some pixels off); the ink gives it exactly.  With no
 * blank column there (touching letters), the middle of the boxes' gap.
 */
static int word_cut(const int *cols, int w, const fo_symbol *last,
                    const fo_symbol *first)
{
    int lo = last->x0 < first->x0 ? last->x0 : first->x0;
    int hi = first->x0 + CUT_SLACK;
    int best = -1, best_len = 0;
    lo = lo < 0 ? 0 : lo;
    hi = hi > w ? w : hi;
    for (int x = lo; x < hi;) {
        int run = x;
        while (run < hi && cols[run] == 0)
            run++;
        if (run - x > best_len) {
            best_len = run - x;
            best = (x + run) / 2;
        }
        x = run > x ? run : x + 1;
    }
    if (best < 0)
        best = (last->x1 + first->x0) / 2;
    return best < 0 ? 0 : best > w ? w : best;
}

/* Whether a is b with characters left out (a proper subsequence). */
static bool dropped_from(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i = 0;
    for (size_t j = 0; j < lb && i < la; j++)
        i += a[i] == b[j];
    return i == la && la < lb;
}

/* The weakest confidence of syms[a..b) (100 for none). */
static double weakest(const fo_symbol *syms, int a, int b, const char *allowed)
{
    double w = 100;
    for (int i = a; i < b; i++)
        w = fmin(w, fo_ocr_confidence(&syms[i], allowed));
    return w;
}

/*
 * Tesseract's confidence does not tell its mistakes from its right
 * readings; two readings of the same ink at two sizes disagree where the
 * model hesitates.  The words of a line that need it (see above) are read
 * again, alone, at SECOND_SCALE, a run of such words at once: *disagree
 * when a second reading's letters differ from the first's.  In a number,
 * a word the first reading lost characters of (under LOST_DIGIT_FIRST
 * sure) that the second reads whole (LOST_DIGIT_SECOND sure at least, the
 * same characters and more) is given in *lost, to be put back: DejaVu
 * Serif's "49 euros" read "9 euros", 26 % sure, the 9's box over both
 * digits, and again "49", 85 % (seeds 21 and 52 of make-corpus2.py; the
 * field stays flagged, the readings disagreed).
 */
static int second_reading(TessBaseAPI *api, PIX *img, const fo_symbol *syms, int n,
                          const char *allowed, bool hand, bool *disagree,
                          struct lost_digits *lost, fo_error *err)
{
    int w = pixGetWidth(img), h = pixGetHeight(img), rc = FO_OK;
    int *cols = NULL;

    *disagree = false;
    lost->from[0] = lost->to[0] = '\0';
    for (int a = 0; a < n && rc == FO_OK && !*disagree;) {
        int b = a + 1, end;
        while (b < n && !syms[b].word_start)
            b++;
        if (!word_needs_second_reading(syms, a, b, allowed, hand)) {
            a = b;
            continue;
        }
        /* take the following words that need it too */
        for (end = b; end < n;) {
            int next = end + 1;
            while (next < n && !syms[next].word_start)
                next++;
            if (!word_needs_second_reading(syms, end, next, allowed, hand))
                break;
            end = next;
        }
        /* from the middle of the gap before to the middle of the gap after */
        if (!cols && !(cols = column_ink(img))) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            break;
        }
        int x0 = a > 0 ? word_cut(cols, w, &syms[a - 1], &syms[a]) : 0;
        int x1 = end < n ? word_cut(cols, w, &syms[end - 1], &syms[end]) : w;
        if (x1 - x0 >= 4) {
            BOX *box = boxCreate(x0, 0, x1 - x0, h);
            PIX *crop = box ? pixClipRectangle(img, box, NULL) : NULL;
            PIX *small = crop ? pixScaleGrayLI(crop, SECOND_SCALE, SECOND_SCALE) : NULL;
            PIX *padded = small ? fo_ocr_pad(small) : NULL;
            fo_symbol *again = NULL;
            int nagain = 0;
            char *text = NULL, first[256], second[256];
            double conf;
            if (!padded)
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            else
                rc = fo_ocr_image(api, padded, PSM_SINGLE_LINE, allowed, hand, &text,
                                  &conf, &again, &nagain, err);
            if (rc == FO_OK) {
                char before[8], after[8];
                joined(syms, a, end, true, first, sizeof first);
                joined(again, 0, nagain, true, second, sizeof second);
                joined(syms, a > 0 ? a - 1 : 0, a, true, before, sizeof before);
                joined(syms, end, end < n ? end + 1 : end, true, after, sizeof after);
                /* a neighbour's letter forgiven only where the words
                 * were read again for their accents, not for doubt: a
                 * doubtful "TILLEUES" read "STILLEUES" again is not
                 * thereby confirmed (samples/scan_0013.tif) */
                *disagree = strcmp(first, second) != 0 &&
                            (!confident(syms, a, end, allowed) ||
                             !fo_neighbour_bled_in(first, second, before, after));
                if (*disagree && fo_number_chars(allowed) && end == b && nagain > 0 &&
                    dropped_from(first, second) &&
                    weakest(syms, a, end, allowed) < LOST_DIGIT_FIRST &&
                    weakest(again, 0, nagain, allowed) >= LOST_DIGIT_SECOND) {
                    joined(syms, a, end, false, lost->from, sizeof lost->from);
                    joined(again, 0, nagain, false, lost->to, sizeof lost->to);
                }
            }
            free(again);
            free(text);
            pixDestroy(&padded);
            pixDestroy(&small);
            pixDestroy(&crop);
            boxDestroy(&box);
        }
        a = end;
    }
    free(cols);
    return rc;
}

/* Whether syms[k] is a digit next to another digit of its word. */
static bool digit_in_number(const fo_symbol *syms, int n, int k)
{
    bool before =
        k > 0 && !syms[k].word_start && isdigit((unsigned char)syms[k - 1].text[0]);
    bool after = k + 1 < n && !syms[k + 1].word_start &&
                 isdigit((unsigned char)syms[k + 1].text[0]);
    return isdigit((unsigned char)syms[k].text[0]) && !syms[k].text[1] &&
           (before || after);
}

/*
 * The typed digits of a line's numbers and its capitals, read
 * BANK_LINE_CONF confident at least, given to the page's bank (bank.h) as
 * its face's: each as the one ink part whose centre lies within the
 * symbol's columns, as tall as the line's tallest (4/5 at least), alone on
 * white.  Tesseract's boxes are rough, and a thin joint breaks (a serif 5's
 * flag): a character is taken only when that part is the only one there
 * of 9 px or more, and lies within the columns give or take
 * BANK_LINE_SLACK px.  Zeros are left out: the line's image has lost their
 * dots (zone.c).
 */
static void bank_line_glyphs(fo_glyph_bank *bank, PIX *img, const fo_symbol *syms,
                             int n)
{
    PIX *bin = bank && n >= 2 ? pixThresholdToBinary(img, INK_LEVEL) : NULL;
    PIXA *parts = NULL;
    BOXA *all = bin ? pixConnComp(bin, &parts, 8) : NULL;
    int nparts = all ? boxaGetCount(all) : 0;
    l_int32 tallest = 0, x, y, w, h;
    for (int i = 0; i < nparts; i++)
        if (boxaGetBoxGeometry(all, i, NULL, NULL, NULL, &h) == 0 && h > tallest)
            tallest = h;
    for (int k = 0; k < n && nparts > 0; k++) {
        int part = -1, there = 0;
        char c = syms[k].text[0];
        bool capital = c >= 'A' && c <= 'Z' && !syms[k].text[1];
        if ((!digit_in_number(syms, n, k) && !capital) || c == '0' ||
            syms[k].conf < BANK_LINE_CONF)
            continue;
        for (int i = 0; i < nparts; i++)
            if (boxaGetBoxGeometry(all, i, &x, &y, &w, &h) == 0 && w * h >= 9 &&
                x + w / 2 >= syms[k].x0 && x + w / 2 <= syms[k].x1) {
                part = i, there++;
                if (5 * h < 4 * tallest)
                    there = 2; /* a piece: a thin joint broken */
            }
        if (there != 1 || boxaGetBoxGeometry(all, part, &x, &y, &w, &h) != 0 ||
            x < syms[k].x0 - BANK_LINE_SLACK || x + w > syms[k].x1 + BANK_LINE_SLACK)
            continue;
        BOX *b = boxCreate(x, y, w, h);
        PIX *grey = b ? pixClipRectangle(img, b, NULL) : NULL,
            *mask = grey ? pixaGetPix(parts, part, L_COPY) : NULL;
        if (mask && pixInvert(mask, mask) && pixSetMasked(grey, mask, 255) == 0)
            fo_glyph_bank_add(bank, grey, c,
                              syms[k].conf >= BANK_LINE_SURE ? FO_PROTO_LINE_SURE
                                                             : FO_PROTO_LINE);
        pixDestroy(&mask);
        pixDestroy(&grey);
        boxDestroy(&b);
    }
    boxaDestroy(&all);
    pixaDestroy(&parts);
    pixDestroy(&bin);
}

/* Whether the ink of img is one glyph's: in one run of columns, as tall
 * as a character (LINE_MIN_HEIGHT px at least) and no wider than 1.5
 * times its height (a rule along the box is no character). */
static bool one_glyph(PIX *img)
{
    int *cols = column_ink(img), w = pixGetWidth(img), runs = 0;
    PIX *bin = pixThresholdToBinary(img, INK_LEVEL);
    BOX *box = NULL;
    l_int32 bw = 0, bh = 0;
    for (int x = 0; cols && x < w; x++)
        runs += cols[x] > 0 && (x == 0 || cols[x - 1] == 0);
    if (bin && pixClipToForeground(bin, NULL, &box) == 0 && box)
        boxGetGeometry(box, NULL, NULL, &bw, &bh);
    free(cols);
    boxDestroy(&box);
    pixDestroy(&bin);
    return runs == 1 && bh >= LINE_MIN_HEIGHT && 2 * bw <= 3 * bh;
}

/*
 * A lone character that the line reading missed: a zone whose ink is one
 * glyph, read as nothing, or as letters without a digit where the field
 * holds a number (a lone typed 1 came out "", "s" or "sR" in a number of
 * persons), is read again as a single character (PSM_SINGLE_CHAR), and
 * where Tesseract sees nothing there either (it rarely reads a 1 alone),
 * compared with the page's typed digits (fo_glyph_bank_char).  What either
 * finds (the first LONE_CHAR_CONF confident at least) replaces the text,
 * flagged: it is a second try.  *text is replaced (freed) only then.
 */
static int lone_character(TessBaseAPI *api, PIX *img, const char *allowed,
                          const fo_glyph_bank *bank, char **text, double *confidence,
                          bool *second_try, fo_error *err)
{
    bool digits = fo_number_chars(allowed);
    char only_digits[11];
    fo_digits_of(allowed, only_digits);
    /* nothing, or in a number no digit at all ("s", "sR" for a FreeMono 1) */
    bool missed = !**text || (digits && !strpbrk(*text, "0123456789"));
    fo_symbol *syms = NULL;
    int n = 0, rc = FO_OK;
    char found[8] = "", *again;
    if (!missed || !one_glyph(img))
        return FO_OK;
    rc = fo_ocr_recognise(api, img, PSM_SINGLE_CHAR, allowed, &syms, &n, err);
    if (rc == FO_OK && n == 1 && syms[0].text[0] && syms[0].conf >= LONE_CHAR_CONF &&
        (!digits || isdigit((unsigned char)syms[0].text[0])))
        snprintf(found, sizeof found, "%s", syms[0].text);
    else if (rc == FO_OK && digits &&
             (found[0] = fo_glyph_bank_char(bank, img, only_digits)))
        found[1] = '\0';
    if (rc == FO_OK && found[0] && strcmp(found, *text) != 0) {
        if (!(again = fo_strdup(found))) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        } else {
            free(*text);
            *text = again;
            *confidence = DOUBTFUL_CONF;
            *second_try = true;
        }
    }
    free(syms);
    return rc;
}

/* *text with the one word lost->from (between spaces or line ends) made
 * lost->to; unchanged when the word is not there exactly once. */
static int put_back_digits(char **text, const struct lost_digits *lost, fo_error *err)
{
    size_t lf = strlen(lost->from);
    const char *at = NULL;
    int found = 0;
    for (const char *p = strstr(*text, lost->from); p; p = strstr(p + 1, lost->from)) {
        bool starts = p == *text || p[-1] == ' ' || p[-1] == '\n';
        bool ends = p[lf] == '\0' || p[lf] == ' ' || p[lf] == '\n';
        if (starts && ends)
            at = p, found++;
    }
    if (found != 1)
        return FO_OK;
    char *mended = fo_asprintf("%.*s%s%s", (int)(at - *text), *text, lost->to, at + lf);
    if (!mended)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    free(*text);
    *text = mended;
    return FO_OK;
}

static int ocr_zone(TessBaseAPI *api, const fo_zone *z, PIX *mask, TessPageSegMode psm,
                    const char *allowed, bool hand, fo_glyph_bank *bank, char **text,
                    double *confidence, bool *second_try, fo_error *err)
{
    PIX *img = ink_crop(z, mask);
    fo_symbol *syms = NULL;
    int nsyms = 0, rc;
    bool disagree = false;
    struct lost_digits lost;

    *text = NULL;
    *confidence = 0;
    if (!img) {
        *text = fo_strdup("");
        return *text ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    rc = fo_ocr_image(api, img, psm, allowed, hand, text, confidence, &syms, &nsyms,
                      err);
    if (rc == FO_OK && !hand)
        bank_line_glyphs(bank, img, syms, nsyms);
    if (rc == FO_OK)
        rc = lone_character(api, img, allowed, bank, text, confidence, second_try, err);
    if (rc == FO_OK && **text)
        rc =
            second_reading(api, img, syms, nsyms, allowed, hand, &disagree, &lost, err);
    if (rc == FO_OK && lost.from[0])
        rc = put_back_digits(text, &lost, err);
    if (rc == FO_OK && disagree)
        *confidence = fmin(*confidence, DISAGREE_CONF);
    free(syms);
    pixDestroy(&img);
    return rc;
}

/*
 * The lines of text in a tall box, top to bottom, each as a mask of its ink.
 * Lines are found from the ink's connected components: those tall enough
 * to be letters make the lines (a component whose middle falls within a
 * line joins it); smaller ones (accents, apostrophes, full stops) go to the
 * nearest line, the one below when above it: an accent sits over its
 * letter, and with tight spacing it may touch the line above.  Fills
 * masks[] (caller destroys) and returns how many, at most max.
 */
static int split_lines(const fo_zone *z, PIX **masks, int max)
{
    PIXA *comps = NULL;
    BOXA *boxes = pixConnComp(z->ink, &comps, 8);
    int n = boxes ? boxaGetCount(boxes) : 0, nlines = 0;
    int top[MAX_BAND_LINES], bottom[MAX_BAND_LINES];
    int *line_of = n ? calloc((size_t)n, sizeof *line_of) : NULL;

    if (!boxes || !comps || (n && !line_of))
        goto out;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            l_int32 x, y, w, h;
            boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
            int mid = y + h / 2, best = -1, dist = 1 << 30;
            if (pass == 0) {
                if (h < LINE_MIN_HEIGHT)
                    continue;
                for (int l = 0; l < nlines && best < 0; l++)
                    if (mid >= top[l] && mid < bottom[l])
                        best = l;
                if (best < 0) {
                    if (nlines == max || nlines == MAX_BAND_LINES)
                        continue;
                    best = nlines++;
                    top[best] = y;
                    bottom[best] = y + h;
                }
                top[best] = y < top[best] ? y : top[best];
                bottom[best] = y + h > bottom[best] ? y + h : bottom[best];
                line_of[i] = best + 1;
                continue;
            }
            if (h >= LINE_MIN_HEIGHT)
                continue;
            for (int l = 0; l < nlines; l++) {
                /* distance to the line; a mark above a line is nearer to it */
                int d = mid < top[l]       ? (top[l] - mid) / 2
                        : mid >= bottom[l] ? mid - bottom[l] + 1
                                           : 0;
                if (d < dist) {
                    dist = d;
                    best = l;
                }
            }
            if (best >= 0 && dist <= ACCENT_GAP)
                line_of[i] = best + 1;
        }
    }
    for (int l = 0; l < nlines; l++)
        masks[l] = pixCreate(pixGetWidth(z->ink), pixGetHeight(z->ink), 1);
    for (int i = 0; i < n; i++) {
        l_int32 x, y, w, h;
        PIX *c;
        if (!line_of[i] || !masks[line_of[i] - 1])
            continue;
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        c = pixaGetPix(comps, i, L_CLONE);
        pixRasterop(masks[line_of[i] - 1], x, y, w, h, PIX_SRC | PIX_DST, c, 0, 0);
        pixDestroy(&c);
    }
    /* top to bottom */
    for (int a = 0; a < nlines; a++)
        for (int b = a + 1; b < nlines; b++)
            if (top[b] < top[a]) {
                int t = top[a];
                PIX *m = masks[a];
                top[a] = top[b];
                top[b] = t;
                masks[a] = masks[b];
                masks[b] = m;
            }
out:
    free(line_of);
    boxaDestroy(&boxes);
    pixaDestroy(&comps);
    return nlines;
}

/*
 * Whether the ink of a zone looks written by hand rather than printed: a
 * typeface puts every letter on one baseline, a hand does not.  The
 * letter-sized components (HAND_MIN_HEIGHT px high or more) are taken left
 * to right; a neighbour whose bottom is within HAND_DESCENDER px of the
 * other's shares its baseline (farther, it is a descender: g, p, q, y).
 * Printed text moves from one such neighbour to the next by 0-1 px (a
 * skew of 1 degree is 0.6 px between letters 35 px apart); handprint by
 * HAND_BASELINE_JITTER or more at the median.  At least HAND_MIN_LETTERS
 * letters are needed to say.
 */
static bool ink_looks_handwritten(const fo_zone *z)
{
    BOXA *boxes = pixConnComp(z->ink, NULL, 8), *sorted = NULL;
    int n, m = 0, *diffs = NULL, prev = -1;
    bool hand = false;
    if (!boxes)
        return false;
    sorted = boxaSort(boxes, L_SORT_BY_X, L_SORT_INCREASING, NULL);
    n = sorted ? boxaGetCount(sorted) : 0;
    diffs = n ? calloc((size_t)n, sizeof *diffs) : NULL;
    for (int i = 0; i < n && diffs; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(sorted, i, &x, &y, &w, &h);
        if (h < HAND_MIN_HEIGHT)
            continue;
        if (prev >= 0 && abs(y + h - prev) <= HAND_DESCENDER)
            diffs[m++] = abs(y + h - prev);
        prev = y + h;
    }
    if (m + 1 >= HAND_MIN_LETTERS)
        hand = fo_median_int(diffs, m) >= HAND_BASELINE_JITTER;
    free(diffs);
    boxaDestroy(&sorted);
    boxaDestroy(&boxes);
    return hand;
}

/* One zone of text: empty, or read as a line or a block. */
int fo_read_text_zone(TessBaseAPI *api, const fo_zone_page *zp, fo_box box,
                      TessPageSegMode psm, const char *allowed, bool hand, char **text,
                      double *confidence, bool *unread, bool *handwritten,
                      bool *second_try, fo_error *err)
{
    fo_zone z;
    int rc = fo_zone_extract(zp, box, &z, err);
    *text = NULL;
    *confidence = 100;
    if (rc != FO_OK)
        return rc;
    fo_zone_drop_box_edges(&z);
    if (z.ink_pixels < EMPTY_INK) {
        fo_zone_free(&z);
        *text = fo_strdup("");
        return *text ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    if (ink_looks_handwritten(&z))
        *handwritten = hand = true;
    if (psm == PSM_RAW_LINE && z.box_h >= BLOCK_MIN_HEIGHT) {
        /* a box that holds several lines: each is read as a line, which
         * Tesseract does better than a block */
        PIX *masks[MAX_BAND_LINES] = {NULL};
        int n = split_lines(&z, masks, MAX_BAND_LINES);
        fo_strbuf lines = FO_STRBUF_INIT;
        for (int i = 0; i < n && rc == FO_OK; i++) {
            char *line = NULL;
            double conf;
            if (!masks[i]) {
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                break;
            }
            rc = ocr_zone(api, &z, masks[i], PSM_RAW_LINE, allowed, hand, zp->bank,
                          &line, &conf, second_try, err);
            if (rc == FO_OK && *line) {
                if (lines.len > 0)
                    fo_strbuf_addc(&lines, '\n');
                fo_strbuf_add(&lines, line);
                *confidence = fmin(*confidence, conf);
            }
            free(line);
        }
        for (int i = 0; i < n; i++)
            pixDestroy(&masks[i]);
        if (rc == FO_OK && !(*text = fo_strbuf_detach(&lines)))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        fo_strbuf_free(&lines);
    } else {
        rc = ocr_zone(api, &z, NULL, psm, allowed, hand, zp->bank, text, confidence,
                      second_try, err);
    }
    fo_zone_free(&z);
    if (rc == FO_OK && **text == '\0')
        *unread = true;
    return rc;
}

/* lookalike.c - characters one typeface draws alike: settled by the
 * field's pattern, or flagged; zeros with a dot or a bar read as 6, 8 or 9
 * (see read_internal.h). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glyph.h"
#include "pattern.h"
#include "read_internal.h"

/* Characters that one typeface draws alike: when the whitelist allows both
 * of a pair, the reading of either is a coin toss for the OCR (the word
 * around it does not help in a serial number).  See resolve_lookalikes. */
static const char *const LOOKALIKES[] = {"0O", "1I", NULL};
/* Pairs one OCR model confuses in poor scans: used only where the field's
 * pattern can settle them (a 2A département read 24). */
static const char *const PATTERN_LOOKALIKES[] = {"4A", "8B", "5S", "2Z", "6G", NULL};
enum { MAX_LOOKALIKES = 12 }; /* 2^12 pattern tries at most */
/*
 * Pairs the LSTM confuses when it reads a comb's cells side by side (a
 * letter among digits read as the digit it resembles), and whether the
 * cell read alone is to be believed against the line, for each of the
 * pair as the line's reading.  First measured on 2,800 typed comb cells of
 * make-corpus2.py (seeds 1 and 7) where the two readings differed: alone
 * was right for every 2/Z (10), 3/J (7), 6/G (7) and 7/T (5), for 1/I
 * mostly (when it saw anything); alone was wrong for 4/A (9 of 11), 8/B (3
 * of 8) and for a monospaced face's O or 0 (4 of 6) where the shape says
 * nothing: there only the glyph's shape may overrule the line.  Measured
 * again on 7,993 cells of the 15 tuned typed seeds, each read alone with
 * every character of its field allowed: an S read 8 on the line was an S
 * every time alone said so (17), an S read 6 (3) and a Z read 7 (4)
 * likewise, and an 8 read S an 8 (4); these pairs were not tried before,
 * so those letters were lost.  5/S is not symmetric: a 5 read S on the
 * line was a 5 every time alone said 5 (10 of 10, five faces), but an S
 * read 5 was an S only 21 times of 39 that alone said S (the serif faces
 * draw a 5 that alone reads S): there the line stands.
 */
static const struct context_pair {
    char pair[3];
    bool alone_believed[2]; /* the line read pair[0], the line read pair[1] */
} CONTEXT_PAIRS[] = {
    {"0O", {false, false}}, {"1I", {true, true}},   {"1J", {true, true}},
    {"IJ", {true, true}},   {"1L", {false, false}}, {"2Z", {true, true}},
    {"3J", {true, true}},   {"6G", {true, true}},   {"7T", {true, true}},
    {"4A", {false, false}}, {"5S", {false, true}},  {"8B", {false, false}},
    {"8S", {true, true}},   {"6S", {true, true}},   {"7Z", {true, true}}};

void fo_context_lookalikes(char c, const char *allowed, char *set)
{
    size_t n = 0;
    set[n++] = c;
    for (size_t i = 0; c && i < sizeof CONTEXT_PAIRS / sizeof *CONTEXT_PAIRS; i++) {
        const char *p = CONTEXT_PAIRS[i].pair, *at = strchr(p, c);
        char other = at ? p[at == p ? 1 : 0] : 0;
        if (other && strchr(allowed, c) && strchr(allowed, other) &&
            !memchr(set, other, n))
            set[n++] = other;
    }
    set[n] = '\0';
}

bool fo_context_alone_believed(char read, char alone)
{
    for (size_t i = 0; i < sizeof CONTEXT_PAIRS / sizeof *CONTEXT_PAIRS; i++) {
        const char *p = CONTEXT_PAIRS[i].pair;
        if (read && alone && read != alone && strchr(p, read) && strchr(p, alone))
            return CONTEXT_PAIRS[i].alone_believed[read == p[0] ? 0 : 1];
    }
    return false;
}

/* Whether the field may hold a 0 ("": any character). */
bool fo_zero_allowed(const char *allowed)
{
    return !*allowed || strchr(allowed, '0');
}

/* What fo_zero_mend does once the glyph's zero shape is known: FO_NOT_ZERO
 * where it was not looked at, or is not to be believed. */
static void mend_as(PIX *glyph, fo_zero_shape shape, const char *allowed, bool hand,
                    char *ch, double *conf)
{
    if (shape != FO_NOT_ZERO) {
        ch[0] = '0';
        if (shape == FO_ZERO_OVAL)
            *conf = fmin(*conf, DOUBTFUL_CONF);
    } else if ((ch[0] == '0' || ch[0] == '8') && ch[1] == '\0') {
        /* a 9 or a 6 read 0, a 3 read 8: flagged (a repair) */
        char digit = fo_glyph_misread_digit(glyph, INK_LEVEL, ch[0], !hand);
        if (digit && (!*allowed || strchr(allowed, digit))) {
            ch[0] = digit;
            *conf = fmin(*conf, DOUBTFUL_CONF);
        }
    }
}

/* A character read 6, 8 or 9 that the ink of its glyph says is a zero
 * drawn with a dot or a bar inside (see glyph.h) becomes 0, flagged when
 * only likely; a 0 drawn as a 9 or a 6, an 8 drawn as a 3, becomes that,
 * flagged (fo_glyph_misread_digit). */
void fo_zero_mend(PIX *glyph, const char *allowed, bool hand, char *ch, double *conf)
{
    bool may_be_zero =
        ch[0] && ch[1] == '\0' && strchr("689", ch[0]) && fo_zero_allowed(allowed);
    mend_as(glyph, may_be_zero ? fo_glyph_zero_shape(glyph, INK_LEVEL) : FO_NOT_ZERO,
            allowed, hand, ch, conf);
}

/*
 * The zeros of a line (see fo_zero_mend) in a number: a 6, 8 or 9 next to
 * another digit, drawn with a dot or a bar inside, is a zero; and an 8
 * drawn without a counter is a 3 (an ordinal's "3e" read "8e"), flagged.
 * Each glyph is its own connected component (fo_ocr_symbol_glyph), cut
 * with what lies inside its box (a zero's dot): Tesseract's boxes drift in
 * a monospaced line, and the columns of a 9's box in "(69)" held the 6's
 * right half and the 9's left half, an oval that was taken for a zero
 * (flagged, wrong, on 6 of 21 typed seeds of make-corpus2.py).  A symbol
 * whose glyph is not its own (letters touching, a box astray) is left as
 * read.  An oval without a mark is a likely zero, flagged, only where its
 * counter lies in the middle (LINE_OVAL_CENTRE): cut whole, a blurred
 * DejaVu Serif 6 with its hook almost closed passes a comb cell's test,
 * its bowl's centre at 0.64 of its height ("56" read "50", seed 81), where
 * a bold zero's counter, a bar inside it, lies at 0.47 (first corpus seed
 * 4242: "90" and "03100" read 96 and 63100, 98 % sure).  On 500 generated
 * pages, before the glyphs were cut so, 2 such zeros in lines and none of
 * 580 other 6, 8 and 9 in numbers were taken for one.
 */
enum { GLYPH_MARGIN = 2 }; /* px of white around a glyph cut from a line */
/* How far from the middle (of its height) an unmarked oval's counter lies
 * at most, for a line's 6, 8 or 9 to be mended to a likely zero. */
static const double LINE_OVAL_CENTRE = 0.08;

/* The box of the glyph whose main part is component j of boxes: with
 * every part centred within j's columns (the pieces of a faint glyph the
 * threshold broke, a zero's dot).  False when j has no box. */
static bool glyph_box(BOXA *boxes, int j, l_int32 *x, l_int32 *y, l_int32 *w,
                      l_int32 *h)
{
    l_int32 cx, cw, x0, y0, x1, y1;
    if (boxaGetBoxGeometry(boxes, j, &cx, &y0, &cw, &y1) != 0)
        return false;
    x0 = cx;
    x1 = cx + cw;
    y1 += y0;
    for (int i = 0; i < boxaGetCount(boxes); i++) {
        l_int32 px, py, pw, ph;
        if (i == j || boxaGetBoxGeometry(boxes, i, &px, &py, &pw, &ph) != 0 ||
            2 * px + pw < 2 * cx || 2 * px + pw >= 2 * (cx + cw))
            continue;
        x0 = px < x0 ? px : x0;
        y0 = py < y0 ? py : y0;
        x1 = px + pw > x1 ? px + pw : x1;
        y1 = py + ph > y1 ? py + ph : y1;
    }
    *x = x0, *y = y0, *w = x1 - x0, *h = y1 - y0;
    return true;
}

void fo_zero_mend_line(PIX *img, fo_symbol *syms, int n, const char *allowed, bool hand)
{
    PIX *bin = NULL;
    PIXA *parts = NULL;
    BOXA *boxes = NULL;
    for (int k = 0; k < n; k++) {
        bool after =
            k > 0 && !syms[k].word_start && isdigit((unsigned char)syms[k - 1].text[0]);
        bool before = k + 1 < n && !syms[k + 1].word_start &&
                      isdigit((unsigned char)syms[k + 1].text[0]);
        char c = syms[k].text[0];
        int j;
        l_int32 x, y, w, h;
        if (!c || syms[k].text[1] || !strchr("689", c) ||
            !(after || before || c == '8') || syms[k].x1 <= syms[k].x0)
            continue;
        if (!boxes) {
            bin = pixGetDepth(img) == 8 ? pixThresholdToBinary(img, INK_LEVEL) : NULL;
            boxes = bin ? pixConnComp(bin, &parts, 8) : NULL;
            if (!boxes)
                break;
        }
        j = fo_ocr_symbol_glyph(boxes, parts, &syms[k]);
        if (j < 0 || !glyph_box(boxes, j, &x, &y, &w, &h))
            continue;
        BOX *b = boxCreate(x, y, w, h);
        PIX *cut = b ? pixClipRectangle(img, b, NULL) : NULL;
        PIX *glyph = cut ? pixAddBorder(cut, GLYPH_MARGIN, 255) : NULL;
        pixDestroy(&cut);
        fo_zero_shape zero = glyph && (after || before) && fo_zero_allowed(allowed)
                                 ? fo_glyph_zero_shape(glyph, INK_LEVEL)
                                 : FO_NOT_ZERO;
        if (zero == FO_ZERO_OVAL &&
            fabs(fo_glyph_counter_centre(glyph, INK_LEVEL) - 0.5) > LINE_OVAL_CENTRE)
            zero = FO_NOT_ZERO; /* an oval, its counter off the middle */
        if (glyph)              /* an 8 among letters: only the 3 it may be drawn as */
            mend_as(glyph, zero, allowed, hand, syms[k].text, &syms[k].conf);
        pixDestroy(&glyph);
        boxDestroy(&b);
    }
    boxaDestroy(&boxes);
    pixaDestroy(&parts);
    pixDestroy(&bin);
}

/* The other member of c's look-alike pair when allowed allows both, else 0;
 * with_pattern adds the pairs only a pattern can settle. */
char fo_lookalike_of(char c, const char *allowed, bool with_pattern)
{
    for (int list = 0; list < (with_pattern ? 2 : 1); list++)
        for (const char *const *pair = list ? PATTERN_LOOKALIKES : LOOKALIKES; *pair;
             pair++) {
            const char *at = c ? strchr(*pair, c) : NULL;
            if (at && strchr(allowed, (*pair)[0]) && strchr(allowed, (*pair)[1]))
                return (*pair)[at == *pair ? 1 : 0];
        }
    return 0;
}

/* raw with its blanks removed, as the check stage will see a comb's,
 * against the pattern. */
static fo_pattern_result pattern_matches(const fo_field *f, const char *raw, char *buf,
                                         pcre2_match_data *md)
{
    size_t n = 0;
    for (const char *p = raw; *p; p++)
        if (*p != ' ')
            buf[n++] = *p;
    buf[n] = '\0';
    return fo_pattern_match(f, buf, n, PCRE2_ANCHORED | PCRE2_ENDANCHORED, md);
}

typedef struct lookalike_trial {
    const fo_field *f;
    const char *allowed;
    char *trial, *buf, *best;
    pcre2_match_data *md;
} lookalike_trial;

/* How many ways of reading the look-alikes at pos[0..k) (the other member
 * of each pair, or as read) fit the pattern, up to 2; the first is left in
 * t->best.  -1 when the pattern hit a limit: nothing can be said (and no
 * more tries are spent on it). */
static int count_fits(lookalike_trial *t, const char *raw, const int *pos, int k)
{
    size_t len = strlen(raw);
    int fits = 0;
    memcpy(t->trial, raw, len + 1);
    for (unsigned mask = 0; mask < 1u << k && fits < 2; mask++) {
        fo_pattern_result r;
        for (int j = 0; j < k; j++) {
            char c = raw[pos[j]];
            t->trial[pos[j]] =
                mask & (1u << j) ? fo_lookalike_of(c, t->allowed, true) : c;
        }
        r = pattern_matches(t->f, t->trial, t->buf, t->md);
        if (r == FO_PATTERN_LIMIT || r == FO_PATTERN_ERROR)
            return -1;
        if (r == FO_PATTERN_YES && fits++ == 0)
            memcpy(t->best, t->trial, len + 1);
    }
    return fits;
}

/*
 * A look-alike (0 or O, 1 or I, where the field allows both) makes the
 * reading doubtful, unless the field's pattern says which it must be: a
 * passport number is two digits, two letters, five digits.  Every way of
 * reading the look-alikes is tried against the pattern; when exactly one
 * fits, it is the reading and stays as confident as the OCR was (the model
 * cannot tell these apart, the pattern can); otherwise (no pattern, none or
 * several fit) the confidence is capped so that the field is flagged.
 * A reading that does not fit its pattern at all may also have misread a
 * character of a looser pair (4 and A, 8 and B...): if exactly one way of
 * reading those makes it fit, that is the reading, flagged: it is a repair.
 */
int fo_lookalikes_resolve(const fo_field *f, const char *allowed, fo_reading *out)
{
    int close[MAX_LOOKALIKES], loose[MAX_LOOKALIKES], nclose = 0, nloose = 0, fits;
    size_t len = strlen(out->raw);
    lookalike_trial t = {f, allowed, NULL, NULL, NULL, NULL};

    if (!*allowed || !*out->raw)
        return FO_OK;
    for (size_t i = 0; i < len; i++) {
        if (fo_lookalike_of(out->raw[i], allowed, false)) {
            if (nclose == MAX_LOOKALIKES || !f->pattern_code) {
                out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
                return FO_OK;
            }
            close[nclose++] = (int)i;
        } else if (f->pattern_code && nloose < MAX_LOOKALIKES &&
                   fo_lookalike_of(out->raw[i], allowed, true)) {
            loose[nloose++] = (int)i;
        }
    }
    if (!f->pattern_code || (nclose == 0 && nloose == 0))
        return FO_OK;
    t.trial = malloc(len + 1);
    t.buf = malloc(len + 1);
    t.best = malloc(len + 1);
    t.md =
        pcre2_match_data_create_from_pattern((const pcre2_code *)f->pattern_code, NULL);
    if (!t.trial || !t.buf || !t.best || !t.md) {
        free(t.trial);
        free(t.buf);
        free(t.best);
        pcre2_match_data_free(t.md);
        return FO_ERR_NOMEM;
    }
    fits = count_fits(&t, out->raw, close, nclose);
    if (fits == 1) {
        memcpy(out->raw, t.best, len + 1);
    } else if (fits == 0 && nclose + nloose <= MAX_LOOKALIKES) {
        int all[2 * MAX_LOOKALIKES];
        memcpy(all, close, sizeof *close * (size_t)nclose);
        memcpy(all + nclose, loose, sizeof *loose * (size_t)nloose);
        if (count_fits(&t, out->raw, all, nclose + nloose) == 1)
            memcpy(out->raw, t.best, len + 1);
        out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
    } else {
        out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
    }
    free(t.trial);
    free(t.buf);
    free(t.best);
    pcre2_match_data_free(t.md);
    return FO_OK;
}

/* ocr.c - Tesseract on an image: symbols, edge noise, text (see
 * read_internal.h).
 *
 * A line is given to Tesseract as a raw line (PSM_RAW_LINE): the zone
 * image is already one line cut to its written ink (line.c), so
 * Tesseract's own layout analysis, which PSM_SINGLE_LINE runs on every call
 * to find that line again, is skipped.  On 200 generated pages this made
 * the read stage ~11 % faster at -j 2 with as many fields right (more on
 * text, fewer on comb dates) and fewer silent errors.  The price is rough
 * boxes: a raw line's word may be said to reach the end of the line, so
 * the words that a second reading isolates are cut where the ink says
 * (line.c, word_cut), not where the boxes do.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "read_internal.h"
#include "strbuf.h"
#include "util.h"

/* Punctuation at a word's edge recognised with less confidence than this
 * is taken for noise. */
static const double PUNCT_KEEP_CONF = 93.0;
/* A sentence's full stop that the ink shows is kept from this confidence. */
static const double PERIOD_KEEP_CONF = 80.0;
/* The confidence left to a reading that lost a clearly read mark at a
 * line's end, or a decimal separator that its ink shows: below any
 * field's floor, so that a person looks. */
static const double PUNCT_DROPPED_CONF = 49.0;
/* A full stop's size and place, of the letters' height (ink_ends_with_period). */
static const double PERIOD_SIZE = 0.4;
static const double PERIOD_BASE = 0.12;
/* How close after the ink before it a full stop comes, of a letter's
 * width (a word space is a whole letter's). */
static const double PERIOD_GAP = 1.0;
/* The rank of a line's grey values taken for its darkest ink (the darkest
 * half a percent: dust aside, its letters' cores). */
static const float DARK_RANK = 0.005f;
/* Or how close of the letters' pitch: a monospaced face sets its point in
 * the middle of its cell, 0.7 to 0.9 of a pitch after a bracket's ink (set
 * off-centre in FreeMono); after a space it would be 1.7 or more. */
static const double PERIOD_PITCH = 1.1;
/* How far after the last letter, by Tesseract's boxes, a full stop read as
 * part of the last word may lie and still be the writer's, of a letter's
 * width. */
static const double PERIOD_GLUED = 1.5;
/* Ink this many times taller than wide is a rule's stroke (a box's border
 * left in the zone), not a character's: a 1 is 4 times. */
static const double RULE_ASPECT = 8.0;
/* A space lost between letters and a number (split_letters_from_number):
 * a gap this many times the word's median, and this much of a letter. */
static const double SPACE_GAP = 1.6, SPACE_LETTER = 0.3;
/* The same before a number's one-letter suffix: at 1.6, "30B", "44B" and
 * "62B" were split on typed seeds 1, 31 and 41 of make-corpus2.py. */
static const double SUFFIX_GAP = 2.5;
/* Case told by height (fo_ocr_mend_case): a capital's top rises this much
 * of the x-height above the x-line at least (0.25 in Liberation Mono, 0.45
 * in FreeSerif); a capital P or Y reaches no lower than CASE_SMALL_DROP of
 * it below the baseline. */
static const double CASE_CAPITAL_RISE = 0.16, CASE_SMALL_DROP = 0.08;
/* An l's flag (l_with_flag): the top rows looked at, of the glyph's height,
 * and how far left of the stem they reach, of its width. */
static const double CASE_TOP_ROWS = 0.12, CASE_FLAG = 0.6;
enum {
    CASE_SPECK = 3,          /* px: ink no larger both ways is a speck */
    CASE_MIN_REFERENCES = 2, /* x-height letters needed to place the lines */
    CASE_MIN_X_HEIGHT = 8    /* px: smaller, a pixel is too much of it */
};

/* Letters (with French accents and ligatures) and digits, as opposed to
 * punctuation and symbols. */
bool fo_ocr_is_alnum(const char *s)
{
    unsigned c = (unsigned char)s[0];
    if (c < 0x80)
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if ((c & 0xE0) == 0xC0) {
        unsigned cp = ((c & 0x1F) << 6) | ((unsigned char)s[1] & 0x3F);
        /* Latin-1 letters and Latin Extended-A (Œ, œ...) but × and ÷ */
        return cp >= 0xC0 && cp <= 0x17F && cp != 0xD7 && cp != 0xF7;
    }
    return false;
}

/* The time limit of the field being read on this thread (fo_now's clock;
 * 0: none), and the budget it came from, for the message. */
static _Thread_local fo_time_limit limit;

void fo_ocr_set_time_limit(fo_time_limit l)
{
    limit = l;
}

int fo_ocr_past_time_limit(fo_error *err)
{
    if (limit.deadline > 0 && fo_now() > limit.deadline)
        return fo_error_set(err, FO_ERR_LIMIT, "took longer than %g s", limit.seconds);
    return FO_OK;
}

/* Runs Tesseract on img and collects its symbols (*syms malloc'd). */
int fo_ocr_recognise(TessBaseAPI *api, PIX *img, TessPageSegMode psm,
                     const char *allowed, fo_symbol **syms, int *nsyms, fo_error *err)
{
    TessResultIterator *it;
    ETEXT_DESC *monitor = NULL;
    int cap = 0, failed, rc;

    *syms = NULL;
    *nsyms = 0;
    if ((rc = fo_ocr_past_time_limit(err)) != FO_OK)
        return rc;
    if (limit.deadline > 0 && (monitor = TessMonitorCreate()) != NULL)
        /* Tesseract stops between words once past it */
        TessMonitorSetDeadlineMSecs(
            monitor, (int)fmin(1e9, 1000 * (limit.deadline - fo_now())) + 1);
    TessBaseAPISetPageSegMode(api, psm);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", allowed);
    TessBaseAPISetImage2(api, img);
    TessBaseAPISetSourceResolution(api, FO_ZONE_DPI);
    failed = TessBaseAPIRecognize(api, monitor) != 0;
    if (monitor)
        TessMonitorDelete(monitor);
    /* a recognition cut short by the deadline is the time limit's doing */
    if ((rc = fo_ocr_past_time_limit(err)) != FO_OK || failed) {
        TessBaseAPIClear(api);
        return rc != FO_OK
                   ? rc
                   : fo_error_set(err, FO_ERR_OCR, "tesseract failed on a zone");
    }
    it = TessBaseAPIGetIterator(api);
    if (it) {
        const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst(it);
        do {
            char *t = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);
            int l, top, r, b;
            if (t && *t && strlen(t) < sizeof((*syms)->text)) {
                if (*nsyms == cap) {
                    fo_symbol *grown = realloc(
                        *syms, sizeof **syms * (size_t)(cap = cap ? 2 * cap : 32));
                    if (!grown) {
                        TessDeleteText(t);
                        TessResultIteratorDelete(it);
                        TessBaseAPIClear(api);
                        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                    }
                    *syms = grown;
                }
                fo_symbol *sy = &(*syms)[(*nsyms)++];
                memset(sy, 0, sizeof *sy);
                strcpy(sy->text, t);
                sy->conf = TessResultIteratorConfidence(it, RIL_SYMBOL);
                sy->word_start = TessPageIteratorIsAtBeginningOf(pit, RIL_WORD);
                sy->line_start = TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE);
                if (TessPageIteratorBoundingBox(pit, RIL_SYMBOL, &l, &top, &r, &b)) {
                    sy->x0 = l;
                    sy->x1 = r;
                    sy->y0 = top;
                    sy->y1 = b;
                }
            }
            TessDeleteText(t);
        } while (TessResultIteratorNext(it, RIL_SYMBOL));
        TessResultIteratorDelete(it);
    }
    TessBaseAPIClear(api);
    return FO_OK;
}

/* The median of v[0..k) (sorted in place; a few dozen values). */
int fo_median_int(int *v, int k)
{
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return k ? v[k / 2] : 0;
}

/* The median width (height: the median height) of the letters and digits
 * of syms by Tesseract's boxes, px (0: none). */
static int median_letter_size(const fo_symbol *syms, int n, bool height)
{
    int v[64], k = 0;
    for (int i = 0; i < n && k < 64; i++) {
        int size = height ? syms[i].y1 - syms[i].y0 : syms[i].x1 - syms[i].x0;
        if (fo_ocr_is_alnum(syms[i].text) && size > 0)
            v[k++] = size;
    }
    return fo_median_int(v, k);
}

/* The letters' pitch: the median step from one letter's left edge to the
 * next's within a word (steps of more than two letters' widths wm are
 * spaces), px, at most 1.5 wm (a monospaced face's cell is 1.2 to 1.4 of
 * its letters' width; 64 letters of a longer line, or letters of several
 * lines, step unevenly); 0 when none.  lefts[0..k) is sorted in place. */
static int letter_pitch(int *lefts, int k, int wm)
{
    int steps[64], m = 0;
    fo_median_int(lefts, k); /* sorts */
    for (int i = 1; i < k; i++)
        if (lefts[i] - lefts[i - 1] > 0 && lefts[i] - lefts[i - 1] <= 2 * wm)
            steps[m++] = lefts[i] - lefts[i - 1];
    return (int)fmin(fo_median_int(steps, m), 1.5 * wm);
}

/* Whether ink w x h px is a box's border left in a zone (a stroke
 * RULE_ASPECT times taller than wide and taller than 1.5 letters of
 * letter_h px) or a speck of at most 2 px: no character. */
static bool rule_or_speck(int w, int h, int letter_h)
{
    return w * h <= 2 || (h >= RULE_ASPECT * w && 2 * h >= 3 * letter_h);
}

/* The grey below which a line image's pixel is ink, for its shapes: half
 * way from its darkest ink (its DARK_RANK grey) to white, INK_LEVEL at
 * least.  Light print keeps its strokes whole: FreeMono at 200 dpi in a
 * JPEG is grey 117 at its darkest, and at INK_LEVEL its letters fell into
 * specks and its full stops were lost (seeds 31 and 71). */
static int line_ink_level(PIX *img)
{
    l_uint32 dark = 0;
    if (pixGetColormap(img) || pixGetRankValue(img, 1, DARK_RANK, &dark) != 0)
        return INK_LEVEL;
    return (int)fmax(INK_LEVEL, ((int)dark + 255) / 2);
}

/*
 * Whether the line in img ends with a full stop drawn as a writer's is,
 * seen on the ink (Tesseract's boxes are loose, and in a monospaced face a
 * full stop sits in the middle of its cell): the line's last ink is a dot
 * of a pen's size (at most PERIOD_SIZE of the letters' median height each
 * way), sitting on their baseline (its bottom within PERIOD_BASE of that
 * height of their median bottom), less than PERIOD_GAP of a letter's width
 * after the ink before it (a word space is a whole letter's), or less than
 * PERIOD_PITCH of the letters' pitch (a monospaced face sets the point in
 * the middle of its cell: "(mariage)." has 0.75 to 0.9 of a pitch between
 * the bracket and the point, a word space more than 1.7).  Dust lies
 * anywhere and has any size.
 *
 * A letter's width is the larger of the ink's median and Tesseract's
 * (letter_w, px): anti-aliased grey strokes binarize into stems, an n into
 * two, and halve the ink's.  A box's border left in the zone and specks
 * (rule_or_speck, letters letter_h px high) are neither the last ink nor
 * the ink before it.
 */
static bool ink_ends_with_period(PIX *img, int letter_w, int letter_h)
{
    PIX *bin =
        pixGetDepth(img) == 8 ? pixThresholdToBinary(img, line_ink_level(img)) : NULL;
    BOXA *boxes = bin ? pixConnComp(bin, NULL, 8) : NULL;
    int n = boxes ? boxaGetCount(boxes) : 0, last = -1, prev_x1 = -1, k = 0;
    int bottoms[64], heights[64], widths[64], lefts[64];
    bool period = false;
    l_int32 x, y, w, h, lx = 0, ly = 0, lw = 0, lh = 0;

    for (int i = 0; i < n; i++) {
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        if (rule_or_speck(w, h, letter_h))
            continue;
        if (last < 0 || x + w > lx + lw) {
            last = i;
            lx = x, ly = y, lw = w, lh = h;
        }
    }
    for (int i = 0; i < n && last >= 0; i++) {
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        if (i == last || rule_or_speck(w, h, letter_h))
            continue;
        if (x + w <= lx && x + w > prev_x1)
            prev_x1 = x + w;
        if (h >= 2 * lh && k < 64) { /* letters, not accents or dots */
            bottoms[k] = y + h;
            heights[k] = h;
            lefts[k] = x;
            widths[k++] = w;
        }
    }
    if (k >= 2 && prev_x1 >= 0) {
        int base = fo_median_int(bottoms, k), hm = fo_median_int(heights, k),
            wm = fo_median_int(widths, k), pitch = letter_pitch(lefts, k, wm);
        wm = wm > letter_w ? wm : letter_w;
        period =
            lw <= PERIOD_SIZE * hm && lh <= PERIOD_SIZE * hm && lh >= 2 &&
            abs(ly + lh - base) <= PERIOD_BASE * hm + 2 &&
            (lx - prev_x1 <= PERIOD_GAP * wm || lx - prev_x1 <= PERIOD_PITCH * pitch);
    }
    boxaDestroy(&boxes);
    pixDestroy(&bin);
    return period;
}

/* See read_internal.h. */
bool fo_ocr_inner_dot(PIX *img, int *at_x)
{
    PIX *bin = pixGetDepth(img) == 8 ? pixThresholdToBinary(img, INK_LEVEL) : NULL;
    BOXA *boxes = bin ? pixConnComp(bin, NULL, 8) : NULL;
    int n = boxes ? boxaGetCount(boxes) : 0, maxh = 0, k = 0;
    int tops[64], bottoms[64], heights[64];
    bool dot = false;
    l_int32 x, y, w, h;

    for (int i = 0; i < n; i++) {
        boxaGetBoxGeometry(boxes, i, NULL, NULL, &w, &h);
        if (h <= RULE_ASPECT * w)
            maxh = h > maxh ? h : maxh;
    }
    for (int i = 0; i < n && k < 64; i++) {
        boxaGetBoxGeometry(boxes, i, NULL, &y, &w, &h);
        if (2 * h >= maxh && h <= RULE_ASPECT * w) { /* digits, not marks */
            tops[k] = y;
            bottoms[k] = y + h;
            heights[k++] = h;
        }
    }
    /* the digits' height: of the tallest marks (letters after the number,
     * "70,32 euros", are x-height, and would make a comma look large) */
    int tall = 0;
    for (int i = 0; i < k; i++)
        if (10 * heights[i] >= 7 * maxh)
            heights[tall++] = heights[i];
    int top = fo_median_int(tops, k), base = fo_median_int(bottoms, k),
        hm = fo_median_int(heights, tall);
    for (int i = 0; i < n && k >= 2 && !dot; i++) {
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        int cx = x + w / 2;
        if (w > PERIOD_SIZE * hm || h > PERIOD_SIZE * hm || w < 2 || h < 2 ||
            2 * (y + h / 2) < top + base || y + h > base + PERIOD_SIZE * hm)
            continue;
        bool left = false, right = false, over = false;
        for (int j = 0; j < n; j++) {
            l_int32 jx, jw, jh;
            boxaGetBoxGeometry(boxes, j, &jx, NULL, &jw, &jh);
            if (2 * jh < maxh || jh > RULE_ASPECT * jw)
                continue;
            left = left || jx + jw <= cx;
            right = right || jx > cx;
            /* (a digit's tail may reach under the point: "3" in an
             * old-style face) */
            over = over || (4 * (cx - jx) >= jw && 4 * (cx - jx) < 3 * jw);
        }
        dot = left && right && !over;
        *at_x = cx;
    }
    boxaDestroy(&boxes);
    pixDestroy(&bin);
    return dot;
}

/* Whether a field's characters are a number's that may have decimals:
 * digits and a decimal comma, and no letter but a currency unit's (EUR,
 * euros).  A text field whose charset allows a comma is not one (its small
 * letters could pass for points), nor a date (digits, '/', '.', '-': the
 * point there is a separator that the check does without). */
bool fo_number_chars(const char *allowed)
{
    if (!strpbrk(allowed, "0123456789"))
        return false;
    for (const char *c = allowed; *c; c++)
        if (((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') && !strchr("EURSeurso", *c))
            return false;
    return true;
}

static bool number_charset(const char *allowed)
{
    return fo_number_chars(allowed) && strchr(allowed, ',');
}

/* Whether the symbols hold a decimal separator. */
static bool has_separator(const fo_symbol *syms, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(syms[i].text, ",") == 0 || strcmp(syms[i].text, ".") == 0)
            return true;
    return false;
}

/* Whether the mark syms[i] follows the symbol before it as a writer's
 * punctuation does, close (within 35 % of a letter's width): dust at a
 * line's end lies anywhere. */
static bool close_after(const fo_symbol *syms, int i, int letter_w)
{
    return i > 0 && letter_w > 0 && syms[i].x0 - syms[i - 1].x1 <= 0.35 * letter_w;
}

/* Whether the mark syms[i], at a line's end, may be how the writer ended
 * it: "!", "?", ")", "]", "»", or a full stop after a sentence (min_words
 * words on the line or more) or after "etc".  A colon, a dash, a quote, or a
 * full stop after a name or a place never is. */
static bool may_end(const fo_symbol *syms, int i, int min_words)
{
    static const char *const ENDS[] = {"!", "?", ")", "]", "\u00BB", "\u2026", NULL};
    for (const char *const *e = ENDS; *e; e++)
        if (strcmp(syms[i].text, *e) == 0)
            return true;
    if (strcmp(syms[i].text, ".") != 0)
        return false;
    int words = 0, start = i;
    for (int j = i; j >= 0; j--) {
        words += syms[j].word_start;
        if (syms[j].word_start && start == i)
            start = j;
        if (syms[j].line_start)
            break;
    }
    char last[16] = "";
    for (int j = start, k = 0; j < i && k < 12; j++)
        for (const char *c = syms[j].text; *c && k < 12; c++)
            last[k++] = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c), last[k] = '\0';
    return words >= min_words || strcmp(last, "etc") == 0;
}

/* Whether the line of syms[i] has a small letter before it: a sentence
 * does; a line in capitals is a name, a place or a heading, which a full
 * stop does not end. */
static bool has_lowercase(const fo_symbol *syms, int i)
{
    for (int j = i - 1; j >= 0; j--) {
        unsigned char c = (unsigned char)syms[j].text[0];
        if ((c >= 'a' && c <= 'z') ||
            (c == 0xC3 && (unsigned char)syms[j].text[1] >= 0xA0))
            return true;
        if (syms[j].line_start)
            break;
    }
    return false;
}

/* Whether the bracket syms[i] has its partner on the line: a "(" with a
 * ")" after it, a ")" with a "(" before it (and "[", "]" alike).  A pair
 * is the writer's, not dust's: "Préfecture de Bouches-du-Rhône (13)". */
static bool paired_bracket(const fo_symbol *syms, int n, int i)
{
    static const char *const OPEN[] = {"(", "["}, *const CLOSE[] = {")", "]"};
    for (int k = 0; k < 2; k++) {
        if (strcmp(syms[i].text, OPEN[k]) == 0) {
            for (int j = i + 1; j < n && !syms[j].line_start; j++)
                if (strcmp(syms[j].text, CLOSE[k]) == 0)
                    return true;
        } else if (strcmp(syms[i].text, CLOSE[k]) == 0) {
            for (int j = i - 1; j >= 0; j--) {
                if (strcmp(syms[j].text, OPEN[k]) == 0)
                    return true;
                if (syms[j].line_start)
                    break;
            }
        }
    }
    return false;
}

/* Whether syms[i] is the last symbol of syms[0..n) but for marks read as
 * words of their own after it (no letter or digit). */
static bool last_but_marks(const fo_symbol *syms, int n, int i)
{
    for (int j = i + 1; j < n; j++)
        if (fo_ocr_is_alnum(syms[j].text) || !syms[j].word_start)
            return false;
    return true;
}

/*
 * Drops the noise that reads as punctuation: a speck before a name reads as
 * a quote, the end of a rule as a bar, dust after it as a full stop.  At
 * either end of a line (form fields are mostly names, places, numbers) a
 * punctuation mark goes; at the edge of a word inside a line, only weakly
 * recognised ones (PUNCT_KEEP_CONF); inside a word ("L'ÉGLISE", "SAINT-LÔ")
 * they stay, and so does a bracket whose partner is on the line ("(13)").
 * Returns true when a clearly recognised mark was taken away at a line's
 * end, close after the last letter as a writer's is ("etc.", "résultat."):
 * the caller must then not trust the reading (issue 15: a change is
 * certain or flagged, never silent).
 */
static bool drop_edge_noise(PIX *img, fo_symbol *syms, int *n)
{
    bool dropped, doubt = false;
    int period = -1; /* the ink looked at once, for a line ending with "." */
    int letter_w = median_letter_size(syms, *n, false),
        letter_h = median_letter_size(syms, *n, true);
    do {
        int out = 0;
        dropped = false;
        for (int i = 0; i < *n; i++) {
            bool word_end = i + 1 == *n || syms[i + 1].word_start;
            bool line_end = i + 1 == *n || syms[i + 1].line_start;
            bool at_line_edge = syms[i].line_start || line_end || (i == 0);
            bool at_word_edge = syms[i].word_start || word_end;
            /* a full stop read as the last letter's, last but for marks
             * read apart after it (a box's border read "|"), that the
             * ink shows drawn as one (ink_ends_with_period) */
            bool inked_period =
                last_but_marks(syms, *n, i) && !syms[i].line_start &&
                !syms[i].word_start && strcmp(syms[i].text, ".") == 0 &&
                (period < 0 ? (period = ink_ends_with_period(img, letter_w, letter_h))
                            : period);
            /* ending a sentence of two words or more with small letters
             * (a name or a place in capitals is not ended by one): the
             * writer's, kept when clearly read, else in doubt */
            bool sentence_period =
                inked_period && may_end(syms, i, 2) && has_lowercase(syms, i);
            bool sentence_end = sentence_period && syms[i].conf >= PERIOD_KEEP_CONF;
            if (!fo_ocr_is_alnum(syms[i].text) && !sentence_end &&
                (at_line_edge || (at_word_edge && syms[i].conf < PUNCT_KEEP_CONF)) &&
                !paired_bracket(syms, *n, i)) {
                /* a clear mark taken away at a line's end may have been
                 * the writer's ("etc.", a sentence's full stop): the
                 * reading is then in doubt, never silently changed.  Close
                 * after the last letter by the boxes, or read as part of
                 * the last word and within PERIOD_GLUED letters of it (a
                 * monospaced face sets "(2 jours)." with the point in the
                 * middle of its cell, a letter's width from the bracket by
                 * the boxes); dust farther away is dust.  A sentence's
                 * full stop that the ink shows is not, however weakly read */
                doubt = doubt || sentence_period ||
                        (line_end && !syms[i].line_start &&
                         syms[i].conf >= PUNCT_KEEP_CONF &&
                         (close_after(syms, i, letter_w) ||
                          (i > 0 && !syms[i].word_start &&
                           syms[i].x0 - syms[i - 1].x1 <= PERIOD_GLUED * letter_w)) &&
                         may_end(syms, i, 3));
                /* the next symbol inherits the word and line starts */
                if (i + 1 < *n && syms[i].word_start) {
                    syms[i + 1].line_start |= syms[i].line_start;
                    syms[i + 1].word_start = true;
                }
                dropped = true;
                continue;
            }
            syms[i].certain = sentence_end;
            syms[out++] = syms[i];
        }
        *n = out;
    } while (dropped); /* "- ." at a line's end goes mark by mark */
    return doubt;
}

/* Punctuation a speck or a fold reads as: not written in names, places or
 * numbers unless the field's charset says so. */
static const char *const SUSPECT_PUNCT[] = {
    ".",  ",", ":", ";", "|", "\u2018", "\u2019", "\u201C", "\u201D",
    "\"", "`", "^", "~", "_", "\u00B0", "*",      NULL};

/* The confidence a symbol keeps, given what the field allows. */
double fo_ocr_confidence(const fo_symbol *sy, const char *allowed)
{
    double conf = sy->conf;
    if (sy->certain)
        return conf;
    for (const char *const *p = SUSPECT_PUNCT; *p; p++)
        if (strcmp(sy->text, *p) == 0 && !(*allowed && strstr(allowed, *p)))
            conf = fmin(conf, DOUBTFUL_CONF);
    return conf;
}

/* Text of the symbols: words separated by a space, lines by '\n'; the
 * confidence is the weakest symbol's.  NULL when out of memory. */
static char *symbols_text(const fo_symbol *syms, int n, const char *allowed,
                          double *confidence)
{
    fo_strbuf text = FO_STRBUF_INIT;
    *confidence = n > 0 ? 100 : 0;
    for (int i = 0; i < n; i++) {
        /* a hyphen joins words: Tesseract spaces it off in wide typefaces
         * ("SOUS -PRÉFECTURE", "CHÂLONS - EN - CHAMPAGNE") */
        bool hyphen = strcmp(syms[i].text, "-") == 0 ||
                      (i > 0 && strcmp(syms[i - 1].text, "-") == 0);
        if (i > 0 && syms[i].line_start)
            fo_strbuf_addc(&text, '\n');
        else if (i > 0 && syms[i].word_start && !hyphen)
            fo_strbuf_addc(&text, ' ');
        fo_strbuf_add(&text, syms[i].text);
        *confidence = fmin(*confidence, fo_ocr_confidence(&syms[i], allowed));
    }
    return fo_strbuf_detach(&text);
}

/* An image as Tesseract reads it best: with some white around it. */
PIX *fo_ocr_pad(PIX *crop)
{
    return pixAddBorder(crop, OCR_PAD, 255);
}

/* Whether s is one ASCII letter; one digit. */
static bool ascii_letter(const char *s)
{
    return ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) && !s[1];
}

static bool ascii_digit(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' && !s[1];
}

/* Puts a decimal comma into the symbols (*syms, *n of them, realloc'd)
 * where the ink shows one, at column x: before the first symbol whose
 * middle lies past it, when that is a digit after a digit and two digits
 * end the number there (cents: "1 741,01 €" read "174101"); elsewhere
 * ("8,5" out of "85€", a speck inside "EUR") nothing is put, and the
 * reading stays flagged.  FO_ERR_NOMEM. */
static int insert_separator(fo_symbol **syms, int *n, int x, fo_error *err)
{
    fo_symbol *more = realloc(*syms, sizeof *more * (size_t)(*n + 1));
    int at = 0, cents = 0;
    if (!more)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    *syms = more;
    while (at < *n && (more[at].x0 + more[at].x1) / 2 < x)
        at++;
    while (at + cents < *n && ascii_digit(more[at + cents].text) &&
           (cents == 0 || !more[at + cents].word_start))
        cents++;
    if (at == 0 || at == *n || !ascii_digit(more[at - 1].text) || cents != 2)
        return FO_OK;
    memmove(more + at + 1, more + at, sizeof *more * (size_t)(*n - at));
    memset(&more[at], 0, sizeof more[at]);
    strcpy(more[at].text, ",");
    more[at].conf = PUNCT_DROPPED_CONF;
    more[at].x0 = more[at].x1 = x;
    more[at].y0 = more[at + 1].y0;
    more[at].y1 = more[at + 1].y1;
    more[at].certain = true; /* the ink's, not a speck's: kept */
    if (!more[at + 1].line_start)
        more[at + 1].word_start = false; /* the gap was the point's */
    (*n)++;
    return FO_OK;
}

/* The gap between syms[i - 1] and syms[i]: the longest run of columns of
 * img (8 bpp) without ink over rows [y0, y1] between their middles, px;
 * by their boxes when img is NULL (or the run cannot be looked at). */
static int symbol_gap(PIX *img, const fo_symbol *syms, int i, int y0, int y1)
{
    int from = (syms[i - 1].x0 + syms[i - 1].x1) / 2,
        to = (syms[i].x0 + syms[i].x1) / 2;
    int run = 0, best = 0;
    if (img) { /* Tesseract's boxes may reach the image's edge, bound included */
        from = from < 0 ? 0 : from;
        to = to > pixGetWidth(img) ? pixGetWidth(img) : to;
        y0 = y0 < 0 ? 0 : y0;
        y1 = y1 >= pixGetHeight(img) ? pixGetHeight(img) - 1 : y1;
    }
    if (!img || pixGetDepth(img) != 8 || from >= to || y0 > y1)
        return syms[i].x0 - syms[i - 1].x1;
    for (int x = from; x < to; x++) {
        bool ink = false;
        for (int y = y0; y <= y1 && !ink; y++) {
            l_uint32 v = 255;
            pixGetPixel(img, x, y, &v);
            ink = v < INK_LEVEL;
        }
        run = ink ? 0 : run + 1;
        best = run > best ? run : best;
    }
    return best;
}

/* See read_internal.h. */
bool fo_ocr_split_letters_from_number(fo_symbol *syms, int n, PIX *img)
{
    bool split = false;
    int letter_w = median_letter_size(syms, n, false);
    for (int start = 0; start < n;) {
        int end = start + 1, gaps[64], all[64], k = 0, median, y0 = INT_MAX, y1 = -1;
        while (end < n && !syms[end].word_start)
            end++;
        for (int i = start; i < end; i++) {
            y0 = syms[i].y0 < y0 ? syms[i].y0 : y0;
            y1 = syms[i].y1 > y1 ? syms[i].y1 : y1;
        }
        for (int i = start + 1; i < end && k < 64; i++)
            all[k] = symbol_gap(img, syms, i, y0, y1), k++;
        for (int i = start + 1; i < end && k >= 2 && i - start - 1 < 64; i++) {
            int gap = all[i - start - 1], m = 0;
            /* against the word's other gaps ("A12": the one other) */
            for (int j = 0; j < k; j++)
                if (j != i - start - 1)
                    gaps[m++] = all[j];
            median = fo_median_int(gaps, m);
            bool kinds =
                (ascii_letter(syms[i - 1].text) && ascii_digit(syms[i].text)) ||
                (ascii_digit(syms[i - 1].text) && ascii_letter(syms[i].text));
            /* a number's one-letter suffix ("30B", "2A", "3e") is set
             * apart by some faces: only a wide gap is a space there */
            bool suffix = ascii_digit(syms[i - 1].text) && i + 1 == end;
            if (kinds && gap >= (suffix ? SUFFIX_GAP : SPACE_GAP) * fmax(median, 1) &&
                gap >= SPACE_LETTER * letter_w) {
                syms[i].word_start = true;
                split = true;
            }
        }
        start = end;
    }
    return split;
}

/* See read_internal.h. */
int fo_ocr_symbol_glyph(BOXA *boxes, PIXA *parts, const fo_symbol *sy)
{
    int w = sy->x1 - sy->x0, x0 = sy->x0 + w / 4, x1 = sy->x1 - w / 4, best = -1,
        most = 0;
    l_int32 bx, by, bw, bh;
    for (int j = 0; j < boxaGetCount(boxes); j++) {
        l_int32 count = 0;
        boxaGetBoxGeometry(boxes, j, &bx, &by, &bw, &bh);
        int from = bx > x0 ? bx : x0, to = bx + bw - 1 < x1 ? bx + bw - 1 : x1;
        if (from > to)
            continue;
        PIX *part = pixaGetPix(parts, j, L_CLONE);
        BOX *cols = boxCreate(from - bx, 0, to - from + 1, bh);
        PIX *in = part && cols ? pixClipRectangle(part, cols, NULL) : NULL;
        if (in)
            pixCountPixels(in, &count, NULL);
        pixDestroy(&in);
        boxDestroy(&cols);
        pixDestroy(&part);
        if (count > most) {
            most = count;
            best = j;
        }
    }
    if (best < 0)
        return -1;
    boxaGetBoxGeometry(boxes, best, &bx, &by, &bw, &bh);
    if (2 * bx + bw < 2 * sy->x0 || 2 * bx + bw > 2 * sy->x1 || 2 * bw > 3 * (w + 1))
        return -1;
    return best;
}

/*
 * Whether the glyph part (1 bpp, cut to its box) is an l drawn with a flag
 * rather than an L: the top rows (CASE_TOP_ROWS of its height, 2 px at
 * least) reach left of the stem (its first run of ink across the middle
 * row) by CASE_FLAG of the stem's width and 2 px at least, and not right
 * of it (a serif L's top reaches both ways, a sans L's neither way).
 */
static bool l_with_flag(PIX *part)
{
    int w = pixGetWidth(part), h = pixGetHeight(part), s0 = -1, s1 = -1, tl = w,
        tr = -1;
    int top_rows = (int)fmax(2, CASE_TOP_ROWS * h);
    for (int x = 0; x < w; x++) {
        l_uint32 v = 0;
        pixGetPixel(part, x, h / 2, &v);
        if (v && s0 < 0)
            s0 = s1 = x;
        else if (v && s1 == x - 1)
            s1 = x;
        for (int y = 0; y < top_rows && y < h; y++) {
            v = 0;
            pixGetPixel(part, x, y, &v);
            if (v) {
                tl = x < tl ? x : tl;
                tr = x > tr ? x : tr;
            }
        }
    }
    if (s0 < 0 || tr < 0)
        return false;
    int stem = s1 - s0 + 1;
    return s0 - tl >= fmax(2, CASE_FLAG * stem) && tr <= s1 + stem / 4;
}

/* Small letters drawn as their capitals are, only smaller (x-height: no
 * ascender, no descender), and the two with a descender whose capital has
 * none. */
static const char CASE_SAME_SHAPE[] = "cosuvwxz", CASE_DESCENDER[] = "py";
/* Letters that stand between the x-line and the baseline. */
static const char X_HEIGHT_LETTERS[] = "acemnorsuvwxz";

/* See read_internal.h. */
bool fo_ocr_mend_case(PIX *img, fo_symbol *syms, int n, const char *allowed)
{
    PIX *bin = NULL;
    int tops[64], bottoms[64], k = 0;
    bool mended = false;

    if (!img || pixGetDepth(img) != 8 || n < 3 ||
        !(bin = pixThresholdToBinary(img, INK_LEVEL)))
        return false;
    /* specks (scan noise, a G4 page's dots) would lift a letter's top */
    PIX *clean = pixSelectBySize(bin, CASE_SPECK, CASE_SPECK, 8, L_SELECT_IF_EITHER,
                                 L_SELECT_IF_GT, NULL);
    if (clean) {
        pixDestroy(&bin);
        bin = clean;
    }
    PIXA *parts = NULL;
    BOXA *boxes = pixConnComp(bin, &parts, 8);
    int *top = malloc((size_t)n * sizeof *top),
        *bottom = malloc((size_t)n * sizeof *bottom);
    int *glyph = malloc((size_t)n * sizeof *glyph);
    if (!boxes || !parts || !top || !bottom || !glyph)
        goto out;
    for (int i = 0; i < n; i++)
        glyph[i] =
            syms[i].text[1] == '\0' ? fo_ocr_symbol_glyph(boxes, parts, &syms[i]) : -1;
    for (int i = 0; i < n; i++) {
        /* a glyph two symbols claim (a box astray: a p's over its l) is
         * neither's */
        bool shared = false;
        for (int j = 0; j < n && glyph[i] >= 0; j++)
            shared = shared || (j != i && glyph[j] == glyph[i]);
        if (glyph[i] < 0 || shared) {
            top[i] = bottom[i] = -1;
            continue;
        }
        l_int32 by, bh;
        boxaGetBoxGeometry(boxes, glyph[i], NULL, &by, NULL, &bh);
        top[i] = by;
        bottom[i] = by + bh - 1;
        if (k < 64 && strchr(X_HEIGHT_LETTERS, syms[i].text[0])) {
            tops[k] = top[i];
            bottoms[k++] = bottom[i];
        }
    }
    if (k < CASE_MIN_REFERENCES)
        goto out;
    int xline = fo_median_int(tops, k), base = fo_median_int(bottoms, k);
    double xh = base - xline;
    if (xh < CASE_MIN_X_HEIGHT)
        goto out;
    for (int i = 0; i < n; i++) {
        char c = syms[i].text[0], upper = (char)(c & ~0x20);
        /* a small letter at a word's start only: within a word, or read
         * capital, the boxes misled more often than Tesseract did */
        if (bottom[i] < 0 || !(syms[i].word_start || syms[i].line_start))
            continue;
        /* (an L before small letters, drawn as an l: "de La Gare") */
        if (c == 'L' && i + 1 < n && !syms[i + 1].word_start &&
            syms[i + 1].text[0] >= 'a' && syms[i + 1].text[0] <= 'z' &&
            (!*allowed || strchr(allowed, 'l'))) {
            PIX *part = pixaGetPix(parts, glyph[i], L_CLONE);
            if (part && l_with_flag(part)) {
                syms[i].text[0] = 'l';
                mended = true;
            }
            pixDestroy(&part);
            continue;
        }
        if (c < 'a' || c > 'z' || (*allowed && !strchr(allowed, upper)))
            continue;
        bool same = strchr(CASE_SAME_SHAPE, c) != NULL,
             desc = strchr(CASE_DESCENDER, c) != NULL;
        double rise = (xline - top[i]) / xh, drop = (bottom[i] - base) / xh;
        if ((same || desc) && rise >= CASE_CAPITAL_RISE &&
            (same || drop <= CASE_SMALL_DROP)) {
            syms[i].text[0] = upper;
            mended = true;
        }
    }
out:
    free(top);
    free(bottom);
    free(glyph);
    boxaDestroy(&boxes);
    pixaDestroy(&parts);
    pixDestroy(&bin);
    return mended;
}

/* Reads the text of an image: *text malloc'd ("" when nothing is read);
 * its symbols too when syms_out is not NULL (the caller frees them). */
int fo_ocr_image(TessBaseAPI *api, PIX *img, TessPageSegMode psm, const char *allowed,
                 bool hand, char **text, double *confidence, fo_symbol **syms_out,
                 int *nsyms_out, fo_error *err)
{
    fo_symbol *syms = NULL;
    int n = 0, rc = fo_ocr_recognise(api, img, psm, allowed, &syms, &n, err);
    *text = NULL;
    if (rc == FO_OK) {
        bool doubt = drop_edge_noise(img, syms, &n);
        int dot_x = 0;
        /* a lost space (where the field may hold one) */
        if (!*allowed || strchr(allowed, ' '))
            doubt = fo_ocr_split_letters_from_number(syms, n, img) || doubt;
        /* a number that may have decimals, read without a separator that
         * its ink shows: a lost point changes the value; it is put back,
         * and the reading flagged (a repair) */
        if (number_charset(allowed) && n >= 2 && !has_separator(syms, n) &&
            fo_ocr_inner_dot(img, &dot_x)) {
            doubt = true;
            rc = insert_separator(&syms, &n, dot_x, err);
        }
        /* a capital read small ("Cité" read "cité" at a line's start in
         * Liberation Mono), an l read L */
        if (rc == FO_OK && !hand)
            doubt = fo_ocr_mend_case(img, syms, n, allowed) || doubt;
        if (rc == FO_OK) {
            fo_zero_mend_line(img, syms, n, allowed, hand);
            *text = symbols_text(syms, n, allowed, confidence);
            if (doubt)
                *confidence = fmin(*confidence, PUNCT_DROPPED_CONF);
            if (!*text)
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        }
    }
    if (rc == FO_OK && syms_out) {
        *syms_out = syms;
        *nsyms_out = n;
    } else {
        free(syms);
    }
    return rc;
}

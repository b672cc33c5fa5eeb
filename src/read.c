/*
 * read.c - OCR of text zones, ink decisions for marks (see read.h).
 *
 * A line is given to Tesseract as a raw line (PSM_RAW_LINE): the zone
 * image is already one line cut to its written ink (zone.c, ink_crop), so
 * Tesseract's own layout analysis, which PSM_SINGLE_LINE runs on every call
 * to find that line again, is skipped.  On 200 generated pages this made
 * the read stage ~11 % faster at -j 2 with as many fields right (more on
 * text, fewer on comb dates) and fewer silent errors.  The price is rough
 * boxes: a raw line's word may be said to reach the end of the line, so
 * the words that a second reading isolates are cut where the ink says
 * (word_cut), not where the boxes do.  The second reading itself is a
 * PSM_SINGLE_LINE one: another segmentation as well as another size.
 */
#include "formocr/read.h"

#include <leptonica/allheaders.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "glyph.h"
#include "util.h"

enum {
    MAX_ENGINES = 8,        /* languages one reader keeps ready */
    EMPTY_INK = 30,         /* px at ZONE_DPI: less written ink is an empty zone */
    EMPTY_CELL_INK = 20,    /* the same for one cell of a comb */
    CELL_GAP = 16,          /* px between cells put side by side on one line */
    OCR_PAD = 12,           /* px of white around what Tesseract is given */
    BLOCK_MIN_HEIGHT = 150, /* px at ZONE_DPI (12.7 mm): taller boxes hold lines */
    MAX_BAND_LINES = 32,
    LINE_MIN_HEIGHT = 14,   /* px: a band thinner than this is not a line */
    ACCENT_GAP = 8,         /* px: at most this above its letters */
    INK_LEVEL = 128,        /* grey below this is ink, in a clean zone image */
    CUT_SLACK = 8           /* px a word's start may be placed too far left */
};
/* Checkbox: written ink over this fraction of the box's inner part ticks it;
 * the confidence falls to 0 at the threshold, reaching 100 a factor of
 * MARK_CONFIDENT_RATIO away on either side. */
static const double CHECKBOX_INSET = 0.2;
static const double CHECKBOX_FILL = 0.05;
static const double SIGNATURE_INSET = 0.02;
static const double SIGNATURE_FILL = 0.004;
static const double MARK_CONFIDENT_RATIO = 2.0;
/* Punctuation at a word's edge recognised with less confidence than this
 * is taken for noise. */
static const double PUNCT_KEEP_CONF = 93.0;
/* The second reading's enlargement, and what a disagreement leaves. */
static const float SECOND_SCALE = 0.75f;
static const double DISAGREE_CONF = 50.0;
static const double SECOND_READ_BELOW = 97.0;
/* Confidence given at most to a cell where several characters were seen. */
static const double AMBIGUOUS_CELL_CONF = 50.0;
/* Confidence given at most to a look-alike or a suspect punctuation mark:
 * below the default min_confidence, so that it is flagged. */
static const double DOUBTFUL_CONF = 60.0;

static const char DIGITS[] = "0123456789";
static const char INTEGER_CHARS[] = "0123456789-";
static const char DECIMAL_CHARS[] = "0123456789,.- ";
static const char DATE_CHARS[] = "0123456789/.-";

typedef struct engine {
    char lang[64];
    TessBaseAPI *api;
} engine;

struct fo_reader {
    char *tessdata;
    engine engines[MAX_ENGINES];
    int nengines;
};

int fo_reader_create(const char *tessdata, fo_reader **out, fo_error *err)
{
    fo_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || (tessdata && !(r->tessdata = fo_strdup(tessdata)))) {
        free(r);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    *out = r;
    return FO_OK;
}

void fo_reader_destroy(fo_reader **rp)
{
    if (!rp || !*rp)
        return;
    for (int i = 0; i < (*rp)->nengines; i++) {
        TessBaseAPIEnd((*rp)->engines[i].api);
        TessBaseAPIDelete((*rp)->engines[i].api);
    }
    free((*rp)->tessdata);
    free(*rp);
    *rp = NULL;
}

/* The engine for lang, started on first use. */
static TessBaseAPI *engine_for(fo_reader *r, const char *lang, fo_error *err)
{
    TessBaseAPI *api;
    for (int i = 0; i < r->nengines; i++)
        if (strcmp(r->engines[i].lang, lang) == 0)
            return r->engines[i].api;
    if (r->nengines == MAX_ENGINES) {
        /* reuse the oldest slot: more languages than this is unusual */
        TessBaseAPIEnd(r->engines[0].api);
        TessBaseAPIDelete(r->engines[0].api);
        memmove(r->engines, r->engines + 1, sizeof r->engines[0] * (MAX_ENGINES - 1));
        r->nengines--;
    }
    api = TessBaseAPICreate();
    if (!api) {
        fo_error_set(err, FO_ERR_NOMEM, "out of memory starting tesseract");
        return NULL;
    }
    if (TessBaseAPIInit2(api, r->tessdata, lang, OEM_LSTM_ONLY) != 0) {
        TessBaseAPIDelete(api);
        fo_error_set(err, FO_ERR_OCR, "tesseract cannot load language \"%s\" (is "
                     "tesseract-ocr-%s installed, or --tessdata right?)", lang, lang);
        return NULL;
    }
    /* Tesseract's own chatter ("Empty page!!") would reach our stderr. */
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    snprintf(r->engines[r->nengines].lang, sizeof r->engines[0].lang, "%s", lang);
    r->engines[r->nengines].api = api;
    r->nengines++;
    return api;
}

static const char *whitelist(const fo_field *f)
{
    if (f->charset)
        return f->charset;
    switch (f->type) {
    case FO_FIELD_INTEGER: return INTEGER_CHARS;
    case FO_FIELD_DECIMAL: return DECIMAL_CHARS;
    case FO_FIELD_DATE:
        return f->geometry == FO_GEOM_CELLS || f->comb ? DIGITS : DATE_CHARS;
    default: return "";
    }
}

/* One recognised character. */
typedef struct symbol {
    char text[8];        /* UTF-8 */
    double conf;
    int x0, x1;          /* horizontal extent in the image given */
    bool word_start, line_start;
} symbol;

/* Letters (with French accents and ligatures) and digits, as opposed to
 * punctuation and symbols. */
static bool is_alnum_utf8(const char *s)
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

/* Runs Tesseract on img and collects its symbols (*syms malloc'd). */
static int recognise(TessBaseAPI *api, PIX *img, TessPageSegMode psm,
                     const char *allowed, symbol **syms, int *nsyms, fo_error *err)
{
    TessResultIterator *it;
    int cap = 0;

    *syms = NULL;
    *nsyms = 0;
    TessBaseAPISetPageSegMode(api, psm);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", allowed);
    TessBaseAPISetImage2(api, img);
    TessBaseAPISetSourceResolution(api, FO_ZONE_DPI);
    if (TessBaseAPIRecognize(api, NULL) != 0) {
        TessBaseAPIClear(api);
        return fo_error_set(err, FO_ERR_OCR, "tesseract failed on a zone");
    }
    it = TessBaseAPIGetIterator(api);
    if (it) {
        const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst(it);
        do {
            char *t = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);
            int l, top, r, b;
            if (t && *t && strlen(t) < sizeof((*syms)->text)) {
                if (*nsyms == cap) {
                    symbol *grown = realloc(*syms, sizeof **syms * (size_t)(cap = cap ? 2 * cap : 32));
                    if (!grown) {
                        TessDeleteText(t);
                        TessResultIteratorDelete(it);
                        TessBaseAPIClear(api);
                        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                    }
                    *syms = grown;
                }
                symbol *sy = &(*syms)[(*nsyms)++];
                memset(sy, 0, sizeof *sy);
                strcpy(sy->text, t);
                sy->conf = TessResultIteratorConfidence(it, RIL_SYMBOL);
                sy->word_start = TessPageIteratorIsAtBeginningOf(pit, RIL_WORD);
                sy->line_start = TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE);
                if (TessPageIteratorBoundingBox(pit, RIL_SYMBOL, &l, &top, &r, &b)) {
                    sy->x0 = l;
                    sy->x1 = r;
                }
            }
            TessDeleteText(t);
        } while (TessResultIteratorNext(it, RIL_SYMBOL));
        TessResultIteratorDelete(it);
    }
    TessBaseAPIClear(api);
    return FO_OK;
}

/*
 * Drops the noise that reads as punctuation: a speck before a name reads as
 * a quote, the end of a rule as a bar, dust after it as a full stop.  At
 * either end of a line (form fields are names, places, numbers: they do not
 * begin or end with punctuation) every punctuation mark goes; at the edge of
 * a word inside a line, only weakly recognised ones (PUNCT_KEEP_CONF); inside
 * a word ("L'ÉGLISE", "SAINT-LÔ") they stay.
 */
static void drop_edge_noise(symbol *syms, int *n)
{
    bool dropped;
    do {
        int out = 0;
        dropped = false;
        for (int i = 0; i < *n; i++) {
            bool word_end = i + 1 == *n || syms[i + 1].word_start;
            bool line_end = i + 1 == *n || syms[i + 1].line_start;
            bool at_line_edge = syms[i].line_start || line_end || (i == 0);
            bool at_word_edge = syms[i].word_start || word_end;
            if (!is_alnum_utf8(syms[i].text) &&
                (at_line_edge || (at_word_edge && syms[i].conf < PUNCT_KEEP_CONF))) {
                /* the next symbol inherits the word and line starts */
                if (i + 1 < *n && syms[i].word_start) {
                    syms[i + 1].line_start |= syms[i].line_start;
                    syms[i + 1].word_start = true;
                }
                dropped = true;
                continue;
            }
            syms[out++] = syms[i];
        }
        *n = out;
    } while (dropped); /* "- ." at a line's end goes mark by mark */
}

/* Characters that one typeface draws alike: when the whitelist allows both
 * of a pair, the reading of either is a coin toss for the OCR (the word
 * around it does not help in a serial number).  See resolve_lookalikes. */
static const char *const LOOKALIKES[] = {"0O", "1I", NULL};
/* Pairs one OCR model confuses in poor scans: used only where the field's
 * pattern can settle them (a 2A département read 24). */
static const char *const PATTERN_LOOKALIKES[] = {"4A", "8B", "5S", "2Z", "6G", NULL};
enum { MAX_LOOKALIKES = 12 }; /* 2^12 pattern tries at most */
/* Punctuation a speck or a fold reads as: not written in names, places or
 * numbers unless the field's charset says so. */
static const char *const SUSPECT_PUNCT[] = {".", ",", ":", ";", "|", "\u2018", "\u2019",
                                            "\u201C", "\u201D", "\"", "`", "^", "~",
                                            "_", "\u00B0", "*", NULL};

/* The confidence a symbol keeps, given what the field allows. */
static double capped_confidence(const symbol *sy, const char *allowed)
{
    double conf = sy->conf;
    for (const char *const *p = SUSPECT_PUNCT; *p; p++)
        if (strcmp(sy->text, *p) == 0 && !(*allowed && strstr(allowed, *p)))
            conf = fmin(conf, DOUBTFUL_CONF);
    return conf;
}

/* Text of the symbols: words separated by a space, lines by '\n'; the
 * confidence is the weakest symbol's. */
static char *symbols_text(const symbol *syms, int n, const char *allowed,
                          double *confidence)
{
    size_t len = 1;
    char *text, *p;
    *confidence = n > 0 ? 100 : 0;
    for (int i = 0; i < n; i++)
        len += strlen(syms[i].text) + 1;
    text = p = malloc(len);
    if (!text)
        return NULL;
    for (int i = 0; i < n; i++) {
        /* a hyphen joins words: Tesseract spaces it off in wide typefaces
         * ("SOUS -PRÉFECTURE", "CHÂLONS - EN - CHAMPAGNE") */
        bool hyphen = strcmp(syms[i].text, "-") == 0 ||
                      (i > 0 && strcmp(syms[i - 1].text, "-") == 0);
        if (i > 0 && syms[i].line_start)
            *p++ = '\n';
        else if (i > 0 && syms[i].word_start && !hyphen)
            *p++ = ' ';
        p += sprintf(p, "%s", syms[i].text);
        *confidence = fmin(*confidence, capped_confidence(&syms[i], allowed));
    }
    *p = '\0';
    return text;
}

/* An image as Tesseract reads it best: with some white around it. */
static PIX *for_tesseract(PIX *crop)
{
    return pixAddBorder(crop, OCR_PAD, 255);
}

/* The zone's clean grey image cut to the written ink of `mask` (NULL: all
 * the zone's ink), everything else white, with some air: Tesseract reads a
 * line best when given just the line.  NULL when there is no ink. */
static PIX *ink_crop(const fo_zone *z, PIX *mask)
{
    BOX *bb = NULL;
    PIX *only = NULL, *crop = NULL, *padded = NULL;
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
        padded = crop ? for_tesseract(crop) : NULL;
    }
    boxDestroy(&bb);
    pixDestroy(&only);
    pixDestroy(&crop);
    return padded;
}

/* Whether the field may hold a 0 ("": any character). */
static bool zero_allowed(const char *allowed)
{
    return !*allowed || strchr(allowed, '0');
}

/* A character read 6, 8 or 9 that the ink of its glyph says is a zero
 * drawn with a dot or a bar inside (see glyph.h) becomes 0, flagged when
 * only likely. */
static void mend_zero(PIX *glyph, const char *allowed, char *ch, double *conf)
{
    if (ch[0] && ch[1] == '\0' && strchr("689", ch[0]) && zero_allowed(allowed)) {
        fo_zero_shape shape = fo_glyph_zero_shape(glyph, INK_LEVEL);
        if (shape != FO_NOT_ZERO)
            ch[0] = '0';
        if (shape == FO_ZERO_OVAL)
            *conf = fmin(*conf, DOUBTFUL_CONF);
    }
}

/*
 * The zeros of a line (see mend_zero) in a number: a digit next to another
 * digit, its glyph cut from the line at the symbol's columns.  On 500
 * generated pages, 2 such zeros in lines and none of 580 other 6, 8 and 9
 * in numbers were taken for one.
 */
static void mend_zeros(PIX *img, symbol *syms, int n, const char *allowed)
{
    for (int k = 0; k < n; k++) {
        bool after = k > 0 && !syms[k].word_start && isdigit((unsigned char)syms[k - 1].text[0]);
        bool before = k + 1 < n && !syms[k + 1].word_start &&
                      isdigit((unsigned char)syms[k + 1].text[0]);
        BOX *b;
        PIX *glyph;
        if (!strchr("689", syms[k].text[0]) || !syms[k].text[0] || !(after || before) ||
            syms[k].x1 <= syms[k].x0)
            continue;
        b = boxCreate(syms[k].x0, 0, syms[k].x1 - syms[k].x0, pixGetHeight(img));
        glyph = b ? pixClipRectangle(img, b, NULL) : NULL;
        if (glyph)
            mend_zero(glyph, allowed, syms[k].text, &syms[k].conf);
        pixDestroy(&glyph);
        boxDestroy(&b);
    }
}

/* Reads the text of an image: *text malloc'd ("" when nothing is read);
 * its symbols too when syms_out is not NULL (the caller frees them). */
static int ocr_image(TessBaseAPI *api, PIX *img, TessPageSegMode psm,
                     const char *allowed, char **text, double *confidence,
                     symbol **syms_out, int *nsyms_out, fo_error *err)
{
    symbol *syms = NULL;
    int n = 0, rc = recognise(api, img, psm, allowed, &syms, &n, err);
    *text = NULL;
    if (rc == FO_OK) {
        drop_edge_noise(syms, &n);
        mend_zeros(img, syms, n, allowed);
        *text = symbols_text(syms, n, allowed, confidence);
        if (!*text)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    if (rc == FO_OK && syms_out) {
        *syms_out = syms;
        *nsyms_out = n;
    } else {
        free(syms);
    }
    return rc;
}

/* The letters and digits of syms[a..b), punctuation and spaces left out
 * (a word read alone loses the punctuation at its edges). */
static void alnum_only(const symbol *syms, int a, int b, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = a; i < b; i++) {
        size_t l = strlen(syms[i].text);
        if (is_alnum_utf8(syms[i].text) && len + l < size) {
            memcpy(out + len, syms[i].text, l + 1);
            len += l;
        }
    }
}

/* Whether a word of the first reading is to be checked by a second one:
 * it has a letter outside ASCII (accents are the model's commonest
 * confusion: É, Ë, È) or a confidence that is not the highest. */
static bool word_needs_second_reading(const symbol *syms, int a, int b, const char *allowed)
{
    for (int i = a; i < b; i++) {
        if (capped_confidence(&syms[i], allowed) < SECOND_READ_BELOW)
            return true;
        for (const char *p = syms[i].text; *p; p++)
            if ((unsigned char)*p >= 0x80)
                return true;
    }
    return false;
}

/* No byte of s is beyond ASCII. */
static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
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
static int word_cut(const int *cols, int w, const symbol *last, const symbol *first)
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

/*
 * Tesseract's confidence does not tell its mistakes from its right
 * readings; two readings of the same ink at two sizes disagree where the
 * model hesitates.  The words of a line that need it (see above) are read
 * again, alone, at SECOND_SCALE, a run of such words at once: *disagree
 * when a second reading's letters differ from the first's.
 */
static int second_reading(TessBaseAPI *api, PIX *img, const symbol *syms, int n,
                          const char *allowed, bool *disagree, fo_error *err)
{
    int w = pixGetWidth(img), h = pixGetHeight(img), rc = FO_OK;
    int *cols = NULL;

    *disagree = false;
    for (int a = 0; a < n && rc == FO_OK && !*disagree;) {
        int b = a + 1, end;
        while (b < n && !syms[b].word_start)
            b++;
        if (!word_needs_second_reading(syms, a, b, allowed)) {
            a = b;
            continue;
        }
        /* take the following words that need it too */
        for (end = b; end < n;) {
            int next = end + 1;
            while (next < n && !syms[next].word_start)
                next++;
            if (!word_needs_second_reading(syms, end, next, allowed))
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
            PIX *padded = small ? for_tesseract(small) : NULL;
            symbol *again = NULL;
            int nagain = 0;
            char *text = NULL, first[256], second[256];
            double conf;
            if (!padded)
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            else
                rc = ocr_image(api, padded, PSM_SINGLE_LINE, allowed, &text, &conf, &again,
                               &nagain, err);
            if (rc == FO_OK) {
                alnum_only(syms, a, end, first, sizeof first);
                alnum_only(again, 0, nagain, second, sizeof second);
                *disagree = strcmp(first, second) != 0;
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

static int ocr_zone(TessBaseAPI *api, const fo_zone *z, PIX *mask, TessPageSegMode psm,
                    const char *allowed, char **text, double *confidence, fo_error *err)
{
    PIX *img = ink_crop(z, mask);
    symbol *syms = NULL;
    int nsyms = 0, rc;
    bool disagree = false;

    *text = NULL;
    *confidence = 0;
    if (!img) {
        *text = fo_strdup("");
        return *text ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    rc = ocr_image(api, img, psm, allowed, text, confidence, &syms, &nsyms, err);
    if (rc == FO_OK && **text)
        rc = second_reading(api, img, syms, nsyms, allowed, &disagree, err);
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
                int d = mid < top[l] ? (top[l] - mid) / 2
                        : mid >= bottom[l] ? mid - bottom[l] + 1 : 0;
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

/* Confidence of a mark decided on fill against threshold. */
static double mark_confidence(double fill, double threshold)
{
    double r = fabs(log(fmax(fill, 1e-6) / threshold)) / log(MARK_CONFIDENT_RATIO);
    return 100.0 * fmin(1.0, r);
}

static int read_mark(const fo_zone_page *zp, fo_box box, double inset, double threshold,
                     bool *on, double *confidence, fo_error *err)
{
    fo_zone z;
    double fill;
    int rc = fo_zone_extract(zp, box, &z, err);
    if (rc != FO_OK)
        return rc;
    fill = fo_zone_written_fill(&z, inset);
    fo_zone_free(&z);
    *on = fill >= threshold;
    *confidence = mark_confidence(fill, threshold);
    return FO_OK;
}

/* Appends s to the growing string *buf (malloc'd). */
static int append(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *grown = realloc(*buf, *len + n + 1);
    if (!grown)
        return FO_ERR_NOMEM;
    memcpy(grown + *len, s, n + 1);
    *buf = grown;
    *len += n;
    return FO_OK;
}

/* One zone of text: empty, or read as a line or a block. */
static int read_text_zone(TessBaseAPI *api, const fo_zone_page *zp, fo_box box,
                          TessPageSegMode psm, const char *allowed, char **text,
                          double *confidence, bool *unread, fo_error *err)
{
    fo_zone z;
    int rc = fo_zone_extract(zp, box, &z, err);
    *text = NULL;
    *confidence = 100;
    if (rc != FO_OK)
        return rc;
    if (z.ink_pixels < EMPTY_INK) {
        fo_zone_free(&z);
        *text = fo_strdup("");
        return *text ? FO_OK : fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    if (psm == PSM_RAW_LINE && z.box_h >= BLOCK_MIN_HEIGHT) {
        /* a box that holds several lines: each is read as a line, which
         * Tesseract does better than a block */
        PIX *masks[MAX_BAND_LINES] = {NULL};
        int n = split_lines(&z, masks, MAX_BAND_LINES);
        size_t len = 0;
        *text = fo_strdup("");
        for (int i = 0; i < n && rc == FO_OK && *text; i++) {
            char *line = NULL;
            double conf;
            if (!masks[i]) {
                rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                break;
            }
            rc = ocr_zone(api, &z, masks[i], PSM_RAW_LINE, allowed, &line, &conf, err);
            if (rc == FO_OK && *line) {
                if ((len > 0 && append(text, &len, "\n") != FO_OK) ||
                    append(text, &len, line) != FO_OK)
                    rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                *confidence = fmin(*confidence, conf);
            }
            free(line);
        }
        for (int i = 0; i < n; i++)
            pixDestroy(&masks[i]);
        if (rc == FO_OK && !*text)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    } else {
        rc = ocr_zone(api, &z, NULL, psm, allowed, text, confidence, err);
    }
    fo_zone_free(&z);
    if (rc == FO_OK && **text == '\0')
        *unread = true;
    return rc;
}

/* The box of cell i of a cells or comb field, template px. */
static fo_box cell_box(const fo_field *f, int i, int ncells)
{
    fo_box cell = f->boxes[f->geometry == FO_GEOM_CELLS ? i : 0];
    if (f->geometry != FO_GEOM_CELLS) {
        /* comb: N equal cells across the box */
        int x0 = cell.x + (int)lround((double)cell.w * i / ncells);
        int x1 = cell.x + (int)lround((double)cell.w * (i + 1) / ncells);
        cell.x = x0;
        cell.w = x1 - x0;
    }
    return cell;
}

/* The written character of a cell: the clean grey of the cell's rows, cut
 * to the ink's columns (rows are kept whole so that characters keep their
 * height on the line they are put on). */
static PIX *cell_crop(const fo_zone *z)
{
    BOX *inner = boxCreate(z->margin, z->margin, z->box_w, z->box_h), *bb = NULL;
    PIX *ink = inner ? pixClipRectangle(z->ink, inner, NULL) : NULL, *crop = NULL;
    l_int32 x, w;
    if (ink && pixClipToForeground(ink, NULL, &bb) == 0 && bb) {
        boxGetGeometry(bb, &x, NULL, &w, NULL);
        boxSetGeometry(bb, z->margin + x, z->margin, w, z->box_h);
        crop = pixClipRectangle(z->clean, bb, NULL);
    }
    boxDestroy(&inner);
    boxDestroy(&bb);
    pixDestroy(&ink);
    return crop;
}

/* The one character Tesseract sees in a lone cell, PSM_SINGLE_CHAR: the
 * fallback when the cell's character was not found on the assembled line. */
static int read_lone_cell(TessBaseAPI *api, PIX *crop, const char *allowed, char *ch,
                          double *conf, fo_error *err)
{
    PIX *padded = for_tesseract(crop);
    symbol *syms = NULL;
    int n = 0, rc;
    ch[0] = '\0';
    *conf = 0;
    if (!padded)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = recognise(api, padded, PSM_SINGLE_CHAR, allowed, &syms, &n, err);
    pixDestroy(&padded);
    if (rc == FO_OK && n >= 1) {
        int best = 0;
        for (int k = 1; k < n; k++)
            if (syms[k].conf > syms[best].conf)
                best = k;
        strcpy(ch, syms[best].text);
        /* several characters where one is written: not to be trusted */
        *conf = capped_confidence(&syms[best], allowed);
        if (n > 1)
            *conf = fmin(*conf, AMBIGUOUS_CELL_CONF);
    }
    free(syms);
    return rc;
}

/* Gives each symbol read on the line to the cell its centre lies in:
 * hits[i] counts them, found[i] is the first. */
static void assign_to_cells(const symbol *syms, int nsyms, PIX **crops, const int *x0,
                            const int *x1, int ncells, int *hits, symbol *found)
{
    for (int k = 0; k < nsyms; k++) {
        int centre = (syms[k].x0 + syms[k].x1) / 2;
        for (int i = 0; i < ncells; i++)
            if (crops[i] && centre >= x0[i] - CELL_GAP / 2 && centre < x1[i] + CELL_GAP / 2) {
                if (hits[i]++ == 0)
                    found[i] = syms[k];
                break;
            }
    }
}

static char lookalike_of(char c, const char *allowed, bool with_pattern);

/* Whether the field's pattern can still match a value that begins with
 * s[0..n) (PCRE2's partial matching).  Not PCRE2_ENDANCHORED: with it,
 * PCRE2 10.42 reported no partial match for such prefixes, and no cell was
 * repaired (measured); the whole value meets the pattern, end anchored,
 * in resolve_lookalikes and the check stage. */
static bool pattern_viable(const fo_field *f, const char *s, size_t n, pcre2_match_data *md)
{
    int rc = pcre2_match((const pcre2_code *)f->pattern_code, (PCRE2_SPTR)s, n, 0,
                         PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, md, NULL);
    return rc >= 0 || rc == PCRE2_ERROR_PARTIAL;
}

/*
 * The cells of a field with a pattern, checked one by one against it from
 * the left: the characters the pattern allows at a place, after what is
 * before it, are found by partial matching (a passport number's third
 * character must be a letter).  A cell whose character is not one of them
 * is read again alone, allowed only those; a cell whose character has a
 * look-alike that the pattern allows there as well (2A or 24 in a Corsican
 * identity card number) is read again alone, allowed only the two.  A
 * character changed so is flagged (it is a repair), unless it is the close
 * look-alike of the one read (0 read where the pattern wants a letter and
 * O read alone: as resolve_lookalikes, the pattern settles that).
 */
static int recheck_cells(TessBaseAPI *api, const fo_field *f, const char *allowed,
                         PIX **crops, fo_reading *out, fo_error *err)
{
    size_t ncells = strlen(out->raw), nallowed = strlen(allowed), n = 0;
    char *s = malloc(ncells + 1), *set = malloc(nallowed + 1);
    int *cell = malloc(sizeof *cell * (ncells + 1)), rc = FO_OK;
    pcre2_match_data *md =
        pcre2_match_data_create_from_pattern((const pcre2_code *)f->pattern_code, NULL);

    if (!s || !set || !cell || !md) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < ncells; i++)
        if (out->raw[i] != ' ') {
            s[n] = out->raw[i];
            cell[n++] = (int)i;
        }
    for (size_t k = 0; k < n && rc == FO_OK; k++) {
        char read = s[k], want[3] = "", ch[8];
        const char *ask = want;
        size_t m = 0;
        double conf;
        for (size_t j = 0; j < nallowed; j++) {
            s[k] = allowed[j];
            if (pattern_viable(f, s, k + 1, md))
                set[m++] = allowed[j];
        }
        set[m] = '\0';
        s[k] = read;
        if (m == 0 || !crops[cell[k]])
            break;
        if (!strchr(set, read)) {
            ask = set;
        } else {
            char other = lookalike_of(read, allowed, true);
            if (other && strchr(set, other)) {
                want[0] = read;
                want[1] = other;
            }
        }
        if (!*ask)
            continue;
        rc = read_lone_cell(api, crops[cell[k]], ask, ch, &conf, err);
        if (rc == FO_OK && ch[0] && !ch[1] && strchr(ask, ch[0]) && ch[0] != read) {
            s[k] = out->raw[cell[k]] = ch[0];
            /* 0 for O where a letter must be: the pattern settles it */
            if (ch[0] != lookalike_of(read, allowed, false))
                out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
        } else if (!strchr(set, read)) {
            break; /* nothing after it can be judged */
        }
    }
out:
    free(s);
    free(set);
    free(cell);
    pcre2_match_data_free(md);
    return rc;
}

/*
 * A cells or comb field, one character per cell.  Tesseract's LSTM reads a
 * lone character poorly and each call has a fixed cost, so the written
 * cells are put side by side, evenly spaced, on one line that is read at
 * once; each character found is given back to the cell it lies in.  A cell
 * that gets no character, or several, is read again on its own.
 */
static int read_cells(TessBaseAPI *api, const fo_zone_page *zp, const fo_field *f,
                      fo_reading *out, fo_error *err)
{
    const int ncells = f->geometry == FO_GEOM_CELLS ? f->nboxes : f->comb;
    const char *allowed = whitelist(f);
    PIX **crops = calloc((size_t)ncells, sizeof *crops), *line = NULL;
    int *x0 = calloc((size_t)ncells, sizeof *x0), *x1 = calloc((size_t)ncells, sizeof *x1);
    int *hits = calloc((size_t)ncells, sizeof *hits);
    symbol *syms = NULL, *found = calloc((size_t)ncells, sizeof *found);
    int nsyms = 0, width = CELL_GAP, height = 0, rc = FO_OK;
    size_t len = 0;

    out->raw = fo_strdup("");
    out->confidence = 100;
    if (!crops || !x0 || !x1 || !hits || !found || !out->raw) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < ncells; i++) {
        fo_zone z;
        rc = fo_zone_extract(zp, cell_box(f, i, ncells), &z, err);
        if (rc != FO_OK)
            goto out;
        if (z.ink_pixels >= EMPTY_CELL_INK)
            crops[i] = cell_crop(&z);
        fo_zone_free(&z);
        if (crops[i]) {
            x0[i] = width;
            x1[i] = width + pixGetWidth(crops[i]);
            width = x1[i] + CELL_GAP;
            height = (int)fmax(height, pixGetHeight(crops[i]));
        }
    }
    if (height > 0) {
        line = pixCreate(width, height + 2 * OCR_PAD, 8);
        if (!line) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto out;
        }
        pixSetAll(line);
        for (int i = 0; i < ncells; i++)
            if (crops[i])
                pixRasterop(line, x0[i], OCR_PAD, x1[i] - x0[i], pixGetHeight(crops[i]),
                            PIX_SRC, crops[i], 0, 0);
        rc = recognise(api, line, PSM_RAW_LINE, allowed, &syms, &nsyms, err);
        if (rc != FO_OK)
            goto out;
        assign_to_cells(syms, nsyms, crops, x0, x1, ncells, hits, found);
    }
    for (int i = 0; i < ncells && rc == FO_OK; i++) {
        char ch[8] = " ";
        double conf = 100;
        if (crops[i] && hits[i] == 1) {
            strcpy(ch, found[i].text);
            conf = capped_confidence(&found[i], allowed);
            mend_zero(crops[i], allowed, ch, &conf);
        } else if (crops[i]) {
            rc = read_lone_cell(api, crops[i], allowed, ch, &conf, err);
            if (rc == FO_OK && ch[0] == '\0' && zero_allowed(allowed) &&
                fo_glyph_zero_shape(crops[i], INK_LEVEL) == FO_ZERO_MARKED) {
                /* Tesseract can see nothing in a dotted zero alone */
                strcpy(ch, "0");
                conf = DOUBTFUL_CONF;
            } else if (rc == FO_OK && ch[0] == '\0') {
                /* ink, but no character: say so rather than guess */
                strcpy(ch, "?");
                out->unread = true;
                conf = 0;
            } else if (rc == FO_OK) {
                mend_zero(crops[i], allowed, ch, &conf);
            }
        }
        if (rc == FO_OK && append(&out->raw, &len, ch) != FO_OK)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        if (crops[i])
            out->confidence = fmin(out->confidence, conf);
    }
    if (rc == FO_OK && f->pattern_code && *allowed && strlen(out->raw) == (size_t)ncells &&
        ascii_only(allowed))
        rc = recheck_cells(api, f, allowed, crops, out, err);
out:
    for (int i = 0; crops && i < ncells; i++)
        pixDestroy(&crops[i]);
    free(crops);
    free(x0);
    free(x1);
    free(hits);
    free(found);
    free(syms);
    pixDestroy(&line);
    return rc;
}

static int read_text_raw(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                         fo_reading *out, fo_error *err);

/* The other member of c's look-alike pair when allowed allows both, else 0;
 * with_pattern adds the pairs only a pattern can settle. */
static char lookalike_of(char c, const char *allowed, bool with_pattern)
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

/* value with its blanks removed, as the check stage will see a comb's. */
static bool pattern_matches(const fo_field *f, const char *raw, char *buf,
                            pcre2_match_data *md)
{
    size_t n = 0;
    for (const char *p = raw; *p; p++)
        if (*p != ' ')
            buf[n++] = *p;
    buf[n] = '\0';
    return pcre2_match((const pcre2_code *)f->pattern_code, (PCRE2_SPTR)buf, n, 0,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL) >= 0;
}

typedef struct lookalike_trial {
    const fo_field *f;
    const char *allowed;
    char *trial, *buf, *best;
    pcre2_match_data *md;
} lookalike_trial;

/* How many ways of reading the look-alikes at pos[0..k) (the other member
 * of each pair, or as read) fit the pattern, up to 2; the first is left in
 * t->best. */
static int count_fits(lookalike_trial *t, const char *raw, const int *pos, int k)
{
    size_t len = strlen(raw);
    int fits = 0;
    memcpy(t->trial, raw, len + 1);
    for (unsigned mask = 0; mask < 1u << k && fits < 2; mask++) {
        for (int j = 0; j < k; j++) {
            char c = raw[pos[j]];
            t->trial[pos[j]] = mask & (1u << j) ? lookalike_of(c, t->allowed, true) : c;
        }
        if (pattern_matches(t->f, t->trial, t->buf, t->md) && fits++ == 0)
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
static int resolve_lookalikes(const fo_field *f, const char *allowed, fo_reading *out)
{
    int close[MAX_LOOKALIKES], loose[MAX_LOOKALIKES], nclose = 0, nloose = 0, fits;
    size_t len = strlen(out->raw);
    lookalike_trial t = {f, allowed, NULL, NULL, NULL, NULL};

    if (!*allowed || !*out->raw)
        return FO_OK;
    for (size_t i = 0; i < len; i++) {
        if (lookalike_of(out->raw[i], allowed, false)) {
            if (nclose == MAX_LOOKALIKES || !f->pattern_code) {
                out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
                return FO_OK;
            }
            close[nclose++] = (int)i;
        } else if (f->pattern_code && nloose < MAX_LOOKALIKES &&
                   lookalike_of(out->raw[i], allowed, true)) {
            loose[nloose++] = (int)i;
        }
    }
    if (!f->pattern_code || (nclose == 0 && nloose == 0))
        return FO_OK;
    t.trial = malloc(len + 1);
    t.buf = malloc(len + 1);
    t.best = malloc(len + 1);
    t.md = pcre2_match_data_create_from_pattern((const pcre2_code *)f->pattern_code, NULL);
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

static int read_text(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                     fo_reading *out, fo_error *err)
{
    int rc = read_text_raw(r, zp, f, out, err);
    if (rc == FO_OK && resolve_lookalikes(f, whitelist(f), out) != FO_OK)
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    return rc;
}

static int read_text_raw(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                         fo_reading *out, fo_error *err)
{
    TessBaseAPI *api = engine_for(r, f->lang ? f->lang : zp->tpl->lang, err);
    size_t len = 0;
    int rc = FO_OK;

    if (!api)
        return err ? err->code : FO_ERR_OCR;
    if (f->geometry == FO_GEOM_CELLS || f->comb > 0)
        return read_cells(api, zp, f, out, err);
    out->confidence = 100;
    out->raw = fo_strdup("");
    if (!out->raw)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->nboxes && rc == FO_OK; i++) {
        char *text = NULL;
        double conf;
        rc = read_text_zone(api, zp, f->boxes[i], PSM_RAW_LINE, whitelist(f), &text,
                            &conf, &out->unread, err);
        if (rc != FO_OK)
            break;
        if ((i > 0 && append(&out->raw, &len, "\n") != FO_OK) ||
            append(&out->raw, &len, text) != FO_OK)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        if (*text)
            out->confidence = fmin(out->confidence, conf);
        free(text);
    }
    return rc;
}

static int read_choice(const fo_zone_page *zp, const fo_field *f, fo_reading *out,
                       fo_error *err)
{
    size_t len = 0;
    int rc = FO_OK;
    out->raw = fo_strdup("");
    out->confidence = 100;
    if (!out->raw)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->noptions && rc == FO_OK; i++) {
        bool on;
        double conf;
        rc = read_mark(zp, f->options[i].box, CHECKBOX_INSET, CHECKBOX_FILL, &on, &conf,
                       err);
        if (rc != FO_OK)
            break;
        out->confidence = fmin(out->confidence, conf);
        if (on && ((len > 0 && append(&out->raw, &len, ",") != FO_OK) ||
                   append(&out->raw, &len, f->options[i].name) != FO_OK))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    return rc;
}

int fo_read_field(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                  fo_reading *out, fo_error *err)
{
    bool on;
    int rc;

    memset(out, 0, sizeof *out);
    switch (f->type) {
    case FO_FIELD_CHECKBOX:
    case FO_FIELD_SIGNATURE:
        if (f->type == FO_FIELD_CHECKBOX)
            rc = read_mark(zp, f->boxes[0], CHECKBOX_INSET, CHECKBOX_FILL, &on,
                           &out->confidence, err);
        else
            rc = read_mark(zp, f->boxes[0], SIGNATURE_INSET, SIGNATURE_FILL, &on,
                           &out->confidence, err);
        if (rc == FO_OK && !(out->raw = fo_strdup(on ? "1" : "0")))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        break;
    case FO_FIELD_CHOICE:
        rc = read_choice(zp, f, out, err);
        break;
    default:
        rc = read_text(r, zp, f, out, err);
        break;
    }
    if (rc != FO_OK)
        fo_reading_free(out);
    return rc;
}

void fo_reading_free(fo_reading *r)
{
    if (r) {
        free(r->raw);
        r->raw = NULL;
    }
}

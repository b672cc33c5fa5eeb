/* cell.c - combs and cells: one character a cell, read side by side on
 * one line, and checked against the field's pattern (see read_internal.h). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"
#include "glyph.h"
#include "pattern.h"
#include "read_internal.h"
#include "strbuf.h"
#include "util.h"

/* Handprint in a comb (see heights_vary); it is ok only from
 * HAND_MIN_CONFIDENCE, every cell read alone agreeing. */
enum { HAND_CELL_STEP = 3, HAND_MIN_CELLS = 3 };

/* Confidence given at most to a cell where several characters were seen. */
static const double AMBIGUOUS_CELL_CONF = 50.0;

/* No byte of s is beyond ASCII. */
static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
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
 * height on the line they are put on); *ink_h the height of its ink, px;
 * *dotted the same cut of the zone's `dotted` image, NULL when the zone
 * has none (the caller destroys both). */
static PIX *cell_crop(const fo_zone *z, int *ink_h, PIX **dotted)
{
    BOX *inner = boxCreate(z->margin, z->margin, z->box_w, z->box_h), *bb = NULL;
    PIX *ink = inner ? pixClipRectangle(z->ink, inner, NULL) : NULL, *crop = NULL;
    l_int32 x, w, h;
    *ink_h = 0;
    *dotted = NULL;
    if (ink && pixClipToForeground(ink, NULL, &bb) == 0 && bb) {
        boxGetGeometry(bb, &x, NULL, &w, &h);
        *ink_h = h;
        boxSetGeometry(bb, z->margin + x, z->margin, w, z->box_h);
        crop = pixClipRectangle(z->clean, bb, NULL);
        *dotted = z->dotted ? pixClipRectangle(z->dotted, bb, NULL) : NULL;
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
    PIX *padded = fo_ocr_pad(crop);
    fo_symbol *syms = NULL;
    int n = 0, rc;
    ch[0] = '\0';
    *conf = 0;
    if (!padded)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = fo_ocr_recognise(api, padded, PSM_SINGLE_CHAR, allowed, &syms, &n, err);
    pixDestroy(&padded);
    if (rc == FO_OK && n >= 1) {
        int best = 0;
        for (int k = 1; k < n; k++)
            if (syms[k].conf > syms[best].conf)
                best = k;
        strcpy(ch, syms[best].text);
        /* several characters where one is written: not to be trusted */
        *conf = fo_ocr_confidence(&syms[best], allowed);
        if (n > 1)
            *conf = fmin(*conf, AMBIGUOUS_CELL_CONF);
    }
    free(syms);
    return rc;
}

/* Gives each symbol read on the line to the cell its centre lies in:
 * hits[i] counts them, found[i] is the first. */
static void assign_to_cells(const fo_symbol *syms, int nsyms, PIX **crops,
                            const int *x0, const int *x1, int ncells, int *hits,
                            fo_symbol *found)
{
    for (int k = 0; k < nsyms; k++) {
        int centre = (syms[k].x0 + syms[k].x1) / 2;
        for (int i = 0; i < ncells; i++)
            if (crops[i] && centre >= x0[i] - CELL_GAP / 2 &&
                centre < x1[i] + CELL_GAP / 2) {
                if (hits[i]++ == 0)
                    found[i] = syms[k];
                break;
            }
    }
}

/* Whether the field's pattern can still match a value that begins with
 * s[0..n) (PCRE2's partial matching).  Not PCRE2_ENDANCHORED: with it,
 * PCRE2 10.42 reported no partial match for such prefixes, and no cell was
 * repaired (measured); the whole value meets the pattern, end anchored,
 * in resolve_lookalikes and the check stage. */
static bool pattern_viable(const fo_field *f, const char *s, size_t n,
                           pcre2_match_data *md)
{
    /* a limit hit says nothing: no repair is made on it */
    fo_pattern_result rc =
        fo_pattern_match(f, s, n, PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, md);
    return rc == FO_PATTERN_YES || rc == FO_PATTERN_PARTIAL;
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
            char other = fo_lookalike_of(read, allowed, true);
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
            if (ch[0] != fo_lookalike_of(read, allowed, false))
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

/* The kind of character s is, for heights_vary: 1 a digit, 2 a capital
 * that stands on the baseline, 0 anything else (J and Q reach below it in
 * some faces). */
static int height_kind(const char *s)
{
    if (s[0] >= '0' && s[0] <= '9' && !s[1])
        return 1;
    if (s[0] >= 'A' && s[0] <= 'Z' && s[0] != 'J' && s[0] != 'Q' && !s[1])
        return 2;
    return 0;
}

/* The median change of height from one cell to the next of heights[0..n)
 * (0s, empty cells, skipped), counting only steps between cells of the same
 * kind when kinds is not NULL (height_kind; cells of kind 0 skipped);
 * -1 with fewer than HAND_MIN_CELLS cells or no step.  steps: room for n. */
static int median_step(const int *heights, const int *kinds, int n, int *steps)
{
    int nsteps = 0, cells = 0;
    for (int kind = kinds ? 1 : 0; kind <= (kinds ? 2 : 0); kind++) {
        int prev = 0;
        for (int i = 0; i < n; i++) {
            if (heights[i] <= 0 || (kinds && kinds[i] != kind))
                continue;
            cells++;
            if (prev > 0)
                steps[nsteps++] = abs(heights[i] - prev);
            prev = heights[i];
        }
    }
    return cells >= HAND_MIN_CELLS && nsteps > 0 ? fo_median_int(steps, nsteps) : -1;
}

/*
 * Whether the characters of a comb were written by hand: a typeface draws
 * digits and capitals to one height, to a pixel; a hand does not.  The
 * median change of the ink's height (heights[i] of cell i, px at ZONE_DPI;
 * 0 for an empty cell) from one written cell to the next is HAND_CELL_STEP
 * px or more, over HAND_MIN_CELLS cells at least; and so it is from one
 * digit to the next digit and from one capital to the next (found[i] what
 * the line read in cell i, when hits[i] is 1): some faces draw digits
 * taller than capitals (FreeMono, 3 px at 200 dpi), and an identifier that
 * alternates them looked handwritten (with fewer than HAND_MIN_CELLS such
 * cells, the first rule alone).  Measured on the first rule alone: 7
 * of 1869 typed combs (held-out seed 2024 of make-samples.py) and 1 of 205
 * (make-corpus2.py, typed) go past it, 133 of 194 handwriting-font combs
 * with jitter (make-corpus2.py, hand).
 */
static bool heights_vary(const int *heights, const fo_symbol *found, const int *hits,
                         int ncells)
{
    int *steps = malloc(sizeof *steps * (size_t)(ncells + 1)),
        *kinds = malloc(sizeof *kinds * (size_t)(ncells + 1));
    bool vary = false;
    if (steps && kinds) {
        for (int i = 0; i < ncells; i++)
            kinds[i] = hits[i] == 1 ? height_kind(found[i].text) : 0;
        int by_kind = median_step(heights, kinds, ncells, steps);
        /* too few digits or capitals read (small letters, J, Q): the
         * first rule alone */
        vary = median_step(heights, NULL, ncells, steps) >= HAND_CELL_STEP &&
               (by_kind < 0 || by_kind >= HAND_CELL_STEP);
    }
    free(steps);
    free(kinds);
    return vary;
}

/* Digits drawn without a counter in print (fo_glyph_counters). */
static const char OPEN_DIGITS[] = "12357";

/* What a reader doubts in a comb (fo_reading.doubt). */
static const char *const CONTEXT_DOUBT =
    "a letter or a digit? read alone, a cell says otherwise";
static const char *const COUNTER_DOUBT =
    "a digit read in context where the ink closes a counter that digit has not";
static const char *const HAND_DOUBT =
    "handwriting: read alone, a cell says otherwise, or not read confidently enough";
static const char *const UNREAD_DOUBT =
    "a cell read alone gave no character: found on a second try";
/* The page's face (bank.h): a digit's mean chamfer distance to the page's
 * prototypes of it, px at 40 px tall.  This close, it is drawn as that
 * digit (the measured digits: 0.2 at most in eight faces of ten); this far,
 * it is not (0.39 at most measured; letters from 0.2).  Prototypes are cells
 * of digit-only combs read this confidently. */
static const double BANK_MATCH = 0.2;
static const double BANK_MISMATCH = 0.45;
/* This far from the page's prototypes of what the line read, a cell is read
 * alone, and what that says kept where the glyph lies this many times
 * nearer the prototypes of it (see confirm_context). */
static const double BANK_SAME = 0.1;
static const double NEARER = 1.5;
enum { BANK_MIN_CONF = 90 };
/* Characters a field without a charset may hold, for its look-alikes. */
static const char ALNUM[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* The letters of `allowed` (ASCII, not digits) into letters. */
static void letters_of(const char *allowed, char *letters, size_t size)
{
    size_t n = 0;
    for (const char *p = allowed; *p && n + 1 < size; p++)
        if ((unsigned char)*p < 0x80 && isalpha((unsigned char)*p))
            letters[n++] = *p;
    letters[n] = '\0';
}

void fo_digits_of(const char *allowed, char *digits)
{
    size_t n = 0;
    for (char d = '0'; d <= '9'; d++)
        if (strchr(allowed, d))
            digits[n++] = d;
    digits[n] = '\0';
}

/* Whether the field is typed in the page's face: one of its characters at
 * least is drawn as the bank's (a field typed in another face matches
 * none). */
static bool page_face(const fo_glyph_bank *bank, PIX **crops, PIX **dotted,
                      const int *hits, const char *raw, size_t ncells)
{
    for (size_t i = 0; i < ncells; i++) {
        double d =
            crops[i] && hits[i] == 1
                ? fo_glyph_bank_distance(bank, dotted[i] ? dotted[i] : crops[i], raw[i])
                : -1;
        if (d >= 0 && d <= BANK_MATCH)
            return true;
    }
    return false;
}

/* Whether a distance to the page's prototypes (fo_glyph_bank_distance) is
 * NEARER times less than another, both known (not -1). */
static bool clearly_nearer(double a, double b)
{
    return a >= 0 && b >= 0 && NEARER * a < b;
}

/*
 * Confirms the characters read in context.  Cells put side by side are
 * read as a line, and the LSTM reads a character in the light of its
 * neighbours: a clearly printed G after ten digits comes out 6, 99 %
 * confident; a round O among digits 0, a plain I 1, a J 3 or 9, an S 5.
 * First the page's own face is asked (bank.h), where the field is typed in
 * it: a cell read as a digit that is far from the page's prototypes of
 * that digit is a letter, read again alone, allowed only letters; where
 * the face marks its zeros, a zero is what has the mark and an O what has
 * none (and a marked glyph is a zero in any face).  A cell not drawn quite
 * as the page draws what the line read (BANK_SAME away or more) is read
 * alone, any character the field allows, and what that says is kept where
 * the glyph lies NEARER times nearer the page's prototypes of it: on the
 * 15 tuned typed seeds of make-corpus2.py, an S read 5 whose page had both
 * (0.10 to 0.15 from the S, 0.28 to 0.39 from the 5), an I read 7 or T,
 * an E read B: 10 fields came right, none went wrong.  Else a
 * character read on the line that has a look-alike the field also allows (see
 * fo_context_lookalikes) is read again alone, allowed only those, and its
 * glyph's shape is looked at (fo_glyph_choose).  Where the glyph lies
 * NEARER times nearer the page's prototypes of the line's reading than of
 * the other reading's, the line's stands (a FreeSerif 1 that its shape and
 * the reading alone took for an I).  The shape, where it says
 * one of them, settles the cell unless the reading alone, believed for
 * that pair (fo_context_alone_believed), names another; a 1 drawn with a
 * flag settles it even then (FreeSerif 1s read I alone, 86 to 92 % sure:
 * 7 cells on the 18 tuned typed seeds, none the other way); where the shape
 * says nothing, a reading alone that is believed settles it; else the
 * line's reading stands.  Any change or disagreement flags the field with
 * the reason, whatever is kept.  Before all this, a cell read as a digit
 * drawn without a counter whose ink closes one is misread: what it says
 * alone is kept, flagged.  In a handwritten field every cell is read
 * again alone, any character allowed, and only flags.  Fields with a
 * pattern are settled by it (recheck_cells) instead, and those with a check
 * digit or key by it (an 8 read B in a NIR fails its key): a lone cell is
 * read worse than a line, and 25 of 300 held-out NIRs, all right, were
 * flagged when these were confirmed too.
 */
static int confirm_context(TessBaseAPI *api, const char *allowed, bool hand,
                           PIX **crops, PIX **dotted, const fo_glyph_bank *bank,
                           const int *hits, fo_reading *out, fo_error *err)
{
    const char *pairs_of = *allowed ? allowed : ALNUM;
    size_t ncells = strlen(out->raw);
    bool face = !hand && bank && page_face(bank, crops, dotted, hits, out->raw, ncells);
    int zeros_marked = fo_glyph_bank_zeros_marked(bank), rc = FO_OK;
    char letters[128], digits[11];
    letters_of(pairs_of, letters, sizeof letters);
    fo_digits_of(pairs_of, digits);
    for (size_t i = 0; i < ncells && rc == FO_OK; i++) {
        char c = out->raw[i], set[8], ch[8], alone = 0, shape = 0, keep = c, near = 0;
        PIX *drawn = dotted[i] ? dotted[i] : crops[i];
        bool believed;
        double conf, own;
        if (!crops[i] || hits[i] != 1 || c == ' ' || c == '?' ||
            (unsigned char)c >= 0x80 || (hand && out->doubt))
            continue;
        if (hand) {
            rc = read_lone_cell(api, crops[i], allowed, ch, &conf, err);
            if (rc == FO_OK && (ch[0] != c || ch[1])) {
                out->doubt = HAND_DOUBT;
                out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
            }
            continue;
        }
        if (strchr(OPEN_DIGITS, c) && fo_glyph_counters(crops[i], INK_LEVEL) > 0) {
            /* a digit drawn without a counter, read where the ink closes
             * one (a 9 read 2, a 6 read 5, at a postal code's start, ok):
             * what the cell alone says, flagged */
            rc = read_lone_cell(api, crops[i], pairs_of, ch, &conf, err);
            if (rc == FO_OK && ch[0] && !ch[1] && ch[0] != c && strchr(pairs_of, ch[0]))
                out->raw[i] = ch[0];
            out->doubt = COUNTER_DOUBT;
            out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
            continue;
        }
        if ((c == '0' || c == 'O') && strchr(pairs_of, '0')) {
            bool marked = fo_glyph_zero_shape(drawn, INK_LEVEL) == FO_ZERO_MARKED;
            if (marked || (face && zeros_marked == 1 && strchr(pairs_of, 'O'))) {
                out->raw[i] = marked ? '0' : 'O';
                if (out->raw[i] != c) {
                    out->doubt = CONTEXT_DOUBT;
                    out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
                }
                continue;
            }
        }
        own = -1;
        near = face ? fo_glyph_bank_weigh(bank, drawn, pairs_of, c, &own) : 0;
        if (near && near != 'I' &&
            (isupper((unsigned char)c) || isdigit((unsigned char)c)) &&
            !isdigit((unsigned char)near) != !isdigit((unsigned char)c)) {
            /* drawn as the page draws a character of the other kind (a
             * digit for a letter, a letter for a digit: what the LSTM
             * confuses in context): that one.  Within a kind the bank
             * says nothing, nor for an I, a bare stem: a serif J lies as
             * near a face's I as an I does (a 1 read for a J, made an I) */
            out->raw[i] = near;
            out->doubt = CONTEXT_DOUBT;
            out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
            continue;
        }
        if (face && !near && *(isdigit((unsigned char)c) ? letters : digits) &&
            own >= BANK_MISMATCH) {
            /* not drawn as the page draws c: a character of the other kind
             * (a letter for a digit, a digit for a letter), as the shape
             * says among c's look-alikes or else as read alone (Tesseract
             * sees nothing in a plain I); failing both, c's look-alikes
             * are weighed below as for any cell (a J read I) */
            const char *kind = isdigit((unsigned char)c) ? letters : digits;
            char like[8];
            size_t n = 0;
            rc = read_lone_cell(api, crops[i], kind, ch, &conf, err);
            fo_context_lookalikes(c, pairs_of, set);
            for (const char *p = set + 1; *p; p++)
                if (strchr(kind, *p))
                    like[n++] = *p;
            like[n] = '\0';
            /* the shape first, where it names a look-alike of c: alone,
             * a round O among digits was read Q (3 cells of the 18 tuned
             * typed seeds, the shape right each time) */
            if (rc == FO_OK && n > 0 &&
                (shape = fo_glyph_choose(crops[i], INK_LEVEL, like)))
                out->raw[i] = shape;
            else if (rc == FO_OK && ch[0] && !ch[1] && strchr(kind, ch[0]))
                out->raw[i] = ch[0];
            out->doubt = CONTEXT_DOUBT;
            out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
            if (rc != FO_OK || out->raw[i] != c)
                continue;
            shape = 0; /* nothing of the other kind: c's look-alikes */
        }
        if (face && own > BANK_SAME) {
            /* not drawn quite as the page's c: read alone, any character
             * the field allows, and the page's prototypes of what that
             * says weighed against c's */
            char other;
            rc = read_lone_cell(api, crops[i], pairs_of, ch, &conf, err);
            if (rc != FO_OK)
                break;
            other = ch[0] && !ch[1] && ch[0] != c ? ch[0] : 0;
            if (other &&
                clearly_nearer(fo_glyph_bank_distance(bank, drawn, other), own)) {
                out->raw[i] = other;
                out->doubt = CONTEXT_DOUBT;
                out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
                continue;
            }
        }
        keep = c;
        fo_context_lookalikes(c, pairs_of, set);
        if (!set[1])
            continue;
        rc = read_lone_cell(api, crops[i], set, ch, &conf, err);
        if (rc != FO_OK)
            break;
        if (ch[0] && !ch[1] && strchr(set, ch[0]))
            alone = ch[0];
        shape = fo_glyph_choose(crops[i], INK_LEVEL, set);
        /* the pair at stake: the line's and the other reading alone, or,
         * the two readings agreeing, the line's and the shape's */
        believed = alone && fo_context_alone_believed(c, alone != c ? alone
                                                         : shape    ? shape
                                                                    : c);
        if (near == c || fo_glyph_bank_same(own, c, pairs_of) ||
            (face && (alone != c || shape) &&
             clearly_nearer(
                 own, fo_glyph_bank_distance(bank, drawn, alone != c ? alone : shape))))
            keep = c; /* drawn as the page's own: the others only flag */
        else if (shape && (!alone || alone == shape || !believed || shape == '1'))
            keep = shape; /* a 1's flag, which no I has, against alone's I too */
        else if (!shape && believed)
            keep = alone;
        out->raw[i] = keep;
        if (alone != c || (shape && shape != c) || keep != c) {
            out->doubt = CONTEXT_DOUBT;
            out->confidence = fmin(out->confidence, DOUBTFUL_CONF);
        }
    }
    return rc;
}

/* The confidently read cells of a digit-only comb, typed, kept in the
 * page's bank as its face's digits (fo_glyph_bank_add). */
static void bank_digits(fo_glyph_bank *bank, const char *allowed, PIX **crops,
                        PIX **dotted, const int *hits, const fo_symbol *found,
                        const char *raw, int ncells)
{
    if (!bank || !*allowed || strspn(allowed, "0123456789") != strlen(allowed) ||
        strlen(raw) != (size_t)ncells)
        return;
    for (int i = 0; i < ncells; i++)
        if (crops[i] && hits[i] == 1 && isdigit((unsigned char)raw[i]) &&
            found[i].text[0] == raw[i] && !found[i].text[1] &&
            fo_ocr_confidence(&found[i], allowed) >= BANK_MIN_CONF)
            fo_glyph_bank_add(bank, dotted[i] ? dotted[i] : crops[i], raw[i],
                              FO_PROTO_CELL);
}

/*
 * A cell with ink in which Tesseract, reading it alone as one character,
 * saw none (a plain I, a bare stem, it rarely reads alone; a cell the line
 * reading skipped): the character into ch (size 8), "" when nothing says
 * which.  Asked in turn: the page's own face (fo_glyph_bank_char: drawn as
 * the page draws a character the field allows), the cell read as a line
 * (PSM_RAW_LINE, one character, not as a single character), and for a
 * stem, its shape between I and 1 (fo_glyph_choose), where the field
 * allows them.  On the 15 tuned typed seeds of make-corpus2.py, 7 such
 * cells went out '?', the field invalid: an I at a serial's end three
 * times, an O, a 4 twice, a serif 1; each of them is found by one of the
 * three.  What is found is a second try: the field is flagged.
 * FO_ERR_NOMEM.
 */
static int unread_cell(TessBaseAPI *api, const fo_glyph_bank *bank, PIX *crop,
                       PIX *dotted, const char *allowed, char *ch, fo_error *err)
{
    char stems[3] = "", *at = stems;
    fo_symbol *syms = NULL;
    int n = 0, rc = FO_OK;
    PIX *padded;
    if ((ch[0] = fo_glyph_bank_char(bank, dotted ? dotted : crop, allowed))) {
        ch[1] = '\0';
        return FO_OK;
    }
    if (!(padded = fo_ocr_pad(crop)))
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    rc = fo_ocr_recognise(api, padded, PSM_RAW_LINE, allowed, &syms, &n, err);
    pixDestroy(&padded);
    if (rc == FO_OK && n == 1 && syms[0].text[0] && !syms[0].text[1] &&
        (!*allowed || strchr(allowed, syms[0].text[0]))) {
        strcpy(ch, syms[0].text);
    } else if (rc == FO_OK) {
        for (const char *c = "I1"; *c; c++)
            if (!*allowed || strchr(allowed, *c))
                *at++ = *c;
        *at = '\0';
        if (stems[0] && (ch[0] = fo_glyph_choose(crop, INK_LEVEL, stems)))
            ch[1] = '\0';
    }
    free(syms);
    return rc;
}

/*
 * A cells or comb field, one character per cell.  Tesseract's LSTM reads a
 * lone character poorly and each call has a fixed cost, so the written
 * cells are put side by side, evenly spaced, on one line that is read at
 * once; each character found is given back to the cell it lies in.  A cell
 * that gets no character, or several, is read again on its own.
 */
int fo_read_cells(TessBaseAPI *api, const fo_zone_page *zp, const fo_field *f,
                  const char *allowed, fo_reading *out, fo_error *err)
{
    const int ncells = f->geometry == FO_GEOM_CELLS ? f->nboxes : f->comb;
    PIX **crops = calloc((size_t)ncells, sizeof *crops), *line = NULL,
        **dotted = calloc((size_t)ncells, sizeof *dotted);
    int *x0 = calloc((size_t)ncells, sizeof *x0),
        *x1 = calloc((size_t)ncells, sizeof *x1);
    int *hits = calloc((size_t)ncells, sizeof *hits);
    fo_symbol *syms = NULL, *found = calloc((size_t)ncells, sizeof *found);
    int nsyms = 0, width = CELL_GAP, height = 0, rc = FO_OK;
    int *heights = calloc((size_t)ncells, sizeof *heights);
    bool hand = f->hand;
    fo_strbuf raw = FO_STRBUF_INIT;

    out->confidence = 100;
    if (!crops || !dotted || !x0 || !x1 || !hits || !found || !heights) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < ncells; i++) {
        fo_zone z;
        rc = fo_zone_extract(zp, cell_box(f, i, ncells), &z, err);
        if (rc != FO_OK)
            goto out;
        if (z.ink_pixels >= EMPTY_CELL_INK)
            crops[i] = cell_crop(&z, &heights[i], &dotted[i]);
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
        rc = fo_ocr_recognise(api, line, PSM_RAW_LINE, allowed, &syms, &nsyms, err);
        if (rc != FO_OK)
            goto out;
        assign_to_cells(syms, nsyms, crops, x0, x1, ncells, hits, found);
        hand = hand || heights_vary(heights, found, hits, ncells);
    }
    for (int i = 0; i < ncells && rc == FO_OK; i++) {
        char ch[8] = " ";
        double conf = 100;
        if (crops[i] && hits[i] == 1) {
            strcpy(ch, found[i].text);
            conf = fo_ocr_confidence(&found[i], allowed);
            fo_zero_mend(crops[i], allowed, hand, ch, &conf);
        } else if (crops[i]) {
            rc = read_lone_cell(api, crops[i], allowed, ch, &conf, err);
            if (rc == FO_OK && ch[0] == '\0' && fo_zero_allowed(allowed) &&
                fo_glyph_zero_shape(crops[i], INK_LEVEL) == FO_ZERO_MARKED) {
                /* Tesseract can see nothing in a dotted zero alone */
                strcpy(ch, "0");
                conf = DOUBTFUL_CONF;
            } else if (rc == FO_OK && ch[0] == '\0') {
                rc = unread_cell(api, zp->bank, crops[i], dotted[i], allowed, ch, err);
                if (rc == FO_OK && ch[0]) {
                    out->doubt = UNREAD_DOUBT;
                    conf = DOUBTFUL_CONF;
                } else {
                    /* ink, but no character: say so rather than guess */
                    strcpy(ch, "?");
                    out->unread = true;
                    conf = 0;
                }
            } else if (rc == FO_OK) {
                fo_zero_mend(crops[i], allowed, hand, ch, &conf);
            }
        }
        if (rc == FO_OK)
            fo_strbuf_add(&raw, ch);
        if (crops[i])
            out->confidence = fmin(out->confidence, conf);
    }
    if (rc == FO_OK && !(out->raw = fo_strbuf_detach(&raw)))
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (rc == FO_OK && f->pattern_code && *allowed &&
        strlen(out->raw) == (size_t)ncells && ascii_only(allowed))
        rc = recheck_cells(api, f, allowed, crops, out, err);
    if (rc == FO_OK &&
        ((!f->pattern_code &&
          (f->check == FO_CHECK_NONE || f->check == FO_CHECK_CODE_POSTAL)) ||
         hand) &&
        strlen(out->raw) == (size_t)ncells && ascii_only(allowed))
        rc = confirm_context(api, allowed, hand, crops, dotted, zp->bank, hits, out,
                             err);
    if (rc == FO_OK && !hand && !out->doubt)
        bank_digits(zp->bank, allowed, crops, dotted, hits, found, out->raw, ncells);
    /* handprint is taken as read only when confident too */
    out->handprint = hand;
    if (rc == FO_OK && hand && !out->doubt && out->confidence < HAND_MIN_CONFIDENCE)
        out->doubt = HAND_DOUBT;
out:
    fo_strbuf_free(&raw);
    for (int i = 0; crops && i < ncells; i++)
        pixDestroy(&crops[i]);
    for (int i = 0; dotted && i < ncells; i++)
        pixDestroy(&dotted[i]);
    free(crops);
    free(dotted);
    free(x0);
    free(x1);
    free(hits);
    free(found);
    free(heights);
    free(syms);
    pixDestroy(&line);
    return rc;
}

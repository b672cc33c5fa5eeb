/*
 * pdf_form.c - a template from a fillable PDF form (author.h:
 * fo_template_from_pdf).
 *
 * French administrations publish their Cerfa forms as PDFs, most of them
 * fillable: each box a person writes in is a widget of the PDF's AcroForm,
 * with its rectangle, its kind (text, check box, radio button, signature),
 * for a comb its number of cells (the Comb flag and MaxLen) and often a
 * tooltip (TU) that says what goes there.  That is a template already:
 * the widget's rectangle, in PDF points from the page's top-left corner as
 * MuPDF gives it (pdf_bound_widget), times dpi / 72 is the box in the
 * reference image rendered at dpi.  The reference is the page's own content
 * (fz_new_pixmap_from_page_contents): the print of the form, without the
 * widgets' appearances (field backgrounds, which a printed form does not
 * show, and values).
 */
#include "formocr/author.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect.h"
#include "formocr/image.h"
#include "page_text.h"
#include "strbuf.h"
#include "util.h"

enum {
    MAX_PAGES = 200,
    MAX_WIDGETS = 5000,
    MAX_NAME = 48,
    MAX_LABEL = 300,
    MAX_FIELD_NAME = 1000
};
static const double POINTS_PER_INCH = 72.0;

/* One widget, as read. */
typedef struct widget {
    int page;          /* 0-based page of the template */
    char *field;       /* fully qualified field name (groups radio buttons) */
    char *partial;     /* its last component, for the field's name */
    char *label;       /* the tooltip; NULL: none */
    char *export_name; /* a button's on state; NULL: none */
    char *caption[2];  /* a check box's or radio button's caption: the
                          words printed just right of it [0], just left [1];
                          NULL: none */
    double gap[2];     /* px between the box and each caption */
    enum pdf_widget_type type;
    int flags, maxlen;
    double x, y, w, h; /* px at dpi */
    int group;         /* index of the first widget of its field */
    bool drawn;        /* found in a flat page's drawing: no PDF field */
} widget;

typedef struct harvest {
    widget *w;
    int n;
    int npages;
    int *page_numbers; /* 1-based PDF page of each template page */
    bool xfa;          /* the PDF holds an XFA form */
} harvest;

static void harvest_free(harvest *h)
{
    for (int i = 0; i < h->n; i++) {
        free(h->w[i].field);
        free(h->w[i].partial);
        free(h->w[i].label);
        free(h->w[i].export_name);
        free(h->w[i].caption[0]);
        free(h->w[i].caption[1]);
    }
    free(h->w);
    free(h->page_numbers);
    memset(h, 0, sizeof *h);
}

/* A copy of s cut to at most max bytes at a UTF-8 character boundary
 * (a tooltip may be a paragraph); NULL out of memory. */
static char *short_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return fo_asprintf("%.*s", (int)n, s);
}

/* "1,3-4" into a sorted, distinct list of 1-based pages within 1..count;
 * all of them when spec is NULL.  false when it does not parse. */
static bool parse_pages(const char *spec, int count, int **out, int *n)
{
    bool *want = calloc((size_t)count + 1, sizeof *want);
    const char *p = spec;
    *out = NULL;
    *n = 0;
    if (!want)
        return false;
    if (!spec) {
        for (int i = 1; i <= count; i++)
            want[i] = true;
    } else {
        while (*p) {
            char *end;
            long a = strtol(p, &end, 10), b;
            if (end == p || a < 1 || a > count)
                goto bad;
            b = a;
            p = end;
            if (*p == '-') {
                b = strtol(p + 1, &end, 10);
                if (end == p + 1 || b < a || b > count)
                    goto bad;
                p = end;
            }
            for (long i = a; i <= b; i++)
                want[i] = true;
            if (*p == ',')
                p++;
            else if (*p)
                goto bad;
        }
    }
    *out = malloc(sizeof **out * (size_t)count);
    if (!*out)
        goto bad;
    for (int i = 1; i <= count; i++)
        if (want[i])
            (*out)[(*n)++] = i;
    free(want);
    return *n > 0;
bad:
    free(want);
    free(*out);
    *out = NULL;
    return false;
}

/* The part of a fully qualified field name after its last '.', without
 * LiveCycle's "[0]" indices: "topmostSubform[0].Page1[0].Nom[0]" -> "Nom". */
static char *partial_name(const char *full)
{
    const char *dot = strrchr(full, '.');
    const char *from = dot ? dot + 1 : full;
    char *s = fo_strdup(from), *bracket;
    if (s && (bracket = strchr(s, '[')) && bracket != s)
        *bracket = '\0';
    return s;
}

/* name made into [a-z][a-z0-9_]*: ASCII letters lowered, digits kept,
 * accented Latin-1 letters (UTF-8 C3 xx) folded to their base letter,
 * anything else a single '_'; prefix before a leading digit or
 * nothing.  At most MAX_NAME characters. */
static void identifier(const char *name, const char *prefix, char out[MAX_NAME + 1])
{
    static const char FOLD[64] = "aaaaaaaceeeeiiiidnooooo_ouuuuyts"
                                 "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
    const unsigned char *p = (const unsigned char *)name;
    int n = 0;
    bool gap = false;
    for (; *p && n < MAX_NAME; p++) {
        int c = -1;
        if (isalnum(*p) && *p < 128)
            c = tolower(*p);
        else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            c = FOLD[p[1] - 0x80];
            p++;
        }
        if (c < 0 || c == '_') {
            gap = n > 0;
            continue;
        }
        if (gap && n < MAX_NAME - 1)
            out[n++] = '_';
        gap = false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (n == 0 || isdigit((unsigned char)out[0])) {
        char tmp[MAX_NAME + 1];
        snprintf(tmp, sizeof tmp, "%s%s", prefix, out);
        memcpy(out, tmp, sizeof tmp);
    }
}

/* Whether an identifier is a form tool's default name: "groupe de
 * boutons radio", "case a cocher", "champ de texte", "check box",
 * "text field", with or without a number. */
static bool generic_name(const char *id)
{
    static const char *const DEFAULTS[] = {"groupe_de_boutons_radio",
                                           "case_a_cocher",
                                           "champ_de_texte",
                                           "champ",
                                           "checkbox",
                                           "check_box",
                                           "radio_button",
                                           "radiobutton",
                                           "radio",
                                           "textfield",
                                           "text_field",
                                           "text",
                                           "bouton",
                                           "button",
                                           "option",
                                           NULL};
    for (const char *const *d = DEFAULTS; *d; d++) {
        size_t n = strlen(*d);
        if (strncmp(id, *d, n) == 0 && strspn(id + n, "_0123456789") == strlen(id + n))
            return true;
    }
    return false;
}

/* Whether the lowered text holds any of the words (ASCII, or as UTF-8). */
static bool mentions(const char *text, const char *const *words)
{
    char *low;
    bool found = false;
    if (!text || !(low = fo_strdup(text)))
        return false;
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (const char *const *w = words; *w && !found; w++)
        found = strstr(low, *w) != NULL;
    free(low);
    return found;
}

/* The type and check a text field's label, name and comb size make clear;
 * a note says what was inferred and why. */
static void infer(json_t *obj, const widget *w, const char *name, fo_strbuf *why)
{
    static const char *const DATE[] = {"date",   "jj/mm", "jjmmaaaa", "né le",
                                       "née le", "ne le", NULL};
    static const char *const SIRET[] = {"siret", NULL};
    static const char *const SIREN[] = {"siren", NULL};
    static const char *const NIR[] = {"sécurité sociale", "securite sociale", "nir",
                                      "insee", NULL};
    static const char *const POSTAL[] = {"postal", "code_postal", "cp", NULL};
    static const char *const IBAN[] = {"iban", NULL};
    static const char *const AMOUNT[] = {"montant", "€",    "euros",
                                         "somme",   "prix", NULL};
    const char *text = w->label ? w->label : w->partial;
    int comb = (w->flags & PDF_TX_FIELD_IS_COMB) && w->maxlen > 0 ? w->maxlen : 0;
    bool said = mentions(text, DATE) || mentions(name, DATE);

    static const char *const DAY[] = {"jour", NULL};
    static const char *const MONTH[] = {"mois", NULL};
    static const char *const YEAR[] = {"annee", "année", NULL};
    said = said || strncmp(name, "dat", 3) == 0;
    /* "Fait à ..., le ____": a French form's "le" before a blank is a date */
    said = said || strcmp(name, "le") == 0 || strncmp(name, "le_", 3) == 0 ||
           (strlen(name) > 3 && strcmp(name + strlen(name) - 3, "_le") == 0);
    if ((comb == 2 || !comb) && (mentions(text, DAY) || mentions(name, DAY)) &&
        !mentions(name, MONTH)) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "pattern", json_string("^(0?[1-9]|[12][0-9]|3[01])$"));
        fo_strbuf_addf(why,
                       "the day of a date, 01-31 (\"%s\"; kept apart from its "
                       "month and year)",
                       text);
    } else if ((comb == 2 || !comb) &&
               (mentions(text, MONTH) || mentions(name, MONTH))) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "pattern", json_string("^(0?[1-9]|1[0-2])$"));
        fo_strbuf_addf(why,
                       "the month of a date, 01-12 (\"%s\"; kept apart from its "
                       "day and year)",
                       text);
    } else if (comb == 4 && (mentions(text, YEAR) || mentions(name, YEAR))) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "pattern", json_string("^(19|20)[0-9]{2}$"));
        fo_strbuf_addf(why,
                       "the year of a date, 1900-2099 (\"%s\"; kept apart from "
                       "its day and month)",
                       text);
    } else if (said && (comb == 8 || comb == 6 || comb == 0)) {
        static const char *const BIRTH[] = {"naissance", "né le", "née le",
                                            "né(e) le",  "ne_le", "ne_e_le",
                                            "nee_le",    NULL};
        bool birth = mentions(text, BIRTH) || mentions(name, BIRTH);
        json_object_set_new(obj, "type", json_string("date"));
        if (birth) /* nobody is born after the form is filled */
            json_object_set_new(obj, "not_after", json_string("today"));
        fo_strbuf_addf(why, "%s (\"%s\"%s)",
                       birth ? "birth date, not after today" : "date", text,
                       comb ? ", comb" : "");
    } else if ((mentions(text, SIRET) || mentions(name, SIRET)) &&
               (comb == 14 || !comb)) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "check", json_string("siret"));
        fo_strbuf_addf(why, "SIRET (\"%s\")", text);
    } else if ((mentions(text, SIREN) || mentions(name, SIREN)) &&
               (comb == 9 || !comb)) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "check", json_string("siren"));
        fo_strbuf_addf(why, "SIREN (\"%s\")", text);
    } else if ((mentions(text, NIR) || mentions(name, NIR)) &&
               (comb == 13 || comb == 15 || !comb)) {
        json_object_set_new(obj, "charset", json_string("0123456789AB"));
        json_object_set_new(obj, "check", json_string("nir"));
        fo_strbuf_addf(why, "NIR (\"%s\")", text);
    } else if ((mentions(text, POSTAL) || mentions(name, POSTAL)) &&
               (comb == 5 || !comb)) {
        json_object_set_new(obj, "charset", json_string("0123456789"));
        json_object_set_new(obj, "check", json_string("code_postal"));
        fo_strbuf_addf(why, "postal code (\"%s\")", text);
    } else if (mentions(text, IBAN) || mentions(name, IBAN)) {
        json_object_set_new(obj, "check", json_string("iban"));
        fo_strbuf_addf(why, "IBAN (\"%s\")", text);
    } else if (mentions(text, AMOUNT) || mentions(name, AMOUNT)) {
        json_object_set_new(obj, "type", json_string("decimal"));
        fo_strbuf_addf(why, "amount, decimal (\"%s\")", text);
    }
}

static json_t *box_of(const widget *w)
{
    int x = (int)(w->x + 0.5), y = (int)(w->y + 0.5);
    int bw = (int)(w->w + 0.5), bh = (int)(w->h + 0.5);
    return json_pack("[i, i, i, i]", x, y, bw < 1 ? 1 : bw, bh < 1 ? 1 : bh);
}

typedef fo_text_glyph glyph;

static bool is_letter(int c)
{
    return (c < 128 && isalpha(c)) || (c >= 0xC0 && c < 0x250);
}

/* Up to max words from line[at], read forwards (dir 1) or backwards (-1),
 * to a wide gap, a ':', a ',', a '(' or a leader's '_' or '.'; malloc'd,
 * NULL when none. */
static char *words_from(const glyph *line, int n, int at, int dir, int max)
{
    int words = 0, from = at, to = at;
    bool in_word = false;
    fo_strbuf out = FO_STRBUF_INIT;
    for (int k = at, last = -1; k >= 0 && k < n; k += dir) {
        const glyph *g = &line[k];
        /* "Né(e)", "Prénom(s)": a glued "(e)" is part of its word */
        bool glued = (g->c == '(' && k >= 1 && k + 2 < n && is_letter(line[k - 1].c) &&
                      is_letter(line[k + 1].c) && line[k + 2].c == ')') ||
                     (g->c == ')' && k >= 3 && is_letter(line[k - 1].c) &&
                      line[k - 2].c == '(' && is_letter(line[k - 3].c));
        if (glued) {
            last = k;
            if (dir > 0)
                to = k;
            else
                from = k;
            continue;
        }
        if (g->c == ':' || g->c == '(' || g->c == ')' || g->c == ',' || g->c == ';' ||
            g->c == '_' ||
            (g->c == '.' && k + dir >= 0 && k + dir < n && line[k + dir].c == '.'))
            break;
        if (g->c == ' ') {
            in_word = false;
            continue;
        }
        /* a gap wider than a space or two ends the caption */
        if (last >= 0 &&
            (dir > 0 ? g->x0 - line[last].x1 : line[last].x0 - g->x1) > 0.8 * g->size)
            break;
        if (!in_word && ++words > max)
            break;
        in_word = true;
        last = k;
        if (dir > 0)
            to = k;
        else
            from = k;
    }
    bool letters = false;
    for (int k = from; k <= to; k++) {
        char utf8[8];
        int len = fz_runetochar(utf8, line[k].c);
        fo_strbuf_addn(&out, utf8, (size_t)len);
        letters = letters || line[k].c >= 0x80 || isalnum(line[k].c);
    }
    if (out.len == 0 || !letters) {
        fo_strbuf_free(&out);
        return NULL;
    }
    return fo_strbuf_detach(&out);
}

/* The text of a MuPDF stext page in px (page bounds b, scale) into t:
 * each stext line a line.  FO_ERR_NOMEM. */
static int page_text_from_stext(fz_stext_page *st, fz_rect b, double scale,
                                fo_page_text *t, fo_error *err)
{
    memset(t, 0, sizeof *t);
    for (fz_stext_block *bl = st->first_block; bl; bl = bl->next) {
        if (bl->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        for (fz_stext_line *ln = bl->u.t.first_line; ln; ln = ln->next) {
            int cap = 0;
            for (fz_stext_char *ch = ln->first_char; ch; ch = ch->next)
                cap++;
            if (cap == 0)
                continue;
            glyph *line = malloc(sizeof *line * (size_t)cap);
            int n = 0;
            for (fz_stext_char *ch = ln->first_char; line && ch; ch = ch->next, n++)
                line[n] = (glyph){ch->c, (ch->quad.ll.x - b.x0) * scale,
                                  (ch->quad.lr.x - b.x0) * scale,
                                  ((ch->quad.ul.y + ch->quad.ll.y) / 2 - b.y0) * scale,
                                  ch->size * scale};
            if (!line ||
                fo_page_text_add_line(t, (fo_text_line){line, n}, err) != FO_OK) {
                free(line);
                fo_page_text_free(t);
                return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            }
        }
    }
    return FO_OK;
}

/* Letters and digits in the UTF-8 text s (a multi-byte character counts
 * once). */
static int letters_in(const char *s)
{
    int n = 0;
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++)
        n += (*c < 128 && isalnum(*c)) || *c >= 0xC0;
    return n;
}

/* The label printed for a box found in a flat page's drawing (px at scale,
 * dpi), the nearest of: the words ending left of it on its line (up to 2
 * inches), those starting just under it (a caption below, as Cerfa forms
 * print "Jour", "Code postal") and those just above it (counted 1.5 times
 * as far); a scrap of fewer than 3 letters on the left gives way to the
 * others.  Into w->label; nothing found leaves it NULL. */
static void label_of(const fo_page_text *t, widget *w, int dpi)
{
    const double bottom = w->y + w->h;
    double near_left = HUGE_VAL, best = HUGE_VAL;
    char *left = NULL, *other = NULL;

    for (int l = 0; l < t->n; l++) {
        {
            const glyph *line = t->lines[l].g;
            int n = t->lines[l].n;
            for (int k = 0; k < n; k++) {
                const glyph *g = &line[k];
                char *words;
                if (g->c == ' ' || g->c == '_')
                    continue;
                if (g->x1 <= w->x + 2 && w->x - g->x1 <= 2.0 * dpi &&
                    g->y >= w->y + 0.3 * w->h && g->y <= bottom + 0.1 * w->h &&
                    w->x - g->x1 < near_left) {
                    /* a scrap ("|", "l": the box's own border read as a
                     * letter) is no label: look further left */
                    if ((words = words_from(line, n, k, -1, 4)) &&
                        letters_in(words) >= 2) {
                        free(left);
                        left = words;
                        near_left = w->x - g->x1;
                    } else {
                        free(words);
                    }
                    continue;
                }
                /* a phrase's first glyph under or over the box's left part */
                /* a caption is a phrase of its own that starts at the box's
                 * left edge or within it: the words run back (gaps of a
                 * space) no further left; never a word in mid-sentence
                 * ("(Exemple : le nom de famille du mari...") */
                bool word = k == 0 || line[k - 1].c == ' ' || line[k - 1].c == '_' ||
                            g->x0 - line[k - 1].x1 > 0.8 * g->size;
                int from = k;
                for (int j = k - 1; j >= 0; j--) {
                    if (line[j].c == ' ')
                        continue;
                    if (line[j].c == '_' || line[from].x0 - line[j].x1 > 0.6 * g->size)
                        break;
                    from = j;
                }
                bool starts = word && line[from].x0 >= w->x - 0.1 * dpi;
                if (!starts || g->x0 < w->x - 0.05 * dpi ||
                    g->x0 > w->x + fmin(w->w * 0.5, 1.5 * dpi))
                    continue;
                double score;
                if (g->y > bottom && g->y - bottom <= 0.2 * dpi)
                    score = (g->y - bottom) + 0.5 * fabs(g->x0 - w->x);
                else if (g->y < w->y && w->y - g->y <= 0.3 * dpi)
                    score = 1.5 * (w->y - g->y) + 0.5 * fabs(g->x0 - w->x);
                else
                    continue;
                if (score < best && (words = words_from(line, n, k, 1, 4))) {
                    free(other);
                    other = words;
                    best = score;
                }
            }
        }
    }
    /* the nearer of the two; a scrap of a word ("(e)", "à") gives way */
    if (left && (!other || (near_left <= best && letters_in(left) >= 3))) {
        w->label = left;
        free(other);
    } else {
        w->label = other;
        free(left);
    }
}

/* The captions printed beside the box w (px at scale, page bounds b): the
 * words starting just right of it and those ending just left of it, on its
 * line, within 2.5 box heights, into w->caption and w->gap. */
static void captions_of(const fo_page_text *t, widget *w)
{
    const double right = w->x + w->w, mid = w->y + w->h / 2, reach = 2.5 * w->h;

    w->gap[0] = w->gap[1] = HUGE_VAL;
    for (int l = 0; l < t->n; l++) {
        {
            const glyph *line = t->lines[l].g;
            int n = t->lines[l].n;
            for (int k = 0; k < n; k++) {
                double gap;
                int side;
                char *words;
                if (line[k].c == ' ' || fabs(line[k].y - mid) > 0.8 * w->h)
                    continue;
                if (line[k].x0 >= right - 2 && line[k].x0 - right <= reach) {
                    gap = line[k].x0 - right;
                    side = 0;
                } else if (line[k].x1 <= w->x + 2 && w->x - line[k].x1 <= reach) {
                    gap = w->x - line[k].x1;
                    side = 1;
                } else {
                    continue;
                }
                if (gap >= w->gap[side] ||
                    !(words = words_from(line, n, k, side == 0 ? 1 : -1, 2)))
                    continue;
                free(w->caption[side]);
                w->caption[side] = words;
                w->gap[side] = gap;
            }
        }
    }
}

/* The side (0 right, 1 left) whose captions lie nearer the boxes of the
 * group starting at widget i, over all its boxes: a row "de [] Perte [] Vol"
 * reads right, "M [] F []" left. */
static int caption_side(const harvest *h, int i)
{
    double sum[2] = {0, 0};
    for (int j = i; j < h->n; j++)
        if (h->w[j].group == i)
            for (int s = 0; s < 2; s++)
                sum[s] += h->w[j].caption[s] ? h->w[j].gap[s] : 1e6;
    return sum[1] < sum[0] ? 1 : 0;
}

/* A box found in the drawing that is a printed letter's shape (the bowl of
 * a bold "A", an "O" of a title): letters of words of the page's text, of
 * about the box's height, cover half of it or more. */
static bool over_letters(const fo_page_text *t, const widget *w)
{
    double covered = 0;
    for (int l = 0; l < t->n; l++)
        for (int k = 0; k < t->lines[l].n; k++) {
            const glyph *g = &t->lines[l].g[k];
            double y0 = g->y - g->size / 2, y1 = g->y + g->size / 2;
            if (g->c == ' ' || g->c == '_' || g->c == '.' || g->size < 0.5 * w->h)
                continue;
            /* a letter of a word of three or more: a lone "O" or "D" may be
             * the check box itself, read as a letter */
            int len = 1;
            for (int j = k - 1; j >= 0 && t->lines[l].g[j].c != ' '; j--)
                len++;
            for (int j = k + 1; j < t->lines[l].n && t->lines[l].g[j].c != ' '; j++)
                len++;
            if (len < 3)
                continue;
            double ox = fmin(g->x1, w->x + w->w) - fmax(g->x0, w->x);
            double oy = fmin(y1, w->y + w->h) - fmax(y0, w->y);
            if (ox > 0 && oy > 0)
                covered += ox * oy;
        }
    return covered >= 0.5 * w->w * w->h;
}

/* Widgets first.. of h named from the page's text: a check box's or radio
 * button's caption, a box found in the drawing its label. */
static void name_widgets(harvest *h, int first, const fo_page_text *text, int dpi)
{
    for (int k = first; k < h->n; k++)
        if (h->w[k].drawn && over_letters(text, &h->w[k]))
            h->w[k].type = PDF_WIDGET_TYPE_UNKNOWN; /* a letter's shape, left out */
    for (int k = first; k < h->n; k++) {
        if (h->w[k].type == PDF_WIDGET_TYPE_UNKNOWN)
            continue;
        if (h->w[k].type == PDF_WIDGET_TYPE_CHECKBOX ||
            h->w[k].type == PDF_WIDGET_TYPE_RADIOBUTTON)
            captions_of(text, &h->w[k]);
        else if (h->w[k].drawn)
            label_of(text, &h->w[k], dpi);
    }
}

/* The next widget of h, zeroed, into *w (h->n not yet counted), room made
 * for it; FO_ERR_LIMIT past MAX_WIDGETS ("path: more than N what"),
 * FO_ERR_NOMEM. */
static int new_widget(harvest *h, const char *path, const char *what, widget **w,
                      fo_error *err)
{
    if (h->n >= MAX_WIDGETS)
        return fo_error_set(err, FO_ERR_LIMIT, "%s%smore than %d %s", path,
                            *path ? ": " : "", MAX_WIDGETS, what);
    if (h->n % 64 == 0) {
        widget *grown = realloc(h->w, sizeof *grown * (size_t)(h->n + 64));
        if (!grown)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        h->w = grown;
    }
    *w = &h->w[h->n];
    memset(*w, 0, sizeof **w);
    return FO_OK;
}

/* The boxes d[0..n) found on template page `page` appended to h as
 * widgets of no PDF field: text boxes (combs with their cells) and check
 * boxes, named later from their labels. */
static int add_drawn_boxes(harvest *h, int page, const fo_drawn *d, int n,
                           fo_error *err)
{
    for (int k = 0; k < n; k++) {
        widget *w;
        int rc = new_widget(h, "", "boxes", &w, err);
        if (rc != FO_OK)
            return rc;
        w->page = page;
        w->drawn = true;
        w->type = d[k].kind == FO_DRAWN_CHECKBOX ? PDF_WIDGET_TYPE_CHECKBOX
                                                 : PDF_WIDGET_TYPE_TEXT;
        if (d[k].kind == FO_DRAWN_COMB) {
            w->flags = PDF_TX_FIELD_IS_COMB;
            w->maxlen = d[k].cells;
        }
        w->x = d[k].x;
        w->y = d[k].y;
        w->w = d[k].w;
        w->h = d[k].h;
        /* a field of its own; named from its label (or caption) later */
        w->field = fo_asprintf("#drawn%d", h->n);
        w->partial =
            fo_strdup(d[k].kind == FO_DRAWN_CHECKBOX ? "case_a_cocher" : "champ");
        h->n++;
        if (!w->field || !w->partial)
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    return FO_OK;
}

/* The boxes found in the drawing of page (its content rendered in pm, grey,
 * at dpi) appended to h (add_drawn_boxes). */
static int add_drawn(fz_context *ctx, fz_pixmap *pm, int page, int dpi, harvest *h,
                     fo_error *err)
{
    int W = fz_pixmap_width(ctx, pm), H = fz_pixmap_height(ctx, pm);
    int stride = (int)fz_pixmap_stride(ctx, pm), n = 0, rc;
    const unsigned char *samples = fz_pixmap_samples(ctx, pm);
    PIX *pix = fz_pixmap_components(ctx, pm) == 1 ? pixCreate(W, H, 8) : NULL;
    fo_drawn *d = NULL;

    if (!pix)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    for (int y = 0; y < H; y++) {
        l_uint32 *row = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
        for (int x = 0; x < W; x++)
            SET_DATA_BYTE(row, x, samples[(size_t)y * stride + x]);
    }
    if ((rc = fo_detect_drawn(pix, dpi, &d, &n, err)) == FO_OK)
        rc = add_drawn_boxes(h, page, d, n, err);
    free(d);
    pixDestroy(&pix);
    return rc;
}

/* Reads the widgets of the selected pages into h, or (drawn) the boxes
 * found in each page's drawing, and (out_dir not NULL) renders each page's
 * content into out_dir/pageN.png. */
static int read_pdf(fz_context *ctx, const char *path, const char *out_dir,
                    const fo_pdf_template_options *o, int dpi, bool drawn, harvest *h,
                    fo_error *err)
{
    fz_document *doc = NULL;
    fz_page *page = NULL;
    fz_pixmap *pm = NULL;
    fz_stext_page *st = NULL;
    char *png = NULL;
    int rc = FO_OK;
    const double scale = dpi / POINTS_PER_INCH;

    fz_var(doc);
    fz_var(page);
    fz_var(pm);
    fz_var(st);
    fz_var(png);
    fz_var(rc);
    fz_try(ctx)
    {
        pdf_document *pdf;
        int count;
        doc = fz_open_document(ctx, path);
        pdf = pdf_specifics(ctx, doc);
        if (!pdf) {
            rc = fo_error_set(err, FO_ERR_FORMAT, "%s: not a PDF", path);
            break;
        }
        if (fz_needs_password(ctx, doc)) {
            rc = fo_error_set(err, FO_ERR_USAGE,
                              "%s: the PDF is encrypted with a password", path);
            break;
        }
        h->xfa = pdf_dict_getp(ctx, pdf_trailer(ctx, pdf), "Root/AcroForm/XFA") != NULL;
        count = fz_count_pages(ctx, doc);
        if (count > MAX_PAGES) {
            rc = fo_error_set(err, FO_ERR_LIMIT, "%s: %d pages (a form has at most %d)",
                              path, count, MAX_PAGES);
            break;
        }
        if (!parse_pages(o->pages, count, &h->page_numbers, &h->npages)) {
            rc = fo_error_set(err, FO_ERR_USAGE,
                              "%s: --pages \"%s\" is no list of pages from 1 to %d",
                              path, o->pages ? o->pages : "", count);
            break;
        }
        for (int i = 0; i < h->npages && rc == FO_OK; i++) {
            fz_rect bounds;
            pdf_page *pp;
            char name[32];
            int first = h->n;
            page = fz_load_page(ctx, doc, h->page_numbers[i] - 1);
            bounds = fz_bound_page(ctx, page);
            /* a hostile page size must not become a pixmap of gigabytes */
            if (!((double)(bounds.x1 - bounds.x0) * scale *
                      (double)(bounds.y1 - bounds.y0) * scale <=
                  (double)FO_DEFAULT_MAX_PIXELS)) {
                rc = fo_error_set(err, FO_ERR_LIMIT,
                                  "%s: page %d is %.0fx%.0f pt: larger than a form at "
                                  "%d dpi",
                                  path, h->page_numbers[i], bounds.x1 - bounds.x0,
                                  bounds.y1 - bounds.y0, dpi);
                break;
            }
            pp = pdf_page_from_fz_page(ctx, page);
            for (pdf_annot *a = pp ? pdf_first_widget(ctx, pp) : NULL; a;
                 a = pdf_next_widget(ctx, a)) {
                pdf_obj *obj = pdf_annot_obj(ctx, a);
                fz_rect r = pdf_bound_widget(ctx, a);
                const char *label = pdf_field_label(ctx, obj);
                char *full;
                widget *w;
                /* a widget off the page (or of no size) has nowhere to be
                 * written: left out, said; one overhanging it is cut to it */
                fz_rect inside = fz_intersect_rect(r, bounds);
                if (fz_is_empty_rect(inside) || !(inside.x1 - inside.x0 >= 1) ||
                    !(inside.y1 - inside.y0 >= 1)) {
                    if (o->note && !out_dir) {
                        char *f = pdf_field_name(ctx, obj);
                        char *line = fo_asprintf(
                            "page %d: \"%s\": a form field outside the page (or of no "
                            "size), left out",
                            i + 1, f ? f : "");
                        if (line)
                            o->note(o->note_ctx, line);
                        free(line);
                        fz_free(ctx, f);
                    }
                    continue;
                }
                r = inside; /* what overhangs the page cannot be written on */
                full = pdf_field_name(ctx, obj);
                if ((rc = new_widget(h, path, "form fields", &w, err)) != FO_OK) {
                    fz_free(ctx, full);
                    break;
                }
                w->page = i;
                w->type = pdf_widget_type(ctx, a);
                w->flags = pdf_field_flags(ctx, obj);
                w->maxlen = w->type == PDF_WIDGET_TYPE_TEXT
                                ? pdf_text_widget_max_len(ctx, a)
                                : 0;
                w->x = (r.x0 - bounds.x0) * scale;
                w->y = (r.y0 - bounds.y0) * scale;
                w->w = (r.x1 - r.x0) * scale;
                w->h = (r.y1 - r.y0) * scale;
                w->field = fo_strdup(full ? full : "");
                fz_free(ctx, full);
                w->partial = w->field ? partial_name(w->field) : NULL;
                /* a tooltip that only repeats the name says nothing */
                if (label && *label &&
                    (!w->partial || strcmp(label, w->partial) != 0) &&
                    (!w->field || strcmp(label, w->field) != 0))
                    w->label = short_text(label, MAX_LABEL);
                if (w->type == PDF_WIDGET_TYPE_CHECKBOX ||
                    w->type == PDF_WIDGET_TYPE_RADIOBUTTON) {
                    pdf_obj *on = pdf_button_field_on_state(ctx, obj);
                    const char *s = on ? pdf_to_name(ctx, on) : NULL;
                    if (s && *s)
                        w->export_name = fo_strdup(s);
                }
                h->n++;
                if (!w->field || !w->partial) {
                    rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                    break;
                }
            }
            if (rc != FO_OK)
                break;
            if (out_dir || drawn)
                pm = fz_new_pixmap_from_page_contents(
                    ctx, page, fz_scale((float)scale, (float)scale),
                    fz_device_gray(ctx), 0);
            if (drawn && (rc = add_drawn(ctx, pm, i, dpi, h, err)) != FO_OK)
                break;
            /* check boxes and radio buttons: the caption printed beside;
             * boxes found in the drawing: their label */
            fo_page_text text;
            st = fz_new_stext_page_from_page(ctx, page, NULL);
            if ((rc = page_text_from_stext(st, bounds, scale, &text, err)) != FO_OK)
                break;
            fz_drop_stext_page(ctx, st);
            st = NULL;
            name_widgets(h, first, &text, dpi);
            fo_page_text_free(&text);
            if (out_dir) {
                snprintf(name, sizeof name, "page%d.png", i + 1);
                png = fo_path_join(out_dir, name);
                if (!png) {
                    rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
                    break;
                }
                fz_save_pixmap_as_png(ctx, pm, png);
                free(png);
                png = NULL;
            }
            fz_drop_pixmap(ctx, pm);
            pm = NULL;
            fz_drop_page(ctx, page);
            page = NULL;
        }
    }
    fz_always(ctx)
    {
        fz_drop_pixmap(ctx, pm);
        fz_drop_stext_page(ctx, st);
        fz_drop_page(ctx, page);
        fz_drop_document(ctx, doc);
        free(png);
    }
    fz_catch(ctx)
    {
        rc = fo_error_set(err, FO_ERR_FORMAT, "%s: %s", path, fz_caught_message(ctx));
    }
    return rc;
}

/* The fields, as template JSON objects in page order; notes through o. */
static json_t *fields_of(harvest *h, const fo_pdf_template_options *o,
                         json_t **per_page)
{
    char(*names)[MAX_NAME + 8] = calloc((size_t)h->n + 1, sizeof *names);
    int nnames = 0;

    if (!names)
        return NULL;
    /* widgets of one field: the first is the group */
    for (int i = 0; i < h->n; i++) {
        h->w[i].group = i;
        for (int j = 0; j < i; j++)
            if (h->w[j].page == h->w[i].page &&
                strcmp(h->w[j].field, h->w[i].field) == 0) {
                h->w[i].group = j;
                break;
            }
    }
    for (int i = 0; i < h->n; i++) {
        widget *w = &h->w[i];
        json_t *obj;
        char base[MAX_NAME + 1], name[MAX_NAME + 8];
        fo_strbuf why = FO_STRBUF_INIT;
        int members = 0, side;

        if (w->group != i)
            continue; /* taken with its group */
        if (w->drawn && w->type == PDF_WIDGET_TYPE_UNKNOWN)
            continue; /* a letter's shape, not a box */
        if (w->type == PDF_WIDGET_TYPE_BUTTON || w->type == PDF_WIDGET_TYPE_UNKNOWN) {
            if (o->note) {
                char *line = fo_asprintf("page %d: \"%s\": a push button, left out",
                                         w->page + 1, w->partial);
                if (line)
                    o->note(o->note_ctx, line);
                free(line);
            }
            continue;
        }
        for (int j = i; j < h->n; j++)
            members += h->w[j].group == i;
        /* a form tool's default name ("Groupe de boutons radio 3") says
         * nothing: the tooltip, or a lone box's caption, says more */
        identifier(w->partial, "champ_", base);
        side = caption_side(h, i);
        if (generic_name(base) && (w->label || (members == 1 && w->caption[side])))
            identifier(w->label ? w->label : w->caption[side], "champ_", base);
        /* the outputs' own columns are no field names */
        if (strcmp(base, "file") == 0 || strcmp(base, "template") == 0 ||
            strcmp(base, "status") == 0 || strcmp(base, "processed_at") == 0)
            strcat(base, "_2");
        snprintf(name, sizeof name, "%s", base);
        for (int k = 2;; k++) {
            bool taken = false;
            for (int j = 0; j < nnames && !taken; j++)
                taken = strcmp(names[j], name) == 0;
            if (!taken)
                break;
            snprintf(name, sizeof name, "%s_%d", base, k);
        }
        memcpy(names[nnames++], name, sizeof name);
        obj = json_object();
        json_object_set_new(obj, "name", json_string(name));
        if (w->type == PDF_WIDGET_TYPE_RADIOBUTTON ||
            (w->type == PDF_WIDGET_TYPE_CHECKBOX && members > 1)) {
            json_t *options = json_object(), *values = json_object();
            int k = 0;
            json_object_set_new(obj, "type", json_string("choice"));
            for (int j = i; j < h->n; j++) {
                char oname[MAX_NAME + 8], obase[MAX_NAME + 1];
                if (h->w[j].group != i)
                    continue;
                k++;
                identifier(h->w[j].caption[side] ? h->w[j].caption[side]
                           : h->w[j].export_name ? h->w[j].export_name
                                                 : "option",
                           "option_", obase);
                snprintf(oname, sizeof oname, "%s", obase);
                for (int n = 2; json_object_get(options, oname); n++)
                    snprintf(oname, sizeof oname, "%s_%d", obase, n);
                json_object_set_new(options, oname, box_of(&h->w[j]));
                if (h->w[j].export_name && strlen(h->w[j].export_name) <= 256)
                    json_object_set_new(values, oname,
                                        json_string(h->w[j].export_name));
            }
            json_object_set_new(obj, "options", options);
            if (json_object_size(values) > 0)
                json_object_set(obj, "pdf_values", values);
            json_decref(values);
            json_object_set_new(obj, "min", json_integer(0));
            json_object_set_new(
                obj, "max",
                json_integer(w->type == PDF_WIDGET_TYPE_RADIOBUTTON ? 1 : k));
        } else if (w->type == PDF_WIDGET_TYPE_CHECKBOX) {
            json_object_set_new(obj, "type", json_string("checkbox"));
            json_object_set_new(obj, "box", box_of(w));
        } else if (w->type == PDF_WIDGET_TYPE_SIGNATURE) {
            json_object_set_new(obj, "type", json_string("signature"));
            json_object_set_new(obj, "box", box_of(w));
        } else {
            int comb =
                (w->flags & PDF_TX_FIELD_IS_COMB) && w->maxlen > 0 ? w->maxlen : 0;
            json_object_set_new(obj, "type", json_string("text"));
            json_object_set_new(obj, "box", box_of(w));
            if (comb > 0 && comb <= w->w)
                json_object_set_new(obj, "comb", json_integer(comb));
            infer(obj, w, name, &why);
        }
        if (w->label)
            json_object_set_new(obj, "label", json_string(w->label));
        /* a filled copy of this PDF is read from this field (a name past
         * any form tool's is left out: the field is then read by OCR) */
        if (!w->drawn && strlen(w->field) <= MAX_FIELD_NAME)
            json_object_set_new(obj, "pdf_field", json_string(w->field));
        if (o->note && why.len > 0) {
            char *line = fo_asprintf("page %d: %s: %s: confirm", w->page + 1, name,
                                     fo_strbuf_str(&why));
            if (line)
                o->note(o->note_ctx, line);
            free(line);
        }
        fo_strbuf_free(&why);
        /* a label that is no valid UTF-8 is dropped by jansson: keep the rest */
        json_array_append_new(per_page[w->page], obj);
    }
    free(names);
    return per_page[0];
}

/* Reading order within each page: top to bottom, then left to right (rows
 * of boxes whose tops are within a few pixels count as one row). */
static int reading_order(const void *a, const void *b)
{
    const widget *p = a, *q = b;
    if (p->page != q->page)
        return p->page - q->page;
    if (p->y + 8 < q->y)
        return -1;
    if (q->y + 8 < p->y)
        return 1;
    return (p->x > q->x) - (p->x < q->x);
}

/* How many of h's widgets a person writes in (push buttons are not). */
static int writable(const harvest *h)
{
    int n = 0;
    for (int i = 0; i < h->n; i++)
        n += h->w[i].type != PDF_WIDGET_TYPE_BUTTON &&
             h->w[i].type != PDF_WIDGET_TYPE_UNKNOWN;
    return n;
}

/* A MuPDF context that opens PDFs and says nothing on stderr; NULL out of
 * memory. */
static fz_context *start_mupdf(void)
{
    fz_context *ctx = fz_new_context(NULL, NULL, (size_t)64 << 20);
    int ok = 1;
    if (!ctx)
        return NULL;
    fz_set_warning_callback(ctx, NULL, NULL);
    fz_set_error_callback(ctx, NULL, NULL);
    fz_try(ctx) fz_register_document_handlers(ctx);
    fz_catch(ctx) ok = 0;
    if (!ok) {
        fz_drop_context(ctx);
        return NULL;
    }
    return ctx;
}

/* The template's name (o->name, or out_dir's last component) and the path
 * of its template.json, checked: a valid name, dpi within 72-1200 (0 taken
 * as valid), no template.json there unless o->force.  The caller frees
 * *name and *tpath, set even on failure. */
static int prepare(const char *out_dir, const fo_pdf_template_options *o, char **name,
                   char **tpath, fo_error *err)
{
    *tpath = NULL;
    *name = o->name ? fo_strdup(o->name) : fo_path_basename(out_dir);
    if (!*name)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (!fo_is_identifier(*name))
        return fo_error_set(err, FO_ERR_USAGE,
                            "the template's name \"%s\" must match [a-z][a-z0-9_]* "
                            "(--name NAME)",
                            *name);
    if (o->dpi != 0 && (o->dpi < 72 || o->dpi > 1200))
        return fo_error_set(err, FO_ERR_USAGE, "--dpi %d: from 72 to 1200", o->dpi);
    if (!(*tpath = fo_path_join(out_dir, "template.json")))
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (!o->force && fo_is_regular_file(*tpath))
        return fo_error_set(err, FO_ERR_EXISTS,
                            "%s: already exists (--force replaces it)", *tpath);
    return FO_OK;
}

/* Writes the template of h's widgets (pages referring to pageN.png) at
 * tpath, named name, at dpi, and loads it back into *out. */
static int write_template(harvest *h, const fo_pdf_template_options *o,
                          const char *name, int dpi, const char *tpath,
                          fo_template **out, fo_error *err)
{
    json_t **per_page = calloc((size_t)h->npages, sizeof *per_page);
    json_t *root = json_object(), *pages = json_array();
    char *text = NULL;
    int rc = FO_OK;

    qsort(h->w, (size_t)h->n, sizeof *h->w, reading_order);
    if (!per_page || !root || !pages) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < h->npages; i++)
        if (!(per_page[i] = json_array())) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto done;
        }
    fields_of(h, o, per_page);
    json_object_set_new(root, "format", json_string(FO_TEMPLATE_FORMAT));
    json_object_set_new(root, "name", json_string(name));
    json_object_set_new(root, "lang", json_string("fra"));
    json_object_set_new(root, "dpi", json_integer(dpi));
    for (int i = 0; i < h->npages; i++) {
        char ref[32];
        snprintf(ref, sizeof ref, "page%d.png", i + 1);
        json_array_append_new(
            pages, json_pack("{s:s, s:O}", "reference", ref, "fields", per_page[i]));
    }
    json_object_set(root, "pages", pages);
    if (!(text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2)))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = fo_write_file_atomic(tpath, text, strlen(text), err)) != FO_OK) {
        fo_error_prefix(err, "%s", tpath);
        goto done;
    }
    rc = fo_template_load(tpath, out, err);
done:
    for (int i = 0; per_page && i < h->npages; i++)
        json_decref(per_page[i]);
    free(per_page);
    json_decref(pages);
    json_decref(root);
    free(text);
    return rc;
}

static void note(const fo_pdf_template_options *o, const char *line)
{
    if (o->note && line)
        o->note(o->note_ctx, line);
}

int fo_template_from_pdf(const char *pdf_path, const char *out_dir,
                         const fo_pdf_template_options *o, fo_template **out,
                         fo_error *err)
{
    const int dpi = o->dpi > 0 ? o->dpi : 300;
    fz_context *ctx = NULL;
    harvest h = {0};
    char *name = NULL, *tpath = NULL;
    int rc;

    *out = NULL;
    if ((rc = prepare(out_dir, o, &name, &tpath, err)) != FO_OK)
        goto done;
    if (!(ctx = start_mupdf())) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "cannot start MuPDF: out of memory");
        goto done;
    }
    if ((rc = read_pdf(ctx, pdf_path, NULL, o, dpi, false, &h, err)) != FO_OK)
        goto done;
    bool drawn = writable(&h) == 0;
    if (drawn) {
        char *line = fo_asprintf(
            "%s: %s: the boxes are found in the pages' drawing and named from "
            "their printed labels; check every one on the preview",
            pdf_path,
            h.xfa ? "an XFA form without AcroForm fields"
                  : "a flat PDF (no form fields)");
        note(o, line);
        free(line);
        harvest_free(&h);
        if ((rc = read_pdf(ctx, pdf_path, NULL, o, dpi, true, &h, err)) != FO_OK)
            goto done;
    }
    if (writable(&h) == 0) {
        rc = fo_error_set(err, FO_ERR_USAGE,
                          "%s: no form fields on the pages taken, and no boxes, combs, "
                          "check boxes or writing lines found in their drawing",
                          pdf_path);
        goto done;
    }
    /* the folder and the images only once there is a template to make */
    if ((rc = fo_make_dir(out_dir, err)) != FO_OK)
        goto done;
    {
        harvest again = {0};
        rc = read_pdf(ctx, pdf_path, out_dir, o, dpi, false, &again, err);
        harvest_free(&again);
        if (rc != FO_OK)
            goto done;
    }
    rc = write_template(&h, o, name, dpi, tpath, out, err);
done:
    harvest_free(&h);
    if (ctx)
        fz_drop_context(ctx);
    free(name);
    free(tpath);
    return rc;
}

/* A scanned page as the blank's reference: 8-bit grey, deskewed (a blank
 * is scanned upright, perhaps a little askew).  NULL out of memory. */
static PIX *blank_reference(PIX *decoded)
{
    PIX *grey =
        pixGetDepth(decoded) == 8 ? pixClone(decoded) : pixConvertTo8(decoded, 0);
    PIX *straight = grey ? pixDeskew(grey, 0) : NULL;
    pixDestroy(&grey);
    return straight;
}

int fo_template_from_scan(const char *image_path, const char *out_dir,
                          const fo_pdf_template_options *o, fo_template **out,
                          fo_error *err)
{
    fo_image *img = NULL;
    harvest h = {0};
    PIX **refs = NULL;
    char *name = NULL, *tpath = NULL;
    int rc, dpi = o->dpi;

    *out = NULL;
    if ((rc = prepare(out_dir, o, &name, &tpath, err)) != FO_OK)
        goto done;
    if ((rc = fo_image_open(image_path, NULL, &img, err)) != FO_OK)
        goto done;
    int count = fo_image_page_count(img);
    if (count > MAX_PAGES) {
        rc = fo_error_set(err, FO_ERR_LIMIT, "%s: %d pages (a form has at most %d)",
                          image_path, count, MAX_PAGES);
        goto done;
    }
    if (!parse_pages(o->pages, count, &h.page_numbers, &h.npages)) {
        rc = fo_error_set(err, FO_ERR_USAGE,
                          "%s: --pages \"%s\" is no list of pages from 1 to %d",
                          image_path, o->pages ? o->pages : "", count);
        goto done;
    }
    if (!(refs = calloc((size_t)h.npages, sizeof *refs))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < h.npages; i++) {
        PIX *decoded = NULL;
        fo_page_info info;
        fo_drawn *d = NULL;
        fo_page_text text;
        int n = 0, first = h.n;
        if ((rc = fo_image_decode(img, h.page_numbers[i] - 1, &decoded, &info, err)) !=
            FO_OK) {
            fo_error_prefix(err, "%s: page %d", image_path, h.page_numbers[i]);
            goto done;
        }
        refs[i] = blank_reference(decoded);
        pixDestroy(&decoded);
        if (!refs[i]) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (dpi == 0) {
            /* the file's own resolution when it states a plausible one,
             * else the one that makes the page A4 wide */
            int w = pixGetWidth(refs[i]);
            dpi = info.dpi_from_file && info.xdpi >= 72 && info.xdpi <= 1200
                      ? info.xdpi
                      : (int)(w / 8.27 + 0.5);
            if (!info.dpi_from_file || info.xdpi < 72 || info.xdpi > 1200) {
                char *line = fo_asprintf("%s: no resolution in the file: %d dpi taken "
                                         "(its width as A4's); --dpi to say",
                                         image_path, dpi);
                note(o, line);
                free(line);
            }
            if (dpi < 72 || dpi > 1200) {
                rc = fo_error_set(
                    err, FO_ERR_USAGE,
                    "%s: a page %d px wide is no scanned form (--dpi to say "
                    "its resolution)",
                    image_path, w);
                goto done;
            }
        }
        if ((rc = fo_detect_drawn(refs[i], dpi, &d, &n, err)) != FO_OK)
            goto done;
        rc = add_drawn_boxes(&h, i, d, n, err);
        free(d);
        if (rc != FO_OK)
            goto done;
        if ((rc = fo_page_text_ocr(refs[i], NULL, "fra", &text, err)) != FO_OK)
            goto done;
        name_widgets(&h, first, &text, dpi);
        fo_page_text_free(&text);
    }
    if (writable(&h) == 0) {
        rc = fo_error_set(
            err, FO_ERR_USAGE,
            "%s: no boxes, combs, check boxes or writing lines found on the "
            "pages taken",
            image_path);
        goto done;
    }
    if ((rc = fo_make_dir(out_dir, err)) != FO_OK)
        goto done;
    for (int i = 0; i < h.npages; i++) {
        char ref[32], *png;
        snprintf(ref, sizeof ref, "page%d.png", i + 1);
        if (!(png = fo_path_join(out_dir, ref))) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto done;
        }
        pixSetResolution(refs[i], dpi, dpi);
        bool ok = pixWrite(png, refs[i], IFF_PNG) == 0;
        free(png);
        if (!ok) {
            rc = fo_error_set(err, FO_ERR_OUTPUT, "%s/%s: cannot write", out_dir, ref);
            goto done;
        }
    }
    rc = write_template(&h, o, name, dpi, tpath, out, err);
done:
    for (int i = 0; refs && i < h.npages; i++)
        pixDestroy(&refs[i]);
    free(refs);
    harvest_free(&h);
    fo_image_destroy(&img);
    free(name);
    free(tpath);
    return rc;
}

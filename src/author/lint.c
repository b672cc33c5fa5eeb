/*
 * lint.c - what a person has likely got wrong in a template that loads
 * (author.h: fo_template_lint): a dpi that gives the reference no paper's
 * size, fields that overlap, a box over printed text, a Tesseract language
 * that is not installed.
 */
#include "formocr/author.h"

#include <leptonica/allheaders.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "detect.h"
#include "util.h"

/* Paper a form is printed on, inches: from a business card's short side to
 * A3's long side, with room for a scan's margins. */
static const double MIN_SHORT_IN = 2.0, MAX_SHORT_IN = 13.0;
static const double MIN_LONG_IN = 3.0, MAX_LONG_IN = 19.0;
/* A4's long side, inches: the dpi suggested for an implausible page. */
static const double A4_LONG_IN = 11.69;
/* Two boxes overlap when their intersection is this share of the smaller. */
static const double OVERLAP_SHARE = 0.15;
/* Printed characters inside a text box that make it "over printed text". */
enum { MIN_PRINTED_CHARS = 3 };

typedef struct {
    fo_author_note_fn note;
    void *ctx;
    const fo_template *t;
    int warnings;
} linter;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
warn(linter *L, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    L->warnings++;
    if (L->note)
        L->note(L->ctx, line);
}

/* The reference's size in inches at the template's dpi is some paper's. */
static void lint_dpi(linter *L)
{
    const fo_template *t = L->t;
    for (int i = 0; i < t->npages; i++) {
        const fo_template_page *p = &t->pages[i];
        double w = (double)p->width / t->dpi, h = (double)p->height / t->dpi;
        double s = w < h ? w : h, l = w < h ? h : w;
        if (s >= MIN_SHORT_IN && s <= MAX_SHORT_IN && l >= MIN_LONG_IN &&
            l <= MAX_LONG_IN)
            continue;
        int longest = p->width > p->height ? p->width : p->height;
        warn(L,
             "page %d: at dpi %d the reference (%d x %d px) is %.1f x %.1f in "
             "(%.0f x %.0f mm), no paper's size: is \"dpi\" right? For A4 it would be "
             "%d",
             i + 1, t->dpi, p->width, p->height, w, h, w * 25.4, h * 25.4,
             (int)(longest / A4_LONG_IN + 0.5));
    }
}

/* One rectangle of a field (a box, a line, a cell, an option). */
typedef struct {
    const fo_field *field;
    const char *option; /* NULL unless a choice's option */
    fo_box box;
} rect;

static long overlap_area(fo_box a, fo_box b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    return x1 > x0 && y1 > y0 ? (long)(x1 - x0) * (y1 - y0) : 0;
}

/* Every rectangle of page i's fields; *n of them.  NULL when out of memory. */
static rect *page_rects(const fo_template_page *p, int *n)
{
    int cap = 0;
    for (int k = 0; k < p->nfields; k++)
        cap += p->fields[k].geometry == FO_GEOM_OPTIONS ? p->fields[k].noptions
                                                        : p->fields[k].nboxes;
    rect *r = calloc(cap ? (size_t)cap : 1, sizeof *r);
    *n = 0;
    if (!r)
        return NULL;
    for (int k = 0; k < p->nfields; k++) {
        const fo_field *f = &p->fields[k];
        if (f->geometry == FO_GEOM_OPTIONS)
            for (int o = 0; o < f->noptions; o++)
                r[(*n)++] = (rect){f, f->options[o].name, f->options[o].box};
        else
            for (int b = 0; b < f->nboxes; b++)
                r[(*n)++] = (rect){f, NULL, f->boxes[b]};
    }
    return r;
}

/* The pair (a, b) was told already, among the first n of told. */
static bool pair_told(const rect (*told)[2], int n, const rect *a, const rect *b)
{
    for (int i = 0; i < n; i++)
        if (told[i][0].field == a->field && told[i][1].field == b->field &&
            told[i][0].option == a->option && told[i][1].option == b->option)
            return true;
    return false;
}

/* Fields (or a choice's options) whose boxes overlap: one warning a pair. */
static void lint_overlaps(linter *L)
{
    for (int i = 0; i < L->t->npages; i++) {
        int n, ntold = 0;
        rect *r = page_rects(&L->t->pages[i], &n);
        rect(*told)[2] = r ? calloc((size_t)n * n / 2 + 1, sizeof *told) : NULL;
        for (int a = 0; told && a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                bool same = r[a].field == r[b].field;
                if (same && !r[a].option)
                    continue; /* a field's own cells and lines touch */
                long both = overlap_area(r[a].box, r[b].box);
                long sa = (long)r[a].box.w * r[a].box.h,
                     sb = (long)r[b].box.w * r[b].box.h;
                long smaller = sa < sb ? sa : sb;
                if (both == 0 || both < OVERLAP_SHARE * smaller)
                    continue;
                /* a pair of fields once, whatever their cells */
                rect ka = r[a], kb = r[b];
                if (!same)
                    ka.option = kb.option = NULL;
                if (pair_told((const rect(*)[2])told, ntold, &ka, &kb))
                    continue;
                told[ntold][0] = ka;
                told[ntold++][1] = kb;
                if (same)
                    warn(L,
                         "page %d: options \"%s\" and \"%s\" of field \"%s\" (line %d) "
                         "overlap",
                         i + 1, r[a].option, r[b].option, r[a].field->name,
                         r[a].field->line);
                else
                    warn(
                        L,
                        "page %d: fields \"%s\" (line %d) and \"%s\" (line %d) overlap "
                        "(%.0f %% of the smaller box)",
                        i + 1, r[a].field->name, r[a].field->line, r[b].field->name,
                        r[b].field->line, 100.0 * both / smaller);
            }
        }
        free(told);
        free(r);
    }
}

/* Text boxes drawn over the form's own print (a label, not a blank). */
static void lint_printed_text(linter *L)
{
    for (int i = 0; i < L->t->npages; i++) {
        const fo_template_page *p = &L->t->pages[i];
        if (!p->image)
            continue;
        for (int k = 0; k < p->nfields; k++) {
            const fo_field *f = &p->fields[k];
            if (f->geometry == FO_GEOM_OPTIONS || f->type == FO_FIELD_CHECKBOX ||
                f->type == FO_FIELD_SIGNATURE)
                continue;
            int most = 0;
            for (int b = 0; b < f->nboxes; b++) {
                fo_box x = f->boxes[b];
                int c = fo_printed_chars(p->image, L->t->dpi, x.x, x.y, x.w, x.h);
                most = c > most ? c : most;
            }
            if (most >= MIN_PRINTED_CHARS)
                warn(
                    L,
                    "page %d: field \"%s\" (line %d): its box covers printed text "
                    "(about %d characters on the blank form): is it where the value is "
                    "written?",
                    i + 1, f->name, f->line, most);
        }
    }
}

/* Tesseract loads lang (one or "fra+eng") from tessdata. */
static bool lang_installed(const char *tessdata, const char *lang)
{
    TessBaseAPI *api = TessBaseAPICreate();
    bool ok;
    if (!api)
        return false;
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    ok = TessBaseAPIInit2(api, tessdata, lang, OEM_LSTM_ONLY) == 0;
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
    return ok;
}

int fo_template_lint(const fo_template *t, const char *tessdata, fo_author_note_fn note,
                     void *ctx, int *nwarnings, fo_error *err)
{
    linter L = {note, ctx, t, 0};
    const char *missing = NULL;
    lint_dpi(&L);
    lint_overlaps(&L);
    lint_printed_text(&L);
    if (!lang_installed(tessdata, t->lang))
        missing = t->lang;
    for (int k = 0; k < t->nfields && !missing; k++)
        if (t->fields[k].lang && !lang_installed(tessdata, t->fields[k].lang))
            missing = t->fields[k].lang;
    if (nwarnings)
        *nwarnings = L.warnings;
    if (missing)
        return fo_error_set(
            err, FO_ERR_CONFIG,
            "Tesseract cannot load language \"%s\" (is tesseract-ocr-%s "
            "installed, or --tessdata right?)",
            missing, missing);
    return FO_OK;
}

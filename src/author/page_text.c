/*
 * page_text.c - the printed text of a page as Tesseract reads it
 * (page_text.h), for naming the boxes found on a scanned blank form.
 */
#include "page_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

void fo_page_text_free(fo_page_text *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++)
        free(t->lines[i].g);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

int fo_page_text_add_line(fo_page_text *t, fo_text_line line, fo_error *err)
{
    fo_text_line *grown = realloc(t->lines, sizeof *grown * (size_t)(t->n + 1));
    if (!grown)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    t->lines = grown;
    t->lines[t->n++] = line;
    return FO_OK;
}

/* The first code point of the UTF-8 text s; '?' when it is none. */
static int first_rune(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!p || !*p)
        return '?';
    if (p[0] < 0x80)
        return p[0];
    if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80)
        return ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
        return ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return '?';
}

/* Appends g to line (grown as needed); false out of memory. */
static bool push(fo_text_line *line, int *cap, fo_text_glyph g)
{
    if (line->n == *cap) {
        int grown_cap = *cap ? 2 * *cap : 32;
        fo_text_glyph *grown = realloc(line->g, sizeof *grown * (size_t)grown_cap);
        if (!grown)
            return false;
        line->g = grown;
        *cap = grown_cap;
    }
    line->g[line->n++] = g;
    return true;
}

int fo_page_text_ocr(PIX *grey, const char *tessdata, const char *lang,
                     fo_page_text *out, fo_error *err)
{
    TessBaseAPI *api = TessBaseAPICreate();
    TessResultIterator *it = NULL;
    fo_text_line line = {0};
    int cap = 0, rc = FO_OK;

    memset(out, 0, sizeof *out);
    if (!api)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory starting tesseract");
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    if (TessBaseAPIInit2(api, tessdata, lang, OEM_LSTM_ONLY) != 0) {
        TessBaseAPIDelete(api);
        return fo_error_set(
            err, FO_ERR_CONFIG,
            "tesseract cannot load language \"%s\" (is tesseract-ocr-%s "
            "installed?)",
            lang, lang);
    }
    TessBaseAPISetPageSegMode(api, PSM_AUTO);
    TessBaseAPISetImage2(api, grey);
    if (TessBaseAPIRecognize(api, NULL) != 0 || !(it = TessBaseAPIGetIterator(api)))
        goto done; /* nothing read: no text */
    TessPageIterator *pit = TessResultIteratorGetPageIterator(it);
    do {
        int x0, y0, x1, y1, lx0, ly0, lx1, ly1;
        if (TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE) && line.n > 0) {
            if ((rc = fo_page_text_add_line(out, line, err)) != FO_OK)
                goto done;
            memset(&line, 0, sizeof line);
            cap = 0;
        }
        if (!TessPageIteratorBoundingBox(pit, RIL_SYMBOL, &x0, &y0, &x1, &y1))
            continue;
        if (!TessPageIteratorBoundingBox(pit, RIL_TEXTLINE, &lx0, &ly0, &lx1, &ly1)) {
            ly0 = y0;
            ly1 = y1;
        }
        char *sym = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);
        double size = ly1 - ly0, mid = (ly0 + ly1) / 2.0;
        bool ok = true;
        if (line.n > 0 && TessPageIteratorIsAtBeginningOf(pit, RIL_WORD))
            ok = push(&line, &cap,
                      (fo_text_glyph){' ', line.g[line.n - 1].x1, x0, mid, size});
        ok = ok &&
             push(&line, &cap, (fo_text_glyph){first_rune(sym), x0, x1, mid, size});
        TessDeleteText(sym);
        if (!ok) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto done;
        }
    } while (TessPageIteratorNext(pit, RIL_SYMBOL));
    if (line.n > 0 && (rc = fo_page_text_add_line(out, line, err)) == FO_OK)
        memset(&line, 0, sizeof line);
done:
    free(line.g);
    if (rc != FO_OK)
        fo_page_text_free(out);
    TessResultIteratorDelete(it);
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
    return rc;
}

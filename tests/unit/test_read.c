/* test_read.c - the read stage: marks decided on the blank form marked by
 * hand, text read from the committed sample scans through their known
 * transforms, and Tesseract failing to start. */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formocr/image.h"
#include "formocr/read.h"
#include "harness.h"
#include "read/read_internal.h"
#include "util.h"

/* A template over the 14011 form's reference with the kinds of field the
 * shipped ones lack (checkboxes) or that the tests need (a language
 * Tesseract does not have, a choice whose options are not in page order). */
static const char MARKS_JSON[] =
    "{\"format\": \"formocr-template/1\", \"name\": \"unit_read\", \"dpi\": 300,\n"
    " \"pages\": [{\"reference\": \"page1.png\", \"fields\": [\n"
    "  {\"name\": \"coche\", \"type\": \"checkbox\", \"box\": [1423, 232, 44, 44]},\n"
    "  {\"name\": \"autre\", \"type\": \"checkbox\", \"box\": [1919, 232, 45, 44]},\n"
    "  {\"name\": \"documents\", \"type\": \"choice\", \"min\": 0, \"max\": 2,\n"
    "   \"options\": {\"passeport\": [1919, 232, 45, 44], \"cni\": [1423, 232, 44, "
    "44]}},\n"
    "  {\"name\": \"genre\", \"type\": \"choice\", \"min\": 1, \"max\": 1,\n"
    "   \"options\": {\"homme\": [949, 720, 46, 46], \"femme\": [1280, 720, 46, "
    "46]}},\n"
    "  {\"name\": \"nom_usage\", \"type\": \"text\", \"box\": [562, 909, 1656, 44]},\n"
    "  {\"name\": \"nom_zzz\", \"type\": \"text\", \"box\": [501, 1012, 1716, 44],\n"
    "   \"lang\": \"zzz\"},\n"
    "  {\"name\": \"signature\", \"type\": \"signature\", \"box\": [1727, 3043, 509, "
    "228]}\n"
    "]}]}\n";

static fo_template *marks, *t14011, *t12485;
static fo_template_set set;
static fo_zone_forms *forms;
static fo_reader *reader;

/* Mirrors of read.c's mark thresholds, to compute expected confidences. */
static const double CHECKBOX_FILL = 0.05;
/* The inner part of a 44 px checkbox, inset 0.2 (9 px) a side: 26 x 26. */
static const double INNER_44 = 26.0 * 26.0;

static const fo_field *field(const fo_template *t, const char *name)
{
    const fo_field *f = fo_template_field(t, name);
    if (!f) {
        fprintf(stderr, "no field %s in %s\n", name, t->name);
        exit(1);
    }
    return f;
}

static void paint(PIX *page, int x, int y, int w, int h)
{
    pixRasterop(page, x, y, w, h, PIX_CLR, NULL, 0, 0);
}

/* What a checkbox's confidence is for fill (read.c's rule). */
static double mark_confidence(double fill)
{
    double r = fabs(log(fill / CHECKBOX_FILL)) / log(2.0);
    return 100.0 * fmin(1.0, r);
}

/* Reads field name of t from page through to_scan into *out (raw NULL on
 * failure); returns fo_read_field's code. */
static int read_on(fo_reader *r, PIX *page, fo_affine to_scan, const fo_template *t,
                   const char *name, fo_reading *out, fo_error *err)
{
    fo_zone_page zp;
    int rc = fo_zone_page_init(&zp, page, to_scan, forms, t, 0, err);
    memset(out, 0, sizeof *out);
    if (rc == FO_OK)
        rc = fo_read_field(r, &zp, field(t, name), out, err);
    fo_zone_page_free(&zp);
    return rc;
}

/* Reads a mark field of the marks template on page (identity transform). */
static void check_mark(PIX *page, const char *name, const char *raw, double conf,
                       double tol)
{
    fo_reading rd;
    fo_error err;
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, name, &rd, &err), FO_OK);
    STR_EQ(rd.raw, raw);
    NUM_NEAR(rd.confidence, conf, tol);
    OK(!rd.unread);
    fo_reading_free(&rd);
}

static PIX *blank(void)
{
    return pixCopy(NULL, marks->pages[0].image);
}

static void test_checkbox(void)
{
    PIX *page = blank();
    int x = 1423, y = 232; /* coche */

    /* empty: surely not ticked */
    check_mark(page, "coche", "0", 100, 0);
    /* a heavy mark: 400 px of the 676 of the inner part, far over 5 % */
    paint(page, x + 12, y + 12, 20, 20);
    check_mark(page, "coche", "1", 100, 0);
    check_mark(page, "autre", "0", 100, 0);
    pixDestroy(&page);

    /* a small mark (8 x 8, 64 px): ticked, less surely */
    page = blank();
    paint(page, x + 18, y + 18, 8, 8);
    check_mark(page, "coche", "1", mark_confidence(64 / INNER_44), 1e-6);
    OK(mark_confidence(64 / INNER_44) < 95 && mark_confidence(64 / INNER_44) > 90);
    pixDestroy(&page);

    /* a mark mostly outside the inner part (5 x 5 of it inside): not
     * ticked, and doubtful */
    page = blank();
    paint(page, x + 2, y + 2, 12, 12);
    check_mark(page, "coche", "0", mark_confidence(25 / INNER_44), 1e-6);
    OK(mark_confidence(25 / INNER_44) < 50);
    pixDestroy(&page);

    /* a lone dot (7 x 7, 49 px, under a stroke's size) is dust: empty */
    page = blank();
    paint(page, x + 18, y + 18, 7, 7);
    check_mark(page, "coche", "0", 100, 0);
    pixDestroy(&page);
}

static void test_choice(void)
{
    PIX *page = blank();
    int cni_x = 1423, pass_x = 1919, y = 232;

    check_mark(page, "documents", "", 100, 0);
    paint(page, pass_x + 12, y + 12, 20, 20);
    check_mark(page, "documents", "passeport", 100, 0);
    paint(page, cni_x + 12, y + 12, 20, 20);
    /* both, comma-joined in the template's order (not the page's) */
    check_mark(page, "documents", "passeport,cni", 100, 0);
    /* the other choice on the page is untouched */
    check_mark(page, "genre", "", 100, 0);
    pixDestroy(&page);

    /* one option doubtful: the choice is as sure as its least sure box */
    page = blank();
    paint(page, cni_x + 12, y + 12, 20, 20);
    paint(page, pass_x + 18, y + 18, 8, 8);
    check_mark(page, "documents", "passeport,cni", mark_confidence(64 / (27.0 * 26.0)),
               1e-6); /* passeport is 45 wide */
    pixDestroy(&page);

    /* genre: femme */
    page = blank();
    paint(page, 1280 + 10, 720 + 10, 26, 26);
    check_mark(page, "genre", "femme", 100, 0);
    pixDestroy(&page);
}

static void test_signature(void)
{
    PIX *page = blank();
    check_mark(page, "signature", "0", 100, 0);
    /* a stroke across it: 300 x 4 px, 1.2 % of the box (threshold 0.4 %) */
    paint(page, 1727 + 100, 3043 + 110, 300, 4);
    check_mark(page, "signature", "1", 100, 0);
    pixDestroy(&page);
    /* a short one: 60 x 4 px, 240 of the inner part's 489 x 218 */
    page = blank();
    paint(page, 1727 + 200, 3043 + 110, 60, 4);
    {
        double fill = 240.0 / (489.0 * 218.0);
        double conf = 100.0 * fmin(1.0, fabs(log(fill / 0.004)) / log(2.0));
        check_mark(page, "signature", "0", conf, 1e-6);
        OK(conf < 90);
    }
    pixDestroy(&page);
}

static void test_empty_text(void)
{
    PIX *page = blank();
    fo_reading rd;
    fo_error err;
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_OK);
    STR_EQ(rd.raw, "");
    OK(!rd.unread);
    NUM_NEAR(rd.confidence, 100, 0);
    fo_reading_free(&rd);
    OK(rd.raw == NULL);
    fo_reading_free(&rd); /* twice is safe */
    fo_reading_free(NULL);
    pixDestroy(&page);
}

/* Ink that Tesseract reads as nothing: unread, raw "". */
static void test_unreadable_ink(void)
{
    PIX *page = blank();
    fo_reading rd;
    fo_error err;
    /* a rule drawn along the box: punctuation at best, dropped */
    paint(page, 562 + 300, 909 + 20, 500, 5);
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_OK);
    STR_EQ(rd.raw, "");
    OK(rd.unread);
    fo_reading_free(&rd);
    pixDestroy(&page);
}

/* A scan file's first page, decoded. */
static PIX *decode(const char *rel)
{
    char *path = fo_asprintf("%s/%s", test_source_dir(), rel);
    fo_image *img = NULL;
    fo_error err;
    PIX *pix = NULL;
    if (fo_image_open(path, NULL, &img, &err) != FO_OK ||
        fo_image_decode(img, 0, &pix, NULL, &err) != FO_OK)
        fprintf(stderr, "%s: %s\n", path, err.message);
    fo_image_destroy(&img);
    free(path);
    return pix;
}

typedef struct expect {
    const char *field, *raw;
} expect;

static void check_fields(PIX *scan, fo_affine to_scan, const fo_template *t,
                         const expect *e, int n)
{
    for (int i = 0; i < n; i++) {
        fo_reading rd;
        fo_error err;
        INT_EQ(read_on(reader, scan, to_scan, t, e[i].field, &rd, &err), FO_OK);
        STR_EQ(rd.raw, e[i].raw);
        if (rd.raw && strcmp(rd.raw, e[i].raw) != 0)
            fprintf(stderr, "  (field %s)\n", e[i].field);
        /* right readings of clean print are sure of themselves, and
         * print is not taken for handprint */
        OK(rd.confidence >= 90 && rd.confidence <= 100);
        OK(!rd.unread);
        OK(!rd.handprint);
        fo_reading_free(&rd);
    }
}

/* A field the template says is filled by hand is recorded as read as
 * handprint (a line and a comb), whatever its ink looks like. */
static void check_hand_recorded(PIX *scan, fo_affine to_scan, const fo_template *t,
                                const char *line, const char *comb)
{
    const char *names[] = {line, comb};
    for (int i = 0; i < 2; i++) {
        fo_field *f = (fo_field *)field(t, names[i]);
        fo_reading rd;
        fo_error err;
        bool was = f->hand;
        f->hand = true;
        INT_EQ(read_on(reader, scan, to_scan, t, names[i], &rd, &err), FO_OK);
        OK(rd.handprint);
        fo_reading_free(&rd);
        f->hand = was;
    }
}

/* samples/scan_0004.jpg: 14011, grey JPEG at 300 dpi turned 3.8 degrees;
 * the transform is the generator's (samples/truth.json), so that this
 * depends on no matching. */
static void test_real_scan_14011(void)
{
    static const expect e[] = {
        {"nom_famille", "BENOÎT"},
        {"prenoms", "HUGO"},
        {"adresse_numero", "46"},          /* integer: digits only */
        {"cni_titulaire", "HUGO\nBENOÎT"}, /* two lines, joined by \n */
        {"disparition_circonstances",
         "DOCUMENT ÉGARÉ PENDANT UN VOYAGE\nEN TRAIN ENTRE DEUX GARES"},
        {"naissance_date", "12122005"},   /* cells, one digit each */
        {"adresse_code_postal", "     "}, /* cells, all empty */
        {"disparition_lieu", ""},         /* empty box */
        {"type_document", "cni,passeport"},
        {"majorite", "mineur"},
        {"genre", "homme"},
        {"signature", "1"},
    };
    fo_affine to_scan = {1.020716566,  0.067869072, -154.572359222,
                         -0.067869072, 1.020716566, 96.643311648};
    PIX *scan = decode("samples/scan_0004.jpg");
    OK(scan && pixGetDepth(scan) == 8);
    if (scan) {
        check_fields(scan, to_scan, t14011, e, (int)(sizeof e / sizeof *e));
        check_hand_recorded(scan, to_scan, t14011, "nom_famille", "naissance_date");
    }
    pixDestroy(&scan);
}

/* samples/scan_0001.tif: 12485 (a 350 dpi template), a 1-bit G4 scan at
 * 200 dpi. */
static void test_real_scan_12485(void)
{
    static const expect e[] = {
        {"nom_assure", "HÉBERT"},
        {"prenom_assure", "MARIE-CLAIRE"},
        {"nir_assure", "274042244183809"},
        {"adresse_assure",
         "111 TER BOULEVARD FRANÇOIS MITTERRAND\nESCALIER 3\n26000 VALENCE"},
        {"nom_medecin", ""},
        {"date_declaration", "19062020"},
        {"signature_medecin", "1"},
    };
    fo_affine to_scan = {0.571728874,  0.022987218, -83.478852552,
                         -0.022987218, 0.571728874, 42.436404938};
    PIX *scan = decode("samples/scan_0001.tif");
    OK(scan && pixGetDepth(scan) == 1);
    if (scan)
        check_fields(scan, to_scan, t12485, e, (int)(sizeof e / sizeof *e));
    pixDestroy(&scan);
}

/* Tesseract without its language data: text cannot be read (FO_ERR_CONFIG,
 * naming the language); marks still can. */
static void test_missing_language(void)
{
    char dir[] = "/tmp/formocr-read-XXXXXX";
    fo_reader *bare = NULL;
    PIX *page = blank();
    fo_reading rd;
    fo_error err;

    OK(mkdtemp(dir) != NULL);
    INT_EQ(fo_reader_create(dir, &bare, &err), FO_OK);
    OK(bare != NULL);
    paint(page, 562 + 300, 909 + 10, 20, 24); /* ink in nom_usage */
    INT_EQ(read_on(bare, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_ERR_CONFIG);
    INT_EQ(err.code, FO_ERR_CONFIG);
    STR_CONTAINS(err.message, "\"fra\"");
    OK(rd.raw == NULL);
    /* even an empty text field needs its engine: the run fails at once,
     * not at the first field that happens to hold ink */
    INT_EQ(read_on(bare, marks->pages[0].image, fo_affine_identity(), marks,
                   "nom_usage", &rd, &err),
           FO_ERR_CONFIG);
    STR_CONTAINS(err.message, "\"fra\"");
    INT_EQ(read_on(bare, page, fo_affine_identity(), marks, "coche", &rd, &err), FO_OK);
    STR_EQ(rd.raw, "0");
    fo_reading_free(&rd);
    fo_reader_destroy(&bare);
    OK(bare == NULL);
    fo_reader_destroy(&bare);
    fo_reader_destroy(NULL);
    rmdir(dir);

    /* a field's own language, which the default tessdata lacks */
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_zzz", &rd, &err),
           FO_ERR_CONFIG);
    STR_CONTAINS(err.message, "\"zzz\"");
    OK(rd.raw == NULL);
    /* and the reader goes on with the languages it has */
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_OK);
    OK(rd.raw != NULL);
    fo_reading_free(&rd);
    pixDestroy(&page);
}

static fo_template *load(const char *rel)
{
    char *path = fo_asprintf("%s/%s", test_source_dir(), rel);
    fo_template *t = NULL;
    fo_error err;
    if (fo_template_load(path, &t, &err) != FO_OK)
        fprintf(stderr, "%s\n", err.message);
    free(path);
    return t;
}

/* A reader past its time limit reads no more (FO_ERR_LIMIT, saying the
 * limit); without one it reads again. */
/* A second reading that took in a letter of the word before or after is
 * the first one; any other difference is a disagreement. */
static void test_neighbour_bled_in(void)
{
    INT_EQ(fo_neighbour_bled_in("LÉGLISE", "ELÉGLISE", "E", "D"), 1);
    INT_EQ(fo_neighbour_bled_in("DAVID", "DAVIDL", "", "L"), 1);
    INT_EQ(fo_neighbour_bled_in("PRÉ", "UPRÉC", "U", "C"), 1);
    INT_EQ(fo_neighbour_bled_in("DAVID", "DAVIDL", "", ""), 0); /* no word after */
    INT_EQ(fo_neighbour_bled_in("LÉGLISE", "ELÉGLISE", "S", ""), 0);
    INT_EQ(fo_neighbour_bled_in("ZOÉ", "ZOË", "", ""), 0);
    INT_EQ(fo_neighbour_bled_in("LYON", "EYON", "E", ""), 0);
    INT_EQ(fo_neighbour_bled_in("GLISE", "EGLISE", "", ""), 0);
    INT_EQ(fo_neighbour_bled_in("RENÉ", "RENÉ", "E", "S"), 0); /* equal: not this */
}

/* Symbols laid out as text: each character 20 px wide, `gap` px after
 * the one before, a space 40 px (word_start). */
static int lay_out(const char *text, const int *gaps, fo_symbol *syms)
{
    int n = 0, x = 0;
    bool space = false;
    for (const char *c = text; *c; c++) {
        if (*c == ' ') {
            x += 40;
            space = true;
            continue;
        }
        memset(&syms[n], 0, sizeof syms[n]);
        syms[n].text[0] = *c;
        syms[n].conf = 99;
        x += n > 0 ? gaps[n - 1] : 0;
        syms[n].x0 = x;
        syms[n].x1 = x + 20;
        syms[n].word_start = space || n == 0;
        space = false;
        x += 20;
        n++;
    }
    return n;
}

static void test_split_letters_from_number(void)
{
    fo_symbol syms[16];
    int n;
    /* "BP45": 4 px between letters, 13 before the 4: a space was lost */
    n = lay_out("BP45", (const int[]){4, 13, 4}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 1);
    INT_EQ(syms[2].word_start, 1);
    INT_EQ(syms[1].word_start, 0);
    /* evenly set: nothing */
    n = lay_out("BP45", (const int[]){4, 5, 4}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 0);
    INT_EQ(syms[2].word_start, 0);
    /* from a number to letters ("35 ter") too; "83B" set tight stays */
    n = lay_out("35ter", (const int[]){4, 13, 4, 4}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 1);
    INT_EQ(syms[2].word_start, 1);
    n = lay_out("83B", (const int[]){4, 5}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 0);
    /* twice the word's gap is a space ("BP 45" in DejaVu Serif at 200
     * dpi: 16 px against 7), but not before a number's one-letter suffix
     * ("30B"), which some faces set apart */
    n = lay_out("BP45", (const int[]){4, 8, 4}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 1);
    INT_EQ(syms[2].word_start, 1);
    n = lay_out("130B", (const int[]){4, 4, 8}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 0);
    n = lay_out("130B", (const int[]){4, 4, 11}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 1);
    /* a word of three: the one other gap is the measure */
    n = lay_out("A12", (const int[]){13, 4}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 1);
    INT_EQ(syms[1].word_start, 1);
    n = lay_out("A1", (const int[]){13}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 0); /* nothing to compare */
    /* a gap of a few px over a word set tight is no space */
    n = lay_out("AB12", (const int[]){0, 3, 0}, syms);
    INT_EQ(fo_ocr_split_letters_from_number(syms, n, NULL), 0);
    INT_EQ(fo_ocr_split_letters_from_number(syms, 0, NULL), 0);
}

/* A line of glyphs for fo_ocr_mend_case: an 8 bpp image 200 x 80 with
 * each symbol's glyph a solid block 12 px wide, its box 16 px wide, 4 px
 * apart, a space 16 px more (word_start).  tops/bottoms: rows of each
 * glyph; the x-line lies at 40, the baseline at 59. */
static PIX *case_line(const char *text, const int *tops, const int *bottoms,
                      fo_symbol *syms, int *n)
{
    PIX *img = pixCreate(200, 80, 8);
    int x = 4;
    bool space = false;
    pixSetAll(img);
    *n = 0;
    for (const char *c = text; *c; c++) {
        if (*c == ' ') {
            x += 16;
            space = true;
            continue;
        }
        fo_symbol *sy = &syms[*n];
        memset(sy, 0, sizeof *sy);
        sy->text[0] = *c;
        sy->conf = 99;
        sy->x0 = x;
        sy->x1 = x + 16;
        sy->y0 = 20;
        sy->y1 = 70;
        sy->word_start = space || *n == 0;
        pixRasterop(img, x + 2, tops[*n], 12, bottoms[*n] - tops[*n] + 1, PIX_CLR, NULL,
                    0, 0);
        space = false;
        x += 20;
        (*n)++;
    }
    return img;
}

/* The line of glyphs (case_line) after fo_ocr_mend_case with `allowed`:
 * its text into out (size > strlen(text)); returns what the mender said. */
static int mend(const char *text, const int *tops, const int *bottoms,
                const char *allowed, char *out)
{
    fo_symbol syms[16];
    int n, mended;
    PIX *img = case_line(text, tops, bottoms, syms, &n);
    mended = fo_ocr_mend_case(img, syms, n, allowed);
    for (int i = 0; i < n; i++)
        out[i] = syms[i].text[0];
    out[n] = '\0';
    pixDestroy(&img);
    return mended;
}

static void test_mend_case(void)
{
    static const int x_height[] = {40, 40, 40, 40}, baseline[] = {59, 59, 59, 59};
    fo_symbol syms[16];
    char out[16];
    int n;
    PIX *img;
    /* "cave" whose c rises to the capitals' height: "Cave", a repair */
    INT_EQ(mend("cave", (const int[]){33, 40, 40, 40}, baseline, "", out), 1);
    STR_EQ(out, "Cave");
    /* at the x-height: nothing to mend */
    INT_EQ(mend("cave", x_height, baseline, "", out), 0);
    STR_EQ(out, "cave");
    /* within a word, a tall s is left alone (boxes mislead there) */
    INT_EQ(mend("case", (const int[]){40, 40, 33, 40}, baseline, "", out), 0);
    STR_EQ(out, "case");
    /* a p with its descender stays; one standing on the baseline, as
     * tall as a capital, is a P */
    INT_EQ(mend("pou", x_height, (const int[]){68, 59, 59}, "", out), 0);
    STR_EQ(out, "pou");
    INT_EQ(mend("pau", (const int[]){33, 40, 40}, baseline, "", out), 1);
    STR_EQ(out, "Pau");
    /* the field's charset decides: no capital C allowed, no change */
    INT_EQ(mend("cave", (const int[]){33, 40, 40, 40}, baseline, "acev", out), 0);
    STR_EQ(out, "cave");
    /* too few x-height letters to place the lines: nothing decided */
    INT_EQ(mend("cit", (const int[]){33, 36, 34}, baseline, "", out), 0);
    STR_EQ(out, "cit");
    /* a glyph that two boxes claim is neither's: the c's box moved over
     * the tall glyph that is the next symbol's too */
    img = case_line("cave", (const int[]){33, 40, 40, 40}, baseline, syms, &n);
    syms[1].x0 = syms[0].x0;
    syms[1].x1 = syms[0].x1;
    INT_EQ(fo_ocr_mend_case(img, syms, n, ""), 0);
    pixDestroy(&img);
    /* an L before small letters drawn with an l's flag (DejaVu Sans Mono:
     * "de La Gare"): an l; a sans L (stem and foot) stays */
    img = case_line("Lave", (const int[]){33, 40, 40, 40}, baseline, syms, &n);
    pixRasterop(img, syms[0].x0 + 2, 33, 12, 27, PIX_SET, NULL, 0, 0);
    pixRasterop(img, syms[0].x0 + 7, 33, 3, 27, PIX_CLR, NULL, 0, 0); /* stem */
    pixRasterop(img, syms[0].x0 + 2, 33, 5, 3, PIX_CLR, NULL, 0, 0);  /* flag */
    pixRasterop(img, syms[0].x0 + 7, 57, 7, 3, PIX_CLR, NULL, 0, 0);  /* foot */
    INT_EQ(fo_ocr_mend_case(img, syms, n, ""), 1);
    INT_EQ(syms[0].text[0], 'l');
    pixRasterop(img, syms[0].x0 + 2, 33, 12, 27, PIX_SET, NULL, 0, 0);
    pixRasterop(img, syms[0].x0 + 2, 33, 3, 27, PIX_CLR, NULL, 0, 0); /* stem */
    pixRasterop(img, syms[0].x0 + 2, 57, 12, 3, PIX_CLR, NULL, 0, 0); /* foot */
    syms[0].text[0] = 'L';
    INT_EQ(fo_ocr_mend_case(img, syms, n, ""), 0);
    INT_EQ(syms[0].text[0], 'L');
    pixDestroy(&img);
}

/* "70,32 euros" as blocks on an 8 bpp line: four digits 33 px tall, a
 * comma between the second and the third, five x-height letters after;
 * with a box's border (3 x 99 px) at the left when `rule`. */
static PIX *amount_line(bool rule, bool comma)
{
    PIX *img = pixCreate(320, 124, 8);
    const int digits[] = {87, 111, 148, 172}, letters[] = {208, 230, 253, 268, 293};
    pixSetAll(img);
    if (rule)
        pixRasterop(img, 12, 12, 3, 99, PIX_CLR, NULL, 0, 0);
    for (int i = 0; i < 4; i++)
        pixRasterop(img, digits[i], 46, 20, 33, PIX_CLR, NULL, 0, 0);
    for (int i = 0; i < 5; i++)
        pixRasterop(img, letters[i], 57, 14, 22, PIX_CLR, NULL, 0, 0);
    if (comma)
        pixRasterop(img, 137, 74, 6, 11, PIX_CLR, NULL, 0, 0);
    return img;
}

static void test_inner_dot(void)
{
    int x = -1;
    PIX *img = amount_line(false, true);
    OK(fo_ocr_inner_dot(img, &x));
    INT_EQ(x, 140);
    pixDestroy(&img);
    /* a box's border in the zone is no digit: it does not set their
     * height (it made the comma too small to count, "7032", ok) */
    img = amount_line(true, true);
    OK(fo_ocr_inner_dot(img, &x));
    pixDestroy(&img);
    img = amount_line(true, false);
    OK(!fo_ocr_inner_dot(img, &x));
    pixDestroy(&img);
}

/* Symbols as Tesseract gave them for a line of tests/data/read/glyphs:
 * spec is "text x0 x1 start" separated by ';' (start: 1 at a word's
 * start), at 95 % each; their number. */
static int line_symbols(const char *spec, fo_symbol *syms, int max)
{
    int n = 0, len = 0, start = 0;
    while (n < max && sscanf(spec, " %7s %d %d %d%n", syms[n].text, &syms[n].x0,
                             &syms[n].x1, &start, &len) == 4) {
        syms[n].conf = 95;
        syms[n].y0 = 0;
        syms[n].y1 = 0;
        syms[n].word_start = start != 0;
        syms[n].line_start = n == 0;
        syms[n].certain = false;
        n++;
        spec += len;
        if (*spec == ';')
            spec++;
    }
    return n;
}

static PIX *line_image(const char *name)
{
    char *path =
        fo_asprintf("%s/tests/data/read/glyphs/%s.png", test_source_dir(), name);
    PIX *img = path ? pixRead(path) : NULL;
    free(path);
    OK(img != NULL);
    return img;
}

/* Zeros and threes mended in a line's numbers (fo_zero_mend_line), each
 * glyph cut as its own ink, not at Tesseract's columns (make-corpus2.py
 * typed scans, the boxes Tesseract gave). */
/* fo_zero_mend_line on the line image `name` read as spec (see
 * line_symbols) into syms (8 at most). */
static void mend_line(const char *name, const char *spec, const char *allowed,
                      bool hand, fo_symbol *syms)
{
    PIX *img = line_image(name);
    int n = line_symbols(spec, syms, 8);
    fo_zero_mend_line(img, syms, n, allowed, hand);
    pixDestroy(&img);
}

static void test_zero_mend_line(void)
{
    static const char ESCALIER[] = "2 195 214 1; , 213 231 0; 8 254 273 1; e 272 296 0";
    fo_symbol syms[8];
    /* DejaVu Sans Mono "(69)": the 9's box holds the 6's right half and
     * the 9's left half, an oval; the 9 is a 9 (seeds 21, 52, 71, 82) */
    mend_line("line-lyon-69", "( 498 522 1; 6 521 550 0; 9 549 573 0; ) 572 607 0", "",
              false, syms);
    STR_EQ(syms[1].text, "6");
    STR_EQ(syms[2].text, "9");
    /* "Escalier 2, 3e" read "8e": an 8 without a counter is a 3, flagged
     * (seeds 7, 51, 83) */
    mend_line("line-escalier-3e", ESCALIER, "", false, syms);
    STR_EQ(syms[2].text, "3");
    OK(syms[2].conf <= DOUBTFUL_CONF);
    mend_line("line-escalier-3e", ESCALIER, "012456789", false,
              syms); /* no 3 allowed */
    STR_EQ(syms[2].text, "8");
    /* a blurred DejaVu Serif 6 cut whole closes its hook into an oval:
     * "56" stays (seed 81) */
    mend_line("line-56-blurred-serif", "5 12 30 1; 6 34 45 0; b 67 88 1", "", false,
              syms);
    STR_EQ(syms[1].text, "6");
    /* a faint FreeMono 8 the threshold broke in two: both pieces are its
     * glyph, an 8 (seed 42) */
    mend_line("line-date-faint-8", "0 112 137 0; 8 146 170 0; / 180 203 0", "", true,
              syms);
    STR_EQ(syms[1].text, "8");
}

static void test_time_limit(void)
{
    PIX *page = blank();
    fo_reading rd;
    fo_error err;
    paint(page, 562 + 300, 909 + 10, 20, 24); /* ink in nom_usage */
    fo_reader_set_time_limit(reader, 1e-9);
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_ERR_LIMIT);
    STR_EQ(err.message, "took longer than 1e-09 s");
    OK(rd.raw == NULL);
    fo_reader_set_time_limit(reader, 0);
    INT_EQ(read_on(reader, page, fo_affine_identity(), marks, "nom_usage", &rd, &err),
           FO_OK);
    fo_reading_free(&rd);
    pixDestroy(&page);
}

int main(void)
{
    fo_error err;
    char *path =
        fo_asprintf("%s/templates/cerfa_14011_03/unit-read.json", test_source_dir());
    fo_template *items[3];

    if (fo_template_load_text(path, MARKS_JSON, strlen(MARKS_JSON), &marks, &err) !=
        FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(path);
    t14011 = load("templates/cerfa_14011_03/template.json");
    t12485 = load("templates/cerfa_12485_03/template.json");
    if (!t14011 || !t12485)
        return 1;
    items[0] = marks;
    items[1] = t14011;
    items[2] = t12485;
    set.items = items;
    set.count = 3;
    if (fo_zone_forms_create(&set, &forms, &err) != FO_OK ||
        fo_reader_create(NULL, &reader, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    RUN(test_checkbox);
    RUN(test_choice);
    RUN(test_signature);
    RUN(test_empty_text);
    RUN(test_unreadable_ink);
    RUN(test_real_scan_14011);
    RUN(test_real_scan_12485);
    RUN(test_missing_language);
    RUN(test_neighbour_bled_in);
    RUN(test_split_letters_from_number);
    RUN(test_mend_case);
    RUN(test_inner_dot);
    RUN(test_zero_mend_line);
    RUN(test_time_limit);
    fo_reader_destroy(&reader);
    fo_zone_forms_destroy(&forms);
    fo_template_destroy(&marks);
    fo_template_destroy(&t14011);
    fo_template_destroy(&t12485);
    return harness_done();
}

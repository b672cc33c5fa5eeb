/* test_bank.c - the page's typed digits as prototypes of its face. */
#include <leptonica/allheaders.h>
#include <math.h>

#include "harness.h"
#include "read/bank.h"

enum { INK = 128 };

/* A w x h cell of paper with a ring: the ellipse filling 3/5 of the cell's
 * height, its stroke 1/6 of its half-width (a zero's drawing at any size);
 * dotted: a dot in its middle, apart from the ring. */
static PIX *ring(int w, int h, bool dotted)
{
    PIX *p = pixCreate(w, h, 8);
    double cx = w / 2.0, cy = h / 2.0, ry = 0.3 * h, rx = 0.6 * ry, t = rx / 3;
    pixSetAll(p);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double out = pow((x - cx) / rx, 2) + pow((y - cy) / ry, 2);
            double in = pow((x - cx) / (rx - t), 2) + pow((y - cy) / (ry - t), 2);
            double dot = pow((x - cx) / (0.2 * rx), 2) + pow((y - cy) / (0.2 * ry), 2);
            if ((out <= 1 && in >= 1) || (dotted && dot <= 1))
                pixSetPixel(p, x, y, 0);
        }
    return p;
}

/* An S-like glyph of the ring's size: three bars and two sides, one up
 * on the left, one down on the right. */
static PIX *ess(int w, int h)
{
    PIX *p = pixCreate(w, h, 8);
    int top = (int)(0.2 * h), bottom = (int)(0.8 * h), mid = h / 2,
        left = (int)(0.32 * w), right = (int)(0.68 * w), s = (int)fmax(2, 0.05 * h);
    pixSetAll(p);
    pixRasterop(p, left, top, right - left, s, PIX_CLR, NULL, 0, 0);
    pixRasterop(p, left, mid - s / 2, right - left, s, PIX_CLR, NULL, 0, 0);
    pixRasterop(p, left, bottom - s, right - left, s, PIX_CLR, NULL, 0, 0);
    pixRasterop(p, left, top, s, mid - top, PIX_CLR, NULL, 0, 0);
    pixRasterop(p, right - s, mid, s, bottom - mid, PIX_CLR, NULL, 0, 0);
    return p;
}

static double distance(const fo_glyph_bank *b, PIX *p, char digit)
{
    double d = fo_glyph_bank_distance(b, p, digit);
    pixDestroy(&p);
    return d;
}

static void add(fo_glyph_bank *b, PIX *p, char digit, fo_proto_source source)
{
    fo_glyph_bank_add(b, p, digit, source);
    pixDestroy(&p);
}

/* A digit is near its prototypes at another size, another glyph far. */
static void test_near_and_far(void)
{
    fo_glyph_bank *b = NULL;
    fo_error err;
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    NUM_NEAR(distance(b, ring(40, 70, false), '0'), -1, 0); /* none yet */
    add(b, ring(40, 70, false), '0', FO_PROTO_CELL);
    NUM_NEAR(distance(b, ring(40, 70, false), '5'), -1, 0); /* none of that digit */
    OK(distance(b, ring(60, 105, false), '0') < 0.2);       /* half as large again */
    OK(distance(b, ring(30, 52, false), '0') < 0.2);
    OK(distance(b, ess(40, 70), '0') > 0.45);
    /* paper only, or too small a glyph: nothing said */
    PIX *paper = pixCreate(40, 70, 8);
    pixSetAll(paper);
    NUM_NEAR(distance(b, paper, '0'), -1, 0);
    fo_glyph_bank_destroy(&b);
    OK(b == NULL);
    fo_glyph_bank_destroy(&b); /* NULL: nothing */
}

/* A line's digit (cut out by rough boxes) counts once another agrees. */
static void test_line_digits_need_a_second(void)
{
    fo_glyph_bank *b = NULL;
    fo_error err;
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    add(b, ess(40, 70), '5', FO_PROTO_LINE);
    NUM_NEAR(distance(b, ess(40, 70), '5'), -1, 0);
    add(b, ring(40, 70, false), '5', FO_PROTO_LINE); /* a wrong cut: agrees with none */
    NUM_NEAR(distance(b, ess(40, 70), '5'), -1, 0);
    add(b, ess(48, 84), '5', FO_PROTO_LINE);
    OK(distance(b, ess(40, 70), '5') >= 0 && distance(b, ess(40, 70), '5') < 0.2);
    fo_glyph_bank_destroy(&b);
    /* read very confidently: used at once */
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    add(b, ess(40, 70), '5', FO_PROTO_LINE_SURE);
    PIX *p = ess(44, 77);
    OK(fo_glyph_bank_distance(b, p, '5') >= 0);
    pixDestroy(&p);
    fo_glyph_bank_destroy(&b);
}

/* Whether the face marks its zeros: two zeros at least, all alike. */
static void test_zeros_marked(void)
{
    fo_glyph_bank *b = NULL;
    fo_error err;
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    INT_EQ(fo_glyph_bank_zeros_marked(b), -1);
    add(b, ring(40, 70, true), '0', FO_PROTO_CELL);
    INT_EQ(fo_glyph_bank_zeros_marked(b), -1); /* one is not enough */
    add(b, ring(44, 77, true), '0', FO_PROTO_CELL);
    INT_EQ(fo_glyph_bank_zeros_marked(b), 1);
    add(b, ring(40, 70, false), '0', FO_PROTO_CELL);
    INT_EQ(fo_glyph_bank_zeros_marked(b), -1); /* mixed: cannot say */
    fo_glyph_bank_destroy(&b);
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    add(b, ring(40, 70, false), '0', FO_PROTO_CELL);
    add(b, ring(36, 63, false), '0', FO_PROTO_CELL);
    INT_EQ(fo_glyph_bank_zeros_marked(b), 0);
    INT_EQ(fo_glyph_bank_zeros_marked(NULL), -1);
    fo_glyph_bank_destroy(&b);
}

/* Drawn as a digit: within 0.1 px, 0.06 for a 0 or a 1 where the field
 * also allows their look-alike letter. */
static void test_same(void)
{
    OK(fo_glyph_bank_same(0.09, '5', ""));
    OK(!fo_glyph_bank_same(0.11, '5', ""));
    OK(!fo_glyph_bank_same(-1, '5', ""));
    OK(!fo_glyph_bank_same(0.08, '1', ""));                     /* any character */
    OK(!fo_glyph_bank_same(0.08, '1', "0123456789ABCDEFGHIJ")); /* I allowed */
    OK(fo_glyph_bank_same(0.08, '1', "0123456789"));
    OK(!fo_glyph_bank_same(0.08, '0', "0123456789O"));
    OK(fo_glyph_bank_same(0.05, '0', "0123456789O"));
}

/* The digit a glyph is drawn as, among those the field allows. */
static void test_digit(void)
{
    fo_glyph_bank *b = NULL;
    fo_error err;
    OK(fo_glyph_bank_create(&b, &err) == FO_OK);
    add(b, ring(40, 70, false), '0', FO_PROTO_CELL);
    add(b, ess(40, 70), '5', FO_PROTO_CELL);
    PIX *p = ess(52, 91);
    INT_EQ(fo_glyph_bank_char(b, p, "0123456789"), '5');
    INT_EQ(fo_glyph_bank_char(b, p, "01234"), 0); /* 5 not allowed */
    pixDestroy(&p);
    p = ring(48, 84, false);
    INT_EQ(fo_glyph_bank_char(b, p, "0123456789"), '0');
    /* drawn alike to the pixel (an O as the zero): neither is said */
    add(b, ring(40, 70, false), 'O', FO_PROTO_CELL);
    INT_EQ(fo_glyph_bank_char(b, p, ""), 0);
    INT_EQ(fo_glyph_bank_char(b, p, "0123456789"), '0'); /* O not allowed */
    pixDestroy(&p);
    fo_glyph_bank_destroy(&b);
}

int main(void)
{
    RUN(test_near_and_far);
    RUN(test_line_digits_need_a_second);
    RUN(test_zeros_marked);
    RUN(test_same);
    RUN(test_digit);
    return harness_done();
}

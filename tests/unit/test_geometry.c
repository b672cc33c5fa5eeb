/* test_geometry.c - affine transforms: composition, inverse, fitting; homographies. */
#include "formocr/geometry.h"
#include "harness.h"

static void near_affine(fo_affine got, fo_affine want, double tol)
{
    NUM_NEAR(got.a, want.a, tol);
    NUM_NEAR(got.b, want.b, tol);
    NUM_NEAR(got.c, want.c, tol * 1000);
    NUM_NEAR(got.d, want.d, tol);
    NUM_NEAR(got.e, want.e, tol);
    NUM_NEAR(got.f, want.f, tol * 1000);
}

static void test_rotation_is_clockwise_on_the_page(void)
{
    /* y points down: turning (1, 0) clockwise by 90 degrees gives (0, 1) */
    fo_point p = fo_affine_apply(fo_affine_rotation(90), (fo_point){1, 0});
    NUM_NEAR(p.x, 0, 1e-12);
    NUM_NEAR(p.y, 1, 1e-12);
    NUM_NEAR(fo_affine_angle(fo_affine_rotation(3.5)), 3.5, 1e-9);
    NUM_NEAR(fo_affine_scale(
                 fo_affine_compose(fo_affine_scaling(2, 2), fo_affine_rotation(30))),
             2, 1e-12);
}

static void test_compose_order_and_inverse(void)
{
    fo_affine shift = fo_affine_translation(10, -4), twice = fo_affine_scaling(2, 2);
    fo_affine t = fo_affine_compose(twice, shift); /* shift, then scale */
    fo_affine inv;
    fo_point p = fo_affine_apply(t, (fo_point){1, 1});
    NUM_NEAR(p.x, 22, 1e-12);
    NUM_NEAR(p.y, -6, 1e-12);
    OK(fo_affine_invert(t, &inv));
    near_affine(fo_affine_compose(inv, t), fo_affine_identity(), 1e-12);
    OK(!fo_affine_invert(fo_affine_scaling(0, 1), &inv));
}

static void test_fit_recovers_a_transform(void)
{
    fo_affine truth = fo_affine_compose(
        fo_affine_translation(-50.5, 82.25),
        fo_affine_compose(fo_affine_scaling(0.83, 0.83), fo_affine_rotation(-3.2)));
    fo_point from[12], to[12];
    double w[12];
    fo_affine fit;
    for (int i = 0; i < 12; i++) {
        from[i] = (fo_point){(i % 4) * 900.0 + 13, (i / 4) * 1700.0 + 7};
        to[i] = fo_affine_apply(truth, from[i]);
        w[i] = 1;
    }
    /* two wild outliers, weighted out */
    to[3].x += 40;
    to[7].y -= 25;
    w[3] = w[7] = 0;
    OK(fo_affine_fit(from, to, w, 12, &fit));
    near_affine(fit, truth, 1e-9);
    /* collinear points cannot fix an affine transform */
    for (int i = 0; i < 4; i++)
        from[i] = (fo_point){i * 10.0, i * 10.0};
    OK(!fo_affine_fit(from, to, NULL, 4, &fit));
    OK(!fo_affine_fit(from, to, NULL, 2, &fit));
}

/* The homography of four points takes each to its pair, keeps a
 * parallelogram's map affine, and refuses a degenerate quadrilateral. */
static void test_homography_from_quads(void)
{
    const fo_point rect[4] = {{0, 0}, {2480, 0}, {2480, 3508}, {0, 3508}};
    const fo_point seen[4] = {
        {268.78, 92.96}, {2176.58, 183.49}, {1970.16, 2925.68}, {78.57, 2735.56}};
    const fo_point slanted[4] = {{10, 20}, {110, 30}, {130, 230}, {30, 220}};
    const fo_point line[4] = {{0, 0}, {1, 1}, {2, 2}, {0, 5}};
    fo_homography h;
    OK(fo_homography_from_quads(rect, seen, &h));
    for (int i = 0; i < 4; i++) {
        fo_point p = fo_homography_apply(&h, rect[i]);
        NUM_NEAR(p.x, seen[i].x, 1e-6);
        NUM_NEAR(p.y, seen[i].y, 1e-6);
    }
    /* the sheet's middle is where the quadrilateral's diagonals cross (a
     * projective map keeps lines), not the mean of its corners */
    {
        fo_point mid = fo_homography_apply(&h, (fo_point){1240, 1754});
        fo_point a = seen[0], b = seen[2], c = seen[1], d = seen[3];
        double den = (b.x - a.x) * (d.y - c.y) - (b.y - a.y) * (d.x - c.x);
        double t = ((c.x - a.x) * (d.y - c.y) - (c.y - a.y) * (d.x - c.x)) / den;
        NUM_NEAR(mid.x, a.x + t * (b.x - a.x), 1e-6);
        NUM_NEAR(mid.y, a.y + t * (b.y - a.y), 1e-6);
        OK(fabs(mid.x - (a.x + b.x + c.x + d.x) / 4) > 2 ||
           fabs(mid.y - (a.y + b.y + c.y + d.y) / 4) > 2);
    }
    OK(fo_homography_from_quads(rect, slanted, &h));
    NUM_NEAR(h.h[6], 0, 1e-12);
    NUM_NEAR(h.h[7], 0, 1e-12);
    {
        fo_point p = fo_homography_apply(&h, (fo_point){1240, 1754});
        NUM_NEAR(p.x, 70, 1e-9);
        NUM_NEAR(p.y, 125, 1e-9);
    }
    OK(!fo_homography_from_quads(rect, line, &h));
    OK(!fo_homography_from_quads(line, rect, &h));
}

int main(void)
{
    RUN(test_rotation_is_clockwise_on_the_page);
    RUN(test_compose_order_and_inverse);
    RUN(test_fit_recovers_a_transform);
    RUN(test_homography_from_quads);
    return harness_done();
}

/* test_geometry.c - affine transforms: composition, inverse, fitting. */
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

int main(void)
{
    RUN(test_rotation_is_clockwise_on_the_page);
    RUN(test_compose_order_and_inverse);
    RUN(test_fit_recovers_a_transform);
    return harness_done();
}

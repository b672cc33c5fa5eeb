/*
 * geometry.h - 2-D affine transforms between template and scan pixels, and
 * the homography a camera makes of a flat sheet.
 *
 * An fo_affine maps (x, y) to (a*x + b*y + c, d*x + e*y + f): the layout of
 * the "transform" that `formocr match` prints.  Composition reads right to
 * left, as in mathematics: fo_affine_compose(g, f) is "f, then g".
 */
#ifndef FORMOCR_GEOMETRY_H
#define FORMOCR_GEOMETRY_H

#include <stdbool.h>

#include "formocr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_affine {
    double a, b, c;
    double d, e, f;
} fo_affine;

typedef struct fo_point {
    double x, y;
} fo_point;

FO_API fo_affine fo_affine_identity(void);
FO_API fo_affine fo_affine_translation(double tx, double ty);
FO_API fo_affine fo_affine_scaling(double sx, double sy);
/* Rotation by deg degrees about the origin, clockwise on the page (y down). */
FO_API fo_affine fo_affine_rotation(double deg);
/* "first, then second". */
FO_API fo_affine fo_affine_compose(fo_affine second, fo_affine first);
/* false when t is singular (|det| below 1e-12). */
FO_API bool fo_affine_invert(fo_affine t, fo_affine *inverse);
FO_API fo_point fo_affine_apply(fo_affine t, fo_point p);

/*
 * Least-squares affine mapping from[i] to to[i] over the n pairs whose
 * weight (may be NULL: all 1) is positive.  false when the points are too
 * few or collinear.
 */
FO_API bool fo_affine_fit(const fo_point *from, const fo_point *to,
                          const double *weight, int n, fo_affine *out);

/* Rotation angle (degrees) and mean scale of t's linear part. */
FO_API double fo_affine_angle(fo_affine t);
FO_API double fo_affine_scale(fo_affine t);

/*
 * A plane projective transform (homography): (x, y) maps to
 * ((h[0] x + h[1] y + h[2]) / w, (h[3] x + h[4] y + h[5]) / w) with
 * w = h[6] x + h[7] y + h[8].  What a camera does to a flat sheet it sees
 * at an angle; an affine is the special case h[6] = h[7] = 0.
 */
typedef struct fo_homography {
    double h[9];
} fo_homography;

/*
 * The homography taking from[i] to to[i], i = 0..3 (four correspondences
 * fix its eight degrees of freedom): the 8x8 linear system of the direct
 * linear transform with h[8] = 1 (Hartley & Zisserman, Multiple View
 * Geometry, 2nd ed., §4.1), solved by Gaussian elimination with partial
 * pivoting on coordinates normalised to the points' spread.  false when
 * three of either quadrilateral's points are (nearly) collinear.
 */
FO_API bool fo_homography_from_quads(const fo_point *from, const fo_point *to,
                                     fo_homography *out);

/* h applied to p; a point h sends to infinity (w = 0) comes back as
 * (HUGE_VAL, HUGE_VAL). */
FO_API fo_point fo_homography_apply(const fo_homography *h, fo_point p);

#ifdef __cplusplus
}
#endif
#endif

/* geometry.c - affine transforms (see geometry.h). */
#include "formocr/geometry.h"

#include <math.h>

static const double SINGULAR = 1e-12;
static const double PI = 3.14159265358979323846;

fo_affine fo_affine_identity(void)
{
    return (fo_affine){1, 0, 0, 0, 1, 0};
}

fo_affine fo_affine_translation(double tx, double ty)
{
    return (fo_affine){1, 0, tx, 0, 1, ty};
}

fo_affine fo_affine_scaling(double sx, double sy)
{
    return (fo_affine){sx, 0, 0, 0, sy, 0};
}

fo_affine fo_affine_rotation(double deg)
{
    double r = deg * PI / 180.0, c = cos(r), s = sin(r);
    /* y points down the page: this turns the page clockwise as seen. */
    return (fo_affine){c, -s, 0, s, c, 0};
}

fo_affine fo_affine_compose(fo_affine g, fo_affine f)
{
    fo_affine r;
    r.a = g.a * f.a + g.b * f.d;
    r.b = g.a * f.b + g.b * f.e;
    r.c = g.a * f.c + g.b * f.f + g.c;
    r.d = g.d * f.a + g.e * f.d;
    r.e = g.d * f.b + g.e * f.e;
    r.f = g.d * f.c + g.e * f.f + g.f;
    return r;
}

bool fo_affine_invert(fo_affine t, fo_affine *inv)
{
    double det = t.a * t.e - t.b * t.d;
    if (fabs(det) < SINGULAR)
        return false;
    inv->a = t.e / det;
    inv->b = -t.b / det;
    inv->d = -t.d / det;
    inv->e = t.a / det;
    inv->c = -(inv->a * t.c + inv->b * t.f);
    inv->f = -(inv->d * t.c + inv->e * t.f);
    return true;
}

fo_point fo_affine_apply(fo_affine t, fo_point p)
{
    return (fo_point){t.a * p.x + t.b * p.y + t.c, t.d * p.x + t.e * p.y + t.f};
}

/* Solves the 3x3 system m * x = v by Cramer's rule; false if singular. */
static bool solve3(double m[3][3], const double v[3], double x[3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (fabs(det) < SINGULAR)
        return false;
    for (int k = 0; k < 3; k++) {
        double c[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[i][j] = j == k ? v[i] : m[i][j];
        x[k] = (c[0][0] * (c[1][1] * c[2][2] - c[1][2] * c[2][1]) -
                c[0][1] * (c[1][0] * c[2][2] - c[1][2] * c[2][0]) +
                c[0][2] * (c[1][0] * c[2][1] - c[1][1] * c[2][0])) /
               det;
    }
    return true;
}

bool fo_affine_fit(const fo_point *from, const fo_point *to, const double *weight,
                   int n, fo_affine *out)
{
    /* Normal equations of the two independent 3-parameter fits
     * x' = a x + b y + c and y' = d x + e y + f, centred on the points'
     * mean so that page-sized coordinates do not hurt the conditioning. */
    double sw = 0, mx = 0, my = 0, m[3][3] = {{0}}, vx[3] = {0}, vy[3] = {0};
    double px[3], py[3];
    int used = 0;

    for (int i = 0; i < n; i++) {
        double w = weight ? weight[i] : 1.0;
        if (w <= 0)
            continue;
        sw += w;
        mx += w * from[i].x;
        my += w * from[i].y;
        used++;
    }
    if (used < 3)
        return false;
    mx /= sw;
    my /= sw;
    for (int i = 0; i < n; i++) {
        double w = weight ? weight[i] : 1.0, u[3];
        if (w <= 0)
            continue;
        u[0] = from[i].x - mx;
        u[1] = from[i].y - my;
        u[2] = 1.0;
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++)
                m[r][c] += w * u[r] * u[c];
            vx[r] += w * u[r] * to[i].x;
            vy[r] += w * u[r] * to[i].y;
        }
    }
    if (!solve3(m, vx, px) || !solve3(m, vy, py))
        return false;
    out->a = px[0];
    out->b = px[1];
    out->c = px[2] - px[0] * mx - px[1] * my;
    out->d = py[0];
    out->e = py[1];
    out->f = py[2] - py[0] * mx - py[1] * my;
    return true;
}

double fo_affine_angle(fo_affine t)
{
    return atan2(t.d - t.b, t.a + t.e) * 180.0 / PI;
}

double fo_affine_scale(fo_affine t)
{
    return sqrt(fabs(t.a * t.e - t.b * t.d));
}

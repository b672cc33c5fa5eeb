/* geometry.c - affine transforms and homographies (see geometry.h). */
#include "formocr/geometry.h"

#include <math.h>
#include <string.h>

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

fo_point fo_homography_apply(const fo_homography *h, fo_point p)
{
    const double *m = h->h;
    double w = m[6] * p.x + m[7] * p.y + m[8];
    fo_point q = {HUGE_VAL, HUGE_VAL};
    if (fabs(w) < 1e-300)
        return q;
    q.x = (m[0] * p.x + m[1] * p.y + m[2]) / w;
    q.y = (m[3] * p.x + m[4] * p.y + m[5]) / w;
    return q;
}

/* Solves a x = b (n <= 8) in place by Gaussian elimination with partial
 * pivoting; false when a pivot is (relatively) zero. */
static bool solve_n(double a[8][8], double b[8], int n, double x[8])
{
    double scale = 0;
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
            scale = fmax(scale, fabs(a[r][c]));
    if (scale == 0)
        return false;
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int r = k + 1; r < n; r++)
            if (fabs(a[r][k]) > fabs(a[p][k]))
                p = r;
        if (fabs(a[p][k]) < 1e-10 * scale)
            return false;
        if (p != k) {
            for (int c = 0; c < n; c++) {
                double t = a[k][c];
                a[k][c] = a[p][c];
                a[p][c] = t;
            }
            double t = b[k];
            b[k] = b[p];
            b[p] = t;
        }
        for (int r = k + 1; r < n; r++) {
            double f = a[r][k] / a[k][k];
            for (int c = k; c < n; c++)
                a[r][c] -= f * a[k][c];
            b[r] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        double s = b[k];
        for (int c = k + 1; c < n; c++)
            s -= a[k][c] * x[c];
        x[k] = s / a[k][k];
    }
    return true;
}

/* The similarity moving pts' centroid to 0 with mean distance sqrt(2)
 * (Hartley's normalisation), as n = (s, tx, ty): x' = s x + tx. */
static bool normaliser(const fo_point pts[4], double n[3])
{
    double mx = 0, my = 0, d = 0;
    for (int i = 0; i < 4; i++) {
        mx += pts[i].x / 4;
        my += pts[i].y / 4;
    }
    for (int i = 0; i < 4; i++)
        d += hypot(pts[i].x - mx, pts[i].y - my) / 4;
    if (!(d > 1e-9) || !isfinite(d))
        return false;
    n[0] = sqrt(2.0) / d;
    n[1] = -n[0] * mx;
    n[2] = -n[0] * my;
    return true;
}

/* Twice the signed area of the triangle abc. */
static double cross3(fo_point a, fo_point b, fo_point c)
{
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

/* Whether no three of the four points are (nearly) collinear, relative to
 * their spread. */
static bool general_position(const fo_point q[4])
{
    double span = 0;
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            span = fmax(span, hypot(q[i].x - q[j].x, q[i].y - q[j].y));
    for (int i = 0; i < 4; i++)
        if (fabs(cross3(q[(i + 1) % 4], q[(i + 2) % 4], q[(i + 3) % 4])) <
            1e-6 * span * span)
            return false;
    return span > 0;
}

bool fo_homography_from_quads(const fo_point *from, const fo_point *to,
                              fo_homography *out)
{
    double nf[3], nt[3], a[8][8], b[8], x[8];
    fo_point f[4], t[4];

    if (!general_position(from) || !general_position(to) || !normaliser(from, nf) ||
        !normaliser(to, nt))
        return false;
    for (int i = 0; i < 4; i++) {
        f[i] = (fo_point){nf[0] * from[i].x + nf[1], nf[0] * from[i].y + nf[2]};
        t[i] = (fo_point){nt[0] * to[i].x + nt[1], nt[0] * to[i].y + nt[2]};
        /* u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v likewise */
        double r0[8] = {f[i].x, f[i].y, 1, 0, 0, 0, -f[i].x * t[i].x, -f[i].y * t[i].x};
        double r1[8] = {0, 0, 0, f[i].x, f[i].y, 1, -f[i].x * t[i].y, -f[i].y * t[i].y};
        memcpy(a[2 * i], r0, sizeof r0);
        memcpy(a[2 * i + 1], r1, sizeof r1);
        b[2 * i] = t[i].x;
        b[2 * i + 1] = t[i].y;
    }
    if (!solve_n(a, b, 8, x))
        return false;
    /* H = Nt^-1 * Hn * Nf, with N = [[s,0,tx],[0,s,ty],[0,0,1]] */
    {
        double hn[9] = {x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], 1.0};
        double nfm[9] = {nf[0], 0, nf[1], 0, nf[0], nf[2], 0, 0, 1};
        double inv[9] = {1 / nt[0], 0, -nt[1] / nt[0], 0, 1 / nt[0], -nt[2] / nt[0], 0,
                         0,         1};
        double tmp[9] = {0}, h[9] = {0};
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 3; k++)
                    tmp[3 * r + c] += hn[3 * r + k] * nfm[3 * k + c];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 3; k++)
                    h[3 * r + c] += inv[3 * r + k] * tmp[3 * k + c];
        if (!(fabs(h[8]) > 1e-300))
            return false;
        for (int i = 0; i < 9; i++)
            out->h[i] = h[i] / h[8];
    }
    for (int i = 0; i < 9; i++)
        if (!isfinite(out->h[i]))
            return false;
    return true;
}

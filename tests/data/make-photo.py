#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A phone photo of a paper form lying on a table, made from a scan of it.

    make-photo.py INPUT OUTPUT [--seed N] [--page N] [--tilt DEG] [--fill F]
        [--background dark|wood|grey|light] [--light uneven|even]
        [--quality Q] [--size LONGSIDE] [--orient portrait|landscape]

The sheet is put on a textured table, turned in its plane (up to 8 degrees),
tilted in 3D towards the camera (up to --tilt, 15 by default, about a random
axis) and seen through a pinhole camera (focal 1.0-1.3x the long side), so it
is a true projective quadrilateral covering --fill of the frame (0.55-0.8;
less when the turned sheet would not fit with table visible all around).
Then: a small drop shadow under the sheet, uneven light (a 0.65-1.0 linear
gradient, a vignette, maybe a soft shadow blob, a slight colour cast), camera
blur, gaussian sensor noise and JPEG (PNG if OUTPUT ends .png), 72 dpi.
OUTPUT.json gets the seed, every parameter and the sheet's corners in output
pixels (top-left, top-right, bottom-right, bottom-left of the page as
scanned; pixel edges, so (0, 0) is the frame's outer corner).
Every random value is drawn whatever the options, so an option changes only
its own aspect; the same input, options and seed give the same bytes.
Limits: no lens distortion, paper curl or folds, motion blur, focus falloff,
glare, auto-exposure or phone-style sharpening; noise is signal-independent.
Needs only PIL.
"""
import argparse
import json
import math
import random
from statistics import NormalDist

from PIL import Image, ImageChops, ImageFilter

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("input")
p.add_argument("output")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--page", type=int, default=1)
p.add_argument("--tilt", type=float)
p.add_argument("--fill", type=float)
p.add_argument("--background", choices=["dark", "wood", "grey", "light"])
p.add_argument("--light", choices=["uneven", "even"], default="uneven")
p.add_argument("--quality", type=int, default=85)
p.add_argument("--size", type=int, default=3000)
p.add_argument("--orient", choices=["portrait", "landscape"])
a = p.parse_args()
rng = random.Random(a.seed)
U = rng.uniform

src = Image.open(a.input)
src.seek(a.page - 1)
sheet = src.convert("RGB")
w, h = sheet.size

# All draws first, in a fixed order.
d = dict(orient_match=rng.random() < 0.8, fill=U(0.55, 0.8), rotate=U(-8, 8),
         tilt=U(0, 15), tilt_axis=U(0, 180), focal=U(1.0, 1.3),
         pos=(rng.random(), rng.random()),
         background=rng.choice(["dark", "wood", "grey"]),
         grad_dir=U(0, 360), vignette=U(0.1, 0.25),
         blob=rng.random() < 0.5, blob_at=(rng.random(), rng.random()),
         blob_r=U(0.15, 0.35), blob_depth=U(0.1, 0.25),
         cast=(U(0.97, 1.0), U(0.97, 1.0), U(0.9, 0.98)),
         blur=U(0.6, 1.2), noise=U(3, 6), shadow=U(0.2, 0.4))
tint = [U(0, 1) for _ in range(3)]
tex_angle = U(0, 180)
tex_seed = rng.getrandbits(64)
noise_seed = rng.getrandbits(64)
orient = a.orient or ("portrait" if (h >= w) == d["orient_match"]
                      else "landscape")
for k in ("fill", "tilt", "background"):
    if getattr(a, k) is not None:
        d[k] = getattr(a, k)
d.update(orient=orient, light=a.light, quality=a.quality)
L = a.size
W, H = (round(L * 3 / 4), L) if orient == "portrait" else (L, round(L * 3 / 4))

# Geometry: the sheet in 3D at distance f, so 1 unit = 1 pixel at its centre.
f = d["focal"] * L
sw = math.sqrt(d["fill"] * W * H * w / h)
sh = sw * h / w
r, t, ax = (math.radians(d[k]) for k in ("rotate", "tilt", "tilt_axis"))
ux, uy = math.cos(ax), math.sin(ax)  # tilt axis, in the table's plane
c, s = math.cos(t), math.sin(t)


def to_3d(x, y):
    x, y = x * math.cos(r) - y * math.sin(r), x * math.sin(r) + y * math.cos(r)
    dot = x * ux + y * uy  # Rodrigues, vector (x, y, 0) about (ux, uy, 0)
    return [x * c + ux * dot * (1 - c), y * c + uy * dot * (1 - c),
            (ux * y - uy * x) * s + f]


quad = []
for x, y in ((-sw / 2, -sh / 2), (sw / 2, -sh / 2), (sw / 2, sh / 2),
             (-sw / 2, sh / 2)):
    X, Y, Z = to_3d(x, y)
    quad.append((f * X / Z, f * Y / Z))


def area(q):
    return abs(sum(q[i][0] * q[i - 1][1] - q[i - 1][0] * q[i][1]
                   for i in range(4))) / 2


k = math.sqrt(d["fill"] * W * H / area(quad))
bw = max(x for x, _ in quad) - min(x for x, _ in quad)
bh = max(y for _, y in quad) - min(y for _, y in quad)
margin = 0.03 * min(W, H)
k = min(k, (W - 2 * margin) / bw, (H - 2 * margin) / bh)
x0 = margin + d["pos"][0] * (W - 2 * margin - k * bw)
y0 = margin + d["pos"][1] * (H - 2 * margin - k * bh)
mx, my = min(x for x, _ in quad), min(y for _, y in quad)
quad = [(x0 + k * (x - mx), y0 + k * (y - my)) for x, y in quad]
d["fill"] = area(quad) / (W * H)


def perspective(dst, srcq):
    """The 8 PIL coefficients sending each point of dst to srcq's."""
    m = []
    for (x, y), (u, v) in zip(dst, srcq):
        m.append([x, y, 1, 0, 0, 0, -x * u, -y * u, u])
        m.append([0, 0, 0, x, y, 1, -x * v, -y * v, v])
    for i in range(8):  # Gauss-Jordan with partial pivoting
        piv = max(range(i, 8), key=lambda j: abs(m[j][i]))
        m[i], m[piv] = m[piv], m[i]
        m[i] = [e / m[i][i] for e in m[i]]
        for j in range(8):
            if j != i:
                m[j] = [e - m[j][i] * ei for e, ei in zip(m[j], m[i])]
    return [row[8] for row in m]


# Resample the scan near the photo's scale first: transform() does not filter.
z = math.sqrt(area(quad) / (w * h)) * 1.1
sheet = sheet.resize((round(w * z), round(h * z)), Image.LANCZOS)
sw, sh = sheet.size
coef = perspective(quad, [(0, 0), (sw, 0), (sw, sh), (0, sh)])
paper = sheet.getpixel((2, 2))
sheet = sheet.transform((W, H), Image.PERSPECTIVE, coef, Image.BICUBIC,
                        fillcolor=paper)
pad = 4  # a padded mask gives the sheet's edge a soft, partial-pixel border
mask = Image.new("L", (sw + 2 * pad, sh + 2 * pad), 0)
mask.paste(255, (pad, pad, pad + sw, pad + sh))
mcoef = perspective(quad, [(pad, pad), (sw + pad, pad), (sw + pad, sh + pad),
                           (pad, sh + pad)])
mask = mask.transform((W, H), Image.PERSPECTIVE, mcoef, Image.BICUBIC)


def noise_image(size, seed):
    return Image.frombytes("L", size, random.Random(seed).randbytes(
        size[0] * size[1]))


def factor(img, lo):
    """img's 0..255 mapped to a multiplier from lo to 1 (255 = 1)."""
    return img.point([round(255 * (lo + (1 - lo) * v / 255))
                      for v in range(256)])


# The table: a base colour times a texture.
bg = d["background"]
if bg == "wood":
    D = math.ceil(math.hypot(W, H))
    tex = ImageChops.add(
        noise_image((6, 90), tex_seed).resize((D, D), Image.BICUBIC),
        noise_image((4, 700), tex_seed + 1).resize((D, D), Image.BICUBIC),
        scale=2)
    tex = tex.rotate(tex_angle, Image.BICUBIC).crop(
        ((D - W) // 2, (D - H) // 2, (D - W) // 2 + W, (D - H) // 2 + H))
    lo = 0.55
    base = (170 + 30 * tint[0], 115 + 25 * tint[1], 70 + 20 * tint[2])
else:
    tex = ImageChops.add(
        noise_image((W // 40 + 4, H // 40 + 4), tex_seed).resize(
            (W, H), Image.BICUBIC),
        noise_image((W // 6 + 4, H // 6 + 4), tex_seed + 1).resize(
            (W, H), Image.BICUBIC), scale=2)
    if bg == "dark":
        lo, base = 0.7, (60 + 25 * tint[0], 50 + 20 * tint[1],
                         40 + 20 * tint[2])
    else:
        g = 90 + 50 * tint[0] if bg == "grey" else 180 + 30 * tint[0]
        lo, base = 0.85, (g, g - 3 + 6 * tint[1], g - 6 + 8 * tint[2])
base = tuple(round(v / (1 - (1 - lo) / 2)) for v in base)
table = ImageChops.multiply(Image.new("RGB", (W, H), base),
                            factor(tex, lo).convert("RGB"))

# The sheet's shadow on the table, then the sheet.
off = round(0.004 * L)
shade = ImageChops.offset(mask, off, off).filter(
    ImageFilter.GaussianBlur(0.006 * L))
shade = shade.point([round(255 - d["shadow"] * v) for v in range(256)])
table = ImageChops.multiply(table, shade.convert("RGB"))
photo = Image.composite(sheet, table, mask)

# Light: computed on a coarse grid, smoothly enlarged.
gw, gh = (W // 40, H // 40)
light = Image.new("L", (gw, gh))
gd = math.radians(d["grad_dir"])
gx, gy = math.cos(gd), math.sin(gd)
span = abs(gx) * gw + abs(gy) * gh
bx, by = d["blob_at"][0] * gw, d["blob_at"][1] * gh
for j in range(gh):
    for i in range(gw):
        x, y = i + 0.5, j + 0.5
        v = 1.0
        if d["light"] == "uneven":
            along = ((x - gw / 2) * gx + (y - gh / 2) * gy) / span + 0.5
            v = 0.65 + 0.35 * along
            rr = ((x / gw - 0.5) ** 2 + (y / gh - 0.5) ** 2) * 2
            v *= 1 - d["vignette"] * rr
            if d["blob"]:
                q = ((x - bx) ** 2 + (y - by) ** 2) / (d["blob_r"] * gw) ** 2
                v *= 1 - d["blob_depth"] * math.exp(-q)
        light.putpixel((i, j), round(255 * v))
light = light.resize((W, H), Image.BICUBIC)
photo = ImageChops.multiply(photo, Image.merge("RGB", [
    light.point([round(v * cc) for v in range(256)]) for cc in d["cast"]]))

# The camera: blur, then gaussian noise from a uniform byte per pixel.
photo = photo.filter(ImageFilter.GaussianBlur(d["blur"]))
nd = NormalDist(128, d["noise"])
lut = [max(0, min(255, round(nd.inv_cdf((v + 0.5) / 256))))
       for v in range(256)]
photo = ImageChops.add(photo, Image.merge("RGB", [
    noise_image((W, H), noise_seed + n).point(lut) for n in range(3)]),
    1, -128)

if a.output.lower().endswith(".png"):
    photo.save(a.output, dpi=(72, 72))
else:
    photo.save(a.output, "JPEG", quality=a.quality, dpi=(72, 72))
d.update(size=[W, H], focal_px=round(f, 1))
json.dump({"input": a.input, "page": a.page, "seed": a.seed,
           "params": {k: json.loads(json.dumps(v), parse_float=lambda x:
                                 round(float(x), 4)) for k, v in d.items()},
           "corners": [[round(x, 2), round(y, 2)] for x, y in quad]},
          open(a.output + ".json", "w"), indent=1)

#!/usr/bin/python3
"""Derive near-miss templates from the shipped ones, for matcher tests.

    /usr/bin/python3 scripts/make-templates.py --from templates --count 28 \\
        --seed 1 --out /tmp/nearmiss

writes DIR/nearmiss_01/template.json + page1.png, ... Template N is derived
from the shipped templates in turn (sorted by folder name), so that it looks
like another form of the same family: same printing, same kind of sections,
but a different layout.  Each gets two or three of these edits, chosen by
--seed and its number:

  swap       two sections (bands between blank rows that hold fields) trade places
  shift      a section and everything below it move down 100-400 px (at 300 dpi)
  remove     a section is cut out (what follows moves up) or painted out
  duplicate  a section is repeated just below itself, its fields renamed *_2
  column     a column of small boxes (combs, cells, checkboxes) moves sideways
             into blank paper
  title      the title line and the form number ("N° 1xxxx*0y") are repainted

Fields move with their section; fields of a removed section, or pushed off
the bottom of the page, are dropped.  Kept fields keep their type, checks and
options; every box stays inside the page.  The page image is written as an
RGB PNG, optimised.  Page N does not depend on --count.

Sections are found from the image: a cut goes through rows that hold no ink
and no field box; a field-less band (a section title bar) close above a band
with fields travels with it.  Only the standard library and Pillow.
"""

import argparse
import copy
import glob
import json
import math
import os
import random
import re
import sys

try:
    from PIL import Image, ImageDraw, ImageFont
except ImportError:
    sys.exit("make-templates: pillow is missing: run this script with /usr/bin/python3")

PROG = "make-templates"

INK = 240                 # a pixel darker than this (luminance) is ink
BLANK_ROW_INK = 2         # a row with at most this many ink pixels is blank
MIN_GAP_IN = 8 / 300      # a cut needs this many blank rows
ATTACH_GAP_IN = 30 / 300  # a field-less band this close above a section belongs to it
SHIFT_IN = (100 / 300, 400 / 300)
COLUMN_SHIFT_IN = (60 / 300, 400 / 300)
COLUMN_PAD_IN = 0.04      # around moved boxes: their frame, comb ticks, underline
PAGE_MARGIN_IN = 0.25     # moved boxes stay this far inside the page
MAX_DUPLICATE = 0.30      # of the page height: larger sections are not duplicated
MIN_FIELDS = 3
MAX_OVERFLOW_FIELDS = 3   # fields a plan may push off the bottom of the page
HEADER_IN = 0.8           # a section starting this high is the header: it stays
ATTEMPTS = 30             # edit plans tried per template

LAYOUT_OPS = {"swap": 30, "shift": 20, "remove": 20, "duplicate": 15, "column": 15}
TITLE_P = 0.75

TITLES = (
    ("DÉCLARATION DE CHANGEMENT D'ADRESSE", "Déclaration de changement d'adresse"),
    ("DEMANDE D'ATTESTATION DE DROITS", "Demande d'attestation de droits"),
    ("DÉCLARATION DE VOL DE DOCUMENTS", "Déclaration de vol de documents"),
    ("DEMANDE DE DUPLICATA", "Demande de duplicata"),
    ("DÉCLARATION DE SITUATION", "Déclaration de situation"),
    ("DEMANDE DE CARTE EUROPÉENNE D'ASSURANCE MALADIE",
     "Demande de carte européenne d'assurance maladie"),
    ("ATTESTATION SUR L'HONNEUR", "Attestation sur l'honneur"),
    ("DEMANDE DE REMBOURSEMENT DE SOINS", "Demande de remboursement de soins"),
    ("DÉCLARATION DE GROSSESSE", "Déclaration de grossesse"),
    ("DEMANDE D'AIDE AU LOGEMENT", "Demande d'aide au logement"),
    ("DÉCLARATION DE CHOIX DU MÉDECIN DE L'ENFANT",
     "Déclaration de choix du médecin de l'enfant"),
    ("DEMANDE DE RECTIFICATION D'ÉTAT CIVIL", "Demande de rectification d'état civil"),
    ("DÉCLARATION DE PERTE DE PERMIS DE CONDUIRE", "Déclaration de perte de permis de conduire"),
    ("DEMANDE DE CHANGEMENT DE CAISSE", "Demande de changement de caisse"),
)
# The title's typeface, for the shipped forms (others get a bold sans).
SERIF_TEMPLATES = {"cerfa_12485_03"}
FONT_DIRS = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/dejavu",
             "/usr/share/fonts/truetype/freefont")
FONTS = {"serif": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf", "FreeSerifBold.ttf"),
         "sans": ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf", "FreeSansBold.ttf")}

NAME_RE = re.compile(r"[a-z][a-z0-9_]*")


def die(message):
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(2)


# --- loading -------------------------------------------------------------------------

def load_sources(folder):
    paths = sorted(glob.glob(os.path.join(folder, "*", "template.json")))
    if not paths:
        die(f"{folder}: no */template.json found")
    sources = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            base = os.path.dirname(path)
            images = [load_image(os.path.join(base, p["reference"])) for p in doc["pages"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            die(f"{path}: cannot load template ({e})")
        sources.append((doc, images))
    return sources


def load_image(path):
    im = Image.open(path)
    if im.mode in ("RGBA", "LA", "PA", "P") or "transparency" in im.info:
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im)
    return im.convert("RGB")


def boxes_of(field):
    if "options" in field:
        return list(field["options"].values())
    return field.get("lines") or field.get("cells") or [field["box"]]


def field_span(field):
    bs = boxes_of(field)
    return (min(b[0] for b in bs), min(b[1] for b in bs),
            max(b[0] + b[2] for b in bs), max(b[1] + b[3] for b in bs))


def move_field(field, dx, dy):
    """The field with every box moved by (dx, dy) (integers stay integers)."""
    f = copy.deepcopy(field)

    def mv(b):
        return [b[0] + dx, b[1] + dy, b[2], b[3]]

    if "options" in f:
        f["options"] = {k: mv(b) for k, b in f["options"].items()}
    for key in ("lines", "cells"):
        if key in f:
            f[key] = [mv(b) for b in f[key]]
    if "box" in f:
        f["box"] = mv(f["box"])
    return f


# --- page analysis ---------------------------------------------------------------------

class Layout:
    """Blank-row cuts and the sections between them."""

    def __init__(self, image, fields, dpi):
        self.W, self.H = image.size
        self.dpi = dpi
        grey = image.convert("L")
        ink = grey.point([255 if v < INK else 0 for v in range(256)])
        data = ink.tobytes()
        W = self.W
        self.row_ink = [data[y * W:(y + 1) * W].count(255) for y in range(self.H)]
        covered = [False] * self.H
        for f in fields:
            x0, y0, x1, y1 = field_span(f)
            for y in range(max(0, math.floor(y0)), min(self.H, math.ceil(y1))):
                covered[y] = True
        blank = [self.row_ink[y] <= BLANK_ROW_INK and not covered[y] for y in range(self.H)]
        min_gap = max(2, round(MIN_GAP_IN * dpi))
        gaps, y = [], 0
        while y < self.H:
            if blank[y]:
                y0 = y
                while y < self.H and blank[y]:
                    y += 1
                if y - y0 >= min_gap or y0 == 0 or y == self.H:
                    gaps.append((y0, y))
            else:
                y += 1
        # bands: the ink between gaps
        edges = [0] + [v for g in gaps for v in g] + [self.H]
        bands = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)
                 if edges[i + 1] > edges[i]]
        # a field belongs to the band holding its top; bands sharing a field merge
        def band_of(y):
            return next((i for i, (a, b) in enumerate(bands) if a <= y < b), None)

        merged = list(range(len(bands)))
        for f in fields:
            x0, y0, x1, y1 = field_span(f)
            i, j = band_of(y0), band_of(max(y0, y1 - 1))
            if i is not None and j is not None:
                for k in range(i, j + 1):
                    merged[k] = merged[i]
        groups = {}
        for i, root in enumerate(merged):
            groups.setdefault(root, []).append(i)
        bands = [(bands[g[0]][0], bands[g[-1]][1]) for g in sorted(groups.values())]
        band_fields = [[f for f in fields if a <= field_span(f)[1] < b] for a, b in bands]
        # a field-less band close above another joins it (a section title bar)
        attach = ATTACH_GAP_IN * dpi
        blocks, pending = [], None
        for (a, b), fs in zip(bands, band_fields):
            if pending and a - pending[1] < attach:
                a = pending[0]
            elif pending:
                blocks.append((pending[0], pending[1], []))
            pending = None
            if fs:
                blocks.append((a, b, fs))
            else:
                pending = (a, b)
        if pending:
            blocks.append((pending[0], pending[1], []))
        self.blocks = blocks       # (top, bottom, fields), top to bottom

    def intervals(self):
        """The page cut into consecutive row intervals: blocks and the gaps
        between them, as dicts that the edits below reorder."""
        out, y = [], 0
        for i, (a, b, fs) in enumerate(self.blocks):
            if a > y:
                out.append({"src": (y, a), "fields": [], "kind": "gap"})
            out.append({"src": (a, b), "fields": fs, "kind": "block", "id": i})
            y = b
        if y < self.H:
            out.append({"src": (y, self.H), "fields": [], "kind": "gap"})
        return out


def title_boxes(image, layout, fields):
    """(title box, number box) in the page's header, either may be None.

    The title is the widest ink run of the topmost text line in the middle
    of the page; the form number, a short line under a logo in the left or
    right fifth.  Neither may touch a field."""
    W, H = image.size
    dpi = layout.dpi
    first_field = min((field_span(f)[1] for f in fields), default=H)
    header_bottom = min(round(0.16 * H), H)
    grey = image.convert("L")
    ink = grey.point([255 if v < INK else 0 for v in range(256)])

    def row_runs(x0, x1, y0, y1, min_h):
        strip = ink.crop((x0, y0, x1, y1)).tobytes()
        w = x1 - x0
        rows = [strip[i * w:(i + 1) * w].count(255) > 0 for i in range(y1 - y0)]
        runs, i = [], 0
        while i < len(rows):
            if rows[i]:
                j = i
                while j < len(rows) and rows[j]:
                    j += 1
                if j - i >= min_h:
                    runs.append((y0 + i, y0 + j))
                i = j
            else:
                i += 1
        return runs

    def col_runs(x0, x1, y0, y1, min_gap):
        strip = ink.crop((x0, y0, x1, y1))
        cols = [c > 0 for c in strip.reduce((1, y1 - y0)).tobytes()] if y1 > y0 else []
        runs, i = [], 0
        while i < len(cols):
            if cols[i]:
                j, last = i, i
                while j < len(cols) and (cols[j] or j - last < min_gap):
                    if cols[j]:
                        last = j
                    j += 1
                runs.append((x0 + i, x0 + last + 1))
                i = j
            else:
                i += 1
        return runs

    def clear_of_fields(box):
        x0, y0, x1, y1 = box
        return all(f[2] <= x0 or f[0] >= x1 or f[3] <= y0 or f[1] >= y1
                   for f in map(field_span, fields))

    def widest(runs):
        return max(runs, key=lambda r: r[1] - r[0]) if runs else None

    title = None
    tall = round(0.08 * dpi)
    word_gap = round(0.3 * dpi)
    lines = row_runs(round(0.18 * W), round(0.92 * W), 0, header_bottom, tall)
    if lines:   # the top of the header; logos beside it may join lines together,
        y0, y1 = lines[0]     # so split it again inside its widest part
        cols = widest(col_runs(round(0.18 * W), round(0.92 * W), y0, y1, word_gap))
        sub = row_runs(cols[0], cols[1], y0, y1, tall) if cols else []
        if sub:
            y0, y1 = sub[0]
            x0, x1 = widest(col_runs(cols[0], cols[1], y0, y1, word_gap))
            rows = row_runs(x0, x1, y0, y1, 1)
            y0, y1 = rows[0][0], rows[-1][1]
            h = y1 - y0       # take in accents above and cedillas below
            above = [r for r in row_runs(x0, x1, max(0, y0 - h // 2), y0, 1)
                     if r[1] >= y0 - 0.2 * h]
            below = [r for r in row_runs(x0, x1, y1, min(H, y1 + h // 3), 1)
                     if r[0] <= y1 + 0.15 * h]
            box = (x0, min([y0] + [r[0] for r in above]), x1, max([y1] + [r[1] for r in below]))
            if x1 - x0 > 0.25 * W and clear_of_fields(box):
                title = box
    number = None
    for sx0, sx1 in ((0, round(0.2 * W)), (round(0.8 * W), W)):
        runs = row_runs(sx0, sx1, 0, min(header_bottom, first_field + round(0.2 * dpi)), 2)
        for (a0, a1), (b0, b1) in zip(runs, runs[1:]):
            small = 0.05 * dpi <= b1 - b0 <= 0.16 * dpi
            if a1 - a0 > 1.5 * (b1 - b0) and small and b0 - a1 < 0.2 * dpi:
                cols = col_runs(sx0, sx1, b0, b1, round(0.1 * dpi))
                if cols:
                    box = (cols[0][0], b0, cols[-1][1], b1)
                    if 0.3 * dpi < box[2] - box[0] < 0.2 * W and clear_of_fields(box):
                        number = box
    return title, number


# --- edits -------------------------------------------------------------------------------

def font_path(style):
    for name in FONTS[style]:
        for d in FONT_DIRS:
            path = os.path.join(d, name)
            if os.path.exists(path):
                return path
    die("no bold TrueType font found (install fonts-liberation or fonts-dejavu-core)")


def ink_colour(image, box):
    """The print colour: the mean of the box's clearly inked pixels."""
    px = list(image.crop(box).getdata())
    inked = [p for p in px if sum(p) < 3 * 200] or [min(px, key=sum)]
    return tuple(round(sum(p[i] for p in inked) / len(inked)) for i in range(3))


def fitted_font(path, text, width, height):
    size = max(8, round(height * 1.6))
    while size > 8:
        f = ImageFont.truetype(path, size)
        x0, y0, x1, y1 = f.getbbox(text, anchor="ls")
        if x1 - x0 <= width and -y0 <= height:
            return f
        size -= 1
    return ImageFont.truetype(path, 8)


def edit_title(image, layout, fields, rng, style, log):
    """Repaint the title line and the form number; returns the new title."""
    title, number = title_boxes(image, layout, fields)
    if not title:
        return None
    draw = ImageDraw.Draw(image)
    W = image.width
    pad = round(0.02 * layout.dpi)
    upper, sentence = rng.choice(TITLES)
    colour = ink_colour(image, title)
    x0, y0, x1, y1 = title
    draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill="white")
    cx = (x0 + x1) / 2
    # the new line may be wider, up to the nearest ink on its rows (a logo)
    cols = image.convert("L").crop((0, y0, W, y1)).reduce((1, y1 - y0)).tobytes()
    left = max([x for x in range(0, round(cx)) if cols[x] < INK], default=0)
    right = min([x for x in range(round(cx), W) if cols[x] < INK], default=W)
    room = 2 * min(cx - left, right - cx) - 2 * 0.15 * layout.dpi
    cap = (y1 - y0) * 0.72
    f = fitted_font(font_path(style), upper, max(x1 - x0, room), cap)
    draw.text((cx, y0 + pad + cap), upper, font=f, fill=colour, anchor="ms")
    log.append(f"title \"{upper}\"")
    if number:
        x0, y0, x1, y1 = number
        colour = ink_colour(image, number)
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill="white")
        text = f"N° {rng.randint(10000, 16999)}*{rng.randint(1, 9):02d}"
        f = fitted_font(font_path("sans"), text, 1.1 * (x1 - x0), (y1 - y0) * 0.8)
        left = x0 if x0 < W / 2 else x1 - f.getlength(text)
        draw.text((max(pad, left), y1 - (y1 - y0) * 0.12), text, font=f, fill=colour, anchor="ls")
        log.append(f"number \"{text}\"")
    return sentence


def edit_column(image, layout, fields, rng, log):
    """Move a column of small boxes (same left edge) sideways into blank
    paper; returns the fields with the moved ones updated, or None."""
    W, H = image.size
    dpi = layout.dpi
    grey = image.convert("L")
    small = [f for f in fields if "cells" in f or "comb" in f or "options" in f
             or f["type"] == "checkbox" or ("box" in f and f["box"][2] < 0.4 * W)]
    groups = {}
    for f in small:
        groups.setdefault(round(field_span(f)[0] / (0.02 * W)), []).append(f)
    candidates = sorted(groups.values(), key=lambda g: (-len(g), field_span(g[0])))
    rng.shuffle(candidates)
    pad = round(COLUMN_PAD_IN * dpi)
    margin = PAGE_MARGIN_IN * dpi
    for group in candidates[:8]:
        regions = []
        for f in group:
            x0, y0, x1, y1 = field_span(f)
            regions.append(grow(grey, (math.floor(x0) - pad, math.floor(y0) - pad,
                                       math.ceil(x1) + pad, math.ceil(y1) + pad), 4 * pad))
        for _ in range(12):
            dx = round(rng.uniform(*COLUMN_SHIFT_IN) * dpi) * rng.choice((-1, 1))
            if all(_free_to_move(grey, r, dx, fields, group, margin) for r in regions):
                crops = [image.crop(r) for r in regions]
                for r in regions:
                    image.paste((255, 255, 255), r)
                for r, c in zip(regions, crops):
                    image.paste(c, (r[0] + dx, r[1]))
                names = {f["name"] for f in group}
                log.append(f"column {'+' if dx > 0 else ''}{dx}px: {', '.join(sorted(names))}")
                return [move_field(f, dx, 0) if f["name"] in names else f for f in fields]
    return None


def grow(grey, region, limit):
    """The region grown on each side until its edge crosses no ink (the
    tinted frame around a comb), by at most limit pixels a side."""
    x0, y0, x1, y1 = region
    W, H = grey.size

    def inked(box):
        return box[2] > box[0] and box[3] > box[1] and grey.crop(box).getextrema()[0] < INK

    for _ in range(limit):
        moved = False
        if x0 > 0 and inked((x0, y0, x0 + 1, y1)):
            x0, moved = x0 - 1, True
        if x1 < W and inked((x1 - 1, y0, x1, y1)):
            x1, moved = x1 + 1, True
        if y0 > 0 and inked((x0, y0, x1, y0 + 1)):
            y0, moved = y0 - 1, True
        if y1 < H and inked((x0, y1 - 1, x1, y1)):
            y1, moved = y1 + 1, True
        if not moved:
            break
    return x0, y0, x1, y1


def _free_to_move(grey, region, dx, fields, group, margin):
    x0, y0, x1, y1 = region
    W = grey.width
    if x0 + dx < margin or x1 + dx > W - margin:
        return False
    # the paper the boxes move onto must be blank, outside where they are now
    new = (x0 + dx, y0, x1 + dx, y1)
    strip = (max(x1, new[0]), y0, new[2], y1) if dx > 0 else (new[0], y0, min(x0, new[2]), y1)
    if strip[2] > strip[0] and min(grey.crop(strip).getdata()) < INK:
        return False
    names = {f["name"] for f in group}
    for f in fields:
        if f["name"] in names:
            continue
        fx0, fy0, fx1, fy1 = field_span(f)
        if not (fx1 <= new[0] or fx0 >= new[2] or fy1 <= new[1] or fy0 >= new[3]):
            return False
    return True


def rename(field, taken):
    base = field["name"]
    for k in range(2, 100):
        name = f"{base}_{k}"
        if name not in taken:
            taken.add(name)
            f = copy.deepcopy(field)
            f["name"] = name
            return f
    raise ValueError(f"no free name for {base}")


def plan_blocks(intervals, layout, rng, op, log):
    """Apply one section edit to the interval list; False if it cannot."""
    H, dpi = layout.H, layout.dpi
    blocks = [i for i, iv in enumerate(intervals) if iv["kind"] == "block" and iv["fields"]
              and not iv.get("fixed")]
    if op == "swap":
        if len(blocks) < 2:
            return False
        i, j = sorted(rng.sample(blocks, 2))
        intervals[i], intervals[j] = intervals[j], intervals[i]
        log.append(f"swap sections at y={intervals[j]['src'][0]} and y={intervals[i]['src'][0]}")
        return True
    if not blocks:
        return False
    i = rng.choice(blocks)
    iv = intervals[i]
    if op == "shift":
        d = round(rng.uniform(*SHIFT_IN) * dpi)
        iv["must_stay"] = True    # a shift that only pushes it off the page is no shift
        intervals.insert(i, {"src": None, "height": d, "fields": [], "kind": "blank"})
        log.append(f"shift section at y={iv['src'][0]} down {d}px")
        return True
    if op == "remove":
        if sum(len(x["fields"]) for x in intervals) - len(iv["fields"]) < MIN_FIELDS:
            return False
        a, b = iv["src"]
        if rng.random() < 0.5:
            del intervals[i:i + 2 if i + 1 < len(intervals) and intervals[i + 1]["kind"] == "gap"
                          else i + 1]
            log.append(f"cut out section at y={a} ({len(iv['fields'])} fields)")
        else:
            intervals[i] = {"src": None, "height": b - a, "fields": [], "kind": "blank"}
            log.append(f"paint out section at y={a} ({len(iv['fields'])} fields)")
        return True
    if op == "duplicate":
        a, b = iv["src"]
        if b - a > MAX_DUPLICATE * H:
            return False
        dup = dict(iv, dup=True, fixed=True, must_stay=True)
        gap_after = intervals[i + 1] if i + 1 < len(intervals) and \
            intervals[i + 1]["kind"] == "gap" else None
        new = [dup] + ([dict(gap_after)] if gap_after else [])
        at = i + 1 + (1 if gap_after else 0)
        intervals[at:at] = new
        log.append(f"duplicate section at y={a} ({len(iv['fields'])} fields, renamed *_2)")
        return True
    raise ValueError(op)


def compose(image, intervals, H):
    """Stack the intervals into a new page of the same size; returns the
    image, the placed fields and how many fields fell off the bottom."""
    heights = [iv["height"] if iv["src"] is None else iv["src"][1] - iv["src"][0]
               for iv in intervals]
    # too tall: shrink the last gap, then drop whole intervals from the bottom
    while sum(heights) > H:
        excess = sum(heights) - H
        last = len(intervals) - 1
        if intervals[last]["kind"] in ("gap", "blank") and heights[last] > excess:
            heights[last] -= excess
            break
        if intervals[last].get("must_stay"):
            return None, None
        intervals.pop()
        heights.pop()
    out = Image.new("RGB", image.size, "white")
    placed, y = [], 0
    for iv, h in zip(intervals, heights):
        if iv["src"] is not None:
            a = iv["src"][0]
            out.paste(image.crop((0, a, image.width, a + h)), (0, y))
            for f in iv["fields"]:
                if field_span(f)[3] <= a + h:
                    placed.append((move_field(f, 0, y - a), iv.get("dup", False)))
        y += h
    return out, placed


def derive(doc, image, rng, name):
    """One near-miss of a one-page template: (new doc, new image, edit log)."""
    page = doc["pages"][0]
    fields = page["fields"]
    dpi = float(doc.get("dpi", 300))
    style = "serif" if doc.get("name") in SERIF_TEMPLATES else "sans"
    layout_ops = list(LAYOUT_OPS)
    for _ in range(ATTEMPTS):
        img = image.copy()
        log, new_title = [], None
        k = rng.choice((2, 2, 3))
        wants_title = rng.random() < TITLE_P
        n_layout = k - 1 if wants_title else k
        ops = []
        while len(ops) < n_layout:
            op = rng.choices(layout_ops, weights=[LAYOUT_OPS[o] for o in layout_ops])[0]
            if op not in ops:
                ops.append(op)
        layout = Layout(img, fields, dpi)
        work = [dict(f) for f in fields]
        if wants_title:
            new_title = edit_title(img, layout, work, rng, style, log)
        if "column" in ops:
            moved = edit_column(img, layout, work, rng, log)
            if moved is None:
                continue
            work = moved
        layout = Layout(img, work, dpi)
        intervals = layout.intervals()
        for iv in intervals:     # the header stays on top
            if iv["src"][0] < HEADER_IN * dpi:
                iv["fixed"] = True
        ok = True
        for op in ops:
            if op != "column" and not plan_blocks(intervals, layout, rng, op, log):
                ok = False
        if not ok:
            continue
        intervals_before = list(intervals)
        out, placed = compose(img, intervals, layout.H)
        if out is None:        # a moved or duplicated section fell off the page
            continue
        taken = {f["name"] for f, dup in placed if not dup}
        new_fields = []
        for f, dup in placed:
            new_fields.append(rename(f, taken) if dup else f)
        order = {f["name"]: i for i, f in enumerate(fields)}
        dropped = sorted(set(order) - {f["name"] for f in new_fields})
        if dropped:
            log.append(f"dropped {len(dropped)} fields: {', '.join(dropped)}")
        planned = sum(len(iv["fields"]) for iv in intervals_before)
        if len(placed) < planned - MAX_OVERFLOW_FIELDS or len(new_fields) < MIN_FIELDS \
                or not changed(fields, new_fields):
            continue
        new_doc = {"format": doc.get("format", "formocr-template/1"), "name": name,
                   "title": new_title or f"{doc.get('title', doc.get('name'))} (variante)",
                   "lang": doc.get("lang", "fra"), "dpi": doc["dpi"]}
        for key, value in doc.items():   # anything else the source carries
            if key not in new_doc and key != "pages":
                new_doc[key] = value
        new_page = {k: v for k, v in page.items() if k != "fields"}
        new_page["reference"] = "page1.png"
        new_page["fields"] = new_fields
        new_doc["pages"] = [new_page]
        validate(new_doc, out.size)
        return new_doc, out, log
    die(f"{doc.get('name')}: no edit plan worked in {ATTEMPTS} attempts")


def changed(old, new):
    """True when the layout differs: fields moved, added or dropped."""
    before = {f["name"]: json.dumps(f, sort_keys=True) for f in old}
    after = {f["name"]: json.dumps(f, sort_keys=True) for f in new}
    return before != after


def validate(doc, size):
    W, H = size
    names = set()
    for f in doc["pages"][0]["fields"]:
        if not NAME_RE.fullmatch(f["name"]) or f["name"] in names:
            raise AssertionError(f"bad or repeated field name {f['name']}")
        names.add(f["name"])
        for x, y, w, h in boxes_of(f):
            if x < 0 or y < 0 or x + w > W or y + h > H:
                raise AssertionError(f"{f['name']}: box outside the page")


# --- output -----------------------------------------------------------------------------

def dump_template(doc):
    """JSON like the shipped templates: one field per line."""
    head = {k: v for k, v in doc.items() if k != "pages"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append('  "pages": [')
    for pi, page in enumerate(doc["pages"]):
        lines.append("    {")
        for k, v in page.items():
            if k != "fields":
                lines.append(f"      {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
        lines.append('      "fields": [')
        fields = page["fields"]
        for i, f in enumerate(fields):
            comma = "," if i < len(fields) - 1 else ""
            lines.append(f"        {json.dumps(f, ensure_ascii=False)}{comma}")
        lines.append("      ]")
        lines.append("    }" + ("," if pi < len(doc["pages"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(prog="make-templates.py",
                                 description="Write near-miss templates derived from shipped ones.")
    ap.add_argument("--from", dest="source", default="templates",
                    help="folder holding */template.json (default templates)")
    ap.add_argument("--count", type=int, default=28, help="templates to write (default 28)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--prefix", default="nearmiss", help="name prefix (default nearmiss)")
    args = ap.parse_args(argv)
    if args.count < 0 or not NAME_RE.fullmatch(args.prefix):
        ap.error("--count must be >= 0 and --prefix a name ([a-z][a-z0-9_]*)")
    sources = load_sources(args.source)
    width = max(2, len(str(args.count)))
    for i in range(args.count):
        doc, images = sources[i % len(sources)]
        name = f"{args.prefix}_{i + 1:0{width}d}"
        rng = random.Random(f"{args.seed}/{i}")
        new_doc, image, log = derive(doc, images[0], rng, name)
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        dpi = float(doc["dpi"])
        image.save(os.path.join(folder, "page1.png"), "PNG", optimize=True, dpi=(dpi, dpi))
        for p, (page, im) in enumerate(zip(doc["pages"][1:], images[1:]), start=2):
            ref = f"page{p}.png"    # later pages are kept as they are
            im.save(os.path.join(folder, ref), "PNG", optimize=True, dpi=(dpi, dpi))
            new_doc["pages"].append(dict(copy.deepcopy(page), reference=ref))
        with open(os.path.join(folder, "template.json"), "w", encoding="utf-8") as f:
            f.write(dump_template(new_doc))
        n = len(new_doc["pages"][0]["fields"])
        print(f"{name}: from {doc['name']}, {n} fields: {'; '.join(log)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

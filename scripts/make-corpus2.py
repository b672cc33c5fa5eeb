#!/usr/bin/python3
"""Generate formocr's second test corpus: forms drawn from scratch, filled in, scanned.

How it is made.  Three one-page A4 layouts are drawn in code at 300 dpi, with
their own titles, label fonts (serif and sans faces found under
/usr/share/fonts) and field styles:

  inscription_etudiant  a student registration (black banner, labels beside
                        boxes, combs with ticks, gapped date cells, choices)
  note_frais            an expense claim (labels above boxes, a table of
                        amounts, gapped identifier cells, a printed "EUR")
  changement_adresse    a change of address (dotted underlines, adjacent
                        box combs, two address blocks)

Each layout's details (label face and size, margins, box height, cell width)
come from --seed, so a seed gives its own templates: they are written to
OUT/templates/NAME/{template.json,page1.png} and checked with
`formocr template check` when the binary is found.  Every form is then filled
in on its blank reference with invented French values: names and addresses
with house numbers ("12 bis rue ..."), identifiers mixing digits and the
letters that look like digits (G B S Z O I J) in combs, without a pattern,
free-text sentences ending in "." or ")", amounts with the unit written beside
them ("35 €", "120,50 EUR": the truth is the amount alone, "35", "120.50"),
dates, postal codes, checkboxes, choices and a signature.  --style typed types
the values in monospaced and proportional faces of varied sizes; --style hand
writes them glyph by glyph in Debian's handwriting fonts (fonts-dkg-handwriting,
fonts-breip, fonts-rufscript; fonts-femkeklaver's hollow letters are left out)
with per-glyph jitter (offset +-3 px, rotation +-4 degrees, size +-8 %, a
thicker pen for hairline faces), capitals in combs and name boxes; a field
whose text a face cannot draw (Rufscript has no accents, most no euro sign)
takes another face.  --style mixed picks typed or hand per document.  The page is then scanned: paper tone, rotation (+-1.5 degrees),
shift, 200-300 dpi (stored in the file), blur, noise, and PNG, JPEG or
binarized G4 TIFF.  OUT/truth.json holds, per file, its template, the value
formocr must output for every field (DESIGN.md section 4) and how it was made.

How it differs from make-samples.py: nothing is shared (no import, no code);
the layouts are not the shipped Cerfa templates but new forms drawn here, the
values include kinds make-samples does not write (alphanumeric combs without a
pattern, sentences with punctuation, units beside amounts, mixed-case text),
and the fill can be handwriting-like.  Same random stream for a --seed: a run
is reproducible byte for byte.  Only the standard library and Pillow.
"""

import argparse
import glob
import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta

try:
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
except ImportError:
    sys.exit("make-corpus2: Pillow is missing: run this script with /usr/bin/python3")

PROG = "make-corpus2"
W, H = 2480, 3508                     # A4 at 300 dpi

LABEL_FACES = [("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
               ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
               ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
               ("FreeSans.ttf", "FreeSansBold.ttf"),
               ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf")]
TYPED_FACES = ["DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "FreeMono.ttf",
               "FreeMonoBold.ttf", "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf",
               "DejaVuSans.ttf", "FreeSerif.ttf", "LiberationSansNarrow-Regular.ttf",
               "DejaVuSerif.ttf"]
# handwriting faces and the pen width they get (a max filter over each glyph:
# dkg and Breip draw hairlines).  femkeklaver (fonts-femkeklaver) is left out:
# its letters are hollow outlines that overlap, nothing like a hand.
HAND_FACES = {"dkg.ttf": 3, "dkgBd.ttf": 1, "dkgIt.ttf": 3, "Breip.ttf": 3, "Rufscript010.ttf": 1}

# --- fonts -------------------------------------------------------------------

_paths, _fonts, _covers = {}, {}, {}


def font_path(name):
    if name not in _paths:
        hits = sorted(glob.glob(f"/usr/share/fonts/**/{name}", recursive=True))
        _paths[name] = hits[0] if hits else None
    return _paths[name]


def get_font(path, size):
    key = (path, int(size))
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(path, max(6, int(size)))
    return _fonts[key]


def covers(path, text):
    """Whether the face has a glyph for every character of text (a missing
    one renders as the face's .notdef box, which U+E000 also gives)."""
    f = get_font(path, 40)
    notdef = f.getmask("\ue000")
    for ch in set(text) - {" "}:
        if (path, ch) not in _covers:
            m = f.getmask(ch)
            _covers[(path, ch)] = not (m.size == notdef.size and bytes(m) == bytes(notdef))
        if not _covers[(path, ch)]:
            return False
    return True


def available(names):
    return [p for p in (font_path(n) for n in names) if p]


# --- the blank forms ---------------------------------------------------------

class Form:
    """A layout being drawn: the reference image and its fields.  Each field
    is a template field dict plus private keys (_kind: how to invent its value,
    _cells: one-character cells, _boxes: one-line boxes), dropped on output."""

    def __init__(self, name, title, rng):
        self.name, self.title, self.rng = name, title, rng
        self.img = Image.new("L", (W, H), 255)
        self.d = ImageDraw.Draw(self.img)
        reg, bold = rng.choice([f for f in LABEL_FACES if font_path(f[0]) and font_path(f[1])])
        self.freg, self.fbold = font_path(reg), font_path(bold)
        self.lsize = rng.randint(31, 37)
        self.left = rng.randint(150, 200)
        self.right = W - rng.randint(150, 200)
        self.bh = rng.randint(68, 78)          # text box height
        self.cw = rng.randint(56, 64)          # comb cell width
        self.fields = []

    def text(self, x, y, s, size=None, bold=False, fill=0, anchor="ls"):
        f = get_font(self.fbold if bold else self.freg, size or self.lsize)
        self.d.text((x, y), s, font=f, fill=fill, anchor=anchor)
        return x + f.getlength(s)

    def label(self, x, y, s, gap=16):
        """A label beside a field whose box starts at y: returns where the box starts."""
        return int(self.text(x, y + self.bh - 16, s)) + gap

    def heading(self, y, s):
        self.text(self.left, y, s, size=self.lsize + 8, bold=True)
        self.d.line([self.left, y + 14, self.right, y + 14], fill=90, width=3)

    def add(self, name, ftype, kind, geom, **extra):
        field = {"name": name, "type": ftype}
        field.update(geom)
        field.update(extra)
        field["_kind"] = kind
        self.fields.append(field)
        return field

    def rect(self, name, ftype, kind, x, y, w, **extra):
        self.d.rectangle([x, y, x + w, y + self.bh], outline=0, width=3)
        self.add(name, ftype, kind, {"box": [x, y, w + 1, self.bh + 1]}, **extra)
        return x + w

    def uline(self, name, ftype, kind, x, y, w, dotted=False, **extra):
        yl = y + self.bh
        if dotted:
            for xx in range(x, x + w, 12):
                self.d.ellipse([xx, yl - 2, xx + 4, yl + 2], fill=0)
        else:
            self.d.line([x, yl, x + w, yl], fill=0, width=3)
        self.add(name, ftype, kind, {"box": [x, y, w, self.bh + 5]}, **extra)
        return x + w

    def lines(self, name, kind, x, y, w, n, step, dotted=False, boxed=False, **extra):
        boxes = []
        for i in range(n):
            yy = y + i * step
            if boxed:
                self.d.rectangle([x, yy, x + w, yy + self.bh], outline=0, width=3)
                boxes.append([x, yy, w + 1, self.bh + 1])
            elif dotted:
                for xx in range(x, x + w, 12):
                    self.d.ellipse([xx, yy + self.bh - 2, xx + 4, yy + self.bh + 2], fill=0)
                boxes.append([x, yy, w, self.bh + 5])
            else:
                self.d.line([x, yy + self.bh, x + w, yy + self.bh], fill=0, width=3)
                boxes.append([x, yy, w, self.bh + 5])
        self.add(name, "text", kind, {"lines": boxes}, **extra)

    def comb(self, name, ftype, kind, x, y, n, style, **extra):
        """n one-character cells: 'ticks' (a base line with ticks), 'boxes'
        (adjacent squares) -> box + comb; 'gapped' (squares apart) -> cells."""
        cw, h = self.cw, self.bh
        if style == "gapped":
            gap = 10
            cells = [[x + i * (cw + gap), y, cw + 1, h + 1] for i in range(n)]
            for cx, cy, _, _ in cells:
                self.d.rectangle([cx, cy, cx + cw, cy + h], outline=0, width=3)
            f = self.add(name, ftype, kind, {"cells": cells}, **extra)
            f["_cells"] = cells
            return x + n * (cw + gap)
        if style == "ticks":
            self.d.line([x, y + h, x + n * cw, y + h], fill=0, width=3)
            for i in range(n + 1):
                top = y + (h // 2 if i in (0, n) else 2 * h // 3)
                self.d.line([x + i * cw, top, x + i * cw, y + h], fill=0, width=3)
        else:
            self.d.rectangle([x, y, x + n * cw, y + h], outline=0, width=3)
            for i in range(1, n):
                self.d.line([x + i * cw, y, x + i * cw, y + h], fill=0, width=2)
        f = self.add(name, ftype, kind, {"box": [x, y, n * cw + 1, h + 3], "comb": n}, **extra)
        f["_cells"] = [[x + i * cw, y, cw, h] for i in range(n)]
        return x + n * cw

    def date_cells(self, name, kind, x, y, **extra):
        """DD / MM / YYYY as three groups of adjacent cells, '/' printed between."""
        cw, h, cells = self.cw, self.bh, []
        for group in (2, 2, 4):
            self.d.rectangle([x, y, x + group * cw, y + h], outline=0, width=3)
            for i in range(group):
                if i:
                    self.d.line([x + i * cw, y, x + i * cw, y + h], fill=0, width=2)
                cells.append([x + i * cw, y, cw, h + 1])
            x += group * cw
            if group == 2:
                self.text(x + 18, y + h - 14, "/", size=self.lsize + 6, anchor="ms")
                x += 36
        f = self.add(name, "date", kind, {"cells": cells}, **extra)
        f["_cells"] = cells
        return x

    def square(self, x, y, s):
        self.d.rectangle([x, y, x + s, y + s], outline=0, width=3)
        return [x, y, s + 1, s + 1]

    def checkbox(self, name, x, y, text):
        s = 46
        box = self.square(x, y + self.bh - s - 6, s)
        self.add(name, "checkbox", "checkbox", {"box": box})
        return self.text(x + s + 18, y + self.bh - 16, text)

    def choice(self, name, x, y, options, step=None, mn=1, mx=1):
        s, boxes = 46, {}
        for opt, text in options:
            boxes[opt] = self.square(x, y + self.bh - s - 6, s)
            end = self.text(x + s + 16, y + self.bh - 16, text)
            x = x + step if step else int(end) + 60
        self.add(name, "choice", "choice", {"options": boxes}, min=mn, max=mx)
        return x

    def signature(self, name, x, y, w, h):
        self.d.rectangle([x, y, x + w, y + h], outline=0, width=2)
        self.text(x + 14, y + 40, "Signature", size=self.lsize - 6)
        self.add(name, "signature", "signature", {"box": [x + 4, y + 52, w - 8, h - 56]})

    def template(self):
        fields = [{k: v for k, v in f.items() if not k.startswith("_")} for f in self.fields]
        return {"format": "formocr-template/1", "name": self.name, "title": self.title,
                "lang": "fra", "dpi": 300,
                "pages": [{"reference": "page1.png", "fields": fields}]}


ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def layout_inscription(rng):
    f = Form("inscription_etudiant", "Dossier d'inscription administrative (étudiant)", rng)
    L, R, row = f.left, f.right, f.bh + rng.randint(44, 60)
    f.d.rectangle([0, 110, W, 330], fill=0)
    f.text(L, 210, "UNIVERSITÉ DE PROVENCE-ALPES", size=70, bold=True, fill=255)
    f.text(L, 290, "Dossier d'inscription administrative 2024-2025", size=44, fill=255)
    y = 460
    f.heading(y, "1. Identification de l'étudiant")
    y += 60
    x = f.label(L, y, "N° étudiant :")
    f.comb("numero_etudiant", "text", "student_id", x, y, 11, "ticks", charset=ALNUM, required=True)
    y += row
    f.rect("nom", "text", "nom", f.label(L, y, "Nom de naissance :"), y, R - 700 - L, required=True)
    y += row
    f.rect("prenoms", "text", "prenoms", f.label(L, y, "Prénom(s) :"), y, R - 700 - L)
    y += row
    x = f.date_cells("naissance_date", "date_birth", f.label(L, y, "Né(e) le :"), y, required=True)
    x = f.label(x + 40, y, "à :")
    f.rect("naissance_lieu", "text", "ville", x, y, R - x)
    y += row
    f.choice("sexe", f.label(L, y, "Sexe :") + 20, y, [("feminin", "Féminin"), ("masculin", "Masculin")], step=420)
    y += row + 40
    f.heading(y, "2. Adresse pendant l'année universitaire")
    y += 60
    f.lines("adresse", "adresse", f.label(L, y, "Adresse :"), y, R - 500 - L, 2, row - 10)
    y += 2 * row
    x = f.comb("code_postal", "text", "cp", f.label(L, y, "Code postal :"), y, 5, "boxes",
               charset="0123456789", check="code_postal")
    f.rect("ville", "text", "ville", f.label(x + 40, y, "Ville :"), y, R - 300 - (x + 200))
    y += row
    f.comb("telephone", "text", "phone", f.label(L, y, "Téléphone :"), y, 10, "ticks",
           charset="0123456789", pattern="^0[1-9][0-9]{8}$")
    y += row + 40
    f.heading(y, "3. Inscription")
    y += 60
    f.choice("formation", f.label(L, y, "Formation :") + 20, y,
             [("licence", "Licence"), ("master", "Master"), ("doctorat", "Doctorat")], step=440)
    y += row
    f.checkbox("boursier", L, y, "Boursier de l'enseignement supérieur (CROUS)")
    y += row
    x = f.rect("droits", "decimal", "amount", f.label(L, y, "Droits d'inscription acquittés :"), y, 480)
    y += row
    f.rect("etablissement_origine", "text", "org", f.label(L, y, "Établissement d'origine :"), y, R - 200 - L - 500)
    y += row + 40
    f.heading(y, "4. Engagement")
    y += 60
    f.text(L, y + 30, "Je certifie l'exactitude des renseignements portés sur ce dossier.", size=f.lsize - 4)
    y += 70
    x = f.rect("fait_a", "text", "ville", f.label(L, y, "Fait à :"), y, 620, required=True)
    f.rect("fait_le", "date", "date_recent", f.label(x + 40, y, "le :"), y, 440, required=True)
    y += row + 30
    f.signature("signature", R - 900, y, 900, 300)
    f.text(L, H - 150, "Cadre réservé à l'administration : dossier n° ____________", size=f.lsize - 6)
    return f


def layout_frais(rng):
    f = Form("note_frais", "Note de frais de déplacement", rng)
    L, R, row = f.left + 60, f.right, f.bh + rng.randint(70, 90)
    small = f.lsize - 4
    f.d.rectangle([f.left - 40, 100, f.left - 10, H - 120], fill=70)
    f.d.line([L, 150, R, 150], fill=0, width=6)
    f.d.line([L, 166, R, 166], fill=0, width=2)
    f.text((L + R) // 2, 270, "NOTE DE FRAIS DE DÉPLACEMENT", size=76, bold=True, anchor="ms")
    f.text((L + R) // 2, 340, "Agents en mission temporaire - à joindre aux justificatifs", size=38, anchor="ms")
    f.d.line([L, 380, R, 380], fill=0, width=2)
    f.d.line([L, 396, R, 396], fill=0, width=6)
    f.text(R, 90, "Réf. NF-2", size=30, anchor="rs")
    mid = (L + R) // 2 + 20

    def above(x, y, s):                 # label above its box
        f.text(x, y - 12, s, size=small)
        return y
    y = 520
    f.rect("nom", "text", "nom", L, above(L, y, "Nom"), mid - 40 - L, required=True)
    f.rect("prenom", "text", "prenom_cap", mid, above(mid, y, "Prénom"), R - mid)
    y += row
    f.comb("matricule", "text", "matricule", L, above(L, y, "Matricule (8 caractères)"), 8, "gapped",
           charset=ALNUM, required=True)
    f.rect("service", "text", "service", mid, above(mid, y, "Service / direction"), R - mid)
    y += row
    f.lines("objet_mission", "mission", L, above(L, y, "Objet de la mission"), R - L, 2, f.bh + 14, boxed=True)
    y += row + f.bh + 14
    w3 = (R - L - 80) // 3
    f.rect("lieu_mission", "text", "ville", L, above(L, y, "Lieu de la mission"), w3)
    f.rect("date_depart", "date", "date_recent", L + w3 + 40, above(L + w3 + 40, y, "Date de départ"), w3)
    f.rect("date_retour", "date", "date_recent", L + 2 * w3 + 80, above(L + 2 * w3 + 80, y, "Date de retour"), w3)
    y += row
    f.text(L, y - 12, "Moyen(s) de transport utilisé(s) (deux au plus)", size=small)
    f.choice("transport", L, y - 10, [("train", "Train"), ("voiture", "Véhicule personnel"),
                                     ("avion", "Avion"), ("autre", "Autre")], step=(R - L) // 4, mn=1, mx=2)
    y += row
    f.rect("nuits", "integer", "nuits", L, above(L, y, "Nombre de nuitées"), 260)
    y += row + 10
    # the table of expenses
    col = R - 620
    f.d.rectangle([L, y, R, y + 80], fill=215, outline=0, width=3)
    f.text(L + 20, y + 56, "Nature de la dépense", bold=True)
    f.text(col + 20, y + 56, "Montant (EUR)", bold=True)
    y += 80
    rows = [("frais_transport", "Transport (billets, péages, carburant)"),
            ("frais_hebergement", "Hébergement"), ("frais_repas", "Repas"),
            ("frais_divers", "Divers (parking, taxi)"), ("total", "TOTAL")]
    for name, text in rows:
        rh = f.bh + 40
        f.d.rectangle([L, y, R, y + rh], outline=0, width=3)
        f.d.line([col, y, col, y + rh], fill=0, width=3)
        f.text(L + 20, y + rh // 2 + 12, text, bold=name == "total")
        f.add(name, "decimal", "total" if name == "total" else "amount",
              {"box": [col + 12, y + 18, R - col - 24, f.bh + 4]})
        y += rh
    y += 70
    f.checkbox("avance", L, y, "Une avance sur frais a été perçue")
    y += row
    f.comb("date_demande", "date", "date_recent", L, above(L, y, "Date de la demande (JJMMAAAA)"), 8, "ticks",
           required=True)
    f.signature("signature_agent", mid, y - 60, R - mid, 330)
    f.text(L, H - 150, "Visa du responsable : ..................................", size=small)
    return f


def layout_adresse(rng):
    f = Form("changement_adresse", "Déclaration de changement d'adresse", rng)
    L, R, row = f.left, f.right, f.bh + rng.randint(40, 56)
    f.d.ellipse([L, 110, L + 260, 370], outline=0, width=8)
    f.text(L + 130, 270, "CA", size=110, bold=True, anchor="ms")
    f.text(L + 320, 210, "Déclaration de", size=56, bold=True)
    f.text(L + 320, 290, "changement d'adresse", size=72, bold=True)
    f.d.rectangle([R - 560, 120, R, 330], outline=0, width=3)
    f.text(R - 540, 190, "Formulaire CA-7", size=40, bold=True)
    f.text(R - 540, 250, "à retourner dans", size=32)
    f.text(R - 540, 300, "les quinze jours", size=32)
    y = 460
    f.choice("civilite", f.label(L, y, "Civilité :") + 20, y, [("madame", "Madame"), ("monsieur", "Monsieur")])
    y += row
    x = f.uline("nom", "text", "nom", f.label(L, y, "Nom :"), y, 900, dotted=True, required=True)
    x = f.label(x + 40, y, "Prénom :")
    f.uline("prenom", "text", "prenom", x, y, R - x, dotted=True)
    y += row
    f.comb("numero_dossier", "text", "dossier", f.label(L, y, "N° de dossier :"), y, 9, "boxes", charset=ALNUM)
    y += row + 30
    for tag, title in (("ancienne", "Ancienne adresse"), ("nouvelle", "Nouvelle adresse")):
        f.heading(y, title)
        y += 40
        f.lines(f"{tag}_adresse", "adresse", L, y, R - L, 2, row - 6, dotted=True)
        y += 2 * row
        x = f.comb(f"{tag}_code_postal", "text", "cp", f.label(L, y, "Code postal :"), y, 5, "ticks",
                   charset="0123456789", check="code_postal")
        f.uline(f"{tag}_ville", "text", "ville", f.label(x + 40, y, "Commune :"), y,
                R - (x + 300), dotted=True)
        y += row + 40
    x = f.date_cells("date_effet", "date_recent", f.label(L, y, "Date du changement :"), y, required=True)
    x = f.label(x + 60, y, "Personnes au foyer :")
    f.uline("personnes", "integer", "personnes", x, y, 180, dotted=True)
    y += row
    f.choice("logement", f.label(L, y, "Vous êtes :") + 20, y,
             [("proprietaire", "propriétaire"), ("locataire", "locataire"), ("heberge", "hébergé(e)")])
    y += row
    x = f.label(L, y, "Organisme à prévenir :")
    f.uline("organisme", "text", "org", x, y, R - x, dotted=True)
    y += row
    x = f.label(L, y, "Motif :")
    f.uline("motif", "text", "motif", x, y, R - x, dotted=True)
    y += row + 20
    f.checkbox("attestation", L, y, "J'atteste sur l'honneur l'exactitude de ces informations.")
    y += row + 20
    x = f.uline("fait_a", "text", "ville", f.label(L, y, "Fait à :"), y, 640, dotted=True)
    f.uline("fait_le", "date", "date_recent", f.label(x + 40, y, "le :"), y, 480, dotted=True, required=True)
    y += row + 30
    f.signature("signature", R - 860, y, 860, 280)
    return f


LAYOUTS = [layout_inscription, layout_frais, layout_adresse]

# --- values ------------------------------------------------------------------

NOMS = ("Martin|Bernard|Dubois|Petit|Durand|Leroy|Moreau|Lefèvre|Girard|André|Mercier|Dupont|"
        "Lambert|Bonnet|François|Legrand|Garnier|Faure|Rousseau|Guérin|Muller|Roussel|Perrin|Clément|"
        "Gauthier|Fontaine|Chevalier|N'Diaye|Le Gall|Côté|Benali|Nguyen|Da Silva|Besnard|Joly|"
        "Zimmermann|Baptiste|Ozturk|Lebœuf|Gillet").split("|")
PRENOMS = ("Camille|Léa|Manon|Chloé|Inès|Jade|Louise|Zoé|Hugo|Lucas|Théo|Nathan|Louis|Jules|Gabriel|"
           "Maël|Noémie|Anaïs|Jérôme|François|Hélène|Sébastien|Gaëlle|Yannick|Océane|Baptiste|Agathe|"
           "Éloïse|Jean-Marc|Marie-Josée|Sophie|Olivier|Zinedine|Gisèle").split("|")
VILLES = [tuple(v.split(" ", 1)) for v in (
    "13001 Marseille|69003 Lyon|31000 Toulouse|06000 Nice|44000 Nantes|67000 Strasbourg|"
    "34000 Montpellier|33000 Bordeaux|59000 Lille|35000 Rennes|51100 Reims|76600 Le Havre|"
    "42000 Saint-Étienne|83000 Toulon|38000 Grenoble|21000 Dijon|49000 Angers|30000 Nîmes|"
    "63000 Clermont-Ferrand|87000 Limoges|29200 Brest|64000 Pau|13100 Aix-en-Provence|"
    "17000 La Rochelle|05000 Gap|90000 Belfort|08000 Charleville-Mézières").split("|")]
VOIES = "rue|avenue|boulevard|allée|impasse|chemin|place|route|quai".split("|")
NOMS_VOIES = ("des Lilas|Victor Hugo|de la République|Jean Jaurès|du Général de Gaulle|Pasteur|"
              "des Écoles|du Moulin|de la Gare|Émile Zola|des Acacias|Saint-Michel|de Verdun|"
              "du 8 Mai 1945|Gambetta|des Tilleuls|Mozart").split("|")
COMPLEMENTS = ("Bâtiment C, appartement 12|Résidence Les Pins|Escalier 2, 3e étage|BP 45|"
               "Chez M. et Mme Roux|Cité universitaire, chambre 214|Lieu-dit Le Bourg|Entrée B").split("|")
ORGS = ("Préfecture des Bouches-du-Rhône (13)|Mairie de Lyon 3e (69)|Université de Rennes 2 (35)|"
        "Lycée Thiers (Marseille)|Caisse d'allocations familiales (CAF)|Rectorat de Nice (06)|"
        "Centre des impôts de Brest.|Lycée Jean Moulin (Béziers)|IUT de Belfort (90)|"
        "La Poste, service clients.|Université Lyon 1 (Claude Bernard)").split("|")
MOTIFS = ("Mutation professionnelle.|Rapprochement familial (mariage).|Fin de bail.|"
          "Achat d'un logement.|Études supérieures à Lyon.|Départ à la retraite.|"
          "Séparation (divorce en cours).|Logement plus grand, naissance.").split("|")
MISSIONS = ("Réunion du comité de pilotage.|Formation aux outils numériques (2 jours).|"
            "Colloque annuel de l'association.|Visite du site de production (Nantes).|"
            "Audit de l'agence régionale.|Salon professionnel (stand n° 14).|"
            "Jury de concours externe.|Séminaire de direction, session 3.").split("|")
SERVICES = ("Direction des finances|Ressources humaines|Service juridique|Bureau 2B|Achats et marchés|"
            "Communication|Direction régionale Sud|Informatique (DSI)").split("|")
LOOKALIKE = "GBSZOIJ"


def ident(rng, n):
    """n characters mixing digits and letters, look-alike letters often."""
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice(LOOKALIKE) if r < 0.3 else
                   rng.choice("ACDEFHKLMNPRTUVWXY") if r < 0.45 else rng.choice("0123456789"))
    return "".join(out)


def amount(rng, total=None):
    """(written, truth) of an amount, with a unit beside it sometimes."""
    cents = total if total is not None else rng.choice([rng.randint(500, 9000) // 100 * 100,
                                                       rng.randint(150, 250000)])
    euros, c = divmod(cents, 100)
    show_cents = c != 0 or rng.random() < 0.3
    e = str(euros)
    if euros >= 1000 and rng.random() < 0.5:
        e = f"{euros // 1000} {euros % 1000:03d}"
    written = e + (f",{c:02d}" if show_cents else "")
    truth = str(euros) + (f".{c:02d}" if show_cents else "")
    unit = rng.choice(["", "", " €", "€", " EUR", " euros"])
    return written + unit, truth


def value_for(field, rng, ctx):
    """(drawn, truth): drawn is a string, a list of lines for a lines field,
    or None for a mark; truth is what formocr must output."""
    k, t = field["_kind"], field["type"]
    if k == "checkbox":
        v = rng.random() < 0.5
        return v, "1" if v else "0"
    if k == "choice":
        opts = list(field["options"])
        n = 1 if field.get("max", 1) == 1 or rng.random() < 0.6 else 2
        picked = rng.sample(opts, n)
        chosen = [o for o in opts if o in picked]
        return chosen, ",".join(chosen)
    if k == "signature":
        v = rng.random() < 0.9
        return v, "1" if v else "0"
    if k.startswith("date"):
        d = (date(1955, 1, 1) + timedelta(days=rng.randint(0, 18500)) if k == "date_birth"
             else date(2023, 1, 1) + timedelta(days=rng.randint(0, 900)))
        if field["name"] == "date_retour" and "date_depart" in ctx:     # a mission lasts days
            d = ctx["date_depart"] + timedelta(days=rng.randint(0, 6))
        ctx[field["name"]] = d
        cells = "_cells" in field
        return d.strftime("%d%m%Y" if cells else "%d/%m/%Y"), d.isoformat()
    if k == "amount":
        s, v = amount(rng)
        ctx["sum"] = ctx.get("sum", 0) + round(float(v) * 100)
        return s, v
    if k == "total":
        return amount(rng, ctx.get("sum", 0))
    if k == "adresse":
        num = rng.choice([str(rng.randint(1, 160)), f"{rng.randint(1, 60)} bis",
                          f"{rng.randint(1, 40)} ter", f"{rng.randint(1, 90)}B"])
        line1 = f"{num} {rng.choice(VOIES)} {rng.choice(NOMS_VOIES)}"
        lines = [line1, rng.choice(COMPLEMENTS)]
        return lines, "\n".join(lines)
    if k == "mission":
        a, b = rng.sample(MISSIONS, 2)
        return [a, b], a + "\n" + b
    s = {"nom": lambda: ctx["nom"].upper(),
         "prenoms": lambda: " ".join(rng.sample(PRENOMS, rng.choice([1, 1, 2]))).upper(),
         "prenom_cap": lambda: rng.choice(PRENOMS).upper(),
         "prenom": lambda: rng.choice(PRENOMS),
         "student_id": lambda: rng.choice(["2023", "2024", "2025"]) + ident(rng, 7),
         "matricule": lambda: ident(rng, 8),
         "dossier": lambda: ident(rng, 9),
         "cp": lambda: ctx.setdefault(field["name"], rng.choice(VILLES))[0],
         "ville": lambda: ctx.setdefault(field["name"].replace("ville", "code_postal"),
                                         rng.choice(VILLES))[1],
         "phone": lambda: "0" + rng.choice("1234567") + "".join(rng.choice("0123456789") for _ in range(8)),
         "org": lambda: rng.choice(ORGS),
         "motif": lambda: rng.choice(MOTIFS),
         "service": lambda: rng.choice(SERVICES),
         "nuits": lambda: str(rng.randint(0, 14)),
         "personnes": lambda: str(rng.randint(1, 7)),
         }[k]()
    if k in ("ville",) and rng.random() < 0.5:
        s = s.upper()
    return s, s


# --- filling in --------------------------------------------------------------

class Pen:
    """Writes text into boxes: typed (one face, drawn whole) or hand (glyph by
    glyph, each jittered in place, size and angle)."""

    def __init__(self, rng, hand):
        self.rng, self.hand = rng, hand
        self.faces = available(HAND_FACES if hand else TYPED_FACES)
        self.face = rng.choice(self.faces)
        self.ink = rng.randint(0, 60)
        self.cap = rng.uniform(0.45, 0.58) if hand else rng.uniform(0.36, 0.5)  # cap / box height

    def pick_face(self, text):
        if covers(self.face, text):
            return self.face
        ok = [f for f in self.faces if covers(f, text)]
        return self.rng.choice(ok) if ok else None

    def size_for_cap(self, face, cap):
        f = get_font(face, 100)
        top = -f.getbbox("H", anchor="ls")[1]
        return max(8, int(100 * cap / max(1, top)))

    def fit(self, face, text, w, h):
        """Size and baseline offset for text to lie inside a w x h box with a margin."""
        jit = 9 if self.hand else 0
        size = self.size_for_cap(face, self.cap * h * self.rng.uniform(0.95, 1.05))
        while size >= self.size_for_cap(face, 19):
            f = get_font(face, size)
            _, top, _, bottom = f.getbbox(text if self.hand else text + "ÉÇgp", anchor="ls")
            width = f.getlength(text) + (len(text) * size * 0.1 if self.hand else 0) + 2 * jit
            if width <= w - 24 and bottom - top + 2 * jit <= h - 12:
                slack = h - 12 - (bottom - top + 2 * jit)
                return size, 6 + jit - top + self.rng.uniform(0.2, 0.8) * slack, width
            size = int(size * 0.93)
        return None

    def write(self, img, box, text):
        """Draws text on one line of box [x, y, w, h]; False when it does not fit."""
        face = self.pick_face(text)
        fit = face and self.fit(face, text, box[2], box[3])
        if not fit:
            return False
        size, base, width = fit
        x = box[0] + 12 + self.rng.uniform(0, min(60, max(0, box[2] - 24 - width)))
        y = box[1] + base
        if not self.hand:
            ImageDraw.Draw(img).text((x, y), text, font=get_font(face, size), fill=self.ink, anchor="ls")
            return True
        drift = 0.0
        for ch in text:
            drift = max(-3.0, min(3.0, drift + self.rng.uniform(-0.8, 0.8)))
            # people print apart what a font joins: some tracking after each glyph
            x += self.glyph(img, ch, x, y + drift, face, size) + size * self.rng.uniform(0.03, 0.1)
        return True

    def glyph(self, img, ch, x, base, face, size):
        f = get_font(face, size * self.rng.uniform(0.92, 1.08))
        if ch == " ":
            return f.getlength(" ") * 1.2
        pad = int(f.size)
        g = Image.new("L", (int(f.getlength(ch)) + 2 * pad, 3 * pad), 0)
        ImageDraw.Draw(g).text((pad, 2 * pad), ch, font=f, fill=255, anchor="ls")
        g = g.rotate(self.rng.uniform(-4, 4), resample=Image.BICUBIC, center=(pad, 2 * pad))
        if HAND_FACES.get(os.path.basename(face), 1) > 1:
            g = g.filter(ImageFilter.MaxFilter(HAND_FACES[os.path.basename(face)]))
        dx, dy = self.rng.uniform(-3, 3), self.rng.uniform(-3, 3)
        img.paste(self.ink, (int(x - pad + dx), int(base - 2 * pad + dy)), g)
        return f.getlength(ch)

    def write_cells(self, img, cells, text):
        face = self.pick_face(text)
        if not face or len(text) > len(cells):
            return False
        cw, ch = cells[0][2], cells[0][3]
        size = self.size_for_cap(face, min(ch * self.cap * 1.15, cw * 0.62))
        f = get_font(face, size)
        _, top, _, bottom = f.getbbox("ÉÇ", anchor="ls")
        for c, (x, y, w, h) in zip(text, cells):
            cx = x + w / 2 - f.getlength(c) / 2 + self.rng.uniform(-2, 2)
            base = y + (h - (bottom - top)) / 2 - top + self.rng.uniform(-2, 2)
            if self.hand:
                self.glyph(img, c, cx, base, face, size)
            else:
                ImageDraw.Draw(img).text((cx, base), c, font=f, fill=self.ink, anchor="ls")
        return True

    def tick(self, img, box):
        x, y, w, h = box
        d, r = ImageDraw.Draw(img), self.rng
        m = w * 0.2
        if self.hand or r.random() < 0.3:    # a check mark
            pts = [(x + m + r.uniform(-3, 3), y + h * 0.55 + r.uniform(-3, 3)),
                   (x + w * 0.42 + r.uniform(-3, 3), y + h - m + r.uniform(-2, 2)),
                   (x + w - m + r.uniform(-3, 3), y + m + r.uniform(-3, 3))]
            d.line(pts, fill=self.ink, width=r.randint(4, 7), joint="curve")
        else:                                # a cross
            d.line([x + m, y + m, x + w - m, y + h - m], fill=self.ink, width=5)
            d.line([x + m, y + h - m, x + w - m, y + m], fill=self.ink, width=5)

    def sign(self, img, box):
        x, y, w, h = box
        r = self.rng
        pts, px = [], x + w * 0.12
        while px < x + w * 0.85:
            pts.append((px, y + h * r.uniform(0.25, 0.75)))
            px += r.uniform(15, 45)
        ImageDraw.Draw(img).line(pts, fill=self.ink, width=r.randint(3, 6), joint="curve")


def fill(form, rng, hand):
    img = form.img.copy()
    pen = Pen(rng, hand)
    ctx = {"nom": rng.choice(NOMS)}
    truth, written = {}, {}
    for field in form.fields:
        optional = not field.get("required") and field["type"] not in ("checkbox", "choice", "signature")
        if optional and rng.random() < 0.1:
            truth[field["name"]] = ""
            continue
        for _ in range(25):                 # a shorter value when one does not fit
            drawn, value = value_for(field, rng, ctx)
            if field["type"] == "checkbox":
                if drawn:
                    pen.tick(img, field["box"])
            elif field["type"] == "choice":
                for opt in drawn:
                    pen.tick(img, field["options"][opt])
            elif field["type"] == "signature":
                if drawn:
                    pen.sign(img, field["box"])
            elif "_cells" in field:
                if not pen.write_cells(img, field["_cells"], drawn.replace(" ", "")):
                    continue
            elif "lines" in field:
                trial = img.copy()
                if not all(pen.write(trial, b, s) for b, s in zip(field["lines"], drawn)):
                    continue
                img = trial
            elif not pen.write(img, field["box"], drawn):
                continue
            truth[field["name"]] = value
            if isinstance(drawn, str) and drawn != value:
                written[field["name"]] = drawn
            break
        else:
            truth[field["name"]] = ""
    return img, truth, written, os.path.basename(pen.face)


# --- scanning ----------------------------------------------------------------

def noise_tile(rng, sigma, n=160):
    data = bytes(max(0, min(255, int(128 + rng.gauss(0, sigma)))) for _ in range(n * n))
    return Image.frombytes("L", (n, n), data)


def scan(img, rng):
    """The page as a scanner gives it back: (image, dpi, format, what was done)."""
    paper, black = rng.randint(224, 252), rng.randint(0, 35)
    img = img.point(lambda v: black + v * (paper - black) // 255)
    angle = round(rng.uniform(-1.5, 1.5), 3)
    shift = (round(rng.uniform(-40, 40), 1), round(rng.uniform(-40, 40), 1))
    img = img.rotate(angle, resample=Image.BICUBIC, translate=shift, fillcolor=paper)
    dpi = rng.choice([200, 200, 240, 300, 300, 300])
    if dpi != 300:
        img = img.resize((round(W * dpi / 300), round(H * dpi / 300)), Image.LANCZOS)
    blur = round(rng.uniform(0.3, 0.9), 2) if rng.random() < 0.4 else 0.0
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    sigma = round(rng.uniform(0, 7), 1)
    if sigma >= 1.5:
        tile, n = noise_tile(rng, sigma), 160
        layer = Image.new("L", img.size)
        for ty in range(0, img.size[1], n):
            for tx in range(0, img.size[0], n):
                layer.paste(tile, (tx, ty))
        img = ImageChops.add(img, layer, 1.0, -128)     # img + noise - 128
    fmt = rng.choice(["png", "png", "jpg", "jpg", "g4"])
    info = {"rotate": angle, "shift": list(shift), "dpi": dpi, "paper": paper, "blur": blur,
            "noise": sigma if sigma >= 1.5 else 0.0, "format": fmt}
    if fmt == "g4":
        t = rng.randint(125, 165)
        info["threshold"] = t
        img = img.point(lambda v: 255 if v > t else 0).convert("1")
    elif fmt == "jpg":
        info["quality"] = rng.randint(55, 92)
    return img, dpi, fmt, info


def save(img, path, fmt, dpi, info):
    if fmt == "g4":
        img.save(path, "TIFF", compression="group4", dpi=(dpi, dpi))
    elif fmt == "jpg":
        img.save(path, "JPEG", quality=info["quality"], dpi=(dpi, dpi))
    else:
        img.save(path, "PNG", dpi=(dpi, dpi))


# --- main --------------------------------------------------------------------

def write_templates(forms, out, formocr):
    for form in forms:
        folder = os.path.join(out, "templates", form.name)
        os.makedirs(folder, exist_ok=True)
        form.img.save(os.path.join(folder, "page1.png"), dpi=(300, 300))
        with open(os.path.join(folder, "template.json"), "w", encoding="utf-8") as fp:
            t = form.template()
            fields = t["pages"][0].pop("fields")
            text = json.dumps(t, indent=2, ensure_ascii=False)
            lines = ",\n".join("        " + json.dumps(f, ensure_ascii=False) for f in fields)
            text = text.replace('"reference": "page1.png"',
                                '"reference": "page1.png",\n      "fields": [\n' + lines + "\n      ]")
            fp.write(text + "\n")
        if formocr:
            r = subprocess.run([formocr, "template", "check", folder], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{PROG}: {folder}: template check failed:\n{r.stdout}{r.stderr}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Write a second corpus of scanned forms "
                                 "(drawn here, filled typed or handwriting-like) and its truth.json.")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--count", type=int, default=30, help="number of scans (default 30)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--style", choices=["typed", "hand", "mixed"], default="typed")
    ap.add_argument("--formocr", default=os.path.join(here, "..", "build", "dev", "formocr"),
                    help="formocr binary for `template check` (skipped when missing)")
    args = ap.parse_args()
    if args.style != "typed" and not available(HAND_FACES):
        sys.exit(f"{PROG}: no handwriting font: apt-get install fonts-dkg-handwriting "
                 "fonts-breip fonts-femkeklaver fonts-rufscript")
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "c2_[0-9]*.*")):   # a previous run's scans
        os.remove(old)
    forms = [lay(random.Random(f"corpus2/{args.seed}/layout/{i}")) for i, lay in enumerate(LAYOUTS)]
    formocr = args.formocr if os.access(args.formocr, os.X_OK) else None
    write_templates(forms, args.out, formocr)
    truth = {}
    for i in range(1, args.count + 1):
        rng = random.Random(f"corpus2/{args.seed}/{args.style}/{i}")
        form = forms[(i - 1) % len(forms)] if i <= len(forms) else rng.choice(forms)
        hand = args.style == "hand" or (args.style == "mixed" and rng.random() < 0.5)
        img, values, written, face = fill(form, rng, hand)
        img, dpi, fmt, info = scan(img, rng)
        name = f"c2_{i:04d}." + ("tif" if fmt == "g4" else fmt)
        save(img, os.path.join(args.out, name), fmt, dpi, info)
        info.update(style="hand" if hand else "typed", font=face)
        truth[name] = {"fields": values, "scan": info, "template": form.name,
                       "written": written}   # what was drawn, where it is not the value
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as fp:
        json.dump(truth, fp, indent=2, sort_keys=True, ensure_ascii=False)
    print(f"{PROG}: {len(truth)} scans of {len(forms)} layouts ({args.style}) in {args.out}")


if __name__ == "__main__":
    main()

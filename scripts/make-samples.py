#!/usr/bin/python3
"""Generate scans of filled-in forms with known values, for formocr's tests.

For every page the generator takes a template (cycling over --templates),
invents plausible French values for its fields, types them into the blank
reference image, then degrades the page the way an office scanner does: small
rotation, scale and shift, sometimes a 90/180/270 degree turn, 200 or 300 dpi,
paper tone, noise, blur, G4 TIFF / JPEG / PNG, with or without a DPI tag.
--foreign K appends K pages that are not any template (a letter, a blank page,
a different form).

truth.json maps each file to its template, the value formocr must output for
every field (DESIGN.md section 4), and how the scan was made.  scan.transform
is the exact affine map from template reference pixels to scan pixels,
x' = a*x + b*y + c, y' = d*x + e*y + f, in continuous pixel coordinates (pixel
i covers [i, i+1)), so alignment can be tested against it; --check proves it
on every page with markers.  scan.turn: the page content is turned that many
degrees counter-clockwise (turn the scan clockwise by it to stand it up);
scan.rotate: the small skew, in degrees, counter-clockwise on screen.

Opt-in, for a harder test set (all off by default, and the default output
is byte for byte what it was before they existed): --max-rotate, --max-scale,
--max-shift and --turn-weights widen the scanner geometry; --colour writes some
JPEG/PNG pages in RGB (tinted paper, blue or black ink, the form's own
colours); --marks adds stamps, scribbles, a handwritten date, ticks beside
checkboxes, staples and punch holes, never inside a field's box; --photocopy
makes some pages a 1-bit photocopy (threshold, thicker or thinner strokes,
toner dust, dark edge bands) before they are scanned; --fit-fields shrinks a
page's jitter until every field box lies inside the scan.  --profile hard
turns all of them on.  truth.json then also says, per page, "colour",
"marks", "photocopy" (and its details) and "fitted".

Only the standard library and Pillow.  Every random choice comes from
random.Random instances seeded with --seed and the page number, so a run is
reproducible byte for byte and page N does not depend on --count.
"""

import argparse
import functools
import glob
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist

try:
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
except ImportError:
    sys.exit("make-samples: pillow is missing: run this script with /usr/bin/python3")

try:  # the regex parser is private but stable; it lets us sample a field's pattern
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # Python < 3.11
    import sre_constants as sre_c
    import sre_parse

PROG = "make-samples"

# --- page geometry and scanner behaviour -----------------------------------

A4_INCHES = (210 / 25.4, 297 / 25.4)
TURN_WEIGHTS = {0: 75, 180: 15, 90: 5, 270: 5}  # percent of pages
MAX_ROTATE_DEG = 4.0
MAX_SCALE_JITTER = 0.03          # fraction
MAX_SHIFT_PX = 50.0              # scan pixels, before the turn
FIRST_DPI_P = 0.70               # share of pages at the first --dpis value
NO_DPI_TAG_P = 0.30
PAPER_GREY = (222, 250)          # paper tone, 255 = white
BLACK_GREY = (0, 30)             # what pure black on the reference becomes
BLUR_P, BLUR_RADIUS = 0.35, (0.4, 1.0)        # px
NOISE_P, NOISE_SIGMA = 0.60, (1.0, 2.5)       # grey levels; more makes JPEGs huge
SPECKLE_P, SPECKLES = 0.40, (100, 1200)       # dust dots per page
SPECKLE_RADIUS = (0.6, 1.8)                   # px
JPEG_QUALITY = (55, 80)          # above 80 a noisy 300 dpi page passes 1 MB
PNG_GREY_LEVELS = 16             # 8-bit PNGs: a full 256 levels doubles their size
THRESHOLD = (135, 170)           # binarisation of 1-bit outputs
FOREIGN_DPI = 300                # foreign pages are drawn on a 300 dpi A4 sheet
FOREIGN_KINDS = ("letter", "blank", "form")
# Turn, DPI, format (and which pages --photocopy, --colour and --marks pick)
# come from frac(offset + page * step) with irrational
# steps rather than from independent draws: any run of consecutive pages then
# has close to the intended mix (independent draws gave seed 1 a single
# 200 dpi page in 20), and page N still does not depend on --count.
SPREAD_STEPS = {"turn": 0.6180339887, "dpi": 0.4142135624, "format": 0.7320508076,
                "photocopy": 0.2360679775, "colour": 0.6457513111, "marks": 0.3166247904}
FIT_MARGIN_IN = 0.04             # --fit-fields: field boxes stay this far inside the scan
FIT_SHRINK = 0.8                 # ... by scaling rotation and scale jitter by this, repeatedly

# --- opt-in realism: colour, marks, photocopy ---------------------------------
# Which pages get them comes from spread quantiles (SPREAD_STEPS); how, from
# their own random.Random, used only when the option is on, so that turning
# one on changes nothing else about a page (same values, geometry and noise)
# and the default output stays byte for byte the same.

COLOUR_P = 0.5                   # of JPEG and 8-bit PNG pages, with --colour
PAPER_TINTS = (                  # RGB: white, ivory, recycled, blue, pink, green, yellow
    (252, 251, 247), (252, 248, 232), (244, 240, 226), (232, 240, 252),
    (252, 234, 238), (234, 247, 234), (252, 247, 212))
PAPER_BRIGHTNESS = (0.90, 1.0)   # times the tint, like PAPER_GREY
BLUE_INK_RG = ((10, 40), (130, 190))   # red and blue of blue ink; green makes its luminance
MARKS_P = 0.6                    # of pages, with --marks
MARK_KINDS = {"stamp": 30, "scribble": 18, "date": 18, "tick": 14, "staple": 10, "punch": 10}
MARK_COUNT = (1, 1, 2, 2, 3, 4)  # marks on a marked page, one drawn at random
MARK_CLEARANCE_IN = 0.035        # kept free of marks around every field box
MARK_ATTEMPTS = 40               # placements tried per drawn mark
MARK_LAYERS = 3                  # marks drawn (each tried in MARK_ATTEMPTS places) before giving up
STAMP_INKS = ((35, 60, 165), (95, 45, 150), (185, 35, 45), (50, 50, 55))
PEN_INKS = ((25, 45, 150), (30, 30, 35), (190, 30, 35), (30, 115, 60), (120, 120, 125))
STAMP_AUTHORITIES = ("MAIRIE DE {}", "PRÉFECTURE DE {}", "CPAM DE {}", "CAF DE {}",
                     "SOUS-PRÉFECTURE DE {}", "COMMISSARIAT DE {}")
STAMP_SERVICES = ("ÉTAT CIVIL", "RÉPUBLIQUE FRANÇAISE", "SERVICE DES TITRES",
                  "ACCUEIL", "COURRIER", "PRESTATIONS")
STAMP_BOXES = (("REÇU LE", "{date}", "{authority}"), ("COURRIER ARRIVÉ", "{date}"),
               ("COPIE CONFORME", "À L'ORIGINAL"), ("VU ET VÉRIFIÉ", "LE {date}"),
               ("{authority}", "ARRIVÉE LE {date}", "{service}"), ("DOSSIER COMPLET", "{date}"))
HAND_DATES = ("{d:02d}/{m:02d}/{y}", "reçu le {d}/{m}/{yy:02d}", "le {d} {month} {y}",
              "vu le {d:02d}.{m:02d}.{yy:02d}", "{d}/{m}", "{d:02d}/{m:02d}/{yy:02d}",
              "envoyé le {d}/{m}", "RDV {d}/{m}")
PHOTOCOPY_P = 0.35               # of pages, with --photocopy
PHOTOCOPY_GAMMA = (1.5, 2.2)     # copiers darken mid-tones before thresholding
PHOTOCOPY_BLUR_IN = (0.0015, 0.003)    # inches: 0.45-0.9 px at 300 dpi
PHOTOCOPY_THRESHOLD = (105, 170)       # after the blur: < 128 thins strokes, > 128 thickens
TONER = (200, 2500)              # toner dots tried per copy (none lands in a field box)
TONER_RADIUS_IN = (0.0013, 0.005)
EDGE_BAND_P = 0.5                # of copies: dark bands where the copy's edge was
EDGE_BAND_IN = (0.04, 0.3)

PROFILES = {
    "hard": {"max_rotate": 5.0, "max_scale": 0.05, "max_shift": 100.0,
             "dpis": "300,200,400", "formats": "g4,jpeg,png",
             "turn_weights": "0:60,180:20,90:10,270:10",
             "colour": True, "marks": True, "photocopy": True, "fit_fields": True},
}

# --- how values are typed in -----------------------------------------------

BLANK_OPTIONAL_P = 0.15
CHECKED_P = 0.50
SIGNED_P = 0.80
CAP_RATIO = (0.60, 0.75)         # height of a capital / height of the box
MIN_CAP_RATIO = 0.40             # a value needing smaller type "does not fit"
BOX_MARGIN = 0.06                # of the box height, kept free of ink
MIN_MARGIN_PX = 2.0              # text is drawn at sub-pixel offsets
BASELINE_JITTER = 0.06           # of the box height
INDENT_JITTER = 0.03             # of the box width
CELL_JITTER = 0.06               # of the cell size
TALL_BOX_IN = 0.45               # a text box this tall holds several lines
BLOCK_LINE_IN = 0.20             # line pitch inside such a box
STROKE_PX = (3, 5)               # check marks and signatures, reference pixels
MARK_PAD = 0.15                  # of the checkbox size, between mark and frame
INK_BLACK = (0, 30)              # grey levels: outputs are grey, so blue ink is
INK_BLUE = (35, 60)              # typed as the luminance of a dark blue
MAX_ATTEMPTS = 60
HINT_ATTEMPTS = 20               # then fall back to pattern / charset sampling

FONT_GLOB = "/usr/share/fonts/truetype/*/*.ttf"
FONT_FAMILIES = ("DejaVu", "Liberation", "Free")
FONT_EXCLUDE = ("Oblique", "Italic", "ExtraLight", "Math")

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# --- French data -------------------------------------------------------------

SURNAMES = (
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT",
    "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL",
    "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "MOREL",
    "GIRARD", "ANDRÉ", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANÇOIS",
    "MARTINEZ", "LEGRAND", "GARNIER", "FAURE", "ROUSSEAU", "BLANC", "GUÉRIN",
    "MULLER", "HENRY", "PERRIN", "MORIN", "MATHIEU", "CLÉMENT", "GAUTHIER",
    "FONTAINE", "CHEVALIER", "ROBIN", "MASSON", "GÉRARD", "NGUYEN", "BOYER",
    "LEMAIRE", "DUVAL", "NOËL", "MEYER", "PÉREZ", "MARCHAND", "DUFOUR",
    "BLANCHARD", "BARBIER", "BRUNET", "SCHMITT", "LEROUX", "FERNANDEZ",
    "RENARD", "GIRAUD", "LECLERC", "VIDAL", "BOURGEOIS", "LACROIX", "HÉBERT",
    "RIVIÈRE", "LE GALL", "MÉNARD", "GRÉGOIRE", "PRÉVOST", "CHÂTELAIN",
    "BÉGUIN", "D'ALMEIDA", "DA SILVA", "LEFÈVRE-DUVAL", "CHRÉTIEN", "BENOÎT",
    "PÂRIS", "JOLY", "BENSAÏD", "ÉTIENNE", "LOÏC-MARTEAU", "N'DIAYE",
)
MALE_NAMES = (
    "JEAN", "PIERRE", "MICHEL", "ANDRÉ", "PHILIPPE", "FRANÇOIS", "CLÉMENT",
    "JOSÉ", "LUC", "ÉRIC", "STÉPHANE", "JÉRÔME", "SÉBASTIEN", "FRÉDÉRIC",
    "THÉO", "LÉO", "HUGO", "LOUIS", "GABRIEL", "RAPHAËL", "JULES", "ARTHUR",
    "NOÉ", "MAËL", "ANTOINE", "NICOLAS", "BENOÎT", "GÉRARD", "RENÉ", "HERVÉ",
    "JÉRÉMY", "MATHÉO", "ÉTIENNE", "CÔME", "JOËL", "GAËTAN", "JEAN-PIERRE",
    "JEAN-FRANÇOIS", "PIERRE-YVES", "MOHAMED", "KARIM",
)
FEMALE_NAMES = (
    "HÉLÈNE", "LÉA", "GAËLLE", "BÉRANGÈRE", "MARIE", "ANNE", "CÉLINE",
    "ÉLODIE", "CHLOÉ", "ZOÉ", "MAËLLE", "NOÉMIE", "AGATHE", "CAMILLE", "JULIE",
    "SOPHIE", "ISABELLE", "NATHALIE", "VALÉRIE", "AURÉLIE", "MÉLANIE",
    "ÉMILIE", "CLÉMENCE", "INÈS", "JOSÉPHINE", "GENEVIÈVE", "THÉRÈSE",
    "HÉLOÏSE", "LÉONIE", "ANAÏS", "ÉLÉONORE", "FRANÇOISE", "AGNÈS", "MICHÈLE",
    "RENÉE", "MARIE-CLAIRE", "ANNE-SOPHIE", "MARIE-HÉLÈNE", "FATIMA", "YASMINE",
)
COMMUNES = (  # (name, postal code): real pairs, so code and town agree
    ("PARIS", "75011"), ("PARIS", "75015"), ("MARSEILLE", "13008"),
    ("LYON", "69003"), ("TOULOUSE", "31000"), ("NICE", "06000"),
    ("NANTES", "44000"), ("STRASBOURG", "67000"), ("MONTPELLIER", "34000"),
    ("BORDEAUX", "33000"), ("LILLE", "59000"), ("RENNES", "35000"),
    ("REIMS", "51100"), ("SAINT-ÉTIENNE", "42000"), ("LE HAVRE", "76600"),
    ("GRENOBLE", "38000"), ("DIJON", "21000"), ("ANGERS", "49000"),
    ("NÎMES", "30000"), ("CLERMONT-FERRAND", "63000"), ("LE MANS", "72000"),
    ("AIX-EN-PROVENCE", "13100"), ("BREST", "29200"), ("TOURS", "37000"),
    ("AMIENS", "80000"), ("LIMOGES", "87000"), ("ANNECY", "74000"),
    ("PERPIGNAN", "66000"), ("BESANÇON", "25000"), ("ORLÉANS", "45000"),
    ("METZ", "57000"), ("ROUEN", "76000"), ("CAEN", "14000"),
    ("ÉVREUX", "27000"), ("CHÂTEAU-THIERRY", "02400"), ("CHÂTEAUROUX", "36000"),
    ("VILLENEUVE-D'ASCQ", "59650"), ("ÉPINAL", "88000"), ("PÉRIGUEUX", "24000"),
    ("BÉZIERS", "34500"), ("FRÉJUS", "83600"), ("SÈTE", "34200"),
    ("CHÂLONS-EN-CHAMPAGNE", "51000"), ("SAINT-BRIEUC", "22000"),
    ("LA ROCHELLE", "17000"), ("ANGOULÊME", "16000"), ("MÂCON", "71000"),
    ("CHAMBÉRY", "73000"), ("BOURG-EN-BRESSE", "01000"), ("GAP", "05000"),
    ("CRÉTEIL", "94000"), ("NANTERRE", "92000"), ("VERSAILLES", "78000"),
    ("MONTLUÇON", "03100"), ("LE PUY-EN-VELAY", "43000"), ("RODEZ", "12000"),
    ("FOIX", "09000"), ("CARCASSONNE", "11000"), ("VALENCE", "26000"),
    ("AVIGNON", "84000"), ("COMPIÈGNE", "60200"), ("SAINT-QUENTIN", "02100"),
    ("TROYES", "10000"), ("BELFORT", "90000"), ("AUXERRE", "89000"),
    ("SAINT-LÔ", "50000"), ("CHOLET", "49300"), ("VANNES", "56000"),
    ("MONT-DE-MARSAN", "40000"), ("GUÉRET", "23000"), ("PONTOISE", "95300"),
    ("AJACCIO", "20000"), ("PORTO-VECCHIO", "20137"), ("BASTIA", "20200"),
    ("CORTE", "20250"), ("POINTE-À-PITRE", "97110"), ("FORT-DE-FRANCE", "97200"),
    ("CAYENNE", "97300"), ("SAINT-DENIS", "97400"), ("MAMOUDZOU", "97600"),
)
CORSICA = tuple(c for c in COMMUNES if c[1].startswith("20"))
OVERSEAS = tuple(c for c in COMMUNES if c[1].startswith("97"))
MAINLAND = tuple(c for c in COMMUNES if c not in CORSICA and c not in OVERSEAS)
ABROAD = (  # (city, country, INSEE country code used in the NIR)
    ("CASABLANCA", "MAROC", "350"), ("ALGER", "ALGÉRIE", "352"),
    ("TUNIS", "TUNISIE", "351"), ("BRUXELLES", "BELGIQUE", "131"),
    ("LISBONNE", "PORTUGAL", "139"), ("GENÈVE", "SUISSE", "140"),
    ("DAKAR", "SÉNÉGAL", "341"), ("MADRID", "ESPAGNE", "134"),
    ("ROME", "ITALIE", "127"),
)
FOREIGN_COUNTRIES = ("BELGIQUE", "SUISSE", "ESPAGNE", "ITALIE", "ALLEMAGNE", "LUXEMBOURG")
STREET_TYPES = ("RUE",) * 6 + (
    "AVENUE", "BOULEVARD", "CHEMIN", "IMPASSE", "ALLÉE", "PLACE", "ROUTE",
    "QUAI", "COURS")
STREETS = (
    "DES LILAS", "VICTOR HUGO", "JEAN JAURÈS", "DU GÉNÉRAL DE GAULLE",
    "DE LA RÉPUBLIQUE", "PASTEUR", "DES ÉCOLES", "DU CHÂTEAU", "DE LA GARE",
    "SAINT-ÉLOI", "DES PRÉS", "DU MOULIN", "ÉMILE ZOLA", "GAMBETTA",
    "DE L'ÉGLISE", "DES ÉRABLES", "FRANÇOIS MITTERRAND", "DU 8 MAI 1945",
    "DE LA LIBÉRATION", "DES CHÊNES", "ANATOLE FRANCE", "DU MARÉCHAL FOCH",
    "DES MARRONNIERS", "DE VERDUN", "PIERRE ET MARIE CURIE", "DES TILLEULS",
    "NOTRE-DAME", "DU PRÉ-CATELAN",
)
EXTENSIONS = ("BIS", "BIS", "TER", "QUATER")
COMPLEMENTS = (
    "BÂTIMENT B", "RÉSIDENCE LES TILLEULS", "APPARTEMENT 12", "ESCALIER 3",
    "LIEU-DIT LE CHÊNE", "RÉSIDENCE DU PARC", "ÉTAGE 4 PORTE GAUCHE",
)
AUTHORITIES = ("PRÉFECTURE DE {}", "MAIRIE DE {}", "SOUS-PRÉFECTURE DE {}")
ORGANISATIONS = (
    "CABINET MÉDICAL DU DR {}", "MAISON DE SANTÉ DES TILLEULS",
    "CENTRE DE SANTÉ SAINT-ÉLOI", "CABINET DE GROUPE {}",
    "CENTRE MÉDICAL DE LA GARE", "SCM {} ET ASSOCIÉS",
)
CIRCUMSTANCES = (
    "VOL À L'ARRACHÉ DU SAC À MAIN DANS LA RUE EN SORTANT DU MARCHÉ",
    "PERTE PROBABLE LORS D'UN DÉMÉNAGEMENT LE WEEK-END DERNIER",
    "PORTEFEUILLE OUBLIÉ DANS UN TAXI EN RENTRANT DU TRAVAIL",
    "DOCUMENT ÉGARÉ PENDANT UN VOYAGE EN TRAIN ENTRE DEUX GARES",
    "VOL DANS LE VÉHICULE STATIONNÉ DEVANT LE DOMICILE PENDANT LA NUIT",
    "PERDU LORS D'UNE PROMENADE EN FORÊT AVEC LES ENFANTS",
    "SAC OUBLIÉ DANS LE MÉTRO LIGNE 4 EN FIN D'APRÈS-MIDI",
    "POCHETTE TOMBÉE DE LA POCHE DU MANTEAU À LA SORTIE DU CINÉMA",
)
MAIL_DOMAINS = ("orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr", "wanadoo.fr")
BANKS = ("30004", "30003", "10278", "20041", "30002", "11315", "18206", "14505")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet",
          "août", "septembre", "octobre", "novembre", "décembre")
LETTER_SENTENCES = (
    "Je vous prie de bien vouloir trouver ci-joint les pièces justificatives "
    "demandées lors de notre entretien téléphonique.",
    "Comme convenu, je vous adresse une copie de mon avis d'imposition ainsi "
    "que mon relevé d'identité bancaire.",
    "Malgré plusieurs relances, je n'ai toujours pas reçu de réponse à ma "
    "demande du mois dernier.",
    "Je souhaiterais obtenir un rendez-vous afin de régulariser ma situation "
    "dans les meilleurs délais.",
    "Vous trouverez également l'attestation de mon employeur précisant la "
    "date de reprise de mon activité.",
    "Par ailleurs, je vous informe de mon changement d'adresse à compter du "
    "premier du mois prochain.",
    "Cette démarche fait suite à la perte de plusieurs documents lors d'un "
    "déménagement.",
    "Le dossier a été déposé au guichet de la mairie, où l'on m'a indiqué "
    "qu'il serait transmis à vos services.",
    "Je me permets de vous relancer au sujet du remboursement des frais "
    "engagés en début d'année.",
    "En effet, le montant indiqué sur le décompte ne correspond pas à celui "
    "de la facture acquittée.",
    "Je reste à votre disposition pour tout renseignement complémentaire.",
)
LETTER_SUBJECTS = ("Demande de remboursement", "Changement d'adresse",
                   "Réclamation concernant mon dossier", "Demande de rendez-vous",
                   "Envoi de pièces justificatives")
LETTER_RECIPIENTS = (
    ("Caisse primaire d'assurance maladie", "Service des prestations"),
    ("Caisse d'allocations familiales", "Service courrier"),
    ("Mairie", "Service de l'état civil"),
    ("Centre des finances publiques", "Service des impôts des particuliers"),
)
FAKE_TITLES = ("FICHE D'INSCRIPTION - ACCUEIL DE LOISIRS", "BULLETIN D'ADHÉSION",
               "DEMANDE DE CARTE DE STATIONNEMENT RÉSIDENT",
               "QUESTIONNAIRE DE SATISFACTION", "FICHE DE RENSEIGNEMENTS")
FAKE_LABELS = ("Nom", "Prénom", "Adresse", "Code postal", "Ville", "Téléphone",
               "Courriel", "Date de naissance", "Profession", "N° d'adhérent",
               "Employeur", "Immatriculation")
FAKE_OPTIONS = ("Oui", "Non", "Ne sait pas", "Tous les jours", "Chaque semaine",
                "Jamais", "Par courrier", "Par courriel", "Par téléphone")

# Field names are only hints; these role words pick whose data a field holds,
# so "nom_medecin" and "soussigne_medecin" name the same doctor.
ROLES = {"assure", "beneficiaire", "medecin", "declarant", "conjoint", "enfant",
         "pere", "mere", "representant", "demandeur", "proprietaire", "locataire"}


def die(message):
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(2)


# --- templates ---------------------------------------------------------------

@dataclass
class Template:
    name: str
    dpi: float
    pages: list      # of (reference image in mode L, list of field dicts)
    paths: list = None   # of the reference images, for colour pages

    def colour_reference(self, i):
        return colour_reference(self.paths[i])


def load_templates(folder):
    paths = sorted(glob.glob(os.path.join(folder, "*", "template.json")))
    if not paths:
        die(f"{folder}: no */template.json found")
    return [load_template(p) for p in paths]


def load_template(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        base = os.path.dirname(path)
        refs = [os.path.join(base, p["reference"]) for p in doc["pages"]]
        pages = [(load_reference(r), p["fields"]) for r, p in zip(refs, doc["pages"])]
        return Template(doc["name"], float(doc["dpi"]), pages, refs)
    except (OSError, ValueError, KeyError, TypeError) as e:
        die(f"{path}: cannot load template ({e})")


def load_reference(path, mode="L"):
    """The blank form on white, in mode L (or RGB for colour pages)."""
    im = Image.open(path)
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im)
    im = im.convert(mode)
    im.info = {}   # never carry the reference's ICC profile or DPI into a scan
    return im


@functools.lru_cache(maxsize=4)   # templates are cycled; an RGB page is ~35 MB
def colour_reference(path):
    """The reference in RGB, loaded on the first colour page; callers copy it."""
    return load_reference(path, "RGB")


def cells_of(field):
    """The one-character cells of a `cells` or `comb` field, else None."""
    if "cells" in field:
        return field["cells"]
    if "comb" in field:
        x, y, w, h = field["box"]
        n = field["comb"]
        return [[x + w * i / n, y, w / n, h] for i in range(n)]
    return None


def field_boxes(field):
    """Every rectangle of a field: its box, lines, cells or options."""
    if "options" in field:
        return list(field["options"].values())
    return field.get("lines") or field.get("cells") or [field["box"]]


def field_tokens(field):
    return set(field["name"].split("_"))


# --- check digits --------------------------------------------------------------

def luhn_digit(payload):
    """The digit that makes payload + digit pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def luhn_ok(s):
    return len(s) > 1 and s.isdigit() and luhn_digit(s[:-1]) == s[-1]


def nir_key(body):
    """Key of a 13-character NIR body: 97 - (n mod 97).

    Official rule for Corsica: département 2A counts as 19 and 2B as 18 when
    computing n (the same as taking "20" and subtracting 1 000 000 or
    2 000 000, the département being digits 6-7 of 13)."""
    dept = {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7])
    return f"{97 - int(body[:5] + dept + body[7:]) % 97:02d}"


def nir_ok(s):
    return (len(s) == 15 and s[:5].isdigit() and s[7:].isdigit()
            and (s[5:7].isdigit() or s[5:7] in ("2A", "2B")) and nir_key(s[:13]) == s[13:])


def iban_mod97(s):
    return int("".join(str(int(ch, 36)) for ch in s)) % 97


def iban_ok(s):
    return len(s) >= 15 and s[:2].isalpha() and s[2:].isalnum() and iban_mod97(s[4:] + s[:4]) == 1


def postcode_ok(s):
    """Five digits of an existing département: 01-95 (20 is Corsica), 971-976."""
    if len(s) != 5 or not s.isdigit():
        return False
    if s.startswith("97"):
        return "1" <= s[2] <= "6"
    return 1 <= int(s[:2]) <= 95


CHECKS = {"nir": nir_ok, "siren": luhn_ok, "siret": luhn_ok, "luhn": luhn_ok,
          "iban": iban_ok, "code_postal": postcode_ok}


# --- people, places and values ---------------------------------------------

@dataclass
class Place:
    commune: str
    postcode: str      # "" when abroad
    country: str
    insee_country: str  # INSEE code of a foreign country, for the NIR


@dataclass
class Persona:
    sex: str
    first_names: list
    surname: str
    birth: date
    birth_place: Place
    home: Place
    street_number: int
    extension: str
    street_type: str
    street: str
    complement: str

    @property
    def full_name(self):
        return f"{self.first_names[0]} {self.surname}"

    def street_line(self):
        ext = f" {self.extension}" if self.extension else ""
        return f"{self.street_number}{ext} {self.street_type} {self.street}"


def random_date(rng, first, last):
    return first + timedelta(days=rng.randint(0, (last - first).days))


def french_place(rng, corsica_p, overseas_p):
    r = rng.random()
    pool = CORSICA if r < corsica_p else OVERSEAS if r < corsica_p + overseas_p else MAINLAND
    commune, postcode = rng.choice(pool)
    return Place(commune, postcode, "FRANCE", "")


def make_persona(rng):
    sex = rng.choice("MF")
    names = MALE_NAMES if sex == "M" else FEMALE_NAMES
    if rng.random() < 0.05:   # born abroad: NIR département 99
        city, country, code = rng.choice(ABROAD)
        birth_place = Place(city, "", country, code)
    else:                     # ~5 % of all NIRs are Corsican (2A/2B)
        birth_place = french_place(rng, 0.053, 0.05)
    return Persona(
        sex=sex,
        first_names=rng.sample(names, rng.choice((1, 1, 2, 3))),
        surname=rng.choice(SURNAMES),
        birth=random_date(rng, date(1930, 1, 1), date(2010, 12, 31)),
        birth_place=birth_place,
        home=french_place(rng, 0.03, 0.04),
        street_number=rng.randint(1, 150),
        extension=rng.choice(EXTENSIONS) if rng.random() < 0.2 else "",
        street_type=rng.choice(STREET_TYPES),
        street=rng.choice(STREETS),
        complement=rng.choice(COMPLEMENTS),
    )


def make_nir(rng, p):
    place = p.birth_place
    if not place.postcode:
        dept, commune = "99", place.insee_country
    elif place.postcode.startswith("97"):
        dept, commune = place.postcode[:3], f"{rng.randint(1, 99):02d}"
    elif place.postcode.startswith("20"):
        dept = "2A" if place.postcode < "20200" else "2B"
        commune = f"{rng.randint(1, 366):03d}"
    else:
        dept, commune = place.postcode[:2], f"{rng.randint(1, 999):03d}"
    body = (("1" if p.sex == "M" else "2") + f"{p.birth.year % 100:02d}{p.birth.month:02d}"
            + dept + commune + f"{rng.randint(1, 999):03d}")
    return body + nir_key(body)


def make_luhn(rng, length):
    payload = str(rng.randint(1, 9)) + "".join(rng.choice(DIGITS) for _ in range(length - 2))
    return payload + luhn_digit(payload)


def make_iban(rng):
    bank, branch = rng.choice(BANKS), f"{rng.randint(0, 99999):05d}"
    account = "".join(rng.choice(DIGITS) for _ in range(11))
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return f"FR{98 - iban_mod97(bban + 'FR00'):02d}{bban}"


def sample_pattern(rng, pattern, alphabet):
    """A random string that Python's re reads as matching pattern; free
    characters come from alphabet.  Raises ValueError on exotic constructs."""
    out = []
    _sample_seq(rng, sre_parse.parse(pattern), alphabet, out)
    return "".join(out)


def _sample_seq(rng, seq, alphabet, out):
    for op, av in seq:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.ANY:
            out.append(rng.choice(alphabet))
        elif op is sre_c.IN:
            out.append(rng.choice(_class_chars(av, alphabet)))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            for _ in range(rng.randint(lo, min(hi, lo + 8))):
                _sample_seq(rng, sub, alphabet, out)
        elif op is sre_c.SUBPATTERN:
            _sample_seq(rng, av[-1], alphabet, out)
        elif op is sre_c.BRANCH:
            _sample_seq(rng, rng.choice(av[1]), alphabet, out)
        elif op is not sre_c.AT:
            raise ValueError(f"unsupported pattern construct {op}")


def _class_chars(items, alphabet):
    categories = {sre_c.CATEGORY_DIGIT: str.isdigit, sre_c.CATEGORY_SPACE: str.isspace,
                  sre_c.CATEGORY_WORD: lambda c: c.isalnum() or c == "_"}
    negated = {sre_c.CATEGORY_NOT_DIGIT: sre_c.CATEGORY_DIGIT,
               sre_c.CATEGORY_NOT_SPACE: sre_c.CATEGORY_SPACE,
               sre_c.CATEGORY_NOT_WORD: sre_c.CATEGORY_WORD}

    def member(c):
        hit = False
        for op, av in items:
            if op is sre_c.LITERAL:
                hit |= ord(c) == av
            elif op is sre_c.RANGE:
                hit |= av[0] <= ord(c) <= av[1]
            elif op is sre_c.CATEGORY and av in categories:
                hit |= categories[av](c)
            elif op is sre_c.CATEGORY and av in negated:
                hit |= not categories[negated[av]](c)
            elif op is not sre_c.NEGATE:
                raise ValueError(f"unsupported class construct {op}")
        return hit != any(op is sre_c.NEGATE for op, _ in items)

    chars = [c for c in alphabet if member(c)]
    if not chars:
        raise ValueError("pattern class has no character in the field's charset")
    return chars


# --- fonts and layout ----------------------------------------------------------

def find_fonts():
    paths = sorted(p for p in glob.glob(FONT_GLOB)
                   if os.path.basename(p).startswith(FONT_FAMILIES)
                   and not any(x in os.path.basename(p) for x in FONT_EXCLUDE))
    if not paths:
        die("no usable font found under /usr/share/fonts/truetype "
            "(install fonts-dejavu-core, fonts-liberation or fonts-freefont-ttf)")
    return paths


@functools.lru_cache(maxsize=1024)
def font(path, size):
    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=None)
def cap_per_px(path):
    """Height of a capital per pixel of font size."""
    return -font(path, 200).getbbox("H", anchor="ls")[1] / 200


@dataclass
class Run:          # a piece of text, drawn with anchor "ls" (left, baseline)
    x: float
    y: float
    text: str
    size: int


@dataclass
class Stroke:       # a polyline, or a filled polygon when width is 0
    points: list
    width: int


def fitting_size(path, texts, room_w, room_h, size, min_size):
    """Largest size <= size at which every text fits room_w x room_h, or None."""
    while size >= max(1, min_size):
        f = font(path, size)
        boxes = [f.getbbox(t, anchor="ls") for t in texts]
        fit = min(min(room_w / max(1, b[2] - b[0]), room_h / max(1, b[3] - b[1])) for b in boxes)
        if fit >= 1:
            return size
        size = min(size - 1, int(size * fit))
    return None


def layout_line(path, rng, text, box, cap_ratio):
    """One run placing text inside box with jitter, or None if it cannot fit."""
    x, y, w, h = box
    m = max(MIN_MARGIN_PX, BOX_MARGIN * h)
    per_px = cap_per_px(path)
    size = fitting_size(path, [text], w - 2 * m, h - 2 * m,
                        int(cap_ratio * h / per_px), MIN_CAP_RATIO * h / per_px)
    if size is None:
        return None
    x0, y0, x1, y1 = font(path, size).getbbox(text, anchor="ls")
    cap = size * per_px
    base = y + (h + cap) / 2 + rng.uniform(-1, 1) * BASELINE_JITTER * h
    base = min(max(base, y + m - y0), y + h - m - y1)
    slack = w - 2 * m - (x1 - x0)
    left = x + m + rng.uniform(0, min(slack, INDENT_JITTER * w))
    return [Run(left - x0, base, text, size)]


def layout_cells(path, rng, chars, cells, cap_ratio):
    """One centred character per cell, all at one size, or None."""
    cw = min(c[2] for c in cells)
    ch = min(c[3] for c in cells)
    m = max(MIN_MARGIN_PX, BOX_MARGIN * ch)
    per_px = cap_per_px(path)
    size = fitting_size(path, list(chars), cw - 2 * m, ch - 2 * m,
                        int(cap_ratio * ch / per_px), MIN_CAP_RATIO * ch / per_px)
    if size is None:
        return None
    f, cap = font(path, size), size * per_px
    runs = []
    for c, (x, y, w, h) in zip(chars, cells):
        x0, y0, x1, y1 = f.getbbox(c, anchor="ls")
        jx, jy = (rng.uniform(-1, 1) * CELL_JITTER * s for s in (w, h))
        left = min(max(x + (w - (x1 - x0)) / 2 + jx, x + m), x + w - m - (x1 - x0))
        base = min(max(y + (h + cap) / 2 + jy, y + m - y0), y + h - m - y1)
        runs.append(Run(left - x0, base, c, size))
    return runs


def layout_block(path, rng, lines, box, dpi, cap_ratio):
    """Several lines stacked from the top of one tall box, or None."""
    x, y, w, h = box
    m = max(MIN_MARGIN_PX, BOX_MARGIN * h)
    pitch = min((h - 2 * m) / len(lines), BLOCK_LINE_IN * dpi)
    top = y + m + rng.uniform(0, h - 2 * m - pitch * len(lines))
    runs = []
    for i, line in enumerate(lines):
        placed = layout_line(path, rng, line, (x, top + i * pitch, w, pitch), cap_ratio)
        if placed is None:
            return None
        runs += placed
    return runs


def spread(value, n):
    """Fit a hint's value to n rendered lines: extra parts are merged into the
    last line, missing lines come from cutting the longest part between words.
    One line takes the first part (a one-line "adresse" is the street line)."""
    if value is None:
        return None
    parts = [value] if isinstance(value, str) else list(value)
    if n == 1:
        return parts[:1]
    if len(parts) > n:
        return parts[:n - 1] + [" ".join(parts[n - 1:])]
    if len(parts) < n:
        longest = max(range(len(parts)), key=lambda i: len(parts[i]))
        pieces = _split_words(parts[longest], n - len(parts) + 1)
        if pieces is None:
            return None
        parts[longest:longest + 1] = pieces
    return parts


def _split_words(text, k):
    """text cut between words into k lines of similar length, or None."""
    words = text.split()
    if len(words) < k:
        return None
    total = sum(len(w) + 1 for w in words)
    lines, current, done = [], [], 0
    for i, word in enumerate(words):
        current.append(word)
        done += len(word) + 1
        words_left, lines_left = len(words) - i - 1, k - len(lines) - 1
        if lines_left and words_left >= lines_left and (
                done >= total * (len(lines) + 1) / k or words_left == lines_left):
            lines.append(" ".join(current))
            current = []
    return lines + [" ".join(current)]


# --- filling a page ----------------------------------------------------------

class Page:
    """Everything one page's values share: its RNG, font, ink, personas, date."""

    def __init__(self, rng, font_path, dpi, label):
        self.label = label      # names the template in error messages
        self.rng = rng
        self.font_path = font_path
        self.dpi = dpi
        self.today = random_date(rng, date(2016, 1, 1), date(2026, 12, 31))
        self.mark_style = rng.choice(("x", "tick", "fill"))
        self.stroke = rng.randint(*STROKE_PX)
        self.ink_name = rng.choice(("black", "black", "blue"))
        self.ink = rng.randint(*(INK_BLACK if self.ink_name == "black" else INK_BLUE))
        self.personas = {}

    def persona(self, field_name):
        """The person a field is about, from a role word in its name."""
        role = next((t for t in field_name.split("_") if t in ROLES), "")
        if role not in self.personas:
            self.personas[role] = make_persona(self.rng)
        return self.personas[role]


def fill_page(page, fields):
    """Truth values and draw operations for every field of one page."""
    truth, ops = {}, []
    for field in fields:
        value, field_ops = fill_field(page, field)
        truth[field["name"]] = value
        ops += field_ops
    return truth, ops


def fill_field(page, field):
    kind = field["type"]
    if kind == "checkbox":
        checked = page.rng.random() < CHECKED_P or bool(field.get("required"))
        return ("1", mark_ops(page, field["box"])) if checked else ("0", [])
    if kind == "choice":
        return fill_choice(page, field)
    if kind == "signature":
        signed = page.rng.random() < SIGNED_P or bool(field.get("required"))
        return ("1", signature_ops(page, field["box"])) if signed else ("0", [])
    if not field.get("required") and page.rng.random() < BLANK_OPTIONAL_P:
        return "", []
    for lines, value in proposals(page, field):
        if value == "":
            return "", []           # the hint says this one stays empty
        runs = layout_field(page, field, lines)
        if runs is not None:
            return value, runs
    die(f"{page.label}: field {field['name']}: cannot invent a value that fits its box, "
        f"charset, pattern and check in {MAX_ATTEMPTS} attempts")


def proposals(page, field):
    """(lines, value) that fit the field's charset, pattern and check, one
    per attempt that gives one; ("", "") once when the hint says an optional
    field stays empty."""
    for attempt in range(MAX_ATTEMPTS):
        proposal = propose(page, field, attempt)
        if proposal is None:
            continue
        lines, value = proposal
        if value == "" and not field.get("required"):
            yield [], ""
            return
        if value and acceptable(field, lines, value):
            yield lines, value


def fill_page_pdf(page, fields):
    """Truth values and what to type into the PDF form field of every field
    of one page (--pdf-form): {field name: value}, {PDF field: typed}."""
    truth, typed = {}, {}
    for field in fields:
        value, text = fill_field_pdf(page, field)
        truth[field["name"]] = value
        if text and field.get("pdf_field"):     # "" leaves the field empty
            typed[field["pdf_field"]] = text
    return truth, typed


def fill_field_pdf(page, field):
    """(truth value, text for the PDF field or None) of one field: the same
    values as fill_field, typed into the form field instead of drawn.  A
    field without a PDF field, and a signature (a form filled on screen is
    not signed by hand), stay empty."""
    kind = field["type"]
    if kind == "signature" or not field.get("pdf_field"):
        return ("0" if kind in ("checkbox", "signature") else ""), None
    if kind == "checkbox":
        checked = page.rng.random() < CHECKED_P or bool(field.get("required"))
        return ("1", "@on") if checked else ("0", "Off")
    if kind == "choice":
        value, _ = fill_choice(page, field)
        exports = field.get("pdf_values") or {}
        if not value:
            return "", "Off"
        first = value.split(",")[0]     # a radio group holds one option
        return first, exports.get(first, first)
    if not field.get("required") and page.rng.random() < BLANK_OPTIONAL_P:
        return "", ""
    for lines, value in proposals(page, field):
        return value, "\n".join(lines)     # "" when the hint says empty
    die(f"{page.label}: field {field['name']}: cannot invent a value that fits its "
        f"charset, pattern and check in {MAX_ATTEMPTS} attempts")


def render_pdf_form(args, template, typed, index):
    """The template's pages as the PDF form looks once typed into and
    flattened: fo-pdf-fill (tests/tools/pdf_fill.c) sets the fields through
    MuPDF and renders every page at the template's dpi.  Page k of the
    template is page k of the PDF."""
    prefix = os.path.join(args.out, f".fill_{index + 1:04d}")
    tsv = prefix + ".tsv"
    with open(tsv, "w", encoding="utf-8") as f:
        for name, text in typed.items():
            escaped = text.replace("\\", "\\\\").replace("\n", "\\n")
            f.write(f"{name}\t{escaped}\n")
    done = subprocess.run([args.pdf_filler, args.pdf_form, tsv, f"{template.dpi:g}", prefix],
                          capture_output=True, text=True)
    if done.returncode != 0:
        die(f"{args.pdf_form}: fo-pdf-fill failed: {done.stderr.strip()}")
    images = []
    for k in range(len(template.pages)):
        png = f"{prefix}-{k + 1}.png"
        images.append(load_reference(png))
    for path in glob.glob(glob.escape(prefix) + "*"):
        os.remove(path)
    return images


def acceptable(field, lines, value):
    cells = cells_of(field)
    if cells is not None and (len(lines) != 1 or len(lines[0]) != len(cells)):
        return False
    charset = field.get("charset")
    if charset and any(c not in charset for line in lines for c in line if c != " "):
        return False
    if field.get("pattern") and not re.search(field["pattern"], value):
        return False
    check = CHECKS.get(field.get("check"))
    return check is None or check(value)


def layout_field(page, field, lines):
    path, rng = page.font_path, page.rng
    cap_ratio = rng.uniform(*CAP_RATIO)
    cells = cells_of(field)
    if cells is not None:
        return layout_cells(path, rng, lines[0], cells, cap_ratio)
    if is_tall(page, field):
        return layout_block(path, rng, lines, field["box"], page.dpi, cap_ratio)
    runs = []
    boxes = field.get("lines") or [field["box"]]
    for line, box in zip(lines, boxes):
        placed = layout_line(path, rng, line, box, cap_ratio)
        if placed is None:
            return None
        runs += placed
    return runs


def is_tall(page, field):
    """A single `box` tall enough to be typed on several lines, like cerfa
    12485's "raison sociale et adresse du cabinet".  Its truth is the typed
    lines joined with "\\n", exactly as for a `lines` field."""
    return ("box" in field and cells_of(field) is None
            and field["box"][3] >= TALL_BOX_IN * page.dpi)


def line_count(page, field):
    """How many lines a text field is typed on (a tall box: 2-3 if they fit)."""
    if "lines" in field:
        return len(field["lines"])
    if is_tall(page, field):
        fits = int(field["box"][3] / (BLOCK_LINE_IN * page.dpi))
        return max(1, min(page.rng.randint(2, 3), fits))
    return 1


def propose(page, field, attempt):
    """(lines to type, normalised value) for one attempt, or None."""
    kind = field["type"]
    if kind == "integer":
        return propose_integer(page, field)
    if kind == "decimal":
        return propose_decimal(page, field)
    if kind == "date":
        return propose_date(page, field)
    cells = cells_of(field)
    n = 1 if cells is not None else line_count(page, field)
    if field.get("check") in CHECKS:
        lines = [check_value(page, field, len(cells) if cells else None)]
    elif attempt < HINT_ATTEMPTS:
        hint = hint_text(page, field, n)
        lines = spread(hint, n)
        if lines is None and is_tall(page, field):
            lines = spread(hint, 1)     # a one-word value takes one line of the box
    else:
        lines = [random_text(page, field, len(cells) if cells else None)]
    if lines is None or lines[0] is None:
        return None
    value = "\n".join(" ".join(line.split()) for line in lines).strip()
    return lines, value


def check_value(page, field, length):
    rng, p, check = page.rng, page.persona(field["name"]), field["check"]
    if check == "nir":
        return make_nir(rng, p)
    if check == "siren":
        return make_luhn(rng, 9)
    if check == "siret":
        return make_luhn(rng, 14)
    if check == "luhn":
        return make_luhn(rng, length or rng.randint(8, 16))
    if check == "iban":
        return make_iban(rng)
    place = p.birth_place if "naissance" in field_tokens(field) else p.home
    if not place.postcode and not field.get("required"):
        return ""   # born abroad: no French postal code
    return place.postcode or rng.choice(MAINLAND)[1]


def hint_text(page, field, n):
    """A plausible value guessed from the field's name (a string, or a list
    of parts for multi-line fields), "" for "leave it empty", None if the name
    says nothing useful."""
    t, rng, p = field_tokens(field), page.rng, page.persona(field["name"])
    if t & {"telephone", "tel", "portable", "mobile"}:
        sep = "" if cells_of(field) else " "    # combs take one digit per cell
        return "0" + str(rng.choice((1, 2, 3, 4, 5, 6, 7, 9))) + "".join(
            f"{sep}{rng.randint(0, 99):02d}" for _ in range(4))
    if t & {"courriel", "email", "mail"}:
        user = re.sub(r"[ ']", "", ascii_fold(f"{p.first_names[0]}.{p.surname}").lower())
        return f"{user}@{rng.choice(MAIL_DOMAINS)}"
    if "voie" in t:
        return p.street_type if "type" in t else p.street
    if "extension" in t:
        return p.extension
    if "prenoms" in t:
        return " ".join(p.first_names)
    if "prenom" in t:
        return p.first_names[0]
    if t & {"soussigne", "titulaire", "signataire"}:
        return p.full_name
    if "usage" in t:
        return rng.choice(SURNAMES)
    if "nom" in t:
        return p.surname
    if "pays" in t:
        if "naissance" in t:
            return p.birth_place.country
        return "FRANCE" if "adresse" in t or rng.random() < 0.9 else rng.choice(FOREIGN_COUNTRIES)
    if t & {"emetteur", "autorite", "delivrance"}:
        return rng.choice(AUTHORITIES).format(rng.choice(COMMUNES)[0])
    if t & {"ville", "commune", "lieu", "localite"} or t >= {"fait", "a"}:
        return (p.birth_place if "naissance" in t else p.home).commune
    if t & {"circonstances", "motif", "observations", "commentaire", "description"}:
        return rng.choice(CIRCUMSTANCES)
    if t & {"cabinet", "etablissement", "structure", "raison", "organisme"}:
        doctor = page.persona("medecin")
        commune, postcode = rng.choice(MAINLAND)
        return [rng.choice(ORGANISATIONS).format(doctor.surname),
                f"{rng.randint(1, 150)} {rng.choice(STREET_TYPES)} {rng.choice(STREETS)}",
                f"{postcode} {commune}"]
    if t & {"adresse", "domicile"}:
        return [p.street_line()] + ([p.complement] if n >= 3 else []) + \
               [f"{p.home.postcode} {p.home.commune}"]
    if cells_of(field) is None and not field.get("charset") and not field.get("pattern"):
        return rng.choice(SURNAMES)     # free text: at least something readable
    return None


def ascii_fold(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def random_text(page, field, length):
    """Characters from the field's charset, or a sample of its pattern."""
    rng = page.rng
    alphabet = field.get("charset") or (UPPER + DIGITS)
    if field.get("pattern"):
        try:
            return sample_pattern(rng, field["pattern"], alphabet)
        except ValueError:
            pass    # fall back to plain charset strings
    return "".join(rng.choice(alphabet) for _ in range(length or rng.randint(6, 12)))


def random_digits(rng, n):
    """n digits without a leading zero, so the integer reads back the same."""
    return str(rng.randint(1, 9)) + "".join(rng.choice(DIGITS) for _ in range(n - 1))


def propose_integer(page, field):
    cells = cells_of(field)
    if cells is not None:
        digits = random_digits(page.rng, len(cells))
        return [digits], digits
    if field_tokens(field) & {"adresse", "voie"}:
        n = page.persona(field["name"]).street_number
    else:
        n = page.rng.randint(1, 150)
    return [str(n)], str(n)


def propose_decimal(page, field):
    cells = cells_of(field)
    if cells is not None:   # a comma takes one cell, two decimals
        if len(cells) < 4:
            return None
        digits = random_digits(page.rng, len(cells) - 3)
        cents = f"{page.rng.randint(0, 99):02d}"
        return [f"{digits},{cents}"], f"{digits}.{cents}"
    cents = page.rng.randint(50, 999999)
    units = f"{cents // 100:,}".replace(",", " ")   # French grouping: 1 234,56
    return [f"{units},{cents % 100:02d}"], f"{cents // 100}.{cents % 100:02d}"


def propose_date(page, field):
    t, rng = field_tokens(field), page.rng
    if t & {"naissance", "ne", "nee"}:
        d = page.persona(field["name"]).birth
    elif t & {"fait", "le", "declaration", "signature", "signe", "jour"}:
        d = page.today
    elif t & {"disparition", "perte", "vol", "sinistre", "accident"}:
        d = page.today - timedelta(days=rng.randint(0, 60))
    else:
        d = random_date(rng, date(2015, 1, 1), page.today)
    fmt = field.get("date_format", "DD/MM/YYYY")
    text = (fmt.replace("YYYY", f"{d.year:04d}").replace("YY", f"{d.year % 100:02d}")
            .replace("MM", f"{d.month:02d}").replace("DD", f"{d.day:02d}"))
    cells = cells_of(field)
    if cells is not None and len(text) != len(cells):
        text = "".join(c for c in text if c.isdigit())   # combs omit separators
    return [text], d.isoformat()


def fill_choice(page, field):
    rng, options = page.rng, list(field["options"])
    lo, hi = field.get("min", 0), min(field.get("max", 1), len(options))
    if lo == 0 and not field.get("required") and rng.random() < BLANK_OPTIONAL_P:
        return "", []
    picked = set(hinted_options(page, field, options)[:hi])
    k = rng.randint(max(lo, 1, len(picked)), max(hi, 1))
    picked |= set(rng.sample([o for o in options if o not in picked], k - len(picked)))
    chosen = [o for o in options if o in picked]
    ops = [op for o in chosen for op in mark_ops(page, field["options"][o])]
    return ",".join(chosen), ops


def hinted_options(page, field, options):
    """Options that must agree with the person: sex, and age on the form's date."""
    p = page.persona(field["name"])
    age = (page.today - p.birth).days / 365.25
    wanted = {"homme", "masculin", "monsieur"} if p.sex == "M" else {"femme", "feminin", "madame"}
    wanted |= {"majeur", "majeure"} if age >= 18 else {"mineur", "mineure"}
    return [o for o in options if o in wanted]


def mark_ops(page, box):
    """An X, a tick or a filled square inside a checkbox."""
    rng, width = page.rng, page.stroke
    x, y, w, h = box
    pad = width + MARK_PAD * min(w, h)
    x0, y0, x1, y1 = x + pad, y + pad, x + w - pad, y + h - pad

    def at(fx, fy):   # a point of the inner square, jittered but kept inside
        j = 0.06 * (x1 - x0)
        return (min(max(x0 + fx * (x1 - x0) + rng.uniform(-j, j), x0), x1),
                min(max(y0 + fy * (y1 - y0) + rng.uniform(-j, j), y0), y1))

    if page.mark_style == "x":
        return [Stroke([at(0, 0), at(1, 1)], width), Stroke([at(1, 0), at(0, 1)], width)]
    if page.mark_style == "tick":
        return [Stroke([at(0, 0.55), at(0.35, 1), at(1, 0)], width)]
    return [Stroke([at(0.05, 0.05), at(0.95, 0.05), at(0.95, 0.95), at(0.05, 0.95)], 0)]


def signature_ops(page, box, strokes=(2, 4)):
    """A scribble of cubic Bezier strokes.  All control points lie in a
    padded sub-box, so the curves (inside their control hull) stay in the box."""
    rng, width = page.rng, page.stroke
    x, y, w, h = box
    pad = width + 0.08 * min(w, h)
    sw = rng.uniform(0.4, 0.85) * (w - 2 * pad)
    sh = rng.uniform(0.45, 0.9) * (h - 2 * pad)
    sx = x + pad + rng.uniform(0, w - 2 * pad - sw)
    sy = y + pad + rng.uniform(0, h - 2 * pad - sh)

    def point(fx=None):
        return (sx + (rng.random() if fx is None else fx) * sw, sy + rng.random() * sh)

    ops = []
    for k in range(rng.randint(*strokes)):
        anchors = sorted(rng.random() for _ in range(rng.randint(3, 6)))
        if k:   # later strokes are short: a flourish or an underline
            anchors = [a * 0.5 + rng.random() * 0.5 for a in anchors[:3]]
        pts = [point(anchors[0])]
        for a in anchors[1:]:
            p0, c1, c2, p3 = pts[-1], point(), point(), point(a)
            pts += [_bezier(p0, c1, c2, p3, i / 16) for i in range(1, 17)]
        ops.append(Stroke(pts, width))
    return ops


def _bezier(p0, p1, p2, p3, t):
    u = 1 - t
    return tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d
                 for a, b, c, d in zip(p0, p1, p2, p3))


def draw_ops(image, ops, font_path, ink):
    draw = ImageDraw.Draw(image)
    for op in ops:
        if isinstance(op, Run):
            draw.text((op.x, op.y), op.text, font=font(font_path, op.size), fill=ink, anchor="ls")
        elif op.width:
            draw.line(op.points, fill=ink, width=op.width, joint="curve")
        else:
            draw.polygon(op.points, fill=ink)


# --- foreign pages -------------------------------------------------------------

def foreign_page(kind, rng, font_path, colour_rng=None):
    """A 300 dpi A4 sheet that is no template (a letter, a blank page or
    another form), the name of its ink (None when blank) and the ink's RGB
    (None unless colour_rng is given: then the sheet is RGB)."""
    size = tuple(round(v * FOREIGN_DPI) for v in A4_INCHES)
    image = Image.new("RGB" if colour_rng else "L", size, "white")
    if kind == "blank":
        return image, None, None
    page = Page(rng, font_path, FOREIGN_DPI, kind)
    ops = letter_ops(page, size) if kind == "letter" else fake_form_ops(page, size)
    ink = colour_ink(colour_rng, page.ink_name, page.ink) if colour_rng else None
    draw_ops(image, ops, font_path, ink or page.ink)
    return image, page.ink_name, ink


def letter_ops(page, size):
    rng, path = page.rng, page.font_path
    p = make_persona(rng)
    body = 42                               # ~10 pt at 300 dpi
    left, right, y = 240, size[0] - 240, 300
    ops = []
    sender = [title_fr(p.full_name), title_fr(p.street_line()),
              f"{p.home.postcode} {title_fr(p.home.commune)}"]
    for line in sender:
        ops.append(Run(left, y, line, body))
        y += body * 1.4
    y += body * 2
    commune, postcode = rng.choice(MAINLAND)
    for line in rng.choice(LETTER_RECIPIENTS) + (f"{postcode} {title_fr(commune)}",):
        ops.append(Run(size[0] * 0.55, y, line, body))
        y += body * 1.4
    y += body * 2
    d = page.today
    dated = f"{title_fr(p.home.commune)}, le {d.day} {MONTHS[d.month - 1]} {d.year}"
    ops.append(Run(size[0] * 0.55, y, dated, body))
    y += body * 3
    ops.append(Run(left, y, f"Objet : {rng.choice(LETTER_SUBJECTS)}", body))
    y += body * 3
    ops.append(Run(left, y, "Madame, Monsieur,", body))
    y += body * 2.2
    sentences = rng.sample(LETTER_SENTENCES, rng.randint(5, 9))
    cuts = sorted(rng.sample(range(1, len(sentences)), 2))
    paragraphs = [" ".join(sentences[a:b]) for a, b in zip([0] + cuts, cuts + [len(sentences)])]
    paragraphs.append("Je vous prie d'agréer, Madame, Monsieur, "
                      "l'expression de mes salutations distinguées.")
    for para in paragraphs:
        for line in wrap(path, para, body, right - left):
            ops.append(Run(left, y, line, body))
            y += body * 1.45
        y += body * 0.9
    sig_box = (size[0] * 0.55, y + body, size[0] * 0.3, 220)
    ops += signature_ops(page, sig_box, strokes=(2, 3))
    ops.append(Run(size[0] * 0.55, sig_box[1] + sig_box[3] + body * 1.5, sender[0], body))
    return ops


def title_fr(text):
    """LEFÈVRE-DUVAL -> Lefèvre-Duval, but with French particles kept low:
    "Allée des Écoles", "Mont-de-Marsan", "Villeneuve-d'Ascq"."""
    low = {"de", "des", "du", "la", "le", "les", "et", "sur", "en", "d", "l", "à", "aux"}
    words = re.split(r"([ '-])", text.title())
    return "".join(w.lower() if i and w.lower() in low else w for i, w in enumerate(words))


def wrap(path, text, size, width):
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and font(path, size).getlength(trial) > width:
            lines.append(current)
            trial = word
        current = trial
    return lines + [current]


def fake_form_ops(page, size):
    """A form laid out unlike the templates: framed title, two columns of
    labelled rounded frames, a grid of options, a table."""
    rng, path = page.rng, page.font_path
    W = size[0]
    ops = []
    title = rng.choice(FAKE_TITLES)
    t_size = fitting_size(path, [title], W - 700, 200, 64, 20)
    ops += _frame(350, 200, W - 700, 150, 6)
    ops.append(Run(350 + (W - 700 - font(path, t_size).getlength(title)) / 2, 300, title, t_size))
    y, label = 520, 38
    p = make_persona(rng)
    values = {"Nom": p.surname, "Prénom": p.first_names[0], "Ville": p.home.commune,
              "Code postal": p.home.postcode, "Adresse": p.street_line()}
    for i, name in enumerate(rng.sample(FAKE_LABELS, 8)):
        col_x = 200 if i % 2 == 0 else W // 2 + 50
        ops.append(Run(col_x, y + 40, f"{name} :", label))
        ops += _frame(col_x, y + 60, W // 2 - 300, 90, 3, rounded=True)
        if name in values and rng.random() < 0.8:
            frame = (col_x + 10, y + 65, W // 2 - 320, 80)
            ops += layout_line(path, rng, values[name], frame, 0.6) or []
        y += 170 * (i % 2)
    y += 120
    ops.append(Run(200, y, "Cochez les cases correspondantes :", label))
    for i, name in enumerate(rng.sample(FAKE_OPTIONS, 6)):
        bx, by = 250 + (i % 3) * 700, y + 70 + (i // 3) * 110
        ops += _frame(bx, by, 55, 55, 4)
        ops.append(Run(bx + 90, by + 45, name, label))
        if rng.random() < 0.4:
            ops += mark_ops(page, (bx, by, 55, 55))
    y += 400
    cols, rows = rng.randint(3, 5), rng.randint(4, 7)
    tw, rh = W - 400, 90
    ops += _frame(200, y, tw, rh * rows, 4)
    for r in range(1, rows):
        ops.append(Stroke([(200, y + r * rh), (200 + tw, y + r * rh)], 3))
    for c in range(1, cols):
        ops.append(Stroke([(200 + c * tw / cols, y), (200 + c * tw / cols, y + rh * rows)], 3))
    heads = rng.sample(("Date", "Désignation", "Quantité", "Montant", "Observations"), cols)
    for c, head in enumerate(heads):
        ops.append(Run(215 + c * tw / cols, y + 60, head, label))
    return ops


def _frame(x, y, w, h, width, rounded=False):
    """Rectangle outline as strokes (rounded: corners cut at 45 degrees)."""
    r = min(w, h) * 0.15 if rounded else 0
    pts = [(x + r, y), (x + w - r, y), (x + w, y + r), (x + w, y + h - r),
           (x + w - r, y + h), (x + r, y + h), (x, y + h - r), (x, y + r), (x + r, y)]
    return [Stroke(pts, width)]


# --- opt-in: colour pages --------------------------------------------------------

def luma(rgb):
    """PIL's own RGB -> L conversion (ITU-R 601-2), so a colour page and its
    grey twin agree."""
    r, g, b = rgb
    return (r * 299 + g * 587 + b * 114 + 500) // 1000


def paint(rgb, mode):
    return rgb if mode == "RGB" else luma(rgb)


def colour_ink(rng, name, grey):
    """An RGB ink whose luminance is the grey level a grey page would use."""
    if name == "blue":
        r, b = rng.randint(*BLUE_INK_RG[0]), rng.randint(*BLUE_INK_RG[1])
        g = round((grey - 0.299 * r - 0.114 * b) / 0.587)
        return (r, min(255, max(0, g)), b)
    tint = rng.randint(0, 8)   # black ink is rarely neutral
    return (grey, grey, min(255, grey + tint))


def paper_tint(rng):
    brightness = rng.uniform(*PAPER_BRIGHTNESS)
    return tuple(min(255, round(c * brightness)) for c in rng.choice(PAPER_TINTS))


def colour_candidate(params):
    """Only JPEG and 8-bit PNG pages can be colour: G4 and 1-bit PNG are bilevel."""
    return params.fmt == "jpeg" or (params.fmt == "png" and params.png_bits == 8)


# --- opt-in: marks a real form carries -------------------------------------------
# Every mark is drawn as an alpha layer, checked pixel by pixel against the
# field boxes (grown by MARK_CLEARANCE_IN) and laid on the page like ink
# (multiplied): a mark may cross printed text, never a field, so the truth
# stays exact.  Marks that find no free spot are left out.

def add_marks(image, fields, dpi, rng, fonts, today):
    """Draws 1-4 marks on a reference-sized page; returns their kinds."""
    clear = MARK_CLEARANCE_IN * dpi
    keep_out = [(math.floor(x - clear), math.floor(y - clear),
                 math.ceil(x + w + clear), math.ceil(y + h + clear))
                for f in fields for x, y, w, h in field_boxes(f)]
    ticks = [b for f in fields if f["type"] in ("checkbox", "choice") for b in field_boxes(f)] \
        or [b for f in fields for b in field_boxes(f)]   # no checkbox: tick a line
    kinds = list(MARK_KINDS)
    wanted = []
    for _ in range(rng.choice(MARK_COUNT)):
        wanted.append(rng.choices(kinds, weights=[MARK_KINDS[k] for k in kinds])[0])
    done = []
    for kind in wanted:
        for _ in range(MARK_LAYERS):
            layer, colour, place = MARK_MAKERS[kind](rng, image.size, dpi, fonts, today, ticks)
            spot = next((xy for xy in (place() for _ in range(MARK_ATTEMPTS))
                         if _clear_of(layer, *xy, image.size, keep_out)), None)
            if spot:
                _lay_ink(image, layer, paint(colour, image.mode), *spot)
                done.append(kind)
                break
    return done


def _clear_of(layer, x, y, size, keep_out):
    w, h = layer.size
    if x < 0 or y < 0 or x + w > size[0] or y + h > size[1]:
        return False
    for bx0, by0, bx1, by1 in keep_out:
        ix0, iy0, ix1, iy1 = max(x, bx0), max(y, by0), min(x + w, bx1), min(y + h, by1)
        if ix0 < ix1 and iy0 < iy1 and layer.crop((ix0 - x, iy0 - y, ix1 - x, iy1 - y)).getbbox():
            return False
    return True


def _lay_ink(image, alpha, colour, x, y):
    """Ink multiplies the page: printed text stays visible under a stamp."""
    box = (x, y, x + alpha.width, y + alpha.height)
    white = Image.new(image.mode, alpha.size, "white")
    tinted = Image.composite(Image.new(image.mode, alpha.size, colour), white, alpha)
    image.paste(ImageChops.multiply(image.crop(box), tinted), box)


def _spot(rng, size, layer, margin_p=0.6):
    """A function giving top-left corners for a layer: in a margin strip
    (likely) or anywhere."""
    return lambda: _one_spot(rng, size, layer, margin_p)


def _one_spot(rng, size, layer, margin_p):
    W, H = size
    w, h = layer.size
    if w >= W or h >= H:
        return -1, -1
    x, y = rng.randint(0, W - w), rng.randint(0, H - h)
    if rng.random() < margin_p:
        side = rng.choice(("top", "bottom", "left", "right"))
        if side == "top":
            y = rng.randint(0, max(0, min(H - h, round(0.12 * H))))
        elif side == "bottom":
            y = rng.randint(min(H - h, round(0.86 * H)), H - h)
        elif side == "left":
            x = rng.randint(0, max(0, min(W - w, round(0.10 * W))))
        else:
            x = rng.randint(min(W - w, round(0.88 * W - w / 2)), W - w)
    return x, y


def _fonts(fonts, bold):
    pool = [f for f in fonts if ("Bold" in os.path.basename(f)) == bold
            and "Mono" not in os.path.basename(f)]
    return pool or fonts


def _fit_font(path, text, width, height, start):
    return font(path, fitting_size(path, [text], width, height, start, 6) or 6)


def _faded(rng, layer, opacity):
    """A rubber stamp's uneven ink: smooth blotches (some nearly gone) times
    a fine grain of pits."""
    w, h = layer.size
    gw, gh = max(2, w // 36), max(2, h // 36)
    blotch = Image.frombytes("L", (gw, gh), rng.randbytes(gw * gh)).resize(
        (w, h), Image.Resampling.BICUBIC)
    lo = rng.randint(30, 110)
    blotch = blotch.point([0 if v < lo else min(255, 60 + (v - lo) * 3) for v in range(256)])
    pits = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(
        [90 if v < 45 else 255 for v in range(256)])
    alpha = ImageChops.multiply(ImageChops.multiply(layer, blotch), pits)
    return alpha.point([v * opacity // 255 for v in range(256)])


def _arc_span(text, radius, f):
    return sum(f.getlength(ch) * 1.1 for ch in text) / radius


def _arc_text(layer, text, cx, cy, radius, centre_deg, f, top):
    """Text along a circle, upright at the top (read clockwise) or at the
    bottom (read counter-clockwise)."""
    widths = [f.getlength(ch) * 1.1 for ch in text]
    span = sum(widths) / radius
    angle = math.radians(centre_deg) + (span / 2 if top else -span / 2)
    side = int(f.size * 1.8) + 2
    for ch, w in zip(text, widths):
        step = w / radius
        mid = angle - step / 2 if top else angle + step / 2
        glyph = Image.new("L", (side, side), 0)
        ImageDraw.Draw(glyph).text((side / 2, side / 2), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(math.degrees(mid) + (-90 if top else 90),
                             resample=Image.Resampling.BICUBIC)
        x, y = cx + radius * math.cos(mid), cy - radius * math.sin(mid)
        layer.paste(255, (round(x - side / 2), round(y - side / 2)), glyph)
        angle += -step if top else step
    return True


def _stamp_date(rng, today):
    d = today or random_date(rng, date(2016, 1, 1), date(2026, 12, 31))
    return rng.choice((f"{d.day} {MONTHS[d.month - 1].upper()} {d.year}",
                       f"{d.day:02d}/{d.month:02d}/{d.year}",
                       f"{d.day} {MONTHS[d.month - 1][:3].upper()}. {d.year}"))


def make_stamp(rng, size, dpi, fonts, today, ticks):
    """A round or rectangular rubber stamp, rotated, unevenly inked."""
    path = rng.choice(_fonts(fonts, True))
    authority = rng.choice(STAMP_AUTHORITIES).format(rng.choice(COMMUNES)[0])
    stamp_date = _stamp_date(rng, today)
    if rng.random() < 0.5:
        d = round(rng.uniform(1.0, 1.5) * dpi)
        layer = Image.new("L", (d + 8, d + 8), 0)
        draw = ImageDraw.Draw(layer)
        c, r = (d + 8) / 2, d / 2
        ring = max(3, round(0.014 * d))
        inner = 0.66 * r
        draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring)
        draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255,
                     width=max(2, ring * 2 // 3))
        band = r - ring - inner
        mid = inner + band / 2
        bottom_text = f"* {rng.choice(STAMP_SERVICES)} *"
        size_px = max(6, round(0.62 * band))
        while size_px > 6 and max(_arc_span(t, mid, font(path, size_px))
                                  for t in (authority, bottom_text)) > math.radians(165):
            size_px -= 1
        f = font(path, size_px)
        _arc_text(layer, authority, c, c, mid, 90, f, True)
        _arc_text(layer, bottom_text, c, c, mid, 270, f, False)
        lines = rng.choice((("REÇU LE", stamp_date), ("RF",), ("VU",), (stamp_date,)))
        room = 1.3 * inner
        pitch = room / (len(lines) + 0.5)
        for i, line in enumerate(lines):
            lf = _fit_font(path, line, room, pitch * 0.8, round(pitch * 0.9))
            y = c + (i - (len(lines) - 1) / 2) * pitch
            draw.text((c, y), line, font=lf, fill=255, anchor="mm")
    else:
        w, h = round(rng.uniform(1.8, 2.7) * dpi), round(rng.uniform(0.6, 0.95) * dpi)
        layer = Image.new("L", (w + 8, h + 8), 0)
        draw = ImageDraw.Draw(layer)
        ring = max(3, round(0.012 * dpi))
        draw.rectangle((4, 4, w + 4, h + 4), outline=255, width=ring)
        if rng.random() < 0.6:
            inset = 3 * ring
            draw.rectangle((4 + inset, 4 + inset, w + 4 - inset, h + 4 - inset),
                           outline=255, width=max(2, ring // 2))
        lines = [t.format(date=stamp_date, authority=authority, service=rng.choice(STAMP_SERVICES))
                 for t in rng.choice(STAMP_BOXES)]
        pitch = (h - 8 * ring) / len(lines)
        for i, line in enumerate(lines):
            lf = _fit_font(path, line, w - 10 * ring, pitch * 0.75, round(pitch * 0.8))
            draw.text(((w + 8) / 2, 4 + 4 * ring + (i + 0.5) * pitch), line, font=lf,
                      fill=255, anchor="mm")
    alpha = _faded(rng, layer, rng.randint(150, 235))
    alpha = alpha.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC, expand=True)
    return alpha, rng.choice(STAMP_INKS), _spot(rng, size, alpha, margin_p=0.3)


def _pen_width(rng, dpi):
    return max(2, round(rng.uniform(0.008, 0.014) * dpi))


def make_scribble(rng, size, dpi, fonts, today, ticks):
    """Pen strokes: a cursive-looking word, an arrow, a circle or a strike."""
    width = _pen_width(rng, dpi)
    pad = 2 * width
    kind = rng.choice(("cursive", "cursive", "arrow", "circle", "strike"))
    if kind == "cursive":
        return _cursive(rng, size, dpi, width)
    w, h = round(rng.uniform(0.8, 2.2) * dpi), round(rng.uniform(0.25, 0.6) * dpi)
    layer = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    draw = ImageDraw.Draw(layer)
    if kind == "arrow":
        p0 = (pad, pad + rng.uniform(0, h))
        p3 = (pad + w, pad + rng.uniform(0, h))
        c1 = (pad + w * 0.3, pad + rng.uniform(0, h))
        c2 = (pad + w * 0.7, pad + rng.uniform(0, h))
        pts = [_bezier(p0, c1, c2, p3, i / 32) for i in range(33)]
        draw.line(pts, fill=255, width=width, joint="curve")
        (ax, ay), (bx, by) = pts[-4], pts[-1]
        ang = math.atan2(by - ay, bx - ax)
        head = min(h, w) * 0.35
        for da in (2.6, -2.6):
            draw.line([(bx, by), (bx + head * math.cos(ang + da), by + head * math.sin(ang + da))],
                      fill=255, width=width)
    elif kind == "circle":
        cx, cy, rx, ry = pad + w / 2, pad + h / 2, w / 2, h / 2
        start, sweep = rng.uniform(0, 2 * math.pi), 2 * math.pi * rng.uniform(1.05, 1.2)
        pts = []
        for i in range(73):
            t = start + sweep * i / 72
            k = 1 - 0.08 * i / 72
            pts.append((cx + rx * k * math.cos(t), cy + ry * k * math.sin(t)))
        draw.line(pts, fill=255, width=width, joint="curve")
    else:
        for _ in range(rng.randint(1, 3)):
            draw.line([(pad + rng.uniform(0, 0.2) * w, pad + rng.uniform(0, h)),
                       (pad + rng.uniform(0.8, 1) * w, pad + rng.uniform(0, h))],
                      fill=255, width=width)
    layer = layer.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BICUBIC, expand=True)
    return layer, rng.choice(PEN_INKS), _spot(rng, size, layer)


def _cursive(rng, size, dpi, width):
    """A few joined-up "words": one trochoid loop per letter, of x-height,
    ascender or descender size, with the pen drifting slightly."""
    r = rng.uniform(0.025, 0.04) * dpi          # loop radius: x-height ~ 2r
    speed = rng.uniform(0.45, 0.75) * r         # < r: the pen loops back
    x0, words = 0.0, []
    for _ in range(rng.randint(1, 3)):
        word = []
        for k in range(rng.randint(3, 8)):
            a = rng.choice((1, 1, 1, 1.8, 2.4, -1.4)) * rng.uniform(0.85, 1.15)
            for i in range(17):
                t = 2 * math.pi * (k + i / 16)
                word.append((x0 + speed * t - r * math.sin(t),
                             -a * r * (1 - math.cos(t)) + rng.uniform(-0.03, 0.03) * r))
        words.append(word)
        x0 = word[-1][0] + rng.uniform(1.5, 3) * r     # the gap between words
    pad = 2 * width
    xs = [x for word in words for x, _ in word]
    ys = [y for word in words for _, y in word]
    layer = Image.new("L", (math.ceil(max(xs) - min(xs)) + 2 * pad,
                            math.ceil(max(ys) - min(ys)) + 2 * pad), 0)
    draw = ImageDraw.Draw(layer)
    for word in words:
        draw.line([(x - min(xs) + pad, y - min(ys) + pad) for x, y in word], fill=255,
                  width=width, joint="curve")
    layer = layer.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC, expand=True)
    return layer, rng.choice(PEN_INKS), _spot(rng, size, layer)


def make_date(rng, size, dpi, fonts, today, ticks):
    """A date written by hand: jittered glyphs, slanted, in a margin."""
    d = today or random_date(rng, date(2016, 1, 1), date(2026, 12, 31))
    d = d + timedelta(days=rng.randint(0, 40))
    text = rng.choice(HAND_DATES).format(d=d.day, m=d.month, y=d.year, yy=d.year % 100,
                                          month=MONTHS[d.month - 1])
    path = rng.choice(_fonts(fonts, False))
    base = round(rng.uniform(0.09, 0.14) * dpi / cap_per_px(path))   # cap height, inches
    width = max(1, round(dpi / 300))
    pad = base
    layer = Image.new("L", (round(base * 0.75 * len(text)) + 4 * pad, 3 * base), 0)
    x = pad
    for ch in text:
        f = font(path, max(6, round(base * rng.uniform(0.88, 1.12))))
        side = int(f.size * 1.8) + 2
        glyph = Image.new("L", (side, side), 0)
        ImageDraw.Draw(glyph).text((side / 2, side / 2), ch, font=f, fill=255, anchor="mm",
                                   stroke_width=width, stroke_fill=255)
        glyph = glyph.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC)
        y = layer.height / 2 + rng.uniform(-0.08, 0.08) * base
        layer.paste(255, (round(x - side / 2 + f.getlength(ch) / 2), round(y - side / 2)), glyph)
        x += f.getlength(ch) * rng.uniform(0.95, 1.1)
    layer = layer.crop(layer.getbbox() or (0, 0, 1, 1))
    shear = rng.uniform(0.1, 0.35)    # handwriting leans right
    w, h = layer.size
    extra = math.ceil(shear * h)
    layer = layer.transform((w + extra, h), Image.Transform.AFFINE, (1, shear, -extra, 0, 1, 0),
                            resample=Image.Resampling.BICUBIC)
    angle = rng.uniform(-8, 8) if rng.random() < 0.8 else rng.choice((90, -90))
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    return layer, rng.choice(PEN_INKS[:3]), _spot(rng, size, layer, margin_p=0.85)


def make_tick(rng, size, dpi, fonts, today, ticks):
    """A tick or a cross beside (not in) one of the boxes in ticks, anywhere
    if there is none."""
    s = round((min(min(b[2:]) for b in ticks) if ticks else 0.15 * dpi) * rng.uniform(0.8, 1.4))
    width = _pen_width(rng, dpi)
    layer = Image.new("L", (s + 2 * width, s + 2 * width), 0)
    draw = ImageDraw.Draw(layer)
    o = width

    def at(fx, fy):
        return (o + fx * s + rng.uniform(-0.06, 0.06) * s,
                o + fy * s + rng.uniform(-0.06, 0.06) * s)

    if rng.random() < 0.5:
        draw.line([at(0, 0.55), at(0.35, 1), at(1, 0)], fill=255, width=width, joint="curve")
    else:
        draw.line([at(0, 0), at(1, 1)], fill=255, width=width)
        draw.line([at(1, 0), at(0, 1)], fill=255, width=width)

    def place():
        if ticks:
            bx, by, bw, bh = rng.choice(ticks)
        else:
            bx, by, bw, bh = rng.randint(0, size[0]), rng.randint(0, size[1]), s, s
        gap = MARK_CLEARANCE_IN * dpi + rng.uniform(0.1, 1.0) * s
        side = rng.choice(("left", "right", "above", "below"))
        x = {"left": bx - gap - layer.width, "right": bx + bw + gap}.get(
            side, bx + rng.uniform(-0.5, 0.5) * bw)
        y = {"above": by - gap - layer.height, "below": by + bh + gap}.get(
            side, by + rng.uniform(-0.5, 0.5) * bh)
        return round(x), round(y)

    return layer, rng.choice(PEN_INKS[:3]), place


def make_staple(rng, size, dpi, fonts, today, ticks):
    """A staple near a top corner, or the two holes of a removed one."""
    length = round(0.47 * dpi * rng.uniform(0.9, 1.1))     # 12 mm
    width = max(3, round(0.02 * dpi))
    layer = Image.new("L", (length + 4 * width, 4 * width), 0)
    draw = ImageDraw.Draw(layer)
    y = layer.height / 2
    if rng.random() < 0.7:
        draw.line([(2 * width, y), (2 * width + length, y)], fill=rng.randint(190, 255),
                  width=width)
        for end in (2 * width, 2 * width + length):   # the legs are darker
            draw.ellipse((end - width, y - width, end + width, y + width), fill=255)
        kind_colour = (70, 70, 75)
    else:
        for end in (2 * width, 2 * width + length):
            draw.ellipse((end - width * 0.6, y - width * 0.6, end + width * 0.6, y + width * 0.6),
                         fill=255)
        kind_colour = (40, 40, 40)
    layer = layer.rotate(rng.choice((rng.uniform(30, 60), rng.uniform(-5, 5))),
                         resample=Image.Resampling.BICUBIC, expand=True)
    left = rng.random() < 0.75

    def place():
        inset = rng.uniform(0.15, 0.55) * dpi
        x = inset if left else size[0] - inset - layer.width
        return round(x), round(rng.uniform(0.15, 0.55) * dpi)

    return layer, kind_colour, place


def make_punch(rng, size, dpi, fonts, today, ticks):
    """Two filing holes, 6 mm wide, 80 mm apart, 12 mm from the left edge:
    dark where a black scanner lid shows through, else a faint disc with a
    shadow."""
    d = round(0.236 * dpi)
    spacing = round(3.15 * dpi)
    layer = Image.new("L", (d + 8, spacing + d + 8), 0)
    draw = ImageDraw.Draw(layer)
    dark = rng.random() < 0.6
    for top in (4, 4 + spacing):
        if dark:
            draw.ellipse((4, top, 4 + d, top + d), fill=255)
        else:
            draw.ellipse((4, top, 4 + d, top + d), fill=40)
            draw.arc((4, top, 4 + d, top + d), 200, 340, fill=200, width=max(2, d // 10))

    def place():
        return (round(0.47 * dpi - d / 2 + rng.uniform(-0.08, 0.08) * dpi),
                round(size[1] / 2 - layer.height / 2 + rng.uniform(-0.3, 0.3) * dpi))

    return layer, (rng.randint(25, 70),) * 3 if dark else (90, 90, 90), place


MARK_MAKERS = {"stamp": make_stamp, "scribble": make_scribble, "date": make_date,
               "tick": make_tick, "staple": make_staple, "punch": make_punch}


# --- opt-in: photocopies -----------------------------------------------------------

def photocopy(image, fields, dpi, rng):
    """The page as a 1-bit photocopy (before it is scanned): mid-tones
    darkened, a slight blur then a threshold that thins or thickens strokes,
    toner dots, and on some copies dark bands where the copy's edge was
    (dots and bands kept out of the field boxes, so values stay as typed).
    Returns the copy (mode L, 0 or 255) and what was done, for truth.json."""
    grey = image if image.mode == "L" else image.convert("L")
    gamma = rng.uniform(*PHOTOCOPY_GAMMA)
    blur = rng.uniform(*PHOTOCOPY_BLUR_IN) * dpi
    threshold = rng.randint(*PHOTOCOPY_THRESHOLD)
    dark = [255 * (v / 255) ** gamma for v in range(256)]
    copy = grey.point([round(v) for v in dark]).filter(ImageFilter.GaussianBlur(blur))
    copy = copy.point([0 if v < threshold else 255 for v in range(256)])
    draw = ImageDraw.Draw(copy)
    cell = 8                          # a coarse map of where the field boxes are
    clear = MARK_CLEARANCE_IN * dpi
    fields_map = Image.new("1", (copy.width // cell + 1, copy.height // cell + 1), 0)
    for f in fields:
        for x, y, w, h in field_boxes(f):
            ImageDraw.Draw(fields_map).rectangle(
                ((x - clear) // cell, (y - clear) // cell,
                 (x + w + clear) // cell, (y + h + clear) // cell), fill=1)
    toner = 0
    for _ in range(rng.randint(*TONER)):
        x, y = rng.uniform(0, copy.width), rng.uniform(0, copy.height)
        r = rng.uniform(*TONER_RADIUS_IN) * dpi
        if not fields_map.getpixel((int(x) // cell, int(y) // cell)):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
            toner += 1
    edges = []
    if rng.random() < EDGE_BAND_P:
        boxes = [b for f in fields for b in field_boxes(f)]
        clear = MARK_CLEARANCE_IN * dpi
        W, H = copy.size
        room = {"left": min([x for x, y, w, h in boxes], default=W) - clear,
                "right": W - max([x + w for x, y, w, h in boxes], default=0) - clear,
                "top": min([y for x, y, w, h in boxes], default=H) - clear,
                "bottom": H - max([y + h for x, y, w, h in boxes], default=0) - clear}
        for side in rng.sample(sorted(room), rng.choice((1, 1, 2))):
            depth = min(rng.uniform(*EDGE_BAND_IN) * dpi, room[side])
            if depth < 0.02 * dpi:
                continue
            _edge_band(draw, rng, side, depth, W, H, dpi)
            edges.append(side)
    info = {"photocopy_gamma": round(gamma, 3), "photocopy_blur": round(blur, 2),
            "photocopy_threshold": threshold, "toner": toner, "edge_bands": edges}
    return copy, info


def _edge_band(draw, rng, side, depth, W, H, dpi):
    """A black band along one edge with a ragged inner border no deeper than depth."""
    length = W if side in ("top", "bottom") else H
    step = max(4, round(0.15 * dpi))
    inner = [(t, depth * rng.uniform(0.6, 1.0)) for t in range(0, length + step, step)]
    if side == "left":
        pts = [(0, 0)] + [(d, min(t, H)) for t, d in inner] + [(0, H)]
    elif side == "right":
        pts = [(W, 0)] + [(W - d, min(t, H)) for t, d in inner] + [(W, H)]
    elif side == "top":
        pts = [(0, 0)] + [(min(t, W), d) for t, d in inner] + [(W, 0)]
    else:
        pts = [(0, H)] + [(min(t, W), H - d) for t, d in inner] + [(W, H)]
    draw.polygon(pts, fill=0)


# --- opt-in: keep the fields inside the scan ---------------------------------------

def fit_fields(params, ref_size, ref_dpi, boxes):
    """Moves the shift, then shrinks rotation and scale jitter, until every
    field box lies FIT_MARGIN_IN inside the scan; True if params changed.
    Wide jitter otherwise cuts off the edge of a form like 12485."""
    W, H = canvas_size(params.dpi)
    m = FIT_MARGIN_IN * params.dpi
    corners = [(x + dx, y + dy) for x, y, w, h in boxes for dx in (0, w) for dy in (0, h)]
    if not corners:
        return False
    changed = False
    for _ in range(60):
        affine = scan_matrices(ref_size, ref_dpi, params)[0]
        xs = [affine[0][0] * x + affine[0][1] * y + affine[0][2] for x, y in corners]
        ys = [affine[1][0] * x + affine[1][1] * y + affine[1][2] for x, y in corners]
        if max(xs) - min(xs) <= W - 2 * m and max(ys) - min(ys) <= H - 2 * m:
            dx = max(0.0, m - min(xs)) - max(0.0, max(xs) - (W - m))
            dy = max(0.0, m - min(ys)) - max(0.0, max(ys) - (H - m))
            if dx or dy:
                params.shift = (params.shift[0] + dx, params.shift[1] + dy)
                changed = True
            return changed
        params.rotate *= FIT_SHRINK
        params.scale = 1 + (params.scale - 1) * FIT_SHRINK
        changed = True
    return changed


# --- scanning: geometry ----------------------------------------------------------

@dataclass
class ScanParams:
    turn: int           # content rotated counter-clockwise by this, losslessly
    dpi: int
    dpi_tag: bool
    fmt: str            # g4, jpeg or png
    rotate: float       # degrees, counter-clockwise as seen on screen
    scale: float        # jitter factor on top of the DPI change
    shift: tuple        # scan pixels, before the turn
    paper: int
    black: int
    blur: float
    noise: float
    speckles: int
    quality: int
    threshold: int
    png_bits: int
    grey_levels: int    # of 8-bit PNGs (per channel on colour pages)
    colour: bool = False        # an RGB page (--colour)
    paper_rgb: tuple = None     # its paper, where `paper` is the grey one


@dataclass
class Geometry:
    """How far a scanner may move the page (--max-rotate, --max-scale,
    --max-shift, --turn-weights)."""
    max_rotate: float = MAX_ROTATE_DEG
    max_scale: float = MAX_SCALE_JITTER
    max_shift: float = MAX_SHIFT_PX
    turn_weights: dict = dataclasses.field(default_factory=lambda: dict(TURN_WEIGHTS))


def spread_quantiles(seed, index):
    offsets = random.Random(f"{seed}/spread")
    return {key: (offsets.random() + index * step) % 1.0 for key, step in SPREAD_STEPS.items()}


def _cumulative(weights):
    total = 0
    for key, weight in weights.items():
        total += weight
        yield key, total


def draw_scan_params(rng, quantiles, formats, dpis, multipage, geometry=None):
    """The same draws happen whatever the options, so that changing --formats,
    --dpis or the geometry limits changes that and nothing else.  The DPIs
    after the first share the rest of the pages evenly, by the same spread
    quantile (so a short run still gets each of them)."""
    g = geometry or Geometry()
    total = sum(g.turn_weights.values())
    turn = next(t for t, limit in _cumulative(g.turn_weights) if quantiles["turn"] * total < limit)
    u, _ = quantiles["dpi"], rng.random()   # the second draw is kept for reproducibility
    rest = min(len(dpis) - 2, int((u - FIRST_DPI_P) / (1 - FIRST_DPI_P) * (len(dpis) - 1)))
    dpi = dpis[0] if len(dpis) == 1 or u < FIRST_DPI_P else dpis[1 + rest]
    fmt = formats[int(quantiles["format"] * len(formats))]
    params = ScanParams(
        turn=turn, dpi=dpi, dpi_tag=rng.random() >= NO_DPI_TAG_P,
        fmt="g4" if multipage else fmt,   # only a TIFF holds several pages
        rotate=rng.uniform(-g.max_rotate, g.max_rotate),
        scale=1 + rng.uniform(-g.max_scale, g.max_scale),
        shift=(rng.uniform(-g.max_shift, g.max_shift), rng.uniform(-g.max_shift, g.max_shift)),
        paper=rng.randint(*PAPER_GREY), black=rng.randint(*BLACK_GREY),
        blur=rng.uniform(*BLUR_RADIUS) if rng.random() < BLUR_P else 0.0,
        noise=rng.uniform(*NOISE_SIGMA) if rng.random() < NOISE_P else 0.0,
        speckles=rng.randint(*SPECKLES) if rng.random() < SPECKLE_P else 0,
        quality=rng.randint(*JPEG_QUALITY), threshold=rng.randint(*THRESHOLD),
        png_bits=rng.choice((1, 8)), grey_levels=PNG_GREY_LEVELS)
    if params.fmt == "png" and params.png_bits == 8:
        params.noise = 0.0     # noise makes an 8-bit PNG ten times bigger
    return params


def clean_scan_params():
    return ScanParams(turn=0, dpi=300, dpi_tag=True, fmt="png", rotate=0.0, scale=1.0,
                      shift=(0.0, 0.0), paper=255, black=0, blur=0.0, noise=0.0,
                      speckles=0, quality=0, threshold=0, png_bits=8, grey_levels=256)


def canvas_size(dpi):
    return tuple(round(v * dpi) for v in A4_INCHES)


def scan_matrices(ref_size, ref_dpi, params):
    """(the affine map before the turn, the full map reference -> scan), both
    as 3x3 row-major matrices, and the final image size.

    The reference's centre goes to the canvas centre plus the shift; scale is
    the DPI ratio times the jitter; the turn is PIL's lossless transpose."""
    W, H = canvas_size(params.dpi)
    s = params.dpi / ref_dpi * params.scale
    th = math.radians(params.rotate)
    a, b = s * math.cos(th), s * math.sin(th)     # y points down: this is
    d, e = -s * math.sin(th), s * math.cos(th)    # counter-clockwise on screen
    cx, cy = ref_size[0] / 2, ref_size[1] / 2
    c = W / 2 + params.shift[0] - (a * cx + b * cy)
    f = H / 2 + params.shift[1] - (d * cx + e * cy)
    affine = [[a, b, c], [d, e, f], [0, 0, 1]]
    turns = {  # PIL ROTATE_n (counter-clockwise) on a W x H image, continuous coords
        0: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        90: [[0, 1, 0], [-1, 0, W], [0, 0, 1]],
        180: [[-1, 0, W], [0, -1, H], [0, 0, 1]],
        270: [[0, -1, H], [1, 0, 0], [0, 0, 1]],
    }
    full = _matmul(turns[params.turn], affine)
    size = (W, H) if params.turn in (0, 180) else (H, W)
    return affine, full, size


def _matmul(m, n):
    return [[sum(m[i][k] * n[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def apply_geometry(image, affine, params):
    """One bilinear affine resampling, then a lossless turn.  PIL wants the
    inverse map (output pixel -> input pixel)."""
    (a, b, c), (d, e, f) = affine[0], affine[1]
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    inverse = (ia, ib, -(ia * c + ib * f), id_, ie, -(id_ * c + ie * f))
    out = image.transform(canvas_size(params.dpi), Image.Transform.AFFINE, inverse,
                          resample=Image.Resampling.BILINEAR,
                          fillcolor=255 if image.mode == "L" else (255,) * len(image.mode))
    if params.turn:
        out = out.transpose(getattr(Image.Transpose, f"ROTATE_{params.turn}"))
    return out


def map_point(full, x, y):
    return (full[0][0] * x + full[0][1] * y + full[0][2],
            full[1][0] * x + full[1][1] * y + full[1][2])


# --- scanning: photometry and files ---------------------------------------------

def degrade(image, params, rng):
    """Paper tone, blur, noise and dust; an RGB page gets its paper tint per
    channel and grey (luminance) noise and dust."""
    if params.blur and image.mode == "RGB":
        # a box of the Gaussian's variance: the same softness, twice as fast on RGB
        image = image.filter(ImageFilter.BoxBlur((math.sqrt(12 * params.blur ** 2 + 1) - 1) / 2))
    elif params.blur:
        image = image.filter(ImageFilter.GaussianBlur(params.blur))
    levels = list(range(256))
    if image.mode == "RGB" and posterised(params):   # one table instead of two passes
        levels = level_table(params.grey_levels)     # (an 8-bit PNG has no noise)
    if image.mode == "RGB":
        table = []
        for paper in params.paper_rgb:
            table += [levels[params.black + round(v * (paper - params.black) / 255)]
                      for v in range(256)]
        image = image.point(table)
    else:
        span = params.paper - params.black
        image = image.point([params.black + round(v * span / 255) for v in range(256)])
    if params.noise:
        noise = noise_image(rng, image.size, params.noise)
        if image.mode == "RGB":
            noise = Image.merge("RGB", (noise, noise, noise))
        image = ImageChops.add(image, noise, 1.0, -128)
    if params.speckles:
        draw = ImageDraw.Draw(image)
        for _ in range(params.speckles):
            x, y = rng.uniform(0, image.width), rng.uniform(0, image.height)
            r = rng.uniform(*SPECKLE_RADIUS)
            dust = rng.randint(params.black, 110)
            draw.ellipse((x - r, y - r, x + r, y + r),
                         fill=dust if image.mode == "L" else (levels[dust],) * 3)
    return image


def posterised(params):
    """8-bit PNGs keep grey_levels levels (per channel): full 256 doubles their size."""
    return params.fmt == "png" and params.png_bits == 8 and params.grey_levels < 256


def level_table(n):
    step = 255 / (n - 1)
    return [round(round(v / step) * step) for v in range(256)]


def noise_image(rng, size, sigma):
    """Gaussian noise around 128: uniform random bytes through an inverse-CDF
    table (random.gauss per pixel would take seconds)."""
    normal = NormalDist()
    table = [min(255, max(0, round(128 + sigma * normal.inv_cdf((u + 0.5) / 256))))
             for u in range(256)]
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(table)


EXTENSIONS_BY_FORMAT = {"g4": "tif", "jpeg": "jpg", "png": "png"}


def save_scan(images, path, params):
    binary = params.fmt == "g4" or (params.fmt == "png" and params.png_bits == 1)
    if binary:
        table = [255 if v >= params.threshold else 0 for v in range(256)]
        images = [im.point(table, "1") for im in images]
    elif params.fmt == "png" and params.grey_levels < 256 and not params.colour:
        images = [im.point(level_table(params.grey_levels)) for im in images]   # colour: in degrade
    for im in images:
        im.info = {}
    extra = {"dpi": (params.dpi, params.dpi)} if params.dpi_tag else {}
    if params.fmt == "g4":
        images[0].save(path, "TIFF", compression="group4", save_all=True,
                       append_images=images[1:], **extra)
    elif params.fmt == "jpeg":
        images[0].save(path, "JPEG", quality=params.quality, **extra)
    else:
        images[0].save(path, "PNG", **extra)


def scan_record(params, full, size, font_path, ink):
    record = {"turn": params.turn, "dpi": params.dpi, "dpi_tag": params.dpi_tag,
              "format": params.fmt, "width": size[0], "height": size[1],
              "transform": None if full is None else [round(v, 9) for v in full[0] + full[1]],
              "rotate": round(params.rotate, 4), "scale": round(params.scale, 5),
              "shift": [round(v, 2) for v in params.shift],
              "font": os.path.basename(font_path) if font_path else None, "ink": ink,
              "paper": params.paper, "blur": round(params.blur, 2),
              "noise": round(params.noise, 2), "speckles": params.speckles}
    if params.fmt == "jpeg":
        record["quality"] = params.quality
    if params.fmt == "png":
        record["bits"] = params.png_bits
        if params.png_bits == 8:
            record["colour_levels" if params.colour else "grey_levels"] = params.grey_levels
    if params.fmt == "g4" or (params.fmt == "png" and params.png_bits == 1):
        record["threshold"] = params.threshold
    return record


# --- self-check --------------------------------------------------------------

CHECK_POINTS = ((0.5, 0.5), (0.22, 0.2), (0.8, 0.24), (0.25, 0.8), (0.78, 0.78))
MARKER_RADIUS = 10       # reference pixels
CHECK_TOLERANCE = 1.0    # scan pixels


def check_geometry(ref_size, ref_dpi, params):
    """Largest distance between where markers land and where the transform
    says they land, running the same geometry code as the scans."""
    marks = Image.new("RGB" if params.colour else "L", ref_size, "white")
    draw = ImageDraw.Draw(marks)
    points = [(round(fx * ref_size[0]), round(fy * ref_size[1])) for fx, fy in CHECK_POINTS]
    for x, y in points:   # PIL's ellipse box is inclusive: this one is centred on (x, y)
        draw.ellipse((x - MARKER_RADIUS, y - MARKER_RADIUS,
                      x + MARKER_RADIUS - 1, y + MARKER_RADIUS - 1), fill="black")
    affine, full, _ = scan_matrices(ref_size, ref_dpi, params)
    scan = apply_geometry(marks, affine, params).convert("L")   # colour pages: same geometry
    return max(math.dist(map_point(full, x, y), ink_centroid(scan, *map_point(full, x, y)))
               for x, y in points)


def ink_centroid(image, px, py, half=30):
    x0, y0 = int(px) - half, int(py) - half
    window = image.crop((x0, y0, x0 + 2 * half, y0 + 2 * half))
    total = sx = sy = 0.0
    for i, v in enumerate(window.getdata()):
        weight = 255 - v
        total += weight
        sx += weight * (x0 + i % (2 * half) + 0.5)   # pixel centres
        sy += weight * (y0 + i // (2 * half) + 0.5)
    return (sx / total, sy / total) if total else (math.inf, math.inf)


def run_checks(checks, rng, dpis, geometry=None):
    """checks: (label, reference size, dpi, params) of generated pages, plus one
    synthetic page per turn and DPI so every case is proven."""
    cases = list(checks)
    for turn in TURN_WEIGHTS:
        for dpi in dpis:
            params = draw_scan_params(rng, spread_quantiles(0, 0), ["png"], [dpi], False, geometry)
            params.turn = turn
            cases.append((f"synthetic turn {turn} dpi {dpi}", (2480, 3508), 300.0, params))
    worst = 0.0
    for label, ref_size, ref_dpi, params in cases:
        error = check_geometry(ref_size, ref_dpi, params)
        worst = max(worst, error)
        if error > CHECK_TOLERANCE:
            print(f"{PROG}: check failed: {label}: marker off by {error:.2f} px", file=sys.stderr)
    print(f"{PROG}: check: {len(cases)} pages x {len(CHECK_POINTS)} markers, "
          f"worst error {worst:.3f} px", file=sys.stderr)
    return worst <= CHECK_TOLERANCE


# --- main ----------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="make-samples.py",
        description="Write degraded scans of filled-in templates and their truth.json. "
                    "Existing scan_NNNN.{tif,jpg,png} files in --out are replaced.")
    ap.add_argument("--templates", default="templates", help="folder holding */template.json")
    ap.add_argument("--out", default="samples", help="output folder (default samples)")
    ap.add_argument("--count", type=int, default=20, help="filled form pages (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--foreign", type=int, default=0, help="pages that match no template, appended")
    ap.add_argument("--formats", help="comma list of g4, jpeg, png (default g4,jpeg,png)")
    ap.add_argument("--dpis", help="comma list (default 300,200); the first gets ~70%% of "
                                   "pages, the others share the rest")
    ap.add_argument("--profile", choices=sorted(PROFILES),
                    help="hard: --max-rotate 5 --max-scale 0.05 --max-shift 100 "
                         "--dpis 300,200,400 --turn-weights 0:60,180:20,90:10,270:10 "
                         "--colour --marks --photocopy --fit-fields; explicit options override")
    ap.add_argument("--max-rotate", type=float, metavar="DEG",
                    help=f"largest skew either way (default {MAX_ROTATE_DEG:g})")
    ap.add_argument("--max-scale", type=float, metavar="FRAC",
                    help=f"largest scale error either way (default {MAX_SCALE_JITTER:g})")
    ap.add_argument("--max-shift", type=float, metavar="PX",
                    help=f"largest shift along each axis, in scan pixels whatever the dpi "
                         f"(default {MAX_SHIFT_PX:g})")
    ap.add_argument("--turn-weights", metavar="T:W,...",
                    help="how often each turn happens (default 0:75,180:15,90:5,270:5)")
    on_off = argparse.BooleanOptionalAction
    ap.add_argument("--colour", "--color", dest="colour", action=on_off,
                    help=f"write ~{COLOUR_P * 100:.0f}%% of JPEG and 8-bit PNG pages in RGB: "
                         "tinted paper, blue or black ink, the form's own colours")
    ap.add_argument("--marks", action=on_off,
                    help=f"on ~{MARKS_P * 100:.0f}%% of pages, add stamps, scribbles, a "
                         "handwritten date, ticks beside checkboxes, a staple, punch holes "
                         "(never in a field)")
    ap.add_argument("--photocopy", action=on_off,
                    help=f"make ~{PHOTOCOPY_P * 100:.0f}%% of pages 1-bit photocopies before "
                         "scanning")
    ap.add_argument("--fit-fields", action=on_off,
                    help="shrink a page's shift, skew and scale until every field box lies "
                         "inside the scan")
    ap.add_argument("--no-degrade", action="store_true",
                    help="straight 300 dpi grey PNGs, no noise: for debugging")
    ap.add_argument("--check", action="store_true",
                    help="also prove scan.transform with markers on every page; exit 1 if off")
    ap.add_argument("--pdf-form", metavar="FORM.pdf",
                    help="fill the fillable PDF form the templates were made from (formocr "
                         "template from-pdf) through its form fields, with MuPDF, and scan "
                         "it flattened, instead of typing into the reference image; "
                         "needs --pdf-filler; no --colour")
    ap.add_argument("--pdf-filler", metavar="PATH",
                    help="the fo-pdf-fill test tool (built by CMake in BUILD/tests)")
    args = ap.parse_args(argv)
    if args.pdf_form and not (args.pdf_filler and os.access(args.pdf_filler, os.X_OK)):
        ap.error("--pdf-form needs --pdf-filler, the fo-pdf-fill program "
                 "(cmake --build BUILD --target fo-pdf-fill)")
    defaults = {"formats": "g4,jpeg,png", "dpis": "300,200", "max_rotate": MAX_ROTATE_DEG,
                "max_scale": MAX_SCALE_JITTER, "max_shift": MAX_SHIFT_PX,
                "turn_weights": ",".join(f"{t}:{w}" for t, w in TURN_WEIGHTS.items()),
                "colour": False, "marks": False, "photocopy": False, "fit_fields": False}
    for key, default in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, PROFILES.get(args.profile, {}).get(key, default))
    if args.pdf_form:
        args.colour = False     # the filled PDF is rendered in grey
    args.formats = [f for f in args.formats.split(",") if f]
    if not args.formats or any(f not in EXTENSIONS_BY_FORMAT for f in args.formats):
        ap.error("--formats takes a comma list of g4, jpeg, png")
    try:
        args.dpis = [int(d) for d in args.dpis.split(",")]
    except ValueError:
        ap.error("--dpis takes a comma list of integers")
    if not args.dpis or min(args.dpis) < 50 or args.count < 0 or args.foreign < 0:
        ap.error("--dpis must be >= 50, --count and --foreign >= 0")
    if not (0 <= args.max_rotate <= 45 and 0 <= args.max_scale < 0.5 and args.max_shift >= 0):
        ap.error("--max-rotate takes 0-45, --max-scale 0-0.5, --max-shift >= 0")
    try:
        weights = {}
        for item in args.turn_weights.split(","):
            turn, weight = item.split(":")
            weights[int(turn)] = int(weight)
        if set(weights) - set(TURN_WEIGHTS) or min(weights.values()) < 0 \
                or sum(weights.values()) <= 0:
            raise ValueError
    except ValueError:
        ap.error("--turn-weights takes TURN:WEIGHT pairs, turns 0, 90, 180, 270")
    args.geometry = Geometry(args.max_rotate, args.max_scale, args.max_shift, weights)
    return args


def remove_old_scans(out):
    for path in glob.glob(os.path.join(out, "scan_*.*")):
        if re.fullmatch(r"scan_\d+\.(tif|jpg|png)", os.path.basename(path)):
            os.remove(path)


def make_one(index, args, templates, fonts):
    """Build and write one scan; returns (file name, truth entry, check case)."""
    fill_rng = random.Random(f"{args.seed}/{index}/fill")
    scan_rng = random.Random(f"{args.seed}/{index}/scan")
    noise_rng = random.Random(f"{args.seed}/{index}/noise")
    font_path = fonts[index % len(fonts)]
    template = templates[index % len(templates)] if index < args.count else None
    kind = None if template else FOREIGN_KINDS[(index - args.count) % len(FOREIGN_KINDS)]
    quantiles = spread_quantiles(args.seed, index)
    if args.no_degrade:
        params = clean_scan_params()
    else:
        params = draw_scan_params(scan_rng, quantiles, args.formats,
                                  args.dpis, template is not None and len(template.pages) > 1,
                                  args.geometry)
    extra = {}   # truth keys of the opt-in options, present only when they are on
    copied = False
    if args.photocopy:
        copy_rng = random.Random(f"{args.seed}/{index}/photocopy")
        copied = quantiles["photocopy"] < PHOTOCOPY_P
        extra["photocopy"] = copied
    colour_rng = None
    if args.colour:
        rng = random.Random(f"{args.seed}/{index}/colour")
        params.colour = quantiles["colour"] < COLOUR_P and colour_candidate(params) and not copied
        if params.colour:
            colour_rng = rng
            params.paper_rgb = (255, 255, 255) if args.no_degrade else paper_tint(rng)
            params.paper = luma(params.paper_rgb)
        extra["colour"] = params.colour
    ink_rgb, today = None, None
    if template:
        page = Page(fill_rng, font_path, template.dpi, template.name)
        if colour_rng:
            ink_rgb = colour_ink(colour_rng, page.ink_name, page.ink)
        images, fields, page_fields = [], {}, []
        typed = {}
        for i, (reference, fields_i) in enumerate(template.pages):
            if args.pdf_form:
                values, typed_i = fill_page_pdf(page, fields_i)
                typed.update(typed_i)
            else:
                values, ops = fill_page(page, fields_i)
                image = template.colour_reference(i).copy() if colour_rng else reference.copy()
                draw_ops(image, ops, font_path, ink_rgb or page.ink)
                images.append(image)
            fields.update(values)
            page_fields.append(fields_i)
        if args.pdf_form:
            images = render_pdf_form(args, template, typed, index)
            font_path = None    # the PDF's own font types the values
        ref_dpi, name, ink, today = template.dpi, template.name, page.ink_name, page.today
    else:
        image, ink, ink_rgb = foreign_page(kind, fill_rng, font_path, colour_rng)
        images, ref_dpi, name, fields, page_fields = [image], FOREIGN_DPI, None, {}, [[]]
        font_path = None if kind == "blank" else font_path
    if args.marks:
        marks_rng = random.Random(f"{args.seed}/{index}/marks")
        extra["marks"] = []
        if quantiles["marks"] < MARKS_P and kind != "blank":
            for image, fields_i in zip(images, page_fields):
                extra["marks"] += add_marks(image, fields_i, ref_dpi, marks_rng, fonts, today)
    if copied:
        copies = [photocopy(im, f, ref_dpi, copy_rng) for im, f in zip(images, page_fields)]
        images = [im for im, _ in copies]
        extra.update(copies[0][1])
    if args.fit_fields and name and not args.no_degrade:
        boxes = [b for fields_i in page_fields for f in fields_i for b in field_boxes(f)]
        extra["fitted"] = fit_fields(params, images[0].size, ref_dpi, boxes)
    affine, full, size = scan_matrices(images[0].size, ref_dpi, params)
    scans = [degrade(apply_geometry(im, affine, params), params, noise_rng) for im in images]
    file_name = f"scan_{index + 1:04d}.{EXTENSIONS_BY_FORMAT[params.fmt]}"
    save_scan(scans, os.path.join(args.out, file_name), params)
    record = scan_record(params, full if name else None, size, font_path, ink)
    if not name:
        record["foreign"] = kind
    record.update(extra)
    if params.colour:
        record["paper_rgb"] = list(params.paper_rgb)
        record["ink_rgb"] = list(ink_rgb) if ink_rgb else None
    case = (file_name, images[0].size, ref_dpi, params) if name else None
    return file_name, {"template": name, "fields": fields, "scan": record}, case


def main(argv):
    args = parse_args(argv)
    started = time.monotonic()
    templates = load_templates(args.templates)
    fonts = find_fonts()
    random.Random(args.seed).shuffle(fonts)   # a different font on each of the first pages
    os.makedirs(args.out, exist_ok=True)
    remove_old_scans(args.out)
    truth, cases = {}, []
    for index in range(args.count + args.foreign):
        file_name, entry, case = make_one(index, args, templates, fonts)
        truth[file_name] = entry
        if case:
            cases.append(case)
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in truth)
    pages = max(1, len(truth))
    print(f"{PROG}: {len(truth)} scans ({args.count} forms, {args.foreign} foreign) in "
          f"{args.out}, {total / 1e6:.1f} MB, {(time.monotonic() - started) / pages:.2f} s/page",
          file=sys.stderr)
    if args.check and not run_checks(cases, random.Random(f"{args.seed}/check"), args.dpis,
                                     args.geometry):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

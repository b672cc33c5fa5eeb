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
import sys
import time
import unicodedata
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
# Turn, DPI and format come from frac(offset + page * step) with irrational
# steps rather than from independent draws: any run of consecutive pages then
# has close to the intended mix (independent draws gave seed 1 a single
# 200 dpi page in 20), and page N still does not depend on --count.
SPREAD_STEPS = {"turn": 0.6180339887, "dpi": 0.4142135624, "format": 0.7320508076}

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
        pages = [(load_reference(os.path.join(base, p["reference"])), p["fields"])
                 for p in doc["pages"]]
        return Template(doc["name"], float(doc["dpi"]), pages)
    except (OSError, ValueError, KeyError, TypeError) as e:
        die(f"{path}: cannot load template ({e})")


def load_reference(path):
    im = Image.open(path)
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im)
    im = im.convert("L")
    im.info = {}   # never carry the reference's ICC profile or DPI into a scan
    return im


def cells_of(field):
    """The one-character cells of a `cells` or `comb` field, else None."""
    if "cells" in field:
        return field["cells"]
    if "comb" in field:
        x, y, w, h = field["box"]
        n = field["comb"]
        return [[x + w * i / n, y, w / n, h] for i in range(n)]
    return None


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
    for attempt in range(MAX_ATTEMPTS):
        proposal = propose(page, field, attempt)
        if proposal is None:
            continue
        lines, value = proposal
        if value == "" and not field.get("required"):
            return "", []           # the hint says this one stays empty
        if value and acceptable(field, lines, value):
            runs = layout_field(page, field, lines)
            if runs is not None:
                return value, runs
    die(f"{page.label}: field {field['name']}: cannot invent a value that fits its box, "
        f"charset, pattern and check in {MAX_ATTEMPTS} attempts")


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

def foreign_page(kind, rng, font_path):
    """A 300 dpi A4 sheet that is no template (a letter, a blank page or
    another form) and the name of its ink (None when blank)."""
    size = tuple(round(v * FOREIGN_DPI) for v in A4_INCHES)
    image = Image.new("L", size, 255)
    if kind == "blank":
        return image, None
    page = Page(rng, font_path, FOREIGN_DPI, kind)
    ops = letter_ops(page, size) if kind == "letter" else fake_form_ops(page, size)
    draw_ops(image, ops, font_path, page.ink)
    return image, page.ink_name


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
    grey_levels: int    # of 8-bit PNGs


def spread_quantiles(seed, index):
    offsets = random.Random(f"{seed}/spread")
    return {key: (offsets.random() + index * step) % 1.0 for key, step in SPREAD_STEPS.items()}


def _cumulative(weights):
    total = 0
    for key, weight in weights.items():
        total += weight
        yield key, total


def draw_scan_params(rng, quantiles, formats, dpis, multipage):
    """The same draws happen whatever the options, so that changing --formats
    or --dpis changes the format or resolution of a page and nothing else."""
    turn = next(t for t, limit in _cumulative(TURN_WEIGHTS) if quantiles["turn"] * 100 < limit)
    u, v = quantiles["dpi"], rng.random()
    dpi = dpis[0] if len(dpis) == 1 or u < FIRST_DPI_P else dpis[1 + int(v * (len(dpis) - 1))]
    fmt = formats[int(quantiles["format"] * len(formats))]
    params = ScanParams(
        turn=turn, dpi=dpi, dpi_tag=rng.random() >= NO_DPI_TAG_P,
        fmt="g4" if multipage else fmt,   # only a TIFF holds several pages
        rotate=rng.uniform(-MAX_ROTATE_DEG, MAX_ROTATE_DEG),
        scale=1 + rng.uniform(-MAX_SCALE_JITTER, MAX_SCALE_JITTER),
        shift=(rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX), rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)),
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
                          resample=Image.Resampling.BILINEAR, fillcolor=255)
    if params.turn:
        out = out.transpose(getattr(Image.Transpose, f"ROTATE_{params.turn}"))
    return out


def map_point(full, x, y):
    return (full[0][0] * x + full[0][1] * y + full[0][2],
            full[1][0] * x + full[1][1] * y + full[1][2])


# --- scanning: photometry and files ---------------------------------------------

def degrade(image, params, rng):
    if params.blur:
        image = image.filter(ImageFilter.GaussianBlur(params.blur))
    span = params.paper - params.black
    image = image.point([params.black + round(v * span / 255) for v in range(256)])
    if params.noise:
        image = ImageChops.add(image, noise_image(rng, image.size, params.noise), 1.0, -128)
    if params.speckles:
        draw = ImageDraw.Draw(image)
        for _ in range(params.speckles):
            x, y = rng.uniform(0, image.width), rng.uniform(0, image.height)
            r = rng.uniform(*SPECKLE_RADIUS)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(params.black, 110))
    return image


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
    elif params.fmt == "png" and params.grey_levels < 256:
        step = 255 / (params.grey_levels - 1)
        images = [im.point([round(round(v / step) * step) for v in range(256)]) for im in images]
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
            record["grey_levels"] = params.grey_levels
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
    marks = Image.new("L", ref_size, 255)
    draw = ImageDraw.Draw(marks)
    points = [(round(fx * ref_size[0]), round(fy * ref_size[1])) for fx, fy in CHECK_POINTS]
    for x, y in points:   # PIL's ellipse box is inclusive: this one is centred on (x, y)
        draw.ellipse((x - MARKER_RADIUS, y - MARKER_RADIUS,
                      x + MARKER_RADIUS - 1, y + MARKER_RADIUS - 1), fill=0)
    affine, full, _ = scan_matrices(ref_size, ref_dpi, params)
    scan = apply_geometry(marks, affine, params)
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


def run_checks(checks, rng, dpis):
    """checks: (label, reference size, dpi, params) of generated pages, plus one
    synthetic page per turn and DPI so every case is proven."""
    cases = list(checks)
    for turn in TURN_WEIGHTS:
        for dpi in dpis:
            params = draw_scan_params(rng, spread_quantiles(0, 0), ["png"], [dpi], False)
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
    ap.add_argument("--formats", default="g4,jpeg,png", help="comma list of g4, jpeg, png")
    ap.add_argument("--dpis", default="300,200", help="comma list; the first gets ~70%% of pages")
    ap.add_argument("--no-degrade", action="store_true",
                    help="straight 300 dpi grey PNGs, no noise: for debugging")
    ap.add_argument("--check", action="store_true",
                    help="also prove scan.transform with markers on every page; exit 1 if off")
    args = ap.parse_args(argv)
    args.formats = [f for f in args.formats.split(",") if f]
    if not args.formats or any(f not in EXTENSIONS_BY_FORMAT for f in args.formats):
        ap.error("--formats takes a comma list of g4, jpeg, png")
    try:
        args.dpis = [int(d) for d in args.dpis.split(",")]
    except ValueError:
        ap.error("--dpis takes a comma list of integers")
    if not args.dpis or min(args.dpis) < 50 or args.count < 0 or args.foreign < 0:
        ap.error("--dpis must be >= 50, --count and --foreign >= 0")
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
    if index < args.count:
        template = templates[index % len(templates)]
        page = Page(fill_rng, font_path, template.dpi, template.name)
        images, fields = [], {}
        for reference, page_fields in template.pages:
            values, ops = fill_page(page, page_fields)
            image = reference.copy()
            draw_ops(image, ops, font_path, page.ink)
            images.append(image)
            fields.update(values)
        ref_dpi, name, ink = template.dpi, template.name, page.ink_name
    else:
        kind = FOREIGN_KINDS[(index - args.count) % len(FOREIGN_KINDS)]
        image, ink = foreign_page(kind, fill_rng, font_path)
        images, ref_dpi, name, fields = [image], FOREIGN_DPI, None, {}
        font_path = None if kind == "blank" else font_path
    if args.no_degrade:
        params = clean_scan_params()
    else:
        params = draw_scan_params(scan_rng, spread_quantiles(args.seed, index),
                                  args.formats, args.dpis, len(images) > 1)
    affine, full, size = scan_matrices(images[0].size, ref_dpi, params)
    scans = [degrade(apply_geometry(im, affine, params), params, noise_rng) for im in images]
    file_name = f"scan_{index + 1:04d}.{EXTENSIONS_BY_FORMAT[params.fmt]}"
    save_scan(scans, os.path.join(args.out, file_name), params)
    record = scan_record(params, full if name else None, size, font_path, ink)
    if not name:
        record["foreign"] = kind
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
    if args.check and not run_checks(cases, random.Random(f"{args.seed}/check"), args.dpis):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
"""Makes the small fixed files the tests read (tests/data/scans, templates).

Run once when a fixture must change, then commit the files: the tests read
committed bytes, never what this script made in the same run.
    /usr/bin/python3 tests/data/make-fixtures.py
"""
import io
import json
import os
import random
import struct
import zlib

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
SCANS = os.path.join(HERE, "scans")
TEMPLATES = os.path.join(HERE, "templates")


def page(w=200, h=283):
    """A small form-like grey page: a title bar and a few boxes."""
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    d.rectangle([10, 10, w - 10, 30], fill=80)
    for y in range(50, h - 30, 30):
        d.rectangle([20, y, w - 20, y + 20], outline=0)
    return im


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def huge_png(path, w, h):
    """A valid PNG header claiming w x h, with a token IDAT: formocr must
    refuse it from the header alone."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
                png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def save_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def scans():
    os.makedirs(SCANS, exist_ok=True)
    grey = page()
    bw = grey.point(lambda v: 255 if v > 128 else 0).convert("1")
    bw.save(os.path.join(SCANS, "two-pages-g4.tif"), compression="group4",
            save_all=True, append_images=[bw.rotate(180)], dpi=(200, 200))
    grey.save(os.path.join(SCANS, "lzw.tif"), compression="tiff_lzw")
    grey.convert("RGB").save(os.path.join(SCANS, "jpeg-in.tif"), compression="jpeg",
                             dpi=(300, 300))
    grey.save(os.path.join(SCANS, "packbits.tif"), compression="packbits",
              dpi=(400, 400))
    bw.save(os.path.join(SCANS, "g3.tif"), compression="group3", dpi=(200, 200))
    # a standard-resolution fax: every other row, 204 x 98 dpi (pixels twice
    # as tall as wide), and the same page at 204 x 196 ("fine")
    bw.resize((200, round(283 * 98 / 204)), Image.NEAREST).save(
        os.path.join(SCANS, "fax-204x98.tif"), compression="group3", dpi=(204, 98))
    bw.save(os.path.join(SCANS, "fax-204x204.tif"), compression="group3",
            dpi=(204, 204))
    grey.save(os.path.join(SCANS, "grey.png"))                      # no pHYs
    grey.convert("RGB").save(os.path.join(SCANS, "colour.jpg"), quality=85,
                             dpi=(150, 150))
    grey.save(os.path.join(SCANS, "grey.pgm"))
    bw.save(os.path.join(SCANS, "bw.pbm"))
    grey.convert("RGB").save(os.path.join(SCANS, "colour.webp"), lossless=True)

    # Bad inputs: each must give one clear line and never a crash.
    save_bytes(os.path.join(SCANS, "empty.tif"), b"")
    save_bytes(os.path.join(SCANS, "text.tif"),
               b"Madame, Monsieur,\nveuillez trouver ci-joint...\n")
    save_bytes(os.path.join(SCANS, "random.bin"),
               random.Random(7).randbytes(3000))
    noisy = Image.frombytes("L", grey.size,
                            random.Random(3).randbytes(grey.size[0] * grey.size[1]))
    buf = io.BytesIO()
    noisy.save(buf, "PNG")
    save_bytes(os.path.join(SCANS, "truncated.png"),
               buf.getvalue()[:len(buf.getvalue()) // 2])
    buf = io.BytesIO()
    grey.save(buf, "JPEG", quality=90)
    save_bytes(os.path.join(SCANS, "truncated.jpg"), buf.getvalue()[:1500])
    # A TIFF whose first directory offset points past the end of the file.
    buf = io.BytesIO()
    grey.save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    struct.pack_into("<I", data, 4, len(data) + 4096)
    save_bytes(os.path.join(SCANS, "bad-offset.tif"), bytes(data))
    huge_png(os.path.join(SCANS, "huge-60000x60000.png"), 60000, 60000)
    # Valid strips of a few pixels across (no resolution): no form, and no
    # A4 page at 1 dpi to be scaled a hundredfold either.
    strips()
    cmyk_jpeg()
    exif_jpeg()
    pdfs(grey, bw)
    big_references()
    repeated_scans()
    reserved_names()


def big_references():
    """References a run could not afford: 26 inches wide at 50 dpi, and six
    pages of 23 inches a side at 300 dpi (285 million pixels in all)."""
    bad = os.path.join(TEMPLATES, "bad")
    Image.new("L", (1300, 20), 255).save(os.path.join(bad, "wide.png"))
    Image.new("1", (6900, 6900), 1).save(os.path.join(bad, "big.png"))
    write_json(os.path.join(bad, "reference-larger-than-a-form.json"), {
        "format": "formocr-template/1", "name": "too_wide", "dpi": 50,
        "pages": [{"reference": "wide.png", "fields": [
            {"name": "nom", "type": "text", "box": [10, 2, 100, 15]}]}]})
    write_json(os.path.join(bad, "references-too-many-pixels.json"), {
        "format": "formocr-template/1", "name": "too_many_pixels", "dpi": 300,
        "pages": [{"reference": "big.png", "fields": [
            {"name": "f%d" % i, "type": "text", "box": [10, 10, 100, 40]}]}
            for i in range(6)]})


def repeated_scans():
    """A progressive JPEG whose last scan comes 40 times: each repeat is a
    pass over the image, and libjpeg warns at the first (decoding stops
    there)."""
    buf = io.BytesIO()
    page().save(buf, "JPEG", progressive=True, quality=90)
    data = buf.getvalue()
    last, eoi = data.rfind(b"\xff\xda"), data.rfind(b"\xff\xd9")
    save_bytes(os.path.join(SCANS, "repeated-scans.jpg"),
               data[:eoi] + data[last:eoi] * 40 + data[eoi:])


def reserved_names():
    """Names the outputs use for themselves (their tables, indexes, the
    none.csv of unmatched documents, the document's own columns)."""
    def tpl(name, field="nom"):
        return {"format": "formocr-template/1", "name": name,
                "pages": [{"reference": "ref.png", "fields": [
                    {"name": field, "type": "text", "box": [20, 50, 160, 20]}]}]}
    bad = os.path.join(TEMPLATES, "bad")
    write_json(os.path.join(bad, "name-sqlite-table.json"), tpl("documents_path"))
    write_json(os.path.join(bad, "name-sqlite-internal.json"), tpl("sqlite_stat1"))
    write_json(os.path.join(bad, "name-none.json"), tpl("none"))
    write_json(os.path.join(bad, "field-name-column.json"), tpl("columns", "status"))


def strips():
    Image.new("L", (4, 50000), 255).save(os.path.join(SCANS, "strip-4x50000.png"))
    Image.new("L", (30000, 2), 128).save(os.path.join(SCANS, "strip-30000x2.png"))


def vector_pdf(path):
    """A PDF drawn, not scanned (a form saved from a screen): an A4 page with
    a frame, a box and a line of text in a standard font, made by hand (no
    PDF library needed)."""
    content = (b"2 w 36 36 523 770 re S 100 600 200 40 re S "
               b"BT /F1 24 Tf 100 700 Td (FORMOCR 2026) Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    save_bytes(path, bytes(out))


def pdfs(grey, bw):
    """PDF inputs: scanned pages (one image each: G4 at 200 dpi, then a grey
    JPEG at 300 dpi), a drawn page, a truncated file, an encrypted one."""
    bw.save(os.path.join(SCANS, "scan-g4.pdf"), resolution=200)
    bw.save(os.path.join(SCANS, "two-pages.pdf"), resolution=200, save_all=True,
            append_images=[grey.convert("RGB")])
    vector_pdf(os.path.join(SCANS, "vector.pdf"))
    with open(os.path.join(SCANS, "two-pages.pdf"), "rb") as f:
        data = f.read()
    save_bytes(os.path.join(SCANS, "truncated.pdf"), data[: len(data) // 2])
    # encrypted with a user password (qpdf, when installed; the file is
    # committed, so the tests do not need qpdf)
    qpdf = "/usr/bin/qpdf"
    if os.path.exists(qpdf):
        os.system(f"{qpdf} --encrypt secret owner 256 -- "
                  f"{os.path.join(SCANS, 'scan-g4.pdf')} "
                  f"{os.path.join(SCANS, 'encrypted.pdf')}")


def exif_jpeg():
    """A phone's portrait photo: stored 60x40 with a black block at the top
    left, EXIF Orientation 6 (turn 90 degrees clockwise to view)."""
    im = Image.new("L", (60, 40), 255)
    ImageDraw.Draw(im).rectangle((0, 0, 9, 9), fill=0)
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(os.path.join(SCANS, "exif-orient6.jpg"), quality=95, exif=exif.tobytes())


def cmyk_jpeg():
    """Three CMYK patches (paper, full black, full cyan), as PIL writes CMYK
    JPEG: Adobe marker, inverted inks."""
    im = Image.new("CMYK", (96, 32), (0, 0, 0, 0))
    for i, ink in enumerate([(0, 0, 0, 0), (0, 0, 0, 255), (255, 0, 0, 0)]):
        im.paste(ink, (i * 32, 0, i * 32 + 32, 32))
    im.save(os.path.join(SCANS, "cmyk.jpg"), quality=95)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def templates():
    good = os.path.join(TEMPLATES, "good")
    os.makedirs(good, exist_ok=True)
    page().save(os.path.join(good, "ref.png"))
    write_json(os.path.join(good, "template.json"), {
        "format": "formocr-template/1",
        "name": "test_form",
        "title": "Formulaire d'essai",
        "lang": "fra",
        "dpi": 50,
        "pages": [{
            "reference": "ref.png",
            "fields": [
                {"name": "nom", "type": "text", "box": [20, 50, 160, 20],
                 "required": True},
                {"name": "code", "type": "text", "box": [20, 80, 100, 20],
                 "comb": 5, "charset": "0123456789", "check": "code_postal"},
                {"name": "adresse", "type": "text",
                 "lines": [[20, 110, 160, 20], [20, 140, 160, 20]]},
                {"name": "date", "type": "date",
                 "cells": [[20, 170, 20, 20], [40, 170, 20, 20]],
                 "date_format": "DDMMYYYY"},
                {"name": "montant", "type": "decimal", "box": [120, 80, 60, 20],
                 "min_confidence": 85},
                {"name": "genre", "type": "choice",
                 "options": {"homme": [20, 200, 20, 20], "femme": [60, 200, 20, 20]},
                 "min": 1, "max": 1},
                {"name": "majeur", "type": "checkbox", "box": [100, 200, 20, 20]},
                {"name": "ref", "type": "text", "box": [20, 230, 160, 20],
                 "pattern": "^[A-Z]{2}[0-9]+$", "lang": "eng"},
                {"name": "signature", "type": "signature", "box": [130, 200, 50, 40]},
            ],
        }],
    })


if __name__ == "__main__":
    scans()
    templates()

"""A two-page form for tests: the two shipped forms as its pages 1 and 2, at
300 dpi (the second scaled from its 350 dpi), fields prefixed p1_ and p2_.

    make-two-page-template.py OUT_DIR    (run from the source tree)
"""
import json
import os
import sys

from PIL import Image

out = os.path.join(sys.argv[1], "two_page")
os.makedirs(out)
pages = []
for n, name in enumerate(["cerfa_14011_03", "cerfa_12485_03"], 1):
    t = json.load(open(f"templates/{name}/template.json"))
    k = 300 / t["dpi"]
    img = Image.open(f"templates/{name}/" + t["pages"][0]["reference"])
    img.resize((round(img.width * k), round(img.height * k))).save(
        f"{out}/page{n}.png", dpi=(300, 300))

    def scale(b):
        return [round(v * k) for v in b]

    fields = []
    for f in t["pages"][0]["fields"]:
        f = dict(f, name=f"p{n}_" + f["name"])
        if "box" in f:
            f["box"] = scale(f["box"])
        for key in ("cells", "lines"):
            if key in f:
                f[key] = [scale(b) for b in f[key]]
        if "options" in f:
            f["options"] = {o: scale(b) for o, b in f["options"].items()}
        fields.append(f)
    pages.append({"reference": f"page{n}.png", "fields": fields})
json.dump({"format": "formocr-template/1", "name": "two_page", "lang": "fra",
           "dpi": 300, "pages": pages}, open(f"{out}/template.json", "w"))

#!/usr/bin/python3
"""Compare a template made automatically (formocr template from-pdf on a flat
PDF, from-scan) with a reference template of the same form (made from the
fillable PDF's fields, or by hand), box by box; optionally carry a truth.json
written for the reference template over to the other one, so that `formocr
eval` can measure `run` with it.

    compare-templates.py MADE/template.json REFERENCE/template.json
                         [--truth TRUTH.json --out NEW_TRUTH.json]

A reference box (a field's box, each of its lines, a choice's option; a
field's explicit cells count as one comb of that many cells) is found when a
box of the made template covers the same place: horizontal overlap at least
70 % of the wider and vertical centres within 60 % of the taller.  Printed:
each reference field found or missed, comb cells and types that differ
(text for a date: the label did not say it), the made
template's boxes that match nothing (extra), and the totals.

Truth carried over: a made field takes the reference field's value where its
box was found (a made check box found on a choice's option: "1" when the
truth ticks that option, else "0"; a made field found on one line of a
`lines` field: that line); a made field that matches nothing is
expected empty ("" or "0" for a check box).  Only the standard library.
"""

import argparse
import json
import sys


def boxes(template):
    """(field, option or None, type, box, comb) of every box, page by page."""
    out = []
    for page_no, page in enumerate(template["pages"]):
        for f in page["fields"]:
            if "options" in f:
                for o, b in f["options"].items():
                    out.append((page_no, f["name"], o, "checkbox", b, 0))
            elif "cells" in f:     # explicit cells: one comb, their bounding box
                c = f["cells"]
                x0, y0 = min(b[0] for b in c), min(b[1] for b in c)
                x1 = max(b[0] + b[2] for b in c)
                y1 = max(b[1] + b[3] for b in c)
                out.append((page_no, f["name"], None, f["type"], [x0, y0, x1 - x0, y1 - y0],
                            len(c)))
            elif "lines" in f:     # a line each, told apart by its number
                for k, b in enumerate(f["lines"]):
                    out.append((page_no, f["name"], k, f["type"], b, 0))
            else:
                out.append((page_no, f["name"], None, f["type"], f["box"], f.get("comb", 0)))
    return out


def same_place(a, b):
    x0, x1 = max(a[0], b[0]), min(a[0] + a[2], b[0] + b[2])
    cy = abs((a[1] + a[3] / 2) - (b[1] + b[3] / 2))
    return (x1 - x0) >= 0.7 * max(a[2], b[2]) and cy <= 0.6 * max(a[3], b[3])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("made")
    ap.add_argument("reference")
    ap.add_argument("--truth", help="truth.json written for the reference template")
    ap.add_argument("--out", help="where to write the truth for the made template")
    args = ap.parse_args(argv)
    made = json.load(open(args.made, encoding="utf-8"))
    ref = json.load(open(args.reference, encoding="utf-8"))
    if made["dpi"] != ref["dpi"]:
        sys.exit("compare-templates: the two templates must have one dpi")
    mb, rb = boxes(made), boxes(ref)
    match = {}   # index in mb -> index in rb
    found, cells_wrong, types_wrong = 0, 0, 0
    for j, r in enumerate(rb):
        hit = next((i for i, m in enumerate(mb)
                    if i not in match and m[0] == r[0] and same_place(m[4], r[4])), None)
        label = r[1] + (f".{r[2]}" if r[2] is not None else "")
        if hit is None:
            print(f"missed  {label} {r[3]} {r[4]}")
            continue
        match[hit] = j
        found += 1
        m = mb[hit]
        if (m[5] or r[5]) and m[5] != r[5]:
            cells_wrong += 1
            print(f"cells   {label}: {r[5]} cells, made {m[5]} ({m[1]})")
        elif m[3] != r[3] and {m[3], r[3]} != {"checkbox"} and r[2] is None:
            types_wrong += 1
            print(f"type    {label}: {r[3]}, made {m[3]} ({m[1]})")
        else:
            print(f"found   {label} -> {m[1]}")
    extra = [m for i, m in enumerate(mb) if i not in match]
    for m in extra:
        print(f"extra   {m[1]} {m[3]} {m[4]}")
    print(f"reference boxes found: {found}/{len(rb)}, comb cells wrong: {cells_wrong}, "
          f"types wrong: {types_wrong}, extra boxes: {len(extra)}")
    if args.truth:
        truth = json.load(open(args.truth, encoding="utf-8"))
        kinds = {f["name"]: f["type"] for p in made["pages"] for f in p["fields"]}
        for entry in truth.values():
            if entry.get("template") != ref["name"]:
                continue
            old, new = entry["fields"], {}
            for i, m in enumerate(mb):
                if m[1] in new and i not in match:
                    continue    # a field of several boxes: the first that matched
                if i in match:
                    r = rb[match[i]]
                    if isinstance(r[2], int):   # line r[2] of a lines field
                        lines = (old.get(r[1]) or "").split("\n")
                        new[m[1]] = lines[r[2]] if r[2] < len(lines) else ""
                    elif r[2] is not None:      # a choice's option
                        ticked = r[2] in (old.get(r[1]) or "").split(",")
                        new[m[1]] = "1" if ticked else "0"
                    else:
                        new[m[1]] = old.get(r[1], "")
                else:
                    new[m[1]] = "0" if kinds[m[1]] in ("checkbox", "signature") else ""
            entry["fields"] = new
            entry["template"] = made["name"]
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=2, ensure_ascii=False, sort_keys=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

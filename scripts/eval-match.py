#!/usr/bin/python3
"""Measures `formocr match` against the truth of generated scans.

    formocr match -t templates DIR > matches.jsonl
    /usr/bin/python3 scripts/eval-match.py DIR/truth.json matches.jsonl \
        [--templates templates] [--max-error 3] [--min-within 0.99]

For every page: is the template right (foreign pages must be unmatched), and
how far does each corner of every field box land from where it truly is
(through the truth's transform vs the found one), in scan pixels scaled to
300 dpi.  Prints the distribution; exits 1 when a page's template is wrong
or fewer than --min-within of the matched pages have every corner within
--max-error px.
"""
import argparse
import glob
import json
import math
import os
import sys


def corners(field):
    boxes = field.get("lines") or field.get("cells") or (
        list(field["options"].values()) if "options" in field else [field["box"]])
    for x, y, w, h in boxes:
        yield from ((x, y), (x + w, y), (x, y + h), (x + w, y + h))


def apply(t, p):
    return (t[0] * p[0] + t[1] * p[1] + t[2], t[3] * p[0] + t[4] * p[1] + t[5])


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth")
    ap.add_argument("matches")
    ap.add_argument("--templates", default="templates")
    ap.add_argument("--max-error", type=float, default=3.0)
    ap.add_argument("--min-within", type=float, default=0.99)
    args = ap.parse_args()

    truth = json.load(open(args.truth, encoding="utf-8"))
    templates = {}
    for path in glob.glob(os.path.join(args.templates, "*", "template.json")):
        t = json.load(open(path, encoding="utf-8"))
        templates[t["name"]] = t
    base = os.path.dirname(args.truth)

    pages = wrong = foreign = foreign_ok = 0
    errors = []           # worst corner error per matched page, px at 300 dpi
    worst = []
    seen = set()
    for line in open(args.matches, encoding="utf-8"):
        m = json.loads(line)
        name = os.path.relpath(m["file"], base) if os.path.isabs(m["file"]) or \
            m["file"].startswith(base) else m["file"]
        name = os.path.basename(m["file"]) if name not in truth else name
        if name not in truth:
            print(f"no truth for {m['file']}", file=sys.stderr)
            continue
        seen.add(name)
        pages += 1
        want = truth[name]
        if want["template"] is None:
            foreign += 1
            foreign_ok += m["template"] is None
            if m["template"] is not None:
                wrong += 1
                print(f"{name}: foreign page matched {m['template']} "
                      f"(score {m['score']:.3f})")
            continue
        if m["template"] != want["template"]:
            wrong += 1
            print(f"{name}: {m['template']} (score {m['score']:.3f}), "
                  f"expected {want['template']}")
            continue
        t_true = want["scan"]["transform"]
        t_found = m["transform"]
        to300 = 300.0 / want["scan"]["dpi"]
        page_err = 0.0
        for field in templates[want["template"]]["pages"][0]["fields"]:
            for p in corners(field):
                a, b = apply(t_true, p), apply(t_found, p)
                page_err = max(page_err, math.hypot(a[0] - b[0], a[1] - b[1]) * to300)
        errors.append(page_err)
        worst.append((page_err, name, m["score"], m["residual_px"]))
    missing = sorted(set(truth) - seen)

    within = sum(e <= args.max_error for e in errors)
    print(f"pages {pages}, template wrong {wrong}, foreign {foreign} "
          f"(unmatched {foreign_ok})" + (f", missing {len(missing)}" if missing else ""))
    if errors:
        print(f"worst field-corner error per page (px at 300 dpi): "
              f"median {percentile(errors, 0.5):.2f}, p90 {percentile(errors, 0.9):.2f}, "
              f"p99 {percentile(errors, 0.99):.2f}, max {max(errors):.2f}")
        print(f"pages with every corner within {args.max_error:g} px: {within}/"
              f"{len(errors)} ({100.0 * within / len(errors):.1f} %)")
        for e, name, score, res in sorted(worst, reverse=True)[:5]:
            print(f"  {name}: {e:.2f} px (score {score:.3f}, residual {res:.2f})")
    ok = wrong == 0 and not missing and (not errors or
                                         within >= args.min_within * len(errors))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

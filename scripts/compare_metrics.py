#!/usr/bin/env python3
"""Compares two pipeline metrics.json files number by number, ignoring wall times and speeds.

    python3 scripts/compare_metrics.py BEFORE/metrics.json AFTER/metrics.json [--rtol 0]

Prints every key whose value differs (beyond the relative tolerance) and exits 1 if any does;
used to check that a refactoring left the quick profile's numbers unchanged.
"""
import json
import math
import sys

TIMING = {"seconds", "train_seconds", "images_per_second", "fit_seconds", "tsne_seconds",
          "kmeans_seconds"}


def walk(a, b, path, rtol, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in TIMING:
                continue
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'after' if k in b else 'before'}")
                continue
            walk(a[k], b[k], f"{path}/{k}", rtol, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items vs {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", rtol, out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if a == b or (math.isnan(a) and math.isnan(b)):
            return
        if abs(a - b) > rtol * max(abs(a), abs(b)):
            out.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}")


def main():
    args = sys.argv[1:]
    rtol = 0.0
    if "--rtol" in args:
        i = args.index("--rtol")
        rtol = float(args[i + 1])
        del args[i:i + 2]
    before, after = (json.load(open(p)) for p in args)
    diffs = []
    walk(before, after, "", rtol, diffs)
    for d in diffs:
        print(d)
    print(f"{len(before)} experiments before, {len(after)} after; {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()

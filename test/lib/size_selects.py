#!/usr/bin/env python3
"""Counts the run-time selects that compute tensor sizes in a model's
imported IR (`ternc --emit=mlir` on stdin): `arith.select`s of index type
in the body of @main_graph itself, not inside a kernel's region. Each one
hides a size behind a choice made when the model runs, so that nothing
after it can tell the size equals another. One-shot bufferization's subset
analysis then searches the sizes' definitions on every query, and a
decoder whose layers each add such selects made it grow with the model.

size_selects.py --layers N [--max-per-layer M] < model.mlir

Prints "N size selects, M per layer" and exits non-zero above the bound.
"""

import argparse
import re
import sys

# The function body's own ops are indented by four spaces; regions nested
# in them (linalg bodies, scf.if branches) by more.
SELECT = re.compile(r"^    %\S+ = arith\.select .* : index$")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--max-per-layer", type=float, default=0)
    args = parser.parse_args()
    count = sum(1 for line in sys.stdin if SELECT.match(line.rstrip("\n")))
    per_layer = count / args.layers
    print(f"{count} size selects, {per_layer:g} per layer")
    if per_layer > args.max_per_layer:
        sys.exit(f"more than {args.max_per_layer:g} size selects per layer")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares a tern-run output with a reference .npy file.

compare_npy.py ACTUAL EXPECTED [--exact | --rtol R --atol A | --of-max F]

Exits non-zero, printing the worst element, when they differ in dtype,
shape, or values beyond the tolerance. --exact demands bit equality, the
bar for integer ternary paths; --of-max F allows F times the largest
magnitude in EXPECTED everywhere (a GPU's float results against the
CPU's).
"""

import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--exact", action="store_true")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--of-max", type=float)
    args = parser.parse_args()

    actual = np.load(args.actual)
    expected = np.load(args.expected)
    if actual.dtype != expected.dtype:
        sys.exit(f"dtype differs: {actual.dtype} vs {expected.dtype}")
    if actual.shape != expected.shape:
        sys.exit(f"shape differs: {actual.shape} vs {expected.shape}")
    if args.exact:
        mismatched = np.argwhere(actual != expected)
        if mismatched.size:
            index = tuple(mismatched[0])
            sys.exit(f"{len(mismatched)} elements differ; first at {index}: "
                     f"{actual[index]} vs {expected[index]}")
        print(f"exact match: {actual.size} elements")
        return
    error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    bound = args.atol + args.rtol * np.abs(expected.astype(np.float64))
    if args.of_max is not None:
        bound = np.full(error.shape, args.of_max *
                        float(np.abs(expected.astype(np.float64)).max()))
    if not np.all(error <= bound):
        index = np.unravel_index(np.argmax(error - bound), error.shape)
        sys.exit(f"values differ at {index}: {actual[index]} vs "
                 f"{expected[index]} (error {error[index]:.3g}, "
                 f"allowed {bound[index]:.3g})")
    print(f"match: {actual.size} elements, max abs error {error.max():.3g}")


if __name__ == "__main__":
    main()

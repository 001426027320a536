#!/usr/bin/env python3
"""Compares every .npy of one tern-run --output-dir with the same-named
file of another, as compare_npy.py compares one pair.

compare_npy_dirs.py ACTUAL_DIR EXPECTED_DIR [compare_npy.py flags]

Fails when EXPECTED_DIR holds no .npy or ACTUAL_DIR lacks one of them.
"""

import os
import subprocess
import sys


def main():
    actual_dir, expected_dir, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    names = sorted(n for n in os.listdir(expected_dir) if n.endswith(".npy"))
    if not names:
        sys.exit(f"no .npy files in {expected_dir}")
    compare = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "compare_npy.py")
    for name in names:
        actual = os.path.join(actual_dir, name)
        if not os.path.exists(actual):
            sys.exit(f"{actual} is missing")
        result = subprocess.run([sys.executable, compare, actual,
                                 os.path.join(expected_dir, name)] + flags)
        if result.returncode:
            sys.exit(f"{name} differs")
    print(f"{len(names)} outputs compared")


if __name__ == "__main__":
    main()

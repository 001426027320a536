#!/usr/bin/env python3
"""Runs a command and checks its peak resident memory (getrusage of the
child: the most it ever held, mapped file pages included) against the size
of a model.

peak_rss.py --model FILE [--model FILE ...] --max-ratio R -- COMMAND...

Prints the peak and its ratio to the models' bytes; exits non-zero when
the command fails or the ratio exceeds R.
"""

import argparse
import os
import resource
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--max-ratio", type=float, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    status = subprocess.call(command)
    if status != 0:
        sys.exit(f"the command failed with status {status}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    model = sum(os.path.getsize(path) for path in args.model)
    ratio = peak / model
    print(f"peak RSS {peak / 1e6:.1f} MB for {model / 1e6:.1f} MB of model: "
          f"{ratio:.2f}x (bound {args.max_ratio}x)")
    if ratio > args.max_ratio:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Writes the PTX of each `gpu.binary` in an MLIR file to PREFIX-N.ptx.

gpu-module-to-binary (format isa) stores the PTX as an escaped string in
`assembly = "..."`; this undoes MLIR's escapes (\\XX hex, \\\\, \\").
"""

import re
import sys


def unescape(text):
    return re.sub(r"\\([0-9A-Fa-f]{2}|\\|\")",
                  lambda m: m.group(1) if m.group(1) in ('\\', '"')
                  else chr(int(m.group(1), 16)), text)


def main():
    source, prefix = sys.argv[1], sys.argv[2]
    found = re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', open(source).read())
    if not found:
        sys.exit("no gpu.binary with PTX in %s" % source)
    for i, text in enumerate(found):
        open("%s-%d.ptx" % (prefix, i), "w").write(unescape(text))
    print("%d binaries" % len(found))


if __name__ == "__main__":
    main()

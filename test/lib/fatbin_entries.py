"""Lists the images of a CUDA fatbin, one line each: `ptx sm_80`, `elf sm_90`.

The layout is NVIDIA's fatbin container as `fatbinary` writes it: a 16-byte
header (magic 0xBA55ED50, version, header size, size of the rest), then
entries, each a header (kind 1 for PTX or 2 for an ELF cubin, its own header
size, the image's size, and the SM number at byte 28) and its image.
"""

import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
KINDS = {1: "ptx", 2: "elf"}


def main():
    data = open(sys.argv[1], "rb").read()
    magic, _, header_size, size = struct.unpack_from("<IHHQ", data, 0)
    if magic != FATBIN_MAGIC:
        sys.exit("%s is not a fatbin" % sys.argv[1])
    offset = header_size
    while offset < header_size + size:
        kind, _, entry_header, image_size = struct.unpack_from("<HHIQ", data, offset)
        sm = struct.unpack_from("<I", data, offset + 28)[0]
        print("%s sm_%d" % (KINDS.get(kind, "kind%d" % kind), sm))
        offset += entry_header + image_size


if __name__ == "__main__":
    main()

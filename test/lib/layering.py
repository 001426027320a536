#!/usr/bin/env python3
"""Checks that Tern's layers depend only downward, by its #includes and its
CMake link lines.

The layers, lowest first (docs/Architecture.md): the compiler-runtime
contract (include/tern/ABI) and the runtime's C API,
the tern dialect's IR, the tern-to-tern transforms, conversions, code
generation, pipelines and then target plug-ins, the compiler library, and
the tools. The ONNX importer depends on the dialect only, and only the
compiler and the tools may use it. A file or library of one layer that
includes a header, links a library or compiles a source of a layer it may
not use is a violation.

layering.py --root SRC [--known FILE]
layering.py --diagram


Prints each violation, one a line, as "FROM -> TO: where". With --known,
a file of such lines (# comments allowed) lists the violations the tree
still has and may keep for now: the run fails on any other violation and
on a listed one that is gone (take it off the list), so the list only
shrinks. Without it, every violation fails the run.

--diagram prints the layers, highest first, as docs/Architecture.md draws
them (test/Layering checks that the two agree).
"""

import argparse
import os
import re
import sys

# (layer, rank, directories). Target ranks above Pipelines: a target builds
# its pipeline from the shared ones, never the reverse.
LAYERS = [
    ("ABI", 0, ["include/tern/ABI"]),
    ("Runtime", 0, ["lib/Runtime", "include/tern/Runtime"]),
    ("Dialect", 1, ["lib/Dialect/Tern/IR", "include/tern/Dialect/Tern/IR"]),
    ("Transforms", 2, ["lib/Dialect/Tern/Transforms",
                       "include/tern/Dialect/Tern/Transforms"]),
    ("Conversion", 3, ["lib/Conversion", "include/tern/Conversion"]),
    ("Codegen", 4, ["lib/Codegen", "include/tern/Codegen"]),
    ("Pipelines", 5, ["lib/Pipelines", "include/tern/Pipelines"]),
    ("Target", 6, ["lib/Target", "include/tern/Target"]),
    ("Compiler", 7, ["lib/Compiler", "include/tern/Compiler"]),
    ("Import", None, ["lib/Import", "include/tern/Import"]),
    ("tools", 8, ["tools"]),
]
RANK = {name: rank for name, rank, _ in LAYERS}
SOURCES = (".h", ".hpp", ".cpp", ".c", ".td", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(path):
    """The layer of a path relative to the root, or None outside them."""
    for name, _, dirs in LAYERS:
        if any(path == d or path.startswith(d + "/") for d in dirs):
            return name
    return None


def allowed(source, target):
    if source == target:
        return True
    # The ABI describes compiled models in the runtime's public C types
    # (TernModel.h), and the runtime implements it: one layer in two rooms.
    if {source, target} == {"ABI", "Runtime"}:
        return True
    if source == "Import":
        return target == "Dialect"
    if target == "Import":
        return RANK[source] >= RANK["Compiler"]
    return RANK[target] < RANK[source]


def include_edges(root):
    """(from layer, to layer, where) for every #include of a Tern file."""
    for top in ("lib", "include", "tools"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith(SOURCES):
                    continue
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root)
                source = layer_of(relative)
                if source is None:
                    continue
                with open(path, errors="replace") as f:
                    lines = f.read().splitlines()
                for number, line in enumerate(lines, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    header = match.group(1)
                    if header.startswith("tern/"):
                        target = layer_of("include/" + header)
                    else:
                        local = os.path.normpath(os.path.join(
                            os.path.dirname(relative), header))
                        target = layer_of(local)
                    if target is not None:
                        yield source, target, f"{relative} includes {header}"


def cmake_commands(text):
    """(command, arguments) of each call in a CMakeLists.txt."""
    text = re.sub(r"#[^\n]*", "", text)
    for match in re.finditer(r"(\w+)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)",
                             text):
        yield match.group(1).lower(), match.group(2).split()


def link_edges(root):
    """(from layer, to layer, where) for every link of one Tern library
    to another, and every source a target takes from another layer."""
    defined, links, sources = {}, [], []
    for top in ("lib", "tools"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            if "CMakeLists.txt" not in files:
                continue
            relative = os.path.relpath(directory, root)
            layer = layer_of(relative)
            if layer is None:
                continue
            with open(os.path.join(directory, "CMakeLists.txt")) as f:
                text = f.read()
            for command, args in cmake_commands(text):
                if not args:
                    continue
                name = args[0]
                if command in ("add_library", "add_executable",
                               "tern_add_library", "add_mlir_library"):
                    defined[name] = layer
                    rest = args[1:]
                    if "LINK_LIBS" in rest:
                        links += [(name, lib, relative) for lib in
                                  rest[rest.index("LINK_LIBS") + 1:]]
                    for arg in rest:
                        prefix = "${TERN_SOURCE_DIR}/"
                        if arg.startswith(prefix):
                            sources.append((layer, arg[len(prefix):],
                                            f"{relative}/CMakeLists.txt: "
                                            f"{name} compiles {arg[len(prefix):]}"))
                elif command == "target_link_libraries":
                    links += [(name, lib, relative) for lib in args[1:]]
    for name, lib, where in links:
        if name in defined and lib in defined:
            yield (defined[name], defined[lib],
                   f"{where}/CMakeLists.txt: {name} links {lib}")
    for layer, path, where in sources:
        target = layer_of(path)
        if target is not None:
            yield layer, target, where


def diagram():
    """The layers as docs/Architecture.md draws them, highest first: each
    layer with its directories; the importer beside the dialect."""
    lines = []
    ranked = sorted((l for l in LAYERS if l[1] is not None),
                    key=lambda l: -l[1])
    for index, (name, rank, dirs) in enumerate(ranked):
        lines.append(f"{name:<11} {', '.join(dirs)}")
        below = ranked[index + 1][1] if index + 1 < len(ranked) else None
        if below is not None and below < rank:
            lines.append(f"{'':<11} ▼")
    for name, rank, dirs in LAYERS:
        if rank is None:
            lines.append(f"{name:<11} {', '.join(dirs)}: on Dialect only, "
                         "used by Compiler and tools")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root")
    parser.add_argument("--known")
    parser.add_argument("--diagram", action="store_true",
                        help="print the layer diagram of "
                             "docs/Architecture.md and stop")
    args = parser.parse_args()
    if args.diagram:
        sys.stdout.write(diagram())
        return 0
    if not args.root:
        parser.error("--root is required")
    found = sorted({f"{s} -> {t}: {where}"
                    for edges in (include_edges(args.root),
                                  link_edges(args.root))
                    for s, t, where in edges if not allowed(s, t)})
    known = []
    if args.known:
        with open(args.known) as f:
            known = [line.strip() for line in f
                     if line.strip() and not line.startswith("#")]
    new = [v for v in found if v not in known]
    gone = [v for v in known if v not in found]
    for v in new:
        print(f"violation: {v}")
    for v in gone:
        print(f"fixed (take it off {os.path.basename(args.known)}): {v}")
    print(f"{len(found)} upward dependencies, {len(found) - len(new)} of "
          f"them known; {len(new)} new, {len(gone)} fixed")
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main())

"""`tern.compile`: runs `ternc` on a model."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional


class CompileError(RuntimeError):
    """ternc refused the model; the message is ternc's."""


def find_ternc() -> str:
    """$TERNC, else the build tree next to this package, else PATH."""
    if os.environ.get("TERNC"):
        return os.environ["TERNC"]
    root = Path(__file__).resolve().parents[2]
    build = Path(os.environ.get("TERN_BUILD_DIR", root / "build"))
    candidate = build / "bin" / "ternc"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ternc")
    if not found:
        raise CompileError("cannot find ternc: build Tern (scripts/build.sh) "
                           "or set TERNC")
    return found


def compile(model: str, output: Optional[str] = None,
            target: Optional[str] = None, emit: str = "lib",
            **options) -> str:
    """Compiles `model` (.onnx, .onnxtxt or .mlir) with ternc and returns the
    output path. `options` become ternc flags: `quantize_acts=True` is
    `--quantize-acts`, `matmul_strategy="dot"` is `--matmul-strategy=dot`,
    and so on (see `ternc --help`)."""
    if output is None:
        suffix = {"lib": ".so", "exe": "", "obj": ".o"}.get(emit, "." + emit)
        output = str(Path(model).with_suffix(suffix))
    args = [find_ternc(), str(model), "-o", str(output), f"--emit={emit}"]
    if target:
        args.append(f"--target={target}")
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        else:
            args.append(f"{flag}={value}")
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(result.stderr.strip() or
                           f"ternc exited with {result.returncode}")
    return output

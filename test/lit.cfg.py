# -*- Python -*-
# Lit configuration for Tern, in the style of upstream MLIR's test/lit.cfg.py.

import os
import subprocess

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Tern"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tern_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%tern_src", config.tern_src_root))
config.substitutions.append(("%tern_obj", config.tern_obj_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.tern_tools_dir, config.llvm_tools_dir]
tools = ["tern-opt", "tern-translate", "ternc", "tern-run", "tern-matmul-bench", "llvm-nm", "llvm-readelf", "llvm-objdump"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Test helpers import the tern Python test utilities and numpy/onnx.
llvm_config.with_environment(
    "PYTHONPATH", os.path.join(config.tern_src_root, "test", "lib"),
    append_path=True)

# Cross-compiled AArch64 models run under qemu-aarch64 with Debian's arm64
# libc and the build's arm64 libomp (scripts/fetch-cross-sysroot.sh). The
# tests that need them are not skipped quietly when CI is asked to run them.
aarch64_omp = os.path.join(config.tern_obj_root, "sysroot", "aarch64-linux-gnu",
                           "usr", "lib", "aarch64-linux-gnu")
qemu = lit.util.which("qemu-aarch64")
if qemu and os.path.exists(os.path.join(aarch64_omp, "libomp.so.5")) and \
        os.path.isdir(os.path.join(config.tern_obj_root, "lib", "aarch64-linux-gnu")):
    config.available_features.add("aarch64-cross")
    config.substitutions.append(
        ("%run-aarch64",
         "%s -cpu max -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=%s" % (qemu, aarch64_omp)))
elif os.environ.get("TERN_REQUIRE_CROSS"):
    lit_config.fatal("TERN_REQUIRE_CROSS is set but qemu-aarch64, the arm64 "
                     "runtime or the arm64 libomp is missing")
# riscv64 (the docs/AddingABackend.md example) has no OpenMP runtime to
# fetch: qemu and the build's riscv64 runtime are enough.
qemu_riscv64 = lit.util.which("qemu-riscv64")
if qemu_riscv64 and os.path.isdir(
        os.path.join(config.tern_obj_root, "lib", "riscv64-linux-gnu")):
    config.available_features.add("riscv64-cross")
    config.substitutions.append(
        ("%run-riscv64", "%s -L /usr/riscv64-linux-gnu" % qemu_riscv64))
elif os.environ.get("TERN_REQUIRE_CROSS"):
    lit_config.fatal("TERN_REQUIRE_CROSS is set but qemu-riscv64 or the "
                     "riscv64 runtime is missing")
# A sanitizer build (scripts/fuzz.sh) links an instrumented runtime into
# every host model, which only programs carrying the sanitizers' runtimes
# (its tern-run, or C programs linked with the same flags) can load. Tests
# whose checks do not hold under the sanitizers (memory ratios, the
# libraries a model needs) are UNSUPPORTED there.
c_compiler = config.tern_c_compiler
if config.tern_host_sanitizers:
    config.available_features.add("sanitizers")
    c_compiler += " -fsanitize=" + config.tern_host_sanitizers
config.substitutions.append(("%cc", c_compiler))

# GPU models run against the test double of the CUDA driver
# (test/lib/FakeCuda.c) unless a test names the real one; ptxas checks the
# PTX where the CUDA toolkit is installed.
config.substitutions.append(("%fake_cuda_dir", config.tern_fake_cuda_dir))
ptxas = lit.util.which("ptxas", os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/cuda/bin"]))
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
    fatbinary = os.path.join(os.path.dirname(ptxas), "fatbinary")
    if os.path.exists(fatbinary):
        config.available_features.add("fatbinary")
        config.substitutions.append(("%fatbinary", fatbinary))
elif os.environ.get("TERN_REQUIRE_PTXAS"):
    lit_config.fatal("TERN_REQUIRE_PTXAS is set but ptxas is not on PATH "
                     "or in /usr/local/cuda/bin")
# Tests that need a real GPU run where nvidia-smi lists one and are
# reported UNSUPPORTED elsewhere; scripts/gpu-check.sh sets TERN_REQUIRE_GPU
# so that they cannot be skipped there.
def has_nvidia_gpu():
    smi = lit.util.which("nvidia-smi")
    if not smi:
        return False
    try:
        listing = subprocess.run([smi, "-L"], capture_output=True, text=True,
                                 timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listing.returncode == 0 and "GPU " in listing.stdout
if has_nvidia_gpu():
    config.available_features.add("gpu")
elif os.environ.get("TERN_REQUIRE_GPU"):
    lit_config.fatal("TERN_REQUIRE_GPU is set but nvidia-smi lists no GPU")
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))

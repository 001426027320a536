#!/usr/bin/env python3
"""Runs ONNX's node tests, or its model tests (Debian's libonnx-testdata),
through ternc and tern-run and sorts every test into one of four outcomes:

  pass         compiled, ran, and every output matches the expected one
  wrong        ran, but an output differs (dtype, shape or values)
  unsupported  ternc or tern-run refused it with a clean error
  crash        a signal, a timeout, or a failure without an error message

and a fifth for the tests listed in INVALID_TEST_DATA, whose expected
outputs contradict their own model: `invalid` when the outputs differ as
the listed reason says they must.

It prints the counts and writes a Markdown table with one row per test.
Exits non-zero when any test is wrong or crashes, so a subset can gate CI.

  scripts/onnx_conformance.py --build build --table build/onnx-conformance.md
  scripts/onnx_conformance.py --build build --quick
  scripts/onnx_conformance.py --build build --suite models --table models.md
  scripts/onnx_conformance.py --build build --ternc-flag=--target=nvptx64-nvidia-cuda \
      --ternc-flag=--gpu-loops-on-host     # the GPU target's loop nests, on the host
"""

import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

TESTDATA_ROOT = "/usr/share/libonnx-testdata/data"
# The suites of libonnx-testdata: ONNX's node tests, and its model tests
# (whole models converted from PyTorch, and small hand-made graphs).
SUITES = {"node": ["node"],
          "models": ["pytorch-converted", "pytorch-operator", "simple"]}

# A fast, representative slice for CI: it must stay all pass or unsupported.
QUICK = [
    "test_add", "test_add_bcast", "test_mul_bcast", "test_relu",
    "test_matmul_2d", "test_matmul_3d", "test_gemm_default_no_bias",
    "test_gemm_transposeB", "test_gemm_all_attributes", "test_constant",
    "test_sigmoid", "test_tanh", "test_erf", "test_pow", "test_clip",
    "test_mod_mixed_sign_int32", "test_leakyrelu", "test_where_example",
    "test_equal", "test_and2d", "test_cast_FLOAT_to_DOUBLE",
    "test_softmax_axis_1", "test_logsoftmax_axis_1",
    "test_reduce_mean_keepdims_example", "test_argmax_default_axis_example",
    "test_concat_3d_axis_1", "test_transpose_default", "test_flatten_axis0",
    "test_shape", "test_size", "test_gather_negative_indices",
    "test_layer_normalization_2d_axis0", "test_maxpool_2d_pads",
    "test_averagepool_2d_pads_count_include_pad", "test_globalaveragepool",
    "test_gather_elements_negative_indices", "test_tril",
    "test_conv_with_strides_padding", "test_batchnorm_example",
    "test_matmul_4d", "test_softplus_example",
    "test_cumsum_2d_axis_0", "test_top_k", "test_einsum_batch_matmul",
    "test_scatternd", "test_matmulinteger", "test_quantizelinear",
    "test_bitshift_right_uint8", "test_add_uint8",
    # Shapes given at run time.
    "test_reshape_negative_dim", "test_constantofshape_int_zeros",
    "test_expand_dim_unchanged", "test_expand_dim_changed",
    # Pad (pads given at run time), Selu, Shrink, Hardmax, InstanceNorm.
    "test_constant_pad", "test_reflect_pad", "test_edge_pad", "test_selu",
    "test_shrink_soft", "test_hardmax_axis_1", "test_instancenorm_example",
    "test_convtranspose_pads", "test_resize_upsample_scales_linear",
    "test_resize_downsample_scales_cubic_align_corners",
    "test_sce_mean_weight_ii", "test_nllloss_NCd1d2_with_weight_reduction_mean",
    # Axes, bounds, sizes and repeats given at run time; shapes folded.
    "test_unsqueeze_axis_0", "test_squeeze", "test_slice",
    "test_slice_neg_steps", "test_reduce_sum_do_not_keepdims_example",
    "test_split_variable_parts_2d", "test_tile",
    "test_layer_normalization_2d_axis_negative_1_expanded",
    # Recurrent ops.
    "test_gru_seq_length", "test_lstm_with_peepholes",
    # Indexed reads and writes, positional ops, normalizations, activations.
    "test_scatter_elements_with_duplicate_indices",
    "test_gathernd_example_int32_batch_dim1", "test_onehot_negative_indices",
    "test_depthtospace_crd_mode", "test_spacetodepth",
    "test_eyelike_with_dtype", "test_lrn", "test_mvn", "test_celu",
    "test_hardswish",
    # Training optimizers (a graph without a default-domain opset).
    "test_adagrad", "test_adam", "test_nesterov_momentum",
    # Refused cleanly: training mode and a string dtype.
    "test_training_dropout", "test_cast_STRING_to_FLOAT",
]


# Tests whose expected outputs do not follow their model, and why. Each
# was checked by hand against the op's definition.
INVALID_TEST_DATA = {
    "test_adam_multiple":
        "the expected outputs use epsilon 1e-2 (ONNX's generator passes it "
        "only to its reference), but the model leaves Adam's epsilon at the "
        "default 1e-6; Tern's X1_new is the definition's 0.75596 for it",
}


def run(cmd, timeout):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout}s"
    return proc.returncode, proc.stderr


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else ""


def classify_failure(rc, stderr):
    """A clean refusal exits 1 with an `error:` line; anything else crashed."""
    if rc is None:
        return "crash", stderr
    if rc == 1 and "error:" in stderr:
        return "unsupported", first_error(stderr)
    return "crash", f"exit {rc}: {first_error(stderr)}"


def compare(actual, expected, rtol, atol):
    if actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} != {expected.dtype}"
    if actual.shape != expected.shape:
        return f"shape {actual.shape} != {expected.shape}"
    if np.issubdtype(expected.dtype, np.floating):
        if not np.allclose(actual, expected, rtol=rtol, atol=atol,
                           equal_nan=True):
            worst = np.nanmax(np.abs(actual.astype(np.float64) - expected))
            return f"max abs error {worst:.3g}"
    elif not np.array_equal(actual, expected):
        return "values differ"
    return None


def run_test(test_dir, args):
    name = os.path.basename(test_dir)
    with tempfile.TemporaryDirectory(prefix="tern-conf-") as tmp:
        outcome = run_test_in(test_dir, name, tmp, args)
    # The table should not change with the name of a scratch directory.
    return outcome[:2] + (outcome[2].replace(tmp, "<tmp>"),)


def run_test_in(test_dir, name, tmp, args):
    library = os.path.join(tmp, "model.so")
    rc, stderr = run([args.ternc, os.path.join(test_dir, "model.onnx"),
                      "-o", library] + args.ternc_flag, args.timeout)
    if rc != 0:
        return (name,) + classify_failure(rc, stderr)

    model = onnx.load(os.path.join(test_dir, "model.onnx"),
                      load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input
              if i.name not in initializers]
    outputs = [o.name for o in model.graph.output]
    data_sets = sorted(glob.glob(os.path.join(test_dir,
                                              "test_data_set_*")))
    for data_set in data_sets:
        cmd = [args.tern_run, library, "--output-dir",
               os.path.join(tmp, "out")]
        for i, input_name in enumerate(inputs):
            tensor = onnx.TensorProto()
            with open(os.path.join(data_set, f"input_{i}.pb"), "rb") as f:
                tensor.ParseFromString(f.read())
            path = os.path.join(tmp, f"input_{i}.npy")
            np.save(path, numpy_helper.to_array(tensor))
            cmd += ["--input", f"{input_name}={path}"]
        rc, stderr = run(cmd, args.timeout)
        if rc != 0:
            return (name,) + classify_failure(rc, stderr)
        for i, output_name in enumerate(outputs):
            tensor = onnx.TensorProto()
            with open(os.path.join(data_set, f"output_{i}.pb"),
                      "rb") as f:
                tensor.ParseFromString(f.read())
            expected = numpy_helper.to_array(tensor)
            actual = np.load(os.path.join(tmp, "out",
                                          f"{output_name}.npy"))
            problem = compare(actual, expected, args.rtol, args.atol)
            if problem and name in INVALID_TEST_DATA:
                return (name, "invalid",
                        f"{problem}: {INVALID_TEST_DATA[name]}")
            if problem:
                return (name, "wrong",
                        f"{os.path.basename(data_set)} output "
                        f"'{output_name}': {problem}")
    return name, "pass", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build",
                        help="Tern build directory (holds bin/ternc)")
    parser.add_argument("--suite", default="node",
                        choices=sorted(SUITES) + SUITES["models"],
                        help="node (default), models (the three model "
                             "suites), or one model suite")
    parser.add_argument("--testdata",
                        help="a folder of tests instead of --suite")
    parser.add_argument("--filter", help="only tests whose name matches")
    parser.add_argument("--quick", action="store_true",
                        help="only the CI subset")
    parser.add_argument("--table", help="write the per-test table here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--ternc-flag", action="append", default=[],
                        help="pass this flag to ternc too (repeat for more),"
                             " e.g. --ternc-flag=--target=nvptx64-nvidia-cuda"
                             " --ternc-flag=--gpu-loops-on-host")
    args = parser.parse_args()
    args.ternc = os.path.join(args.build, "bin", "ternc")
    args.tern_run = os.path.join(args.build, "bin", "tern-run")

    folders = ([args.testdata] if args.testdata else
               [os.path.join(TESTDATA_ROOT, s)
                for s in SUITES.get(args.suite, [args.suite])])
    tests = sorted(d for folder in folders
                   for d in glob.glob(os.path.join(folder, "test_*"))
                   if os.path.isfile(os.path.join(d, "model.onnx")))
    if args.quick:
        tests = [t for t in tests if os.path.basename(t) in QUICK]
    if args.filter:
        tests = [t for t in tests
                 if re.search(args.filter, os.path.basename(t))]
    if not tests:
        sys.exit(f"no tests found under {', '.join(folders)}")

    def guarded(test):
        # A harness failure must not hide the other results.
        try:
            return run_test(test, args)
        except Exception as e:  # noqa: BLE001
            return os.path.basename(test), "crash", f"harness: {e}"

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(guarded, tests))

    counts = {k: 0 for k in ("pass", "wrong", "unsupported", "crash",
                             "invalid")}
    for _, outcome, _ in results:
        counts[outcome] += 1
    if args.table:
        with open(args.table, "w") as f:
            f.write("| Test | Outcome | Detail |\n|---|---|---|\n")
            for test, (name, outcome, detail) in zip(tests, results):
                detail = detail.replace("|", "\\|").replace("\n", " ")
                if len(folders) > 1:
                    name = f"{os.path.basename(os.path.dirname(test))}/{name}"
                f.write(f"| {name} | {outcome} | {detail} |\n")
    for name, outcome, detail in results:
        if outcome in ("wrong", "crash"):
            print(f"{outcome.upper()}: {name}: {detail}")
    invalid = f"  invalid: {counts['invalid']}" if counts["invalid"] else ""
    print(f"tests: {len(results)}  pass: {counts['pass']}  "
          f"wrong: {counts['wrong']}  unsupported: {counts['unsupported']}  "
          f"crash: {counts['crash']}{invalid}")
    sys.exit(1 if counts["wrong"] or counts["crash"] else 0)


if __name__ == "__main__":
    main()

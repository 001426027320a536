"""BitNet models from PyTorch through ONNX and ternc, against PyTorch."""

import json
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch

import tern
import tern.ort
from tern.export import WEIGHT_FORMS

IDS = np.array([[72, 101, 108, 108, 111, 44, 32, 119]], np.int64)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return tern.models.BitNet(tern.models.BitNetConfig.tiny()).eval()


def reference(model, ids):
    with torch.no_grad():
        return model(torch.from_numpy(ids))[0].numpy()


def assert_close_to_torch(logits, expected):
    """Fake-quant rounds activations (and latent weights) to a grid, so an
    ulp of difference in a scale, from another order of float operations,
    can move a value to the next step: the float outputs of PyTorch, ONNX
    Runtime and Tern then differ by a few 1e-3, never in the likeliest
    token. Bit-exact agreement is asserted where the arithmetic is the
    same (ONNX Runtime on ternary constants) or integer."""
    np.testing.assert_allclose(logits, expected, atol=2e-2)
    assert np.abs(logits - expected).mean() < 5e-3
    assert (logits.argmax(-1) == expected.argmax(-1)).all()


@pytest.mark.parametrize("form", WEIGHT_FORMS)
def test_every_weight_form_compiles_and_agrees(model, form, tmp_path):
    path = tern.export.export_onnx(model, str(tmp_path / f"{form}.onnx"),
                                   weight_form=form)
    ops = {n.op_type for n in onnx.load(path).graph.node}
    expected_op = {"qdq": "DequantizeLinear", "matmulnbits": "MatMulNBits"}
    if form in expected_op:
        assert expected_op[form] in ops
    # Every projection (7 per layer) becomes a ternary matmul.
    found = open(tern.compile(path, str(tmp_path / f"{form}.mlir"),
                              emit="tern")).read()
    assert found.count("tern.matmul") == 7 * model.config.layers
    session = tern.load(tern.compile(path, str(tmp_path / f"{form}.so")))
    assert [i.name for i in session.inputs] == ["input_ids"]
    assert session.inputs[0].shape == [-1, -1]
    assert session.inputs[0].dim_params == ["batch", "seq"]
    logits = session.run({"input_ids": IDS})["logits"]
    assert logits.shape == (1, IDS.shape[1], 256)
    assert_close_to_torch(logits, reference(model, IDS))
    # Another batch and length through the same library.
    ids = np.tile(IDS[:, :5], (3, 1))
    assert_close_to_torch(session.run({"input_ids": ids})["logits"],
                          reference(model, ids))


def bent_repeat_kv(hidden_states, n_rep, how="expand"):
    """repeat_kv as concatenated copies instead of expand, whatever the
    config asks for (BitNetConfig.repeat_kv="concat" writes it too)."""
    batch, heads, steps, dim = hidden_states.shape
    copies = torch.cat([hidden_states[:, :, None]] * n_rep, dim=2)
    return copies.reshape(batch, heads * n_rep, steps, dim)


@pytest.mark.parametrize("bent", [False, True])
def test_the_model_exports_naturally_and_bent_alike(model, bent, tmp_path,
                                                    monkeypatch):
    """tern.models writes rotate_half and repeat_kv as Hugging Face does
    (shape-derived slice bounds, expand); the export of that and of the
    forms the importer once needed both compile and agree with PyTorch,
    with the KV cache too."""
    if bent:
        # rotate_half as models.py wrote it before the importer folded
        # shape computations: a Python-int bound, so the slices export
        # constant.
        half = model.config.head_dim // 2
        monkeypatch.setattr(
            tern.models, "rotate_half",
            lambda x: torch.cat((-x[..., half:], x[..., :half]), dim=-1))
        monkeypatch.setattr(tern.models, "repeat_kv", bent_repeat_kv)
    path = tern.export.export_onnx(model, str(tmp_path / "m.onnx"),
                                   kv_cache=True)
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert ("Expand" in ops) != bent
    session = tern.load(tern.compile(path, str(tmp_path / "m.so")))
    feeds = {i.name: np.zeros((1, i.shape[1], 0, i.shape[3]), np.float32)
             for i in session.inputs[1:]}
    feeds["input_ids"] = IDS
    assert_close_to_torch(session.run(feeds)["logits"], reference(model, IDS))


def test_kv_cache_steps_match_full_recompute(model, tmp_path):
    path = tern.export.export_onnx(model, str(tmp_path / "kv.onnx"),
                                   kv_cache=True)
    session = tern.load(tern.compile(path, str(tmp_path / "kv.so")))
    c = model.config
    past_names = [i.name for i in session.inputs[1:]]
    feeds = {n: np.zeros((1, c.kv_heads, 0, c.head_dim), np.float32)
             for n in past_names}
    feeds["input_ids"] = IDS[:, :4]
    out = session.run(feeds)
    assert_close_to_torch(out["logits"], reference(model, IDS[:, :4]))
    for step in range(4, IDS.shape[1]):
        feeds = {n: out[n.replace("past", "present")] for n in past_names}
        feeds["input_ids"] = IDS[:, step:step + 1]
        out = session.run(feeds)
        assert out["present_key_0"].shape[2] == step + 1
        assert_close_to_torch(out["logits"][0, -1],
                              reference(model, IDS[:, :step + 1])[0, -1])


def test_integer_path_is_bit_exact(tmp_path):
    """A W1.58A8 layer: int8 activations and int32 accumulators equal
    numpy's bit for bit through tern.compile and tern.load."""
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    script = os.path.join(root, "test", "e2e", "Inputs", "bitnet_w158a8.py")
    subprocess.run([sys.executable, script, "--mlir", str(tmp_path / "l.mlir"),
                    "--input", str(tmp_path / "x.npy"), "--expected-prefix",
                    str(tmp_path / "e_"), "--rows", "4", "--k", "300",
                    "--n", "24"], check=True)
    session = tern.load(tern.compile(str(tmp_path / "l.mlir"),
                                     str(tmp_path / "l.so")))
    out = session.run({"x": np.load(tmp_path / "x.npy")})
    for name in ("q", "acc"):
        expected = np.load(tmp_path / f"e_{name}.npy")
        assert out[name].dtype == expected.dtype
        assert np.array_equal(out[name], expected)


def test_errors_are_exceptions(model, tmp_path):
    with pytest.raises(tern.CompileError, match="missing.onnx: cannot read"):
        tern.compile(str(tmp_path / "missing.onnx"))
    path = tern.export.export_onnx(model, str(tmp_path / "m.onnx"))
    with pytest.raises(tern.CompileError, match="unknown feature '\\+nope'"):
        tern.compile(path, str(tmp_path / "x.so"), mattr="+nope")
    session = tern.load(tern.compile(path, str(tmp_path / "m.so")))
    with pytest.raises(tern.RunError, match="expected dtype int64"):
        session.run({"input_ids": IDS.astype(np.int32)})
    with pytest.raises(tern.RunError, match="no input named 'ids'"):
        session.run({"ids": IDS})
    with pytest.raises(tern.RunError, match="'input_ids' is missing"):
        session.run({})


def require_ort():
    if not tern.ort.available():
        if os.environ.get("TERN_REQUIRE_ORT"):
            pytest.fail("TERN_REQUIRE_ORT is set but ONNX Runtime (npm "
                        "onnxruntime-node in build/ort) is missing")
        pytest.skip("ONNX Runtime is not installed")


@pytest.mark.parametrize("form", WEIGHT_FORMS)
def test_onnx_runtime_agrees_on_the_same_files(model, form, tmp_path):
    require_ort()
    path = tern.export.export_onnx(model, str(tmp_path / f"{form}.onnx"),
                                   weight_form=form)
    expected = tern.ort.run(path, {"input_ids": IDS})["logits"]
    assert_close_to_torch(expected, reference(model, IDS))
    session = tern.load(tern.compile(path, str(tmp_path / f"{form}.so")))
    logits = session.run({"input_ids": IDS})["logits"]
    if form == "fakequant":
        # Tern folds the weights' absmean at compile time, summing in
        # another order than ONNX Runtime does when it runs.
        assert_close_to_torch(logits, expected)
    else:
        np.testing.assert_allclose(logits, expected, atol=1e-5)


def test_generation_with_the_cache_gives_the_same_tokens(model, tmp_path):
    path = tern.export.export_onnx(model, str(tmp_path / "lm.onnx"),
                                   kv_cache=True)
    exe = tern.compile(path, str(tmp_path / "lm"), emit="exe")
    runs = {}
    for flags in ([], ["--no-cache"], ["--top-k", "4", "--seed", "5"],
                  ["--top-k", "4", "--seed", "5", "--no-cache"]):
        result = subprocess.run([exe, "--prompt", "The ", "--tokens", "24",
                                 *flags], capture_output=True, check=True)
        runs[tuple(flags)] = result.stdout
        assert result.stdout.startswith(b"The ")
        assert len(result.stdout) == len(b"The ") + 24 + 1
        assert b"tokens/s" in result.stderr
    assert runs[()] == runs[("--no-cache",)]
    assert (runs[("--top-k", "4", "--seed", "5")] ==
            runs[("--top-k", "4", "--seed", "5", "--no-cache")])
    # Greedy decoding is PyTorch's argmax, token by token.
    ids = list(b"The ")
    for _ in range(24):
        ids.append(int(reference(model, np.array([ids]))[0, -1].argmax()))
    assert runs[()] == bytes(ids) + b"\n"
    bad = subprocess.run([exe, "--tokens", "3"], capture_output=True)
    assert bad.returncode == 1
    assert b"give one of --prompt TEXT and --prompt-ids IDS" in bad.stderr


def test_the_shipped_example_generates_what_onnx_runtime_does(tmp_path):
    """examples/bitnet-tiny, compiled as the README does: its greedy tokens
    are ONNX Runtime's on the same file."""
    require_ort()
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    folder = os.path.join(root, "examples", "bitnet-tiny")
    model = os.path.join(folder, "bitnet_tiny.onnx")
    exe = tern.compile(model, str(tmp_path / "bitnet_tiny"), emit="exe")
    prompt, tokens = b"This License", 32
    result = subprocess.run([exe, "--prompt", prompt.decode(), "--tokens",
                             str(tokens)], capture_output=True, check=True)

    with open(os.path.join(folder, "training.json")) as f:
        config = tern.models.BitNetConfig(**json.load(f)["config"])
    expected = tern.ort.generate(model, list(prompt), tokens, config)
    assert result.stdout == prompt + bytes(expected["tokens"]) + b"\n"


def test_session_generate_matches_the_executable_and_onnx_runtime(tmp_path):
    """Session.generate on the shipped example (Tern's cache layout) gives
    the executable's and ONNX Runtime's greedy ids, with and without the
    cache; max_context stops the sequence."""
    require_ort()
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    folder = os.path.join(root, "examples", "bitnet-tiny")
    model = os.path.join(folder, "bitnet_tiny.onnx")
    session = tern.load(tern.compile(model, str(tmp_path / "tiny.so")))
    prompt, tokens = list(b"You may"), 20
    with open(os.path.join(folder, "training.json")) as f:
        config = tern.models.BitNetConfig(**json.load(f)["config"])
    expected = tern.ort.generate(model, prompt, tokens, config)["tokens"]
    assert session.generate(prompt, tokens) == expected
    assert session.generate(prompt, tokens, use_cache=False) == expected
    assert session.generate(prompt, tokens, max_context=10) == expected[:3]
    with pytest.raises(tern.RunError, match="exceed max_context"):
        session.generate(prompt, 4, max_context=3)


@pytest.mark.parametrize("layout,boundary", [
    ("optimum", []), ("genai", []),
    ("optimum", ["--io", "fp16", "--ids", "int32"]),
    ("genai", ["--io", "fp16", "--ids", "int32", "--batch", "static"])])
def test_session_generate_takes_the_optimum_and_genai_layouts(
        tmp_path, layout, boundary):
    """Decoders in Hugging Face Optimum's layout (input_ids,
    attention_mask, position_ids, past_key_values.<i>.key/value) and in ONNX
    Runtime GenAI's (no position_ids; GroupQueryAttention), with int64 or
    int32 ids and float32 or float16 caches and logits: greedy ids from
    Session.generate equal ONNX Runtime's on the same file."""
    require_ort()
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    subprocess.run([sys.executable, os.path.join(root, "bench",
                                                 "gen_bitnet_2b4t.py"),
                    "--form", "matmulnbits", "--head", "q4", "--tiny",
                    "--layers", "2", "--accuracy-level", "0",
                    "--layout", layout, *boundary, str(tmp_path / layout)],
                   check=True, capture_output=True)
    model = str(tmp_path / layout / "model.onnx")
    session = tern.load(tern.compile(model, str(tmp_path / "model.so")))
    found = session.language_model_layout()
    assert found["mask"] == "attention_mask"
    assert found["positions"] == (
        "position_ids" if layout == "optimum" else None)
    assert found["caches"][0][1] == "present.0.key"
    past = found["caches"][0][0]
    assert past.dtype is (np.float16 if "fp16" in boundary else np.float32)

    class Config:
        layers = len(found["caches"]) // 2
        kv_heads, head_dim = past.shape[1], past.shape[3]
    prompt = [5, 17, 42, 7]
    expected = tern.ort.generate(model, prompt, 12, Config,
                                 layout="optimum")["tokens"]
    assert session.generate(prompt, 12) == expected
    assert session.generate(prompt, 12, use_cache=False) == expected

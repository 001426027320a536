"""ONNX Runtime as an oracle: its npm package `onnxruntime-node` (bundled
CPU build), installed by scripts/install-deps.sh into build/ort, driven
through node (ort_run.js)."""

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

_SCRIPT = Path(__file__).with_name("ort_run.js")


def module_dir() -> Optional[str]:
    """The node_modules folder holding onnxruntime-node, or None."""
    root = Path(__file__).resolve().parents[2]
    candidates = [os.environ.get("TERN_ORT_DIR"),
                  str(Path(os.environ.get("TERN_BUILD_DIR", root / "build"))
                      / "ort" / "node_modules")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "onnxruntime-node").is_dir():
            return candidate
    return None


def available() -> bool:
    return module_dir() is not None and shutil.which("node") is not None


def _call(request: dict) -> dict:
    directory = module_dir()
    if directory is None or shutil.which("node") is None:
        raise RuntimeError("ONNX Runtime is not installed: run "
                           "scripts/install-deps.sh (npm onnxruntime-node)")
    env = dict(os.environ, NODE_PATH=directory)
    result = subprocess.run(["node", str(_SCRIPT)], input=json.dumps(request),
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError("ONNX Runtime failed: " + result.stderr.strip())
    return json.loads(result.stdout)


def run(model: str, feeds: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Runs `model` in ONNX Runtime on `feeds`."""
    request = {"mode": "run", "model": str(model), "feeds": {
        name: {"dtype": str(a.dtype), "shape": list(a.shape),
               "data": base64.b64encode(np.ascontiguousarray(a).tobytes())
               .decode()} for name, a in feeds.items()}}
    outputs = {}
    for name, t in _call(request)["outputs"].items():
        data = base64.b64decode(t["data"])
        outputs[name] = np.frombuffer(data, dtype=t["dtype"]).reshape(
            t["shape"]).copy()
    return outputs


def bench(model: str, feeds: Dict[str, np.ndarray], runs: int,
          threads: Optional[int] = None) -> List[float]:
    """Seconds of each of `runs` runs of `model` on `feeds` in ONNX Runtime
    with its graph optimizations on (the peer to beat, not the oracle), after
    one warm-up run."""
    request = {"mode": "bench", "model": str(model), "runs": runs,
               "threads": threads, "feeds": {
                   name: {"dtype": str(a.dtype), "shape": list(a.shape),
                          "data": base64.b64encode(
                              np.ascontiguousarray(a).tobytes()).decode()}
                   for name, a in feeds.items()}}
    return _call(request)["seconds"]


def generate(model: str, prompt: List[int], tokens: int, config,
             threads: Optional[int] = None, layout: str = "tern") -> dict:
    """Greedy generation with the KV cache in ONNX Runtime; returns
    {"tokens": [...], "seconds": total, "first_seconds": prompt step}.
    `layout` names the cache: "tern" (past_key_<i>) or "optimum"
    (past_key_values.<i>.key with attention_mask and position_ids)."""
    return _call({"mode": "generate", "model": str(model), "prompt": prompt,
                  "tokens": tokens, "kv_heads": config.kv_heads,
                  "head_dim": config.head_dim, "layers": config.layers,
                  "threads": threads, "layout": layout,
                  "dtypes": input_dtypes(model)})


def input_dtypes(model: str) -> Dict[str, str]:
    """Each graph input's element type as ONNX Runtime names it (int64,
    float16, ...): exports type the ids and caches differently."""
    import onnx
    graph = onnx.load(str(model), load_external_data=False).graph
    return {i.name: str(np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[
        i.type.tensor_type.elem_type])) for i in graph.input}


def version() -> str:
    """The onnxruntime-node version in use."""
    directory = module_dir()
    if directory is None:
        return "missing"
    with open(Path(directory) / "onnxruntime-node" / "package.json") as f:
        return json.load(f)["version"]

"""`tern.load`: a compiled model as a session, like ONNX Runtime's, over
the C API in include/tern/Runtime/TernModel.h (through ctypes)."""

import ctypes
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

MAX_RANK = 8

# TernDType -> numpy dtype.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.float16, 5: np.int8,
           6: np.int16, 7: np.int32, 8: np.int64, 9: np.bool_, 10: np.uint8,
           11: np.uint16, 12: np.uint32, 13: np.uint64}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}


class RunError(RuntimeError):
    """The model refused its inputs; the message is the runtime's."""


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("dim_params", ctypes.POINTER(ctypes.c_char_p))]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * MAX_RANK)]


@dataclass
class TensorSpec:
    name: str
    dtype: Optional[type]
    # -1 marks a dynamic dimension; dim_params names it where ONNX did.
    shape: List[int]
    dim_params: List[str]


class Session:
    """`run(feeds)` takes {input name: ndarray} and returns {output name:
    ndarray}; `inputs` and `outputs` give the signature."""

    def __init__(self, path: str):
        self.path = path
        self._lib = ctypes.CDLL(os.path.abspath(path))
        lib = self._lib
        lib.tern_model_create.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        lib.tern_model_create.restype = ctypes.c_int
        lib.tern_model_create_error.restype = ctypes.c_char_p
        lib.tern_model_destroy.argtypes = [ctypes.c_void_p]
        for fn in (lib.tern_model_num_inputs, lib.tern_model_num_outputs):
            fn.argtypes = [ctypes.c_void_p]
            fn.restype = ctypes.c_size_t
        for fn in (lib.tern_model_input_info, lib.tern_model_output_info):
            fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            fn.restype = ctypes.POINTER(_TensorInfo)
        lib.tern_model_run.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(_Tensor), ctypes.c_size_t,
            ctypes.POINTER(_Tensor), ctypes.c_size_t]
        lib.tern_model_run.restype = ctypes.c_int
        lib.tern_model_last_error.argtypes = [ctypes.c_void_p]
        lib.tern_model_last_error.restype = ctypes.c_char_p
        lib.tern_model_set_num_threads.argtypes = [ctypes.c_void_p,
                                                   ctypes.c_int32]
        lib.tern_model_set_num_threads.restype = ctypes.c_int
        lib.tern_tensor_release.argtypes = [ctypes.POINTER(_Tensor)]
        self._model = ctypes.c_void_p()
        if lib.tern_model_create(ctypes.byref(self._model)) != 0:
            raise RunError(lib.tern_model_create_error().decode())
        self.inputs = [self._spec(lib.tern_model_input_info(self._model, i))
                       for i in range(lib.tern_model_num_inputs(self._model))]
        self.outputs = [self._spec(lib.tern_model_output_info(self._model, i))
                        for i in range(lib.tern_model_num_outputs(self._model))]

    @staticmethod
    def _spec(info) -> TensorSpec:
        info = info.contents
        params = ([info.dim_params[d].decode() for d in range(info.rank)]
                  if info.dim_params else [""] * info.rank)
        return TensorSpec(info.name.decode(), _DTYPES.get(info.dtype),
                          [info.shape[d] for d in range(info.rank)], params)

    def set_num_threads(self, threads: int):
        if self._lib.tern_model_set_num_threads(self._model, threads) != 0:
            raise RunError(self._lib.tern_model_last_error(self._model)
                           .decode())

    def run(self, feeds: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        names = [spec.name for spec in self.inputs]
        unknown = set(feeds) - set(names)
        if unknown:
            raise RunError(f"the model has no input named "
                           f"'{sorted(unknown)[0]}' (inputs: {names})")
        arrays, inputs = [], (_Tensor * max(len(names), 1))()
        for i, spec in enumerate(self.inputs):
            if spec.name not in feeds:
                raise RunError(f"input '{spec.name}' is missing")
            array = np.ascontiguousarray(feeds[spec.name])
            if array.ndim > MAX_RANK:
                raise RunError(f"input '{spec.name}': rank {array.ndim} is "
                               f"over the limit of {MAX_RANK}")
            code = _CODES.get(array.dtype)
            if code is None:
                raise RunError(f"input '{spec.name}': dtype {array.dtype} "
                               "has no Tern equivalent")
            arrays.append(array)
            inputs[i].data = array.ctypes.data
            inputs[i].dtype = code
            inputs[i].rank = array.ndim
            for d, size in enumerate(array.shape):
                inputs[i].shape[d] = size
        outputs = (_Tensor * max(len(self.outputs), 1))()
        status = self._lib.tern_model_run(self._model, inputs, len(names),
                                          outputs, len(self.outputs))
        if status != 0:
            raise RunError(self._lib.tern_model_last_error(self._model)
                           .decode())
        results = {}
        for i, spec in enumerate(self.outputs):
            t = outputs[i]
            shape = tuple(t.shape[d] for d in range(t.rank))
            dtype = np.dtype(_DTYPES[t.dtype])
            count = int(np.prod(shape)) if shape else 1
            buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(
                t.data) if count else b""
            # One copy, straight from the model's buffer (which is released
            # next): a logits tensor of a prompt is tens of MB.
            results[spec.name] = np.frombuffer(
                buffer, dtype=dtype).reshape(shape).copy()
            self._lib.tern_tensor_release(ctypes.byref(t))
        return results

    def language_model_layout(self) -> Optional[dict]:
        """Where a causal language model's tensors are, when the session's
        signature is one the generator takes (tern/Runtime/LanguageModel.h:
        Tern's own, or Hugging Face Optimum's with attention_mask and
        position_ids, which ONNX Runtime GenAI's is without position_ids):
        {"mask": name or None, "positions": name or None,
        "caches": [(input, output), ...]}; None otherwise."""
        ins, outs = self.inputs, self.outputs
        # Exporters type ids int64 or int32, and caches and logits float32
        # or float16.
        def is_ids(spec):
            return spec.dtype in (np.int64, np.int32) and len(spec.shape) == 2

        def is_cache(spec):
            return (spec.dtype in (np.float32, np.float16) and
                    len(spec.shape) == 4 and spec.shape[1] >= 0 and
                    spec.shape[3] >= 0)
        if (len(ins) < 2 or len(outs) < 2 or ins[0].name != "input_ids" or
                not is_ids(ins[0]) or outs[0].name != "logits" or
                outs[0].dtype not in (np.float32, np.float16) or
                len(outs[0].shape) != 3):
            return None
        layout = {"mask": None, "positions": None, "caches": []}
        caches = []
        for spec in ins[1:]:
            if (spec.name == "attention_mask" and is_ids(spec) and
                    not layout["mask"]):
                layout["mask"] = spec.name
            elif (spec.name == "position_ids" and is_ids(spec) and
                  not layout["positions"]):
                layout["positions"] = spec.name
            elif is_cache(spec):
                caches.append(spec)
            else:
                return None
        if not caches or len(caches) != len(outs) - 1:
            return None
        for past, present in zip(caches, outs[1:]):
            if (not is_cache(present) or present.dtype is not past.dtype or
                    present.shape[1] != past.shape[1] or
                    present.shape[3] != past.shape[3]):
                return None
            layout["caches"].append((past, present.name))
        return layout

    def generate(self, prompt: List[int], tokens: int,
                 max_context: Optional[int] = None,
                 use_cache: bool = True) -> List[int]:
        """Greedy generation with the KV cache, as the `--emit=exe`
        generator does: returns the `tokens` new ids (fewer where the
        sequence reaches `max_context`). Raises RunError for a session that
        is not a causal language model."""
        layout = self.language_model_layout()
        if layout is None:
            raise RunError("the model is not a causal LM with a KV cache "
                           "(input_ids, past_*, optionally attention_mask "
                           "and position_ids; logits, present_*)")
        vocab = self.outputs[0].shape[2]
        if not prompt or any(not 0 <= t < vocab for t in prompt):
            raise RunError(f"the prompt must be token ids from 0 to "
                           f"{vocab - 1}")
        if max_context is not None and len(prompt) > max_context:
            raise RunError(f"the prompt's {len(prompt)} tokens exceed "
                           f"max_context {max_context}")
        sequence = list(prompt)
        dtypes = {spec.name: spec.dtype for spec in self.inputs}
        caches = {}
        generated = []
        for step in range(tokens):
            if max_context is not None and len(sequence) >= max_context:
                break
            first = len(sequence) - 1 if step > 0 and use_cache else 0
            feeds = {"input_ids": np.array([sequence[first:]],
                                           dtypes["input_ids"])}
            if layout["mask"]:
                feeds[layout["mask"]] = np.ones((1, len(sequence)),
                                                dtypes[layout["mask"]])
            if layout["positions"]:
                feeds[layout["positions"]] = np.arange(
                    first, len(sequence),
                    dtype=dtypes[layout["positions"]])[None]
            for past, _ in layout["caches"]:
                feeds[past.name] = caches[past.name] if first else np.zeros(
                    (1, past.shape[1], 0, past.shape[3]), past.dtype)
            results = self.run(feeds)
            token = int(results["logits"][0, -1].argmax())
            sequence.append(token)
            generated.append(token)
            for past, present in layout["caches"]:
                caches[past.name] = results[present]
        return generated

    def __del__(self):
        if getattr(self, "_model", None):
            self._lib.tern_model_destroy(self._model)
            self._model = None


def load(path: str) -> Session:
    """Opens a library `ternc` compiled (or `tern.compile` returned)."""
    return Session(path)

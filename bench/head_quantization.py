#!/usr/bin/env python3
"""What `ternc --quantize-head` costs in accuracy on the bundled example.

Compiles examples/bitnet-tiny twice, as it is and with its float LM head and
embedding stored as int8 per channel, runs both over the held-out 5% of the
training text in the windows train.py evaluates (96 bytes, no cache) and
prints the validation loss of each and how often their top-1 predictions
agree. Writes WORK/head_quantization.json.

    /usr/bin/python3 bench/head_quantization.py /tmp/headq
"""

import argparse
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import tern  # noqa: E402

EXAMPLE = ROOT / "examples" / "bitnet-tiny"


def load_validation_text():
    """The held-out bytes, split as train.py splits them."""
    spec = importlib.util.spec_from_file_location("bitnet_tiny_train",
                                                  EXAMPLE / "train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    data = train.load_corpus()
    return data[int(len(data) * 0.95):]


def window_logits(session, window):
    feeds = {"input_ids": window[None].astype(np.int64)}
    for spec in session.inputs[1:]:
        feeds[spec.name] = np.zeros((1, spec.shape[1], 0, spec.shape[3]),
                                    np.float32)
    return session.run(feeds)["logits"][0].astype(np.float64)


def cross_entropy(logits, targets):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_norm - shifted[np.arange(len(targets)),
                                            targets]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--context", type=int, default=96)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model = str(EXAMPLE / "bitnet_tiny.onnx")
    sessions = {
        "float": tern.runtime.load(tern.compile(
            model, str(args.work / "float.so"))),
        "int8": tern.runtime.load(tern.compile(
            model, str(args.work / "int8.so"), quantize_head=True)),
    }
    data = load_validation_text()
    losses = {name: [] for name in sessions}
    agree = total = 0
    for start in range(0, len(data) - args.context - 1, args.context):
        window = data[start:start + args.context + 1].astype(np.int64)
        logits = {name: window_logits(s, window[:-1])
                  for name, s in sessions.items()}
        for name, value in logits.items():
            losses[name].append(cross_entropy(value, window[1:]))
        agree += int(np.sum(logits["float"].argmax(1) ==
                            logits["int8"].argmax(1)))
        total += args.context
    report = {
        "validation_bytes": int(len(data)),
        "positions": total,
        "validation_loss_float": float(np.mean(losses["float"])),
        "validation_loss_int8": float(np.mean(losses["int8"])),
        "top1_agreement": agree / total,
    }
    for name in ("float", "int8"):
        loss = report[f"validation_loss_{name}"]
        print(f"{name:>5} head and embedding: validation loss {loss:.4f} "
              f"nats/byte ({loss / math.log(2):.4f} bits/byte)")
    print(f"top-1 agreement: {agree} of {total} positions "
          f"({100 * report['top1_agreement']:.2f}%)")
    (args.work / "head_quantization.json").write_text(
        json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

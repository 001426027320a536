#!/usr/bin/env python3
"""Trains the bundled example: a small BitNet b1.58 decoder (W1.58A8
BitLinear everywhere, byte vocabulary) on the license texts every Debian
system ships in /usr/share/common-licenses, then exports it to ONNX with
a KV cache.

    /usr/bin/python3 examples/bitnet-tiny/train.py [--steps N] [--out DIR]

Writes DIR/bitnet_tiny.onnx (latent weights through the absmean
fake-quant, with KV-cache inputs and outputs) and DIR/training.json (the
configuration and the measured losses)."""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "python"))
import tern  # noqa: E402

CONFIG = tern.models.BitNetConfig(vocab_size=256, hidden=128, ffn=352,
                                  layers=4, heads=4, kv_heads=2)


def load_corpus():
    folder = "/usr/share/common-licenses"
    seen, texts = set(), []
    for name in sorted(os.listdir(folder)):
        path = os.path.realpath(os.path.join(folder, name))
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        with open(path, "rb") as f:
            texts.append(f.read())
    return np.frombuffer(b"\n\n".join(texts), dtype=np.uint8)


def batches(data, batch, context, generator):
    starts = torch.randint(0, len(data) - context - 1, (batch,),
                           generator=generator)
    rows = np.stack([data[s:s + context + 1] for s in starts.tolist()])
    rows = torch.from_numpy(rows.astype(np.int64))
    return rows[:, :-1], rows[:, 1:]


def evaluate(model, data, context):
    """Mean cross-entropy (nats per byte) over consecutive windows."""
    model.eval()
    losses = []
    with torch.no_grad():
        for start in range(0, len(data) - context - 1, context):
            window = torch.from_numpy(
                data[start:start + context + 1].astype(np.int64))[None]
            logits, _ = model(window[:, :-1])
            losses.append(torch.nn.functional.cross_entropy(
                logits[0], window[0, 1:]).item())
    model.train()
    return float(np.mean(losses))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--context", type=int, default=96)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.dirname(__file__))
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    data = load_corpus()
    split = int(len(data) * 0.95)
    train, valid = data[:split], data[split:]
    model = tern.models.BitNet(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr,
                                  weight_decay=0.01)
    generator = torch.Generator().manual_seed(args.seed)
    start, log = time.time(), []
    for step in range(1, args.steps + 1):
        # Cosine decay after a short warm-up.
        lr = args.lr * min(1.0, step / 100) * 0.5 * (
            1 + math.cos(math.pi * step / args.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = batches(train, args.batch, args.context, generator)
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, CONFIG.vocab_size), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0 or step == args.steps:
            log.append({"step": step, "train_loss": round(loss.item(), 4)})
            print(f"step {step}: train loss {loss.item():.3f} "
                  f"({time.time() - start:.0f} s)", flush=True)
    valid_loss = evaluate(model, valid, args.context)
    print(f"validation loss {valid_loss:.3f} nats/byte "
          f"({valid_loss / math.log(2):.3f} bits/byte)")
    model.eval()
    tern.export.export_onnx(model, os.path.join(args.out, "bitnet_tiny.onnx"),
                            kv_cache=True)
    parameters = sum(p.numel() for p in model.parameters())
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"config": CONFIG.__dict__, "parameters": parameters,
                   "corpus": "/usr/share/common-licenses (base-files)",
                   "corpus_bytes": int(len(data)), "steps": args.steps,
                   "batch": args.batch, "context": args.context,
                   "lr": args.lr, "seed": args.seed,
                   "seconds": round(time.time() - start, 1),
                   "validation_loss_nats_per_byte": round(valid_loss, 4),
                   "log": log}, f, indent=1)


if __name__ == "__main__":
    main()

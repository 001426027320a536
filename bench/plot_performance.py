#!/usr/bin/env python3
"""Draws docs/Performance.md's plots from bench/e2e_vs_ort.py's e2e.json
(matplotlib, Debian's python3-matplotlib):

- speedup.png: Tern's speed over ONNX Runtime's for every end-to-end
  workload, with the goals marked;
- bandwidth.png: the memory-bound kernels' bytes per second as a fraction
  of the read bandwidth measured in the same run (float GEMV, the ternary
  GEMVs packed i2 and tq1, the 2B4T-shaped decode step).

    /usr/bin/python3 bench/plot_performance.py WORK/e2e.json [--out docs/images]
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def speedups(report):
    """(label, speedup, goal) for every workload the report holds."""
    rows = []
    if "bitnet_2b4t" in report:
        r = report["bitnet_2b4t"]
        rows.append(("2B4T decode", r["decode_speedup"], 1.5))
        for length, p in r["prefill"].items():
            rows.append((f"2B4T prefill {length}", p["speedup"],
                         1.5 if length == "64" else None))
    if "example" in report:
        rows.append(("bundled example", report["example"]["speedup"], 1.0))
    for name, r in report.get("cnn", {}).items():
        rows.append((name, r["speedup"], 0.5))
    for m, r in report.get("float_matmul", {}).items():
        if isinstance(r, dict):
            rows.append((f"fp32 MatMul {m}", r["speedup"], None))
    return rows


def plot_speedups(report, path):
    rows = speedups(report)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    labels = [r[0] for r in rows]
    values = [r[1] for r in rows]
    bars = ax.barh(labels, values, color="#4c72b0")
    for i, (_, value, goal) in enumerate(rows):
        ax.text(value, i, f" {value:.2f}x", va="center")
        if goal:
            ax.plot([goal, goal], [i - 0.4, i + 0.4], color="#c44e52", lw=2)
    ax.axvline(1.0, color="gray", lw=0.8, ls="--")
    ax.invert_yaxis()
    ax.set_xlabel("speed over ONNX Runtime 1.30 (higher is better; red: goal)")
    ax.set_title(f"Tern vs ONNX Runtime, same .onnx, {report['threads']} "
                 f"threads, medians of {report['runs']}")
    ax.set_xlim(0, max(values + [1.6]) * 1.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return bars


def plot_bandwidth(report, path):
    bandwidth = report["read_bandwidth_bytes_per_s"]
    rows = []
    if "float_matmul" in report:
        rows.append(("fp32 GEMV (weights)", report["float_matmul"]["m1"][
            "weight_bytes_fraction_of_bandwidth"]))
    for pack in ("i2", "tq1"):
        r = report.get("ternary_matmul", {}).get(f"{pack}_m1")
        if r:
            rows.append((f"ternary GEMV {pack} (packed weights)",
                         r["packed_bytes_fraction_of_bandwidth"]))
    if "bitnet_2b4t" in report:
        rows.append(("2B4T decode step", report["bitnet_2b4t"][
            "bytes_per_token_fraction_of_bandwidth"]))
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(rows) + 1.2))
    ax.barh([r[0] for r in rows], [100 * r[1] for r in rows],
            color="#55a868")
    for i, (_, value) in enumerate(rows):
        ax.text(100 * value, i, f" {100 * value:.0f}%", va="center")
    ax.axvline(100, color="gray", lw=0.8, ls="--")
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xlabel(f"% of the read bandwidth measured in the run "
                  f"({bandwidth / 1e9:.1f} GB/s)")
    ax.set_title("Memory-bound work: bytes read per second")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] /
                        "docs" / "images")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    plot_speedups(report, args.out / "speedup.png")
    plot_bandwidth(report, args.out / "bandwidth.png")
    print(f"wrote {args.out / 'speedup.png'} and {args.out / 'bandwidth.png'}")


if __name__ == "__main__":
    main()

"""A BitNet b1.58 decoder: RMSNorm with sub-norms before the attention
output and FFN down projections, a gated squared-ReLU FFN, RoPE and
grouped-query attention, every projection a `BitLinear`. Configurable from
a toy up to BitNet b1.58 2B4T's shape; it can take and return a KV cache."""

from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch

from tern.nn import BitLinear, RMSNorm


@dataclass
class BitNetConfig:
    vocab_size: int = 256
    hidden: int = 128
    ffn: int = 256
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    tie_embeddings: bool = True
    # How the attention repeats the KV heads for the query heads, written
    # the ways modeling code in the wild writes it (see repeat_kv): the
    # exports differ, the model does not.
    repeat_kv: str = "expand"

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @staticmethod
    def tiny() -> "BitNetConfig":
        """A few-hundred-kilobyte model for tests, byte vocabulary."""
        return BitNetConfig(vocab_size=256, hidden=64, ffn=128, layers=2,
                            heads=4, kv_heads=2)

    @staticmethod
    def b1_58_2b4t() -> "BitNetConfig":
        """BitNet b1.58 2B4T's shape (see ../shared/anchors.md)."""
        return BitNetConfig(vocab_size=128256, hidden=2560, ffn=6912,
                            layers=30, heads=20, kv_heads=5,
                            rope_theta=500000.0, norm_eps=1e-5)


def rotate_half(x):
    """Hugging Face's: the halves of the last dimension, swapped, the first
    negated. The export computes the bounds from the shape; the importer
    folds them."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


REPEAT_KV = ("expand", "tile", "interleave", "concat")


def repeat_kv(hidden_states, n_rep: int, how: str = "expand"):
    """[B, KV, T, D] -> [B, KV * n_rep, T, D], each KV head serving n_rep
    query heads, written as
      expand      Hugging Face's: an expand, then a reshape (ONNX: Expand)
      tile        x[:, :, None].repeat(1, 1, n_rep, 1, 1), then a reshape
                  (ONNX: Tile)
      interleave  torch.repeat_interleave(x, n_rep, dim=1)
      concat      torch.cat of n_rep copies on a new axis, then a reshape"""
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    if how == "interleave":
        return torch.repeat_interleave(hidden_states, n_rep, dim=1)
    unsqueezed = hidden_states[:, :, None, :, :]
    if how == "expand":
        hidden_states = unsqueezed.expand(batch, num_key_value_heads, n_rep,
                                          slen, head_dim)
    elif how == "tile":
        hidden_states = unsqueezed.repeat(1, 1, n_rep, 1, 1)
    elif how == "concat":
        hidden_states = torch.cat([unsqueezed] * n_rep, dim=2)
    else:
        raise ValueError(f"repeat_kv must be one of {REPEAT_KV}, not {how}")
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen,
                                 head_dim)


def rope(x, positions, theta: float, dim: int):
    """Rotary embeddings on [B, H, T, dim] at `positions` [T] (halves
    form)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float32)
                                / dim))
    angles = positions.to(torch.float32)[:, None] * inv_freq[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    return x * angles.cos() + rotate_half(x) * angles.sin()


class Attention(torch.nn.Module):
    def __init__(self, config: BitNetConfig):
        super().__init__()
        self.config = config
        c = config
        self.q_proj = BitLinear(c.hidden, c.heads * c.head_dim)
        self.k_proj = BitLinear(c.hidden, c.kv_heads * c.head_dim)
        self.v_proj = BitLinear(c.hidden, c.kv_heads * c.head_dim)
        self.attn_sub_norm = RMSNorm(c.heads * c.head_dim, c.norm_eps)
        self.o_proj = BitLinear(c.heads * c.head_dim, c.hidden)

    def forward(self, x, past: Optional[Tuple[torch.Tensor, torch.Tensor]]):
        c = self.config
        batch, steps = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(batch, steps, c.heads, c.head_dim)
        k = self.k_proj(x).view(batch, steps, c.kv_heads, c.head_dim)
        v = self.v_proj(x).view(batch, steps, c.kv_heads, c.head_dim)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        past_len = past[0].shape[2] if past is not None else 0
        positions = torch.arange(steps) + past_len
        q = rope(q, positions, c.rope_theta, c.head_dim)
        k = rope(k, positions, c.rope_theta, c.head_dim)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        present = (k, v)
        total = k.shape[2]
        # Grouped-query attention: each KV head serves heads / kv_heads
        # query heads.
        k = repeat_kv(k, c.heads // c.kv_heads, c.repeat_kv)
        v = repeat_kv(v, c.heads // c.kv_heads, c.repeat_kv)
        scores = q @ k.transpose(2, 3) / (c.head_dim ** 0.5)
        # Query i (at position past_len + i) sees keys 0 .. past_len + i.
        future = torch.arange(total)[None, :] > positions[:, None]
        scores = scores.masked_fill(future, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        out = out.transpose(1, 2).reshape(batch, steps, c.heads * c.head_dim)
        return self.o_proj(self.attn_sub_norm(out)), present


class FeedForward(torch.nn.Module):
    def __init__(self, config: BitNetConfig):
        super().__init__()
        c = config
        self.gate_proj = BitLinear(c.hidden, c.ffn)
        self.up_proj = BitLinear(c.hidden, c.ffn)
        self.ffn_sub_norm = RMSNorm(c.ffn, c.norm_eps)
        self.down_proj = BitLinear(c.ffn, c.hidden)

    def forward(self, x):
        hidden = torch.relu(self.gate_proj(x)).pow(2) * self.up_proj(x)
        return self.down_proj(self.ffn_sub_norm(hidden))


class Block(torch.nn.Module):
    def __init__(self, config: BitNetConfig):
        super().__init__()
        self.input_norm = RMSNorm(config.hidden, config.norm_eps)
        self.attn = Attention(config)
        self.post_attn_norm = RMSNorm(config.hidden, config.norm_eps)
        self.ffn = FeedForward(config)

    def forward(self, x, past):
        attn, present = self.attn(self.input_norm(x), past)
        x = x + attn
        return x + self.ffn(self.post_attn_norm(x)), present


class BitNet(torch.nn.Module):
    """`forward(input_ids, past)` returns (logits, present): `past` and
    `present` are per-layer (keys, values) of [B, kv_heads, T, head_dim],
    or None without a cache."""

    def __init__(self, config: BitNetConfig):
        super().__init__()
        self.config = config
        self.embed = torch.nn.Embedding(config.vocab_size, config.hidden)
        self.blocks = torch.nn.ModuleList(
            Block(config) for _ in range(config.layers))
        self.norm = RMSNorm(config.hidden, config.norm_eps)
        self.lm_head = torch.nn.Linear(config.hidden, config.vocab_size,
                                       bias=False)
        # Small embeddings: tied to the output head, they set the scale of
        # the first logits.
        torch.nn.init.normal_(self.embed.weight, std=0.02)
        if config.tie_embeddings:
            self.lm_head.weight = self.embed.weight

    def forward(self, input_ids,
                past: Optional[List[Tuple[torch.Tensor, torch.Tensor]]] = None):
        x = self.embed(input_ids)
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, past[i] if past is not None else None)
            presents.append(present)
        return self.lm_head(self.norm(x)), presents

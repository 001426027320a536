"""BitNet b1.58 layers: ternary weights by the absmean rule, per-token
absmax int8 activations, and a straight-through estimator for training."""

import torch


def absmean_ternarize(weight: torch.Tensor, eps: float = 1e-5):
    """Returns (ternary codes in {-1, 0, 1}, scale): W ~ codes * scale with
    scale = mean(|W|), per tensor, as BitNet b1.58 trains them."""
    scale = weight.abs().mean().clamp(min=eps)
    codes = (weight / scale).round().clamp(-1, 1)
    return codes, scale


def absmax_quantize(x: torch.Tensor, eps: float = 1e-5):
    """Per-token int8 activations: returns (x * s rounded and clipped to
    [-128, 127], s) with s = 127 / max|x| over the last dimension."""
    scale = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=eps)
    return (x * scale).round().clamp(-128, 127), scale


class BitLinear(torch.nn.Linear):
    """A linear layer with ternary weights and int8 activations (W1.58A8).

    Training keeps latent float weights; the forward pass uses their
    absmean ternarization and the activations' absmax quantization, with
    gradients passed straight through both roundings (STE). The exported
    graph is the same fake-quant chain, which `tern-ternarize` and
    `tern-quantize-acts` recognise."""

    def __init__(self, in_features: int, out_features: int, bias=False):
        super().__init__(in_features, out_features, bias=bias)

    def quantized_weight(self):
        codes, scale = absmean_ternarize(self.weight)
        return codes * scale

    def forward(self, x):
        w = self.weight
        wq = self.quantized_weight()
        xq, s = absmax_quantize(x)
        xq = xq / s
        if self.training:
            # Straight-through: the rounding's gradient is the identity.
            w = w + (wq - w).detach()
            x = x + (xq - x).detach()
        else:
            w, x = wq, xq
        return torch.nn.functional.linear(x, w, self.bias)


class RMSNorm(torch.nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(variance + self.eps) * self.weight

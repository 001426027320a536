"""BitLinear: absmean ternary weights, absmax int8 activations, STE."""

import torch

from tern.nn import BitLinear, absmax_quantize, absmean_ternarize


def test_absmean_gives_ternary_codes_and_mean_scale():
    w = torch.tensor([[0.9, -0.05, -1.3], [0.2, 0.0, 0.6]])
    codes, scale = absmean_ternarize(w)
    assert torch.isclose(scale, w.abs().mean())
    assert set(codes.unique().tolist()) <= {-1.0, 0.0, 1.0}
    # 0.9 / 0.508 rounds to 2, clipped to 1; -0.05 / 0.508 rounds to 0.
    assert codes.tolist() == [[1.0, 0.0, -1.0], [0.0, 0.0, 1.0]]


def test_absmax_quantizes_per_token_to_int8():
    x = torch.tensor([[0.5, -1.0, 0.25], [4.0, 2.0, -3.0]])
    q, s = absmax_quantize(x)
    assert q.tolist() == [[64.0, -127.0, 32.0], [127.0, 64.0, -95.0]]
    assert torch.allclose(s.squeeze(1), torch.tensor([127.0, 127.0 / 4]))


def test_eval_forward_is_the_fake_quantized_product():
    torch.manual_seed(1)
    layer = BitLinear(16, 8).eval()
    x = torch.randn(3, 16)
    codes, scale = absmean_ternarize(layer.weight)
    q, s = absmax_quantize(x)
    expected = (q / s) @ (codes * scale).T
    assert torch.allclose(layer(x), expected, atol=1e-6)


def test_straight_through_gradients_reach_the_latent_weights():
    torch.manual_seed(2)
    layer = BitLinear(16, 8).train()
    x = torch.randn(4, 16, requires_grad=True)
    layer(x).sum().backward()
    # The rounding passes gradients through unchanged: d/dW of sum(x W^T)
    # (on the quantized x) is the column sums of quantized x.
    q, s = absmax_quantize(x.detach())
    assert torch.allclose(layer.weight.grad,
                          (q / s).sum(0).expand(8, 16), atol=1e-5)
    assert x.grad is not None and torch.isfinite(x.grad).all()

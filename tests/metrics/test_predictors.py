import math

import torch
from torch.testing import assert_close

from razorbench.metrics.predictors import effective_rank, linear_cka, weight_change


def test_effective_rank_brute_force():
    g = torch.Generator().manual_seed(0)
    m = torch.randn(5, 3, generator=g, dtype=torch.float64)
    s = torch.linalg.svd(m).S.tolist()
    p = [v / sum(s) for v in s]
    expected = math.exp(-sum(q * math.log(q) for q in p))
    assert abs(effective_rank(m) - expected) < 1e-9
    assert effective_rank(torch.zeros(3, 3)) == 0.0


def test_weight_change_matches_hand_computation():
    base = torch.nn.Linear(3, 2)
    tuned = torch.nn.Linear(3, 2)
    with torch.no_grad():
        base.weight.fill_(1.0), base.bias.fill_(0.0)
        tuned.weight.copy_(torch.ones(2, 3) + torch.tensor([[1.0, 0, 0], [0, 0, 0]]))  # rank-1 update of norm 1
        tuned.bias.copy_(torch.tensor([0.0, 2.0]))
    out = weight_change(base, tuned)
    assert abs(out["weight_l2"] - math.sqrt(1 + 4)) < 1e-9
    assert abs(out["weight_relative_l2"] - math.sqrt(5) / math.sqrt(6)) < 1e-9
    assert abs(out["update_effective_rank"] - 1.0) < 1e-9


def cka_via_hsic(x, y):
    """CKA through centred Gram matrices: tr(KHLH) / sqrt(tr(KHKH) tr(LHLH)), an independent formula."""
    x, y = x.double(), y.double()
    n = x.shape[0]
    h = torch.eye(n, dtype=torch.float64) - torch.full((n, n), 1.0 / n, dtype=torch.float64)
    k, l_ = x @ x.T, y @ y.T
    hsic = lambda a, b: torch.trace(a @ h @ b @ h)  # noqa: E731
    return float(hsic(k, l_) / torch.sqrt(hsic(k, k) * hsic(l_, l_)))


def test_linear_cka_against_hsic_form_and_invariances():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(20, 4, generator=g)
    y = torch.randn(20, 6, generator=g)
    assert abs(linear_cka(x, y) - cka_via_hsic(x, y)) < 1e-9
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=g))
    assert abs(linear_cka(x, 3.0 * x @ q + 1.0) - 1.0) < 1e-9  # rotation, scale and shift leave it at 1
    assert_close(torch.tensor(linear_cka(x, x)), torch.tensor(1.0), atol=1e-9, rtol=0)

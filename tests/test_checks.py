"""Every exercise check passes the library's implementation, fails plausible wrong ones with a
message that names the mistake, reports an untouched stub as not implemented, and answers fast."""

import time

import pytest
import torch

import toy_lib as tl
from toy_lib import checks


def stub(*args, **kwargs):
    raise NotImplementedError


def sparse_where(active_if, value):
    """A sparse_batch built from one uniform draw per entry."""

    def fn(probability, batch_size, *, generator):
        n_instances, n_features = probability.shape
        u = torch.rand(n_instances, batch_size, n_features, generator=generator)
        p = probability.unsqueeze(1)
        return torch.where(active_if(u, p), value(u, p), torch.zeros(()))

    return fn


def sparse_without_generator(probability, batch_size, *, generator):
    u = torch.rand(probability.shape[0], batch_size, probability.shape[1])
    p = probability.unsqueeze(1)
    return torch.where(u < p, u / p, torch.zeros(()))


def sparse_shared_draw(probability, batch_size, *, generator):
    u = torch.rand(probability.shape[0], batch_size, 1, generator=generator)
    p = probability.unsqueeze(1)
    return torch.where(u < p, u / p, torch.zeros(()))


def sparse_first_instance_only(probability, batch_size, *, generator):
    return tl.generate_batch(
        probability[:1].expand_as(probability), batch_size, generator=generator
    )


def sparse_no_instances(probability, batch_size, *, generator):
    return tl.generate_batch(probability, batch_size, generator=generator)[0]


def forward_hidden_wrong_way(W, b, x):
    return torch.relu(x @ W.transpose(1, 2) @ W.transpose(1, 2) + b.unsqueeze(1))


def forward_in_place(W, b, x):
    x += 0
    x.mul_(1.0)
    x[..., 0] = 0.0
    return tl.models.tied_forward(W, b, x)


def loss_mean_over_instances(x, x_hat, importance):
    return tl.models.weighted_loss(x, x_hat, importance).mean()


def dimensionality_nan_for_dropped(W):
    norms = W.norm(dim=-2)
    M = (W / norms.unsqueeze(-2)).transpose(-1, -2) @ W
    return norms**2 / (M**2).sum(-1)


def dimensionality_norm_not_squared(W):
    norms = W.norm(dim=-2)
    D = tl.feature_dimensionality(W)
    return torch.where(norms > 0, D / norms.clamp_min(1e-12), D)


def dimensionality_wrong_axis(W):
    return W.norm(dim=-1) ** 2


def dimensionality_off_by_two(W):
    return 2 * tl.feature_dimensionality(W)


CASES = {
    "sparse_batch": (
        checks.check_sparse_batch,
        tl.generate_batch,
        [
            (sparse_where(lambda u, p: u < 1 - p, lambda u, p: u / (1 - p)), "probability 1 − p"),
            (
                sparse_where(lambda u, p: u >= p, lambda u, p: (u - p) / (1 - p)),
                "probability 1 − p",
            ),
            (sparse_where(lambda u, p: u < p, lambda u, p: u), "lie below p"),
            (
                sparse_where(lambda u, p: u < p, lambda u, p: torch.ones_like(u)),
                "every active value is 1",
            ),
            (sparse_without_generator, "seeded alike gave different batches"),
            (sparse_shared_draw, "active together"),
            (sparse_first_instance_only, "each instance has its own densities"),
            (sparse_no_instances, "expected (3, 40000, 4)"),
        ],
    ),
    "forward": (
        checks.check_forward,
        tl.models.tied_forward,
        [
            (lambda W, b, x: x @ W.transpose(1, 2) @ W + b.unsqueeze(1), "apply the ReLU"),
            (lambda W, b, x: torch.relu(x @ W.transpose(1, 2) @ W), "bias b is missing"),
            (
                lambda W, b, x: torch.relu(x @ W.transpose(1, 2) @ W) + b.unsqueeze(1),
                "after the ReLU",
            ),
            (
                lambda W, b, x: torch.relu(torch.relu(x @ W.transpose(1, 2)) @ W + b.unsqueeze(1)),
                "ReLU on the hidden layer",
            ),
            (forward_hidden_wrong_way, "raised RuntimeError"),
            (forward_in_place, "changed one of its inputs in place"),
            (
                lambda W, b, x: torch.relu(x @ W.transpose(1, 2) @ W + b.unsqueeze(1))[0],
                "expected (1, 7, 5)",
            ),
        ],
    ),
    "weighted_loss": (
        checks.check_weighted_loss,
        tl.models.weighted_loss,
        [
            (lambda x, y, imp: ((x - y) ** 2).sum(-1).mean(-1), "importance weights are missing"),
            (
                lambda x, y, imp: (imp.unsqueeze(1) * (x - y) ** 2).mean(-1).mean(-1),
                "averaged over features",
            ),
            (
                lambda x, y, imp: (imp.unsqueeze(1) * (x - y) ** 2).sum(-1).sum(-1),
                "summed over the batch",
            ),
            (lambda x, y, imp: (imp.unsqueeze(1) * (x - y).abs()).sum(-1).mean(-1), "not squared"),
            (
                lambda x, y, imp: ((imp.unsqueeze(1) * (x - y)) ** 2).sum(-1).mean(-1),
                "importance is squared",
            ),
            (loss_mean_over_instances, "one loss per instance"),
            (lambda x, y, imp: 0.5 * tl.models.weighted_loss(x, y, imp), "0.5 times the expected"),
        ],
    ),
    "feature_dimensionality": (
        checks.check_feature_dimensionality,
        tl.feature_dimensionality,
        [
            (dimensionality_nan_for_dropped, "instead of 0"),
            (
                lambda W: (
                    W.norm(dim=-2) ** 2
                    / ((checks._unit(W).transpose(-1, -2) @ checks._unit(W)) ** 2)
                    .sum(-1)
                    .clamp_min(1e-12)
                ),
                "both vectors are normalised",
            ),
            (dimensionality_norm_not_squared, "numerator is ‖W_i‖"),
            (dimensionality_wrong_axis, "expected (1, 5)"),
            (dimensionality_off_by_two, "2 times the expected"),
        ],
    ),
}


def relu_of_weights(W, b, x):
    return torch.relu(torch.relu(x @ torch.relu(W).transpose(1, 2)) @ W + b.unsqueeze(1))


def mono_nan_for_dead(W):
    sq = W * W
    return sq.max(-1).values / sq.sum(-1)


CASES["privileged_forward"] = (
    checks.check_privileged_forward,
    checks.privileged_forward,
    [
        (lambda W, b, x: tl.models.tied_forward(W, b, x), "hidden layer has no ReLU"),
        (
            lambda W, b, x: torch.relu(x @ W.transpose(1, 2)) @ W + b.unsqueeze(1),
            "output keeps its ReLU",
        ),
        (lambda W, b, x: torch.relu(torch.relu(x @ W.transpose(1, 2)) @ W), "bias b is missing"),
        (
            lambda W, b, x: torch.relu(
                torch.relu(x @ W.transpose(1, 2) + b.unsqueeze(1) @ W.transpose(1, 2)) @ W
            ),
            "added in the hidden layer",
        ),
        (relu_of_weights, "values differ"),
    ],
)
CASES["monosemanticity"] = (
    checks.check_monosemanticity,
    tl.metrics.monosemanticity,
    [
        (lambda W: W.abs().max(-1).values / W.abs().sum(-1).clamp_min(1e-12), "absolute values"),
        (
            lambda W: W.max(-1).values ** 2 / (W**2).sum(-1).clamp_min(1e-12),
            "largest signed weight",
        ),
        (lambda W: W.abs().max(-1).values / W.norm(dim=-1).clamp_min(1e-12), "square root"),
        (mono_nan_for_dead, "instead of 0"),
        (lambda W: tl.metrics.monosemanticity(W.transpose(1, 2)), "expected (1, 5)"),
    ],
)


def pairs_from(activity, value):
    """A correlated_pairs_batch from an activity rule and a value rule on uniforms."""

    def fn(probability, batch_size, *, generator):
        n_instances, n_features = probability.shape
        u = torch.rand(n_instances, batch_size, n_features // 2, generator=generator)
        u = u.repeat_interleave(2, dim=-1)  # one draw per pair
        v = torch.rand(n_instances, batch_size, n_features, generator=generator)
        active = activity(u, probability.unsqueeze(1))
        return torch.where(active, value(u, v, probability.unsqueeze(1)), torch.zeros(()))

    return fn


def pairs_sharing_one_draw(probability, batch_size, *, generator):
    u = torch.rand(probability.shape[0], batch_size, 1, generator=generator)
    v = torch.rand(probability.shape[0], batch_size, probability.shape[1], generator=generator)
    return torch.where(u < probability.unsqueeze(1), v, torch.zeros(()))


CASES["correlated_pairs"] = (
    checks.check_correlated_pairs,
    checks.correlated_pairs_batch,
    [
        (
            lambda p, b, *, generator: tl.generate_batch(p, b, generator=generator),
            "together in only",
        ),
        (pairs_from(lambda u, p: u < p, lambda u, v, p: u / p), "values are (nearly) equal"),
        (pairs_from(lambda u, p: u >= p, lambda u, v, p: v), "probability 1 − p"),
        (pairs_sharing_one_draw, "pairs must be independent"),
        (pairs_from(lambda u, p: u < p, lambda u, v, p: v * p), "lie below p"),
    ],
)


def levels_without_nan(D, levels, tol):
    out = tl.learning_dynamics.level_index(D, levels, tol)
    return torch.where(D.isnan(), 0, out)


CASES["level_index"] = (
    tl.learning_dynamics.check_level_index,
    tl.learning_dynamics.level_index,
    [
        (
            lambda D, levels, tol: (
                (D.unsqueeze(-1) - torch.tensor(levels, dtype=D.dtype))
                .abs()
                .nan_to_num(9)
                .argmin(-1)
            ),
            "even far from all of them",
        ),
        (
            lambda D, levels, tol: tl.learning_dynamics.level_index(D, sorted(levels), tol),
            "into the sorted levels",
        ),
        (
            lambda D, levels, tol: torch.tensor(levels + [-1.0], dtype=D.dtype)[
                tl.learning_dynamics.level_index(D, levels, tol)
            ],
            "floating-point",
        ),
        (levels_without_nan, "a NaN D_i gets level 0"),
        (
            lambda D, levels, tol: tl.learning_dynamics.level_index(D, levels, tol / 2),
            "values differ",
        ),
    ],
)


def rows_normalised(W):
    R = W / W.norm(dim=-1, keepdim=True)
    return R.transpose(-1, -2) @ R


def cosine_nan_for_dropped(W):
    W_hat = W / W.norm(dim=-2, keepdim=True)
    return W_hat.transpose(-1, -2) @ W_hat


CASES["cosine_similarity"] = (
    checks.check_cosine_similarity,
    tl.cosine_similarity,
    [
        (lambda W: W.transpose(-1, -2) @ W, "dot products"),
        (lambda W: checks._unit(W).transpose(-1, -2) @ W, "only one side"),
        (rows_normalised, "rows were normalised"),
        (cosine_nan_for_dropped, "instead of 0"),
        (lambda W: tl.cosine_similarity(W.transpose(-1, -2)), "expected (1, 5, 5)"),
        (lambda W: tl.cosine_similarity(W).abs(), "values differ"),
    ],
)


def share_nan_for_flat(L, t0, t1):
    return (L[t0] - L[t1]) / (L[0] - L[-1])


CASES["descent_share"] = (
    tl.learning_dynamics.check_descent_share,
    tl.learning_dynamics.descent_share,
    [
        (lambda L, t0, t1: L[t0] - L[t1], "the fall itself"),
        (lambda L, t0, t1: -tl.learning_dynamics.descent_share(L, t0, t1), "sign is flipped"),
        (lambda L, t0, t1: (L[t0] - L[t1]) / L[0], "starting loss"),
        (share_nan_for_flat, "instead of 0"),
        (lambda L, t0, t1: tl.learning_dynamics.descent_share(L, t0, t1 + 1), "values differ"),
    ],
)


ds = tl.demonstrating_superposition


def gram(W):
    return W.transpose(-1, -2) @ W


CASES["feature_benefit"] = (
    ds.check_feature_benefit,
    ds.feature_benefit,
    [
        (lambda W, imp: (1 - (W**2).sum(-2)) ** 2, "importance is missing"),
        (lambda W, imp: imp * (1 - W.norm(dim=-2)) ** 2, "used the norm"),
        (lambda W, imp: imp * (1 - (W**2).sum(-2)), "not squared"),
        (lambda W, imp: (1 - (W**2).sum(-1)) ** 2, "expected (3, 20)"),  # rows, not columns
        (lambda W, imp: ds.feature_benefit(W, imp).sum(-1), "one term per feature"),
        (lambda W, imp: ds.feature_benefit(W, imp) / 2, "0.5 times the expected"),
    ],
)


def off_diagonal(W):
    """(W_j · W_i) with zeros on the diagonal."""
    G = gram(W)
    return G - torch.diag_embed(torch.diagonal(G, dim1=-2, dim2=-1))


CASES["interference"] = (
    ds.check_interference,
    ds.interference,
    [
        (lambda W, imp: imp * (gram(W) ** 2).sum(-1), "includes i = j"),
        (
            lambda W, imp: (off_diagonal(W) ** 2 * imp.unsqueeze(-2)).sum(-1),
            "importance of the other feature",
        ),
        (lambda W, imp: imp * off_diagonal(W).sum(-1), "not squared"),
        (lambda W, imp: ds.interference(W, torch.ones_like(imp)), "importance is missing"),
        (lambda W, imp: ds.interference(W, imp)[..., :-1], "one term per feature"),
        (lambda W, imp: ds.interference(W, imp) + imp * 0.01, "values differ"),
    ],
)


pc = tl.phase_change


def v(p):
    return p / 3 - p**2 / 4


CASES["two_in_one_losses"] = (
    pc.check_two_in_one_losses,
    pc.two_in_one_losses,
    [
        (lambda r, p: torch.stack([r * p / 3, p / 3 + 0 * r, (1 + r) * p**2 / 6]), "not E[x²]"),
        (lambda r, p: torch.stack([r * v(p), v(p) + 0 * r, (1 + r) * p / 6]), "probability p²"),
        (lambda r, p: pc.two_in_one_losses(r, p)[[1, 0, 2]], "swapped"),
        (lambda r, p: torch.stack([r * v(p), v(p) + 0 * r, p**2 / 6 + 0 * r]), "(1 + r) p²/6"),
        (lambda r, p: pc.two_in_one_losses(r, p)[:2], "one loss per candidate"),
        (lambda r, p: pc.two_in_one_losses(r, p) * 2, "2 times the expected"),
    ],
)

CASES["superposition_boundary"] = (
    pc.check_superposition_boundary,
    pc.superposition_boundary,
    [
        (lambda r: 4 * r / (2 + 5 * r), "right for r ≤ 1 only"),
        (lambda r: 4 / (5 + 2 * r), "right for r ≥ 1 only"),
        (lambda r: torch.where(r <= 1, 4 / (5 + 2 * r), 4 * r / (2 + 5 * r)), "swapped"),
        (lambda r: torch.where(r <= 1, 4 * r / (2 + 3 * r), 4 / (3 + 2 * r)), "values differ"),
        (lambda r: pc.superposition_boundary(r).sum(), "one density per relative importance"),
    ],
)


cs = tl.computation_in_superposition


def response_parts(W1, W2, v):
    """Hidden activations and the read-out without bias or output ReLU."""
    h = torch.relu(W1.unsqueeze(-1) * v)
    return (W2.transpose(-1, -2).unsqueeze(-1) * h).sum(-3)


CASES["single_feature_response"] = (
    cs.check_single_feature_response,
    cs.single_feature_response,
    [
        (lambda W1, W2, b, v: response_parts(W1, W2, v) + b.unsqueeze(-1), "output ReLU"),
        (
            lambda W1, W2, b, v: torch.relu(
                (W2.transpose(-1, -2).unsqueeze(-1) * (W1.unsqueeze(-1) * v)).sum(-3)
                + b.unsqueeze(-1)
            ),
            "hidden ReLU",
        ),
        (lambda W1, W2, b, v: torch.relu(response_parts(W1, W2, v)), "bias b_i is missing"),
        (
            lambda W1, W2, b, v: torch.relu(
                response_parts(W1, W2.transpose(-1, -2), v) + b[..., None]
            ),
            "W2[i, k]",
        ),
        (lambda W1, W2, b, v: cs.single_feature_response(W1, W2, b, v)[..., 1:], "one output per"),
        (lambda W1, W2, b, v: cs.single_feature_response(W1, W2, b, v.abs()), "values differ"),
    ],
)


gu = tl.geometry_uniform


def labels(W, t=0.2, nt=0.5):
    return gu.factor_labels(W, threshold=t, norm_threshold=nt)


def labels_direct_links_only(W, threshold=0.2, norm_threshold=0.5):
    t, nt = threshold, norm_threshold
    rep = tl.feature_norms(W) > nt
    n = W.shape[-1]
    link = (tl.cosine_similarity(W).abs() > t) & rep[..., :, None] & rep[..., None, :]
    link = link | torch.eye(n, dtype=torch.bool)
    first = torch.where(link, torch.arange(n), n).min(-1).values
    return torch.where(rep, first, -1)


def labels_signed(W, threshold=0.2, norm_threshold=0.5):
    t, nt = threshold, norm_threshold
    """cos > t instead of |cos| > t."""
    rep = tl.feature_norms(W) > nt
    n = W.shape[-1]
    link = (tl.cosine_similarity(W) > t) & rep[..., :, None] & rep[..., None, :]
    link = link | torch.eye(n, dtype=torch.bool)
    for _ in range(n):
        link = (link.float() @ link.float()) > 0
    first = torch.where(link, torch.arange(n), n).min(-1).values
    return torch.where(rep, first, -1)


def labels_largest_index(W, threshold=0.2, norm_threshold=0.5):
    t, nt = threshold, norm_threshold
    n = W.shape[-1]
    flipped = labels(W.flip(-1), t, nt)  # smallest index of the flipped order = largest here
    return torch.where(flipped >= 0, n - 1 - flipped, -1).flip(-1)


CASES["factor_labels"] = (
    gu.check_factor_labels,
    gu.factor_labels,
    [
        (labels_direct_links_only, "transitively"),
        (lambda W, threshold=0.2, norm_threshold=0.5: labels(W, threshold, 0.0), "get −1"),
        (labels_signed, "|cos|"),
        (
            lambda W, threshold, norm_threshold: labels(W, threshold, norm_threshold).float(),
            "floating-point",
        ),
        (labels_largest_index, "values differ"),
        (
            lambda W, threshold, norm_threshold: labels(W, threshold, norm_threshold)[..., 1:],
            "one label per feature",
        ),
    ],
)


ar = tl.adversarial_robustness


CASES["attack_directions"] = (
    ar.check_attack_directions,
    ar.attack_directions,
    [
        (gram, "not normalised"),
        (lambda W: checks._unit(W).transpose(-1, -2), "expected (3, 20, 20)"),  # Ŵ_i, not (WᵀW)_i
        (lambda W: gram(W) / gram(W).norm(dim=(-2, -1), keepdim=True), "whole matrix"),
        (lambda W: ar.attack_directions(W).transpose(-1, -2), "values differ"),
        (lambda W: ar.attack_directions(W)[..., 0, :], "one unit direction per feature"),
    ],
)

CASES["attack_gain"] = (
    ar.check_attack_gain,
    ar.attack_gain,
    [
        (lambda W: gram(W).norm(dim=-1), "its square"),
        (lambda W: (off_diagonal(W) ** 2).sum(-1), "leaves out j = i"),
        (lambda W: (W**2).sum(-2) ** 2, "without superposition"),
        (lambda W: ar.attack_gain(W).sum(-1), "one gain per feature"),
        (lambda W: (gram(W).abs() ** 3).sum(-1), "values differ"),
    ],
)


@pytest.mark.parametrize("name", CASES)
def test_the_reference_passes_fast_and_is_kept(name, capsys):
    check, reference, _ = CASES[name]
    start = time.perf_counter()
    result = check.run(reference)
    assert time.perf_counter() - start < 1.0, "a learner waits for this"
    assert result.passed and result.implemented, result.message
    assert check(reference) is reference
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "k"), [(name, k) for name, (_, _, wrong) in CASES.items() for k in range(len(wrong))]
)
def test_a_wrong_implementation_fails_with_its_message(name, k, capsys):
    check, reference, wrong = CASES[name]
    fn, expected = wrong[k]
    result = check.run(fn)
    assert not result.passed and result.implemented
    assert expected in result.message, result.message
    assert check(fn) is reference, "the cells below fall back to the library"
    out = capsys.readouterr().out
    assert "✘" in out and expected in out


@pytest.mark.parametrize("name", CASES)
def test_an_untouched_stub_is_not_implemented_yet(name, capsys):
    check, reference, _ = CASES[name]
    result = check.run(stub)
    assert not result.passed and not result.implemented
    assert "not implemented yet" in result.message
    assert check(stub) is reference
    assert "not implemented yet" in capsys.readouterr().out


def test_something_that_is_not_a_function_is_named():
    result = checks.check_forward.run(3)
    assert not result.passed and "int, not a function" in result.message

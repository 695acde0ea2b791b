"""Every exercise check passes the library's implementation, fails plausible wrong ones with a
message that names the mistake, reports an untouched stub as not implemented, and answers fast."""

import math
import time

import pytest
import torch

import toy_lib as tl
from toy_lib import checks
from toy_lib import memorization_double_descent as mdd


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


def unit(W):
    return W / W.norm(dim=-2, keepdim=True).clamp_min(1e-12)


def others(M):
    """``M`` without its diagonal (only ``j ≠ i``)."""
    return M - torch.diag_embed(torch.diagonal(M, dim1=-2, dim2=-1))


def superposition_nan_for_dropped(W):
    M = (W / W.norm(dim=-2, keepdim=True)).transpose(-1, -2) @ W  # 0/0 for W_i = 0
    return (others(M) ** 2).sum(-1)


CASES["superposition"] = (
    ds.check_superposition,
    tl.superposition,
    [
        (lambda W: ((unit(W).transpose(-1, -2) @ W) ** 2).sum(-1), "includes j = i"),
        (lambda W: (others(W.transpose(-1, -2) @ W) ** 2).sum(-1), "not normalised"),
        (
            lambda W: (others(unit(W).transpose(-1, -2) @ unit(W)) ** 2).sum(-1),
            "squared cosines",
        ),
        (lambda W: others(unit(W).transpose(-1, -2) @ W).sum(-1), "not squared"),
        (lambda W: (others(unit(W).transpose(-1, -2) @ W) ** 2).sum(-2), "wrong axis"),
        (superposition_nan_for_dropped, "instead of 0"),
        (lambda W: tl.superposition(W).unsqueeze(-1), "one value per feature"),
        (lambda W: others(unit(W).transpose(-1, -2) @ W).abs().sum(-1), "values differ"),
    ],
)


def phase_rule(
    W, threshold, rep=lambda w, t: w.abs() > t, rep_extra=None, same_sign=False, swap=False
):
    """The 2 → 1 rule, written differently from the library's, with optional mistakes."""
    w1, w2 = W[..., 0, 0], W[..., 0, 1]
    r1, r2 = rep(w1, threshold), (rep_extra or rep)(w2, threshold)
    opposite = (w1 < 0) != (w2 < 0)
    labels = -torch.ones(w1.shape, dtype=torch.long)
    labels[r1 & ~r2] = 1 if swap else 0
    labels[~r1 & r2] = 0 if swap else 1
    labels[r1 & r2 & (opposite | same_sign)] = 2
    return labels


def phase_neither_is_zero(W, threshold=0.5):
    labels = phase_rule(W, threshold)
    return torch.where((W[..., 0, :].abs() <= threshold).all(-1), 0, labels)


CASES["two_in_one_phase"] = (
    pc.check_two_in_one_phase,
    pc.two_in_one_phase,
    [
        (lambda W, threshold=0.5: phase_rule(W, threshold, rep=lambda w, t: w != 0), "below the"),
        (
            lambda W, threshold=0.5: phase_rule(W, threshold, rep_extra=lambda w, t: w != 0),
            "tiny extra-feature weight",
        ),
        (
            lambda W, threshold=0.5: phase_rule(W, threshold, rep=lambda w, t: w.abs() > 0.5),
            "argument is ignored",
        ),
        (lambda W, threshold=0.5: phase_rule(W, threshold, same_sign=True), "same sign"),
        (lambda W, threshold=0.5: phase_rule(W, threshold, swap=True), "swapped"),
        (phase_neither_is_zero, "neither feature"),
        (lambda W, threshold=0.5: phase_rule(W, threshold).float(), "int64"),
        (lambda W, threshold=0.5: phase_rule(W, threshold).to(torch.int32), "int64"),
        (lambda W, threshold=0.5: phase_rule(W, threshold).unsqueeze(-1), "one label per model"),
        (
            lambda W, threshold=0.5: torch.where(phase_rule(W, threshold) == 2, -1, 2),
            "values differ",
        ),
    ],
)


def frobenius2(W):
    return (W**2).sum((-2, -1))


CASES["dimensions_per_feature"] = (
    gu.check_dimensions_per_feature,
    tl.dimensions_per_feature,
    [
        (lambda W: W.shape[-1] / frobenius2(W), "number of features n"),
        (lambda W: W.shape[0] / frobenius2(W), "number of models"),
        (lambda W: W.shape[-2] / W.norm(dim=(-2, -1)), "is squared"),
        (lambda W: frobenius2(W) / W.shape[-2], "features per dimension"),
        (lambda W: W.shape[-2] / (W**2).mean((-2, -1)), "averaged the squared weights"),
        (lambda W: W.shape[-2] / (W**2).sum(-2), "one D* per model"),  # one value per feature
        (lambda W: W.shape[-2] / (W**2).sum(), "one D* per model"),  # over every model at once
        (lambda W: 0.9 * tl.dimensions_per_feature(W), "0.9 times the expected"),
        (lambda W: W.shape[-2] / (frobenius2(W) + 1), "values differ"),
    ],
)


def placed(A, B, rows, cols):
    """A top-left, B at (rows, cols) in a zero tensor shaped like the tegum product."""
    out = torch.zeros(*A.shape[:-2], A.shape[-2] + B.shape[-2], A.shape[-1] + B.shape[-1])
    out = out.to(A.dtype)
    out[..., : A.shape[-2], : A.shape[-1]] = A
    out[..., rows : rows + B.shape[-2], cols : cols + B.shape[-1]] = B
    return out


def ones_off_the_blocks(A, B):
    out = gu.tegum_product(A, B)
    out[..., : A.shape[-2], A.shape[-1] :] = 1.0
    return out


CASES["tegum_product"] = (
    gu.check_tegum_product,
    gu.tegum_product,
    [
        (lambda A, B: gu.tegum_product(B, A), "B comes first"),
        (lambda A, B: placed(A, B, 0, A.shape[-1]), "top-right"),
        (lambda A, B: placed(A, B, A.shape[-2], 0), "bottom-left"),
        (
            lambda A, B: placed(A, torch.zeros_like(B), A.shape[-2], A.shape[-1]),
            "B is missing",
        ),
        (lambda A, B: torch.block_diag(A, B), "raised RuntimeError"),  # 2-D only
        (lambda A, B: torch.cat([A, B], dim=-2), "raised RuntimeError"),  # n_A ≠ n_B
        (lambda A, B: gu.tegum_product(A, B)[..., :-1], "A's features then B's"),
        (ones_off_the_blocks, "off-diagonal blocks are not zero"),
        (lambda A, B: gu.tegum_product(A, B).abs(), "values differ"),
    ],
)


nu = tl.geometry_nonuniform


def masked_cos(W, threshold, fill):
    """Ŵ_i · Ŵ_j with `fill` where feature j is not represented."""
    return tl.cosine_similarity(W).masked_fill(~tl.represented(W, threshold)[..., None, :], fill)


def minus_one_unless(keep, j):
    return torch.where(keep, j, -1)


def partner_no_max_cos(W, threshold=0.5, max_cos=-0.95):
    return minus_one_unless(
        tl.represented(W, threshold), masked_cos(W, threshold, math.inf).argmin(-1)
    )


def partner_any_j(W, threshold=0.5, max_cos=-0.95):
    value, j = tl.cosine_similarity(W).min(-1)
    return minus_one_unless(tl.represented(W, threshold) & (value < max_cos), j)


def partner_any_i(W, threshold=0.5, max_cos=-0.95):
    value, j = masked_cos(W, threshold, math.inf).min(-1)
    return minus_one_unless(value < max_cos, j)


def partner_argmax(W, threshold=0.5, max_cos=-0.95):
    j = masked_cos(W, threshold, -math.inf).argmax(-1)
    return minus_one_unless(tl.represented(W, threshold), j)


def partner_max(W, threshold=0.5, max_cos=-0.95):
    value, j = masked_cos(W, threshold, -math.inf).max(-1)
    return minus_one_unless(tl.represented(W, threshold) & (value < max_cos), j)


def partner_first(W, threshold=0.5, max_cos=-0.95):
    below = masked_cos(W, threshold, math.inf) < max_cos
    n = W.shape[-1]
    first = torch.where(below, torch.arange(n), n).min(-1).values
    return minus_one_unless(tl.represented(W, threshold) & below.any(-1), first)


def partner_or_self(W, threshold=0.5, max_cos=-0.95):
    p = nu.antipodal_partner(W, threshold, max_cos)
    return torch.where(p >= 0, p, torch.arange(W.shape[-1]))


CASES["antipodal_partner"] = (
    nu.check_antipodal_partner,
    nu.antipodal_partner,
    [
        (partner_no_max_cos, "even one with nothing opposite"),
        (partner_any_j, "a partner that is not represented"),
        (partner_any_i, "‖W_i‖ ≤ threshold got a partner"),
        (partner_argmax, "its own partner"),
        (partner_max, "no feature got a partner"),
        (partner_first, "the first feature below max_cos"),
        (lambda W, threshold=0.5, max_cos=-0.95: nu.antipodal_partner(W), "arguments are ignored"),
        (
            lambda W, threshold=0.5, max_cos=-0.95: nu.antipodal_partner(W, 0.5, max_cos),
            "threshold argument",
        ),
        (
            lambda W, threshold=0.5, max_cos=-0.95: nu.antipodal_partner(W, threshold),
            "max_cos argument",
        ),
        (
            lambda W, threshold=0.5, max_cos=-0.95: (
                nu.antipodal_partner(W, threshold, max_cos) * 1.0
            ),
            "floating-point",
        ),
        (
            lambda W, threshold=0.5, max_cos=-0.95: nu.antipodal_partner(W, threshold, max_cos)[
                ..., 1:
            ],
            "one partner index per feature",
        ),
        (partner_or_self, "values differ"),
    ],
)


def sorted_angles(W, threshold):
    keep = W.norm(dim=0) > threshold
    return torch.rad2deg(torch.atan2(W[1, keep], W[0, keep])).sort().values


def gaps_of(a, full=360.0):
    return torch.diff(torch.cat([a, a[:1] + full]))


def gaps_in_feature_order(W, threshold=0.5):
    keep = W.norm(dim=0) > threshold
    a = torch.rad2deg(torch.atan2(W[1, keep], W[0, keep]))
    return (a.roll(-1) - a) % 360


CASES["angular_gaps"] = (
    tl.learning_dynamics.check_angular_gaps,
    tl.angular_gaps,
    [
        (
            lambda W, threshold=0.5: gaps_of(sorted_angles(W, threshold).deg2rad(), 2 * math.pi),
            "radians",
        ),
        (lambda W, threshold=0.5: gaps_of(sorted_angles(W, threshold) % 360), "another feature"),
        (lambda W, threshold=0.5: tl.angular_gaps(W[[1, 0]], threshold), "atan2 takes (y, x)"),
        (gaps_in_feature_order, "follow the feature order"),
        (sorted_angles, "the angles themselves"),
        (lambda W, threshold=0.5: torch.diff(sorted_angles(W, threshold)), "one gap is missing"),
        (lambda W, threshold=0.5: gaps_of(sorted_angles(W, -1.0)), "≤ threshold counts"),
        (lambda W, threshold=0.5: tl.angular_gaps(W), "threshold argument is ignored"),
        (lambda W, threshold=0.5: tl.angular_gaps(W, threshold).sum(), "one gap per represented"),
        (lambda W, threshold=0.5: tl.angular_gaps(W, threshold).sort().values, "values differ"),
    ],
)


def polygon(fn):
    """A wrong is_regular_polygon from ``fn(W, k, tol, threshold)``."""

    def wrong(W, k, *, tol_degrees=5.0, threshold=0.5):
        return fn(W, k, tol_degrees, threshold)

    return wrong


def regular_loop(W, k, tol, threshold, *, own_count=False, feature_order=False):
    """Model by model: own_count compares with 360/(its number of features); feature_order takes
    neighbours in index order."""
    flat = W.reshape(-1, 2, W.shape[-1])
    out = torch.zeros(flat.shape[0], dtype=torch.bool)
    for m, Wm in enumerate(flat):
        keep = Wm.norm(dim=0) > threshold
        a = torch.rad2deg(torch.atan2(Wm[1, keep], Wm[0, keep]))
        gaps = (a.roll(-1) - a) % 360 if feature_order else gaps_of(a.sort().values)
        n = len(gaps) if own_count else k
        out[m] = len(gaps) == n > 0 and bool(((gaps - 360 / n).abs() <= tol).all())
    return out.reshape(W.shape[:-2])


def flip_last(W, k, tol, threshold):
    out = tl.learning_dynamics.is_regular_polygon(W, k, tol_degrees=tol, threshold=threshold)
    if out.dim() > 0:
        out = out.clone()
        out.view(-1)[-1] = ~out.view(-1)[-1]
    return out


ld = tl.learning_dynamics

CASES["is_regular_polygon"] = (
    ld.check_is_regular_polygon,
    ld.is_regular_polygon,
    [
        (
            polygon(
                lambda W, k, tol, t: (
                    ld.is_regular_polygon(W, k, tol_degrees=tol, threshold=t)
                    | (W.norm(dim=-2) <= t).all(-1)
                )
            ),
            "no represented feature counts",
        ),
        (
            polygon(lambda W, k, tol, t: regular_loop(W, k, tol, t, own_count=True)),
            "another number of vertices",
        ),
        (polygon(lambda W, k, tol, t: regular_loop(W, k, tol, -1.0)), "short features count"),
        (
            polygon(lambda W, k, tol, t: regular_loop(W, k, tol, t, feature_order=True)),
            "neighbours taken in feature order",
        ),
        (polygon(lambda W, k, tol, t: regular_loop(W, k, 5.0, t)), "tol_degrees argument"),
        (polygon(lambda W, k, tol, t: regular_loop(W, k, tol, 0.5)), "threshold argument"),
        (polygon(lambda W, k, tol, t: regular_loop(W, k, tol, t).float()), "a boolean tensor"),
        (polygon(lambda W, k, tol, t: regular_loop(W, k, tol, t)[..., None]), "one True/False"),
        (polygon(flip_last), "values differ"),
    ],
)


def vectorised_regular_polygon(W, k, *, tol_degrees=5.0, threshold=0.5):
    """Without a loop over models: the sort puts the represented features' angles first."""
    keep = W.norm(dim=-2) > threshold
    angles = torch.rad2deg(torch.atan2(W[..., 1, :], W[..., 0, :]))
    a = torch.where(keep, angles, math.inf).sort(-1).values[..., :k]
    gaps = torch.diff(torch.cat([a, a[..., :1] + 360], dim=-1), dim=-1)
    return (keep.sum(-1) == k) & ((gaps - 360 / k).abs() <= tol_degrees).all(-1)


def test_a_vectorised_regular_polygon_passes():
    assert ld.check_is_regular_polygon.run(vectorised_regular_polygon).passed


def norms(x):
    return x.norm(dim=-1)


CASES["attack_budget"] = (
    ar.check_attack_budget,
    ar.attack_budget,
    [
        (lambda x, f: f * norms(x).sum(-1) / (norms(x) > 0).sum(-1), "all-zero ones included"),
        (lambda x, f: f * (x**2).sum(-1).mean(-1), "squared norm"),
        (lambda x, f: f * x.norm(dim=-2).mean(-1), "over the batch axis"),
        (lambda x, f: (f * norms(x).mean()).expand(x.shape[0]), "the same budget"),
        (lambda x, f: norms(x).mean(-1), "`fraction` of it"),
        (lambda x, f: f * norms(x).sum(-1), "summed over the batch"),
        (lambda x, f: f * norms(x).mean(), "expected (3,)"),  # one number for all instances
        (lambda x, f: f * x.abs().sum(-1).mean(-1), "values differ"),  # the L1 norm
    ],
)


pb = tl.privileged_basis


def kinds_from(mono, dead, *, dead_first=True):
    kinds = torch.where(mono, pb.MONOSEMANTIC, pb.POLYSEMANTIC)
    if dead_first:
        return torch.where(dead, pb.DEAD, kinds)
    return torch.where(mono, pb.MONOSEMANTIC, torch.where(dead, pb.DEAD, pb.POLYSEMANTIC))


def classify_column_dead(W, mono_threshold=0.9, dead_norm=0.1):
    mono = tl.metrics.monosemanticity(W) >= mono_threshold
    return kinds_from(mono, W.norm(dim=-2) < dead_norm)  # per feature, not per neuron


def classify_dead_last(W, mono_threshold=0.9, dead_norm=0.1):
    mono = tl.metrics.monosemanticity(W) >= mono_threshold
    return kinds_from(mono, W.norm(dim=-1) < dead_norm, dead_first=False)


def classify_norm_share(W, mono_threshold=0.9, dead_norm=0.1):
    share = W.abs().max(-1).values / W.norm(dim=-1)
    return kinds_from(share >= mono_threshold, W.norm(dim=-1) < dead_norm)


def classify_norm(W, mono_threshold=0.9, dead_norm=0.1):
    return kinds_from(W.norm(dim=-1) >= mono_threshold, W.norm(dim=-1) < dead_norm)


def classify_signed(W, mono_threshold=0.9, dead_norm=0.1):
    score = W.max(-1).values ** 2 / (W**2).sum(-1)
    return kinds_from(score >= mono_threshold, W.norm(dim=-1) < dead_norm)


def classify_defaults(W, mono_threshold=0.9, dead_norm=0.1):
    return pb.classify_neurons(W)


def classify_swapped(W, mono_threshold=0.9, dead_norm=0.1):
    kinds = pb.classify_neurons(W, mono_threshold=mono_threshold, dead_norm=dead_norm)
    return torch.where(kinds == pb.DEAD, kinds, 1 - kinds)


def classify_float(W, mono_threshold=0.9, dead_norm=0.1):
    return pb.classify_neurons(W, mono_threshold=mono_threshold, dead_norm=dead_norm).float()


def classify_per_instance(W, mono_threshold=0.9, dead_norm=0.1):
    kinds = pb.classify_neurons(W, mono_threshold=mono_threshold, dead_norm=dead_norm)
    return (kinds == pb.MONOSEMANTIC).sum(-1)  # a count, not a kind per neuron


def classify_reversed(W, mono_threshold=0.9, dead_norm=0.1):
    return pb.classify_neurons(W, mono_threshold=mono_threshold, dead_norm=dead_norm).flip(-1)


CASES["classify_neurons"] = (
    pb.check_classify_neurons,
    pb.classify_neurons,
    [
        (classify_column_dead, "each feature's norm"),
        (classify_dead_last, "test dead first"),
        (classify_norm_share, "share of the squared norm"),
        (classify_norm, "weight norm with mono_threshold"),
        (classify_signed, "negative weight"),
        (classify_defaults, "default thresholds"),
        (classify_swapped, "swapped"),
        (classify_float, "torch.float32 values"),
        (classify_per_instance, "one kind per neuron"),
        (classify_reversed, "values differ"),
    ],
)


def excited(W):
    top = W.max(0).values
    return (0.5 * top <= W) & (top > 0)


def represented(W, threshold):
    return W.norm(dim=0) > threshold


CASES["neurons_per_feature"] = (
    pb.check_neurons_per_feature,
    pb.neurons_per_feature,
    [
        (
            lambda W, t=0.5: torch.where(
                represented(W, t), (W.abs() >= 0.5 * W.abs().max(0).values).sum(0), 0
            ),
            "negative weights",
        ),
        (lambda W, t=0.5: torch.where(represented(W, t), (W > 0).sum(0), 0), "at least half"),
        (lambda W, t=0.5: excited(W).sum(0), "not represented"),
        (
            lambda W, t=0.5: torch.where(
                represented(W, t), ((W > 0) & (0.5 * W.max() <= W)).sum(0), 0
            ),
            "whole matrix",
        ),
        (lambda W, t=0.5: torch.where(represented(W, t), excited(W).sum(1), 0), "each neuron"),
        (lambda W, t=0.5: pb.neurons_per_feature(W, t).float(), "integer tensor"),
        (lambda W, t=0.5: excited(W).sum(), "expected (6,)"),  # one number for the whole model
        (
            lambda W, t=0.5: torch.where(represented(W, t), (0.3 * W.max(0).values <= W).sum(0), 0),
            "values differ",
        ),
    ],
)


def sign_means(err, neg, pos):
    return torch.stack([err[..., neg].mean(-1), err[..., pos].mean(-1)], dim=-1)


CASES["error_by_sign"] = (
    cs.check_error_by_sign,
    cs.error_by_sign,
    [
        (lambda y, v: sign_means((y - v.abs()).abs(), v <= 0, v > 0), "among the negative"),
        (lambda y, v: sign_means((y - v.abs()).abs(), v < 0, v >= 0), "among the positive"),
        (lambda y, v: cs.error_by_sign(y, v).flip(-1), "swapped"),
        (lambda y, v: sign_means(y - v.abs(), v < 0, v > 0), "signed"),
        (lambda y, v: sign_means((y - v).abs(), v < 0, v > 0), "compared with v"),
        (lambda y, v: sign_means((y - v.abs()) ** 2, v < 0, v > 0), "squared errors"),
        (lambda y, v: (y - v.abs()).abs().mean(-1), "mean error over the negative values"),
        (lambda y, v: sign_means((y - v.abs()).abs(), v < 0, v > 0) * 1.1, "1.1 times"),
        (lambda y, v: sign_means((y - v.abs()).abs().sqrt(), v < 0, v > 0), "values differ"),
    ],
)


def gains(W1, W2):
    return W1.abs() * W2.transpose(-1, -2)


CASES["neuron_gains"] = (
    cs.check_neuron_gains,
    cs.neuron_gains,
    [
        (lambda W1, W2: W1 * W2.transpose(-1, -2), "without its absolute value"),
        (lambda W1, W2: W1.abs() * W2.transpose(-1, -2).abs(), "absolute value too"),
        (lambda W1, W2: torch.relu(W1) * W2.transpose(-1, -2), "negative input weights"),
        (lambda W1, W2: W1.abs() * W2, "W2[k, i]"),
        (lambda W1, W2: gains(W1, W2).transpose(-1, -2), "transposed"),
        (lambda W1, W2: W1.abs() @ W2, "matrix product"),
        (lambda W1, W2: gains(W1, W2)[..., 1:], "one gain per neuron and feature"),
        (lambda W1, W2: gains(W1, W2) + 0.01 * W1, "values differ"),
    ],
)


sae = tl.sparse_autoencoders


def pre(h, W_enc, b_enc, b_dec):
    return (h - b_dec.unsqueeze(1)) @ W_enc + b_enc.unsqueeze(1)


CASES["encode"] = (
    sae.check_encode,
    sae.encode,
    [
        (lambda h, W, be, bd: torch.relu(h @ W + be.unsqueeze(1)), "b_dec is not subtracted"),
        (lambda h, W, be, bd: torch.relu(pre(h, W, be, -bd)), "b_dec is added"),
        (lambda h, W, be, bd: pre(h, W, be, bd), "apply the ReLU"),
        (lambda h, W, be, bd: torch.relu(pre(h, W, 0 * be, bd)), "b_enc is missing"),
        (
            lambda h, W, be, bd: torch.relu(pre(h, W, 0 * be, bd)) + be.unsqueeze(1),
            "after the ReLU",
        ),
        (lambda h, W, be, bd: torch.relu(pre(h, W.transpose(1, 2), be, bd)), "raised"),
        (lambda h, W, be, bd: torch.relu(pre(h, W, be, bd))[..., 1:], "returned shape"),
        (lambda h, W, be, bd: torch.relu(pre(h, W, be, bd)) * 1.5, "1.5 times"),
        (lambda h, W, be, bd: torch.nn.functional.softplus(pre(h, W, be, bd)), "values differ"),
    ],
)


def reconstruction(h, h_hat):
    return ((h - h_hat) ** 2).sum(-1).mean(-1)


def penalty(f):
    return f.abs().sum(-1).mean(-1)


CASES["sae_loss"] = (
    sae.check_sae_loss,
    sae.sae_loss,
    [
        (
            lambda h, hh, f, l1: ((h - hh) ** 2).mean(-1).mean(-1) + l1 * penalty(f),
            "averaged over the d_in dimensions",
        ),
        (lambda h, hh, f, l1: (h - hh).norm(dim=-1).mean(-1) + l1 * penalty(f), "not squared"),
        (lambda h, hh, f, l1: reconstruction(h, hh), "penalty l1_coefficient · ‖f‖₁ is missing"),
        (lambda h, hh, f, l1: reconstruction(h, hh) + penalty(f), "not multiplied by"),
        (
            lambda h, hh, f, l1: reconstruction(h, hh) + l1 * (f**2).sum(-1).mean(-1),
            "not the sum of squares",
        ),
        (
            lambda h, hh, f, l1: ((h - hh) ** 2).sum((-2, -1)) + l1 * f.abs().sum((-2, -1)),
            "summed over the batch",
        ),
        (lambda h, hh, f, l1: reconstruction(h, hh) + l1 * f.sum((-2, -1)), "values differ"),
        (lambda h, hh, f, l1: reconstruction(h, hh).sum(), "returned shape"),
    ],
)


def sae_unit(v):
    return v / v.norm(dim=-1, keepdim=True)


def best_match(W_dec, W, threshold=0.5, *, rows=True, cols=True, absolute=False):
    D = sae_unit(W_dec) if rows else W_dec
    F = sae_unit(W.T) if cols else W.T
    cos = D @ F.T
    cos = cos.abs() if absolute else cos
    return cos[..., W.norm(dim=0) > threshold].max(1).values.mean(-1)


CASES["mmcs"] = (
    sae.check_mmcs,
    sae.mmcs,
    [
        (lambda D, W, threshold=0.5: best_match(D, W, threshold, rows=False), "decoder rows"),
        (lambda D, W, threshold=0.5: best_match(D, W, threshold, cols=False), "true directions"),
        (
            lambda D, W, threshold=0.5: best_match(D, W, threshold, rows=False, cols=False),
            "dot products",
        ),
        (
            lambda D, W, threshold=0.5: (
                (sae_unit(D) @ sae_unit(W.T).T)[..., W.norm(dim=0) > threshold]
                .max(-1)
                .values.mean(-1)
            ),
            "per latent",
        ),
        (lambda D, W, threshold=0.5: best_match(D, W, threshold, absolute=True), "|cos|"),
        (lambda D, W, threshold=0.5: best_match(D, W, 0.0), "does not represent"),
        (lambda D, W, threshold=0.5: best_match(D, W), "fixed at 0.5"),
        (lambda D, W, threshold=0.5: best_match(D, W, threshold).mean(), "one number"),
        (lambda D, W, threshold=0.5: best_match(D, W, threshold) ** 2, "values differ"),
    ],
)


def dd_out(W, b, X, relu=True):
    pre = X @ W.T @ W + b
    return torch.relu(pre) if relu else pre


CASES["hidden_from_sparse"] = (
    mdd.check_hidden_from_sparse,
    mdd.hidden_from_sparse,
    [
        (lambda W, i, v: W[:, i].sum(-1).T, "values are ignored"),
        (lambda W, i, v: (W[:, i] * v).sum(-1), "returned shape (2, 5)"),
        (lambda W, i, v: (W[:, i] * v).mean(-1).T, "averaged over a point's nonzeros"),
        (lambda W, i, v: 2 * (W[:, i] * v).sum(-1).T, "constant factor"),
        (lambda W, i, v: (W[:, i] * v**2).sum(-1).T, "values differ"),
    ],
)

CASES["relu_output_loss"] = (
    mdd.check_relu_output_loss,
    mdd.relu_output_loss,
    [
        (lambda W, b, X: ((dd_out(W, b, X) - X) ** 2).mean(), "averaged over the features"),
        (lambda W, b, X: ((dd_out(W, b, X) - X) ** 2).sum(), "summed over the points"),
        (lambda W, b, X: ((dd_out(W, b, X, relu=False) - X) ** 2).sum(-1).mean(), "no ReLU"),
        (lambda W, b, X: ((torch.relu(X @ W.T @ W) - X) ** 2).sum(-1).mean(), "bias b is missing"),
        (lambda W, b, X: (dd_out(W, b, X) - X).norm(dim=-1).mean(), "not squared"),
        (lambda W, b, X: ((dd_out(W, b, X) - X) ** 2).sum(-1), "returned shape"),
        (lambda W, b, X: ((dd_out(W, b, X) + X) ** 2).sum(-1).mean(), "constant factor"),
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

"""Section 6's exercise checks: which energy level a feature sits at (:func:`level_index`), a loss
change as a share of the run's descent (:func:`descent_share`), the angles between neighbouring
features of a 2-D model (:func:`toy_lib.metrics.angular_gaps`) and whether a 2-D model is a regular
polygon (:func:`is_regular_polygon`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..checks import (
    Check,
    Mistake,
    WrongAnswer,
    call_learner,
    compare_exactly,
    compare_with_reference,
    zero_where,
)
from ..metrics import angular_gaps, feature_norms
from .experiment import descent_share, is_regular_polygon, level_index

__all__ = [
    "check_angular_gaps",
    "check_descent_share",
    "check_is_regular_polygon",
    "check_level_index",
]

_LEVELS = [(1.0, 2 / 3, 0.5, 0.4, 1 / 3), (0.5, 1.0, 0.4, 2 / 3), (0.75, 0.5, 0.6)]


def _cases() -> list[tuple[torch.Tensor, list[float], float]]:
    """Values on levels (within tol), between levels and NaN, for three level lists (two unsorted)."""
    g = torch.Generator().manual_seed(6)
    cases = []
    for levels, shape, tol in zip(
        _LEVELS, [(3, 6), (2, 5), (4, 3)], [0.015, 0.02, 0.03], strict=True
    ):
        f = torch.tensor(levels, dtype=torch.float64)
        on = f[torch.randint(len(levels), shape, generator=g)]
        on = on + (2 * torch.rand(shape, generator=g, dtype=torch.float64) - 1) * 0.9 * tol
        off = torch.rand(shape, generator=g, dtype=torch.float64)  # mostly between levels
        D = torch.where(torch.rand(shape, generator=g) < 0.5, on, off)
        D[0, 0] = math.nan  # a feature that is not represented
        cases.append((D, list(levels), tol))
    return cases


def _nearest(D: torch.Tensor, levels: list[float]) -> torch.Tensor:
    dist = (D.unsqueeze(-1) - torch.tensor(levels, dtype=D.dtype)).abs()
    return dist.nan_to_num(math.inf).min(-1)


_MISTAKES = [
    Mistake(
        lambda D, levels, tol: _nearest(D, levels).indices,
        "every value gets a level, even far from all of them: give −1 when the nearest level is "
        "farther than tol",
    ),
    Mistake(
        lambda D, levels, tol: torch.where(
            _nearest(D, sorted(levels)).values <= tol,
            _nearest(D, sorted(levels)).indices,
            -1,
        ),
        "the indices are into the sorted levels: give the index into `levels` as it is given",
    ),
]


def _judge(fn: Callable) -> None:
    cases = _cases()
    D, levels, tol = cases[0]
    out = call_learner(fn, (D, levels, tol))
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        raise WrongAnswer(
            "returned floating-point numbers: return the level's index (an integer tensor, −1 for "
            "no level), not the level itself"
        )
    nan = D.isnan()
    if (
        isinstance(out, torch.Tensor)
        and out.shape == D.shape
        and torch.equal(out[~nan], level_index(D, levels, tol)[~nan])
        and not (out[nan] == -1).all()
    ):
        raise WrongAnswer(f"a NaN D_i gets level {int(out[nan][0])}: a NaN is on no level (−1)")
    compare_with_reference(fn, level_index, cases, _MISTAKES, "like D: one level index per value")


check_level_index = Check("level_index", level_index, _judge)
"""Exercise: ``level_index(D (any shape), levels (list), tol) → int64 like D``: the index into
``levels`` of the level within ``tol`` of each ``D_i``, −1 when none is (or ``D_i`` is NaN)."""


def _loss_cases() -> list[tuple[torch.Tensor, int, int]]:
    """Loss curves ``(snapshots, instances)``: falling ones of different depths, one flat run."""
    g = torch.Generator().manual_seed(60)
    cases = []
    for snapshots, instances, t0, t1 in [(20, 3, 4, 9), (50, 5, 0, 49), (30, 4, 10, 12)]:
        steps = torch.rand(snapshots, instances, generator=g, dtype=torch.float64)
        L = (
            1.0
            + 2 * torch.rand(instances, generator=g, dtype=torch.float64)
            - steps.cumsum(0) / snapshots
        )
        L[:, -1] = 0.7  # a run that did not descend: share 0
        cases.append((L, t0, t1))
    return cases


_SHARE_MISTAKES = [
    Mistake(
        lambda L, t0, t1: L[t0] - L[t1],
        "this is the fall itself: divide it by the run's whole descent, L[0] − L[-1]",
    ),
    Mistake(
        lambda L, t0, t1: torch.where(L[0] - L[-1] > 0, (L[t1] - L[t0]) / (L[0] - L[-1]), 0.0),
        "the sign is flipped: a falling loss gives a positive share, (L[t0] − L[t1]) / descent",
    ),
    Mistake(
        lambda L, t0, t1: (L[t0] - L[t1]) / L[0],
        "divided by the starting loss L[0]: divide by the descent L[0] − L[-1], the part the "
        "run can learn",
    ),
]


def _judge_share(fn: Callable) -> None:
    cases = _loss_cases()
    L = cases[0][0]
    flat = torch.arange(L.shape[1]) == L.shape[1] - 1  # the last run did not descend
    zero_where(fn, cases[0], flat, "a run whose loss did not descend")
    compare_with_reference(
        fn, descent_share, cases, _SHARE_MISTAKES, "(instances,): one share per run"
    )


check_descent_share = Check("descent_share", descent_share, _judge_share)
"""Exercise: ``descent_share(L (snapshots, instances), t0, t1) → (instances,)``: ``(L[t0] − L[t1]) /
(L[0] − L[-1])``, 0 for a run that did not descend."""


# ---------------------------------------------------------------- angles in the plane


def _planar(
    g: torch.Generator, vertices: list[float], n: int, norms: list[float] | None = None
) -> torch.Tensor:
    """One 2-D model ``(2, n)``: features at the angles ``vertices`` (degrees, all turned by one
    random angle) with lengths ``norms`` (default: 0.7 to 1.4), the rest short (0.05 to 0.25) at
    random angles, the last of them zero (dropped); features shuffled."""
    k = len(vertices)
    a = torch.tensor(vertices, dtype=torch.float64) + 360 * torch.rand((), generator=g)
    a = torch.cat([a, 360 * torch.rand(n - k, generator=g, dtype=torch.float64)]).deg2rad()
    r = 0.7 + 0.7 * torch.rand(k, generator=g, dtype=torch.float64)
    if norms is not None:
        r = torch.tensor(norms, dtype=torch.float64)
    short = 0.05 + 0.2 * torch.rand(n - k, generator=g, dtype=torch.float64)
    r = torch.cat([r, short.index_fill(0, torch.tensor([n - k - 1]), 0.0)]) if n > k else r
    return torch.stack([r * a.cos(), r * a.sin()])[:, torch.randperm(n, generator=g)]


def _gap_cases() -> list[tuple[torch.Tensor, float]]:
    """Random models (lengths 0 to 1.5, some features not represented), a pentagon, a model with
    one represented feature and one with none."""
    g = torch.Generator().manual_seed(61)
    cases = []
    for n, threshold in [(7, 0.5), (9, 0.2)]:
        W = torch.randn(2, n, generator=g, dtype=torch.float64)
        W = W / W.norm(dim=0) * 1.5 * torch.rand(n, generator=g, dtype=torch.float64)
        W[:, -1] = 0.0
        cases.append((W, threshold))
    cases[1][0][:, 0] = 0.4 * cases[1][0][:, 1] / cases[1][0][:, 1].norm()  # two on one line: 0°
    cases.append((_planar(g, [72.0 * i for i in range(5)], 7), 0.5))
    cases.append((_planar(g, [0.0], 4), 0.5))
    cases.append((_planar(g, [], 3), 0.5))
    return cases


def _sorted_angles(W: torch.Tensor, threshold: float) -> torch.Tensor:
    keep = feature_norms(W) > threshold
    return torch.atan2(W[1, keep], W[0, keep]).rad2deg().sort().values


def _round(a: torch.Tensor, full: float = 360.0) -> torch.Tensor:
    """Differences of neighbouring angles, the last back round to the first."""
    return torch.diff(torch.cat([a, a[:1] + full]))


def _in_feature_order(W: torch.Tensor, t: float) -> torch.Tensor:
    keep = feature_norms(W) > t
    a = torch.atan2(W[1, keep], W[0, keep]).rad2deg()
    return torch.diff(torch.cat([a, a[:1]])) % 360


_GAP_MISTAKES = [
    Mistake(
        lambda W, t: _round(_sorted_angles(W, t).deg2rad(), 2 * math.pi),
        "the gaps are in radians: convert the angles to degrees (torch.rad2deg)",
    ),
    Mistake(
        lambda W, t: _round(_sorted_angles(W, t) % 360),
        "the right gaps, but starting from another feature: start at the smallest angle as "
        "torch.atan2 gives it, between −180° and 180° (no shift to 0°-360°)",
    ),
    Mistake(
        lambda W, t: angular_gaps(W.flip(-2), t),
        "torch.atan2 takes (y, x): the angle of feature i is atan2(W[1, i], W[0, i])",
    ),
    Mistake(
        _in_feature_order,
        "these gaps follow the feature order: a feature's neighbours are the ones next to it "
        "going round the circle, so sort the angles first",
    ),
    Mistake(
        _sorted_angles,
        "these are the angles themselves: return the differences between neighbouring angles",
    ),
]

_GAP_SHAPE_MISTAKES = [
    Mistake(
        lambda W, t: torch.diff(_sorted_angles(W, t)),
        "one gap is missing: the last one goes from the largest angle back round to the first "
        "(first angle + 360°)",
    ),
    Mistake(
        lambda W, t: angular_gaps(W, -1.0),
        "a feature with ‖W_i‖ ≤ threshold counts: leave out the features that are not represented",
    ),
    Mistake(
        lambda W, t: angular_gaps(W, 0.5),
        "the threshold argument is ignored (0.5 used): keep the features with ‖W_i‖ > threshold",
    ),
]


def _judge_gaps(fn: Callable) -> None:
    cases = _gap_cases()
    for args in cases:
        out = call_learner(fn, args)
        expected = angular_gaps(*args)
        if not isinstance(out, torch.Tensor) or out.shape == expected.shape:
            continue
        for mistake in _GAP_SHAPE_MISTAKES:
            wrong = mistake.fn(*args)
            if out.shape == wrong.shape and torch.allclose(out.double(), wrong.double(), atol=1e-3):
                raise WrongAnswer(mistake.message)
    compare_with_reference(
        fn,
        angular_gaps,
        cases,
        _GAP_MISTAKES,
        "one gap per represented feature (an empty tensor when there is none)",
    )


check_angular_gaps = Check("angular_gaps", angular_gaps, _judge_gaps)
"""Exercise: ``angular_gaps(W (2, features), threshold=0.5) → (represented features,)``: the angles
in degrees between neighbouring represented features going round the circle, from the smallest
``atan2`` angle; they sum to 360."""


# ---------------------------------------------------------------- regular polygons


def _regular(k: int) -> list[float]:
    return [360.0 * i / k for i in range(k)]


def _jittered(g: torch.Generator, k: int, by: float) -> list[float]:
    return (torch.tensor(_regular(k)) + by * (2 * torch.rand(k, generator=g) - 1)).tolist()


def _moved(k: int, by: float) -> list[float]:
    return [by + a if i == 0 else a for i, a in enumerate(_regular(k))]


def _polygon_cases() -> list[tuple[torch.Tensor, int, float, float]]:
    """2-D models ``(..., 2, features)`` (after the first, each with short and dropped features
    besides its vertices): regular k-gons (every vertex up to 0.6° off), a vertex 3.5° or 12°
    off, polygons with more or fewer vertices, no represented feature; other tolerances and
    thresholds."""
    g = torch.Generator().manual_seed(62)

    def stack(models: list[tuple[list[float], list[float] | None]], n: int) -> torch.Tensor:
        return torch.stack([_planar(g, v, n, norms) for v, norms in models])

    pentagon, square = _jittered(g, 5, 0.6), _jittered(g, 4, 0.6)
    fives = [
        (pentagon, None),
        (_moved(5, 12.0), None),
        (_regular(6), None),
        (_regular(4), None),
        ([], None),
        (_jittered(g, 5, 0.6), None),
    ]
    fours = [
        (square, None),
        (_moved(4, 3.5), None),  # within 5° of 90°, not within 2°
        (square, [0.4, 1.0, 1.0, 1.0]),  # represented at threshold 0.3, not at 0.5
        (_regular(3), None),
        (_regular(5), None),
        (_jittered(g, 4, 0.6), None),
    ]
    threes = [(_regular(3), None), (_moved(3, 12.0), None), (_regular(6), None), ([0.0], None)]
    return [
        (_planar(g, pentagon, 5), 5, 5.0, 0.5),  # the vertices alone
        (stack(fives, 7), 5, 5.0, 0.5),
        (stack(fours, 6).reshape(2, 3, 2, 6), 4, 2.0, 0.3),
        (stack(threes, 8), 3, 5.0, 0.5),
        (stack([(_regular(2), None), (_moved(2, 30.0), None)], 5), 2, 5.0, 0.5),
    ]


def _each_model(
    W: torch.Tensor, test: Callable[[torch.Tensor, torch.Tensor], bool], t: float
) -> torch.Tensor:
    """``test(gaps, angles in feature order)`` for every model of ``W (..., 2, features)``."""
    flat = W.reshape(-1, 2, W.shape[-1])
    out = []
    for Wi in flat:
        keep = feature_norms(Wi) > t
        out.append(test(angular_gaps(Wi, t), torch.atan2(Wi[1, keep], Wi[0, keep]).rad2deg()))
    return torch.tensor(out, dtype=torch.bool).reshape(W.shape[:-2])


def _within(gaps: torch.Tensor, angle: float, tol: float) -> bool:
    return bool(((gaps - angle).abs() <= tol).all())


_POLYGON_MISTAKES = [
    Mistake(
        lambda W, k, tol, t: (
            is_regular_polygon(W, k, tol_degrees=tol, threshold=t) | (feature_norms(W) <= t).all(-1)
        ),
        "a model with no represented feature counts as a regular polygon: it needs exactly k "
        "represented features",
    ),
    Mistake(
        lambda W, k, tol, t: _each_model(
            W, lambda gaps, a: gaps.numel() > 0 and _within(gaps, 360 / gaps.numel(), tol), t
        ),
        "a regular polygon with another number of vertices passes: compare every gap with "
        "360°/k (a regular hexagon is not a regular pentagon)",
    ),
    Mistake(
        lambda W, k, tol, t: is_regular_polygon(W, k, tol_degrees=tol, threshold=-1.0),
        "short features count: leave out every feature with ‖W_i‖ ≤ threshold, from the count "
        "and from the angles",
    ),
    Mistake(
        lambda W, k, tol, t: _each_model(
            W,
            lambda gaps, a: a.numel() == k and _within((a.roll(-1) - a) % 360, 360 / k, tol),
            t,
        ),
        "neighbours taken in feature order: a feature's neighbours are the ones next to it going "
        "round the circle, so sort the angles first",
    ),
    Mistake(
        lambda W, k, tol, t: is_regular_polygon(W, k, tol_degrees=5.0, threshold=t),
        "the tol_degrees argument is ignored (5° used): every gap must be within tol_degrees "
        "of 360°/k",
    ),
    Mistake(
        lambda W, k, tol, t: is_regular_polygon(W, k, tol_degrees=tol, threshold=0.5),
        "the threshold argument is ignored (0.5 used): a feature is represented when ‖W_i‖ > "
        "threshold",
    ),
]


def _judge_polygon(fn: Callable) -> None:
    def learner(W: torch.Tensor, k: int, tol: float, t: float) -> object:
        return fn(W, k, tol_degrees=tol, threshold=t)

    compare_exactly(
        learner,
        lambda W, k, tol, t: is_regular_polygon(W, k, tol_degrees=tol, threshold=t),
        _polygon_cases(),
        _POLYGON_MISTAKES,
        "(...): one True/False per model",
        "return a boolean tensor, True where a model is a regular k-gon (compare with <= and "
        "combine with & or .all())",
    )


check_is_regular_polygon = Check("is_regular_polygon", is_regular_polygon, _judge_polygon)
"""Exercise: ``is_regular_polygon(W (..., 2, features), k, *, tol_degrees=5.0, threshold=0.5) →
bool (...)``: exactly ``k`` represented features, every angle between neighbours within
``tol_degrees`` of ``360 / k``."""

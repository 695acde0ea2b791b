"""Checks for the course's exercises: call a learner's function on random inputs, compare it with
the library's own implementation, and say in words what differs.

Each check is a :class:`Check`. Calling it on a function prints one line (passed, not implemented
yet, or what is wrong) and returns the function the rest of the notebook should use: the learner's
when it passed, the library's otherwise, so later cells run either way::

    feature_dimensionality = tl.checks.check_feature_dimensionality(feature_dimensionality)

:meth:`Check.run` returns the verdict without printing (for tests). A wrong answer is recognised
where it matches a common mistake (importance ignored, ReLU missing, summed instead of averaged,
...); otherwise the message says where the values differ and by how much.

Why by hand: grading tools (nbgrader, otter-grader) run hidden tests after submission; a learner
here needs a verdict within a second, in the notebook, with the reference as a fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .config import Config
from .data import generate_batch
from .metrics import cosine_similarity, feature_dimensionality, monosemanticity
from .models import tied_forward, weighted_loss

__all__ = [
    # the pieces a check is built from
    "Check",
    "CheckResult",
    "Mistake",
    "WrongAnswer",
    "call_learner",
    "compare_exactly",
    "compare_with_reference",
    "random_weights",
    "zero_where",
    # the checks of the core's exercises
    "check_correlated_pairs",
    "check_cosine_similarity",
    "check_feature_dimensionality",
    "check_forward",
    "check_monosemanticity",
    "check_privileged_forward",
    "check_sparse_batch",
    "check_weighted_loss",
    # references that exist only for an exercise
    "correlated_pairs_batch",
    "privileged_forward",
]


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict: ``passed``, ``implemented`` (False: the stub still raises
    ``NotImplementedError``) and a ``message`` a learner can act on."""

    passed: bool
    implemented: bool
    message: str


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong implementation (same signature as the exercise) and what to tell a
    learner whose function gives the same values."""

    fn: Callable[..., torch.Tensor]
    message: str


class WrongAnswer(Exception):
    """Raised by a judge (see :class:`Check`): the learner's function is wrong, for the reason
    given in the message."""


def _shapes(args: Sequence[object]) -> str:
    return ", ".join(str(tuple(a.shape)) if isinstance(a, torch.Tensor) else repr(a) for a in args)


def call_learner(fn: Callable, args: Sequence[object], **kwargs: object) -> object:
    """``fn(*args, **kwargs)`` on copies of the tensors in ``args``; the learner's exceptions
    become :class:`WrongAnswer` (except ``NotImplementedError``: the stub is untouched)."""
    copies = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    try:
        out = fn(*copies, **kwargs)
    except NotImplementedError:
        raise
    except Exception as e:  # any error in the learner's code is reported, not raised
        raise WrongAnswer(
            f"raised {type(e).__name__}: {e} (inputs of shapes {_shapes(args)})"
        ) from e
    for a, c in zip(args, copies, strict=True):
        if isinstance(a, torch.Tensor) and not torch.equal(a.nan_to_num(), c.nan_to_num()):
            raise WrongAnswer("changed one of its inputs in place; compute a new tensor instead")
    return out


def _as_expected(out: object, expected: torch.Tensor, args: Sequence[object], what: str) -> None:
    """Type, shape and finiteness of ``out`` against ``expected``."""
    if not isinstance(out, torch.Tensor):
        raise WrongAnswer(f"returned {type(out).__name__}, not a torch.Tensor")
    if tuple(out.shape) != tuple(expected.shape):
        raise WrongAnswer(
            f"returned shape {tuple(out.shape)} for inputs of shapes {_shapes(args)}; "
            f"expected {tuple(expected.shape)}: {what}"
        )
    if not torch.isfinite(out).all():
        raise WrongAnswer(
            f"returned NaN or inf for inputs of shapes {_shapes(args)} (expected finite values)"
        )


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.allclose(a.double(), b.double(), rtol=1e-4, atol=1e-5)


def compare_with_reference(
    fn: Callable,
    reference: Callable,
    cases: Sequence[Sequence[object]],
    mistakes: Sequence[Mistake],
    what: str,
) -> None:
    """Raise :class:`WrongAnswer` unless ``fn`` matches ``reference`` on every case."""
    for args in cases:
        expected = reference(*args)
        out = call_learner(fn, args)
        _as_expected(out, expected, args, what)
        if _close(out, expected):
            continue
        for mistake in mistakes:
            if _close(out, mistake.fn(*args)):
                raise WrongAnswer(mistake.message)
        ratio = out.double() / expected.double()
        big = expected.abs() > 1e-3
        factor = ratio[big].mean() if big.any() else torch.tensor(1.0)
        if (factor - 1).abs() > 1e-4 and (ratio[big] - factor).abs().max() < 1e-4:
            raise WrongAnswer(
                f"every value is {factor:.4g} times the expected one: a constant factor "
                "is off (a sum where a mean belongs, a missing square, ...)"
            )
        diff = (out.double() - expected.double()).abs()
        at = tuple(int(i) for i in torch.unravel_index(diff.argmax(), diff.shape))
        raise WrongAnswer(
            f"values differ for inputs of shapes {_shapes(args)}: at index {at} yours is "
            f"{out[at].item():.4g}, expected {expected[at].item():.4g} "
            f"(largest difference {diff.max().item():.3g})"
        )


def compare_exactly(
    fn: Callable,
    reference: Callable,
    cases: Sequence[Sequence[object]],
    mistakes: Sequence[Mistake],
    what: str,
    dtype_hint: str,
) -> None:
    """Like :func:`compare_with_reference` for answers that are integers or booleans (labels,
    counts, indices with −1 for none, yes/no per model), where a ratio of values means nothing:
    raise :class:`WrongAnswer` unless ``fn`` returns the reference's dtype (else ``dtype_hint``
    says what to return) and exactly its values on every case. A difference is named by the first
    mistake that gives the same values, else by where it is."""
    for args in cases:
        expected = reference(*args)
        out = call_learner(fn, args)
        if isinstance(out, torch.Tensor) and out.dtype != expected.dtype:
            raise WrongAnswer(f"returned {out.dtype} values, not {expected.dtype}: {dtype_hint}")
        _as_expected(out, expected, args, what)
        if torch.equal(out, expected):
            continue
        for mistake in mistakes:
            if torch.equal(out, mistake.fn(*args).to(expected.dtype)):
                raise WrongAnswer(mistake.message)
        differ = out != expected
        at = tuple(int(i) for i in differ.nonzero()[0])
        raise WrongAnswer(
            f"values differ for inputs of shapes {_shapes(args)}: at index {at} yours is "
            f"{out[at].item()}, expected {expected[at].item()} ({int(differ.sum())} of "
            f"{differ.numel()} values differ)"
        )


def zero_where(fn: Callable, args: Sequence[object], zero: torch.Tensor, what: str) -> None:
    """Before comparing values: ``fn(*args)`` must be 0 where ``zero`` (a boolean mask shaped like
    the expected output) is set, where a careless division gives NaN; ``what`` names those entries."""
    out = call_learner(fn, args)
    if isinstance(out, torch.Tensor) and out.shape == zero.shape and not (out[zero] == 0).all():
        raise WrongAnswer(
            f"{what} gets {out[zero][0].item()} instead of 0 (guard the division, e.g. with "
            "torch.where)"
        )


class Check:
    """One exercise's check.

    Args:
        name: the function's name, as the learner defines it.
        reference: the library's implementation, used when the learner's fails.
        judge: raises :class:`WrongAnswer` (through the helpers here) when a function is wrong.
    """

    def __init__(self, name: str, reference: Callable, judge: Callable[[Callable], None]) -> None:
        self.name = name
        self.reference = reference
        self.judge = judge

    def run(self, fn: object) -> CheckResult:
        """The verdict on ``fn``, without printing."""
        if not callable(fn):
            return CheckResult(False, True, f"{self.name} is {type(fn).__name__}, not a function")
        try:
            self.judge(fn)
        except NotImplementedError:
            return CheckResult(
                False, False, "not implemented yet: replace `raise NotImplementedError` with code"
            )
        except WrongAnswer as e:
            return CheckResult(False, True, str(e))
        return CheckResult(True, True, "passed on random inputs of several shapes")

    def __call__(self, fn: object) -> Callable:
        """Print the verdict; return ``fn`` if it passed, else the reference implementation."""
        result = self.run(fn)
        if result.passed:
            print(f"✔ {self.name}: {result.message}. The cells below use your function.")
            return fn  # type: ignore[return-value]
        mark = "…" if not result.implemented else "✘"
        print(
            f"{mark} {self.name}: {result.message}.\n"
            f"  The cells below use the library's version ({self.reference.__module__}."
            f"{self.reference.__name__}) until yours passes."
        )
        return self.reference


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_weights(
    shapes: Sequence[tuple[int, ...]], seed: int, *, dropped: int, min_norm: float
) -> list[tuple[torch.Tensor]]:
    """One float64 weight tensor ``(..., hidden, features)`` per shape, each as a one-argument
    case: random directions, feature lengths spread upwards from about ``min_norm`` (so a formula
    that drops a feature's length cannot pass) and feature ``dropped`` set to zero (a feature the
    model dropped, where a careless division gives NaN)."""
    g = _generator(seed)
    cases = []
    for shape in shapes:
        W = torch.randn(shape, generator=g, dtype=torch.float64)
        W = W * (min_norm + torch.rand(shape[-1], generator=g, dtype=torch.float64))
        W[..., dropped] = 0.0
        cases.append((W,))
    return cases


# ---------------------------------------------------------------- sparse inputs (notebook 01)


def _sparse_sample(fn: Callable, p: torch.Tensor, batch: int) -> torch.Tensor:
    """``fn(p, batch, generator=…)``, checked for type, shape, reproducibility and range."""
    args = (p, batch)
    x = call_learner(fn, args, generator=_generator(0))
    if not isinstance(x, torch.Tensor):
        raise WrongAnswer(f"returned {type(x).__name__}, not a torch.Tensor")
    expected = (p.shape[0], batch, p.shape[1])
    if tuple(x.shape) != expected:
        raise WrongAnswer(
            f"returned shape {tuple(x.shape)} for probability of shape {tuple(p.shape)} and "
            f"batch_size={batch}; expected {expected}: (instances, batch, features)"
        )
    if not torch.equal(x, call_learner(fn, args, generator=_generator(0))):
        raise WrongAnswer(
            "two calls with generators seeded alike gave different batches: draw every random "
            "number from `generator` (torch.rand(..., generator=generator))"
        )
    if not torch.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise WrongAnswer("values lie outside [0, 1]: an active feature is Uniform[0, 1], else 0")
    return x


def _densities_and_values(x: torch.Tensor, p: torch.Tensor) -> None:
    """Each feature non-zero with probability ``p`` and Uniform[0, 1] when it is (5 standard
    errors)."""
    batch = x.shape[1]
    active = x > 0
    density = active.double().mean(1)  # (instances, features)
    tolerance = 5 * torch.sqrt(p * (1 - p) / batch) + 1e-3
    if ((density - (1 - p)).abs() < tolerance).all() and not (p == 0.5).all():
        raise WrongAnswer(
            "features are active with probability 1 − p: `probability` is the density, the "
            "chance that a feature is non-zero (zero with probability S = 1 − p)"
        )
    bad = (density - p).abs() > tolerance
    if bad.any():
        i, j = (int(v) for v in bad.nonzero()[0])
        raise WrongAnswer(
            f"instance {i}, feature {j} is non-zero in {density[i, j]:.3f} of samples; its "
            f"density is {p[i, j]:.3f} (each instance has its own densities)"
        )
    if (x[active].double() - 1).abs().max() < 1e-6:
        raise WrongAnswer("every active value is 1: an active feature takes a Uniform[0, 1] value")
    counts = active.sum(1).clamp_min(1)
    means = x.double().sum(1) / counts  # (instances, features): mean active value
    sem = torch.sqrt(1 / (12 * counts.double()))
    if ((means - p / 2).abs() < 5 * sem * p + 1e-3).all():
        raise WrongAnswer(
            "the active values are the draw that decided activity, so they all lie below p: "
            "rescale it (u / p) or draw a second uniform for the value"
        )
    if ((means - 0.5).abs() > 5 * sem + 1e-3).any():
        raise WrongAnswer(
            f"active values average {means.min():.3f} to {means.max():.3f} across features; "
            "an active feature is Uniform[0, 1], so they should average 0.5"
        )


def _correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    return float(((a - a.mean()) * (b - b.mean())).mean() / (a.std() * b.std()))


def _independent(x: torch.Tensor, i: int, j: int, what: str) -> None:
    """Features ``i`` and ``j`` of instance 0 must be active independently."""
    corr = _correlation(x[0, :, i] > 0, x[0, :, j] > 0)
    if abs(corr) > 0.05:
        raise WrongAnswer(
            f"features {i} and {j} are active together more (or less) often than chance "
            f"(correlation {corr:.2f}): {what}"
        )


def _judge_sparse_batch(fn: Callable) -> None:
    p = torch.tensor([[1.0, 0.5, 0.1, 0.02], [0.3, 0.3, 0.05, 1.0], [0.7, 0.2, 0.6, 0.01]])
    x = _sparse_sample(fn, p, 40_000)
    _densities_and_values(x, p)
    _independent(x, 1, 2, "draw each feature's activity separately")


check_sparse_batch = Check("sparse_batch", generate_batch, _judge_sparse_batch)
"""Exercise: ``sparse_batch(probability (instances, features), batch_size, *, generator) →
x (instances, batch, features)``, each feature zero with probability ``1 − p``, else Uniform[0, 1]."""


# ---------------------------------------------------------------- correlated pairs (notebook 05)


def correlated_pairs_batch(
    probability: torch.Tensor, batch_size: int, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Inputs whose features come in correlated pairs ``(0, 1), (2, 3), …``: one draw decides
    whether a pair is active (both features of a pair have the same density), and each active
    feature draws its own Uniform[0, 1] value (the library's generator with ``correlated`` sets).

    Shapes: ``probability (instances, features)``, features even → ``(instances, batch, features)``.
    """
    n_instances, n_features = probability.shape
    pairs = [(i, i + 1) for i in range(0, n_features, 2)]
    cfg = Config(n_features, 1, n_instances, feature_probability=probability, correlated=pairs)
    return generate_batch(cfg.probability, batch_size, generator=generator, sets=cfg.feature_sets)


def _judge_correlated_pairs(fn: Callable) -> None:
    p = torch.tensor([[0.3, 0.3, 0.05, 0.05, 0.5, 0.5], [0.1, 0.1, 0.6, 0.6, 0.02, 0.02]])
    x = _sparse_sample(fn, p, 40_000)
    active = x > 0
    for i in range(0, 6, 2):
        together = (active[..., i] == active[..., i + 1]).double().mean()
        if together < 1:
            raise WrongAnswer(
                f"features {i} and {i + 1} are active together in only {together:.1%} of "
                "samples: one draw decides whether the whole pair is active"
            )
    _densities_and_values(x, p)
    both = active[0, :, 0]
    corr = _correlation(x[0, both, 0], x[0, both, 1])
    if corr > 0.5:
        raise WrongAnswer(
            f"when a pair is active its two values are (nearly) equal (correlation {corr:.2f}): "
            "draw each feature's value separately"
        )
    _independent(x, 0, 2, "the pairs must be independent of each other")


check_correlated_pairs = Check(
    "correlated_pairs_batch", correlated_pairs_batch, _judge_correlated_pairs
)
"""Exercise: ``correlated_pairs_batch(probability, batch_size, *, generator)``, features in
correlated pairs (see :func:`correlated_pairs_batch`)."""


# ---------------------------------------------------------------- forward pass (notebook 01)


def _tied_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    g = _generator(seed)
    cases = []
    for instances, hidden, features, batch in [(1, 2, 5, 7), (3, 2, 5, 16), (2, 3, 8, 9)]:
        W = torch.randn(instances, hidden, features, generator=g)
        b = 0.5 * torch.randn(instances, features, generator=g)
        x = torch.rand(instances, batch, features, generator=g)
        x = torch.where(torch.rand(x.shape, generator=g) < 0.5, x, torch.zeros(()))
        cases.append((W, b, x))
    return cases


def _forward_mistakes() -> list[Mistake]:
    def wtwx(W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return torch.bmm(torch.bmm(x, W.transpose(1, 2)), W)

    return [
        Mistake(
            lambda W, b, x: wtwx(W, x) + b.unsqueeze(1),
            "some outputs are negative: apply the ReLU to WᵀWx + b",
        ),
        Mistake(lambda W, b, x: torch.relu(wtwx(W, x)), "the bias b is missing: ReLU(WᵀWx + b)"),
        Mistake(
            lambda W, b, x: torch.relu(wtwx(W, x)) + b.unsqueeze(1),
            "the bias is added after the ReLU: it belongs inside, x' = ReLU(WᵀWx + b)",
        ),
        Mistake(
            lambda W, b, x: torch.relu(
                torch.bmm(torch.relu(torch.bmm(x, W.transpose(1, 2))), W) + b.unsqueeze(1)
            ),
            "a ReLU on the hidden layer too: here h = Wx is linear; only the output has a ReLU",
        ),
    ]


def _judge_forward(fn: Callable) -> None:
    compare_with_reference(
        fn,
        tied_forward,
        _tied_cases(1),
        _forward_mistakes(),
        "(instances, batch, features), like x",
    )


check_forward = Check("forward", tied_forward, _judge_forward)
"""Exercise: ``forward(W (instances, hidden, features), b (instances, features), x (instances,
batch, features)) → x' = ReLU(Wᵀ W x + b)``, ``(instances, batch, features)``."""


# ---------------------------------------------------------------- weighted loss (notebook 01)


def _loss_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    g = _generator(seed)
    cases = []
    for instances, batch, features in [(1, 6, 5), (3, 10, 5), (2, 7, 9)]:
        x = torch.rand(instances, batch, features, generator=g)
        x_hat = torch.rand(instances, batch, features, generator=g)
        importance = 0.1 + 0.9 * torch.rand(instances, features, generator=g)
        cases.append((x, x_hat, importance))
    return cases


_LOSS_MISTAKES = [
    Mistake(
        lambda x, y, imp: ((x - y) ** 2).sum(-1).mean(-1),
        "the importance weights are missing: multiply each feature's squared error by I_i",
    ),
    Mistake(
        lambda x, y, imp: (imp.unsqueeze(1) * (x - y) ** 2).mean(-1).mean(-1),
        "averaged over features: the loss sums over features (Σ_i) and averages over the batch",
    ),
    Mistake(
        lambda x, y, imp: (imp.unsqueeze(1) * (x - y) ** 2).sum(-1).sum(-1),
        "summed over the batch: the loss is an expectation over inputs, so average over samples",
    ),
    Mistake(
        lambda x, y, imp: (imp.unsqueeze(1) * (x - y).abs()).sum(-1).mean(-1),
        "the errors are not squared: I_i (x_i − x'_i)²",
    ),
    Mistake(
        lambda x, y, imp: ((imp.unsqueeze(1) * (x - y)) ** 2).sum(-1).mean(-1),
        "the importance is squared too: weight the squared error, I_i (x_i − x'_i)², not (I_i (x_i − x'_i))²",
    ),
]


def _judge_weighted_loss(fn: Callable) -> None:
    compare_with_reference(
        fn, weighted_loss, _loss_cases(2), _LOSS_MISTAKES, "one loss per instance"
    )


check_weighted_loss = Check("weighted_loss", weighted_loss, _judge_weighted_loss)
"""Exercise: ``weighted_loss(x, x_hat (instances, batch, features), importance (instances,
features)) → (instances,)``: ``Σ_i I_i (x_i − x̂_i)²`` averaged over the batch."""


# ---------------------------------------------------------------- dimensionality (notebook 01)


def _weight_cases(seed: int) -> list[tuple[torch.Tensor]]:
    g = _generator(seed)
    cases = []
    for instances, hidden, features in [(1, 2, 5), (3, 2, 5), (2, 4, 7)]:
        W = torch.randn(instances, hidden, features, generator=g)
        cases.append((W,))
    W = torch.randn(2, 2, 6, generator=g)
    W[:, :, 3] = 0.0  # a feature the model dropped: D_i = 0
    cases.append((W,))
    return cases


def _unit(W: torch.Tensor) -> torch.Tensor:
    return W / W.norm(dim=-2, keepdim=True).clamp_min(1e-12)


def _overlap(W: torch.Tensor) -> torch.Tensor:
    return _unit(W).transpose(-1, -2) @ W  # M[i, j] = Ŵ_i · W_j


_DIMENSIONALITY_MISTAKES = [
    Mistake(
        lambda W: W.norm(dim=-2) ** 2 / ((_unit(W).transpose(-1, -2) @ _unit(W)) ** 2).sum(-1),
        "both vectors are normalised in the denominator: use Ŵ_i · W_j (only W_i is a unit vector)",
    ),
    Mistake(
        lambda W: W.norm(dim=-2) / (_overlap(W) ** 2).sum(-1),
        "the numerator is ‖W_i‖, not ‖W_i‖²",
    ),
    Mistake(
        lambda W: W.norm(dim=-2) ** 2 / _overlap(W).abs().sum(-1),
        "the dot products in the denominator are not squared: Σ_j (Ŵ_i · W_j)²",
    ),
    Mistake(
        lambda W: (
            W.norm(dim=-2) ** 2
            / ((_overlap(W) ** 2).sum(-1) - torch.diagonal(_overlap(W), dim1=-2, dim2=-1) ** 2)
        ),
        "the sum over j leaves out j = i: it includes the feature itself, (Ŵ_i · W_i)² = ‖W_i‖²",
    ),
]


def _judge_dimensionality(fn: Callable) -> None:
    cases = _weight_cases(3)
    W = cases[-1][0]
    zero_where(fn, (W,), W.norm(dim=-2) == 0, "a feature with W_i = 0")
    compare_with_reference(
        fn,
        feature_dimensionality,
        cases,
        _DIMENSIONALITY_MISTAKES,
        "(instances, features): one D_i per feature",
    )


check_feature_dimensionality = Check(
    "feature_dimensionality", feature_dimensionality, _judge_dimensionality
)
"""Exercise: ``feature_dimensionality(W (instances, hidden, features)) → D (instances, features)``,
``D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²``, 0 for a feature with ``W_i = 0``."""


# ---------------------------------------------------------------- privileged basis (notebook 08)


def privileged_forward(W: torch.Tensor, b: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``h = ReLU(W x)``, ``x' = ReLU(Wᵀ h + b)``: the §8 model, shapes as :func:`tied_forward`."""
    return tied_forward(W, b, x, hidden_activation="relu")


def _privileged_mistakes() -> list[Mistake]:
    def h(W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return x @ W.transpose(1, 2)

    return [
        Mistake(
            lambda W, b, x: tied_forward(W, b, x),
            "the hidden layer has no ReLU: here h = ReLU(Wx), which is what makes the neurons special",
        ),
        Mistake(
            lambda W, b, x: torch.relu(h(W, x)) @ W + b.unsqueeze(1),
            "some outputs are negative: the output keeps its ReLU, x' = ReLU(Wᵀh + b)",
        ),
        Mistake(
            lambda W, b, x: torch.relu(torch.relu(h(W, x)) @ W),
            "the bias b is missing: x' = ReLU(Wᵀh + b)",
        ),
        Mistake(
            lambda W, b, x: torch.relu(
                torch.relu(h(W, x) + b.unsqueeze(1) @ W.transpose(1, 2)) @ W
            ),
            "the bias is added in the hidden layer: it belongs to the output, x' = ReLU(Wᵀh + b)",
        ),
    ]


def _judge_privileged_forward(fn: Callable) -> None:
    compare_with_reference(
        fn,
        privileged_forward,
        _tied_cases(4),
        _privileged_mistakes(),
        "(instances, batch, features), like x",
    )


check_privileged_forward = Check(
    "privileged_forward", privileged_forward, _judge_privileged_forward
)
"""Exercise: ``privileged_forward(W (instances, neurons, features), b (instances, features), x
(instances, batch, features)) → x' = ReLU(Wᵀ ReLU(W x) + b)``, ``(instances, batch, features)``."""


def _neuron_cases(seed: int) -> list[tuple[torch.Tensor]]:
    g = _generator(seed)
    cases = [(torch.randn(instances, neurons, features, generator=g),)
             for instances, neurons, features in [(1, 5, 10), (3, 5, 10), (2, 4, 7)]]  # fmt: skip
    W = torch.randn(2, 5, 10, generator=g)
    W[0, 2] = 0.0  # a dead neuron: score 0
    W[1, 1] = torch.zeros(10).index_fill(0, torch.tensor([3]), -2.0)  # one negative weight only
    cases.append((W,))
    return cases


_MONOSEMANTICITY_MISTAKES = [
    Mistake(
        lambda W: W.abs().max(-1).values / W.abs().sum(-1),
        "absolute values instead of squares: the score is max_i W_ki² / Σ_i W_ki²",
    ),
    Mistake(
        lambda W: W.max(-1).values ** 2 / (W**2).sum(-1),
        "the largest signed weight: a neuron may read its top feature with a negative weight, so "
        "take the largest squared weight",
    ),
    Mistake(
        lambda W: W.abs().max(-1).values / W.norm(dim=-1),
        "the square root of the score: divide the largest squared weight by the squared norm",
    ),
]


def _judge_monosemanticity(fn: Callable) -> None:
    cases = _neuron_cases(5)
    W = cases[-1][0]
    zero_where(fn, (W,), (W == 0).all(-1), "a neuron whose weights are all 0")
    compare_with_reference(
        fn,
        monosemanticity,
        cases,
        _MONOSEMANTICITY_MISTAKES,
        "(instances, neurons): one score per neuron, over the features in each row W[k, :]",
    )


check_monosemanticity = Check("monosemanticity", monosemanticity, _judge_monosemanticity)
"""Exercise: ``monosemanticity(W (instances, neurons, features)) → (instances, neurons)``:
``max_i W_ki² / Σ_i W_ki²``, 0 for a neuron whose weights are all 0."""


# ---------------------------------------------------------------- cosine similarity (notebook 05)


def _cosine_mistakes() -> list[Mistake]:
    def rows(W: torch.Tensor) -> torch.Tensor:
        return W / W.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    return [
        Mistake(
            lambda W: W.transpose(-1, -2) @ W,
            "these are the dot products W_i · W_j: divide by both norms (normalise the columns first)",
        ),
        Mistake(
            lambda W: _unit(W).transpose(-1, -2) @ W,
            "only one side is normalised: use Ŵ_i · Ŵ_j, both columns divided by their norms",
        ),
        Mistake(
            lambda W: rows(W).transpose(-1, -2) @ rows(W),
            "the rows were normalised: feature i is column W[:, :, i], so divide each column by "
            "its norm",
        ),
    ]


def _judge_cosine(fn: Callable) -> None:
    cases = _weight_cases(7)
    W = cases[-1][0]
    dropped = W.norm(dim=-2) == 0  # (instances, features)
    zero = dropped.unsqueeze(-1) | dropped.unsqueeze(-2)  # their rows and columns
    zero_where(fn, (W,), zero, "the cosine with a feature whose W_i = 0")
    compare_with_reference(
        fn, cosine_similarity, cases, _cosine_mistakes(), "(instances, features, features)"
    )


check_cosine_similarity = Check("cosine_similarity", cosine_similarity, _judge_cosine)
"""Exercise: ``cosine_similarity(W (instances, hidden, features)) → (instances, features,
features)``: ``Ŵ_i · Ŵ_j``, 0 in the rows and columns of a feature with ``W_i = 0``."""

"""Training SAEs on a toy model's hidden activations, with resampling of dead latents.

Data: every step draws a fresh batch of the toy model's inputs ``x`` (its own feature
probabilities and feature sets), and every SAE reads the same hidden vectors ``h = W x`` of one
toy model instance, so SAEs of a sweep differ only by their settings and start.

Optimiser: Adam, and after every step each decoder row is scaled back to unit norm (otherwise an
SAE could shrink ``f`` and grow ``W_dec`` to dodge the L1 penalty).

Two engines train the same way: ``"numba"`` (CPU; the fused kernel of
:mod:`toy_lib.sparse_autoencoders._kernel`, data from the toy kernel's counter-based uniforms)
and ``"torch"`` (any device; ``torch.optim.Adam`` on autograd gradients, data from a
``torch.Generator``). They draw different samples, so their runs agree in distribution, not
number for number.

Resampling (as described in Anthropic's *Towards Monosemanticity*, 2023): at the steps in
``resample_at``, every latent that has not fired in the second half of the steps since the
previous resampling (or the start) is dead; it is re-initialised toward inputs the SAE reconstructs badly: inputs are drawn with
probability proportional to their squared reconstruction loss, the latent's decoder row becomes
the input's direction, its encoder column the same direction scaled to 0.2 × the mean norm of the
live encoder columns, its encoder bias 0, and the optimiser's moments for all three are reset.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch

from .. import _reuse
from ..data import generate_batch
from ..models import ToyModel
from ..progress import Progress, progress_bar, report
from ..train import _KernelModel, _resolve_engine, kernel_threads
from ..validate import check_int, check_number
from . import _kernel
from .sae import SparseAutoencoder, sae_loss

__all__ = ["SAEHistory", "resample_dead", "toy_activations", "train_saes"]

ADAM = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}  # torch.optim.Adam's defaults

REPORT_EVERY = 50  # steps between progress reports (explorers stop a stale retrain at one)


@dataclass
class SAEHistory:
    """What :func:`train_saes` recorded.

    Attributes:
        loss: ``(steps, instances)`` each step's training loss (before that step's update).
        resampled: ``{step: (instances,) number of latents resampled}`` for every resampling.
        seconds: wall-clock training time.
    """

    loss: torch.Tensor
    resampled: dict[int, torch.Tensor] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def final_loss(self) -> torch.Tensor:
        """``(instances,)`` mean training loss over the last 10% of steps (at least one step): what
        restarts are compared by."""
        return self.loss[-max(1, self.loss.shape[0] // 10) :].mean(0)


def toy_activations(
    model: ToyModel, instance: int, batch_size: int, *, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A fresh batch of instance ``instance``'s inputs and hidden vectors: ``x (batch, features)``
    and ``h = W x``, ``(batch, hidden)``."""
    _check_source(model, instance)
    probability = model.feature_probability[instance : instance + 1]
    x = generate_batch(probability, batch_size, generator=generator, sets=model.cfg.feature_sets)[0]
    with torch.no_grad():
        return x, x @ model.W[instance].T


def _check_source(model: ToyModel, instance: int) -> None:
    """``instance`` must be one of ``model``'s, and its hidden layer linear (``h = W x``)."""
    n = model.cfg.n_instances
    if isinstance(instance, bool) or not isinstance(instance, int) or not 0 <= instance < n:
        raise ValueError(f"instance={instance!r} is not allowed: it must be an integer in [0, {n})")
    if model.hidden_activation != "linear":
        raise ValueError(
            "the SAEs read the linear hidden layer h = W x (hidden_activation='linear')"
        )


@torch.no_grad()
def resample_dead(
    sae: SparseAutoencoder,
    dead: torch.Tensor,
    h: torch.Tensor,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Re-initialise the latents marked in ``dead (instances, d_sae)`` toward the inputs among
    ``h (batch, d_in)`` that each SAE reconstructs worst (see the module docstring); resets their
    moments in ``optimizer`` (Adam's ``exp_avg``/``exp_avg_sq``) if given. Returns how many
    latents each SAE resampled, ``(instances,)``."""
    dead = dead & sae.latent_mask
    h_hat, _ = sae(h.expand(sae.cfg.n_instances, -1, -1))
    weight = ((h - h_hat) ** 2).sum(-1) ** 2  # (instances, batch): squared reconstruction loss
    for i in range(sae.cfg.n_instances):
        js = dead[i].nonzero().flatten()
        if len(js) == 0 or float(weight[i].sum()) <= 0:
            continue
        picks = torch.multinomial(weight[i], len(js), replacement=True, generator=generator)
        direction = h[picks] / h[picks].norm(dim=-1, keepdim=True).clamp_min(1e-12)
        alive = sae.latent_mask[i] & ~dead[i]
        scale = 0.2 * (sae.W_enc[i][:, alive].norm(dim=0).mean() if alive.any() else 1.0)
        sae.W_dec[i, js] = direction
        sae.W_enc[i][:, js] = direction.T * scale
        sae.b_enc[i, js] = 0.0
        if optimizer is not None:
            for p, index in (
                (sae.W_dec, (i, js)),
                (sae.W_enc, (i, slice(None), js)),
                (sae.b_enc, (i, js)),
            ):
                for moment in ("exp_avg", "exp_avg_sq"):
                    state = optimizer.state.get(p, {})
                    if moment in state:
                        state[moment][index] = 0.0
    return dead.sum(-1)


def train_saes(
    sae: SparseAutoencoder,
    model: ToyModel,
    instance: int = 0,
    *,
    steps: int = 5_000,
    batch_size: int = 1024,
    lr: float = 1e-3,
    seed: int = 0,
    resample_at: tuple[int, ...] = (),
    engine: str = "auto",
    progress: bool | None = None,
) -> SAEHistory:
    """Train every SAE of ``sae`` in place on the hidden vectors of instance ``instance`` of the
    toy ``model`` (see the module docstring): ``steps`` Adam steps of ``batch_size`` fresh inputs,
    learning rate ``lr``, data drawn from ``seed``; dead latents resampled at the steps in
    ``resample_at``. ``engine``: one of :data:`toy_lib.train.ENGINES` (``"auto"``: numba when
    both are on the CPU). ``progress``: a progress bar (``None``: only if the run takes over
    2 s); progress is also reported to :func:`toy_lib.progress.listening` every
    ``REPORT_EVERY`` steps.

    Raises ``FloatingPointError`` (with a hint) if a loss becomes NaN or infinite.
    """
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_number("lr", lr, 0.0, low_open=True)
    check_int("seed", seed, 0)
    _check_source(model, instance)
    for s in resample_at:
        if isinstance(s, bool) or not isinstance(s, int) or not 0 < s < steps:
            raise ValueError(
                f"resample_at={resample_at!r} is not allowed: each step must be an integer in "
                f"(0, {steps})"
            )
    engine = _resolve_engine(engine, sae, model)
    run = partial(_train, sae, model, instance, steps, batch_size, lr, seed, resample_at, engine)
    folder = _reuse.folder()
    if folder is None:
        return run(progress)
    settings = {
        "kind": "sae", "instance": instance, "steps": steps, "batch_size": batch_size, "lr": lr,
        "seed": seed, "resample_at": tuple(sorted(resample_at)), "engine": engine,
        "device": sae.device.type,
    }  # fmt: skip
    tensors = _reuse.model_tensors(model, "toy.") | {
        f"sae.{name}": t for name, t in sae.state_dict().items()
    }
    path = folder / f"{_reuse.key(settings, tensors)}.pt"
    with _reuse.turn(path):
        stored = _reuse.load(path)
        if stored is None:
            history = run(progress)
            params = {name: t.detach().cpu() for name, t in sae.state_dict().items()}
            _reuse.store(path, {"params": params, **vars(history)})
            return history
    sae.load_state_dict(stored.pop("params"))
    history = SAEHistory(**stored)
    bar = progress_bar(steps, progress=progress, desc="training SAEs")
    _report(sae, history.loss, steps, bar)
    bar.close()
    return history


def _train(
    sae, model, instance, steps, batch_size, lr, seed, resample_at, engine, progress
) -> SAEHistory:  # noqa: ANN001
    """:func:`train_saes`' training, for arguments it checked."""
    run = _run_numba if engine == "numba" else _run_torch
    start = time.perf_counter()
    bar = progress_bar(steps, progress=progress, desc="training SAEs")
    try:
        history = run(sae, model, instance, steps, batch_size, lr, seed, sorted(resample_at), bar)
    finally:
        bar.close()
    history.seconds = time.perf_counter() - start
    return history


def _window_starts(resample_at: list[int]) -> list[int]:
    """The step at which each resampling's window opens: halfway from the previous one (or 0)."""
    previous = [0, *resample_at][: len(resample_at)]
    return [(a + b) // 2 for a, b in zip(previous, resample_at, strict=True)]


def _report(sae: SparseAutoencoder, losses: torch.Tensor, done: int, bar, params=None) -> None:  # noqa: ANN001
    """Advance the bar and tell the listeners after ``done`` of ``len(losses)`` steps."""
    bar.update(done - bar.n)
    recent = losses[max(0, done - REPORT_EVERY) : done].mean(0).numpy().astype(np.float32)
    report(Progress(done, losses.shape[0], recent, params or (lambda: _params(sae))))


def _diverged(losses: torch.Tensor, lr: float) -> None:
    bad = (~torch.isfinite(losses)).nonzero()
    if len(bad):
        step, i = (int(v) for v in bad[0])
        raise FloatingPointError(
            f"the loss of SAE {i} became {float(losses[step, i])} at step {step}: try a smaller "
            f"lr (now {lr})"
        )


def _run_torch(sae, model, instance, steps, batch_size, lr, seed, resample_at, bar) -> SAEHistory:  # noqa: ANN001
    generator = torch.Generator(device=model.device).manual_seed(seed)
    optimizer = torch.optim.Adam(
        sae.parameters(), lr=lr, betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"]
    )
    losses = torch.empty(steps, sae.cfg.n_instances)
    fired = torch.zeros_like(sae.latent_mask)
    history = SAEHistory(losses)
    opens = _window_starts(resample_at)
    for step in range(steps):
        if step in opens:
            fired.zero_()
        if step in resample_at:
            _, h = toy_activations(model, instance, 4 * batch_size, generator=generator)
            history.resampled[step] = resample_dead(sae, ~fired, h, optimizer, generator=generator)
        _, h = toy_activations(model, instance, batch_size, generator=generator)
        h_hat, f = sae(h.expand(sae.cfg.n_instances, -1, -1))
        loss = sae_loss(h, h_hat, f, sae.penalty)
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        sae.normalize_decoder()
        with torch.no_grad():
            losses[step] = loss.detach().cpu()
            fired |= (f > 0).any(dim=1)
        _diverged(losses[step : step + 1], lr)
        if (step + 1) % REPORT_EVERY == 0 or step + 1 == steps:
            _report(sae, losses, step + 1, bar)
    return history


def _pack(sae: SparseAutoencoder) -> np.ndarray:
    """The SAEs' parameters as the kernel's flat rows: ``(SAEs, row)`` float32."""
    parts = [sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec]
    rows = [p.detach().reshape(sae.cfg.n_instances, -1) for p in parts]
    return torch.cat(rows, dim=1).numpy().astype(np.float32, copy=True)


def _unpack(P: np.ndarray, sae: SparseAutoencoder) -> dict[str, torch.Tensor]:
    """Flat rows back to ``{"W_enc", "b_enc", "W_dec", "b_dec"}`` tensors (copies)."""
    count, d, s = sae.cfg.n_instances, sae.cfg.d_in, sae.cfg.max_d_sae
    o = _kernel.layout(d, s)
    T = torch.from_numpy(P.copy())
    return {
        "W_enc": T[:, o[0] : o[1]].reshape(count, d, s),
        "b_enc": T[:, o[1] : o[2]],
        "W_dec": T[:, o[2] : o[3]].reshape(count, s, d),
        "b_dec": T[:, o[3] : o[4]],
    }


def _run_numba(sae, model, instance, steps, batch_size, lr, seed, resample_at, bar) -> SAEHistory:  # noqa: ANN001
    toy = _KernelModel(model)
    data = toy.data
    toy_args = (
        np.ascontiguousarray(toy.P[instance, 0]),
        data.prob[instance], data.lower[instance], data.group, data.fresh,
    )  # fmt: skip
    cfg = sae.cfg
    sae_args = (
        cfg.max_d_sae,
        sae.latent_mask.numpy().copy(),
        sae.l1_coefficient.numpy().astype(np.float32) * (cfg.activation == "relu"),
        sae.k.numpy().astype(np.int64),
        cfg.activation == "topk",
    )
    P = _pack(sae)
    mP, vP = np.zeros_like(P), np.zeros_like(P)
    fired = np.zeros(sae.latent_mask.shape, dtype=np.bool_)
    loss_out = np.empty((steps, cfg.n_instances), dtype=np.float32)
    losses = torch.from_numpy(loss_out)
    history = SAEHistory(losses)
    threads = min(kernel_threads(), cfg.n_instances)
    cuts = np.linspace(0, cfg.n_instances, threads + 1).astype(int)
    slices = [(int(a), int(z)) for a, z in zip(cuts[:-1], cuts[1:], strict=True) if z > a]
    opens = _window_starts(resample_at)
    bounds = sorted({*range(0, steps, REPORT_EVERY), *resample_at, *opens, steps})
    generator = torch.Generator().manual_seed(seed)
    lrs = np.full(steps, lr, dtype=np.float32)
    adam = tuple(np.float32(ADAM[k]) for k in ("beta1", "beta2", "eps"))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="toy_lib-sae") as pool:
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            if lo in opens:
                fired[:] = False
            if lo in resample_at:
                history.resampled[lo] = _resample_packed(
                    sae, P, mP, vP, fired, model, instance, batch_size, generator
                )
            schedule = (lrs[lo:hi], lo, seed, batch_size, *adam)
            args = ((P, mP, vP), toy_args, sae_args, schedule, loss_out[lo:hi], fired)
            jobs = [pool.submit(_kernel.train_chunk, a, z, *args) for a, z in slices]
            for job in jobs:
                job.result()
            _diverged(losses[lo:hi], lr)
            if hi % REPORT_EVERY == 0 or hi == steps:
                _report(sae, losses, hi, bar, lambda: _unpack(P, sae))
    with torch.no_grad():
        for name, value in _unpack(P, sae).items():
            getattr(sae, name).copy_(value)
    return history


def _resample_packed(sae, P, mP, vP, fired, model, instance, batch_size, generator) -> torch.Tensor:  # noqa: ANN001
    """:func:`resample_dead` on the kernel's packed rows: the SAE module takes the rows, resamples,
    gives them back; the Adam moments of the resampled latents are zeroed in ``mP``/``vP``."""
    with torch.no_grad():
        for name, value in _unpack(P, sae).items():
            getattr(sae, name).copy_(value)
    dead = torch.from_numpy(~fired) & sae.latent_mask
    _, h = toy_activations(model, instance, 4 * batch_size, generator=generator)
    count = resample_dead(sae, dead, h, generator=generator)
    P[:] = _pack(sae)
    o = _kernel.layout(sae.cfg.d_in, sae.cfg.max_d_sae)
    d, s = sae.cfg.d_in, sae.cfg.max_d_sae
    for i, j in dead.nonzero().tolist():
        for moments in (mP, vP):
            moments[i, o[0] : o[1]].reshape(d, s)[:, j] = 0.0  # W_enc column j
            moments[i, o[1] + j] = 0.0  # b_enc[j]
            moments[i, o[2] : o[3]].reshape(s, d)[j] = 0.0  # W_dec row j
    return count


def _params(sae: SparseAutoencoder) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in sae.named_parameters()}

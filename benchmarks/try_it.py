"""Measure the answers to a notebook's "Try it" prompts with the explorer's own training.

    python benchmarks/try_it.py 01

Prints what each prompt asks about, for the explorer's default seed and two more, so the answers in
the notebook are measured rather than guessed.
"""

from __future__ import annotations

import argparse

import torch

import toy_lib as tl
from toy_lib.superposition_at_a_glance import train_intro_model


def _shape(W: torch.Tensor) -> str:
    rep = tl.represented(W.unsqueeze(0))[0]
    gaps = tl.angular_gaps(W) if rep.sum() >= 2 else torch.tensor([])
    return (
        f"{int(rep.sum())} features {rep.int().tolist()}, gaps {[round(g) for g in gaps.tolist()]}"
    )


def intro(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 01's explorer (n → 2, best of 8)."""
    grid = [round(0.01 * i, 2) for i in range(100)]
    for seed in seeds:
        first3 = first5 = None
        for s in grid:
            r = train_intro_model(s, 0.9, 5, seed)
            count = int(tl.represented(r.W.unsqueeze(0)).sum())
            if first3 is None and count >= 3:
                first3 = (s, _shape(r.W))
            if first5 is None and count == 5:
                first5 = (s, _shape(r.W))
        print(f"seed {seed}: first ≥ 3 features at S = {first3}; first 5 at S = {first5}")
    for seed in seeds:
        for s in (0.0, 0.3, 0.6):
            print(
                f"decay 1.0, S = {s}, seed {seed}: {_shape(train_intro_model(s, 1.0, 5, seed).W)}"
            )
    for seed in seeds:
        print(
            f"8 features, S = 0.95, seed {seed}: {_shape(train_intro_model(0.95, 0.9, 8, seed).W)}"
        )
    for seed in range(21):
        r = train_intro_model(0.8, 0.9, 5, seed)
        print(f"S = 0.8, seed {seed:2d}: loss {r.loss:.5f}, {_shape(r.W)}")


def privileged(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 08's explorer (10 → 5, hidden ReLU, best of 4)."""
    from toy_lib.privileged_basis import PRIVILEGED_DENSITIES, count_neurons, train_privileged

    def census(density: float, seed: int, decay: float = 0.75, hidden: str = "relu") -> str:
        r = train_privileged([density], restarts=4, seed=seed, decay=decay, hidden_activation=hidden,
                             progress=False)  # fmt: skip
        W = r.model.W.detach()
        c = count_neurons(W)
        score = tl.metrics.monosemanticity(W)[0]
        return (
            f"{int(c.monosemantic[0])} mono {c.mono_features[0]}, {int(c.polysemantic[0])} poly, "
            f"{int(c.dead[0])} dead; scores {[round(v, 2) for v in score.tolist()]}"
        )

    for seed in seeds:
        for density in PRIVILEGED_DENSITIES:
            print(f"seed {seed}, density {density}: {census(density, seed)}")
    for seed in seeds:
        for density in (1.0, 0.75):
            print(f"decay 1.0, density {density}, seed {seed}: {census(density, seed, decay=1.0)}")
    for seed in seeds:
        print(f"linear hidden, density 1.0, seed {seed}: {census(1.0, seed, hidden='linear')}")


def superposition(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 02's explorer (20 → 5, best of 8)."""
    from toy_lib.demonstrating_superposition import SPARSITY_CHOICES, train_superposition_model

    def census(sparsity: float, output: str, seed: int, decay: float = 0.7) -> str:
        r = train_superposition_model(sparsity, output, decay, seed)
        W = r.W.unsqueeze(0)  # (1, hidden, features)
        rep = tl.represented(W)[0]
        cos = tl.cosine_similarity(W)[0]
        partners = []
        for i in rep.nonzero().flatten().tolist():
            if i >= 5:
                j = int(cos[i].argmin())
                partners.append(f"{i}~{j} (cos {cos[i, j]:.2f})")
        return f"{int(rep.sum())} features {rep.nonzero().flatten().tolist()}, beyond the top 5: {partners}"

    for seed in seeds:
        for s in SPARSITY_CHOICES:
            print(f"linear, S = {s}, seed {seed}: {census(s, 'linear', seed)}")
    for seed in seeds:
        for s in SPARSITY_CHOICES:
            print(f"relu, S = {s}, seed {seed}: {census(s, 'relu', seed)}")
    for seed in seeds:
        for output in ("relu", "linear"):
            print(
                f"decay 1.0, S = 0.999, {output}, seed {seed}: {census(0.999, output, seed, 1.0)}"
            )
    for seed in range(21):
        r = train_superposition_model(0.99, "relu", 0.7, seed)
        n = int(tl.represented(r.W.unsqueeze(0)).sum())
        print(f"relu, S = 0.99, seed {seed:2d}: {n} features, loss {r.loss:.5f}")


def dynamics(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 06's explorer (eight 6 → 2 models) and its triples prompt."""
    from toy_lib import learning_dynamics as dyn

    def levels(run: dyn.Dynamics, snapshot: int, model: int) -> str:
        f = [p.fraction for p in run.levels]
        idx = dyn.level_index(run.D[snapshot, model], f, 0.015).tolist()
        return ", ".join(run.levels[i].label if i >= 0 else "–" for i in idx)

    small = dyn.train_dynamics(density=0.05, init_scale=0.1, seed=0)
    best = max(small.coinciding(), key=lambda j: j.loss_drop)
    k = best.instance
    for name, t in (("plateau start", best.plateau_start), ("jump start", best.start),
                    ("jump end", best.end), ("last", len(small.steps) - 1)):  # fmt: skip
        W = small.W[t, k]
        cos = tl.cosine_similarity(W.unsqueeze(0))[0]
        rep = tl.represented(W.unsqueeze(0))[0].nonzero().flatten().tolist()
        pairs = [(i, j) for i in rep for j in rep if i < j and cos[i, j] < -0.9]
        print(f"model {k} at {name} (step {int(small.steps[t])}): levels [{levels(small, t, k)}], "
              f"represented {rep}, antipodal pairs {pairs}")  # fmt: skip
    for seed in seeds:
        for scale in (1.0, 0.1, 0.01):
            run = dyn.train_dynamics(density=0.05, init_scale=scale, seed=seed)
            print(f"seed {seed}, init {scale}: {len(run.jumps)} jumps, {len(run.coinciding())} "
                  f"coinciding, in models {run.instances_with_jump}; "
                  f"{sorted({j.label for j in run.jumps})}")  # fmt: skip
    for density in (0.1, 0.2):
        run = dyn.train_dynamics(density=density, init_scale=0.1, seed=0)
        finals = [levels(run, -1, m) for m in range(run.W.shape[1])]
        print(
            f"density {density}: jumps {sorted({j.label for j in run.jumps})}; final levels {finals}"
        )
    for density, scale, seed in ((0.1, 0.1, 0), (0.05, 0.1, 1), (0.05, 0.3, 1)):
        run = dyn.train_triples(density=density, init_scale=scale, seed=seed)
        print(
            f"triples density {density}, init {scale}, seed {seed}: model 0 {run.stages(0)}; "
            f"octahedra {run.octahedra} of {run.W.shape[1]}"
        )


def nonuniform(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 05's two explorers: the perturbation sweep (as the notebook trains it) and the
    correlation structures (best of 8)."""
    from toy_lib import geometry_nonuniform as nu

    relative = torch.logspace(-1, 1, 40)
    sweep = nu.perturbation_sweep(relative, base_density=0.05, k=8, seed=0)
    best = sweep.best_labels
    rep0 = tl.represented(sweep.best_W)[:, 0]
    gone = [float(r) for r, on in zip(sweep.relative, rep0.tolist(), strict=True) if not on]
    print(f"best restart without feature 0 at r = {[round(r, 3) for r in gone]}")
    for target in (0.25, 0.1):
        i = int((sweep.relative - target).abs().argmin())
        order = sweep.losses[i].argsort()
        rows = [f"{sweep.labels[i, j]} {sweep.losses[i, j]:.5f}" for j in order.tolist()]
        print(f"r = {float(sweep.relative[i]):.3f}, restarts by loss: {rows}")
        if target == 0.25:
            for seed in (1, 2, 3, 4):
                again = nu.retrain_point(sweep, i, seed)
                print(f"  retrained from seed {seed}: best {again.best_labels[i]}, "
                      f"loss {float(again.losses[i].min()):.5f}")  # fmt: skip
    print(
        f"best labels along r: {list(zip([round(float(r), 3) for r in sweep.relative], best, strict=True))}"
    )
    for structure in nu.CORRELATION_STRUCTURES:
        n, m, corr, anti = nu.CORRELATION_STRUCTURES[structure]
        sets = list(corr) + list(anti)
        for density in nu.DENSITY_CHOICES:
            for seed in seeds if density in (0.05, 0.3) else (0,):
                r = nu.train_correlation_model(structure, density, seed)
                words = [nu.set_geometry(r.W, s) for s in sets] or [
                    f"{int(tl.represented(r.W.unsqueeze(0)).sum())} represented, gaps "
                    f"{[round(g) for g in tl.angular_gaps(r.W).tolist()]}"
                ]
                print(f"{structure} | {density} | seed {seed}: {words}, loss {r.loss:.5f}")


def phase(seeds: tuple[int, ...] = (0, 1, 2, 3, 4)) -> None:
    """Notebook 03's explorer (one cell, best of 8 by exact loss) on the notebook's grid."""
    from toy_lib.phase_change import PHASE_PROBLEMS, train_phase_cell

    r_grid, p_grid = torch.logspace(-1, 1, 20), torch.logspace(-2, 0, 20)
    two, three = PHASE_PROBLEMS["2 → 1"], PHASE_PROBLEMS["3 → 2"]
    r = float(r_grid[9])
    print(f"2 → 1 at r = {r:.3f}; the paper's boundary p = 4r/(2 + 5r) = {4 * r / (2 + 5 * r):.3f}")
    for p in p_grid.tolist():
        res = train_phase_cell(two, r, p)
        print(f"  p = {p:.3f}: {two.phases[res.phase] if res.phase >= 0 else 'none'}, "
              f"W {[round(v, 2) for v in res.W.flatten().tolist()]}, "
              f"b {[round(v, 3) for v in res.b.tolist()]}")  # fmt: skip
    for r in (float(r_grid[9]), float(r_grid[10])):
        for seed in seeds:
            res = train_phase_cell(three, r, float(p_grid[17]), seed=seed)
            cos = tl.cosine_similarity(res.W.unsqueeze(0))[0]
            name = three.phases[res.phase] if res.phase >= 0 else "none of the four"
            print(f"3 → 2 at r = {r:.3f}, p = {float(p_grid[17]):.3f}, seed {seed}: {name}, "
                  f"cosines {[round(float(cos[i, j]), 2) for i, j in ((0, 1), (0, 2), (1, 2))]}, "
                  f"loss {res.loss:.5f}")  # fmt: skip
    for seed in seeds:
        res = train_phase_cell(three, 10.0, 0.01, seed=seed)
        cos = tl.cosine_similarity(res.W.unsqueeze(0))[0]
        name = three.phases[res.phase] if res.phase >= 0 else "none of the four"
        print(f"3 → 2 at r = 10, p = 0.01, seed {seed}: {name}, "
              f"cosines {[round(float(cos[i, j]), 2) for i, j in ((0, 1), (0, 2), (1, 2))]}, "
              f"loss {res.loss:.6f}")  # fmt: skip


def computation(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 09's explorer (20 → m absolute-value model, best of 4, 5,000 steps)."""
    from toy_lib.computation_in_superposition import (
        COMPUTATION_DENSITIES,
        find_motifs,
        train_abs,
        two_neuron_features,
    )

    def census(density: float, m: int, seed: int) -> tuple[str, list]:
        run = train_abs(density, n_features=20, n_hidden=m, restarts=4, seed=seed, steps=5000,
                        progress=False, eval_samples=16_384)  # fmt: skip
        report = two_neuron_features(run.model)
        motifs = find_motifs(run.model.W1, run.model.W2, run.model.b)[0]
        pairs = [f"{mo.strong}→{mo.weak} (neuron {mo.neuron}, inhibitors {list(mo.inhibitors)})"
                 for mo in motifs]  # fmt: skip
        text = (f"{int(report.n_computed[0])} computed, {int(report.n_two_neuron[0])} on two "
                f"neurons, {len(motifs)} motifs on {len({mo.neuron for mo in motifs})} neurons")  # fmt: skip
        return text, pairs

    for seed in seeds:
        for density in COMPUTATION_DENSITIES:
            text, pairs = census(density, 10, seed)
            print(f"seed {seed}, density {density}: {text}: {pairs}")
    for seed in (3, 4):
        text, pairs = census(0.1, 10, seed)
        print(f"seed {seed}, density 0.1: {text}: {pairs}")
    for m in (4, 6, 20):
        for seed in seeds:
            text, pairs = census(0.1, m, seed)
            print(f"{m} neurons, seed {seed}, density 0.1: {text}")


def geometry(seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    """Notebook 04's explorer on the sweep the notebook trains (seed 0), its retrain (seeds 1-3),
    and the finer sweep of its Try-it prompt (seeds 1 and 2)."""
    g = tl.geometry_uniform
    cfg = g.uniform_sweep("colab")
    density = cfg.probability[:, 0]
    model = tl.ToyModel(cfg, seed=0)
    tl.train(model, seed=0, progress=False)
    W = model.W.detach()
    dims, rep = tl.feature_dimensionality(W), tl.represented(W)
    for k in range(cfg.n_instances):
        on_half = ((dims[k] - 0.5).abs() <= 0.03)[rep[k]].float().mean()
        factors = g.tegum_factors(W[k])
        unnamed = [f"{len(f.features)} in {f.rank}-D: D_i {min(f.dimensionality):.2f}-"
                   f"{max(f.dimensionality):.2f}" for f in factors if f.polytope is None]  # fmt: skip
        print(f"1/(1-S) = {1 / float(density[k]):6.2f}: {on_half:.0%} of {int(rep[k].sum())} "
              f"represented within ±0.03 of 1/2; {g.summarize_factors(factors)}; unnamed {unnamed}")  # fmt: skip
        for f in factors:
            if f.polytope is not None and f.polytope.name == "triangle":
                print(f"    triangle {list(f.features)}: D_i {[round(v, 3) for v in f.dimensionality]}, "
                      f"own shape {[round(v, 3) for v in f.shape_dimensionality]}, leakage {f.leakage:.2f}")  # fmt: skip
    k = int((1 / density - 1.60).abs().argmin())
    for seed in seeds:
        one = tl.ToyModel(tl.Config(200, 20, feature_probability=float(density[k]), importance=1.0),
                          seed=seed)  # fmt: skip
        tl.train(one, seed=seed, progress=False)
        print(f"1/(1-S) = {1 / float(density[k]):.2f} retrained, seed {seed}: "
              f"{g.summarize_factors(g.tegum_factors(one.W.detach()[0]))}")  # fmt: skip
    for seed in (1, 2):
        fine = tl.Config(
            200, 20, 20, feature_probability=1 / torch.linspace(1.2, 1.6, 20), importance=1.0
        )
        m = tl.ToyModel(fine, seed=seed)
        tl.train(m, seed=seed, progress=False)
        Wf = m.W.detach()
        d, r = tl.feature_dimensionality(Wf), tl.represented(Wf)
        tetra = int(
            g.polytope_census(Wf)[
                :, [p.name for p in g.UNIFORM_POLYTOPES].index("tetrahedron")
            ].sum()
        )
        print(f"finer sweep, seed {seed}: {int((r & ((d - 0.75).abs() <= 0.01)).sum())} features within "
              f"±0.01 of 3/4, {int((r & ((d - 0.75).abs() <= 0.05)).sum())} within ±0.05; "
              f"tetrahedra {tetra}")  # fmt: skip


def robustness() -> None:
    """Notebook 07's explorer on the uniform sweep the notebook trains (seed 0; 512 inputs)."""
    a = tl.adversarial_robustness
    model = a.train_family("uniform", seed=0)
    n = model.cfg.n_instances

    def attacked(one: tl.ToyModel, fraction: float) -> str:
        x = tl.generate_batch(
            one.feature_probability, 512, generator=torch.Generator().manual_seed(0)
        )
        eps = a.attack_budget(x, fraction)
        reference = a.no_superposition_model(one.cfg, one.output)
        values = {name: float(a.vulnerability(one, x, eps, attack, reference))
                  for name, attack in a.ATTACKS.items()}  # fmt: skip
        return f"ε {float(eps):.3f}: " + ", ".join(f"{k} {v:.2f}" for k, v in values.items())

    sparsest = a.one_instance(model, n - 1)
    print(f"sparsest: density {float(sparsest.cfg.probability[0, 0]):.4f}, "
          f"mean bias {float(sparsest.b.detach().mean()):.3f}")  # fmt: skip
    for fraction in (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0):
        print(f"  budget {fraction} × mean ‖x‖: {attacked(sparsest, fraction)}")
    for seed in (1, 2):
        again = a.train_restarts(sparsest.cfg, 1, seed, sparsest.output)
        print(f"  retrained from seed {seed}, budget 0.1: {attacked(again, 0.1)}")
    middle = a.one_instance(model, n // 2)
    W = middle.W.detach()[0]
    gram = W.T @ W
    rep = tl.represented(W.unsqueeze(0))[0]
    touched = ((gram.abs() > 0.1) & ~torch.eye(W.shape[1], dtype=torch.bool))[rep].sum(-1)
    print(f"middle model (density {float(middle.cfg.probability[0, 0]):.4f}): a represented "
          f"feature's WᵀW row has |entry| > 0.1 with {touched.min()}-{touched.max()} other features "
          f"(median {touched.median()})")  # fmt: skip


def sparse_autoencoders(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 10's explorer (SAEs on the pentagon, best of 4 restarts, 5,000 steps)."""
    from toy_lib import sparse_autoencoders as sa

    model = sa.toy_model(sa.PENTAGON, 0)
    W = model.W[0].detach()
    settings = {"restarts": 4, "steps": 5_000, "progress": False}
    for seed in seeds:
        sweep = sa.sweep_saes(model, sa.L1_OPTIONS, d_sae=10, seed=seed, **settings)
        rows = [
            f"λ {v:g}: worst cos {float(sweep.scores['worst cos'][i]):.3f}, "
            f"L0 {float(sweep.scores['L0'][i]):.2f}"
            for i, v in enumerate(sa.L1_OPTIONS)
        ]
        print(f"seed {seed}, ReLU, 10 latents (true L0 {sweep.scores['true L0']:.2f}):")
        print("  " + "\n  ".join(rows))
    for seed in seeds:
        small = sa.sweep_saes(model, [0.3162], d_sae=3, seed=seed, **settings)
        cos = torch.nn.functional.normalize(small.sae.W_dec[0], dim=-1) @ (W / W.norm(dim=0))
        print(f"seed {seed}, 3 latents, λ 0.3162: each latent's cosines with features 0-4:")
        for row in cos.tolist():
            print("  " + " ".join(f"{c:+.2f}" for c in row))
    for seed in range(6):
        topk = sa.sweep_saes(model, [1], activation="topk", d_sae=10, seed=seed, **settings)
        print(f"seed {seed}, TopK k = 1: worst cos {float(topk.scores['worst cos'][0]):.3f}")


def memorization(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """Notebook 11's explorer (the notebook's sweep; other data sets and weight decay trained
    with the same setup)."""
    from toy_lib import memorization_double_descent as mdd

    sweep = mdd.sweep(data_seeds=seeds, progress=False)
    for seed in seeds:
        rows = []
        for T in mdd.SIZES:
            i = sweep.index(T, seed)
            r = mdd.regime(sweep.W[i], sweep.datasets[i])
            rows.append(
                f"T {T}: on m/T {r['on_line']:.2f}, T-gon angle error {r['tgon_angle']:.2f}, "
                f"pentagon {mdd.pentagon_of_features(r)}, test loss {float(sweep.test_loss[i]):.4g}"
            )
        print(f"data set {seed}:\n  " + "\n  ".join(rows))
    curve = sweep.mean_test_loss()
    peak = max(curve, key=curve.get)
    decayed = mdd.sweep((peak,), seeds, setup={"weight_decay": 1.0}, progress=False)
    for seed in seeds:
        i, j = sweep.index(peak, seed), decayed.index(peak, seed)
        r = mdd.regime(decayed.W[j], decayed.datasets[j])
        print(
            f"T {peak}, data set {seed}: test loss {float(sweep.test_loss[i]):.4g} → "
            f"{float(decayed.test_loss[j]):.4g} with weight decay 1.0; ‖W‖ "
            f"{float(sweep.W[i].norm()):.2f} → {float(decayed.W[j].norm()):.2f}, max D_X "
            f"{r['max_D_X']:.3f}, max D_f {r['max_D_f']:.3f}"
        )
    others = mdd.sweep((5,), tuple(range(3, 10)), progress=False)
    for seed in range(3, 10):
        i = others.index(5, seed)
        r = mdd.regime(others.W[i], others.datasets[i])
        print(
            f"T 5, data set {seed}: angle error {r['tgon_angle']:.2f}, length error "
            f"{r['tgon_norm']:.2f}, train loss {float(others.train_loss[i]):.4f}"
        )


NOTEBOOKS = {
    "01": intro,
    "02": superposition,
    "03": phase,
    "04": geometry,
    "05": nonuniform,
    "06": dynamics,
    "07": robustness,
    "08": privileged,
    "09": computation,
    "10": sparse_autoencoders,
    "11": memorization,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", choices=sorted(NOTEBOOKS))
    NOTEBOOKS[parser.parse_args().notebook]()

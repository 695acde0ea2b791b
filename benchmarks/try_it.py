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


NOTEBOOKS = {"01": intro, "08": privileged}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", choices=sorted(NOTEBOOKS))
    NOTEBOOKS[parser.parse_args().notebook]()

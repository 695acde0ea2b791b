"""Notebook 10's claims over several seeds, trained exactly as the notebook trains (seed 0 there).

    python benchmarks/seeds_sparse_autoencoders.py          # seeds 0, 1, 2
    python benchmarks/seeds_sparse_autoencoders.py 3 4      # other seeds

The claims and their thresholds are ``toy_lib.sparse_autoencoders.CLAIMS``, fixed before the first
run. Per seed: the pentagon's ReLU SAE at the knee of its frontier and its TopK SAE (worst best
cosine of any feature, L0 against the true mean number of active features), and the larger case
(share recovered at the knee, MMCS at its peak and at the sweep's ends, the rank correlation of
dead latents with λ, dead latents over the sweep without and with resampling), then the second claims
(``SECOND_CLAIMS``, stated after seeds 0-2 had run, for seeds 3-5). About 30 s a seed.
"""

from __future__ import annotations

import sys

from machine import cpu_model

from toy_lib import sparse_autoencoders as sa


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def main(seeds: list[int]) -> None:
    print(f"CPU: {cpu_model()}")
    for key, text in {**sa.CLAIMS, **sa.SECOND_CLAIMS}.items():
        print(f"- {key}: {text}")
    print("\n| seed | SAE | λ or k | worst cos | found | L0 / true | L0 close |")
    print("|---|---|---|---|---|---|---|")
    forty = []
    for seed in seeds:
        study = sa.pentagon_study(seed, progress=False)
        claims = sa.pentagon_claims(study)
        for name, value in (
            ("ReLU", f"{float(study.relu.values[study.chosen]):.3g}"),
            ("TopK", "1"),
        ):
            c = claims[name.lower()]
            print(
                f"| {seed} | {name} | {value} | {c['worst cos']:.3f} | {mark(c['pentagon found'])} | "
                f"{c['L0']:.3f} / {c['true L0']:.3f} | {mark(c['pentagon L0'])} |"
            )
        study = sa.forty_study(seed, progress=False)
        forty.append((seed, sa.forty_claims(study) | sa.forty_second_claims(study)))
    print("\n| seed | λ | share ≥ 0.9 | MMCS peak / ends | ρ(λ, dead) | dead / resampled |")
    print("|---|---|---|---|---|---|")
    for seed, c in forty:
        print(
            f"| {seed} | {c['λ']:.3g} | {c['share ≥ 0.9']:.3f} {mark(c['forty recovered'])} | "
            f"{c['MMCS peak']:.3f} / {c['MMCS ends']:.3f} {mark(c['MMCS falls at both ends'])} | "
            f"{c['ρ']:.2f} {mark(c['dead rise with λ'])} | {c['dead']} / {c['dead resampled']} "
            f"{mark(c['resampling lowers dead'])} |"
        )
    print("\nSecond claims (stated after seeds 0-2):\n")
    print("| seed | best share ≥ 0.9 | MMCS dense end / peak (λ) | loss recovered at the peak |")
    print("|---|---|---|---|")
    for seed, c in forty:
        print(
            f"| {seed} | {c['best share']:.3f} {mark(c['some λ recovers'])} | "
            f"{c['MMCS dense end']:.3f} / {c['MMCS peak']:.3f} ({c['λ of the peak']:.3g}) "
            f"{mark(c['dense end mixes'])} | {c['loss recovered at the peak']:.3f} "
            f"{mark(c['best costs loss'])} |"
        )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])

"""Notebook 08's regime table over several seeds, trained exactly as the notebook trains (seed 0 there).

    python benchmarks/seeds_privileged.py            # seeds 0, 1, 2
    python benchmarks/seeds_privileged.py 3 4        # other seeds

Per seed and density: monosemantic neurons, the features carried only by polysemantic neurons and
how many of those excite exactly two neurons, and at density 0.35 the binary code's cosines.
About a minute per seed on two cores.
"""

from __future__ import annotations

import sys

from toy_lib import privileged_basis as privileged


def main(seeds: list[int]) -> None:
    print("| seed | density | monosemantic | features only on polysemantic neurons | on a pair |")
    print("|---|---|---|---|---|")
    for seed in seeds:
        W = privileged.train_privileged(privileged.DENSITIES, restarts=8, seed=seed, progress=False)
        W = W.model.W.detach()
        for k, d in enumerate(privileged.DENSITIES):
            r = privileged.regime(W[k])
            print(
                f"| {seed} | {d:g} | {r.monosemantic} | {len(r.on_polysemantic)} on "
                f"{r.polysemantic} neurons | {r.pairs} |"
            )
        k = privileged.DENSITIES.index(0.35)
        pair, ortho = privileged.binary_code(W[k], privileged.regime(W[k]).on_polysemantic)
        print(
            f"| {seed} | 0.35 | binary code: pair cos {pair:.2f}, (1,1) largest abs(cos) {ortho:.2f} | | |"
        )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])

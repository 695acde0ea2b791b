"""Notebook 03's phase diagrams over several seeds, trained exactly as the notebook trains (seed 0
there): ten restarts per cell of the 20 x 20 grid, for 2 -> 1 and 3 -> 2.

    python benchmarks/seeds_phase_change.py            # seeds 0, 1, 2
    python benchmarks/seeds_phase_change.py 3 4        # other seeds

The paper's protocol (§4): "we train ten models for each point and average over the results,
discarding the model with the highest loss". Here the runs are ranked by their own training loss at
the end of training (independent of the theory code) and a cell's phase is the most common one among
the nine kept runs (``tl.phase_change.paper_protocol_phases``). Prints, per seed and problem, that
diagram's agreement with the paper's closed-form theory and with the optimised theory, beside the
notebook's pre-registered threshold for each (one minus the share of the theory's cells that touch a
boundary), how many disagreements lie off a boundary, and, for comparison, the agreement of the best
of 10 restarts by exact loss and of a single run with the optimised theory. Training takes about
1 minute (2 -> 1) and 1.7 minutes (3 -> 2) per seed on two idle cores (AMD EPYC, generated kernels).
"""

from __future__ import annotations

import sys

import torch
from machine import cpu_model

import toy_lib as tl

pc = tl.phase_change
K = 10


def main(seeds: list[int]) -> None:
    print(f"machine: {cpu_model()}, torch threads {torch.get_num_threads()}")
    r = torch.logspace(-1, 1, 20)
    p = torch.logspace(-2, 0, 20)
    theories = {}
    for name, problem in pc.PHASE_PROBLEMS.items():
        paper = pc.paper_phase_diagram(problem, r, p)
        optimised = pc.optimised_phase_diagram(problem, r, p)
        theories[name] = (problem, paper, optimised)
    print(
        "| seed | problem | protocol vs paper's theory (threshold) | off a boundary "
        "| protocol vs optimised theory (threshold) | off a boundary "
        "| best of 10 by exact loss vs optimised | single run vs optimised | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        for name, (problem, paper, optimised) in theories.items():
            result = pc.train_best_of_exact(problem.config(r, p), k=K, seed=seed, progress=False)
            protocol = pc.paper_protocol_phases(result, problem).reshape(len(r), len(p))
            best = pc.classify(result.model.W, problem).reshape(len(r), len(p))
            single = pc.agreement_by_restarts(result, problem, optimised.labels, [1])[0]
            cols = []
            for theory in (paper, optimised):
                a = pc.boundary_agreement(protocol, theory.labels)
                cols += [f"{a.share:.1%} ({a.threshold:.1%})", f"{a.off_boundary}"]
            agree_best = (best == optimised.labels).float().mean()
            print(
                f"| {seed} | {name} | {' | '.join(cols)} | {agree_best:.1%} | {single:.1%} "
                f"| {result.history.seconds:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])

"""Generate the exercise notebooks from the solution notebooks (``notebooks/NN_*.ipynb``).

A solution notebook marks each exercise's solution the way nbgrader does, inside a code cell::

    def feature_dimensionality(W):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The exercise version (``notebooks/exercises/NN_*.ipynb``) replaces every marked block by a stub
that raises ``NotImplementedError`` (the check after it then says "not implemented yet" and the
notebook goes on with the library's version), points the Colab badge at itself and links the
solution notebook; it is saved with the outputs of a run with every stub untouched. Only notebooks
with at least one marked block get an exercise version. Run ``python -m toy_lib.exercises`` after
editing a solution notebook; ``--check`` only reports which exercise notebooks are out of date
(their sources; the test suite runs it).

Why by hand: nbgrader's ``generate_assignment`` does this inside its course-directory and database
layout, and brings a server extension, SQLAlchemy and Alembic; the transformation itself is a few
lines on ``nbformat``.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

__all__ = [
    "BEGIN",
    "END",
    "STUB",
    "exercise_notebook",
    "has_exercises",
    "main",
    "strip_solutions",
    "without_outputs",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "raise NotImplementedError  # your code here"
FOLDER = "exercises"
_NOTEBOOK_LINK = re.compile(r"\]\(((?:\d\d_[A-Za-z0-9_]+|glossary)\.ipynb)(#[\w-]+)?\)")


def strip_solutions(source: str) -> str:
    """``source`` with every ``BEGIN``/``END`` block replaced by :data:`STUB`, indented like the
    ``BEGIN`` line. Raises ``ValueError`` on an unmatched or nested marker."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.split("\n"), 1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN!r} inside another solution block")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif marker == END:
            if not inside:
                raise ValueError(f"line {number}: {END!r} without a {BEGIN!r} before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"a {BEGIN!r} block is never closed by {END!r}")
    return "\n".join(out)


def has_exercises(nb: nbformat.NotebookNode) -> bool:
    """Whether any code cell of ``nb`` holds a solution block."""
    return any(
        c.cell_type == "code" and any(line.strip() == BEGIN for line in c.source.split("\n"))
        for c in nb.cells
    )


def _relink(source: str, name: str, exercise_names: set[str]) -> str:
    """Links between notebooks, seen from ``notebooks/exercises/``: to the exercise version where
    there is one, else to the solution notebook one folder up; the Colab badge to this file."""
    source = source.replace(f"notebooks/{name}", f"notebooks/{FOLDER}/{name}")
    return _NOTEBOOK_LINK.sub(
        lambda m: f"]({'' if m[1] in exercise_names else '../'}{m[1]}{m[2] or ''})", source
    )


def exercise_notebook(
    nb: nbformat.NotebookNode, name: str, exercise_names: set[str]
) -> nbformat.NotebookNode:
    """The exercise version of solution notebook ``nb`` (file name ``name``), as a new notebook.

    ``exercise_names``: file names of every notebook that has an exercise version (for links).
    """
    out = without_outputs(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
        else:
            cell.source = _relink(cell.source, name, exercise_names)
    title = out.cells[0]
    # The solution notebook's pointer to this version gives way to the note below.
    lines = [line for line in title.source.split("\n") if f"]({FOLDER}/" not in line]
    lines[0] += " (exercises)"
    note = (
        f"*Exercise version: write each function where it says `{STUB.split('  ')[0]}`; the "
        f"check below it tells you at once whether it is right. Solutions: [the solution "
        f"notebook](../{name}).*"
    )
    title.source = re.sub(r"\n{3,}", "\n\n", "\n".join([lines[0], "", note, *lines[1:]]))
    return out


def _pairs(notebooks: Path) -> list[tuple[Path, Path]]:
    """(solution, exercise) paths of every solution notebook with exercises."""
    return [
        (path, notebooks / FOLDER / path.name)
        for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
        if has_exercises(nbformat.read(path, as_version=4))
    ]


def without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without outputs, execution counts, timings and saved widget state: what
    the script generates, which ``--check`` compares."""
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)
    for cell in out.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return out


def _generate(solution: Path, names: set[str]) -> nbformat.NotebookNode:
    return exercise_notebook(nbformat.read(solution, as_version=4), solution.name, names)


def _same(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    return nbformat.writes(without_outputs(a)) == nbformat.writes(without_outputs(b))


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) every exercise notebook; the exit code is 1 when
    ``--check`` finds one missing or out of date, or a stale exercise notebook without a source.

    Writing runs each new or changed exercise notebook top to bottom with its stubs untouched (as a
    learner first opens it) and saves the outputs, like every notebook of the course; ``--force``
    runs the unchanged ones again too, ``--no-execute`` saves them without outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    parser.add_argument("--force", action="store_true", help="run unchanged notebooks again")
    parser.add_argument("--no-execute", action="store_true", help="save without outputs")
    args = parser.parse_args(argv)
    pairs = _pairs(args.notebooks)
    names = {solution.name for solution, _ in pairs}
    stale = []
    for solution, exercise in pairs:
        nb = _generate(solution, names)
        old = nbformat.read(exercise, as_version=4) if exercise.exists() else None
        if args.check:
            if old is None or not _same(old, nb):
                stale.append(f"{exercise} is not what {solution} generates")
            continue
        if old is not None and _same(old, nb) and not args.force:
            print(f"unchanged {exercise}")
            continue
        exercise.parent.mkdir(exist_ok=True)
        if not args.no_execute:
            from nbclient import NotebookClient  # only here: generating needs a kernel

            NotebookClient(
                nb, timeout=1800, kernel_name="python3",
                resources={"metadata": {"path": str(exercise.parent)}},
            ).execute()  # fmt: skip
        exercise.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print(f"wrote {exercise}")
    orphans = sorted(set((args.notebooks / FOLDER).glob("*.ipynb")) - {e for _, e in pairs})
    stale += [f"{path} has no solution notebook with exercises" for path in orphans]
    for line in stale:
        print(line, file=sys.stderr)
    if stale and args.check:
        print("run: python -m toy_lib.exercises", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The exercise notebooks: generated from the solution notebooks, fresh, and runnable with every
stub untouched (each check then says "not implemented yet" and the notebook still finishes)."""

from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient

import toy_lib as tl
from toy_lib import exercises

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOLUTIONS = [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if exercises.has_exercises(
    nbformat.read(p, as_version=4))]  # fmt: skip


def test_a_solution_block_becomes_a_stub_at_its_indentation():
    source = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n\n\nf = check(f)"
    assert exercises.strip_solutions(source) == (
        f"def f(x):\n    '''doc'''\n    {exercises.STUB}\n\n\nf = check(f)"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        exercises.strip_solutions(source)


def test_there_are_exercises_and_every_exercise_notebook_is_freshly_generated(capsys):
    assert SOLUTIONS, "no solution notebook has exercises"
    assert exercises.main(["--notebooks", str(NOTEBOOKS), "--check"]) == 0, capsys.readouterr().err


def test_the_generator_reports_a_stale_or_missing_exercise_notebook(tmp_path, capsys):
    nb = nbformat.read(SOLUTIONS[0], as_version=4)
    nbformat.write(nb, tmp_path / SOLUTIONS[0].name)
    assert exercises.main(["--notebooks", str(tmp_path), "--check"]) == 1
    assert "is not what" in capsys.readouterr().err
    assert exercises.main(["--notebooks", str(tmp_path), "--no-execute"]) == 0
    assert exercises.main(["--notebooks", str(tmp_path), "--check"]) == 0
    (tmp_path / "exercises" / "99_gone.ipynb").write_text("{}")
    assert exercises.main(["--notebooks", str(tmp_path), "--check"]) == 1
    assert "has no solution notebook" in capsys.readouterr().err


def exercise_cells(nb, marker):
    """The code cells holding an exercise: ``BEGIN`` in a solution notebook, ``STUB`` in an
    exercise notebook."""
    return [c for c in nb.cells if c.cell_type == "code" and marker in c.source]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_passes_its_check(solution, capsys):
    cells = exercise_cells(nbformat.read(solution, as_version=4), exercises.BEGIN)
    assert cells and all(".check_" in c.source for c in cells), "each exercise ends with its check"
    for cell in cells:
        namespace = {"torch": torch, "tl": tl}
        exec(cell.source, namespace)  # the solution notebook's own cell
        assert "✔" in capsys.readouterr().out, cell.source


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_the_committed_exercise_notebook_holds_the_outputs_of_a_run_with_its_stubs(solution):
    nb = nbformat.read(NOTEBOOKS / exercises.FOLDER / solution.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "every cell ran"
    for cell in exercise_cells(nb, exercises.STUB):
        assert "not implemented yet" in "".join(o.get("text", "") for o in cell.outputs)


@pytest.mark.slow
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_the_exercise_notebook_runs_with_its_stubs_untouched(solution, shared_runs):  # noqa: ARG001
    # shared_runs: its trainings load what the solution notebook's run (nbval) stored.
    path = NOTEBOOKS / exercises.FOLDER / solution.name
    nb = nbformat.read(path, as_version=4)
    assert (
        "Colab" in nb.cells[0].source
        and f"notebooks/exercises/{solution.name}" in nb.cells[0].source
    )
    NotebookClient(nb, timeout=1800, resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = exercise_cells(nb, exercises.STUB)
    assert len(cells) == len(exercise_cells(nbformat.read(solution, as_version=4), exercises.BEGIN))
    for cell in cells:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "not implemented yet" in text and "library's version" in text, text
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


def test_links_are_rewritten_for_the_exercise_folder():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 05 · Title\n\n[![Open In Colab](badge)](https://colab/blob/main/notebooks/05_x.ipynb)\n"
            "Solved here; [the exercise version](exercises/05_x.ipynb).\n\n*Paper section 5.*"
        ),
        nbformat.v4.new_markdown_cell(
            "See [02](02_y.ipynb), [the glossary](glossary.ipynb#superposition) and [01](01_z.ipynb)."
        ),
        nbformat.v4.new_code_cell(
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
        ),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="✔ f")]
    out = exercises.exercise_notebook(nb, "05_x.ipynb", {"05_x.ipynb", "01_z.ipynb"})
    title, prose, code = (c.source for c in out.cells)
    assert title.startswith("# 05 · Title (exercises)\n\n*Exercise version")
    assert "notebooks/exercises/05_x.ipynb" in title and "](exercises/" not in title
    assert "[the solution notebook](../05_x.ipynb)" in title and "\n\n\n" not in title
    assert prose == (
        "See [02](../02_y.ipynb), [the glossary](../glossary.ipynb#superposition) and [01](01_z.ipynb)."
    )
    assert exercises.STUB in code and "return 1" not in code
    assert out.cells[2].outputs == [] and nb.cells[2].outputs, "the source notebook is untouched"

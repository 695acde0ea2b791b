"""What a user meets first: Binder's environment, the notebooks' Colab badge and setup cell, README, style."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# pip distribution name -> conda-forge package that provides it
CONDA_NAMES = {"torch": "pytorch-cpu"}


def requirement_name(spec: str) -> str:
    return re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower()


def test_environment_yml_provides_every_dependency_and_installs_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = {requirement_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert "python" in conda and any(
        d.startswith("python=3.11") for d in env["dependencies"] if isinstance(d, str)
    )
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = [
        d for d in deps if CONDA_NAMES.get(requirement_name(d), requirement_name(d)) not in conda
    ]
    assert not missing, f"environment.yml lacks {missing}"
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "." in pip_section, "the pip section must install this package"
    assert "pytorch" not in conda, "the 'pytorch' package is the CUDA build; use pytorch-cpu"


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_colab_badge_for_its_own_path_and_a_colab_only_setup_cell(path):
    cells = json.loads(path.read_text())["cells"]
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and "Learning goals" in first
    badge = re.search(
        r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/main/(\S+?\.ipynb)", first
    )
    assert badge, "first cell needs an Open in Colab badge"
    assert badge.group(1) == f"notebooks/{path.name}", "the badge must point at this notebook"
    setup = "".join(cells[1]["source"])
    assert cells[1]["cell_type"] == "code"
    assert 'if "google.colab" in sys.modules:' in setup and "%pip install" in setup
    third = "".join(cells[2]["source"])
    assert "import toy_lib as tl" in third


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_with_outputs_from_a_clean_run(path):
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "run it top to bottom from a fresh kernel"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert path.stat().st_size < 3_000_000


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"<!-- test-command -->\n```bash\n.*pytest.*\n```", readme)
    assert "README.md" in (ROOT / ".ci" / "run").read_text()
    assert "torch==2.13.0" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_clean(args):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "toy_lib", "tests", "benchmarks", "notebooks"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

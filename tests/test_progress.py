"""The training progress bar (``toy_lib.progress``): in a terminal tqdm's, in a notebook a bar whose
saved output is the finished run; and no committed notebook shows a bar frozen part-way."""

import json
import re
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from tqdm import tqdm as std_tqdm

import toy_lib as tl
from toy_lib.progress import listening, progress_bar

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
# tqdm's meter: "training:  37%|███▋      | 3700/10000 [...]" or, as widget text, "37% 3700/10000".
METER = re.compile(r"(\d+)%\|?[^\n/]{0,40}?\b(\d+)/(\d+)\b")


def partial_bars(text: str) -> list[str]:
    """Every progress meter in ``text`` that stopped before its total."""
    return [m.group(0) for m in METER.finditer(text) if m.group(2) != m.group(3)]


def output_texts(cell: dict) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append("".join(out["text"]))
        for key in ("text/plain", "text/html"):
            if key in out.get("data", {}):
                texts.append("".join(out["data"][key]))
    return texts


def test_partial_bars_are_found_and_finished_ones_are_not():
    assert partial_bars("training:   6% 600/10000 [00:01<00:20]") == ["6% 600/10000"]
    assert partial_bars("training:  37%|███▋      | 3700/10000 [00:01<00:02]") != []
    assert partial_bars("training: 100%|██████████| 10000/10000 [00:03<00:00]") == []
    assert partial_bars("10 of 20 models agree") == []


def test_in_a_terminal_it_is_tqdm_and_can_be_switched_off(capsys):
    bar = progress_bar(100, progress=True)
    assert isinstance(bar, std_tqdm)
    bar.update(100)
    bar.close()
    assert "100/100" in capsys.readouterr().err
    assert progress_bar(100, progress=False).disable


@pytest.mark.slow
def test_in_a_notebook_the_saved_output_is_the_finished_bar():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import toy_lib as tl\n"
            "model = tl.ToyModel(tl.Config(5, 2, 1))\n"
            "_ = tl.train(model, steps=3000, progress=True)"
        ),
        nbformat.v4.new_code_cell("_ = tl.train(model, steps=200)  # fast: no bar at all"),
    ]
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    shown, quiet = nb.cells
    texts = output_texts(shown)
    assert len(texts) == 1, shown["outputs"]
    assert texts[0].startswith("training: 100%") and "3000/3000" in texts[0]
    assert not any("widget" in key for out in shown["outputs"] for key in out.get("data", {}))
    assert quiet["outputs"] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_committed_notebook_shows_a_bar_frozen_part_way(path):
    nb = json.loads(path.read_text())
    frozen = [
        (i, bar)
        for i, cell in enumerate(nb["cells"])
        for text in output_texts(cell)
        for bar in partial_bars(text)
    ]
    assert not frozen, f"{path.name}: cells with an unfinished progress bar (cell, bar): {frozen}"


def test_training_reports_every_chunk_to_nested_listeners_outer_first():
    heard = []
    model = tl.ToyModel(tl.Config(5, 2, 3, feature_probability=0.1))
    with listening(lambda p: heard.append(("outer", p.done))):
        with listening(lambda p: heard.append(("inner", p.done, p.recent_loss.shape))):
            tl.train(model, steps=500, progress=False)
        tl.train(model, steps=100, progress=False)
    tl.train(model, steps=100, progress=False)  # nobody listens any more
    steps = list(range(10, 501, 10))
    inner = [("inner", s, (3,)) for s in steps]
    outer = [("outer", s) for s in steps]
    assert heard[: 2 * len(steps)] == [x for pair in zip(outer, inner, strict=True) for x in pair]
    assert heard[2 * len(steps) :] == [("outer", s) for s in range(2, 101, 2)]


def test_a_listener_that_raises_stops_training_where_it_stands():
    class Stop(Exception):
        pass

    def stop_at_100(p):
        if p.done >= 100:
            raise Stop(p.params()["W"])

    model = tl.ToyModel(tl.Config(5, 2, feature_probability=0.1))
    before = model.W.detach().clone()
    with listening(stop_at_100), pytest.raises(Stop) as stopped:
        tl.train(model, steps=1000, progress=False)
    assert torch.equal(model.W, before), "the model keeps its weights when training is stopped"
    assert not torch.equal(stopped.value.args[0], before), "the listener saw the trained weights"

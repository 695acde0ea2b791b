"""The training progress bar: tqdm's, in a terminal and in a notebook, ending as one line of text.

In a notebook, tqdm draws an ipywidgets bar. A saved notebook (and GitHub, and a static site) shows
that widget's text fallback as it was when the bar first appeared, e.g. ``training: 6% 600/10000``:
a finished run reads as an unfinished one. So the notebook bar here is shown through a display
handle, and on closing it is replaced in place by the finished bar as plain text
(``training: 100%|██████████| 10000/10000 [00:03<00:00, ...]``), which is what the saved output then
holds. A run that ends early (an error, an interrupt) leaves its partial bar, which is the truth.
tqdm does the measuring and formatting; only where the bar is displayed is ours.
"""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

try:  # tqdm.auto picks the notebook bar only where ipywidgets and a kernel are present
    from tqdm.notebook import tqdm as _NotebookTqdm
except ImportError:  # pragma: no cover - tqdm without its notebook module
    _NotebookTqdm = None

__all__ = ["progress_bar"]


if _NotebookTqdm is not None:

    class _TextOnCloseBar(_NotebookTqdm):
        """tqdm's notebook bar, displayed through a handle and replaced by text on close."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._handle = None
            super().__init__(*args, display=False, **kwargs)

        def display(self, *args: Any, check_delay: bool = True, **kwargs: Any) -> None:
            super().display(*args, check_delay=False, **kwargs)
            # As tqdm's own: at once without a delay, else at the first refresh after it.
            if not self.displayed and (self.delay <= 0 or check_delay) and not self.disable:
                from IPython.display import display

                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self) -> None:
            super().close()
            if self._handle is not None:
                from IPython.display import Pretty

                self._handle.update(Pretty(str(self)))
                self._handle = None


def progress_bar(total: int, *, progress: bool | None, desc: str = "training") -> tqdm:
    """A progress bar over ``total`` steps: ``progress=True`` always shows it, ``False`` never,
    ``None`` only when the run takes more than 2 seconds. In a notebook it ends as one line of
    text (see the module docstring)."""
    kwargs = {
        "total": total,
        "disable": progress is False,
        "delay": 0 if progress else 2.0,
        "desc": desc,
        "unit": "step",
    }
    if _NotebookTqdm is not None and issubclass(tqdm, _NotebookTqdm):
        return _TextOnCloseBar(**kwargs)
    return tqdm(**kwargs)

"""What the course website adds to MyST-NB's pages (a local Sphinx extension).

- :class:`RawAnchors`: the glossary marks its entries with raw HTML anchors, ``<a id="sparsity"></a>``
  (they work in Jupyter, Colab and on GitHub); the notebooks link to them as
  ``glossary.ipynb#sparsity``. Each such anchor becomes an explicit target, so those links resolve
  and a link to a missing entry fails the build like any broken cross-reference.
- :class:`OfflineBadges`: the notebooks' "Open in Colab" badge is an image on Colab's server; the
  site keeps the link with its words instead (its pages load nothing from the network, and the
  theme's launch buttons say the same).
- :class:`ProgressSummaries`: a finished progress bar saved in a notebook (``training: 100%|███|
  10000/10000 [00:19<00:00, 485.20step/s]``) becomes a sentence, ``training: 10000 steps in 00:19``.
- :func:`drop_widget_state`: the site shows no widget, so it does not embed the notebooks' saved
  widget state (JSON of every slider and progress bar) either.
- :class:`ExplorerNotes`: a live explorer's saved output is a widget (shown only when the notebook
  runs) and a static picture; the site shows the picture and says so below it.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

_ANCHOR = re.compile(r'^\s*<a id="([A-Za-z][\w-]*)">(</a>)?\s*$')
EXPLORER_NOTE = (
    "Live when you run the notebook: this explorer retrains the model and redraws it as you "
    "change its controls. Here you see the picture it starts with."
)


class RawAnchors(SphinxTransform):
    """``<a id="x"></a>`` (raw HTML; MyST may split it into ``<a id="x">`` and ``</a>``) → an
    explicit target ``x``."""

    default_priority = 200  # before the standard domain collects labels (doctree-read)

    def apply(self) -> None:
        for raw in list(self.document.findall(nodes.raw)):
            match = _ANCHOR.match(raw.astext())
            if "html" not in raw.get("format", "").split() or not match:
                continue
            name = match.group(1)
            closing = raw.next_node(descend=False, siblings=True)
            if not match.group(2) and isinstance(closing, nodes.raw) and closing.astext() == "</a>":
                closing.parent.remove(closing)
            if name in self.document.ids:  # the heading below already has this id
                raw.parent.remove(raw)
                continue
            target = nodes.target("", "", ids=[name], names=[name])
            self.document.note_explicit_target(target, target)
            raw.replace_self(target)


class OfflineBadges(SphinxTransform):
    """A badge image from the network (``https://…``) → its alt text, inside the same link."""

    default_priority = 500

    def apply(self) -> None:
        for image in list(self.document.findall(nodes.image)):
            if image.get("uri", "").startswith(("https://", "http://")):
                words = image.get("alt") or "link"
                image.replace_self(nodes.inline(words, words, classes=["badge-text"]))


_BAR = re.compile(
    r"^(?P<desc>[^\n|]*?):? *100%\|[^|]*\| *(?P<n>\d+)/(?P=n) \[(?P<took>[\d:]+)<[^\]]*\]$"
)


class ProgressSummaries(SphinxTransform):
    """A saved, finished progress bar (an output of its own) → one plain line."""

    default_priority = 500

    def apply(self) -> None:
        for block in list(self.document.findall(nodes.literal_block)):
            match = _BAR.match(block.astext().strip())
            if match:
                desc = match["desc"].strip() or "done"
                line = f"{desc}: {match['n']} steps in {match['took']}"
                block.rawsource = line
                block.children = [nodes.Text(line)]  # the output block keeps its attributes


class ExplorerNotes(SphinxTransform):
    """A note under every code cell that builds an explorer (``…explorer(…)``) and whose saved
    output holds a picture."""

    default_priority = 500

    def apply(self) -> None:
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code":
                continue
            source = "".join(
                block.astext()
                for part in cell.children
                if isinstance(part, nodes.container)
                and part.get("nb_element") == "cell_code_source"
                for block in part.findall(nodes.literal_block)
            )
            has_picture = any(True for _ in cell.findall(nodes.image))
            if re.search(r"explorer\(", source) and has_picture:
                cell += nodes.paragraph(EXPLORER_NOTE, EXPLORER_NOTE, classes=["explorer-note"])


def drop_widget_state(app: Sphinx, doctree: nodes.document) -> None:
    """Forget the widget state MyST-NB registered for this page (its ``ipywidgets_state`` script:
    MyST-NB's metadata store, as of myst-nb 1.x; tests/test_site.py fails if the JSON comes back)."""
    pages = getattr(app.env, "nb_metadata", {})
    pages.get(app.env.docname, {}).get("js_files", {}).pop("ipywidgets_state", None)


def setup(app: Sphinx) -> dict[str, object]:
    app.add_transform(RawAnchors)
    app.add_transform(OfflineBadges)
    app.add_post_transform(ProgressSummaries)
    app.add_post_transform(ExplorerNotes)
    app.connect("doctree-read", drop_widget_state)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

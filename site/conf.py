"""Sphinx configuration of the course website (sphinx-book-theme + MyST-NB).

Build it from the repository root, offline, from the notebooks' committed outputs::

    python -m sphinx -W --keep-going -c site . build/site

The source folder is the repository root so that the pages of ``notebooks/`` keep the paths (and
the relative links between notebooks) that they have in the repository; ``include_patterns`` keeps
everything else out.
"""

from __future__ import annotations

import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SITE / "_ext"))

project = "Toy Models of Superposition: the course"
author = "the superposition-course authors"
copyright = "2026, the superposition-course authors"
REPOSITORY = "https://github.com/superposition-course/superposition-course"

root_doc = "site/index"
include_patterns = [
    "site/*.md",
    "notebooks/*.ipynb",
    "notebooks/exercises/*.ipynb",
]
exclude_patterns = [".venv", "build", "test-artifacts", "**/.ipynb_checkpoints"]

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx-mathjax-offline",  # MathJax 3 served with the site, so math renders offline
    "course_site",  # site/_ext/course_site.py: explorer notes, glossary anchors
]

# Pages come from the committed outputs: nothing runs at build time.
nb_execution_mode = "off"
# A live explorer's output holds its widget view and a static PNG of its first picture: the site
# shows the PNG (course_site adds a line saying the explorer is live when run).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
# ... so no widget manager is needed (it would load require.js and the widget bundle from a CDN).
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# The notebooks put their exercises and glossary entries under ### headings, directly below the
# page's # title, so that Jupyter's table of contents shows them one level in.
suppress_warnings = ["myst.header"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

html_theme = "sphinx_book_theme"
html_title = "Toy Models of Superposition: the course"
html_extra_path = [str(SITE / "_extra")]  # index.html at the root, pointing at the landing page
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
}
# Offline: no call home for the theme's version switcher or analytics.
html_last_updated_fmt = None

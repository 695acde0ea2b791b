"""The course website (``site/``): it builds offline from the committed notebooks with every Sphinx
warning an error, its internal links and images all resolve, and in a real Chromium, served by a
local static server, every page renders its title, pictures that loaded, math, launch buttons, and
no traceback.

The build is the README's command, run once per module into a temporary folder (about 30 s on two
cores). Screenshots of the landing page and of every notebook page land in
``test-artifacts/site/``.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, require_browser

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "site"
NOTEBOOKS = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(p.stem for p in (REPO_ROOT / "notebooks" / "exercises").glob("*.ipynb"))
PAGES = (
    ["site/index"]
    + [f"notebooks/{n}" for n in NOTEBOOKS]
    + ["notebooks/glossary"]
    + [f"notebooks/exercises/{n}" for n in EXERCISES]
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception): ", re.MULTILINE)
PAGE_TIMEOUT_MS = 30_000
# The one command that builds the site (README, site/conf.py, the deploy workflow), output folder last.
BUILD = ["python", "-m", "sphinx", "-W", "--keep-going", "-c", "site", ".", "build/site"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: :data:`BUILD` (the README's command) into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "html"
    build = subprocess.run(
        [sys.executable, *BUILD[1:-1], "-q", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, f"the site build failed:\n{build.stdout}\n{build.stderr}"
    return out


class _Links(HTMLParser):
    """Every ``href`` and ``src`` of a page, and every ``id`` it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif (name == "href" and tag in ("a", "link")) or (
                name == "src" and tag in ("img", "script")
            ):
                self.links.append((name, value))


@functools.cache
def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_readme_and_the_deploy_workflow_build_it_the_same_way() -> None:
    import yaml

    command = " ".join(BUILD)
    assert command in (REPO_ROOT / "README.md").read_text()
    workflow = yaml.safe_load((REPO_ROOT / ".github/workflows/site.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    assert any(step.get("run") == command for step in steps), "the workflow builds with it"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == BUILD[-1]
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_every_page_is_built(site: Path) -> None:
    missing = [page for page in PAGES if not (site / f"{page}.html").is_file()]
    assert not missing, f"pages not built: {missing}"
    assert (site / "index.html").is_file(), "the root index.html (a pointer to the landing page)"
    api = (site / "site" / "api.html").read_text(encoding="utf-8")
    assert "toy_lib.metrics.feature_dimensionality" in api, "autodoc documented the package"
    with_state = [p for p in PAGES if "widget-state+json" in (site / f"{p}.html").read_text()]
    assert not with_state, f"widget JSON embedded in {with_state}"


def test_internal_links_and_images_resolve(site: Path) -> None:
    """Every relative link, image and script of every page (not the theme's templates in
    ``_static``) points at a file of the site, and a link's ``#fragment`` at an id on that page;
    the pages load nothing from the network."""
    broken, external_assets = [], []
    pages = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static"]
    for page in sorted(pages):
        for attr, value in _parsed(page).links:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https"):
                if attr == "src" or value.endswith((".css", ".js")):
                    external_assets.append(f"{page.relative_to(site)}: {value}")
                continue
            if parts.scheme or value.startswith("//"):  # mailto:, javascript:, ...
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {value} (no such file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in _parsed(target).ids
            ):
                broken.append(f"{page.relative_to(site)}: {value} (no such id)")
    assert not broken, "broken links:\n" + "\n".join(broken[:40])
    assert not external_assets, "assets from the network:\n" + "\n".join(external_assets[:20])


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """A local static server of the built site: its base URL."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[object]:
    """One headless Chromium for every page; requests that leave the local server are refused, so a
    page that needs the network shows it."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.route(
            re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort()
        )  # offline: only the local server answers
        try:
            yield context
        finally:
            context.close()


# In the page: the title, the pictures (loaded or not), the math before and after MathJax, the
# launch links and the text, all at once.
PAGE_FACTS_JS = """() => {
    const imgs = [...document.querySelectorAll('article img')];
    return {
        title: document.querySelector('article h1')?.innerText ?? null,
        images: imgs.length,
        loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
        math: document.querySelectorAll('article .math').length,
        rendered: document.querySelectorAll('article mjx-container').length,
        launch: [...document.querySelectorAll('a')].map(a => a.href)
            .filter(h => h.includes('colab.research.google.com') || h.includes('mybinder.org')),
        explorerNotes: document.querySelectorAll('article .explorer-note').length,
        text: document.querySelector('article')?.innerText ?? '',
    };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_in_a_browser(browser, server: str, page: str) -> None:
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        tab.goto(f"{server}/{page}.html", wait_until="load", timeout=PAGE_TIMEOUT_MS)
        has_math = tab.evaluate("() => document.querySelectorAll('article .math').length") > 0
        if has_math:  # MathJax typesets after load
            tab.wait_for_function(
                "() => document.querySelectorAll('article mjx-container').length > 0",
                timeout=PAGE_TIMEOUT_MS,
            )
        facts = tab.evaluate(PAGE_FACTS_JS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{page.replace('/', '__')}.png"))
    finally:
        tab.close()
    assert facts["title"], "the page shows its title"
    assert not errors, f"JavaScript errors: {errors}"
    assert not TRACEBACK.search(facts["text"]), "a Python traceback on the page"
    assert facts["loaded"] == facts["images"], (
        f"{facts['images'] - facts['loaded']} of {facts['images']} pictures did not load"
    )
    assert facts["rendered"] >= (1 if facts["math"] else 0), "math rendered by MathJax"
    if page.startswith("notebooks/") and page != "notebooks/glossary":
        assert facts["loaded"] >= 1, "a notebook page shows at least one figure"
        stem = page.removeprefix("notebooks/")
        assert any(f"notebooks/{stem}.ipynb" in h for h in facts["launch"] if "colab" in h)
        assert any(f"notebooks/{stem}.ipynb" in h for h in facts["launch"] if "mybinder" in h)
        explorer = "explorer(" in (REPO_ROOT / f"notebooks/{stem}.ipynb").read_text()
        assert (facts["explorerNotes"] >= 1) == explorer, "the note under a live explorer"
    assert "█" not in facts["text"] and "step/s]" not in facts["text"], "no raw progress bar"
    assert "application/vnd.jupyter.widget-view+json" not in facts["text"]
    assert "model_id" not in facts["text"], "no widget JSON on the page"


def test_math_is_rendered_on_the_pages_that_have_it(site: Path) -> None:
    """The browser test checks MathJax on each page with math; this makes sure that is not none."""
    with_math = [p for p in PAGES if 'class="math' in (site / f"{p}.html").read_text()]
    assert len(with_math) >= 5, with_math

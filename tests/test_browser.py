"""End-to-end check that notebook 01's sparsity explorer works for a learner in a real browser.

The widget tests that run without a browser set ``slider.value`` from Python; they cannot notice a
widget that renders nothing, a slider whose front-end never syncs, or a figure that is appended
instead of replaced. This test starts a private JupyterLab, opens the notebook in headless Chromium,
runs every cell from the Run menu, moves the sparsity slider with the keyboard and asserts that the
figure was redrawn and that no cell shows a traceback. ``test_explorer_redraws_in_the_browser`` does
the same for every live explorer of the course (:data:`EXPLORERS`), each from a tiny scratch notebook
written into ``test-artifacts/browser-notebooks/``; JupyterLab and Chromium start once per module.

Widget contract relied on (``tl.widgets.intro_explorer()``): a ``FloatSlider`` with CSS class
``toy-sparsity`` (``continuous_update=False``) and an ``Output`` with CSS class ``toy-figure`` that
holds exactly one inline matplotlib PNG, redrawn with ``clear_output(wait=True)`` after each retrain.
Every explorer (``toy_lib.explorer.live_explorer``) is a box with CSS class ``toy-explorer`` whose first
input has the class ``toy-primary`` (a slider, a dropdown, toggle buttons or radio buttons).

Set ``TOY_BROWSER_NOTEBOOK`` to drive another notebook (relative to the repository root, or an
absolute path; one outside the repository makes JupyterLab serve that notebook's folder instead).
Screenshots land in ``test-artifacts/`` (gitignored) so a failure can be looked at afterwards.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01_superposition_at_a_glance.ipynb"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
# Every wait below is bounded by one of these (seconds), so a broken page fails instead of hanging.
# They are generous ceilings for a slow, shared CI runner, not performance targets: on a 2-core
# machine the whole test normally takes 10-25 s, and the redraw it reports should be ~1 s.
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 10.0
PAGE_LOAD_TIMEOUT = 45.0
RUN_ALL_TIMEOUT = 120.0
REDRAW_TIMEOUT = 45.0
DEFAULT_ACTION_TIMEOUT = 15.0

# JupyterLab user settings written into the private settings dir. Autosave off: running the cells
# must never write outputs back into the committed notebook. Windowing off: every cell stays in the
# DOM, so the prompt and error checks see all of them. No update or news checks: no network here.
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

SLIDER = ".toy-sparsity"
SLIDER_HANDLE = f"{SLIDER} .noUi-handle"
SLIDER_READOUT = f"{SLIDER} .widget-readout"
FIGURE_IMG = ".toy-figure img"
# The kernel's state as JupyterLab's session shows it: 'idle' only once the kernel is started AND
# its websocket is connected. (The toolbar's execution indicator says 'idle' before that, and a
# Run All clicked then silently runs nothing.) Needs --LabApp.expose_app_in_browser=True.
KERNEL_STATUS_INIT_JS = """
window.toyKernelStatus = () =>
    window.jupyterapp?.shell?.currentWidget?.sessionContext?.kernelDisplayStatus ?? null;
"""
KERNEL_IDLE_JS = "() => window.toyKernelStatus() === 'idle'"
# True once exactly one figure matches the selector and its image differs from the one before.
FIGURE_CHANGED_JS = """([img, before]) => {
    const imgs = document.querySelectorAll(img);
    return imgs.length === 1 && imgs[0].src !== before;
}"""
# JupyterLab 4 renders both stderr streams and `error` outputs (tracebacks) as stderr-typed
# output areas; warnings are stderr too, so a traceback is told apart by its text.
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
ERROR_PATTERN = r"Traceback|^\w*(Error|Exception)\b"  # used as a Python and a JavaScript regex
ERROR_TEXT = re.compile(ERROR_PATTERN, re.MULTILINE)

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class LabServer:
    """A running private JupyterLab: where it listens and how to log in."""

    base_url: str
    token: str
    root_dir: Path
    log_path: Path


def _notebook_location() -> tuple[Path, str]:
    """Return (JupyterLab root dir, notebook path relative to it as a URL path)."""
    path = Path(os.environ.get("TOY_BROWSER_NOTEBOOK", NOTEBOOK))
    path = (path if path.is_absolute() else REPO_ROOT / path).resolve()
    if not path.is_file():
        pytest.fail(f"notebook {path} does not exist", pytrace=False)
    root = REPO_ROOT if path.is_relative_to(REPO_ROOT) else path.parent
    return root, path.relative_to(root).as_posix()


def _log_tail(log_path: Path, n_lines: int = 40) -> str:
    """Last lines of the server log, to put into failure messages."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"<no server log: {exc}>"
    return "\n".join(lines[-n_lines:])


def _write_lab_settings(settings_dir: Path) -> None:
    """Write LAB_SETTINGS as JupyterLab user settings files."""
    for plugin, values in LAB_SETTINGS.items():
        target = settings_dir / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _wait_until_answering(server: LabServer, proc: subprocess.Popen[bytes]) -> None:
    """Poll the REST API until the server answers; fail with the log tail if it dies or stalls."""
    url = f"{server.base_url}/api/status?token={server.token}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = "no attempt yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"JupyterLab exited with code {proc.returncode} before answering.\n"
                f"Server log tail:\n{_log_tail(server.log_path)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = repr(exc)
        time.sleep(0.25)
    pytest.fail(
        f"JupyterLab did not answer {server.base_url} within {SERVER_START_TIMEOUT:.0f} s "
        f"(last error: {last_error}).\nServer log tail:\n{_log_tail(server.log_path)}",
        pytrace=False,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server by its pid (terminate, then kill), then any kernel left in its session."""
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: jupyter_server shuts its kernels down cleanly
        try:
            proc.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=SERVER_STOP_TIMEOUT)
    # The server was started as the leader of its own process group, so this reaches only kernels
    # it spawned and failed to reap; normally the group is already empty.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A private JupyterLab on a random port and token, with throwaway config/settings dirs.

    Module-scoped: one server for every test here; each test shuts its kernels down (``lab_page``).
    """
    require_browser()
    root_dir, _ = _notebook_location()
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    jupyter_dir = tmp_path / "jupyter"
    # A developer's own Jupyter/IPython setup (a user kernelspec "python3" pointing at another
    # interpreter, IPython startup files, MPLBACKEND=Agg, which hides inline figures) must not
    # change what the test sees, so every user-level dir is a fresh one.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(jupyter_dir / "config"),
            "JUPYTER_DATA_DIR": str(jupyter_dir / "data"),
            "JUPYTER_RUNTIME_DIR": str(jupyter_dir / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(jupyter_dir / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(jupyter_dir / "lab-workspaces"),
            "IPYTHONDIR": str(jupyter_dir / "ipython"),
            # The kernel imports toy_lib from this checkout even where it is not pip-installed.
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
    )
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    Path(env["JUPYTERLAB_WORKSPACES_DIR"]).mkdir(parents=True, exist_ok=True)
    _write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))

    port = free_port()
    server = LabServer(
        base_url=f"http://127.0.0.1:{port}",
        token=secrets.token_hex(24),
        root_dir=root_dir,
        log_path=tmp_path / "jupyterlab.log",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--IdentityProvider.token={server.token}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, read by KERNEL_STATUS_INIT_JS
        # An absolute checkpoint dir keeps JupyterLab from creating notebooks/.ipynb_checkpoints.
        f"--FileCheckpoints.checkpoint_dir={jupyter_dir / 'checkpoints'}",
    ]
    with server.log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_answering(server, proc)
            yield server
        finally:
            _stop(proc)


def _fail(page: Page, message: str, server: LabServer | None = None) -> NoReturn:
    """Fail with a screenshot of the page (and the server log tail) for whoever reads the report."""
    try:
        dialogs = page.eval_on_selector_all(".jp-Dialog", "els => els.map(e => e.innerText)")
        if dialogs:
            message += f"\nOpen dialogs: {dialogs}"
    except Exception as exc:  # the page itself may be what broke
        message += f"\n(could not read dialogs: {exc!r})"
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    # One file per test ("browser-failure-test_explorer_redraws_in_the_browser-phase.png").
    current = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    suffix = re.sub(r"[^\w.-]+", "-", current).strip("-")
    shot = ARTIFACTS_DIR / (f"browser-failure-{suffix}.png" if suffix else "browser-failure.png")
    try:
        page.screenshot(path=str(shot), timeout=5_000)
        message += f"\nScreenshot of the page: {shot}"
    except Exception as exc:  # the page itself may be what broke
        message += f"\n(no screenshot: {exc!r})"
    if server is not None:
        message += f"\nServer log tail:\n{_log_tail(server.log_path)}"
    pytest.fail(message, pytrace=False)


def _wait_js(
    page: Page, expression: str, arg: Any, timeout_s: float, what: str | Callable[[], str]
) -> None:
    """Wait for a JS predicate with a bounded timeout and a message saying what never happened.

    ``what`` may be a callable so the message describes the page at the moment of failure.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(expression, arg=arg, timeout=timeout_s * 1000, polling=100)
        return
    except PlaywrightTimeout:
        pass  # fail below, outside the except block, so the report is not a chained traceback
    description = what() if callable(what) else what
    _fail(page, f"timed out after {timeout_s:.0f} s waiting for {description}")


def _kernel_status(page: Page) -> str:
    """The current notebook's kernel status ('idle', 'busy', 'initializing', ...), for messages."""
    status = page.evaluate("() => window.toyKernelStatus?.() ?? null")
    if status is None:
        return "unknown (no notebook session in window.jupyterapp: is the app exposed?)"
    return str(status)


def _click(page: Page, target: Locator, what: str) -> None:
    """Click with a bounded wait, failing with a screenshot instead of Playwright's call log."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        target.click(timeout=DEFAULT_ACTION_TIMEOUT * 1000)
        return
    except PlaywrightTimeout:
        pass  # fail below, outside the except block, so the report is not a chained traceback
    _fail(page, f"could not click {what} within {DEFAULT_ACTION_TIMEOUT:.0f} s")


def _open_notebook(page: Page, server: LabServer, rel_path: str) -> None:
    """Open the notebook and wait for its kernel, accepting a kernel-selection dialog if shown.

    Each call uses a fresh JupyterLab workspace, so the layout saved by an earlier test (with its
    notebook, whose kernel would start again) is never restored: the notebook is the only tab.
    """
    workspace = f"toy-{secrets.token_hex(4)}"
    page.goto(
        f"{server.base_url}/lab/workspaces/{workspace}/tree/{rel_path}?token={server.token}",
        timeout=PAGE_LOAD_TIMEOUT * 1000,
    )
    # Either the kernel comes up by itself (the notebook names its kernelspec) or JupyterLab asks
    # which kernel to use; accept the default it proposes.
    _wait_js(
        page,
        "() => window.toyKernelStatus() === 'idle' || document.querySelector('.jp-Dialog') !== null",
        None,
        PAGE_LOAD_TIMEOUT,
        lambda: (
            f"the notebook {rel_path} to open with a connected idle kernel (or a kernel dialog); "
            f"kernel status: {_kernel_status(page)}"
        ),
    )
    _dismiss_dialogs(page)
    _wait_js(
        page,
        KERNEL_IDLE_JS,
        None,
        PAGE_LOAD_TIMEOUT,
        lambda: f"the kernel to become idle; kernel status: {_kernel_status(page)}",
    )


def _dismiss_dialogs(page: Page) -> None:
    """Accept any modal dialog (kernel selection, 'restart kernel?') with its default choice."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    accepted = 0
    while page.locator(".jp-Dialog").count() > 0:
        dialog = page.locator(".jp-Dialog").first
        text = dialog.inner_text()
        if accepted == 3:  # a dialog may open another one, but not without end
            _fail(page, f"dialogs keep opening after accepting three; now: {text!r}")
        _click(page, dialog.locator(".jp-Dialog-button.jp-mod-accept").first, "a dialog's accept")
        closed = True
        try:
            dialog.wait_for(state="detached", timeout=DEFAULT_ACTION_TIMEOUT * 1000)
        except PlaywrightTimeout:
            closed = False  # fail outside the except block: no chained traceback in the report
        if not closed:
            _fail(page, f"dialog did not close after accepting it: {text!r}")
        accepted += 1


def _run_all_cells(page: Page, server: LabServer) -> None:
    """Run > Run All Cells from the menu bar, then wait until every code cell has run."""
    run_menu = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$"))
    _click(page, run_menu, "the 'Run' menu")
    run_all = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    _click(page, run_all, "'Run All Cells' in the Run menu")
    _dismiss_dialogs(page)
    # Done when every non-empty code cell shows an execution count ("[7]:", not "[*]:" or "[ ]:";
    # JupyterLab never numbers an empty cell) and the kernel is idle again. A traceback ends the
    # wait early: the run stops there and the later cells would never be numbered.
    _wait_js(
        page,
        """([stderr, errorPattern]) => {
            const error = new RegExp(errorPattern, 'm');
            if ([...document.querySelectorAll(stderr)].some(o => error.test(o.innerText))) {
                return true;
            }
            const code = cell => [...cell.querySelectorAll('.cm-line')].map(line => {
                const copy = line.cloneNode(true);
                copy.querySelectorAll('.cm-placeholder').forEach(p => p.remove());
                return copy.textContent;
            }).join('').trim();
            const cells = [...document.querySelectorAll('.jp-CodeCell')].filter(c => code(c));
            const numbered = cells.every(c => /^\\[\\d+\\]:$/.test(
                c.querySelector('.jp-InputPrompt')?.textContent.trim() ?? ''));
            return cells.length > 0 && numbered && window.toyKernelStatus() === 'idle';
        }""",
        [STDERR_OUTPUT, ERROR_PATTERN],
        RUN_ALL_TIMEOUT,
        lambda: (
            "Run All Cells to finish (every code cell numbered, kernel idle); "
            f"prompts now: {_prompts(page)}, kernel: {_kernel_status(page)}"
        ),
    )
    errors = _error_outputs(page)
    if errors:
        _fail(page, "cells show error output after Run All:\n" + "\n---\n".join(errors), server)


def _prompts(page: Page) -> list[str]:
    """The code cells' input prompts, for failure messages."""
    return page.eval_on_selector_all(
        ".jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())"
    )


def _error_outputs(page: Page) -> list[str]:
    """Text of every output area that shows a traceback or an exception line."""
    texts: list[str] = page.eval_on_selector_all(STDERR_OUTPUT, "els => els.map(e => e.innerText)")
    return [text for text in texts if ERROR_TEXT.search(text)]


def _explorer_text(page: Page) -> str:
    """Visible text of the output holding the explorer (its status line reports callback errors)."""
    return page.evaluate(
        """(slider) => document.querySelector(slider)
            ?.closest('.jp-OutputArea-output')?.innerText ?? '<explorer not found>'""",
        SLIDER,
    )


def _wait_for_redraw(
    page: Page, selector: str, before_png: bytes, moved_at: float, what: Callable[[], str]
) -> tuple[float, bytes]:
    """Wait until the figure at ``selector`` differs from ``before_png`` and the kernel is idle
    again; return the seconds since ``moved_at`` until the new figure showed, and its PNG bytes."""
    before_src = "data:image/png;base64," + base64.b64encode(before_png).decode()
    _wait_js(page, FIGURE_CHANGED_JS, [selector, before_src], REDRAW_TIMEOUT, what)
    redraw_s = time.monotonic() - moved_at
    _wait_js(
        page,
        KERNEL_IDLE_JS,
        None,
        REDRAW_TIMEOUT,
        lambda: f"the kernel to be idle after the redraw; status: {_kernel_status(page)}",
    )
    return redraw_s, _figure_png(page, selector)


def _figure_png(page: Page, selector: str = FIGURE_IMG) -> bytes:
    """PNG bytes of the single figure in the explorer's Output (exactly one: replaced, not added)."""
    sources: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.src)")
    if len(sources) != 1:
        _fail(page, f"expected exactly one <img> matching {selector!r}, found {len(sources)}")
    prefix = "data:image/png;base64,"
    if not sources[0].startswith(prefix):
        _fail(page, f".toy-figure <img> is not an inline PNG: {sources[0][:60]!r}")
    return base64.b64decode(sources[0][len(prefix) :])


def _screenshot(page: Page, name: str) -> Path:
    """Save a screenshot into test-artifacts/ and print where, so CI logs point at it."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


@dataclass
class LabPage:
    """A fresh browser tab, and the browser console errors it logged (widget front-end failures)."""

    page: Page
    console_errors: list[str]


@pytest.fixture(scope="module")
def browser_context(
    tmp_path_factory: pytest.TempPathFactory, lab_server: LabServer
) -> Iterator[BrowserContext]:
    """One headless Chromium (a throwaway profile) for every test of the module."""
    require_browser()
    from playwright.sync_api import sync_playwright

    user_data_dir = tmp_path_factory.mktemp("chromium") / "profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.set_default_timeout(DEFAULT_ACTION_TIMEOUT * 1000)
            context.add_init_script(script=KERNEL_STATUS_INIT_JS)
            yield context
        finally:
            context.close()
    # The profile can hold a few MB of cache; tmp_path would keep it for pytest's last 3 runs.
    shutil.rmtree(user_data_dir, ignore_errors=True)


def _api(server: LabServer, method: str, path: str) -> Any:
    """Call the server's REST API with the token; return the decoded JSON body (None if empty)."""
    request = urllib.request.Request(
        f"{server.base_url}{path}",
        method=method,
        headers={"Authorization": f"token {server.token}"},
    )
    with urllib.request.urlopen(request, timeout=SERVER_STOP_TIMEOUT) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shutdown_kernels(server: LabServer) -> None:
    """Shut down every session and kernel of the private server, so kernels never pile up."""
    with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
        for session in _api(server, "GET", "/api/sessions"):
            _api(server, "DELETE", f"/api/sessions/{session['id']}")
        for kernel in _api(server, "GET", "/api/kernels"):
            _api(server, "DELETE", f"/api/kernels/{kernel['id']}")


@pytest.fixture
def lab_page(browser_context: BrowserContext, lab_server: LabServer) -> Iterator[LabPage]:
    """A new tab in the shared browser; closed afterwards, and the kernels it started shut down."""
    page = browser_context.new_page()
    console_errors: list[str] = []

    def record_console_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", record_console_error)
    try:
        yield LabPage(page, console_errors)
    finally:
        with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
            page.close()
        _shutdown_kernels(lab_server)


def test_sparsity_slider_redraws_figure(lab_server: LabServer, lab_page: LabPage) -> None:
    """Run the notebook in JupyterLab, move the sparsity slider, and see the figure change."""
    _, rel_path = _notebook_location()
    stem = Path(rel_path).stem
    page, console_errors = lab_page.page, lab_page.console_errors

    _open_notebook(page, lab_server, rel_path)
    _run_all_cells(page, lab_server)

    _wait_js(
        page,
        "([slider, img]) => document.querySelector(slider) && document.querySelector(img)",
        [SLIDER_HANDLE, FIGURE_IMG],
        REDRAW_TIMEOUT,
        lambda: (
            f"the explorer widget to render ({SLIDER_HANDLE} and {FIGURE_IMG}); "
            f"browser console errors: {console_errors[-5:]}"
        ),
    )
    page.locator(SLIDER).first.scroll_into_view_if_needed()
    before_value = page.locator(SLIDER_READOUT).first.inner_text().strip()
    before_png = _figure_png(page)
    before_shot = _screenshot(page, f"browser-{stem}-before.png")

    # Keyboard on the noUiSlider handle: Home jumps to the minimum (End to the maximum if already
    # there). noUiSlider fires 'change' once per key, which is what a continuous_update=False
    # FloatSlider syncs on, so this is exactly one retrain. For notebook 01 that is sparsity
    # 0.9 -> 0: the pentagon gives way to two features.
    handle = page.locator(SLIDER_HANDLE).first
    now, low = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemin")
    at_min = now is not None and low is not None and float(now) <= float(low)
    handle.press("End" if at_min else "Home")
    moved_at = time.monotonic()

    _wait_js(
        page,
        "([readout, before]) => document.querySelector(readout)?.innerText.trim() !== before",
        [SLIDER_READOUT, before_value],
        REDRAW_TIMEOUT,
        f"the sparsity readout to change from {before_value!r} after the key press",
    )
    after_value = page.locator(SLIDER_READOUT).first.inner_text().strip()
    redraw_s, after_png = _wait_for_redraw(
        page,
        FIGURE_IMG,
        before_png,
        moved_at,
        lambda: (
            f"the figure to be redrawn after moving sparsity {before_value} -> "
            f"{after_value}; explorer shows: {_explorer_text(page)!r}; "
            f"browser console errors: {console_errors[-5:]}"
        ),
    )
    after_shot = _screenshot(page, f"browser-{stem}-after.png")

    # The wait above compared data URLs as strings; this compares the decoded images.
    if after_png == before_png:
        _fail(page, "figure PNG unchanged after moving the slider")
    errors = _error_outputs(page)
    if errors:
        _fail(page, "error output after moving the slider:\n" + "\n---\n".join(errors))
    print(
        f"sparsity {before_value} -> {after_value}; figure redrawn in {redraw_s:.1f} s "
        f"({len(before_png)} -> {len(after_png)} PNG bytes); "
        f"screenshots: {before_shot}, {after_shot}"
    )


# Every live explorer of the course: a cell that displays it, cheaply (one restart, few steps,
# tiny untrained or briefly trained models). The test changes the explorer's `toy-primary` control
# once and expects its figure to be redrawn; what the figure shows is left to the widget tests.
EXPLORERS: dict[str, str] = {
    "intro": "tl.widgets.intro_explorer(restarts=1)",
    "superposition": "tl.demonstrating_superposition.superposition_explorer(sparsity=0.9, restarts=1)",
    "geometry": (
        "m = tl.ToyModel(tl.Config(20, 5, 3))\n"
        "tl.geometry_uniform.geometry_explorer(m.W.detach(), torch.tensor([1.0, 0.3, 0.1]))"
    ),
    "perturbation": (
        "sweep = tl.geometry_nonuniform.perturbation_sweep([0.5, 2.0], k=2, steps=50, progress=False)\n"
        "tl.geometry_nonuniform.perturbation_explorer(sweep)"
    ),
    "correlation": "tl.geometry_nonuniform.correlation_explorer(restarts=1)",
    "phase": "tl.phase_change.phase_explorer(restarts=1)",
    "dynamics": "tl.learning_dynamics.dynamics_explorer(steps=200)",
    "robustness": (
        "m = tl.ToyModel(tl.Config(5, 2, 2, feature_probability=[1.0, 0.1]))\n"
        "tl.adversarial_robustness.robustness_explorer(m, [0.0, 0.9], n_examples=256)"
    ),
    "privileged": "tl.privileged_basis.privileged_explorer(restarts=1, steps=200)",
    "computation": "tl.computation_in_superposition.computation_explorer(restarts=1, steps=200)",
    "sae": (
        "m = tl.ToyModel(tl.Config(5, 2, feature_probability=0.1))\n"
        "tl.sparse_autoencoders.sae_explorer(m, restarts=1, steps=200)"
    ),
    "memorization": (
        "from toy_lib import memorization_double_descent as mdd\n"
        "sweep = mdd.sweep((3, 5), (0,), setup={'steps': 200, 'warmup_steps': 10}, progress=False)\n"
        "mdd.memorization_explorer(sweep, size=5)"
    ),
}
SCRATCH_DIR = ARTIFACTS_DIR / "browser-notebooks"
EXPLORER = ".toy-explorer"
PRIMARY = f"{EXPLORER} .toy-primary"
EXPLORER_IMG = f"{EXPLORER} .toy-figure img"
# What the primary control shows now, whatever its kind; for failure messages and to see it moved.
PRIMARY_STATE_JS = """(primary) => {
    const el = document.querySelector(primary);
    if (!el) return '<no .toy-primary control>';
    const readout = el.querySelector('.widget-readout');
    if (el.querySelector('.noUi-handle')) return 'slider at ' + (readout?.innerText.trim() ?? '?');
    const select = el.querySelector('select');
    if (select) return 'select at ' + select.value;
    const active = el.querySelector('.widget-toggle-button.mod-active');
    if (active) return 'toggle at ' + active.innerText.trim();
    const radio = el.querySelector('input[type=radio]:checked');
    if (radio) return 'radio at ' + (radio.parentElement?.innerText.trim() ?? radio.value);
    return '<unknown control: ' + el.className + '>';
}"""


def _scratch_notebook(name: str, cell: str) -> str:
    """Write a two-cell notebook that displays one explorer; return its path from the lab root."""
    lines = ["import torch\nimport toy_lib as tl", cell]
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(lines)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    SCRATCH_DIR.mkdir(parents=True, exist_ok=True)
    path = SCRATCH_DIR / f"explorer_{name}.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return path.relative_to(REPO_ROOT).as_posix()


def _explorer_status(page: Page) -> str:
    """Visible text of the explorer box (controls, status line), for messages and error checks."""
    return page.evaluate(
        "(box) => document.querySelector(box)?.innerText ?? '<explorer not found>'", EXPLORER
    )


def _change_primary(page: Page) -> str:
    """Change the explorer's `toy-primary` control once, as a user would; say what was done."""
    primary = page.locator(PRIMARY).first
    primary.scroll_into_view_if_needed()
    handle = primary.locator(".noUi-handle")
    if handle.count():
        # Home jumps to the minimum (End to the maximum if already there): one 'change' event.
        now, low = (
            handle.first.get_attribute("aria-valuenow"),
            handle.first.get_attribute("aria-valuemin"),
        )
        key = "End" if now is not None and low is not None and float(now) <= float(low) else "Home"
        handle.first.press(key)
        return f"pressed {key} on the slider"
    select = primary.locator("select")
    if select.count():
        current = select.first.evaluate("s => s.options[s.selectedIndex]?.text ?? ''")
        options = [v for v in select.first.locator("option").all_inner_texts() if v != current]
        if not options:
            _fail(page, f"the dropdown has no option other than {current!r}")
        select.first.select_option(label=options[0])
        nbsp = "\xa0"  # ipywidgets renders the options' spaces as no-break spaces
        return f"selected {options[0].replace(nbsp, ' ')!r} (was {current.replace(nbsp, ' ')!r})"
    toggle = primary.locator(".widget-toggle-button:not(.mod-active)")
    if toggle.count():
        label = toggle.first.inner_text().strip()
        _click(page, toggle.first, f"the toggle button {label!r}")
        return f"clicked the toggle button {label!r}"
    radio = primary.locator("input[type=radio]:not(:checked)")
    if radio.count():
        _click(page, radio.first, "an unchecked radio button")
        return "clicked an unchecked radio button"
    _fail(page, f"do not know how to change the .toy-primary control: {primary.inner_html()[:300]}")


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_redraws_in_the_browser(
    name: str, lab_server: LabServer, lab_page: LabPage
) -> None:
    """Display one explorer in a scratch notebook, change its first control, see the figure change."""
    if lab_server.root_dir != REPO_ROOT:
        pytest.skip("the scratch notebooks live in the repository, which JupyterLab does not serve")
    page, console_errors = lab_page.page, lab_page.console_errors
    rel_path = _scratch_notebook(name, EXPLORERS[name])

    _open_notebook(page, lab_server, rel_path)
    _run_all_cells(page, lab_server)
    _wait_js(
        page,
        "([primary, img]) => document.querySelector(primary) && document.querySelector(img)",
        [PRIMARY, EXPLORER_IMG],
        REDRAW_TIMEOUT,
        lambda: (
            f"the {name} explorer to render ({PRIMARY} and {EXPLORER_IMG}); explorer shows: "
            f"{_explorer_status(page)!r}; browser console errors: {console_errors[-5:]}"
        ),
    )
    before_state = page.evaluate(PRIMARY_STATE_JS, PRIMARY)
    before_png = _figure_png(page, EXPLORER_IMG)

    action = _change_primary(page)
    redraw_s, after_png = _wait_for_redraw(
        page,
        EXPLORER_IMG,
        before_png,
        time.monotonic(),
        lambda: (
            f"the {name} explorer's figure to be redrawn after: {action} ({before_state} -> "
            f"{page.evaluate(PRIMARY_STATE_JS, PRIMARY)}); explorer shows: "
            f"{_explorer_status(page)!r}; browser console errors: {console_errors[-5:]}"
        ),
    )
    after_state = page.evaluate(PRIMARY_STATE_JS, PRIMARY)
    shot = _screenshot(page, f"browser-explorer-{name}.png")

    if after_png == before_png:
        _fail(page, f"{name} explorer's figure PNG unchanged after: {action}")
    status = _explorer_status(page)
    if "error:" in status:
        _fail(page, f"the {name} explorer reports an error after: {action}\n{status}", lab_server)
    errors = _error_outputs(page)
    if errors:
        _fail(page, f"error output after: {action}\n" + "\n---\n".join(errors), lab_server)
    print(
        f"{name}: {action} ({before_state} -> {after_state}); figure redrawn in {redraw_s:.1f} s "
        f"({len(before_png)} -> {len(after_png)} PNG bytes); screenshot: {shot}"
    )

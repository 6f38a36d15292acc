"""The lectures in a real browser: JupyterLab on loopback, headless Chromium.

One JupyterLab server serves a temporary copy of ``lectures/`` for the whole module
(the copies may be autosaved with outputs; the committed notebooks never are). One
Chromium page, driven by Playwright, opens every lecture in turn, runs all cells,
waits for the kernel, and asserts that no error or stderr output is shown and that
every widget rendered. In each lecture with an explorer it then moves the first
slider with the keyboard and checks that the pixels of the explorer's ipympl canvas
change. Screenshots go to ``artifacts/screenshots/`` (ignored by git).

The tests skip when Chromium or the Python ``playwright`` package is missing (CI
installs both and turns skips into failures), and the MNIST lectures skip when
``COURSE_DATA_DIR`` is not set. They share one server and one browser, so they
form one xdist group and run one after the other on a single worker.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from test_lectures import LECTURES, ROOT, SINGLE_THREADED, needs_mnist

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

#: User settings for the test server: no news pop-up, no autosave, every cell
#: rendered (JupyterLab otherwise leaves cells outside the viewport out of the DOM).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# Timeouts in milliseconds (Playwright's unit): generous, the machine may be busy.
LAB_START_TIMEOUT = 120_000
KERNEL_TIMEOUT = 120_000
RUN_ALL_TIMEOUT = 600_000
PIXEL_TIMEOUT = 20_000

# JavaScript run in the page; ``window.jupyterapp`` is exposed by the server option
# ``LabApp.expose_app_in_browser``.
JS_CURRENT = "() => window.jupyterapp.shell.currentWidget"
JS_KERNEL_IDLE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""
JS_RUN_ALL = """() => {
    window.__runAllResult = undefined;
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.__runAllResult = ok ? 'ok' : 'failed'; },
        err => { window.__runAllResult = 'error: ' + err; });
}"""
JS_OUTPUT_ERRORS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const found = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (cell.executionCount === null) found.push(`cell ${i} did not run`);
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') {
                found.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
            } else if (out.output_type === 'stream' && out.name === 'stderr') {
                const text = Array.isArray(out.text) ? out.text.join('') : out.text;
                found.push(`cell ${i} wrote to stderr: ${text.slice(0, 300)}`);
            }
        }
    }
    return found;
}"""
JS_PAINTED = """div => {
    const canvas = div.querySelector('canvas');
    if (!canvas || !canvas.width || !canvas.height) return false;
    const data = canvas.getContext('2d').getImageData(
        0, 0, canvas.width, canvas.height).data;
    for (let i = 4; i < data.length; i += 4 * 101) {
        for (let k = 0; k < 4; k++) if (data[i + k] !== data[k]) return true;
    }
    return false;
}"""
JS_CLOSE = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    panel.context.model.dirty = false;
    await panel.sessionContext.shutdown();
    panel.dispose();
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + LAB_START_TIMEOUT / 1000
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(
        f"JupyterLab did not answer within the timeout:\n{log.read_text()[-3000:]}"
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started, then anything left in its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # kernels, if the server left any
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback serving a copy of the lectures."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api")
    base = tmp_path_factory.mktemp("lab")
    root, settings = base / "root", base / "settings"
    shutil.copytree(ROOT / "lectures", root / "lectures")
    _write_settings(settings)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        **SINGLE_THREADED,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    log = base / "lab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True",
            ],
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{url}/api/status?token={token}", process, log)
        yield {"url": url, "token": token}
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def lab_page(lab, tmp_path_factory):
    """One Chromium page with JupyterLab loaded and started."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.new_page()
            page.goto(f"{lab['url']}/lab?reset&token={lab['token']}")
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell",
                timeout=LAB_START_TIMEOUT,
            )
            page.evaluate("async () => { await window.jupyterapp.started; }")
            page.wait_for_selector("#jp-main-dock-panel", timeout=LAB_START_TIMEOUT)
            yield page
        finally:
            context.close()


def _open_and_run(page, path: str) -> None:
    page.evaluate(
        "async path => { await window.jupyterapp.commands.execute("
        "'docmanager:open', {path}); }",
        path,
    )
    page.wait_for_function(
        "path => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!w && w.context && w.context.path === path; }",
        arg=path,
        timeout=KERNEL_TIMEOUT,
    )
    page.wait_for_function(JS_KERNEL_IDLE, timeout=KERNEL_TIMEOUT)
    page.evaluate(JS_RUN_ALL)
    page.wait_for_function(
        "() => window.__runAllResult !== undefined", timeout=RUN_ALL_TIMEOUT
    )
    page.wait_for_function(JS_KERNEL_IDLE, timeout=KERNEL_TIMEOUT)


def _painted(canvas_div) -> bool:
    """True once ipympl has drawn a frame: the canvas is not one flat colour."""
    return canvas_div.evaluate(JS_PAINTED)


def _settled_screenshot(canvas_div, previous: bytes | None = None) -> bytes:
    """A screenshot of the canvas once two in a row agree (and differ from
    ``previous`` if given), or the last one taken when the time is up."""
    deadline = time.monotonic() + PIXEL_TIMEOUT / 1000
    last = canvas_div.screenshot()
    while time.monotonic() < deadline:
        canvas_div.page.wait_for_timeout(300)
        shot = canvas_div.screenshot()
        if shot == last and shot != previous:
            return shot
        last = shot
    return last


def _move_first_slider(page, stem: str) -> tuple[str, str, bytes, bytes]:
    """Press arrow keys on the first slider of the first explorer.

    Returns the slider's readout and the canvas screenshot before and after.
    """
    explorer = page.locator(
        ".jp-OutputArea-output:has(.jupyter-matplotlib-canvas-div):has(.widget-slider)"
    ).first
    canvas = explorer.locator(".jupyter-matplotlib-canvas-div").first
    canvas.scroll_into_view_if_needed()
    deadline = time.monotonic() + PIXEL_TIMEOUT / 1000
    while not _painted(canvas) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    before = _settled_screenshot(canvas)
    (SCREENSHOTS / f"{stem}_before.png").write_bytes(before)
    slider = explorer.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    value_before = readout.inner_text()
    for key in ("ArrowRight", "ArrowLeft"):  # left, in case it sat at its maximum
        for _ in range(3):
            slider.locator(".noUi-handle").press(key)
        if readout.inner_text() != value_before:
            break
    after = _settled_screenshot(canvas, previous=before)
    (SCREENSHOTS / f"{stem}_after.png").write_bytes(after)
    return value_before, readout.inner_text(), before, after


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_in_jupyterlab(lab_page, path):
    nb = nbformat.read(path, as_version=4)
    if needs_mnist(nb) and not os.environ.get("COURSE_DATA_DIR"):
        pytest.skip("COURSE_DATA_DIR is not set: this lecture reads MNIST")
    has_explorer = any(
        cell.cell_type == "code" and "course.widgets" in cell.source
        for cell in nb.cells
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = lab_page
    _open_and_run(page, f"lectures/{path.name}")
    try:
        assert page.evaluate("() => window.__runAllResult") == "ok"
        assert page.evaluate(JS_OUTPUT_ERRORS) == []
        panel = page.locator(".jp-NotebookPanel:visible")
        shown_errors = panel.locator(
            "[data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert shown_errors.count() == 0
        assert panel.get_by_text("Error displaying widget").count() == 0
        if has_explorer:
            assert panel.locator(".jupyter-matplotlib-canvas-div").count() >= 1
            value_before, value_after, before, after = _move_first_slider(
                page, path.stem
            )
            assert value_after != value_before, "the arrow keys did not move the slider"
            assert after != before, "moving the slider did not change the figure"
    finally:
        page.screenshot(path=SCREENSHOTS / f"{path.stem}.png")
        page.evaluate(JS_CLOSE)

"""Browser-test fixtures: a JupyterLab server on loopback and headless Debian Chromium.

``jupyter_lab`` (module scope) serves a temporary root holding copies of ``notebooks/*.ipynb``
and a symlink to ``data/``, so the notebooks find ``data/samples`` exactly as in the repository
while the committed notebooks are never touched (autosave is off too). Jupyter's config, data,
runtime, settings and workspace folders and IPython's are temporary, so nothing lands in $HOME.
A module can add environment variables for the server and its kernels by overriding the
``jupyter_lab_env`` fixture.

``chromium`` skips the test with a reason when ``/usr/bin/chromium`` is absent, except under
``CI=true``, where that is a failure. ``browser_page`` is a fresh tall page; ``run_notebook(name)``
opens ``notebooks/<name>`` in it, waits for the kernel properly, runs all cells and fails on a
traceback; ``save_screenshot(name)`` writes ``test-artifacts/browser/<name>.png`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_IDLE = """() => {
    const t = document.querySelector('#jp-main-statusbar')?.textContent ?? '';
    const busy = ['Connecting', 'Initializing', 'Starting'].some(s => t.includes(s));
    return t.includes('Idle') && !busy;
}"""
STDERR = ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']"
# every code cell has run (an execution count in its prompt, none queued as [*]), or one failed
ALL_CELLS_RAN_OR_ERROR = f"""() => {{
    if (document.querySelector("{STDERR}")) return true;
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent ?? ''));
}}"""


@dataclass(frozen=True)
class JupyterLab:
    """A running JupyterLab: ``url(path)`` gives a page URL with the token."""

    port: int
    token: str
    root: Path
    env: dict[str, str]

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{CHROMIUM} is missing under CI=true: install it with apt-get install chromium"
        )
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")


def stop(proc: subprocess.Popen[Any], log: IO[bytes] | None = None) -> None:
    """Stop a server the tests started (terminate, then kill after 20 s) and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    if log is not None:
        log.close()


@pytest.fixture(scope="module")
def jupyter_lab_env() -> dict[str, str]:
    """Extra environment for the server and its kernels; override it in a test module."""
    return {}


@pytest.fixture(scope="module")
def jupyter_lab(
    tmp_path_factory: pytest.TempPathFactory, jupyter_lab_env: dict[str, str]
) -> Iterator[JupyterLab]:
    _require_chromium()
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    (root / "notebooks").mkdir(parents=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(nb, root / "notebooks" / nb.name)
    (root / "data").symlink_to(ROOT / "data", target_is_directory=True)
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "workspaces",
        "IPYTHONDIR": base / "ipython",
    }
    for d in dirs.values():
        d.mkdir()
    settings = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    (settings / "docmanager-extension").mkdir()
    (settings / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": False})
    )
    env = {
        **os.environ,
        **{k: str(v) for k, v in dirs.items()},
        "JUPYTER_PLATFORM_DIRS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **jupyter_lab_env,
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = (base / "jupyterlab.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    lab = JupyterLab(port=port, token=token, root=root, env=env)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"jupyter lab exited ({proc.returncode}); see {base / 'jupyterlab.log'}"
                )
            try:
                with urllib.request.urlopen(lab.url("api/status"), timeout=2) as resp:  # noqa: S310 - loopback
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab not ready after 90 s; see {base / 'jupyterlab.log'}")
            time.sleep(0.25)
        yield lab
    finally:
        stop(proc, log)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 2600})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _run_notebook(page: Any, lab: JupyterLab, notebook: str, *, timeout_ms: int = 120_000) -> None:
    """Open ``notebooks/<notebook>``, wait for an idle kernel, run all cells and wait until
    every code cell has run and the kernel is idle again."""
    page.set_default_timeout(timeout_ms)
    page.goto(lab.url(f"lab/tree/notebooks/{notebook}?reset"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_function(KERNEL_IDLE)
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator("[data-command='runmenu:run-all']").click()
    page.wait_for_function(ALL_CELLS_RAN_OR_ERROR)
    page.wait_for_function(KERNEL_IDLE)
    for text in page.locator(STDERR).all_inner_texts():
        if "Traceback" in text or "Error" in text:
            _screenshot(page, f"{Path(notebook).stem}-error")
            pytest.fail(f"a cell of {notebook} raised: {text[:2000]}")


@pytest.fixture
def run_notebook(jupyter_lab: JupyterLab, browser_page: Any) -> Callable[[str], Any]:
    """``run_notebook("02_x.ipynb")`` opens it, runs all cells and returns the page."""

    def run(notebook: str) -> Any:
        _run_notebook(browser_page, jupyter_lab, notebook)
        return browser_page

    return run


@pytest.fixture
def save_screenshot(browser_page: Any) -> Callable[[str], Path]:
    """``save_screenshot("name")`` writes test-artifacts/browser/name.png (full page)."""

    def save(name: str) -> Path:
        return _screenshot(browser_page, name)

    return save

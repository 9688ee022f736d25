"""Open a chapter in JupyterLab in headless Chromium, run every cell, and fail if a widget does not render or an
error shows. Saves a screenshot to tests/browser/out/<chapter>.png.

Usage: python tests/browser/check_chapter.py [notebooks/02-how-kubernetes-works.ipynb ...]
Needs Debian's chromium (/usr/bin/chromium) and PyPI's playwright (no browser download: it drives that binary).
Run by `make browser`; not part of `make test`.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["check_chapter", "main"]

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "out"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DEFAULT = ["notebooks/02-how-kubernetes-works.ipynb"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(port: int, token: str) -> subprocess.Popen:
    OUT.mkdir(exist_ok=True)
    jupyter = Path(sys.executable).with_name("jupyter")
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel draws inline, as for a learner
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={ROOT}", "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=''",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(OUT / "jupyterlab.log", "w"))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("jupyter lab exited: " + (OUT / "jupyterlab.log").read_text()[-2000:])
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("jupyter lab did not start within 60 s")


def _menu(page, menu: str, item: str) -> None:
    page.locator(f"li.lm-MenuBar-item:has-text('{menu}')").first.click()
    page.locator(f".lm-Menu-item:has-text('{item}')").first.click()


def check_chapter(page, base: str, notebook: str, timeout_s: float = 60) -> list[str]:
    """Run one notebook in the open JupyterLab page; return the problems found (empty: all good)."""
    problems: list[str] = []
    import json

    expected_code = sum(c["cell_type"] == "code" for c in json.loads((ROOT / notebook).read_text())["cells"])
    # a workspace of its own, reset, so that only this notebook is open
    page.goto(f"{base}/lab/workspaces/check-{Path(notebook).stem}/tree/{notebook}?reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # first open: JupyterLab may ask which kernel to use; accept its proposal
    try:
        page.locator(".jp-Dialog-footer button.jp-mod-accept").first.click(timeout=8_000)
    except Exception:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached", timeout=60_000)
    _menu(page, "Edit", "Clear Outputs of All Cells")
    _menu(page, "Run", "Run All Cells")
    deadline = time.time() + timeout_s
    n_code = page.locator(".jp-CodeCell").count()
    if n_code != expected_code:
        problems.append(f"{n_code} code cells on the page, {expected_code} in the file")
    while time.time() < deadline:
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
        done = [p for p in prompts if p.strip().startswith("[") and p.strip()[1:-2].strip().isdigit()]
        if len(done) == n_code and not any("*" in p for p in prompts):
            break
        time.sleep(1)
    else:
        problems.append(f"cells still running after {timeout_s:.0f} s: prompts {prompts}")
    page.wait_for_timeout(1500)  # let widget views render
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_text_contents()
    problems += [f"error output: {e.strip()[:300]}" for e in errors if "Error" in e or "Traceback" in e]
    text = page.locator(".jp-Notebook").first.text_content()
    for bad in ("Error displaying widget", "Traceback (most recent call last)", "Loading widget..."):
        if bad in text:
            problems.append(f"page shows {bad!r}")
    widgets = page.locator(".jp-OutputArea-output .widget-dropdown, .jp-OutputArea-output .jupyter-widgets")
    if widgets.count() == 0:
        problems.append("no widget rendered")
    else:
        button = page.locator(".jupyter-widgets button:has-text('next step')").first
        before = page.locator(".jupyter-widgets .widget-html").last.inner_text()
        button.click()
        page.wait_for_timeout(500)
        if page.locator(".jupyter-widgets .widget-html").last.inner_text() == before:
            problems.append("the widget did not react to 'next step'")
    images = page.locator(".jp-OutputArea-output img").count()
    if images == 0:
        problems.append("no figure rendered")
    if widgets.count():
        widgets.first.scroll_into_view_if_needed()  # the screenshot shows the widget
        page.wait_for_timeout(500)
    OUT.mkdir(exist_ok=True)
    shot = OUT / (Path(notebook).stem + ".png")
    page.screenshot(path=str(shot), full_page=True)
    print(f"{notebook}: {n_code} code cells run, {widgets.count()} widget views, {images} figures; screenshot {shot}")
    return problems


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    notebooks = argv or DEFAULT
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(port, token)
    failed = False
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            for nb in notebooks:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/lab?token={token}")  # sets the auth cookie
                problems = check_chapter(page, f"http://127.0.0.1:{port}", nb)
                page.close()
                for p in problems:
                    print(f"FAIL {nb}: {p}")
                failed |= bool(problems)
            browser.close()
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
    print("browser check:", "FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The interactive app end to end in headless Chromium (Debian's package, driven by Playwright): pages load without
console errors, moving a control changes the output, and a screenshot is kept as a test artefact (issue 20).

The screenshots go to ``$DORMANCY_ARTEFACTS`` (default ``test-artefacts/``). Outside CI the test is skipped when
Chromium or Playwright is missing; in CI (``CI`` set) it fails instead, so the check cannot pass unseen.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("DORMANCY_ARTEFACTS", ROOT / "test-artefacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must install it: see .ci/run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    try:
        import panel  # noqa: F401
    except ImportError:
        _missing("panel (the app extra) is not installed")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-c", "from dormancy.cli import main; main()", "app", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        server.wait()
        pytest.fail(f"the app did not answer at {url}: {log.read_text()}")
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        _missing("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (the test extra)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="networkidle", timeout=120_000)
    return page, errors


def _summary(page, css_class: str, *, containing: str = "", unlike: str | None = None, timeout_s: float = 180) -> str:
    """Text of a Markdown pane (Bokeh renders into shadow roots: Playwright's locators pierce them)."""
    locator = page.locator(f".{css_class} p").first
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline:
        text = locator.inner_text(timeout=120_000) if locator.count() else ""
        if containing in text and (unlike is None or text != unlike):
            return text
        page.wait_for_timeout(500)
    pytest.fail(f"{css_class!r} did not show {containing!r} (last: {text!r})")


@pytest.mark.slow
def test_the_switch_tab_loads_and_a_slider_changes_the_fate(browser, app_url):
    page, errors = _open(browser, app_url)
    before = _summary(page, "switch-summary", containing="Fate after")
    assert "Fate after 14 days" in before
    # move the TGFB2 slider to its right end with the keyboard: the fate and the rates must change
    handle = page.locator(".noUi-handle").nth(1)
    handle.focus()
    for _ in range(12):
        handle.press("ArrowRight")
    after = _summary(page, "switch-summary", containing="Fate after", unlike=before)
    assert after != before
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "app-switch.png"), full_page=True)
    assert (ARTEFACTS / "app-switch.png").stat().st_size > 20_000
    assert errors == [], errors


@pytest.mark.slow
def test_the_cohort_tab_runs_with_progress_and_shows_a_hazard_ratio(browser, app_url):
    page, errors = _open(browser, app_url)
    page.get_by_text("Cohort", exact=True).click()
    page.get_by_role("button", name="Run cohort").click()
    text = _summary(page, "cohort-summary", containing="Hazard ratio ER")
    assert "500 patients" in text and "95 % CI" in text
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "app-cohort.png"), full_page=True)
    assert errors == [], errors

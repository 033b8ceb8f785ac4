"""The dashboard in a real headless Chromium, served by ``hls-sim dashboard`` as a user would.

One server and one page are shared by the tests, in order, because starting
the server takes seconds; each test opens its own tab of the page. The server
runs a small place (see ``SMALL``) so runs take a moment. Every request the
page makes is recorded: none may fail, and none may leave this machine.
Screenshots go to ``test-output/screenshots/``.

Skipped, with the reason, only when Chromium or Playwright is missing
(``.ci/run`` installs both).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from hls_sim import load_scenario
from hls_sim.cli import main
from hls_sim.dashboard.perspectives import PERSPECTIVES, REVEALED_CHARTS
from hls_sim.dashboard.trainer import TITLES
from hls_sim.metrics import WEEKLY_COLUMNS

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
START_TIMEOUT = 240
RUN_TIMEOUT_MS = 180_000
EXPECT_TIMEOUT_MS = 60_000
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SMALL = """\
name = "small-place"
description = "A small place, so that the browser tests run in seconds."
weeks = 40
burn_in = 4

[population]
size = 300

[workforce]
workers = 12

[providers]
count = 3
"""

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"hls-sim dashboard exited with code {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"hls-sim dashboard did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("dashboard") / "small-place.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard-log") / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hls_sim.cli",
                "dashboard",
                "--port",
                str(port),
                "--scenario",
                str(scenario),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, START_TIMEOUT)
        first_line = log.read_text().splitlines()[0]
        assert first_line.startswith(f"hls-sim: dashboard at http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


class Requests:
    """Every request the page made that failed or went to another machine."""

    def __init__(self, page):
        self.failed: list[str] = []
        self.elsewhere: list[str] = []
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))
        page.on("response", lambda response: response.status >= 400 and self.failed.append(response.url))
        page.on("request", self.check_host)

    def check_host(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.elsewhere.append(request.url)


@pytest.fixture(scope="module")
def page(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    # The server answers every click; on a busy machine that can take longer than Playwright's 5 s.
    playwright_api.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    page.requests = Requests(page)
    page.goto(server)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_compare_loads_offline_and_shows_old_world_against_hls(page):
    page.locator(".hls-status-A", has_text="Finished").wait_for()
    page.locator(".hls-status-B", has_text="Finished").wait_for()
    expect = playwright_api.expect
    expect(page.get_by_text("A: Old world: targets and competition").first).to_be_visible()
    expect(page.get_by_text("B: HLS: trust and an alliance").first).to_be_visible()
    assert page.locator(".hls-compare figure[role=img] img").count() == 12
    expect(page.locator(".hls-summary-table")).to_contain_text("True wellbeing (average)")
    page.wait_for_load_state("networkidle")
    assert page.requests.failed == []
    assert page.requests.elsewhere == []
    screenshot(page, "compare.png")


def test_explore_runs_and_draws_its_charts(page):
    open_tab(page, "Explore")
    explore = page.locator(".hls-explore")
    explore.get_by_text("Finished: 40 weeks, seed 1.").wait_for()
    playwright_api.expect(explore.get_by_role("button", name="Run")).to_be_disabled()
    seed = explore.get_by_label("Seed")
    seed.fill("2")
    seed.press("Enter")
    explore.get_by_role("button", name="Run").click()
    explore.get_by_text("Finished: 40 weeks, seed 2.").wait_for()
    assert explore.locator("figure[role=img] img").count() == 6
    label = explore.locator("figure[role=img]").first.get_attribute("aria-label")
    assert label.startswith("True wellbeing and the reported indicator")
    screenshot(page, "explore.png")


def test_a_bad_value_gets_a_message_beside_its_control(page):
    explore = page.locator(".hls-explore")
    field = explore.get_by_label("Share of payment riding on the indicator")
    field.fill("2")
    field.press("Enter")
    playwright_api.expect(explore.locator(".hls-problem").first).to_contain_text("less than or equal to 1")
    field.fill("0.5")
    field.press("Enter")
    playwright_api.expect(explore.locator(".hls-problem")).to_have_count(0)


def test_controls_work_from_the_keyboard(page):
    explore = page.locator(".hls-explore")
    seed = explore.get_by_label("Seed")
    seed.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "New seed"
    page.keyboard.press("Enter")
    playwright_api.expect(seed).not_to_have_value("2")
    playwright_api.expect(explore.locator(".hls-out-of-date")).to_be_visible()


def test_exported_scenario_validates_and_runs(page, tmp_path, capsys):
    explore = page.locator(".hls-explore")
    with page.expect_download() as download:
        explore.get_by_role("button", name="Settings as scenario file (TOML)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".toml"
    assert main(["validate", str(path)]) == 0
    assert load_scenario(path).name == "small-place"
    assert main(["run", str(path), "--weeks", "3", "--json"]) == 0
    assert '"target-competition"' in capsys.readouterr().out


def test_weekly_table_and_charts_download(page, tmp_path):
    explore = page.locator(".hls-explore")
    with page.expect_download() as download:
        explore.get_by_role("button", name="Weekly table (CSV)").click()
    table = pd.read_csv(download.value.path())
    assert tuple(table.columns) == WEEKLY_COLUMNS and len(table) == 40
    with page.expect_download() as download:
        explore.get_by_role("button", name="Chart as PNG").first.click()
    assert download.value.suggested_filename == "truth-and-report-A.png"
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")


def test_perspectives_and_a_story(page):
    open_tab(page, "Perspectives")
    view = page.locator(".hls-perspectives")
    view.get_by_role("button", name="The commissioner").click()
    commissioner = len(PERSPECTIVES["commissioner"][2])
    playwright_api.expect(view.locator("figure[role=img]")).to_have_count(commissioner)
    view.get_by_role("button", name="Reveal what was really happening").click()
    revealed = commissioner + len(REVEALED_CHARTS)
    playwright_api.expect(view.locator("figure[role=img]")).to_have_count(revealed)
    screenshot(page, "perspectives.png")
    open_tab(page, "Stories")
    story = page.locator(".hls-story")
    playwright_api.expect(story.locator("h4")).to_contain_text(re.compile(r"Person \d+"))
    assert story.locator("ol.hls-story-timeline li").count() >= 2
    screenshot(page, "stories.png")


def test_trainer_mode_steps_to_the_reveal(page):
    open_tab(page, "Trainer mode")
    trainer = page.locator(".trainer")
    title = trainer.locator("h2.trainer-title")
    playwright_api.expect(title).to_have_text(TITLES[1])
    for screen in (2, 3, 4):
        trainer.get_by_role("button", name="Next").click()
        playwright_api.expect(title).to_have_text(TITLES[screen], timeout=30_000)
    assert TITLES[4] == "What was really happening"
    trainer.locator("table.trainer-gaming").wait_for()
    assert page.requests.failed == [] and page.requests.elsewhere == []
    screenshot(page, "trainer-reveal.png")

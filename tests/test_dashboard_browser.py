"""The dashboard in a real headless Chromium, served by ``hls-sim dashboard`` as a user would.

The first test starts its own server on the default scenario, as
``uv run hls-sim dashboard`` does, and times a commissioner's first minute:
the headline must say "in N of 5 seeds" within 20 s of the server answering
(more when other work shares the machine: see ``first_minute_bound``; the
times are written to ``test-output/first-minute.json``).
The rest share one server on a small place (see ``SMALL``), so runs take a
moment, and one page, in order; each opens its own tab where it needs one.
Every request the page makes is recorded: none may fail, and none may leave
this machine. Screenshots go to ``test-output/screenshots/``.

Skipped, with the reason, only when Chromium or Playwright is missing
(``.ci/run`` installs both). Marked slow: ``-m 'not slow'`` leaves them out.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from hls_sim import load_scenario
from hls_sim.cli import main
from hls_sim.dashboard import state
from hls_sim.dashboard.compare_charts import COMPARE_CHARTS
from hls_sim.dashboard.comparison import Comparison, Side
from hls_sim.dashboard.headline import HEADLINE_KEYS, cell_value, rows, verdict
from hls_sim.dashboard.perspectives import PERSPECTIVES, REVEALED_CHARTS
from hls_sim.dashboard.trainer import TITLES
from hls_sim.dashboard.worker import run_seed
from hls_sim.metrics import WEEKLY_COLUMNS

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
START_TIMEOUT = 240
RUN_TIMEOUT_MS = 180_000
EXPECT_TIMEOUT_MS = 60_000
# The "done means": the headline within 20 s of the server answering, on this 2-core
# machine. When other work shares the machine, the runs get a smaller share of the cores, so
# the bound grows with the load average per core (``first_minute_bound``).
FIRST_MINUTE_SECONDS = 20
PROJECTOR = {"width": 1280, "height": 720}
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
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]
expect = playwright_api.expect


def load_average() -> float:
    path = Path("/proc/loadavg")
    return float(path.read_text().split()[0]) if path.exists() else 0.0


def first_minute_bound(load: float) -> float:
    """20 s on a machine to itself; scaled by the load per core when others share it."""
    return FIRST_MINUTE_SECONDS * max(1.0, load / (os.cpu_count() or 1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_answer(url: str, process: subprocess.Popen, timeout: float) -> float:
    """Wait until the server answers a page request; returns when it did (``time.monotonic``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"hls-sim dashboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"hls-sim dashboard did not answer at {url} within {timeout} s")


class Server:
    """``hls-sim dashboard`` in its own process, its output kept in a log."""

    def __init__(self, log: Path, scenario: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        command = [sys.executable, "-m", "hls_sim.cli", "dashboard", "--port", str(self.port)]
        if scenario is not None:
            command += ["--scenario", str(scenario)]
        with log.open("w") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        self.answered = wait_for_answer(self.url, self.process, START_TIMEOUT)
        first_line = log.read_text().splitlines()[0]
        assert first_line.startswith(f"hls-sim: dashboard at http://127.0.0.1:{self.port}/")

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return self.log.read_text()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "small-place.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, small_scenario):
    started = Server(tmp_path_factory.mktemp("dashboard-log") / "server.log", small_scenario)
    yield started.url
    log = started.stop()
    # Solara's "cannot disconnect a page" traceback (issue 11) must not come back.
    assert "Traceback" not in log, log


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
def context(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    # The server answers every click; on a busy machine that can take longer than Playwright's 5 s.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(server, context):
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.requests = Requests(page)
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    page.goto(server)
    yield page


def lost_connection(messages: list[str]) -> list[str]:
    """Console messages that say the page lost its server (issue 11 saw one 40 s into the first render)."""
    return [
        text for text in messages if re.search(r"reconnect|connection lost|disconnected", text, re.IGNORECASE)
    ]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def open_fold(scope, summary: str) -> None:
    scope.locator(".v-expansion-panel-header", has_text=summary).first.click()


# --- the first minute, on the default place -------------------------------------------------------
def test_first_minute_the_headline_within_20_seconds_of_the_server_answering(browser, tmp_path):
    load = load_average()
    started = Server(tmp_path / "server.log")
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(RUN_TIMEOUT_MS)
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(started.url)
        page.get_by_role("button", name="Run both").wait_for()
        layout = time.monotonic() - started.answered
        headline = page.locator(".hls-headline-done")
        headline.wait_for()
        seconds = time.monotonic() - started.answered
        verdicts = page.locator(".hls-verdict").all_inner_texts()
        values = page.locator(".hls-headline-table td.hls-number").all_inner_texts()
        screenshot(page, "first-minute.png")
        page.close()
    finally:
        log = started.stop()
    OUTPUT.mkdir(exist_ok=True)
    bound = first_minute_bound(load)
    record = {
        "layout_s": round(layout, 1),
        "headline_s": round(seconds, 1),
        "load_before": load,
        "bound_s": round(bound, 1),
    }
    (OUTPUT / "first-minute.json").write_text(json.dumps(record))
    assert len(verdicts) == len(HEADLINE_KEYS)
    assert all(re.search(r" of 5 seeds$", text) for text in verdicts), verdicts
    assert any("%" in text for text in values) and any("£" in text for text in values), values
    assert seconds <= bound, f"headline after {seconds:.1f} s ({record})"
    assert "Traceback" not in log, log
    assert lost_connection(console) == []


# --- Compare ---------------------------------------------------------------------------------------
def test_compare_loads_offline_and_shows_old_world_against_hls(page):
    page.locator(".hls-headline-done").wait_for()
    headline = page.locator(".hls-headline-table")
    expect(headline.locator("th").nth(1)).to_have_text("A: Old world")
    expect(headline.locator("th").nth(2)).to_have_text("B: HLS")
    expect(page.locator(".hls-compare-status")).to_contain_text("Finished: 10 runs, seeds 1 to 5")
    expect(page.locator(".hls-compare figure[role=img] img")).to_have_count(len(COMPARE_CHARTS))
    legend = page.locator(".hls-compare figure[role=img]").first.get_attribute("aria-label")
    assert "A (Old world)" in legend and "B (HLS)" in legend
    screenshot(page, "compare.png")
    open_fold(page.locator(".hls-summary-table"), "Every measure")
    table = page.locator(".hls-full-table")
    expect(table).to_contain_text("Wellbeing of the average person")
    expect(table.locator("tr[data-key=providers_active] td").nth(1)).to_have_text(re.compile(r"^\d+$"))
    expect(table.locator("tr[data-key=total_cost] td").nth(3)).to_have_text(
        re.compile(r"^£[\d.]+[mk]? (more|less)$")
    )
    assert "key" not in [text.strip() for text in table.locator("th").all_inner_texts()]
    page.wait_for_load_state("networkidle")
    assert page.requests.failed == []
    assert page.requests.elsewhere == []


def test_the_headline_says_what_the_runs_measured(page, small_scenario):
    """Every headline cell, recomputed here from the same scenario and seeds."""
    sides = {
        side: Side(name, name, state.Settings(str(small_scenario), regime).build())
        for side, name, regime in (("A", "Old world", "target-competition"), ("B", "HLS", "trust-alliance"))
    }
    seeds = (1, 2, 3, 4, 5)
    runs = {(side, seed): run_seed(0, sides[side].scenario, seed) for side in sides for seed in seeds}
    names = {"A": "Old world", "B": "HLS"}
    for row in rows(Comparison(sides, seeds, runs)):
        for side in ("A", "B"):
            cell = page.locator(f".hls-headline-table td[data-side={side}][data-measure={row.key}]")
            expect(cell).to_contain_text(cell_value(row, side))
        verdict_cell = page.locator(f".hls-headline-table td[data-measure={row.key}] .hls-verdict")
        expect(verdict_cell).to_have_text(verdict(row, names))
    term = page.locator(".hls-headline-table .hls-term").first
    term.hover()
    expect(page.locator(".v-tooltip__content.menuable__content__active")).to_contain_text("share")


def test_a_printable_summary_fits_one_page_with_nothing_from_the_internet(page, tmp_path, browser):
    with page.expect_download() as download:
        page.get_by_role("button", name="One-page summary to print (HTML)").click()
    assert download.value.suggested_filename.startswith("summary-A-target-competition-vs-B-trust-alliance")
    path = tmp_path / "summary.html"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "The answer" in text and "better in" in text and "of 5 seeds" in text
    reader = browser.new_page()
    requests = []
    reader.on("request", lambda request: requests.append(request.url))
    reader.goto(path.as_uri())
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    reader.emulate_media(media="print")
    pdf = reader.pdf(format="A4")
    reader.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


# --- Explore ---------------------------------------------------------------------------------------
def test_explore_runs_and_draws_its_charts(page):
    open_tab(page, "Explore")
    explore = page.locator(".hls-explore")
    explore.get_by_text("Finished: 40 weeks, seed 1.").wait_for()
    expect(explore.get_by_role("button", name="Run")).to_be_disabled()
    expect(explore.locator(".hls-run-reason")).to_contain_text("this run has finished")
    seed = explore.get_by_label("Seed")
    seed.fill("2")
    seed.press("Enter")
    explore.get_by_role("button", name="Run").click()
    explore.get_by_text("Finished: 40 weeks, seed 2.").wait_for()
    assert explore.locator("figure[role=img] img").count() == 6
    label = explore.locator("figure[role=img]").first.get_attribute("aria-label")
    assert label.startswith("True wellbeing and the reported indicator")
    screenshot(page, "explore.png")


def share_box(page):
    return page.locator(".hls-explore .hls-control-funding-pbr_share input[type=text]")


def test_a_bad_value_gets_a_message_beside_its_control(page):
    explore = page.locator(".hls-explore")
    field = share_box(page)
    field.fill("2")
    field.press("Enter")
    expect(explore.locator(".hls-problem").first).to_contain_text(
        "“2” is more than 1, the most a share can be"
    )
    expect(share_box(page)).to_have_value("50%")
    # A good value clears the message; each is waited for in the address, i.e. taken by the server.
    for good, address in (("40%", r"a\.funding\.pbr_share=0\.4"), ("50%", r"^(?!.*pbr_share)")):
        field = share_box(page)
        field.fill(good)
        field.press("Enter")
        expect(page).to_have_url(re.compile(address))
        expect(explore.locator(".hls-problem")).to_have_count(0)
        expect(share_box(page)).to_have_value(good)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a number. Enter a percentage from 0% to 100%, such as 50%. Still using 50%."),
        (
            "−5",
            "“−5” is too small: it must be at least 0%. Enter a percentage from 0% to 100%, such as 50%. "
            "Still using 50%.",
        ),
        (
            "150%",
            "“150%” is too big: the most allowed is 100%. Enter a percentage from 0% to 100%, such as 50%. "
            "Still using 50%.",
        ),
    ],
)
def test_plain_english_errors_and_the_control_shows_the_value_in_use(page, typed, message):
    field = share_box(page)
    field.fill(typed)
    field.press("Enter")
    expect(page.locator(".hls-explore .hls-problem").first).to_have_text(message)
    expect(share_box(page)).to_have_value("50%")
    assert "funding.pbr_share" not in page.url


def test_controls_work_from_the_keyboard(page):
    explore = page.locator(".hls-explore")
    seed = explore.get_by_label("Seed")
    seed.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "New seed"
    page.keyboard.press("Enter")
    expect(seed).not_to_have_value("2")
    expect(explore.locator(".hls-out-of-date")).to_be_visible()


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
    # The picture says which side, regime and seed it shows, in its name as in itself.
    assert download.value.suggested_filename == "truth-and-report-A-target-competition-seed2.png"
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")


# --- Perspectives and Stories --------------------------------------------------------------------
def test_perspectives_and_a_story(page):
    open_tab(page, "Perspectives")
    view = page.locator(".hls-perspectives")
    view.get_by_role("button", name="The commissioner").click()
    commissioner = len(PERSPECTIVES["commissioner"][2])
    expect(view.locator("figure[role=img]")).to_have_count(commissioner)
    view.get_by_role("button", name="Reveal what was really happening").click()
    revealed = commissioner + len(REVEALED_CHARTS)
    expect(view.locator("figure[role=img]")).to_have_count(revealed)
    screenshot(page, "perspectives.png")
    open_tab(page, "Stories")
    story = page.locator(".hls-story")
    expect(story.locator("h4")).to_contain_text(re.compile(r"Person \d+"))
    # The story fits a screen: summary and chart first, the timeline folded below them.
    expect(story.locator("ol.hls-story-timeline li")).to_have_count(0)
    picker = page.locator(".hls-person-picker")
    assert picker.bounding_box()["width"] <= 1440
    screenshot(page, "stories.png")
    open_fold(story, "The whole journey, week by week")
    assert story.locator("ol.hls-story-timeline li").count() >= 2


# --- keeping and sharing -------------------------------------------------------------------------
def test_an_exported_scenario_uploads_back_to_the_same_scenario(page, tmp_path):
    open_tab(page, "Compare A/B")
    compare = page.locator(".hls-compare")
    open_fold(compare, "Settings of side A")
    with page.expect_download() as download:
        compare.locator(".hls-export-A").get_by_role(
            "button", name="Settings as scenario file (TOML)"
        ).click()
    exported = tmp_path / "side-a.toml"
    download.value.save_as(exported)
    open_fold(compare, "Settings of side B")
    compare.locator(".hls-upload-B input[type=file]").set_input_files(exported)
    expect(compare.locator(".hls-upload-B .hls-upload-said")).to_have_text(
        "Loaded “side-a.toml” into side B."
    )
    with page.expect_download() as download:
        compare.locator(".hls-export-B").get_by_role(
            "button", name="Settings as scenario file (TOML)"
        ).click()
    again = tmp_path / "side-b.toml"
    download.value.save_as(again)
    assert load_scenario(again) == load_scenario(exported)
    expect(compare.locator(".hls-run-reason")).to_contain_text("Settings changed since these results")


def test_a_link_reopens_the_same_comparison(context, server):
    first = context.new_page()
    first.set_default_timeout(RUN_TIMEOUT_MS)
    first.goto(server + "?b.regime=trust-competition&a.funding.pbr_share=0.3&seeds=2")
    first.locator(".hls-headline-done").wait_for()
    headline = first.locator(".hls-headline-table")
    expect(headline.locator("th").nth(1)).to_have_text("A: Old world (changed)")
    expect(headline.locator("th").nth(2)).to_have_text("B: Trust with competition")
    expect(first.locator(".hls-verdict").first).to_have_text(re.compile(r" of 2 seeds$"))
    seeds = first.get_by_label("Seeds per side")
    seeds.fill("3")
    seeds.press("Enter")
    expect(first).to_have_url(re.compile(r"seeds=3"))
    link = first.url
    assert "a.funding.pbr_share=0.3" in link and "b.regime=trust-competition" in link
    second = context.new_page()
    second.set_default_timeout(RUN_TIMEOUT_MS)
    second.goto(link)
    second.locator(".hls-headline-done").wait_for()
    expect(second.get_by_label("Seeds per side")).to_have_value("3")
    expect(second.locator(".hls-verdict").first).to_have_text(re.compile(r" of 3 seeds$"))
    expect(second.locator(".hls-headline-table th").nth(2)).to_have_text("B: Trust with competition")
    first.close()
    second.close()


# --- Trainer mode --------------------------------------------------------------------------------
def test_trainer_mode_steps_to_the_reveal(page):
    open_tab(page, "Trainer mode")
    trainer = page.locator(".trainer")
    title = trainer.locator("h2.trainer-title")
    expect(title).to_have_text(TITLES[1])
    for screen in (2, 3, 4):
        trainer.get_by_role("button", name="Next").click()
        expect(title).to_have_text(TITLES[screen], timeout=30_000)
    assert TITLES[4] == "What was really happening"
    trainer.locator("table.trainer-gaming").wait_for(state="attached")
    assert page.requests.failed == [] and page.requests.elsewhere == []
    assert lost_connection(page.console) == []
    assert (
        page.get_by_text("Server disconnected").count() == 0
        or not page.get_by_text("Server disconnected").is_visible()
    )
    screenshot(page, "trainer-reveal.png")
    trainer.get_by_role("button", name="Leave trainer mode").click()
    expect(page.get_by_role("tab", name="Compare A/B")).to_be_visible()


BELOW_THE_FOLD = """() => {
    const out = [];
    for (const element of document.querySelectorAll('.trainer *')) {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        if (box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
            && (box.bottom > window.innerHeight + 1 || box.right > window.innerWidth + 1)) {
            const where = `${Math.round(box.right)}x${Math.round(box.bottom)}`;
            out.push(`${element.tagName}.${element.className} ${where}`);
        }
    }
    return out;
}"""
COVERED = """() => {
    const out = [];
    for (const image of document.querySelectorAll('.trainer-figure img')) {
        const box = image.getBoundingClientRect();
        if (box.width === 0) continue;
        for (const [x, y] of [[0.02, 0.02], [0.98, 0.02], [0.5, 0.5], [0.02, 0.98], [0.98, 0.98]]) {
            const found = document.elementFromPoint(box.left + x * box.width, box.top + y * box.height);
            if (found !== image) out.push(`${x},${y}: ${found && found.tagName}.${found && found.className}`);
        }
    }
    return out;
}"""


def test_every_trainer_screen_fits_a_projector_with_nothing_below_the_fold(browser, server):
    context = browser.new_context(viewport=PROJECTOR)
    projector = context.new_page()
    projector.set_default_timeout(RUN_TIMEOUT_MS)
    projector.goto(server + "?view=trainer")
    trainer = projector.locator(".trainer")
    for screen in range(1, 6):
        trainer.locator(f".trainer-screen-{screen}").wait_for()
        if screen != 2:
            trainer.locator(".trainer-figure img").first.wait_for()
            projector.wait_for_timeout(500)
        assert projector.evaluate(BELOW_THE_FOLD) == [], f"screen {screen}"
        assert projector.evaluate(COVERED) == [], f"screen {screen}"
        size = projector.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.trainer p')).fontSize)"
        )
        assert size >= 20, f"screen {screen}: {size}px type"
        if screen != 2:
            trainer.get_by_role("button", name="Numbers").click()
            trainer.locator("table.trainer-table").first.wait_for()
            assert projector.evaluate(BELOW_THE_FOLD) == [], f"screen {screen}, numbers"
            trainer.get_by_role("button", name="Chart").click()
            trainer.locator(".trainer-figure img").first.wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        projector.screenshot(path=SCREENSHOTS / f"trainer-{screen}-1280x720.png")
        if screen < 5:
            trainer.get_by_role("button", name="Next").click()
    assert projector.get_by_text("This website runs on").count() == 0
    context.close()

"""Time a commissioner's and a trainer's first minute with the dashboard, in headless Chromium.

Starts ``hls-sim dashboard`` cold on a free port (the default scenario unless
``--scenario``), then times, from the moment the server first answers an HTTP
request:

- **layout**: the tabs and the Run button are on screen;
- **headline**: the Compare headline says "in N of M seeds" for every seed
  (``--before``: the first chart on Compare, as the old page had no headline);
- **finished**: every Compare run is done;
- **new tab**: a second tab on the running server to its layout and headline;
- **rerun**: set side A's share of payment on the indicator to 30%, press
  Run both: the first visible change, then finished;
- **tabs**: Explore, then back to Compare;
- **trainer**: the Trainer tab to its first screen, then to screen 5's table.

Timings are wall-clock and noisy on a shared machine: the load average is
printed before and after. Needs Chromium at /usr/bin/chromium and Playwright.

    uv run python benchmarks/bench_dashboard.py            # this branch's page
    uv run python benchmarks/bench_dashboard.py --before   # selectors of the page before issue 11
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIMIT_MS = 600_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def wait_for_answer(url: str, process: subprocess.Popen) -> float:
    while True:
        if process.poll() is not None:
            raise RuntimeError("the dashboard exited")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if response.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.1)


class Clock:
    def __init__(self, start: float):
        self.start = start
        self.rows: list[tuple[str, float]] = []

    def mark(self, name: str, since: float | None = None) -> float:
        now = time.monotonic()
        self.rows.append((name, now - (self.start if since is None else since)))
        print(f"{name:<55} {self.rows[-1][1]:6.1f} s   load {load()}", flush=True)
        return now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="use the selectors of the page before issue 11")
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "hls_sim.cli", "dashboard", "--port", str(port)]
    if options.scenario:
        command += ["--scenario", options.scenario]
    print(f"load before: {load()}", flush=True)
    launched = time.monotonic()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        answered = wait_for_answer(url, server)
        clock = Clock(answered)
        print(f"{'launch to the server answering':<55} {answered - launched:6.1f} s", flush=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.set_default_timeout(LIMIT_MS)
            first_view(page, url, clock, options.before, "first tab")
            start = time.monotonic()
            second = context.new_page()
            second.set_default_timeout(LIMIT_MS)
            first_view(second, url, Clock(start), options.before, "new tab", clock)
            second.close()
            rerun(page, clock, options.before)
            tabs(page, clock, options.before)
            trainer(page, clock)
            browser.close()
    finally:
        server.terminate()
        try:
            _, errors = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            _, errors = server.communicate()
    tracebacks = errors.count("Traceback")
    print(f"server tracebacks: {tracebacks}; 'cannot disconnect': {errors.count('cannot disconnect')}")
    print(f"load after: {load()}")
    if options.json:
        options.json.write_text(json.dumps(dict(clock.rows), indent=2))
    return 0


def first_view(page, url: str, clock: Clock, before: bool, what: str, report: Clock | None = None) -> None:
    report = report or clock
    page.goto(url)
    page.get_by_role("tab", name="Trainer mode").wait_for()
    page.get_by_role("button", name="Run both").wait_for()
    report.mark(f"{what}: layout and controls", clock.start)
    if before:
        page.locator(".hls-compare figure[role=img] img").first.wait_for()
        report.mark(f"{what}: first chart on Compare", clock.start)
        page.locator(".hls-status-B", has_text="Finished").wait_for()
        page.locator(".hls-status-A", has_text="Finished").wait_for()
        report.mark(f"{what}: both runs finished", clock.start)
    else:
        page.locator(".hls-headline", has_text=" seeds").first.wait_for()
        report.mark(f"{what}: first headline 'in N of M seeds'", clock.start)
        page.locator(".hls-headline-done").wait_for()
        report.mark(f"{what}: headline over every seed", clock.start)


def rerun(page, clock: Clock, before: bool) -> None:
    compare = page.locator(".hls-compare")
    compare.get_by_text("Settings of side A").first.click()
    if before:
        field = (
            compare.locator(".hls-settings-A").get_by_label("Share of payment riding on the indicator").first
        )
    else:
        field = compare.locator(".hls-settings-A .hls-control-funding-pbr_share input[type=text]")
    field.fill("0.3" if before else "30%")
    field.press("Enter")
    start = time.monotonic()
    compare.get_by_role("button", name="Run both").click()
    if before:
        page.locator(".hls-status-A", has_text="Finished").wait_for(state="detached")
        clock.mark("rerun: first visible change", start)
        page.locator(".hls-status-A", has_text="Finished").wait_for()
        page.locator(".hls-status-B", has_text="Finished").wait_for()
    else:
        page.locator(".hls-headline-done").wait_for(state="detached")
        clock.mark("rerun: first visible change", start)
        page.locator(".hls-headline-done").wait_for()
    clock.mark("rerun: finished", start)


def tabs(page, clock: Clock, before: bool) -> None:
    start = time.monotonic()
    page.get_by_role("tab", name="Explore").click()
    page.locator(".hls-explore figure[role=img] img").first.wait_for()
    clock.mark("tab: Explore with a chart", start)
    start = time.monotonic()
    page.get_by_role("tab", name="Compare A/B").click()
    page.locator(".hls-compare figure[role=img] img").first.wait_for()
    clock.mark("tab: back to Compare with a chart", start)


def trainer(page, clock: Clock) -> None:
    start = time.monotonic()
    page.get_by_role("tab", name="Trainer mode").click()
    page.locator(".trainer h2.trainer-title").wait_for()
    clock.mark("trainer: first screen", start)
    page.locator(".trainer figure img").first.wait_for()
    clock.mark("trainer: first screen's chart", start)
    for _ in range(4):
        page.locator(".trainer").get_by_role("button", name="Next").click()
    page.locator("table.trainer-sweep").wait_for(state="attached")
    clock.mark("trainer: screen 5 (the stakes) ready", start)


if __name__ == "__main__":
    raise SystemExit(main())

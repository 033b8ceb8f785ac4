"""One run of the comparison, as a worker process makes it: a scenario and a seed in, results out.

This module is what the dashboard's worker processes import (``pool``), so it
imports the model and nothing of the page (no Solara, no matplotlib). Each run
reports how far it has got through a queue shared with the server, so the page
can show progress inside a run as well as between runs.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hls_sim.model import SupportSystemModel
from hls_sim.scenario import Scenario

# How often, at most, a run says how far it has got; how often a worker checks the server is still there.
PROGRESS_SECONDS = 0.25
SERVER_CHECK_SECONDS = 2.0

_progress: Any = None


def start_worker(progress: Any, server: int) -> None:
    """Set up a worker: where to send progress; Ctrl-C is the server's to handle, not each worker's.

    A worker also leaves when the server process ``server`` has gone, however it
    went: a pool's workers hold their own queues open, so they would otherwise
    wait for work for ever after the server was stopped.
    """
    global _progress
    _progress = progress
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_leave_with, args=(server,), name="hls-sim-worker-watch", daemon=True).start()


def _leave_with(server: int) -> None:
    while True:
        time.sleep(SERVER_CHECK_SECONDS)
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            continue


@dataclass(frozen=True)
class SeedRun:
    """What the comparison needs from one finished run: its summary and its weekly table."""

    seed: int
    summary: dict[str, float]
    weekly: pd.DataFrame


def run_seed(job: int, scenario: Scenario, seed: int) -> SeedRun:
    """Run ``scenario`` with ``seed`` to its end, telling the server how far it has got."""
    model = SupportSystemModel(scenario=scenario, rng=seed)
    total = scenario.burn_in + scenario.weeks
    last = time.monotonic()
    while model.running:
        model.step()
        if _progress is not None and time.monotonic() - last > PROGRESS_SECONDS:
            _progress.put((job, model.steps / total))
            last = time.monotonic()
    return SeedRun(seed=seed, summary=model.summary(), weekly=model.weekly_table())

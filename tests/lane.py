"""The quick lane (``-m "not slow"``) runs its tests on two processes.

Loaded by ``-p tests.lane`` (``addopts`` in ``pyproject.toml``) before the
command line is read, so it can add pytest-xdist's ``-n 2`` when the quick lane
is asked for and the command does not choose the processes itself (``-n``,
``--numprocesses``, ``-p no:xdist``). Everything else, the full run that CI
makes above all, stays in one process: the browser and interrupt tests time
themselves and must not share the machine with other tests.
"""

from __future__ import annotations

import os
from typing import Any

QUICK_LANE = "not slow"
WORKERS = 2


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    if not quick_lane(args) or chooses_processes(args) or (os.cpu_count() or 1) < WORKERS:
        return
    if not early_config.pluginmanager.has_plugin("xdist"):
        return
    args[:0] = ["-n", str(WORKERS)]


def quick_lane(args: list[str]) -> bool:
    """Whether ``args`` select the quick lane: ``-m "not slow"``."""
    return any(
        (arg == "-m" and following.strip() == QUICK_LANE)
        or arg.replace(" ", "") == f"-m{QUICK_LANE}".replace(" ", "")
        for arg, following in zip(args, [*args[1:], ""], strict=True)
    )


def chooses_processes(args: list[str]) -> bool:
    return any(
        arg in ("-n", "--numprocesses", "no:xdist") or arg.startswith(("-n", "--numprocesses=", "--dist"))
        for arg in args
    )

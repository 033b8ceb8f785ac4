"""Start the dashboard's Solara server, offline and on this machine only by default.

The server runs in production mode (no auto-reload, no developer tools) with
the front-end assets of ``solara-assets`` served locally, and with Solara's
usage telemetry switched off: a council laptop with no internet must get the
whole page, and nothing should try to call out.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

APP = "hls_sim.dashboard.app:Page"


def server_environment(scenario: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # The "runs on Solara" badge sits over the bottom-right corner of the page, on top of charts.
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    env["SOLARA_THEME_TITLE"] = "hls-sim"
    if scenario is not None:
        path = Path(scenario)
        env["HLS_SIM_DASHBOARD_SCENARIO"] = str(path.resolve()) if path.exists() else scenario
    return env


def serve(host: str, port: int, scenario: str | None = None) -> NoReturn:
    """Replace this process with the Solara server, so stopping it stops everything."""
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--production",
        "--no-open",
        "--no-check-version",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    print(f"hls-sim: dashboard at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    os.execve(sys.executable, command, server_environment(scenario))

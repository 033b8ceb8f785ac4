"""Loading a scenario file into a side: choose it, or drop it on the page.

A file the page exported (``export.scenario_toml``), or any scenario file that
``hls-sim validate`` accepts, loads back to the same ``Scenario``. A file
without regime changes becomes the side's settings as changes to the default
scenario (``settings_from_file``), so it can also travel in a link; one with
regime changes is kept as written, because no single key holds them.

A bad file is refused with the validator's message, which names the file,
the key, the value and what is allowed; the side keeps what it had.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, cast

import solara
from ipyvuetify.extra import FileInput

from hls_sim.dashboard import state
from hls_sim.scenario import (
    MODE_KEYS,
    ScenarioError,
    apply_overrides,
    load_scenario,
    scenario_from_dict,
    settable_keys,
)

MAX_BYTES = 1_000_000


def settings_from_file(filename: str, text: str) -> state.Settings:
    """The settings that rebuild the scenario in ``text`` exactly; raises ScenarioError in plain words."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{filename}: not a scenario file (TOML could not be read: {error})") from None
    scenario = scenario_from_dict(data, source=filename)
    if scenario.regime_change:
        return state.Settings(Path(filename).stem, state.AS_WRITTEN, document=text)
    default = load_scenario("default")
    modes = {key: scenario.get(key) for key in MODE_KEYS}
    base = apply_overrides(default, modes, source=filename)
    changes = {
        key: scenario.get(key)
        for key in settable_keys()
        if key not in MODE_KEYS and scenario.get(key) != base.get(key)
    }
    # The name is always kept, so that a file's own name is never replaced by "<name>-changed".
    changes["name"] = scenario.name
    settings = state.Settings("default", state.AS_WRITTEN, tuple({**modes, **changes}.items()))
    if settings.build() != scenario:
        raise ScenarioError(f"{filename}: could not be loaded as it is written")
    return settings


def load_into(side: str, filename: str, data: bytes) -> str:
    """Put the scenario in ``data`` into ``side``; returns what to tell the user."""
    if len(data) > MAX_BYTES:
        return f"“{filename}” is {len(data):,} bytes: a scenario file is a few thousand. Nothing was loaded."
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"“{filename}” is not a text file: a scenario file is TOML text. Nothing was loaded."
    try:
        settings = settings_from_file(filename, text)
    except ScenarioError as error:
        return f"Nothing was loaded. {error}"
    state.settings[side].value = settings
    return f"Loaded “{filename}” into side {side}."


@solara.component
def FileChooser(on_file, label: str = "Choose a scenario file (.toml)"):
    """A file picker (keyboard and screen-reader friendly) whose file is read in a background thread.

    Solara's FileDrop only takes a dropped file; this uses the same widget family
    with a "choose a file" field, wired the same way.
    """
    info, set_info = solara.use_state(cast(Any, None))
    files, set_files = solara.use_state(cast(Any, None))
    chooser = FileInput.element(
        label=label, multiple=False, accept=".toml,text/plain", on_file_info=set_info, show_progress=False
    )

    def wire() -> None:
        # As solara.FileDrop does: bump the version so the widget's own observer is not lost.
        if not info:
            return
        widget = cast(FileInput, solara.get_widget(chooser))
        widget.version += 1
        widget.reset_stats()
        set_files(widget.get_files())

    solara.use_effect(wire, [info])

    def read_file(cancel: Any) -> None:
        if files:
            on_file(files[0]["name"], files[0]["file_obj"].read())

    solara.use_thread(read_file, [files])
    return chooser


@solara.component
def ScenarioUpload(side: str):
    """Load a scenario file into ``side``, by choosing it or dropping it here."""
    said, set_said = solara.use_state("")

    def take(name: str, data: bytes) -> None:
        set_said(load_into(side, name, data))

    def dropped(file: Any) -> None:
        take(file["name"], file["data"])

    with solara.Column(gap="2px", classes=[f"hls-upload hls-upload-{side}"]):
        solara.Text(
            "Load a scenario file (.toml), such as one saved from this page:", style={"font-size": "0.85em"}
        )
        FileChooser(take)
        solara.FileDrop(label="… or drop a scenario file here", on_file=dropped, lazy=False)
        if said:
            solara.Text(said, classes=["hls-upload-said"], style={"font-size": "0.85em"})

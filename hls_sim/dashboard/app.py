"""The hls-sim dashboard: one page, a tab for each thing its users come to do.

Commissioners land on Compare (the old world against HLS on the default
scenario, over several seeds, with the answer at the top), can Explore a place
of their own, look at a run from each actor's Perspective and read a person's
Story; trainers use Trainer mode to show Campbell's Law, full screen. Started
by ``hls-sim dashboard``; every asset is served from this machine, so the page
works with no internet.

The page's settings live in its address (``urlstate``): a link reopens the
same comparison, and ``?view=trainer`` opens Trainer mode directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import solara

from hls_sim.dashboard import pool, state, urlstate
from hls_sim.dashboard.compare import CompareView, opening
from hls_sim.dashboard.explore import ExploreView
from hls_sim.dashboard.perspectives import PerspectivesView
from hls_sim.dashboard.stories_view import StoriesView
from hls_sim.dashboard.text import heading, paragraph
from hls_sim.dashboard.trainer import TrainerMode

TABS = (
    ("Compare A/B", "mdi-compare", "compare"),
    ("Explore", "mdi-tune", "explore"),
    ("Perspectives", "mdi-account-group", "perspectives"),
    ("Stories", "mdi-account-details", "stories"),
    ("Trainer mode", "mdi-presentation", "trainer"),
)
VIEWS = {
    "compare": CompareView,
    "explore": ExploreView,
    "perspectives": PerspectivesView,
    "stories": StoriesView,
}

# Charts shrink to their column; an explanation sits apart from the next control's label;
# terms with an explanation are underlined with dots; tables read as tables.
STYLE = """
.hls-chart img { max-width: 100%; height: auto; }
.hls-chart figure { margin: 0; }
.hls-problem { display: block; margin-top: 2px; }
.hls-term { border-bottom: 1px dotted #333; cursor: help; }
.hls-term:focus { outline: 2px solid #0072B2; outline-offset: 1px; }
.hls-headline { border: 2px solid #0072B2; border-radius: 6px; padding: 10px 16px; margin: 8px 0 12px;
                background: #f7fbff; }
.hls-headline h2 { font-size: 1.35em; margin: 0 0 4px; }
.hls-headline-summary { font-size: 1.1em; font-weight: 600; }
.hls-headline-table, .hls-full-table { border-collapse: collapse; margin: 6px 0; font-size: 1.02em; }
.hls-headline-table th, .hls-headline-table td, .hls-full-table th, .hls-full-table td {
    border-bottom: 1px solid #bbb; padding: 5px 14px 5px 0; text-align: left; vertical-align: top; }
.hls-number { font-variant-numeric: tabular-nums; white-space: nowrap; }
.hls-spread { display: block; font-size: 0.8em; color: #444; }
.hls-verdict { font-weight: 600; }
.hls-better-A .hls-verdict { color: #A04000; } .hls-better-B .hls-verdict { color: #005A8C; }
.hls-headline-note, .hls-hint { font-size: 0.85em; color: #444; }
.hls-person-picker .v-btn { text-transform: none; }
.solara-file-drop { height: 48px !important; }
"""


VIEW_NAMES = [view for _, _, view in TABS]
# What the page has written into its address before it has read the address once.
UNREAD = object()


# The views that look at a single run of each side, made week by week in this process.
RUN_VIEWS = ("explore", "perspectives", "stories")


@solara.component
def Tabbed():
    """The tabs; Trainer mode fills the screen instead, for a projector."""
    view = state.view.value

    def run_what_the_view_shows() -> None:
        # Only when asked for: Compare's answer comes from the worker processes, not from these runs.
        # A run made from other settings is kept (the view says it is out of date): never thrown away unasked.
        missing = tuple(side for side in state.SIDES if state.runs[side].value is None)
        if view in RUN_VIEWS and missing and not state.advance.pending:
            state.start(missing)

    solara.use_effect(run_what_the_view_shows, [view])
    if view == "trainer":
        TrainerMode(on_exit=lambda: state.view.set("compare"))
        return
    with solara.Column(style={"padding": "12px"}):
        heading("How funding shapes a support system", 1)
        paragraph(
            "A simulated place: people who need help, workers, providers and a funder. "
            "Change how it is funded and see what changes, and why."
        )
        tab = VIEW_NAMES.index(view)
        with solara.lab.Tabs(value=tab, on_value=lambda index: state.view.set(VIEW_NAMES[index]), lazy=True):
            for index, (title, icon, name) in enumerate(TABS):
                with solara.lab.Tab(title, icon_name=icon):
                    if index == tab and name in VIEWS:
                        VIEWS[name]()


@solara.component
def LinkKeeper(on_ready: Callable[[list[str]], None]):
    """Keeps the page's settings and its address in step, both ways (see ``urlstate``).

    Its own component, so that a change of setting redraws only this, not the page.
    The address wins when it changed since the page last wrote it: a link opened, or Back pressed.
    """
    router = solara.use_router()
    pushed = solara.use_ref(cast(Any, UNREAD))
    renders = solara.use_ref(0)
    renders.current += 1
    read_in = solara.use_ref(0)

    def read_link() -> None:
        if router.set_path is None:
            # Outside a browser (a test rendering the page) there is no address: keep the settings.
            pushed.current = router.search
            on_ready([])
            return
        if pushed.current is not UNREAD and router.search == pushed.current:
            return
        page = urlstate.decode(router.search)
        for side in state.SIDES:
            state.settings[side].value = page.settings[side]
        state.seed.value = page.seed
        state.seeds_per_side.value = page.seeds
        state.view.value = page.view
        pushed.current = router.search
        read_in.current = renders.current
        on_ready(page.problems)

    solara.use_effect(read_link, [router.search])
    wanted = urlstate.encode(urlstate.current(state.view.value)) or None

    def write_link() -> None:
        if pushed.current is UNREAD or router.set_path is None or read_in.current == renders.current:
            # In the render the link was read in, what is wanted was worked out before it was read.
            return
        if wanted == (urlstate.encode(urlstate.decode(router.search)) or None):
            return  # the address already says this, perhaps in another order
        pushed.current = wanted
        router.push(f"{router.path}?{wanted}" if wanted else router.path)

    solara.use_effect(write_link, [wanted])


@solara.component
def Page():
    solara.Title("hls-sim: funding support systems")
    solara.Style(STYLE)
    problems, set_problems = solara.use_state(cast(list[str] | None, None))
    LinkKeeper(set_problems)
    if problems is None:
        solara.Text("Opening the page…")
        return
    if problems:
        solara.Warning(
            "Part of the link could not be used: " + " ".join(problems), classes=["hls-link-problems"]
        )
    Tabbed()


# As the server starts: the worker processes, and the runs of the comparison every page opens with.
pool.warm(opening)

"""The hls-sim dashboard: one page, a tab for each thing its users come to do.

Commissioners land on Compare (the old world against HLS on the default
scenario), can Explore a place of their own, look at a run from each actor's
Perspective and read a person's Story; trainers use Trainer mode to show
Campbell's Law. Started by ``hls-sim dashboard``; every asset is served from
this machine, so the page works with no internet.
"""

from __future__ import annotations

import solara

from hls_sim.dashboard.compare import CompareView
from hls_sim.dashboard.explore import ExploreView
from hls_sim.dashboard.perspectives import PerspectivesView
from hls_sim.dashboard.stories_view import StoriesView
from hls_sim.dashboard.text import heading, paragraph
from hls_sim.dashboard.trainer import TrainerMode

TABS = (
    ("Compare A/B", "mdi-compare", CompareView),
    ("Explore", "mdi-tune", ExploreView),
    ("Perspectives", "mdi-account-group", PerspectivesView),
    ("Stories", "mdi-account-details", StoriesView),
    ("Trainer mode", "mdi-presentation", TrainerMode),
)


# Charts shrink to their column; an explanation sits apart from the next control's label.
STYLE = """
.hls-chart img { max-width: 100%; height: auto; }
.hls-chart figure { margin: 0; }
.hls-problem { display: block; margin-top: 2px; }
"""


@solara.component
def Page():
    solara.Title("hls-sim: funding support systems")
    solara.Style(STYLE)
    with solara.Column(style={"padding": "12px"}):
        heading("How funding shapes a support system", 1)
        paragraph(
            "A simulated place: people who need help, workers, providers and a funder. "
            "Change how it is funded and see what changes, and why."
        )
        with solara.lab.Tabs(lazy=True):
            for title, icon, view in TABS:
                with solara.lab.Tab(title, icon_name=icon):
                    view()

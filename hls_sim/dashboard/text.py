"""Headings and paragraphs as plain HTML, and a fold that costs nothing while closed.

Solara's Markdown component loads KaTeX for formulas, which solara-assets does not
ship, so with no internet it would fail to load; plain elements need nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from solara.alias import rv


def heading(text: str, level: int = 3, classes: str = "") -> solara.v.Html:
    return solara.v.Html(tag=f"h{level}", children=[text], class_=classes or None)


def paragraph(text: str, classes: str = "") -> solara.v.Html:
    return solara.v.Html(tag="p", children=[text], class_=classes or None, style_="margin-bottom: 6px")


@solara.component
def Folded(summary: str, content: Callable[[], None], classes: list[str] | None = None):
    """A fold whose content is only built once it is opened (Solara's Details builds it at once)."""
    expanded, set_expanded = solara.use_state(False)
    with rv.ExpansionPanels(
        v_model=0 if expanded else None,
        on_v_model=lambda value: set_expanded(value == 0),
        class_=" ".join(classes or []),
    ) as main:
        with rv.ExpansionPanel():
            rv.ExpansionPanelHeader(children=[summary])
            with rv.ExpansionPanelContent():
                if expanded:
                    content()
    return main

"""Headings and paragraphs as plain HTML.

Solara's Markdown component loads KaTeX for formulas, which solara-assets does not
ship, so with no internet it would fail to load; plain elements need nothing.
"""

from __future__ import annotations

import solara


def heading(text: str, level: int = 3, classes: str = "") -> solara.v.Html:
    return solara.v.Html(tag=f"h{level}", children=[text], class_=classes or None)


def paragraph(text: str, classes: str = "") -> solara.v.Html:
    return solara.v.Html(tag="p", children=[text], class_=classes or None, style_="margin-bottom: 6px")

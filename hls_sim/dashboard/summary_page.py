"""A one-page A-against-B summary a commissioner can print and take to a meeting.

One self-contained HTML file: the headline, what differs between A and B, two
charts, and how to read them. Everything is inside the file (styles, and the
charts as embedded PNG images), so it opens and prints on a laptop with no
internet; the print styles fit it on one A4 page.
"""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

from hls_sim.dashboard.comparison import SIDES, Comparison
from hls_sim.dashboard.controls import label
from hls_sim.dashboard.entry import shown
from hls_sim.dashboard.headline import (
    cell_spread,
    cell_value,
    differences_written,
    rows,
    summary_sentence,
    verdict,
)
from hls_sim.dashboard.keys import key_spec
from hls_sim.dashboard.measures import measure
from hls_sim.scenario import Scenario, settable_keys

CHARTS = ("success", "cost")
NOT_SETTINGS = frozenset({"name", "description"})
MODE_LABELS = {"funding.mode": "How providers are funded", "market.mode": "Market"}
CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #000; margin: 18px;
       max-width: 1000px; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 12pt; margin: 8px 0 3px; }
p { margin: 3px 0; } .small { font-size: 8.5pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { border-bottom: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
td.number { white-space: nowrap; } .spread { display: block; font-size: 8pt; color: #333; }
.better { font-weight: bold; } .charts { display: flex; gap: 8px; } .charts figure { margin: 0; width: 50%; }
.charts img { width: 100%; max-height: 5.6cm; object-fit: contain; } figcaption { font-size: 8pt; }
.settings td, .settings th { padding: 1px 6px; font-size: 9pt; }
.headline td:first-child { width: 36%; } .headline td:last-child { width: 28%; }
@page { size: A4; margin: 10mm; }
@media print { body { margin: 0; font-size: 9pt; } .noprint { display: none; } h2 { break-after: avoid; }
               th, td { padding: 2px 5px; } .spread { font-size: 7.5pt; } h1 { font-size: 15pt; } }
"""
READING = (
    "Each seed is one draw of the people, their life events and the workers; A and B share each seed, so "
    'within a seed only the settings differ, and "better in 5 of 5 seeds" means the difference held in every '
    "draw. This is a simulation, not a forecast: it shows what follows from the model's assumptions "
    "(docs/ODD.md in the hls-sim repository), which can be changed, and it can show trust-based funding "
    "doing worse where the assumptions say it should. Outcomes come from the choices of simulated people, "
    "workers, providers and funders; a regime only changes the rules."
)


def differences(a: Scenario, b: Scenario) -> list[tuple[str, str, str]]:
    """Every setting where A and B differ: its plain label and each side's value as typed."""
    found = []
    for key in settable_keys():
        if key in NOT_SETTINGS or a.get(key) == b.get(key):
            continue
        spec = key_spec(key)
        found.append((MODE_LABELS.get(key, label(key)), shown(a.get(key), spec), shown(b.get(key), spec)))
    return found


def _e(text: object) -> str:
    return html.escape(str(text))


def _row(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"


def _table(header: list[str], body: list[str], classes: str) -> str:
    return (
        f"<table class='{classes}'><thead>{_row(header, 'th')}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _with_note(text: str, note: str) -> str:
    return f"{_e(text)}<span class='spread'>{_e(note)}</span>"


def headline_table(comparison: Comparison) -> str:
    names = {side: comparison.sides[side].name for side in SIDES}
    header = [
        "Measure",
        *(f"{side}: {_e(comparison.sides[side].label)}" for side in SIDES),
        "Which is better",
    ]
    body = []
    for row in rows(comparison):
        info = measure(row.key)
        values = [_with_note(cell_value(row, side), cell_spread(row, side)) for side in SIDES]
        better = (
            f"<span class='better'>{_e(verdict(row, names))}</span>{_with_note('', differences_written(row))}"
        )
        body.append(_row([_with_note(info.name, info.meaning), *values, better]))
    return _table(header, body, "headline")


def settings_table(a: Scenario, b: Scenario, names: dict[str, str]) -> str:
    changed = differences(a, b)
    if not changed:
        return "<p>Nothing: both sides have the same settings, so any difference is chance.</p>"
    body = [_row([_e(key), _e(x), _e(y)]) for key, x, y in changed]
    return _table(["Setting", f"A: {_e(names['A'])}", f"B: {_e(names['B'])}"], body, "settings")


def charts_block(comparison: Comparison) -> str:
    figures = []
    for chart in comparison.charts:
        if chart.key in CHARTS:
            image = base64.b64encode(chart.png).decode("ascii")
            caption = f"{chart.title}: line, the average over seeds; band, lowest to highest seed."
            figures.append(
                f"<figure><img alt='{_e(chart.description)}' src='data:image/png;base64,{image}'>"
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
    return f"<div class='charts'>{''.join(figures)}</div>" if figures else ""


def summary_html(comparison: Comparison) -> str:
    """The printable summary of ``comparison`` as one HTML document."""
    names = {side: comparison.sides[side].name for side in SIDES}
    a, b = (comparison.sides[side].scenario for side in SIDES)
    seeds = comparison.paired_seeds() or [None]
    place = a.name if a.name == b.name else f"{a.name} against {b.name}"
    title = f"{names['A']} against {names['B']}"
    about = (
        f"hls-sim simulation, {datetime.now(UTC).strftime('%d %B %Y')}. Place: {a.population.size} people, "
        f"{a.workforce.workers} workers, {a.providers.count} providers, {a.weeks} weeks ({place}). "
        f"Seeds {seeds[0]} to {seeds[-1]}."
    )
    return "\n".join(
        [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{_e(title)}: hls-sim summary</title><style>{CSS}</style></head><body>",
            f"<h1>{_e(title)}</h1><p class='small'>{_e(about)}</p>",
            f"<h2>The answer</h2><p>{_e(summary_sentence(rows(comparison), names))}</p>",
            headline_table(comparison),
            "<h2>What differs between A and B</h2>",
            settings_table(a, b, names),
            charts_block(comparison),
            f"<h2>How to read this</h2><p class='small'>{_e(READING)}</p>",
            "<p class='noprint small'>Print this page (Ctrl+P) to take it to a meeting.</p></body></html>",
        ]
    )


def summary_filename(comparison: Comparison) -> str:
    a, b = (comparison.sides[side].regime for side in SIDES)
    return f"summary-A-{a}-vs-B-{b}-seeds-{comparison.seeds[0]}-{comparison.seeds[-1]}.html"

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
CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #000; margin: 18px; max-width: 1000px; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 12pt; margin: 12px 0 4px; }
p { margin: 3px 0; } .small { font-size: 8.5pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { border-bottom: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
td.number { white-space: nowrap; } .spread { display: block; font-size: 8pt; color: #333; }
.better { font-weight: bold; } .charts { display: flex; gap: 8px; } .charts figure { margin: 0; width: 50%; }
.charts img { width: 100%; } figcaption { font-size: 8pt; }
@page { size: A4; margin: 11mm; }
@media print { body { margin: 0; font-size: 9.5pt; } .noprint { display: none; } h2 { break-after: avoid; } }
"""


def differences(a: Scenario, b: Scenario) -> list[tuple[str, str, str]]:
    """Every setting where A and B differ: its plain label and each side's value as typed."""
    found = []
    for key in settable_keys():
        if key in NOT_SETTINGS or a.get(key) == b.get(key):
            continue
        spec = key_spec(key)
        found.append((label(key), shown(a.get(key), spec), shown(b.get(key), spec)))
    return found


def _e(text: object) -> str:
    return html.escape(str(text))


def summary_html(comparison: Comparison) -> str:
    """The printable summary of ``comparison`` as one HTML document."""
    names = {side: comparison.sides[side].name for side in SIDES}
    a, b = (comparison.sides[side].scenario for side in SIDES)
    found = rows(comparison)
    seeds = comparison.paired_seeds()
    stamp = datetime.now(UTC).strftime("%d %B %Y")
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(names['A'])} against {_e(names['B'])}: hls-sim summary</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(names['A'])} against {_e(names['B'])}</h1>",
        f"<p class='small'>hls-sim simulation, {stamp}. Place: {_e(a.population.size)} people, "
        f"{_e(a.workforce.workers)} workers, {_e(a.providers.count)} providers, {_e(a.weeks)} weeks "
        f"({_e(a.name)} against {_e(b.name)}). Seeds {_e(seeds[0] if seeds else '-')} to "
        f"{_e(seeds[-1] if seeds else '-')}.</p>",
        "<h2>The answer</h2>",
        f"<p>{_e(summary_sentence(found, names))}</p>",
        "<table><thead><tr><th>Measure</th>"
        f"<th>A: {_e(comparison.sides['A'].label)}</th><th>B: {_e(comparison.sides['B'].label)}</th>"
        "<th>Which is better</th></tr></thead><tbody>",
    ]
    for row in found:
        info = measure(row.key)
        values = "".join(
            f"<td class='number'>{_e(cell_value(row, side))}<span class='spread'>{_e(cell_spread(row, side))}</span></td>"
            for side in SIDES
        )
        out.append(
            f"<tr><td>{_e(info.name)}<span class='spread'>{_e(info.meaning)}</span></td>{values}"
            f"<td><span class='better'>{_e(verdict(row, names))}</span>"
            f"<span class='spread'>{_e(differences_written(row))}</span></td></tr>"
        )
    out.append("</tbody></table>")
    changed = differences(a, b)
    out.append("<h2>What differs between A and B</h2>")
    if changed:
        out.append(
            f"<table><thead><tr><th>Setting</th><th>A: {_e(names['A'])}</th><th>B: {_e(names['B'])}</th></tr></thead><tbody>"
        )
        out += [f"<tr><td>{_e(key)}</td><td>{_e(x)}</td><td>{_e(y)}</td></tr>" for key, x, y in changed]
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing: both sides have the same settings, so any difference is chance.</p>")
    charts = [chart for chart in comparison.charts if chart.key in CHARTS]
    if charts:
        out.append("<div class='charts'>")
        for chart in charts:
            image = base64.b64encode(chart.png).decode("ascii")
            out.append(
                f"<figure><img alt='{_e(chart.description)}' src='data:image/png;base64,{image}'>"
                f"<figcaption>{_e(chart.title)}: line, the average over seeds; band, lowest to highest seed.</figcaption></figure>"
            )
        out.append("</div>")
    out.append(
        "<h2>How to read this</h2><p class='small'>Each seed is one draw of the people, their life events and the "
        'workers; A and B share each seed, so within a seed only the settings differ, and "better in 5 of 5 '
        'seeds" means the difference held in every draw. This is a simulation, not a forecast: it shows what '
        "follows from the model's assumptions (docs/ODD.md in the hls-sim repository), which can be changed, and "
        "it can show trust-based funding doing worse where the assumptions say it should. Outcomes come from the "
        "choices of simulated people, workers, providers and funders; a regime only changes the rules.</p>"
        "<p class='noprint small'>Print this page (Ctrl+P) to take it to a meeting.</p></body></html>"
    )
    return "\n".join(out)


def summary_filename(comparison: Comparison) -> str:
    a, b = (comparison.sides[side].regime for side in SIDES)
    return f"summary-A-{a}-vs-B-{b}-seeds-{comparison.seeds[0]}-{comparison.seeds[-1]}.html"

"""Compare's headline: a few measures in plain words, which side did better, and in how many seeds.

A commissioner's first question is "which is better, and how sure is that?".
The headline answers it for six measures a funder cares about: people's goals,
the hardest-to-help, unmet need, total cost, how far the reported figure
flatters, and staff leaving. For each, over the seeds both sides have finished:
each side's average and its lowest and highest seed, and a verdict counted
seed by seed ("HLS better in 5 of 5 seeds"), because A and B share each seed,
so within a seed only the funding differs. A difference smaller than the
measure's tie (``measures.tie``) counts as none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import solara

from hls_sim.dashboard.comparison import SIDES, Comparison
from hls_sim.dashboard.glossary import Term, sentence
from hls_sim.dashboard.measures import better_side, difference_range, direction_words, measure, written

HEADLINE_KEYS = (
    "goals_met_share",
    "wellbeing_hardest_fifth",
    "unmet_need",
    "total_cost",
    "gaming_gap",
    "turnover_rate",
)


@dataclass(frozen=True)
class Row:
    """One measure of the headline over the seeds both sides have finished."""

    key: str
    seeds: int
    values: dict[str, list[float]]  # side -> one value per paired seed
    wins: dict[str, int]  # "A", "B" and "level" -> seeds
    differences: list[float]  # B minus A, per paired seed

    @property
    def better(self) -> str | None:
        """The side better in more seeds than the other, unless most seeds were level."""
        a, b = self.wins["A"], self.wins["B"]
        if a == b or self.wins["level"] > max(a, b):
            return None
        return "A" if a > b else "B"

    def mean(self, side: str) -> float:
        values = [value for value in self.values[side] if math.isfinite(value)]
        return float(np.mean(values)) if values else math.nan

    def spread(self, side: str) -> tuple[float, float]:
        values = [value for value in self.values[side] if math.isfinite(value)]
        return (min(values), max(values)) if values else (math.nan, math.nan)


def seeds_word(count: int) -> str:
    return "seed" if count == 1 else "seeds"


def rows(comparison: Comparison, keys: tuple[str, ...] = HEADLINE_KEYS) -> list[Row]:
    """The headline's rows from the runs finished so far (only seeds both sides have finished)."""
    seeds = comparison.paired_seeds()
    if not seeds:
        return []
    summaries = {side: comparison.summaries(side) for side in SIDES}
    found = []
    for key in keys:
        if not all(key in summaries[side][seed] for side in SIDES for seed in seeds):
            continue
        values = {side: [float(summaries[side][seed][key]) for seed in seeds] for side in SIDES}
        wins = {"A": 0, "B": 0, "level": 0}
        for a, b in zip(values["A"], values["B"], strict=True):
            wins[better_side(key, a, b) or "level"] += 1
        differences = [b - a for a, b in zip(values["A"], values["B"], strict=True)]
        found.append(Row(key, len(seeds), values, wins, differences))
    return found


def verdict(row: Row, names: dict[str, str]) -> str:
    """ "HLS better in 5 of 5 seeds", or why there is no clear answer."""
    of = f"of {row.seeds} {seeds_word(row.seeds)}"
    if row.better is not None:
        return f"{names[row.better]} better in {row.wins[row.better]} {of}"
    if row.wins["level"] == row.seeds:
        return f"No real difference in {row.seeds} {of}"
    return (
        f"No clear winner: {names['A']} better in {row.wins['A']}, {names['B']} in {row.wins['B']}, "
        f"level in {row.wins['level']} {of}"
    )


def differences_written(row: Row) -> str:
    """The difference B minus A, lowest to highest seed, in the measure's terms."""
    finite = [value for value in row.differences if math.isfinite(value)]
    if not finite:
        return ""
    return f"B against A: {difference_range(row.key, min(finite), max(finite))}"


def cell_value(row: Row, side: str) -> str:
    return written(row.key, row.mean(side), short=measure(row.key).unit == "money")


def cell_spread(row: Row, side: str) -> str:
    low, high = row.spread(side)
    if row.seeds < 2 or not math.isfinite(low):
        return ""
    return f"{written(row.key, low, short=True)} to {written(row.key, high, short=True)}"


def summary_sentence(found: list[Row], names: dict[str, str]) -> str:
    """One sentence over the whole headline: how many measures each side did better on."""
    if not found:
        return ""
    seeds = found[0].seeds
    better = {side: sum(row.better == side for row in found) for side in SIDES}
    unclear = len(found) - better["A"] - better["B"]
    first, second = sorted(SIDES, key=lambda side: -better[side])
    text = f"Over {seeds} {seeds_word(seeds)}, {names[first]} did better on {better[first]} of {len(found)}"
    text += " measures"
    text += f" and {names[second]} on {better[second]}"
    return text + (f"; no clear winner on {unclear}." if unclear else ".")


def _cell(children: list, classes: str = "", **attributes: str) -> solara.v.Html:
    return solara.v.Html(tag="td", children=children, class_=classes or None, attributes=attributes or None)


@solara.component
def Headline(comparison: Comparison | None):
    """The headline table; it says "in N of M seeds" once both sides have finished a seed."""
    if comparison is None:
        with solara.Div(classes=["hls-headline"]):
            sentence("The runs of both sides start in a moment.")
        return
    names = {side: comparison.sides[side].name for side in SIDES}
    found = rows(comparison)
    done = comparison.finished and not comparison.error
    classes = ["hls-headline"] + (["hls-headline-done"] if done else [])
    seeds = comparison.seeds
    with solara.Div(classes=classes):
        title = "The answer" if done else "The answer so far"
        solara.v.Html(tag="h2", class_="hls-headline-title", children=[title])
        if not found:
            sentence(
                f"Waiting for the first runs of both sides (seed {seeds[0]}); "
                f"{comparison.total} runs in all, {len(seeds)} for each side."
            )
            return
        sentence(summary_sentence(found, names), classes="hls-headline-summary")
        header = ["Measure", f"A: {names['A']}", f"B: {names['B']}", "Which is better"]
        body = []
        for row in found:
            info = measure(row.key)
            cells = [
                _cell(
                    [Term(info.name, meaning=f"{info.meaning} ({direction_words(row.key)}.)")], "hls-measure"
                )
            ]
            for side in SIDES:
                spread = cell_spread(row, side)
                cells.append(
                    _cell(
                        [
                            cell_value(row, side),
                            *(
                                [solara.v.Html(tag="span", class_="hls-spread", children=[f"{spread}"])]
                                if spread
                                else []
                            ),
                        ],
                        "hls-number",
                        **{"data-side": side, "data-measure": row.key},
                    )
                )
            cells.append(
                _cell(
                    [
                        solara.v.Html(tag="span", class_="hls-verdict", children=[verdict(row, names)]),
                        solara.v.Html(tag="span", class_="hls-spread", children=[differences_written(row)]),
                    ],
                    f"hls-better-{row.better or 'none'}",
                    **{"data-measure": row.key},
                )
            )
            body.append(solara.v.Html(tag="tr", children=cells))
        solara.v.Html(
            tag="table",
            class_="hls-headline-table",
            children=[
                solara.v.Html(
                    tag="thead",
                    children=[
                        solara.v.Html(
                            tag="tr", children=[solara.v.Html(tag="th", children=[text]) for text in header]
                        )
                    ],
                ),
                solara.v.Html(tag="tbody", children=body),
            ],
        )
        first, last = seeds[0], seeds[-1]
        sentence(
            f"Each value is the average over seeds {first} to {last} that both sides have finished; "
            "small print: the lowest to the highest seed. A and B share each seed, so within a seed "
            "only the funding differs.",
            classes="hls-headline-note",
        )

"""The words of the trade, each explained in one line, shown on hover, focus or tap.

A commissioner should never meet "burn-in" or "creaming" without a way to
find out what it means where it stands. ``Term`` underlines a word and shows
its line when the pointer rests on it, when it gets the keyboard focus, or when
it is tapped (a touch screen has no hover); ``with_terms`` marks every known
term in a sentence.
"""

from __future__ import annotations

import re

import solara

GLOSSARY: dict[str, str] = {
    "burn-in": "Weeks the model runs before it starts recording, so that queues and caseloads have settled.",
    "seed": "A number that fixes every chance event in a run: same seed and settings, same run.",
    "seeds": "Each seed is another draw of people, life events and workers; A and B share each seed.",
    "creaming": "Taking on the people easiest to help, because they make the figures look good.",
    "parking": "Taking someone on but giving them little time, as they are unlikely to move the figures.",
    "bunching": "Cases piling up just inside the line that counts as a success: a sign of gaming.",
    "failure demand": "Contacts caused by an earlier failure to help: people who come back, often worse.",
    "regret": "Outcome lost because a provider used an approach that was not the best one for the need.",
    "phi coefficient": "The correlation of two yes/no answers: 1 when they always agree, 0 when unrelated.",
    "correlation": "How closely two things move together: 1 always together, 0 unrelated, −1 opposite.",
    "indicator": "The figure the funder is sent: the share of closed cases reported as a success.",
    "gaming": "Work that moves the reported figure without helping anyone (Campbell's Law).",
    "payment by results": "Part of a provider's payment depends on the figures it reports.",
    "old world": "Targets and competition: pay on reported results, re-tender to the best figures.",
    "hls": "Human, Learning, Systems (Lowe and Plimmer 2019): trust-based funding and an alliance.",
    "alliance": "Providers share one contract, pool results and learn together at forums.",
    "competition": "Providers compete for contracts, re-tendered to the best reported figures.",
    "trust-based funding": "Core funding with no targets; the funder learns by talking with providers.",
    "hand-off": "A person passed to a new worker because theirs left: the relationship starts again.",
    "hardest-to-help fifth": "The fifth of people most vulnerable to begin with.",
    "wellbeing": "A score out of 100 from a person's needs and strengths; the funder never sees it directly.",
    "unmet need": "A high need with no support (waiting counts as unmet).",
    "audit": "The funder checks a share of reported successes; a misreport found is clawed back.",
    "turnover": "Workers leaving in a year, as a share of all workers.",
    "band": "The shaded band runs from the lowest to the highest seed; the line is their average.",
    "learning forum": "A meeting where providers in an alliance share what they have learnt.",
    "re-tender": "The contract is offered again and goes to the best reported performance and price.",
    "knowledge error": "How far providers' beliefs about what works are from what really works.",
    "campbell's law": "The more a number is used to decide things, the more it is bent, the less it means.",
}


def explain(term: str) -> str:
    return GLOSSARY[term.lower()]


@solara.component
def Term(text: str, term: str | None = None, meaning: str | None = None):
    """``text`` underlined, with its explanation (``meaning``, else the glossary's) on hover, focus or tap."""
    meaning = meaning or explain(term or text)
    word = solara.v.Html(
        tag="span",
        class_="hls-term",
        children=[text],
        attributes={"tabindex": "0", "role": "button", "aria-label": f"{text}: {meaning}"},
        v_on="tooltip.on",
    )
    return solara.v.Tooltip(
        bottom=True,
        open_on_click=True,
        max_width=380,
        v_slots=[{"name": "activator", "variable": "tooltip", "children": [word]}],
        children=[meaning],
    )


_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(term) for term in sorted(GLOSSARY, key=len, reverse=True)) + r")\b",
    flags=re.IGNORECASE,
)


def with_terms(text: str) -> list:
    """``text`` split into plain strings and a ``Term`` for each known term in it (each term once)."""
    parts: list = []
    seen: set[str] = set()
    last = 0
    for match in _PATTERN.finditer(text):
        term = match.group(1).lower()
        if term in seen:
            continue
        seen.add(term)
        parts.append(text[last : match.start()])
        parts.append(Term(match.group(1), term))
        last = match.end()
    parts.append(text[last:])
    return [part for part in parts if part != ""]


def sentence(text: str, tag: str = "p", classes: str = "") -> solara.v.Html:
    """A paragraph (or other element) of ``text`` with its terms explained."""
    return solara.v.Html(
        tag=tag, children=with_terms(text), class_=classes or None, style_="margin-bottom: 6px"
    )

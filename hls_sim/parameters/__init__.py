"""The parameter catalogue: every number the model assumes, with its range, unit, meaning and source.

Each scenario key is declared once, in the sections of this package, with
``param(...)``: a default, a plausible low and high, a unit, a one-line
meaning, a source (a citation, or "judgement:" and why), the mechanism or
mechanisms that read it, and its kind:

- ``rule``: what a regime, a contract or a commissioner sets (what is paid
  for, what is measured, contract length, eligibility ...);
- ``behaviour``: an assumption about how people and organisations act (how
  fast needs entrench, how morale moves, when a worker games ...);
- ``structure``: the size and shape of the place (population, workforce,
  budget, prices).

The plausible range is what a sensitivity or robustness analysis varies; it
is narrower than the range a scenario may validly set (the ``ge``/``le``
bounds). ``catalogue()`` lists every entry; ``hls-sim params`` prints it, and
docs/ODD.md's parameter tables are generated from it
(``python -m hls_sim.parameters.document``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import Field

Kind = Literal["rule", "behaviour", "structure"]
KINDS: tuple[Kind, ...] = ("rule", "behaviour", "structure")
RULE: Kind = "rule"
BEHAVIOUR: Kind = "behaviour"
STRUCTURE: Kind = "structure"


def param(
    default: Any,
    low: float | None,
    high: float | None,
    unit: str,
    meaning: str,
    source: str,
    mechanism: str | tuple[str, ...],
    *,
    kind: Kind,
    **bounds: Any,
) -> Any:
    """A catalogued scenario key: a pydantic field carrying the catalogue's entries.

    ``bounds`` are pydantic's validation bounds (``ge``, ``le``, ``gt``, ``lt``):
    what a scenario may set at all. ``low`` and ``high`` are the plausible range.
    """
    mechanisms = (mechanism,) if isinstance(mechanism, str) else tuple(mechanism)
    extra = {
        "kind": kind,
        "low": low,
        "high": high,
        "unit": unit,
        "source": source,
        "mechanism": list(mechanisms),
    }
    if callable(default):
        return Field(default_factory=default, description=meaning, json_schema_extra=extra, **bounds)
    return Field(default, description=meaning, json_schema_extra=extra, **bounds)


@dataclass(frozen=True)
class Parameter:
    """One entry of the catalogue."""

    key: str
    kind: Kind
    default: Any
    low: float | None
    high: float | None
    unit: str
    meaning: str
    source: str
    mechanism: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        entry = asdict(self)
        entry["mechanism"] = list(self.mechanism)
        return entry


def catalogue(kind: Kind | None = None) -> list[Parameter]:
    """Every catalogued scenario key, in schema order; only those of ``kind`` if given."""
    from hls_sim.regimes import PRESETS
    from hls_sim.scenario import settable_keys

    entries = []
    for key, info in settable_keys().items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "kind" not in extra:
            continue
        section, _, field = key.partition(".")
        default = info.get_default(call_default_factory=True)
        if default is None and section in PRESETS:
            default = {mode: values[field] for mode, values in PRESETS[section].items() if field in values}
        entries.append(
            Parameter(
                key=key,
                kind=extra["kind"],
                default=default,
                low=extra["low"],
                high=extra["high"],
                unit=extra["unit"],
                meaning=info.description or "",
                source=extra["source"],
                mechanism=tuple(extra["mechanism"]),
            )
        )
    return [entry for entry in entries if kind is None or entry.kind == kind]


def plausible_ranges(kind: Kind = BEHAVIOUR) -> dict[str, tuple[float, float]]:
    """``{key: (low, high)}`` for every numeric parameter of ``kind`` with a plausible range."""
    return {
        entry.key: (float(entry.low), float(entry.high))
        for entry in catalogue(kind)
        if entry.low is not None and entry.high is not None and entry.low < entry.high
    }

"""What the page knows about each scenario key: its kind, what is allowed, and the range of its slider.

Everything here is read from the scenario schema (``hls_sim.scenario``: each
field's type, its ``ge``/``gt``/``le``/``lt`` bounds and its description), so a
key added to the schema gets a control with no change here. The *allowed*
bounds are the schema's: a value outside them is refused. A slider's range is
the *plausible* range: the parameter catalogue's ``low`` and ``high``
(``hls_sim.parameters``) where it gives them, else the schema's bounds
(``slider_range``); a value outside the slider can still be typed.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from hls_sim.parameters import Parameter, catalogue
from hls_sim.scenario import settable_keys

Kind = Literal["yes-no", "choice", "whole", "number", "share", "money", "list", "text"]


@dataclass(frozen=True)
class KeySpec:
    """One key as a control sees it.

    ``low``/``high`` are what the schema allows (``low_open``: strictly more
    than ``low``); ``slider`` is the range a slider covers, or ``None`` when a
    text box is all the key gets.
    """

    key: str
    kind: Kind
    meaning: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    slider: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    optional: bool = False


def _parts(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The bare type of an annotation, its constraints, and whether ``None`` is allowed.

    Handles ``float``, ``Annotated[float, Field(ge=0)]`` and either inside ``| None``.
    """
    metadata: list[Any] = []
    optional = False
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        optional = type(None) in args
        annotation = next(arg for arg in args if arg is not type(None))
        args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = args
        for item in extra:
            metadata.extend(getattr(item, "metadata", None) or [item])
    return annotation, metadata, optional


def schema_bounds(key: str) -> tuple[float | None, float | None, bool]:
    """The schema's smallest and largest allowed value of ``key``, and whether the smallest is excluded."""
    info = settable_keys()[key]
    annotation, metadata, _ = _parts(info.annotation)
    if typing.get_origin(annotation) is list:
        _, metadata, _ = _parts(typing.get_args(annotation)[0])
    metadata = [*info.metadata, *metadata]
    low = high = None
    low_open = False
    for item in metadata:
        if getattr(item, "ge", None) is not None:
            low = float(item.ge)
        if getattr(item, "gt", None) is not None:
            low, low_open = float(item.gt), True
        if getattr(item, "le", None) is not None:
            high = float(item.le)
        if getattr(item, "lt", None) is not None:
            high = float(item.lt)
    return low, high, low_open


@functools.cache
def _catalogue() -> dict[str, Parameter]:
    """The parameter catalogue by key."""
    return {entry.key: entry for entry in catalogue()}


def slider_range(key: str) -> tuple[float, float] | None:
    """The range a slider for ``key`` covers: the catalogue's plausible low and high, else schema bounds.

    ``None`` when neither gives both ends (the key then gets a text box only).
    """
    entry = _catalogue().get(key)
    if entry is not None and entry.low is not None and entry.high is not None:
        return float(entry.low), float(entry.high)
    low, high, _ = schema_bounds(key)
    if low is None or high is None:
        return None
    return low, high


def _kind(annotation: Any, low: float | None, high: float | None, meaning: str, unit: str) -> Kind:
    if annotation is bool:
        return "yes-no"
    if typing.get_origin(annotation) is Literal:
        return "choice"
    if typing.get_origin(annotation) is list:
        return "list"
    if annotation is int:
        return "whole"
    if annotation is float:
        if "£" in unit or "pound" in unit.lower() or "in pounds" in meaning:
            return "money"
        if low == 0.0 and high == 1.0 and (not unit or unit in ("share", "[0, 1]", "0 to 1")):
            return "share"
        return "number"
    return "text"


@functools.cache
def key_spec(key: str) -> KeySpec:
    """The control's view of one settable key (see ``KeySpec``)."""
    info = settable_keys()[key]
    annotation, _, optional = _parts(info.annotation)
    meaning = info.description or ""
    entry = _catalogue().get(key)
    unit = entry.unit if entry is not None else ""
    if entry is not None and entry.meaning:
        meaning = entry.meaning
    low, high, low_open = schema_bounds(key)
    kind = _kind(annotation, low, high, meaning, unit)
    choices = tuple(str(choice) for choice in typing.get_args(annotation)) if kind == "choice" else ()
    slider = slider_range(key) if kind in ("whole", "number", "share", "money") else None
    if slider is not None and not (
        math.isfinite(slider[0]) and math.isfinite(slider[1]) and slider[0] < slider[1]
    ):
        slider = None
    return KeySpec(key, kind, meaning, low, high, low_open, slider, choices, unit, optional)

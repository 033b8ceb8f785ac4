"""Reading what people type into a control, and saying plainly what is wrong with it.

A commissioner types "50%", "£1,000,000", "£2.4m" or "−5" (with a typographic
minus), not TOML. ``read`` turns such text into the value a scenario key takes
(``keys.KeySpec`` says which kind of value), or raises ``EntryError`` with a
message in plain English that says what was wrong and what is allowed, such as
"“abc” is not a number. Enter a percentage from 0% to 100%, such as 50%."
``shown`` writes a value back the way a person would type it, so a control
always shows the value in use in the same form it accepts.

Shares (a key between 0 and 1) accept either form: "0.5" or "50%". A bare
number above 1 is refused with a hint ("did you mean 50%?") rather than
guessed, because 50 could mean 50% or be a slip.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hls_sim.dashboard.keys import KeySpec

MINUS_SIGNS = "−–—‒"  # typographic minus, en dash, em dash, figure dash: all read as "-"
YES = frozenset({"yes", "y", "true", "on", "1"})
NO = frozenset({"no", "n", "false", "off", "0"})
MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
NAME_LENGTH = 80


class EntryError(ValueError):
    """What was typed cannot be used; the message says why and what is allowed, in plain words."""


def quoted(text: str) -> str:
    return f"“{text}”"


def plain_number(value: float) -> str:
    """A number without trailing zeros or exponent: 0.004, 37.5, 1,000,000."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}".replace("-", "−")
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def shown(value: Any, spec: KeySpec) -> str:
    """``value`` as a person would type it for this key: 35%, £2,400,000, yes, 52, 104."""
    if value is None:
        return ""
    if spec.kind == "yes-no":
        return "yes" if value else "no"
    if spec.kind == "list":
        return ", ".join(plain_number(float(item)) for item in value)
    if spec.kind == "share":
        return f"{plain_number(round(float(value) * 100, 6))}%"
    if spec.kind == "money":
        amount = float(value)
        sign = "−" if amount < 0 else ""
        return f"{sign}£{plain_number(round(abs(amount), 2))}"
    if spec.kind in ("whole", "number"):
        return plain_number(float(value))
    return str(value)


def allowed(spec: KeySpec) -> str:
    """What this key accepts, as the end of a sentence: "a percentage from 0% to 100%, such as 50%"."""
    if spec.kind == "yes-no":
        return "yes or no"
    if spec.kind == "choice":
        return "one of: " + ", ".join(spec.choices)
    if spec.kind == "text":
        return f"a name of up to {NAME_LENGTH} characters"
    if spec.kind == "share":
        return "a percentage from 0% to 100%, such as 50%"
    noun = {
        "whole": "a whole number",
        "number": "a number",
        "money": "an amount in pounds",
        "list": "a list of whole numbers, separated by commas, such as 52, 104 (or nothing, for none)",
    }[spec.kind]
    if spec.kind == "list":
        return noun
    return f"{noun} {_between(spec)}".strip()


def _limit(value: float, spec: KeySpec) -> str:
    return shown(value, spec) if spec.kind in ("money", "share") else plain_number(value)


def _between(spec: KeySpec) -> str:
    low, high = spec.low, spec.high
    if low is not None and high is not None:
        if spec.low_open:
            return f"more than {_limit(low, spec)} and at most {_limit(high, spec)}"
        return f"from {_limit(low, spec)} to {_limit(high, spec)}"
    if low is not None:
        return f"more than {_limit(low, spec)}" if spec.low_open else f"of {_limit(low, spec)} or more"
    if high is not None:
        return f"of {_limit(high, spec)} or less"
    return ""


def _number(text: str, spec: KeySpec, whole: bool) -> float:
    """A number from text such as "1,000", "£2.4m", "50%", "−5"; percentages only where they make sense."""
    cleaned = text.strip().lower()
    for sign in MINUS_SIGNS:
        cleaned = cleaned.replace(sign, "-")
    cleaned = cleaned.replace(" ", "").replace("_", "")
    money = cleaned.startswith(("£", "-£")) or cleaned.endswith(("pounds", "gbp"))
    cleaned = cleaned.replace("£", "").removesuffix("pounds").removesuffix("gbp")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%")
    multiplier = 1.0
    for word, factor in sorted(MULTIPLIERS.items(), key=lambda item: -len(item[0])):
        if cleaned.endswith(word) and re.search(r"\d", cleaned[: -len(word)] or ""):
            cleaned, multiplier = cleaned[: -len(word)], factor
            break
    if (
        re.fullmatch(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?|[-+]?\.\d+|[-+]?\d+(\.\d*)?e[-+]?\d+", cleaned)
        is None
    ):
        noun = "a whole number" if whole else "a number"
        raise EntryError(f"{quoted(text.strip())} is not {noun}. Enter {allowed(spec)}.")
    number = float(cleaned.replace(",", "")) * multiplier
    if money and spec.kind != "money":
        raise EntryError(
            f"{quoted(text.strip())} is an amount of money, but this is not. Enter {allowed(spec)}."
        )
    if percent:
        if spec.kind != "share":
            raise EntryError(
                f"{quoted(text.strip())} is a percentage, but this is not. Enter {allowed(spec)}."
            )
        number /= 100
    elif spec.kind == "share" and 1 < number <= 100:
        raise EntryError(
            f"{quoted(text.strip())} is more than 1, the most a share can be. Write a share from 0 to 1 "
            f"(such as 0.5) or as a percentage (such as 50%): did you mean {plain_number(number)}%?"
        )
    if not math.isfinite(number):
        raise EntryError(f"{quoted(text.strip())} is not a number. Enter {allowed(spec)}.")
    if whole and number != int(number):
        raise EntryError(f"{quoted(text.strip())} is not a whole number. Enter {allowed(spec)}.")
    return number


def _in_range(number: float, text: str, spec: KeySpec) -> None:
    low, high = spec.low, spec.high
    shown_text = quoted(text.strip())
    if low is not None and (number < low or (spec.low_open and number <= low)):
        least = "more than" if spec.low_open else "at least"
        raise EntryError(
            f"{shown_text} is too small: it must be {least} {_limit(low, spec)}. Enter {allowed(spec)}."
        )
    if high is not None and number > high:
        raise EntryError(
            f"{shown_text} is too big: the most allowed is {_limit(high, spec)}. Enter {allowed(spec)}."
        )


def read(text: str, spec: KeySpec) -> Any:
    """The value ``text`` stands for, for the key ``spec`` describes; raises ``EntryError`` if none."""
    stripped = (text or "").strip()
    if spec.kind == "text":
        if not stripped:
            raise EntryError(f"The name is empty. Enter {allowed(spec)}.")
        if len(stripped) > NAME_LENGTH:
            raise EntryError(f"The name is {len(stripped)} characters long. Enter {allowed(spec)}.")
        return stripped
    if spec.kind == "list":
        inner = stripped.removeprefix("[").removesuffix("]").strip()
        if inner.lower() in ("", "none", "no", "never"):
            return []
        item_spec = KeySpec(spec.key, "whole", spec.meaning, spec.low, spec.high, spec.low_open)
        values = []
        for item in re.split(r"[,;\s]+", inner):
            if not item:
                continue
            try:
                number = _number(item, item_spec, whole=True)
                _in_range(number, item, item_spec)
            except EntryError as error:
                raise EntryError(f"In the list: {error}") from None
            values.append(int(number))
        return values
    if not stripped:
        raise EntryError(f"Nothing was entered. Enter {allowed(spec)}.")
    if spec.kind == "yes-no":
        word = stripped.lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise EntryError(f"{quoted(stripped)} is not yes or no. Answer yes or no.")
    if spec.kind == "choice":
        for choice in spec.choices:
            if stripped.lower() == choice.lower():
                return choice
        raise EntryError(f"{quoted(stripped)} is not a choice here. Enter {allowed(spec)}.")
    number = _number(stripped, spec, whole=spec.kind == "whole")
    _in_range(number, stripped, spec)
    return int(number) if spec.kind == "whole" else float(number)

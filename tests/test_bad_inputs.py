"""Generated bad input: every bad scenario file and ``--set`` value is refused the same way.

Hypothesis writes scenario files with one to three problems (unknown keys, values of the
wrong type including booleans for numbers, values out of range, sections given as values,
unknown modes), files broken as a whole (malformed TOML, a regime change outside the run,
a bad ``set`` table in a regime change), and bad ``--set`` values; then runs
``hls-sim run FILE --out DIR`` in this process. Each must exit with code 2 and one error
line per problem naming its key, print no traceback and nothing on stdout, and write nothing
under DIR. The keys, types and bounds come from the schema, so new keys are covered as they
are added.

The model never runs here: ``simulate`` is replaced by a function that fails the test, so
a bad input that slipped through would show up as a failure, not as a slow run.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from hls_sim.cli import main
from hls_sim.scenario import REGIME_CHANGE_KEYS, SECTION_NAMES, settable_keys

KEYS = settable_keys()
TOP_LEVEL = tuple(key for key in KEYS if "." not in key)
FIELDS_OF = {
    section: {key.partition(".")[2] for key in KEYS if key.startswith(f"{section}.")}
    for section in SECTION_NAMES
}


def base_type(key: str) -> object:
    """The key's type without ``None``: int, float, bool, str, list or a Literal of modes."""
    annotation = KEYS[key].annotation
    if isinstance(annotation, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is list:
        return list
    if typing.get_origin(annotation) is typing.Literal:
        return typing.Literal
    return annotation


def limits(key: str) -> dict[str, float]:
    return {
        name: getattr(item, name)
        for item in KEYS[key].metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(item, name)
    }


NUMBERS = tuple(key for key in KEYS if base_type(key) in (int, float))
WHOLE_NUMBERS = tuple(key for key in NUMBERS if base_type(key) is int)
BOUNDED = tuple(key for key in NUMBERS if limits(key))
SWITCHES = tuple(key for key in KEYS if base_type(key) is bool)
TEXTS = tuple(key for key in KEYS if base_type(key) is str)
MODES = tuple(key for key in KEYS if base_type(key) is typing.Literal)
LISTS = tuple(key for key in KEYS if base_type(key) is list)


@dataclass(frozen=True)
class Problem:
    """One bad key: where it goes, the TOML text of its value, and what the message must name."""

    key: str
    value: str
    named: str

    @property
    def section(self) -> str:
        return self.key.partition(".")[0]


def toml_number(number: float) -> str:
    if isinstance(number, int):
        return str(number)
    return {float("inf"): "inf", float("-inf"): "-inf"}.get(number, repr(number))


def out_of_range(key: str) -> st.SearchStrategy[str]:
    bound = limits(key)
    whole = base_type(key) is int
    step = st.integers(1, 10_000) if whole else st.floats(1e-3, 1e4)
    choices = []
    if "le" in bound or "lt" in bound:
        top = bound.get("le", bound.get("lt"))
        choices.append(
            step.map(lambda extra: top + extra if "le" in bound else top + extra - (1 if whole else 0))
        )
    if "ge" in bound:
        choices.append(step.map(lambda extra: bound["ge"] - extra))
    if "gt" in bound:
        choices.append(st.just(bound["gt"]))
    values = st.one_of(choices)
    if whole:
        values = values.map(int)
    else:
        values = values.map(float)
        if "le" in bound:
            values = st.one_of(values, st.sampled_from([float("nan"), float("inf")]))
    return values.map(toml_number)


BOOLEANS = st.sampled_from(["true", "false"])
TEXT_VALUES = st.sampled_from(['"3"', '"0.5"', '"lots"', '""'])
LIST_VALUES = st.sampled_from(["[1, 2]", "[]", '["a"]'])
TABLE_VALUES = st.sampled_from(["{ a = 1 }", "{}"])


@st.composite
def wrong_type(draw: st.DrawFn, keys: tuple[str, ...] = tuple(KEYS), tables: bool = True) -> Problem:
    """A value of the wrong type for a real key, booleans for numbers among them.

    ``tables=False`` leaves out inline tables, which a regime change's ``set`` reads as
    further dotted keys.
    """
    key = draw(st.sampled_from(keys))
    kind = base_type(key)
    if kind in (int, float):
        bad = [BOOLEANS, TEXT_VALUES, LIST_VALUES, *([TABLE_VALUES] if tables else [])]
        if kind is int:
            bad.append(st.integers(-5, 5000).map(lambda whole: f"{whole}.0"))
            bad.append(st.sampled_from(["2.5", "0.1", "1e3"]))
        value = draw(st.one_of(bad))
    elif kind is bool:
        value = draw(st.one_of(st.sampled_from(["0", "1", "0.5", '"yes"', '"true"']), LIST_VALUES))
    elif kind is str:
        value = draw(st.one_of(st.sampled_from(["3", "0.5", "true"]), LIST_VALUES))
    elif kind is list:
        value = draw(st.sampled_from(["3", "true", '"5"', "[true]", "[-1]", "[2.5]", '["x"]']))
    else:  # a mode
        value = draw(st.sampled_from(['"vibes"', '"TARGET"', '""', "1", "true"]))
    return Problem(key, value, key)


@st.composite
def out_of_range_value(draw: st.DrawFn, keys: tuple[str, ...] = BOUNDED) -> Problem:
    key = draw(st.sampled_from(keys))
    return Problem(key, draw(out_of_range(key)), key)


NAMES = st.from_regex(r"[a-z][a-z_]{2,14}", fullmatch=True)


@st.composite
def unknown_key(draw: st.DrawFn) -> Problem:
    section = draw(st.sampled_from((None, *SECTION_NAMES)))
    if section is None:
        name = draw(
            NAMES.filter(
                lambda name: name not in KEYS and name not in SECTION_NAMES and name != "regime_change"
            )
        )
        return Problem(name, "1", name)
    name = draw(NAMES.filter(lambda name: name not in FIELDS_OF[section]))
    return Problem(
        f"{section}.{name}", draw(st.sampled_from(["1", "0.5", "true", '"x"'])), f"{section}.{name}"
    )


@st.composite
def section_as_value(draw: st.DrawFn) -> Problem:
    section = draw(st.sampled_from(SECTION_NAMES))
    return Problem(section, draw(st.sampled_from(["3", "true", '"all"', "[1]"])), section)


REGIME_CHANGE_AS_VALUE = st.sampled_from(["3", '"soon"', "[3]", "true"]).map(
    lambda value: Problem("regime_change", value, "regime_change")
)

FILE_PROBLEM = st.one_of(
    wrong_type(), out_of_range_value(), unknown_key(), section_as_value(), REGIME_CHANGE_AS_VALUE
)


def scenario_text(problems: list[Problem]) -> str:
    """A TOML file holding the problems: top-level keys first, then one table per section."""
    top = [f"{p.key} = {p.value}" for p in problems if "." not in p.key]
    tables = [f"[{p.section}]\n{p.key.partition('.')[2]} = {p.value}" for p in problems if "." in p.key]
    return "\n".join([*top, *tables]) + "\n"


@dataclass
class Outcome:
    code: int
    out: str
    err_lines: list[str]
    left: list[str]


def run(args: list[str], text: str | bytes | None = None) -> Outcome:
    """``hls-sim run FILE --out DIR ...ARGS`` in this process; what it printed and what it left."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text if text is not None else 'name = "fine"\n', encoding="utf-8")
        stdout, stderr = io.StringIO(), io.StringIO()
        refuse = AssertionError("a bad input reached the simulation")
        with (
            mock.patch("hls_sim.cli.simulate", side_effect=refuse),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            code = main(["run", str(path), "--out", str(Path(folder) / "out"), *args])
        left = sorted(str(item.relative_to(folder)) for item in Path(folder).rglob("*"))
    return Outcome(code, stdout.getvalue(), stderr.getvalue().splitlines(), left)


def assert_refused(outcome: Outcome, named: list[str], source: str) -> None:
    """Exit 2, one line per problem, each problem's key named, no traceback, nothing written."""
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.left == ["bad.toml"]
    text = "\n".join(outcome.err_lines)
    assert "Traceback" not in text
    assert outcome.err_lines[0].startswith("hls-sim: error: ")
    assert len(outcome.err_lines) == len(named), text
    for key in named:
        assert any(key in line for line in outcome.err_lines), (key, text)
    assert all(source in line for line in outcome.err_lines), text


# --- scenario files -----------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(st.lists(FILE_PROBLEM, min_size=1, max_size=3, unique_by=lambda problem: problem.section))
def test_a_file_with_bad_keys_gets_one_line_per_problem(problems: list[Problem]):
    outcome = run([], scenario_text(problems))
    assert_refused(outcome, [p.named for p in problems], "bad.toml")


BROKEN_TOML = st.sampled_from(
    [
        "[population\nsize = 300\n",
        "weeks = \n",
        "= 3\n",
        "[funding]\npbr_share = 0.1\npbr_share = 0.2\n",
        'name = "unfinished\n',
        "[funding]\n[funding]\n",
        "weeks = 52 52\n",
        "[[regime_change]\nweek = 3\n",
        "weeks = 0x\n",
    ]
)


@settings(max_examples=30, deadline=None)
@given(BROKEN_TOML, st.sampled_from(["", "burn_in = 4\n", "[population]\nsize = 500\n"]))
def test_malformed_toml_gets_one_line_naming_the_file(broken: str, valid: str):
    assert_refused(run([], valid + broken), ["not valid TOML"], "bad.toml")


@settings(max_examples=10, deadline=None)
@given(st.binary(min_size=1, max_size=40).map(lambda raw: b"\xff\xfe" + raw))
def test_a_binary_file_gets_one_line_naming_the_file(raw: bytes):
    assert_refused(run([], raw), ["not a text file"], "bad.toml")


@st.composite
def regime_changes_outside_the_run(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A valid file whose run is ``weeks`` long, with changes some of which fall after its end."""
    weeks = draw(st.integers(1, 5200))
    inside = st.integers(0, weeks - 1).map(lambda week: (week, False))
    outside = st.integers(weeks, weeks + 100_000).map(lambda week: (week, True))
    changes = draw(
        st.lists(st.one_of(inside, outside), min_size=1, max_size=3).filter(lambda c: any(o for _, o in c))
    )
    text = f"weeks = {weeks}\n" + "".join(
        f'[[regime_change]]\nweek = {week}\nfunding = "trust"\n' for week, _ in changes
    )
    named = [f"regime_change.{index}.week = {week}" for index, (week, late) in enumerate(changes) if late]
    return text, named


@settings(max_examples=40, deadline=None)
@given(regime_changes_outside_the_run())
def test_a_regime_change_outside_the_run_is_refused(case: tuple[str, list[str]]):
    text, named = case
    assert_refused(run([], text), named, "bad.toml")


SETTABLE_LATER = tuple(sorted(REGIME_CHANGE_KEYS))


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.lists(
            st.one_of(
                wrong_type(SETTABLE_LATER, tables=False),
                out_of_range_value(tuple(key for key in SETTABLE_LATER if key in BOUNDED)),
            ),
            min_size=1,
            max_size=2,
            unique_by=lambda problem: problem.key,
        ),
        st.lists(unknown_key(), min_size=1, max_size=2, unique_by=lambda problem: problem.key),
    )
)
def test_a_bad_set_table_in_a_regime_change_is_refused(problems: list[Problem]):
    entries = ", ".join(f'"{p.key}" = {p.value}' for p in problems)
    text = f"weeks = 20\n[[regime_change]]\nweek = 5\nset = {{ {entries} }}\n"
    assert_refused(run([], text), [f"regime_change.0.set.{p.named}" for p in problems], "bad.toml")


# --- --set values -------------------------------------------------------------------------------
@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.one_of(wrong_type(), out_of_range_value()),
        min_size=1,
        max_size=3,
        unique_by=lambda problem: problem.key,
    )
)
def test_bad_set_values_get_one_line_each(problems: list[Problem]):
    args = [arg for p in problems for arg in ("--set", f"{p.key}={p.value}")]
    assert_refused(run(args), [p.named for p in problems], "--set")


@settings(max_examples=40, deadline=None)
@given(st.one_of(unknown_key(), section_as_value()))
def test_a_set_of_no_key_gets_one_line(problem: Problem):
    assert_refused(run(["--set", f"{problem.key}={problem.value}"]), [problem.named], "--set")


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([*KEYS, "", " ", "x y"]))
def test_a_set_without_a_value_gets_one_line(text: str):
    outcome = run(["--set", text])
    assert_refused(outcome, ["is not KEY=VALUE"], "--set")

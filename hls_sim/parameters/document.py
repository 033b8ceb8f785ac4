"""The catalogue in words: docs/ODD.md's parameter tables and the terminal table of ``hls-sim params``.

docs/ODD.md holds two generated parts, each between marker comments: the
scenario keys (section 6.1), one table per section in schema order, and the
measurement definitions of ``hls_sim.parameters.measurement`` (section 8),
whose comments are their meanings. Run

    uv run python -m hls_sim.parameters.document          # rewrite them in place
    uv run python -m hls_sim.parameters.document --check  # exit 1 if they are out of date

after changing a key or a definition; a test fails while the document and the
schema disagree. Everything outside the markers is left as written.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from hls_sim.parameters import Parameter, catalogue

ODD_PATH = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
PARAMETERS = "parameters"
MEASUREMENT = "measurement"
GENERATED_NOTE = (
    "<!-- generated from the code by `uv run python -m hls_sim.parameters.document`: "
    "edit the code, not this -->"
)
COLUMNS = ("key", "kind", "default", "plausible range", "unit", "meaning", "source", "mechanism")
RUN_KEYS_TITLE = "The run's own keys (top level): how long it records, after how much burn-in"


# --- values in words ---------------------------------------------------------------------------
def format_value(value: Any) -> str:
    """A value as a scenario file writes it (TOML), with thousands separators to make numbers readable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.10g}"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return str(value)


def format_default(entry: Parameter) -> str:
    """The default; a preset key's value under each mode of its section."""
    if isinstance(entry.default, dict):
        return "; ".join(f"{mode}: {format_value(value)}" for mode, value in entry.default.items())
    return format_value(entry.default)


def format_range(entry: Parameter) -> str:
    """The plausible range, or an empty string for a key that has none (a switch, a mode, a list)."""
    if entry.low is None or entry.high is None:
        return ""
    return f"{format_value(entry.low)} to {format_value(entry.high)}"


def row(entry: Parameter) -> tuple[str, ...]:
    """The entry's cells, in the order of ``COLUMNS``."""
    return (
        entry.key,
        entry.kind,
        format_default(entry),
        format_range(entry),
        entry.unit,
        entry.meaning,
        entry.source,
        ", ".join(entry.mechanism),
    )


# --- the terminal table ------------------------------------------------------------------------
# Columns wrapped to fit the width, and the share of the spare width each takes.
WRAPPED = {"unit": 1, "meaning": 4, "source": 3, "mechanism": 1}
NARROWEST = 120


def terminal_table(entries: Sequence[Parameter], width: int | None) -> str:
    """A plain-text table of ``entries``, one parameter per line when ``width`` is None.

    With a ``width`` (never below 120), key, kind and range keep their full width,
    a preset key's default takes a line per mode, and unit, meaning, source and
    mechanism are wrapped inside their columns, so a row may take several lines.
    Without one (output to a file or a pipe), nothing is wrapped, so each
    parameter stays on one line for grep.
    """
    rows = [row(entry) for entry in entries]
    if width is None:
        cells_of = [[[cell] for cell in cells] for cells in rows]
        widths = {column: _widest(column, cells_of, index) for index, column in enumerate(COLUMNS)}
    else:
        cells_of = [
            [
                cell.split("; ") if column == "default" else [cell]
                for column, cell in zip(COLUMNS, cells, strict=True)
            ]
            for cells in rows
        ]
        widths = {
            column: _widest(column, cells_of, index)
            for index, column in enumerate(COLUMNS)
            if column not in WRAPPED
        }
        # Each wrapped column gets its longest word, then a share of what is left.
        longest_word = {
            column: max(
                len(word) for cells in rows for word in [column, *cells[COLUMNS.index(column)].split()]
            )
            for column in WRAPPED
        }
        spare = max(width, NARROWEST) - sum(widths.values()) - len(GAP) * (len(COLUMNS) - 1)
        left = max(0, spare - sum(longest_word.values()))
        for column, share in WRAPPED.items():
            index = COLUMNS.index(column)
            fair = longest_word[column] + left * share // sum(WRAPPED.values())
            widths[column] = min(fair, _widest(column, cells_of, index))
            cells_of = [
                [
                    textwrap.wrap(parts[0], widths[column], break_on_hyphens=False) or [""]
                    if at == index
                    else parts
                    for at, parts in enumerate(cells)
                ]
                for cells in cells_of
            ]
    lines = [GAP.join(column.ljust(widths[column]) for column in COLUMNS).rstrip()]
    lines.append(GAP.join("-" * widths[column] for column in COLUMNS))
    for number, cells in enumerate(cells_of):
        if width is not None and number:
            lines.append("")  # a row may take several lines: a blank one shows where the next begins
        for line in range(max(len(parts) for parts in cells)):
            parts = [
                (parts[line] if line < len(parts) else "").ljust(widths[column])
                for column, parts in zip(COLUMNS, cells, strict=True)
            ]
            lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


GAP = "  "


def _widest(column: str, cells_of: list[list[list[str]]], index: int) -> int:
    return max(len(column), *(len(part) for cells in cells_of for part in cells[index]))


# --- the markdown tables -----------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in cells) + " |" for cells in rows]
    return lines


def sections() -> list[tuple[str, str, list[Parameter]]]:
    """``(name, title, entries)`` per section in schema order; the run's own keys come first as ``run``."""
    from hls_sim.scenario import Scenario

    grouped: dict[str, list[Parameter]] = {}
    for entry in catalogue():
        section, dot, _ = entry.key.partition(".")
        grouped.setdefault(section if dot else "run", []).append(entry)
    result = []
    for name, entries in grouped.items():
        if name == "run":
            title = RUN_KEYS_TITLE
        else:
            doc = inspect.getdoc(Scenario.model_fields[name].annotation) or ""
            title = doc.split("\n\n")[0].replace("\n", " ").replace("``", "`").rstrip(".")
        result.append((name, title, entries))
    return result


def parameter_tables() -> str:
    """The generated part of ODD section 6.1: counts by kind, then one table per section."""
    entries = catalogue()
    counts = {
        kind: sum(entry.kind == kind for entry in entries) for kind in ("rule", "behaviour", "structure")
    }
    lines = [
        GENERATED_NOTE,
        "",
        f"{len(entries)} parameters: "
        + ", ".join(f"{count} {kind}" for kind, count in counts.items())
        + ". A preset key's default is given for each mode of its section; an empty range means the key "
        "is a switch, a mode or a list, which a sensitivity analysis does not sample.",
    ]
    for name, title, section_entries in sections():
        heading = title if name == "run" else f"`[{name}]`: {title}"
        lines += ["", f"#### {heading}", ""]
        lines += _markdown_table(
            COLUMNS, ([f"`{cells[0]}`", *cells[1:]] for cells in map(row, section_entries))
        )
    return "\n".join(lines)


def measurement_definitions() -> list[tuple[list[tuple[str, Any]], str]]:
    """The constants of ``measurement.py`` in groups, each with the comment written above it.

    A comment block followed by consecutive assignments is one group: the comment is
    the meaning of every constant it stands over.
    """
    from hls_sim.parameters import measurement

    source = inspect.getsource(measurement)
    lines = source.splitlines()
    groups: list[tuple[list[tuple[str, Any]], str]] = []
    previous_end = None
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            previous_end = None
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [target.id for target in targets if isinstance(target, ast.Name) and target.id.isupper()]
        if not names:
            previous_end = None
            continue
        constant = (names[0], getattr(measurement, names[0]))
        comment = _comment_above(lines, node.lineno - 1)
        if comment:
            groups.append(([constant], comment))
        elif previous_end == node.lineno - 1 and groups:
            groups[-1][0].append(constant)
        else:
            groups.append(([constant], ""))
        previous_end = node.end_lineno
    return groups


def _comment_above(lines: list[str], index: int) -> str:
    """The ``#`` lines directly above line ``index`` (0-based), joined into one sentence."""
    comment: list[str] = []
    while index > 0 and lines[index - 1].lstrip().startswith("#"):
        index -= 1
        comment.insert(0, lines[index].lstrip().removeprefix("#").strip())
    return " ".join(comment)


def measurement_table() -> str:
    """The generated part of ODD section 8: what each measurement constant defines."""
    rows = (
        (", ".join(f"`{name}` = {format_value(value)}" for name, value in constants), meaning)
        for constants, meaning in measurement_definitions()
    )
    return "\n".join([GENERATED_NOTE, "", *_markdown_table(("definition", "meaning"), rows)])


GENERATORS = {PARAMETERS: parameter_tables, MEASUREMENT: measurement_table}


# --- rewriting the document --------------------------------------------------------------------
def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def regenerate(text: str, source: str = "docs/ODD.md") -> str:
    """``text`` with every generated part written afresh; refuses a document without the markers."""
    for name, generate in GENERATORS.items():
        begin, end = markers(name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), flags=re.DOTALL)
        if len(pattern.findall(text)) != 1:
            raise ValueError(f"{source}: needs exactly one {begin} ... {end} pair")
        replacement = f"{begin}\n{generate()}\n{end}"
        text = pattern.sub(lambda _, replacement=replacement: replacement, text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hls_sim.parameters.document",
        description="Rewrite the generated parameter and measurement tables of docs/ODD.md.",
    )
    parser.add_argument(
        "path", nargs="?", type=Path, default=ODD_PATH, help="the document (default: docs/ODD.md)"
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if the tables are out of date"
    )
    args = parser.parse_args(argv)
    try:
        text = args.path.read_text(encoding="utf-8")
        updated = regenerate(text, str(args.path))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        if updated != text:
            print(f"{args.path}: generated tables are out of date; run without --check", file=sys.stderr)
            return 1
        print(f"{args.path}: up to date")
        return 0
    if updated != text:
        args.path.write_text(updated, encoding="utf-8")
        print(f"{args.path}: tables rewritten")
    else:
        print(f"{args.path}: already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""docs/ODD.md's parameter and measurement tables are generated from the code and must match it.

If a test here fails after a key or a measurement definition changed, run
``uv run python -m hls_sim.parameters.document`` and commit docs/ODD.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hls_sim.parameters import catalogue, measurement
from hls_sim.parameters.document import (
    ODD_PATH,
    main,
    markers,
    measurement_definitions,
    regenerate,
    sections,
)


def test_the_generated_tables_in_odd_match_the_code():
    text = ODD_PATH.read_text(encoding="utf-8")
    assert regenerate(text) == text, (
        "docs/ODD.md is out of date: run `uv run python -m hls_sim.parameters.document`"
    )


def test_every_catalogued_key_has_one_row_in_odd():
    text = ODD_PATH.read_text(encoding="utf-8")
    begin, end = markers("parameters")
    generated = text[text.index(begin) : text.index(end)]
    for entry in catalogue():
        assert generated.count(f"| `{entry.key}` |") == 1, entry.key


def test_sections_come_in_schema_order_and_cover_the_catalogue():
    from hls_sim.scenario import SECTION_NAMES

    names = [name for name, _, _ in sections()]
    assert names == ["run", *(name for name in SECTION_NAMES if name in names)]
    assert [entry.key for _, _, entries in sections() for entry in entries] == [e.key for e in catalogue()]
    assert all(title for _, title, _ in sections())


def test_a_hand_edited_table_is_caught(tmp_path: Path):
    text = ODD_PATH.read_text(encoding="utf-8")
    stale = text.replace(
        "| `population.size` | structure | 2,000 |", "| `population.size` | structure | 2,500 |"
    )
    assert stale != text and regenerate(stale) == text
    path = tmp_path / "ODD.md"
    path.write_text(stale, encoding="utf-8")
    assert main([str(path), "--check"]) == 1
    assert path.read_text(encoding="utf-8") == stale
    assert main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == text
    assert main([str(path), "--check"]) == 0


def test_text_outside_the_markers_is_kept():
    text = (
        "# Title\n\nbefore\n\n<!-- parameters:begin -->\nstale table\n<!-- parameters:end -->\n\nmiddle\n\n"
    )
    text += "<!-- measurement:begin -->\n<!-- measurement:end -->\nafter\n"
    updated = regenerate(text)
    assert updated.startswith("# Title\n\nbefore\n\n<!-- parameters:begin -->\n")
    assert "\n<!-- parameters:end -->\n\nmiddle\n\n<!-- measurement:begin -->\n" in updated
    assert updated.endswith("<!-- measurement:end -->\nafter\n") and "stale table" not in updated


@pytest.mark.parametrize(
    "broken", ["no markers at all\n", "<!-- parameters:begin -->\n<!-- measurement:end -->\n"]
)
def test_a_document_without_its_markers_is_refused(broken: str):
    with pytest.raises(ValueError, match="needs exactly one"):
        regenerate(broken)


def test_every_measurement_definition_is_listed_with_its_meaning():
    constants = {
        name
        for name, value in vars(measurement).items()
        if name.isupper() and isinstance(value, int | float) and not isinstance(value, bool)
    }
    listed = [name for names, _ in measurement_definitions() for name, _ in names]
    assert sorted(listed) == sorted(constants)
    assert all(meaning for _, meaning in measurement_definitions())
    groups = {names[0][0]: [name for name, _ in names] for names, _ in measurement_definitions()}
    assert groups["HIGH_NEED"] == ["HIGH_NEED", "GOAL_MET"]  # one comment stands over both

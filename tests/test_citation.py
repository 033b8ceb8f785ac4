"""The files that make the model citable agree with each other and with pyproject.toml.

``CITATION.cff`` is read with PyYAML (installed with Dask); its validity against the
CFF 1.2.0 schema was checked with ``cffconvert --validate`` when it was written
(cffconvert is not a dependency).
"""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_parses_with_the_fields_cff_requires(citation: dict):
    assert citation["cff-version"] == "1.2.0"
    for field in ("message", "title", "authors", "type", "date-released"):
        assert citation[field], field
    assert citation["type"] == "software"
    assert all("name" in author or "family-names" in author for author in citation["authors"])
    datetime.date.fromisoformat(str(citation["date-released"]))


def test_citation_version_and_licence_are_pyprojects(citation: dict):
    assert str(citation["version"]) == PYPROJECT["version"]
    assert citation["license"] == PYPROJECT["license"]["text"] == "MIT"


def test_the_licence_file_is_mit():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert re.search(r"Copyright \(c\) \d{4} the hls_sim authors", text)


def test_the_changelog_has_an_unreleased_section_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert PYPROJECT["version"] in headings
    for version in headings[1:]:
        assert re.search(
            rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, flags=re.MULTILINE
        )

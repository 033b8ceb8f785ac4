"""Reference runs that guard refactors: the same seed must give the same summary, bit for bit.

A refactor or speed change must leave every case below exactly as recorded in
``summaries.json``. A deliberate model change regenerates the file, in the same
commit, with the reason in the commit message:

    uv run python tests/test_same_seed_same_run.py --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import hls_sim

RECORD = Path(__file__).resolve().parent / "golden" / "summaries.json"

SMALL = "small-place"
CASES: dict[str, tuple[str, int, dict[str, object]]] = {
    **{
        f"{regime}-seed{seed}": (
            SMALL,
            seed,
            {"funding.mode": regime.split("-")[0], "market.mode": regime.split("-")[1]},
        )
        for regime in hls_sim.REGIME_NAMES
        for seed in (1, 2)
    },
    "transition": (
        "transition",
        3,
        {
            "population.size": 600,
            "workforce.workers": 18,
            "providers.count": 3,
            "funding.budget": 675_000.0,
            "weeks": 156,
            "burn_in": 13,
        },
    ),
    "aligned-audited": (SMALL, 4, {"indicator.aligned": True, "indicator.audit_rate": 1.0}),
    "knaves-unwatched-trust": (
        SMALL,
        5,
        {"funding.mode": "trust", "workforce.knave_share": 0.8, "funding.dialogue_hours": 0.0},
    ),
    "shocks-alliance": (SMALL, 6, {"market.mode": "alliance", "context.shock_weeks": [20, 60]}),
    "overdraft-high-stakes": (
        SMALL,
        7,
        {"providers.overdraft": 4.0, "funding.pbr_share": 0.9, "eligibility.threshold": 0.6},
    ),
    "default-full": ("default", 1, {"weeks": 104}),
}


def fingerprint(case: str) -> dict[str, object]:
    """The summary of one case, and a hash of its weekly table."""
    scenario, seed, overrides = CASES[case]
    model = hls_sim.simulate(scenario, seed=seed, overrides=overrides)
    table = model.weekly_table()
    digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).values.tobytes()).hexdigest()
    summary = {
        key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in model.summary().items()
    }
    return {"summary": summary, "weekly_sha256": digest}


@pytest.mark.parametrize("case", list(CASES))
def test_a_refactor_leaves_every_reference_run_as_recorded(case):
    recorded = json.loads(RECORD.read_text())[case]
    current = fingerprint(case)
    changed = {
        key: (recorded["summary"].get(key), value)
        for key, value in current["summary"].items()
        if value != recorded["summary"].get(key)
    }
    assert not changed, f"{case}: summary changed (recorded, now): {changed}"
    assert current["weekly_sha256"] == recorded["weekly_sha256"], f"{case}: weekly table changed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="record the current model's fingerprints")
    args = parser.parse_args()
    current = {case: fingerprint(case) for case in CASES}
    if args.write:
        RECORD.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {RECORD}")
        return
    recorded = json.loads(RECORD.read_text())
    for case, values in current.items():
        same = values == recorded.get(case)
        print(f"{case:28s} {'same' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()

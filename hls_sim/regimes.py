"""Funding and market regimes: the rules of the game, never its results.

A regime sets four things and nothing else (DESIGN section 2, point 1):
incentives (what is paid for), information (what is measured and seen, what
is shared), constraints (worker discretion, contract length) and selection
(who wins contracts). The two named axes of Lowe and Plimmer (2019, "Exploring
the New World") are presets of these parameters: target-based funding with
competitive tendering (the "old world") against trust-based funding with an
alliance (Human, Learning, Systems). Every preset value can be set one by one,
so the axes are continuous.

No code that computes a person's outcome reads the regime's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario

FUNDING_MODES = ("target", "trust")
MARKET_MODES = ("competition", "alliance")
REGIME_NAMES = tuple(f"{funding}-{market}" for funding in FUNDING_MODES for market in MARKET_MODES)

PRESETS: dict[str, dict[str, dict[str, object]]] = {
    "funding": {
        # Payment by results with KPI returns: money rides on the indicator,
        # workers fill in monitoring forms, packages are specified, and providers
        # learn mostly from the numbers they are paid on.
        "target": {
            "pbr_share": 0.5,
            "reporting_hours_per_case": 0.6,
            "dialogue_hours": 0.0,
            "discretion": 0.2,
            "honest_feedback": 0.2,
        },
        # Multi-year core funding: nothing rides on a number; the funder spends
        # time in dialogue instead, which gives partial but honest sight of
        # outcomes and supports a positive error culture.
        "trust": {
            "pbr_share": 0.0,
            "reporting_hours_per_case": 0.15,
            "dialogue_hours": 3.0,
            "discretion": 0.8,
            "honest_feedback": 0.8,
        },
    },
    "market": {
        # Re-tender every two years to the best reported performer; no sharing.
        "competition": {
            "contract_weeks": 104,
            "forum_weeks": 0,
            "forum_hours": 0.0,
            "sharing": 0.0,
            "referrals": False,
            "pooled_results": False,
        },
        # One pooled contract for the whole run, a learning forum every month,
        # open books and cases passed to whoever fits best.
        "alliance": {
            "contract_weeks": 0,
            "forum_weeks": 4,
            "forum_hours": 3.0,
            "sharing": 0.8,
            "referrals": True,
            "pooled_results": True,
        },
    },
}


def regime_overrides(name: str) -> dict[str, str]:
    """Dotted-key overrides for a regime name such as ``trust-alliance``."""
    if name not in REGIME_NAMES:
        raise ValueError(f"unknown regime {name!r}; allowed: {', '.join(REGIME_NAMES)}")
    funding, market = name.split("-")
    return {"funding.mode": funding, "market.mode": market}


@dataclass(frozen=True)
class Regime:
    """The rules in force this week, read by agents when they decide.

    Built from a scenario; replaced whole at a regime change.
    """

    pbr_share: float
    pooled_results: bool
    reporting_hours_per_case: float
    dialogue_hours: float
    honest_feedback: float
    discretion: float
    contract_weeks: int
    forum_weeks: int
    forum_hours: float
    sharing: float
    referrals: bool
    funding_mode: str
    market_mode: str

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Regime:
        funding, market = scenario.funding, scenario.market
        return cls(
            pbr_share=funding.pbr_share,
            pooled_results=market.pooled_results,
            reporting_hours_per_case=funding.reporting_hours_per_case,
            dialogue_hours=funding.dialogue_hours,
            honest_feedback=funding.honest_feedback,
            discretion=funding.discretion,
            contract_weeks=market.contract_weeks,
            forum_weeks=market.forum_weeks,
            forum_hours=market.forum_hours,
            sharing=market.sharing,
            referrals=market.referrals,
            funding_mode=funding.mode,
            market_mode=market.mode,
        )

    @property
    def name(self) -> str:
        return f"{self.funding_mode}-{self.market_mode}"

    def is_tender_week(self, weeks_since_letting: int) -> bool:
        """Contracts are re-tendered when they run out; 0 means never."""
        return self.contract_weeks > 0 and weeks_since_letting >= self.contract_weeks

    def is_forum_week(self, week: int) -> bool:
        return self.forum_weeks > 0 and week % self.forum_weeks == 0

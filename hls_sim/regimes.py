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
SPECIFICATIONS = ("prescribed", "black-box")
TARIFFS = ("flat", "differential", "distance")
REGIME_NAMES = tuple(f"{funding}-{market}" for funding in FUNDING_MODES for market in MARKET_MODES)

PRESETS: dict[str, dict[str, dict[str, object]]] = {
    "funding": {
        # Payment by results with KPI returns: money rides on the indicator, the
        # contract requires monitoring returns for every case, and it specifies
        # the packages of support (Lowe and Plimmer 2019, Introduction: the old
        # world commissions specified services and activities). The last is a
        # modelling choice of its own: ``funding.specification = "black-box"``
        # gives payment by results with delivery freedom.
        "target": {
            "pbr_share": 0.5,
            "reporting_hours_per_case": 0.6,
            "dialogue_hours": 0.0,
            "specification": "prescribed",
        },
        # Multi-year core funding: nothing rides on a number; the funder spends
        # time in dialogue instead, a light annual return replaces KPI returns,
        # and providers decide how to help ("Trust-based funding").
        "trust": {
            "pbr_share": 0.0,
            "reporting_hours_per_case": 0.15,
            "dialogue_hours": 3.0,
            "specification": "black-box",
        },
    },
    "market": {
        # Re-tender every two years to the best reported performer; no forum, and
        # nothing in the contract makes rivals open their books.
        "competition": {
            "contract_weeks": 104,
            "forum_weeks": 0,
            "forum_hours": 0.0,
            "open_books": False,
            "referrals": False,
            "pooled_results": False,
        },
        # One pooled contract for the whole run, a learning forum every month,
        # open books and cases passed to whoever fits best.
        "alliance": {
            "contract_weeks": 0,
            "forum_weeks": 4,
            "forum_hours": 3.0,
            "open_books": True,
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

    Built from a scenario; replaced whole at a regime change. Everything here
    is a rule: what is paid for and how, what is reported, what is specified,
    how contracts are let and what is shared. What agents make of the rules
    (discretion, candour, sharing, effort, gaming) is theirs to decide.
    """

    pbr_share: float
    pooled_results: bool
    reporting_hours_per_case: float
    dialogue_hours: float
    prescribed: bool
    tariff: str
    tariff_groups: int
    contract_weeks: int
    forum_weeks: int
    forum_hours: float
    open_books: bool
    referrals: bool
    catchments: bool
    price_weight: float
    no_decline: bool
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
            prescribed=funding.specification == "prescribed",
            tariff=funding.tariff,
            tariff_groups=funding.tariff_groups,
            contract_weeks=market.contract_weeks,
            forum_weeks=market.forum_weeks,
            forum_hours=market.forum_hours,
            open_books=market.open_books,
            referrals=market.referrals,
            catchments=market.catchments,
            price_weight=market.price_weight,
            no_decline=scenario.eligibility.no_decline,
            funding_mode=funding.mode,
            market_mode=market.mode,
        )

    @property
    def name(self) -> str:
        return f"{self.funding_mode}-{self.market_mode}"

    @property
    def rivals_retender(self) -> bool:
        """Providers compete for their next contract: it is re-tendered and results are not pooled."""
        return self.contract_weeks > 0 and not self.pooled_results

    def is_tender_week(self, weeks_since_letting: int) -> bool:
        """Contracts are re-tendered when they run out; 0 means never."""
        return self.contract_weeks > 0 and weeks_since_letting >= self.contract_weeks

    def is_forum_week(self, week: int) -> bool:
        return self.forum_weeks > 0 and week % self.forum_weeks == 0

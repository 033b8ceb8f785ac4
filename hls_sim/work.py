"""How workers split their week: paperwork and assessments, then helping or moving the indicator.

Fixed demands come first: admin (supervision, meetings, the reporting the
contract requires per case, and the defensive recording a fearful culture
adds: Munro 2011), the provider's share of its funder's dialogue, the
assessments of people who made contact, and learning forums. Of the hours
left, a worker works a share that depends on their motivation and on
accountability (``motivation.effort``), and splits the
work between real support and moving the indicator in proportion to what each
returns to them (multitask effort: Holmstrom and Milgrom 1991; Kerr 1975;
``gaming.gaming_share``). The rest is slack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.agents.worker import Workforce
from hls_sim.candour import fear
from hls_sim.compiled import kernel, maximum, minimum
from hls_sim.gaming import gaming_share
from hls_sim.motivation import effort

if TYPE_CHECKING:
    from hls_sim.regimes import Regime
    from hls_sim.scenario import Scenario

# Keeps the share of fixed demands defined for a worker with none.
NO_DEMANDS = 1e-9


def plan_week(
    workforce: Workforce,
    slots: np.ndarray,
    stakes: np.ndarray,
    blame: np.ndarray,
    seen: np.ndarray,
    forum_hours: float,
    regime: Regime,
    scenario: Scenario,
    leverage: float,
) -> None:
    """Split each worker's paid hours into the parts of ``HOUR_PARTS``; clears the week's fixed demands.

    ``stakes``, ``blame`` (``candour.fear``) and ``seen`` (how much of the work the funder sees) are
    per provider.
    """
    w = workforce
    _plan_week(
        slots,
        w.provider,
        stakes,
        blame,
        seen,
        w.hours,
        w.caseload,
        w.motivation,
        w.accountability_hours,
        w.assessment_hours,
        w.stakes,
        w.admin,
        w.assessment,
        w.forum,
        w.support,
        w.gaming,
        w.slack,
        forum_hours,
        regime.reporting_hours_per_case,
        scenario.workforce.defensive_recording,
        scenario.candour.stakes_fear,
        scenario.workforce.admin_hours,
        scenario.motivation.stakes_accountability,
        scenario.motivation.seen_sanction,
        leverage,
    )


@kernel
def _plan_week(
    slots: np.ndarray,
    provider: np.ndarray,
    stakes_at: np.ndarray,
    blame_at: np.ndarray,
    seen_at: np.ndarray,
    hours: np.ndarray,
    caseload: np.ndarray,
    motivation: np.ndarray,
    accountability_hours: np.ndarray,
    assessment_hours: np.ndarray,
    stakes: np.ndarray,
    admin: np.ndarray,
    assessment: np.ndarray,
    forum: np.ndarray,
    support: np.ndarray,
    gaming: np.ndarray,
    slack: np.ndarray,
    forum_hours: float,
    reporting_hours_per_case: float,
    defensive_recording: float,
    stakes_fear: float,
    admin_hours: float,
    stakes_accountability: float,
    seen_sanction: float,
    leverage: float,
) -> None:
    """``plan_week`` worker by worker.

    The share of effort spent moving the indicator is ``gaming.gaming_share``.
    """
    for slot in slots:
        at = provider[slot]
        felt = stakes_at[at]
        recording = reporting_hours_per_case + defensive_recording * fear(felt, blame_at[at], stakes_fear)
        paperwork = admin_hours + recording * caseload[slot] + accountability_hours[slot]
        assessing = assessment_hours[slot]
        demands = paperwork + assessing + forum_hours
        fixed = minimum(hours[slot], demands)
        available = hours[slot] - fixed
        intrinsic = motivation[slot]
        working = available * effort(intrinsic, felt, seen_at[at], stakes_accountability, seen_sanction)
        gaming_part = gaming_share(felt, intrinsic, leverage)
        scale = fixed / maximum(demands, NO_DEMANDS)
        stakes[slot] = felt
        admin[slot] = paperwork * scale
        assessment[slot] = assessing * scale
        forum[slot] = forum_hours * scale
        support[slot] = working * (1.0 - gaming_part)
        gaming[slot] = working * gaming_part
        slack[slot] = available - working
        assessment_hours[slot] = 0.0
        accountability_hours[slot] = 0.0

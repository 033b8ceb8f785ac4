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

from hls_sim import gaming, motivation
from hls_sim.agents.worker import Workforce

if TYPE_CHECKING:
    from hls_sim.regimes import Regime
    from hls_sim.scenario import Scenario

# Keeps the share of fixed demands defined for a worker with none.
NO_DEMANDS = 1e-9


def plan_week(
    workforce: Workforce,
    slots: np.ndarray,
    stakes: np.ndarray,
    fear: np.ndarray,
    seen: np.ndarray,
    forum_hours: float,
    regime: Regime,
    scenario: Scenario,
    leverage: float,
) -> None:
    """Split each worker's paid hours into the parts of ``HOUR_PARTS``; clears the week's fixed demands.

    ``stakes``, ``fear`` and ``seen`` (how much of the work the funder sees) are per worker.
    """
    w = workforce
    hours = w.hours[slots]
    recording = regime.reporting_hours_per_case + scenario.workforce.defensive_recording * fear
    admin = scenario.workforce.admin_hours + recording * w.caseload[slots] + w.accountability_hours[slots]
    assessment = w.assessment_hours[slots]
    demands = admin + assessment + forum_hours
    fixed = np.minimum(hours, demands)
    available = hours - fixed
    intrinsic = w.motivation[slots]
    working = available * motivation.effort(intrinsic, stakes, seen, scenario.motivation)
    gaming_part = gaming.gaming_share(stakes, intrinsic, leverage)
    scale = fixed / np.maximum(demands, NO_DEMANDS)
    w.stakes[slots] = stakes
    w.admin[slots] = admin * scale
    w.assessment[slots] = assessment * scale
    w.forum[slots] = forum_hours * scale
    w.support[slots] = working * (1.0 - gaming_part)
    w.gaming[slots] = working * gaming_part
    w.slack[slots] = available - working
    w.assessment_hours[slots] = 0.0
    w.accountability_hours[slots] = 0.0

"""The model's own waiting list, made an M/M/s queue, against queueing theory.

``scenarios/queue-docking.toml`` runs the full model with exogenous Poisson
arrivals, exponential service and fixed places, with the same queue code every
run uses (``hls_sim.queue``). The mean wait in the list must match Erlang-C,
the share of places in use must be rho, and Little's law must hold with the
arrival rate taken from the scenario, not from the model's own counters.

Cases have short services and many arrivals a week so that a run of some
thousands of weeks settles the estimate: from 3,000 weeks of an exact
event-driven M/M/s simulation the wait's standard deviation across seeds is
7% to 9% of its value for these cases, so 20,000 weeks bring it to about 3%.
"""

from __future__ import annotations

import math

import pytest

import hls_sim

# (arrivals a week, mean service in weeks, places)
CASES = [
    (1.0, 0.5, 1),  # M/M/1, rho 0.5
    (20.0, 0.5, 12),  # rho 0.83
    (5.0, 1.0, 6),  # rho 0.83, week-long services
    (30.0, 0.3, 10),  # rho 0.9
    (45.0, 0.2, 10),  # rho 0.9
    (8.0, 1.0, 9),  # rho 0.89
]
WEEKS = 20_000


def erlang_c_wait(arrivals: float, mean_service: float, places: int) -> float:
    """Mean wait in the queue of an M/M/s queue (Erlang 1917): C(s, a) / (s mu - lambda)."""
    offered = arrivals * mean_service
    rho = offered / places
    below = sum(offered**k / math.factorial(k) for k in range(places))
    at = offered**places / math.factorial(places) / (1 - rho)
    return at / (below + at) / (places / mean_service - arrivals)


def docking_run(arrivals: float, mean_service: float, places: int) -> dict[str, float]:
    overrides = {
        "queue.arrival_rate": arrivals,
        "queue.mean_service_weeks": mean_service,
        "queue.places": places,
        "weeks": WEEKS,
        "population.size": 200,
    }
    return hls_sim.run("queue-docking", seed=1, overrides=overrides)


@pytest.mark.slow
@pytest.mark.parametrize(("arrivals", "mean_service", "places"), CASES)
def test_mean_wait_docks_with_erlang_c_and_utilisation_is_rho(arrivals, mean_service, places):
    summary = docking_run(arrivals, mean_service, places)
    theory = erlang_c_wait(arrivals, mean_service, places)
    assert summary["wait_weeks_mean"] == pytest.approx(theory, rel=0.10), (summary["wait_weeks_mean"], theory)
    rho = arrivals * mean_service / places
    assert summary["utilisation"] == pytest.approx(rho, rel=0.03)
    # Little's law on the queue's behaviour: L = lambda W, lambda from the scenario.
    assert summary["queue_length_mean"] == pytest.approx(arrivals * summary["wait_weeks_mean"], rel=0.03)


def test_erlang_c_formula_matches_known_values():
    """M/M/1 and M/M/2 in closed form: W = rho / (mu - lambda); for s = 2, C = 2 rho^2 / (1 + rho)."""
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(0.5 / (1.0 - 0.5))
    rho = 0.75
    assert erlang_c_wait(1.5, 1.0, 2) == pytest.approx(2 * rho**2 / (1 + rho) / (2.0 - 1.5))


def test_a_short_docking_run_has_no_one_giving_up_and_every_arrival_accepted():
    summary = hls_sim.run(
        "queue-docking",
        seed=2,
        overrides={
            "weeks": 200,
            "population.size": 200,
            "queue.arrival_rate": 20.0,
            "queue.mean_service_weeks": 0.5,
        },
    )
    assert summary["gave_up_count"] == 0 and summary["turnaway_count"] == 0
    assert summary["queue_entries_per_week"] == pytest.approx(20.0, rel=0.1)

"""A plain vectorised-numpy sketch of the model's person dynamics: the floor a weekly model loop can approach.

Written like ``checks/numpy_floor_sketch.py`` (the shared sketch that acceptance
uses), but closer to what ``hls_sim`` does to people each week: life events that
strike the vulnerable more often and the asset-poor harder, needs pulling on each
other, recovery with assets, entrenchment of unmet needs, crises, help-seeking
held back by distrust, acceptance against the places free, support that reduces
needs (more in the domains that matter to the person), cases that close, and
wellbeing weighted by each person's goals. About 35 array operations a week on
2,000 people x 5 domains, with no agents, providers, workers, money or metrics.

    uv run python benchmarks/floor.py            # time it: 2,000 people, 520 weeks
"""

from __future__ import annotations

import time

import numpy as np


def floor(people: int = 2000, weeks: int = 520, domains: int = 5, seed: int = 1) -> float:
    """Run the sketch; returns the mean wellbeing over the weeks (so that nothing is optimised away)."""
    rng = np.random.default_rng(seed)
    vulnerability = rng.normal(0.0, 1.0, people)
    need = 1.0 / (
        1.0 + np.exp(-(-0.85 + 0.6 * vulnerability[:, None] + rng.normal(0.0, 1.0, (people, domains))))
    )
    assets = np.clip(rng.beta(2.0, 2.0, people) - 0.1 * vulnerability, 0.0, 1.0)
    goals = 1.0 + (rng.random((people, domains)) < 0.4)
    weight_sum = goals.sum(axis=1)
    trust = rng.beta(3.0, 2.0, people)
    entrenchment = np.zeros(people)
    supported = np.zeros(people, dtype=bool)
    places = 900
    total = 0.0
    for _ in range(weeks):
        hit = rng.random(people) < 0.04 * np.exp(0.3 * vulnerability)
        domain = rng.integers(0, domains, people)
        size = 0.2 * rng.uniform(0.5, 1.5, people) * (1.0 - 0.5 * assets)
        need[hit, domain[hit]] += size[hit]
        mean_other = (need.sum(axis=1, keepdims=True) - need) / (domains - 1)
        need += 0.05 * np.maximum(0.0, mean_other - need)
        need -= (0.01 * assets * (1.0 - entrenchment))[:, None] * (need > 0.2)
        hours = np.where(supported, 3.0, 0.0)
        need -= (
            (0.03 * hours)[:, None]
            * need
            * (goals / weight_sum[:, None])
            * (1.0 - 0.5 * entrenchment)[:, None]
        )
        np.clip(need, 0.0, 1.0, out=need)
        worst = need.max(axis=1)
        entrenchment = np.clip(
            entrenchment + np.where(~supported & (worst > 0.6), 0.02 * (worst - 0.6), -0.005), 0.0, 1.0
        )
        crisis = rng.random(people) < 0.05 * np.maximum(0.0, worst - 0.6) * (1.0 + 2.0 * entrenchment)
        seeking = ~supported & ((worst > 0.4 + 0.3 * (1.0 - trust)) & (rng.random(people) < 0.3) | crisis)
        free = max(places - int(supported.sum()), 0)
        supported[np.flatnonzero(seeking)[:free]] = True
        done = supported & (worst < 0.3)
        supported[done] = False
        trust = np.clip(trust + 0.01 * supported - 0.05 * crisis, 0.0, 1.0)
        wellbeing = 0.75 * (1.0 - (need * goals).sum(axis=1) / weight_sum) + 0.25 * assets
        total += float(wellbeing.mean())
    return total / weeks


if __name__ == "__main__":
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        floor()
        best = min(best, time.perf_counter() - start)
    print(f"floor sketch, 2,000 people x 520 weeks: best of 5 {best:.3f} s")

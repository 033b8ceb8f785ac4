"""Each pattern's model value at the current defaults: how far the shipped scenario sits from the world.

    uv run python calibration/at_defaults.py --place default --seeds 1 2 3

Runs every setting the patterns file uses (at the small place, or the scenario
files as written) with no calibrated key changed, for each seed, and prints each
pattern's median over the seeds beside its target and range, and the distance
of those medians (docs/ODD.md, section 9).
"""

from __future__ import annotations

import argparse

import numpy as np

from hls_sim.calibration.particle import run_settings
from hls_sim.calibration.patterns import load_patterns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", default="calibration/patterns.toml")
    parser.add_argument("--place", choices=("small", "default"), default="small")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    patterns = load_patterns(args.patterns, place=args.place)
    # The calibrated keys at the values every setting has now (no setting may fix one).
    base = next(iter(patterns.scenarios.values()))
    defaults = [base.get(key) for key in patterns.keys]
    per_seed = [patterns.values(run_settings(patterns, defaults, [seed])) for seed in args.seeds]
    medians = {
        p.name: float(np.median([values[p.name] for values in per_seed])) for p in patterns.spec.patterns
    }
    print(f"| pattern | target | model (median of seeds {', '.join(map(str, args.seeds))}) | discrepancy |")
    print("|---|---|---|---|")
    for pattern in patterns.spec.patterns:
        value = medians[pattern.name]
        print(f"| {pattern.name} | {pattern.figure:g} | {value:.3g} | {pattern.discrepancy(value):+.2f} |")
    print(f"\nDistance of the medians: {patterns.distance(medians):.2f}")


if __name__ == "__main__":
    main()

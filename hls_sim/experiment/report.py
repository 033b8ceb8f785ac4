"""The report of a results folder: estimates with confidence intervals, paired differences, trends, claims.

``write_report(DIR)`` reads ``DIR/runs.parquet``'s runs (through the journal, so
an interrupted sweep can be reported too) and writes ``DIR/report.md``, its
charts under ``DIR/figures/`` and every table as CSV under ``DIR/tables/``.

A *group* is one (scenario, arm, parameter point). Seeds are shared between
groups (common random numbers), so differences are paired by seed; a claim
about two arms first averages each seed's runs over the parameter points it
covers, so each seed counts once. Only runs with status OK enter the
statistics; failed runs are counted and listed.

The report says how it reached its numbers: a methods paragraph, generated
from what was run (design, seeds, intervals and their simulated coverage at
this number of seeds, tests, verdict rule, families of comparisons and their
correction), that a researcher can paste into a paper.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hls_sim.experiment.decomposition import decomposition_table  # noqa: E402
from hls_sim.experiment.global_sensitivity import indices  # noqa: E402
from hls_sim.experiment.robustness import (  # noqa: E402
    BOOTSTRAP_RESAMPLES,
    PRIM_ALPHA,
    PRIM_MASS_MIN,
    TOP_PARAMETERS,
    draw_robustness,
    harmonics,
    robustness_tables,
)
from hls_sim.experiment.spec import Claim, Decomposition, at_point  # noqa: E402
from hls_sim.experiment.statistics import (  # noqa: E402
    CONFIDENCE,
    RATIO_GAP_MEAN,
    RATIO_TRUE_SHARE,
    SKEWED_LOG_SD,
    WILCOXON_EXACT_UP_TO,
    adjusted_p_values,
    claim_test,
    hedges_correction,
    mean_ci,
    paired_difference,
    paired_values,
    seed_slopes,
    simulated_coverage,
    simulated_ratio_coverage,
    smallest_exact_p,
    trend,
)
from hls_sim.experiment.store import collect_runs, read_manifest  # noqa: E402
from hls_sim.experiment.tasks import OK  # noqa: E402
from hls_sim.outputs import OKABE_ITO, REGIME_COLOURS  # noqa: E402

GROUP = ["scenario", "arm", "point"]
ALL_PAIRS_UP_TO = 4
# False discovery rate at which the exploratory tables mark a discovery.
FALSE_DISCOVERY_RATE = 0.05
# Replicates of the coverage simulation run for each report (Monte Carlo SE about 0.35 points).
COVERAGE_REPLICATES = 4000
# Beyond this many varied keys a sentence names how many, not which.
MAX_KEYS_LISTED = 6


def write_report(folder: str | Path) -> Path:
    """Write ``report.md``, figures and CSV tables for the results in ``folder``; returns the report path."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    runs = collect_runs(folder, manifest)
    spec = manifest["spec"]
    ok = runs[runs["status"] == OK] if len(runs) else runs
    swept = [p["key"] for p in spec["parameters"]] + list((spec.get("sample") or {}).get("ranges", {}))
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "tables").mkdir(exist_ok=True)
    method = manifest.get("sensitivity_method")
    first_arm = (spec["arms"] or [{"name": "as-written"}])[0]["name"]
    across = any(arm.get("scenario") for arm in spec["arms"])
    if method:
        # A SALib design is analysed as a whole; per-point estimates would be noise.
        tables = {"claims": claims_table(ok, []), "sensitivity": indices(runs, spec, method)}
    else:
        # Sampled points are draws from a space, not settings to compare one by one: the
        # estimates average each seed over them, and the robustness section looks inside.
        grid = [p["key"] for p in spec["parameters"]]
        shown, keys = (over_sample(ok, spec["metrics"], grid), grid) if spec.get("sample") else (ok, swept)
        tables = {
            "means": means_table(shown, spec["metrics"], keys),
            "differences": differences_table(shown, spec["metrics"], keys, across_scenarios=across),
            "trends": trends_table(shown, spec["metrics"], keys),
            "claims": claims_table(ok, spec["claims"], first_arm),
        }
        if spec.get("decomposition"):
            tables["decomposition"] = decomposition_table(ok, spec)
        if spec.get("sample") and any(claim.get("compare") for claim in spec["claims"]):
            tables.update(robustness_tables(ok, spec))
    tables["seeds"] = seeds_table(runs)
    for name, table in tables.items():
        table.to_csv(folder / "tables" / f"{name.replace('_', '-')}.csv", index=False)
    if method:
        figures = draw_sensitivity(tables["sensitivity"], method, folder / "figures")
    else:
        figures = draw_figures(shown, tables["means"], spec["metrics"], keys, folder / "figures")
        if "robustness" in tables:
            figures.update(draw_robustness(tables, ok, folder / "figures"))
    text = render(manifest, runs, tables, figures, swept)
    path = folder / "report.md"
    path.write_text(text, encoding="utf-8")
    return path


def over_sample(runs: pd.DataFrame, metrics: list[str], grid: list[str]) -> pd.DataFrame:
    """Each seed's runs averaged over the sampled points, within each scenario, arm and grid cell.

    The result has the columns of a runs table, so the ordinary estimates can
    be computed on it: ``point`` numbers the grid cells.
    """
    if not len(runs):
        return runs
    keys = ["scenario", "arm", *grid]
    averaged = runs.groupby([*keys, "seed_index"], sort=False)[metrics].mean().reset_index()
    cells = averaged[grid].astype(str).agg("|".join, axis=1) if grid else pd.Series(0, index=averaged.index)
    averaged["point"] = pd.factorize(cells)[0]
    seeds = runs[["seed_index", "seed"]].drop_duplicates("seed_index")
    return averaged.merge(seeds, on="seed_index", how="left")


def group_label(row: pd.Series | dict, swept: list[str], scenarios: int) -> str:
    """A readable name for a group: its arm, then its scenario and point values if they vary."""
    parts = [str(row["arm"])]
    if scenarios > 1:
        parts.insert(0, str(row["scenario"]))
    parts += [f"{key}={_short(row[key])}" for key in swept]
    return " / ".join(parts)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def means_table(runs: pd.DataFrame, metrics: list[str], swept: list[str]) -> pd.DataFrame:
    """Mean and t 95% CI of each metric in each group."""
    rows = []
    scenarios = runs["scenario"].nunique() if len(runs) else 0
    for _, group in runs.groupby(GROUP, sort=False):
        first = group.iloc[0]
        for metric in metrics:
            estimate = mean_ci(group[metric].to_numpy(dtype=float))
            rows.append(
                {
                    "group": group_label(first, swept, scenarios),
                    **{key: first[key] for key in (*GROUP, *swept)},
                    "metric": metric,
                    **asdict(estimate),
                }
            )
    return pd.DataFrame(rows)


def _by_seed(runs: pd.DataFrame, metric: str) -> pd.Series:
    """One value per seed: the mean over the runs of that seed (several points average to one)."""
    return runs.groupby("seed_index")[metric].mean()


def _paired(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> Any:
    both = pd.concat([_by_seed(a, metric).rename("a"), _by_seed(b, metric).rename("b")], axis=1).dropna()
    return paired_difference(both["a"].to_numpy(), both["b"].to_numpy())


def differences_table(
    runs: pd.DataFrame, metrics: list[str], swept: list[str], *, across_scenarios: bool = False
) -> pd.DataFrame:
    """Paired differences between arms at each scenario and point (or between points, with one arm).

    ``across_scenarios``: some arms run their own scenario, so arms are
    compared with each other whatever scenario they run. The table is one
    exploratory family: its p-values are adjusted together.
    """
    rows = []
    if not len(runs):
        return pd.DataFrame(rows)
    scenarios = runs["scenario"].nunique()
    arms = list(dict.fromkeys(runs["arm"]))
    contrasts = ["arm"] if len(arms) > 1 else ["point"]
    if across_scenarios and len(arms) > 1:
        contrasts = ["scenario", "arm"]
    within = [column for column in GROUP if column not in contrasts]
    for _, block in runs.groupby(within, sort=False):
        groups = [group for _, group in block.groupby(contrasts, sort=False)]
        pairs = (
            itertools.combinations(groups, 2)
            if len(groups) <= ALL_PAIRS_UP_TO
            else ((groups[0], other) for other in groups[1:])
        )
        for first, second in pairs:
            for metric in metrics:
                difference = _paired(first, second, metric)
                rows.append(
                    {
                        "a": group_label(first.iloc[0], swept, scenarios),
                        "b": group_label(second.iloc[0], swept, scenarios),
                        "metric": metric,
                        **asdict(difference),
                    }
                )
    return _with_adjusted_p(pd.DataFrame(rows))


def _with_adjusted_p(table: pd.DataFrame) -> pd.DataFrame:
    """Add the Benjamini-Hochberg adjusted p-value over the whole table (one family)."""
    if len(table):
        table["p_adjusted"] = adjusted_p_values(table["p_value"])
    return table


def trends_table(runs: pd.DataFrame, metrics: list[str], swept: list[str]) -> pd.DataFrame:
    """The slope of each metric along each swept numeric key, within each scenario and arm (one family)."""
    rows = []
    for key in swept:
        if not len(runs) or not pd.api.types.is_numeric_dtype(runs[key]) or runs[key].nunique() < 2:
            continue
        for (scenario, arm), block in runs.groupby(["scenario", "arm"], sort=False):
            for metric in metrics:
                result = trend(block[key].to_numpy(float), block[metric].to_numpy(float), block["seed_index"])
                rows.append(
                    {"scenario": scenario, "arm": arm, "along": key, "metric": metric, **asdict(result)}
                )
    return _with_adjusted_p(pd.DataFrame(rows))


CLAIM_COLUMNS = [
    "claim",
    "expect",
    "estimate",
    "low",
    "high",
    "p_value",
    "seeds",
    "points",
    "verdict",
    "note",
]


def claims_table(runs: pd.DataFrame, claims: list[dict[str, Any]], first_arm: str = "") -> pd.DataFrame:
    """Each claim of the spec with its estimate, 95% CI, p-value and verdict.

    A claim comparing two arms is decided on each seed's difference after
    averaging the seed's runs over the points the claim covers; a trend claim
    on the seeds' own slopes.
    """
    rows = []
    for raw in claims:
        claim = Claim.model_validate(raw)
        chosen = _where(runs, claim.where)
        if claim.compare:
            first, second = claim.compare
            values = _seed_differences(
                chosen[chosen["arm"] == first], chosen[chosen["arm"] == second], claim.metric
            )
            points = chosen[chosen["arm"] == first]["point"].nunique()
        else:
            block = chosen[chosen["arm"] == claim.arms_involved(first_arm)[0]]
            values = seed_slopes(block[claim.along], block[claim.metric], block["seed_index"])
            points = block["point"].nunique()
        result = claim_test(values, claim.expect, tolerance=claim.tolerance, minimum=claim.min_effect)
        rows.append(
            {
                "claim": claim.describe(first_arm),
                "expect": claim.expectation(),
                "estimate": result.estimate,
                "low": result.low,
                "high": result.high,
                "p_value": result.p_value,
                "seeds": result.n,
                "points": points,
                "verdict": result.verdict,
                "note": result.note,
            }
        )
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _where(runs: pd.DataFrame, where: dict[str, Any]) -> pd.DataFrame:
    """The runs at the parameter values a claim names (all runs if it names none)."""
    if not where or not len(runs):
        return runs
    keep = [at_point(point, where) for point in runs[list(where)].to_dict("records")]
    return runs[np.array(keep, dtype=bool)]


def _seed_differences(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> np.ndarray:
    """Per seed present in both: the mean of ``a``'s runs minus the mean of ``b``'s."""
    both = pd.concat([_by_seed(a, metric).rename("a"), _by_seed(b, metric).rename("b")], axis=1)
    return paired_values(both["a"].to_numpy(float), both["b"].to_numpy(float))


def seeds_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Every seed index with its seed value: enough to rerun any run alone."""
    if not len(runs):
        return pd.DataFrame(columns=["seed_index", "seed"])
    return runs[["seed_index", "seed"]].drop_duplicates().sort_values("seed_index").reset_index(drop=True)


def draw_figures(
    runs: pd.DataFrame, means: pd.DataFrame, metrics: list[str], swept: list[str], folder: Path
) -> dict[str, str]:
    """One PNG per metric: estimates with CIs by group, or the metric along the first swept key."""
    figures = {}
    numeric = [key for key in swept if len(runs) and pd.api.types.is_numeric_dtype(runs[key])]
    for metric in metrics:
        rows = means[means["metric"] == metric] if len(means) else means
        if not len(rows):
            continue
        fig, ax = plt.subplots(figsize=(7, 0.5 * max(4, rows["group"].nunique()) + 1.5))
        if numeric and runs[numeric[0]].nunique() > 1:
            _draw_sweep(ax, runs, metric, numeric[0])
            fig.set_size_inches(7, 4.5)
        else:
            _draw_estimates(ax, rows, metric)
        fig.tight_layout()
        name = f"{metric}.png"
        fig.savefig(folder / name, dpi=120)
        plt.close(fig)
        figures[metric] = f"figures/{name}"
    return figures


def _colour(arm: str, index: int) -> str:
    return REGIME_COLOURS.get(arm, OKABE_ITO[index % len(OKABE_ITO)])


def _draw_estimates(ax: Any, rows: pd.DataFrame, metric: str) -> None:
    labels = list(rows["group"])
    positions = range(len(labels))
    for position, (_, row) in zip(positions, rows.iterrows(), strict=True):
        ax.errorbar(
            row["mean"],
            position,
            xerr=[[row["mean"] - row["low"]], [row["high"] - row["mean"]]],
            fmt="o",
            color=_colour(row["arm"], position),
            capsize=4,
        )
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} (mean, 95% CI)")
    ax.grid(axis="x", alpha=0.3)


def _draw_sweep(ax: Any, runs: pd.DataFrame, metric: str, key: str) -> None:
    """Mean and 95% band of the metric at each value of ``key`` (averaging other swept keys), per arm."""
    for index, ((scenario, arm), block) in enumerate(runs.groupby(["scenario", "arm"], sort=False)):
        per_seed = block.groupby([key, "seed_index"])[metric].mean().reset_index()
        points = []
        for value, at in per_seed.groupby(key):
            estimate = mean_ci(at[metric].to_numpy(float))
            points.append((value, estimate.mean, estimate.low, estimate.high))
        table = pd.DataFrame(points, columns=[key, "mean", "low", "high"])
        colour = _colour(arm, index)
        label = arm if runs["scenario"].nunique() == 1 else f"{scenario} / {arm}"
        ax.plot(table[key], table["mean"], marker="o", color=colour, label=label)
        ax.fill_between(table[key], table["low"], table["high"], color=colour, alpha=0.2)
    ax.set_xlabel(key)
    ax.set_ylabel(f"{metric} (mean, 95% band)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = value + 0.0  # -0.0 (a zero share of a negative gap) reads as 0
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if magnitude >= 0.01 or value == 0 else f"{value:.2e}"


def _interval(mean: float, low: float, high: float) -> str:
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def render(
    manifest: dict[str, Any],
    runs: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
    swept: list[str],
) -> str:
    """The report as Markdown."""
    spec = manifest["spec"]
    lines = [f"# Experiment: {spec['name']}", ""]
    if spec.get("description"):
        lines += [spec["description"], ""]
    lines += ["## Hypothesis", "", " ".join(spec["hypothesis"].split()), ""]
    lines += _runs_section(manifest, runs, swept)
    if "sensitivity" in tables:
        lines += _methods_section(_sensitivity_methods(manifest, runs))
        lines += _sensitivity_section(tables["sensitivity"], manifest["sensitivity_method"], figures)
    else:
        lines += _methods_section(methods_paragraphs(manifest, runs, tables, swept))
        lines += _claims_section(tables["claims"])
        if "robustness" in tables:
            posterior = (spec.get("sample") or {}).get("method") == "posterior"
            lines += _robustness_section(tables, figures, posterior)
        if "decomposition" in tables:
            lines += _decomposition_section(tables["decomposition"], spec)
        lines += _means_section(tables["means"], spec["metrics"], figures)
        lines += _differences_section(tables["differences"], _seed_count(runs))
        lines += _trends_section(tables["trends"])
    lines += _failures_section(runs)
    lines += _provenance_section(manifest)
    return "\n".join(lines) + "\n"


def _seed_count(runs: pd.DataFrame) -> int:
    ok = runs[runs["status"] == OK] if len(runs) else runs
    return int(ok["seed_index"].nunique()) if len(ok) else 0


def _runs_section(manifest: dict[str, Any], runs: pd.DataFrame, swept: list[str]) -> list[str]:
    spec = manifest["spec"]
    ok = int((runs["status"] == OK).sum()) if len(runs) else 0
    failed = len(runs) - ok
    seeds = runs["seed_index"].nunique() if len(runs) else 0
    arms = [arm["name"] for arm in spec["arms"]] or ["as-written"]
    points = runs["point"].nunique() if len(runs) else 0
    return [
        "## Runs",
        "",
        f"{len(runs)} runs stored ({ok} OK, {failed} failed): {_count(len(spec['scenarios']), 'scenario')} "
        f"({', '.join(spec['scenarios'])}) × {_count(len(arms), 'arm')} ({', '.join(arms)}) × "
        f"{_count(points, 'parameter point')}{' over ' + _keys_in_words(swept) if swept else ''} × "
        f"{_count(seeds, 'seed')}.{_own_scenarios(spec)}",
        "",
    ]


def _keys_in_words(keys: list[str]) -> str:
    """The varied keys, or how many there are when a list would drown the sentence."""
    if len(keys) <= MAX_KEYS_LISTED:
        return ", ".join(keys)
    return f"{len(keys)} parameters, whose ranges are in `manifest.json` (spec.sample.ranges)"


def _own_scenarios(spec: dict[str, Any]) -> str:
    own = [f"{arm['name']} runs scenario {arm['scenario']}" for arm in spec["arms"] if arm.get("scenario")]
    return f" Arms with their own scenario: {'; '.join(own)}." if own else ""


def methods_paragraphs(
    manifest: dict[str, Any], runs: pd.DataFrame, tables: dict[str, pd.DataFrame], swept: list[str]
) -> list[str]:
    """The methods, in words a paper can use, from what was run and computed here."""
    spec = manifest["spec"]
    n = _seed_count(runs)
    ok = runs[runs["status"] == OK] if len(runs) else runs
    arms = [arm["name"] for arm in spec["arms"]] or ["as-written"]
    points = runs["point"].nunique() if len(runs) else 0
    failed = int((runs["status"] != OK).sum()) if len(runs) else 0
    level = f"{CONFIDENCE:.0%}"
    design = (
        f"**Design.** {_count(len(arms), 'arm')} ({', '.join(arms)}) ran in "
        f"{_count(len(spec['scenarios']), 'scenario')} at {_count(points, 'parameter point')}"
        + (f" ({_keys_in_words(swept)})" if swept else "")
        + f", each on the same n = {n} seeds ({_count(len(runs), 'run')}"
        + (f"; {failed} failed and are left out" if failed else "")
        + "), so every comparison is paired by seed (common random numbers) and the seed is the unit of "
        f"analysis. The seeds are children 0 to {max(n - 1, 0)} of "
        f"`numpy.random.SeedSequence({manifest['root_seed']})`; their values are in `tables/seeds.csv` and "
        "with every run in `runs.parquet`."
    )
    if len(ok) and ok.groupby(GROUP)["seed_index"].nunique().min() < n:
        design += " Some groups have fewer seeds where runs failed; each table gives its own n."
    paragraphs = [design]
    if n >= 2:
        coverage = simulated_coverage(n, replicates=COVERAGE_REPLICATES)
        skew = _lognormal_skewness(SKEWED_LOG_SD)
        trends = len(tables.get("trends", [])) or any(claim.get("along") for claim in spec["claims"])
        paragraphs.append(
            f"**Intervals.** Means and paired differences (a − b over seeds) have Student t {level} "
            f"confidence intervals with n − 1 = {n - 1} degrees of freedom. "
            + (
                "A trend is the mean over seeds of each seed's least-squares slope of the metric on the "
                "swept parameter, with a t interval over those slopes. "
                if trends
                else ""
            )
            + "The standardised effect size is d_z (mean difference over the standard deviation of the "
            f"differences) multiplied by Hedges' small-sample correction (J = {_hedges(n):.3f} at n = {n}), "
            f"with the exact {level} interval of the population d_z from the noncentral t distribution. "
            f"No interval is bootstrapped. In a simulation at n = {n} ({COVERAGE_REPLICATES:,} synthetic "
            "experiments per cell, Monte Carlo standard error about 0.35 points), the t interval held the "
            f"true mean in {_percent(coverage['t']['normal'])} of normal samples and "
            f"{_percent(coverage['t']['lognormal'])} of lognormal samples of skewness {skew:.2f}; the d_z "
            f"interval in {_percent(coverage['noncentral t']['normal'])} and "
            f"{_percent(coverage['noncentral t']['lognormal'])} (nominal {level})."
        )
        exact = (
            f"exact null distribution up to {WILCOXON_EXACT_UP_TO} seeds when no differences tie or are "
            f"zero; at n = {n} the smallest p-value it can give is {_number(smallest_exact_p(n))}, so rows "
            "with every seed on one side share that p"
            + (", and no difference can reach p < 0.05 with it" if smallest_exact_p(n) >= 0.05 else "")
            if n <= WILCOXON_EXACT_UP_TO
            else f"normal approximation above {WILCOXON_EXACT_UP_TO} seeds"
        )
        paragraphs.append(
            "**Tests.** p-values of paired differences are two-sided Wilcoxon signed-rank tests "
            f"({exact})"
            + ("; p-values of trends are two-sided one-sample t-tests of per-seed slopes" if trends else "")
            + "."
        )
    paragraphs.append(
        f"**Verdicts.** Each claim is decided by its {level} interval. A claim that a − b (or a slope) is "
        "above zero is supported when the interval lies wholly above zero, or above the claim's stated "
        "smallest effect of interest if it gives one; contradicted when the interval lies wholly at or "
        "below that value; inconclusive otherwise (less than zero is the mirror image). A claim of no "
        "effect is an equivalence test: supported when the interval lies wholly inside ± its tolerance "
        "(two one-sided t-tests, TOST, each at 2.5%), contradicted when it lies wholly outside. "
        "The claim's p-value is that one-sided t-test (TOST for equivalence), below 0.025 exactly when "
        "the claim is supported. A claim about a metric that is identical in every run by construction "
        "is refused before anything runs; one whose seeds all gave the same value is left inconclusive."
    )
    claims = len(tables.get("claims", []))
    families = (
        f"**Families.** The {_count(claims, 'claim')} form one family, tested as an intersection–union: "
        "the hypothesis is supported only if every claim is supported on its own, so that conclusion needs "
        "no correction for multiple claims; each claim's verdict is reported at its own level."
        if claims
        else "**Families.** The spec states no claim."
    )
    exploratory = [
        f"the {len(tables[name])} {label}"
        for name, label in (("differences", "paired differences (pairs × metrics)"), ("trends", "trends"))
        if len(tables.get(name, []))
    ]
    if exploratory:
        families += (
            f" Exploratory results form {_count(len(exploratory), 'further family', 'further families')}: "
            f"{' and '.join(exploratory)}. Within each family the p-values are adjusted together by the "
            "Benjamini–Hochberg procedure, so that among results with an adjusted p below "
            f"{FALSE_DISCOVERY_RATE:g} the expected share of false discoveries is at most "
            f"{FALSE_DISCOVERY_RATE:.0%}; raw and adjusted p-values are both shown. Intervals are not "
            "adjusted for multiplicity."
        )
    paragraphs.append(families)
    compares = any(Claim.model_validate(claim).compare for claim in spec["claims"])
    if spec.get("sample"):
        paragraphs.append(
            f"**Averaging over the sampled space.** The {_count(points, 'point')} are draws from the "
            f"space of {_keys_in_words(swept)}, not settings to compare one by one: the estimates and paired "
            "differences average each seed's runs over them"
            + (
                ", and so does a claim comparing two arms, whose verdict is about the mean over the space"
                if compares
                else ""
            )
            + "."
        )
    elif swept and compares:
        paragraphs.append(
            "**Averaging over the grid.** A claim comparing two arms first averages each seed's runs over "
            f"the parameter points it covers (of {', '.join(swept)}), so its value is an average over the "
            "swept grid and would change with another grid."
        )
    if "robustness" in tables:
        paragraphs += robustness_paragraphs(spec, tables, n)
    if "decomposition" in tables:
        paragraphs += decomposition_paragraphs(spec, n)
    return paragraphs


def robustness_paragraphs(spec: dict[str, Any], tables: dict[str, pd.DataFrame], n: int) -> list[str]:
    """How the share of the space where a claim holds, its sensitivities and its PRIM box were found."""
    sample = spec["sample"]
    points = int(tables["robustness"]["points"].max()) if len(tables["robustness"]) else 0
    if sample["method"] == "posterior":
        return posterior_paragraphs(sample, n) + robustness_method_paragraphs(points)
    design = "Latin hypercube" if sample["method"] == "latin" else "scrambled Sobol sequence"
    what = (
        "every catalogued behaviour parameter with a plausible range (`hls-sim params --kind behaviour`), "
        "and any range the spec names"
        if sample.get("parameters")
        else "the ranges the spec names"
    )
    per_point = (
        "With one seed per point it is that seed's difference, so a point where the true difference is "
        "near the claim's threshold falls either side by chance: the share is of points where the "
        "claimed direction was observed."
        if n == 1
        else f"That mean is over the point's {n} seeds; seed noise still moves points near the threshold."
    )
    return [
        f"**Robustness over the plausible space.** The {_count(sample['n'], 'point')} are a {design} "
        f"(`scipy.stats.qmc`, scrambled from the root seed) of {_count(len(sample['ranges']), 'parameter')} "
        f"over their ranges: {what}. For each claim comparing two arms, at each point the paired "
        "difference (first arm minus second) is averaged over the point's seeds, and the claim holds "
        f"there when that mean lies on the claimed side (beyond its smallest effect of interest, or within "
        f"its tolerance for a claim of no effect). {per_point} The share of points where it holds has an "
        "exact Clopper–Pearson 95% interval (`scipy.stats.binomtest`), which assumes independent points; "
        "the variance of a Latin hypercube mean is at most n / (n − 1) times that of as many independent "
        "points for any outcome (Owen 1997), so the interval errs, if at all, wide.",
        *robustness_method_paragraphs(points),
    ]


def posterior_paragraphs(sample: dict[str, Any], n: int) -> list[str]:
    """How the probabilities over a calibrated ensemble were found."""
    return [
        f"**Probability over the calibrated ensemble.** The {_count(sample['n'], 'point')} are drawn with "
        f"replacement, in proportion to their weights, from the last generation of the ABC-SMC posterior "
        f"in `{sample['posterior']}` (SHA-256 {str(sample.get('digest'))[:12]}…; `hls-sim calibrate`), "
        f"seeded from the root seed: {_count(len(sample['ranges']), 'calibrated parameter')}, every other "
        "parameter at the scenario's value. Each point stands for an equal share of the posterior. For each "
        "claim comparing two arms, at each point the paired difference (first arm minus second) is "
        f"averaged over the point's {_count(n, 'seed')}, and the claim holds there when that mean lies on "
        "the claimed side. The share of points where it holds estimates the posterior probability of the "
        "claim. A particle drawn more than once gives the same runs each time (every point has the same "
        "seeds), so its draws are not independent: the 95% interval is Clopper–Pearson's (the beta "
        "quantiles) at the draws' effective number, Kish's (Σm)² / Σm² over the number of times m each "
        "distinct particle was drawn, shown beside the count. A weighted ABC-SMC posterior whose weight "
        "sits on a few particles gives a small effective number and a wide interval, as it should. The "
        "interval covers the error of drawing finitely many points and seeds, not the error of the ABC "
        "approximation itself, nor what the patterns leave uncalibrated.",
    ]


def robustness_method_paragraphs(points: int) -> list[str]:
    """The sensitivity and PRIM paragraphs shared by a plausible-space sample and a posterior ensemble."""
    m = harmonics(points)
    return [
        "**Sensitivity.** The first-order index S1 of the per-point difference to each sampled parameter "
        "(the share of the difference's variance over the space that the parameter explains alone; seed "
        "noise counts as unexplained) is estimated from the same points by RBD-FAST used as a given-data "
        "estimator (SALib `rbd_fast`; Plischke 2010, bias-corrected after Tissot and Prieur 2012) with "
        f"M = {_count(m, 'harmonic')} (SALib's 10, or fewer so that the bias correction 2M / N stays at "
        "most 0.1). It is valid on any sample, so it needs no runs beyond the sweep's, where "
        "Sobol indices (Saltelli's estimator) or Morris screening need designs of their own, n (k + 2) or "
        "r (k + 1) points for k parameters. It misses what a parameter does only through interactions. "
        "Intervals are SALib's: S1 ± 1.96 times the standard deviation of S1 over "
        f"{BOOTSTRAP_RESAMPLES} bootstrap resamples of half the points. On the Ishigami function with "
        "132 inert parameters added, at 500 Latin hypercube points, they held the true index of both "
        "influential inputs in all 50 trials (`benchmarks/robustness_coverage.py`), so they err wide. "
        f"The report lists the top {TOP_PARAMETERS}; an interval reaching 0 means no detectable effect.",
        "**Where a claim fails.** PRIM (Friedman and Fisher 1999) searches the sampled space for a box "
        f"holding the points where the claim fails (EMA Workbench {_version('ema-workbench')} `prim.Prim`: "
        "peeling and pasting "
        f"{PRIM_ALPHA:.0%} of the box at a time, minimum mass {PRIM_MASS_MIN:.0%} of the points). Of the "
        "boxes on its peeling trajectory the report gives the one with the largest harmonic mean of "
        "coverage (the share of all failing points inside the box) and density (the share of points "
        "inside the box that fail), an equal weighting of the two; every step is in "
        "`tables/robustness-trajectories.csv`. Each restriction has its quasi-p value (Bryant and Lempert "
        "2010: a one-sided binomial test of whether the restriction raises the density). Compare a box's "
        "density with the failure share over the whole space. With many parameters and few points PRIM "
        "can fence in almost any set of points, so a restriction whose quasi-p value is not small is no "
        "evidence of where the claim fails. No box is given where the claim fails nowhere or everywhere.",
    ]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def decomposition_paragraphs(spec: dict[str, Any], n: int) -> list[str]:
    """How the gap between two arms was split between rule groups, and how sure each share is."""
    decomposition = Decomposition.model_validate(spec["decomposition"])
    start, end = decomposition.start, decomposition.end
    coverage = simulated_ratio_coverage(n, replicates=COVERAGE_REPLICATES) if n >= 2 else None
    simulated = (
        f" In a simulation at n = {n} ({COVERAGE_REPLICATES:,} synthetic experiments: a gap "
        f"{RATIO_GAP_MEAN:g} standard deviations from zero, a true share of {RATIO_TRUE_SHARE:g}), "
        f"{_percent(coverage['normal']['bounded'])} of normal samples gave a bounded interval and "
        f"{_percent(coverage['normal']['covered_when_bounded'])} of those held the true share; on lognormal "
        f"samples of skewness {_lognormal_skewness(SKEWED_LOG_SD):.2f}, "
        f"{_percent(coverage['lognormal']['covered_when_bounded'])}."
        if coverage
        else ""
    )
    return [
        f"**Decomposition.** The gap is {end} − {start}. For each rule group "
        f"({', '.join(decomposition.groups)}) the spec ran {start} with the group's keys set to {end}'s "
        f"values and {end} with them set back to {start}'s (values read from the two arms' resolved "
        "scenarios; listed in `manifest.json`). A group's forward effect is (from + group) − from, its "
        "backward effect to − (to − group); each is a paired difference over seeds with its t interval. "
        "A share of the gap is the ratio of the mean effect to the mean gap, with Fieller's 95% interval "
        "(the values of the share that a t test of effect − share × gap does not reject), which is exact "
        "when each seed's effect and gap are jointly normal, and bounded exactly when the gap's own "
        "interval excludes zero: otherwise no interval is given, because the share of a gap that may be "
        f"zero is unknown.{simulated} The interaction in each direction is the gap minus the sum of that "
        "direction's effects, a paired difference over seeds; it is zero when the groups add up, and "
        "forward and backward effects then agree."
    ]


def _sensitivity_methods(manifest: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    method = manifest["sensitivity_method"]
    return [
        f"**Design.** {len(runs)} runs at the points of a SALib {method} design, spawned from "
        f"`numpy.random.SeedSequence({manifest['root_seed']})` (seed values in `tables/seeds.csv` and "
        "`runs.parquet`). Intervals are SALib's bootstrap 95% intervals; their coverage was not simulated."
    ]


def _methods_section(paragraphs: list[str]) -> list[str]:
    lines = ["## Methods", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    return lines


def _hedges(n: int) -> float:
    return float(hedges_correction(n))


def _lognormal_skewness(log_sd: float) -> float:
    spread = np.exp(log_sd**2)
    return float((spread + 2) * np.sqrt(spread - 1))


def _count(number: int, word: str, plural: str | None = None) -> str:
    """'1 arm', '4 arms'."""
    return f"{number} {word if number == 1 else plural or word + 's'}"


def _percent(share: float) -> str:
    return f"{share:.1%}"


def _claims_section(claims: pd.DataFrame) -> list[str]:
    lines = ["## Do the data support the hypothesis?", ""]
    if not len(claims):
        return [*lines, "The spec states no checkable claim, so the report gives estimates only.", ""]
    counts = claims["verdict"].value_counts()
    supported, contradicted = counts.get("supported", 0), counts.get("contradicted", 0)
    if supported == len(claims):
        overall = "The data support the hypothesis: every claim holds on its own"
    elif contradicted:
        overall = f"The data contradict the hypothesis in {contradicted} of {len(claims)} claims"
    else:
        overall = f"The data support {supported} of {len(claims)} claims; the rest are inconclusive"
    seeds = int(claims["seeds"].min())
    lines += [
        f"{overall} (at least {seeds} paired seeds per claim). The hypothesis holds only if every claim "
        "does; each is decided by its own 95% interval (see Methods).",
        "",
    ]
    lines += [
        "| claim | expected | estimate [95% CI] | p | seeds | points | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for _, row in claims.iterrows():
        mark = ""
        if isinstance(row["note"], str) and row["note"]:
            notes.append(row["note"])
            mark = f" ({len(notes)})"
        lines.append(
            f"| {row['claim']} | {row['expect']} | {_interval(row['estimate'], row['low'], row['high'])} "
            f"| {_number(row['p_value'])} | {row['seeds']} | {row['points']} | **{row['verdict']}**{mark} |"
        )
    lines.append("")
    lines += [f"({index}) {note}." for index, note in enumerate(notes, start=1)]
    return [*lines, ""] if notes else lines


def _means_section(means: pd.DataFrame, metrics: list[str], figures: dict[str, str]) -> list[str]:
    lines = [
        "## Estimates",
        "",
        "Mean per group with its 95% t confidence interval (`tables/means.csv`).",
        "",
    ]
    if not len(means):
        return [*lines, "No successful runs.", ""]
    wide = means.assign(cell=[_interval(r["mean"], r["low"], r["high"]) for _, r in means.iterrows()])
    wide = wide.pivot_table(index="group", columns="metric", values="cell", aggfunc="first", sort=False)
    for chunk in (metrics[i : i + 4] for i in range(0, len(metrics), 4)):
        lines += ["| group | " + " | ".join(chunk) + " |", "|---" * (len(chunk) + 1) + "|"]
        for group, row in wide.iterrows():
            lines.append(f"| {group} | " + " | ".join(str(row.get(metric, "")) for metric in chunk) + " |")
        lines.append("")
    for metric, path in figures.items():
        if metric.startswith(("sensitivity ", "robustness ")):
            continue
        lines += [f"![{metric} by group, mean and 95% interval (numbers in the table above)]({path})", ""]
    return lines


def _differences_section(differences: pd.DataFrame, seeds: int) -> list[str]:
    lines = ["## Paired differences (exploratory)", ""]
    if not len(differences):
        return [*lines, "Only one group: nothing to compare.", ""]
    floor = (
        f" With {seeds} seeds the exact test cannot give a p-value below {_number(smallest_exact_p(seeds))}."
        if 2 <= seeds <= WILCOXON_EXACT_UP_TO
        else ""
    )
    lines += [
        f"a minus b over the same seeds: {len(differences)} comparisons, one family. Each has its 95% t "
        "interval, the effect size g_z (d_z with Hedges' correction) with its exact 95% interval, the "
        "Wilcoxon signed-rank p-value and the Benjamini–Hochberg adjusted p-value over all rows "
        f"(p adj.; below 0.05 is a discovery at a 5% false discovery rate).{floor} "
        "(`tables/differences.csv`)",
        "",
        "| metric | a | b | a − b [95% CI] | g_z [95% CI] | p | p adj. | n |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, row in differences.iterrows():
        lines.append(
            f"| {row['metric']} | {row['a']} | {row['b']} | "
            f"{_interval(row['mean'], row['low'], row['high'])} | "
            f"{_interval(row['effect_size'], row['effect_low'], row['effect_high'])} | "
            f"{_number(row['p_value'])} | {_number(row['p_adjusted'])} | {row['n']} |"
        )
    return [*lines, ""]


def _trends_section(trends: pd.DataFrame) -> list[str]:
    if not len(trends):
        return []
    lines = [
        "## Trends along swept parameters (exploratory)",
        "",
        f"Mean over seeds of each seed's least-squares slope on the parameter: {len(trends)} trends, one "
        "family. Each has its 95% t interval over seeds, the t-test p-value and the Benjamini–Hochberg "
        "adjusted p-value over all rows (`tables/trends.csv`).",
        "",
        "| metric | along | scenario / arm | slope [95% CI] | p | p adj. | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, row in trends.iterrows():
        lines.append(
            f"| {row['metric']} | {row['along']} | {row['scenario']} / {row['arm']} | "
            f"{_interval(row['slope'], row['low'], row['high'])} | {_number(row['p_value'])} | "
            f"{_number(row['p_adjusted'])} | {row['n_seeds']} |"
        )
    return [*lines, ""]


def _robustness_section(
    tables: dict[str, pd.DataFrame], figures: dict[str, str], posterior: bool = False
) -> list[str]:
    summary = tables["robustness"]
    title = "Probability over the calibrated ensemble" if posterior else "Robustness over the plausible space"
    lines = [
        f"## {title}",
        "",
        "For each claim comparing two arms: the share of sampled points where it holds (95% "
        "Clopper–Pearson interval), the parameters its difference is most sensitive to (RBD-FAST S1 with "
        "95% interval) and the PRIM box of the points where it fails (see Methods; "
        "`tables/robustness*.csv`).",
        "",
        "| claim | expected | holds at | share [95% CI] | fails at | failure box: coverage, density |",
        "|---|---|---|---|---|---|",
    ]
    left_out = []
    for row in summary.itertuples():
        box = (
            row.box_note
            if isinstance(row.box_note, str) and row.box_note.startswith("no box")
            else f"{_number(row.box_coverage)}, {_number(row.box_density)}"
        )
        mark = ""
        if row.left_out:
            left_out.append(f"{row.left_out} of the points have no value of the metric in one of the arms")
            mark = f" ({len(left_out)})"
        if row.effective < row.points:
            mark += f" (effectively {row.effective:.1f})"
        lines.append(
            f"| {row.claim} | {row.expect} | {row.holding} of {row.points}{mark} | "
            f"{_interval(row.share, row.low, row.high)} | {row.points - row.holding} | {box} |"
        )
    lines.append("")
    if left_out:
        lines += [f"({index}) {note}; they are left out." for index, note in enumerate(left_out, start=1)]
        lines.append("")
    sensitivity, boxes = tables["robustness_sensitivity"], tables["robustness_boxes"]
    for row in summary.itertuples():
        lines += [f"### {row.claim}", ""]
        ranked = (
            sensitivity[sensitivity["claim"] == row.claim].head(TOP_PARAMETERS) if len(sensitivity) else []
        )
        if len(ranked):
            lines += ["| parameter | S1 [95% CI] |", "|---|---|"]
            lines += [f"| {r.parameter} | {_interval(r.S1, r.low, r.high)} |" for r in ranked.itertuples()]
            lines.append("")
        else:
            lines += ["No sensitivity indices: too few points (fewer than 20) or no variation.", ""]
        restricted = boxes[boxes["claim"] == row.claim] if len(boxes) else []
        if len(restricted):
            lines += [
                f"Where it fails: {row.box_points} points in the box, failure density "
                f"{_number(row.box_density)} against {_number(row.failure_share)} over the whole space, "
                f"coverage {_number(row.box_coverage)}.",
                "",
                "| parameter | box | sampled range | quasi-p (low, high) |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {r.parameter} | [{_number(r.box_low)}, {_number(r.box_high)}] | "
                f"[{_number(r.sampled_low)}, {_number(r.sampled_high)}] | "
                f"{_number(r.qp_low)}, {_number(r.qp_high)} |"
                for r in restricted.itertuples()
            ]
            lines.append("")
        else:
            note = row.box_note if isinstance(row.box_note, str) and row.box_note else "no box"
            lines += [f"Where it fails: {note}.", ""]
        if f"robustness {row.claim}" in figures:
            lines += [
                f"![{row.claim}: difference at each point against its most influential parameter]"
                f"({figures[f'robustness {row.claim}']})",
                "",
            ]
    return lines


def _decomposition_section(table: pd.DataFrame, spec: dict[str, Any]) -> list[str]:
    decomposition = Decomposition.model_validate(spec["decomposition"])
    start, end = decomposition.start, decomposition.end
    lines = [
        f"## Decomposition of the gap from {start} to {end}",
        "",
        f"Forward: {start} with one group switched to {end}'s rules, minus {start}. Backward: {end} minus "
        f"{end} with the group switched back. Each effect is a paired difference with its 95% t interval "
        "and a share of the gap with Fieller's 95% interval; the interaction is the gap minus the sum of "
        "the effects (see Methods; `tables/decomposition.csv`).",
        "",
    ]
    notes: list[str] = []

    def share(row: pd.Series) -> str:
        if isinstance(row["share_note"], str) and row["share_note"]:
            if row["share_note"] not in notes:
                notes.append(row["share_note"])
            return f"{_number(row['share'])}, no interval ({notes.index(row['share_note']) + 1})"
        return _interval(row["share"], row["share_low"], row["share_high"])

    several = table["scenario"].nunique() > 1
    for (scenario, metric), rows in table.groupby(["scenario", "metric"], sort=False):
        gap = rows[rows["component"] == "gap"].iloc[0]
        lines += [
            f"### {metric}" + (f" ({scenario})" if several else ""),
            "",
            f"Gap ({end} − {start}): {_interval(gap['mean'], gap['low'], gap['high'])}, n = {gap['n']}.",
            "",
            "| group | forward effect [95% CI] | share of gap | backward effect [95% CI] | share of gap |",
            "|---|---|---|---|---|",
        ]
        forward = rows[rows["direction"] == "forward"].set_index("component")
        backward = rows[rows["direction"] == "backward"].set_index("component")
        for component in forward.index:
            there, back = forward.loc[component], backward.loc[component]
            name = "interaction (gap − sum of effects)" if component == "interaction" else component
            lines.append(
                f"| {name} | {_interval(there['mean'], there['low'], there['high'])} | {share(there)} | "
                f"{_interval(back['mean'], back['low'], back['high'])} | {share(back)} |"
            )
        lines.append("")
    lines += [f"({index}) {note}." for index, note in enumerate(notes, start=1)]
    return [*lines, ""] if notes else lines


def draw_sensitivity(table: pd.DataFrame, method: str, folder: Path) -> dict[str, str]:
    """One PNG per metric: each input's index with its 95% interval."""
    value = "mu_star" if method == "morris" else "ST"
    figures = {}
    for metric, rows in table.groupby("metric", sort=False):
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.5))
        errors = [rows[value] - rows[f"{value}_low"], rows[f"{value}_high"] - rows[value]]
        ax.barh(rows["input"], rows[value], xerr=errors, color=OKABE_ITO[3], capsize=4)
        ax.invert_yaxis()
        ax.set_xlabel(f"{metric}: {value} (95% interval)")
        fig.tight_layout()
        name = f"sensitivity-{metric}.png"
        fig.savefig(folder / name, dpi=120)
        plt.close(fig)
        figures[f"sensitivity {metric}"] = f"figures/{name}"
    return figures


def _sensitivity_section(table: pd.DataFrame, method: str, figures: dict[str, str]) -> list[str]:
    if method == "morris":
        meaning = (
            "Morris elementary effects: mu* is the mean absolute effect of moving an input across its "
            "range (how much it matters), sigma their spread (non-linearity or interaction)."
        )
        columns = [("mu*", "mu_star"), ("sigma", "sigma")]
    else:
        meaning = (
            "Sobol indices: S1 is the share of the outcome's variance an input explains alone, ST with "
            "all its interactions."
        )
        columns = [("S1", "S1"), ("ST", "ST")]
    lines = [
        "## Sensitivity",
        "",
        meaning + " Intervals are SALib's 95% bootstrap intervals (`tables/sensitivity.csv`).",
        "",
    ]
    lines += ["| metric | input | " + " | ".join(label for label, _ in columns) + " |"]
    lines += ["|---|---|" + "---|" * len(columns)]
    for _, row in table.iterrows():
        cells = [
            _interval(row[key], row[f"{key}_low"], row[f"{key}_high"])
            if f"{key}_low" in row
            else _number(row[key])
            for _, key in columns
        ]
        lines.append(f"| {row['metric']} | {row['input']} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, path in figures.items():
        if name.startswith("sensitivity "):
            lines += [
                f"![{name}: index per input with 95% interval (numbers in the table above)]({path})",
                "",
            ]
    return lines


def _failures_section(runs: pd.DataFrame) -> list[str]:
    failed = runs[runs["status"] != OK] if len(runs) else runs
    if not len(failed):
        return []
    lines = [
        "## Failed runs",
        "",
        f"{len(failed)} runs failed; they are left out of every estimate above.",
        "",
    ]
    for _, row in failed.head(20).iterrows():
        lines.append(f"- {row['arm']}, point {row['point']}, seed {row['seed']}: {row['error']}")
    return [*lines, ""]


def _provenance_section(manifest: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{name} {version}" for name, version in manifest["packages"].items() if version)
    dirty = {True: " (with uncommitted changes)", False: "", None: ""}[manifest.get("git_dirty")]
    sessions = manifest.get("sessions", [])
    lines = [
        "## Provenance",
        "",
        f"- Spec: `{manifest['spec_file']}`; root seed {manifest['root_seed']}",
        f"- Code: commit {manifest.get('git_commit') or 'unknown'}{dirty}",
        f"- Host: {manifest['host']} ({manifest['platform']}, Python {manifest['python']})",
        f"- Packages: {packages}",
    ]
    for session in sessions:
        lines.append(
            f"- Session {session['start']} to {session.get('end', '?')}: {session['executor']} executor, "
            f"{session['workers']} workers, {session.get('ran', 0)} runs "
            f"({session.get('failed', 0)} failed), {session.get('status', '?')}"
        )
    return [*lines, ""]

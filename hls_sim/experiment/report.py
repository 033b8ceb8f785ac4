"""The report of a results folder: estimates with confidence intervals, paired differences, trends, claims.

``write_report(DIR)`` reads ``DIR/runs.parquet``'s runs (through the journal, so
an interrupted sweep can be reported too) and writes ``DIR/report.md``, its
charts under ``DIR/figures/`` and every table as CSV under ``DIR/tables/``.

A *group* is one (scenario, arm, parameter point). Seeds are shared between
groups (common random numbers), so differences are paired by seed; a claim
about two arms first averages each seed's runs over the parameter points it
covers, so each seed counts once. Only runs with status OK enter the
statistics; failed runs are counted and listed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hls_sim.experiment.global_sensitivity import indices  # noqa: E402
from hls_sim.experiment.statistics import mean_ci, paired_difference, trend, verdict  # noqa: E402
from hls_sim.experiment.store import collect_runs, read_manifest  # noqa: E402
from hls_sim.experiment.tasks import OK  # noqa: E402
from hls_sim.outputs import OKABE_ITO, REGIME_COLOURS  # noqa: E402

GROUP = ["scenario", "arm", "point"]
ALL_PAIRS_UP_TO = 4


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
    if method:
        # A SALib design is analysed as a whole; per-point estimates would be noise.
        tables = {"claims": claims_table(ok, [], swept), "sensitivity": indices(runs, spec, method)}
    else:
        tables = {
            "means": means_table(ok, spec["metrics"], swept),
            "differences": differences_table(ok, spec["metrics"], swept),
            "trends": trends_table(ok, spec["metrics"], swept),
            "claims": claims_table(ok, spec["claims"], swept),
        }
    for name, table in tables.items():
        table.to_csv(folder / "tables" / f"{name}.csv", index=False)
    if method:
        figures = draw_sensitivity(tables["sensitivity"], method, folder / "figures")
    else:
        figures = draw_figures(ok, tables["means"], spec["metrics"], swept, folder / "figures")
    text = render(manifest, runs, tables, figures, swept)
    path = folder / "report.md"
    path.write_text(text, encoding="utf-8")
    return path


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
    """Mean and bootstrap 95% CI of each metric in each group."""
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


def differences_table(runs: pd.DataFrame, metrics: list[str], swept: list[str]) -> pd.DataFrame:
    """Paired differences between arms at each scenario and point (or between points, with one arm)."""
    rows = []
    if not len(runs):
        return pd.DataFrame(rows)
    scenarios = runs["scenario"].nunique()
    arms = list(dict.fromkeys(runs["arm"]))
    contrasts = ["arm"] if len(arms) > 1 else ["point"]
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
    return pd.DataFrame(rows)


def trends_table(runs: pd.DataFrame, metrics: list[str], swept: list[str]) -> pd.DataFrame:
    """The slope of each metric along each swept numeric key, within each scenario and arm."""
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
    return pd.DataFrame(rows)


def claims_table(runs: pd.DataFrame, claims: list[dict[str, Any]], swept: list[str]) -> pd.DataFrame:
    """Each claim of the spec with its estimate, 95% CI and verdict."""
    rows = []
    for claim in claims:
        chosen = runs
        for key, value in claim.get("where", {}).items():
            chosen = chosen[_matches(chosen[key], value)]
        if claim.get("compare"):
            first, second = claim["compare"]
            result = _paired(chosen[chosen["arm"] == first], chosen[chosen["arm"] == second], claim["metric"])
            what = f"{claim['metric']}: {first} minus {second}"
            estimate, low, high, n = result.mean, result.low, result.high, result.n
        else:
            arm = claim.get("arm") or (runs["arm"].iloc[0] if len(runs) else "")
            block = chosen[chosen["arm"] == arm]
            result = trend(
                block[claim["along"]].to_numpy(float),
                block[claim["metric"]].to_numpy(float),
                block["seed_index"],
            )
            what = f"{claim['metric']}: slope along {claim['along']} ({arm})"
            estimate, low, high, n = result.slope, result.low, result.high, result.n_seeds
        where = ", ".join(f"{key}={_short(value)}" for key, value in claim.get("where", {}).items())
        rows.append(
            {
                "claim": what + (f" where {where}" if where else ""),
                "expect": _expectation(claim),
                "estimate": estimate,
                "low": low,
                "high": high,
                "seeds": n,
                "verdict": verdict(low, high, claim["expect"], claim.get("tolerance", 0.0)),
            }
        )
    return pd.DataFrame(rows, columns=["claim", "expect", "estimate", "low", "high", "seeds", "verdict"])


def _matches(column: pd.Series, value: Any) -> pd.Series:
    """Rows at a parameter value; numbers match within rounding, so 0.3 finds 0.30000000000000004."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and pd.api.types.is_numeric_dtype(column):
        return pd.Series(np.isclose(column.to_numpy(float), value), index=column.index)
    return column == value


def _expectation(claim: dict[str, Any]) -> str:
    if claim["expect"] == "equal":
        return f"within ±{claim['tolerance']:g} of 0"
    return "above 0" if claim["expect"] == "greater" else "below 0"


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
        lines += _sensitivity_section(tables["sensitivity"], manifest["sensitivity_method"], figures)
    else:
        lines += _claims_section(tables["claims"])
        lines += _means_section(tables["means"], spec["metrics"], figures)
        lines += _differences_section(tables["differences"])
        lines += _trends_section(tables["trends"])
    lines += _failures_section(runs)
    lines += _provenance_section(manifest)
    return "\n".join(lines) + "\n"


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
        f"{len(runs)} runs stored ({ok} OK, {failed} failed): {len(spec['scenarios'])} scenario(s) "
        f"({', '.join(spec['scenarios'])}) × {len(arms)} arm(s) ({', '.join(arms)}) × {points} "
        f"parameter point(s){' over ' + ', '.join(swept) if swept else ''} × {seeds} seeds.",
        f"Seeds are spawned from `numpy.random.SeedSequence({manifest['root_seed']})`; every arm and "
        "point runs on the same seeds, so differences are paired. Intervals are 95% bootstrap "
        "intervals (BCa for means and differences; resampling whole seeds for slopes).",
        "",
    ]


def _claims_section(claims: pd.DataFrame) -> list[str]:
    lines = ["## Do the data support the hypothesis?", ""]
    if not len(claims):
        return [*lines, "The spec states no checkable claim, so the report gives estimates only.", ""]
    counts = claims["verdict"].value_counts()
    supported, contradicted = counts.get("supported", 0), counts.get("contradicted", 0)
    if supported == len(claims):
        overall = "The data support the hypothesis: every claim holds"
    elif contradicted:
        overall = f"The data contradict the hypothesis in {contradicted} of {len(claims)} claims"
    else:
        overall = f"The data support {supported} of {len(claims)} claims; the rest are inconclusive"
    seeds = int(claims["seeds"].min())
    lines += [f"{overall} (at least {seeds} paired seeds per claim).", ""]
    lines += ["| claim | expected | estimate [95% CI] | seeds | verdict |", "|---|---|---|---|---|"]
    for _, row in claims.iterrows():
        lines.append(
            f"| {row['claim']} | {row['expect']} | {_interval(row['estimate'], row['low'], row['high'])} "
            f"| {row['seeds']} | **{row['verdict']}** |"
        )
    return [*lines, ""]


def _means_section(means: pd.DataFrame, metrics: list[str], figures: dict[str, str]) -> list[str]:
    lines = ["## Estimates", "", "Mean per group with its 95% confidence interval (`tables/means.csv`).", ""]
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
        if metric.startswith("sensitivity "):
            continue
        lines += [f"![{metric} by group, mean and 95% interval (numbers in the table above)]({path})", ""]
    return lines


def _differences_section(differences: pd.DataFrame) -> list[str]:
    lines = [
        "## Paired differences",
        "",
        "a minus b over the same seeds, with a 95% interval, the standardised effect size d_z "
        "(mean difference / SD of differences) with its interval, and a Wilcoxon signed-rank p-value "
        "(`tables/differences.csv`).",
        "",
    ]
    if not len(differences):
        return [*lines, "Only one group: nothing to compare.", ""]
    lines += ["| metric | a | b | a − b [95% CI] | d_z [95% CI] | p | n |", "|---|---|---|---|---|---|---|"]
    for _, row in differences.iterrows():
        lines.append(
            f"| {row['metric']} | {row['a']} | {row['b']} | "
            f"{_interval(row['mean'], row['low'], row['high'])} | "
            f"{_interval(row['effect_size'], row['effect_low'], row['effect_high'])} | "
            f"{_number(row['p_value'])} | {row['n']} |"
        )
    return [*lines, ""]


def _trends_section(trends: pd.DataFrame) -> list[str]:
    if not len(trends):
        return []
    lines = [
        "## Trends along swept parameters",
        "",
        "Least-squares slope of each metric on the parameter, 95% interval from resampling whole seeds, "
        "and Spearman's rho of the point means (`tables/trends.csv`).",
        "",
        "| metric | along | scenario / arm | slope [95% CI] | rho |",
        "|---|---|---|---|---|",
    ]
    for _, row in trends.iterrows():
        lines.append(
            f"| {row['metric']} | {row['along']} | {row['scenario']} / {row['arm']} | "
            f"{_interval(row['slope'], row['low'], row['high'])} | {_number(row['spearman'])} |"
        )
    return [*lines, ""]


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

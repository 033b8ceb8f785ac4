"""The calibration report: posteriors against priors, the posterior predictive check, tensions, provenance.

Written from the folder alone (the manifest keeps the patterns as they were
checked), so ``write_report(folder)`` can be rerun at any time. Figures go to
``figures/``, the tables behind them to ``tables/``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hls_sim.calibration.patterns import PatternsSpec
from hls_sim.calibration.run import CHECK, POSTERIOR, read_manifest
from hls_sim.experiment.statistics import kish_effective_size
from hls_sim.parameters import catalogue
from hls_sim.scenario import settable_keys

REPORT = "report.md"
FIGURES = "figures"
TABLES = "tables"
# The predictive interval shown for each pattern: the middle 90% of the posterior draws.
PREDICTIVE_QUANTILES = (0.05, 0.95)
# Posterior interval of each parameter.
POSTERIOR_QUANTILES = (0.05, 0.95)
# Patterns whose absolute discrepancies correlate below this across accepted particles pull
# against each other: the parameter sets that fit one miss the other.
TENSION_CORRELATION = -0.3


def write_report(folder: str | Path) -> Path:
    """Write report.md, figures/ and tables/ for a calibration folder; returns the report's path."""
    import matplotlib

    matplotlib.use("Agg")
    folder = Path(folder)
    manifest = read_manifest(folder)
    spec = PatternsSpec.model_validate(manifest["patterns_spec"])
    ranges = {key: tuple(bounds) for key, bounds in manifest["ranges"].items()}
    (folder / FIGURES).mkdir(exist_ok=True)
    (folder / TABLES).mkdir(exist_ok=True)
    posterior = pd.read_parquet(folder / POSTERIOR) if (folder / POSTERIOR).exists() else pd.DataFrame()
    check = pd.read_parquet(folder / CHECK) if (folder / CHECK).exists() else pd.DataFrame()
    lines = [f"# Calibration: {spec.name}", ""]
    if posterior.empty:
        lines += ["No generation has been stored yet: run the same command with a larger --budget.", ""]
        lines += _provenance(manifest)
    else:
        last = posterior[posterior["generation"] == posterior["generation"].max()]
        lines += _summary(manifest, posterior)
        lines += _check_section(folder, spec, check)
        lines += _parameter_section(folder, last, ranges)
        lines += _tension_section(folder, spec, last, check)
        lines += _generations(posterior, manifest)
        lines += _method(manifest)
        lines += _provenance(manifest)
    path = folder / REPORT
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- sections -----------------------------------------------------------------------------------


# Below this share of the particles, the effective sample size is called few in the report.
FEW_EFFECTIVE = 0.1


def _summary(manifest: dict[str, Any], posterior: pd.DataFrame) -> list[str]:
    last = int(posterior["generation"].max())
    final = posterior[posterior["generation"] == last]
    sessions = manifest.get("sessions", [])
    stopped = sessions[-1].get("stopped", "interrupted") if sessions else "not run"
    place = (
        "the small place (scenarios/small-place.toml's size)"
        if manifest["place"] == "small"
        else ("each setting's scenario as written")
    )
    effective = kish_effective_size(final["weight"])
    few = (
        " The weight sits on a few particles (importance weights in many dimensions), so the posterior "
        "medians below are, in effect, those particles' values."
        if effective < FEW_EFFECTIVE * len(final)
        else ""
    )
    return [
        f"Patterns file `{manifest['patterns_file']}` (sha256 `{manifest['patterns_hash'][:16]}`), run at "
        f"{place}, seed {manifest['seed']}.",
        "",
        f"- {last + 1} generation(s) of {manifest['population']} particles; the last accepted at a distance "
        f"of at most {final['distance'].max():.3g} (root mean square of the standardised discrepancies: "
        "1 means on average at the edge of the real figures' uncertainty).",
        f"- Model runs counted against the budget: {manifest['runs']['counted']} (of which "
        f"{manifest['runs']['check']} for the posterior check); started: {manifest['runs']['started']}; "
        f"{manifest['runs_per_particle']} runs per particle.",
        f"- Effective sample size of the last generation's weights (Kish, (Σw)² / Σw²): {effective:.1f} "
        f"of {len(final)} particles.{few}",
        f"- Last session stopped: {stopped}.",
        "",
    ]


def _check_section(folder: Path, spec: PatternsSpec, check: pd.DataFrame) -> list[str]:
    lines = ["## Posterior predictive check", ""]
    if check.empty:
        return [*lines, "Not run yet (it runs after the last generation the budget allows).", ""]
    low_q, high_q = PREDICTIVE_QUANTILES
    rows = []
    for pattern in spec.patterns:
        values = check[pattern.name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        low, high = pattern.bounds()
        median = float(np.median(finite)) if len(finite) else math.nan
        inside = float(np.mean((values >= low) & (values <= high)))
        rows.append(
            {
                "pattern": pattern.name,
                "compared as": pattern.compared_as(),
                "target": pattern.figure,
                "target low": low,
                "target high": high,
                "predictive median": median,
                "predictive low": float(np.quantile(finite, low_q)) if len(finite) else math.nan,
                "predictive high": float(np.quantile(finite, high_q)) if len(finite) else math.nan,
                "share of draws inside": inside,
                "verdict": "hit" if low <= median <= high else "miss",
                "verified": "yes" if pattern.verified else "no",
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(folder / TABLES / "check.csv", index=False)
    _plot_check(folder / FIGURES / "predictive.png", spec, check, table)
    hits = int((table["verdict"] == "hit").sum())
    lines += [
        f"{len(check)} draws from the last generation, each run afresh in every setting with new seeds. A "
        f"pattern is a **hit** when the median of the draws lies inside the real figure's range; the "
        f"predictive interval is the middle {round(100 * (high_q - low_q))}% of the draws. "
        f"Hits: {hits} of {len(table)}.",
        "",
        "| pattern | compared as | target [range] | predictive median [interval] | draws inside | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['pattern']}{'' if row['verified'] == 'yes' else ' (unverified)'} | "
            f"{row['compared as']} | "
            f"{_num(row['target'])} [{_num(row['target low'])}, {_num(row['target high'])}] | "
            f"{_num(row['predictive median'])} "
            f"[{_num(row['predictive low'])}, {_num(row['predictive high'])}] | "
            f"{row['share of draws inside']:.0%} | {row['verdict']} |"
        )
    lines += ["", "![Posterior predictive check](figures/predictive.png)", ""]
    lines += ["Sources of the patterns:", ""]
    lines += [f"- **{p.name}**: {' '.join(p.source.split())}" for p in spec.patterns]
    return [*lines, ""]


def _parameter_section(folder: Path, last: pd.DataFrame, ranges: dict[str, tuple[float, float]]) -> list[str]:
    from pyabc.weighted_statistics import weighted_quantile

    defaults = {entry.key: entry.default for entry in catalogue()}
    weights = last["weight"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    points = last[list(ranges)].to_numpy(dtype=float)
    best, how = _map_estimate(points, weights, last["distance"].to_numpy(dtype=float), ranges)
    rows = []
    for index, (key, (low, high)) in enumerate(ranges.items()):
        values = points[:, index]
        rows.append(
            {
                "parameter": key,
                "prior low": low,
                "prior high": high,
                "default": defaults[key],
                "posterior median": float(weighted_quantile(values, weights, alpha=0.5)),
                "posterior low": float(weighted_quantile(values, weights, alpha=POSTERIOR_QUANTILES[0])),
                "posterior high": float(weighted_quantile(values, weights, alpha=POSTERIOR_QUANTILES[1])),
                "MAP": float(best[index]),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(folder / TABLES / "parameters.csv", index=False)
    _plot_posteriors(folder / FIGURES / "posteriors.png", last, weights, ranges, table)
    low_q, high_q = POSTERIOR_QUANTILES
    lines = [
        "## Parameters: posterior against prior",
        "",
        f"Priors are uniform over each parameter's plausible range. The posterior is the last generation "
        f"({len(last)} weighted particles); its interval is the weighted {round(100 * low_q)}th to "
        f"{round(100 * high_q)}th percentile. MAP: {how}.",
        "",
        "| parameter | prior range | default | posterior median [interval] | MAP |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['parameter']}` | [{_num(row['prior low'])}, {_num(row['prior high'])}] | "
            f"{_num(row['default'])} | {_num(row['posterior median'])} [{_num(row['posterior low'])}, "
            f"{_num(row['posterior high'])}] | {_num(row['MAP'])} |"
        )
    lines += ["", "![Posterior against prior](figures/posteriors.png)", ""]
    lines += ["Ready to paste into a scenario (posterior median; the MAP as a comment):", "", "```toml"]
    lines += _toml_snippet(table)
    return [*lines, "```", ""]


def _tension_section(folder: Path, spec: PatternsSpec, last: pd.DataFrame, check: pd.DataFrame) -> list[str]:
    names = [pattern.name for pattern in spec.patterns]
    off = pd.DataFrame(
        {
            pattern.name: [abs(pattern.discrepancy(value)) for value in last[f"pattern.{pattern.name}"]]
            for pattern in spec.patterns
        }
    )
    varying = [name for name in names if off[name].nunique() > 1]
    correlation = off[varying].corr(method="spearman") if len(off) > 2 and varying else pd.DataFrame()
    correlation.to_csv(folder / TABLES / "tensions.csv")
    lines = [
        "## Which patterns pull against each other",
        "",
        f"Spearman correlation, across the last generation's {len(last)} particles, of the absolute "
        "standardised discrepancies of each pair of patterns. A negative correlation means the parameter "
        "sets that fit one pattern better fit the other worse. With few particles these correlations are "
        "rough.",
        "",
    ]
    pairs = []
    if not correlation.empty:
        _plot_tensions(folder / FIGURES / "tensions.png", correlation)
        for i, first in enumerate(correlation.index):
            for second in correlation.columns[i + 1 :]:
                value = correlation.loc[first, second]
                if np.isfinite(value) and value <= TENSION_CORRELATION:
                    pairs.append((value, first, second))
    if pairs:
        lines += ["| pattern | pattern | correlation |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {value:.2f} |" for value, a, b in sorted(pairs)]
    else:
        lines.append(f"No pair correlates at {TENSION_CORRELATION} or below.")
    if not correlation.empty:
        lines += ["", "![Correlation of discrepancies](figures/tensions.png)"]
    median_off = off.median()
    stuck = [name for name in names if median_off[name] > 1]
    if not check.empty:
        missed = []
        for pattern in spec.patterns:
            low, high = pattern.bounds()
            median = float(np.nanmedian(check[pattern.name].to_numpy(dtype=float)))
            if not low <= median <= high:
                missed.append(pattern.name)
        lines += ["", f"Missed in the posterior predictive check: {', '.join(missed) or 'none'}."]
    lines += [
        f"Outside their range in more than half the accepted particles: {', '.join(stuck) or 'none'}.",
        "",
    ]
    return lines


def _generations(posterior: pd.DataFrame, manifest: dict[str, Any]) -> list[str]:
    from pyabc.weighted_statistics import effective_sample_size

    lines = ["## Generations", "", "| generation | particles | largest distance | ESS |", "|---|---|---|---|"]
    for generation, part in posterior.groupby("generation"):
        weights = part["weight"].to_numpy(dtype=float)
        lines.append(
            f"| {generation} | {len(part)} | {part['distance'].max():.3g} | "
            f"{effective_sample_size(weights / weights.sum()):.1f} |"
        )
    return [*lines, ""]


def _method(manifest: dict[str, Any]) -> list[str]:
    return [
        "## Method",
        "",
        "Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009, Beaumont et "
        f"al. 2009) with pyabc {manifest['packages'].get('pyabc')} (Klinger, Rickert and Hasenauer 2018; "
        "Schälte et al. 2022). A particle is one parameter set, run once per replicate in every setting the "
        "patterns use, on the same seeds in each setting. Its distance to the world is the root mean square "
        "of the patterns' standardised discrepancies (model value less the figure, over the distance from "
        "the figure to the end of its plausible range on that side), so every pattern weighs the same. "
        "Priors are uniform over the catalogued plausible ranges. The first generation is the prior; each "
        "later threshold is the weighted median distance of the generation before; proposals come from a "
        "multivariate normal kernel fitted to the last generation (pyabc's defaults).",
        "",
        "Reproducibility: every random draw is seeded from the seed above. Jobs are seeded by their number "
        "within a generation and a generation is made of the jobs up to its N-th accepted particle, so the "
        "posterior is the same at any number of workers, on any executor, and after any number of resumed "
        "sessions (the hls_sim sampler; pyabc's own parallel samplers reseed from system entropy). The model "
        "runs of a particle are seeded from its parameter values. What is not reproduced: wall times, and "
        "the count of runs *started*, which can exceed the count the budget uses by up to the number of "
        "workers for each generation (jobs already running when a generation had enough particles).",
        "",
    ]


def _provenance(manifest: dict[str, Any]) -> list[str]:
    lines = [
        "## Provenance",
        "",
        f"- patterns file: `{manifest['patterns_file']}` (sha256 `{manifest['patterns_hash']}`)",
        f"- place: {manifest['place']}; seed: {manifest['seed']}; population: {manifest['population']}; "
        f"posterior check draws: {manifest['check_draws']}",
        f"- git commit: {manifest['git_commit']} (uncommitted changes: {manifest['git_dirty']})",
        f"- host: {manifest['host']}; {manifest['platform']}; Python {manifest['python']}",
        "- packages: " + ", ".join(f"{name} {version}" for name, version in manifest["packages"].items()),
        "",
        "| session | started | budget | executor | workers | runs counted | runs started | stopped |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for index, session in enumerate(manifest.get("sessions", []), start=1):
        lines.append(
            f"| {index} | {session['started']} | {session['budget']} | {session['executor']} | "
            f"{session['workers']} | {session['runs_counted']} | {session['runs_started']} | "
            f"{session.get('stopped', 'interrupted')} |"
        )
    return [*lines, ""]


# --- estimates ----------------------------------------------------------------------------------


def _map_estimate(
    points: np.ndarray, weights: np.ndarray, distances: np.ndarray, ranges: dict[str, tuple[float, float]]
) -> tuple[np.ndarray, str]:
    """The accepted particle where a weighted kernel density of the posterior is highest.

    With no more particles than parameters the density cannot be estimated; the
    particle nearest the patterns then stands in for it, and the report says so.
    """
    from scipy.stats import gaussian_kde

    lows = np.array([low for low, _ in ranges.values()])
    spans = np.array([high - low for low, high in ranges.values()])
    unit = (points - lows) / spans
    if len(points) > points.shape[1] + 1:
        try:
            density = gaussian_kde(unit.T, weights=weights)(unit.T)
            return points[
                int(np.argmax(density))
            ], "the accepted particle with the highest weighted kernel density"
        except np.linalg.LinAlgError:
            pass
    return points[int(np.argmin(distances))], (
        "too few particles for a kernel density in this many dimensions, so the accepted particle "
        "nearest the patterns stands in for it"
    )


def _toml_snippet(table: pd.DataFrame) -> list[str]:
    keys = settable_keys()
    sections: dict[str, list[str]] = {}
    for row in table.to_dict("records"):
        section, _, name = row["parameter"].partition(".")
        whole = keys[row["parameter"]].annotation is int
        median, best = (int(round(row[c])) if whole else row[c] for c in ("posterior median", "MAP"))
        sections.setdefault(section, []).append(
            f"{name} = {_toml_number(median)}   # MAP {_toml_number(best)}"
        )
    lines: list[str] = []
    for section, entries in sections.items():
        lines += [f"[{section}]", *entries, ""]
    return lines[:-1]


def _toml_number(value: float | int) -> str:
    """A number TOML reads back as the same type: whole numbers bare, others with a decimal point."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4g}"
    return text if "." in text or "e" in text else f"{text}.0"


def _num(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.3g}"
    return str(value)


# --- figures ------------------------------------------------------------------------------------


def _plot_posteriors(
    path: Path,
    last: pd.DataFrame,
    weights: np.ndarray,
    ranges: dict[str, tuple[float, float]],
    table: pd.DataFrame,
) -> None:
    import matplotlib.pyplot as plt

    columns = 3
    rows = math.ceil(len(ranges) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows), squeeze=False)
    for axis, (key, (low, high)), row in zip(
        axes.flat, ranges.items(), table.to_dict("records"), strict=False
    ):
        axis.hist(
            last[key],
            bins=np.linspace(low, high, 11),
            weights=weights,
            density=True,
            color="#0072B2",
            alpha=0.7,
            label="posterior",
        )
        axis.hlines(1 / (high - low), low, high, colors="#E69F00", linestyles="--", label="prior")
        axis.axvline(row["default"], color="#000000", linestyle=":", label="default")
        axis.axvline(row["posterior median"], color="#D55E00", label="median")
        axis.set_xlim(low, high)
        axis.set_title(key, fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(ranges) :]:
        axis.set_visible(False)
    _legend(figure, axes, len(ranges))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_check(path: Path, spec: PatternsSpec, check: pd.DataFrame, table: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    columns = 3
    rows = math.ceil(len(spec.patterns) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 1.9 * rows), squeeze=False)
    for axis, pattern, row in zip(axes.flat, spec.patterns, table.to_dict("records"), strict=False):
        low, high = pattern.bounds()
        axis.axvspan(low, high, color="#009E73", alpha=0.25, label="real range")
        axis.axvline(pattern.figure, color="#009E73", label="real figure")
        values = check[pattern.name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        axis.plot(values, np.full(len(values), 0.3), "|", color="#0072B2", markersize=10, label="draws")
        middle, low_end, high_end = (row[f"predictive {part}"] for part in ("median", "low", "high"))
        axis.errorbar(
            middle,
            0.65,
            xerr=[[middle - low_end], [high_end - middle]],
            fmt="o",
            color="#D55E00",
            capsize=3,
            label="predictive",
        )
        axis.set_ylim(0, 1)
        axis.set_yticks([])
        axis.set_title(f"{pattern.name}: {row['verdict']}", fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(spec.patterns) :]:
        axis.set_visible(False)
    _legend(figure, axes, len(spec.patterns))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _legend(figure: Any, axes: Any, used: int) -> None:
    """The legend in the first empty panel, or under the panels when none is empty."""
    handles, labels = axes.flat[0].get_legend_handles_labels()
    spare = list(axes.flat)[used:]
    if spare:
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, labels, loc="center", fontsize=8)
    else:
        figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7)


def _plot_tensions(path: Path, correlation: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    size = max(4.0, 0.5 * len(correlation) + 2)
    figure, axis = plt.subplots(figsize=(size + 1, size))
    image = axis.imshow(correlation.to_numpy(), cmap="RdBu", vmin=-1, vmax=1)
    axis.set_xticks(range(len(correlation)), correlation.columns, rotation=60, ha="right", fontsize=7)
    axis.set_yticks(range(len(correlation)), correlation.index, fontsize=7)
    figure.colorbar(image, ax=axis, label="Spearman correlation of |discrepancy|")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

"""Mesa's own tools drive the model unchanged: batch_run and SolaraViz (DESIGN section 2, point 4)."""

from __future__ import annotations

import mesa
import pytest

from hls_sim import SupportSystemModel
from hls_sim.metrics import CONTRACT_KEYS

TINY = {"population_size": 200, "workforce_workers": 6, "providers_count": 2, "weeks": 6, "burn_in": 0}


def test_flat_keyword_overrides_reach_the_scenario():
    model = SupportSystemModel(rng=3, funding_pbr_share=0.8, market_mode="alliance", **TINY)
    assert model.params.funding.pbr_share == 0.8
    assert model.params.market.mode == "alliance"
    assert model.regime.forum_weeks > 0  # the alliance preset came with the mode


def test_batch_run_sweeps_flat_keywords_with_fixed_seeds():
    results = mesa.batch_run(
        SupportSystemModel,
        parameters={"funding_pbr_share": [0.0, 0.8], **TINY},
        rng=[1, 2],
        max_steps=10,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 4
    assert {row["funding_pbr_share"] for row in results} == {0.0, 0.8}
    assert all("wellbeing_mean" in row for row in results)


def test_batch_run_repeats_a_seed_exactly():
    def once() -> list[float]:
        rows = mesa.batch_run(
            SupportSystemModel,
            parameters=TINY,
            rng=[7],
            max_steps=10,
            number_processes=1,
            display_progress=False,
        )
        return [rows[0][key] for key in ("wellbeing_mean", "gaming_gap", "morale_mean")]

    assert once() == once()


def test_solara_viz_renders_and_steps_the_model():
    solara = pytest.importorskip("solara")
    ipyvuetify = pytest.importorskip("ipyvuetify")
    from mesa.visualization import SolaraViz, make_plot_component

    model = SupportSystemModel(rng=1, **TINY)
    page = SolaraViz(model, components=[make_plot_component("wellbeing_mean")], model_params=TINY)
    _, context = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    context.find(ipyvuetify.Btn, children=["Step"]).widget.click()
    assert model.steps == 1


def test_summary_holds_the_metric_contract():
    model = SupportSystemModel(rng=1, **TINY)
    model.run_to_end()
    assert set(CONTRACT_KEYS) <= set(model.summary())

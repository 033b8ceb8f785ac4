"""What people type into the dashboard's controls, and what the page says back (``entry``, ``keys``).

The messages are the page's own words, so the tests check them whole: each
says what was typed, what is wrong with it and what is allowed.
"""

from __future__ import annotations

import pytest

from hls_sim.dashboard.entry import EntryError, allowed, read, shown
from hls_sim.dashboard.keys import key_spec, schema_bounds, slider_range
from hls_sim.scenario import settable_keys

SHARE = key_spec("funding.pbr_share")
MONEY = key_spec("funding.budget")
WHOLE = key_spec("weeks")


class TestReading:
    @pytest.mark.parametrize(
        ("text", "value"),
        [("50%", 0.5), ("0.5", 0.5), (" 12.5 % ", 0.125), ("0", 0.0), ("100%", 1.0), ("1", 1.0)],
    )
    def test_shares_as_percentages_or_from_0_to_1(self, text, value):
        assert read(text, SHARE) == pytest.approx(value)

    @pytest.mark.parametrize(
        ("text", "value"),
        [("£1,000,000", 1_000_000.0), ("1000000", 1_000_000.0), ("£2.4m", 2_400_000.0), ("750k", 750_000.0)],
    )
    def test_money_with_pounds_commas_and_millions(self, text, value):
        assert read(text, MONEY) == value

    def test_whole_numbers(self):
        assert read("1,040", WHOLE) == 1040 and isinstance(read("52", WHOLE), int)

    def test_yes_no_choices_and_lists(self):
        assert read("Yes", key_spec("market.referrals")) is True
        assert read("off", key_spec("market.referrals")) is False
        assert read("Trust", key_spec("funding.mode")) == "trust"
        assert read("52, 104", key_spec("context.shock_weeks")) == [52, 104]
        assert read("[52 104]", key_spec("context.shock_weeks")) == [52, 104]
        assert read("none", key_spec("context.shock_weeks")) == []


class TestPlainErrors:
    """The three examples of the issue, each message whole, then the other kinds of mistake."""

    def test_abc(self):
        with pytest.raises(EntryError) as error:
            read("abc", SHARE)
        assert str(error.value) == "“abc” is not a number. Enter a percentage from 0% to 100%, such as 50%."

    def test_minus_five_with_a_typographic_minus(self):
        with pytest.raises(EntryError) as error:
            read("−5", SHARE)
        assert str(error.value) == (
            "“−5” is too small: it must be at least 0%. Enter a percentage from 0% to 100%, such as 50%."
        )

    def test_150_percent(self):
        with pytest.raises(EntryError) as error:
            read("150%", SHARE)
        assert str(error.value) == (
            "“150%” is too big: the most allowed is 100%. Enter a percentage from 0% to 100%, such as 50%."
        )

    def test_a_bare_number_above_one_for_a_share_is_refused_with_a_hint(self):
        with pytest.raises(EntryError, match=r"did you mean 50%\?"):
            read("50", SHARE)

    @pytest.mark.parametrize(
        ("text", "spec", "words"),
        [
            ("2.5", WHOLE, "“2.5” is not a whole number. Enter a whole number from 1 to 50,000."),
            ("0", WHOLE, "“0” is too small: it must be at least 1."),
            ("£0", MONEY, "“£0” is too small: it must be more than £0."),
            ("50%", WHOLE, "“50%” is a percentage, but this is not."),
            ("£5", SHARE, "“£5” is an amount of money, but this is not."),
            ("", SHARE, "Nothing was entered."),
            ("maybe", key_spec("market.referrals"), "“maybe” is not yes or no. Answer yes or no."),
            ("52, x", key_spec("context.shock_weeks"), "In the list: “x” is not a whole number."),
            ("ten", WHOLE, "“ten” is not a whole number. Enter a whole number from 1 to 50,000."),
            ("a" * 81, key_spec("name"), "The name is 81 characters long."),
        ],
    )
    def test_each_mistake_is_named(self, text, spec, words):
        with pytest.raises(EntryError) as error:
            read(text, spec)
        assert str(error.value).startswith(words)


class TestShownAsTyped:
    @pytest.mark.parametrize(
        ("value", "spec", "text"),
        [
            (0.35, SHARE, "35%"),
            (0.004, key_spec("indicator.audit_rate"), "0.4%"),
            (2_400_000.0, MONEY, "£2,400,000"),
            (260, WHOLE, "260"),
            (True, key_spec("market.referrals"), "yes"),
            ([52, 104], key_spec("context.shock_weeks"), "52, 104"),
        ],
    )
    def test_what_a_control_shows_reads_back_to_the_same_value(self, value, spec, text):
        assert shown(value, spec) == text
        assert read(text, spec) == pytest.approx(value)

    def test_what_is_allowed_comes_from_the_schema(self):
        assert allowed(WHOLE) == "a whole number from 1 to 50,000"
        assert allowed(MONEY) == "an amount in pounds more than £0 and at most £1,000,000,000,000"
        assert allowed(key_spec("workforce.morale_turnover")) == "a number from 0 to 100"


class TestKeys:
    def test_every_settable_key_has_a_kind_and_its_schema_bounds(self):
        for key in settable_keys():
            spec = key_spec(key)
            assert spec.kind in ("yes-no", "choice", "whole", "number", "share", "money", "list", "text"), key
            assert (spec.low, spec.high, spec.low_open) == schema_bounds(key)

    def test_bounds_are_read_through_optional_and_annotated_types(self):
        assert schema_bounds("funding.pbr_share") == (0.0, 1.0, False)
        assert schema_bounds("funding.budget") == (0.0, 1e12, True)
        assert schema_bounds("context.shock_weeks") == (0.0, None, False)

    def test_a_slider_covers_the_catalogues_plausible_range_else_the_schemas(self):
        from hls_sim.parameters import catalogue

        plausible = {entry.key: entry for entry in catalogue()}
        budget = plausible["funding.budget"]
        assert slider_range("funding.budget") == (budget.low, budget.high)
        assert plausible["weeks"].low is None and key_spec("weeks").slider == schema_bounds("weeks")[:2]
        assert slider_range("funding.pbr_share") == (0.0, 1.0)

    def test_a_key_with_no_range_anywhere_gets_a_text_box(self, monkeypatch):
        from hls_sim.dashboard import keys

        monkeypatch.setattr(keys, "_catalogue", lambda: {})
        assert slider_range("context.shock_weeks") is None
        assert slider_range("funding.budget") == (0.0, 1e12)

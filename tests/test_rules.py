"""Rule sets are data: which one applies, what each parameter is, and how a bad file is reported."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hos_avtal.errors import MissingParameterError, RuleSetError, RuleSetNotApplicableError
from hos_avtal.rules import load_ruleset, select_ruleset, shipped_rulesets

REPO = Path(__file__).resolve().parents[1]
DRAFT_2027 = REPO / "scenarios" / "rulesets" / "vgr-2027-utkast.toml"


class TestChoosingTheRuleSet:
    @pytest.mark.parametrize(
        ("month", "expected"),
        [("2020-04", "vgr-2018"), ("2022-12", "vgr-2018"), ("2023-01", "vgr-2023"), ("2026-12", "vgr-2023")],
    )
    def test_the_vgr_agreement_in_force_is_chosen(self, month: str, expected: str) -> None:
        assert select_ruleset(month).id == expected

    @pytest.mark.parametrize("month", ["2020-03", "2019-06", "2027-01"])
    def test_a_month_no_vgr_agreement_covers_asks_for_a_rule_set(self, month: str) -> None:
        with pytest.raises(RuleSetNotApplicableError, match=r"--ruleset") as error:
            select_ruleset(month)
        assert "lag-2017-612" in str(error.value)

    def test_the_statute_is_never_chosen_automatically(self) -> None:
        statute = load_ruleset("lag-2017-612")
        assert statute.covers(select_ruleset("2022-03").valid_from)  # type: ignore[arg-type]
        assert all(select_ruleset(m).id != "lag-2017-612" for m in ("2020-04", "2023-06"))

    def test_a_named_rule_set_outside_its_validity_names_its_period(self) -> None:
        with pytest.raises(RuleSetNotApplicableError, match=r"'vgr-2023' gäller 2023-01-01 – 2026-12-31"):
            select_ruleset("2022-03", "vgr-2023")


class TestParameters:
    def test_vgr_2018_in_march_2022(self) -> None:
        p = load_ruleset("vgr-2018").betalningsansvar("2022-03")
        assert p.daily_amount_ore == 930_000
        assert p.average_threshold_days == Decimal("3.0")
        assert (p.individual_after_days, p.free_days) == (7, 3)
        assert p.threshold_fraction == (30, 10)
        assert not p.separate_care_type_averages
        assert not p.accrue_while_admitted

    def test_the_statute_bills_every_day_after_three_per_individual(self) -> None:
        p = load_ruleset("lag-2017-612").betalningsansvar("2019-05")
        assert (p.individual_after_days, p.free_days, p.daily_amount_ore) == (3, 3, 780_000)

    @pytest.mark.parametrize(("year", "ore"), [(2019, 780_000), (2020, 820_000), (2022, 930_000)])
    def test_only_verified_daily_amounts_ship(self, year: int, ore: int) -> None:
        assert load_ruleset("lag-2017-612").betalningsansvar(f"{year}-06").daily_amount_ore == ore

    @pytest.mark.parametrize("month", ["2021-06", "2023-01", "2024-03", "2026-12"])
    def test_a_year_without_a_verified_amount_stops_and_says_how_to_supply_it(self, month: str) -> None:
        with pytest.raises(MissingParameterError) as error:
            select_ruleset(month).betalningsansvar(month)
        message = str(error.value)
        assert month[:4] in message
        assert "--daily-amount" in message
        assert "daily_amount_sek" in message

    def test_the_user_can_supply_the_daily_amount(self) -> None:
        p = load_ruleset("vgr-2023").betalningsansvar("2024-03", daily_amount_sek=Decimal("9876.50"))
        assert p.daily_amount_ore == 987_650
        assert "user" in p.daily_amount_source

    def test_every_shipped_value_has_a_source(self) -> None:
        for ruleset in shipped_rulesets():
            assert ruleset.source
            for parameter in ruleset.betalningsansvar_parameters.values():
                assert all(value.source for value in parameter.values)


class TestUserRuleSetFiles:
    def test_the_2027_draft_loads_without_code_changes(self) -> None:
        draft = load_ruleset(DRAFT_2027)
        p = draft.betalningsansvar("2027-03", daily_amount_sek=Decimal("10000"))
        assert (p.ruleset_id, p.individual_after_days, p.daily_amount_ore) == (
            "vgr-2027-utkast",
            7,
            1_000_000,
        )

    def test_a_changed_parameter_is_used(self, tmp_path: Path) -> None:
        text = DRAFT_2027.read_text("utf-8").replace('value = "3.0"', 'value = "2.5"')
        path = tmp_path / "mine.toml"
        path.write_text(text, "utf-8")
        assert load_ruleset(path).betalningsansvar(
            "2027-01", daily_amount_sek=Decimal(10000)
        ).threshold_fraction == (
            25,
            10,
        )

    @pytest.mark.parametrize(
        ("change", "key", "reason"),
        [
            (
                ("value = 7", 'value = "sju"'),
                "betalningsansvar.individual_after_days.values[0].value",
                "ogiltigt",
            ),
            (("value = 3,", "value = -1,"), "betalningsansvar.free_days.values[0].value", "ogiltigt"),
            (
                ("[betalningsansvar.free_days]", "[betalningsansvar.free_dayz]"),
                "betalningsansvar.free_dayz",
                "okänd",
            ),
            (('kind = "agreement"', 'kind = "avtal"'), "kind", "Input should be"),
            (("valid_from = 2027-01-01", ""), None, "valid_from krävs"),
        ],
    )
    def test_a_broken_file_names_file_and_key(
        self, tmp_path: Path, change: tuple[str, str], key: str | None, reason: str
    ) -> None:
        path = tmp_path / "broken.toml"
        path.write_text(DRAFT_2027.read_text("utf-8").replace(*change, 1), "utf-8")
        with pytest.raises(RuleSetError) as error:
            load_ruleset(path)
        assert str(path) in str(error.value)
        if key:
            assert error.value.key == key
        assert reason in str(error.value)

    def test_not_toml(self, tmp_path: Path) -> None:
        path = tmp_path / "x.toml"
        path.write_text("id = ", "utf-8")
        with pytest.raises(RuleSetError, match="ogiltig TOML"):
            load_ruleset(path)

    def test_unknown_id(self) -> None:
        with pytest.raises(RuleSetError, match="kända: vgr-2018, vgr-2023, lag-2017-612"):
            load_ruleset("vgr-2019")

    def test_overlapping_periods_are_refused(self, tmp_path: Path) -> None:
        text = DRAFT_2027.read_text("utf-8").replace(
            "values = [{ from = 2027-01-01, value = 3,",
            'values = [{ from = 2027-06-01, value = 2, source = "x" }, { from = 2027-01-01, value = 3,',
        )
        path = tmp_path / "overlap.toml"
        path.write_text(text, "utf-8")
        with pytest.raises(RuleSetError, match="överlappar"):
            load_ruleset(path)


class TestPlacementAndHomeCareParameters:
    def test_the_schablon_is_exact_thirds_with_a_30_day_deadline(self) -> None:
        from fractions import Fraction

        p = load_ruleset("vgr-2023").placements("2024-03")
        assert (p.schablon_region_share, p.agreement_overdue_days) == (Fraction(1, 3), 30)

    def test_a_rule_set_without_placement_terms_says_so(self) -> None:
        with pytest.raises(MissingParameterError, match=r"placements\.schablon_region_share"):
            load_ruleset("vgr-2018").placements("2022-03")

    @pytest.mark.parametrize(
        ("service", "year", "ore"),
        [("hemtjanst", 2019, 41_200), ("hemtjanst", 2022, 44_100), ("hemsjukvard", 2019, 66_900),
         ("hemsjukvard", 2022, 74_400), ("hemsjukvard", 2024, 82_800)],
    )  # fmt: skip
    def test_vastkom_tariffs(self, service: str, year: int, ore: int) -> None:
        from hos_avtal.rules import recommended_tariff

        assert recommended_tariff(service, year)[0] == ore

    @pytest.mark.parametrize(
        ("service", "year"), [("hemtjanst", 2024), ("hemsjukvard", 2021), ("hemtjanst", 2023)]
    )
    def test_a_year_without_a_tariff_names_service_and_year(self, service: str, year: int) -> None:
        from hos_avtal.rules import recommended_tariff

        with pytest.raises(MissingParameterError, match=rf"ingen taxa för {service} {year}.*--tariffs"):
            recommended_tariff(service, year)

    def test_a_bad_share_names_its_key(self, tmp_path: Path) -> None:
        path = tmp_path / "x.toml"
        path.write_text(DRAFT_2027.read_text("utf-8").replace('value = "1/3"', 'value = "4/3"'), "utf-8")
        with pytest.raises(RuleSetError) as error:
            load_ruleset(path)
        assert error.value.key == "placements.schablon_region_share.values[0].value"

"""An agreement may set some parameters per care type (the catalog's ``per_care_type``): VGR's own
history billed psychiatry individually from day 7, with no average, while somatic care used the
average, 2020-01-01 – 2020-03-31. Such a rule set is a file, and the engine honours it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import episode, frame
from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract
from hos_avtal.errors import RuleSetError
from hos_avtal.municipalities import parties
from hos_avtal.rules import derive_ruleset, diff_rulesets, load_ruleset, parse_ruleset_text
from reference import reference_betalningsansvar

PSYCHIATRY = """
[betalningsansvar.pooled_average]
values = [
  { from = 2020-01-01, value = true, source = "Somatik: genomsnitt per kommun och månad" },
  { from = 2020-01-01, value = false, care_type = "psykiatri", source = "Psykiatri: individuell beräkning" },
]
"""


def early_2020(tmp_path: Path) -> Path:
    """vgr-2018's values for 2020 Q1, with psychiatry billed per individual from day 7."""
    text = derive_ruleset(
        "vgr-2018", "vgr-2020q1", dt.date(2020, 1, 1), dt.date(2020, 3, 31),
        changes=["betalningsansvar.recurring_liability_months=3"], source="VGR 2020 Q1 (test)",
    ).toml  # fmt: skip
    text = text.replace("auto_select = true", "auto_select = false")
    start = text.index("[betalningsansvar.free_days]")
    end = text.index("\n[", start + 1)
    free_days = (
        "[betalningsansvar.free_days]\nvalues = [\n"
        '  { from = 2020-01-01, value = 3, source = "Somatik: från dag 4" },\n'
        '  { from = 2020-01-01, value = 6, care_type = "psykiatri", source = "Psykiatri: från dag 7" },\n]\n'
    )
    text = text[:start] + free_days + text[end:]
    start = text.index("[betalningsansvar.pooled_average]")
    end = text.index("\n[", start + 1)
    text = text[:start] + PSYCHIATRY.strip() + "\n" + text[end:]
    path = tmp_path / "vgr-2020q1.toml"
    path.write_text(text)
    return path


def test_psychiatry_billed_individually_from_day_7_while_somatik_uses_the_average(tmp_path: Path) -> None:
    rules = load_ruleset(early_2020(tmp_path))
    episodes = frame(
        episode("s1", 5, ready=dt.date(2020, 3, 1)),
        episode("s2", 2, ready=dt.date(2020, 3, 2)),
        episode("p1", 4, care_type="psykiatri", ready=dt.date(2020, 3, 3)),
        episode("p2", 9, care_type="psykiatri", ready=dt.date(2020, 3, 4)),
    )
    result = calculate_betalningsansvar(episodes, "2020-03", ruleset=rules, daily_amount_sek=8200)
    month = contract(result)[0]
    gbg = next(m for m in month["municipalities"] if m["kommun"] == "1480")
    # Somatik: a pool of N = 2, D = 7, over 3.0 by 1 day. Psykiatri: no pool; p1 has 0 billable
    # days (4 ≤ 6), p2 has 3 (days 7, 8 and 9).
    assert (gbg["average_episodes"], gbg["average_days"], gbg["liable_days"]) == (2, 7, "1.00")
    assert (gbg["individual_episodes"], gbg["individual_billable_days"]) == (2, 3)
    assert gbg["total_amount_sek"] == "32800.00"
    assert month["parameters"]["by_care_type"] == {"psykiatri": {"free_days": 6, "pooled_average": False}}
    params = result.month_rules(dt.date(2020, 3, 1)).parameters
    expected = reference_betalningsansvar(
        episodes.to_dicts(), dt.date(2020, 3, 1), params, {m.code for m in parties()}
    )
    assert expected.municipalities["1480"]["total_amount_ore"] == 3_280_000


def test_a_care_type_value_only_where_the_catalog_allows_it_and_never_overlapping(tmp_path: Path) -> None:
    text = early_2020(tmp_path).read_text()
    threshold = text.replace(
        'value = "3.0", source',
        'value = "3.0", care_type = "psykiatri", source',
        1,
    )
    with pytest.raises(
        RuleSetError, match=r"average_threshold_days.values\[0\].care_type.*samma för båda vårdtyperna"
    ):
        parse_ruleset_text(threshold, "t.toml")
    twice = text.replace(
        '{ from = 2020-01-01, value = 6, care_type = "psykiatri", source = "Psykiatri: från dag 7" },',
        '{ from = 2020-01-01, value = 6, care_type = "psykiatri", source = "a" },\n'
        '  { from = 2020-02-01, value = 5, care_type = "psykiatri", source = "b" },',
    )
    with pytest.raises(
        RuleSetError, match=r"värdena \(psykiatri\) från 2020-01-01 och 2020-02-01 överlappar"
    ):
        parse_ruleset_text(twice, "t.toml")


def test_derive_and_diff_carry_a_care_types_own_values(tmp_path: Path) -> None:
    base = load_ruleset(early_2020(tmp_path))
    derived = derive_ruleset(base, "later", dt.date(2020, 3, 1), None).ruleset
    free = derived.betalningsansvar_parameters["free_days"]
    assert [(v.care_type, v.value) for v in free.values] == [(None, 3), ("psykiatri", 6)]
    differences = {d.name: d for d in diff_rulesets("vgr-2018", base)}
    assert differences["free_days"].after == "3 → psykiatri: 6"
    assert differences["pooled_average"].after == "true → psykiatri: false"

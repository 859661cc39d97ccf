"""The codebase as its maintainers rely on it: every exported name exists, bad input to a public
entry point is an InputError, and every reference to the rules points at a section that exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import hos_avtal
from hos_avtal import InputError, calculate_betalningsansvar
from hos_avtal.synth import month_range, synth_episodes

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "hos_avtal", "hos_avtal.api", "hos_avtal.betalningsansvar", "hos_avtal.charts", "hos_avtal.exports",
    "hos_avtal.forecasts", "hos_avtal.home_care", "hos_avtal.io", "hos_avtal.municipalities",
    "hos_avtal.placements", "hos_avtal.privacy", "hos_avtal.rules", "hos_avtal.runs", "hos_avtal.scenarios",
    "hos_avtal.storage", "hos_avtal.synth",
]  # fmt: skip


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if getattr(module, name, None) is None]
    assert missing == []
    assert sorted(module.__all__) == sorted(set(module.__all__))


@pytest.mark.parametrize("month", ["2022-13", "22-03", "2022-3", "", "1899-12"])
def test_a_bad_month_is_an_input_error(month: str) -> None:
    episodes = synth_episodes(month_range("2022-03"), episodes_per_month=20, seed=1)
    with pytest.raises(InputError, match="är ingen månad"):
        calculate_betalningsansvar(episodes, month)


def _sections() -> set[str]:
    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    return set(re.findall(r"^## (§\d+)\b", text, flags=re.M))


def test_every_reference_to_the_rules_names_a_section_that_exists() -> None:
    sections = _sections()
    assert {f"§{n}" for n in range(12)} <= sections
    cited: dict[str, set[str]] = {}
    places = [*(ROOT / "src").rglob("*.py"), *(ROOT / "src").rglob("*.toml"), *(ROOT / "tests").glob("*.py")]
    places += [*(ROOT / "scenarios").rglob("*.toml"), ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    for path in places:
        for section in re.findall(r"rules\.md (§\d+)", path.read_text("utf-8")):
            cited.setdefault(section, set()).add(str(path.relative_to(ROOT)))
    assert cited, "the code cites the rules"
    assert {s: where for s, where in cited.items() if s not in sections} == {}


def test_nothing_cites_a_document_outside_the_repository() -> None:
    """The agreement's readings live in docs/rules.md; no file points at a spec the repository
    does not hold."""
    offenders = []
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "src").rglob("*.toml"), ROOT / "README.md"]:
        if re.search(r"\bSPEC\b", path.read_text("utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_version_has_one_home() -> None:
    from hos_avtal._version import __version__

    assert hos_avtal.__version__ == __version__


def test_the_run_record_has_one_home() -> None:
    """The API's run summary is the stored record as JSON: a field added to one is in the other."""
    import dataclasses
    import datetime as dt

    from hos_avtal.api._schemas import RunSummaryOut
    from hos_avtal.runs import RunSummary

    record = RunSummary(1, dt.date(2022, 6, 1), 1, "draft", "vgr-2018", "r", "i", "0.1", "cli",
                        dt.datetime(2022, 7, 1, tzinfo=dt.UTC)).record(money="sek")  # fmt: skip
    assert set(RunSummaryOut.model_fields) == set(record)
    assert RunSummaryOut.model_validate(record).model_dump(mode="json")["month"] == "2022-06"
    stored = {f.name for f in dataclasses.fields(RunSummary)}
    assert set(record) == (stored - {"daily_amount_ore"}) | {"daily_amount_sek"}


def test_money_and_codes_are_types_of_their_own() -> None:
    from hos_avtal import KommunCode, Ore
    from hos_avtal.money import parse_sek

    assert parse_sek("9 300") == Ore(930000)
    assert KommunCode("1480") == "1480"
    assert getattr(Ore, "__supertype__", None) is int  # NewType, not an alias mypy cannot tell apart
    assert getattr(KommunCode, "__supertype__", None) is str

"""The parameter catalog is the only list of parameters: a parameter added to it (here, in a
fixture) appears in rule-set validation, the scenario overlays, the sweep axes, the OpenAPI
schema and ``GET /v1/parameters``, with no other change. And no other list of names is left in
the code: the names of parameters appear only in the catalog, the rule sets and the engine code
that reads their values."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from hos_avtal.api import create_app, create_key
from hos_avtal.errors import RuleSetError, ScenarioError
from hos_avtal.rules import (
    ParameterSpec,
    catalog_in_force,
    derive_ruleset,
    parameter_catalog,
    parse_ruleset_text,
    shipped_rulesets,
)
from hos_avtal.scenarios import parse_axis, scenario_from_mapping
from test_cli import run

SRC = Path(__file__).resolve().parent.parent / "src" / "hos_avtal"

NEW = ParameterSpec(
    capability="betalningsansvar",
    name="grace_days",
    kind="integer",
    label="Karensdagar",
    help="Dagar efter utskrivningsklar innan något räknas (ett påhittat villkor för testet).",
    unit="kalenderdagar",
    minimum=Decimal(0),
    maximum=Decimal(10),
    required=False,
    default=0,
    sweep=True,
)


@pytest.fixture
def extended() -> Iterator[None]:
    with catalog_in_force(parameter_catalog().with_parameter(NEW)):
        yield


def with_grace_days(value: object) -> str:
    text = derive_ruleset("vgr-2023", "vgr-test", dt.date(2027, 1, 1), None).toml
    entry = f'values = [{{ from = 2027-01-01, value = {value}, source = "test" }}]'
    return f"{text}\n[betalningsansvar.grace_days]\n{entry}\n"


def test_without_the_entry_the_parameter_is_unknown_everywhere() -> None:
    with pytest.raises(RuleSetError, match="okänd parameter"):
        parse_ruleset_text(with_grace_days(2), "test.toml")
    with pytest.raises(ScenarioError, match="okänd parameter"):
        scenario_from_mapping({"name": "x", "base": "vgr-2023", "betalningsansvar": {"grace_days": 2}})
    with pytest.raises(ScenarioError, match="kan inte svepas"):
        parse_axis("grace_days=1:3:1")


def test_an_added_parameter_is_validated_in_rule_sets(extended: None) -> None:
    ruleset = parse_ruleset_text(with_grace_days(2), "test.toml")
    assert ruleset.betalningsansvar_parameters["grace_days"].values[0].value == 2
    with pytest.raises(RuleSetError, match=r"grace_days.values\[0\].value.*från 0 till 10"):
        parse_ruleset_text(with_grace_days(11), "test.toml")
    with pytest.raises(RuleSetError, match="ett heltal"):
        parse_ruleset_text(with_grace_days('"2"'), "test.toml")
    # Optional: every shipped rule set, which says nothing of it, stays valid.
    assert [r.id for r in shipped_rulesets()] == ["vgr-2018", "vgr-2023", "lag-2017-612"]


def test_an_added_parameter_is_a_scenario_key_and_a_sweep_axis(extended: None) -> None:
    scenario = scenario_from_mapping({"name": "x", "base": "vgr-2023", "betalningsansvar": {"grace_days": 2}})
    assert scenario.overrides["betalningsansvar"]["grace_days"] == 2
    with pytest.raises(ScenarioError, match="från 0 till 10"):
        scenario_from_mapping({"name": "x", "base": "vgr-2023", "betalningsansvar": {"grace_days": 20}})
    axis = parse_axis("grace_days=1:3:1")
    assert (axis.capability, axis.values) == ("betalningsansvar", (1, 2, 3))


def test_an_added_parameter_is_in_the_openapi_schema_and_the_catalog_endpoint(
    extended: None, tmp_path: Path
) -> None:
    app = create_app(str(tmp_path / "api.sqlite"))
    schema = app.openapi()["components"]["schemas"]
    grace = schema["BetalningsansvarParameters"]["properties"]["grace_days"]
    assert (grace["type"], grace["minimum"], grace["maximum"], grace["title"]) == (
        "integer",
        0,
        10,
        "Karensdagar",
    )
    assert "grace_days" in schema["SweepParameter"]["properties"]["name"]["enum"]
    _key, token = create_key(app.state.database, "analyst")
    import anyio

    async def fetch() -> list[dict[str, object]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as async_client:
            response = await async_client.get("/v1/parameters", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
            return response.json()  # type: ignore[no-any-return]

    listed = anyio.run(fetch)
    entry = next(p for p in listed if p["name"] == "grace_days")
    assert entry == {**NEW.as_json(), "min": "0", "max": "10"}
    app.state.database.close()


def test_the_catalog_lists_every_parameter_once_and_the_shipped_files_only_values(
    capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    keys = [spec.key for spec in parameter_catalog()]
    assert len(keys) == len(set(keys))
    code, out, _ = run(capsys, monkeypatch, "rulesets", "parameters", "--format", "json")
    assert code == 0
    assert [f"{p['capability']}.{p['name']}" for p in json.loads(out)] == keys
    for path in (SRC / "rules" / "data").glob("*.toml"):
        if path.name != "parameters.toml":
            text = path.read_text("utf-8")
            assert not re.search(r"(?m)^(description|unit) = ", text), f"{path.name} describes a parameter"


# The only places a parameter's name may be written: the catalog, the rule sets, the engine that
# reads the value (the resolved parameters, the episode engine's frame, the sweep's arrays), the
# placements resolver, and documentation examples (doctests, help texts of examples).
_ALLOWED = {
    "rules/data", "rules/_betalningsansvar.py", "rules/_placements.py", "betalningsansvar/_params.py",
    "betalningsansvar/_engine.py", "scenarios/_histogram.py",
}  # fmt: skip


def test_no_other_list_of_parameter_names_is_left() -> None:
    # daily_amount_sek is also the contract's field of the amount used, and "conditions" a kind.
    names = [
        spec.name
        for spec in parameter_catalog()
        if spec.capability != "plausibility" and spec.name not in ("daily_amount_sek", "conditions")
    ]
    pattern = re.compile("[\"']({})[\"']".format("|".join(names)))
    found = []
    for path in SRC.rglob("*"):
        if path.suffix not in (".py", ".js", ".html") or any(
            str(path).endswith(a) or f"/{a}/" in str(path) for a in _ALLOWED
        ):
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            code = line.split("#")[0] if path.suffix == ".py" else line
            if (
                pattern.search(code)
                and not re.match(r"\s*(>>>|\.\.\.|\(|\[)", line)
                and "examples=" not in line
            ):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert found == []

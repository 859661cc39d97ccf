"""The OpenAPI schemas of parameters, written from the parameter catalog when the document is made.

A scenario's tables (``betalningsansvar``, ``placements``, ``home_care``) and a sweep's parameter
names are validated by the core against the catalog; this gives clients the same catalog as
schemas: one property per parameter with its type, bounds and help text, and the sweepable names
as an enum. A parameter added to the catalog appears here with no change to the API.
"""

from __future__ import annotations

from typing import Any

from hos_avtal.rules import RULE_CAPABILITIES, ParameterSpec, parameter_catalog


def _schema(spec: ParameterSpec) -> dict[str, Any]:
    described: dict[str, Any] = {"title": spec.label, "description": spec.help}
    if spec.unit:
        described["description"] += f" ({spec.unit})"
    if spec.kind == "integer":
        bounds = {"minimum": int(spec.minimum)} if spec.minimum is not None else {}
        if spec.maximum is not None:
            bounds["maximum"] = int(spec.maximum)
        return {**described, "type": "integer", **bounds}
    if spec.kind == "boolean":
        return {**described, "type": "boolean"}
    if spec.kind == "conditions":
        return {**described, "type": "array", "items": {"type": "string", "enum": list(spec.choices)}}
    if spec.kind == "share":
        return {**described, "type": "string", "pattern": r"^[0-9]{1,6}(/[0-9]{1,6}|\.[0-9]{1,8})?$"}
    # Decimals and money: exact text (or a JSON number, read as the digits written).
    return {**described, "anyOf": [{"type": "string", "maxLength": 40}, {"type": "number"}]}


def table_name(capability: str) -> str:
    return "".join(part.capitalize() for part in capability.split("_")) + "Parameters"


def add_catalog_schemas(components: dict[str, Any]) -> None:
    """Write the catalog's tables into ``components`` and point the scenario and sweep models at them."""
    catalog = parameter_catalog()
    for capability in RULE_CAPABILITIES:
        components[table_name(capability)] = {
            "title": table_name(capability),
            "description": f"The {capability} parameters a scenario may change (GET /v1/parameters).",
            "type": "object",
            "additionalProperties": False,
            "properties": {spec.name: _schema(spec) for spec in catalog.of(capability)},
        }
    scenario = components.get("ScenarioIn", {}).get("properties", {})
    for capability in RULE_CAPABILITIES:
        if capability in scenario:
            scenario[capability] = {
                "anyOf": [{"$ref": f"#/components/schemas/{table_name(capability)}"}, {"type": "null"}]
            }
    sweep = components.get("SweepParameter", {}).get("properties", {})
    if "name" in sweep:
        sweep["name"] = {**sweep["name"], "enum": [spec.name for spec in catalog.sweepable()]}

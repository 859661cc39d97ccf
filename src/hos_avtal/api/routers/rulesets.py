"""``GET /v1/rulesets`` and ``/v1/rulesets/{id}``: the shipped rule sets, every parameter with its
effective dates and source, so an invoice can be traced to the paragraph behind each figure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Path

from hos_avtal.api._deps import READ_REFERENCE
from hos_avtal.api._problems import ProblemError
from hos_avtal.api._schemas import ParameterOut, ParameterValueOut, RuleSetOut, RuleSetSummary
from hos_avtal.api.routers._common import problems
from hos_avtal.rules import RuleSet
from hos_avtal.rules._loader import shipped_rulesets

router = APIRouter(prefix="/v1", tags=["reference"], dependencies=[Depends(READ_REFERENCE)])


def _summary(r: RuleSet) -> dict[str, Any]:
    return {
        "id": r.id, "name": r.name, "kind": r.kind, "auto_select": r.auto_select,
        "valid_from": r.valid_from, "valid_to": r.valid_to, "source": r.source,
    }  # fmt: skip


def _value(value: object) -> bool | int | str | list[str]:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | str):
        return value
    return [str(v) for v in value]  # type: ignore[attr-defined]


@router.get("/rulesets", response_model=list[RuleSetSummary], responses=problems())
def list_rulesets() -> list[RuleSetSummary]:
    """The rule sets that ship with the service, oldest first."""
    return [RuleSetSummary(**_summary(r)) for r in shipped_rulesets()]


@router.get("/rulesets/{ruleset_id}", response_model=RuleSetOut, responses=problems(404))
def get_ruleset(ruleset_id: str = Path(max_length=100)) -> RuleSetOut:
    """One rule set with every parameter and each of its values' period and source."""
    for r in shipped_rulesets():
        if r.id == ruleset_id:
            break
    else:
        raise ProblemError(404, "no shipped rule set has this id; see GET /v1/rulesets")
    parameters = [
        ParameterOut(
            name=name,
            calculation=calculation,
            description=p.description,
            unit=p.unit,
            values=[
                ParameterValueOut(
                    valid_from=v.valid_from, valid_to=v.valid_to, value=_value(v.value), source=v.source
                )
                for v in p.values
            ],
        )
        for calculation, group in (
            ("betalningsansvar", r.betalningsansvar_parameters),
            ("placements", r.placements_parameters),
            ("home_care", r.home_care_parameters),
        )
        for name, p in group.items()
    ]
    return RuleSetOut(**_summary(r), parameters=parameters)

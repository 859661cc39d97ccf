"""``/v1/rulesets``: the rule sets a request may name (shipped, configured, registered), every
parameter with its effective dates and source, what two differ in, and registering a new one.

An invoice can be traced to the paragraph behind each figure; a new agreement is registered by
an administrator (``POST``), never by naming a file on the server.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from hos_avtal.api._deps import READ_REFERENCE, DatabaseDep, named_ruleset, require
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._registry_schemas import (
    CatalogEntry,
    DifferenceOut,
    RuleSetDiff,
    RuleSetIn,
    RuleSetOut,
    RuleSetRegistered,
    RuleSetSummary,
)
from hos_avtal.api._schemas import ParameterOut, ParameterValueOut
from hos_avtal.api.routers._common import problems
from hos_avtal.errors import ProblemError
from hos_avtal.rules import RULE_CAPABILITIES as CAPABILITIES
from hos_avtal.rules import (
    RegisteredRuleSet,
    RuleSet,
    active_registry,
    diff_rulesets,
    parameter_catalog,
    shipped_rulesets,
)
from hos_avtal.storage import Actor, register_ruleset

router = APIRouter(prefix="/v1", tags=["rules"])

RuleSetId = Annotated[str, Path(max_length=100)]


def _summary(r: RuleSet, registered: RegisteredRuleSet | None) -> dict[str, Any]:
    return {
        "id": r.id, "name": r.name, "kind": r.kind, "auto_select": r.auto_select,
        "valid_from": r.valid_from, "valid_to": r.valid_to, "source": r.source,
        "origin": registered.origin if registered else "shipped",
        "content_sha256": registered.content_sha256 if registered else None,
        "registered_by": registered.registered_by or None if registered else None,
        "registered_at": registered.registered_at if registered else None,
    }  # fmt: skip


def _value(value: object) -> bool | int | str | list[str]:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | str):
        return value
    return [str(v) for v in value]  # type: ignore[attr-defined]


def _all() -> list[tuple[RuleSet, RegisteredRuleSet | None]]:
    return [(r, None) for r in shipped_rulesets()] + [(r.ruleset, r) for r in active_registry().rulesets]


@router.get(
    "/rulesets",
    response_model=list[RuleSetSummary],
    responses=problems(),
    dependencies=[Depends(READ_REFERENCE)],
)
def list_rulesets() -> list[RuleSetSummary]:
    """Every rule set a request may name: the shipped ones, oldest first, then those configured
    in the server's folder and registered in its database."""
    return [RuleSetSummary(**_summary(r, registered)) for r, registered in _all()]


@router.get(
    "/rulesets/{ruleset_id}",
    response_model=RuleSetOut,
    responses=problems(404),
    dependencies=[Depends(READ_REFERENCE)],
)
def get_ruleset(ruleset_id: RuleSetId) -> RuleSetOut:
    """One rule set with every parameter and each of its values' period and source."""
    found = next(((r, reg) for r, reg in _all() if r.id == ruleset_id), None)
    if found is None:
        raise ProblemError(404, "no rule set has this id; see GET /v1/rulesets")
    r, registered = found
    catalog = parameter_catalog()
    parameters = [
        ParameterOut(
            name=name,
            calculation=calculation,
            description=spec.help if (spec := catalog.get(calculation, name)) else p.description,
            unit=spec.unit if spec else p.unit,
            values=[
                ParameterValueOut(
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                    value=_value(v.value),
                    source=v.source,
                    care_type=v.care_type,
                )
                for v in p.values
            ],
        )
        for calculation in CAPABILITIES
        for name, p in getattr(r, f"{calculation}_parameters").items()
    ]
    return RuleSetOut(**_summary(r, registered), parameters=parameters)


@router.get(
    "/rulesets/{a}/diff/{b}",
    response_model=RuleSetDiff,
    responses=problems(),
    dependencies=[Depends(READ_REFERENCE)],
)
def diff(a: RuleSetId, b: RuleSetId) -> RuleSetDiff:
    """Every parameter whose values differ between rule sets ``a`` and ``b``, with both values
    and sources (the dates are no difference: a new agreement starts later)."""
    first, second = named_ruleset(a, "a"), named_ruleset(b, "b")
    assert first is not None
    assert second is not None
    differences = [
        DifferenceOut(
            capability=d.capability,
            name=d.name,
            a=d.before,
            b=d.after,
            a_source=d.before_source,
            b_source=d.after_source,
        )
        for d in diff_rulesets(first, second)
    ]
    return RuleSetDiff(a=a, b=b, differences=differences)


@router.post(
    "/rulesets",
    response_model=RuleSetRegistered,
    status_code=201,
    responses={200: {"model": RuleSetRegistered, "description": "Already registered."}, **problems(409)},
)
def post_ruleset(
    body: RuleSetIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(require())],
) -> RuleSetRegistered:
    """Register a rule set (admin). It is validated like a shipped one; the same content under
    the same id is one rule set (200); 409 for a shipped id, an id a final run used with other
    content, or an automatic agreement whose validity overlaps another's."""
    registered, created = register_ruleset(db, body.toml, "request body", Actor(f"API key {key.id}", key.id))
    request.state.resource_id = registered.ruleset.id
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/v1/rulesets/{registered.ruleset.id}"
    return RuleSetRegistered(
        created=created, ruleset=RuleSetSummary(**_summary(registered.ruleset, registered))
    )


@router.get(
    "/parameters",
    response_model=list[CatalogEntry],
    responses=problems(),
    dependencies=[Depends(READ_REFERENCE)],
)
def list_parameters() -> list[CatalogEntry]:
    """The parameter catalog: every parameter a rule set or scenario may set, with its type,
    unit, bounds, Swedish label and help text, whether it can be swept (and how the web page's
    slider ranges) and whether an agreement may set it per care type."""
    return [CatalogEntry(**spec.as_json()) for spec in parameter_catalog()]

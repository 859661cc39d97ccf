"""A scenario: a base rule set and the parameters a negotiator changes (docs/rules.md §7).

A scenario file is TOML::

    name = "Tröskel 2,5 dagar"
    description = "Vad hade ett lägre tröskelvärde kostat?"
    base = "vgr-2023"              # a shipped rule-set id or a rule-set file (relative to this file)

    [betalningsansvar]
    average_threshold_days = "2.5"

    [placements]
    schablon_region_share = "0.33"

    [home_care]
    hemtjanst_sek_per_hour = "750"

Every key of a capability table is a rule-set parameter name; each value replaces the
parameter for every month (one value, no dates). The rule set it produces is the base with those
values swapped in, so the engines run unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from hos_avtal._types import RuleSetRef
from hos_avtal.errors import InputError, RuleSetError, ScenarioError, quotable
from hos_avtal.privacy import check_label
from hos_avtal.rules import (
    RULE_CAPABILITIES,
    Parameter,
    ParameterValue,
    RawValue,
    RuleSet,
    known_ids,
    load_ruleset,
    parameter_catalog,
)

CAPABILITIES = RULE_CAPABILITIES

_TOP_LEVEL = ("name", "description", "base", *CAPABILITIES)
_SINCE_ALWAYS = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Scenario:
    """A named overlay on a base rule set; ``overrides[capability][parameter]`` is the new value.

    >>> s = scenario_from_mapping(
    ...     {"name": "Tröskel 2,5", "base": "vgr-2023", "betalningsansvar": {"average_threshold_days": 2.5}}
    ... )
    >>> s.overrides["betalningsansvar"]["average_threshold_days"]
    Decimal('2.5')
    >>> rules = s.ruleset()
    >>> rules.id, rules.betalningsansvar("2024-05", daily_amount_sek=Decimal(9300)).average_threshold_days
    ('vgr-2023+troskel-2-5', Decimal('2.5'))
    """

    name: str
    base: RuleSetRef
    description: str = ""
    overrides: Mapping[str, Mapping[str, RawValue]] = field(default_factory=dict)
    origin: str = "request"
    """The file the scenario came from, or ``"request"`` for one built in memory (the API)."""

    @property
    def slug(self) -> str:
        """The name as a short ASCII id: ``"Tröskel 2,5"`` → ``"troskel-2-5"``."""
        return slugify(self.name)

    def changes(self, capability: str) -> Mapping[str, RawValue]:
        return self.overrides.get(capability, {})

    def ruleset(self, fallback: RuleSet | None = None) -> RuleSet:
        """The base rule set with this scenario's values swapped in.

        A capability the base says nothing about (the statute has no placement rules) is taken
        from ``fallback`` (the comparison's base), so a scenario on ``lag-2017-612`` can still be
        compared on placements and home care.
        """
        try:
            base = load_ruleset(self.base)
        except RuleSetError as exc:
            raise ScenarioError(self.origin, f"basregelverket kan inte användas: {exc}", key="base") from None
        return overlay(base, self.overrides, label=self.name, origin=self.origin, fallback=fallback)


def overlay(
    base: RuleSet,
    overrides: Mapping[str, Mapping[str, RawValue]],
    *,
    label: str,
    origin: str = "request",
    fallback: RuleSet | None = None,
) -> RuleSet:
    """``base`` with the values of ``overrides[capability][name]`` swapped in for every month.

    Each replaced value cites the scenario (``label`` and ``origin``) as its source, so a result
    explains itself; ``fallback`` supplies a capability ``base`` says nothing about.
    """
    update: dict[str, Any] = {"id": f"{base.id}+{slugify(label)}", "name": f"{base.name} — {label}"}
    for capability in CAPABILITIES:
        attribute = f"{capability}_parameters"
        parameters: dict[str, Parameter] = dict(getattr(base, attribute))
        if not parameters and fallback is not None:
            parameters = dict(getattr(fallback, attribute))
        for name, value in overrides.get(capability, {}).items():
            parameters[name] = Parameter(
                description=f"Scenario {label!r}",
                values=[
                    ParameterValue(
                        valid_from=_SINCE_ALWAYS, value=value, source=f"scenario {label!r} ({origin})"
                    )
                ],
            )
        update[attribute] = parameters
    return base.model_copy(update=update)


def slugify(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "a", "Ä": "a", "Ö": "o"})
    slug = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return slug or "scenario"


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; a broken one names the file and the key."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise ScenarioError(str(path), f"kan inte läsas ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer too long to convert
        raise ScenarioError(str(path), f"ogiltig TOML: {exc}") from None
    return scenario_from_mapping(data, origin=str(path), relative_to=path.parent)


def scenario_from_mapping(
    data: Mapping[str, Any], *, origin: str = "request", relative_to: Path | None = None
) -> Scenario:
    """Validate a scenario given as a mapping (a parsed file, or the API's JSON).

    ``base`` is a shipped rule-set id or a rule-set file; a relative file path is taken relative
    to ``relative_to`` (the scenario file's folder). Without ``relative_to`` (the API) only
    shipped ids are accepted, so a request can never make the server read its own files.
    """
    unknown = [key for key in data if key not in _TOP_LEVEL]
    if unknown:
        raise ScenarioError(origin, f"okänd nyckel; kända: {', '.join(_TOP_LEVEL)}", key=unknown[0])
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(origin, "ett scenario behöver ett namn (en text som inte är tom)", key="name")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(origin, "beskrivningen måste vara en text", key="description")
    for key, text, longest in (("name", name, 200), ("description", description, 2000)):
        try:
            check_label(text, key, max_length=longest)
        except InputError as exc:
            raise ScenarioError(origin, exc.problems[0].reason, key=key) from None
    base = _base(data.get("base"), origin, relative_to)
    overrides: dict[str, dict[str, RawValue]] = {}
    for capability in CAPABILITIES:
        table = data.get(capability, {})
        if not isinstance(table, Mapping):
            raise ScenarioError(origin, "måste vara en tabell med parameter = värde", key=capability)
        overrides[capability] = {
            name: check_parameter(capability, name, value, origin) for name, value in table.items()
        }
    return Scenario(
        name=name.strip(),
        base=base,
        description=description.strip(),
        overrides={k: v for k, v in overrides.items() if v},
        origin=origin,
    )


def _base(value: object, origin: str, relative_to: Path | None) -> RuleSetRef:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(
            origin,
            f"ett scenario behöver en bas: ett regelverks id ({', '.join(known_ids())}) eller en "
            "regelverksfil",
            key="base",
        )
    value = value.strip()
    if value in known_ids():
        return value
    if relative_to is None:
        raise ScenarioError(
            origin, f"okänt regelverk {quotable(value)!r}; kända: {', '.join(known_ids())}", key="base"
        )
    path = Path(value) if Path(value).is_absolute() else relative_to / value
    if not path.exists():
        raise ScenarioError(origin, f"regelverksfilen {str(path)!r} finns inte", key="base")
    return str(path)


def check_parameter(capability: str, name: str, value: object, origin: str) -> RawValue:
    key = f"{capability}.{name}"
    catalog = parameter_catalog()
    if catalog.get(capability, name) is None:
        known = ", ".join(catalog.names(capability))
        raise ScenarioError(origin, f"okänd parameter; kända för {capability}: {known}", key=key)
    if isinstance(value, float):  # TOML/JSON floats: keep what the user wrote, not the binary value
        value = Decimal(repr(value))
    try:
        typed = catalog.check(capability, name, value)
    except ValueError as exc:
        raise ScenarioError(origin, str(exc), key=key) from None
    if isinstance(typed, Fraction):  # a share: keep the user's exact text ("1/3", "0.33")
        return str(value).strip()
    if isinstance(typed, tuple):
        return list(typed)
    assert isinstance(typed, bool | int | Decimal | str | list), typed
    return typed

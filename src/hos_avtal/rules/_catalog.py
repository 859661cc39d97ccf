"""The parameter catalog (``data/parameters.toml``): every parameter of every capability, once.

A rule-set file holds only dated values and their sources; what a parameter *is* lives here:
its type, unit, bounds, Swedish label and help text, whether it can be swept, whether the
agreement may set it per care type, and (for the web page) its slider. Everything that knows
parameter names asks the catalog: rule-set validation, scenario overlays, sweep axes, the API's
schemas, ``GET /v1/parameters`` and through it the web page's controls. Adding a parameter is a
catalog entry (and the engine code that uses its value), never another list of names.

>>> catalog = parameter_catalog()
>>> spec = catalog.get("betalningsansvar", "average_threshold_days")
>>> spec.label, spec.unit, spec.check("3.25")
('Genomsnittsgräns', 'kalenderdagar', Decimal('3.25'))
>>> [s.name for s in catalog.sweepable() if s.capability == "placements"]
['schablon_region_share']
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any, Literal

from hos_avtal.rules._model import RawValue

Kind = Literal["decimal", "integer", "boolean", "money", "share", "conditions"]
KINDS: tuple[Kind, ...] = ("decimal", "integer", "boolean", "money", "share", "conditions")
RULE_CAPABILITIES = ("betalningsansvar", "placements", "home_care")
"""What an agreement (and a scenario on it) sets, in the fixed order of outputs and the API."""
CAPABILITIES = (*RULE_CAPABILITIES, "plausibility")
"""Every capability of the catalog; ``plausibility`` is the shared limits file's."""

_MAX_DIGITS = 10
"""Digits of an exact decimal parameter: its exact fraction (3.25 is 325/100) stays small."""


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter as the catalog describes it; :meth:`check` types a raw value."""

    capability: str
    name: str
    kind: Kind
    label: str
    help: str
    unit: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int | None = None
    bound: Literal["daily_amount", "tariff"] | None = None
    """Money bounded by the plausibility limits of a daily amount or a tariff."""
    choices: tuple[str, ...] = ()
    required: bool = True
    default: RawValue | None = None
    sweep: bool = False
    per_care_type: bool = False
    ui: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.capability}.{self.name}"

    def check(self, value: object) -> object:
        """The value typed (``Decimal``, ``int``, ``bool``, ``Fraction``, ``list``); a
        ``ValueError`` whose text says why it is not one (``invalid value: …``)."""
        from hos_avtal.rules import _checks

        return _checks.check(self, value)

    def as_json(self) -> dict[str, Any]:
        """The entry as ``GET /v1/parameters`` gives it (numbers as exact text)."""
        return {
            "capability": self.capability,
            "name": self.name,
            "type": self.kind,
            "label": self.label,
            "help": self.help,
            "unit": self.unit,
            "min": None if self.minimum is None else str(self.minimum),
            "max": None if self.maximum is None else str(self.maximum),
            "decimals": self.decimals,
            "bound": self.bound,
            "choices": list(self.choices) or None,
            "required": self.required,
            "default": self.default,
            "sweep": self.sweep,
            "per_care_type": self.per_care_type,
            "ui": dict(self.ui) or None,
        }


@dataclass(frozen=True)
class Catalog:
    """Every parameter, in the file's order."""

    parameters: tuple[ParameterSpec, ...]

    def __iter__(self) -> Iterator[ParameterSpec]:
        return iter(self.parameters)

    def get(self, capability: str, name: str) -> ParameterSpec | None:
        return next((p for p in self.parameters if p.capability == capability and p.name == name), None)

    def of(self, capability: str) -> list[ParameterSpec]:
        return [p for p in self.parameters if p.capability == capability]

    def names(self, capability: str) -> list[str]:
        return [p.name for p in self.of(capability)]

    def required(self, capability: str) -> list[str]:
        return [p.name for p in self.of(capability) if p.required]

    def sweepable(self) -> list[ParameterSpec]:
        return [p for p in self.parameters if p.sweep]

    def check(self, capability: str, name: str, value: object) -> object:
        """``capability.name``'s value typed; ``ValueError`` for an unknown parameter or a bad value."""
        spec = self.get(capability, name)
        if spec is None:
            if capability not in CAPABILITIES:
                raise ValueError(f"okänt område; kända: {', '.join(CAPABILITIES)}")
            raise ValueError(f"okänd parameter; kända: {', '.join(sorted(self.names(capability)))}")
        return spec.check(value)

    def with_parameter(self, spec: ParameterSpec) -> Catalog:
        """This catalog and one more parameter (a new one, or one replaced)."""
        kept = tuple(p for p in self.parameters if p.key != spec.key)
        return Catalog((*kept, spec))


def _decimal(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"parameters.toml, {where}: inget tal") from None


def _spec(capability: str, name: str, entry: Mapping[str, Any]) -> ParameterSpec:
    where = f"{capability}.{name}"
    known = {
        "type", "label", "help", "unit", "min", "max", "decimals", "bound", "choices", "required",
        "default", "sweep", "per_care_type", "ui",
    }  # fmt: skip
    unknown = set(entry) - known
    if unknown or entry.get("type") not in KINDS:
        raise ValueError(f"parameters.toml, {where}: okända nycklar {sorted(unknown)} eller okänd typ")
    return ParameterSpec(
        capability=capability,
        name=name,
        kind=entry["type"],
        label=entry["label"],
        help=entry["help"],
        unit=entry.get("unit"),
        minimum=_decimal(entry.get("min"), where),
        maximum=_decimal(entry.get("max"), where),
        decimals=entry.get("decimals"),
        bound=entry.get("bound"),
        choices=tuple(entry.get("choices", ())),
        required=entry.get("required", True),
        default=entry.get("default"),
        sweep=entry.get("sweep", False),
        per_care_type=entry.get("per_care_type", False),
        ui={k: str(v) for k, v in entry.get("ui", {}).items()},
    )


def _load() -> Catalog:
    text = resources.files("hos_avtal.rules").joinpath("data", "parameters.toml").read_text("utf-8")
    data = tomllib.loads(text)
    specs = [
        _spec(capability, name, entry)
        for capability in CAPABILITIES
        for name, entry in data.get(capability, {}).items()
    ]
    return Catalog(tuple(specs))


_CURRENT: list[Catalog] = []


def parameter_catalog() -> Catalog:
    """The catalog in force (the shipped file, read once)."""
    if not _CURRENT:
        _CURRENT.append(_load())
    return _CURRENT[-1]


@contextmanager
def catalog_in_force(catalog: Catalog) -> Iterator[Catalog]:
    """Run the block with ``catalog`` instead of the shipped one (how a test adds a parameter)."""
    parameter_catalog()
    _CURRENT.append(catalog)
    try:
        yield catalog
    finally:
        _CURRENT.remove(catalog)

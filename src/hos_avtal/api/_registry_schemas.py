"""The contract of the rules registry over HTTP: rule sets, daily amounts, municipal tariffs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hos_avtal.api._schemas import Date, Money, ParameterOut

Origin = Literal["shipped", "folder", "database"]
SourceText = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSetSummary(BaseModel):
    id: str
    name: str
    kind: str
    auto_select: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str
    origin: Origin = Field(description="Shipped with hos_avtal, in the configured folder, or registered.")
    content_sha256: str | None = Field(description="Of a registered or configured rule set's content.")
    registered_by: str | None
    registered_at: dt.datetime | None


class RuleSetOut(RuleSetSummary):
    parameters: list[ParameterOut]


class RuleSetIn(_Strict):
    """A rule-set file's text, as ``hos-avtal rulesets add`` reads it from a file."""

    toml: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)] = Field(
        description="The rule set as TOML (see GET /v1/rulesets/{id} for the parameters of one)."
    )


class RuleSetRegistered(BaseModel):
    created: bool = Field(description="False: the same content was already registered under this id.")
    ruleset: RuleSetSummary


class DifferenceOut(BaseModel):
    capability: Literal["betalningsansvar", "placements", "home_care"]
    name: str
    a: str | None = Field(description="The first rule set's values in order (→ between them); null: none.")
    b: str | None
    a_source: str | None
    b_source: str | None


class RuleSetDiff(BaseModel):
    a: str
    b: str
    differences: list[DifferenceOut]


class DailyAmountOut(BaseModel):
    year: int
    daily_amount_sek: Money
    origin: Literal["shipped", "registered"]
    source: str


class DailyAmountIn(_Strict):
    daily_amount_sek: Money = Field(description='Kronor per vårddygn, e.g. "9650.00".')
    source: SourceText = Field(description="The regulation it comes from, e.g. HSLF-FS 2026:50.")


class TariffOut(BaseModel):
    kommun: str
    name: str
    year: int
    service: Literal["hemtjanst", "hemsjukvard"]
    sek_per_hour: Money
    decided: dt.date
    source: str
    registered_by: str
    registered_at: dt.datetime


class TariffsIn(_Strict):
    """A municipality's own tariffs for a year, as it decided them (at least one)."""

    hemtjanst_sek_per_hour: Money | None = None
    hemsjukvard_sek_per_hour: Money | None = None
    decided: Date = Field(description="The date of the municipality's decision (YYYY-MM-DD).")
    source: SourceText = Field(description="The decision, e.g. KF 2026-11-20 §123.")


class CatalogEntry(BaseModel):
    """One parameter of the catalog: what it is, its type and bounds, and how the page shows it."""

    capability: Literal["betalningsansvar", "placements", "home_care", "plausibility"]
    name: str
    type: Literal["decimal", "integer", "boolean", "money", "share", "conditions"]
    label: str = Field(description="Swedish, as reports and the web page name it.")
    help: str = Field(description="Swedish: what the parameter means.")
    unit: str | None
    min: str | None = Field(
        description="Exact decimal text; null: no bound (money may be bounded by `bound`)."
    )
    max: str | None
    decimals: int | None
    bound: Literal["daily_amount", "tariff"] | None = Field(
        description="Money within the plausibility limits of a daily amount or a tariff."
    )
    choices: list[str] | None
    required: bool = Field(description="Every agreement must give it; else `default` applies.")
    default: bool | int | str | None
    sweep: bool = Field(description="Can be swept, and changed on the web page.")
    per_care_type: bool = Field(description="The agreement may set it separately for somatik and psykiatri.")
    ui: dict[str, str] | None = Field(description="The web page's slider: slider_min, slider_max, step.")

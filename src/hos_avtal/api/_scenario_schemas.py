"""The contract of ``/v1/scenarios``: a comparison request, the comparison (the JSON of
:func:`hos_avtal.scenarios._report.comparison_json`, documented field by field) and datasets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from hos_avtal.api._schemas import (
    Agreements,
    Costs,
    Episodes,
    Money,
    MonthText,
    Placements,
    RulesetId,
    Tariffs,
    Upload,
    Visits,
    _Open,
    _Strict,
)

DatasetId = Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]
Percent = Annotated[str, StringConstraints(pattern=r"^-?[0-9]+\.[0-9]$")]
Value = bool | int | float | Annotated[str, StringConstraints(max_length=200)] | list[str]
ParameterTable = Annotated[
    dict[Annotated[str, StringConstraints(max_length=100)], Value], Field(max_length=20)
]


class ScenarioIn(BaseModel):
    """A scenario: a name and the parameters it changes. ``base`` defaults to the request's base.
    Every key is checked by the core, so an unknown one is a 422 naming it."""

    model_config = ConfigDict(extra="allow")

    name: Annotated[str, StringConstraints(max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    base: RulesetId | None = None
    betalningsansvar: ParameterTable | None = None
    placements: ParameterTable | None = None
    home_care: ParameterTable | None = None


class ScenarioDataIn(_Strict):
    """The data a scenario runs on: a stored dataset (``dataset_id``) or inline input arrays."""

    months: Annotated[list[MonthText], Field(min_length=1, max_length=120)] | None = Field(
        None, description="Default: the dataset's months, else every month the inputs have."
    )
    daily_amount_sek: Money | None = Field(None, description="Fastställt belopp for years without one.")
    dataset_id: DatasetId | None = None
    episodes: Episodes | None = None
    placements: Placements | None = None
    costs: Costs | None = None
    agreements: Agreements | None = None
    visits: Visits | None = None
    tariffs: Tariffs | None = None


class CompareRequest(ScenarioDataIn):
    """Base and scenarios on one dataset: a stored one (``dataset_id``) or inline input arrays."""

    base: RulesetId | None = Field(None, description="Default: the VGR agreement in force each month.")
    scenarios: Annotated[list[ScenarioIn], Field(max_length=10)] = Field(default_factory=list)


SweepValue = bool | int | Annotated[str, StringConstraints(max_length=40)]


class SweepParameter(_Strict):
    """One swept parameter: ``start``, ``stop`` (included) and ``step`` as decimal strings, or
    a list of ``values``."""

    name: Annotated[str, StringConstraints(max_length=100)] = Field(examples=["average_threshold_days"])
    start: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, examples=["2.0"])
    stop: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, examples=["4.0"])
    step: Annotated[str, StringConstraints(max_length=40)] | None = Field(None, examples=["0.5"])
    values: Annotated[list[SweepValue], Field(min_length=1, max_length=1000)] | None = None


class SweepRequest(ScenarioDataIn):
    """Every combination of the parameters' values on one dataset, against ``base``."""

    base: RulesetId = Field(examples=["vgr-2023"])
    parameters: Annotated[list[SweepParameter], Field(min_length=1, max_length=4)]


class SweepCombination(BaseModel):
    combination: int
    values: dict[str, str]
    total_sek: Money
    difference_sek: Money
    difference_pct: Percent | None


class SweepAxisOut(BaseModel):
    name: str
    capability: str
    values: list[str]


class SweepBase(BaseModel):
    ruleset: str
    total_sek: Money
    values: dict[str, str] = Field(description="The base's own value of each swept parameter, where known.")


class SweepMunicipality(BaseModel):
    kommun: str
    name: str
    kommunalforbund: str | None
    base_sek: Money
    amounts_sek: list[Money] = Field(description="One per combination, in the order of `combinations`.")


class SweepOut(BaseModel):
    """Totals per combination and every municipality's amount per combination."""

    base: SweepBase
    capabilities: list[str]
    months: list[MonthText]
    parameters: list[SweepAxisOut]
    combinations: list[SweepCombination]
    municipalities: list[SweepMunicipality]


class ScenarioAmount(BaseModel):
    name: str
    amount_sek: Money
    difference_sek: Money
    difference_pct: Percent | None = Field(description="Null where the base is zero.")


class Amounts(BaseModel):
    base_sek: Money
    scenarios: list[ScenarioAmount]


class VariantOut(_Open):
    name: str
    ruleset: str | None
    description: str | None = None
    base: str | None = None
    changes: dict[str, dict[str, Any]] | None = None
    daily_amount_sek: Money | None = None


class TotalOut(Amounts):
    by_capability: dict[str, Amounts]


class KommunalforbundOut(Amounts):
    kommunalforbund: str
    municipalities: int
    by_capability: dict[str, Amounts]


class ComparisonMunicipality(Amounts):
    kommun: str
    name: str
    kommunalforbund: str | None
    by_capability: dict[str, Amounts]


class ComparisonOut(BaseModel):
    """Base against each scenario: totals, kommunalförbund subtotals, all 49 municipalities."""

    base: VariantOut
    scenarios: list[VariantOut]
    capabilities: list[str]
    months: list[MonthText]
    total: TotalOut
    kommunalforbund: list[KommunalforbundOut]
    municipalities: list[ComparisonMunicipality]


class DatasetFromRun(_Strict):
    billing_run_id: DatasetId
    name: Annotated[str, StringConstraints(max_length=200)] | None = None


class DatasetUpload(_Strict):
    """A dataset from uploaded files (``multipart/form-data``): at least one of ``episodes``,
    ``placements`` (with ``costs`` and ``agreements``) or ``visits`` (``tariffs`` optional), each a
    CSV or Parquet file; ``name`` optional (the first file's name without its suffix)."""

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    episodes: Upload | None = None
    placements: Upload | None = None
    costs: Upload | None = None
    agreements: Upload | None = None
    visits: Upload | None = None
    tariffs: Upload | None = None


class DatasetOut(BaseModel):
    id: int
    name: str
    created_at: dt.datetime
    created_by: str
    source: str = Field(description="upload, or billing-run:<id>")
    ruleset_id: str | None = Field(description="The run's rule set: the natural base.")
    months: list[MonthText]
    episodes: int = Field(description="Rows of its episodes (0: none).")
    inputs: dict[str, int] = Field(
        description="Rows of each input it holds: episodes, placements, costs, agreements, visits, tariffs."
    )
    capabilities: list[str] = Field(description="What a comparison on it covers, in the fixed order.")
    sha256: str
    daily_amount_sek: Money | None = Field(
        description="The fastställt belopp its billing run used: a comparison's default. Null for uploads."
    )


class DatasetList(BaseModel):
    datasets: list[DatasetOut]


class BaseParameter(BaseModel):
    """One parameter a scenario can change (``GET /v1/parameters`` describes it), in the base."""

    capability: str
    name: str
    value: bool | int | str | None = Field(
        description='As the rule set says it (decimals and amounts as text, a share exactly: "1/3").'
    )
    input: str | None = Field(
        description="The value as a form field takes it (a share in percent, one decimal)."
    )
    source: str | None


class BaseParameters(BaseModel):
    """The parameters a scenario starts from: the base's value of each, in one month."""

    ruleset: str
    month: MonthText
    daily_amount_sek: Money | None = Field(description="Null: no fastställt belopp is known for the year.")
    daily_amount_source: str | None
    parameters: list[BaseParameter]

"""The API's contract as pydantic models: what a client sends and what it gets back.

Money is a decimal string with exactly two decimals (``"9300.00"``) in both directions, so no
binary float ever carries an amount. A date is a ``YYYY-MM-DD`` string and a yes/no a JSON
boolean, and nothing else: not a datetime, a timestamp, ``"true"`` or ``1`` (the command line's
files are text, where ``ja``/``1`` are the spreadsheet's words for a yes; JSON has its own).
Input rows are typed here only as far as JSON needs; the domain checks (known kommun codes, dates
in order, duplicate ids, personnummer, the plausibility limits) stay in :mod:`hos_avtal.io`,
which every input goes through, exactly as from a file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import UploadFile
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from starlette.datastructures import UploadFile as ReceivedFile

from hos_avtal.months import MONTH_PATTERN
from hos_avtal.rules import Acknowledgement

# [0-9], not \d: a pattern's \d is any script's digit ("９３００.００" would pass).
Money = Annotated[str, StringConstraints(pattern=r"^-?[0-9]+\.[0-9]{2}$", max_length=20)]
MonthText = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=10)]
RulesetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]
MAX_ROWS = 2_000_000

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD`` text (or a date itself): pydantic alone also takes a datetime string
    at midnight and a Unix timestamp, and then the API would accept what a file may not hold."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Flag = Annotated[bool, Strict()]
"""A JSON boolean: ``true`` or ``false``, never ``"true"`` or ``1``."""
Accept = Annotated[
    list[Acknowledgement],
    Field(
        max_length=5,
        description=(
            'Values outside the plausibility limits the caller has checked: "long_wait" (a wait '
            "from utskrivningsklar to discharge longer than the limit, 365 days). A billing run "
            "records them and shows them on its fakturaunderlag."
        ),
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A response object that may carry more fields than the ones documented here."""

    model_config = ConfigDict(extra="allow")


# ------------------------------------------------------------------------------------ problems


class ProblemItem(BaseModel):
    source: str | None = Field(None, description="Which input array (episodes, costs, …), if any.")
    row: int | None = Field(None, description="1-based index in that array.")
    column: str | None = None
    field: str | None = Field(None, description="A request field outside the input arrays.")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None


# --------------------------------------------------------------------------------- input rows


class EpisodeIn(_Strict):
    """One vårdtillfälle (docs/rules.md §4). ``person_id`` must be pseudonymous; it is never returned."""

    episode_id: Id
    person_id: Id
    kommun: Code
    care_type: Code
    hospital: Annotated[str, StringConstraints(max_length=200)] | None = None
    ready_date: Date
    discharge_date: Date | None = None
    admission_notice: Flag
    ready_notice: Flag
    sip_needed: Flag
    sip_invited: Flag | None = None
    outpatient_plan: Flag
    outpatient_available: Flag


class PlacementIn(_Strict):
    placement_id: Id
    kommun: Code
    placed_by: Code
    start_date: Date
    end_date: Date | None = None
    acute: Flag


class CostIn(_Strict):
    placement_id: Id
    month: MonthText
    cost_sek: Money


class AgreementIn(_Strict):
    placement_id: Id
    valid_from: Date
    valid_to: Date | None = None
    method: Code
    region_percent: Annotated[str, StringConstraints(max_length=10)] | None = None
    fixed_party: Code | None = None
    fixed_sek_per_month: Money | None = None
    decided_date: Date


class VisitIn(_Strict):
    visit_id: Id
    person_id: Id
    home_kommun: Code
    host_kommun: Code
    date: Date
    service: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    minutes: Annotated[int, Strict(), Field(ge=0, le=100_000)]


class TariffIn(_Strict):
    kommun: Code
    year: Annotated[int, Strict(), Field(ge=1900, le=2999)]
    service: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    sek_per_hour: Money


Episodes = Annotated[list[EpisodeIn], Field(min_length=1, max_length=MAX_ROWS)]
Placements = Annotated[list[PlacementIn], Field(min_length=1, max_length=MAX_ROWS)]
Costs = Annotated[list[CostIn], Field(min_length=1, max_length=MAX_ROWS)]
Agreements = Annotated[list[AgreementIn], Field(min_length=1, max_length=MAX_ROWS)]
Visits = Annotated[list[VisitIn], Field(min_length=1, max_length=MAX_ROWS)]
Tariffs = Annotated[list[TariffIn], Field(min_length=1, max_length=MAX_ROWS)]


# ------------------------------------------------------------------------------ calculations


class BetalningsansvarRequest(_Strict):
    episodes: Episodes
    month: MonthText
    ruleset: RulesetId | None = Field(None, description="Default: the VGR agreement in force.")
    daily_amount_sek: Money | None = Field(None, description="Overrides the rule set's daily amount.")
    include_episodes: Flag = Field(False, description="Add the episode lines to the answer.")
    accept: Accept = Field(default_factory=list)


class PlacementsRequest(_Strict):
    placements: Placements
    costs: Costs
    agreements: Agreements
    months: Annotated[list[MonthText], Field(max_length=120)] | None = Field(
        None, description="Default: every month with a cost."
    )
    ruleset: RulesetId | None = None
    as_of: Date | None = None
    adjust_from: Date | None = None


class HomeCareRequest(_Strict):
    visits: Visits
    tariffs: Tariffs | None = None
    months: Annotated[list[MonthText], Field(max_length=120)] | None = None
    ruleset: RulesetId | None = None


class BetalningsansvarMunicipality(_Open):
    kommun: str
    name: str
    liable: bool
    average_amount_sek: Money
    individual_amount_sek: Money
    total_amount_sek: Money
    zero_invoice: bool


class BetalningsansvarTotals(_Open):
    municipalities: int
    average_amount_sek: Money
    individual_amount_sek: Money
    total_amount_sek: Money


class BetalningsansvarMonth(_Open):
    """The docs/rules.md §4 output object of one month (every field of the CLI's JSON output)."""

    ruleset: str
    ruleset_name: str
    month: MonthText
    daily_amount_sek: Money
    daily_amount_source: str
    daily_amount_origin: Literal["shipped", "registered", "given", "ruleset"]
    """Where the amount came from: shipped with hos_avtal, registered in the deployment, given
    in the request, or the rule set's own (a scenario's)."""
    parameters: dict[str, Any]
    municipalities: list[BetalningsansvarMunicipality]
    totals: BetalningsansvarTotals
    outside_agreement: dict[str, Any]
    episodes: list[dict[str, Any]] | None = None


class PlacementMunicipality(_Open):
    kommun: str
    name: str
    cost_sek: Money
    region_sek: Money
    kommun_sek: Money


class PlacementTotals(_Open):
    cost_sek: Money
    region_sek: Money
    kommun_sek: Money


class PlacementsResult(_Open):
    ruleset: str
    as_of: dt.date | None
    months: list[MonthText]
    lines: list[dict[str, Any]]
    municipalities: list[PlacementMunicipality]
    totals: PlacementTotals


class HomeCareMonth(_Open):
    month: MonthText


# ----------------------------------------------------------------------- reference data


class MunicipalityOut(BaseModel):
    code: str
    name: str
    lan: str
    kommunalforbund: str | None


class ParameterValueOut(BaseModel):
    valid_from: dt.date
    valid_to: dt.date | None
    value: bool | int | str | list[str] = Field(description="Decimals are given as strings.")
    source: str
    care_type: Literal["somatik", "psykiatri"] | None = Field(
        None, description="Only for this care type; null: for both (unless a care type has its own)."
    )


class ParameterOut(BaseModel):
    name: str
    calculation: Literal["betalningsansvar", "placements", "home_care"]
    description: str
    unit: str | None
    values: list[ParameterValueOut]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["ok"]


# ----------------------------------------------------------------------------- billing runs


class BillingRunRequest(_Strict):
    """A billing run from JSON: the same inputs as the CLI's files, as arrays."""

    month: MonthText
    ruleset: RulesetId | None = None
    daily_amount_sek: Money | None = None
    episodes: Episodes
    placements: Placements | None = None
    costs: Costs | None = None
    agreements: Agreements | None = None
    visits: Visits | None = None
    tariffs: Tariffs | None = None
    accept: Accept = Field(default_factory=list)


def _uploaded(value: object) -> object:
    if not isinstance(value, ReceivedFile):  # the form's file, of which FastAPI's is the schema
        raise ValueError("must be an uploaded CSV or Parquet file")
    return value


Upload = Annotated[UploadFile, BeforeValidator(_uploaded), Field(description="CSV or Parquet")]
"""A file of a multipart form; a text where a file belongs is refused by name."""


class BillingRunForm(_Strict):
    """A billing run from uploaded files (``multipart/form-data``): the fields of
    :class:`BillingRunRequest`, each input a CSV or Parquet file instead of an array; ``accept``
    repeated for several values."""

    month: MonthText
    ruleset: RulesetId | None = None
    daily_amount_sek: Money | None = None
    episodes: Upload
    placements: Upload | None = None
    costs: Upload | None = None
    agreements: Upload | None = None
    visits: Upload | None = None
    tariffs: Upload | None = None
    accept: Accept = Field(default_factory=list)


class RunInputOut(BaseModel):
    kind: str
    name: str
    sha256: str
    rows: int


class RunSummaryOut(BaseModel):
    id: int
    month: MonthText
    version: int
    state: Literal["draft", "final"]
    ruleset_id: str
    ruleset_hash: str
    inputs_hash: str
    code_version: str
    created_by: str
    created_at: dt.datetime
    finalized_by: str | None
    finalized_at: dt.datetime | None
    daily_amount_sek: Money | None
    corrects_run_id: int | None
    accepted: list[str] = Field(description="What the user acknowledged when making the run (long_wait).")
    seal: str | None = Field(
        description="SHA-256 over the run's identity and stored rows, checked on every read; null for "
        "a run stored before seals existed."
    )


class RunMunicipalityOut(BaseModel):
    """One municipality's figures in a run; signs as in the fakturaunderlag."""

    kommun: str
    name: str
    betalningsansvar_sek: Money
    liable: bool
    placements_settlement_sek: Money | None = Field(description="Positive: the municipality pays VGR.")
    home_care_net_sek: Money | None = Field(description="Positive: the municipality receives net.")
    corrections_net_sek: Money = Field(description="Against the previous final version; positive is a debit.")
    to_region_sek: Money
    grand_total_sek: Money = Field(description="Everything netted: positive, the municipality pays.")
    zero_invoice: bool
    consecutive_liable_months: int


class RunDetailOut(BaseModel):
    run: RunSummaryOut
    inputs: list[RunInputOut]
    municipalities: list[RunMunicipalityOut]


class RunList(BaseModel):
    runs: list[RunSummaryOut]


class InvoiceBasisOut(BaseModel):
    """One municipality's fakturaunderlag as JSON (the same basis as the CSV, Excel and PDF)."""

    run: RunSummaryOut
    kommun: str
    name: str
    kommunalforbund: str
    draft: bool = Field(description="A draft run is for review, never for invoicing.")
    betalningsansvar: dict[str, Any]
    episodes: list[dict[str, Any]]
    placements: dict[str, Any] | None
    home_care: dict[str, Any] | None
    accepted: list[dict[str, Any]] = Field(
        description="Values outside the plausibility limits acknowledged for this municipality: kind, "
        "kind_sv, line_key (the episode) and value (its days)."
    )
    corrections: dict[str, Any] = Field(
        description="Every line that differs from the last final version, the pooled part included; "
        "net_sek is their sum, by_capability the sums per capability."
    )
    to_region_sek: Money
    grand_total_sek: Money

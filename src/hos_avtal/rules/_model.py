"""The shape of a rule-set file, validated by pydantic on load."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hos_avtal._types import CARE_TYPES as CARE_TYPES  # re-exported: the rules' axis of care types
from hos_avtal._types import CareType as CareType
from hos_avtal.errors import MissingParameterError
from hos_avtal.months import format_month

if TYPE_CHECKING:
    from hos_avtal._types import Month
    from hos_avtal.rules._betalningsansvar import BetalningsansvarParameters
    from hos_avtal.rules._placements import PlacementParameters

RawValue = bool | int | Decimal | str | list[str]


class ParameterValue(BaseModel):
    """One value of a parameter, in force from ``valid_from`` to ``valid_to`` (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    valid_from: Annotated[dt.date, Field(alias="from")]
    valid_to: Annotated[dt.date | None, Field(alias="to")] = None
    value: RawValue
    source: Annotated[str, Field(min_length=1)]
    """The legal reference or publication the value comes from."""
    care_type: CareType | None = None
    """Only for this care type (a parameter the catalog marks ``per_care_type``); ``None``: for
    both, unless a value for the care type itself is in force."""

    @model_validator(mode="after")
    def _period(self) -> ParameterValue:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"'to' ({self.valid_to}) är före 'from' ({self.valid_from})")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Parameter(BaseModel):
    """A parameter with a description and its values over time (periods must not overlap)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    unit: str | None = None
    values: list[ParameterValue]

    @model_validator(mode="after")
    def _no_overlap(self) -> Parameter:
        for care_type in (None, *CARE_TYPES):
            ordered = sorted((v for v in self.values if v.care_type == care_type), key=lambda v: v.valid_from)
            for before, after in itertools.pairwise(ordered):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    which = f" ({care_type})" if care_type else ""
                    raise ValueError(
                        f"värdena{which} från {before.valid_from} och {after.valid_from} överlappar"
                    )
        return self

    def value_at(self, day: dt.date, care_type: str | None = None) -> ParameterValue | None:
        """The value in force on ``day``: for ``care_type`` its own if it has one, else the one for both."""
        if care_type is not None:
            own = next((v for v in self.values if v.care_type == care_type and v.covers(day)), None)
            if own is not None:
                return own
        return next((v for v in self.values if v.care_type is None and v.covers(day)), None)

    @property
    def by_care_type(self) -> bool:
        return any(v.care_type is not None for v in self.values)


class RuleSet(BaseModel):
    """An agreement (or the statute) with its validity and its parameters per capability."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]
    name: str
    kind: Literal["agreement", "statute", "national", "recommendation", "limits"]
    auto_select: bool = False
    """Chosen automatically for the months it covers (the VGR agreements, never the statute)."""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str
    origin: str = Field(default="", exclude=True)
    """Where the rule set was loaded from (shipped id or file path); set by the loader."""
    betalningsansvar_parameters: Annotated[
        dict[str, Parameter], Field(alias="betalningsansvar", default_factory=dict)
    ]
    placements_parameters: Annotated[dict[str, Parameter], Field(alias="placements", default_factory=dict)]
    home_care_parameters: Annotated[dict[str, Parameter], Field(alias="home_care", default_factory=dict)]
    plausibility_parameters: Annotated[
        dict[str, Parameter], Field(alias="plausibility", default_factory=dict)
    ]
    """Only in the shipped limits file (``kind = "limits"``): the same for every agreement."""

    @model_validator(mode="after")
    def _validity(self) -> RuleSet:
        if self.kind in ("agreement", "statute") and self.valid_from is None:
            raise ValueError("valid_from krävs")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to är före valid_from")
        return self

    def covers(self, month: Month) -> bool:
        from hos_avtal.months import month_end

        if self.valid_from is None:
            return True
        return self.valid_from <= month and (self.valid_to is None or month_end(month) <= self.valid_to)

    @property
    def period(self) -> str:
        return f"{self.valid_from or ''} – {self.valid_to or ''}".strip()

    def betalningsansvar(
        self, month: Month | str, *, daily_amount_sek: Decimal | None = None
    ) -> BetalningsansvarParameters:
        """The betalningsansvar parameters in force for ``month``.

        ``daily_amount_sek`` overrides the fastställt belopp (the user's own verified figure).
        """
        from hos_avtal.rules._betalningsansvar import resolve_betalningsansvar

        return resolve_betalningsansvar(self, month, daily_amount_sek)

    def placements(self, month: Month | str) -> PlacementParameters:
        """The placement cost-split parameters in force for ``month``."""
        from hos_avtal.rules._placements import resolve_placements

        return resolve_placements(self, month)

    def require(self, capability: str, name: str, month: Month) -> ParameterValue:
        params: dict[str, Parameter] = getattr(self, f"{capability}_parameters")
        parameter = params.get(name)
        value = parameter.value_at(month) if parameter else None
        if value is None:
            raise MissingParameterError(
                f"regelverket {self.id!r} har inget värde för {capability}.{name} i {format_month(month)}"
            )
        return value

"""The contract of ``POST /v1/prognos``: Läget i dag for a date (:mod:`hos_avtal.forecasts._report`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hos_avtal.api._schemas import Accept, Code, Date, Episodes, Money, MonthText, RulesetId, _Strict


class _DayEpisodes(_Strict):
    """A day and its episodes: the month's discharges so far and everyone still in hospital."""

    date: Date = Field(description="The day, YYYY-MM-DD: today or earlier.")
    episodes: Episodes
    ruleset: RulesetId | None = Field(None, description="Default: the VGR agreement in force.")
    daily_amount_sek: Money | None = Field(None, description="For a year without a fastställt belopp.")
    accept: Accept = Field(default_factory=list)


class PrognosRequest(_DayEpisodes):
    """Today's episodes (the month's discharges so far and everyone still in hospital) and the day."""

    kommun: Code | None = Field(None, description="Only this municipality and its waiting patients.")


class PrognosMunicipality(BaseModel):
    kommun: str
    name: str
    discharged_episodes: int
    average_so_far: float = Field(description="Display only, 2 decimals; liability is decided exactly.")
    amount_so_far_sek: Money
    waiting_episodes: int
    amount_if_discharged_today_sek: Money
    pool_margin_days: int | None = Field(
        description="floor(threshold·N − D) if every waiting patient were discharged today; null: no average."
    )
    status: Literal["green", "red"] = Field(description="Red once the average so far is over the threshold.")


class WaitingPatient(BaseModel):
    episode_id: str
    kommun: str
    care_type: Literal["somatik", "psykiatri"]
    ready_date: Date
    days_waited: int
    status: Literal["pooled", "individual", "not_covered"]
    individual_from: Date | None = Field(description="The day the patient is billed individually from.")
    marginal_cost_sek: Money = Field(description="What one more day costs the municipality.")
    reasons: list[str]


class OutsideWaiting(BaseModel):
    kommun: str
    waiting_episodes: int


class PrognosOut(BaseModel):
    """The month so far, per municipality, and the waiting list (most expensive day first)."""

    date: Date
    month: MonthText
    ruleset: str
    daily_amount_sek: Money
    daily_amount_source: str
    daily_amount_origin: Literal["shipped", "registered", "given", "ruleset"]
    municipalities: list[PrognosMunicipality]
    waiting: list[WaitingPatient]
    outside_agreement: list[OutsideWaiting]


class SnapshotRequest(_DayEpisodes):
    """This morning's episodes (the month's discharges so far and everyone still in hospital),
    stored as the day's snapshot; ids that are personnummer are pseudonymised before anything is
    stored."""


class SnapshotOut(BaseModel):
    """What identifies a stored snapshot: the day, who stored it when, and how it was computed."""

    id: int
    date: Date
    created_at: str = Field(description="ISO 8601, UTC.")
    created_by: str
    ruleset: str
    daily_amount_sek: Money
    inputs_sha256: str = Field(description="SHA-256 of the episodes as kept (ids pseudonymised).")


class SnapshotListItem(SnapshotOut):
    episodes: int
    waiting_episodes: int


class SnapshotStored(SnapshotListItem):
    replaced: bool = Field(description="Whether it replaced an earlier snapshot of the same day.")


class SnapshotList(BaseModel):
    snapshots: list[SnapshotListItem] = Field(description="The latest day first.")


class PrognosSnapshotOut(PrognosOut):
    """A stored day's Läget i dag as computed when it was stored (a kommun key: its own part)."""

    snapshot: SnapshotOut

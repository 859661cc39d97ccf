"""One billing run: read and pseudonymise the inputs, compute the month, correct, store.

Identity first: the inputs' bytes and the options are hashed before anything is computed, so a
month run again with identical inputs and rule set returns the stored run at once. The database
enforces the same identity with a unique constraint, for two runs started at once.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hos_avtal import months
from hos_avtal._types import Month, RuleSetRef
from hos_avtal.errors import CalculationError
from hos_avtal.io import (
    AGREEMENT_COLUMNS,
    COST_COLUMNS,
    EPISODE_COLUMNS,
    PLACEMENT_COLUMNS,
    TARIFF_COLUMNS,
    VISIT_COLUMNS,
    Column,
    PlacementInputs,
    Table,
    check_inputs_together,
    long_waits,
    read_table,
)
from hos_avtal.io import validate_episode_table as _validate_episodes
from hos_avtal.io import validate_placement_tables as _validate_placements
from hos_avtal.io import validate_tariff_table as _validate_tariffs
from hos_avtal.io import validate_visit_table as _validate_visits
from hos_avtal.months import parse_month
from hos_avtal.privacy import check_label, normalised
from hos_avtal.rules import (
    BetalningsansvarParameters,
    RuleSet,
    active_registry,
    daily_amount_decimal,
    national_parameters,
    select_ruleset,
    using_registry,
    vastkom_recommendations,
)
from hos_avtal.runs._corrections import corrections, stored_frames
from hos_avtal.runs._pseudonym import KeySource, database_key, pseudonymise
from hos_avtal.storage import ACCEPTED_SCHEMA, InputKind, RunInput, RunSummary

if TYPE_CHECKING:
    from hos_avtal.storage import Database, NewRun

Source = str | Path | pl.DataFrame
Progress = Callable[[str, int, int], None]
"""Called as ``progress(step description, steps done, steps in all)`` before each step."""

_STEPS = 7
_RETRIES = 5


@dataclass(frozen=True)
class RunOutcome:
    """A run and whether this call stored it (``False``: an identical run was already stored)."""

    summary: RunSummary
    created: bool
    daily_amount_origin: str | None = None
    """Where this call's fastställt belopp came from (shipped, registered, given), and its source:
    the run stores the amount; the registry's history says who entered it when."""
    daily_amount_source: str | None = None
    rows: int = 0
    """Input rows this call computed (episodes, placements, costs, agreements, visits, tariffs);
    0 when it found the run stored already."""


def run_month(db: Database, month: Month | str, episodes: Source, *args: Any, **options: Any) -> RunSummary:
    """Compute every supplied calculation for ``month`` and store the run (or return the
    identical stored one): :func:`execute_run` with the same arguments, returning only the summary."""
    return execute_run(db, month, episodes, *args, **options).summary


def execute_run(
    db: Database,
    month: Month | str,
    episodes: Source,
    placements: Source | None = None,
    costs: Source | None = None,
    agreements: Source | None = None,
    visits: Source | None = None,
    tariffs: Source | None = None,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    daily_amount_sek: Decimal | str | int | None = None,
    created_by: str | None = None,
    progress: Progress | None = None,
    accept: Collection[str] = (),
) -> RunOutcome:
    """Run one month: betalningsansvar always, placements with all three placement inputs, home
    care with visits (``tariffs``: the host municipalities' own tariffs, optional).

    Inputs are files (hashed by their bytes) or frames (hashed by their CSV text). Any id that
    looks like a personnummer is replaced by a keyed hash before validation, so nothing personal
    reaches a calculation or the database. The run is version N + 1 after the month's final
    version N (1 without one), and its correction lines are the differences against version N.
    Everything is written in one transaction: a run killed half-way leaves nothing behind.

    ``accept`` acknowledges values outside the plausibility limits that are possible (``"long_wait"``:
    a wait longer than the limit); the run records them, line by line, for its fakturaunderlag.

    The rules are the shipped ones and those registered in ``db`` (rule sets, the year's
    fastställt belopp, the municipalities' tariffs); what the run used is part of its identity,
    so a changed registration makes the next run of the month a new version.
    """
    from hos_avtal.storage import load_registry

    with using_registry(load_registry(db)):
        return _execute_run(
            db, month, episodes, placements, costs, agreements, visits, tariffs,
            ruleset, daily_amount_sek, created_by, progress, accept,
        )  # fmt: skip


def _execute_run(
    db: Database,
    month: Month | str,
    episodes: Source,
    placements: Source | None,
    costs: Source | None,
    agreements: Source | None,
    visits: Source | None,
    tariffs: Source | None,
    ruleset: RuleSetRef | Path | RuleSet | None,
    daily_amount_sek: Decimal | str | int | None,
    created_by: str | None,
    progress: Progress | None,
    accept: Collection[str],
) -> RunOutcome:
    from hos_avtal.errors import StaleRunError
    from hos_avtal.storage import find_run, save_run

    step = _stepper(progress)
    creator = check_label(created_by or current_user(), "created_by", max_length=100)
    billing_month = parse_month(month) if isinstance(month, str) else month.replace(day=1)
    if billing_month > months.today().replace(day=1):
        raise CalculationError(
            f"{billing_month:%Y-%m} har inte börjat (i dag är det {months.today()}); en månad "
            "faktureras när den har ägt rum"
        )
    sources = {
        "placements": placements,
        "costs": costs,
        "agreements": agreements,
        "visits": visits,
        "tariffs": tariffs,
    }
    check_inputs_together([kind for kind, source in sources.items() if source is not None])

    step("Reading inputs")
    rules = ruleset if isinstance(ruleset, RuleSet) else select_ruleset(billing_month, ruleset)
    amount = daily_amount_decimal(daily_amount_sek)
    # The month's parameters before any input is read: a daily amount that is no amount, or is
    # outside the plausible range, or missing for the year, stops the run at once.
    month_parameters = rules.betalningsansvar(billing_month, daily_amount_sek=amount)
    origin = (month_parameters.daily_amount_origin, month_parameters.daily_amount_source)
    key = database_key(db)
    inputs = _Inputs()
    episode_table = _read(EPISODE_COLUMNS, episodes, "episodes", ("episode_id", "person_id"), key, inputs)
    acknowledged = tuple(sorted(set(accept)))
    episode_frame = _validate_episodes(episode_table, acknowledged, (billing_month,))
    placement_inputs: PlacementInputs | None = None
    if placements is not None and costs is not None and agreements is not None:
        tables = (
            _read(PLACEMENT_COLUMNS, placements, "placements", ("placement_id",), key, inputs),
            _read(COST_COLUMNS, costs, "costs", ("placement_id",), key, inputs),
            _read(AGREEMENT_COLUMNS, agreements, "agreements", ("placement_id",), key, inputs),
        )
        placement_inputs = _validate_placements(tables)
    visit_frame: pl.DataFrame | None = None
    tariff_frame: pl.DataFrame | None = None
    if visits is not None:
        visit_frame = _validate_visits(
            _read(VISIT_COLUMNS, visits, "visits", ("visit_id", "person_id"), key, inputs)
        )
    if tariffs is not None:
        tariff_frame = _validate_tariffs(_read(TARIFF_COLUMNS, tariffs, "tariffs", (), key, inputs))

    ruleset_hash = _ruleset_hash(rules, billing_month)
    inputs_hash = _inputs_hash(inputs.read, amount)
    existing = find_run(db, billing_month, inputs_hash, ruleset_hash)
    if existing is not None:
        step("Stored run found", done=True)
        return RunOutcome(existing, False, *origin)

    frames, parameters = _compute(
        billing_month, rules, amount, episode_frame, placement_inputs, visit_frame, tariff_frame, step
    )
    frames["accepted_values"] = _accepted_values(episode_frame, billing_month, acknowledged)
    for _attempt in range(_RETRIES):
        step("Corrections against the last final version")
        new = _new_run(
            db, billing_month, rules, ruleset_hash, inputs_hash, inputs, frames, parameters, creator,
            acknowledged,
        )  # fmt: skip
        step("Storing the run")
        try:
            summary, created = save_run(db, new)
        except StaleRunError:
            continue  # a run of this month was finalized meanwhile: correct against it instead
        step("Done", done=True)
        return RunOutcome(summary, created, *origin, rows=sum(i.rows for i in new.inputs))
    raise StaleRunError(
        f"körningar för {billing_month:%Y-%m} fastställs för ofta för att den här ska kunna lagras; "
        "försök igen"
    )


def _compute(
    month: Month,
    rules: RuleSet,
    amount: Decimal | None,
    episodes: pl.DataFrame,
    placements: PlacementInputs | None,
    visits: pl.DataFrame | None,
    tariffs: pl.DataFrame | None,
    step: Callable[..., None],
) -> tuple[dict[str, pl.DataFrame | None], BetalningsansvarParameters]:
    from hos_avtal.betalningsansvar import calculate_betalningsansvar
    from hos_avtal.home_care import calculate_home_care
    from hos_avtal.placements import calculate_placements

    step("Betalningsansvar")
    ba = calculate_betalningsansvar(episodes, month, ruleset=rules, daily_amount_sek=amount, validate=False)
    frames: dict[str, pl.DataFrame | None] = {
        "betalningsansvar": ba.municipalities,
        "episode_lines": ba.episode_lines(month),
        "placement_lines": None,
        "placement_municipalities": None,
        "home_care_lines": None,
        "home_care_municipalities": None,
        "home_care_payments": None,
    }
    step("Placements")
    if placements is not None:
        split = calculate_placements(placements, months=month, ruleset=rules)
        frames["placement_lines"] = split.lines
        frames["placement_municipalities"] = split.municipalities
    step("Home care")
    if visits is not None:
        care = calculate_home_care(visits, month, tariffs=tariffs, ruleset=rules, validate=False)
        frames["home_care_lines"] = care.lines
        frames["home_care_municipalities"] = care.municipalities
        frames["home_care_payments"] = care.payments
    return frames, ba.month_rules(month).parameters


def _new_run(
    db: Database,
    month: Month,
    rules: RuleSet,
    ruleset_hash: str,
    inputs_hash: str,
    inputs: _Inputs,
    computed: dict[str, pl.DataFrame | None],
    parameters: BetalningsansvarParameters,
    created_by: str,
    accepted: tuple[str, ...],
) -> NewRun:
    from hos_avtal._version import __version__
    from hos_avtal.storage import NewRun, last_final_run, load_run, recurring_liability

    previous = last_final_run(db, month)
    frames = dict(computed)
    ba = frames["betalningsansvar"]
    assert ba is not None
    # Recurring liability spans months, so it is counted across the stored final runs (docs/rules.md §4).
    counts = recurring_liability(db, month, ba)
    needed = parameters.recurring_liability_months
    frames["betalningsansvar"] = ba.with_columns(
        pl.col("kommun")
        .replace_strict(counts, default=0, return_dtype=pl.Int64)
        .alias("consecutive_liable_months")
    ).with_columns((pl.col("consecutive_liable_months") >= needed).alias("recurring_liability"))
    frames["corrections"] = corrections(
        stored_frames(load_run(db, previous.id)) if previous is not None else None, frames
    )
    summary = RunSummary(
        id=0,  # given when stored
        month=month,
        version=previous.version + 1 if previous is not None else 1,
        state="draft",
        ruleset_id=rules.id,
        ruleset_hash=ruleset_hash,
        inputs_hash=inputs_hash,
        code_version=__version__,
        created_by=created_by,
        created_at=dt.datetime.now(dt.UTC),
        daily_amount_ore=parameters.daily_amount_ore,
        corrects_run_id=previous.id if previous is not None else None,
        accepted=accepted,
    )
    return NewRun(summary, inputs.read, frames, inputs.tables)


def _accepted_values(episodes: pl.DataFrame, month: Month, accepted: tuple[str, ...]) -> pl.DataFrame:
    """The acknowledged long waits of the month (discharged in it, or still admitted at its end):
    one row per episode."""
    if "long_wait" not in accepted:
        return pl.DataFrame(schema=ACCEPTED_SCHEMA)
    return (
        long_waits(episodes, [month])
        .select(
            pl.lit("long_wait").alias("kind"),
            "kommun",
            pl.col("episode_id").alias("line_key"),
            pl.col("days").alias("value"),
        )
        .cast(ACCEPTED_SCHEMA)  # type: ignore[arg-type]
    )


def _stepper(progress: Progress | None) -> Callable[..., None]:
    """``step(description)`` reports the steps done so far; ``done=True`` reports all done."""
    count = 0

    def step(description: str, *, done: bool = False) -> None:
        nonlocal count
        if progress is not None:
            progress(description, _STEPS if done else count, _STEPS)
        count = min(count + 1, _STEPS - 1)

    return step


@dataclass
class _Inputs:
    """What was read: each input's identity, and its table as read with ids pseudonymised (kept
    with the run, so its inputs can be tried again under other terms)."""

    read: list[RunInput] = field(default_factory=list)
    tables: dict[InputKind, pl.DataFrame] = field(default_factory=dict)


def _read(
    columns: tuple[Column, ...],
    source: Source,
    kind: InputKind,
    id_columns: tuple[str, ...],
    key: KeySource,
    inputs: _Inputs,
) -> Table:
    """The raw table of one input with personnummer ids replaced, and its hash recorded."""
    if isinstance(source, pl.DataFrame):
        table = Table(source, kind, first_row=1)
        digest = hashlib.sha256(source.write_csv().encode()).hexdigest()
        name = f"<{kind} frame>"
    else:
        path = Path(source)
        table = read_table(path, columns)  # refuses a missing file or column, naming it
        digest = _file_hash(path)
        # The file's name is kept with the run and shown on it: not one that holds a personnummer.
        name = path.name if normalised(path.name) is None else f"{kind}{path.suffix}"
    frame, _replaced = pseudonymise(table.frame, id_columns, key)
    inputs.read.append(RunInput(kind=kind, name=name, sha256=digest, rows=frame.height))
    inputs.tables[kind] = frame
    return table.with_frame(frame)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ruleset_hash(rules: RuleSet, month: Month) -> str:
    """The rule set's parameters as used, with the national amounts and VästKom's tariffs that
    every rule set falls back on, and what the deployment registered for the month's year (the
    fastställt belopp, the municipalities' tariffs): changing any of them makes a different run."""
    registry = active_registry()
    amount = registry.daily_amounts.get(month.year)
    payload = {
        "ruleset": rules.model_dump(mode="json"),
        "national": national_parameters().model_dump(mode="json"),
        "vastkom": vastkom_recommendations().model_dump(mode="json"),
    }
    tariffs = sorted(
        [t.kommun, t.service, t.amount_ore, t.source]
        for t in registry.tariffs.values()
        if t.year == month.year
    )
    if amount is not None or tariffs:  # runs before the registry keep their identity
        payload["registered"] = {
            "daily_amount": None if amount is None else [amount.amount_ore, amount.source],
            "tariffs": tariffs,
        }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _inputs_hash(inputs: list[RunInput], amount: Decimal | None) -> str:
    payload = {
        "inputs": sorted([i.kind, i.sha256] for i in inputs),
        "daily_amount_ore": None if amount is None else int((amount * 100).to_integral_value()),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def current_user() -> str:
    """The name of the operating-system user, for who created or changed something."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container without a passwd entry
        return os.environ.get("USER") or "unknown"

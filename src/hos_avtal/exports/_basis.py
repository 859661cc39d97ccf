"""The invoice basis (fakturaunderlag) of each municipality, built once from a stored run.

Every format (CSV, Excel, PDF) renders the same :class:`InvoiceBasis`, so the three files of a
municipality can never disagree. The run's frames are partitioned by kommun in one pass each
(no per-municipality filtering over the whole month), and money stays integer öre here: only the
writers turn it into kronor.

Two readings that the agreement leaves to the billing practice, decided here:

* **Placements toward VGR.** The placing party pays the provider and invoices the other party
  its share. So a line placed by the region makes the municipality pay the region its
  ``kommun_ore``; a line placed by the municipality makes the region pay the municipality its
  ``region_ore``. ``settlement_ore`` is that signed amount (positive: the municipality pays).
* **Corrections.** ``delta_ore`` is current − previous (positive a debit, negative a credit).
  The lines itemise every difference (:mod:`hos_avtal.runs._corrections`), so the correction is
  their sum, per capability and in all, and equals the change of the grand total.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from hos_avtal.betalningsansvar import average, liable_days
from hos_avtal.errors import quotable
from hos_avtal.municipalities import Municipality, parties
from hos_avtal.rules import load_ruleset
from hos_avtal.runs import ACCEPTED_SCHEMA, POOLED, RunSummary, StoredRun, itemised, settlement_ore

CAPABILITIES = ("betalningsansvar", "placements", "home_care")
STATUS_ORDER = ("individual", "pooled", "not_covered", "pending", "outside_agreement")

SEAL_MISSING_SV = "saknas (körningen lagrades innan sigill fanns)"

DRAFT_MARK = "UTKAST"
"""Printed on every file of a draft run: a draft is for review, never for invoicing."""


def state_label(run: RunSummary) -> str:
    """Swedish state for people: a draft says UTKAST so nobody invoices from it."""
    return f"{DRAFT_MARK} (ej för fakturering)" if run.is_draft else "Fastställd"


@dataclass(frozen=True, slots=True)
class BetalningsansvarPart:
    """One municipality's betalningsansvar: the pooled part, the individual part and the flags."""

    average_episodes: int
    average_days: int
    average: str
    """Displayed average, 2 decimals (``"3.20"``); liability was decided on the exact value."""
    liable: bool
    liable_days: str
    average_amount_ore: int
    average_episodes_somatik: int
    average_episodes_psykiatri: int
    individual_episodes: int
    individual_episodes_somatik: int
    individual_episodes_psykiatri: int
    individual_billable_days: int
    individual_amount_ore: int
    individual_amount_ore_somatik: int
    individual_amount_ore_psykiatri: int
    total_amount_ore: int
    not_covered_episodes: int
    pending_episodes: int
    consecutive_liable_months: int
    recurring_liability: bool
    recurring_months: int
    """Final months in a row with a liability up to this month (from the run's storage)."""

    @property
    def zero_invoice(self) -> bool:
        return self.total_amount_ore == 0


@dataclass(frozen=True, slots=True)
class PlacementPart:
    lines: pl.DataFrame
    cost_ore: int
    region_ore: int
    kommun_ore: int
    settlement_ore: int
    """Signed: positive, the municipality pays the region; negative, the region pays it."""


@dataclass(frozen=True, slots=True)
class HomeCarePart:
    invoiced_lines: pl.DataFrame
    """Lines where this municipality was the vistelsekommun (it invoices the hemkommun)."""
    owed_lines: pl.DataFrame
    """Lines where this municipality was the hemkommun (it is invoiced)."""
    payments: pl.DataFrame
    """The netting payments this municipality makes or receives (``direction`` says which)."""
    invoiced_ore: int
    owed_ore: int
    net_ore: int
    """invoiced − owed: positive, the municipality receives net."""


@dataclass(frozen=True, slots=True)
class CorrectionPart:
    lines: pl.DataFrame
    """Every changed line, the pooled part included; they sum to ``net_ore``."""
    by_capability: dict[str, int]
    net_ore: int
    """Positive: a debit (the municipality owes more than the previous final version said)."""


@dataclass(frozen=True, slots=True)
class InvoiceBasis:
    """Everything one municipality's fakturaunderlag shows."""

    run: RunSummary
    kommun: str
    name: str
    kommunalforbund: str
    betalningsansvar: BetalningsansvarPart
    episodes: pl.DataFrame
    """Episode lines of the municipality: pseudonymous ``episode_id`` only, never ``person_id``."""
    placements: PlacementPart | None
    home_care: HomeCarePart | None
    corrections: CorrectionPart
    accepted: pl.DataFrame = dataclasses.field(default_factory=lambda: pl.DataFrame(schema=ACCEPTED_SCHEMA))
    """``kind, kommun, line_key, value, kind_sv``: the values outside the plausibility limits the
    user acknowledged for this municipality (``long_wait``: an episode and its days)."""

    @property
    def to_region_ore(self) -> int:
        """What the municipality pays VGR net: betalningsansvar plus the placement settlement."""
        settlement = self.placements.settlement_ore if self.placements is not None else 0
        return self.betalningsansvar.total_amount_ore + settlement

    @property
    def grand_total_ore(self) -> int:
        """Everything netted: positive, the municipality pays; negative, it receives."""
        home_care_net = self.home_care.net_ore if self.home_care is not None else 0
        return self.to_region_ore - home_care_net


@dataclass(frozen=True, slots=True)
class RunBasis:
    """All 49 invoice bases of a run, in kommun-code order (zero invoices included)."""

    run: RunSummary
    bases: list[InvoiceBasis]
    has_placements: bool
    has_home_care: bool

    def get(self, kommun: str) -> InvoiceBasis:
        for basis in self.bases:
            if basis.kommun == kommun:
                return basis
        raise KeyError(f"{quotable(kommun)} är inte någon av avtalets 49 kommuner")


def run_facts(run: StoredRun) -> RunSummary:
    """The run's record as every page shows it: the daily amount it used, or for a run stored
    before the amount was kept, its rule set's."""
    s = run.summary
    amount = s.daily_amount_ore if s.daily_amount_ore is not None else _ruleset_amount(s)
    return dataclasses.replace(s, daily_amount_ore=amount)


def _ruleset_amount(summary: RunSummary) -> int | None:
    """The rule set's daily amount for the month, when the run did not record an override."""
    try:
        return load_ruleset(summary.ruleset_id).betalningsansvar(summary.month).daily_amount_ore
    except Exception:  # an unknown rule set or year: the header then says the amount is unknown
        return None


def _partition(frame: pl.DataFrame, column: str) -> dict[str, pl.DataFrame]:
    """One pass: the frame split by ``column`` (a kommun code), order kept."""
    if frame.height == 0:
        return {}
    return {str(key[0]): part for key, part in frame.partition_by(column, as_dict=True).items()}


def _status_rank() -> pl.Expr:
    return pl.col("status").replace_strict(
        {s: i for i, s in enumerate(STATUS_ORDER)}, default=len(STATUS_ORDER), return_dtype=pl.Int32
    )


def build_run_basis(run: StoredRun) -> RunBasis:
    """The invoice basis of every party, zero invoices included, from one stored run."""
    return _build(run, parties())


def build_basis(run: StoredRun, kommun: str) -> InvoiceBasis:
    """One party's invoice basis, the same as ``build_run_basis(run).get(kommun)``.

    ``run`` may hold only the rows that concern ``kommun``
    (:func:`hos_avtal.storage.load_run_municipality`): nothing of another party's rows is used.
    """
    party = [p for p in parties() if p.code == kommun]
    if not party:
        raise KeyError(f"{quotable(kommun)} är inte någon av avtalets 49 kommuner")
    return _build(run, party).bases[0]


def _build(run: StoredRun, chosen: Sequence[Municipality]) -> RunBasis:
    facts = run_facts(run)
    month = facts.month
    ba = run.betalningsansvar
    if "month" in ba.columns:
        ba = ba.filter(pl.col("month") == month)
    ba_rows = {r["kommun"]: r for r in ba.to_dicts()}

    lines = run.episode_lines
    if "month" in lines.columns:
        lines = lines.filter(pl.col("month") == month)
    lines = _episode_display(
        lines.drop("person_id", strict=False)
        .with_columns(_status_rank().alias("_rank"))
        .sort("kommun", "_rank", "episode_id")
        .drop("_rank")
    )
    episodes, empty_episodes = _partition(lines, "kommun"), lines.clear()

    placement_lines: dict[str, pl.DataFrame] = {}
    empty_placements: pl.DataFrame | None = None
    if run.placement_lines is not None:
        with_settlement = run.placement_lines.with_columns(settlement_ore().alias("settlement_ore")).sort(
            "kommun", "placement_id", "month"
        )
        with_settlement = _placement_display(with_settlement)
        placement_lines = _partition(with_settlement, "kommun")
        empty_placements = with_settlement.clear()

    hosts: dict[str, pl.DataFrame] = {}
    homes: dict[str, pl.DataFrame] = {}
    payments: dict[str, list[pl.DataFrame]] = {}
    hc_rows: dict[str, dict[str, int]] = {}
    empty_hc: pl.DataFrame | None = None
    empty_pay: pl.DataFrame | None = None
    if run.home_care_lines is not None:
        hc = _home_care_display(run.home_care_lines.sort("host", "home", "service"))
        hosts, homes, empty_hc = _partition(hc, "host"), _partition(hc, "home"), hc.clear()
        pay = run.home_care_payments
        if pay is not None:
            pay = pay.sort("payer", "payee")
            for direction, column in (("betalar", "payer"), ("tar emot", "payee")):
                tagged = pay.with_columns(pl.lit(direction).alias("direction"))
                for code, part in _partition(tagged, column).items():
                    payments.setdefault(code, []).append(part)
            empty_pay = pay.with_columns(pl.lit("").alias("direction")).clear()
        if run.home_care_municipalities is not None:
            hc_rows = {
                r["kommun"]: r for r in run.home_care_municipalities.select(
                    "kommun", "invoiced_ore", "owed_ore", "net_ore"
                ).to_dicts()
            }  # fmt: skip

    accepted_rows = (
        run.accepted_values if run.accepted_values is not None else pl.DataFrame(schema=ACCEPTED_SCHEMA)
    )
    all_accepted = accepted_rows.with_columns(_labels("kind", ACCEPTED_SV).alias("kind_sv")).sort(
        "kommun", "kind", "line_key"
    )
    accepted, empty_accepted = _partition(all_accepted, "kommun"), all_accepted.clear()

    all_corrections = _correction_display(itemised(run.corrections).sort("kommun", "capability", "line_key"))
    corrections, empty_corrections = _partition(all_corrections, "kommun"), all_corrections.clear()

    bases: list[InvoiceBasis] = []
    for party in chosen:
        code = party.code
        row = ba_rows.get(code)
        placements: PlacementPart | None = None
        if empty_placements is not None:
            pl_lines = placement_lines.get(code, empty_placements)
            sums = _sums(pl_lines, "cost_ore", "region_ore", "kommun_ore", "settlement_ore")
            placements = PlacementPart(pl_lines, *sums)
        home_care: HomeCarePart | None = None
        if empty_hc is not None:
            invoiced, owed = hosts.get(code, empty_hc), homes.get(code, empty_hc)
            own = payments.get(code, [])
            pays = pl.concat(own) if own else (empty_pay if empty_pay is not None else pl.DataFrame())
            position = hc_rows.get(code)
            inv = position["invoiced_ore"] if position else _sums(invoiced, "amount_ore")[0]
            owe = position["owed_ore"] if position else _sums(owed, "amount_ore")[0]
            home_care = HomeCarePart(invoiced, owed, pays, inv, owe, inv - owe)
        bases.append(
            InvoiceBasis(
                run=facts,
                kommun=code,
                name=party.name,
                kommunalforbund=party.kommunalforbund or "",
                betalningsansvar=_betalningsansvar(row, run.recurring_liability.get(code, 0)),
                episodes=episodes.get(code, empty_episodes),
                placements=placements,
                home_care=home_care,
                corrections=_corrections(corrections.get(code, empty_corrections)),
                accepted=accepted.get(code, empty_accepted),
            )
        )
    return RunBasis(facts, bases, empty_placements is not None, empty_hc is not None)


# --- display columns, computed once per run (not once per municipality and format) ---
#
# ``*_sv`` columns hold Swedish labels and ``*_text`` columns Swedish-formatted text
# (``9 300,00``, ``2022-06-30``) for the people's formats; the CSV keeps to the codes.


def kr_text(column: str) -> pl.Expr:
    """Öre as Swedish kronor text, ``"9 300,00"`` (space-grouped, decimal comma), vectorised."""
    ore = pl.col(column)
    whole = (ore.abs() // 100).cast(pl.String)
    grouped = whole.str.reverse().str.replace_all(r"(\d{3})", "$1 ").str.reverse().str.strip_chars_start(" ")
    return pl.concat_str(
        pl.when(ore < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        grouped,
        pl.lit(","),
        (ore.abs() % 100).cast(pl.String).str.zfill(2),
    )


def _labels(column: str, labels: dict[str, str]) -> pl.Expr:
    return pl.col(column).cast(pl.String).replace(labels)


def _episode_display(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        _labels("status", STATUS_SV).alias("status_sv"),
        _labels("care_type", CARE_TYPE_SV).alias("care_type_sv"),
        pl.col("reasons")
        .str.split(";")
        .list.eval(pl.element().replace(REASON_SV))
        .list.join(", ")
        .alias("reasons_sv"),
        pl.col("ready_date").dt.to_string("%Y-%m-%d").alias("ready_text"),
        pl.col("discharge_date").dt.to_string("%Y-%m-%d").alias("discharge_text"),
        kr_text("amount_ore").alias("amount_text"),
    )


def _placement_display(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("month").dt.to_string("%Y-%m").alias("month_text"),
        _labels("placed_by", PLACED_BY_SV).alias("placed_by_sv"),
        pl.when(pl.col("acute")).then(pl.lit("Ja")).otherwise(pl.lit("Nej")).alias("acute_sv"),
        _labels("method", METHOD_SV).alias("method_sv"),
        pl.col("flags").list.eval(pl.element().replace(FLAG_SV)).list.join(", ").alias("flags_sv"),
        *[kr_text(f"{c}_ore").alias(f"{c}_text") for c in ("cost", "region", "kommun", "settlement")],
    )


def _home_care_display(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        _labels("service", SERVICE_SV).alias("service_sv"),
        kr_text("tariff_ore").alias("tariff_text"),
        kr_text("amount_ore").alias("amount_text"),
    )


def _correction_display(frame: pl.DataFrame) -> pl.DataFrame:
    for column in ("previous_episodes", "current_episodes", "previous_days", "current_days"):
        if column not in frame.columns:  # a frame built before the pool was itemised
            frame = frame.with_columns(pl.lit(None, pl.Int64).alias(column))
    pooled = pl.col("line_key") == POOLED

    def change(before: str, after: str) -> pl.Expr:
        return pl.concat_str(pl.col(before).cast(pl.String), pl.lit(" → "), pl.col(after).cast(pl.String))

    return frame.with_columns(
        _labels("capability", CAPABILITY_SV).alias("capability_sv"),
        pl.when(pooled).then(pl.lit("Genomsnittsdel")).otherwise(pl.col("line_key")).alias("line_sv"),
        pl.when(pooled)
        .then(
            pl.concat_str(
                pl.lit("N "), change("previous_episodes", "current_episodes"),
                pl.lit(", D "), change("previous_days", "current_days"),
            )
        )
        .otherwise(pl.lit(""))
        .alias("pool_sv"),
        *[kr_text(f"{c}_ore").alias(f"{c}_text") for c in ("previous", "current", "delta")],
    )  # fmt: skip


def _sums(frame: pl.DataFrame, *columns: str) -> list[int]:
    if frame.height == 0:
        return [0] * len(columns)
    row = frame.select(pl.col(c).sum() for c in columns).row(0)
    return [int(v or 0) for v in row]


def _betalningsansvar(row: dict[str, object] | None, recurring_months: int) -> BetalningsansvarPart:
    def n(column: str) -> int:
        value = row.get(column) if row is not None else None
        return int(value) if isinstance(value, int | bool) else 0

    episodes, days = n("average_episodes"), n("average_days")
    units, den = n("liable_units"), n("threshold_den")
    return BetalningsansvarPart(
        average_episodes=episodes,
        average_days=days,
        average=f"{Decimal(str(average(days, episodes))):.2f}",
        liable=bool(n("liable")),
        liable_days=liable_days(units, den) if den else "0.00",
        average_amount_ore=n("average_amount_ore"),
        average_episodes_somatik=n("average_episodes_somatik"),
        average_episodes_psykiatri=n("average_episodes_psykiatri"),
        individual_episodes=n("individual_episodes"),
        individual_episodes_somatik=n("individual_episodes_somatik"),
        individual_episodes_psykiatri=n("individual_episodes_psykiatri"),
        individual_billable_days=n("individual_billable_days"),
        individual_amount_ore=n("individual_amount_ore"),
        individual_amount_ore_somatik=n("individual_amount_ore_somatik"),
        individual_amount_ore_psykiatri=n("individual_amount_ore_psykiatri"),
        total_amount_ore=n("total_amount_ore"),
        not_covered_episodes=n("not_covered_episodes"),
        pending_episodes=n("pending_episodes"),
        consecutive_liable_months=n("consecutive_liable_months"),
        recurring_liability=bool(n("recurring_liability")),
        recurring_months=recurring_months,
    )


def _corrections(frame: pl.DataFrame) -> CorrectionPart:
    if frame.height == 0:
        return CorrectionPart(frame, {}, 0)
    sums = frame.group_by("capability", maintain_order=True).agg(pl.col("delta_ore").sum())
    by_capability = {str(c): int(v) for c, v in sums.iter_rows()}
    return CorrectionPart(frame, by_capability, sum(by_capability.values()))


# --- Swedish labels for people (the documents are for Swedish billing staff) ---

STATUS_SV = {
    "individual": "Individuell",
    "pooled": "Genomsnitt",
    "not_covered": "Omfattas ej",
    "pending": "Ej utskriven",
    "outside_agreement": "Utanför avtalet",
}
CARE_TYPE_SV = {"somatik": "Somatik", "psykiatri": "Psykiatri"}
REASON_SV = {
    "no_admission_notice": "inget inskrivningsmeddelande",
    "no_ready_notice": "inget meddelande om utskrivningsklar",
    "sip_not_invited": "ej kallad till SIP",
    "no_outpatient_plan": "ingen planering för öppenvård",
    "outpatient_unavailable": "öppenvård ej tillgänglig",
}
SERVICE_SV = {"hemtjanst": "Hemtjänst", "hemsjukvard": "Hemsjukvård"}
METHOD_SV = {
    "schablon": "Schablon", "percent": "Procent", "fixed": "Fast belopp", "none": "Avtal saknas",
    "mixed": "Flera avtal under månaden",
}  # fmt: skip
PLACED_BY_SV = {"region": "Regionen", "kommun": "Kommunen"}
FLAG_SV = {
    "agreement_missing": "kostnadsavtal saknas",
    "agreement_overdue": "akut placering: avtal försenat",
    "fixed_capped": "fast belopp över kostnaden (begränsat)",
}
ACCEPTED_SV = {"long_wait": "Väntetid över rimlighetsgränsen (dagar)"}
ORIGIN_SV = {
    "shipped": "medföljer",
    "registered": "registrerat",
    "given": "angivet",
    "ruleset": "regelverkets",
    "database": "registrerat i databasen",
    "folder": "regelverksmappen",
}
"""Where a fastställt belopp or a rule set came from, for people."""
CAPABILITY_SV = {
    "betalningsansvar": "Betalningsansvar",
    "placements": "Placeringar",
    "home_care": "Hemtjänst och hemsjukvård",
}


def sv_decimal(text: str) -> str:
    """``"3.20"`` as ``"3,20"`` for people."""
    return text.replace(".", ",")


# --- the all-49 summary, shared by the three summary writers ---

SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (machine name, Swedish header, kind: text/int/dec/money/bool)
    ("kommun", "Kommunkod", "text"),
    ("name", "Kommun", "text"),
    ("kommunalforbund", "Kommunalförbund", "text"),
    ("average_episodes", "Vårdtillfällen i genomsnittet", "int"),
    ("average_days", "Dagar i genomsnittet", "int"),
    ("average", "Genomsnitt (dagar)", "dec"),
    ("liable_days", "Betalningsgrundande dagar (genomsnitt)", "dec"),
    ("average_amount_ore", "Genomsnittsdel (kr)", "money"),
    ("individual_episodes_somatik", "Individuella, somatik", "int"),
    ("individual_episodes_psykiatri", "Individuella, psykiatri", "int"),
    ("individual_billable_days", "Individuella betalningsdagar", "int"),
    ("individual_amount_ore", "Individuell del (kr)", "money"),
    ("betalningsansvar_ore", "Betalningsansvar totalt (kr)", "money"),
    ("zero_invoice", "Nollfaktura", "bool"),
    ("not_covered_episodes", "Omfattas ej", "int"),
    ("pending_episodes", "Ej utskrivna", "int"),
    ("recurring_months", "Månader i följd med betalningsansvar", "int"),
    ("recurring_liability", "Återkommande betalningsansvar", "bool"),
    ("placement_region_ore", "Placeringar, regionens andel (kr)", "money"),
    ("placement_kommun_ore", "Placeringar, kommunens andel (kr)", "money"),
    ("placement_settlement_ore", "Placeringar, kommunen betalar VGR netto (kr)", "money"),
    ("to_region_ore", "Att betala till VGR netto (kr)", "money"),
    ("home_care_invoiced_ore", "Hemtjänst/hemsjukvård fakturerar (kr)", "money"),
    ("home_care_owed_ore", "Hemtjänst/hemsjukvård faktureras (kr)", "money"),
    ("home_care_net_ore", "Hemtjänst/hemsjukvård netto att få (kr)", "money"),
    ("grand_total_ore", "Summa att betala (+) / få (-) (kr)", "money"),
    ("correction_ore", "Rättelse mot tidigare version (kr)", "money"),
)


def summary_rows(run_basis: RunBasis) -> list[dict[str, object]]:
    """One row per party (all 49, zero invoices included), money in öre."""
    rows: list[dict[str, object]] = []
    for b in run_basis.bases:
        ba, p, h = b.betalningsansvar, b.placements, b.home_care
        rows.append(
            {
                "kommun": b.kommun,
                "name": b.name,
                "kommunalforbund": b.kommunalforbund,
                "average_episodes": ba.average_episodes,
                "average_days": ba.average_days,
                "average": ba.average,
                "liable_days": ba.liable_days,
                "average_amount_ore": ba.average_amount_ore,
                "individual_episodes_somatik": ba.individual_episodes_somatik,
                "individual_episodes_psykiatri": ba.individual_episodes_psykiatri,
                "individual_billable_days": ba.individual_billable_days,
                "individual_amount_ore": ba.individual_amount_ore,
                "betalningsansvar_ore": ba.total_amount_ore,
                "zero_invoice": ba.zero_invoice,
                "not_covered_episodes": ba.not_covered_episodes,
                "pending_episodes": ba.pending_episodes,
                "recurring_months": ba.recurring_months,
                "recurring_liability": ba.recurring_liability,
                "placement_region_ore": p.region_ore if p else 0,
                "placement_kommun_ore": p.kommun_ore if p else 0,
                "placement_settlement_ore": p.settlement_ore if p else 0,
                "to_region_ore": b.to_region_ore,
                "home_care_invoiced_ore": h.invoiced_ore if h else 0,
                "home_care_owed_ore": h.owed_ore if h else 0,
                "home_care_net_ore": h.net_ore if h else 0,
                "grand_total_ore": b.grand_total_ore,
                "correction_ore": b.corrections.net_ore,
            }
        )
    return rows


# --- file names and atomic writes ---

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "Å": "a", "Ä": "a", "Ö": "o"})


def ascii_slug(text: str) -> str:
    """``"Mölndal"`` → ``"molndal"``, ``"Lilla Edet"`` → ``"lilla-edet"``: safe on any file system."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    plain = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def invoice_stem(facts: RunSummary, kommun: str, name: str) -> str:
    return f"fakturaunderlag-{facts.month_text}-v{facts.version}-{kommun}-{ascii_slug(name)}"


def summary_stem(facts: RunSummary) -> str:
    return f"sammanstallning-{facts.month_text}-v{facts.version}"

"""Fakturaunderlag as Excel workbooks, for billing staff who filter, sum and check.

Amounts are real numbers (kronor) with the number format ``#,##0.00``: Excel stores that code
locale-independently and a Swedish Excel shows it as ``9 300,00``. Dates are real dates. Every
table sheet has a title row (municipality, month, version, state), a Swedish header row that stays
frozen, fitted column widths and an autofilter; a draft says UTKAST in red in every sheet's title
and in the printed page header.

Tables are written a column at a time (``write_column``), not cell by cell, which keeps 49
workbooks of a VGR-scale month well under a second.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import xlsxwriter  # type: ignore[import-untyped]

from hos_avtal.exports._basis import (
    CAPABILITY_SV,
    DRAFT_MARK,
    SEAL_MISSING_SV,
    SUMMARY_COLUMNS,
    InvoiceBasis,
    RunBasis,
    state_label,
    summary_rows,
    sv_decimal,
)
from hos_avtal.money import ore_to_decimal
from hos_avtal.runs import RunSummary

_MONEY = "#,##0.00"

Column = tuple[str, str, float]
"""(Swedish header, kind: text/int/date/money/dec, width)."""


class _Book:
    """A workbook with the shared formats; ``sheet`` writes one titled, filtered table."""

    def __init__(self, run: RunSummary, title: str) -> None:
        self.buffer = io.BytesIO()
        self.run = run
        self.title = title
        self.book: Any = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                "default_date_format": "yyyy-mm-dd",
                "strings_to_urls": False,
                "strings_to_formulas": False,
            },
        )
        self.book.set_properties({"title": title, "created": run.created_at.replace(tzinfo=None)})
        add = self.book.add_format
        self.fmt: dict[str, Any] = {
            "title": add({"bold": True, "font_size": 13}),
            "draft": add({"bold": True, "font_size": 13, "font_color": "#C00000"}),
            "header": add({"bold": True, "bg_color": "#DDE5F0", "bottom": 1, "text_wrap": True}),
            "money": add({"num_format": _MONEY}),
            "money_bold": add({"num_format": _MONEY, "bold": True}),
            "int": add({"num_format": "0"}),
            "dec": add({"num_format": "0.00"}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "text": None,
            "label": add({"bold": True}),
            "section": add({"bold": True, "font_size": 12, "bottom": 1}),
        }

    def heading(self, ws: Any) -> None:
        """Row 0: what this is; a draft's title is red and says UTKAST."""
        run = self.run
        text = f"{self.title} – {run.month_text}, körning {run.id}, version {run.version}"
        if run.is_draft:
            ws.write(0, 0, f"{DRAFT_MARK} – {text} – ej för fakturering", self.fmt["draft"])
            ws.set_header(f'&C&"Arial,Bold"&14{DRAFT_MARK}')
        else:
            ws.write(0, 0, f"{text} – fastställd", self.fmt["title"])
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&CSida &P av &N")

    def table(self, name: str, columns: Sequence[Column], values: Sequence[Sequence[Any]]) -> Any:
        """A sheet: title row, frozen header row, data a column at a time, autofilter."""
        ws = self.book.add_worksheet(name)
        self.heading(ws)
        n = len(values[0]) if values else 0
        for j, ((header, kind, width), column) in enumerate(zip(columns, values, strict=True)):
            ws.write(1, j, header, self.fmt["header"])
            ws.set_column(j, j, width, self.fmt[kind] if kind != "text" else None)
            if n:
                ws.write_column(2, j, column, self.fmt[kind])
        ws.set_row(1, 30)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, 1 + n, len(columns) - 1)
        ws.repeat_rows(1)
        return ws

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def _kr(frame: pl.DataFrame, column: str) -> list[Decimal | None]:
    """Öre → kronor for the cell, as exact decimals.

    xlsxwriter writes a float with 16 significant digits (``8252.110000000001``), a Decimal
    as it is (``8252.11``): the file then says what the invoice says, and Excel reads both as
    the same number.
    """
    return [None if v is None else ore_to_decimal(v) for v in frame.get_column(column).to_list()]


def _list(frame: pl.DataFrame, column: str) -> list[Any]:
    values: list[Any] = frame.get_column(column).to_list()
    return values


def invoice_workbook(basis: InvoiceBasis) -> bytes:
    """One municipality's workbook: summary, episodes and, where the run had them, the rest."""
    b = _Book(basis.run, f"Fakturaunderlag {basis.name} ({basis.kommun})")
    _summary_sheet(b, basis)
    ep = basis.episodes
    b.table(
        "Vårdtillfällen",
        [
            ("Vårdtillfälle (pseudonym)", "text", 20), ("Status", "text", 14), ("Vårdtyp", "text", 11),
            ("Sjukhus", "text", 10), ("Utskrivningsklar", "date", 14), ("Utskriven", "date", 12),
            ("Dagar efter utskrivningsklar", "int", 14), ("Betalningsdagar (individuell)", "int", 14),
            ("Belopp (kr)", "money", 14), ("Omfattas ej – skäl", "text", 40),
        ],
        [
            *[_list(ep, c) for c in ("episode_id", "status_sv", "care_type_sv", "hospital", "ready_date",
                                     "discharge_date", "days", "billable_days")],
            _kr(ep, "amount_ore"),
            _list(ep, "reasons_sv"),
        ],
    )  # fmt: skip
    if basis.placements is not None:
        pl_ = basis.placements.lines
        b.table(
            "Placeringar",
            [
                ("Placering", "text", 16), ("Månad", "text", 9), ("Placerad av", "text", 12),
                ("Akut", "text", 6), ("Kostnadsfördelning", "text", 14), ("Dagar", "int", 7),
                ("Kostnad (kr)", "money", 14), ("Regionens andel (kr)", "money", 14),
                ("Kommunens andel (kr)", "money", 14),
                ("Kommunen betalar VGR (+) / VGR betalar kommunen (-) (kr)", "money", 20),
                ("Flaggor", "text", 36),
            ],
            [
                *[_list(pl_, c) for c in ("placement_id", "month_text", "placed_by_sv", "acute_sv",
                                          "method_sv", "days")],
                _kr(pl_, "cost_ore"), _kr(pl_, "region_ore"), _kr(pl_, "kommun_ore"),
                _kr(pl_, "settlement_ore"),
                _list(pl_, "flags_sv"),
            ],
        )  # fmt: skip
    if basis.home_care is not None:
        hc = basis.home_care
        parts = (hc.invoiced_lines, hc.owed_lines)
        direction = ["Kommunen fakturerar"] * parts[0].height + ["Kommunen faktureras"] * parts[1].height

        def both(column: str) -> list[Any]:
            return _list(parts[0], column) + _list(parts[1], column)

        b.table(
            "Hemtjänst och hemsjukvård",
            [
                ("Riktning", "text", 20), ("Vistelsekommun", "text", 14), ("Hemkommun", "text", 12),
                ("Insats", "text", 13), ("Besök", "int", 8), ("Minuter", "int", 9),
                ("Taxa (kr/tim)", "money", 12), ("Belopp (kr)", "money", 14),
            ],
            [
                direction, both("host"), both("home"), both("service_sv"), both("visits"), both("minutes"),
                _kr(parts[0], "tariff_ore") + _kr(parts[1], "tariff_ore"),
                _kr(parts[0], "amount_ore") + _kr(parts[1], "amount_ore"),
            ],
        )  # fmt: skip
    if basis.accepted.height:
        a = basis.accepted
        b.table(
            "Godkända avvikelser",
            [("Vårdtillfälle (pseudonym)", "text", 22), ("Avvikelse", "text", 40), ("Värde", "int", 10)],
            [_list(a, "line_key"), _list(a, "kind_sv"), _list(a, "value")],
        )
    if basis.run.corrects_run_id is not None or basis.corrections.lines.height:
        c = basis.corrections.lines
        b.table(
            "Rättelser",
            [
                ("Område", "text", 24), ("Rad", "text", 24),
                ("Genomsnittets vårdtillfällen (N) och dagar (D): före → efter", "text", 30),
                ("Tidigare version (kr)", "money", 16), ("Denna version (kr)", "money", 16),
                ("Förändring: debitering (+) / kreditering (-) (kr)", "money", 20),
            ],
            [
                _list(c, "capability_sv"),
                _list(c, "line_sv"),
                _list(c, "pool_sv"),
                _kr(c, "previous_ore"), _kr(c, "current_ore"), _kr(c, "delta_ore"),
            ],
        )  # fmt: skip
    return b.close()


def _summary_sheet(b: _Book, basis: InvoiceBasis) -> None:
    """Label/value pairs in sections: what SAMSA's report shows, and what it leaves out."""
    ws = b.book.add_worksheet("Sammanfattning")
    b.heading(ws)
    ws.set_column(0, 0, 52)
    ws.set_column(1, 1, 22)
    f = b.fmt
    row = 2

    def section(title: str) -> None:
        nonlocal row
        row += 1
        ws.write(row, 0, title, f["section"])
        row += 1

    def line(label: str, value: Any, kind: str = "text") -> None:
        nonlocal row
        ws.write(row, 0, label)
        if kind == "money":
            ws.write_number(row, 1, ore_to_decimal(value), f["money"])
        elif kind == "money_bold":
            ws.write(row, 0, label, f["label"])
            ws.write_number(row, 1, ore_to_decimal(value), f["money_bold"])
        elif kind == "dec":
            ws.write_number(row, 1, float(value), f["dec"])
        else:
            ws.write(row, 1, value)
        row += 1

    run, ba = basis.run, basis.betalningsansvar
    section("Fakturaunderlag")
    line("Kommun", f"{basis.name} ({basis.kommun})")
    line("Kommunalförbund", basis.kommunalforbund)
    line("Månad", run.month_text)
    line("Körning", run.id)
    line("Version", run.version)
    line("Status", state_label(run))
    line("Regelverk", run.ruleset_id)
    if run.daily_amount_ore is not None:
        line("Fastställt belopp per vårddygn (kr)", run.daily_amount_ore, "money")
    else:
        line("Fastställt belopp per vårddygn (kr)", "okänt")
    if run.corrects_run_id is not None:
        line("Rättar körning", run.corrects_run_id)
    line("Sigill (SHA-256 över körningens rader)", run.seal or SEAL_MISSING_SV)
    if basis.accepted.height:
        section("Godkända avvikelser (bekräftade av användaren)")
        for kind, count in basis.accepted.group_by("kind_sv", maintain_order=True).len().iter_rows():
            line(kind, f"{count} vårdtillfällen (se bladet Godkända avvikelser)")

    section("Betalningsansvar – utskrivningsklara i slutenvård")
    line("Vårdtillfällen i genomsnittet", ba.average_episodes)
    line("  varav somatik", ba.average_episodes_somatik)
    line("  varav psykiatri", ba.average_episodes_psykiatri)
    line("Dagar efter utskrivningsklar i genomsnittet", ba.average_days)
    line("Genomsnitt (dagar)", ba.average, "dec")
    line("Betalningsgrundande dagar (genomsnitt)", ba.liable_days, "dec")
    line("Genomsnittsdel (kr)", ba.average_amount_ore, "money")
    line("Individuellt beräknade vårdtillfällen (7-dagarsfall)", ba.individual_episodes)
    line("  varav somatik", ba.individual_episodes_somatik)
    line("  varav psykiatri", ba.individual_episodes_psykiatri)
    line("Betalningsdagar, individuell del", ba.individual_billable_days)
    line("Individuell del, somatik (kr)", ba.individual_amount_ore_somatik, "money")
    line("Individuell del, psykiatri (kr)", ba.individual_amount_ore_psykiatri, "money")
    line("Individuell del (kr)", ba.individual_amount_ore, "money")
    line("Betalningsansvar totalt (kr)", ba.total_amount_ore, "money_bold")
    line("Nollfaktura", "Ja" if ba.zero_invoice else "Nej")
    line("Omfattas ej (ej fakturerade)", ba.not_covered_episodes)
    line("Ej utskrivna vid månadens slut", ba.pending_episodes)
    line("Månader i följd med betalningsansvar", ba.recurring_months)
    line("Återkommande betalningsansvar (handlingsplan)", "Ja" if ba.recurring_liability else "Nej")

    if basis.placements is not None:
        p = basis.placements
        section("Placeringar utanför hemmet")
        line("Placeringsrader", p.lines.height)
        line("Kostnad (kr)", p.cost_ore, "money")
        line("Regionens andel (kr)", p.region_ore, "money")
        line("Kommunens andel (kr)", p.kommun_ore, "money")
        line("Kommunen betalar VGR (+) / VGR betalar kommunen (-) (kr)", p.settlement_ore, "money_bold")
    if basis.home_care is not None:
        h = basis.home_care
        section("Hemtjänst och hemsjukvård i annan kommun")
        line("Kommunen fakturerar (som vistelsekommun) (kr)", h.invoiced_ore, "money")
        line("Kommunen faktureras (som hemkommun) (kr)", h.owed_ore, "money")
        line("Netto att få (+) / betala (-) (kr)", h.net_ore, "money_bold")
        for pay in h.payments.iter_rows(named=True):
            other = pay["payee"] if pay["direction"] == "betalar" else pay["payer"]
            verb = "Betalar till" if pay["direction"] == "betalar" else "Tar emot från"
            line(f"{verb} {other}", pay["amount_ore"], "money")
    section("Rättelser mot tidigare fastställd version")
    if basis.corrections.by_capability:
        for capability, delta in basis.corrections.by_capability.items():
            line(CAPABILITY_SV.get(capability, capability), delta, "money")
        line(
            "Rättelse totalt: debitering (+) / kreditering (-) (kr)", basis.corrections.net_ore, "money_bold"
        )
    else:
        line("Inga rättelser", "Månadens första version" if run.corrects_run_id is None else "Inga ändringar")
    section("Summa")
    line("Att betala till VGR netto (kr)", basis.to_region_ore, "money_bold")
    line("Summa att betala (+) / få (-) (kr)", basis.grand_total_ore, "money_bold")
    ws.write(row + 1, 0, "Personnummer lagras eller visas aldrig; vårdtillfällen anges med pseudonym.")


def summary_workbook(run_basis: RunBasis) -> bytes:
    """All 49 municipalities on one sheet (zero invoices included) with a totals row below."""
    run = run_basis.run
    b = _Book(run, "Sammanställning fakturaunderlag, alla 49 kommuner")
    rows = summary_rows(run_basis)
    kinds = {"bool": "text", "dec": "dec", "money": "money", "int": "int", "text": "text"}
    columns: list[Column] = [
        (header, kinds[kind], 12 if kind != "text" else (22 if name != "kommun" else 9))
        for name, header, kind in SUMMARY_COLUMNS
    ]
    values: list[list[Any]] = []
    for name, _, kind in SUMMARY_COLUMNS:
        column = [r[name] for r in rows]
        if kind == "money":
            column = [ore_to_decimal(int(str(v))) for v in column]
        elif kind == "dec":
            column = [float(str(v)) for v in column]
        elif kind == "bool":
            column = ["Ja" if v else "Nej" for v in column]
        values.append(column)
    ws = b.table("Sammanställning", columns, values)
    total_row = 2 + len(rows) + 1
    ws.write(total_row, 0, "Summa", b.fmt["label"])
    for j, (name, _, kind) in enumerate(SUMMARY_COLUMNS):
        if kind == "money":
            total = sum(int(str(r[name])) for r in rows)
            ws.write_number(total_row, j, ore_to_decimal(total), b.fmt["money_bold"])
    info = b.book.add_worksheet("Körning")
    b.heading(info)
    info.set_column(0, 0, 34)
    info.set_column(1, 1, 70)
    facts = [
        ("Månad", run.month_text), ("Körning", run.id), ("Version", run.version),
        ("Status", state_label(run)), ("Regelverk", run.ruleset_id),
        ("Fastställt belopp per vårddygn (kr)",
         sv_decimal(f"{run.daily_amount_ore / 100:.2f}") if run.daily_amount_ore is not None else "okänt"),
        ("Rättar körning", run.corrects_run_id if run.corrects_run_id is not None else "-"),
        ("Regelverkets kontrollsumma", run.ruleset_hash), ("Indatas kontrollsumma", run.inputs_hash),
        ("Sigill (SHA-256 över körningens rader)", run.seal or SEAL_MISSING_SV),
        ("Programversion", run.code_version), ("Skapad", run.created_at.isoformat(timespec="seconds")),
        ("Fastställd", run.finalized_at.isoformat(timespec="seconds") if run.finalized_at else "-"),
        ("Kommuner med nollfaktura (betalningsansvar)", sum(bool(r["zero_invoice"]) for r in rows)),
    ]  # fmt: skip
    for i, (label, value) in enumerate(facts, start=2):
        info.write(i, 0, label, b.fmt["label"])
        info.write(i, 1, value)
    return b.close()

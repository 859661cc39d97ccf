"""Fakturaunderlag as PDF, for people: read, check, file.

Layout (A4 landscape): every page has a header with the municipality, the month, the run, version
and state, the rule set and the daily amount — a draft also says UTKAST in red on every page — and
a footer "Sida n av N". The first page is the summary (the betalningsansvar box, then placements,
home care, corrections and the sums); each table (episodes, placements, home care, corrections)
starts on a page of its own with its header row repeated on every page.

fpdf2's core fonts are latin-1 (enough for å, ä, ö); anything outside it (dashes, arrows) is
mapped to a safe character first. Table cells are placed with ``text()`` at computed positions
rather than ``cell()``, and the tables' rows in bulk by ``_pdf_rows.place_rows`` rather than
fpdf2's ``table()`` (its docstring has the measured reason): a month has 5 000 episode lines.
The document date is the run's creation time and the file has no random /ID, so the same run
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import cast

import polars as pl
from fpdf import FPDF

from hos_avtal.exports._basis import (
    CAPABILITY_SV,
    DRAFT_MARK,
    SEAL_MISSING_SV,
    InvoiceBasis,
    RunBasis,
    state_label,
    summary_rows,
    sv_decimal,
)
from hos_avtal.exports._pdf_rows import Col, place_rows
from hos_avtal.money import format_sek_sv
from hos_avtal.runs import RunSummary

_SAFE = str.maketrans(
    {
        "–": "-", "—": "-", "−": "-", "→": "->", "←": "<-", "’": "'", "‘": "'", "“": '"', "”": '"',
        "…": "...", "≥": ">=", "≤": "<=", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip


def safe(text: str) -> str:
    """``text`` in latin-1 (the core fonts' charset): known symbols mapped, others as ``?``."""
    return text.translate(_SAFE).encode("latin-1", "replace").decode("latin-1")


def kr(ore: int | None) -> str:
    return "" if ore is None else format_sek_sv(ore)


class _Document(FPDF):
    """A4 landscape with the run's header and page numbers on every page."""

    def __init__(self, run: RunSummary, who: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.run = run
        self.who = who
        self.set_auto_page_break(auto=False)
        self.set_margins(12, 12, 12)
        self.set_creation_date(
            run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=dt.UTC)
        )
        # An ASCII title: fpdf2 writes any other title as UTF-16 hex, digits a reader cannot read.
        title = f"Fakturaunderlag {who} {run.month_text} v{run.version}"
        self.set_title(unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii"))
        self.set_creator("hos_avtal")
        self.alias_nb_pages()
        self.body_top = 34.0

    def width(self, text: str) -> float:
        """``get_string_width`` for latin-1 text in a core font, without fpdf2's text shaping."""
        assert self.current_font is not None
        widths = cast(dict[str, float], self.current_font.cw)  # core fonts: keyed by character
        return sum(widths[c] for c in text) * self.font_size_pt * 0.001 / self.k

    def file_id(self) -> None:
        """No /ID: the default hashes the bytes with the clock; without it output is repeatable."""
        return

    def header(self) -> None:
        run = self.run
        self.set_text_color(0, 0, 0)
        self.set_font("Helvetica", "B", 13)
        self.text(12, 16, safe(f"Fakturaunderlag - {self.who}"))
        self.set_font("Helvetica", "", 9)
        amount = f"{kr(run.daily_amount_ore)} kr" if run.daily_amount_ore is not None else "okänt"
        self.text(
            12,
            22,
            safe(
                f"Månad {run.month_text}   Körning {run.id}   Version {run.version}   "
                f"Status: {state_label(run)}   Regelverk {run.ruleset_id}   "
                f"Fastställt belopp per vårddygn {amount}"
            ),
        )
        if run.is_draft:
            self.set_text_color(192, 0, 0)
            self.set_font("Helvetica", "B", 20)
            self.text(self.w - 12 - self.width(DRAFT_MARK), 16, DRAFT_MARK)
            self.set_font("Helvetica", "B", 8)
            note = "Ej för fakturering"
            self.text(self.w - 12 - self.width(note), 22, note)
            self.set_text_color(0, 0, 0)
        self.set_draw_color(120, 120, 120)
        self.line(12, 25, self.w - 12, 25)

    def footer(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        left = "Vårdtillfällen anges med pseudonym; personnummer lagras eller visas aldrig."
        self.text(12, self.h - 8, safe(left))
        # On every page, so any page of an invoice proves which stored run it came from.
        self.text(
            12,
            self.h - 4.5,
            safe(f"Sigill (SHA-256 över körningens rader): {self.run.seal or SEAL_MISSING_SV}"),
        )
        # cell() (not text()) so that fpdf2 replaces {nb} with the page count at output.
        self.set_xy(self.w - 62, self.h - 10.5)
        self.cell(50, 4, f"Sida {self.page_no()} av {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # --- building blocks ---

    def heading(self, text: str, y: float | None = None) -> float:
        self.set_font("Helvetica", "B", 11)
        y = self.body_top if y is None else y
        self.text(12, y, safe(text))
        return y + 6

    def pairs(self, rows: Sequence[tuple[str, str]], y: float, x: float = 12, width: float = 125) -> float:
        """A label/value box: labels left, values right-aligned."""
        self.set_font("Helvetica", "", 9)
        for label, value in rows:
            bold = label.startswith("*")
            if bold:
                label = label[1:]
                self.set_font("Helvetica", "B", 9)
            self.text(x, y, safe(label))
            value = safe(value)
            self.text(x + width - self.width(value), y, value)
            if bold:
                self.set_font("Helvetica", "", 9)
            y += 4.6
        return y

    def data_table(self, title: str, columns: Sequence[Col], rows: Sequence[Sequence[str]]) -> None:
        """A table from a new page on: header row repeated per page, cells placed in bulk."""
        self.add_page()
        y = self.heading(title)
        line_h, bottom = 4.1, self.h - 16

        def head(y: float) -> float:
            self.set_font("Helvetica", "B", 7.5)
            self.set_fill_color(221, 229, 240)
            self.rect(12, y - 3.3, sum(c[1] for c in columns), 4.8, style="F")
            x = 12.0
            for header, width, align in columns:
                h = safe(header)
                self.text(x + 1 if align == "L" else x + width - 1 - self.width(h), y, h)
                x += width
            self.set_font("Helvetica", "", 7.5)
            self.text(12, y, "")  # selects the body font on this page for the raw rows below
            return y + line_h + 1

        y = head(y)
        if not rows:
            self.text(13, y, "Inga rader.")
            return

        def next_page() -> float:
            self.add_page()
            return head(self.heading(f"{title} (forts.)"))

        place_rows(self, columns, rows, y=y, line_height=line_h, bottom=bottom, next_page=next_page)


def _columns(frame: pl.DataFrame, names: Sequence[str]) -> list[list[str]]:
    """Columns as latin-1-safe text, read straight from the precomputed display columns."""
    out = []
    for name in names:
        values = ["" if v is None else str(v) for v in frame.get_column(name).to_list()]
        out.append([v if v.isascii() else safe(v) for v in values])
    return out


def _rows(frame: pl.DataFrame, names: Sequence[str]) -> list[tuple[str, ...]]:
    return list(zip(*_columns(frame, names), strict=True))


def invoice_pdf(basis: InvoiceBasis) -> bytes:
    """One municipality's fakturaunderlag: summary page, then one table per section."""
    run, ba = basis.run, basis.betalningsansvar
    pdf = _Document(run, f"{basis.name} ({basis.kommun})")
    pdf.add_page()
    y = pdf.heading(f"{basis.name}, {basis.kommunalforbund}: sammanfattning")
    individual_split = f"{ba.individual_episodes_somatik} / {ba.individual_episodes_psykiatri}"
    left = [
        ("Vårdtillfällen i genomsnittet", str(ba.average_episodes)),
        ("   varav somatik / psykiatri", f"{ba.average_episodes_somatik} / {ba.average_episodes_psykiatri}"),
        ("Dagar efter utskrivningsklar", str(ba.average_days)),
        ("Genomsnitt (dagar)", sv_decimal(ba.average)),
        ("Betalningsgrundande dagar (genomsnitt)", sv_decimal(ba.liable_days)),
        ("Genomsnittsdel (kr)", kr(ba.average_amount_ore)),
        ("Individuella vårdtillfällen (7-dagarsfall)", str(ba.individual_episodes)),
        ("   varav somatik / psykiatri", individual_split),
        ("Betalningsdagar, individuell del", str(ba.individual_billable_days)),
        ("Individuell del (kr)", kr(ba.individual_amount_ore)),
        ("*Betalningsansvar totalt (kr)", kr(ba.total_amount_ore)),
        ("Nollfaktura", "Ja" if ba.zero_invoice else "Nej"),
        ("Omfattas ej / ej utskrivna", f"{ba.not_covered_episodes} / {ba.pending_episodes}"),
        ("Månader i följd med betalningsansvar", str(ba.recurring_months)),
        ("Återkommande betalningsansvar", "Ja - handlingsplan" if ba.recurring_liability else "Nej"),
    ]  # fmt: skip
    pdf.set_draw_color(60, 60, 60)
    pdf.rect(10, y - 4.5, 129, 4.6 * len(left) + 7)
    pdf.set_font("Helvetica", "B", 10)
    pdf.text(12, y, "Betalningsansvar - utskrivningsklara i slutenvård")
    pdf.pairs(left, y + 5.5)

    right: list[tuple[str, str]] = []
    if basis.placements is not None:
        p = basis.placements
        right += [
            ("Placeringar: rader", str(p.lines.height)),
            ("Kostnad (kr)", kr(p.cost_ore)),
            ("Regionens andel / kommunens andel (kr)", f"{kr(p.region_ore)} / {kr(p.kommun_ore)}"),
            ("*Kommunen betalar VGR (+) / får (-) (kr)", kr(p.settlement_ore)),
            ("", ""),
        ]
    if basis.home_care is not None:
        h = basis.home_care
        right += [
            ("Hemtjänst/hemsjukvård: fakturerar (kr)", kr(h.invoiced_ore)),
            ("Faktureras som hemkommun (kr)", kr(h.owed_ore)),
            ("*Netto att få (+) / betala (-) (kr)", kr(h.net_ore)),
        ]
        payments = list(h.payments.iter_rows(named=True))
        for pay in payments[:6]:
            pays = pay["direction"] == "betalar"
            other = pay["payee"] if pays else pay["payer"]
            right.append((f"   {'betalar till' if pays else 'tar emot från'} {other}", kr(pay["amount_ore"])))
        if len(payments) > 6:
            right.append((f"   ... och {len(payments) - 6} betalningar till (se tabellen)", ""))
        right.append(("", ""))
    if basis.accepted.height:
        for kind, count in basis.accepted.group_by("kind_sv", maintain_order=True).len().iter_rows():
            right.append((f"Godkänd avvikelse: {kind.lower()}", f"{count} st (se tabellen)"))
        right.append(("", ""))
    corr = basis.corrections
    if corr.by_capability:
        right += [
            (f"Rättelse {CAPABILITY_SV.get(c, c).lower()} (kr)", kr(v)) for c, v in corr.by_capability.items()
        ]
        right.append(("*Rättelse mot tidigare version (kr)", kr(corr.net_ore)))
    elif run.corrects_run_id is not None:
        right.append(("Rättelse mot tidigare version", "inga ändringar"))
    else:
        right.append(("Rättelse", "månadens första version"))
    right += [
        ("", ""),
        ("*Att betala till VGR netto (kr)", kr(basis.to_region_ore)),
        ("*Summa att betala (+) / få (-) (kr)", kr(basis.grand_total_ore)),
    ]
    pdf.pairs(right[:34], y + 5.5, x=150, width=135)

    pdf.data_table(
        "Vårdtillfällen (pseudonymiserade)",
        [
            ("Vårdtillfälle", 34, "L"), ("Status", 22, "L"), ("Vårdtyp", 17, "L"), ("Sjukhus", 30, "L"),
            ("Utskrivningsklar", 23, "L"), ("Utskriven", 20, "L"), ("Dagar", 12, "R"),
            ("Betalningsdagar", 22, "R"), ("Belopp (kr)", 24, "R"), ("Omfattas ej - skäl", 69, "L"),
        ],
        _rows(
            basis.episodes,
            [
                "episode_id", "status_sv", "care_type_sv", "hospital", "ready_text", "discharge_text",
                "days", "billable_days", "amount_text", "reasons_sv",
            ],
        ),
    )  # fmt: skip
    if basis.placements is not None:
        pdf.data_table(
            "Placeringar utanför hemmet",
            [
                ("Placering", 26, "L"), ("Månad", 15, "L"), ("Placerad av", 20, "L"), ("Akut", 10, "L"),
                ("Fördelning", 22, "L"), ("Dagar", 11, "R"), ("Kostnad (kr)", 25, "R"),
                ("Regionen (kr)", 25, "R"), ("Kommunen (kr)", 25, "R"), ("Till VGR +/- (kr)", 25, "R"),
                ("Flaggor", 69, "L"),
            ],
            _rows(
                basis.placements.lines,
                [
                    "placement_id", "month_text", "placed_by_sv", "acute_sv", "method_sv", "days",
                    "cost_text", "region_text", "kommun_text", "settlement_text", "flags_sv",
                ],
            ),
        )  # fmt: skip
    if basis.home_care is not None:
        h = basis.home_care
        names = ["host", "home", "service_sv", "visits", "minutes", "tariff_text", "amount_text"]
        rows = [("Kommunen fakturerar", *r) for r in _rows(h.invoiced_lines, names)]
        rows += [("Kommunen faktureras", *r) for r in _rows(h.owed_lines, names)]
        for pay in h.payments.iter_rows(named=True):  # the netting: what is actually paid
            label = "Nettobetalning, betalar" if pay["direction"] == "betalar" else "Nettobetalning, får"
            rows.append((label, pay["payer"], pay["payee"], "", "", "", "", kr(pay["amount_ore"])))
        pdf.data_table(
            "Hemtjänst och hemsjukvård i annan kommun",
            [
                ("Riktning", 36, "L"), ("Vistelsekommun / betalare", 36, "L"),
                ("Hemkommun / mottagare", 34, "L"),
                ("Insats", 24, "L"), ("Besök", 14, "R"), ("Minuter", 16, "R"),
                ("Taxa (kr/tim)", 24, "R"), ("Belopp (kr)", 26, "R"),
            ],
            rows,
        )  # fmt: skip
    if basis.accepted.height:
        pdf.data_table(
            "Godkända avvikelser (bekräftade av användaren vid körningen)",
            [("Vårdtillfälle", 45, "L"), ("Avvikelse", 80, "L"), ("Värde", 20, "R")],
            _rows(basis.accepted, ["line_key", "kind_sv", "value"]),
        )
    if corr.lines.height:
        pdf.data_table(
            "Rättelser mot tidigare fastställd version",
            [
                ("Område", 45, "L"), ("Rad", 50, "L"), ("N och D: före -> efter", 50, "L"),
                ("Tidigare (kr)", 30, "R"), ("Nu (kr)", 30, "R"), ("Förändring +/- (kr)", 34, "R"),
            ],
            _rows(
                corr.lines,
                ["capability_sv", "line_sv", "pool_sv", "previous_text", "current_text", "delta_text"],
            ),
        )  # fmt: skip
    return bytes(pdf.output())


def summary_pdf(run_basis: RunBasis) -> bytes:
    """All 49 municipalities in one table, zero invoices included, with totals."""
    rows = summary_rows(run_basis)
    pdf = _Document(run_basis.run, "sammanställning, alla 49 kommuner")
    money = (
        "average_amount_ore", "individual_amount_ore", "betalningsansvar_ore", "placement_settlement_ore",
        "home_care_net_ore", "grand_total_ore", "correction_ore",
    )  # fmt: skip
    table = [
        tuple(
            safe(v)
            for v in (
                str(r["kommun"]), str(r["name"]), str(r["average_episodes"]), sv_decimal(str(r["average"])),
                kr(int(str(r["average_amount_ore"]))),
                f"{r['individual_episodes_somatik']} / {r['individual_episodes_psykiatri']}",
                kr(int(str(r["individual_amount_ore"]))), kr(int(str(r["betalningsansvar_ore"]))),
                "Ja" if r["zero_invoice"] else "", "Ja" if r["recurring_liability"] else "",
                kr(int(str(r["placement_settlement_ore"]))), kr(int(str(r["home_care_net_ore"]))),
                kr(int(str(r["grand_total_ore"]))), kr(int(str(r["correction_ore"]))),
            )
        )
        for r in rows
    ]  # fmt: skip
    totals = {c: sum(int(str(r[c])) for r in rows) for c in money}
    table.append(
        (
            "", "Summa", str(sum(int(str(r["average_episodes"])) for r in rows)), "",
            kr(totals["average_amount_ore"]), "", kr(totals["individual_amount_ore"]),
            kr(totals["betalningsansvar_ore"]), str(sum(bool(r["zero_invoice"]) for r in rows)), "",
            kr(totals["placement_settlement_ore"]), kr(totals["home_care_net_ore"]),
            kr(totals["grand_total_ore"]), kr(totals["correction_ore"]),
        )
    )  # fmt: skip
    pdf.data_table(
        "Alla 49 kommuner (nollfakturor ingår)",
        [
            ("Kod", 10, "L"), ("Kommun", 27, "L"), ("I snittet", 14, "R"), ("Snitt", 11, "R"),
            ("Genomsnittsdel", 23, "R"), ("Indiv. s/p", 16, "R"), ("Individuell del", 23, "R"),
            ("Betalningsansvar", 25, "R"), ("Noll", 9, "L"), ("Återk.", 10, "L"),
            ("Placeringar VGR", 23, "R"), ("Hemtj. netto", 22, "R"), ("Summa +/-", 25, "R"),
            ("Rättelse", 22, "R"),
        ],
        table,
    )  # fmt: skip
    return bytes(pdf.output())

"""Fakturaunderlag: a stored billing run exported per municipality, as CSV, Excel and PDF (docs/rules.md §8).

Each municipality gets one file per format, and the run gets one summary of all 49 (zero invoices
included) per format. The three formats render the same invoice basis
(:mod:`hos_avtal.exports._basis`), so they cannot disagree; CSV is for programs, Excel and PDF
for people. File names are deterministic and ASCII-only, so a re-export replaces the same files::

    fakturaunderlag-2022-06-v1-1480-goteborg.xlsx
    sammanstallning-2022-06-v1.xlsx

Files are written atomically (a temporary file in the same folder, then a rename). Ids in every
file are pseudonymous episode and placement ids; ``person_id`` is never read into a file.

>>> import datetime as dt, tempfile, polars as pl
>>> from pathlib import Path
>>> from hos_avtal.betalningsansvar import calculate_betalningsansvar
>>> from hos_avtal.runs import RunSummary, StoredRun
>>> from hos_avtal.synth import month_range, synth_episodes
>>> result = calculate_betalningsansvar(synth_episodes(month_range("2022-06"), episodes_per_month=300),
...                                     "2022-06")
>>> summary = RunSummary(id=1, month=dt.date(2022, 6, 1), version=1, state="draft",
...     ruleset_id="vgr-2018", ruleset_hash="r", inputs_hash="i", code_version="0.1.0",
...     created_by="doctest", created_at=dt.datetime(2022, 7, 1, tzinfo=dt.UTC))
>>> corrections = pl.DataFrame(schema={"capability": pl.String, "kommun": pl.String,
...     "line_key": pl.String, "previous_ore": pl.Int64, "current_ore": pl.Int64, "delta_ore": pl.Int64})
>>> run = StoredRun(summary, [], result.municipalities, result.episode_lines(), corrections)
>>> with tempfile.TemporaryDirectory() as folder:
...     paths = export_run(run, Path(folder), kommun="1480")
...     [p.name for p in paths]
['fakturaunderlag-2022-06-v1-1480-goteborg.csv', 'fakturaunderlag-2022-06-v1-1480-goteborg.xlsx', \
'fakturaunderlag-2022-06-v1-1480-goteborg.pdf', 'sammanstallning-2022-06-v1.csv', \
'sammanstallning-2022-06-v1.xlsx', 'sammanstallning-2022-06-v1.pdf']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from hos_avtal.errors import HosAvtalError
from hos_avtal.exports._basis import (
    CAPABILITY_SV,
    CARE_TYPE_SV,
    FLAG_SV,
    METHOD_SV,
    ORIGIN_SV,
    REASON_SV,
    SERVICE_SV,
    STATUS_SV,
    InvoiceBasis,
    RunBasis,
    build_basis,
    build_run_basis,
    invoice_stem,
    summary_stem,
    sv_decimal,
)
from hos_avtal.exports._csv import invoice_frames, summary_frame, to_csv_bytes
from hos_avtal.io import write_private
from hos_avtal.runs import StoredRun

ExportFormat = Literal["csv", "xlsx", "pdf"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "pdf")

__all__ = [
    "CAPABILITY_SV",
    "CARE_TYPE_SV",
    "FLAG_SV",
    "FORMATS",
    "METHOD_SV",
    "ORIGIN_SV",
    "REASON_SV",
    "SERVICE_SV",
    "STATUS_SV",
    "ExportFormat",
    "InvoiceBasis",
    "RunBasis",
    "build_basis",
    "build_run_basis",
    "export_run",
    "invoice_stem",
    "render_invoice",
    "summary_stem",
    "sv_decimal",
]


def render_invoice(basis: InvoiceBasis, fmt: ExportFormat) -> bytes:
    """One municipality's file content in ``fmt`` (the bytes :func:`export_run` writes)."""
    return next(_render_invoices([basis], fmt))


def _render_invoices(bases: Sequence[InvoiceBasis], fmt: ExportFormat) -> Iterator[bytes]:
    """Each municipality's file content, in ``bases`` order (CSV is built for all at once)."""
    if fmt == "csv":
        yield from (to_csv_bytes(frame) for frame in invoice_frames(bases))
    elif fmt == "xlsx":
        from hos_avtal.exports._xlsx import invoice_workbook  # imported when asked for: xlsxwriter

        yield from (invoice_workbook(basis) for basis in bases)
    else:
        from hos_avtal.exports._pdf import invoice_pdf  # fpdf2 takes a third of a second to import

        yield from (invoice_pdf(basis) for basis in bases)


def _render_summary(run_basis: RunBasis, fmt: ExportFormat) -> bytes:
    if fmt == "csv":
        return to_csv_bytes(summary_frame(run_basis))
    if fmt == "xlsx":
        from hos_avtal.exports._xlsx import summary_workbook

        return summary_workbook(run_basis)
    from hos_avtal.exports._pdf import summary_pdf

    return summary_pdf(run_basis)


def export_run(
    run: StoredRun,
    out_dir: Path,
    *,
    kommun: str | None = None,
    formats: Sequence[ExportFormat] = FORMATS,
) -> list[Path]:
    """Write the run's fakturaunderlag to ``out_dir`` and return the paths written, in order.

    One file per municipality (all 49, or only ``kommun``) and format, then the all-49 summary in
    each format — the summary is written with ``kommun`` too, because a single municipality's
    figures are best read beside everyone's. Paths come format by format (in ``formats`` order),
    municipalities in code order, summaries last. Existing files of the same name are replaced.
    A ``kommun`` that is not one of the 49, an unknown format or a missing folder is a
    :class:`~hos_avtal.errors.HosAvtalError`.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise HosAvtalError(f"{out_dir}: mappen finns inte")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise HosAvtalError(f"okänt exportformat {unknown or formats!r}; använd csv, xlsx eller pdf")
    chosen = tuple(dict.fromkeys(formats))
    run_basis = build_run_basis(run)
    if kommun is not None:
        try:
            bases = [run_basis.get(kommun)]
        except KeyError as error:
            raise HosAvtalError(str(error.args[0])) from None
    else:
        bases = run_basis.bases
    written: list[Path] = []
    stems = [invoice_stem(run_basis.run, basis.kommun, basis.name) for basis in bases]
    for fmt in chosen:
        for stem, data in zip(stems, _render_invoices(bases, fmt), strict=True):
            written.append(write_private(out_dir / f"{stem}.{fmt}", data))
    stem = summary_stem(run_basis.run)
    for fmt in chosen:
        written.append(write_private(out_dir / f"{stem}.{fmt}", _render_summary(run_basis, fmt)))
    return written

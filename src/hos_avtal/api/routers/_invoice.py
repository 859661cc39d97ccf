"""One municipality's invoice basis, encoded once and then kept.

A request reads only that municipality's rows (:func:`~hos_avtal.storage.load_run_municipality`)
and builds only its basis: the bytes are those of building all 49 and picking one.

What is kept is keyed by everything the bytes depend on that can change, so nothing is served
stale. A run's rows are written once, with its ``billing_run`` row, and never updated (the
repository has no statement that could); what can change is the ``billing_run`` row itself (a
draft becomes final, a draft is deleted and SQLite may give its id to a new run) and the "months
in a row with a liability", counted from the final runs of earlier months, which a correction of
an earlier month adds to. So the key holds the run's whole summary, read on every request (a
finalized draft is a new key, a deleted one a 404 before any lookup, a new run under an old id a
different ``created_at`` and identity), and how many final runs of earlier months there are
(:func:`~hos_avtal.storage.final_runs_before`, which only grows).
"""

from __future__ import annotations

from typing import cast

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from hos_avtal.api._cache import Encoded, ResponseCache, etag_matches
from hos_avtal.api._convert import invoice_json
from hos_avtal.api._metrics import INVOICE_CACHE
from hos_avtal.api._schemas import InvoiceBasisOut
from hos_avtal.api.routers._formats import WITH_PDF as MEDIA
from hos_avtal.errors import ProblemError
from hos_avtal.exports import ExportFormat, build_basis, invoice_stem, render_invoice
from hos_avtal.municipalities import is_party
from hos_avtal.runs import RunSummary
from hos_avtal.storage import Database, final_runs_before, load_run_municipality, load_summary

CACHE_CONTROL = "private, no-cache"
"""Per key (private), and revalidated with the ETag on every use (no-cache): cheap with a 304."""


def invoice_response(request: Request, db: Database, run_id: int, kommun: str, chosen: str) -> Response:
    """The basis in format ``chosen``, or a 304 when ``If-None-Match`` names its ETag. The
    caller has checked the key's access to ``kommun`` already."""
    summary = load_summary(db, run_id)
    if not is_party(kommun):
        raise ProblemError(404, "not one of the 49 municipalities of the agreement")
    cache: ResponseCache = request.app.state.invoice_cache
    # Counted before the rows are read, so what is kept is never older than its key says.
    key = (run_id, kommun, chosen, summary, final_runs_before(db, summary.month))
    entry = cache.get(key)
    INVOICE_CACHE.labels("miss" if entry is None else "hit").inc()
    if entry is None:
        entry, read = encode(db, run_id, kommun, chosen)
        if read == summary:  # not finalized (or replaced) between the two reads
            cache.put(key, entry)
    headers = {**entry.headers, "ETag": entry.etag, "Cache-Control": CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), entry.etag):
        headers.pop("Content-Disposition", None)
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


def encode(db: Database, run_id: int, kommun: str, chosen: str) -> tuple[Encoded, RunSummary]:
    """The response body of one municipality's basis in one format, with its own headers, and
    the run's summary as read with the rows."""
    run = load_run_municipality(db, run_id, kommun)
    basis = build_basis(run, kommun)
    if chosen == "json":
        out = InvoiceBasisOut.model_validate(invoice_json(run.summary, basis)).model_dump(mode="json")
        return Encoded.of(bytes(JSONResponse(out).body), MEDIA["json"], {"Vary": "Accept"}), run.summary
    data = render_invoice(basis, cast(ExportFormat, chosen))
    filename = f"{invoice_stem(basis.run, basis.kommun, basis.name)}.{chosen}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"}
    return Encoded.of(data, MEDIA[chosen], headers), run.summary

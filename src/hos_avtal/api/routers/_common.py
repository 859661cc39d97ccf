"""Responses every authenticated route documents, so clients (and Schemathesis) know them."""

from __future__ import annotations

from typing import Any

from hos_avtal.api._problems import PROBLEM_JSON
from hos_avtal.api._schemas import Problem

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Send the same key to retry safely; the first answer is replayed.",
}
"""The OpenAPI description of the header every creating POST accepts (see ``_deps.Idempotency``)."""

_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, "model": Problem}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem responses for ``statuses`` plus 401, 403, 413 and a problem default."""
    codes = sorted({400, 401, 403, 413, 422, *statuses})
    out: dict[int | str, dict[str, Any]] = {code: {**_PROBLEM, "description": "A problem."} for code in codes}
    out["default"] = {**_PROBLEM, "description": "A problem."}
    return out

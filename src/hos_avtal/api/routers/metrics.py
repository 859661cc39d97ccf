"""``GET /metrics``: Prometheus text for the region's monitoring, read with an admin key (every
worker's counts in one answer; see :mod:`hos_avtal.api._metrics` for what is counted)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hos_avtal.api import _metrics
from hos_avtal.api._deps import require
from hos_avtal.api._keys import ApiKey
from hos_avtal.api.routers._common import problems

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {_metrics.CONTENT_TYPE: {"schema": {"type": "string"}}}}, **problems()},
)
def metrics(_key: Annotated[ApiKey, Depends(require())]) -> Response:
    """Requests by route and status with latency histograms, calculations by capability with
    their input rows, billing runs created and finalized, invoice-cache hits, rate-limited
    requests; in Prometheus' text format (an admin key)."""
    return Response(_metrics.exposition(), media_type=_metrics.CONTENT_TYPE)

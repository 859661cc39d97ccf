"""``GET /v1/health``: for load balancers and monitors; needs no key and says nothing sensitive."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from hos_avtal._version import __version__
from hos_avtal.api._deps import DatabaseDep
from hos_avtal.api._schemas import Health
from hos_avtal.api.routers._common import problems

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/health", response_model=Health, responses=problems(503))
def health(db: DatabaseDep) -> Health:
    """The service and its database answer (a failing database is a 503 problem)."""
    with db.read() as connection:
        connection.execute(sa.text("SELECT 1"))
    return Health(status="ok", version=__version__, database="ok")

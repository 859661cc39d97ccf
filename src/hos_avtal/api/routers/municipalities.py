"""``GET /v1/municipalities``: the 49 parties of the agreement, in code order."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from hos_avtal.api._deps import READ_REFERENCE
from hos_avtal.api._schemas import MunicipalityOut
from hos_avtal.api.routers._common import problems
from hos_avtal.municipalities import parties

router = APIRouter(prefix="/v1", tags=["reference"], dependencies=[Depends(READ_REFERENCE)])


@router.get("/municipalities", response_model=list[MunicipalityOut], responses=problems())
def list_municipalities() -> list[MunicipalityOut]:
    """Code (as in invoices), name, län and kommunalförbund of each of the 49 municipalities."""
    return [
        MunicipalityOut(code=m.code, name=m.name, lan=m.lan, kommunalforbund=m.kommunalforbund)
        for m in parties()
    ]

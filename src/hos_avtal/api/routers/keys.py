"""``GET /v1/me``: the caller's own key, so a client (the web page) shows what its role may use."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hos_avtal.api._deps import current_key
from hos_avtal.api._keys import ApiKey
from hos_avtal.api.routers._common import problems
from hos_avtal.municipalities import lookup

router = APIRouter(prefix="/v1", tags=["reference"])


class MeOut(BaseModel):
    """The caller's key: never its token, only what it may do."""

    key_id: int
    role: Literal["admin", "billing", "analyst", "kommun"]
    kommun: str | None = Field(description="A kommun key's municipality (it sees only that one's data).")
    kommun_name: str | None


@router.get("/me", response_model=MeOut, responses=problems())
async def me(key: Annotated[ApiKey, Depends(current_key)]) -> MeOut:
    """The role of the key sent, and a kommun key's municipality."""
    return MeOut(
        key_id=key.id,
        role=key.role,
        kommun=key.kommun,
        kommun_name=None if key.kommun is None else lookup(key.kommun).name,
    )

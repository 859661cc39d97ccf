"""Bodies read by hand: JSON validated straight from its bytes and answered as encoded bytes, and
multipart forms validated by a model as FastAPI validates a ``Form()`` model.

FastAPI parses a declared body with ``json.loads`` into Python objects on the event loop and
validates those again; pydantic's own JSON parser validates the bytes in one pass, about twice as
fast on 1 000 episodes. The routes that read bodies this way run parsing, calculation and
encoding in one worker thread, so the event loop only moves bytes. Errors are the ones FastAPI
raises for a declared body (:class:`~fastapi.exceptions.RequestValidationError`, located under
``body``), so every problem document stays as it was.

Two routes take either JSON or a multipart form on one path (``POST /v1/billing-runs``,
``POST /v1/scenarios/datasets``). FastAPI chooses no route by media type and a declared
``Form()`` would be parsed from a JSON request too, so :func:`parsed_form` does what FastAPI does
for a form model: every field of the form (a list where the model has a list), validated by the
model, errors located under ``body``.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from hos_avtal.errors import ProblemError

Model = TypeVar("Model", bound=BaseModel)
Field = TypeVar("Field", bound=str)


def parse_json(model: type[Model], body: bytes) -> Model:
    """``body`` validated as ``model``; a problem names each bad field and row.

    >>> from hos_avtal.api._schemas import CostIn
    >>> parse_json(CostIn, b'{"placement_id": "P1", "month": "2024-01", "cost_sek": "10.00"}').month
    '2024-01'
    """
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _body_errors(exc) from None


def _body_errors(exc: ValidationError) -> RequestValidationError:
    """The model's errors as FastAPI raises them for a declared body: located under ``body``."""
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


@asynccontextmanager
async def parsed_form(model: type[Model], request: Request, *, max_fields: int = 20) -> AsyncIterator[Model]:
    """``request``'s multipart form validated as ``model``; its uploaded files stay open (and
    spooled to disk past 1 MB, as Starlette does) until the block ends. A field the model does not
    name is refused, like a JSON body's unknown key."""
    lists = {name for name, field in model.model_fields.items() if get_origin(field.annotation) is list}
    async with request.form(max_files=len(model.model_fields), max_fields=max_fields) as form:
        values = {key: form.getlist(key) if key in lists else form.get(key) for key in form}
        try:
            parsed = model.model_validate(values)
        except ValidationError as exc:
            raise _body_errors(exc) from None
        yield parsed


def json_or_form(request: Request) -> Literal["json", "form"]:
    """Which body a route that takes either was sent: JSON or a multipart form; 415 otherwise."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        return "json"
    if media == "multipart/form-data":
        return "form"
    raise ProblemError(415, "send application/json or multipart/form-data")


@asynccontextmanager
async def saved_uploads(
    form: BaseModel, fields: Iterable[Field]
) -> AsyncIterator[tuple[str, dict[Field, Path]]]:
    """The form's uploaded files among ``fields`` in a temporary folder, each named by its field
    (never by the client's file name, a submitted value) and read as Parquet if the client's name
    ends so, as CSV otherwise; the folder and its files go when the block ends."""
    with tempfile.TemporaryDirectory(prefix="hos-avtal-upload-") as folder:
        paths: dict[Field, Path] = {}
        for field in fields:
            upload = getattr(form, field)
            if upload is not None:
                suffix = ".parquet" if (upload.filename or "").lower().endswith(".parquet") else ".csv"
                paths[field] = Path(folder) / f"{field}{suffix}"
                paths[field].write_bytes(await upload.read())
        yield folder, paths


def require_json(request: Request) -> None:
    """Refuse (415) a body that says it is something other than JSON; without a
    ``Content-Type`` it is read as JSON, as FastAPI reads a declared body."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise ProblemError(415, "send the body as application/json")


async def in_worker_thread(request: Request, handle: Callable[[bytes], Response]) -> Response:
    """``handle`` of the request's JSON body, in a worker thread; 415 for another media type."""
    require_json(request)
    return await run_in_threadpool(handle, await request.body())


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads ``model`` by hand (for ``openapi_extra``;
    the schema itself is added to the components by :func:`hos_avtal.api.create_app`)."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}}


class Encoder:
    """Encodes a route's answer as its response model would: validated, then dumped to JSON.

    What FastAPI does with ``response_model`` after the route returns, done in the route's
    worker thread instead of on the event loop.
    """

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def response(self, content: Any) -> Response:
        encoded = self._adapter.dump_json(self._adapter.validate_python(content), by_alias=True)
        return Response(encoded, media_type="application/json")

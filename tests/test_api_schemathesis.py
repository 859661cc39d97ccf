"""Schemathesis against the app's own OpenAPI schema: generated requests to every operation, as
an admin, must never get a 5xx, an undocumented status or content type, or a body that violates
the documented schema."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hos_avtal.api import create_app, create_key

_FOLDER = Path(tempfile.mkdtemp(prefix="hos-avtal-schemathesis-"))
app = create_app(str(_FOLDER / "api.sqlite"))
_KEY, TOKEN = create_key(app.state.database, "admin")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# Invalid requests too: oversized, malformed and wrongly typed input must be a 4xx, never a 5xx.
schema.config.generation.update(modes=list(GenerationMode))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

"""Application events on the logger ``hos_avtal.events``, one record each, logged after the
change is committed: a run created or finalized, a rule set, a fastställt belopp or a tariff
registered. The fields are on the record for a structured handler (``hos-avtal serve
--log-format json``); what they hold are ids, months, codes and the actor's name, never an input
row or a submitted text. Nothing is logged unless the application configures the logger (the CLI
does not; ``serve`` does)."""

from __future__ import annotations

import logging

_events = logging.getLogger("hos_avtal.events")


def log_event(event: str, message: str, **fields: object) -> None:
    """Log ``event`` (``run.created``, ``run.finalized``, ``ruleset.registered`` …) with ``fields``."""
    _events.info(message, extra={"event": event, **fields})

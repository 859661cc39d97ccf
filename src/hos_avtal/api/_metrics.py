"""Prometheus metrics of the API (``GET /metrics``, an admin key), counted in every worker.

``hos-avtal serve`` gives its workers one folder for prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, emptied at start), so ``/metrics`` from any worker counts the
requests of all of them. Without that variable (an app in a test, a single process) the
process's own registry is read. Labels are route templates, methods, status codes and the
names of capabilities: never a path as sent or a submitted value.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS = bool(os.environ.get(MULTIPROCESS_ENV))
"""Read once, as prometheus-client reads it when first imported: a process whose counters live in
memory must not answer from the (empty) folder set after they were made."""

REQUESTS = Counter(
    "hos_avtal_http_requests_total", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "hos_avtal_http_request_duration_seconds", "Time from a request's arrival to the end of its answer.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)  # fmt: skip
CALCULATIONS = Counter(
    "hos_avtal_calculations_total", "Calculations made, by capability (billing runs included).",
    ["capability"],
)  # fmt: skip
CALCULATED_ROWS = Counter(
    "hos_avtal_calculation_rows_total",
    "Input rows calculated (episodes, placements or visits), by capability.",
    ["capability"],
)
RUNS = Counter(
    "hos_avtal_billing_runs_total", "Billing runs created or finalized through the API.", ["change"]
)
INVOICE_CACHE = Counter(
    "hos_avtal_invoice_cache_total", "Invoice bases answered from the kept bytes (hit) or encoded (miss).",
    ["result"],
)  # fmt: skip
RATE_LIMITED = Counter("hos_avtal_rate_limited_total", "Requests refused with 429, by limit.", ["limit"])


def count_calculation(capability: str, rows: int) -> None:
    CALCULATIONS.labels(capability).inc()
    CALCULATED_ROWS.labels(capability).inc(rows)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def exposition() -> bytes:
    """The metrics as Prometheus text: every worker's, in multiprocess mode."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()

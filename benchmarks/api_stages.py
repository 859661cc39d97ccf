"""Where a calculate request's time goes inside the real server, and how the code compares with
an earlier checkout of it, one request at a time.

Starts uvicorn (the flags of ``load_api.py``) on ``api_stages:create_app``: the real app with
each step of ``POST /v1/betalningsansvar/calculate`` timed in place (the body's depth check,
the key lookup, parsing the body, building the frame, validation, the engine, the contract,
encoding the answer, and the worker thread's whole function). The server writes the medians to
a file at exit. With ``--against SRC`` a second real server runs the ``hos_avtal`` package found
in SRC (a ``src`` folder of another checkout, e.g. from ``git worktree add /tmp/base HEAD~1``),
and the floor (``api_floor.py``) runs too; requests go to each in turn, in blocks, and the
server CPU per request (``/proc/PID/stat``) and client-side latency are compared with the
floor's.

Run::

    .venv/bin/python benchmarks/api_stages.py                          # the stages, 1 000 episodes
    .venv/bin/python benchmarks/api_stages.py --episodes 10000
    .venv/bin/python benchmarks/api_stages.py --against /tmp/base/src  # this code, that code, floor
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES_ENV = "HOS_AVTAL_STAGES_OUT"
_TIMES: dict[str, list[float]] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _TIMES.setdefault(label, []).append((time.perf_counter() - start) * 1000)
            if len(_TIMES[label]) % 25 == 0:  # the server is stopped by a signal: no exit hook
                _write_medians()

    setattr(owner, name, timed)


def _write_medians() -> None:
    out = os.environ.get(STAGES_ENV)
    if out:
        lines = [f"{k}\t{statistics.median(v[10:] or v):.2f}\t{len(v)}" for k, v in _TIMES.items()]
        Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")


def create_app() -> Any:
    """The real app with the calculate route's steps timed (a uvicorn factory)."""
    from hos_avtal.api import _bodies, _deps, _middleware, create_app
    from hos_avtal.api.routers import calculations

    app = create_app()
    _timed(_middleware, "json_depth_exceeds", "depth check (event loop)")
    _timed(_deps, "find_key", "key lookup")
    for name, label in (
        ("parse_json", "parse body"),
        ("typed_frame", "frame"),
        ("validate_episodes", "validation"),
        ("calculate_betalningsansvar", "engine"),
        ("betalningsansvar_contract", "contract"),
        ("_betalningsansvar", "worker thread, all of it"),
    ):
        _timed(calculations, name, label)
    _timed(_bodies.Encoder, "response", "encode answer")
    return app


def main() -> None:
    import httpx

    from _common import BENCHMARKS
    from load_api import Server, calculate_body, prepare_real

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300, help="per server (default 300)")
    parser.add_argument("--against", type=Path, help="the src folder of another checkout")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="api-stages-"))
    env, _run, key = prepare_real(tmp)
    stages = tmp / "stages.tsv"
    path = os.pathsep.join(filter(None, [str(BENCHMARKS), os.environ.get("PYTHONPATH")]))
    servers = [Server("this", "--factory api_stages:create_app", {**env, STAGES_ENV: str(stages)})]
    if args.against:
        pythonpath = os.pathsep.join([str(args.against.resolve()), path])
        servers.append(
            Server("against", "--factory hos_avtal.api:create_app", {**env, "PYTHONPATH": pythonpath})
        )
        servers.append(Server("floor", "api_floor:app", {}))
    body = calculate_body(args.episodes)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    cpu: dict[str, list[float]] = {s.name: [] for s in servers}
    wall: dict[str, list[float]] = {s.name: [] for s in servers}
    try:
        for server in servers:
            server.start(tmp / f"{server.name}.log")
        clients = {s.name: httpx.Client(base_url=s.url, headers=headers, timeout=120) for s in servers}
        for client in clients.values():
            for _ in range(10):
                client.post("/v1/betalningsansvar/calculate", content=body).raise_for_status()
        block = 25 if args.episodes <= 2000 else 5
        for _ in range(max(1, args.requests // block)):
            for server in servers:
                before = server.cpu_seconds()
                for _ in range(block):
                    start = time.perf_counter()
                    clients[server.name].post(
                        "/v1/betalningsansvar/calculate", content=body
                    ).raise_for_status()
                    wall[server.name].append((time.perf_counter() - start) * 1000)
                cpu[server.name].append((server.cpu_seconds() - before) / block * 1000)
    finally:
        for server in servers:
            server.stop()
    print(f"{args.episodes} episodes, {len(wall['this'])} requests per server, one at a time")
    print("\nthis code, inside the server (median ms per request):")
    for line in stages.read_text(encoding="utf-8").splitlines():
        label, median, _count = line.split("\t")
        print(f"  {label:28s} {float(median):7.2f}")
    print("\nserver CPU ms/request (median of blocks), client p50 ms, and their ratio to the floor:")
    for name in cpu:
        p50 = statistics.median(wall[name])
        ratio = ""
        if "floor" in cpu:
            per_block = statistics.median(a / b for a, b in zip(cpu[name], cpu["floor"], strict=True))
            ratio = f"  CPU/floor {per_block:.2f}  p50/floor {p50 / statistics.median(wall['floor']):.2f}"
        print(f"  {name:8s} CPU {statistics.median(cpu[name]):6.1f}  p50 {p50:6.1f}{ratio}")


if __name__ == "__main__":
    main()

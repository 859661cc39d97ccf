"""The collector's thresholds and a calculate request: CPU per request at Python's default and at
the API's ``GC_THRESHOLDS``, in one process, without sockets.

Each round parses the JSON body of ``POST /v1/betalningsansvar/calculate`` into its request
model (what FastAPI does) and runs the endpoint's function on it, ``--requests`` times, once one
at a time ("one by one") and once with every body parsed first and alive together ("piled up",
as when many requests arrive at once). Each setting runs in a fresh process, alternating, and
the CPU time per request (``time.process_time``, all threads) is reported: median and min over
``--repeats`` processes.

Usage::

    python benchmarks/gc_thresholds.py                      # 10 000 episodes, 5 repeats
    python benchmarks/gc_thresholds.py --episodes 1000 --requests 200
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time

from _common import PYTHON, save_results

DEFAULT = (700, 10, 10)


def child(episodes: int, requests: int, thresholds: tuple[int, int, int], piled: bool) -> float:
    from hos_avtal.api._schemas import BetalningsansvarRequest
    from hos_avtal.api.routers.calculations import _answer_betalningsansvar as betalningsansvar
    from load_api import calculate_body

    body = calculate_body(episodes)
    betalningsansvar(BetalningsansvarRequest.model_validate_json(body))  # warm up
    gc.collect()
    gc.freeze()  # as the app's lifespan does
    gc.set_threshold(*thresholds)
    start = time.process_time()
    if piled:
        parsed = [BetalningsansvarRequest.model_validate_json(body) for _ in range(requests)]
        for request in parsed:
            betalningsansvar(request)
    else:
        for _ in range(requests):
            betalningsansvar(BetalningsansvarRequest.model_validate_json(body))
    return (time.process_time() - start) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        thresholds, piled = json.loads(args.child)
        print(child(args.episodes, args.requests, tuple(thresholds), piled))
        return 0

    from hos_avtal.api import GC_THRESHOLDS

    settings = {"default (700, 10, 10)": DEFAULT, f"API {GC_THRESHOLDS}": GC_THRESHOLDS}
    results: dict[str, dict[str, list[float]]] = {}
    for _ in range(args.repeats):
        for piled in (False, True):
            for label, thresholds in settings.items():
                out = subprocess.run(
                    [str(PYTHON), __file__, "--episodes", str(args.episodes), "--requests",
                     str(args.requests), "--child", json.dumps([thresholds, piled])],
                    check=True, capture_output=True, text=True,
                ).stdout  # fmt: skip
                mode = "piled up" if piled else "one by one"
                results.setdefault(label, {}).setdefault(mode, []).append(float(out))
    print(
        f"\n{args.episodes:,} episodes, {args.requests} requests per process, {args.repeats} processes each\n"
    )
    print("| thresholds | mode | median CPU ms/request | min |")
    print("|---|---|---:|---:|")
    for label, modes in results.items():
        for mode, values in modes.items():
            print(f"| {label} | {mode} | {statistics.median(values) * 1000:.1f} | {min(values) * 1000:.1f} |")
    saved = save_results("gc_thresholds", {"episodes": args.episodes, "requests": args.requests,
                                           "results_s": results})  # fmt: skip
    print(f"saved {saved.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

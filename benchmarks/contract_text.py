"""Why the betalningsansvar contract has a hand-written JSON path: ``contract_json`` (the text built
column by column in polars, ``betalningsansvar/_contract_text.py``) against the plain path it
must equal, ``json.dumps`` of each object of ``contract``, on the same result, turn by turn.

Years of the 49 municipalities from 2023 (the 2023 agreement; synthetic VGR-scale episodes, 588
rows a year; three years by default). Both texts are checked equal before anything is timed.

Usage::

    python benchmarks/contract_text.py [--years 3] [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import turn_by_turn
from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract, contract_json
from hos_avtal.months import month_range
from hos_avtal.synth import synth_episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=15)
    options = parser.parse_args()
    months = month_range(f"2023-01..{2022 + options.years}-12")
    episodes = synth_episodes(months, episodes_per_month=4000, seed=7)
    result = calculate_betalningsansvar(episodes, daily_amount_sek="9300")
    fast = contract_json(result)
    plain = [json.dumps(obj, ensure_ascii=False) for obj in contract(result)]
    assert fast == plain, "the two paths must give the same text"
    runs = {
        "contract_json": lambda: contract_json(result),
        "contract + json.dumps": lambda: [json.dumps(o, ensure_ascii=False) for o in contract(result)],
    }
    fast_s, plain_s = turn_by_turn(runs, options.repeats).values()
    rows = result.municipalities.height
    print(
        f"{rows} municipality rows ({len(months)} months): contract_json {fast_s * 1000:.1f} ms, "
        f"contract + json.dumps {plain_s * 1000:.1f} ms (medians of {options.repeats}); "
        f"plain/fast {plain_s / fast_s:.2f}"
    )


if __name__ == "__main__":
    main()

"""What reading the rules registry costs a calculation: the same command with ``--db`` naming a
database that holds a registered rule set, amount and tariffs, against ``--db`` naming no file
(the shipped rules only; nothing is opened), turn by turn.

``hos-avtal betalningsansvar FILE --month 2024-06 --format json`` on a VGR-scale month
(``benchmarks/billing_run_e2e.py``'s episodes): with the registry the amount comes from it, without
it from ``--daily-amount``. Each repeat runs both, alternating which goes first; the medians and
their ratio are printed.

Usage::

    python benchmarks/registry_overhead.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DAILY_AMOUNT, PYTHON, loadavg
from billing_run_e2e import MONTH, month_files

_MAIN = "from hos_avtal.cli import main; main()"


def _registry(path: Path) -> None:
    from decimal import Decimal

    from hos_avtal.rules import check_registered_amount, check_registered_tariff, derive_ruleset
    from hos_avtal.storage import (
        Actor,
        open_database,
        register_daily_amount,
        register_ruleset,
        register_tariff,
    )

    with open_database(path) as db:
        text = derive_ruleset("vgr-2023", "vgr-2027", dt.date(2027, 1, 1), None).toml
        register_ruleset(db, text, "vgr-2027.toml", Actor("bench"))
        register_daily_amount(
            db, *check_registered_amount(2024, Decimal(DAILY_AMOUNT), "bench"), Actor("bench")
        )
        for code in ("1480", "1490", "1401"):
            amounts, source = check_registered_tariff(
                code, 2024, {"hemtjanst": Decimal(700)}, dt.date(2023, 11, 1), "bench"
            )
            register_tariff(db, code, 2024, amounts, dt.date(2023, 11, 1), source, Actor("bench"))


def _time(args: list[str]) -> float:
    env = {**os.environ, "HOS_AVTAL_PSEUDONYM_KEY": "5e" * 32}
    started = time.perf_counter()
    subprocess.run([str(PYTHON), "-c", _MAIN, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=9)
    options = parser.parse_args()
    episodes = str(month_files()["episodes"])
    with tempfile.TemporaryDirectory(prefix="hos-avtal-registry-") as folder:
        registry = Path(folder) / "registry.sqlite"
        _registry(registry)
        base = ["betalningsansvar", episodes, "--month", MONTH, "--format", "json"]
        commands = {
            "registry": [*base, "--db", str(registry)],
            "shipped": [*base, "--daily-amount", DAILY_AMOUNT, "--db", str(Path(folder) / "none.sqlite")],
        }
        print(f"load before: {loadavg()}")
        times: dict[str, list[float]] = {name: [] for name in commands}
        for args in commands.values():  # warm the file cache and the bytecode
            _time(args)
        for i in range(options.repeats):
            order = list(commands.items())
            for name, args in order if i % 2 == 0 else order[::-1]:
                times[name].append(_time(args))
        with_registry, shipped = (statistics.median(times[n]) for n in ("registry", "shipped"))
        print(
            f"betalningsansvar {MONTH}: with the registry {with_registry:.3f} s, shipped rules only "
            f"{shipped:.3f} s (medians of {options.repeats}); registry/shipped {with_registry / shipped:.2f}"
        )
        print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()

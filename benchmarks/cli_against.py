"""This checkout's CLI against another checkout's, turn by turn: what a change costs a user.

Each repeat runs both commands once, alternating which goes first, so a change in machine load
hits both alike; the medians and their ratio are printed. The other checkout runs with this
checkout's interpreter and packages (``PYTHONPATH=OTHER/src``), so only the code differs.

Two commands, both on synthetic data (``benchmarks/data``, made on first use):

* ``calculate``: ``hos-avtal betalningsansvar FILE --format json --daily-amount 9300`` on the 2M
  episode file (reading, validation, the engine, the JSON contract);
* ``run``: ``hos-avtal run --month 2024-06 … --export-to DIR`` on a VGR-scale month with all three
  inputs, into a fresh SQLite file (store, seal, read back, verify, export 150 files).

Usage::

    python benchmarks/cli_against.py --against /path/to/other/checkout [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DAILY_AMOUNT, PYTHON, SIZES, ensure_episodes, loadavg
from billing_run_e2e import MONTH, month_files

_MAIN = "from hos_avtal.cli import main; main()"


def _commands(episodes: Path, files: dict[str, Path], out: Path) -> dict[str, list[str]]:
    run = ["run", "--month", MONTH, "--episodes", str(files["episodes"])]
    for kind in ("placements", "costs", "agreements", "visits", "tariffs"):
        run += [f"--{kind}", str(files[kind])]
    run += [
        "--daily-amount",
        DAILY_AMOUNT,
        "--export-to",
        str(out / "export"),
        "--db",
        str(out / "runs.sqlite"),
    ]
    return {
        "calculate": ["betalningsansvar", str(episodes), "--format", "json", "--daily-amount", DAILY_AMOUNT],
        "run": run,
    }


def _time(args: list[str], src: Path, out: Path) -> float:
    shutil.rmtree(out / "export", ignore_errors=True)
    (out / "runs.sqlite").unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src), "HOS_AVTAL_PSEUDONYM_KEY": "5e" * 32}
    started = time.perf_counter()
    subprocess.run([str(PYTHON), "-c", _MAIN, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", type=Path, required=True, help="the other checkout (its src/ is used)")
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    other = options.against.resolve() / "src"
    episodes = ensure_episodes(SIZES["2m"])
    files = month_files()
    with tempfile.TemporaryDirectory(prefix="hos-avtal-against-") as folder:
        out = Path(folder)
        print(f"load before: {loadavg()}")
        for name, args in _commands(episodes, files, out).items():
            times: dict[str, list[float]] = {"this": [], "other": []}
            for source in (here, other):  # warm the file cache and the bytecode
                _time(args, source, out)
            for i in range(options.repeats):
                order = [("this", here), ("other", other)]
                for label, source in order if i % 2 == 0 else order[::-1]:
                    times[label].append(_time(args, source, out))
            this, that = statistics.median(times["this"]), statistics.median(times["other"])
            print(
                f"{name}: this {this:.3f} s, other {that:.3f} s (medians of {options.repeats}); "
                f"this/other {this / that:.2f}"
            )
        print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()

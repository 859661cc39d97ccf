"""A VGR-scale month stored and exported to every format: the issue's 3-second yardstick.

June 2024, synthetic (`hos-avtal synth`: ≈5 000 episodes, 200 placements, ≈2 000 visits; the
hosts' own 2024 hemtjänst tariffs, since VästKom stopped recommending one; `--daily-amount 9300`
since 2024's fastställt belopp is not shipped). Each repeat uses a fresh SQLite file, so the
schema is created every time, as on first use.

(a) the whole process: ``hos-avtal run … --export-to DIR`` (start-up, imports, store, 150 files);
(b) in one process, imports done: ``run_month`` + ``load_run`` + ``export_run``.

Usage::

    python benchmarks/billing_run_e2e.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, HOS_AVTAL, loadavg, machine, save_results

MONTH = "2024-06"


def month_files() -> dict[str, Path]:
    folder = DATA / "run-2024-06"
    files = {
        "episodes": folder / "episodes.parquet",
        "placements": folder / "pl" / "placements.csv",
        "costs": folder / "pl" / "costs.csv",
        "agreements": folder / "pl" / "agreements.csv",
        "visits": folder / "visits.csv",
        "tariffs": folder / "tariffs.csv",
    }
    if not all(p.is_file() for p in files.values()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(HOS_AVTAL), "synth", "--months", MONTH, "--out", str(files["episodes"]),
                "--episodes-per-month", "5000", "--placements-out", str(folder / "pl"),
                "--visits-out", str(files["visits"]), "--visits-per-month", "2000",
            ],
            check=True,
        )  # fmt: skip
        from hos_avtal.municipalities import parties

        rows = [f"{m.code},2024,hemtjanst,{455 + i % 7}" for i, m in enumerate(parties())]
        files["tariffs"].write_text("kommun,year,service,sek_per_hour\n" + "\n".join(rows) + "\n")
    return files


def cli_args(files: dict[str, Path], db: Path, out: Path) -> list[str]:
    return [
        str(HOS_AVTAL), "run", "--db", str(db), "--month", MONTH, "--daily-amount", "9300",
        "--export-to", str(out), *[a for k, p in files.items() for a in (f"--{k}", str(p))],
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    files = month_files()

    from hos_avtal.exports import export_run
    from hos_avtal.months import parse_month
    from hos_avtal.runs import run_month
    from hos_avtal.storage import load_run, open_database

    before = loadavg()
    whole, inside, counts = [], [], []
    for _ in range(args.repeats):
        work = Path(tempfile.mkdtemp())
        start = time.perf_counter()
        subprocess.run(cli_args(files, work / "runs.sqlite", work / "out"), check=True, capture_output=True)
        whole.append(time.perf_counter() - start)
        counts.append(len(list((work / "out").iterdir())))

        db = open_database(work / "inside.sqlite")  # schema creation outside (b)'s timing
        start = time.perf_counter()
        summary = run_month(
            db, parse_month(MONTH), files["episodes"], files["placements"], files["costs"],
            files["agreements"], files["visits"], files["tariffs"], daily_amount_sek=9300,
        )  # fmt: skip
        (work / "inside").mkdir()
        export_run(load_run(db, summary.id), work / "inside")
        inside.append(time.perf_counter() - start)
        db.close()
        shutil.rmtree(work)
    after = loadavg()

    print(f"{args.repeats} repeats; {counts[0]} files each; loadavg {before} / {after}\n")
    print("| measurement | min s | median s | max s |\n|---|---:|---:|---:|")
    for label, runs in (
        ("(a) `hos-avtal run … --export-to DIR`, whole process, fresh SQLite file", whole),
        ("(b) `run_month` + `load_run` + `export_run`, in one process", inside),
    ):
        print(f"| {label} | {min(runs):.2f} | {statistics.median(runs):.2f} | {max(runs):.2f} |")
    saved = save_results(
        "billing_run_e2e",
        {
            "whole_s": whole,
            "in_process_s": inside,
            "files": counts,
            "loadavg": [before, after],
            "machine": machine(),
        },
    )
    print(f"\nsaved {saved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``hos-avtal synth``: generated (synthetic) episodes for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hos_avtal.cli._app import app


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv or .parquet.")],
    months: Annotated[
        str,
        typer.Option("--months", help="Discharge months FROM..TO (YYYY-MM..YYYY-MM) or one month."),
    ] = "2022-03",
    episodes_per_month: Annotated[
        int,
        typer.Option(
            "--episodes-per-month",
            help="Episodes per month across all municipalities (VGR is a few thousand).",
        ),
    ] = 4000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 2022,
) -> None:
    """Write realistic synthetic episodes for the 49 municipalities (seeded, reproducible)."""
    from hos_avtal.io import write_frame
    from hos_avtal.synth import month_range, synth_episodes

    frame = synth_episodes(month_range(months), episodes_per_month=episodes_per_month, seed=seed)
    write_frame(frame, out)
    typer.echo(f"wrote {frame.height} episodes to {out}", err=True)

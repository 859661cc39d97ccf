"""``hos-avtal synth``: generated (synthetic) inputs for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hos_avtal.cli._app import app


@app.command("synth")
def synth(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Episode file to write (betalningsansvar): .csv or .parquet."),
    ] = None,
    months: Annotated[
        str, typer.Option("--months", help="Months FROM..TO (YYYY-MM..YYYY-MM) or one month.")
    ] = "2022-03",
    episodes_per_month: Annotated[
        int,
        typer.Option(
            "--episodes-per-month",
            help="Episodes per month across all municipalities (VGR is a few thousand).",
            min=0,
            max=10_000_000,
        ),
    ] = 4000,
    placements_out: Annotated[
        Path | None,
        typer.Option(
            "--placements-out",
            help="Folder to write placements.csv, costs.csv and agreements.csv (placement cost splits).",
        ),
    ] = None,
    placements: Annotated[
        int, typer.Option("--placements", help="Number of placements.", min=0, max=10_000_000)
    ] = 200,
    visits_out: Annotated[
        Path | None,
        typer.Option("--visits-out", help="Visit file to write (hemtjänst/hemsjukvård): .csv or .parquet."),
    ] = None,
    visits_per_month: Annotated[
        int, typer.Option("--visits-per-month", help="Visits per month.", min=0, max=10_000_000)
    ] = 2000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same files.", min=0, max=2**32 - 1)
    ] = 2022,
) -> None:
    """Write realistic synthetic inputs for the 49 municipalities (seeded, reproducible)."""
    from hos_avtal.cli._options import ensure_folder, months_option
    from hos_avtal.io import write_frame

    if out is None and placements_out is None and visits_out is None:
        raise typer.BadParameter("name at least one output: --out, --placements-out or --visits-out")
    month_list = months_option(months)
    assert month_list is not None  # --months has a default
    for path in (out, visits_out):
        if path is not None:
            ensure_folder(path.parent)
    if out is not None:
        from hos_avtal.synth import synth_episodes

        episodes = synth_episodes(month_list, episodes_per_month=episodes_per_month, seed=seed)
        write_frame(episodes, out)
        typer.echo(f"wrote {episodes.height} episodes to {out}", err=True)
    if placements_out is not None:
        from hos_avtal.synth import synth_placements

        ensure_folder(placements_out)
        frames = synth_placements(month_list, placements=placements, seed=seed)
        for name, frame in zip(("placements", "costs", "agreements"), frames, strict=True):
            write_frame(frame, placements_out / f"{name}.csv")
        typer.echo(
            f"wrote {frames[0].height} placements, their costs and agreements to {placements_out}", err=True
        )
    if visits_out is not None:
        from hos_avtal.synth import synth_visits

        visits = synth_visits(month_list, visits_per_month=visits_per_month, seed=seed)
        write_frame(visits, visits_out)
        typer.echo(f"wrote {visits.height} visits to {visits_out}", err=True)

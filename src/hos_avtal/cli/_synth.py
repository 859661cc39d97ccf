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
        typer.Option(
            "--out", "-o", help="Fil med vårdtillfällen att skriva (betalningsansvar): .csv eller .parquet."
        ),
    ] = None,
    months: Annotated[
        str, typer.Option("--months", help="Månader FRÅN..TILL (ÅÅÅÅ-MM..ÅÅÅÅ-MM) eller en månad.")
    ] = "2022-03",
    episodes_per_month: Annotated[
        int,
        typer.Option(
            "--episodes-per-month",
            help="Vårdtillfällen per månad för alla kommuner tillsammans (i VGR några tusen).",
            min=0,
            max=10_000_000,
        ),
    ] = 4000,
    placements_out: Annotated[
        Path | None,
        typer.Option(
            "--placements-out",
            help=(
                "Mapp att skriva placements.csv, costs.csv och agreements.csv till "
                "(kostnadsfördelning för placeringar)."
            ),
        ),
    ] = None,
    placements: Annotated[
        int, typer.Option("--placements", help="Antal placeringar.", min=0, max=10_000_000)
    ] = 200,
    visits_out: Annotated[
        Path | None,
        typer.Option(
            "--visits-out", help="Fil med besök att skriva (hemtjänst/hemsjukvård): .csv eller .parquet."
        ),
    ] = None,
    visits_per_month: Annotated[
        int, typer.Option("--visits-per-month", help="Besök per månad.", min=0, max=10_000_000)
    ] = 2000,
    seed: Annotated[
        int, typer.Option(help="Slumpfrö: samma frö ger samma filer.", min=0, max=2**32 - 1)
    ] = 2022,
) -> None:
    """Skriv realistiska syntetiska indata för de 49 kommunerna (med slumpfrö, reproducerbart)."""
    from hos_avtal.cli._options import ensure_folder, months_option
    from hos_avtal.io import write_frame

    if out is None and placements_out is None and visits_out is None:
        raise typer.BadParameter("ange minst en utdatafil: --out, --placements-out eller --visits-out")
    month_list = months_option(months)
    assert month_list is not None  # --months has a default
    for path in (out, visits_out):
        if path is not None:
            ensure_folder(path.parent)
    if out is not None:
        from hos_avtal.synth import synth_episodes

        episodes = synth_episodes(month_list, episodes_per_month=episodes_per_month, seed=seed)
        write_frame(episodes, out)
        typer.echo(f"skrev {episodes.height} vårdtillfällen till {out}", err=True)
    if placements_out is not None:
        from hos_avtal.synth import synth_placements

        ensure_folder(placements_out)
        frames = synth_placements(month_list, placements=placements, seed=seed)
        for name, frame in zip(("placements", "costs", "agreements"), frames, strict=True):
            write_frame(frame, placements_out / f"{name}.csv")
        typer.echo(
            f"skrev {frames[0].height} placeringar med kostnader och överenskommelser till {placements_out}",
            err=True,
        )
    if visits_out is not None:
        from hos_avtal.synth import synth_visits

        visits = synth_visits(month_list, visits_per_month=visits_per_month, seed=seed)
        write_frame(visits, visits_out)
        typer.echo(f"skrev {visits.height} besök till {visits_out}", err=True)

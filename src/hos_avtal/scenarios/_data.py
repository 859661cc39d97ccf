"""The data a scenario is tried on: episodes, placements and visits, validated once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from hos_avtal.errors import HosAvtalError
from hos_avtal.io import read_episodes
from hos_avtal.io._placements import PlacementInputs, read_placement_inputs
from hos_avtal.io._visits import read_tariffs, read_visits


@dataclass(frozen=True)
class ScenarioData:
    """Validated inputs; any of them may be missing, and a capability without input is skipped.

    ``tariffs`` are the host municipalities' own hemtjänst/hemsjukvård tariffs: a decision a
    municipality made for itself, so a scenario's tariff changes only the others.
    """

    episodes: pl.DataFrame | None = None
    placements: PlacementInputs | None = None
    visits: pl.DataFrame | None = None
    tariffs: pl.DataFrame | None = None

    @classmethod
    def read(
        cls,
        *,
        episodes: str | Path | None = None,
        placements: str | Path | None = None,
        costs: str | Path | None = None,
        agreements: str | Path | None = None,
        visits: str | Path | None = None,
        tariffs: str | Path | None = None,
    ) -> ScenarioData:
        """Read and validate the given files (placements, costs and agreements go together)."""
        trio = (placements, costs, agreements)
        if any(trio) and not all(trio):
            raise HosAvtalError("placements need all three files: placements, costs and agreements")
        return cls(
            episodes=read_episodes(episodes) if episodes else None,
            placements=(
                read_placement_inputs(placements, costs, agreements)
                if placements and costs and agreements
                else None
            ),
            visits=read_visits(visits) if visits else None,
            tariffs=read_tariffs(tariffs) if tariffs else None,
        )

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The capabilities this data can be compared on, in the fixed order."""
        present = {
            "betalningsansvar": self.episodes is not None,
            "placements": self.placements is not None,
            "home_care": self.visits is not None,
        }
        return tuple(name for name, has in present.items() if has)

"""The data a scenario is tried on: episodes, placements and visits, validated once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from hos_avtal._types import Month
from hos_avtal.betalningsansvar import billing_months
from hos_avtal.errors import HosAvtalError
from hos_avtal.io import PlacementInputs, read_episodes, read_placement_inputs, read_tariffs, read_visits
from hos_avtal.rules import ACKNOWLEDGEMENTS
from hos_avtal.scenarios._days import EpisodeDays


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
    episode_days: EpisodeDays | None = None
    """In place of ``episodes``: what a stored dataset keeps of them for comparisons."""
    read_episodes: Callable[[], pl.DataFrame] | None = field(default=None, compare=False, repr=False)
    """With ``episode_days``: reads the episodes themselves, for the rules that need them."""

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
            raise HosAvtalError("placeringar kräver alla tre filerna: placements, costs och agreements")
        return cls(
            # A what-if is never billed: a long wait needs no acknowledgement (docs/rules.md §7).
            episodes=read_episodes(episodes, accept=ACKNOWLEDGEMENTS) if episodes else None,
            placements=(
                read_placement_inputs(placements, costs, agreements)
                if placements and costs and agreements
                else None
            ),
            visits=read_visits(visits) if visits else None,
            tariffs=read_tariffs(tariffs) if tariffs else None,
        )

    def betalningsansvar_months(self, months: Sequence[Month] | None) -> list[Month]:
        """The months betalningsansvar is compared for: ``months``, or every discharge month of
        the episodes (or of their day histogram), as the engine counts them."""
        if self.episodes is not None:
            return billing_months(self.episodes, months)
        assert self.episode_days is not None
        return self.episode_days.months if months is None else billing_months(self.episode_days.frame, months)

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The capabilities this data can be compared on, in the fixed order."""
        given = [kind for kind in CAPABILITY_INPUTS.values() if getattr(self, kind) is not None]
        return capabilities_of([*given, *(["episodes"] if self.episode_days is not None else [])])


CAPABILITY_INPUTS = {"betalningsansvar": "episodes", "placements": "placements", "home_care": "visits"}
"""Each capability, in the fixed order, and the input it cannot be computed without."""


def capabilities_of(inputs: Iterable[str]) -> tuple[str, ...]:
    """The capabilities the given inputs cover, in the fixed order.

    >>> capabilities_of(["visits", "tariffs", "episodes"])
    ('betalningsansvar', 'home_care')
    """
    present = set(inputs)
    return tuple(capability for capability, needed in CAPABILITY_INPUTS.items() if needed in present)

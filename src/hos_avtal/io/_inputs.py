"""Which inputs go together: placements only with their costs and agreements, tariffs only with
visits. A billing run, a scenario dataset and an inline scenario all take several inputs; they
ask here, so the rule and its wording live in one place."""

from __future__ import annotations

from collections.abc import Collection

from hos_avtal.errors import InputError, Problem

PLACEMENT_INPUTS = ("placements", "costs", "agreements")
"""A placement split needs all three: the placements, their monthly costs, the agreements."""


def inputs_apart(given: Collection[str]) -> tuple[str, str] | None:
    """The first input given without the inputs it needs, and why; ``None`` if none is.

    >>> inputs_apart({"episodes", "tariffs"})
    ('tariffs', 'tariffs används bara tillsammans med visits')
    >>> inputs_apart({"placements", "costs", "agreements", "visits", "tariffs"}) is None
    True
    """
    kinds = set(given)
    if kinds & set(PLACEMENT_INPUTS) and not kinds >= set(PLACEMENT_INPUTS):
        return "placements", "placeringar kräver placements, costs och agreements"
    if "tariffs" in kinds and "visits" not in kinds:
        return "tariffs", "tariffs används bara tillsammans med visits"
    return None


def check_inputs_together(given: Collection[str]) -> None:
    """Raise :class:`~hos_avtal.errors.InputError` naming the first input given without the
    inputs it needs."""
    apart = inputs_apart(given)
    if apart is not None:
        source, reason = apart
        raise InputError(source, [Problem(None, None, reason)])

"""Privacy: what counts as a personnummer (in any spelling, anywhere in a text), and what free text
a person gives may hold. Every reader, the pseudonymiser and the labels use these, so "holds a
personnummer" means the same everywhere (docs/rules.md §10).

>>> from hos_avtal.privacy import normalised
>>> normalised("PNR 19121212-1212")
'191212121212'
>>> normalised("P-000123") is None
True
"""

from hos_avtal.privacy._labels import CONTROL, CONTROL_REASON, PERSONNUMMER_REASON, check_label
from hos_avtal.privacy._personnummer import (
    CANDIDATE,
    SEPARATORS,
    contains_personnummer,
    has_shape,
    normalised,
    personnummer_hits,
    personnummer_rows,
    readable,
)

__all__ = [
    "CANDIDATE",
    "CONTROL",
    "CONTROL_REASON",
    "PERSONNUMMER_REASON",
    "SEPARATORS",
    "check_label",
    "contains_personnummer",
    "has_shape",
    "normalised",
    "personnummer_hits",
    "personnummer_rows",
    "readable",
]

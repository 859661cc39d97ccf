"""The municipalities: the 49 parties to the agreement and every Swedish kommun code.

>>> from hos_avtal.municipalities import parties, lookup
>>> len(parties())
49
>>> lookup("1480").name
'Göteborg'
>>> lookup("0180").is_party
False
"""

from hos_avtal.municipalities._registry import (
    KOMMUNALFORBUND,
    Municipality,
    all_codes_frame,
    all_municipalities,
    is_kommun_code,
    is_party,
    lookup,
    parties,
    parties_frame,
)

__all__ = [
    "KOMMUNALFORBUND",
    "Municipality",
    "all_codes_frame",
    "all_municipalities",
    "is_kommun_code",
    "is_party",
    "lookup",
    "parties",
    "parties_frame",
]

"""Free text a person gives (a dataset's name, who finalizes a run, a rule set's text): what it
may hold, checked the same way everywhere.

>>> check_label("  Mars 2024  ", "name")
'Mars 2024'
>>> from hos_avtal.errors import InputError
>>> try:
...     check_label("19121212-1212", "name")
... except InputError as error:
...     print(error.problems[0].reason[:27])
innehåller ett personnummer
"""

from __future__ import annotations

import re

from hos_avtal.errors import InputError, Problem
from hos_avtal.privacy._personnummer import normalised

CONTROL = "[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
"""Characters no text cell may hold: control characters (C0, DEL, C1), line and paragraph
separators, and the invisible ones (zero-width spaces and joiners, a soft hyphen, direction
marks and overrides, a byte-order mark) that make two texts look alike or reorder what is shown."""
CONTROL_REASON = (
    "innehåller ett styrtecken eller osynligt tecken (till exempel NUL, tabb, radbrytning, blanksteg "
    "med noll bredd eller riktningsmarkering); ta bort det"
)
PERSONNUMMER_REASON = (
    "innehåller ett personnummer, som aldrig får användas som id eller lagras; bara pseudonyma id "
    "får användas (värdet visas inte)"
)

_CONTROL_BUT_LINES = CONTROL.replace("\x00-\x1f", "\x00-\x08\x0b\x0c\x0e-\x1f", 1)
""":data:`CONTROL` less the tab and the line breaks a document of several lines holds."""


def check_label(text: str, field: str, *, max_length: int = 200, multiline: bool = False) -> str:
    """A free-text label a person gives (a dataset's name, who finalizes a run), trimmed; an
    :class:`~hos_avtal.errors.InputError` naming ``field`` if it is too long or holds a control
    character (PostgreSQL cannot store a NUL) or a personnummer. The text is never quoted.
    ``multiline``: a document (a rule-set file's text), where tabs and line breaks belong."""
    trimmed = text.strip()
    reason = None
    if len(trimmed) > max_length:
        reason = f"är längre än {max_length} tecken"
    elif re.search(_CONTROL_BUT_LINES if multiline else CONTROL, trimmed):
        reason = CONTROL_REASON
    elif normalised(trimmed) is not None:
        reason = PERSONNUMMER_REASON
    if reason is not None:
        raise InputError(field, [Problem(None, None, reason)])
    return trimmed

"""Replacing a personnummer in an id column by a keyed hash, before anything is computed or stored.

The hash is HMAC-SHA256 under a key that is never kept beside the data it protects: whoever can
read the database could otherwise hash every possible personnummer (about 10⁹ of them) and so
re-identify people. The key comes from, in this order:

1. ``HOS_AVTAL_PSEUDONYM_KEY``: set it from a secret store, kept apart from the database, and
   never change it (a new key gives every person a new pseudonym, so corrections would show
   moved lines);
2. only if the operator opts in with ``HOS_AVTAL_PSEUDONYM_KEY_IN_DATABASE=1``: a random key
   made once and kept in the database's ``settings`` table (convenient for a single-user
   installation, and what versions before 0005 of the schema always did).

Without either, a billing run whose input holds a personnummer stops with a message saying so;
inputs that are already pseudonymous (the normal case) need no key. A scenario dataset hashes
``person_id`` even when it is no personnummer; without a configured key it uses a random one
that is forgotten at once, so pseudonyms are stable within the dataset only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from hos_avtal import months
from hos_avtal.errors import StorageError
from hos_avtal.privacy import normalised, personnummer_hits

if TYPE_CHECKING:
    from hos_avtal.storage import Database

ENV_KEY = "HOS_AVTAL_PSEUDONYM_KEY"
ENV_KEY_IN_DATABASE = "HOS_AVTAL_PSEUDONYM_KEY_IN_DATABASE"
SETTING_KEY = "pseudonym_key"
MIN_KEY_LENGTH = 32
"""Characters: 32 hex digits are 128 bits, more than anyone can guess."""
PREFIX = "pn-"
"""Marks a pseudonym."""
_LETTERS = "abcdefghijklmnop"

KeySource = Callable[[], bytes]
"""Gives the key when (and only when) a personnummer has to be hashed."""


def new_key() -> str:
    return secrets.token_hex(32)


def environment_key() -> str | None:
    return os.environ.get(ENV_KEY) or None


def key_in_database_allowed() -> bool:
    return os.environ.get(ENV_KEY_IN_DATABASE, "").strip().lower() in ("1", "true", "yes", "ja")


def configured_key(db: Database) -> bytes | None:
    """The pseudonym key the operator configured (see the module docstring), else ``None``."""
    from hos_avtal.storage import setting  # storage imports runs: import it only when called

    if (key := environment_key()) is not None:
        if len(key) < MIN_KEY_LENGTH:
            raise StorageError(
                f"{ENV_KEY} är {len(key)} tecken lång; en pseudonymnyckel måste ha minst {MIN_KEY_LENGTH} "
                "tecken (till exempel 64 hexadecimala siffror ur ett hemlighetsvalv): en kort nyckel kan "
                "gissas, och med den kan varje pseudonym spåras tillbaka"
            )
        return key.encode()
    if key_in_database_allowed():
        return setting(db, SETTING_KEY, new_key()).encode()
    return None


def database_key(db: Database) -> KeySource:
    """A :data:`KeySource` for billing runs: the configured key, or an error naming what to set.

    Runs and scenario datasets share it, so one person has one pseudonym everywhere.
    """

    def key() -> bytes:
        found = configured_key(db)
        if found is None:
            raise StorageError(
                "indata innehåller ett personnummer, som bara lagras som en nyckelbaserad pseudonym, och "
                f"ingen pseudonymnyckel är konfigurerad. Sätt {ENV_KEY} till en hemlighet som förvaras "
                f"skild från databasen (till exempel 64 hexadecimala siffror ur ett hemlighetsvalv), eller "
                f"välj uttryckligen en nyckel som förvaras i själva databasen med {ENV_KEY_IN_DATABASE}=1"
            )
        return found

    return key


def pseudonym(personnummer: str, key: bytes) -> str:
    """The keyed hash of a personnummer, the same for every spelling of it.

    Separators, prefixes and spaces are ignored and the century is kept, so
    ``19121212-1212``, ``PNR191212121212`` and ``121212+1212`` are one person and
    ``20121212-1212`` another (see :func:`hos_avtal.privacy.normalised`).
    """
    digits = normalised(personnummer, months.today())
    if digits is None:
        raise ValueError("inget personnummer")
    return _keyed(digits, key)


def _keyed(digits: str, key: bytes) -> str:
    return _letters(hmac.new(key, digits.encode(), hashlib.sha256).digest()[:12])


def keyed_id(value: str, key: bytes, purpose: bytes) -> str:
    """A pseudonym for any id (not only a personnummer); ``purpose`` keeps kinds of ids apart."""
    return _letters(hmac.new(key, purpose + value.strip().encode(), hashlib.sha256).digest()[:12])


def _letters(digest: bytes) -> str:
    # Written in the letters a–p (one per 4 bits), not hex: a pseudonym holds no digits at all, so
    # no part of it can ever look like a personnummer to a scan of the database or an export.
    return PREFIX + "".join(_LETTERS[b >> 4] + _LETTERS[b & 15] for b in digest)


def pseudonymise(
    frame: pl.DataFrame, columns: tuple[str, ...], key: bytes | KeySource
) -> tuple[pl.DataFrame, int]:
    """``frame`` with every cell of ``columns`` that holds a personnummer replaced by its
    pseudonym; and how many were replaced. ``key`` is asked for only if there is one.

    Works on the raw frame a reader returns, before validation, so the validators (which refuse
    a personnummer) then see only pseudonyms. A cell with a personnummer anywhere in its text
    (``PNR19121212-1212``) is replaced whole.
    """
    replaced = 0
    secret: bytes | None = key if isinstance(key, bytes) else None
    for column in columns:
        if column not in frame.columns:
            continue
        if frame.schema[column] != pl.String:
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        rows, digits = personnummer_hits(frame, column)
        if rows.len() == 0:
            continue
        if secret is None:
            assert callable(key)
            secret = key()
        hashed = pl.Series(column, [_keyed(d, secret) for d in digits], dtype=pl.String)
        frame = frame.with_columns(frame.get_column(column).scatter(rows, hashed))
        replaced += rows.len()
    return frame, replaced


def pseudonymise_person_ids(frame: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """``frame`` with every ``person_id`` replaced by its keyed pseudonym, whatever it holds: a
    stored copy that never needs to know who keeps only "the same person"."""
    if "person_id" not in frame.columns:
        return frame
    return frame.with_columns(
        pl.col("person_id")
        .cast(pl.String)
        .map_elements(lambda v: keyed_id(v, key, b"person:"), return_dtype=pl.String)
    )

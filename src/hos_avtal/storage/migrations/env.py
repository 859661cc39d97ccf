"""Alembic's environment for hos_avtal's storage.

hos_avtal runs migrations itself (:func:`hos_avtal.storage.open_database`) on a connection it has
already opened and locked, passed in ``config.attributes["connection"]``; there is no alembic.ini.
Run by hand, ``sqlalchemy.url`` in the config names the database instead.

Importing this module outside a migration (a test collector, a doctest run) does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from hos_avtal.storage._models import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    """Upgrade (or downgrade) on the given connection, or on a fresh one to the configured URL."""
    config = context.config
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _inside_alembic() -> bool:
    try:
        context.config  # noqa: B018 - raises outside an Alembic environment
    except (NameError, AttributeError):
        return False
    return True


if _inside_alembic():
    run_migrations()

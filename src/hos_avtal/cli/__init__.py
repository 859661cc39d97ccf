"""The ``hos-avtal`` command line: thin commands over the library's functions."""

from hos_avtal.cli._app import app, main

__all__ = ["app", "main"]

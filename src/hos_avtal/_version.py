"""The package's version, in one place: the root package, the API and every billing run's
``code_version`` read it here (importing the root would import every package)."""

__version__ = "0.1.0"

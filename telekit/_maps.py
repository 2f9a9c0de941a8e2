"""Shim: the map files moved to ``telekit._io._maps`` (deleted once every import is rewritten)."""

from telekit._io._maps import MapSpec, TableMap

__all__ = ["MapSpec", "TableMap"]

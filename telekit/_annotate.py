"""Shim: the annotation moved to ``telekit._engine._annotate`` and ``telekit._engine._inputs``."""

from telekit._engine._annotate import DOS, ENCOUNTER_FIELDS, ROW, annotate
from telekit._engine._inputs import Inputs, prepare

__all__ = ["DOS", "ENCOUNTER_FIELDS", "ROW", "Inputs", "annotate", "prepare"]

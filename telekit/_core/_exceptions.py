"""telekit's exceptions. Every error telekit raises on purpose is a ``TelekitError``::

    TelekitError
    ├── InputError              a file or frame cannot be read as the table it should be
    │   ├── MissingColumnError  a required column is absent (names the column, those found, the fix)
    │   ├── UnsupportedFormatError  not CSV, Parquet, XLSX or a supported X12 transaction
    │   ├── DateError           a date argument (``as_of``…) is not a date nor an ISO date string
    │   │                       (also a ``ValueError``)
    │   ├── DateTypeError       a date argument is of another type (also a ``TypeError``)
    │   └── PolicyError         a policies.toml is malformed or contradicts the claim lines
    ├── MapError                a --map / map.toml file is malformed
    └── X12Error                an X12 interchange cannot be parsed at all

Messages name the file, row, column and what was expected, never a value from the data
(values can be PHI; they go only to the rejects table).
"""

from __future__ import annotations


class TelekitError(Exception):
    """Base class of every error telekit raises on purpose."""


class InputError(TelekitError):
    """A file or frame cannot be read as the table it should be."""


class MissingColumnError(InputError):
    """A required column is absent."""


class UnsupportedFormatError(InputError):
    """The input is not a format telekit reads."""


class DateError(InputError, ValueError):
    """A date argument (``as_of``, a date range) is not a date nor an ISO date string."""


class DateTypeError(InputError, TypeError):
    """A date argument is neither a date nor a string."""


class MapError(TelekitError):
    """A header/value map (``rename=``, ``--map``, ``map.toml``) is malformed."""


class PolicyError(InputError):
    """A payer-policy file is malformed or contradicts the claim lines."""


class X12Error(TelekitError):
    """An X12 interchange cannot be parsed."""

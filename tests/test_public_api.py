"""The public API is pinned: every public module's ``__all__`` and each exported callable's
signature, against ``tests/data/api/public_api.json``.

A refactor (modules moved, packages split) must leave this file unchanged. A deliberate API
change regenerates it: ``python tests/test_public_api.py > tests/data/api/public_api.json``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

PUBLIC_MODULES = (
    "telekit",
    "telekit.charts",
    "telekit.codesets",
    "telekit.dashboard",
    "telekit.distributed",
    "telekit.integrity",
    "telekit.metrics",
    "telekit.report",
    "telekit.review",
    "telekit.rules",
    "telekit.sample",
    "telekit.x12",
)
# names that modules without them in ``__all__`` still offer and callers use
EXTRA_NAMES = {
    "telekit.report": ("REVIEW_DECISIONS", "readable", "readable_expr", "deidentified_metrics"),
    "telekit.charts": ("AR_BUCKETS", "MIX_LABELS", "SEVERITY_COLORS"),
}
SNAPSHOT = Path(__file__).parent / "data" / "api" / "public_api.json"


def _describe(obj: Any) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        try:
            return f"function{inspect.signature(obj)}"
        except (TypeError, ValueError):
            return "callable"
    return type(obj).__name__


def api() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        names = [*getattr(module, "__all__", ()), *EXTRA_NAMES.get(name, ())]
        out[name] = {n: _describe(getattr(module, n)) for n in sorted(names)}
    return out


def test_public_api_is_unchanged() -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    found = api()
    for module, names in expected.items():
        assert found.get(module) == names, module
    assert set(found) == set(expected)


if __name__ == "__main__":
    json.dump(api(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")

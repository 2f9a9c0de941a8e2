"""The linters and the type checker are part of the test suite, so the README's one test command
runs them too (and CI with it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed in the test environment (uv sync installs it)")
    return found


def test_ruff_check_passes() -> None:
    proc = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", "telekit", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_passes_on_the_package() -> None:
    proc = subprocess.run(
        [_tool("mypy"), "--no-incremental", "telekit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_imports_follow_the_layers() -> None:
    """The layers contract in pyproject.toml (`[tool.importlinter]`): a module imports only from
    layers below its own, imports inside functions and under TYPE_CHECKING included."""
    proc = subprocess.run(
        [_tool("lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules() -> None:
    """No two telekit modules import each other, directly or through others, counting imports
    inside functions (what the layers contract does not see inside one layer)."""
    import grimp

    g = grimp.build_graph("telekit", cache_dir=None)
    graph = {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}
    # a package's __init__ importing its own submodules is how packages export: not a cycle
    for module, imported in graph.items():
        graph[module] = {i for i in imported if not module.startswith(i + ".")}
    assert _cycles(graph) == []


def test_module_sizes() -> None:
    """No module outside the sample generator passes 800 lines."""
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "telekit").rglob("*.py")
        if "sample" not in p.relative_to(ROOT / "telekit").parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert too_long == {}

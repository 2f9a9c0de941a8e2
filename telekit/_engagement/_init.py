"""``telekit init DIR [--from FILE]``: a new engagement folder.

DIR may exist and hold other things (the practice's first export, a drop already copied in):
``init`` only adds files. It never overwrites one: when any file it would write exists, it names
them all and writes nothing. With ``--from FILE`` (a practice's export) it also drafts map.toml
(``telekit map --init``) and, when FILE holds claims, policies.toml (``telekit policies init``),
and names them in telekit.toml. A failure part way removes what it wrote.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from telekit._core._version import VERSION
from telekit._engagement import _templates as t
from telekit._engagement._config import CONFIG_NAME, EngagementError
from telekit._onboard._map_init import init_map, summary_line
from telekit._policies._init import init_policies

MAP_NAME = "map.toml"
POLICIES_NAME = "policies.toml"
DROPS_README = Path("drops") / "README.txt"
GITHUB_WORKFLOW = Path(".github") / "workflows" / "telekit.yml"
GITLAB_CI = Path(".gitlab-ci.yml")
GITIGNORE = Path(".gitignore")


@dataclass
class InitResult:
    """What ``init_engagement`` did: the files written (in order) and one line about each."""

    directory: Path
    written: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    has_map: bool = False
    has_policies: bool = False

    def next_steps(self) -> list[str]:
        """The commands to run next, one per line."""
        d = self.directory
        steps = [f"copy the month's exports into {d / 'drops' / 'YYYY-MM'}/ (e.g. 2026-11)"]
        if not self.has_map:
            steps.append(
                f"telekit map --init {d / 'drops' / 'YYYY-MM' / 'claims.xlsx'} --out "
                f"{d / MAP_NAME}   # then set map in telekit.toml"
            )
        if not self.has_policies:
            steps.append(
                f"telekit policies init {d / 'drops' / 'YYYY-MM'} --out {d / POLICIES_NAME}"
                "   # then set policies in telekit.toml"
            )
        steps.append(f"edit {d / CONFIG_NAME}: practice, prepared_by, reviewers, as_of, period")
        steps.append(f"telekit run {d} --drop YYYY-MM")
        return steps


def _planned(directory: Path, from_file: Path | None) -> list[Path]:
    names = [Path(CONFIG_NAME), DROPS_README, GITIGNORE, GITHUB_WORKFLOW, GITLAB_CI]
    if from_file is not None:
        names += [Path(MAP_NAME), Path(POLICIES_NAME)]
    return [directory / n for n in names]


def _check(directory: Path, from_file: Path | None) -> None:
    if directory.exists() and not directory.is_dir():
        msg = f"{directory}: exists and is not a folder (give a new or existing folder)"
        raise EngagementError(msg)
    existing = [p for p in _planned(directory, from_file) if p.exists() or p.is_symlink()]
    if existing:
        names = ", ".join(p.relative_to(directory).as_posix() for p in existing)
        msg = (
            f"{directory}: already holds {names}; telekit init never overwrites a file "
            "(move them away first, or edit them instead)"
        )
        raise EngagementError(msg)
    if from_file is not None and not from_file.is_file():
        msg = f"--from {from_file}: not found (give a practice's export: CSV, XLSX or Parquet)"
        raise EngagementError(msg)


def init_engagement(directory: str | Path, from_file: str | Path | None = None) -> InitResult:
    """Create the engagement folder ``directory`` (see the module's docstring)."""
    directory = Path(directory)
    source = Path(from_file) if from_file is not None else None
    _check(directory, source)
    result = InitResult(directory)
    created: list[Path] = []
    try:
        _make_dir(directory, created)
        if source is not None:
            _drafts(directory, source, result)
        _write_all(directory, result, created)
    except BaseException:
        for path in reversed(result.written):
            path.unlink(missing_ok=True)
        for folder in reversed(created):
            with contextlib.suppress(OSError):  # not empty: something else is in it
                folder.rmdir()
        raise
    return result


def _make_dir(folder: Path, created: list[Path]) -> None:
    """``mkdir -p`` that records the folders it created (to remove them on failure)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir()
        created.append(p)


def _drafts(directory: Path, source: Path, result: InitResult) -> None:
    """map.toml from the export's headers; policies.toml from its payers when it holds claims."""
    map_path = directory / MAP_NAME
    draft = init_map(source, map_path)
    result.written.append(map_path)
    result.has_map = True
    result.lines.append(summary_line(draft, map_path))
    if draft.table != "claims":
        result.lines.append(
            f"no {POLICIES_NAME}: {source.name} holds {draft.table}, not claims "
            "(telekit policies init a drop later)"
        )
        return
    policies_path = directory / POLICIES_NAME
    payers = init_policies(source, policies_path, map_file=map_path)
    result.written.append(policies_path)
    result.has_policies = True
    todo = int((payers["payer_type"] == "").sum())
    result.lines.append(
        f"wrote {policies_path}: {payers.height} payer(s); check each payer_type ({todo} to decide)"
    )


def _write_all(directory: Path, result: InitResult, created: list[Path]) -> None:
    texts = {
        Path(CONFIG_NAME): t.telekit_toml(
            directory.resolve().name,
            version=VERSION,
            map_file=MAP_NAME if result.has_map else None,
            policies=POLICIES_NAME if result.has_policies else None,
        ),
        DROPS_README: t.DROPS_README,
        GITIGNORE: t.GITIGNORE,
        GITHUB_WORKFLOW: t.ci_file(t.GITHUB_WORKFLOW, VERSION),
        GITLAB_CI: t.ci_file(t.GITLAB_CI, VERSION),
    }
    about = {
        Path(CONFIG_NAME): "the engagement's settings (edit it)",
        DROPS_README: "where each month's exports go",
        GITIGNORE: "keeps drops, outputs, keys and review files out of version control",
        GITHUB_WORKFLOW: "GitHub Actions: a drop's run, de-identified artifacts",
        GITLAB_CI: "GitLab CI: a drop's run, de-identified artifacts",
    }
    for name, text in texts.items():
        path = directory / name
        _make_dir(path.parent, created)
        with path.open("x", encoding="utf-8") as f:
            result.written.append(path)
            f.write(text)
        result.lines.append(f"wrote {path}: {about[name]}")

"""``telekit run DIR [--drop YYYY-MM] [--data FOLDER]``: one month's data drop of an engagement
run end to end into ``DIR/out/<drop>/`` (the config's ``[outputs] out``).

Steps, one stdout line each: the audit (``audit_folder`` with the engagement's map, policies,
expected fees, locality, as_of rule, period convention, labels; executive.pdf when asked), the
review worklist (``worklist.xlsx``, from the drop's review file ``DIR/review/<drop>.sqlite``,
kept outside out/ and ignored by git), ``compare`` with the previous drop's outputs when they
exist (``compare.html``/``.xlsx``, with the previous drop's review file when there is one), and
notebook 04 executed under papermill from the audit's OUT (``notebook-report.html`` and the
executed ``04_audit_report.ipynb``; skipped with a note when papermill is not installed).

De-identified runs read the engagement's key file when it exists and write it back extended,
so a person keeps the same pseudonym month after month. The exit code is ``telekit audit``'s:
0 no error finding, 1 error findings; a step that fails raises ``RunStepError`` naming it (the
CLI exits 2) and the outputs already written stay in place.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

from telekit._core import _progress
from telekit._core._exceptions import TelekitError
from telekit._engagement._config import (
    Engagement,
    EngagementError,
    _matching,
    load_engagement,
    parse_drop,
)

if TYPE_CHECKING:
    from telekit._engine._result import AuditResult

NOTEBOOK: Final = "04_audit_report.ipynb"
NOTEBOOK_REPORT: Final = "notebook-report.html"
WORKLIST: Final = "worklist.xlsx"
REVIEW_FOLDER: Final = "review"


class RunStepError(TelekitError):
    """A step of ``telekit run`` after the audit failed; the outputs written so far are kept."""


@dataclass
class RunResult:
    """What ``run_engagement`` did: the drop, its out folder, the audit, the exit code (as
    ``telekit audit``), the previous drop compared with (None when none), the lines printed."""

    drop: str
    out: Path
    result: AuditResult
    exit_code: int
    compared_with: str | None = None
    lines: list[str] = field(default_factory=list)


def latest_drop(engagement: Engagement) -> str:
    """The newest drop (by name, YYYY-MM) whose folder exists under ``[data] drops``."""
    found = _matching(engagement.root, engagement.drops)
    if not found:
        where = engagement.root / engagement.drops
        msg = f"{where}: no drop folder (put a month's data in it, e.g. YYYY-MM, or give --drop)"
        raise EngagementError(msg)
    return found[-1]


def review_file(engagement: Engagement, drop: str) -> Path:
    """The review file of ``drop``'s findings: ``DIR/review/<drop>.sqlite`` (outside out/)."""
    return engagement.root / REVIEW_FOLDER / f"{drop}.sqlite"


def shipped_notebook() -> Path:
    """Notebook 04 as shipped in the package (a copy of notebooks/04_audit_report.ipynb)."""
    return Path(str(resources.files("telekit._engagement") / "notebooks" / NOTEBOOK))


def run_engagement(
    directory: str | Path,
    drop: str | None = None,
    data: str | Path | None = None,
    deidentify: bool | None = None,
    *,
    echo: Callable[[str], None] = print,
) -> RunResult:
    """Run drop ``drop`` (default: the newest drop folder) of the engagement in ``directory``
    on its drop folder, or on ``data`` when given, into its out folder; ``deidentify`` overrides
    ``[audit] deidentify``. Each step's line goes to ``echo``."""
    from telekit.report import _pdf  # noqa: PLC0415 - keep the CLI light
    from telekit.report._folder import audit_folder  # noqa: PLC0415

    eng = load_engagement(directory)
    if drop is None:
        drop = latest_drop(eng)
    parse_drop(drop)
    folder = Path(data) if data is not None else eng.drop_folder(drop)
    if not folder.is_dir():
        msg = f"{folder}: no such folder (drop {drop}'s data: claims.csv, remittances.csv, ...)"
        raise EngagementError(msg)
    out = eng.out_folder(drop)
    previous = eng.previous_drop(drop)  # before this run creates out/<drop>
    deid = eng.deidentify if deidentify is None else deidentify
    pdf = eng.outputs.executive_pdf
    if pdf:
        _pdf.require_pdf()  # before the audit, not after it
    review = review_file(eng, drop)
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        echo(line)

    started = time.monotonic()
    result = audit_folder(
        folder,
        out,
        policies=eng.policies,
        map=eng.map,
        expected_fees=eng.expected_fees,
        locality=eng.locality,
        as_of=eng.as_of_for(drop),
        period=eng.period_for(drop),
        practice=eng.practice,
        prepared_by=eng.prepared_by,
        pdf=pdf,
        # a de-identified OUT's review decisions are keyed by pseudonyms: not read back into it
        review=review if review.is_file() and not deid else None,
        deidentify=deid,
        key_file=eng.key_file if deid else None,
        extend_key=deid,
    )
    say(f"audit {drop} done in {time.monotonic() - started:.1f} s: {result.stdout_line(str(out))}")
    if pdf:
        say(f"executive.pdf: {out / 'executive.pdf'}")
    run = RunResult(drop=drop, out=out, result=result, exit_code=result.exit_code, lines=lines)
    if eng.outputs.worklist:
        _step("worklist.xlsx", lambda: say(_worklist(out, review)))
    if eng.outputs.compare and previous is not None:
        prev_out = eng.out_folder(previous)
        _step(f"compare with {previous}", lambda: say(_compare(eng, previous, prev_out, out)))
        run.compared_with = previous
    if eng.outputs.notebook:
        _step("notebook 04", lambda: say(_notebook(eng, drop, out)))
    return run


def _step(name: str, action: Callable[[], None]) -> None:
    """Run one step after the audit; its failure is a ``RunStepError`` naming it (a
    ``TelekitError``'s own line kept, any other error by its type only: its text may hold
    data values)."""
    try:
        action()
    except TelekitError as e:
        _progress.close_active()
        msg = f"{name} failed (the outputs written so far are kept): {e}"
        raise RunStepError(msg) from e
    except Exception as e:
        _progress.close_active()
        msg = (
            f"{name} failed with {type(e).__name__} (the outputs written so far are kept; "
            "set TELEKIT_DEBUG=1 and run `telekit run` again to see why)"
        )
        raise RunStepError(msg) from e


def _worklist(out: Path, review: Path) -> str:
    from telekit.review._excel import export_worklist  # noqa: PLC0415 - xlsx only here

    exported = export_worklist(out, review, out / WORKLIST)
    return f"{exported} (review file {review})"


def _compare(eng: Engagement, previous: str, prev_out: Path, out: Path) -> str:
    from telekit.report._compare import compare  # noqa: PLC0415
    from telekit.report._compare_out import write_comparison  # noqa: PLC0415

    prev_review = review_file(eng, previous)
    comparison = compare(prev_out, out, review=prev_review if prev_review.is_file() else None)
    write_comparison(comparison, out)
    n = comparison.counts()
    warnings = "".join(f" | warning: {w}" for w in comparison.warnings)
    return (
        f"compare with {previous}: {n['new']} new, {n['persisting']} persisting, "
        f"{n['resolved']} resolved ({n['out_of_scope']} out of scope){warnings}"
    )


def notebook_parameters(eng: Engagement, drop: str, out: Path) -> dict[str, str]:
    """Notebook 04's papermill parameters for ``drop``: it renders the audit in ``out`` (so its
    report and out/report.html agree), labelled with the engagement's practice, period and
    preparer, into out/notebook-report.html."""
    as_of = eng.as_of_for(drop)
    period = eng.period_for(drop)
    return {
        "data_dir": str(eng.drop_folder(drop).resolve()),
        "as_of": as_of.isoformat() if as_of else "",
        "practice_name": eng.practice,
        "output_path": str((out / NOTEBOOK_REPORT).resolve()),
        "period": f"{period[0].isoformat()}..{period[1].isoformat()}" if period else "",
        "prepared_by": eng.prepared_by or "",
        "map_path": str(eng.map.resolve()) if eng.map else "",
        "policies_path": str(eng.policies.resolve()) if eng.policies else "",
        "audit_out": str(out.resolve()),
    }


def _notebook(eng: Engagement, drop: str, out: Path) -> str:
    if importlib.util.find_spec("papermill") is None:
        return "notebook 04: skipped (papermill is not installed: pip install papermill)"
    import papermill  # noqa: PLC0415 - only for this step
    from jupyter_client.manager import AsyncKernelManager  # noqa: PLC0415

    class LocalKernelManager(AsyncKernelManager):
        """The kernel talks to papermill over IPC sockets (files only this user can open),
        not TCP on 127.0.0.1: nothing else on the machine can connect to it, and it does
        not warn on stderr that its traffic is unencrypted."""

        def __init__(self, **kwargs: object) -> None:
            super().__init__(transport="ipc", **kwargs)

    with _progress.Progress("run", total=1) as bar:
        bar.step("notebook 04")
        papermill.execute_notebook(
            str(shipped_notebook()),
            str(out / NOTEBOOK),
            parameters=notebook_parameters(eng, drop, out),
            cwd=str(out),
            progress_bar=False,
            log_output=False,
            kernel_manager_class=LocalKernelManager,
        )
    return f"notebook 04: {out / NOTEBOOK_REPORT} (executed: {out / NOTEBOOK})"

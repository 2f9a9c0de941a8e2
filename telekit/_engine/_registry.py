"""The rule registry: a rule is a small named function returning a boolean ``pl.Expr``.

The decorator carries the metadata (code, severity, message template, what the rule needs); the
function's name is the rule's name (the problem, not the fix) and its docstring is the rule's page
(``telekit rule CODE``). The registry refuses a reused code, a reused name and a rule without docs
at import time.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from telekit._engine._windows import Preparation

Severity = Literal["error", "warning", "info"]
Responsibility = Literal["clinician", "billing"]
Predicate = Callable[[], pl.Expr]
# DESIGN §5 precedence: (rule code or code prefix suppressed, narrower condition or None for the
# whole rule). Where the suppressing rule fires (and its condition holds) the other gives none.
Suppression = tuple[str, Predicate | None]

GROUPS: dict[str, str] = {
    "CD": "coding",
    "TH": "telehealth_list",
    "PS": "place_of_service",
    "MD": "modifiers",
    "TM": "time",
    "FQ": "frequency",
    "DC": "documentation",
    "EL": "eligibility",
    "FL": "filing",
    "AD": "add_on",
    "PR": "provider",
    "NC": "ncci",
}

# DESIGN §5 responsibility: what the documentation and the clinician's coding support
# (``clinician``) or what the billing office submits (``billing``, everything else). Provider
# scorecards count clinician findings only.
_CLINICIAN_PREFIXES: tuple[str, ...] = ("TM", "DC", "PR")
_CLINICIAN_CODES: frozenset[str] = frozenset({"MD002", "MD005", "PS003", "PS005", "PS006"})


def default_responsibility(code: str) -> Responsibility:
    """DESIGN §5: TM, DC and PR rules, MD002, MD005, PS003, PS005 and PS006 are clinician's."""
    if code.startswith(_CLINICIAN_PREFIXES) or code in _CLINICIAN_CODES:
        return "clinician"
    return "billing"


_CODE = re.compile(r"^[A-Z]{2}[0-9]{3}$")
_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def template_expr(template: str) -> pl.Expr:
    """``"POS {place_of_service_code} on {claim_line_start_date}"`` as a String expression.

    Each ``{column}`` becomes that column as text; a null reads ``(none)``.
    """
    names = _PLACEHOLDER.findall(template)
    fmt = _PLACEHOLDER.sub("{}", template)
    if not names:
        return pl.lit(template, dtype=pl.String)
    return pl.format(fmt, *(pl.col(n).cast(pl.String).fill_null("(none)") for n in names))


@dataclass(frozen=True)
class Rule:
    """One audit rule. ``expr()`` is True where a claim line breaks it."""

    code: str
    name: str
    group: str
    severity: Severity  # the catalog's severity: the highest a finding of the rule can have
    message: str | Callable[[], pl.Expr]
    fix: str | Callable[[], pl.Expr] | None
    expr: Callable[[], pl.Expr]
    doc: str
    claim_columns: tuple[str, ...] = ()  # claim columns the source must give, else skipped
    tables: tuple[str, ...] = ()  # tables every clause needs, else skipped
    partial_tables: tuple[str, ...] = ()  # tables some clauses need, else partial
    prepare: tuple[Preparation, ...] = field(default=())  # window preparations it reads
    # lines the rule cannot judge with the shipped data (e.g. a DOS year without a telehealth
    # list): when any line matches, the rule's status is `partial` with this reason
    partial_when: Callable[[], pl.Expr] | None = None
    partial_reason: str = ""
    suppresses: tuple[Suppression, ...] = ()
    # rule codes (or prefixes) that suppress this rule on a line where they fire, declared on
    # the suppressed rule (DESIGN §5: NC001 and NC002 are suppressed where CD001 or TM004 fires)
    suppressed_where: tuple[str, ...] = ()
    skip_self_pay: bool = False  # self-pay lines are never flagged (no payer to bill wrongly)
    judges_superseded: bool = False  # superseded lines are flagged too (else never)
    # per line: "error" | "warning" | "info" where a clause has its own severity (PS002's POS 02
    # at home, TH001's unknown-to-the-list codes, MA lines of FFS rules); null = ``severity``
    line_severity: Callable[[], pl.Expr] | None = None
    responsibility: Responsibility = "billing"

    def severity_expr(self) -> pl.Expr:
        """Each flagged line's severity: ``line_severity`` where it says, else the rule's."""
        base = pl.lit(self.severity, dtype=pl.String)
        if self.line_severity is None:
            return base
        return self.line_severity().cast(pl.String).fill_null(base)

    def suppressed_by(self, other: Rule) -> Predicate | Literal[False] | None:
        """How ``other`` suppresses this rule: False when it does not, else its condition (None
        for the whole rule). A rule never suppresses itself."""
        if other.code == self.code or other.code.startswith(self.code):
            return False
        if any(other.code.startswith(by) for by in self.suppressed_where):
            return None
        for target, condition in other.suppresses:
            if self.code.startswith(target):
                return condition
        return False

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    def message_expr(self) -> pl.Expr:
        m = self.message
        return template_expr(m) if isinstance(m, str) else m()

    def fix_expr(self) -> pl.Expr:
        f = self.fix
        if f is None:
            return pl.lit(None, dtype=pl.String)
        return template_expr(f) if isinstance(f, str) else f()


REGISTRY: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    severity: Severity,
    message: str | Callable[[], pl.Expr],
    fix: str | Callable[[], pl.Expr] | None = None,
    claim_columns: tuple[str, ...] = (),
    tables: tuple[str, ...] = (),
    partial_tables: tuple[str, ...] = (),
    prepare: tuple[Preparation, ...] = (),
    partial_when: Callable[[], pl.Expr] | None = None,
    partial_reason: str = "",
    suppresses: Sequence[str] | Mapping[str, Predicate] = (),
    suppressed_where: Sequence[str] = (),
    skip_self_pay: bool = False,
    judges_superseded: bool = False,
    line_severity: Callable[[], pl.Expr] | None = None,
    responsibility: Responsibility | None = None,
) -> Callable[[Callable[[], pl.Expr]], Callable[[], pl.Expr]]:
    """Register the decorated function as rule ``code``."""

    def register(fn: Callable[[], pl.Expr]) -> Callable[[], pl.Expr]:
        if not _CODE.match(code) or code[:2] not in GROUPS:
            msg = f"rule code {code!r} must be two letters of {sorted(GROUPS)} and three digits"
            raise ValueError(msg)
        if code in REGISTRY:
            msg = f"rule code {code} is used twice ({REGISTRY[code].name} and {fn.__name__})"
            raise ValueError(msg)
        if any(r.name == fn.__name__ for r in REGISTRY.values()):
            msg = f"rule name {fn.__name__} is used twice"
            raise ValueError(msg)
        doc = inspect.getdoc(fn)
        if not doc or len(doc.splitlines()) < 3:
            msg = f"rule {code} ({fn.__name__}) needs a docstring: what, why, source, example, fix"
            raise ValueError(msg)
        REGISTRY[code] = Rule(
            code=code,
            name=fn.__name__,
            group=GROUPS[code[:2]],
            severity=severity,
            message=message,
            fix=fix,
            expr=fn,
            doc=doc,
            claim_columns=claim_columns,
            tables=tables,
            partial_tables=partial_tables,
            prepare=prepare,
            partial_when=partial_when,
            partial_reason=partial_reason,
            suppresses=(
                tuple(suppresses.items())
                if isinstance(suppresses, Mapping)
                else tuple((target, None) for target in suppresses)
            ),
            suppressed_where=tuple(suppressed_where),
            skip_self_pay=skip_self_pay,
            judges_superseded=judges_superseded,
            line_severity=line_severity,
            responsibility=responsibility or default_responsibility(code),
        )
        return fn

    return register

"""telekit.report — the client deliverable: one self-contained HTML report.

    import telekit as tk
    from telekit import integrity, report

    result = tk.audit("claims.csv", encounters="encounters.csv", providers="providers.csv")
    remits = tk.read_remittances("remittances.csv")             # + adjustments.csv beside it
    html = report.render(
        result,
        metrics=report.compute_metrics(result, remits),
        oig=integrity.oig_measures(result.claims, result.encounters),
    )
    Path("report.html").write_text(html)

The page has no script and loads nothing: every chart is an inline SVG drawn by vl-convert,
styles are inline, and it prints to PDF from a browser (print CSS, page breaks). It holds an
executive summary (lines audited, findings by severity, the four kinds of money — overpaid,
denied, at risk, underpaid — each with what it means, top rules, the provider scorecard of
clinician findings), the billing findings by payer and billing NPI, the findings by rule with
each rule's explanation and fix, the
revenue-cycle metrics and charts when remittances are given, the OIG integrity measures where
computable, reviewer decisions when given, the input row accounting and rejects, and the
code-set and policy versions and the date of the run.

``render(..., deidentify=True)`` is Safe Harbor (reference §11): identifiers are random
pseudonyms, dates are years (monthly trends are left out), messages, reject values and
reviewer notes are not shown. ``telekit audit --deidentify --key-file F`` applies the same
to every file of OUT and keeps the key.

``render_executive(result)`` is the client's short document (executive.html, at most three
Letter pages printed: scope, coverage of the catalog, the four kinds of money, the top findings
with their fixes, recommended actions); ``telekit audit --pdf`` prints it to executive.pdf
(WeasyPrint, the optional extra ``pdf``).

``load_audit(out)`` reads what ``telekit audit`` wrote to OUT (summary.json, findings.parquet,
rejects.csv, metrics.parquet, oig.parquet, inputs.json), so ``telekit report --audit OUT``
re-renders without re-auditing (``render_audit_dir``).

``compare(before_out, after_out)`` compares two audits' OUT folders: findings new, persisting,
resolved and out of scope, the money by rule, provider and payer (``telekit compare``).

``verify_out(out)`` re-runs the audit an OUT records (inputs.json: every input's SHA-256, every
option, the versions) and names the first difference, else says it reproduced
(``telekit verify``).
"""

from telekit.report._compare import Comparison, compare
from telekit.report._decisions import REVIEW_DECISIONS as REVIEW_DECISIONS
from telekit.report._decisions import read_review
from telekit.report._executive import render_executive
from telekit.report._folder import audit_folder
from telekit.report._html import readable as readable
from telekit.report._html import readable_expr as readable_expr
from telekit.report._metrics import METRIC_FRAMES, compute_metrics
from telekit.report._metrics import deidentified_metrics as deidentified_metrics
from telekit.report._out import load_audit, read_metrics, render_audit_dir, write_metrics
from telekit.report._record import AuditRecord
from telekit.report._render import render
from telekit.report._verify import OutVerification, verify_out

__all__ = [
    "METRIC_FRAMES",
    "AuditRecord",
    "Comparison",
    "OutVerification",
    "audit_folder",
    "compare",
    "compute_metrics",
    "load_audit",
    "read_metrics",
    "read_review",
    "render",
    "render_audit_dir",
    "render_executive",
    "verify_out",
    "write_metrics",
]

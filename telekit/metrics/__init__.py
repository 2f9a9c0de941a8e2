"""Revenue-cycle metrics: how the practice's billing performs, from claim lines and 835s alone.

    from telekit import metrics
    claims = tk.read_claims("claims.csv")
    remits = tk.read_remittances("remittances.csv")      # + adjustments.csv beside it
    metrics.revenue_cycle(claims, remits, as_of=date(2026, 10, 30), by=["month", "payer"],
                          patient_payments=tk.read_patient_payments("patient_payments.csv"))
    metrics.denials(claims, remits, as_of=date(2026, 10, 30))
    metrics.telehealth_mix(claims, encounters, by="month")
    metrics.underpayment(claims, remits, tk.load_expected_fees("expected_fees.toml"))

- ``revenue_cycle`` — claims submitted and adjudicated, initial denial rate (count and
  dollars), first-pass resolution, gross and net collection rates, A/R (payer and patient
  parts) and its aging, days in A/R (gross, MGMA), submission and payment lags, the audit's
  clean rate; grouped by month, payer, payer_type, financial_class or a line key. Every
  formula is in its docstring, with the MGMA/HFMA measure it follows.
- ``denials`` — a Pareto of the adjustment reasons (CARC) on denied lines.
- ``telehealth_mix`` — shares of lines and charges by modality and by POS 02/10/other.
- ``underpayment`` — remittance lines allowed below the contracted fee, with the shortfall.
- ``carc()`` — the shipped CARC descriptions (``carc.csv``; sources in ``SOURCES.md``).

Definitions follow DESIGN §6 and MGMA/HFMA where those define the measure (sources in
``SOURCES.md``): one receivable per service (voids and replaced originals leave A/R and every
count), patient responsibility stays in A/R until paid or written off, the net collection rate
deducts contractual adjustments only. How remittances are matched to claim lines and how
claim-level amounts are spread over lines is documented in ``telekit._engine._ledger``; how
replacements carry their originals' remittances in ``telekit.metrics._units``. Payers are
always canonical (trimmed, upper-cased, through the policy file's aliases). Everything is
vectorised polars over whole frames.
"""

from __future__ import annotations

from telekit.metrics._denials import carc, denials
from telekit.metrics._mix import telehealth_mix
from telekit.metrics._revenue import revenue_cycle
from telekit.metrics._underpayment import underpayment

__all__ = ["carc", "denials", "revenue_cycle", "telehealth_mix", "underpayment"]

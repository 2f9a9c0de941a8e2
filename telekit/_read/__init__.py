"""Layer 4: the readers — format dispatch (X12 by content), one reader per table, the
remittance reader, and the one handling of table arguments (``_arguments``) that the audit,
metrics, integrity and eligibility share. Sits on ``telekit._io`` and ``telekit.x12``."""

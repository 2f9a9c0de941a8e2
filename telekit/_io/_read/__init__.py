"""The readers' upper layer: format dispatch (X12 included), one reader per table, and the one
handling of table arguments (``_arguments``) that the audit, metrics and integrity share."""

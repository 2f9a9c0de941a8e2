"""An engagement: one folder per client practice, audited drop by drop (``telekit init``,
``telekit.toml``)."""

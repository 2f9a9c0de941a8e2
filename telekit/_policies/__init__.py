"""Layer 5: payer policies — the vocabulary of policy columns (``_vocabulary``), the resolved,
effective-dated model (``_model``: built-in defaults, payer types, payers and periods) and the
``policies.toml`` reader (``_toml``). Expected fees are a metrics input
(``telekit._policies._expected_fees``)."""

"""Layer 9: the bounded-memory audit — links between persons, the split into buckets, the audit
of each bucket and the merge, tallies of the tables not audited line by line, and the entry
points (``telekit._scale._partitioned``)."""

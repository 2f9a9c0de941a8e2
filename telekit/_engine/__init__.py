"""The audit engine: inputs, annotation, the rule registry, windows, the run and its result."""

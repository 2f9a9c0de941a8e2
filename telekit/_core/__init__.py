"""Layer 0: the vocabulary every other layer shares — canonical columns, ``Table``, exceptions,
the log and progress, package data and the version. Imports nothing else from telekit."""

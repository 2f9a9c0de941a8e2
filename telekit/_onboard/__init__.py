"""Onboarding a practice's own exports: the data contract on screen (``telekit columns``), an
empty validated workbook per table (``telekit template``) and a first map of a file's headers
(``telekit map --init``)."""
